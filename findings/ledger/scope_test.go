package ledger

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/match"
)

// eslintSARIF is real ESLint 9 output on OWASP NodeGoat
// (cmd/secui/testdata/eslint-nodegoat/gen.sh regenerates it).
const eslintSARIF = "../../cmd/secui/testdata/eslint-nodegoat/eslint.sarif"

const noisyRule = "security/detect-object-injection"

func loadESLint(t testing.TB) []*findings.Finding {
	t.Helper()
	set, err := findings.Load(context.Background(), []string{eslintSARIF}, findings.Options{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Findings) < 2000 {
		t.Fatalf("%d findings loaded from %s, want the 2,041 of the real run", len(set.Findings), eslintSARIF)
	}
	return set.Findings
}

func count(fs []*findings.Finding, keep func(*findings.Finding) bool) int {
	n := 0
	for _, f := range fs {
		if keep(f) {
			n++
		}
	}
	return n
}

func states(ov *Overlay, fs []*findings.Finding) map[findings.State]int {
	out := map[findings.State]int{}
	for _, f := range fs {
		out[ov.State(f)]++
	}
	return out
}

const jane = "Jane <jane@example.com>"

func TestScopeRuleSuppressionWritesOneRecord(t *testing.T) {
	fs := loadESLint(t)
	dir := t.TempDir()
	l, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	want := count(fs, func(f *findings.Finding) bool { return f.RuleID() == noisyRule })
	if want != 1100 {
		t.Fatalf("%d findings of %s, want 1100 (the real run)", want, noisyRule)
	}
	sc := Scope{Kind: ScopeRule, Tool: "eslint", Rule: noisyRule} // tool name case-insensitive
	d, err := l.DecideScope(sc, suppress(jane))
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != sc.ID() || !d.IsScope() {
		t.Fatalf("record %s scope %q, want id %s", d.ID, d.Extra().Scope, sc.ID())
	}
	data, _ := os.ReadFile(l.Path())
	if n := strings.Count(string(data), "\n- id: "); n != 1 || !strings.Contains(string(data), "  scope: rule\n") {
		t.Fatalf("%d records written, want 1 scope record:\n%s", n, data)
	}
	for _, slow := range []bool{false, true} {
		var ds []*Decision
		if slow { // the YAML validator reads what the fast decoder reads
			doc, err := parseSlow("ledger.yaml", data)
			if err != nil {
				t.Fatal(err)
			}
			ds = doc.Decisions
		} else {
			l2, err := Open(dir, "")
			if err != nil {
				t.Fatal(err)
			}
			ds = l2.Decisions()
		}
		if len(ds) != 1 || ds[0].ScopeOf() != (Scope{Kind: ScopeRule, Tool: "eslint", Rule: noisyRule}) {
			t.Fatalf("slow=%v: read back %+v", slow, ds)
		}
		ov := BuildOverlay(ds, fs, t0, OverlayOptions{})
		st := states(ov, fs)
		if st[findings.StateSuppressed] != want || st[findings.StateOpen] != len(fs)-want {
			t.Fatalf("slow=%v: states %v, want %d suppressed", slow, st, want)
		}
		for _, f := range fs {
			m, ok := ov.Match(f)
			if (f.RuleID() == noisyRule) != ok {
				t.Fatalf("finding %s (%s) matched=%v", f.ID, f.RuleID(), ok)
			}
			if ok && (m.How != match.ByScope || m.Scope == nil || m.Decision.ID != d.ID || m.Describe() != "scope rule eslint "+noisyRule) {
				t.Fatalf("match %+v (%s)", m, m.Describe())
			}
		}
		us := ov.Scopes()
		if len(us) != 1 || us[0].Count != want || us[0].Stale() || len(ov.Orphans()) != 0 {
			t.Fatalf("scopes %+v orphans %d", us, len(ov.Orphans()))
		}
		if ps := ov.Placements(); len(ps) != 1 || ps[0].Kind() != "scope" || ps[0].Scope.Count != want {
			t.Fatalf("placements %+v", ps)
		}
	}
	// Deciding the same scope again updates its record (history), still one.
	req := suppress(jane)
	req.Now = t0.Add(time.Hour)
	req.Justification = "generated object access on trusted keys in vendored bootstrap"
	if _, err := l.DecideScope(Scope{Kind: ScopeRule, Tool: "ESLint", Rule: noisyRule}, req); err != nil {
		t.Fatal(err)
	}
	ds := l.Decisions()
	if len(ds) != 1 || len(ds[0].History) != 2 || ds[0].Justification != req.Justification {
		t.Fatalf("after a second decision: %d records, %+v", len(ds), ds[0])
	}
}

func TestScopeKindsAndPrecedence(t *testing.T) {
	fs := loadESLint(t)
	l, err := Open(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	vendor := func(f *findings.Finding) bool { return strings.HasPrefix(f.Loc.Path, "app/assets/vendor/") }
	tests := func(f *findings.Finding) bool { return strings.HasPrefix(f.Loc.Path, "test/") }
	undef := func(f *findings.Finding) bool { return f.RuleID() == "no-undef" }
	// path scope: vendored code, every tool
	accept := Request{Action: ActAccept, Note: "vendored bootstrap and jquery, replaced in ticket WEB-42", Author: jane, Now: t0}
	pathScope := Scope{Kind: ScopePath, Path: "app/assets/vendor"}
	if _, err := l.DecideScope(pathScope, accept); err != nil {
		t.Fatal(err)
	}
	// rule everywhere
	ruleReq := suppress(jane)
	ruleReq.Reason, ruleReq.Justification = WontFix, "globals come from the browser and mocha; the config lists none"
	if _, err := l.DecideScope(Scope{Kind: ScopeRule, Tool: "ESLint", Rule: "no-undef"}, ruleReq); err != nil {
		t.Fatal(err)
	}
	// rule here: no-undef under test/** is "used in tests" (narrower, wins)
	testReq := suppress(jane)
	testReq.Reason, testReq.Justification = UsedInTests, "cypress and mocha globals in the end-to-end tests"
	if _, err := l.DecideScope(Scope{Kind: ScopeRule, Tool: "ESLint", Rule: "no-undef", Path: "test/**"}, testReq); err != nil {
		t.Fatal(err)
	}
	// a stale scope: a rule this run does not report
	if _, err := l.DecideScope(Scope{Kind: ScopeRule, Tool: "ESLint", Rule: "no-eval"}, suppress(jane)); err != nil {
		t.Fatal(err)
	}
	// a finding-level reopen inside the rule scope shows that one finding
	var one *findings.Finding
	for _, f := range fs {
		if undef(f) && !vendor(f) && !tests(f) {
			one = f
			break
		}
	}
	ov := l.Overlay(fs, t0)
	if err := l.Decide([]*findings.Finding{one}, Request{Action: ActReopen, Note: "this one is a real typo", Author: jane, Now: t0, Overlay: ov}); err != nil {
		t.Fatal(err)
	}
	if len(l.Decisions()) != 5 {
		t.Fatalf("%d records, want 4 scopes and 1 finding record", len(l.Decisions()))
	}
	ov = l.Overlay(fs, t0)
	for _, f := range fs {
		var want findings.State
		var how string
		switch {
		case f == one:
			want, how = findings.StateOpen, "own"
		case undef(f) && tests(f):
			want, how = findings.StateSuppressed, "rule ESLint no-undef in test/**"
		case undef(f):
			want, how = findings.StateSuppressed, "rule ESLint no-undef"
		case vendor(f):
			want, how = findings.StateAccepted, "path app/assets/vendor"
		default:
			want = findings.StateOpen
		}
		m, ok := ov.Match(f)
		got := ""
		switch {
		case ok && m.Scope != nil:
			got = m.Scope.String()
		case ok:
			got = "own"
		}
		if ov.State(f) != want || got != how {
			t.Fatalf("%s %s %s: state %s by %q, want %s by %q", f.ID, f.RuleID(), f.Loc, ov.State(f), got, want, how)
		}
	}
	byScope := map[string]ScopeUse{}
	for _, u := range ov.Scopes() {
		byScope[u.Scope.String()] = u
	}
	vendorUndef := count(fs, func(f *findings.Finding) bool { return vendor(f) && undef(f) })
	checks := []struct {
		scope           string
		count, shadowed int
	}{
		{"path app/assets/vendor", count(fs, vendor) - vendorUndef, vendorUndef},
		{"rule ESLint no-undef", count(fs, func(f *findings.Finding) bool { return undef(f) && !tests(f) }) - 1, 1},
		{"rule ESLint no-undef in test/**", count(fs, func(f *findings.Finding) bool { return undef(f) && tests(f) }), 0},
		{"rule ESLint no-eval", 0, 0},
	}
	for _, c := range checks {
		u, ok := byScope[c.scope]
		if !ok || u.Count != c.count || u.Shadowed < c.shadowed {
			t.Errorf("%s: %+v, want count %d shadowed >= %d", c.scope, u, c.count, c.shadowed)
		}
	}
	if st := ov.StaleScopes(); len(st) != 1 || st[0].Rule != "no-eval" {
		t.Errorf("stale scopes %v", st)
	}
	// The reopened finding's record is its own: the scope records did not move.
	for _, d := range l.Decisions() {
		if d.IsScope() != (d.ID != one.ID) {
			t.Errorf("record %s scope %q", d.ID, d.Extra().Scope)
		}
	}
}

func TestScopeExpiryAndValidity(t *testing.T) {
	fs := loadESLint(t)
	l, err := Open(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	sc := Scope{Kind: ScopeRule, Tool: "ESLint", Rule: "no-undef", Path: "test/**"}
	// the validity rules of one finding's decision apply
	bad := suppress(jane)
	bad.Justification = "fp"
	if _, err := l.DecideScope(sc, bad); err == nil || !strings.Contains(err.Error(), "placeholder") {
		t.Fatalf("placeholder justification: %v", err)
	}
	far := t0.AddDate(2, 0, 0)
	bad = suppress(jane)
	bad.Expires = &far
	if _, err := l.DecideScope(sc, bad); err == nil || !strings.Contains(err.Error(), "more than 1y") {
		t.Fatalf("expiry beyond max term: %v", err)
	}
	if _, err := l.DecideScope(sc, Request{Action: ActAccept, Author: jane, Now: t0}); err == nil {
		t.Fatal("accept without a note accepted")
	}
	if _, err := l.DecideScope(Scope{Kind: ScopeRule, Rule: "no-undef"}, suppress(jane)); err == nil {
		t.Fatal("rule scope without a tool accepted")
	}
	if _, err := l.DecideScope(Scope{Kind: ScopePath, Path: "../outside/**"}, suppress(jane)); err == nil {
		t.Fatal("path glob outside the repository accepted")
	}
	if _, err := l.DecideScope(Scope{Kind: ScopePath, Path: "app/[x"}, suppress(jane)); err == nil {
		t.Fatal("bad glob accepted")
	}
	if len(l.Decisions()) != 0 {
		t.Fatal("a refused scope decision wrote a record")
	}
	// expiry: after the date the scope's findings are open again (expired),
	// and a broader scope does not take over
	exp := t0.AddDate(0, 1, 0)
	req := suppress(jane)
	req.Expires = &exp
	if _, err := l.DecideScope(sc, req); err != nil {
		t.Fatal(err)
	}
	if _, err := l.DecideScope(Scope{Kind: ScopeRule, Tool: "ESLint", Rule: "no-undef"}, suppress(jane)); err != nil {
		t.Fatal(err)
	}
	inTests := func(f *findings.Finding) bool {
		return f.RuleID() == "no-undef" && strings.HasPrefix(f.Loc.Path, "test/")
	}
	n := count(fs, inTests)
	before := l.Overlay(fs, t0)
	after := l.Overlay(fs, exp)
	for _, f := range fs {
		if !inTests(f) {
			continue
		}
		if before.State(f) != findings.StateSuppressed || before.Expired(f) {
			t.Fatalf("before expiry: %s %v", before.State(f), before.Expired(f))
		}
		if after.State(f) != findings.StateOpen || !after.Expired(f) {
			t.Fatalf("after expiry: %s expired=%v", after.State(f), after.Expired(f))
		}
	}
	if len(after.ExpiredDecisions()) != 1 || n == 0 {
		t.Fatalf("expired decisions %d (findings %d)", len(after.ExpiredDecisions()), n)
	}
}

func TestScopeRecordsParseErrors(t *testing.T) {
	rec := func(extra string) string {
		return "version: 2\ndecisions:\n- id: 0123456789abcdef\n  state: suppressed\n" + extra +
			"  reason: false-positive\n  justification: vendored code we do not maintain here\n  author: Jane <jane@example.com>\n  time: 2026-11-28T09:00:00Z\n"
	}
	for name, c := range map[string]struct{ text, want string }{
		"unknown kind":   {rec("  scope: file\n  path: a/**\n"), `decisions[0].scope: unknown scope "file"`},
		"rule no tool":   {rec("  scope: rule\n  rule: no-undef\n"), "decisions[0].scope: a rule scope needs a tool and a rule"},
		"path no glob":   {rec("  scope: path\n"), "decisions[0].scope: a path scope needs a path glob"},
		"keys on scope":  {rec("  scope: path\n  path: vendor/**\n  keys: [fingerprint:x]\n"), "decisions[0].keys: a scope record has no identity keys"},
		"absolute glob":  {rec("  scope: path\n  path: /etc/**\n"), "must be relative"},
		"v1 scope field": {strings.Replace(rec("  scope: path\n  path: vendor/**\n"), "version: 2", "version: 1", 1), `field "scope" needs version 2`},
	} {
		_, err := Parse("ledger.yaml", []byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "ledger.yaml:") {
			t.Errorf("%s: error without a position: %v", name, err)
		}
	}
	ok := rec("  scope: path\n  path: vendor/**\n")
	ds, err := Parse("ledger.yaml", []byte(ok))
	if err != nil || len(ds) != 1 || ds[0].ScopeOf() != (Scope{Kind: ScopePath, Path: "vendor/**"}) {
		t.Fatalf("%v %+v", err, ds)
	}
	// what Marshal writes is read back by the fast decoder
	out := Marshal(ds)
	fast, ok2 := fastDecode(out)
	if !ok2 || len(fast) != 1 || fast[0].Extra().Scope != ScopePath || !strings.Contains(string(out), "  scope: path\n  reason:") {
		t.Fatalf("fast decode of\n%s: %v %+v", out, ok2, fast)
	}
}

func TestScopeMerge(t *testing.T) {
	fs := loadESLint(t)
	base := Marshal(nil)
	side := func(sc Scope, j string) []byte {
		l, err := Open(t.TempDir(), "")
		if err != nil {
			t.Fatal(err)
		}
		req := suppress(jane)
		req.Justification = j
		if _, err := l.DecideScope(sc, req); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(filepath.Dir(l.Path()), "ledger.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	rule := Scope{Kind: ScopeRule, Tool: "ESLint", Rule: noisyRule}
	// both branches suppress the same rule the same way: one record
	ours := side(rule, "bracket access on trusted keys in vendored code")
	merged, conflicts, err := Merge(base, ours, side(rule, "bracket access on trusted keys in vendored code"))
	if err != nil || len(conflicts) != 0 {
		t.Fatal(err, conflicts)
	}
	ds, err := Parse("merged", merged)
	if err != nil || len(ds) != 1 || !ds[0].IsScope() {
		t.Fatalf("%v %+v", err, ds)
	}
	// different justifications on the two branches: a conflict, the scope
	// needs review and decides nothing until someone decides again
	merged, conflicts, err = Merge(base, ours, side(rule, "object injection impossible: keys are constants"))
	if err != nil || len(conflicts) != 1 {
		t.Fatalf("conflicting scope decisions: %v %v", err, conflicts)
	}
	ds, _ = Parse("merged", merged)
	if len(ds) != 1 || ds[0].Extra().Scope != ScopeRule || ds[0].Extra().Review == "" {
		t.Fatalf("merged %+v", ds)
	}
	ov := BuildOverlay(ds, fs, t0, OverlayOptions{})
	for _, f := range fs {
		if f.RuleID() == noisyRule && (ov.State(f) != findings.StateOpen || ov.NeedsReview(f) == "") {
			t.Fatalf("a scope in merge conflict decides %s: %s", f.ID, ov.State(f))
		}
	}
	// two different scopes: both kept
	merged, _, err = Merge(base, ours, side(Scope{Kind: ScopePath, Path: "test/**"}, "end-to-end test code, never shipped"))
	if err != nil {
		t.Fatal(err)
	}
	ds, _ = Parse("merged", merged)
	if len(ds) != 2 {
		t.Fatalf("%d records after merging two scopes", len(ds))
	}
	ov = BuildOverlay(ds, fs, t0, OverlayOptions{})
	if us := ov.Scopes(); len(us) != 2 || us[0].Count+us[1].Count == 0 {
		t.Fatalf("%+v", us)
	}
}

// BenchmarkScopeLoad: open the ledger and match it to the 2,041 findings of
// the real ESLint run on NodeGoat, with no ledger, with ONE rule-scoped
// suppression covering the 1,100 findings of security/detect-object-injection,
// and with the 1,100 finding records the same suppression took before scopes.
func BenchmarkScopeLoad(b *testing.B) {
	fs := loadESLint(b)
	var noisy []*findings.Finding
	for _, f := range fs {
		if f.RuleID() == noisyRule {
			noisy = append(noisy, f)
		}
	}
	none := b.TempDir()
	scoped := b.TempDir()
	l, err := Open(scoped, "")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := l.DecideScope(Scope{Kind: ScopeRule, Tool: "ESLint", Rule: noisyRule}, suppress(jane)); err != nil {
		b.Fatal(err)
	}
	perFinding := b.TempDir()
	l, err = Open(perFinding, "")
	if err != nil {
		b.Fatal(err)
	}
	if err := l.Decide(noisy, suppress(jane)); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, dir string }{{"no-ledger", none}, {"one-rule-scope", scoped}, {"1100-finding-records", perFinding}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l, err := Open(c.dir, "")
				if err != nil {
					b.Fatal(err)
				}
				ov := l.Overlay(fs, t0)
				if c.dir != none && ov.State(noisy[0]) != findings.StateSuppressed {
					b.Fatal("not suppressed")
				}
			}
		})
	}
}

// BenchmarkScopeLoadWithSARIF is BenchmarkScopeLoad including the load of
// the SARIF file itself (what every command does before the overlay).
func BenchmarkScopeLoadWithSARIF(b *testing.B) {
	none, scoped := b.TempDir(), b.TempDir()
	l, err := Open(scoped, "")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := l.DecideScope(Scope{Kind: ScopeRule, Tool: "ESLint", Rule: noisyRule}, suppress(jane)); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, dir string }{{"no-ledger", none}, {"one-rule-scope", scoped}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				set, err := findings.Load(context.Background(), []string{eslintSARIF}, findings.Options{Root: c.dir})
				if err != nil {
					b.Fatal(err)
				}
				l, err := Open(c.dir, "")
				if err != nil {
					b.Fatal(err)
				}
				l.Overlay(set.Findings, t0)
			}
		})
	}
}
