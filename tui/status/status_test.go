package status

import (
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/tui/internal/golden"
	"github.com/secui/secui/tui/theme"
)

func TestFlashClearsOnlyItsOwnNotice(t *testing.T) {
	m := New(theme.New(theme.DefaultPalette(), true, true))
	cmd1 := m.Flash(Info, "first", time.Millisecond)
	if cmd1 == nil {
		t.Fatal("no clear tick")
	}
	m.Flash(Error, "second\x1b[2J", time.Millisecond)
	m, _ = m.Update(cmd1()) // stale tick
	if got := ansi.Strip(m.View(40)); got != "✗ second" {
		t.Fatalf("after stale tick: %q", got)
	}
	m, _ = m.Update(ClearMsg{ID: 2})
	if m.Text() != "" {
		t.Fatalf("notice not cleared: %q", m.Text())
	}
}

func TestErrorsAndProgress(t *testing.T) {
	m := New(theme.New(theme.DefaultPalette(), true, true))
	m.SetProgress("loading 1/3 files")
	m.SetErrors([]string{"bad.sarif:1:2: unexpected EOF", "x.sarif: not SARIF"})
	got := ansi.Strip(m.View(200))
	want := "⟳ loading 1/3 files  ✗ 2 bad input: bad.sarif:1:2: unexpected EOF (+1 more, ! lists them)"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if w := ansi.StringWidth(m.View(20)); w > 20 {
		t.Fatalf("width %d > 20", w)
	}
}

func TestView(t *testing.T) {
	st := theme.New(theme.DefaultPalette(), true, false)
	for _, c := range []struct {
		name  string
		setup func(*Model)
	}{
		{"info", func(m *Model) { m.Flash(Info, "copied app/views.py:30", 0) }},
		{"warn", func(m *Model) { m.Flash(Warn, "nothing to undo", 0) }},
		{"error-with-progress", func(m *Model) {
			m.SetProgress("loading… 3 file(s), 1200 findings")
			m.Flash(Error, "ledger: permission denied", 0)
		}},
		{"bad-inputs", func(m *Model) { m.SetErrors([]string{"scans/x.sarif:3:7: invalid JSON", "scans/y.sarif: not SARIF"}) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := New(st)
			c.setup(&m)
			golden.RequireEqual(t, m.View(80))
		})
	}
}
