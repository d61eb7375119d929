package ledger

import (
	"reflect"
	"testing"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/match"
)

// TestMatcherReadsRecordsInPlace: the matcher reading the ledger's records
// in place (matchView) assigns exactly what it assigns on copies made the
// way the glue made them before (v1 records given the path they were
// decided on), and no record is changed by it, v1 ones included. On real
// ESLint output (NodeGoat): records with evidence, v1 records (path, no
// evidence), records naming only an id, and records on nothing.
func TestMatcherReadsRecordsInPlace(t *testing.T) {
	fs := loadESLint(t)
	var ds []*Decision
	for i, f := range fs {
		if i%5 != 0 {
			continue
		}
		d := &Decision{ID: f.ID, State: findings.StateSuppressed, Reason: FalsePositive, Justification: "checked by hand",
			Author: "A <a@x>", Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Tool: f.ToolName(), Rule: f.RuleID(), Path: f.Loc.Path, Keys: f.Keys}
		switch i % 4 {
		case 0:
			d.Evidence = evidence.Evidence{Path: f.Loc.Path, Line: f.Loc.Line, Col: f.Loc.Col, Commit: "f5745e3ee1af36754fcf9f7d74e678be14f77fdc"}
		case 1: // v1: the path only
		case 2: // an id only
			d.Tool, d.Rule, d.Path, d.Keys = "", "", "", nil
		case 3: // moved: another line
			d.Evidence = evidence.Evidence{Path: f.Loc.Path, Line: f.Loc.Line + 7}
		}
		ds = append(ds, d)
	}
	before := make([]Decision, len(ds))
	for i, d := range ds {
		before[i] = *d.clone()
	}
	got := assign(ds, fs, OverlayOptions{})
	md := make([]match.Decision, len(ds))
	for i, d := range ds {
		m := &md[i]
		m.ID, m.Tool, m.Rule, m.Keys, m.Evidence = d.ID, d.Tool, d.Rule, d.Keys, d.Evidence
		if m.Evidence.Path == "" {
			m.Evidence.Path = d.Path
		}
	}
	want := match.AssignFindings(md, fs, nil, match.Options{})
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("in place and on copies differ:\n%+v\n%+v", got, want)
	}
	if len(want.Links) == 0 || len(want.Links) == len(ds) {
		t.Fatalf("setup: %d of %d placed (want some, not all)", len(want.Links), len(ds))
	}
	for i, d := range ds {
		if !reflect.DeepEqual(*d, before[i]) {
			t.Fatalf("record %s changed by the matcher:\n%+v\n%+v", d.ID, *d, before[i])
		}
	}
	if v := ds[1].matchView(); v.ID != ds[1].ID || v.Tool != ds[1].Tool || v.Rule != ds[1].Rule || !reflect.DeepEqual(v.Keys, ds[1].Keys) || !reflect.DeepEqual(v.Evidence, ds[1].Evidence) {
		t.Fatalf("view %+v of %+v", v, ds[1])
	}
}
