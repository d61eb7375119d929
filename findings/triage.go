package findings

// Triage is a read-only view of the triage state of findings: the result of
// matching the ledger to a set of findings (ledger.Overlay). Findings are
// never mutated by triage; everything that shows or counts states (queries,
// summaries, the gate, the console) asks a Triage. A nil Triage means every
// finding is open.
type Triage interface {
	// State is the effective state of f: a suppression past its expiry is
	// open again.
	State(f *Finding) State
	// Expired reports whether f's suppression has expired (State is then open).
	Expired(f *Finding) bool
}

// StateOf returns t.State(f), or StateOpen when t is nil.
func StateOf(t Triage, f *Finding) State {
	if t == nil {
		return StateOpen
	}
	return t.State(f)
}

// ExpiredOf returns t.Expired(f), or false when t is nil.
func ExpiredOf(t Triage, f *Finding) bool { return t != nil && t.Expired(f) }
