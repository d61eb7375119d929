package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
)

var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func finding(i int, sev findings.Severity, st findings.Stage) *findings.Finding {
	id := fmt.Sprintf("%016x", 0xb000000000000000+uint64(i))
	return &findings.Finding{ID: id, Keys: []string{"fingerprint:" + id}, Severity: sev, Stage: st,
		Tool: &findings.Tool{Name: "gosec"}, Rule: &findings.Rule{ID: fmt.Sprintf("G%03d", i)},
		Loc: findings.Location{Path: fmt.Sprintf("src/f%d.go", i), Line: i}, Message: "finding " + fmt.Sprint(i),
		Sources: []findings.Source{{File: "scan.sarif", Result: i}}}
}

const author = "Jane Dev <jane@example.com>"

func decide(t *testing.T, l *ledger.Ledger, fs []*findings.Finding, r ledger.Request) {
	t.Helper()
	if r.Author == "" {
		r.Author = author
	}
	if r.Now.IsZero() {
		r.Now = t0
	}
	if err := l.Decide(fs, r); err != nil {
		t.Fatal(err)
	}
}

// handWrite replaces the ledger file with records written by hand.
func handWrite(t *testing.T, root, yaml string) *ledger.Ledger {
	t.Helper()
	p := filepath.Join(root, ".secui", "ledger.yaml")
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(root, "")
	if err != nil {
		t.Fatalf("hand-written ledger: %v", err)
	}
	return l
}

func eval(t *testing.T, g *Gate, l *ledger.Ledger, fs []*findings.Finding, now time.Time) *Report {
	t.Helper()
	return g.Evaluate(Input{Findings: fs, Overlay: l.Overlay(fs, now), Decisions: l.Decisions(), Ledger: ".secui/ledger.yaml", Now: now})
}

func kinds(r *Report) string {
	var k []string
	for _, p := range r.Problems {
		k = append(k, p.Kind+":"+p.ID[12:])
	}
	return strings.Join(k, " ")
}

func TestGateThresholdsAndStages(t *testing.T) {
	fs := []*findings.Finding{finding(1, findings.SevCritical, findings.StageCode), finding(2, findings.SevHigh, findings.StageBuild),
		finding(3, findings.SevMedium, findings.StageCode), finding(4, findings.SevLow, findings.StageTest)}
	fs[3].InputSup = findings.InAccepted // suppressed in the SARIF input: not open
	l, _ := ledger.Open(t.TempDir(), "")
	g, _ := NewGate("")
	if r := eval(t, g, l, fs, t0); r.Passed || r.Open != 3 || r.OverThreshold != 2 || kinds(r) != "open:0001 open:0002" {
		t.Fatalf("default high: %+v %s", r, kinds(r))
	}
	g, _ = NewGate("medium")
	if err := g.SetStage("build", "off"); err != nil {
		t.Fatal(err)
	}
	if r := eval(t, g, l, fs, t0); kinds(r) != "open:0001 open:0003" {
		t.Fatalf("medium, build off: %s", kinds(r))
	}
	if _, err := NewGate("severe"); err == nil {
		t.Fatal("bad threshold accepted")
	}
	if err := g.SetStage("deploi", "high"); err == nil {
		t.Fatal("bad stage accepted")
	}
}

// The gate cannot be fooled by records: hand-written accepted/fixed records
// without author, note or reason; placeholders; far expiries; future times;
// overdue acceptances; records needing review. And a finding marked fixed
// that the scan still reports is open.
func TestGateDecisionRules(t *testing.T) {
	fs := []*findings.Finding{finding(1, findings.SevCritical, findings.StageCode), finding(2, findings.SevCritical, findings.StageCode),
		finding(3, findings.SevCritical, findings.StageCode), finding(4, findings.SevCritical, findings.StageCode),
		finding(5, findings.SevCritical, findings.StageCode), finding(6, findings.SevCritical, findings.StageCode),
		finding(7, findings.SevCritical, findings.StageCode), finding(8, findings.SevCritical, findings.StageCode)}
	root := t.TempDir()
	rec := func(i int, body string) string { return "- id: " + fs[i-1].ID + "\n" + body }
	l := handWrite(t, root, "version: 1\ndecisions:\n"+
		rec(1, "  state: accepted\n  time: 2026-11-28T09:00:00Z\n")+
		rec(2, "  state: fixed\n  author: Jane Dev <jane@example.com>\n  time: 2026-11-28T09:00:00Z\n")+
		rec(3, "  state: suppressed\n  reason: false-positive\n  justification: \"TODO: justify later\"\n  author: Jane Dev <jane@example.com>\n  time: 2026-11-28T09:00:00Z\n")+
		rec(4, "  state: suppressed\n  reason: mitigated\n  justification: the WAF blocks this pattern\n  author: Jane Dev <jane@example.com>\n  time: 2026-11-28T09:00:00Z\n  expires: \"9999-12-31\"\n")+
		rec(5, "  state: suppressed\n  reason: mitigated\n  justification: the WAF blocks this pattern\n  author: Jane Dev <jane@example.com>\n  time: 2099-01-01T00:00:00Z\n")+
		rec(6, "  state: accepted\n  note: tracked in SEC-12 for the next release\n  author: Jane Dev <jane@example.com>\n  time: 2026-11-28T09:00:00Z\n  due: \"2026-11-30\"\n")+
		rec(7, "  state: suppressed\n  reason: mitigated\n  justification: the WAF blocks this pattern\n  author: Jane Dev <jane@example.com>\n  time: 2026-11-28T09:00:00Z\n  review: \"merge conflict: both branches\"\n")+
		rec(8, "  state: accepted\n  note: tracked in SEC-12 for the next release\n  author: Jane Dev <jane@example.com>\n  time: 2026-11-28T09:00:00Z\n"))
	g, _ := NewGate("off") // no finding fails by severity: only the records
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	r := eval(t, g, l, fs, now)
	want := "review:0007 overdue:0006 unjustified:0001 unjustified:0002 unjustified:0003 unjustified:0004 unjustified:0005"
	if kinds(r) != want || r.Passed {
		t.Fatalf("problems\n got %s\nwant %s", kinds(r), want)
	}
	// Fixed (still reported) and needing review count as open; so does
	// nothing else here.
	g, _ = NewGate("critical")
	r = eval(t, g, l, fs, now)
	var open []string
	for _, p := range r.Problems {
		if p.Kind == KindOpen {
			open = append(open, p.ID[12:]+" "+p.Message)
		}
	}
	if len(open) != 2 || !strings.Contains(open[0], "0002 marked fixed, but the scan still reports it") || !strings.Contains(open[1], "0007 decision needs review") {
		t.Fatalf("open: %q", open)
	}
	// Hidden by default: the suppressions that apply (3, 4, 5 — the gate
	// fails them as unjustified); not the fixed one, not the one in review.
	var hidden []string
	tri := l.Overlay(fs, now)
	for _, f := range fs {
		if HiddenByDefault(tri, f) {
			hidden = append(hidden, f.ID[12:])
		}
	}
	if strings.Join(hidden, " ") != "0003 0004 0005" {
		t.Fatalf("hidden: %v", hidden)
	}
	// The same fixed record on a finding no scan reports any more (rebuilt
	// from a re-scan's record: no sources) is fixed for real: hidden, not open.
	gone := *fs[1]
	gone.Sources = nil
	fs2 := append([]*findings.Finding{fs[0], &gone}, fs[2:]...)
	tri2 := l.Overlay(fs2, now)
	if findings.StateOf(tri2, &gone) != findings.StateFixed || !HiddenByDefault(tri2, &gone) || CountsOpen(tri2, &gone) {
		t.Fatalf("a gone fixed finding: state %v, hidden %v, open %v", findings.StateOf(tri2, &gone), HiddenByDefault(tri2, &gone), CountsOpen(tri2, &gone))
	}
}

func TestGateExpiredOrphanedAndMaxExpiry(t *testing.T) {
	fs := []*findings.Finding{finding(1, findings.SevHigh, findings.StageCode), finding(2, findings.SevHigh, findings.StageCode)}
	l, _ := ledger.Open(t.TempDir(), "")
	exp := t0.AddDate(0, 0, 2)
	decide(t, l, fs[:1], ledger.Request{Action: ledger.ActSuppress, Reason: ledger.AcceptedRisk, Justification: "rotated before the release, see SEC-12", Expires: &exp})
	decide(t, l, fs[1:], ledger.Request{Action: ledger.ActSuppress, Reason: ledger.FalsePositive, Justification: "the value is a documented test fixture"})
	g, _ := NewGate("")
	if r := eval(t, g, l, fs, t0.Add(time.Hour)); !r.Passed {
		t.Fatalf("before expiry: %s", kinds(r))
	}
	// After expiry the finding is open again and the record fails; the
	// second finding left the scan: its suppression is orphaned.
	r := eval(t, g, l, fs[:1], t0.AddDate(0, 0, 3))
	if kinds(r) != "expired:0001 orphaned:0002 open:0001" || !strings.Contains(r.Problems[2].Message, "suppression expired") {
		t.Fatalf("after expiry: %s", kinds(r))
	}
	// A maximum term of 1d makes the 2-day expiry unjustified.
	g.Rules = ledger.Rules{MaxTerm: "1d"}
	if r := eval(t, g, l, fs, t0.Add(time.Hour)); kinds(r) != "unjustified:0001" {
		t.Fatalf("max-expiry 1d: %s", kinds(r))
	}
}

// ambiguous wraps a real overlay with matcher review items (the matcher of
// the identity work produces them).
type ambiguous struct {
	*ledger.Overlay
	items []ledger.ReviewItem
}

func (a ambiguous) Review() []ledger.ReviewItem { return a.items }

func TestGateStrictAndInputErrors(t *testing.T) {
	fs := []*findings.Finding{finding(1, findings.SevLow, findings.StageCode), finding(2, findings.SevLow, findings.StageCode)}
	l, _ := ledger.Open(t.TempDir(), "")
	decide(t, l, fs[:1], ledger.Request{Action: ledger.ActSuppress, Reason: ledger.FalsePositive, Justification: "the value is a documented test fixture"})
	d := l.Decisions()[0]
	in := Input{Findings: fs, Overlay: ambiguous{l.Overlay(fs, t0), []ledger.ReviewItem{{Decision: d, Candidates: fs, Why: "two findings match equally"}}},
		Decisions: l.Decisions(), Ledger: ".secui/ledger.yaml", Now: t0}
	g, _ := NewGate("")
	r := g.Evaluate(in)
	if !r.Passed || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0].Message, "candidates: "+fs[0].ID) {
		t.Fatalf("not strict: passed %v, warnings %+v", r.Passed, r.Warnings)
	}
	g.Strict = true
	if r := g.Evaluate(in); r.Passed || kinds(r) != "ambiguous:0001" {
		t.Fatalf("strict: %s", kinds(r))
	}
	// A record marked needs review that the overlay also lists is reported
	// once, as review (it fails with or without --strict).
	marked := *d
	marked.Edit().Review = "merge conflict: both branches"
	in2 := in
	in2.Decisions = []*ledger.Decision{&marked}
	in2.Overlay = ambiguous{l.Overlay(fs, t0), []ledger.ReviewItem{{Decision: &marked, Why: "merge conflict"}}}
	if r := g.Evaluate(in2); kinds(r) != "review:0001" {
		t.Fatalf("review record listed twice: %s", kinds(r))
	}
	g.Strict = false
	in.Errors = []*findings.LoadError{{File: "results/trunc.sarif", Line: 101, Col: 19, Msg: "invalid JSON: unterminated string"}}
	if r := g.Evaluate(in); r.Passed || len(r.Errors) != 1 || r.Errors[0].File != "results/trunc.sarif" || len(r.Problems) != 0 {
		t.Fatalf("input error: %+v", r)
	}
}

// The suppressed view's lanes and the console's counts come from here.
func TestLanesAndCountsOpen(t *testing.T) {
	fs := []*findings.Finding{finding(1, findings.SevHigh, findings.StageCode), finding(2, findings.SevHigh, findings.StageCode),
		finding(3, findings.SevHigh, findings.StageCode), finding(4, findings.SevHigh, findings.StageCode), finding(5, findings.SevHigh, findings.StageCode)}
	fs[1].InputSup, fs[2].InputSup, fs[3].InputSup = findings.InAccepted, findings.InUnderReview, findings.InRejected
	l, _ := ledger.Open(t.TempDir(), "")
	decide(t, l, fs[:1], ledger.Request{Action: ledger.ActSuppress, Reason: ledger.FalsePositive, Justification: "the value is a documented test fixture"})
	o := l.Overlay(fs, t0)
	var got []string
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%s/%v/%v", LaneOf(o, f), HiddenByDefault(o, f), CountsOpen(o, f)))
	}
	want := "suppressed-here/true/false sarif-accepted/true/false sarif-under-review/true/false sarif-rejected/false/true /false/true"
	if strings.Join(got, " ") != want {
		t.Fatalf("\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if LaneOf(nil, fs[0]) != LaneNone || HiddenByDefault(nil, fs[0]) || !CountsOpen(nil, fs[0]) {
		t.Fatal("a nil triage is not all-open")
	}
}

// BenchmarkEvaluate100k: the gate over 100k findings with 10k decisions.
func BenchmarkEvaluate100k(b *testing.B) {
	fs := make([]*findings.Finding, 100000)
	for i := range fs {
		fs[i] = finding(i, findings.Severity(i%5), findings.Stage(i%8))
	}
	l, _ := ledger.Open(b.TempDir(), "")
	if err := l.Decide(fs[:10000], ledger.Request{Action: ledger.ActSuppress, Reason: ledger.FalsePositive,
		Justification: "the value is a documented test fixture", Author: author, Now: t0}); err != nil {
		b.Fatal(err)
	}
	o := l.Overlay(fs, t0)
	g, _ := NewGate("high")
	in := Input{Findings: fs, Overlay: o, Decisions: l.Decisions(), Ledger: ".secui/ledger.yaml", Now: t0}
	b.ReportAllocs()
	for b.Loop() {
		if r := g.Evaluate(in); r.Passed {
			b.Fatal("passed")
		}
	}
}
