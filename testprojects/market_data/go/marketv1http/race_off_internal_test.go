//go:build !race

package marketv1http

const raceDetector = false
