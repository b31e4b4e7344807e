// The Go benchmarks (bench/run assembles gen/ first: protoc-gen-go messages and ssegen's
// generated package for bench/proto).
module example.com/ssegen/bench

go 1.23

require (
	github.com/tmaxmax/go-sse v0.11.0
	google.golang.org/protobuf v1.36.12
)
