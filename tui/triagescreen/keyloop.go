package triagescreen

// Keys at frame rate (issue 12 item 4): a held cursor key never queues.
// The first move of a burst is applied at once; moves that arrive within the
// next frame are added up and applied together on the frame tick, and the
// key presses in between re-use the frame already rendered (nothing on
// screen changed), so 200 presses cost a few renders, not 200.

import (
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// frame is how long cursor moves are gathered before they are shown.
const frame = 16 * time.Millisecond

// viewCache is the last rendered frame, shared by the copies of the model.
type viewCache struct {
	seq     uint64
	s       string
	ok      bool
	renders atomic.Uint64 // frames rendered (Renders)
}

// frameTickMsg applies the cursor moves gathered during a frame.
type frameTickMsg struct{}

func frameTick() tea.Cmd {
	return tea.Tick(frame, func(time.Time) tea.Msg { return frameTickMsg{} })
}

// moveOf is the number of rows a coalescable key moves the table cursor
// (0: the key is not one).
func (m *Model) moveOf(msg tea.Msg) int {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || m.focus != focusTable || m.formOpen {
		return 0
	}
	switch {
	case key.Matches(k, m.km.Down):
		return 1
	case key.Matches(k, m.km.Up):
		return -1
	}
	return 0
}

// update routes a message (route), gathering cursor moves between frames.
func (m Model) update(msg tea.Msg) (Model, tea.Cmd) {
	pre, done := m.coalesce(msg)
	if done {
		return m, pre
	}
	next, cmd := m.route(msg)
	if arm := next.armMoves(msg); arm != nil {
		return next, tea.Batch(pre, cmd, arm)
	}
	if pre == nil {
		return next, cmd
	}
	return next, tea.Batch(pre, cmd)
}

// coalesce handles msg when it is a cursor move during a burst or the
// frame tick; otherwise it applies pending moves first (so a key that acts
// on the selection acts on the finding the user moved to) and reports
// false. It also marks the model changed for View's cache.
func (m *Model) coalesce(msg tea.Msg) (tea.Cmd, bool) {
	if _, ok := msg.(frameTickMsg); ok {
		m.loop.moveArmed = false
		if m.loop.moveAcc == 0 { // nothing gathered: the frame shown is current
			return nil, true
		}
		m.loop.bump()
		cmd := m.flushMoves()
		m.loop.moveArmed = true
		return tea.Batch(cmd, frameTick()), true
	}
	if m.gather(msg) {
		return nil, true
	}
	if t, ok := msg.(detailTickMsg); ok && t.tag != m.detailTag {
		return nil, true // the selection moved on since: nothing to do or draw
	}
	m.loop.bump()
	// applied before the key below, which may act on the selection
	return m.flushMoves(), false
}

// gather adds msg to the moves of the next frame when it is a cursor move
// during a burst, and reports whether it did.
func (m *Model) gather(msg tea.Msg) bool {
	if !m.loop.moveArmed {
		return false
	}
	d := m.moveOf(msg)
	if d == 0 {
		return false
	}
	m.loop.moveAcc += d
	m.loop.same = true // nothing visible changed: View re-uses the frame
	return true
}

// armMoves is called after a cursor key was handled at once: the next moves
// within a frame are gathered.
func (m *Model) armMoves(msg tea.Msg) tea.Cmd {
	if m.moveOf(msg) == 0 || m.loop.moveArmed {
		return nil
	}
	m.loop.moveArmed = true
	return frameTick()
}

func (m *Model) flushMoves() tea.Cmd {
	n := m.loop.moveAcc
	m.loop.moveAcc = 0
	if n == 0 {
		return nil
	}
	m.table.MoveBy(n)
	m.moved = true
	return m.selectionChanged(false)
}

// ViewVersion implements screen.Versioned: it changes with every message
// except the cursor moves gathered for the next frame (and frame ticks that
// found none), which change nothing on screen.
func (m *Model) ViewVersion() uint64 { return m.loop.seq }

// Renders is how many times the screen was rendered afresh (not re-used),
// for the key-latency benchmark.
func (m *Model) Renders() uint64 {
	if m.loop.view == nil {
		return 0
	}
	return m.loop.view.renders.Load()
}

// bump marks a new model state (View renders it afresh).
func (l *loopState) bump() {
	l.seq++
	l.same = false
}

// cachedRender is render, re-using the last frame when nothing changed.
func (m Model) cachedRender() string {
	c := m.loop.view
	if c == nil {
		return m.render()
	}
	if m.loop.same && c.ok && c.seq == m.loop.seq {
		return c.s
	}
	s := m.render()
	c.renders.Add(1)
	c.seq, c.s, c.ok = m.loop.seq, s, true
	return s
}
