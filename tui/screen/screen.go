// Package screen is the contract between the console's shell and its
// screens (triage, pipeline, focus mode, fix preview, re-scan, sync plan).
// The shell owns the terminal: the screen stack, overlays, layout, status
// line and footer. A screen owns its keys (and their help), its state and
// its rendering; it never does I/O in Update or View, only in Cmds.
package screen

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
)

// Screen is one full-width view on the shell's stack. Screens are pointers
// (Update mutates and returns the receiver, or a replacement).
type Screen interface {
	// Init starts the screen's background work (Cmds only).
	Init() tea.Cmd
	// Update handles a message addressed to the top screen: keys, window
	// size (via SetSize), and the results of its own Cmds.
	Update(msg tea.Msg) (Screen, tea.Cmd)
	// View renders the body (the shell adds status line and footer). It
	// must cost O(what is visible).
	View() string
	// SetSize gives the body's size; called on every relayout.
	SetSize(width, height int)
	// Title names the screen in the status line ("pipeline", "focus: code").
	Title() string
	// ShortHelp and FullHelp are the screen's own bindings, for the footer
	// and the `?` overlay.
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

// Versioned is implemented by screens that can say when their rendering
// (View, ShortHelp, FullHelp, Cursor) may have changed: ViewVersion changes
// whenever it may have, and stays the same while it cannot. The shell
// re-uses its last frame while the top screen's version and the status
// line's stay the same, so a message that changes nothing on screen (a key
// press gathered for the next frame, a stale result) costs no rendering.
type Versioned interface {
	ViewVersion() uint64
}

// Capturer is implemented by screens that sometimes take every key (a text
// input, a confirmation): while Capturing is true the shell forwards keys
// without interpreting global bindings (quit, help).
type Capturer interface {
	Capturing() bool
}

// PushMsg asks the shell to put a screen on top of the stack (and Init it).
type PushMsg struct{ Screen Screen }

// PopMsg asks the shell to remove the top screen. Result, when not nil, is
// delivered to the screen below as a message (so a fix screen can tell the
// focus mode that its finding is now fixed).
type PopMsg struct{ Result tea.Msg }

// ReplaceMsg swaps the top screen for another.
type ReplaceMsg struct{ Screen Screen }

// Push returns a Cmd that pushes s.
func Push(s Screen) tea.Cmd { return func() tea.Msg { return PushMsg{Screen: s} } }

// Pop returns a Cmd that pops the top screen and hands result to the one below.
func Pop(result tea.Msg) tea.Cmd { return func() tea.Msg { return PopMsg{Result: result} } }

// Replace returns a Cmd that replaces the top screen with s.
func Replace(s Screen) tea.Cmd { return func() tea.Msg { return ReplaceMsg{Screen: s} } }

// ChangedMsg tells every screen that the findings or the ledger changed
// (a decision, a fix, a re-scan, a reload): they refresh what they show.
type ChangedMsg struct{ Reason string }

// Snapshot is what the console has loaded: the findings and the ledger
// matched to them (immutable: replaced, never changed). Version grows with
// every replacement.
type Snapshot struct {
	Set      *findings.Set
	Findings []*findings.Finding
	Overlay  *ledger.Overlay
	Loading  bool // the findings are still loading
	Version  uint64
}

// SnapshotMsg is sent by the shell to the screens above the triage screen
// whenever the snapshot changes (a reload after ChangedMsg, a decision).
type SnapshotMsg struct{ Snapshot Snapshot }
