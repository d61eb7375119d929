// Package findingtable is the virtualized findings table: it holds an index
// slice into the findings (never copies them) and renders only the visible
// rows, so a key press costs the same with 100 or 100,000 findings.
package findingtable

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/tui/keys"
	"github.com/secui/secui/tui/theme"
)

// Group is a group of rows under a collapsible header.
type Group struct {
	Key    string
	Label  string
	Idx    []int32
	Counts [5]int // by findings.Severity
}

// Model is the findings table.
type Model struct {
	st        *theme.Styles
	km        keys.KeyMap
	fs        []*findings.Finding
	idx       []int32
	groups    []Group
	collapsed map[string]bool
	rows      []int32 // >= 0: index into fs; < 0: group header -(g+1)
	cursor    int
	offset    int
	width     int
	height    int // including the header line
	cols      Widths
	focused   bool
	marked    map[*findings.Finding]struct{}
	tri       Triage // triage states of the rows (nil: all open)
	loadingSt bool   // the triage states are still loading: the state column says so
	empty     string
	fill      string // padding after the last column
	sevCells  [5]string
	rows0     *rowCache // rendered rows, shared by the copies of the model
	rowGen    uint64    // bumped by everything rendered rows depend on
}

// New returns an empty table.
func New(st *theme.Styles, km keys.KeyMap) Model {
	return Model{st: st, km: km, collapsed: map[string]bool{}, marked: map[*findings.Finding]struct{}{}, focused: true, rows0: &rowCache{}}
}

// SetStyles replaces the styles.
func (m *Model) SetStyles(st *theme.Styles) { m.st = st; m.prerender(); m.rowGen++ }

// prerender renders the cells that depend only on severity, width and styles.
func (m *Model) prerender() {
	for i := range m.sevCells {
		sev := findings.Severity(i)
		m.sevCells[i] = m.st.Sev[sev].Render(cell(theme.SevGlyph[sev]+" "+sev.Letter(), m.cols[ColSev]))
	}
}

// SetKeyMap replaces the key map.
func (m *Model) SetKeyMap(km keys.KeyMap) { m.km = km }

// SetSize sets the table's outer size (the header line included).
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.cols = FitColumns(w)
	used := GutterWidth - 1
	for _, c := range m.cols {
		if c > 0 {
			used += c + 1
		}
	}
	m.fill = strings.Repeat(" ", max(0, w-used))
	m.prerender()
	m.rowGen++
	m.clamp()
}

// Focus gives the table keyboard focus.
func (m *Model) Focus() { m.focused = true }

// Blur removes keyboard focus.
func (m *Model) Blur() { m.focused = false }

// Focused reports whether the table has focus.
func (m Model) Focused() bool { return m.focused }

// SetEmpty sets the text shown when there are no rows.
func (m *Model) SetEmpty(s string) { m.empty = s }

// Triage is what the table needs of the triage states: a findings.Triage
// (ledger.Overlay) that also says when a finding needs review.
type Triage interface {
	findings.Triage
	NeedsReview(*findings.Finding) string
}

// SetTriage sets the triage states the state column shows (nil: every
// finding is open). The value is read-only and shared with the filter.
func (m *Model) SetTriage(t Triage) { m.tri = t; m.rowGen++ }

// SetStatesLoading says whether the triage states are still loading; while
// they are, the state column reads "loading…" instead of a state the table
// does not know yet (a suppressed finding must never show as open).
func (m *Model) SetStatesLoading(loading bool) {
	if loading != m.loadingSt {
		m.loadingSt = loading
		m.rowGen++
	}
}

// StatesLoading reports whether the state column says "loading…".
func (m Model) StatesLoading() bool { return m.loadingSt }

// SetData replaces the rows: idx are indices into fs in display order and
// groups (nil for no grouping) partition idx. The cursor stays on the same
// finding when it is still shown.
func (m *Model) SetData(fs []*findings.Finding, idx []int32, groups []Group) {
	prev := m.Selected()
	var prevGroup string
	if g := m.SelectedGroup(); g != nil {
		prevGroup = g.Key
	}
	m.fs, m.idx, m.groups = fs, idx, groups
	m.rowGen++ // findings may have been replaced (a reload, final rows)
	m.rebuild()
	m.cursor = 0
	switch {
	case prev != nil:
		for i, r := range m.rows {
			if r >= 0 && (fs[r] == prev || fs[r].ID == prev.ID) {
				m.cursor = i
				break
			}
		}
	case prevGroup != "":
		for i, r := range m.rows {
			if r < 0 && m.groups[-r-1].Key == prevGroup {
				m.cursor = i
				break
			}
		}
	}
	// drop marks of findings no longer shown, so a bulk decision never
	// touches something the user cannot see
	if len(m.marked) > 0 {
		keep := make(map[*findings.Finding]struct{}, len(m.marked))
		for _, i := range idx {
			if _, ok := m.marked[fs[i]]; ok {
				keep[fs[i]] = struct{}{}
			}
		}
		m.marked = keep
	}
	m.clamp()
}

func (m *Model) rebuild() {
	if m.groups == nil {
		m.rows = m.idx
		return
	}
	rows := make([]int32, 0, len(m.idx)+len(m.groups))
	for g := range m.groups {
		rows = append(rows, int32(-(g + 1)))
		if !m.collapsed[m.groups[g].Key] {
			rows = append(rows, m.groups[g].Idx...)
		}
	}
	m.rows = rows
}

// Len is the number of findings shown (group headers not counted).
func (m Model) Len() int { return len(m.idx) }

// At is the i-th finding shown, in display order (group headers not
// counted; nil out of range).
func (m Model) At(i int) *findings.Finding {
	if i < 0 || i >= len(m.idx) {
		return nil
	}
	return m.fs[m.idx[i]]
}

// Rows is the number of rows (group headers included, collapsed members not).
func (m Model) Rows() int { return len(m.rows) }

// Cursor is the cursor row.
func (m Model) Cursor() int { return m.cursor }

// Offset is the first visible row.
func (m Model) Offset() int { return m.offset }

// Selected is the finding under the cursor (nil on a group header or when empty).
func (m Model) Selected() *findings.Finding {
	if m.cursor < 0 || m.cursor >= len(m.rows) {
		return nil
	}
	if r := m.rows[m.cursor]; r >= 0 {
		return m.fs[r]
	}
	return nil
}

// SelectedGroup is the group the cursor is in (nil without grouping).
func (m Model) SelectedGroup() *Group {
	if m.groups == nil || len(m.rows) == 0 {
		return nil
	}
	for i := m.cursor; i >= 0; i-- {
		if r := m.rows[i]; r < 0 {
			return &m.groups[-r-1]
		}
	}
	return nil
}

func (m Model) bodyHeight() int { return max(0, m.height-1) }

func (m *Model) clamp() {
	n := len(m.rows)
	if m.cursor >= n {
		m.cursor = n - 1
	}
	if m.cursor < 0 {
		m.cursor = 0
	}
	h := m.bodyHeight()
	if h <= 0 {
		m.offset = m.cursor
		return
	}
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	if m.offset > max(0, n-h) {
		m.offset = max(0, n-h)
	}
	if m.offset < 0 {
		m.offset = 0
	}
}

// MoveBy moves the cursor by n rows.
func (m *Model) MoveBy(n int) { m.cursor += n; m.clamp() }

// GoTop moves to the first row.
func (m *Model) GoTop() { m.cursor = 0; m.clamp() }

// GoBottom moves to the last row.
func (m *Model) GoBottom() { m.cursor = len(m.rows) - 1; m.clamp() }

// SetCursor moves the cursor to row i.
func (m *Model) SetCursor(i int) { m.cursor = i; m.clamp() }

// IndexOf is the row of f (-1 when it is not shown).
func (m Model) IndexOf(f *findings.Finding) int {
	for i, r := range m.rows {
		if r >= 0 && m.fs[r] == f {
			return i
		}
	}
	return -1
}

// Scroll moves the viewport by n rows, dragging the cursor along when it would leave.
func (m *Model) Scroll(n int) {
	h := m.bodyHeight()
	m.offset = max(0, min(m.offset+n, len(m.rows)-h))
	if m.cursor < m.offset {
		m.cursor = m.offset
	}
	if h > 0 && m.cursor >= m.offset+h {
		m.cursor = m.offset + h - 1
	}
	m.clamp()
}

// Click selects the row at y (0 = the header line). It reports whether a row was hit.
func (m *Model) Click(y int) bool {
	if y < 1 || y > m.bodyHeight() {
		return false
	}
	r := m.offset + y - 1
	if r >= len(m.rows) {
		return false
	}
	m.cursor = r
	m.clamp()
	return true
}

// SetCollapsed collapses or expands the group under the cursor.
func (m *Model) SetCollapsed(collapse bool) {
	g := m.SelectedGroup()
	if g == nil {
		return
	}
	if m.collapsed[g.Key] == collapse {
		return
	}
	m.collapsed[g.Key] = collapse
	key := g.Key
	m.rebuild()
	for i, r := range m.rows { // cursor onto the group header
		if r < 0 && m.groups[-r-1].Key == key {
			m.cursor = i
			break
		}
	}
	m.clamp()
}

// IsCollapsed reports whether the group with key is folded.
func (m Model) IsCollapsed(key string) bool { return m.collapsed[key] }

// ToggleMark toggles the bulk-selection mark of the finding under the cursor.
func (m *Model) ToggleMark() {
	if f := m.Selected(); f != nil {
		if _, ok := m.marked[f]; ok {
			delete(m.marked, f)
		} else {
			m.marked[f] = struct{}{}
		}
	}
}

// MarkAll marks every finding of the current group (or of the whole filtered
// view without grouping); when they are all marked already it unmarks them.
func (m *Model) MarkAll() {
	idx := m.idx
	if g := m.SelectedGroup(); g != nil {
		idx = g.Idx
	}
	all := true
	for _, i := range idx {
		if _, ok := m.marked[m.fs[i]]; !ok {
			all = false
			break
		}
	}
	for _, i := range idx {
		if all {
			delete(m.marked, m.fs[i])
		} else {
			m.marked[m.fs[i]] = struct{}{}
		}
	}
}

// ClearMarks unmarks everything.
func (m *Model) ClearMarks() { clear(m.marked) }

// Marked returns the marked findings in display order.
func (m Model) Marked() []*findings.Finding {
	if len(m.marked) == 0 {
		return nil
	}
	out := make([]*findings.Finding, 0, len(m.marked))
	for _, i := range m.idx {
		if _, ok := m.marked[m.fs[i]]; ok {
			out = append(out, m.fs[i])
		}
	}
	return out
}

// NumMarked is the number of marked findings.
func (m Model) NumMarked() int { return len(m.marked) }

// Update handles navigation keys and the mouse wheel.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.km.Up):
			m.MoveBy(-1)
		case key.Matches(msg, m.km.Down):
			m.MoveBy(1)
		case key.Matches(msg, m.km.PageUp):
			m.MoveBy(-max(1, m.bodyHeight()-1))
		case key.Matches(msg, m.km.PageDown):
			m.MoveBy(max(1, m.bodyHeight()-1))
		case key.Matches(msg, m.km.Top):
			m.GoTop()
		case key.Matches(msg, m.km.Bottom):
			m.GoBottom()
		case key.Matches(msg, m.km.Collapse):
			m.SetCollapsed(true)
		case key.Matches(msg, m.km.Expand):
			m.SetCollapsed(false)
		case key.Matches(msg, m.km.Select):
			m.ToggleMark()
			m.MoveBy(1)
		case key.Matches(msg, m.km.SelectAll):
			m.MarkAll()
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			m.Scroll(-3)
		case tea.MouseWheelDown:
			m.Scroll(3)
		}
	}
	return m, nil
}
