"""Tests that build and run generated code with the other languages' toolchains (Go, Node.js)."""
