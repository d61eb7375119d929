package ledger

import (
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
)

// A decision placed on a finding whose id changed (here: a shared strong
// key) is updated in place when someone decides on that finding again, and
// takes the finding's id; nothing else is created or lost. Undo puts it back.
func TestDecideUpdatesThePlacedRecordAndRekeysIt(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, "")
	if err := l.Decide([]*findings.Finding{mk(1), mk(2)}, suppress("A <a@example.com>")); err != nil {
		t.Fatal(err)
	}
	f1 := mk(1)
	f1.ID = fid(100) // the scanner's fingerprint key is the same, the id not
	fs := []*findings.Finding{f1, mk(2)}
	ov := l.Overlay(fs, t0)
	if m, ok := ov.Match(f1); !ok || m.Decision.ID != fid(1) {
		t.Fatalf("setup: %+v", m)
	}
	req := Request{Action: ActAccept, Note: "tracked in SEC-7", Author: "B <b@example.com>", Now: t0.Add(time.Hour), Overlay: ov}
	if err := l.Decide([]*findings.Finding{f1}, req); err != nil {
		t.Fatal(err)
	}
	if l.Get(fid(1)) != nil {
		t.Fatal("the old record is still there: two decisions for one finding")
	}
	d := l.Get(fid(100))
	if d == nil || d.State != findings.StateAccepted || len(d.History) != 3 || d.History[1].Action != ActMove ||
		!strings.Contains(d.History[1].Note, fid(1)+" -> "+fid(100)) || d.History[0].Action != ActSuppress {
		t.Fatalf("re-keyed record: %+v", d)
	}
	if n := len(l.Decisions()); n != 2 {
		t.Fatalf("%d records", n)
	}
	ov = l.Overlay(fs, t0)
	if m, _ := ov.Match(f1); m.How.String() != "id" || ov.State(f1) != findings.StateAccepted {
		t.Fatalf("after: %+v", m)
	}
	ids, err := l.Undo("B <b@example.com>", t0)
	if err != nil || len(ids) != 2 {
		t.Fatalf("undo: %v %v", ids, err)
	}
	if d := l.Get(fid(1)); d == nil || d.State != findings.StateSuppressed || l.Get(fid(100)) != nil {
		t.Fatalf("undo did not restore the record under its id: %+v", d)
	}
}

// A record that has the finding's (weak) id but is not that finding's
// decision is moved out of the way, never overwritten.
func TestDecideNeverOverwritesAnotherFindingsRecord(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, "")
	// The record was decided on code in another file that is gone now; the
	// finding that now has its (weak) id is other code.
	x := mk(7)
	x.IDLayer, x.Keys = findings.LayerContent, []string{"content:" + fid(7)}
	xr := suppress("A <a@example.com>")
	xr.Evidence = func(*findings.Finding) evidence.Evidence {
		return evidence.Evidence{Path: "internal/removed.go", Line: 5, LineHash: 0x1111, Context: []uint32{0x2222, 0x3333}}
	}
	if err := l.Decide([]*findings.Finding{x}, xr); err != nil {
		t.Fatal(err)
	}
	f := mk(7)
	f.IDLayer, f.Keys, f.Loc.Line = findings.LayerContent, []string{"content:" + fid(7)}, 40
	ov := l.Overlay([]*findings.Finding{f}, t0)
	if _, ok := ov.Match(f); ok || len(ov.Orphans()) != 1 {
		t.Fatalf("setup: the old record is not an orphan (%s)", ov)
	}
	req := Request{Action: ActAccept, Note: "real issue, SEC-9", Author: "B <b@example.com>", Now: t0.Add(time.Hour), Overlay: ov,
		Evidence: func(*findings.Finding) evidence.Evidence {
			return evidence.Evidence{Path: f.Loc.Path, Line: 40, LineHash: 0x4444, Context: []uint32{0x5555}}
		}}
	if err := l.Decide([]*findings.Finding{f}, req); err != nil {
		t.Fatal(err)
	}
	ds := l.Decisions()
	if len(ds) != 2 {
		t.Fatalf("%d records, want the old one kept and a new one", len(ds))
	}
	var old, cur *Decision
	for _, d := range ds {
		if d.ID == fid(7) {
			cur = d
		} else {
			old = d
		}
	}
	if cur == nil || cur.State != findings.StateAccepted || len(cur.History) != 1 || cur.Evidence.Line != 40 {
		t.Fatalf("new record: %+v", cur)
	}
	if old == nil || old.State != findings.StateSuppressed || old.Evidence.Path != "internal/removed.go" || len(old.History) != 2 ||
		old.History[1].Action != ActMove || !strings.Contains(old.History[1].Note, "is now the id of another finding") {
		t.Fatalf("old record: %+v", old)
	}
	// The file reads back (move is a valid action) and Undo restores it all.
	l2, err := Open(dir, "")
	if err != nil || len(l2.Decisions()) != 2 {
		t.Fatalf("reopen: %v", err)
	}
	if _, err := l.Undo("B <b@example.com>", t0); err != nil {
		t.Fatal(err)
	}
	if d := l.Get(fid(7)); d == nil || d.State != findings.StateSuppressed || len(l.Decisions()) != 1 {
		t.Fatalf("after undo: %+v (%d records)", d, len(l.Decisions()))
	}
}

// Undo refuses when someone changed a touched record since: their decision
// stands and nothing is half undone.
func TestUndoIsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, "")
	if err := l.Decide([]*findings.Finding{mk(1), mk(2)}, suppress("A <a@example.com>")); err != nil {
		t.Fatal(err)
	}
	other, _ := Open(dir, "")
	if err := other.Decide([]*findings.Finding{mk(2)}, Request{Action: ActAccept, Note: "tracked in SEC-3", Author: "C <c@example.com>", Now: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Undo("A <a@example.com>", t0); err == nil || !strings.Contains(err.Error(), fid(2)) {
		t.Fatalf("undo over someone else's decision: %v", err)
	}
	if l.Get(fid(1)) == nil || l.Get(fid(2)).State != findings.StateAccepted {
		t.Fatal("a half undo happened")
	}
}

// Deciding on the one candidate of a decision in review confirms it: the
// record is updated in place and keeps its history.
func TestDecideOnTheCandidateConfirmsAReview(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, "")
	x := mk(7)
	x.IDLayer, x.Keys = findings.LayerContent, []string{"content:" + fid(7)}
	xr := suppress("A <a@example.com>")
	xr.Evidence = func(*findings.Finding) evidence.Evidence {
		return evidence.Evidence{Path: x.Loc.Path, Line: 5, LineHash: 0x1111, Context: []uint32{0x2222, 0x3333}}
	}
	if err := l.Decide([]*findings.Finding{x}, xr); err != nil {
		t.Fatal(err)
	}
	f := mk(7)
	f.IDLayer, f.Keys, f.Loc.Line = findings.LayerContent, []string{"content:" + fid(7)}, 40
	ov := l.Overlay([]*findings.Finding{f}, t0) // no working tree: the code cannot be compared
	it, ok := ov.ReviewOf(fid(7))
	if !ok || len(it.Candidates) != 1 || it.Candidates[0] != f || ov.State(f) != findings.StateOpen || ov.NeedsReview(f) == "" {
		t.Fatalf("setup: %s", ov)
	}
	if err := l.Decide([]*findings.Finding{f}, Request{Action: ActAccept, Note: "yes it is this one, SEC-9", Author: "B <b@example.com>", Now: t0.Add(time.Hour), Overlay: ov}); err != nil {
		t.Fatal(err)
	}
	if ds := l.Decisions(); len(ds) != 1 || ds[0].ID != fid(7) || ds[0].State != findings.StateAccepted || len(ds[0].History) != 2 {
		t.Fatalf("%+v", ds)
	}
}
