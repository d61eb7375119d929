package triagescreen

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	scr "github.com/secui/secui/tui/screen"
)

// The triage screen on the shell's stack: the table, the detail pane, the
// query bar and the triage form. Its state is the value Model; the shell
// holds it by pointer (Update mutates it in place).
var _ scr.Screen = (*Model)(nil)
var _ scr.Capturer = (*Model)(nil)

// Update implements scr.Screen.
func (m *Model) Update(msg tea.Msg) (scr.Screen, tea.Cmd) {
	nm, cmd := m.update(msg)
	*m = nm
	return m, cmd
}

// View implements scr.Screen: the screen's whole body.
func (m *Model) View() string { return m.view().Content }

// Cursor is the terminal cursor (the query bar's, while it has the focus),
// in the screen's coordinates; nil when hidden.
func (m *Model) Cursor() *tea.Cursor { return m.view().Cursor }

// SetSize implements scr.Screen.
func (m *Model) SetSize(w, h int) { m.resize(w, h) }

// Title implements scr.Screen.
func (m *Model) Title() string { return "triage" }

// ShortHelp implements scr.Screen.
func (m *Model) ShortHelp() []key.Binding { return m.km.ShortHelp() }

// FullHelp implements scr.Screen.
func (m *Model) FullHelp() [][]key.Binding { return m.km.FullHelp() }

// Capturing implements scr.Capturer: the query bar and the triage form
// take every key.
func (m *Model) Capturing() bool { return m.focus == focusFilter || m.formOpen }

// Prepare finishes New for a program run (the load channel).
func (m *Model) Prepare() { m.prepare() }

// Close stops the screen's background work.
func (m *Model) Close() { m.cancel() }

// RepoName names the repository (window title).
func (m *Model) RepoName() string { return m.repoName() }
