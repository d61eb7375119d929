package match_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/match"
	"github.com/secui/secui/internal/testutil"
)

const codeqlDojo = "DefectDojo-django-DefectDojo/codeQL-output.sarif"

// decisionsAt decides on fs as a bulk `secui suppress --all` does when the
// files are not in the working tree: location-only evidence, with the commit
// the decision was made at.
func decisionsAt(fs []*findings.Finding, commit string) []match.Decision {
	ds := decisionsOf(fs)
	for i := range ds {
		ds[i].Evidence.Commit = commit
	}
	return ds
}

// A bulk decision on findings whose files are absent from the working tree
// (real CodeQL output: weak primaryLocationLineHash ids), re-matched against
// the very same scan, lands on the finding it was made on. Only findings
// that have an identical twin in their file (same rule, message and
// snippet) are reviewed: without code, nothing tells the twins apart.
func TestBulkDecisionsOnAbsentFilesLandExactly(t *testing.T) {
	before := loadCorpus(t, codeqlDojo)
	after := loadCorpus(t, codeqlDojo)
	for _, f := range after {
		if f.IDLayer.Strong() {
			t.Fatalf("%s: expected weak ids in this log", f.ID)
		}
	}
	ds := decisionsAt(before, "0123456789abcdef0123456789abcdef01234567")
	res := match.Assign(ds, asFindings(after), match.Options{})
	checkInvariants(t, res, len(before), len(after))
	for _, l := range res.Links {
		if after[l.Finding].ID != before[l.Decision].ID || l.How != match.ByLocation {
			t.Errorf("decision %s landed on %s via %s", before[l.Decision].ID, after[l.Finding].ID, l.How)
		}
	}
	twin := func(f *findings.Finding) bool {
		for _, g := range before {
			if g != f && g.SameText(f) {
				return true
			}
		}
		return false
	}
	wantReview := 0
	for _, f := range before {
		if twin(f) {
			wantReview++
		}
	}
	if wantReview == 0 || wantReview == len(before) {
		t.Fatalf("%d of %d findings have a twin: the log no longer exercises both cases", wantReview, len(before))
	}
	if len(res.Links) != len(before)-wantReview || len(res.Review) != wantReview || len(res.Orphans) != 0 {
		t.Fatalf("links %d, review %d (want %d), orphans %d of %d", len(res.Links), len(res.Review), wantReview, len(res.Orphans), len(before))
	}
	for _, rv := range res.Review {
		if !twin(before[rv.Decision]) || len(rv.Candidates) < 2 {
			t.Errorf("review of %s: %+v", before[rv.Decision].ID, rv)
		}
	}

	// Without the commit (a v1-shaped decision), the weak key alone never
	// decides, as before.
	res = match.Assign(decisionsOf(before), asFindings(after), match.Options{})
	if len(res.Links) != 0 {
		t.Errorf("v1 decisions: %d placed by a weak key", len(res.Links))
	}
}

// A copy pasted above a finding in a file absent from the working tree:
// the copy takes the original's place, line hash ":1" and fallback key, the
// original moves one line down (":2"). The decision made on the original
// must not land on the copy: it is reviewed with both.
func TestPastedCopyOnAbsentFileIsReviewed(t *testing.T) {
	src := testutil.CorpusFile(t, codeqlDojo)
	before := loadCorpus(t, codeqlDojo)
	var log map[string]any
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	run := log["runs"].([]any)[0].(map[string]any)
	results := run["results"].([]any)
	orig := results[0].(map[string]any)
	cp := deepCopy(t, orig)
	region := orig["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)["region"].(map[string]any)
	line := int(region["startLine"].(float64))
	region["startLine"] = float64(line + 1)
	pf := orig["partialFingerprints"].(map[string]any)
	h := pf["primaryLocationLineHash"].(string)
	pf["primaryLocationLineHash"] = strings.TrimSuffix(h, ":1") + ":2"
	run["results"] = append([]any{cp}, results...)
	out, err := json.Marshal(log)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "pasted.sarif")
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := findings.Load(context.Background(), []string{p}, findings.Options{})
	if err != nil {
		t.Fatal(err)
	}
	after := s.Findings
	// The decided finding: results[0] of the original log.
	di := -1
	for i, f := range before {
		if f.Loc.Line == line && f.Loc.Path == "good/db_init.py" && f.RuleID() == orig["ruleId"] {
			di = i
		}
	}
	if di < 0 {
		t.Fatal("decided finding not found")
	}
	copyIdx, origIdx := -1, -1
	for i, f := range after {
		if f.RuleID() == before[di].RuleID() && f.Loc.Path == before[di].Loc.Path && f.Message == before[di].Message {
			switch f.Loc.Line {
			case line:
				copyIdx = i
			case line + 1:
				origIdx = i
			}
		}
	}
	if copyIdx < 0 || origIdx < 0 || after[copyIdx].ID != before[di].ID {
		t.Fatalf("copy %d original %d: the copy must take the original's id", copyIdx, origIdx)
	}
	ds := decisionsAt(before, "0123456789abcdef0123456789abcdef01234567")
	res := match.Assign(ds, asFindings(after), match.Options{})
	checkInvariants(t, res, len(before), len(after))
	for _, l := range res.Links {
		if l.Decision == di {
			t.Fatalf("the decision on the original landed on %s (line %d)", after[l.Finding].ID, after[l.Finding].Loc.Line)
		}
		if after[l.Finding].ID != before[l.Decision].ID {
			t.Errorf("decision %s landed on %s", before[l.Decision].ID, after[l.Finding].ID)
		}
	}
	found := false
	for _, rv := range res.Review {
		if rv.Decision == di {
			found = true
			if !slices.Contains(rv.Candidates, copyIdx) || !slices.Contains(rv.Candidates, origIdx) {
				t.Errorf("review candidates %v, want the copy %d and the original %d", rv.Candidates, copyIdx, origIdx)
			}
		}
	}
	if !found {
		t.Errorf("the decision on the original is not in review: %s", why(res, di, after))
	}
}

func deepCopy(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
