// Package rescan classifies the findings of one scanner after it ran again:
// each finding it reported before is still open, moved, fixed, or cannot be
// judged; findings it reports now that it did not before were introduced by
// the change. It is pure: the caller runs the scanner, loads both sets and
// says what the run covered; nothing here reads files or writes the ledger.
//
// The rules (docs/engine.md, "Re-scans"):
//
//   - Only a successful run proves anything. Classify with Success false
//     returns every earlier finding as Unproven and nothing as new.
//   - Earlier and current findings are paired by the identity matcher
//     (findings/match): the earlier findings play the part of decisions, with
//     the identity keys and evidence they had when they were scanned.
//   - An earlier finding nothing pairs with is Fixed when the run covered its
//     file and it was open, accepted or fixed-pending-a-scan; NotCovered
//     when the run did not cover its file; Gone when it was suppressed (the
//     suppression becomes an orphan; nothing is recorded).
//   - A finding the matcher cannot place with confidence is Review: never
//     fixed.
//   - An earlier finding nothing pairs with, while a current finding of the
//     same tool and rule nothing pairs with either is reported at its file
//     and line, is Review (its line changed and no scan record vouches for
//     either): never fixed, and the current one is not "new".
//   - A paired finding whose decision says fixed is Reopened: the fix did
//     not remove it (pending) or it came back (a regression).
package rescan

import (
	"path"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/match"
)

// Before is one finding the scanner reported before the run.
type Before struct {
	F *findings.Finding
	// State is its triage state (from the ledger overlay); Pending is set
	// for a fix that waits for a scan; InputSuppressed when the SARIF
	// itself suppresses it.
	State           findings.State
	Pending         bool
	InputSuppressed bool
	// Decision is the ID of the ledger record that applies ("" none).
	Decision string
	// ID, Keys and Evidence identify it as it was scanned (the scan
	// record's snapshot), else as best known ("" / nil: F's own).
	ID       string
	Keys     []string
	Evidence evidence.Evidence
}

// Input is one scanner's earlier findings, its new results and what the run
// covered.
type Input struct {
	Before  []Before
	After   []*findings.Finding
	AfterEv []evidence.Evidence // evidence of After (same order; may be nil)
	Covers  Coverage
	Success bool
	// Match gives the matcher the working tree and git line tracking (zero:
	// only the evidence given in Before and AfterEv).
	Match match.Options
}

// Outcome is what happened to an earlier finding.
type Outcome uint8

// Outcomes.
const (
	Open       Outcome = iota // still reported where it was
	Moved                     // still reported, elsewhere (lines moved, file renamed)
	Fixed                     // gone from a successful run that covered its file
	NotCovered                // gone, but the run did not cover its file: nothing proven
	Gone                      // gone, and it was suppressed: nothing to record
	Review                    // the matcher could not place it with confidence
	Reopened                  // still reported although its decision says fixed
	Unproven                  // the run failed or was partial: nothing proven
)

var outcomeNames = [...]string{"open", "moved", "fixed", "not-covered", "gone", "review", "reopened", "unproven"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// Item is the outcome for one earlier finding.
type Item struct {
	Before  int               // index into Input.Before
	Outcome Outcome           // what happened
	Now     *findings.Finding // the current finding (Open, Moved, Reopened, Review: best candidate)
	How     string            // how it was paired (match.How), "" when not
	Moved   int               // lines moved
	Why     string            // for Review, NotCovered, Unproven
}

// Result is the classification of one run.
type Result struct {
	Items []Item              // one per Input.Before, same order
	New   []*findings.Finding // current findings nothing earlier pairs with
}

// Count returns how many items have outcome o.
func (r *Result) Count(o Outcome) int {
	n := 0
	for _, it := range r.Items {
		if it.Outcome == o {
			n++
		}
	}
	return n
}

// Classify pairs in.Before with in.After and says what happened to each.
func Classify(in Input) Result {
	res := Result{Items: make([]Item, len(in.Before))}
	for i := range in.Before {
		res.Items[i] = Item{Before: i}
	}
	if !in.Success {
		for i := range res.Items {
			res.Items[i].Outcome = Unproven
			res.Items[i].Why = "the run did not succeed"
		}
		return res
	}
	ds := make([]match.Decision, len(in.Before))
	for i, b := range in.Before {
		id, keys := b.ID, b.Keys
		if id == "" {
			id = b.F.ID
		}
		if keys == nil {
			keys = b.F.Keys
		}
		ds[i] = match.Decision{ID: id, Tool: b.F.ToolName(), Rule: b.F.RuleID(), Keys: keys, Evidence: b.Evidence}
	}
	fs := make([]match.Finding, len(in.After))
	for i, f := range in.After {
		fs[i] = match.Finding{F: f}
		if i < len(in.AfterEv) {
			fs[i].Evidence = in.AfterEv[i]
		}
	}
	m := match.Assign(ds, fs, in.Match)
	linked := make([]bool, len(in.After))
	placed := make([]bool, len(in.Before))
	for _, l := range m.Links {
		linked[l.Finding] = true
		placed[l.Decision] = true
		b := in.Before[l.Decision]
		now := in.After[l.Finding]
		it := &res.Items[l.Decision]
		it.Now, it.How, it.Moved = now, l.How.String(), l.Moved
		switch {
		case b.State == findings.StateFixed:
			it.Outcome = Reopened
		case now.Loc.Path != b.F.Loc.Path || (now.Loc.Line != b.F.Loc.Line && b.F.Loc.Line > 0):
			it.Outcome = Moved
			if it.Moved == 0 && now.Loc.Path == b.F.Loc.Path {
				it.Moved = now.Loc.Line - b.F.Loc.Line
			}
		default:
			it.Outcome = Open
		}
	}
	for _, rv := range m.Review {
		placed[rv.Decision] = true
		it := &res.Items[rv.Decision]
		it.Outcome, it.Why = Review, rv.Why
		if len(rv.Candidates) > 0 {
			it.Now = in.After[rv.Candidates[0]]
			for _, c := range rv.Candidates {
				linked[c] = true // a candidate is not "introduced" while its pairing is open
			}
		}
	}
	for i, b := range in.Before {
		if placed[i] {
			continue
		}
		it := &res.Items[i]
		switch {
		case !in.Covers.Covers(b.F):
			it.Outcome, it.Why = NotCovered, in.Covers.why(b.F)
		case b.State == findings.StateSuppressed || b.InputSuppressed:
			it.Outcome = Gone
		case b.State == findings.StateFixed && !b.Pending:
			it.Outcome = Gone // already proven fixed by an earlier scan
		default:
			// The same rule still reported at the same place, with nothing
			// to say it is this finding (its line changed, no scan record):
			// it may well be the same one. Never fixed when unsure.
			if j := samePlace(b.F, in.After, linked); j >= 0 {
				linked[j] = true // a candidate, not "introduced"
				it.Outcome, it.Now = Review, in.After[j]
				it.Why = "the same rule is still reported at " + b.F.Loc.String() + " but nothing identifies it as this finding: confirm"
				continue
			}
			it.Outcome = Fixed
		}
	}
	for i, f := range in.After {
		if !linked[i] {
			res.New = append(res.New, f)
		}
	}
	return res
}

// samePlace returns the index of a current finding nothing is paired with
// that has b's tool, rule, file and line (-1: none).
func samePlace(b *findings.Finding, after []*findings.Finding, linked []bool) int {
	if b.Loc.Path == "" || b.Loc.Line <= 0 {
		return -1
	}
	for j, f := range after {
		if !linked[j] && f.Loc.Path == b.Loc.Path && f.Loc.Line == b.Loc.Line &&
			f.RuleID() == b.RuleID() && strings.EqualFold(f.ToolName(), b.ToolName()) {
			return j
		}
	}
	return -1
}

// CoverageMode says how a run's coverage is known.
type CoverageMode uint8

// Coverage modes.
const (
	// CoverDir: the scanner covers every file under its working directory
	// (gosec ./..., gitleaks dir .): the default.
	CoverDir CoverageMode = iota
	// CoverPaths: the configured paths globs.
	CoverPaths
	// CoverArtifacts: the files the SARIF run lists in artifacts.
	CoverArtifacts
)

var modeNames = [...]string{"dir", "paths", "artifacts"}

func (m CoverageMode) String() string { return modeNames[m] }

// Coverage is what a run covered.
type Coverage struct {
	Mode  CoverageMode
	Dir   string          // repository-relative working directory ("" = root); bounds every mode
	Globs []string        // CoverPaths: repository-relative doublestar globs
	Files map[string]bool // CoverArtifacts: repository-relative paths
}

// NewCoverage decides how a run's coverage is known: the configured globs
// when there are any, else the SARIF run's artifacts when it lists some,
// else everything under dir.
func NewCoverage(dir string, globs, artifacts []string) Coverage {
	c := Coverage{Dir: strings.Trim(path.Clean("/"+dir), "/")}
	switch {
	case len(globs) > 0:
		c.Mode, c.Globs = CoverPaths, globs
	case len(artifacts) > 0:
		c.Mode, c.Files = CoverArtifacts, make(map[string]bool, len(artifacts))
		for _, a := range artifacts {
			c.Files[a] = true
		}
	}
	return c
}

// Covers reports whether the run covered f's file. A finding outside the
// repository, or without a path, is never covered.
func (c Coverage) Covers(f *findings.Finding) bool { return c.why(f) == "" }

func (c Coverage) why(f *findings.Finding) string {
	p := f.Loc.Path
	if !f.Loc.InRepo || p == "" {
		return "its location is not a file in the repository"
	}
	if c.Dir != "" && p != c.Dir && !strings.HasPrefix(p, c.Dir+"/") {
		return "its file is outside the scanner's directory " + c.Dir
	}
	switch c.Mode {
	case CoverPaths:
		for _, g := range c.Globs {
			if ok, _ := doublestar.Match(g, p); ok {
				return ""
			}
		}
		return "its file matches none of the scanner's paths"
	case CoverArtifacts:
		if !c.Files[p] {
			return "the run's artifacts do not list its file"
		}
	}
	return ""
}
