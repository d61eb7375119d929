package query

import (
	"testing"

	"github.com/secui/secui/findings"
)

// A provisional finding (no identity yet) never matches a query that reads
// identity, negated or not; other terms match it as they match its final
// finding.
func TestProvisionalNeverMatchesIdentityTerms(t *testing.T) {
	fs := loadCorpus(t)
	final := fs[0]
	p := *final
	p.ID, p.Keys = "", nil
	both := []*findings.Finding{final, &p}
	for _, c := range []struct {
		q    string
		want []int32
	}{
		{"id:" + final.ID[:8], []int32{0}},
		{"-id:ffffffffffffffff", []int32{0}},
		{"tool:\"" + final.ToolName() + "\" id:" + final.ID[:8], []int32{0}},
		{"tool:\"" + final.ToolName() + "\"", []int32{0, 1}},
		{"-tool:nothing-like-this", []int32{0, 1}},
	} {
		got := filterStr(t, both, c.q)
		if len(got) != len(c.want) || (len(got) > 0 && got[len(got)-1] != c.want[len(c.want)-1]) {
			t.Errorf("%s: %v, want %v", c.q, got, c.want)
		}
		q, _ := Parse(c.q)
		if m := q.Match(&p, nil); m != (len(c.want) == 2) {
			t.Errorf("%s: Match(provisional) = %v", c.q, m)
		}
	}
	for q, want := range map[string]bool{"id:abcd": true, "-id:abcd": true, "new:branch": true, "sev:high": false, "tool:x path:y": false} {
		pq, err := Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		if pq.NeedsIdentity() != want {
			t.Errorf("%s: NeedsIdentity %v", q, !want)
		}
	}
}
