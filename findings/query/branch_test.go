package query

import (
	"context"
	"errors"
	"testing"

	"github.com/secui/secui/findings"
)

// setFacts is the shape findings/branch precomputes: a set of findings.
type setFacts map[*findings.Finding]struct{}

func (s setFacts) NewOnBranch(f *findings.Finding) bool { _, ok := s[f]; return ok }

func TestNewBranchTerm(t *testing.T) {
	fs := synth(1000, 3)
	facts := setFacts{}
	for i, f := range fs {
		if i%7 == 0 {
			facts[f] = struct{}{}
		}
	}
	q, err := Parse("new:branch")
	if err != nil {
		t.Fatal(err)
	}
	if !q.UsesBranch() || q.String() != "new:branch" {
		t.Fatalf("UsesBranch %v, String %q", q.UsesBranch(), q.String())
	}
	// Unbound: Filter refuses rather than silently matching nothing.
	if _, err := Filter(context.Background(), fs, q, nil); !errors.Is(err, ErrBranchUnbound) {
		t.Fatalf("unbound Filter: %v", err)
	}
	bound := q.WithBranch(facts)
	idx, err := Filter(context.Background(), fs, bound, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(idx) != len(facts) {
		t.Errorf("new:branch matched %d, want %d", len(idx), len(facts))
	}
	for _, i := range idx {
		if i%7 != 0 {
			t.Errorf("finding %d matched but is not new", i)
		}
	}
	// WithBranch does not change q (queries are immutable and shared).
	if _, err := Filter(context.Background(), fs, q, nil); !errors.Is(err, ErrBranchUnbound) {
		t.Errorf("q was changed by WithBranch: %v", err)
	}
	// Negation and conjunction.
	neg, _ := Parse("-new:branch sev:high")
	neg = neg.WithBranch(facts)
	for _, f := range fs {
		want := f.Severity == findings.SevHigh && !facts.NewOnBranch(f)
		if neg.Match(f, nil) != want {
			t.Fatalf("-new:branch sev:high on %v: %v, want %v", f.Severity, !want, want)
		}
	}
	and := mustParse(t, "sev:high").And(bound)
	if !and.UsesBranch() {
		t.Error("And lost the new:branch term")
	}
	if _, err := Filter(context.Background(), fs, and, nil); err != nil {
		t.Errorf("And kept the binding: %v", err)
	}
	for _, bad := range []string{"new:main", "new:", "new:branch,main"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	if q, _ := Parse("sev:high"); q.UsesBranch() || q.WithBranch(facts) != q {
		t.Error("a query without new:branch is not bound")
	}
	var nilQ *Query
	if nilQ.UsesBranch() {
		t.Error("nil query uses branch")
	}
}

func mustParse(t *testing.T, s string) *Query {
	t.Helper()
	q, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// BenchmarkFilterNewBranch100k: new:branch is a set lookup, as cheap as
// the other cheap terms (compare BenchmarkFilter100k).
func BenchmarkFilterNewBranch100k(b *testing.B) {
	fs := synth(100000, 7)
	facts := setFacts{}
	for i, f := range fs {
		if i%10 == 0 {
			facts[f] = struct{}{}
		}
	}
	for _, qs := range []string{"new:branch", "sev:high+ new:branch -path:vendor/**"} {
		b.Run(qs, func(b *testing.B) {
			q := mustParseB(b, qs).WithBranch(facts)
			c := startCPU()
			for b.Loop() {
				var err error
				if benchSink, err = Filter(context.Background(), fs, q, nil); err != nil {
					b.Fatal(err)
				}
			}
			c.report(b)
			b.ReportMetric(float64(len(benchSink)), "matches")
		})
	}
}

func mustParseB(b *testing.B, s string) *Query {
	q, err := Parse(s)
	if err != nil {
		b.Fatal(err)
	}
	return q
}
