package ledger

import "github.com/secui/secui/findings"

// Triage returns a as a findings.Triage, for callers that still hold an
// Applied (the list and the console, until they hold an Overlay): the
// decision's state, open when it expired or needs review.
func (a *Applied) Triage() findings.Triage { return appliedTriage{a} }

type appliedTriage struct{ a *Applied }

func (t appliedTriage) State(f *findings.Finding) findings.State {
	if t.a == nil {
		return findings.StateOpen
	}
	m, ok := t.a.ByFinding[f]
	if !ok || m.Expired || m.Decision.Review != "" {
		return findings.StateOpen
	}
	return m.Decision.State
}

func (t appliedTriage) Expired(f *findings.Finding) bool {
	if t.a == nil {
		return false
	}
	m, ok := t.a.ByFinding[f]
	return ok && m.Expired
}
