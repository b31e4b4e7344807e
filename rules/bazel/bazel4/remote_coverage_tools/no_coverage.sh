#!/bin/sh
echo "coverage needs Bazel's remote_coverage_tools, which ./bazel cannot download on Bazel 4" >&2
exit 1
