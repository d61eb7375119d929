package triagescreen

import (
	"context"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/query"
	"github.com/secui/secui/internal/testutil"
	"github.com/secui/secui/tui/internal/fixture"
)

// run executes cmd and feeds every resulting message back into m, like the
// Bubble Tea loop does. Cmds that take longer than 400ms (status clear ticks)
// are dropped so tests stay fast.
func run(t testing.TB, m Model, cmd tea.Cmd) Model {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 10000 {
			t.Fatal("message loop does not settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		ch := make(chan tea.Msg, 1)
		go func() { ch <- c() }()
		var msg tea.Msg
		select {
		case msg = <-ch:
		case <-time.After(400 * time.Millisecond):
			continue
		}
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case tea.QuitMsg:
			return m
		default:
			nm, nc := m.update(msg)
			m = nm
			queue = append(queue, nc)
		}
	}
	return m
}

func send(t testing.TB, m Model, msg tea.Msg) (Model, tea.Cmd) {
	t.Helper()
	nm, cmd := m.update(msg)
	return run(t, nm, cmd), cmd
}

func keyMsg(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "ctrl+l":
		return tea.KeyPressMsg{Code: 'l', Mod: tea.ModCtrl}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func press(t testing.TB, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		m, _ = send(t, m, keyMsg(k))
	}
	return m
}

// typeText types s faster than the debounce: the keystrokes' Cmds (debounce
// ticks) are dropped, as a later keystroke would supersede them.
func typeText(t testing.TB, m Model, s string) Model {
	t.Helper()
	for _, r := range s {
		nm, _ := m.update(tea.KeyPressMsg{Code: r, Text: string(r)})
		m = nm
	}
	return m
}

type testEnv struct {
	root string
	fs   []*findings.Finding
}

// newModel opens a console over fs (loaded in two batches, like two files)
// in a w×h window.
func newModel(t testing.TB, fs []*findings.Finding, w, h int, opts ...func(*Options)) Model {
	t.Helper()
	o := Options{
		Root: "/nonexistent/acme-payments",
		Load: func(ctx context.Context, onFile func(string, []*findings.Finding, error)) (*findings.Set, error) {
			half := len(fs) / 2
			onFile("/nonexistent/acme-payments/scans/a.sarif", fs[:half], nil)
			onFile("/nonexistent/acme-payments/scans/b.sarif", fs[half:], nil)
			return &findings.Set{Findings: fs, Files: []findings.FileInfo{{Path: "/nonexistent/acme-payments/scans/a.sarif"}, {Path: "/nonexistent/acme-payments/scans/b.sarif"}}}, nil
		},
		NoColor: false,
	}
	for _, f := range opts {
		f(&o)
	}
	m, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	m.prepare()
	m, _ = send(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	m = run(t, m, m.Init())
	return m
}

// screen is the screen's body and the status line the shell shows under it
// (the shell's own tests cover the footer and the overlays).
func screen(m Model) string {
	return ansi.Strip(m.view().Content + "\n" + m.status.View(m.width))
}

func TestLoadShowsEverything(t *testing.T) {
	fs := fixture.Findings(500)
	m := newModel(t, fs, 120, 30)
	if m.loading || m.table.Len() != 500 || m.total != 500 {
		t.Fatalf("loading %v, shown %d of %d", m.loading, m.table.Len(), m.total)
	}
	s := screen(m)
	for _, want := range []string{"acme-payments", "2 scan file(s): scans/a.sarif, scans/b.sarif", "500 of 500", "1 plan", "8 monitor"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	// sorted by severity: the first row is critical
	if f := m.table.Selected(); f == nil || f.Severity != findings.SevCritical {
		t.Fatalf("first row %v", f)
	}
	if m.det.Data().F != m.table.Selected() {
		t.Fatal("detail pane does not show the selection")
	}
}

func TestEmptyState(t *testing.T) {
	m := newModel(t, nil, 100, 30, func(o *Options) {
		o.Load = func(ctx context.Context, _ func(string, []*findings.Finding, error)) (*findings.Set, error) {
			return nil, fmt.Errorf("no SARIF files found in /repo")
		}
	})
	s := screen(m)
	for _, want := range []string{"no SARIF files found in /repo", "semgrep scan --sarif -o semgrep.sarif", "gosec -fmt sarif -out gosec.sarif ./...", "trivy fs --format sarif -o trivy.sarif ."} {
		if !strings.Contains(s, want) {
			t.Errorf("empty state lacks %q:\n%s", want, s)
		}
	}
}

func TestBadFilesInStatus(t *testing.T) {
	fs := fixture.Findings(10)
	m := newModel(t, fs, 100, 30, func(o *Options) {
		o.Load = func(ctx context.Context, onFile func(string, []*findings.Finding, error)) (*findings.Set, error) {
			onFile("/nonexistent/acme-payments/good.sarif", fs, nil)
			onFile("/nonexistent/acme-payments/bad.sarif", nil, fmt.Errorf("not SARIF"))
			return &findings.Set{Findings: fs, Errors: []*findings.LoadError{{File: "/nonexistent/acme-payments/bad.sarif", Line: 3, Col: 7, Msg: "invalid \x1b[31mJSON"}}}, nil
		}
	})
	if s := screen(m); !strings.Contains(s, "1 bad input: bad.sarif:3:7: invalid JSON") {
		t.Fatalf("status line:\n%s", s)
	}
	if m.table.Len() != 10 {
		t.Fatal("good file not shown")
	}
	if e := m.LoadErrors(); len(e) != 1 || !strings.Contains(e[0], "bad.sarif:3:7: invalid") {
		t.Fatalf("input problems for the errors overlay: %q", e)
	}
}

func TestFacets(t *testing.T) {
	fs := fixture.Findings(500)
	m := newModel(t, fs, 120, 30)
	count := func(pred func(*findings.Finding) bool) int {
		n := 0
		for _, f := range fs {
			if pred(f) {
				n++
			}
		}
		return n
	}
	m = press(t, m, "f") // critical
	if want := count(func(f *findings.Finding) bool { return f.Severity == findings.SevCritical }); m.table.Len() != want {
		t.Fatalf("floor critical: %d, want %d", m.table.Len(), want)
	}
	m = press(t, m, "f") // high+
	if want := count(func(f *findings.Finding) bool { return f.Severity >= findings.SevHigh }); m.table.Len() != want {
		t.Fatalf("floor high+: %d, want %d", m.table.Len(), want)
	}
	if !strings.Contains(screen(m), "sev high+") {
		t.Fatal("facet not shown")
	}
	m = press(t, m, "2") // stage code
	want := count(func(f *findings.Finding) bool { return f.Severity >= findings.SevHigh && f.Stage == findings.StageCode })
	if m.table.Len() != want {
		t.Fatalf("stage code: %d, want %d", m.table.Len(), want)
	}
	if !strings.Contains(screen(m), fmt.Sprintf("%d of 500", want)) {
		t.Fatal("N of M not updated")
	}
	m = press(t, m, "2") // same digit again clears the stage
	m = press(t, m, "t") // t cycles: plan
	if m.stage != int(findings.StagePlan) {
		t.Fatalf("t: stage %d", m.stage)
	}
	m = press(t, m, "0")
	m = press(t, m, "f", "f", "f") // medium+, low+, off
	if m.floor != -1 || m.stage != -1 || m.table.Len() != 500 {
		t.Fatalf("facets not cleared: floor %d stage %d len %d", m.floor, m.stage, m.table.Len())
	}
}

func TestQueryBar(t *testing.T) {
	fs := fixture.Findings(300)
	m := newModel(t, fs, 120, 30)
	m = press(t, m, "/")
	if m.focus != focusFilter {
		t.Fatal("/ did not focus the query bar")
	}
	m = typeText(t, m, "tool:gosec -sev:info")
	m = press(t, m, "enter")
	q, _ := query.Parse("tool:gosec -sev:info")
	want := 0
	for _, f := range fs {
		if q.Match(f, nil) {
			want++
		}
	}
	if m.focus != focusTable || m.table.Len() != want || want == 0 {
		t.Fatalf("focus %v, shown %d want %d", m.focus, m.table.Len(), want)
	}
	// a parse error is shown inline and the last good filter stays
	m = press(t, m, "/")
	m = typeText(t, m, " sevv:high")
	m = press(t, m, "enter")
	s := screen(m)
	if !strings.Contains(s, `unknown field "sevv"`) || m.table.Len() != want {
		t.Fatalf("parse error not shown or filter lost (%d):\n%s", m.table.Len(), s)
	}
	// esc leaves the bar; ctrl+l clears everything
	m = press(t, m, "/", "esc")
	if m.focus != focusTable {
		t.Fatal("esc did not leave the query bar")
	}
	m = press(t, m, "ctrl+l")
	if m.table.Len() != 300 || m.bar.Value() != "" || m.bar.Error() != "" {
		t.Fatalf("ctrl+l: %d shown, bar %q err %q", m.table.Len(), m.bar.Value(), m.bar.Error())
	}
}

func TestTypingIsDebounced(t *testing.T) {
	fs := fixture.Findings(100)
	m := newModel(t, fs, 120, 30)
	m = press(t, m, "/")
	nm, cmd := m.update(keyMsg("x"))
	m = nm
	gen := m.filterGen
	if cmd == nil {
		t.Fatal("no debounce tick")
	}
	if m.filterGen != gen {
		t.Fatal("a keystroke started a filter at once")
	}
}

func TestStaleFilterResultDropped(t *testing.T) {
	fs := fixture.Findings(100)
	m := newModel(t, fs, 120, 30)
	stale := filterDoneMsg{gen: m.filterGen - 1, fs: fs, idx: []int32{1}}
	nm, _ := m.update(stale)
	if nm.table.Len() != 100 {
		t.Fatal("stale filter result applied")
	}
}

func TestNavigationAndPanes(t *testing.T) {
	fs := fixture.Findings(100)
	m := newModel(t, fs, 80, 24) // toggled layout
	first := m.table.Selected()
	m = press(t, m, "j", "down")
	if m.table.Cursor() != 2 || m.det.Data().F != m.table.Selected() || m.table.Selected() == first {
		t.Fatal("j/down did not move the selection and the detail")
	}
	m = press(t, m, "G")
	if m.table.Cursor() != 99 {
		t.Fatalf("G: %d", m.table.Cursor())
	}
	m = press(t, m, "g")
	m = press(t, m, "enter")
	if m.focus != focusDetail || !m.showDetail || !strings.Contains(screen(m), "Details · "+m.table.Selected().ID) {
		t.Fatalf("enter did not show the detail pane:\n%s", screen(m))
	}
	m = press(t, m, "j") // scrolls the detail, not the table
	if m.table.Cursor() != 0 {
		t.Fatal("j in detail moved the table")
	}
	m = press(t, m, "esc")
	if m.focus != focusTable || m.showDetail {
		t.Fatal("esc did not return to the table")
	}
	m = press(t, m, "tab")
	if m.focus != focusDetail {
		t.Fatal("tab did not switch panes")
	}
	m = press(t, m, "tab")
	if m.focus != focusTable {
		t.Fatal("tab did not switch back")
	}
	_, cmd := m.update(keyMsg("q"))
	if cmd == nil {
		t.Fatal("q returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q did not quit")
	}
}

func TestSortGroupAndLanes(t *testing.T) {
	fs := fixture.Findings(200)
	// fs[3] is suppressed in the ledger (the policy reads the triage state
	// from the ledger, not from the finding).
	root := t.TempDir()
	l, _ := ledger.Open(root, "")
	if err := l.Decide(fs[3:4], ledger.Request{Action: ledger.ActSuppress, Reason: ledger.FalsePositive,
		Justification: "the sink is a constant string", Author: "A <a@example.com>", Now: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	fs[4].InputSup = findings.InAccepted
	fs[5].InputSup = findings.InUnderReview
	fs[6].InputSup = findings.InRejected
	m := newModel(t, fs, 120, 30, func(o *Options) { o.Root = root; o.Ledger = l })
	if m.table.Len() != 197 || !strings.Contains(screen(m), "3 suppressed hidden") {
		t.Fatalf("suppressed not hidden: %d\n%s", m.table.Len(), screen(m))
	}
	m = press(t, m, "S")
	if m.sortKey != query.ByFile {
		t.Fatalf("S: %v", m.sortKey)
	}
	m = press(t, m, "b") // group by stage
	if m.groupBy != query.GroupStage || m.table.SelectedGroup() == nil || m.table.Rows() != 197+8 {
		t.Fatalf("b: %v rows %d", m.groupBy, m.table.Rows())
	}
	m = press(t, m, "enter") // on a header: fold
	if m.table.Rows() >= 197+8 {
		t.Fatal("enter on a group header did not fold it")
	}
	m = press(t, m, "H")
	s := screen(m)
	for _, want := range []string{"Suppressed here (ledger) (1)", "Suppressed in the SARIF input: accepted (1)", "under review (1)", "SARIF suppression rejected (shown as open) (1)"} {
		if !strings.Contains(s, want) {
			t.Errorf("lanes lack %q:\n%s", want, s)
		}
	}
	m = press(t, m, "H")
	if m.table.Len() != 197 {
		t.Fatal("H did not go back")
	}
}

func TestMouse(t *testing.T) {
	fs := fixture.Findings(100)
	m := newModel(t, fs, 200, 50)
	y := m.layout.Table.Y + 1 + 4 // header line + 5th row
	m, _ = send(t, m, tea.MouseClickMsg{X: 10, Y: y, Button: tea.MouseLeft})
	if m.table.Cursor() != 4 || m.det.Data().F != m.table.Selected() {
		t.Fatalf("click selected row %d", m.table.Cursor())
	}
	m, _ = send(t, m, tea.MouseWheelMsg{X: 10, Y: y, Button: tea.MouseWheelDown})
	if m.table.Offset() != 3 {
		t.Fatalf("wheel offset %d", m.table.Offset())
	}
	m, _ = send(t, m, tea.MouseClickMsg{X: m.layout.Detail.X + 2, Y: m.layout.Detail.Y + 2, Button: tea.MouseLeft})
	if m.focus != focusDetail {
		t.Fatal("click on detail did not focus it")
	}
	// ribbon click picks a stage
	m, _ = send(t, m, tea.MouseClickMsg{X: 0, Y: m.layout.Ribbon.Y, Button: tea.MouseLeft})
	if m.stage != int(findings.StagePlan) {
		t.Fatalf("ribbon click: stage %d", m.stage)
	}
}

// flowRepo writes a small source file and returns a finding with a code flow.
func flowRepo(t *testing.T) (string, *findings.Finding, *findings.Details) {
	root := t.TempDir()
	src := "package main\n\nfunc handler(r *Request) {\n\tname := r.FormValue(\"name\")\n\tq := \"SELECT * FROM u WHERE n='\" + name + \"'\"\n\tdb.Query(q)\n}\n"
	if err := os.WriteFile(filepath.Join(root, "app.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tool := &findings.Tool{Name: "CodeQL"}
	f := &findings.Finding{
		ID: "00000000deadbeef", Tool: tool, Severity: findings.SevCritical, Stage: findings.StageCode,
		Rule:    &findings.Rule{ID: "go/sql-injection", Name: "Database query built from user-controlled sources", HelpMarkdown: "# SQL injection\n\nUse **parameterised** queries.", Tool: tool},
		Message: "This query depends on a user-provided value.",
		Loc:     findings.Location{Path: "app.go", InRepo: true, Line: 6, Col: 11, EndCol: 12},
	}
	f.SearchText()
	det := &findings.Details{Flows: []findings.Flow{{Steps: []findings.FlowStep{
		{Loc: findings.Location{Path: "app.go", InRepo: true, Line: 4, Message: "r.FormValue(\"name\")"}},
		{Loc: findings.Location{Path: "app.go", InRepo: true, Line: 5, Message: "string concatenation"}},
		{Loc: findings.Location{Path: "app.go", InRepo: true, Line: 6, Message: "db.Query(q)"}},
	}}}}
	return root, f, det
}

func TestWalkFlowAndHelp(t *testing.T) {
	root, f, det := flowRepo(t)
	fs := append([]*findings.Finding{f}, fixture.Findings(10)...)
	m, err := New(context.Background(), Options{Root: root, Load: func(ctx context.Context, onFile func(string, []*findings.Finding, error)) (*findings.Set, error) {
		return &findings.Set{Findings: fs}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	m.details = func(g *findings.Finding) (*findings.Details, error) {
		if g == f {
			return det, nil
		}
		return &findings.Details{}, nil
	}
	m.prepare()
	m, _ = send(t, m, tea.WindowSizeMsg{Width: 200, Height: 50})
	m = run(t, m, m.Init())
	m = press(t, m, "/")
	m = typeText(t, m, "id:00000000dead")
	m = press(t, m, "enter")
	if m.table.Selected() != f {
		t.Fatalf("selected %v", m.table.Selected())
	}
	time.Sleep(detailDebounce) // let the selection settle
	m = run(t, m, func() tea.Msg { return detailTickMsg{tag: m.detailTag} })
	s := screen(m)
	if !strings.Contains(s, "Code flow (3 step(s))") || !strings.Contains(s, "db.Query(q)") || !strings.Contains(s, "SQL injection") {
		t.Fatalf("details, code or rule help missing:\n%s", s)
	}
	m = press(t, m, "n")
	if d := m.det.Data(); d.Step != 0 || d.StepCode == nil || !strings.Contains(screen(m), "▶  1. app.go:4") {
		t.Fatalf("step 1 not shown:\n%s", screen(m))
	}
	m = press(t, m, "n", "n")
	if d := m.det.Data(); d.Step != 2 {
		t.Fatalf("step %d", d.Step)
	}
	m = press(t, m, "p")
	if d := m.det.Data(); d.Step != 1 || !strings.Contains(screen(m), "string concatenation") {
		t.Fatalf("p: step %d", d.Step)
	}
	m = press(t, m, "y")
	if !strings.Contains(screen(m), "copied app.go:6") {
		t.Fatalf("y: %s", m.status.Text())
	}
	m = press(t, m, "tab", "y") // in the detail pane with a step: the step's location
	if !strings.Contains(m.status.Text(), "copied app.go:5") {
		t.Fatalf("y on a step: %s", m.status.Text())
	}
	m = press(t, m, "Y")
	if !strings.Contains(m.status.Text(), "copied 00000000deadbeef") {
		t.Fatalf("Y: %s", m.status.Text())
	}
}

func TestOpenEditor(t *testing.T) {
	root, f, _ := flowRepo(t)
	cmd, err := editorCmd(root, f.Loc)
	if err != nil || cmd == nil {
		t.Fatalf("editorCmd: %v", err)
	}
	if _, err := editorCmd(root, findings.Location{Path: "../x", InRepo: true}); err == nil {
		t.Fatal("opened a path outside the repository")
	}
	if _, err := editorCmd(root, findings.Location{Path: "gone.go", InRepo: true}); err == nil {
		t.Fatal("opened a missing file")
	}
	m := newModel(t, fixture.Findings(5), 100, 30)
	m = press(t, m, "o") // fixture files do not exist: a warning, no editor
	if !strings.Contains(m.status.Text(), "file not found") {
		t.Fatalf("o: %q", m.status.Text())
	}
}

func TestKeyOverrides(t *testing.T) {
	cfg := config.Default()
	cfg.UI.Keys = map[string][]string{"down": {"x"}}
	m := newModel(t, fixture.Findings(10), 100, 30, func(o *Options) { o.Config = cfg })
	m = press(t, m, "x")
	if m.table.Cursor() != 1 {
		t.Fatal("rebound key did not move down")
	}
	cfg.UI.Keys = map[string][]string{"jump": {"x"}}
	if _, err := New(context.Background(), Options{Config: cfg}); err == nil || !strings.Contains(err.Error(), `unknown action "jump"`) {
		t.Fatalf("unknown action: %v", err)
	}
}

func TestSanitizedEverywhere(t *testing.T) {
	fs := fixture.Findings(3)
	for _, f := range fs {
		f.Message = "evil \x1b]52;c;ZXZpbA==\x07 \x1b[2J msg"
		f.Loc.Path = "a\x1b[31m.go"
	}
	fs[0].Tool = &findings.Tool{Name: "to\x1b]0;title\x07ol"}
	m := newModel(t, fs, 200, 50)
	c := m.view().Content
	for _, bad := range []string{"\x1b]52", "\x1b]0;", "\x1b[2J", "ZXZpbA==", "title"} {
		if strings.Contains(c, bad) {
			t.Fatalf("control sequence %q reached the screen", bad)
		}
	}
}

func TestResize(t *testing.T) {
	m := newModel(t, fixture.Findings(60), 80, 24)
	if m.layout.Mode != Toggled {
		t.Fatal("80x24 should toggle panes")
	}
	m, _ = send(t, m, tea.WindowSizeMsg{Width: 200, Height: 50})
	if m.layout.Mode != SideBySide || !strings.Contains(screen(m), "Details · ") {
		t.Fatal("200x50 should show both panes")
	}
	m, _ = send(t, m, tea.WindowSizeMsg{Width: 100, Height: 60})
	if m.layout.Mode != Stacked {
		t.Fatal("100x60 should stack panes")
	}
	m, _ = send(t, m, tea.WindowSizeMsg{Width: 30, Height: 6})
	if !strings.Contains(screen(m), "at least 40×8") {
		t.Fatal("tiny window message missing")
	}
}

func BenchmarkCursorMove(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m := newModel(b, fixture.Findings(n), 200, 50)
			m.table.SetCursor(n / 2)
			j, k := keyMsg("j"), keyMsg("k")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				msg := j
				if i%2 == 1 {
					msg = k
				}
				nm, _ := m.update(msg)
				m = nm
				_ = m.view()
			}
		})
	}
}

// BenchmarkFilter is a new query over n findings, as when typing in the
// query bar (the sort permutation is cached after the first run).
func BenchmarkFilter(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			fs := fixture.Findings(n)
			q, _ := query.Parse("sev:medium+ user input -tool:trivy")
			perm := permFor(fs, query.BySeverity)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				msg := runFilter(context.Background(), filterJob{fs: fs, q: q, sort: query.BySeverity, perm: perm})
				if msg.err != nil || len(msg.idx) == 0 {
					b.Fatal(msg.err)
				}
			}
		})
	}
}

// BenchmarkFilterFirst is the first filter after loading: it also sorts.
func BenchmarkFilterFirst(b *testing.B) {
	fs := fixture.Findings(100000)
	q, _ := query.Parse("sev:medium+ user input -tool:trivy")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if msg := runFilter(context.Background(), filterJob{fs: fs, q: q, sort: query.BySeverity}); msg.err != nil {
			b.Fatal(msg.err)
		}
	}
}

func TestFilterUsesSortedPermutation(t *testing.T) {
	fs := fixture.Findings(2000)
	q, _ := query.Parse("sev:medium+ -tool:trivy")
	for _, key := range []query.SortKey{query.BySeverity, query.ByFile, query.ByRule, query.ByTool, query.ByStage} {
		got := runFilter(context.Background(), filterJob{fs: fs, q: q, sort: key, perm: permFor(fs, key)})
		want, _ := query.Filter(context.Background(), fs, q, nil)
		query.Sort(fs, want, key)
		if fmt.Sprint(got.idx) != fmt.Sprint(want) {
			t.Fatalf("%v: order differs from query.Sort", key)
		}
	}
}

func TestBackgroundColour(t *testing.T) {
	m := newModel(t, fixture.Findings(5), 100, 30)
	if !m.st.IsDark {
		t.Fatal("default should be dark")
	}
	nm, _ := m.update(tea.BackgroundColorMsg{Color: color.White})
	if nm.st.IsDark {
		t.Fatal("white background kept the dark theme")
	}
	cfg := config.Default()
	cfg.UI.Theme = "dark"
	m = newModel(t, fixture.Findings(5), 100, 30, func(o *Options) { o.Config = cfg })
	nm, _ = m.update(tea.BackgroundColorMsg{Color: color.White})
	if !nm.st.IsDark {
		t.Fatal("ui.theme: dark overridden by the terminal")
	}
}

func TestInitialQuery(t *testing.T) {
	fs := fixture.Findings(100)
	m := newModel(t, fs, 100, 30, func(o *Options) { o.Query = "sev:critical" })
	for i := 0; i < m.table.Len(); i++ {
		m.table.SetCursor(i)
		if f := m.table.Selected(); f.Severity != findings.SevCritical {
			t.Fatalf("row %d is %v", i, f.Severity)
		}
	}
	if m.table.Len() == 0 || m.bar.Value() != "sev:critical" {
		t.Fatalf("initial query not applied: %d %q", m.table.Len(), m.bar.Value())
	}
	m = newModel(t, fs, 100, 30, func(o *Options) { o.Query = "sevv:x" })
	if !strings.Contains(screen(m), `unknown field "sevv"`) || m.table.Len() != 100 {
		t.Fatal("bad initial query not reported")
	}
}

// TestRealSARIF opens real CodeQL output (from the SARIF corpus) through
// findings.Load, as the console does, and shows a finding's code flow.
func TestRealSARIF(t *testing.T) {
	mod := testutil.ModuleRoot(t)
	src := filepath.Join(mod, "..", "shared", "sarif-corpus", "public", "DefectDojo-django-DefectDojo", "codeQL-output.sarif")
	if _, err := os.Stat(src); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	// Loaded here, not inside the console's load command: the test loop gives
	// up on a command after 400 ms (ticks never return), and a loaded CI
	// machine can take longer than that to read the file.
	var files []string
	var batches [][]*findings.Finding
	set, err := findings.Load(context.Background(), []string{src}, findings.Options{OnFile: func(p string, fs []*findings.Finding, err error) {
		files, batches = append(files, p), append(batches, fs)
	}})
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(t, nil, 200, 50, func(o *Options) {
		o.Root = t.TempDir()
		o.Load = func(ctx context.Context, onFile func(string, []*findings.Finding, error)) (*findings.Set, error) {
			for i := range files {
				onFile(files[i], batches[i], nil)
			}
			return set, nil
		}
	})
	if m.table.Len() == 0 || m.set == nil {
		t.Fatalf("no findings loaded (%d); status %v", m.table.Len(), m.status.Errors())
	}
	// find one with a code flow
	m = press(t, m, "/")
	m = typeText(t, m, "tool:codeql")
	m = press(t, m, "enter")
	for i := 0; i < m.table.Len(); i++ {
		m.table.SetCursor(i)
		f := m.table.Selected()
		d, err := m.set.Details(f)
		if err != nil || len(d.Flows) == 0 {
			continue
		}
		m.selectionChanged(true)
		m = run(t, m, func() tea.Msg { return detailTickMsg{tag: m.detailTag} })
		m = press(t, m, "n")
		if st := m.det.Data(); st.Step != 0 || st.StepCode == nil {
			t.Fatalf("flow step not loaded: %+v", st.Step)
		}
		if !strings.Contains(screen(m), "flow step 1/") {
			t.Fatalf("flow not shown:\n%s", screen(m))
		}
		return
	}
	t.Fatal("no CodeQL finding with a code flow in the corpus file")
}

func TestProgressiveLoading(t *testing.T) {
	fs := fixture.Findings(100)
	release := make(chan struct{})
	m, err := New(context.Background(), Options{Root: "/nonexistent/acme", Load: func(ctx context.Context, onFile func(string, []*findings.Finding, error)) (*findings.Set, error) {
		onFile("/nonexistent/acme/first.sarif", fs[:30], nil)
		<-release
		onFile("/nonexistent/acme/second.sarif", fs[30:], nil)
		return &findings.Set{Findings: fs}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	m.prepare()
	m, _ = send(t, m, tea.WindowSizeMsg{Width: 120, Height: 30})
	if !strings.Contains(screen(m), "Loading scan results") {
		t.Fatalf("no loading state:\n%s", screen(m))
	}
	m = run(t, m, m.Init()) // the wait for the second file times out in run
	if !m.loading || m.table.Len() != 30 || !strings.Contains(screen(m), "loading… 1 file(s), 30 findings") {
		t.Fatalf("first file not shown while loading (%d):\n%s", m.table.Len(), screen(m))
	}
	m = press(t, m, "j") // usable while loading
	if m.table.Cursor() != 1 {
		t.Fatal("navigation blocked while loading")
	}
	close(release)
	m = run(t, m, waitCmd(m.loadCh))
	if m.loading || m.table.Len() != 100 || strings.Contains(screen(m), "loading…") {
		t.Fatalf("final set not shown: loading %v len %d", m.loading, m.table.Len())
	}
}
