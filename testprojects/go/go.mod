// The Go module that the generated-code harness (src/python/ssegen/harness/go_test.py) assembles:
// protoc-gen-go messages, ssegen's generated packages and the Go tests, placed by import path.
// protoc-gen-go is installed at the same google.golang.org/protobuf version as required here.
module example.com/ssegen/testprojects

go 1.23

require google.golang.org/protobuf v1.36.12
