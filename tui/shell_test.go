package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/tui/internal/fixture"
	"github.com/secui/secui/tui/internal/golden"
	"github.com/secui/secui/tui/screen"
)

// drive executes cmd and feeds every resulting message back into m, like the
// Bubble Tea loop; Cmds slower than 400ms (clear ticks) are dropped.
func drive(t testing.TB, m *Model, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 10000 {
			t.Fatal("message loop does not settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		ch := make(chan tea.Msg, 1)
		go func() { ch <- c() }()
		var msg tea.Msg
		select {
		case msg = <-ch:
		case <-time.After(400 * time.Millisecond):
			continue
		}
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case tea.QuitMsg:
			return
		default:
			_, nc := m.Update(msg)
			queue = append(queue, nc)
		}
	}
}

func key1(s string) tea.KeyPressMsg {
	switch s {
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func (m *Model) press(t testing.TB, keys ...string) {
	t.Helper()
	for _, k := range keys {
		_, cmd := m.Update(key1(k))
		drive(t, m, cmd)
	}
}

func shellOver(t testing.TB, fs []*findings.Finding, errs []*findings.LoadError, w, h int) *Model {
	t.Helper()
	m, err := New(context.Background(), Options{
		Root: "/nonexistent/acme-payments",
		Load: func(ctx context.Context, onFile func(string, []*findings.Finding, error)) (*findings.Set, error) {
			half := len(fs) / 2
			onFile("/nonexistent/acme-payments/scans/a.sarif", fs[:half], nil)
			onFile("/nonexistent/acme-payments/scans/b.sarif", fs[half:], nil)
			return &findings.Set{Findings: fs, Errors: errs, Files: []findings.FileInfo{{Path: "/nonexistent/acme-payments/scans/a.sarif"}, {Path: "/nonexistent/acme-payments/scans/b.sarif"}}}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	m.triage.Prepare()
	t.Cleanup(m.triage.Close)
	_, cmd := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	drive(t, m, cmd)
	drive(t, m, m.Init())
	return m
}

func text(m *Model) string { return ansi.Strip(m.View().Content) }

// The shell draws the triage screen exactly as the one-screen console did.
func TestViewGolden(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {200, 50}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := shellOver(t, fixture.Findings(60), nil, sz[0], sz[1])
			m.press(t, "j")
			v := m.View()
			if !v.AltScreen || v.MouseMode != tea.MouseModeCellMotion {
				t.Fatal("alt screen / mouse not set")
			}
			lines := strings.Split(v.Content, "\n")
			if len(lines) != sz[1] {
				t.Fatalf("%d lines, want %d", len(lines), sz[1])
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w != sz[0] {
					t.Errorf("line %d is %d wide", i, w)
				}
			}
			golden.RequireEqual(t, v.Content)
		})
	}
}

func TestHelpOverlay(t *testing.T) {
	m := shellOver(t, fixture.Findings(100), nil, 200, 50)
	m.press(t, "?")
	if s := text(m); !strings.Contains(s, "Keys") || !strings.Contains(s, "severity floor") || !strings.Contains(s, "query: text") {
		t.Fatalf("help overlay:\n%s", s)
	}
	before := text(m)
	m.press(t, "j") // ignored while help is open
	if text(m) != before {
		t.Fatal("key leaked through the help overlay")
	}
	_, _ = m.Update(tea.MouseClickMsg{X: 10, Y: 12, Button: tea.MouseLeft})
	if text(m) != before {
		t.Fatal("click went through the help overlay")
	}
	m.press(t, "?")
	if strings.Contains(text(m), "Keys") {
		t.Fatal("? did not close help")
	}
	_, cmd := m.Update(key1("q"))
	if cmd == nil {
		t.Fatal("q returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q did not quit")
	}
}

func TestErrorsOverlay(t *testing.T) {
	m := shellOver(t, fixture.Findings(10), []*findings.LoadError{{File: "/nonexistent/acme-payments/bad.sarif", Line: 3, Col: 7, Msg: "invalid \x1b[31mJSON"}}, 100, 30)
	if s := text(m); !strings.Contains(s, "1 bad input: bad.sarif:3:7: invalid JSON") {
		t.Fatalf("status line:\n%s", s)
	}
	m.press(t, "!")
	if s := text(m); !strings.Contains(s, "1 input problem(s)") || !strings.Contains(s, "✗ bad.sarif:3:7: invalid JSON") {
		t.Fatalf("errors overlay:\n%s", s)
	}
	m.press(t, "esc")
	if strings.Contains(text(m), "input problem(s)") {
		t.Fatal("esc did not close the errors overlay")
	}
}

// fakeScreen records what reaches it.
type fakeScreen struct {
	keys    []string
	got     []tea.Msg
	w, h    int
	inited  bool
	capture bool
}

type fakeResult struct{ changed bool }

func (r fakeResult) Changed() (screen.ChangedMsg, bool) {
	return screen.ChangedMsg{Reason: "fake"}, r.changed
}

func (f *fakeScreen) Init() tea.Cmd { f.inited = true; return nil }
func (f *fakeScreen) Update(msg tea.Msg) (screen.Screen, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		f.keys = append(f.keys, k.String())
		if k.String() == "esc" {
			return f, screen.Pop(fakeResult{changed: true})
		}
		return f, nil
	}
	f.got = append(f.got, msg)
	return f, nil
}
func (f *fakeScreen) View() string     { return fmt.Sprintf("FAKE %dx%d", f.w, f.h) }
func (f *fakeScreen) SetSize(w, h int) { f.w, f.h = w, h }
func (f *fakeScreen) Title() string    { return "fake" }
func (f *fakeScreen) Capturing() bool  { return f.capture }
func (f *fakeScreen) ShortHelp() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "fake action"))}
}
func (f *fakeScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{f.ShortHelp()}
}

func TestStackPushPop(t *testing.T) {
	m := shellOver(t, fixture.Findings(20), nil, 100, 30)
	sel := m.triage.Selected()
	f := &fakeScreen{}
	drive(t, m, screen.Push(f))
	if !f.inited || f.w != 100 || f.h != 28 {
		t.Fatalf("pushed screen: init %v size %dx%d", f.inited, f.w, f.h)
	}
	s := text(m)
	if !strings.Contains(s, "FAKE 100x28") || !strings.Contains(s, "x fake action") {
		t.Fatalf("top screen and its footer:\n%s", s)
	}
	m.press(t, "j", "q") // to the top screen; q does not quit from above the triage screen
	if strings.Join(f.keys, ",") != "j,q" || m.triage.Selected() != sel {
		t.Fatalf("keys to the top screen: %v", f.keys)
	}
	m.press(t, "?")
	if s := text(m); !strings.Contains(s, "fake action") || !strings.Contains(s, "Keys") {
		t.Fatalf("help of the top screen:\n%s", s)
	}
	m.press(t, "?")
	_, cmd := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	drive(t, m, cmd)
	if f.w != 120 || f.h != 38 {
		t.Fatalf("relayout: %dx%d", f.w, f.h)
	}
	m.press(t, "esc") // the fake pops with a result that changed things
	if len(m.stack) != 1 || !strings.Contains(text(m), "20 of 20") {
		t.Fatalf("pop: %d screens\n%s", len(m.stack), text(m))
	}
}

func TestCapturingScreenGetsEveryKey(t *testing.T) {
	m := shellOver(t, fixture.Findings(5), nil, 100, 30)
	f := &fakeScreen{capture: true}
	drive(t, m, screen.Push(f))
	m.press(t, "?", "!", "q")
	_, cmd := m.Update(key1("ctrl+c"))
	if cmd != nil {
		t.Fatal("ctrl+c quit while the top screen captures keys")
	}
	if strings.Join(f.keys, ",") != "?,!,q,ctrl+c" {
		t.Fatalf("keys: %v", f.keys)
	}
}
