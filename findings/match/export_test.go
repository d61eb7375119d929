package match

// SetParallel sets the number of open decisions from which a legacy round
// scans in parallel (1: always, when GOMAXPROCS > 1) and the block of
// decisions a goroutine takes at a time, and returns a func restoring both.
func SetParallel(minOpen, block int) (restore func()) {
	oldMin, oldBlock := parallelMin, parallelBlock
	parallelMin, parallelBlock = minOpen, block
	return func() { parallelMin, parallelBlock = oldMin, oldBlock }
}
