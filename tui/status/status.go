// Package status is the console's one-line status/flash area: notices with a
// level that clear themselves after a delay (a tick carrying the notice id, so
// an older timer never clears a newer notice), plus a persistent part for
// loading progress and input errors.
package status

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/tui/safe"
	"github.com/secui/secui/tui/theme"
)

// Level is a notice level.
type Level int

// Notice levels.
const (
	Info Level = iota
	Warn
	Error
)

// ClearMsg clears the notice with ID, if it is still the current one.
type ClearMsg struct{ ID int }

// Model is the status line.
type Model struct {
	styles   *theme.Styles
	level    Level
	text     string
	id       int
	progress string   // e.g. "loading 3/12 files…"
	errs     []string // input problems, shown when no notice is up
	ver      uint64   // bumped by every change (Version)
}

// New returns an empty status line.
func New(st *theme.Styles) Model { return Model{styles: st} }

// SetStyles replaces the styles (theme change).
func (m *Model) SetStyles(st *theme.Styles) { m.styles = st; m.ver++ }

// Version changes whenever what View shows may have changed.
func (m Model) Version() uint64 { return m.ver }

// Flash shows text at level for d (0 = until replaced) and returns the tick
// that clears it.
func (m *Model) Flash(level Level, text string, d time.Duration) tea.Cmd {
	m.id++
	m.ver++
	m.level, m.text = level, safe.Line(text)
	if d <= 0 {
		return nil
	}
	id := m.id
	return tea.Tick(d, func(time.Time) tea.Msg { return ClearMsg{ID: id} })
}

// Update handles ClearMsg.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if c, ok := msg.(ClearMsg); ok && c.ID == m.id {
		m.text = ""
		m.ver++
	}
	return m, nil
}

// Text is the current notice ("" when none).
func (m Model) Text() string { return m.text }

// SetProgress sets the persistent progress text ("" to clear).
func (m *Model) SetProgress(s string) {
	if s != m.progress {
		m.progress = s
		m.ver++
	}
}

// SetErrors sets the list of input problems (already formatted).
func (m *Model) SetErrors(errs []string) {
	m.ver++
	m.errs = m.errs[:0]
	for _, e := range errs {
		m.errs = append(m.errs, safe.Line(e))
	}
}

// Errors returns the input problems.
func (m Model) Errors() []string { return m.errs }

// View renders the status line in width columns.
func (m Model) View(width int) string {
	if width <= 0 {
		return ""
	}
	var parts []string
	if m.progress != "" {
		parts = append(parts, m.styles.StatusInfo.Render("⟳ "+m.progress))
	}
	switch {
	case m.text != "":
		st := m.styles.StatusInfo
		prefix := "• "
		switch m.level {
		case Warn:
			st, prefix = m.styles.StatusWarn, "! "
		case Error:
			st, prefix = m.styles.StatusError, "✗ "
		}
		parts = append(parts, st.Render(prefix+m.text))
	case len(m.errs) > 0:
		msg := m.errs[0]
		if len(m.errs) > 1 {
			msg = strings.Join([]string{msg, "(+" + itoa(len(m.errs)-1) + " more, ! lists them)"}, " ")
		}
		parts = append(parts, m.styles.StatusError.Render("✗ "+itoa(len(m.errs))+" bad input: "+msg))
	}
	line := strings.Join(parts, "  ")
	return ansi.Truncate(line, width, "…")
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
