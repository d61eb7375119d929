package triagescreen

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/tui/internal/cells"
	"github.com/secui/secui/tui/safe"
	"github.com/secui/secui/tui/theme"
)

// View renders the console.
func (m Model) view() tea.View {
	v := tea.NewView(m.cachedRender())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "secui — " + safe.Line(m.repoName())
	v.Cursor = m.cursor()
	return v
}

// cursor is the terminal cursor: the query bar's while it has the focus.
func (m Model) cursor() *tea.Cursor {
	if m.focus == focusFilter && !m.layout.TooSmall {
		if c := m.bar.Cursor(); c != nil {
			c.Position.X += m.layout.Filter.X
			c.Position.Y += m.layout.Filter.Y
			return c
		}
	}
	return nil
}

func (m Model) render() string {
	if m.width == 0 {
		return "secui: starting…"
	}
	l := m.layout
	if l.TooSmall {
		return ansi.Truncate("secui needs at least 40×8 cells", m.width, "…")
	}
	var b strings.Builder
	b.Grow(m.width * m.height * 3)
	b.WriteString(fit(m.headerView(), m.width))
	if l.Ribbon.H > 0 {
		b.WriteByte('\n')
		b.WriteString(fit(ribbonView(m.st, m.ribbon, m.stage, m.width, m.ribbonLegend()), m.width))
	}
	b.WriteByte('\n')
	for i, line := range strings.Split(m.bar.View(), "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(fit(line, m.width))
	}
	b.WriteByte('\n')
	b.WriteString(m.bodyView())
	return b.String()
}

func (m Model) bodyView() string {
	l := m.layout
	if m.formOpen {
		return lipgloss.Place(l.Body.W, l.Body.H, lipgloss.Center, lipgloss.Center, m.form.View())
	}
	switch l.Mode {
	case SideBySide:
		left := strings.Split(m.table.View(), "\n")
		right := strings.Split(m.det.View(), "\n")
		sep := m.st.Border.Render("│")
		var b strings.Builder
		b.Grow(len(left)*(len(left[0])+len(sep)+1) + len(right)*len(right[0]) + l.Body.H*(l.Detail.W+2))
		for i := 0; i < l.Body.H; i++ {
			if i > 0 {
				b.WriteByte('\n')
			}
			if i < len(left) { // table lines are exactly their width
				b.WriteString(left[i])
			} else {
				b.WriteString(strings.Repeat(" ", l.Table.W))
			}
			b.WriteString(sep)
			b.WriteString(lineAt(right, i, l.Detail.W))
		}
		return b.String()
	case Stacked:
		return joinLines(m.table.View(), l.Table.W, l.Table.H) + "\n" + joinLines(m.det.View(), l.Detail.W, l.Detail.H)
	default:
		if m.showDetail {
			return joinLines(m.det.View(), l.Body.W, l.Body.H)
		}
		return joinLines(m.table.View(), l.Body.W, l.Body.H)
	}
}

// The layout's cell helpers (tui/internal/cells).
var (
	fit       = cells.Fit
	lineAt    = cells.LineAt
	joinLines = cells.Block
)

func (m Model) headerView() string {
	st := m.st
	parts := []string{st.Title.Render("secui"), st.Bold.Render(safe.Line(m.repoName()))}
	if r := m.opts.Repo; r != nil {
		if r.Branch != "" {
			parts = append(parts, st.HeaderKey.Render("⎇ ")+safe.Line(r.Branch))
		} else {
			parts = append(parts, st.HeaderKey.Render("⎇ ")+"(detached)")
		}
		if r.Short != "" {
			parts = append(parts, st.HeaderKey.Render("@")+r.Short)
		}
	}
	src := strconv.Itoa(len(m.files)) + " scan file(s)"
	if len(m.files) > 0 {
		names := make([]string, 0, len(m.files))
		for _, f := range m.files {
			names = append(names, safe.Line(f))
		}
		src += ": " + strings.Join(names, ", ")
	}
	parts = append(parts, st.HeaderKey.Render("sources ")+src)
	return strings.Join(parts, "  ")
}

// ribbon stage labels: full and short forms.
var ribbonShort = [...]string{"plan", "code", "bld", "test", "rel", "dep", "ops", "mon"}

// ribbonView renders the stage ribbon: the open findings per stage (what
// `secui summary` counts as open), the count coloured by and suffixed with the worst
// severity in it; the selected stage is underlined. A legend follows when
// it fits.
func ribbonView(st *theme.Styles, counts [8][5]int, active, width int, legend string) string {
	for _, short := range []bool{false, true} {
		s, _ := ribbonSegments(st, counts, active, short)
		if sw := ansi.StringWidth(s); sw <= width {
			if legend != "" && sw+3+ansi.StringWidth(legend) <= width {
				s += st.Muted.Render("   " + legend)
			}
			return s
		}
	}
	s, _ := ribbonSegments(st, counts, active, true)
	return ansi.Truncate(s, width, "…")
}

// ribbonSegments renders the ribbon and returns the x range of each stage.
func ribbonSegments(st *theme.Styles, counts [8][5]int, active int, short bool) (string, [8][2]int) {
	var b strings.Builder
	var spans [8][2]int
	x := 0
	for i, stg := range findings.Stages {
		if i > 0 {
			arrow := " ▸ "
			if short {
				arrow = " "
			}
			b.WriteString(st.RibbonArrow.Render(arrow))
			x += ansi.StringWidth(arrow)
		}
		name := stg.String()
		if short {
			name = ribbonShort[i]
		}
		total, worst := 0, -1
		for sv := len(counts[i]) - 1; sv >= 0; sv-- {
			if counts[i][sv] > 0 && worst < 0 {
				worst = sv
			}
			total += counts[i][sv]
		}
		label := strconv.Itoa(i+1) + " " + name
		nameSt := st.RibbonStage
		if i == active {
			nameSt = st.RibbonActive
		}
		num := strconv.Itoa(total)
		var numR string
		if worst >= 0 {
			numR = st.Sev[worst].Render(num + findings.Severity(worst).Letter())
			num += findings.Severity(worst).Letter()
		} else {
			numR = st.RibbonZero.Render(num)
		}
		seg := label + " " + num
		spans[i] = [2]int{x, x + ansi.StringWidth(seg)}
		x += ansi.StringWidth(seg)
		b.WriteString(nameSt.Render(label))
		b.WriteString(" ")
		b.WriteString(numR)
	}
	return b.String(), spans
}

// ribbonHit maps a click at column x to a stage.
func ribbonHit(st *theme.Styles, counts [8][5]int, active, width, x int) (int, bool) {
	short := false
	if s, _ := ribbonSegments(st, counts, active, false); ansi.StringWidth(s) > width {
		short = true
	}
	_, spans := ribbonSegments(st, counts, active, short)
	for i, sp := range spans {
		if x >= sp[0] && x < sp[1] {
			return i, true
		}
	}
	return 0, false
}

// shortHelp is the footer's bindings for what has the focus.
func (m Model) shortHelp() []key.Binding {
	b := func(k, desc string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc)) }
	switch {
	case m.formOpen:
		return []key.Binding{b("tab", "next field"), b("←/→ or 1-5", "reason"), b("ctrl+s", "save"), b("esc", "cancel")}
	case m.focus == focusFilter:
		return []key.Binding{
			b("enter", "apply"), b("esc", "close"),
			key.NewBinding(key.WithKeys("x"), key.WithHelp("sev:high+ stage:code tool:x path:a/** -rule:y", "")),
		}
	case m.focus == focusDetail:
		return []key.Binding{m.km.Up, m.km.Down, m.km.NextStep, m.km.PrevStep, m.km.Open, m.km.CopyLoc, m.km.Back, m.km.Help, m.km.Quit}
	default:
		return m.km.ShortHelp()
	}
}

// HelpNote is the query grammar, shown under the keys in the help overlay.
func (m *Model) HelpNote() string {
	return "query: text \"phrase\" sev:high+ stage:code,build tool:gosec rule:G1* path:src/** cwe:79 state:open cat:secrets -term"
}
