// Package findingtable is the virtualized findings table: it holds an index
// slice into the findings (never copies them) and renders only the visible
// rows, so a key press costs the same with 100 or 100,000 findings.
package findingtable

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/tui/keys"
	"github.com/secui/secui/tui/safe"
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
	empty     string
	fill      string // padding after the last column
	sevCells  [5]string
}

// New returns an empty table.
func New(st *theme.Styles, km keys.KeyMap) Model {
	return Model{st: st, km: km, collapsed: map[string]bool{}, marked: map[*findings.Finding]struct{}{}, focused: true}
}

// SetStyles replaces the styles.
func (m *Model) SetStyles(st *theme.Styles) { m.st = st; m.prerender() }

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

// View renders the header line and the visible rows; its cost depends on the
// window size only.
func (m Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(m.width * m.height * 2)
	b.WriteString(m.headerLine())
	h := m.bodyHeight()
	if len(m.rows) == 0 {
		lines := strings.Split(m.empty, "\n")
		for i := 0; i < h; i++ {
			b.WriteByte('\n')
			if i < len(lines) {
				b.WriteString(m.st.Muted.Render(pad(ansi.Truncate(lines[i], m.width, "…"), m.width)))
			} else {
				b.WriteString(strings.Repeat(" ", m.width))
			}
		}
		return b.String()
	}
	end := min(len(m.rows), m.offset+h)
	for i := m.offset; i < end; i++ {
		b.WriteByte('\n')
		r := m.rows[i]
		if r < 0 {
			b.WriteString(m.groupLine(&m.groups[-r-1], i == m.cursor))
		} else {
			b.WriteString(m.rowLine(m.fs[r], i == m.cursor))
		}
	}
	for i := end - m.offset; i < h; i++ {
		b.WriteByte('\n')
		b.WriteString(strings.Repeat(" ", m.width))
	}
	return b.String()
}

func (m Model) headerLine() string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", GutterWidth))
	first := true
	for c := 0; c < numCols; c++ {
		if m.cols[c] == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(cell(Titles[c], m.cols[c]))
	}
	return m.st.TableHeader.Render(pad(ansi.Truncate(b.String(), m.width, ""), m.width))
}

func (m Model) rowLine(f *findings.Finding, cur bool) string {
	var b strings.Builder
	if cur {
		b.WriteString("▌")
	} else {
		b.WriteByte(' ')
	}
	if _, ok := m.marked[f]; ok {
		b.WriteString(m.st.Mark.Render("●"))
	} else {
		b.WriteByte(' ')
	}
	rowSt := m.st.Row
	if cur {
		rowSt = m.st.RowSel
		if !m.focused {
			rowSt = m.st.RowSelBlur
		}
	}
	sev := f.Severity
	if int(sev) >= len(theme.SevGlyph) {
		sev = findings.SevInfo
	}
	if cur {
		return b.String() + m.cursorCells(f, sev, rowSt)
	}
	// Non-cursor rows: plain cells, only severity and state styled.
	first := true
	for c := 0; c < numCols; c++ {
		w := m.cols[c]
		if w == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		switch c {
		case ColSev:
			b.WriteString(m.sevCells[sev])
		case ColState:
			if f.State == findings.StateOpen && !f.InputSup.Hidden() {
				b.WriteString(cell(stateLabel(f, w), w))
			} else {
				b.WriteString(m.st.State[f.State&3].Render(cell(stateLabel(f, w), w)))
			}
		default:
			b.WriteString(m.cellText(f, c, w))
		}
	}
	b.WriteString(m.fill)
	return b.String()
}

func (m Model) cellText(f *findings.Finding, c, w int) string {
	switch c {
	case ColStage:
		return cell(stageLabel(f.Stage, w), w)
	case ColTool:
		return cell(safe.Line(f.ToolName()), w)
	case ColRule:
		return cell(safe.Line(f.RuleID()), w)
	case ColLoc:
		return cellLeft(safe.Line(locString(f.Loc)), w)
	case ColMsg:
		return cell(safe.Line(f.Message), w)
	}
	return ""
}

// cursorCells renders the cells of the cursor row with the selection style.
func (m Model) cursorCells(f *findings.Finding, sev findings.Severity, rowSt lipgloss.Style) string {
	// Each segment carries the row style: an inner reset would otherwise end
	// the selection background half-way through the row.
	var b strings.Builder
	first := true
	for c := 0; c < numCols; c++ {
		w := m.cols[c]
		if w == 0 {
			continue
		}
		if !first {
			b.WriteString(rowSt.Render(" "))
		}
		first = false
		switch c {
		case ColSev:
			b.WriteString(m.st.Sev[sev].Inherit(rowSt).Render(cell(theme.SevGlyph[sev]+" "+sev.Letter(), w)))
		case ColState:
			b.WriteString(m.st.State[f.State&3].Inherit(rowSt).Render(cell(stateLabel(f, w), w)))
		default:
			b.WriteString(rowSt.Render(m.cellText(f, c, w)))
		}
	}
	if m.fill != "" {
		b.WriteString(rowSt.Render(m.fill))
	}
	return b.String()
}

var (
	stageShort = [...]string{"plan", "code", "build", "test", "rel", "dep", "ops", "mon"}
	stateShort = [...]string{"open", "acc", "sup", "fix"}
)

func stageLabel(s findings.Stage, w int) string {
	if w < 7 && int(s) < len(stageShort) {
		return stageShort[s]
	}
	return s.String()
}

func stateLabel(f *findings.Finding, w int) string {
	if f.State == findings.StateOpen && f.InputSup.Hidden() {
		if w < 10 {
			return "sarif"
		}
		return "sarif:" + f.InputSup.String()
	}
	if w < 10 && int(f.State) < len(stateShort) {
		return stateShort[f.State]
	}
	return f.State.String()
}

func locString(l findings.Location) string {
	if l.Line > 0 {
		return l.Path + ":" + strconv.Itoa(l.Line)
	}
	return l.Path
}

func (m Model) groupLine(g *Group, cur bool) string {
	arrow := "▾ "
	if m.collapsed[g.Key] {
		arrow = "▸ "
	}
	var b strings.Builder
	if cur {
		b.WriteString("▌ ")
	} else {
		b.WriteString("  ")
	}
	b.WriteString(arrow)
	b.WriteString(safe.Line(g.Label))
	b.WriteString(" (")
	b.WriteString(strconv.Itoa(len(g.Idx)))
	b.WriteString(")")
	text := b.String()
	var counts strings.Builder
	for _, s := range findings.Severities {
		if n := g.Counts[s]; n > 0 {
			counts.WriteString("  ")
			counts.WriteString(m.st.Sev[s].Render(sev3(s) + " " + strconv.Itoa(n)))
		}
	}
	st := m.st.Group
	if cur {
		st = st.Inherit(m.st.RowSel)
	}
	line := st.Render(text) + counts.String()
	lw := ansi.StringWidth(line)
	if lw > m.width {
		return ansi.Truncate(line, m.width, "…")
	}
	return line + strings.Repeat(" ", m.width-lw)
}

func sev3(s findings.Severity) string { return theme.SevGlyph[s] + s.Letter() }

// Width is the display width of s, with a fast path for plain ASCII.
func Width(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == 0x1b {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == 0x1b {
			return false
		}
	}
	return true
}

const blanks = "                                                                                                                                "

func spaces(n int) string {
	if n <= len(blanks) {
		return blanks[:n]
	}
	return strings.Repeat(" ", n)
}

// cell truncates s to w cells (with an ellipsis) and pads it to exactly w.
func cell(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if isASCII(s) {
		if len(s) > w {
			return s[:w-1] + "…"
		}
		return s + spaces(w-len(s))
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + spaces(w-sw)
}

// cellLeft is cell truncating on the left, so the end of a path (file name and
// line) stays visible.
func cellLeft(s string, w int) string {
	if isASCII(s) {
		if len(s) <= w {
			return s + spaces(w-len(s))
		}
		if w <= 1 {
			return s[:w]
		}
		return "…" + s[len(s)-(w-1):]
	}
	sw := ansi.StringWidth(s)
	if sw <= w {
		return s + strings.Repeat(" ", w-sw)
	}
	if w <= 1 {
		return ansi.Truncate(s, w, "")
	}
	return "…" + ansi.TruncateLeft(s, sw-w+1, "")
}

func pad(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw >= w {
		return s
	}
	return s + strings.Repeat(" ", w-sw)
}
