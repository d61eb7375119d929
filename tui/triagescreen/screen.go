package triagescreen

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/internal/trace"
	"github.com/secui/secui/tui/keys"
	"github.com/secui/secui/tui/status"
	"github.com/secui/secui/tui/theme"

	scr "github.com/secui/secui/tui/screen"
)

// The triage screen on the shell's stack: the table, the detail pane, the
// query bar and the triage form. Its state is the value Model; the shell
// holds it by pointer (Update mutates it in place).
var _ scr.Screen = (*Model)(nil)
var _ scr.Capturer = (*Model)(nil)
var _ scr.Versioned = (*Model)(nil)

// Update implements scr.Screen.
func (m *Model) Update(msg tea.Msg) (scr.Screen, tea.Cmd) {
	if m.gather(msg) { // a held key: no copy of the model, nothing to render
		return m, nil
	}
	nm, cmd := m.update(msg)
	*m = nm
	return m, cmd
}

// View implements scr.Screen: the screen's whole body.
func (m *Model) View() string {
	if m.table.Len() > 0 && !m.loop.rowsShown {
		m.loop.rowsShown = true
		trace.Mark("view-row")
		if m.opts.FirstRows != nil {
			m.opts.FirstRows()
		}
	}
	return m.view().Content
}

// Cursor is the terminal cursor (the query bar's, while it has the focus),
// in the screen's coordinates; nil when hidden.
func (m *Model) Cursor() *tea.Cursor { return m.cursor() }

// SetSize implements scr.Screen.
func (m *Model) SetSize(w, h int) { m.loop.bump(); m.resize(w, h) }

// Title implements scr.Screen.
func (m *Model) Title() string { return "triage" }

// ShortHelp implements scr.Screen.
func (m *Model) ShortHelp() []key.Binding { return m.shortHelp() }

// FullHelp implements scr.Screen.
func (m *Model) FullHelp() [][]key.Binding { return m.km.FullHelp() }

// Capturing implements scr.Capturer: the query bar and the triage form
// take every key.
func (m *Model) Capturing() bool { return m.focus == focusFilter || m.formOpen }

// ShellRows is how many rows the shell takes below every screen (the status
// line and the footer).
const ShellRows = 2

// Status is the status line the shell shows below every screen (this
// screen's notices, loading progress and input problems).
func (m *Model) Status() *status.Model { return m.status }

// Styles are the console's styles (they follow the terminal's background).
func (m *Model) Styles() *theme.Styles { return m.st }

// KeyMap is the console's key map (ui.keys overrides applied).
func (m *Model) KeyMap() keys.KeyMap { return m.km }

// LoadErrors lists every input problem (the errors overlay).
func (m *Model) LoadErrors() []string { return m.loadErrs }

// Prepare finishes New for a program run (the load channel).
func (m *Model) Prepare() { m.prepare() }

// Close stops the screen's background work.
func (m *Model) Close() { m.cancel() }

// RepoName names the repository (window title).
func (m *Model) RepoName() string { return m.repoName() }

// BodyY is the first row of the panes (below the header, ribbon and query
// bar): overlays cover the screen from there.
func (m *Model) BodyY() int { return m.layout.Body.Y }

// Selected is the finding under the cursor (nil on a group header or when
// the table is empty).
func (m *Model) Selected() *findings.Finding { return m.table.Selected() }

// TableCursor is the cursor's row in the findings table (group headers
// count as rows).
func (m *Model) TableCursor() int { return m.table.Cursor() }
