package keys

import (
	"flag"
	"os"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

func TestDefaultMatches(t *testing.T) {
	k := Default()
	if !key.Matches(tea.KeyPressMsg{Code: 'j', Text: "j"}, k.Down) {
		t.Error("j should move down")
	}
	if !key.Matches(tea.KeyPressMsg{Code: tea.KeyDown}, k.Down) {
		t.Error("down arrow should move down")
	}
	if !key.Matches(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}, k.Select) {
		t.Error("space should select")
	}
	if !key.Matches(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}, k.Quit) {
		t.Error("ctrl+c should quit")
	}
}

func TestOverrides(t *testing.T) {
	k, err := Default().WithOverrides(map[string][]string{"down": {"x"}, "quit": {"Q", "ctrl+q"}})
	if err != nil {
		t.Fatal(err)
	}
	if key.Matches(tea.KeyPressMsg{Code: 'j', Text: "j"}, k.Down) || !key.Matches(tea.KeyPressMsg{Code: 'x', Text: "x"}, k.Down) {
		t.Error("down not rebound to x")
	}
	if k.Quit.Help().Key != "Q/ctrl+q" {
		t.Errorf("help key = %q", k.Quit.Help().Key)
	}
	// the default is untouched
	if !key.Matches(tea.KeyPressMsg{Code: 'j', Text: "j"}, Default().Down) {
		t.Error("Default() changed")
	}
	if _, err := Default().WithOverrides(map[string][]string{"jump": {"x"}}); err == nil || !strings.Contains(err.Error(), `unknown action "jump"`) {
		t.Errorf("unknown action error = %v", err)
	}
	if _, err := Default().WithOverrides(map[string][]string{"up": nil}); err == nil {
		t.Error("empty key list accepted")
	}
}

func TestHelpCoversEveryAction(t *testing.T) {
	k := Default()
	seen := map[string]bool{}
	for _, col := range k.FullHelp() {
		for _, b := range col {
			seen[b.Help().Desc] = true
		}
	}
	for name, b := range k.actions() {
		if !seen[b.Help().Desc] {
			t.Errorf("action %s missing from full help", name)
		}
	}
}

var update = flag.Bool("update", false, "rewrite keybindings.md")

func TestKeybindingsDocUpToDate(t *testing.T) {
	got := Markdown()
	if *update {
		if err := os.WriteFile("keybindings.md", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("keybindings.md")
	if err != nil || string(want) != got {
		t.Fatalf("keybindings.md is stale (go test ./tui/keys -update): %v", err)
	}
}
