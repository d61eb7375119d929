package ledger

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
)

// slowParse reads data through the YAML parser and the validator only.
func slowParse(t testing.TB, data []byte) (Doc, error) {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return Doc{}, err
	}
	return validateDoc("x", &n)
}

func datep(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// full is a record with every field of schema v2 set.
func full() *Decision {
	return &Decision{
		ID:      "3f9a1c2b4d5e6f70",
		State:   findings.StateFixed,
		Author:  "Zoë Dev <zoe@example.com>",
		Time:    t0,
		Tool:    "gosec",
		Rule:    "G201",
		Path:    "internal/db/query.go",
		Keys:    []string{"partial-fingerprint:9c1e0000aa", "content:51aa", "fallback:00ff"},
		Pending: true,
		Evidence: evidence.Evidence{Path: "internal/db/query.go", Line: 42, Col: 9, Commit: "8121508aa0c7b31b83530c6e36b9ab5f72a2da40",
			LineHash: 0x9f3a12bc, Tokens: []uint32{1, 0xffffffff, 0x1a2b3c4d}, Context: []uint32{0xdeadbeef, 7},
			Symbol: "func (*Store).Find"},
		History: []Event{
			{Time: t0.Add(-time.Hour), Author: "a, b <x@y>", Action: ActSuppress, State: findings.StateSuppressed, Reason: Mitigated,
				Justification: "protected by the WAF {rule: 942100}, [see] ticket", Expires: datep("2027-05-27")},
			{Time: t0.Add(-time.Minute), Author: "b", Action: ActAccept, State: findings.StateAccepted, Note: "x: y", Due: datep("2027-01-31")},
			{Time: t0, Author: "c", Action: ActFixed, State: findings.StateFixed, Note: "fixed: parameterised the query (see #12)"},
		},
		extra: &Extra{
			Note:      "fixed: parameterised the query (see #12)",
			Tickets:   []string{"https://jira.example.com/browse/SEC-1", "https://github.com/o/r/issues/7"},
			Review:    "both branches changed this record: ours suppressed, theirs accepted",
			FixSource: FixFromTool,
			Scan:      &ScanEvidence{Scanner: "gosec", Version: "2.30.0", Commit: "0e8a3156e0c7b31b83530c6e36b9ab5f72a2da40", Time: t0.Add(time.Hour)},
		},
	}
}

func stripLines(ds []*Decision) []*Decision {
	out := make([]*Decision, len(ds))
	for i, d := range ds {
		c := *d
		c.Line = 0
		out[i] = &c
	}
	return out
}

// checkBothPaths asserts the fast decoder accepts data and that it and the
// YAML path read the same records.
func checkBothPaths(t *testing.T, data []byte) []*Decision {
	t.Helper()
	return checkBothPathsVersion(t, data, FileVersion)
}

// checkBothPathsVersion is checkBothPaths for a file of version ver.
func checkBothPathsVersion(t *testing.T, data []byte, ver int) []*Decision {
	t.Helper()
	fast, ok := fastDecode(data)
	if !ok {
		t.Fatalf("fast decoder refused Marshal output:\n%s", data)
	}
	slow, err := slowParse(t, data)
	if err != nil {
		t.Fatalf("YAML path: %v\n%s", err, data)
	}
	if slow.Version != ver {
		t.Fatalf("version %d, want %d", slow.Version, ver)
	}
	if !reflect.DeepEqual(fast, slow.Decisions) {
		t.Fatalf("fast and YAML paths differ:\nfast %+v\nslow %+v\n%s", fast, slow.Decisions, data)
	}
	return fast
}

func TestRoundTripEveryField(t *testing.T) {
	in := []*Decision{full(), {ID: "0000000000000001", State: findings.StateSuppressed, Reason: UsedInTests,
		Justification: "fixtures for the parser tests, never deployed", Author: "x", Time: t0, Expires: datep("2027-01-01"),
		Evidence: evidence.Evidence{Path: "a.go"}}}
	data := Marshal(in)
	got := checkBothPaths(t, data)
	if !reflect.DeepEqual(stripLines(got), stripLines([]*Decision{in[1], in[0]})) {
		t.Fatalf("round trip lost something:\n%+v\n%+v\n%s", got[1], in[0], data)
	}
	if got[0].Line != 5 || got[1].Line != in[0].Line || in[0].Line < 8 {
		t.Fatalf("lines %d %d (Marshal set %d)", got[0].Line, got[1].Line, in[0].Line)
	}
	// Reviewable: hashes as 8-hex flow lists on one line, one event per line.
	for _, want := range []string{
		"version: 2\n",
		"  keys: [partial-fingerprint:9c1e0000aa, content:51aa, fallback:00ff]\n",
		"    line: 42\n    col: 9\n",
		"    line-hash: 9f3a12bc\n",
		"    tokens: [00000001, ffffffff, 1a2b3c4d]\n",
		"    context: [deadbeef, 00000007]\n",
		"    symbol: \"func (*Store).Find\"\n",
		`    - {time: 2026-11-28T08:00:00Z, author: "a, b <x@y>", action: suppress, state: suppressed, reason: mitigated, justification: "protected by the WAF {rule: 942100}, [see] ticket", expires: "2027-05-27"}` + "\n",
		"  scan: {scanner: gosec, version: 2.30.0, commit: 0e8a3156e0c7b31b83530c6e36b9ab5f72a2da40, time: 2026-11-28T10:00:00Z}\n",
		"  pending: true\n  fix-source: tool-fix\n",
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("missing %q in\n%s", want, data)
		}
	}
	if !bytes.Equal(Marshal(got), data) {
		t.Fatal("Marshal(Parse(x)) != x")
	}
}

// tricky strings: YAML indicators, quotes, flow characters, unicode, controls.
var tricky = []string{
	"plain text", "a: b", "a:b", "trailing:", "x #y", "#x", "- dash", "@at", "a@b", "[x]", "{y}", "a, b", "a,b",
	"true", "No", "null", "~", "1.5", "0x1f", "2026-01-01", "2026-11-28T09:00:00Z", "'single'", `"double"`,
	"back\\slash", "tab\there", "new\nline", "cr\rx", "\x1b[31mred", "Zoë <z@x.org>", "日本語", "emoji 🎉",
	"\u00a0nbsp", "bidi \u202e", " lead", "trail ", "a  b", "?q", "!tag", "&anchor", "*alias", "%pct", "|pipe", ">gt",
	"=eq", "+plus", ".dot", "https://jira.example.com/browse/SEC-1?x=1#f", "a\\x41", "\x7f", "\u0085next",
}

func randDecision(r *rand.Rand, i int) *Decision {
	pick := func() string { return tricky[r.IntN(len(tricky))] }
	maybe := func() string {
		if r.IntN(3) == 0 {
			return ""
		}
		return pick()
	}
	d := &Decision{
		ID:     fmt.Sprintf("%016x", r.Uint64()),
		State:  findings.States[r.IntN(4)],
		Time:   t0.Add(time.Duration(i) * time.Second),
		Author: maybe(),
		Tool:   maybe(),
		Rule:   maybe(),
		Path:   maybe(),
		extra: &Extra{
			Note:   maybe(),
			Review: maybe(),
		},
	}
	if d.State == findings.StateSuppressed {
		d.Reason, d.Justification = Reasons[r.IntN(len(Reasons))], pick()
		if strings.TrimSpace(d.Justification) == "" {
			d.Justification = "x"
		}
	}
	if d.State == findings.StateFixed && r.IntN(2) == 0 {
		d.Pending, d.Edit().FixSource = true, FixByHand
		d.Edit().Scan = &ScanEvidence{Scanner: maybe(), Version: maybe()}
	}
	for range r.IntN(3) {
		d.Keys = append(d.Keys, pick())
	}
	for range r.IntN(2) {
		d.Edit().Tickets = append(d.Extra().Tickets, pick())
	}
	if r.IntN(2) == 0 {
		d.Evidence = evidence.Evidence{Path: maybe(), Line: r.IntN(1000), Col: r.IntN(3), Symbol: maybe(), LineHash: r.Uint32()}
		for range r.IntN(5) {
			d.Evidence.Tokens = append(d.Evidence.Tokens, r.Uint32())
		}
		for range r.IntN(5) {
			d.Evidence.Context = append(d.Evidence.Context, r.Uint32())
		}
	}
	for j := range r.IntN(3) {
		d.History = append(d.History, Event{Time: t0.Add(time.Duration(j) * time.Minute), Author: maybe(), Action: ActLink,
			State: d.State, Note: maybe(), Justification: maybe()})
	}
	if d.extra.empty() { // as read back: no Extra when none of it is set
		d.extra = nil
	}
	return d
}

// Whatever Marshal writes, both readers accept and agree on, and it is
// what was written (strings survive quoting exactly).
func TestFastDecodeMatchesYAMLRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		var ds []*Decision
		for i := range 1 + r.IntN(5) {
			ds = append(ds, randDecision(r, i))
		}
		data := Marshal(ds)
		got := checkBothPaths(t, data)
		exp := stripLines(ds)
		slicesSortByID(exp)
		for i := range exp {
			exp[i].Justification = strings.ToValidUTF8(exp[i].Justification, "\uFFFD")
		}
		if !reflect.DeepEqual(stripLines(got), exp) {
			t.Fatalf("round %d: read back differs:\n%+v\n%+v\n%s", round, got, exp, data)
		}
	}
}

func slicesSortByID(ds []*Decision) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && ds[j].ID < ds[j-1].ID; j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

// A hand edit the fast decoder does not take (block lists, a comment in a
// record, reordered fields, single quotes) still reads the same through YAML.
func TestHandEditedV2FallsBackToYAML(t *testing.T) {
	data := []byte(`version: 2
decisions:
- state: suppressed
  id: 3f9a1c2b4d5e6f70   # reordered, with a comment
  reason: false-positive
  justification: 'the token is a documented test fixture'
  author: Jane <j@x>
  time: 2026-11-28T09:00:00Z
  keys:
    - content:51aa
  evidence:
    path: a.go
    line: 3
    tokens:
      - 0000000a
  history:
    - time: 2026-11-28T09:00:00Z
      action: suppress
`)
	if _, ok := fastDecode(data); ok {
		t.Fatal("fast decoder took a non-canonical file")
	}
	doc, err := ParseDoc("x", data)
	if err != nil || doc.Version != 2 || len(doc.Decisions) != 1 {
		t.Fatalf("%v %+v", err, doc)
	}
	d := doc.Decisions[0]
	if d.ID != "3f9a1c2b4d5e6f70" || d.Justification != "the token is a documented test fixture" || d.Keys[0] != "content:51aa" ||
		d.Evidence.Line != 3 || d.Evidence.Tokens[0] != 10 || len(d.History) != 1 || d.Line != 3 {
		t.Fatalf("%+v", d)
	}
}

// Bad v2 values are reported with their position, through the validator.
func TestV2ValidationErrors(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"  evidence:\n    line-hash: xyz\n", `x:9:16: decisions[0].evidence.line-hash: bad hash "xyz" (want 8 lower-case hex digits)`},
		{"  evidence:\n    tokens: [0000000a, 1]\n", `x:9:24: decisions[0].evidence.tokens[1]: bad hash "1"`},
		{"  evidence:\n    commit: HEAD\n", `x:9:13: decisions[0].evidence.commit: bad commit "HEAD"`},
		{"  evidence:\n    colour: red\n", `x:9:5: decisions[0].evidence.colour: unknown field "colour"`},
		{"  evidence:\n", `x:8:3: decisions[0].evidence: empty (remove it, or give path, line, col, commit, symbol, line-hash, tokens, context)`},
		{"  pending: true\n", `x:8:3: decisions[0].pending: only a fixed record can be pending a scan`},
		{"  fix-source: magic\n", `x:8:15: decisions[0].fix-source: unknown fix source "magic"`},
		{"  scan: {scanner: gosec, time: yesterday}\n", `x:8:32: decisions[0].scan.time: bad time "yesterday"`},
		{"  history:\n    - {time: 2026-11-28T09:00:00Z, action: dance}\n", `x:9:44: decisions[0].history[0].action: unknown action "dance"`},
	} {
		data := []byte("version: 2\ndecisions:\n- id: 3f9a1c2b4d5e6f70\n  state: suppressed\n  reason: mitigated\n  justification: behind the WAF rule 942100\n  time: 2026-11-28T09:00:00Z\n" + c.body)
		_, err := Parse("x", data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %s", c.body, err, c.want)
		}
	}
}

// The v1 file was written by secui before schema v2 (commit 0e8a315, see
// cmd/secui/testdata/v1repo). It reads with every value kept; writing it
// gives a v2 file that reads back the same; v2 fields in a v1 file are refused.
func TestV1LedgerUpgrade(t *testing.T) {
	v1, err := os.ReadFile("testdata/v1-ledger.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := ParseDoc("ledger.yaml", v1)
	if err != nil || doc.Version != 1 || len(doc.Decisions) != 4 {
		t.Fatalf("%v version %d, %d records", err, doc.Version, len(doc.Decisions))
	}
	byID := map[string]*Decision{}
	for _, d := range doc.Decisions {
		byID[d.ID] = d
	}
	g304 := byID["761e9cd6a79dd2f9"]
	if g304 == nil || g304.State != findings.StateSuppressed || g304.Reason != FalsePositive ||
		g304.Justification != `name comes from a fixed list: "config.yaml" or "defaults.yaml" # never user input` ||
		g304.Expires == nil || g304.Expires.Format(time.DateOnly) != "2027-05-27" || g304.Rule != "G304" ||
		!reflect.DeepEqual(g304.Keys, []string{"content:761e9cd6a79dd2f9", "fallback:ca24d96fca47d829"}) || g304.Line != 28 {
		t.Fatalf("G304: %+v", g304)
	}
	g501 := byID["1979a1128356ee0b"]
	if g501.State != findings.StateOpen || len(g501.History) != 2 || g501.History[0].Action != ActSuppress ||
		g501.History[0].Reason != AcceptedRisk || g501.History[1].Note != "legacy verifier removed, fix it now" ||
		!g501.Time.Equal(time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("G501: %+v", g501)
	}
	if a := byID["835d00d040c166fb"]; a.State != findings.StateAccepted || a.Extra().Due.Format(time.DateOnly) != "2027-01-31" || a.Extra().Note != "Tracked in SEC-142: move to SHA-256" {
		t.Fatalf("G401: %+v", a)
	}
	if w := byID["e0bde8e285701c99"]; w.Justification != "Zoë's server never returns errors here; ListenAndServe exits the process" {
		t.Fatalf("G104: %+v", w)
	}
	v2 := Marshal(doc.Decisions)
	if !bytes.HasPrefix(v2, []byte("# secui triage ledger, schema v2.")) || !bytes.Contains(v2, []byte("\nversion: 2\n")) {
		t.Fatalf("not a v2 file:\n%s", v2)
	}
	back := checkBothPaths(t, v2)
	if !reflect.DeepEqual(stripLines(back), stripLines(doc.Decisions)) {
		t.Fatalf("values changed by the upgrade:\n%+v\n%+v", back, doc.Decisions)
	}
	if len(v2) >= len(v1) {
		t.Errorf("v2 (%d bytes) is not more compact than v1 (%d bytes)", len(v2), len(v1))
	}
	bad := bytes.Replace(v1, []byte("  tool: gosec\n  rule: G304\n"), []byte("  tool: gosec\n  rule: G304\n  evidence:\n    line: 18\n"), 1)
	if _, err := Parse("ledger.yaml", bad); err == nil || !strings.Contains(err.Error(), `ledger.yaml:37:3: decisions[1].evidence: field "evidence" needs version 2`) {
		t.Fatalf("v2 field in a v1 file: %v", err)
	}
}

// FuzzParseFastMatchesYAML: whatever the fast decoder accepts, the YAML path
// accepts too and reads identically.
func FuzzParseFastMatchesYAML(f *testing.F) {
	f.Add(Marshal([]*Decision{full()}))
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 8 {
		f.Add(Marshal([]*Decision{randDecision(r, i), randDecision(r, i+1)}))
	}
	if v1, err := os.ReadFile("testdata/v1-ledger.yaml"); err == nil {
		f.Add(v1)
	}
	f.Add([]byte(cachedLedger())) // what the decoder's caches see
	f.Add([]byte(strings.Replace(cachedLedger(), "version: 2", "version: 3", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := fastDecode(data)
		if !ok {
			_, _ = ParseDoc("x", data) // must not panic
			return
		}
		slow, err := slowParse(t, data)
		if err != nil {
			t.Fatalf("fast accepted what YAML refuses (%v):\n%q", err, data)
		}
		if !reflect.DeepEqual(fast, slow.Decisions) {
			t.Fatalf("paths differ:\n%+v\n%+v\n%q", fast, slow.Decisions, data)
		}
	})
}

// The merge driver reads both versions: base and theirs are the real v1
// file (theirs with a record changed by hand in v1 layout), ours was
// rewritten as v2 with evidence and a new decision. The result is v2 and
// keeps both sides' changes and the evidence.
func TestMergeV1AndV2(t *testing.T) {
	base, err := os.ReadFile("testdata/v1-ledger.yaml")
	if err != nil {
		t.Fatal(err)
	}
	theirs := bytes.Replace(base, []byte("  state: accepted\n  note: \"Tracked in SEC-142: move to SHA-256\"\n  author: Jane Dev <jane@example.com>\n  time: 2026-11-28T09:30:00Z\n"),
		[]byte("  state: accepted\n  note: \"Tracked in SEC-142: move to SHA-256 by Q1\"\n  author: Bob <bob@example.com>\n  time: 2026-11-30T09:30:00Z\n"), 1)
	if bytes.Equal(theirs, base) {
		t.Fatal("setup: theirs unchanged")
	}
	ds, err := Parse("base", base)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		d.Evidence = evidence.Evidence{Path: d.Path, Line: 4, Commit: "0e8a3156e0c7b31b83530c6e36b9ab5f72a2da40", LineHash: 0xabcdef01, Context: []uint32{1, 2}}
	}
	ds = append(ds, &Decision{ID: "00000000000000aa", State: findings.StateSuppressed, Reason: UsedInTests,
		Justification: "fixture of the parser tests, never deployed", Author: "Ann <a@x>", Time: t0, Tool: "gosec", Rule: "G101", Path: "x_test.go",
		Evidence: evidence.Evidence{Path: "x_test.go", Line: 3, LineHash: 7}})
	ours := Marshal(ds)
	out, conflicts, err := Merge(base, ours, theirs)
	if err != nil || len(conflicts) != 0 {
		t.Fatalf("merge: %v %v", err, conflicts)
	}
	doc, err := ParseDoc("merged", out)
	if err != nil || doc.Version != 2 || len(doc.Decisions) != 5 {
		t.Fatalf("merged: %v version %d, %d records\n%s", err, doc.Version, len(doc.Decisions), out)
	}
	got := map[string]*Decision{}
	for _, d := range doc.Decisions {
		got[d.ID] = d
	}
	if d := got["835d00d040c166fb"]; d.Extra().Note != "Tracked in SEC-142: move to SHA-256 by Q1" || d.Author != "Bob <bob@example.com>" || d.Evidence.LineHash != 0xabcdef01 {
		t.Errorf("theirs' change or ours' evidence lost: %+v", d)
	}
	if d := got["00000000000000aa"]; d == nil || d.Evidence.LineHash != 7 {
		t.Errorf("ours' new decision lost: %+v", d)
	}
	if d := got["761e9cd6a79dd2f9"]; d.Evidence.LineHash != 0xabcdef01 {
		t.Errorf("ours' evidence lost: %+v", d.Evidence)
	}
}
