// Package filterbar is the query bar: a text input for the query grammar,
// debounced with a tag so typing never waits on filtering, an inline parse
// error, the active quick facets and the "N of M" count (always shown).
package filterbar

import (
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/tui/safe"
	"github.com/secui/secui/tui/theme"
)

// Debounce is how long typing must pause before the query is applied.
const Debounce = 120 * time.Millisecond

// ChangedMsg says the query text settled on Text (after the debounce).
type ChangedMsg struct{ Text string }

type tickMsg struct{ tag int }

// Model is the query bar.
type Model struct {
	st      *theme.Styles
	in      textinput.Model
	tag     int
	applied string // last text reported in a ChangedMsg
	err     string
	facets  string
	shown   int
	total   int
	busy    bool
	width   int
}

// New returns a query bar holding initial.
func New(st *theme.Styles, initial string) Model {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "filter: text sev:high+ stage:code tool:gosec path:src/** -rule:G104"
	in.SetVirtualCursor(false)
	in.SetValue(initial)
	m := Model{st: st, in: in, applied: initial}
	m.SetStyles(st)
	return m
}

// SetStyles replaces the styles.
func (m *Model) SetStyles(st *theme.Styles) {
	m.st = st
	s := textinput.DefaultStyles(st.IsDark)
	s.Focused.Prompt = st.FilterPrompt
	s.Blurred.Prompt = st.Muted
	s.Focused.Placeholder = st.Muted
	s.Blurred.Placeholder = st.Muted
	m.in.SetStyles(s)
}

// SetWidth sets the bar width.
func (m *Model) SetWidth(w int) { m.width = w; m.layoutInput() }

// layoutInput sizes the input to the room left of the counts: its view
// is the prompt, the text and one cell for the cursor. (A wider input was
// cut with an ellipsis that read as a filter still running.)
func (m *Model) layoutInput() {
	m.in.SetWidth(max(4, m.width-ansi.StringWidth(m.rightView())-ansi.StringWidth(m.in.Prompt)-1))
}

// rightView is the right-hand side of the bar: facets and counts.
func (m Model) rightView() string {
	right := " " + m.st.FacetOn.Render(m.facets)
	if m.facets == "" {
		right = ""
	}
	count := strconv.Itoa(m.shown) + " of " + strconv.Itoa(m.total)
	if m.busy {
		count = "… " + count
	}
	return right + "  " + m.st.FilterCount.Render(count)
}

// Focus starts editing.
func (m *Model) Focus() tea.Cmd { return m.in.Focus() }

// Blur stops editing.
func (m *Model) Blur() { m.in.Blur() }

// Focused reports whether the bar is being edited.
func (m Model) Focused() bool { return m.in.Focused() }

// Value is the current text.
func (m Model) Value() string { return m.in.Value() }

// Applied is the text of the last ChangedMsg.
func (m Model) Applied() string { return m.applied }

// SetValue replaces the text and returns the debounce tick.
func (m *Model) SetValue(s string) tea.Cmd {
	m.in.SetValue(s)
	m.in.CursorEnd()
	return m.schedule()
}

// SetError shows a parse error inline ("" clears it).
func (m *Model) SetError(e string) { m.err = safe.Line(e) }

// Error is the shown parse error.
func (m Model) Error() string { return m.err }

// SetFacets sets the description of the active quick facets (e.g. "sev≥high stage:code").
func (m *Model) SetFacets(s string) { m.facets = s; m.layoutInput() }

// SetCounts sets the "N of M" numbers and whether a filter is running.
func (m *Model) SetCounts(shown, total int, busy bool) {
	m.shown, m.total, m.busy = shown, total, busy
	m.layoutInput()
}

func (m *Model) schedule() tea.Cmd {
	m.tag++
	tag := m.tag
	return tea.Tick(Debounce, func(time.Time) tea.Msg { return tickMsg{tag: tag} })
}

// Update edits the text while focused and turns settled text into ChangedMsg.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tickMsg:
		if msg.tag != m.tag {
			return m, nil // superseded by later typing
		}
		v := m.in.Value()
		if v == m.applied {
			return m, nil
		}
		m.applied = v
		return m, func() tea.Msg { return ChangedMsg{Text: v} }
	case tea.KeyPressMsg, tea.PasteMsg:
		if !m.in.Focused() {
			return m, nil
		}
		before := m.in.Value()
		var cmd tea.Cmd
		m.in, cmd = m.in.Update(msg)
		if m.in.Value() != before {
			return m, tea.Batch(cmd, m.schedule())
		}
		return m, cmd
	}
	return m, nil
}

// Flush applies the current text at once (enter), skipping the debounce.
func (m *Model) Flush() tea.Cmd {
	m.tag++
	v := m.in.Value()
	if v == m.applied {
		return nil
	}
	m.applied = v
	return func() tea.Msg { return ChangedMsg{Text: v} }
}

// Cursor is the real terminal cursor position within the bar (nil when not editing).
func (m Model) Cursor() *tea.Cursor { return m.in.Cursor() }

// View renders the bar on one line, or two when there is a parse error.
func (m Model) View() string {
	if m.width <= 0 {
		return ""
	}
	right := m.rightView()
	var left string
	if m.in.Focused() || m.in.Value() != "" {
		left = m.in.View()
	} else {
		left = m.st.Muted.Render("/ to filter · f severity · t or 1-8 stage")
	}
	rw := ansi.StringWidth(right)
	lw := m.width - rw
	if lw < 0 {
		return ansi.Truncate(right, m.width, "")
	}
	left = ansi.Truncate(left, lw, "…")
	line := left + strings.Repeat(" ", max(0, lw-ansi.StringWidth(left))) + right
	if m.err != "" {
		line += "\n" + ansi.Truncate(m.st.FilterError.Render("  ✗ "+m.err), m.width, "…")
	}
	return line
}

// Height is the number of lines View renders.
func (m Model) Height() int {
	if m.err != "" {
		return 2
	}
	return 1
}
