// Package policy is secui's triage policy, in one place: what the CI gate
// (`secui check`) fails on, and which findings the list and the console hide
// by default or show in the suppressed lanes. The CLI and the console only
// present it, so they can never disagree.
//
// The policy reads triage state through findings.Triage / ledger.Overlay,
// never from Finding fields, and the decision validity rules from
// findings/ledger (Decision.Problems), so what secui refuses to write and
// what the gate refuses to accept are the same rules.
package policy

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
)

// ---- visibility: the list, the console and the gate agree on these

// HiddenByDefault reports whether f is kept out of the default view: it is
// suppressed in the ledger (and the suppression applies: not expired, not
// needing review), or suppressed by the SARIF input itself (accepted or
// under review). A finding marked fixed that the scan still reports is NOT
// hidden: the scan has not proved the fix. A fixed finding no scan reports
// any more (Finding.Gone: proved by a re-scan) is hidden.
func HiddenByDefault(t findings.Triage, f *findings.Finding) bool {
	st := findings.StateOf(t, f)
	return st == findings.StateSuppressed || st == findings.StateFixed && f.Gone() || f.InputSup.Hidden()
}

// CountsOpen reports whether f counts as open for the gate and the console's
// counts: its effective state is open (no decision, reopened, an expired
// suppression, a decision needing review) or fixed (marked fixed, yet the
// scan still reports it), and the SARIF input does not suppress it.
func CountsOpen(t findings.Triage, f *findings.Finding) bool {
	st := findings.StateOf(t, f)
	return (st == findings.StateOpen || st == findings.StateFixed && !f.Gone()) && !f.InputSup.Hidden()
}

// Lane is a group of the suppressed view.
type Lane string

// The suppressed view's lanes, in display order (LaneNone: not in the view).
const (
	LaneNone     Lane = ""
	LaneLedger   Lane = "suppressed-here"
	LaneAccepted Lane = "sarif-accepted"
	LaneReview   Lane = "sarif-under-review"
	LaneRejected Lane = "sarif-rejected"
)

// Lanes lists the lanes in display order.
var Lanes = []Lane{LaneLedger, LaneAccepted, LaneReview, LaneRejected}

// Label is the lane's heading.
func (l Lane) Label() string {
	switch l {
	case LaneLedger:
		return "Suppressed here (ledger)"
	case LaneAccepted:
		return "Suppressed in the SARIF input: accepted"
	case LaneReview:
		return "Suppressed in the SARIF input: under review"
	case LaneRejected:
		return "SARIF suppression rejected (shown as open)"
	}
	return ""
}

// LaneOf is the suppressed-view lane of f (LaneNone: not suppressed anywhere).
func LaneOf(t findings.Triage, f *findings.Finding) Lane {
	switch {
	case findings.StateOf(t, f) == findings.StateSuppressed:
		return LaneLedger
	case f.InputSup == findings.InAccepted:
		return LaneAccepted
	case f.InputSup == findings.InUnderReview:
		return LaneReview
	case f.InputSup == findings.InRejected:
		return LaneRejected
	}
	return LaneNone
}

// ---- thresholds

// Threshold is the lowest severity of an open finding that fails the gate;
// Off never fails.
type Threshold struct {
	Sev findings.Severity
	Off bool
}

// ParseThreshold reads critical, high, medium, low, info or off ("none" and
// "never" are off).
func ParseThreshold(s string) (Threshold, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "off", "none", "never":
		return Threshold{Off: true}, nil
	}
	sev, err := findings.ParseSeverity(s)
	if err != nil {
		return Threshold{}, err
	}
	return Threshold{Sev: sev}, nil
}

func (t Threshold) String() string {
	if t.Off {
		return "off"
	}
	return t.Sev.String()
}

// Fails reports whether an open finding of severity sev fails t.
func (t Threshold) Fails(sev findings.Severity) bool { return !t.Off && sev >= t.Sev }

// ---- the gate

// Gate is the configured CI gate. Build it with NewGate.
type Gate struct {
	// FailOn is the threshold of security findings (per-stage overrides
	// in SetStage).
	FailOn Threshold
	// FailOnQuality is the threshold of quality findings (lint, code
	// quality: findings.KindQuality); Off by default, so a repository whose
	// only findings are lint passes.
	FailOnQuality Threshold
	stages        map[findings.Stage]Threshold
	// Rules are the decision validity limits (check.max-expiry).
	Rules ledger.Rules
	// Strict also fails on decisions the matcher could not place with
	// confidence (Overlay.Review()).
	Strict bool
}

// NewGate returns a gate failing on open findings at or above failOn
// ("" = high).
func NewGate(failOn string) (*Gate, error) {
	if failOn == "" {
		failOn = "high"
	}
	th, err := ParseThreshold(failOn)
	if err != nil {
		return nil, err
	}
	return &Gate{FailOn: th, FailOnQuality: Threshold{Off: true}, stages: map[findings.Stage]Threshold{}}, nil
}

// SetQuality sets the threshold of quality findings ("" = off).
func (g *Gate) SetQuality(threshold string) error {
	if threshold == "" {
		threshold = "off"
	}
	th, err := ParseThreshold(threshold)
	if err != nil {
		return err
	}
	g.FailOnQuality = th
	return nil
}

// ThresholdOf is the threshold that applies to f: FailOnQuality for quality
// findings, else the threshold of f's stage.
func (g *Gate) ThresholdOf(f *findings.Finding) Threshold {
	if f.Kind == findings.KindQuality {
		return g.FailOnQuality
	}
	return g.Threshold(f.Stage)
}

// SetStage overrides the threshold of one stage ("code", "critical").
func (g *Gate) SetStage(stage, threshold string) error {
	st, err := findings.ParseStage(stage)
	if err != nil {
		return err
	}
	th, err := ParseThreshold(threshold)
	if err != nil {
		return fmt.Errorf("%s: %w", stage, err)
	}
	g.stages[st] = th
	return nil
}

// Threshold is the threshold that applies to findings of stage st.
func (g *Gate) Threshold(st findings.Stage) Threshold {
	if th, ok := g.stages[st]; ok {
		return th
	}
	return g.FailOn
}

// StageThresholds are the per-stage overrides, by stage name.
func (g *Gate) StageThresholds() map[string]string {
	out := map[string]string{}
	for st, th := range g.stages {
		out[st.String()] = th.String()
	}
	return out
}

// Overlay is what the gate needs from the result of matching the ledger to
// the findings; *ledger.Overlay implements it.
type Overlay interface {
	findings.Triage
	Match(f *findings.Finding) (ledger.Match, bool)
	Orphans() []*ledger.Decision
	Review() []ledger.ReviewItem
}

var _ Overlay = (*ledger.Overlay)(nil)

// Input is what the gate evaluates.
type Input struct {
	// Findings are the findings in scope (a query may narrow them).
	Findings []*findings.Finding
	// Overlay is the ledger matched to ALL loaded findings (nil: no ledger).
	Overlay Overlay
	// Decisions are every record of the ledger (they are checked whatever
	// the scope: the ledger is one reviewed file).
	Decisions []*ledger.Decision
	// Ledger is the ledger's repository-relative path, for locations.
	Ledger string
	// LedgerFile, when set, is the file that holds the record with an id
	// (the shard of a sharded ledger), for locations; Ledger otherwise.
	LedgerFile func(id string) string
	// Errors are the SARIF input errors: the gate cannot vouch for what it
	// could not read, so any error fails it.
	Errors []*findings.LoadError
	Now    time.Time
}

// Problem kinds, in report order.
const (
	KindReview      = "review"      // a record marked needs review (merge conflict): always fails
	KindExpired     = "expired"     // a suppression past its expiry
	KindOverdue     = "overdue"     // an acceptance past its due date
	KindUnjustified = "unjustified" // a record that breaks a validity rule
	KindOrphaned    = "orphaned"    // a suppression matching no current finding
	KindAmbiguous   = "ambiguous"   // a decision the matcher could not place (fails with Strict)
	KindStale       = "stale-scope" // a scope record (rule or path) covering no current finding (fails with Strict)
	KindOpen        = "open"        // an open finding at or above its threshold
)

var kindOrder = map[string]int{KindReview: 0, KindExpired: 1, KindOverdue: 2, KindUnjustified: 3, KindOrphaned: 4, KindAmbiguous: 5, KindStale: 6, KindOpen: 7}

// Problem is one reason the gate fails (or, in Report.Warnings, would fail
// with Strict).
type Problem struct {
	Kind     string `json:"kind"`
	ID       string `json:"id"`
	Severity string `json:"severity,omitempty"`
	Stage    string `json:"stage,omitempty"`
	// FindingKind is the open finding's kind (security or quality).
	FindingKind string `json:"finding_kind,omitempty"`
	Rule        string `json:"rule,omitempty"`
	Location    string `json:"location,omitempty"`
	Message     string `json:"message"`
}

// InputError is a SARIF input that could not be read (or read completely).
type InputError struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Message string `json:"message"`
}

// Report is the gate's verdict.
type Report struct {
	Passed        bool
	Findings      int // in scope
	Open          int // in scope, counting as open
	OverThreshold int
	// Security and Quality split the open findings in scope by kind;
	// OverQuality counts the quality findings of OverThreshold.
	Security, Quality, OverQuality int
	Counts                         map[string]int // problems by kind
	Problems                       []Problem      // sorted by kind, then as found
	Warnings                       []Problem      // ambiguous decisions when not Strict
	Errors                         []InputError
}

// Evaluate runs the gate. It passes only when there are no problems and no
// input errors.
func (g *Gate) Evaluate(in Input) *Report {
	rep := &Report{Counts: map[string]int{}, Problems: []Problem{}, Warnings: []Problem{}, Errors: []InputError{}}
	for _, e := range in.Errors {
		rep.Errors = append(rep.Errors, InputError{File: e.File, Line: e.Line, Col: e.Col, Message: e.Msg})
	}
	var tri findings.Triage
	if in.Overlay != nil {
		tri = in.Overlay
	}
	add := func(p Problem) {
		rep.Problems = append(rep.Problems, p)
		rep.Counts[p.Kind]++
	}
	rep.Findings = len(in.Findings)
	for _, f := range in.Findings {
		if !CountsOpen(tri, f) {
			continue
		}
		rep.Open++
		if f.Kind == findings.KindQuality {
			rep.Quality++
		} else {
			rep.Security++
		}
		if !g.ThresholdOf(f).Fails(f.Severity) {
			continue
		}
		rep.OverThreshold++
		if f.Kind == findings.KindQuality {
			rep.OverQuality++
		}
		msg := f.Message
		if m, ok := matchOf(in.Overlay, f); ok {
			d := m.Decision
			switch {
			case d.Extra().Review != "":
				msg = "decision needs review: " + msg
			case m.Expired && d.Expires != nil:
				msg = "suppression expired " + d.Expires.Format(time.DateOnly) + ": " + msg
			case d.State == findings.StateFixed:
				msg = "marked fixed, but the scan still reports it: " + msg
			}
		}
		add(Problem{Kind: KindOpen, ID: f.ID, Severity: f.Severity.String(), Stage: f.Stage.String(),
			FindingKind: f.Kind.String(), Rule: f.RuleID(), Location: f.Loc.String(), Message: msg})
	}
	orphan := map[*ledger.Decision]bool{}
	if in.Overlay != nil {
		for _, d := range in.Overlay.Orphans() {
			orphan[d] = true
		}
	}
	for _, d := range in.Decisions {
		loc := fmt.Sprintf("%s:%d", in.ledgerFile(d.ID), d.Line)
		p := Problem{ID: d.ID, Rule: d.Rule, Location: loc}
		if d.Extra().Review != "" {
			p.Kind, p.Message = KindReview, "needs review: "+d.Extra().Review
			add(p)
		}
		if d.Expired(in.Now) {
			p.Kind, p.Message = KindExpired, fmt.Sprintf("suppression expired on %s (%s, by %s)", d.Expires.Format(time.DateOnly), d.Reason, d.Author)
			add(p)
		}
		if d.Overdue(in.Now) {
			p.Kind, p.Message = KindOverdue, fmt.Sprintf("acceptance was due on %s (by %s): fix it, or accept again with a new --due and a note", d.Extra().Due.Format(time.DateOnly), d.Author)
			add(p)
		}
		if probs := d.Problems(in.Now, g.Rules); len(probs) > 0 {
			p.Kind, p.Message = KindUnjustified, d.State.String()+": "+strings.Join(probs, "; ")
			add(p)
		}
		if orphan[d] && d.State == findings.StateSuppressed {
			p.Kind, p.Message = KindOrphaned, fmt.Sprintf("suppression matches no current finding (was %s in %s)", d.Rule, d.Path)
			add(p)
		}
	}
	if in.Overlay != nil {
		for _, r := range in.Overlay.Review() {
			if r.Decision.Extra().Review != "" {
				continue // a record marked needs review: reported (and failing) above
			}
			p := Problem{Kind: KindAmbiguous, ID: r.Decision.ID, Rule: r.Decision.Rule,
				Location: fmt.Sprintf("%s:%d", in.ledgerFile(r.Decision.ID), r.Decision.Line), Message: "needs review: " + r.Why}
			if len(r.Candidates) > 0 {
				var c []string
				for _, f := range r.Candidates {
					c = append(c, f.ID+" "+f.Loc.String())
				}
				p.Message += " (candidates: " + strings.Join(c, ", ") + ")"
			}
			if g.Strict {
				add(p)
			} else {
				rep.Warnings = append(rep.Warnings, p)
			}
		}
	}
	// A scope (rule or path) covering nothing now is stale: its rule was
	// fixed everywhere, renamed by the tool, or its scan is missing. It
	// decides nothing, so it is a warning (a problem with Strict).
	if so, ok := in.Overlay.(interface{ StaleScopes() []*ledger.Decision }); ok {
		for _, d := range so.StaleScopes() {
			p := Problem{Kind: KindStale, ID: d.ID, Rule: d.Rule, Location: fmt.Sprintf("%s:%d", in.ledgerFile(d.ID), d.Line),
				Message: fmt.Sprintf("%s scope %s covers no current finding", d.State, d.ScopeOf())}
			if g.Strict {
				add(p)
			} else {
				rep.Warnings = append(rep.Warnings, p)
			}
		}
	}
	sort.SliceStable(rep.Problems, func(i, j int) bool { return kindOrder[rep.Problems[i].Kind] < kindOrder[rep.Problems[j].Kind] })
	rep.Passed = len(rep.Problems) == 0 && len(rep.Errors) == 0
	return rep
}

func matchOf(o Overlay, f *findings.Finding) (ledger.Match, bool) {
	if o == nil {
		return ledger.Match{}, false
	}
	return o.Match(f)
}

// ledgerFile is the file holding record id, for locations.
func (in *Input) ledgerFile(id string) string {
	if in.LedgerFile != nil {
		return in.LedgerFile(id)
	}
	return in.Ledger
}
