package filterbar

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/tui/internal/golden"
	"github.com/secui/secui/tui/theme"
)

func typeText(m Model, s string) (Model, []tea.Cmd) {
	var cmds []tea.Cmd
	for _, r := range s {
		var cmd tea.Cmd
		m, cmd = m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		cmds = append(cmds, cmd)
	}
	return m, cmds
}

func TestDebounce(t *testing.T) {
	m := New(theme.New(theme.DefaultPalette(), true, true), "")
	m.SetWidth(80)
	m.Focus()
	m, _ = typeText(m, "sev:hi")
	// ticks of earlier keystrokes are stale; only the last one applies
	m, cmd := m.Update(tickMsg{tag: 1})
	if cmd != nil {
		t.Fatal("stale debounce tick applied the query")
	}
	m, cmd = m.Update(tickMsg{tag: m.tag})
	if cmd == nil {
		t.Fatal("settled text not applied")
	}
	if msg, ok := cmd().(ChangedMsg); !ok || msg.Text != "sev:hi" {
		t.Fatalf("msg = %#v", cmd())
	}
	// the same text again is not re-applied
	if _, cmd = m.Update(tickMsg{tag: m.tag}); cmd != nil {
		t.Fatal("unchanged text re-applied")
	}
	// enter flushes at once
	m, _ = typeText(m, "gh")
	cmd = m.Flush()
	if msg := cmd().(ChangedMsg); msg.Text != "sev:high" {
		t.Fatalf("flush = %q", msg.Text)
	}
	if _, cmd = m.Update(tickMsg{tag: m.tag - 1}); cmd != nil {
		t.Fatal("tick after flush applied again")
	}
}

func TestKeysIgnoredWhenBlurred(t *testing.T) {
	m := New(theme.New(theme.DefaultPalette(), true, true), "")
	m, _ = typeText(m, "abc")
	if m.Value() != "" {
		t.Fatalf("blurred bar took keys: %q", m.Value())
	}
}

func TestView(t *testing.T) {
	st := theme.New(theme.DefaultPalette(), true, false)
	t.Run("idle", func(t *testing.T) {
		m := New(st, "")
		m.SetWidth(80)
		m.SetCounts(1234, 100000, false)
		golden.RequireEqual(t, m.View())
	})
	t.Run("error", func(t *testing.T) {
		m := New(st, "sevv:high")
		m.SetWidth(80)
		m.SetFacets("sev≥high stage:code")
		m.SetCounts(0, 50, true)
		m.SetError(`col 1: unknown field "sevv"`)
		if m.Height() != 2 {
			t.Fatal("error line not counted")
		}
		golden.RequireEqual(t, m.View())
	})
}

// A typed query never reaches the counts: the bar's line is exactly its
// width and ends with the count, and no ellipsis (which reads as a filter
// still running) appears when the filter is done.
func TestQueryFitsBesideCounts(t *testing.T) {
	st := theme.New(theme.DefaultPalette(), true, true)
	for _, facets := range []string{"", "sev high+ · stage code"} {
		m := New(st, "sev:critical")
		m.SetWidth(120)
		m.SetFacets(facets)
		m.SetCounts(128, 1000, false)
		m.Focus()
		line := ansi.Strip(m.View())
		if ansi.StringWidth(line) != 120 || strings.Contains(line, "…") || !strings.HasSuffix(line, "128 of 1000") {
			t.Fatalf("facets %q: %q (%d cells)", facets, line, ansi.StringWidth(line))
		}
		m.Blur()
		if line := ansi.Strip(m.View()); strings.Contains(line, "…") {
			t.Fatalf("blurred: %q", line)
		}
	}
}
