package ledger

import (
	"testing"

	"github.com/secui/secui/findings"
)

// TestOverlayKeepsItsRecords: the overlay shares the ledger's sorted list
// (no copy), so a write after it must not change what it was built from,
// and Decisions stays a copy of its own.
func TestOverlayKeepsItsRecords(t *testing.T) {
	l, err := Open(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	fs := []*findings.Finding{mk(1), mk(2), mk(3)}
	if err := l.Decide(fs[:2], suppress("Jane <jane@example.com>")); err != nil {
		t.Fatal(err)
	}
	ov := l.Overlay(fs, t0)
	before := append([]*Decision(nil), ov.Decisions()...)
	if len(before) != 2 {
		t.Fatalf("%d decisions, want 2", len(before))
	}
	if err := l.Decide(fs, suppress("Bob <b@x>")); err != nil {
		t.Fatal(err)
	}
	got := ov.Decisions()
	if len(got) != len(before) {
		t.Fatalf("the overlay's decisions went from %d to %d after a write", len(before), len(got))
	}
	for i := range got {
		if got[i] != before[i] {
			t.Errorf("decision %d of the overlay changed after a write", i)
		}
	}
	ds := l.Decisions()
	if len(ds) != 3 {
		t.Fatalf("ledger has %d decisions, want 3", len(ds))
	}
	ds[0] = nil // the caller's copy
	if l.Decisions()[0] == nil || len(l.records()) != 3 || l.records()[0] == nil {
		t.Error("Decisions is not a copy")
	}
}
