//go:build race

package marketv1http

// The race detector slows the byte-level decoder tests tenfold without adding anything to them
// (they run on one goroutine); under -race they sample large inputs more thinly. The harness also
// runs them without -race at full density.
const raceDetector = true
