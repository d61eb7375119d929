package ledger

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/findings"
)

// checkFile asserts the ledger file is what Marshal renders from the
// ledger's records, and that every record's Line is its line in the file.
func checkFile(t *testing.T, dir string, l *Ledger, step string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, DefaultPath))
	if err != nil {
		t.Fatal(err)
	}
	ds := l.Decisions()
	body, _ := cutTickets(data)
	if want := Marshal(cloneAll(ds)); !bytes.Equal(bytes.TrimRight(body, "\n"), bytes.TrimRight(want, "\n")) {
		t.Fatalf("%s: the spliced file differs from Marshal:\n--- got\n%s\n--- want\n%s", step, body, want)
	}
	lines := strings.Split(string(data), "\n")
	for _, d := range ds {
		if d.Line < 1 || d.Line > len(lines) || lines[d.Line-1] != "- id: "+d.ID {
			t.Fatalf("%s: record %s says line %d, which is %q", step, d.ID, d.Line, lines[max(0, min(d.Line-1, len(lines)-1))])
		}
	}
	// A fresh open reads the same records on the same lines.
	l2, err := Open(dir, "")
	if err != nil {
		t.Fatalf("%s: reopen: %v", step, err)
	}
	ds2 := l2.Decisions()
	if len(ds2) != len(ds) {
		t.Fatalf("%s: reopened %d records, want %d", step, len(ds2), len(ds))
	}
	for i := range ds {
		if !same(ds[i], ds2[i]) || ds[i].Line != ds2[i].Line {
			t.Fatalf("%s: record %d differs after reopen (line %d vs %d)", step, i, ds[i].Line, ds2[i].Line)
		}
	}
}

func cloneAll(ds []*Decision) []*Decision {
	out := make([]*Decision, len(ds))
	for i, d := range ds {
		out[i] = d.clone()
	}
	return out
}

// TestSpliceWrites: writes that add, change, move and undo a few records of
// a ledger produce the file a full rendering gives, with true line numbers,
// whether the records are first, last or in between, with or without a
// tickets section.
func TestSpliceWrites(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	fs := make([]*findings.Finding, n)
	for i := range fs {
		fs[i] = mk(i)
	}
	if err := l.Decide(fs[50:250], suppress("Jane <jane@example.com>")); err != nil {
		t.Fatal(err)
	}
	checkFile(t, dir, l, "bulk")
	if l.lay == nil {
		t.Fatal("no layout after a write: the next write would render every record")
	}
	r := rand.New(rand.NewSource(1))
	now := t0
	for step := 0; step < 60; step++ {
		now = now.Add(time.Minute)
		var pick []*findings.Finding
		switch step % 4 {
		case 0:
			pick = []*findings.Finding{fs[r.Intn(50)]} // before every record
		case 1:
			pick = []*findings.Finding{fs[250+r.Intn(50)]} // after every record
		default:
			for range 1 + r.Intn(4) {
				pick = append(pick, fs[r.Intn(n)])
			}
		}
		req := Request{Action: ActAccept, Note: "tracked in SEC-" + string(rune('A'+step%26)), Author: "Bob <bob@example.com>", Now: now}
		if step%5 == 3 {
			req = Request{Action: ActReopen, Note: "the fixture is used in production after all", Author: "Bob <bob@example.com>", Now: now}
		}
		if err := l.Decide(pick, req); err != nil {
			t.Fatal(err)
		}
		checkFile(t, dir, l, "decide")
		if step%7 == 6 {
			if _, err := l.Undo("Bob <bob@example.com>", now); err != nil {
				t.Fatal(err)
			}
			checkFile(t, dir, l, "undo")
		}
		if step == 30 { // a tickets section follows the records from now on
			err := l.updateWith(func(map[string]*Decision) ([]undoEntry, error) { return nil, nil }, func(tix map[string]*Ticket) error {
				x := &Ticket{Tracker: "github", Target: "acme/payments", Group: "secui-g-0123456789ab", Key: "rule:gosec/G101", ID: "17", URL: "https://github.com/acme/payments/issues/17", State: "open"}
				tix[x.RecordKey()] = x
				return nil
			}, true)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(filepath.Join(dir, DefaultPath))
			if !bytes.Contains(data, []byte("\ntickets:\n")) {
				t.Fatalf("no tickets section:\n%s", data)
			}
			checkFile(t, dir, l, "tickets")
		}
		if step == 40 { // another process wrote it: the next write reads it again
			l2, _ := Open(dir, "")
			if err := l2.Decide(fs[r.Intn(n):][:1], req); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A file laid out by hand in a style the fast decoder still reads (blank
// lines between records) keeps the bytes of the records that did not
// change; the line numbers stay true.
func TestSpliceKeepsOtherRecords(t *testing.T) {
	dir := t.TempDir()
	ds := make([]*Decision, 5)
	for i := range ds {
		f := mk(i)
		ds[i] = &Decision{
			ID:     f.ID,
			State:  findings.StateAccepted,
			Author: "A <a@example.com>",
			Time:   t0,
			Tool:   "gosec",
			Rule:   "G101",
			Path:   f.Loc.Path,
			Keys:   f.Keys,
			extra: &Extra{
				Note: "tracked in SEC-9",
			},
		}
	}
	text := strings.ReplaceAll(string(Marshal(ds)), "\n- id:", "\n\n- id:")
	os.MkdirAll(filepath.Join(dir, ".secui"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, DefaultPath), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if l.lay == nil {
		t.Fatal("the fast decoder gave no layout")
	}
	if err := l.Decide([]*findings.Finding{mk(2)}, suppress("Jane <jane@example.com>")); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, DefaultPath))
	if got := strings.Count(string(data), "\n\n- id:"); got != 4 {
		t.Errorf("%d hand-made blank lines kept, want 4 of 5 (the changed record is rendered anew):\n%s", got, data)
	}
	lines := strings.Split(string(data), "\n")
	for _, d := range l.Decisions() {
		if lines[d.Line-1] != "- id: "+d.ID {
			t.Errorf("record %s says line %d: %q", d.ID, d.Line, lines[d.Line-1])
		}
	}
	l2, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range l2.Decisions() {
		if !same(d, l.Decisions()[i]) || d.Line != l.Decisions()[i].Line {
			t.Errorf("record %d differs after reopen", i)
		}
	}
}

// A file changed behind the ledger's back with its size and time kept (so
// the stat check cannot tell) is not spliced into: nothing is written, the
// write says so, and the next one reads the file again and keeps both
// changes.
func TestSpliceStaleFile(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	fs := []*findings.Finding{mk(1), mk(2), mk(3), mk(4)}
	if err := l.Decide(fs[:3], suppress("Jane <jane@example.com>")); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, DefaultPath)
	st, _ := os.Stat(p)
	data, _ := os.ReadFile(p)
	// Another writer: record 2 becomes record 4 (same length), same mtime.
	other := bytes.ReplaceAll(data, []byte(fid(2)), []byte(fid(4)))
	other = bytes.ReplaceAll(other, []byte("internal/f2.go"), []byte("internal/f4.go"))
	other = bytes.ReplaceAll(other, []byte(fmt.Sprintf("%016x", 0xc0000000+2)), []byte(fmt.Sprintf("%016x", 0xc0000000+4)))
	if err := os.WriteFile(p, other, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(p, st.ModTime(), st.ModTime())
	if st2, _ := os.Stat(p); st2.Size() != st.Size() || !st2.ModTime().Equal(st.ModTime()) {
		t.Skip("cannot keep size and time on this file system")
	}
	req := Request{Action: ActAccept, Note: "tracked in SEC-7", Author: "Bob <bob@example.com>", Now: t0.Add(time.Hour)}
	if err := l.Decide(fs[:1], req); err == nil || !strings.Contains(err.Error(), "changed on disk") {
		t.Fatalf("write over a changed file: err = %v", err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, other) {
		t.Fatal("the changed file was overwritten")
	}
	if err := l.Decide(fs[:1], req); err != nil {
		t.Fatal(err)
	}
	l2, _ := Open(dir, "")
	if d := l2.Get(fid(4)); d == nil || d.State != findings.StateSuppressed {
		t.Errorf("the other writer's record is lost: %+v", d)
	}
	if d := l2.Get(fid(1)); d == nil || d.State != findings.StateAccepted {
		t.Errorf("the retried decision is missing: %+v", d)
	}
	checkFile(t, dir, l2, "after retry")
}
