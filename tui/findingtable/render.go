package findingtable

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/tui/safe"
	"github.com/secui/secui/tui/theme"
)

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
		lines := strings.Split(ansi.Wrap(m.empty, max(10, m.width-1), " /"), "\n")
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
	rc := m.rowCache()
	for i := m.offset; i < end; i++ {
		b.WriteByte('\n')
		r := m.rows[i]
		switch {
		case r < 0:
			b.WriteString(m.groupLine(&m.groups[-r-1], i == m.cursor))
		case i == m.cursor || rc == nil:
			b.WriteString(m.rowLine(m.fs[r], i == m.cursor))
		default:
			b.WriteString(rc.line(m, m.fs[r]))
		}
	}
	for i := end - m.offset; i < h; i++ {
		b.WriteByte('\n')
		b.WriteString(strings.Repeat(" ", m.width))
	}
	return b.String()
}

// rowCache keeps the rendered rows other than the cursor's, so a frame
// renders only the rows that were not on screen in the last one (scrolling
// by one row renders one row and the two cursor rows). An entry depends on
// the finding, its mark and the model's rowGen (widths, styles, triage
// states); rows of findings no longer on screen are dropped now and then.
type rowCache struct {
	gen  uint64
	rows map[rowKey]string
}

type rowKey struct {
	f      *findings.Finding
	marked bool
}

// rowCacheMax bounds the cache (a few screens of rows).
const rowCacheMax = 1024

func (m Model) rowCache() *rowCache {
	rc := m.rows0
	if rc == nil {
		return nil
	}
	if rc.gen != m.rowGen || rc.rows == nil || len(rc.rows) > rowCacheMax {
		rc.gen = m.rowGen
		rc.rows = make(map[rowKey]string, 2*m.bodyHeight())
	}
	return rc
}

func (rc *rowCache) line(m Model, f *findings.Finding) string {
	_, marked := m.marked[f]
	k := rowKey{f, marked}
	if s, ok := rc.rows[k]; ok {
		return s
	}
	s := m.rowLine(f, false)
	rc.rows[k] = s
	return s
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
			st, label := m.state(f, w)
			switch {
			case m.loadingSt:
				b.WriteString(m.st.Muted.Render(cell(label, w)))
			case label == reviewLabel(w):
				b.WriteString(m.st.StatusWarn.Render(cell(label, w)))
			case st == findings.StateOpen && !f.InputSup.Hidden():
				b.WriteString(cell(label, w))
			default:
				b.WriteString(m.st.State[st&3].Render(cell(label, w)))
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
	case ColRule: // a KICS UUID reads as its query name; a CVE id keeps its numbers
		return cell(findings.CompactID(safe.Line(f.RuleLabel()), w), w)
	case ColLoc: // an image, package or URL as such; no 1:1 placeholder line
		return cellLeft(safe.Line(f.Place()), w)
	case ColMsg: // without scanner boilerplate (Trivy's "Artifact: … Type: …")
		return cell(safe.Line(f.Headline()), w)
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
			st, label := m.state(f, w)
			style := m.st.State[st&3]
			if label == reviewLabel(w) {
				style = m.st.StatusWarn
			}
			b.WriteString(style.Inherit(rowSt).Render(cell(label, w)))
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

// state is f's triage state and its label in a column w wide.
func (m Model) state(f *findings.Finding, w int) (findings.State, string) {
	if m.loadingSt {
		return findings.StateOpen, loadingLabel(w)
	}
	if m.tri == nil {
		return findings.StateOpen, stateLabel(findings.StateOpen, false, false, f, w)
	}
	st := m.tri.State(f)
	return st, stateLabel(st, m.tri.Expired(f), m.tri.NeedsReview(f) != "", f, w)
}

func loadingLabel(w int) string {
	if w < 8 {
		return "load…"
	}
	return "loading…"
}

func reviewLabel(w int) string {
	if w < 7 {
		return "rev?"
	}
	return "review"
}

func stateLabel(st findings.State, expired, review bool, f *findings.Finding, w int) string {
	if review { // a decision may belong here but was not placed with confidence
		return reviewLabel(w)
	}
	if expired { // its suppression expired: open again, flagged
		if w < 7 {
			return "exp!"
		}
		return "expired"
	}
	if st == findings.StateOpen && f.InputSup.Hidden() {
		if w < 10 {
			return "sarif"
		}
		return "sarif:" + f.InputSup.String()
	}
	if w < 10 && int(st) < len(stateShort) {
		return stateShort[st]
	}
	return st.String()
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
