package match_test

import (
	"testing"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/match"
)

// A decision recorded with its commit on a finding that has no file (the
// SARIF result names no location): the exact-hit check of the legacy round
// looks for twins over every path of the rule, and places the decision on
// its finding when none has the same text.
func TestLegacyExactHitWithoutPath(t *testing.T) {
	mk := func(id, msg, lh, fb string) *findings.Finding {
		return &findings.Finding{ID: id, IDLayer: findings.LayerLineHash, Keys: []string{lh, fb},
			Tool: &findings.Tool{Name: "t"}, Rule: &findings.Rule{ID: "R"}, Message: msg}
	}
	f := mk("00000000000000aa", "m", "linehash:00000000000000aa", "fallback:00000000000000f1")
	other := mk("00000000000000bb", "n", "linehash:00000000000000bb", "fallback:00000000000000f2")
	d := match.Decision{ID: f.ID, Tool: "t", Rule: "R", Keys: f.Keys}
	d.Evidence.Commit = "0123456789abcdef0123456789abcdef01234567"
	res := match.Assign([]match.Decision{d}, []match.Finding{{F: other}, {F: f}}, match.Options{})
	if len(res.Links) != 1 || res.Links[0].Finding != 1 || len(res.Review) != 0 {
		t.Fatalf("links %+v review %+v", res.Links, res.Review)
	}
}
