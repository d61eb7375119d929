package ledger

import (
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/findings"
)

// The one quality rule, on the placeholder texts of issue 8 and real ones.
func TestValidateTextRule(t *testing.T) {
	for _, bad := range []string{
		"", "   ", "x", "fp", "FP", "n/a", "N/A", "TODO", "TODO: justify later", "todo fix", "TBD, will explain",
		"N/A N/A N/A N/A", "x x x x x x x x", "xxxxxxxx yes no", "ok ok ok ok ok ok", "false positive", "False positive.",
		"not a bug", "lorem ipsum dolor sit amet", "asdf asdf asdf", "fixme: the real reason", "will justify later please",
		"to be determined by the team", "fp n/a none", "accepted risk", "wont fix", "supercalifragilistic", "a b c",
		"short words", "tracked", "see ticket", "WIP risk acceptance for now",
	} {
		if err := ValidateText("note", bad); err == nil {
			t.Errorf("ValidateText(%q) accepted", bad)
		}
	}
	for _, good := range []string{
		"input is validated by the router middleware", "only used in unit tests", "tracked in SEC-123",
		"fix with filepath.Clean", "fix in sprint 12", "Tracked in SEC-142: move to parameterised queries",
		"the WAF blocks this pattern", "rotated before the release, see SEC-12", "covered by the WAF until the upgrade",
	} {
		if err := ValidateText("justification", good); err != nil {
			t.Errorf("ValidateText(%q): %v", good, err)
		}
	}
	if err := ValidateText("note", "TODO: justify later"); err == nil || !strings.Contains(err.Error(), `note "TODO: justify later"`) {
		t.Errorf("message does not quote the text: %v", err)
	}
}

func TestValidateAuthorAndTerm(t *testing.T) {
	for _, bad := range []string{"", "a", "Jane Dev", "Jane <jane>", "<>", "jane@example.com"} {
		if ValidateAuthor(bad) == nil {
			t.Errorf("author %q accepted", bad)
		}
	}
	for _, good := range []string{"Jane Dev <jane@example.com>", "<ci@example.com>", "Jane <j@x.org> (GIT_AUTHOR_*: Bob <b@x.org>)"} {
		if err := ValidateAuthor(good); err != nil {
			t.Errorf("author %q: %v", good, err)
		}
	}
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		until, max string
		ok         bool
	}{
		{"2027-11-28", "", true}, {"2027-11-29", "", false}, {"9999-12-31", "", false},
		{"2027-05-28", "6mo", true}, {"2027-05-29", "6mo", false}, {"2028-11-28", "2y", true},
	} {
		u, _ := time.Parse(time.DateOnly, tc.until)
		if err := ValidateTerm("expiry", u, at, tc.max); (err == nil) != tc.ok {
			t.Errorf("%s with max %q: %v", tc.until, tc.max, err)
		}
	}
	if _, err := ParseTerm("2027-01-01", at); err == nil {
		t.Error("a date accepted as a maximum term")
	}
	if _, err := ParseExpiry("999999999y", at); err == nil {
		t.Error("an absurd duration accepted")
	}
}

// Requests are refused at write with the same rules.
func TestRequestValidateRefuses(t *testing.T) {
	now := t0
	d := func(s string) *time.Time { v, _ := time.Parse(time.DateOnly, s); return &v }
	for name, r := range map[string]Request{
		"accept without note":      {Action: ActAccept, Now: now},
		"accept with note x":       {Action: ActAccept, Note: "x", Now: now},
		"accept due in the past":   {Action: ActAccept, Note: "tracked in SEC-1, fix next sprint", Due: d("2020-01-01"), Now: now},
		"accept due beyond max":    {Action: ActAccept, Note: "tracked in SEC-1, fix next sprint", Due: d("2028-01-01"), Now: now},
		"suppress placeholder":     {Action: ActSuppress, Reason: FalsePositive, Justification: "N/A N/A N/A N/A", Now: now},
		"suppress expires 9999":    {Action: ActSuppress, Reason: FalsePositive, Justification: "the value is a test fixture", Expires: d("9999-12-31"), Now: now},
		"suppress expires past":    {Action: ActSuppress, Reason: FalsePositive, Justification: "the value is a test fixture", Expires: d("2026-01-01"), Now: now},
		"fixed without evidence":   {Action: ActFixed, Now: now},
		"suppress 2y with max 1y":  {Action: ActSuppress, Reason: FalsePositive, Justification: "the value is a test fixture", Expires: d("2028-11-01"), Now: now},
		"accept 13mo with max 1y":  {Action: ActAccept, Note: "tracked in SEC-1, fix next sprint", Due: d("2028-01-01"), Now: now, MaxTerm: "1y"},
		"suppress 7mo with max 6m": {Action: ActSuppress, Reason: FalsePositive, Justification: "the value is a test fixture", Expires: d("2027-06-30"), Now: now, MaxTerm: "6mo"},
	} {
		if err := r.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	ok := Request{Action: ActSuppress, Reason: FalsePositive, Justification: "the value is a test fixture", Expires: d("2028-06-01"), Now: now, MaxTerm: "2y"}
	if err := ok.Validate(); err != nil {
		t.Errorf("2y allowed by max-expiry 2y: %v", err)
	}
	fixed := Request{Action: ActFixed, FixSource: FixFromTool, Pending: true, Now: now}
	if err := fixed.Validate(); err != nil {
		t.Errorf("fixed by a tool fix: %v", err)
	}
	// Decide refuses an author without an e-mail, and writes nothing.
	l, _ := Open(t.TempDir(), "")
	if err := l.Decide([]*findings.Finding{mk(1)}, suppress("unknown")); err == nil || len(l.Decisions()) != 0 {
		t.Fatalf("author without e-mail: %v, %d records", err, len(l.Decisions()))
	}
}

// Hand-written records are held to the same rules.
func TestDecisionProblems(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	date := func(s string) *time.Time { v, _ := time.Parse(time.DateOnly, s); return &v }
	good := func() *Decision {
		return &Decision{ID: fid(1), State: findings.StateSuppressed, Reason: Mitigated, Justification: "the WAF blocks this pattern",
			Author: "Jane <jane@example.com>", Time: t0}
	}
	if p := good().Problems(now, Rules{}); len(p) != 0 {
		t.Fatalf("good record: %v", p)
	}
	for name, tc := range map[string]struct {
		edit func(*Decision)
		want string
	}{
		"accepted, nothing else": {func(d *Decision) { *d = Decision{ID: d.ID, State: findings.StateAccepted, Time: t0} }, "no author"},
		"accepted, no note":      {func(d *Decision) { d.State, d.Reason, d.Justification = findings.StateAccepted, "", "" }, "a note is required"},
		"fixed, no note":         {func(d *Decision) { d.State, d.Reason, d.Justification = findings.StateFixed, "", "" }, "fixed without scan evidence"},
		"no author":              {func(d *Decision) { d.Author = "" }, "no author"},
		"author without e-mail":  {func(d *Decision) { d.Author = "mallory" }, "no e-mail"},
		"time 2099":              {func(d *Decision) { d.Time = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC) }, "in the future"},
		"history in the future":  {func(d *Decision) { d.History = []Event{{Time: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}} }, "history[0] is in the future"},
		"placeholder":            {func(d *Decision) { d.Justification = "TODO: justify later" }, "contains \"todo\""},
		"N/A x4":                 {func(d *Decision) { d.Justification = "N/A N/A N/A N/A" }, "placeholder"},
		"x x8":                   {func(d *Decision) { d.Justification = "x x x x x x x x" }, "too short"},
		"no reason":              {func(d *Decision) { d.Reason = "" }, "without a reason"},
		"expires 9999":           {func(d *Decision) { d.Expires = date("9999-12-31") }, "more than 1y"},
		"due 100y": {func(d *Decision) {
			x := d.Edit()
			d.State, x.Note, x.Due = findings.StateAccepted, "tracked in SEC-9 for Q3", date("2126-11-28")
		}, "more than 1y"},
	} {
		d := good()
		tc.edit(d)
		p := d.Problems(now, Rules{})
		if len(p) == 0 || !strings.Contains(strings.Join(p, "; "), tc.want) {
			t.Errorf("%s: problems %q, want %q", name, p, tc.want)
		}
	}
	// A clock a few minutes ahead is tolerated; the configured maximum applies.
	d := good()
	d.Time = now.Add(5 * time.Minute)
	d.Expires = date("2028-06-01")
	if p := d.Problems(now, Rules{MaxTerm: "2y"}); len(p) != 0 {
		t.Fatalf("skew / max-expiry 2y: %v", p)
	}
}
