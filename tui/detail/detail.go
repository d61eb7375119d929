// Package detail is the detail pane: everything about the selected finding in a
// scrolling viewport. Content is rendered once per change of its Data (SetData),
// never per frame; the data itself (details, code, rule help) is loaded by the
// root model in Cmds.
package detail

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/tui/keys"
	"github.com/secui/secui/tui/theme"
)

// Model is the detail pane.
type Model struct {
	st      *theme.Styles
	km      keys.KeyMap
	vp      viewport.Model
	data    Data
	anchors Anchors
	width   int
	height  int
	focused bool
	gen     uint64    // bumped whenever the content is rendered
	memo    *viewMemo // the last View, shared by the copies of the model
}

// viewMemo is the last View and what it was made from: a frame in which the
// pane did not change (the query bar typed into, a notice) re-uses it.
type viewMemo struct {
	key viewKey
	s   string
}

type viewKey struct {
	gen           uint64
	y             int
	focused       bool
	width, height int
}

// New returns an empty detail pane.
func New(st *theme.Styles, km keys.KeyMap) Model {
	vp := viewport.New()
	vp.KeyMap = viewport.KeyMap{} // keys are handled here, from the console key map
	vp.MouseWheelEnabled = true
	return Model{st: st, km: km, vp: vp, memo: &viewMemo{}}
}

// SetStyles replaces the styles and re-renders.
func (m *Model) SetStyles(st *theme.Styles) { m.st = st; m.render(false) }

// SetKeyMap replaces the key map.
func (m *Model) SetKeyMap(km keys.KeyMap) { m.km = km }

// SetSize sets the pane's outer size (title line included) and re-renders.
func (m *Model) SetSize(w, h int) {
	if w == m.width && h == m.height {
		return
	}
	m.width, m.height = w, h
	m.vp.SetWidth(w)
	m.vp.SetHeight(max(0, h-1))
	m.render(false)
}

// Width is the pane width.
func (m Model) Width() int { return m.width }

// Focus gives the pane keyboard focus.
func (m *Model) Focus() { m.focused = true }

// Blur removes focus.
func (m *Model) Blur() { m.focused = false }

// Data returns the shown data.
func (m Model) Data() Data { return m.data }

// SetData replaces the data and re-renders. When the finding changes the view
// scrolls to the top.
func (m *Model) SetData(d Data) {
	newFinding := d.F != m.data.F
	m.data = d
	m.render(newFinding)
}

func (m *Model) render(top bool) {
	if m.width <= 0 {
		return
	}
	content, an := Render(m.data, m.width, m.st)
	m.gen++
	m.anchors = an
	m.vp.SetContent(content)
	if top {
		m.vp.GotoTop()
	}
}

// ScrollToStep scrolls so the current flow step is in view.
func (m *Model) ScrollToStep() {
	if m.anchors.Flow >= 0 {
		m.vp.SetYOffset(max(0, m.anchors.Flow-2))
	}
}

// YOffset is the scroll position.
func (m Model) YOffset() int { return m.vp.YOffset() }

// StepBy moves the current flow step by delta across all flows and reports
// whether it moved. The caller loads the step's code.
func (m *Model) StepBy(delta int) bool {
	d := m.data
	if d.Details == nil || len(d.Details.Flows) == 0 {
		return false
	}
	type pos struct{ f, s int }
	var all []pos
	cur := -1
	for fi, fl := range d.Details.Flows {
		for si := range fl.Steps {
			if fi == d.Flow && si == d.Step {
				cur = len(all)
			}
			all = append(all, pos{fi, si})
		}
	}
	if len(all) == 0 {
		return false
	}
	next := cur + delta
	if cur < 0 {
		next = 0
		if delta < 0 {
			next = len(all) - 1
		}
	}
	if next < 0 || next >= len(all) {
		return false
	}
	d.Flow, d.Step = all[next].f, all[next].s
	d.StepCode = nil
	m.data = d
	m.render(false)
	m.ScrollToStep()
	return true
}

// Update scrolls on navigation keys and the mouse wheel.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.km.Up):
			m.vp.ScrollUp(1)
		case key.Matches(msg, m.km.Down):
			m.vp.ScrollDown(1)
		case key.Matches(msg, m.km.PageUp):
			m.vp.PageUp()
		case key.Matches(msg, m.km.PageDown):
			m.vp.PageDown()
		case key.Matches(msg, m.km.Top):
			m.vp.GotoTop()
		case key.Matches(msg, m.km.Bottom):
			m.vp.GotoBottom()
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			m.vp.ScrollUp(3)
		case tea.MouseWheelDown:
			m.vp.ScrollDown(3)
		}
	}
	return m, nil
}

// View renders the title line and the visible part of the content.
func (m Model) View() string {
	k := viewKey{gen: m.gen, y: m.vp.YOffset(), focused: m.focused, width: m.width, height: m.height}
	if m.memo != nil && m.gen > 0 && m.memo.key == k {
		return m.memo.s
	}
	s := m.view()
	if m.memo != nil {
		m.memo.key, m.memo.s = k, s
	}
	return s
}

func (m Model) view() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	title := " Details"
	if m.data.F != nil {
		title += " · " + m.data.F.ID
	}
	if d := m.data.Details; d != nil && len(d.Flows) > 0 {
		if m.data.Step >= 0 {
			title += fmt.Sprintf(" · flow step %d/%d (n/p)", m.data.Step+1, len(d.Flows[m.data.Flow].Steps))
		} else {
			title += fmt.Sprintf(" · code flow: %d steps (n)", countSteps(d.Flows))
		}
	}
	pct := ""
	if m.vp.TotalLineCount() > m.vp.Height() {
		pct = fmt.Sprintf(" %3.0f%% ", m.vp.ScrollPercent()*100)
	}
	st := m.st.BlurTitle
	if m.focused {
		st = m.st.FocusTitle
	}
	tw := m.width - ansi.StringWidth(pct)
	head := st.Render(padRight(ansi.Truncate(title, max(0, tw), "…"), max(0, tw))) + m.st.Muted.Render(pct)
	if m.height == 1 {
		return head
	}
	body := m.vp.View()
	return head + "\n" + body
}

func padRight(s string, w int) string {
	if sw := ansi.StringWidth(s); sw < w {
		return s + spaces(w-sw)
	}
	return s
}

func spaces(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = ' '
	}
	return string(b)
}
