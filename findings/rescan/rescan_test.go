package rescan

import (
	"testing"

	"github.com/secui/secui/findings"
)

func fnd(id, rule, path string, line int, keys ...string) *findings.Finding {
	return &findings.Finding{ID: id, Keys: keys, Tool: &findings.Tool{Name: "gosec"}, Rule: &findings.Rule{ID: rule},
		Loc: findings.Location{Path: path, Line: line, InRepo: path != ""}}
}

func TestClassify(t *testing.T) {
	before := []Before{
		{F: fnd("a1", "G101", "a.go", 10, "fallback:a")},                                              // 0 still there
		{F: fnd("b1", "G102", "a.go", 20, "fallback:b")},                                              // 1 moved to line 25
		{F: fnd("c1", "G103", "a.go", 30, "fallback:c")},                                              // 2 gone: fixed
		{F: fnd("d1", "G104", "a.go", 40, "fallback:d"), State: findings.StateAccepted},               // 3 gone, accepted: fixed
		{F: fnd("e1", "G105", "a.go", 50, "fallback:e"), State: findings.StateSuppressed},             // 4 gone, suppressed: gone
		{F: fnd("f1", "G106", "a.go", 60, "fallback:f"), State: findings.StateFixed, Pending: true},   // 5 gone, pending: fixed
		{F: fnd("g1", "G107", "a.go", 70, "fallback:g"), State: findings.StateFixed},                  // 6 gone, proven before: gone
		{F: fnd("h1", "G108", "a.go", 80, "fallback:h"), State: findings.StateFixed, Pending: true},   // 7 still there: reopened
		{F: fnd("i1", "G109", "docs/x.md", 1, "fallback:i")},                                          // 8 gone, not covered
		{F: fnd("j1", "G110", "", 0, "fallback:j")},                                                   // 9 gone, not in the repo
		{F: fnd("k1", "G111", "a.go", 90, "fallback:k"), InputSuppressed: true},                       // 10 gone, suppressed in SARIF
		{F: fnd("l1", "G112", "a.go", 95, "content:stale"), ID: "snap", Keys: []string{"fallback:l"}}, // 11 snapshot identity: still there
	}
	after := []*findings.Finding{
		fnd("a1", "G101", "a.go", 10, "fallback:a"),
		fnd("b2", "G102", "a.go", 25, "fallback:b"),
		fnd("h1", "G108", "a.go", 80, "fallback:h"),
		fnd("n1", "G199", "a.go", 99, "fallback:n"), // new
		fnd("l2", "G112", "a.go", 97, "fallback:l"),
	}
	cov := NewCoverage("", []string{"**/*.go"}, nil)
	res := Classify(Input{Before: before, After: after, Covers: cov, Success: true})
	want := []Outcome{Open, Moved, Fixed, Fixed, Gone, Fixed, Gone, Reopened, NotCovered, NotCovered, Gone, Moved}
	for i, w := range want {
		if got := res.Items[i].Outcome; got != w {
			t.Errorf("%s: %s, want %s (%+v)", before[i].F.RuleID(), got, w, res.Items[i])
		}
	}
	if it := res.Items[1]; it.Now != after[1] || it.Moved != 5 {
		t.Errorf("moved item %+v", it)
	}
	if len(res.New) != 1 || res.New[0].ID != "n1" {
		t.Errorf("new = %v", res.New)
	}
	if res.Count(Fixed) != 3 {
		t.Errorf("fixed count %d", res.Count(Fixed))
	}

	// A run that did not succeed proves nothing, and introduces nothing.
	res = Classify(Input{Before: before, After: nil, Covers: cov, Success: false})
	for i, it := range res.Items {
		if it.Outcome != Unproven {
			t.Errorf("failed run: item %d is %s", i, it.Outcome)
		}
	}
	if len(res.New) != 0 {
		t.Errorf("failed run lists new findings")
	}
}

func TestCoverage(t *testing.T) {
	f := func(p string) *findings.Finding { return fnd("x", "R", p, 1) }
	dir := NewCoverage("svc/", nil, nil)
	if dir.Mode != CoverDir || !dir.Covers(f("svc/a.go")) || dir.Covers(f("other/a.go")) || dir.Covers(f("svcx/a.go")) {
		t.Errorf("dir coverage %+v", dir)
	}
	if root := NewCoverage("", nil, nil); !root.Covers(f("anything/at/all.py")) || root.Covers(f("")) {
		t.Error("root coverage")
	}
	arts := NewCoverage("", nil, []string{"a.go", "b/c.go"})
	if arts.Mode != CoverArtifacts || !arts.Covers(f("b/c.go")) || arts.Covers(f("d.go")) {
		t.Errorf("artifact coverage %+v", arts)
	}
	// Configured paths win over artifacts.
	p := NewCoverage("", []string{"internal/**"}, []string{"main.go"})
	if p.Mode != CoverPaths || !p.Covers(f("internal/x/y.go")) || p.Covers(f("main.go")) {
		t.Errorf("paths coverage %+v", p)
	}
	out := fnd("x", "R", "/etc/passwd", 1)
	out.Loc.InRepo = false
	if NewCoverage("", nil, nil).Covers(out) {
		t.Error("a location outside the repository is covered")
	}
}

// An earlier finding nothing pairs with (its keys hashed the old line)
// while the same rule is still reported at its file and line is review,
// not fixed, and the current one is not new; elsewhere it stays fixed.
func TestSamePlaceIsReview(t *testing.T) {
	before := []Before{
		{F: fnd("a1", "G705", "main.go", 21, "snippet:old")},
		{F: fnd("b1", "G404", "main.go", 21, "snippet:old2")},
		{F: fnd("c1", "G104", "main.go", 18, "snippet:x")},
	}
	after := []*findings.Finding{
		fnd("a2", "G705", "main.go", 21, "snippet:new"), // same rule, same line, new text
		fnd("c2", "G104", "main.go", 30, "snippet:y"),   // same rule elsewhere
	}
	res := Classify(Input{Before: before, After: after, Covers: NewCoverage("", nil, nil), Success: true})
	if it := res.Items[0]; it.Outcome != Review || it.Now != after[0] || it.Why == "" {
		t.Errorf("G705: %+v", it)
	}
	if it := res.Items[1]; it.Outcome != Fixed {
		t.Errorf("G404: %+v", it)
	}
	if it := res.Items[2]; it.Outcome != Fixed {
		t.Errorf("G104: %+v", it)
	}
	if len(res.New) != 1 || res.New[0] != after[1] {
		t.Errorf("new = %v", res.New)
	}
}
