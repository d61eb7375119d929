package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/tui/fixscreen"
	"github.com/secui/secui/tui/focusscreen"
	"github.com/secui/secui/tui/internal/fixture"
	"github.com/secui/secui/tui/scanscreen"
	"github.com/secui/secui/tui/screen"
	"github.com/secui/secui/tui/triagescreen"
)

// The triage keys and focus mode open the screens of tui/fixscreen and
// tui/scanscreen; T without trackers says how to set one up.
func TestKeysOpenTheScreens(t *testing.T) {
	fs := fixture.Findings(40)
	m, _ := shellWithLedger(t, fs, 160, 40)
	for _, c := range []struct {
		key  string
		want string
	}{{"F", "*fixscreen.Model"}, {"E", "*fixscreen.Model"}, {"R", "*scanscreen.Model"}} {
		_, cmd := m.Update(key1(c.key))
		if cmd == nil {
			t.Fatalf("%s: no command", c.key)
		}
		pushOnly(m, cmd) // without running the screen's Init (no editor, no scanner here)
		var ok bool
		switch m.top().(type) {
		case *fixscreen.Model:
			ok = c.want == "*fixscreen.Model"
		case *scanscreen.Model:
			ok = c.want == "*scanscreen.Model"
		}
		if !ok {
			t.Fatalf("%s opened %T, want %s", c.key, m.top(), c.want)
		}
		m.stack = m.stack[:1]
	}
	m.press(t, "T")
	if len(m.stack) != 1 || !strings.Contains(text(m), "no tracker configured") {
		t.Fatalf("T without trackers:\n%s", text(m))
	}
	m.press(t, "P", "j", "enter")
	fm, ok := m.top().(*focusscreen.Model)
	if !ok || fm.Current() == nil {
		t.Fatalf("focus mode: %T", m.top())
	}
	_, cmd := m.Update(key1("f"))
	pushOnly(m, cmd)
	if _, ok := m.top().(*fixscreen.Model); !ok {
		t.Fatalf("f in focus mode opened %T", m.top())
	}
}

// pushOnly runs cmd and routes the open and push requests it yields, without
// the pushed screen's Init.
func pushOnly(m *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			pushOnly(m, c)
		}
	case triagescreen.OpenMsg:
		_, c := m.update(msg)
		pushOnly(m, c)
	case screen.PushMsg:
		m.stack = append(m.stack, msg.Screen)
		m.size(msg.Screen)
	}
}
