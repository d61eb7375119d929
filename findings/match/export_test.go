package match

// SetLegacyParMin sets the number of open decisions from which the legacy
// round proposes on two goroutines (1: always) and returns the old value.
func SetLegacyParMin(n int) int {
	old := legacyParMin
	legacyParMin = n
	return old
}
