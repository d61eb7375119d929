package query

import "github.com/secui/secui/findings"

// stateMap is a findings.Triage for tests: the listed findings have the
// given state, all others are open.
type stateMap map[*findings.Finding]findings.State

func (m stateMap) State(f *findings.Finding) findings.State { return m[f] }
func (m stateMap) Expired(*findings.Finding) bool           { return false }

// tri holds the states of the test findings (fixture, the benchmark
// generator). Tests in this package do not run in parallel.
var tri = stateMap{}
