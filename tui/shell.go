// Package tui is secui's interactive console (Bubble Tea v2). The root model
// is a shell: a stack of screens (tui/screen.Screen; the triage screen at the
// bottom), the overlays (help, input errors), the status line and the footer
// (the top screen's ShortHelp), and one relayout path. Keys, paste and mouse
// go to the top screen; every other message (results of Cmds, ticks, theme)
// goes to every screen, which drop what is not theirs (generation ids).
package tui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/internal/trace"
	"github.com/secui/secui/tui/internal/cells"
	"github.com/secui/secui/tui/safe"
	"github.com/secui/secui/tui/screen"
	"github.com/secui/secui/tui/status"
	"github.com/secui/secui/tui/triagescreen"
)

// Options configure the console (see triagescreen.Options).
type Options = triagescreen.Options

// LoadFunc loads findings, calling onFile after each input file.
type LoadFunc = triagescreen.LoadFunc

// WatchList says whether the console watches its inputs (see triagescreen.WatchList).
type WatchList = triagescreen.WatchList

type overlay int

const (
	overlayNone overlay = iota
	overlayHelp
	overlayErrors
)

// Model is the console's root: the shell.
type Model struct {
	triage  *triagescreen.Model
	stack   []screen.Screen // stack[0] is the triage screen
	overlay overlay
	help    help.Model
	width   int
	height  int
	snapVer uint64 // the triage screen's snapshot version the other screens have
	opts    Options
	frame   frameCache // the last View, re-used while nothing it shows changed
	// profileCheck detects the colour profile in the background (Run,
	// under tmux); nil: Bubble Tea detected it.
	profileCheck tea.Cmd
}

// frameCache is the last frame and what it was rendered from.
type frameCache struct {
	ok      bool
	key     frameKey
	v       tea.View
	renders int // frames rendered afresh (tests)
}

type frameKey struct {
	top           screen.Screen
	depth         int
	ver, status   uint64
	overlay       overlay
	width, height int
}

// New builds the console. It fails on a bad configuration (e.g. an unknown
// action in ui.keys).
func New(ctx context.Context, opts Options) (*Model, error) {
	t, err := triagescreen.New(ctx, opts)
	if err != nil {
		return nil, err
	}
	m := &Model{triage: &t, stack: []screen.Screen{&t}, help: help.New(), opts: opts}
	return m, nil
}

func (m *Model) top() screen.Screen { return m.stack[len(m.stack)-1] }

func (m *Model) capturing() bool {
	c, ok := m.top().(screen.Capturer)
	return ok && c.Capturing()
}

// Init starts the triage screen's work.
func (m *Model) Init() tea.Cmd { return tea.Batch(m.triage.Init(), m.profileCheck) }

// Update routes msg, then tells the screens above the triage screen when
// what it has loaded changed.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if trace.On() {
		if _, ok := msg.(tea.WindowSizeMsg); ok {
			trace.Once("msg-size")
		}
	}
	cmd := m.route(msg)
	if v := m.triage.Snapshot().Version; v != m.snapVer && len(m.stack) > 1 {
		m.snapVer = v
		sm := screen.SnapshotMsg{Snapshot: m.triage.Snapshot()}
		for i, s := range m.stack[1:] {
			ns, c := s.Update(sm)
			m.stack[i+1] = ns
			cmd = tea.Batch(cmd, c)
		}
	}
	return m, cmd
}

func (m *Model) route(msg tea.Msg) tea.Cmd {
	_, cmd := m.update(msg)
	return cmd
}

func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case profileMsg:
		// the renderer takes the profile from tea.ColorProfileMsg; cells
		// drawn before are drawn again with it
		p := msg.p
		return m, tea.Sequence(func() tea.Msg { return tea.ColorProfileMsg{Profile: p} }, tea.ClearScreen)
	case triagescreen.OpenMsg:
		return m, m.open(msg)
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, m.relayout()
	case screen.PushMsg:
		if msg.Screen == nil {
			return m, nil
		}
		m.stack = append(m.stack, msg.Screen)
		m.overlay = overlayNone
		m.snapVer = m.triage.Snapshot().Version
		m.size(msg.Screen)
		return m, msg.Screen.Init()
	case screen.ReplaceMsg:
		if msg.Screen == nil {
			return m, nil
		}
		if len(m.stack) == 1 { // the triage screen stays at the bottom
			m.stack = append(m.stack, msg.Screen)
		} else {
			m.stack[len(m.stack)-1] = msg.Screen
		}
		m.size(msg.Screen)
		return m, msg.Screen.Init()
	case screen.PopMsg:
		if len(m.stack) > 1 {
			m.stack = m.stack[:len(m.stack)-1]
		}
		if msg.Result == nil {
			return m, nil
		}
		// the result goes to the screen below (now the top); a result that
		// changed files, findings or the ledger is announced to every screen
		cmd := m.updateTop(msg.Result)
		if c, ok := msg.Result.(interface {
			Changed() (screen.ChangedMsg, bool)
		}); ok {
			if cm, ok := c.Changed(); ok {
				cmd = tea.Batch(cmd, func() tea.Msg { return cm })
			}
		}
		return m, cmd
	case status.ClearMsg:
		st := m.triage.Status()
		*st, _ = st.Update(msg)
		return m, nil
	case tea.KeyPressMsg:
		return m, m.handleKey(msg)
	case tea.PasteMsg, tea.MouseClickMsg, tea.MouseWheelMsg, tea.MouseMotionMsg, tea.MouseReleaseMsg:
		if m.overlay != overlayNone {
			return m, nil
		}
		return m, m.updateTop(msg)
	}
	// everything else: to every screen (results carry generation ids)
	var cmds []tea.Cmd
	for i, s := range m.stack {
		ns, cmd := s.Update(msg)
		m.stack[i] = ns
		cmds = append(cmds, cmd)
	}
	return m, tea.Batch(cmds...)
}

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	km := m.triage.KeyMap()
	if m.overlay != overlayNone {
		if key.Matches(msg, km.Help, km.Back, km.Quit, km.Errors) {
			m.overlay = overlayNone
		}
		return nil
	}
	if !m.capturing() {
		switch {
		case key.Matches(msg, km.Help):
			m.overlay = overlayHelp
			return nil
		case key.Matches(msg, km.Errors):
			if len(m.triage.LoadErrors()) == 0 {
				return m.triage.Status().Flash(status.Info, "every input loaded without errors", 3*time.Second)
			}
			m.overlay = overlayErrors
			return nil
		case msg.String() == "ctrl+c" || len(m.stack) == 1 && key.Matches(msg, km.Quit):
			// q quits from the triage screen; the screens above use q/esc
			// to go back (ctrl+c quits, except while a screen captures keys)
			m.triage.Close()
			return tea.Quit
		}
	}
	return m.updateTop(msg)
}

func (m *Model) updateTop(msg tea.Msg) tea.Cmd {
	i := len(m.stack) - 1
	ns, cmd := m.stack[i].Update(msg)
	m.stack[i] = ns
	return cmd
}

// bodySize is the screens' area: the window less the status line and footer.
func (m *Model) bodySize() (int, int) {
	return m.width, max(0, m.height-triagescreen.ShellRows)
}

func (m *Model) size(s screen.Screen) {
	s.SetSize(m.bodySize())
}

// relayout is the one path that sizes the screens.
func (m *Model) relayout() tea.Cmd {
	w, h := m.bodySize()
	m.help.SetWidth(w)
	var cmds []tea.Cmd
	for i, s := range m.stack {
		s.SetSize(w, h)
		// the size as a message too: a screen may start work for it
		ns, cmd := s.Update(tea.WindowSizeMsg{Width: w, Height: h})
		m.stack[i] = ns
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// View renders the top screen (or an overlay over its area), the status line
// and the footer.
//
// Bubble Tea calls View after every message; while the top screen is a
// screen.Versioned whose version (and the status line's) did not change,
// the last frame is returned as it is.
func (m *Model) View() tea.View {
	trace.Once("view-first")
	vs, cacheable := m.top().(screen.Versioned)
	var k frameKey
	if cacheable {
		k = frameKey{top: m.top(), depth: len(m.stack), ver: vs.ViewVersion(), status: m.triage.Status().Version(),
			overlay: m.overlay, width: m.width, height: m.height}
		if m.frame.ok && m.frame.key == k {
			return m.frame.v
		}
	}
	v := m.view()
	m.frame = frameCache{ok: cacheable, key: k, v: v, renders: m.frame.renders + 1}
	return v
}

func (m *Model) view() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "secui — " + safe.Line(m.triage.RepoName())
	if c, ok := m.top().(interface{ Cursor() *tea.Cursor }); ok && m.overlay == overlayNone && !m.tooSmall() {
		v.Cursor = c.Cursor()
	}
	return v
}

func (m *Model) tooSmall() bool {
	return m.width < triagescreen.MinWidth || m.height < triagescreen.MinHeight
}

func (m *Model) render() string {
	if m.width == 0 {
		return "secui: starting…"
	}
	if m.tooSmall() {
		return ansi.Truncate("secui needs at least 40×8 cells", m.width, "…")
	}
	w, h := m.bodySize()
	var b strings.Builder
	b.Grow(m.width * m.height * 3)
	body := m.top().View()
	switch m.overlay {
	case overlayHelp, overlayErrors:
		// the top screen's own rows above its body stay (header, query bar)
		lines := strings.Split(body, "\n")
		keep := 0
		if t, ok := m.top().(interface{ BodyY() int }); ok {
			keep = min(t.BodyY(), len(lines))
		}
		var ov string
		if m.overlay == overlayHelp {
			ov = m.helpOverlay(w, h-keep)
		} else {
			ov = m.errorsOverlay(w, h-keep)
		}
		body = strings.Join(append(lines[:keep:keep], ov), "\n")
	}
	b.WriteString(joinLines(body, w, h))
	st := m.triage.Styles()
	b.WriteByte('\n')
	b.WriteString(fit(m.triage.Status().View(m.width), m.width))
	b.WriteByte('\n')
	m.help.Styles = st.Help
	var bs []key.Binding
	if m.overlay != overlayNone {
		bs = []key.Binding{m.triage.KeyMap().Back}
	} else {
		bs = m.top().ShortHelp()
	}
	b.WriteString(fit(m.help.ShortHelpView(bs), m.width))
	return b.String()
}

func (m *Model) helpOverlay(w, h int) string {
	st := m.triage.Styles()
	hm := m.help
	hm.Styles = st.Help
	hm.ShowAll = true
	hm.SetWidth(0) // measure unconstrained, then split the columns if too wide
	top := m.top()
	groups := top.FullHelp()
	body := hm.FullHelpView(groups)
	if lipgloss.Width(body) > w-6 && len(groups) > 1 {
		half := (len(groups) + 1) / 2
		body = hm.FullHelpView(groups[:half]) + "\n\n" + hm.FullHelpView(groups[half:])
	}
	title := st.Title.Render("Keys")
	if len(m.stack) > 1 {
		title += "  " + st.Muted.Render(safe.Line(top.Title()))
	}
	box := st.Overlay.Render(title + "\n\n" + body)
	if n, ok := top.(interface{ HelpNote() string }); ok && n.HelpNote() != "" {
		note := st.Muted.Render(ansi.Wrap(n.HelpNote(), max(20, min(lipgloss.Width(body), w-6)), " "))
		if full := st.Overlay.Render(title + "\n\n" + body + "\n\n" + note); lipgloss.Height(full) <= h {
			box = full
		}
	}
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, box)
}

// errorsOverlay lists every input problem (the status line shows the first).
func (m *Model) errorsOverlay(w, h int) string {
	st := m.triage.Styles()
	errs := m.triage.LoadErrors()
	inner := max(20, w-6)
	var b strings.Builder
	b.WriteString(st.Title.Render(strconv.Itoa(len(errs))+" input problem(s)") + "  " + st.Muted.Render("the other inputs loaded normally") + "\n")
	lines := 1
	for _, e := range errs {
		for _, l := range strings.Split(ansi.Wrap(safe.Line(e), inner-2, " /"), "\n") {
			if lines >= h-3 {
				b.WriteString("\n" + st.Muted.Render("…"))
				return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, st.Overlay.Render(b.String()))
			}
			b.WriteString("\n" + st.StatusError.Render("✗ ") + l)
			lines++
		}
	}
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, st.Overlay.Render(b.String()))
}

// The layout's cell helpers (tui/internal/cells).
var (
	fit       = cells.Fit
	lineAt    = cells.LineAt
	joinLines = cells.Block
)

// Err is the error the console ended with (nil after a normal quit).
func (m *Model) Err() error { return m.triage.Err() }
