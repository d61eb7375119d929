package ledger

import (
	"time"

	"github.com/secui/secui/findings"
)

// Overlay is the result of matching the ledger's decisions to a set of
// findings: which decision applies to which finding, how it matched, and the
// decisions that matched nothing or need review. It implements
// findings.Triage and is read-only once built, so the CLI, the gate and the
// console can share it without locks.
//
// STATUS: the API is fixed for issue 7. It is built from Apply for now; the
// identity work builds it from match.Assign and stops mutating findings.
type Overlay struct {
	a      *Applied
	now    time.Time
	review []ReviewItem
}

// ReviewItem is a decision that could not be placed with confidence: it
// applies to no finding until someone confirms one of the candidates (or
// removes it). `secui check --strict` fails on these.
type ReviewItem struct {
	Decision   *Decision
	Candidates []*findings.Finding // best first
	Why        string
}

// Overlay matches the ledger to fs at time now.
func (l *Ledger) Overlay(fs []*findings.Finding, now time.Time) *Overlay {
	return &Overlay{a: l.Apply(fs, now), now: now}
}

// State implements findings.Triage.
func (o *Overlay) State(f *findings.Finding) findings.State {
	if o == nil {
		return findings.StateOpen
	}
	m, ok := o.a.ByFinding[f]
	if !ok || m.Expired || m.Decision.Review != "" { // a record needing review does not apply
		return findings.StateOpen
	}
	return m.Decision.State
}

// Expired implements findings.Triage.
func (o *Overlay) Expired(f *findings.Finding) bool {
	if o == nil {
		return false
	}
	m, ok := o.a.ByFinding[f]
	return ok && m.Expired
}

// Match returns the decision applied to f and how it matched.
func (o *Overlay) Match(f *findings.Finding) (Match, bool) {
	if o == nil {
		return Match{}, false
	}
	m, ok := o.a.ByFinding[f]
	return m, ok
}

// FindingOf returns the finding decision id d was placed on (nil: none).
func (o *Overlay) FindingOf(id string) *findings.Finding {
	if o == nil {
		return nil
	}
	return o.a.Matched[id]
}

// Orphans are the decisions that match no current finding (sorted by id).
func (o *Overlay) Orphans() []*Decision { return o.a.Orphans }

// ExpiredDecisions are the suppressions past their expiry (matched or not).
func (o *Overlay) ExpiredDecisions() []*Decision { return o.a.Expired }

// Overdue are the acceptances past their due date.
func (o *Overlay) Overdue() []*Decision { return o.a.Overdue }

// Review lists the decisions that need review (sorted by id).
func (o *Overlay) Review() []ReviewItem { return o.review }

// Now is the time the overlay was computed for (expiry and due dates).
func (o *Overlay) Now() time.Time { return o.now }

var _ findings.Triage = (*Overlay)(nil)
