// Package ledger keeps secui's triage decisions (suppress, accept, reopen,
// fixed) in a human-readable YAML file committed to the repository
// (default .secui/ledger.yaml), one record per finding, sorted by id.
//
// Every Decide writes the file at once: it takes an advisory lock on
// "<ledger>.lock", re-reads the file, merges the change record by record,
// writes a temporary file in the same directory, fsyncs it, renames it over
// the ledger and fsyncs the directory. A crash at any moment leaves either
// the old or the new file; two secui processes never lose each other's
// decisions.
//
// Overlay matches decisions to the findings of a scan (findings/match: a
// one-to-one assignment by strong keys, git line tracking and the evidence
// each record keeps) and says how each decision matched. Findings are never
// modified: everything that shows or counts triage states reads the
// Overlay (a findings.Triage).
package ledger

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
)

// DefaultPath is the ledger location relative to the repository root.
const DefaultPath = ".secui/ledger.yaml"

// SchemaVersion is the newest ledger schema: version 3, the sharded ledger
// (a directory of files, one per first two hex digits of the record ids,
// each a version 3 file with version 2 records; see shard.go). `secui
// ledger --upgrade` writes it. Versions 1 and 2 (one file) are still read.
const SchemaVersion = ShardedVersion

// FileVersion is the version a single-file ledger is written in: a write
// to a version 1 or 2 file produces a version 2 file.
const FileVersion = 2

// ShardedVersion is the version of a sharded ledger and of each of its files.
const ShardedVersion = 3

// Reason is why a finding is suppressed.
type Reason string

// Suppression reasons (the taxonomy).
const (
	FalsePositive Reason = "false-positive"
	AcceptedRisk  Reason = "accepted-risk"
	UsedInTests   Reason = "used-in-tests"
	Mitigated     Reason = "mitigated"
	WontFix       Reason = "wont-fix"
)

// Reasons lists every suppression reason.
var Reasons = []Reason{FalsePositive, AcceptedRisk, UsedInTests, Mitigated, WontFix}

var reasonAliases = map[string]Reason{
	"false-positive": FalsePositive, "falsepositive": FalsePositive, "fp": FalsePositive, "false positive": FalsePositive,
	"accepted-risk": AcceptedRisk, "risk": AcceptedRisk, "accepted risk": AcceptedRisk,
	"used-in-tests": UsedInTests, "test": UsedInTests, "tests": UsedInTests, "used in tests": UsedInTests,
	"mitigated": Mitigated, "mitigated-elsewhere": Mitigated,
	"wont-fix": WontFix, "won't-fix": WontFix, "wontfix": WontFix, "won't fix": WontFix,
}

// ParseReason reads a reason name (a few aliases such as "fp" and "wontfix"
// are accepted).
func ParseReason(s string) (Reason, error) {
	if r, ok := reasonAliases[strings.ToLower(strings.TrimSpace(s))]; ok {
		return r, nil
	}
	return "", fmt.Errorf("unknown reason %q (want one of %s)", s, reasonList())
}

func reasonList() string {
	s := make([]string, len(Reasons))
	for i, r := range Reasons {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// Actions accepted by Decide.
const (
	ActSuppress = "suppress"
	ActAccept   = "accept"
	ActReopen   = "reopen"
	ActFixed    = "fixed"
	ActLink     = "link" // add tracker links (Request.Tickets) without changing the state
	// ActMove is recorded (never requested) when a record changes id: it was
	// confirmed on a finding whose id changed, or made room for another
	// finding's decision. The note says from which id to which.
	ActMove = "move"
)

// Decision is the ledger record of one finding: its current state and the
// history of events that led there.
//
// Its first fields (ID, Tool, Rule, Keys, Evidence) are laid out as
// match.Decision is, in that order: the matcher reads each record in place
// (matchView) instead of a 100k-element copy. init checks the layout.
type Decision struct {
	ID   string   // the finding's ID when decided
	Tool string   // for reviewers
	Rule string   // for reviewers
	Keys []string // identity keys of the finding, strongest first

	// Evidence is where and on what code the decision was made (path, line,
	// commit, hashed line and context, enclosing symbol): how the matcher
	// recognises the finding after edits. Zero for v1 records until upgraded.
	Evidence evidence.Evidence

	State         findings.State
	Pending       bool   // see Extra.FixSource (next to State: one padded word for both)
	Reason        Reason // suppressions only
	Justification string // suppressions only
	Author        string // "Name <email>" of the latest decision
	Time          time.Time
	Expires       *time.Time // suppression expiry (date, UTC midnight)
	Path          string
	History       []Event // oldest first

	// Line is the 1-based line of the record in the ledger file (0 unknown).
	Line int

	// extra holds the fields most records leave empty (Extra), nil when
	// all are: 96 bytes less a record, ~10 MB at 100k decisions. Read them
	// with Extra, set them with Edit.
	extra *Extra
}

// Extra is the part of a Decision most records leave empty.
type Extra struct {
	Note string     // accept / reopen / fixed note
	Due  *time.Time // accept due date (date, UTC midnight)

	Tickets []string // tracker links (SARIF workItemUris)

	// Review, when set, says why the record needs a human before it counts
	// (e.g. both branches of a merge changed it differently). `secui check`
	// fails on such records.
	Review string
	// Fixed state only: Decision.Pending is set while a fix (applied by
	// secui or made by hand) waits for a re-scan to prove it; FixSource says
	// where the fix came from ("tool-fix": a fix the scanner proposed,
	// "hand-edit"); Scan is the evidence of the scan that proved it.
	FixSource string
	Scan      *ScanEvidence

	// Scope, when set, makes this a scope record (scope.go): it applies to
	// every finding of Tool's Rule (optionally under the glob Path), or to
	// every finding under the glob Path (optionally of Tool), not to one
	// finding; it has no keys or evidence.
	Scope ScopeKind
}

// Extra returns d's rarely set fields (zero when none is set). It is a
// copy: set them with Edit.
func (d *Decision) Extra() Extra {
	if d.extra == nil {
		return Extra{}
	}
	return *d.extra
}

// Edit returns d's rarely set fields to set them. It copies them first, so
// that a copy of d made before (c := *d) keeps its own values, as it would
// if they were fields of d.
func (d *Decision) Edit() *Extra {
	x := new(Extra)
	if d.extra != nil {
		*x = *d.extra
	}
	d.extra = x
	return x
}

// empty reports whether no field of x is set.
func (x *Extra) empty() bool {
	return x.Note == "" && x.Due == nil && len(x.Tickets) == 0 && x.Review == "" && x.FixSource == "" && x.Scan == nil && x.Scope == ""
}

// With returns a copy of d with its rarely set fields x (for composite
// literals: ledger.Decision{ID: id}.With(ledger.Extra{Note: n})).
func (d Decision) With(x Extra) *Decision {
	d.extra = &x
	return &d
}

// ScanEvidence identifies the scan that showed a finding fixed: a
// successful run of the scanner that reported it, covering its file.
type ScanEvidence struct {
	Scanner string    // scanner name as configured (e.g. "gosec")
	Version string    // tool version from the SARIF driver
	Commit  string    // HEAD commit scanned ("" unknown)
	Time    time.Time // when the run ended
}

// Fix sources (Decision.FixSource).
const (
	FixFromTool = "tool-fix"  // a fix the scanner proposed, applied by secui
	FixByHand   = "hand-edit" // edited in $EDITOR
)

// Event is one step of a decision's history.
type Event struct {
	Time          time.Time
	Author        string
	Action        string // suppress, accept, reopen, fixed, link
	State         findings.State
	Reason        Reason
	Justification string
	Note          string
	Expires       *time.Time
	Due           *time.Time
}

// Expired reports whether d is a suppression whose expiry has passed at now.
func (d *Decision) Expired(now time.Time) bool {
	return d.State == findings.StateSuppressed && d.Expires != nil && !now.Before(*d.Expires)
}

// Overdue reports whether d is an accepted finding past its due date at now.
func (d *Decision) Overdue(now time.Time) bool {
	return d.State == findings.StateAccepted && d.extra != nil && d.extra.Due != nil && !now.Before(*d.extra.Due)
}

// latest returns the time of the most recent event (or Time).
func (d *Decision) latest() time.Time {
	t := d.Time
	for _, e := range d.History {
		if e.Time.After(t) {
			t = e.Time
		}
	}
	return t
}

func (d *Decision) clone() *Decision {
	c := *d
	c.Keys = slices.Clone(d.Keys)
	if d.extra != nil {
		x := *d.extra
		x.Tickets = slices.Clone(x.Tickets)
		c.extra = &x
	}
	c.History = slices.Clone(d.History)
	return &c
}

// ParseExpiry reads an expiry or due date: "YYYY-MM-DD" or a duration from
// now such as "90d", "12w", "6mo", "1y". The result is a UTC midnight.
func ParseExpiry(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	var n int
	var unit string
	if _, err := fmt.Sscanf(s, "%d%s", &n, &unit); err != nil || n <= 0 || n > 100000 {
		return time.Time{}, fmt.Errorf("bad date %q (want YYYY-MM-DD or a duration like 90d, 12w, 6mo, 1y)", s)
	}
	d := now.UTC()
	switch strings.ToLower(unit) {
	case "d", "day", "days":
		d = d.AddDate(0, 0, n)
	case "w", "week", "weeks":
		d = d.AddDate(0, 0, 7*n)
	case "mo", "month", "months":
		d = d.AddDate(0, n, 0)
	case "y", "year", "years":
		d = d.AddDate(n, 0, 0)
	default:
		return time.Time{}, fmt.Errorf("bad date %q (want YYYY-MM-DD or a duration like 90d, 12w, 6mo, 1y)", s)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC), nil
}
