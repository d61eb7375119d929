package query

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/internal/testutil"
)

func loadCorpus(t *testing.T) []*findings.Finding {
	t.Helper()
	set, err := findings.Load(context.Background(), []string{testutil.CorpusDir(t)}, findings.Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(set.Findings) < 100 {
		t.Fatalf("corpus gave only %d findings", len(set.Findings))
	}
	return set.Findings
}

func filterStr(t *testing.T, fs []*findings.Finding, q string) []int32 {
	t.Helper()
	pq, err := Parse(q)
	if err != nil {
		t.Fatalf("Parse(%q): %v", q, err)
	}
	idx, err := Filter(context.Background(), fs, pq, tri)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

// TestCorpus runs queries, sorts and groupings over the real SARIF corpus
// and checks them against the findings' fields.
func TestCorpus(t *testing.T) {
	fs := loadCorpus(t)
	n := len(fs)
	all := filterStr(t, fs, "")
	if len(all) != n {
		t.Fatalf("empty query kept %d of %d", len(all), n)
	}
	sum := Summarize(fs, all, tri)
	if sum.Total != n {
		t.Fatalf("Summarize total %d, want %d", sum.Total, n)
	}

	// Each severity selects exactly the findings with that severity, and the
	// severities partition the set; high+ is high plus critical.
	bySev := 0
	for _, s := range findings.Severities {
		idx := filterStr(t, fs, "sev:"+s.String())
		for _, i := range idx {
			if fs[i].Severity != s {
				t.Fatalf("sev:%s kept a %s finding", s, fs[i].Severity)
			}
		}
		bySev += len(idx)
	}
	if bySev != n {
		t.Fatalf("severities cover %d of %d", bySev, n)
	}
	if a, b, c := len(filterStr(t, fs, "sev:high+")), len(filterStr(t, fs, "sev:high")), len(filterStr(t, fs, "sev:critical")); a != b+c {
		t.Fatalf("high+ = %d, high %d + critical %d", a, b, c)
	}

	// A term and its negation split the set, for every kind of term.
	for _, q := range []string{"stage:code", "cat:sca", "cat:secrets", "path:**/*.java", "path:src/", "rule:*injection*", "cwe:79",
		"sql", `"cross-site"`, "has:cwe", "has:vuln", "is:new", "is:suppressed-in-sarif", "vuln:CVE-*", "sev:medium-"} {
		yes, no := filterStr(t, fs, q), filterStr(t, fs, "-"+q)
		if len(yes)+len(no) != n {
			t.Errorf("%q: %d + negation %d != %d", q, len(yes), len(no), n)
		}
	}

	// Tools: tool:<name> keeps the findings whose tool name contains it.
	for name, counts := range sum.ByTool {
		if name == "" || strings.ContainsAny(name, `" `) {
			continue
		}
		want := 0
		for _, c := range counts {
			want += c
		}
		got := 0
		for _, i := range filterStr(t, fs, "tool:"+name) {
			if !strings.Contains(strings.ToLower(fs[i].ToolName()), strings.ToLower(name)) {
				t.Fatalf("tool:%s kept tool %q", name, fs[i].ToolName())
			}
			if fs[i].ToolName() == name {
				got++
			}
		}
		if got != want {
			t.Errorf("tool:%s kept %d findings of that tool, want %d", name, got, want)
		}
	}

	// Data the corpus is known to contain.
	for _, q := range []string{"is:new", "cwe:79", "cat:sca", "stage:code", "sev:critical", "path:**/*.java"} {
		if len(filterStr(t, fs, q)) == 0 {
			t.Errorf("%q found nothing in the corpus", q)
		}
	}
	for _, i := range filterStr(t, fs, "is:new") {
		if fs[i].BaselineState != "new" {
			t.Fatalf("is:new kept baselineState %q", fs[i].BaselineState)
		}
	}
	for _, i := range filterStr(t, fs, "cwe:79") {
		f := fs[i]
		cwes := f.CWEs
		if f.Rule != nil {
			cwes = append(slices.Clone(cwes), f.Rule.CWEs...)
		}
		if !slices.ContainsFunc(cwes, func(c string) bool { return strings.EqualFold(c, "CWE-79") }) {
			t.Fatalf("cwe:79 kept a finding with CWEs %v", cwes)
		}
	}

	// Sort orders hold on real data.
	for _, key := range []SortKey{BySeverity, ByFile, ByRule, ByTool, ByStage} {
		idx := slices.Clone(all)
		Sort(fs, idx, key)
		sorted := slices.Clone(idx)
		slices.Sort(sorted)
		if !slices.Equal(sorted, all) {
			t.Fatalf("%s: not a permutation", key)
		}
		for p := 1; p < len(idx); p++ {
			a, b := fs[idx[p-1]], fs[idx[p]]
			var bad bool
			switch key {
			case BySeverity:
				bad = a.Severity < b.Severity || (a.Severity == b.Severity && a.Loc.Path > b.Loc.Path)
			case ByFile:
				bad = a.Loc.Path > b.Loc.Path || (a.Loc.Path == b.Loc.Path && a.Loc.Line > b.Loc.Line)
			case ByRule:
				bad = foldCompare(a.RuleID(), b.RuleID()) > 0
			case ByTool:
				bad = foldCompare(a.ToolName(), b.ToolName()) > 0
			case ByStage:
				bad = a.Stage > b.Stage || (a.Stage == b.Stage && a.Severity < b.Severity)
			}
			if bad {
				t.Fatalf("%s: position %d out of order", key, p)
			}
		}
	}

	// Groups partition the set and their counts add up.
	for _, by := range []GroupBy{GroupNone, GroupStage, GroupRule, GroupFile, GroupTool, GroupSeverity} {
		total := 0
		seen := make(map[int32]bool)
		for _, g := range GroupFindings(fs, all, by) {
			c := 0
			for _, x := range g.Counts {
				c += x
			}
			if c != len(g.Idx) {
				t.Fatalf("%s group %q: counts %v for %d findings", by, g.Key, g.Counts, len(g.Idx))
			}
			for _, i := range g.Idx {
				if seen[i] {
					t.Fatalf("%s: finding %d in two groups", by, i)
				}
				seen[i] = true
			}
			total += len(g.Idx)
		}
		if total != n {
			t.Fatalf("%s groups hold %d of %d", by, total, n)
		}
	}
}
