package ledger

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/match"
)

var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func fid(i int) string { return fmt.Sprintf("%016x", 0xa000000000000000+uint64(i)) }

// mk builds a finding with an id and fingerprint/content keys.
func mk(i int) *findings.Finding {
	return &findings.Finding{
		ID:   fid(i),
		Keys: []string{"fingerprint:" + fid(i), fmt.Sprintf("content:%016x", 0xc0000000+i)},
		Tool: &findings.Tool{Name: "gosec"}, Rule: &findings.Rule{ID: "G101"},
		Loc: findings.Location{Path: fmt.Sprintf("internal/f%d.go", i), Line: 10},
	}
}

func suppress(author string) Request {
	return Request{Action: ActSuppress, Reason: FalsePositive, Justification: "value is a test fixture, not a real secret", Author: author, Now: t0}
}

func TestJustification(t *testing.T) {
	for _, bad := range []string{"", "  ", "fp", "n/a", "TODO", "test", "False positive.", "ok", "supercalifragilistic", "a b c"} {
		if ValidateJustification(bad) == nil {
			t.Errorf("ValidateJustification(%q) accepted", bad)
		}
	}
	for _, good := range []string{"input is validated by the router middleware", "only used in unit tests"} {
		if err := ValidateJustification(good); err != nil {
			t.Errorf("ValidateJustification(%q): %v", good, err)
		}
	}
}

func TestDecideRoundTripAndValidation(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	req := suppress("Jane <jane@example.com>")
	req.Expires = &exp
	req.Justification = "quoted: \"x\" # not a comment\nsecond line"
	if err := l.Decide([]*findings.Finding{mk(2), mk(1)}, req); err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	if err := l.Decide([]*findings.Finding{mk(3)}, Request{Action: ActAccept, Note: "fix in sprint 12", Due: &due, Author: "Bob <b@x>", Now: t0}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(l.Path())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "# secui triage ledger, schema v2") {
		t.Fatalf("no header:\n%s", data)
	}
	if strings.Index(string(data), fid(1)) > strings.Index(string(data), fid(2)) {
		t.Fatalf("not sorted by id:\n%s", data)
	}
	l2, err := Open(dir, "")
	if err != nil {
		t.Fatalf("reopen: %v\n%s", err, data)
	}
	d := l2.Get(fid(1))
	if d == nil || d.State != findings.StateSuppressed || d.Reason != FalsePositive || d.Justification != req.Justification ||
		d.Expires == nil || !d.Expires.Equal(exp) || d.Author != "Jane <jane@example.com>" || !d.Time.Equal(t0) || len(d.History) != 1 || d.Rule != "G101" {
		t.Fatalf("round trip: %+v", d)
	}
	if a := l2.Get(fid(3)); a.State != findings.StateAccepted || a.Extra().Note != "fix in sprint 12" || !a.Extra().Due.Equal(due) {
		t.Fatalf("accept round trip: %+v", a)
	}
	// Marshal is deterministic.
	if got := Marshal(l2.Decisions()); string(got) != string(data) {
		t.Fatalf("re-marshal differs:\n%s\n---\n%s", got, data)
	}
	// Bad requests write nothing.
	for _, r := range []Request{
		{Action: ActSuppress, Reason: FalsePositive, Justification: "fp"},
		{Action: ActSuppress, Justification: "a long enough justification"},
		{Action: "ignore"},
	} {
		if err := l.Decide([]*findings.Finding{mk(9)}, r); err == nil {
			t.Errorf("Decide(%+v) accepted", r)
		}
	}
	if l.Get(fid(9)) != nil {
		t.Fatal("a rejected request wrote a record")
	}
}

func TestParseErrorsArePositioned(t *testing.T) {
	src := `version: 1
decisions:
- id: a000000000000001
  state: suppressd
  time: 2026-11-28T09:00:00Z
- id: a000000000000002
  state: suppressed
  reason: because
  justification: value is a test fixture only
  time: 2026-11-28T09:00:00Z
- id: a000000000000003
  state: suppressed
  reason: mitigated
  time: 2026-11-28T09:00:00Z
  colour: red
- id: a000000000000004
  state: accepted
  time: yesterday
  due: 2026-13-01
`
	_, err := Parse(".secui/ledger.yaml", []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{
		`.secui/ledger.yaml:4:10: decisions[0].state: unknown state "suppressd"`,
		`.secui/ledger.yaml:8:11: decisions[1].reason: unknown reason "because"`,
		`.secui/ledger.yaml:15:3: decisions[2].colour: unknown field "colour"`,
		`.secui/ledger.yaml:12:10: decisions[2].justification: a suppression needs a justification`,
		`.secui/ledger.yaml:18:9: decisions[3].time: bad time "yesterday"`,
		`.secui/ledger.yaml:19:8: decisions[3].due: bad date "2026-13-01"`,
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in:\n%v", w, err)
		}
	}
	// A broken file is not overwritten.
	dir := t.TempDir()
	p := filepath.Join(dir, DefaultPath)
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte(src), 0o644)
	l, err := Open(dir, "")
	if err == nil || l == nil {
		t.Fatalf("Open: %v", err)
	}
	if err := l.Decide([]*findings.Finding{mk(7)}, suppress("X <x@example.com>")); err == nil {
		t.Fatal("Decide overwrote an invalid ledger")
	}
	if b, _ := os.ReadFile(p); string(b) != src {
		t.Fatal("invalid ledger was modified")
	}
}

// The overlay says how each decision matched without touching the findings,
// and two overlays of the same findings at different times (before and after
// an expiry) are built and read concurrently (run under -race).
func TestOverlayStatesWithoutMutation(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, "")
	exp := t0.AddDate(0, 0, 10)
	r := suppress("A <a@example.com>")
	r.Expires = &exp
	if err := l.Decide([]*findings.Finding{mk(1), mk(2), mk(3), mk(4), mk(5)}, r); err != nil {
		t.Fatal(err)
	}
	f1 := mk(1)
	f2 := mk(2)
	f2.ID, f2.Keys, f2.IDLayer = fid(200), f2.Keys[1:], findings.LayerContent // the scanner stopped giving a fingerprint; the content key is the same
	f3 := mk(3)
	f3.ID, f3.Keys = fid(300), []string{"fingerprint:" + fid(300), "content:ffff"} // nothing shared
	f5 := mk(5)
	f5.ID, f5.Keys[0] = fid(500), "fingerprint:"+fid(5) // new id, the decision's fingerprint
	fs := []*findings.Finding{f1, f2, f3, f5}
	before := make([]findings.Finding, len(fs))
	for i, f := range fs {
		before[i] = *f
	}

	var wg sync.WaitGroup
	ovs := make([]*Overlay, 2)
	for i, at := range []time.Time{t0, exp} {
		wg.Go(func() {
			o := l.Overlay(fs, at)
			for range 50 {
				for _, f := range fs {
					_, _ = o.State(f), o.Expired(f)
					_ = o.NeedsReview(f)
				}
			}
			ovs[i] = o
		})
	}
	wg.Wait()
	for i, f := range fs {
		if !reflect.DeepEqual(*f, before[i]) {
			t.Fatalf("finding %d changed by the overlay:\n%+v\n%+v", i, *f, before[i])
		}
	}
	o, late := ovs[0], ovs[1]
	if m, ok := o.Match(f1); !ok || m.How != match.ByID || !m.Exact || m.Layer != "fingerprint" || o.State(f1) != findings.StateSuppressed || m.Describe() != "exact id" {
		t.Fatalf("f1: %+v %v", m, o.State(f1))
	}
	if m, ok := o.Match(f5); !ok || m.How != match.ByKey || m.Decision.ID != fid(5) || o.State(f5) != findings.StateSuppressed ||
		m.Describe() != "exact key (fingerprint)" {
		t.Fatalf("f5: %+v", m)
	}
	// Only a weak content key is shared and the record has no evidence (as
	// in a v1 ledger): placed as before v2, on the one finding sharing it.
	if m, ok := o.Match(f2); !ok || !m.Legacy || m.Decision.ID != fid(2) || o.State(f2) != findings.StateSuppressed ||
		m.Describe() != "shared key (content; v1 record, no evidence yet)" {
		t.Fatalf("f2: %+v", m)
	}
	if _, ok := o.Match(f3); ok || o.State(f3) != findings.StateOpen || o.NeedsReview(f3) != "" {
		t.Fatal("f3 matched")
	}
	if len(o.Orphans()) != 2 || o.Orphans()[0].ID != fid(3) || o.Orphans()[1].ID != fid(4) {
		t.Fatalf("orphans: %v", o.Orphans())
	}
	if len(o.ExpiredDecisions()) != 0 || o.Expired(f1) {
		t.Fatal("expired too early")
	}
	if late.State(f1) != findings.StateOpen || !late.Expired(f1) || len(late.ExpiredDecisions()) != 5 {
		t.Fatalf("expiry: %v %v %d", late.State(f1), late.Expired(f1), len(late.ExpiredDecisions()))
	}
	if late.Expired(f3) {
		t.Error("a finding without a decision is flagged expired")
	}
	if o.State(f1) != findings.StateSuppressed {
		t.Error("the later overlay changed the earlier one")
	}
	ps := o.Placements()
	kinds := ""
	for _, p := range ps {
		kinds += p.Kind() + " "
	}
	if kinds != "placed placed orphan orphan placed " || ps[4].Moved() != true || ps[0].Moved() {
		t.Fatalf("placements: %s moved %v %v", kinds, ps[4].Moved(), ps[0].Moved())
	}
	var nilOv *Overlay
	if nilOv.State(f1) != findings.StateOpen || nilOv.Expired(f1) || nilOv.NeedsReview(f1) != "" || findings.StateOf(nilOv, f1) != findings.StateOpen {
		t.Fatal("nil overlay")
	}
}

// A record without evidence that two findings could be (they share its weak
// key) is not guessed: it needs review, with both candidates, and applies to
// neither.
func TestOverlayReviewWithTwoCandidates(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, "")
	d := mk(2)
	d.IDLayer, d.Keys = findings.LayerContent, []string{"content:c2"}
	if err := l.Decide([]*findings.Finding{d}, suppress("A <a@example.com>")); err != nil {
		t.Fatal(err)
	}
	a, b := mk(2), mk(2)
	a.ID, a.IDLayer, a.Keys = fid(201), findings.LayerContent, []string{"content:c2"}
	b.ID, b.IDLayer, b.Keys, b.Loc.Line = fid(202), findings.LayerContent, []string{"content:c2"}, 30
	o := l.Overlay([]*findings.Finding{a, b}, t0)
	it, ok := o.ReviewOf(fid(2))
	if !ok || len(it.Candidates) != 2 || len(o.Review()) != 1 || o.State(a) != findings.StateOpen || o.State(b) != findings.StateOpen ||
		o.NeedsReview(a) == "" || o.NeedsReview(b) == "" || len(o.ReviewsFor(a)) != 1 {
		t.Fatalf("review: %+v", o.Review())
	}
	if _, placed := o.Match(a); placed {
		t.Fatal("a decision in review was applied")
	}
}

// A record marked for review (the merge driver's Review) is placed but does
// not count: its finding is open and flagged; a new decision clears it.
func TestRecordNeedingReviewDoesNotApply(t *testing.T) {
	dir := t.TempDir()
	d := &Decision{
		ID:            fid(1),
		State:         findings.StateSuppressed,
		Reason:        Mitigated,
		Justification: "behind the WAF rule 942100",
		Author:        "a",
		Time:          t0,
		Keys:          mk(1).Keys,
		extra: &Extra{
			Review: "both branches changed this record",
		},
	}
	os.MkdirAll(filepath.Join(dir, ".secui"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, DefaultPath), Marshal([]*Decision{d}), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	f := mk(1)
	o := l.Overlay([]*findings.Finding{f}, t0)
	if m, ok := o.Match(f); !ok || o.State(f) != findings.StateOpen || o.NeedsReview(f) != "both branches changed this record" || m.Decision.Extra().Review == "" {
		t.Fatalf("state %v review %q", o.State(f), o.NeedsReview(f))
	}
	if err := l.Decide([]*findings.Finding{f}, Request{Action: ActAccept, Note: "tracked in SEC-9", Author: "B <b@example.com>", Now: t0.Add(time.Hour), Overlay: o}); err != nil {
		t.Fatal(err)
	}
	o = l.Overlay([]*findings.Finding{f}, t0)
	if o.State(f) != findings.StateAccepted || o.NeedsReview(f) != "" || l.Get(fid(1)).Extra().Review != "" {
		t.Fatalf("after a decision: %v %q", o.State(f), o.NeedsReview(f))
	}
}

func TestReopenAndUndo(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, "")
	if err := l.Decide([]*findings.Finding{mk(1)}, suppress("A <a@example.com>")); err != nil {
		t.Fatal(err)
	}
	if err := l.Decide([]*findings.Finding{mk(1), mk(2)}, Request{Action: ActReopen, Note: "scanner fixed", Author: "A <a@example.com>", Now: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if d := l.Get(fid(1)); d.State != findings.StateOpen || len(d.History) != 2 || d.Reason != "" {
		t.Fatalf("reopen: %+v", d)
	}
	ids, err := l.Undo("A <a@example.com>", t0)
	if err != nil || len(ids) != 2 {
		t.Fatalf("undo: %v %v", ids, err)
	}
	l2, _ := Open(dir, "")
	if d := l2.Get(fid(1)); d.State != findings.StateSuppressed || len(d.History) != 1 {
		t.Fatalf("after undo: %+v", d)
	}
	if l2.Get(fid(2)) != nil {
		t.Fatal("undo kept a new record")
	}
}

func TestBulk10k(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, "")
	fs := make([]*findings.Finding, 10000)
	for i := range fs {
		fs[i] = mk(i)
	}
	if err := l.Decide(fs, suppress("A <a@example.com>")); err != nil {
		t.Fatal(err)
	}
	l2, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(l2.Decisions()); n != 10000 {
		t.Fatalf("%d records", n)
	}
	o := l2.Overlay(fs, t0)
	for _, f := range fs {
		if o.State(f) != findings.StateSuppressed {
			t.Fatalf("%s not suppressed", f.ID)
		}
	}
	if len(o.Orphans()) != 0 {
		t.Fatal("orphans")
	}
}

func BenchmarkBulkDecide10k(b *testing.B) {
	fs := make([]*findings.Finding, 10000)
	for i := range fs {
		fs[i] = mk(i)
	}
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		l, _ := Open(dir, "")
		b.StartTimer()
		if err := l.Decide(fs, suppress("A <a@example.com>")); err != nil {
			b.Fatal(err)
		}
	}
}

// The child side of the crash and concurrency tests: decides findings
// LEDGER_CHILD_FROM.. one at a time and prints "confirmed <id>" after each.
func TestLedgerChild(t *testing.T) {
	dir := os.Getenv("LEDGER_CHILD_DIR")
	if dir == "" {
		t.Skip("helper process")
	}
	from, _ := strconv.Atoi(os.Getenv("LEDGER_CHILD_FROM"))
	n, _ := strconv.Atoi(os.Getenv("LEDGER_CHILD_N"))
	l, err := Open(dir, "")
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	for i := from; n == 0 || i < from+n; i++ {
		f := mk(i)
		if os.Getenv("LEDGER_CHILD_SPREAD") != "" {
			f = spread(i) // ids over every shard of a sharded ledger
		}
		if err := l.Decide([]*findings.Finding{f}, suppress(fmt.Sprintf("child %d <child%d@example.com>", from, from))); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Printf("confirmed %s\n", f.ID)
	}
	os.Exit(0)
}

func child(dir string, from, n int) *exec.Cmd {
	c := exec.Command(os.Args[0], "-test.run=^TestLedgerChild$", "-test.count=1")
	c.Env = append(os.Environ(), "LEDGER_CHILD_DIR="+dir, "LEDGER_CHILD_FROM="+strconv.Itoa(from), "LEDGER_CHILD_N="+strconv.Itoa(n))
	if _, err := os.Stat(filepath.Join(dir, ".secui", "ledger")); err == nil {
		c.Env = append(c.Env, "LEDGER_CHILD_SPREAD=1")
	}
	return c
}

// formats runs f on a single-file ledger and on a sharded one (an empty
// ledger upgraded first), in dir.
func formats(t *testing.T, f func(t *testing.T, dir string, id func(int) string)) {
	for _, sharded := range []bool{false, true} {
		name, id := "file", fid
		if sharded {
			name, id = "sharded", func(i int) string { return spread(i).ID }
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if sharded {
				l, _ := Open(dir, "")
				if _, err := l.Upgrade(nil); err != nil {
					t.Fatal(err)
				}
			}
			f(t, dir, id)
		})
	}
}

func TestCrashKill9LosesNothingConfirmed(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	formats(t, crashKill9)
}

func crashKill9(t *testing.T, dir string, _ func(int) string) {
	var confirmed []string
	for round := 0; round < 6; round++ {
		c := child(dir, round*100000, 0)
		out, err := c.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Wait for the first confirmation, then kill at a random moment.
		deadline := time.After(time.Duration(30+rand.IntN(200)) * time.Millisecond)
		got := 0
	loop:
		for {
			select {
			case ln, ok := <-lines:
				if !ok {
					break loop
				}
				if id, ok := strings.CutPrefix(ln, "confirmed "); ok {
					confirmed = append(confirmed, id)
					got++
				} else if strings.HasPrefix(ln, "error") {
					t.Fatalf("child: %s", ln)
				}
			case <-deadline:
				if got == 0 {
					deadline = time.After(10 * time.Millisecond)
					continue
				}
				c.Process.Signal(syscall.SIGKILL)
				deadline = nil
			}
		}
		c.Wait()
		l, err := Open(dir, "")
		if err != nil {
			t.Fatalf("round %d: ledger does not parse after kill -9: %v", round, err)
		}
		for _, id := range confirmed {
			if l.Get(id) == nil {
				t.Fatalf("round %d: confirmed decision %s lost", round, id)
			}
		}
		t.Logf("round %d: %d confirmed in total, %d records", round, len(confirmed), len(l.Decisions()))
	}
	if len(confirmed) < 6 {
		t.Fatalf("only %d confirmations", len(confirmed))
	}
}

func TestConcurrentProcessesLoseNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	formats(t, concurrentProcesses)
}

func concurrentProcesses(t *testing.T, dir string, fid func(int) string) {
	const n = 40
	var wg sync.WaitGroup
	errs := make([]error, 3)
	outs := make([][]byte, 3)
	for p := range 3 {
		wg.Go(func() {
			outs[p], errs[p] = child(dir, p*1000, n).Output()
		})
	}
	wg.Wait()
	for p, err := range errs {
		if err != nil {
			t.Fatalf("child %d: %v\n%s", p, err, outs[p])
		}
	}
	l, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	for p := range 3 {
		for i := p * 1000; i < p*1000+n; i++ {
			if l.Get(fid(i)) == nil {
				t.Fatalf("decision %s of process %d lost", fid(i), p)
			}
		}
	}
	if got := len(l.Decisions()); got != 3*n {
		t.Fatalf("%d records, want %d", got, 3*n)
	}
}

// Readers of published decisions race with nothing while another goroutine decides.
func TestConcurrentReadersAndDecide(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, "")
	fs := make([]*findings.Finding, 50)
	for i := range fs {
		fs[i] = mk(i)
	}
	if err := l.Decide(fs[25:], suppress("A <a@example.com>")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 25 {
			if err := l.Decide(fs[i:i+1], suppress("B <b@example.com>")); err != nil {
				t.Error(err)
			}
		}
	})
	for range 200 {
		for _, d := range l.Decisions() {
			_ = d.Line + len(d.History)
		}
		l.Overlay(fs, t0)
	}
	wg.Wait()
	if n := len(l.Decisions()); n != 50 {
		t.Fatalf("%d decisions", n)
	}
}
