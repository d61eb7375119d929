package query

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/secui/secui/findings"
)

var (
	toolGosec   = &findings.Tool{Name: "gosec"}
	toolSemgrep = &findings.Tool{Name: "Semgrep OSS"}
	toolTrivy   = &findings.Tool{Name: "Trivy"}
	ruleG101    = &findings.Rule{ID: "G101", Name: "Hardcoded credentials", CWEs: []string{"CWE-798"}}
	ruleSQL     = &findings.Rule{ID: "go/sql-injection", Short: "SQL built from user input"}
	ruleVuln    = &findings.Rule{ID: "CVE-2021-44228"}
)

// fixture returns a small hand-built set of findings.
func fixture() []*findings.Finding {
	fs := []*findings.Finding{
		0: {ID: "aaaa000000000001", Tool: toolGosec, Rule: ruleG101, Severity: findings.SevHigh,
			Stage: findings.StageCode, Category: findings.CatSecrets, Message: "Potential hardcoded credentials",
			Loc: findings.Location{Path: "internal/auth/token.go", Line: 12}},
		1: {ID: "aaaa000000000002", Tool: toolSemgrep, Rule: ruleSQL, Severity: findings.SevCritical,
			Stage: findings.StageCode, Category: findings.CatSAST, Message: "SQL injection via fmt.Sprintf",
			Loc: findings.Location{Path: "cmd/server/DB.go", Line: 40}, CWEs: []string{"CWE-89"},
			BaselineState: "new"},
		2: {ID: "bbbb000000000003", Tool: toolTrivy, Rule: ruleVuln, Severity: findings.SevMedium,
			Stage: findings.StageBuild, Category: findings.CatSCA, Message: "log4j remote code execution",
			Loc: findings.Location{Path: "go.sum"}, VulnID: "CVE-2021-44228", Package: "log4j-core@2.14.1"},
		3: {ID: "bbbb000000000004", Tool: toolGosec, Rule: ruleG101, Severity: findings.SevLow,
			Stage: findings.StageTest, Category: findings.CatSecrets, Message: "Potential hardcoded credentials in test",
			Loc:      findings.Location{Path: "internal/auth/token_test.go", Line: 7},
			InputSup: findings.InAccepted, BaselineState: "unchanged"},
		4: {ID: "cccc000000000005", Tool: toolSemgrep, Rule: ruleSQL, Severity: findings.SevInfo,
			Stage: findings.StageMonitor, Category: findings.CatDAST, Message: "note",
			Loc: findings.Location{Path: "web/app.js", Line: 3}},
	}
	tri[fs[2]] = findings.StateSuppressed
	tri[fs[3]] = findings.StateAccepted
	return fs
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		in, canon string
	}{
		{"", ""},
		{"   ", ""},
		{"SQL", "sql"},
		{`"sql injection"`, `"sql injection"`},
		{"sev:high", "sev:high"},
		{"severity:HIGH+", "sev:high+"},
		{"sev:medium-", "sev:medium-"},
		{"sev:crit,h", "sev:critical,high"},
		{"stage:code,build", "stage:code,build"},
		{"tool:GoSec", "tool:gosec"},
		{"rule:G1*", "rule:g1*"},
		{"file:internal/**", "path:internal/**"},
		{"path:{cmd,web}/**", "path:{cmd,web}/**"},
		{`path:"my dir/**","a,b"`, `path:"my dir/**","a,b"`},
		{"cwe:CWE-079", "cwe:79"},
		{"state:open,accepted", "state:open,accepted"},
		{"category:compliance", "cat:license"},
		{"id:AAAA", "id:aaaa"},
		{"cve:CVE-2021-*", "vuln:cve-2021-*"},
		{"package:lodash", "pkg:lodash"},
		{"is:new is:sarif-suppressed", "is:new is:suppressed-in-sarif"},
		{"has:cwe,vuln", "has:cwe,vuln"},
		{"-sev:low -test", "-sev:low -test"},
		{`-"a b"`, `-"a b"`},
		{`"-x"`, `"-x"`},
		{`"http://x"`, `"http://x"`},
		{"file.go:12", "file.go:12"},
		{`"say \"hi\" \\o/"`, `"say \"hi\" \\o/"`},
		{`a\b`, `a\b`},
		{"  sev:high   tool:gosec  ", "sev:high tool:gosec"},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := q.String(); got != tt.canon {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.canon)
		}
		// The canonical form reads back to itself.
		q2, err := Parse(q.String())
		if err != nil {
			t.Errorf("Parse(canonical %q): %v", q.String(), err)
		} else if q2.String() != q.String() {
			t.Errorf("round trip of %q: %q", q.String(), q2.String())
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in, msg string
		col     int
	}{
		{"foo sevv:high", `col 5: unknown field "sevv"`, 5},
		{"http://example.com", `col 1: unknown field "http"`, 1},
		{"sev:hgh", `col 5: unknown severity "hgh" (want critical, high, medium, low or info)`, 5},
		{"sev:high,hgh+", `col 10: unknown severity "hgh" (want critical, high, medium, low or info)`, 10},
		{"stage:deploi", `col 7: unknown stage "deploi" (want one of plan, code, build, test, release, deploy, operate, monitor)`, 7},
		{"a state:opne", `col 9: unknown state "opne" (want one of open, accepted, suppressed, fixed)`, 9},
		{"cat:foo", `col 5: unknown category "foo" (want one of sast, secrets, sca, iac, container, dast, license, lint)`, 5},
		{"sev:", `col 1: empty value for sev:`, 1},
		{"x -tool:", `col 4: empty value for tool:`, 4},
		{"sev:high,", `col 10: empty item in list sev:high,`, 10},
		{"sev:,high", `col 5: empty item in list sev:,high`, 5},
		{`foo "bar`, `col 5: unterminated quote in "bar`, 5},
		{`path:"a b`, `col 6: unterminated quote in path:"a b`, 6},
		{`""`, `col 1: empty quoted text`, 1},
		{"a - b", `col 3: "-" must be followed by a term`, 3},
		{"cwe:xss", `col 5: bad CWE "xss" (want a number such as 79 or CWE-79)`, 5},
		{"id:zz", `col 4: bad id "zz" (want hex digits)`, 4},
		{"is:old", `col 4: unknown is:old (want new, unchanged, updated, absent or suppressed-in-sarif)`, 4},
		{"has:fix", `col 5: has:fix is not supported (fixes and code flows are decoded only when a finding is opened)`, 5},
		{"has:tests", `col 5: unknown has:tests (want cwe, vuln or pkg)`, 5},
		{"path:a[", `col 6: bad glob "a["`, 6},
		{"rule:{a", `col 6: bad glob "{a"`, 6},
		// Columns count characters, not bytes.
		{"é ü sevv:x", `col 5: unknown field "sevv"`, 5},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q): no error, want %q", tt.in, tt.msg)
			continue
		}
		if err.Error() != tt.msg {
			t.Errorf("Parse(%q) error\n got %q\nwant %q", tt.in, err.Error(), tt.msg)
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q): error %T is not *ParseError", tt.in, err)
		} else if pe.Col != tt.col || pe.Term == "" {
			t.Errorf("Parse(%q): Col=%d Term=%q, want col %d", tt.in, pe.Col, pe.Term, tt.col)
		}
	}
}

// matching returns the indices of fixture findings that q matches.
func matching(t *testing.T, q string) []int {
	t.Helper()
	pq, err := Parse(q)
	if err != nil {
		t.Fatalf("Parse(%q): %v", q, err)
	}
	var out []int
	for i, f := range fixture() {
		if pq.Match(f, tri) {
			out = append(out, i)
		}
	}
	return out
}

func TestMatch(t *testing.T) {
	tests := []struct {
		q    string
		want []int
	}{
		{"", []int{0, 1, 2, 3, 4}},
		{"hardcoded", []int{0, 3}},
		{"HARDCODED test", []int{3}},
		{`"sql injection"`, []int{1}},
		{"sql injection", []int{1, 4}}, // both words, anywhere (4 via its rule id)
		{"-hardcoded", []int{1, 2, 4}}, // negated free text
		{"sev:high", []int{0}},
		{"sev:high+", []int{0, 1}},
		{"sev:medium-", []int{2, 3, 4}},
		{"sev:info+", []int{0, 1, 2, 3, 4}},
		{"sev:critical-", []int{0, 1, 2, 3, 4}},
		{"sev:critical,low", []int{1, 3}},
		{"sev:low-,critical", []int{1, 3, 4}},
		{"-sev:high+", []int{2, 3, 4}},
		{"stage:code", []int{0, 1}},
		{"stage:build,test", []int{2, 3}},
		{"tool:gosec", []int{0, 3}},
		{"tool:GOSEC", []int{0, 3}},
		{"tool:grep", []int{1, 4}}, // substring
		{"tool:semgrep*", []int{1, 4}},
		{"tool:sem", []int{1, 4}},
		{"rule:g101", []int{0, 3}},
		{"rule:G10", nil}, // plain rule ids match exactly
		{"rule:G1*", []int{0, 3}},
		{"rule:*sql*", []int{1, 4}}, // "*" crosses "/" in rule ids
		{"rule:go/*", []int{1, 4}},
		{"path:internal/", []int{0, 3}},
		{"path:auth", []int{0, 3}}, // substring
		{"path:internal/**", []int{0, 3}},
		{"path:internal/*", nil}, // "*" stops at "/"
		{"path:**/*_test.go", []int{3}},
		{"path:*_test.go", []int{3}}, // a glob without "/" matches the file name
		{"path:*.go", []int{0, 1, 3}},
		{"path:cmd/server/db.go", []int{1}}, // case-insensitive
		{"path:{cmd,web}/**", []int{1, 4}},
		{"-path:internal/**", []int{1, 2, 4}},
		{"file:go.sum", []int{2}},
		{"cwe:89", []int{1}},
		{"cwe:CWE-798", []int{0, 3}}, // from the rule's CWEs
		{"cwe:79", nil},
		{"cwe:8", nil}, // no prefix matching of CWE numbers
		{"cwe:89,798", []int{0, 1, 3}},
		{"state:open", []int{0, 1, 4}},
		{"state:accepted,suppressed", []int{2, 3}},
		{"-state:open", []int{2, 3}},
		{"cat:secrets", []int{0, 3}},
		{"cat:sca,dast", []int{2, 4}},
		{"id:aaaa", []int{0, 1}},
		{"id:BBBB000000000004", []int{3}},
		{"id:bbbb0000000000041", nil},
		{"vuln:cve-2021-44228", []int{2}},
		{"cve:CVE-2021-*", []int{2}},
		{"vuln:CVE-2021", nil}, // plain vulnerability ids match exactly
		{"pkg:log4j", []int{2}},
		{"-pkg:log4j", []int{0, 1, 3, 4}}, // no package: not matching, so -pkg keeps it
		{"is:new", []int{1}},
		{"is:unchanged", []int{3}},
		{"is:suppressed-in-sarif", []int{3}},
		{"-is:suppressed-in-sarif", []int{0, 1, 2, 4}},
		{"has:cwe", []int{0, 1, 3}},
		{"has:vuln", []int{2}},
		{"has:pkg", []int{2}},
		{"sev:high+ stage:code -tool:gosec", []int{1}},
		{"tool:gosec -path:**/*_test.go", []int{0}},
		{"log4j-core@2.14", []int{2}}, // free text covers the package
		{"cwe-89", []int{1}},          // and CWEs
		{"token_test", []int{3}},      // and the path
	}
	for _, tt := range tests {
		if got := matching(t, tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("%q matched %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestMatchNilAndEmpty(t *testing.T) {
	f := fixture()[0]
	var q *Query
	if !q.Match(f, tri) || !q.IsEmpty() || q.String() != "" {
		t.Fatal("nil query should match everything and be empty")
	}
	e, _ := Parse("  ")
	if !e.Match(f, tri) || !e.IsEmpty() {
		t.Fatal("empty query should match everything")
	}
	n, _ := Parse("sev:low")
	if n.IsEmpty() {
		t.Fatal("sev:low is not empty")
	}
}

func TestAnd(t *testing.T) {
	a, _ := Parse("tool:gosec")
	b, _ := Parse("sev:high+")
	c := a.And(b)
	if c.String() != "tool:gosec sev:high+" {
		t.Fatalf("And = %q", c.String())
	}
	fs := fixture()
	if !c.Match(fs[0], tri) || c.Match(fs[1], tri) || c.Match(fs[3], tri) {
		t.Fatal("And does not conjoin")
	}
	// The operands are unchanged.
	if a.String() != "tool:gosec" || b.String() != "sev:high+" {
		t.Fatal("And modified its operands")
	}
	var nilq *Query
	if got := nilq.And(b).String(); got != "sev:high+" {
		t.Fatalf("nil.And = %q", got)
	}
	if got := a.And(nil).String(); got != "tool:gosec" {
		t.Fatalf("And(nil) = %q", got)
	}
	if got := nilq.And(nil); got == nil || !got.IsEmpty() {
		t.Fatal("nil.And(nil) should be an empty, non-nil query")
	}
}

func TestFromFlags(t *testing.T) {
	q, err := FromFlags(Flags{
		Stages:     []string{"code", "build"},
		Severities: []string{"high+"},
		Tools:      []string{"gosec,semgrep"},
		Paths:      []string{"internal/{auth,x}/**"},
		Text:       "-test",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := q.String(), "stage:code,build sev:high+ tool:gosec,semgrep path:internal/{auth,x}/** -test"; got != want {
		t.Fatalf("FromFlags = %q, want %q", got, want)
	}
	var got []int
	for i, f := range fixture() {
		if q.Match(f, tri) {
			got = append(got, i)
		}
	}
	if !slices.Equal(got, []int{0}) {
		t.Fatalf("matched %v", got)
	}
	if q, err := FromFlags(Flags{}); err != nil || !q.IsEmpty() {
		t.Fatalf("empty flags: %v %v", q, err)
	}
	q, err = FromFlags(Flags{Severities: []string{"critical", "medium-"}, States: []string{"open"}, Categories: []string{"secrets"}, Rules: []string{"G101"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := q.String(), "sev:critical,medium- rule:g101 state:open cat:secrets"; got != want {
		t.Fatalf("FromFlags = %q, want %q", got, want)
	}
	for _, tt := range []struct {
		fl  Flags
		msg string
	}{
		{Flags{Severities: []string{"hgh"}}, `--severity: unknown severity "hgh" (want critical, high, medium, low or info)`},
		{Flags{Stages: []string{"code,deploi"}}, `--stage: unknown stage "deploi" (want one of plan, code, build, test, release, deploy, operate, monitor)`},
		{Flags{Paths: []string{"a["}}, `--path: bad glob "a["`},
		{Flags{Text: "sevv:x"}, `--query: col 1: unknown field "sevv"`},
	} {
		_, err := FromFlags(tt.fl)
		if err == nil || err.Error() != tt.msg {
			t.Errorf("FromFlags(%+v) error = %v, want %q", tt.fl, err, tt.msg)
		}
	}
}

func TestFilterOrderAndResult(t *testing.T) {
	fs := synth(50000, 1)
	q, err := Parse("sev:high+ -path:vendor/** tool:gosec,semgrep*")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Filter(context.Background(), fs, q, tri)
	if err != nil {
		t.Fatal(err)
	}
	var want []int32
	for i, f := range fs {
		if q.Match(f, tri) {
			want = append(want, int32(i))
		}
	}
	if len(want) == 0 || len(want) == len(fs) {
		t.Fatalf("bad test query: %d of %d match", len(want), len(fs))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Filter returned %d indices, sequential Match %d (or a different order)", len(got), len(want))
	}
	// Free text goes through the same path.
	q2, _ := Parse("injection")
	got2, _ := Filter(context.Background(), fs, q2, tri)
	for _, i := range got2 {
		if !strings.Contains(strings.ToLower(fs[i].Message+fs[i].RuleID()), "injection") {
			t.Fatalf("finding %d does not contain the text", i)
		}
	}
	if len(got2) == 0 {
		t.Fatal("no free-text matches")
	}
	// A nil query selects everything, in order, and skips nil findings.
	fs[7] = nil
	all, err := Filter(context.Background(), fs, nil, tri)
	if err != nil || len(all) != len(fs)-1 || all[6] != 6 || all[7] != 8 || !slices.IsSorted(all) {
		t.Fatalf("nil query: %d indices, err %v", len(all), err)
	}
	small, _ := Filter(context.Background(), fixture(), q2, tri)
	if !slices.Equal(small, []int32{1, 4}) {
		t.Fatalf("fixture: %v", small)
	}
}

func TestFilterCancelled(t *testing.T) {
	fs := synth(20000, 2)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q, _ := Parse("sev:high")
	if idx, err := Filter(ctx, fs, q, tri); !errors.Is(err, context.Canceled) || idx != nil {
		t.Fatalf("cancelled Filter = %d indices, %v", len(idx), err)
	}
	q, _ = Parse("text")
	if _, err := Filter(ctx, fs, q, tri); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled text Filter: %v", err)
	}
}

// TestFilterCancelMidway cancels while filters run and checks they stop
// with the context's error.
func TestFilterCancelMidway(t *testing.T) {
	fs := synth(100000, 3)
	ctx, cancel := context.WithCancel(context.Background())
	q, _ := Parse("path:**/*.go")
	done := make(chan struct{})
	var err error
	go func() {
		defer close(done)
		for range 50 {
			if _, err = Filter(ctx, fs, q, tri); err != nil {
				return
			}
		}
	}()
	cancel()
	<-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Filter after cancel: %v", err)
	}
}

func TestSort(t *testing.T) {
	fs := fixture()
	fs = append(fs,
		&findings.Finding{Tool: toolGosec, Rule: ruleG101, Severity: findings.SevHigh, Stage: findings.StageCode,
			Loc: findings.Location{Path: "internal/auth/token.go", Line: 3}},
		&findings.Finding{Tool: toolGosec, Rule: ruleG101, Severity: findings.SevHigh, Stage: findings.StageCode,
			Loc: findings.Location{Path: "internal/auth/token.go", Line: 12}}, // same key as 0: stays after it
	)
	all := func() []int32 {
		idx := make([]int32, len(fs))
		for i := range idx {
			idx[i] = int32(i)
		}
		return idx
	}
	tests := []struct {
		key  SortKey
		want []int32
	}{
		// critical; high: token.go:3, token.go:12 (0 before 6), medium, low, info
		{BySeverity, []int32{1, 5, 0, 6, 2, 3, 4}},
		{ByFile, []int32{1, 2, 5, 0, 6, 3, 4}},
		// G101 < go/sql-injection < CVE? fold order: cve-..., g101, go/sql-injection
		{ByRule, []int32{2, 5, 0, 6, 3, 1, 4}},
		// gosec, semgrep oss, trivy; within a tool worst first
		{ByTool, []int32{5, 0, 6, 3, 1, 4, 2}},
		// code (critical, then high), build, test, monitor
		{ByStage, []int32{1, 5, 0, 6, 2, 3, 4}},
	}
	for _, tt := range tests {
		idx := all()
		Sort(fs, idx, tt.key)
		if !slices.Equal(idx, tt.want) {
			t.Errorf("Sort by %s = %v, want %v", tt.key, idx, tt.want)
		}
	}
	// Stability: reversing the input reverses the order of equal keys only.
	idx := all()
	slices.Reverse(idx)
	Sort(fs, idx, BySeverity)
	if !slices.Equal(idx, []int32{1, 5, 6, 0, 2, 3, 4}) {
		t.Errorf("stable sort of reversed input = %v", idx)
	}
	// Sorting a subset only touches the subset.
	sub := []int32{4, 0, 2}
	Sort(fs, sub, BySeverity)
	if !slices.Equal(sub, []int32{0, 2, 4}) {
		t.Errorf("subset = %v", sub)
	}
}

func TestSortKeyNames(t *testing.T) {
	for k := BySeverity; k <= ByStage; k++ {
		got, err := ParseSortKey(strings.ToUpper(k.String()))
		if err != nil || got != k {
			t.Errorf("ParseSortKey(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseSortKey("colour"); err == nil || err.Error() != `unknown sort order "colour" (want severity, file, rule, tool or stage)` {
		t.Errorf("bad key error: %v", err)
	}
	for g := GroupNone; g <= GroupSeverity; g++ {
		got, err := ParseGroupBy(g.String())
		if err != nil || got != g {
			t.Errorf("ParseGroupBy(%q) = %v, %v", g.String(), got, err)
		}
	}
}

func TestGroup(t *testing.T) {
	fs := fixture()
	fs = append(fs, &findings.Finding{Tool: toolGosec, Rule: &findings.Rule{ID: "G204\x1b[31m"}, Severity: findings.SevHigh,
		Stage: findings.StageCode, Loc: findings.Location{Path: "internal/auth/token.go", Line: 1}})
	idx := []int32{0, 1, 2, 3, 4, 5}
	type g struct {
		key, label string
		idx        []int32
	}
	check := func(by GroupBy, want []g) {
		t.Helper()
		got := GroupFindings(fs, idx, by)
		if len(got) != len(want) {
			t.Fatalf("%s: %d groups, want %d: %+v", by, len(got), len(want), got)
		}
		for i := range want {
			if got[i].Key != want[i].key || got[i].Label != want[i].label || !slices.Equal(got[i].Idx, want[i].idx) {
				t.Errorf("%s group %d = %q %q %v, want %q %q %v", by, i, got[i].Key, got[i].Label, got[i].Idx, want[i].key, want[i].label, want[i].idx)
			}
			n := 0
			for _, c := range got[i].Counts {
				n += c
			}
			if n != len(got[i].Idx) {
				t.Errorf("%s group %d counts %v", by, i, got[i].Counts)
			}
		}
	}
	check(GroupStage, []g{{"code", "Code", []int32{0, 1, 5}}, {"build", "Build", []int32{2}}, {"test", "Test", []int32{3}}, {"monitor", "Monitor", []int32{4}}})
	check(GroupSeverity, []g{{"critical", "Critical", []int32{1}}, {"high", "High", []int32{0, 5}}, {"medium", "Medium", []int32{2}}, {"low", "Low", []int32{3}}, {"info", "Info", []int32{4}}})
	check(GroupTool, []g{{"gosec", "gosec", []int32{0, 3, 5}}, {"semgrep oss", "Semgrep OSS", []int32{1, 4}}, {"trivy", "Trivy", []int32{2}}})
	check(GroupRule, []g{
		{"gosec\x1fG101", "G101 · Hardcoded credentials · gosec", []int32{0, 3}},
		{"semgrep oss\x1fgo/sql-injection", "go/sql-injection · SQL built from user input · Semgrep OSS", []int32{1, 4}},
		{"trivy\x1fCVE-2021-44228", "CVE-2021-44228 · Trivy", []int32{2}},
		{"gosec\x1fG204\x1b[31m", "G204[31m · gosec", []int32{5}}, // control characters removed
	})
	check(GroupFile, []g{
		{"internal/auth/token.go", "internal/auth/token.go", []int32{0, 5}},
		{"cmd/server/DB.go", "cmd/server/DB.go", []int32{1}},
		{"go.sum", "go.sum", []int32{2}},
		{"internal/auth/token_test.go", "internal/auth/token_test.go", []int32{3}},
		{"web/app.js", "web/app.js", []int32{4}},
	})
	check(GroupNone, []g{{"all", "All findings", idx}})
	gs := GroupFindings(fs, idx, GroupSeverity)
	if gs[1].Counts != [5]int{findings.SevHigh: 2} {
		t.Errorf("high counts = %v", gs[1].Counts)
	}
	if GroupFindings(fs, nil, GroupStage) != nil || GroupFindings(fs, []int32{}, GroupNone) != nil {
		t.Error("empty idx should give no groups")
	}
}

func TestSummarize(t *testing.T) {
	fs := fixture()
	s := Summarize(fs, nil, tri)
	if s.Total != 5 {
		t.Fatalf("Total = %d", s.Total)
	}
	if s.ByStageSev[findings.StageCode] != [5]int{findings.SevHigh: 1, findings.SevCritical: 1} {
		t.Errorf("code = %v", s.ByStageSev[findings.StageCode])
	}
	if s.ByTool["gosec"] != [5]int{findings.SevHigh: 1, findings.SevLow: 1} || len(s.ByTool) != 3 {
		t.Errorf("ByTool = %v", s.ByTool)
	}
	if s.ByCategory[findings.CatSecrets] != [5]int{findings.SevHigh: 1, findings.SevLow: 1} {
		t.Errorf("secrets = %v", s.ByCategory[findings.CatSecrets])
	}
	if s.ByState != [4]int{3, 1, 1, 0} {
		t.Errorf("ByState = %v", s.ByState)
	}
	s = Summarize(fs, []int32{1, 2}, tri)
	if s.Total != 2 || s.ByState != [4]int{1, 0, 1, 0} || s.ByStageSev[findings.StageBuild][findings.SevMedium] != 1 {
		t.Errorf("subset summary = %+v", s)
	}
	if s := Summarize(fs, []int32{}, tri); s.Total != 0 {
		t.Errorf("empty idx total = %d", s.Total)
	}
}

// TestFastPatternsAgreeWithGlob checks that globs compiled to cheap string
// tests match exactly what doublestar matches.
func TestFastPatternsAgreeWithGlob(t *testing.T) {
	paths := []string{"", "vendor", "vendor/x.go", "a/vendor/b/c.go", "a/vendorx/b.go", "xvendor/a.go", "a/b/vendor",
		"Vendor/X.GO", "main.go", "cmd/main.go", "cmd/main.go.orig", "cmd", "cmdx/a", "a/cmd/main.go", "a.go/b", "x/.go",
		"internal/auth/token_test.go", "internal/auth/Token_Test.go", "deep/a/b/c/d_test.go", "é/ü_test.go"}
	pathPats := []string{"vendor/**", "**/vendor/**", "**/*.go", "*.go", "*_test.go", "**/main.go", "cmd/**", "**/cmd",
		"internal/auth/**", "**/*_test.go"}
	for _, pat := range pathPats {
		p, err := compilePattern(fPath, pat)
		if err != nil {
			t.Fatal(err)
		}
		if p.kind == pkGlob {
			t.Errorf("%q did not compile to a fast pattern", pat)
		}
		slow := term{field: fPath, pats: []pattern{{kind: pkGlob, s: pat, base: !strings.Contains(pat, "/")}}}
		fast := term{field: fPath, pats: []pattern{p}}
		for _, s := range paths {
			if a, b := fast.matchPats(s), slow.matchPats(s); a != b {
				t.Errorf("path %q on %q: fast %v, glob %v", pat, s, a, b)
			}
		}
	}
	names := []string{"", "gosec", "Semgrep OSS", "semgrep", "go/sql-injection", "js/sql", "sql", "CVE-2021-1234", "cve-2021", "GHSA-xx"}
	for _, pat := range []string{"semgrep*", "*sql*", "go/*", "cve-2021-*", "*oss", "*-1234"} {
		p, err := compilePattern(fRule, pat)
		if err != nil {
			t.Fatal(err)
		}
		if p.kind == pkGlob {
			t.Errorf("%q did not compile to a fast pattern", pat)
		}
		slow := term{field: fRule, pats: []pattern{{kind: pkGlob, s: strings.ReplaceAll(pat, "/", flatSep)}}}
		fast := term{field: fRule, pats: []pattern{p}}
		for _, s := range names {
			if a, b := fast.matchPats(s), slow.matchPats(s); a != b {
				t.Errorf("rule %q on %q: fast %v, glob %v", pat, s, a, b)
			}
		}
	}
}

// FuzzParse checks that Parse never panics and that the canonical form of
// any query reads back to itself and matches the same findings.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"sev:high+ -path:vendor/** tool:gosec", `"a b" -"c"`, `path:"x,y",{a,b}/**`, "cwe:79 id:ab is:new",
		`-"-" "\\" "\""`, "rule:[a-c]*", "é:x", "a:b:c", "file.go:1", `pkg:"@x"`} {
		f.Add(s)
	}
	fs := fixture()
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Col < 1 || pe.Col > len([]rune(s))+1 {
				t.Fatalf("Parse(%q): bad error %v", s, err)
			}
			return
		}
		c := q.String()
		q2, err := Parse(c)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", c, s, err)
		}
		if q2.String() != c {
			t.Fatalf("canonical form of %q is not stable: %q then %q", s, c, q2.String())
		}
		for _, fd := range fs {
			if q.Match(fd, tri) != q2.Match(fd, tri) {
				t.Fatalf("%q and its canonical form %q match differently", s, c)
			}
		}
	})
}

// refCompare is the documented order of each key, written plainly.
func refCompare(key SortKey, a, b *findings.Finding) int {
	c := func(xs ...int) int {
		for _, x := range xs {
			if x != 0 {
				return x
			}
		}
		return 0
	}
	tenths := func(f *findings.Finding) int { return int(f.Score*10 + 0.5) }
	worse := func(a, b *findings.Finding) int {
		return c(int(b.Severity)-int(a.Severity), tenths(b)-tenths(a))
	}
	loc := func(a, b *findings.Finding) int {
		return c(strings.Compare(a.Loc.Path, b.Loc.Path), a.Loc.Line-b.Loc.Line, a.Loc.Col-b.Loc.Col)
	}
	switch key {
	case ByFile:
		return c(loc(a, b), worse(a, b))
	case ByRule:
		return c(foldCompare(a.RuleID(), b.RuleID()), loc(a, b))
	case ByTool:
		return c(foldCompare(a.ToolName(), b.ToolName()), worse(a, b), loc(a, b))
	case ByStage:
		return c(int(a.Stage)-int(b.Stage), worse(a, b), loc(a, b))
	}
	return c(worse(a, b), loc(a, b))
}

func TestSortMatchesReference(t *testing.T) {
	for _, huge := range []bool{false, true} {
		fs := synth(5000, 9)
		if huge { // lines and columns too wide to pack into 64 bits
			for i, f := range fs {
				f.Loc.Line = 3_000_000_000 + i%7
				f.Loc.Col = 4_000_000_000 - i%5
			}
		}
		for _, key := range []SortKey{BySeverity, ByFile, ByRule, ByTool, ByStage} {
			idx := make([]int32, 0, len(fs))
			for i := len(fs) - 1; i >= 0; i -= 2 { // a subset, in a non-trivial order
				idx = append(idx, int32(i))
			}
			want := slices.Clone(idx)
			slices.SortStableFunc(want, func(a, b int32) int { return refCompare(key, fs[a], fs[b]) })
			Sort(fs, idx, key)
			if !slices.Equal(idx, want) {
				t.Errorf("huge=%v %s: Sort differs from the reference order", huge, key)
			}
		}
	}
}

// Summarize counts by tool name: two tool values of one name (two files,
// two runs) add up, interleaved findings and findings without a tool too.
func TestSummarizeByToolName(t *testing.T) {
	a1, a2, b := &findings.Tool{Name: "gosec"}, &findings.Tool{Name: "gosec"}, &findings.Tool{Name: "trivy"}
	mk := func(tool *findings.Tool, sev findings.Severity) *findings.Finding {
		return &findings.Finding{ID: "x", Tool: tool, Severity: sev}
	}
	fs := []*findings.Finding{mk(a1, findings.SevHigh), mk(b, findings.SevLow), mk(a1, findings.SevHigh), mk(a2, findings.SevCritical),
		mk(nil, findings.SevMedium), mk(b, findings.SevLow), nil, mk(a2, findings.SevHigh)}
	s := Summarize(fs, nil, tri)
	want := map[string][5]int{
		"gosec": {findings.SevHigh: 3, findings.SevCritical: 1},
		"trivy": {findings.SevLow: 2},
		"":      {findings.SevMedium: 1},
	}
	if len(s.ByTool) != len(want) {
		t.Errorf("ByTool = %v, want %v", s.ByTool, want)
	}
	for name, c := range want {
		if s.ByTool[name] != c {
			t.Errorf("ByTool[%q] = %v, want %v", name, s.ByTool[name], c)
		}
	}
	if s := Summarize(fs, []int32{1, 3, 5}, tri); len(s.ByTool) != 2 || s.ByTool["trivy"] != [5]int{findings.SevLow: 2} ||
		s.ByTool["gosec"] != [5]int{findings.SevCritical: 1} {
		t.Errorf("subset ByTool = %v", s.ByTool)
	}
}
