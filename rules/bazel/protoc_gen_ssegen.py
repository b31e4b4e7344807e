"""protoc-gen-ssegen for Bazel: the generator's protoc plugin, as the main of a py_binary."""
from ssegen.protoc_plugin import main

if __name__ == "__main__":
    main()
