package findingtable

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/tui/internal/fixture"
	"github.com/secui/secui/tui/internal/golden"
	"github.com/secui/secui/tui/keys"
	"github.com/secui/secui/tui/theme"
)

func newTable(n, w, h int) (Model, []*findings.Finding) {
	fs := fixture.Findings(n)
	m := New(theme.New(theme.DefaultPalette(), true, false), keys.Default())
	m.SetSize(w, h)
	m.SetData(fs, fixture.Index(n), nil)
	return m, fs
}

func press(m Model, k tea.KeyPressMsg) Model {
	m, _ = m.Update(k)
	return m
}

var (
	keyJ     = tea.KeyPressMsg{Code: 'j', Text: "j"}
	keyK     = tea.KeyPressMsg{Code: 'k', Text: "k"}
	keyDown  = tea.KeyPressMsg{Code: tea.KeyDown}
	keyUp    = tea.KeyPressMsg{Code: tea.KeyUp}
	keyG     = tea.KeyPressMsg{Code: 'g', Text: "g"}
	keyShG   = tea.KeyPressMsg{Code: 'G', Text: "G"}
	keyPgDn  = tea.KeyPressMsg{Code: tea.KeyPgDown}
	keyPgUp  = tea.KeyPressMsg{Code: tea.KeyPgUp}
	keySpace = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	keyV     = tea.KeyPressMsg{Code: 'V', Text: "V"}
	keyH     = tea.KeyPressMsg{Code: 'h', Text: "h"}
	keyL     = tea.KeyPressMsg{Code: 'l', Text: "l"}
)

func TestFitColumns(t *testing.T) {
	for _, w := range []int{30, 60, 80, 100, 120, 160, 250} {
		cw := FitColumns(w)
		total := GutterWidth - 1
		for _, c := range cw {
			if c > 0 {
				total += c + 1
			}
		}
		if total != w {
			t.Errorf("width %d: columns use %d (%v)", w, total, cw)
		}
		if cw[ColSev] == 0 || cw[ColLoc] == 0 || cw[ColMsg] == 0 {
			t.Errorf("width %d: essential column hidden: %v", w, cw)
		}
	}
	if cw := FitColumns(55); cw[ColState] != 0 {
		t.Errorf("55 cols should hide state: %v", cw)
	}
	if cw := FitColumns(160); cw[ColState] == 0 || cw[ColStage] == 0 || cw[ColTool] == 0 {
		t.Errorf("160 cols should show every column: %v", cw)
	}
}

func TestNavigationKeys(t *testing.T) {
	m, fs := newTable(100, 80, 11) // 10 body rows
	m = press(m, keyJ)
	m = press(m, keyDown)
	if m.Cursor() != 2 || m.Selected() != fs[2] {
		t.Fatalf("cursor %d", m.Cursor())
	}
	m = press(m, keyK)
	m = press(m, keyUp)
	m = press(m, keyUp) // clamps at 0
	if m.Cursor() != 0 {
		t.Fatalf("cursor %d after up", m.Cursor())
	}
	m = press(m, keyPgDn)
	if m.Cursor() != 9 {
		t.Fatalf("pgdown cursor %d", m.Cursor())
	}
	m = press(m, keyShG)
	if m.Cursor() != 99 || m.Offset() != 90 {
		t.Fatalf("G cursor %d offset %d", m.Cursor(), m.Offset())
	}
	m = press(m, keyPgUp)
	if m.Cursor() != 90 {
		t.Fatalf("pgup cursor %d", m.Cursor())
	}
	m = press(m, keyG)
	if m.Cursor() != 0 || m.Offset() != 0 {
		t.Fatalf("g cursor %d offset %d", m.Cursor(), m.Offset())
	}
}

func TestMouse(t *testing.T) {
	m, fs := newTable(100, 80, 11)
	m, _ = m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if m.Offset() != 3 || m.Cursor() != 3 {
		t.Fatalf("wheel: offset %d cursor %d", m.Offset(), m.Cursor())
	}
	if !m.Click(5) || m.Selected() != fs[7] {
		t.Fatalf("click selected %v", m.Selected())
	}
	if m.Click(0) || m.Click(11) {
		t.Fatal("click outside rows hit")
	}
}

func TestMarks(t *testing.T) {
	m, fs := newTable(10, 80, 11)
	m = press(m, keySpace)
	m = press(m, keySpace)
	if got := m.Marked(); len(got) != 2 || got[0] != fs[0] || got[1] != fs[1] {
		t.Fatalf("marked %v", got)
	}
	m = press(m, keyV)
	if m.NumMarked() != 10 {
		t.Fatalf("select all: %d", m.NumMarked())
	}
	m = press(m, keyV)
	if m.NumMarked() != 0 {
		t.Fatalf("second select all should unmark: %d", m.NumMarked())
	}
	m = press(m, keyV)
	m.SetData(fs, []int32{1, 2}, nil) // narrower filter drops hidden marks
	if m.NumMarked() != 2 {
		t.Fatalf("marks after filter: %d", m.NumMarked())
	}
}

func groupsOf(fs []*findings.Finding, idx []int32) []Group {
	by := map[findings.Stage]*Group{}
	var out []Group
	for _, s := range findings.Stages {
		by[s] = &Group{Key: s.String(), Label: "stage " + s.String()}
	}
	for _, i := range idx {
		g := by[fs[i].Stage]
		g.Idx = append(g.Idx, i)
		g.Counts[fs[i].Severity]++
	}
	for _, s := range findings.Stages {
		if len(by[s].Idx) > 0 {
			out = append(out, *by[s])
		}
	}
	return out
}

func TestGroups(t *testing.T) {
	fs := fixture.Findings(16)
	m := New(theme.New(theme.DefaultPalette(), true, false), keys.Default())
	m.SetSize(100, 30)
	m.SetData(fs, fixture.Index(16), groupsOf(fs, fixture.Index(16)))
	if m.Rows() != 16+8 {
		t.Fatalf("rows %d", m.Rows())
	}
	if m.Selected() != nil || m.SelectedGroup().Key != "plan" {
		t.Fatal("cursor should start on the first group header")
	}
	m = press(m, keyH) // collapse plan
	if m.Rows() != 16+8-2 {
		t.Fatalf("rows after collapse %d", m.Rows())
	}
	m = press(m, keyJ) // next header: code
	if g := m.SelectedGroup(); g == nil || g.Key != "code" || m.Selected() != nil {
		t.Fatalf("group %v", g)
	}
	m = press(m, keyJ)
	m = press(m, keyV) // marks the code group only
	if m.NumMarked() != 2 {
		t.Fatalf("marked %d, want the 2 of group code", m.NumMarked())
	}
	m = press(m, keyG)
	m = press(m, keyL)
	if m.Rows() != 24 {
		t.Fatalf("rows after expand %d", m.Rows())
	}
	golden.RequireEqual(t, m.View())
}

func TestView(t *testing.T) {
	for _, sz := range [][2]int{{80, 12}, {140, 12}, {60, 8}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m, fs := newTable(50, sz[0], sz[1])
			m.SetTriage(triMap{st: map[*findings.Finding]findings.State{fs[1]: findings.StateSuppressed}})
			fs[2].Message = "evil \x1b]52;c;ZXZpbA==\x07 message\nwith newline"
			m = press(m, keyJ)
			m = press(m, keySpace)
			v := m.View()
			for i, line := range splitLines(v) {
				if w := ansi.StringWidth(line); w != sz[0] {
					t.Errorf("line %d width %d, want %d: %q", i, w, sz[0], line)
				}
			}
			if len(splitLines(v)) != sz[1] {
				t.Errorf("%d lines, want %d", len(splitLines(v)), sz[1])
			}
			golden.RequireEqual(t, v)
		})
	}
}

func TestEmptyView(t *testing.T) {
	m := New(theme.New(theme.DefaultPalette(), true, true), keys.Default())
	m.SetSize(60, 5)
	m.SetEmpty("No findings.\nRun a scanner with SARIF output.")
	golden.RequireEqual(t, m.View())
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func BenchmarkCursorMove(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m, _ := newTable(n, 200, 50)
			m.SetCursor(n / 2)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%2 == 0 {
					m, _ = m.Update(keyJ)
				} else {
					m, _ = m.Update(keyK)
				}
				_ = m.View()
			}
		})
	}
}

// triMap is a Triage for tests.
type triMap struct {
	st       map[*findings.Finding]findings.State
	exp, rev map[*findings.Finding]bool
}

func (t triMap) State(f *findings.Finding) findings.State { return t.st[f] }
func (t triMap) Expired(f *findings.Finding) bool         { return t.exp[f] }
func (t triMap) NeedsReview(f *findings.Finding) string {
	if t.rev[f] {
		return "two candidates"
	}
	return ""
}

func TestStateLabelFlagsExpiredAndReview(t *testing.T) {
	f := &findings.Finding{}
	m := Model{}
	if _, got := m.state(f, 12); got != "open" {
		t.Errorf("no triage: %q", got)
	}
	m.SetTriage(triMap{exp: map[*findings.Finding]bool{f: true}})
	if _, got := m.state(f, 12); got != "expired" {
		t.Errorf("wide: %q", got)
	}
	if _, got := m.state(f, 5); got != "exp!" {
		t.Errorf("narrow: %q", got)
	}
	m.SetTriage(triMap{st: map[*findings.Finding]findings.State{f: findings.StateAccepted}})
	if st, got := m.state(f, 12); got != "accepted" || st != findings.StateAccepted {
		t.Errorf("accepted: %q", got)
	}
	m.SetTriage(triMap{rev: map[*findings.Finding]bool{f: true}})
	if _, got := m.state(f, 12); got != "review" {
		t.Errorf("review: %q", got)
	}
	if _, got := m.state(f, 5); got != "rev?" {
		t.Errorf("narrow review: %q", got)
	}
}

// Rows re-used from the row cache are exactly what rendering them afresh
// gives, after every change a row depends on (marks, triage states, the
// states still loading, widths, styles, new data, focus).
func TestCachedRowsMatchFreshRender(t *testing.T) {
	m, fs := newTable(300, 160, 20)
	check := func(step string) {
		t.Helper()
		fresh := m
		fresh.rows0 = nil // no cache: every row rendered
		if got, want := m.View(), fresh.View(); got != want {
			t.Fatalf("%s: cached rows differ from a fresh render\ncached:\n%s\nfresh:\n%s", step, ansi.Strip(got), ansi.Strip(want))
		}
	}
	check("first frame")
	if len(m.rows0.rows) == 0 {
		t.Fatal("no rows cached")
	}
	for range 5 {
		m = press(m, keyJ)
		check("j")
	}
	m = press(m, keySpace) // mark row 5, cursor to 6
	m = press(m, keyK)
	m = press(m, keyK)
	check("mark")
	m.SetTriage(triMap{st: map[*findings.Finding]findings.State{fs[1]: findings.StateSuppressed, fs[7]: findings.StateAccepted}})
	check("triage states")
	m.SetStatesLoading(true)
	check("states loading")
	m.SetStatesLoading(false)
	check("states loaded")
	m.SetSize(100, 20)
	check("narrower")
	m.SetStyles(theme.New(theme.DefaultPalette(), false, false))
	check("light theme")
	m.Blur()
	check("blurred")
	fs2 := fixture.Findings(300)
	for _, f := range fs2 {
		f.Message = "replaced " + f.Message
	}
	m.SetData(fs2, fixture.Index(300), nil)
	check("new data")
	m = press(m, keyPgDn)
	check("page down")
}
