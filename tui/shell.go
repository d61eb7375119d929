// Package tui is secui's interactive console (Bubble Tea v2). The root model
// is a shell: a stack of screens (tui/screen.Screen; the triage screen at the
// bottom), one relayout path, and the routing of messages — keys, paste and
// mouse to the top screen, every other message (results of Cmds, ticks,
// theme) to every screen, which drop what is not theirs (generation ids).
package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/tui/safe"
	"github.com/secui/secui/tui/screen"
	"github.com/secui/secui/tui/triagescreen"
)

// Options configure the console (see triagescreen.Options).
type Options = triagescreen.Options

// LoadFunc loads findings, calling onFile after each input file.
type LoadFunc = triagescreen.LoadFunc

// Model is the console's root: the shell.
type Model struct {
	triage *triagescreen.Model
	stack  []screen.Screen // stack[0] is the triage screen
	width  int
	height int
}

// New builds the console. It fails on a bad configuration (e.g. an unknown
// action in ui.keys).
func New(ctx context.Context, opts Options) (*Model, error) {
	t, err := triagescreen.New(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &Model{triage: &t, stack: []screen.Screen{&t}}, nil
}

func (m *Model) top() screen.Screen { return m.stack[len(m.stack)-1] }

// Init starts the triage screen's work.
func (m *Model) Init() tea.Cmd { return m.triage.Init() }

// Update routes msg.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, m.relayout()
	case screen.PushMsg:
		if msg.Screen == nil {
			return m, nil
		}
		m.stack = append(m.stack, msg.Screen)
		msg.Screen.SetSize(m.width, m.height)
		return m, msg.Screen.Init()
	case screen.ReplaceMsg:
		if msg.Screen == nil {
			return m, nil
		}
		if len(m.stack) == 1 { // the triage screen stays
			m.stack = append(m.stack, msg.Screen)
		} else {
			m.stack[len(m.stack)-1] = msg.Screen
		}
		msg.Screen.SetSize(m.width, m.height)
		return m, msg.Screen.Init()
	case screen.PopMsg:
		if len(m.stack) > 1 {
			m.stack = m.stack[:len(m.stack)-1]
		}
		if msg.Result != nil {
			return m.Update(msg.Result)
		}
		return m, nil
	case tea.KeyPressMsg, tea.PasteMsg, tea.MouseClickMsg, tea.MouseWheelMsg, tea.MouseMotionMsg, tea.MouseReleaseMsg:
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

func (m *Model) updateTop(msg tea.Msg) tea.Cmd {
	i := len(m.stack) - 1
	ns, cmd := m.stack[i].Update(msg)
	m.stack[i] = ns
	return cmd
}

// relayout is the one path that sizes the screens.
func (m *Model) relayout() tea.Cmd {
	var cmds []tea.Cmd
	for i, s := range m.stack {
		s.SetSize(m.width, m.height)
		// the size as a message too: a screen may start work for it
		ns, cmd := s.Update(tea.WindowSizeMsg{Width: m.width, Height: m.height})
		m.stack[i] = ns
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// View renders the top screen.
func (m *Model) View() tea.View {
	top := m.top()
	v := tea.NewView(top.View())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "secui — " + safe.Line(m.triage.RepoName())
	if c, ok := top.(interface{ Cursor() *tea.Cursor }); ok {
		v.Cursor = c.Cursor()
	}
	return v
}

// Err is the error the console ended with (nil after a normal quit).
func (m *Model) Err() error { return m.triage.Err() }
