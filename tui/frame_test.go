package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/tui/internal/fixture"
)

// cursorLine is the screen line with the table cursor.
func cursorLine(t *testing.T, m *Model) string {
	t.Helper()
	for _, l := range strings.Split(text(m), "\n") {
		if strings.HasPrefix(l, "▌") {
			return l
		}
	}
	t.Fatalf("no cursor row:\n%s", text(m))
	return ""
}

// The shell re-uses its last frame only while nothing it shows changed: a
// key press gathered for the next frame renders nothing, and everything
// else (the moves when their frame comes, a notice in the status line)
// shows at once.
func TestFrameReusedOnlyWhenUnchanged(t *testing.T) {
	fs := fixture.Findings(60)
	m := shellOver(t, fs, nil, 200, 50)
	row0 := cursorLine(t, m)

	_, tick := m.Update(key1("j")) // the first move of a burst shows at once
	row1 := cursorLine(t, m)
	if row1 == row0 {
		t.Fatal("the first j did not move the cursor on screen")
	}
	r := m.triage.Renders()
	v := m.View()
	sr := m.frame.renders
	for range 5 { // gathered for the frame tick: the frame shown is re-used
		m.Update(key1("j"))
		if got := m.View(); got.Content != v.Content {
			t.Fatal("a gathered move changed the frame before its tick")
		}
	}
	if got := m.triage.Renders(); got != r {
		t.Fatalf("%d renders for moves gathered into one frame", got-r)
	}
	if got := m.frame.renders; got != sr {
		t.Fatalf("the shell rendered %d frames for moves gathered into one", got-sr)
	}
	drive(t, m, tick) // the frame tick applies the five moves
	if m.triage.TableCursor() != 6 {
		t.Fatalf("cursor %d after 6 j, want 6", m.triage.TableCursor())
	}
	row6 := cursorLine(t, m)
	if row6 == row1 {
		t.Fatal("the frame tick did not show the gathered moves")
	}
	if f := m.triage.Selected(); f == nil || !strings.Contains(row6, f.Loc.Path) {
		t.Fatalf("cursor row %q is not the selected finding", row6)
	}

	// a notice from the shell itself (no input errors) shows though the
	// screen below did not change
	m.press(t, "!")
	if !strings.Contains(text(m), "every input loaded without errors") {
		t.Fatalf("status notice missing:\n%s", text(m))
	}
	// and so does a resize
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	if lines := strings.Split(m.View().Content, "\n"); len(lines) != 30 || ansi.StringWidth(lines[0]) != 120 {
		t.Fatalf("resize not shown: %d lines, first %d wide", len(lines), ansi.StringWidth(lines[0]))
	}
}

// A burst of 200 presses, each followed by View as Bubble Tea does, renders
// the console a handful of times, not 200.
func TestBurstRendersFewFrames(t *testing.T) {
	m := shellOver(t, fixture.Findings(1000), nil, 160, 40)
	r0, s0 := m.triage.Renders(), m.frame.renders
	var tick tea.Cmd
	for i := range 200 {
		_, cmd := m.Update(key1("j"))
		if i == 0 {
			tick = cmd // the frame tick the first move armed
		}
		_ = m.View()
	}
	drive(t, m, tick)
	_ = m.View()
	if m.triage.TableCursor() != 200 {
		t.Fatalf("cursor %d after 200 j", m.triage.TableCursor())
	}
	r, s := m.triage.Renders()-r0, m.frame.renders-s0
	t.Logf("renders: screen %d, shell %d", r, s)
	if r > 4 || s > 4 {
		t.Fatalf("200 presses rendered the screen %d times and the shell %d times", r, s)
	}
}
