package triagescreen

import (
	"context"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/query"
	"github.com/secui/secui/tui/internal/fixture"
)

// provisionalOf makes what the engine hands out while a file is read
// (findings.Options.OnPartial): copies without identity.
func provisionalOf(fs []*findings.Finding, file string) []*findings.Finding {
	out := make([]*findings.Finding, len(fs))
	for i, f := range fs {
		c := *f
		c.ID, c.Keys, c.IDLayer = "", nil, 0
		c.Sources = []findings.Source{f.Sources[0]}
		c.Sources[0].File = file
		out[i] = &c
	}
	return out
}

// oneFileFindings returns n fixture findings, all results of file, in order.
func oneFileFindings(n int, file string) []*findings.Finding {
	fs := fixture.Findings(n)
	for i, f := range fs {
		f.Sources[0].File = file
		f.Sources[0].Result = i
	}
	return fs
}

// One big file read in three provisional batches, then its final findings:
// the rows fill in sort order while it is read, the state column says
// loading… and keys that need an ID wait; the cursor and the selection stay
// on the finding the user moved to while batches arrive, and when the
// provisional rows become final (same rows, the final findings behind them).
func TestProvisionalRowsKeepCursor(t *testing.T) {
	const file = "/nonexistent/acme/big.sarif"
	finals := oneFileFindings(3000, file)
	prov := provisionalOf(finals, file)
	step := make(chan struct{})
	m, err := New(context.Background(), Options{
		Root: "/nonexistent/acme",
		Load: func(context.Context, func(string, []*findings.Finding, error)) (*findings.Set, error) {
			t.Error("Load called: the first load uses LoadPartial")
			return nil, nil
		},
		LoadPartial: func(ctx context.Context, onPartial func(string, []*findings.Finding), onFile func(string, []*findings.Finding, error)) (*findings.Set, error) {
			onPartial(file, prov[:1000])
			<-step
			onPartial(file, prov[1000:2000])
			<-step
			onPartial(file, prov[2000:])
			<-step
			onFile(file, finals, nil)
			<-step
			return &findings.Set{Findings: finals}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	m.prepare()
	p := newPump(t, m)
	p.send(tea.WindowSizeMsg{Width: 160, Height: 40})
	p.start(p.m.Init())
	settled := func(n int) func(Model) bool {
		return func(m Model) bool { return m.table.Len() == n && !m.filtering }
	}
	// After every message: while provisional rows are shown, every state
	// cell says loading…, and no row shows a finding without identity once
	// the file is final.
	inv := func(m Model) {
		anyProv := false
		for i := 0; i < m.table.Len(); i++ {
			if m.table.At(i).Provisional() {
				anyProv = true
				break
			}
		}
		if !anyProv {
			return
		}
		if m.loop.prov.n == 0 {
			t.Fatalf("a provisional row is shown after its file became final:\n%s", screen(m))
		}
		for _, c := range stateCells(m) {
			if c != "loading…" && c != "load…" {
				t.Fatalf("state %q shown on provisional rows:\n%s", c, screen(m))
			}
		}
	}
	p.until("the first provisional batch", inv, settled(1000))
	if s := screen(p.m); !strings.Contains(s, "loading…") || !strings.Contains(s, "1000 of 1000") {
		t.Fatalf("no partial rows while the file is read:\n%s", s)
	}
	for range 7 {
		p.send(keyMsg("j"))
	}
	p.until("the moves applied", inv, func(m Model) bool { return m.loop.moveAcc == 0 && !m.loop.moveArmed })
	marked := p.m.table.Selected()
	p.send(keyMsg("space")) // marks row 7 and moves on
	sel := p.m.table.Selected()
	if sel == nil || !sel.Provisional() || p.m.table.Cursor() != 8 || p.m.table.NumMarked() != 1 || p.m.table.Marked()[0] != marked {
		t.Fatalf("cursor %d on %v, %d marked", p.m.table.Cursor(), sel, p.m.table.NumMarked())
	}
	// keys that need an identity wait
	p.send(keyMsg("s"))
	if p.m.formOpen {
		t.Fatalf("triage key on a provisional finding: form %v, status %q", p.m.formOpen, p.m.status.Text())
	}
	p.send(keyMsg("Y"))
	if !strings.Contains(p.m.status.Text(), "no ID yet") {
		t.Fatalf("copy ID of a provisional finding: status %q", p.m.status.Text())
	}
	if d := screen(p.m); !strings.Contains(d, "id loading…") {
		t.Fatalf("the detail pane does not say the ID is loading:\n%s", d)
	}

	step <- struct{}{}
	p.until("the second batch", inv, settled(2000))
	if p.m.table.Selected() != sel {
		t.Fatalf("the cursor left its finding when a batch arrived (row %d)", p.m.table.Cursor())
	}
	if p.m.loop.extends == 0 {
		t.Fatal("the batch was filtered from scratch, not merged")
	}
	want := make([]int32, 2000)
	for i := range want {
		want[i] = int32(i)
	}
	query.Sort(prov, want, p.m.sortKey)
	for i, j := range want {
		if p.m.table.At(i) != prov[j] {
			t.Fatalf("row %d is not what a full sort puts there", i)
		}
	}
	step <- struct{}{}
	p.until("the third batch", inv, settled(3000))
	row, off := p.m.table.Cursor(), p.m.table.Offset()
	if p.m.table.Selected() != sel {
		t.Fatalf("the cursor left its finding when a batch arrived (row %d)", row)
	}
	shown := make([]*findings.Finding, p.m.table.Len())
	for i := range shown {
		shown[i] = p.m.table.At(i)
	}

	// The file is read: its final findings take the provisional rows' places.
	step <- struct{}{}
	p.until("the final findings", inv, func(m Model) bool { return m.loop.prov.n == 0 && !m.filtering })
	j := slices.Index(prov, sel)
	if got := p.m.table.Selected(); got != finals[j] || p.m.table.Cursor() != row || p.m.table.Offset() != off {
		t.Fatalf("cursor row %d (was %d), offset %d (was %d), on %v (want the final of its result, %s)", p.m.table.Cursor(), row, p.m.table.Offset(), off, got, finals[j].ID)
	}
	if ms := p.m.table.Marked(); len(ms) != 1 || ms[0] != finals[slices.Index(prov, marked)] {
		t.Fatalf("the mark did not move to the final finding: %v", ms)
	}
	for i, f := range shown {
		if g := p.m.table.At(i); g.Provisional() || !g.SameResult(f) {
			t.Fatalf("row %d changed when the file became final", i)
		}
	}
	if p.m.loop.prov.n != 0 || p.m.statesLoading() {
		t.Fatal("states still loading after the file became final (no ledger)")
	}
	if d := screen(p.m); !strings.Contains(d, finals[j].ID) {
		t.Fatalf("the detail pane does not show the final ID %s:\n%s", finals[j].ID, d)
	}
	step <- struct{}{}
	p.until("loading ends", inv, func(m Model) bool { return !m.loading && m.table.Len() == 3000 && !m.filtering })
	if p.m.table.Selected() != finals[j] {
		t.Fatal("the cursor left its finding when loading ended")
	}
}

// A filter result computed while provisional rows became final is shown on
// the final findings (the marks and the cursor are not lost to a result of
// before the swap), and a run whose results were decoded again (not one for
// one) moves the cursor to the final finding of its result.
func TestProvisionalRowsReplacedNotInPlace(t *testing.T) {
	const file = "/nonexistent/acme/big.sarif"
	finals := oneFileFindings(1200, file)
	prov := provisionalOf(finals[:1000], file) // the last 200 were never handed out provisionally
	step := make(chan struct{})
	m, err := New(context.Background(), Options{
		Root: "/nonexistent/acme",
		LoadPartial: func(ctx context.Context, onPartial func(string, []*findings.Finding), onFile func(string, []*findings.Finding, error)) (*findings.Set, error) {
			onPartial(file, prov)
			<-step
			onFile(file, finals, nil)
			<-step
			return &findings.Set{Findings: finals}, nil
		},
		Load: func(context.Context, func(string, []*findings.Finding, error)) (*findings.Set, error) {
			return nil, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	m.prepare()
	p := newPump(t, m)
	p.send(tea.WindowSizeMsg{Width: 160, Height: 40})
	p.start(p.m.Init())
	p.until("the provisional rows", nil, func(m Model) bool { return m.table.Len() == 1000 && !m.filtering })
	for range 12 {
		p.send(keyMsg("j"))
	}
	p.until("the moves applied", nil, func(m Model) bool { return m.loop.moveAcc == 0 && !m.loop.moveArmed })
	sel := p.m.table.Selected()
	j := slices.Index(prov, sel)
	step <- struct{}{}
	p.until("the final findings", nil, func(m Model) bool { return m.table.Len() == 1200 && !m.filtering && m.loop.reselect == nil })
	if got := p.m.table.Selected(); got != finals[j] {
		t.Fatalf("cursor on %v, want the final of its result %s", got, finals[j].ID)
	}
	for i := 0; i < p.m.table.Len(); i++ {
		if p.m.table.At(i).Provisional() {
			t.Fatalf("row %d still provisional", i)
		}
	}
	step <- struct{}{}
}

// Cursor gives the cursor the rendered view has, without rendering.
func TestCursorIsTheViewsCursor(t *testing.T) {
	m := newModel(t, fixture.Findings(50), 120, 30)
	if c := m.Cursor(); c != nil || m.view().Cursor != nil {
		t.Fatalf("a cursor in the table: %v %v", c, m.view().Cursor)
	}
	m, _ = send(t, m, keyMsg("/"))
	m, _ = send(t, m, tea.KeyPressMsg{Code: 'x', Text: "x"})
	got, want := m.Cursor(), m.view().Cursor
	if got == nil || want == nil || *got != *want {
		t.Fatalf("cursor %+v, the view's %+v", got, want)
	}
}

// A file that fails after part of it was shown (a truncated stream): its
// provisional rows go, the error is shown, and states stop saying loading.
func TestProvisionalRowsOfAFailedFileGo(t *testing.T) {
	const file = "/nonexistent/acme/cut.sarif"
	fs := oneFileFindings(600, file)
	prov := provisionalOf(fs, file)
	step := make(chan struct{})
	m, err := New(context.Background(), Options{
		Root: "/nonexistent/acme",
		LoadPartial: func(ctx context.Context, onPartial func(string, []*findings.Finding), onFile func(string, []*findings.Finding, error)) (*findings.Set, error) {
			onPartial(file, prov)
			<-step
			le := &findings.LoadError{File: file, Line: 9000, Col: 3, Msg: "invalid JSON: unexpected end of input inside an array"}
			onFile(file, nil, le)
			return &findings.Set{Files: []findings.FileInfo{{Path: file, Err: le}}, Errors: []*findings.LoadError{le}}, nil
		},
		Load: func(context.Context, func(string, []*findings.Finding, error)) (*findings.Set, error) {
			return nil, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	m.prepare()
	p := newPump(t, m)
	p.send(tea.WindowSizeMsg{Width: 160, Height: 40})
	p.start(p.m.Init())
	p.until("the provisional rows", nil, func(m Model) bool { return m.table.Len() == 600 && !m.filtering })
	if s := screen(p.m); !strings.Contains(s, "reading cut.sarif") {
		t.Fatalf("the status line does not name the file being read:\n%s", s)
	}
	step <- struct{}{}
	p.until("loading ends", nil, func(m Model) bool { return !m.loading && !m.filtering })
	if p.m.table.Len() != 0 || len(p.m.fs) != 0 || p.m.statesLoading() {
		t.Fatalf("%d rows, %d findings left after the file failed", p.m.table.Len(), len(p.m.fs))
	}
	if s := screen(p.m); !strings.Contains(s, "unexpected end of input") {
		t.Fatalf("the error is not shown:\n%s", s)
	}
}

// The first rows of a load are shown by the Update that brings them (no
// filter Cmd, no second message), in the order a filter run gives, and the
// View that shows them calls Options.FirstRows once.
func TestFirstRowsInSameUpdate(t *testing.T) {
	const file = "/nonexistent/acme/big.sarif"
	finals := oneFileFindings(200, file)
	prov := provisionalOf(finals, file)
	calls := 0
	m, err := New(context.Background(), Options{
		Root: "/nonexistent/acme",
		Load: func(context.Context, func(string, []*findings.Finding, error)) (*findings.Set, error) {
			return nil, nil
		},
		FirstRows: func() { calls++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	m.prepare()
	m, _ = m.route(tea.WindowSizeMsg{Width: 160, Height: 40})
	_ = m.View()
	if calls != 0 {
		t.Fatalf("FirstRows called %d times before any row", calls)
	}
	m, _ = m.route(loadPartialMsg{gen: m.loop.loadGen, file: file, fs: prov[:64]})
	if m.table.Len() != 64 || m.filtering {
		t.Fatalf("after the first batch's Update: %d rows, filtering %v; want 64 rows shown", m.table.Len(), m.filtering)
	}
	want := runFilter(context.Background(), filterJob{fs: prov[:64], sort: m.sortKey})
	for i, j := range want.idx {
		if m.table.At(i) != prov[j] {
			t.Fatalf("row %d is not the filter run's row %d", i, j)
		}
	}
	_ = m.View()
	_ = m.View()
	if calls != 1 {
		t.Fatalf("FirstRows called %d times, want 1", calls)
	}
	// the next batch extends the result in a Cmd, as before
	m, cmd := m.route(loadPartialMsg{gen: m.loop.loadGen, file: file, fs: prov[64:]})
	if cmd == nil || m.table.Len() != 64 {
		t.Fatalf("second batch: %d rows, cmd %v; want the 64 rows kept and a Cmd", m.table.Len(), cmd != nil)
	}
}
