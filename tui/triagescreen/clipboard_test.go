package triagescreen

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/tui/internal/fixture"
)

// clipboardTexts runs cmd (and its batches) and returns what it would put
// on the clipboard.
func clipboardTexts(cmd tea.Cmd) []string {
	var out []string
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
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
		if b, ok := msg.(tea.BatchMsg); ok {
			queue = append(queue, b...)
			continue
		}
		if v := reflect.ValueOf(msg); v.IsValid() && v.Kind() == reflect.String && strings.Contains(strings.ToLower(v.Type().Name()), "clipboard") {
			out = append(out, v.String())
		}
	}
	return out
}

// y on a location whose URI holds a newline copies one line with no control
// character (pastejacking: a pasted newline would run the command).
func TestCopyLocationNoPastejacking(t *testing.T) {
	fs := fixture.Findings(4)
	for _, f := range fs {
		f.Loc = findings.Location{Path: "src/main.go\necho PASTEJACK\n\x1b[2J\u202e", URI: "src/main.go\necho PASTEJACK\n", InRepo: true, Line: 4}
	}
	m := newModel(t, fs, 120, 30)
	for _, k := range []string{"y", "Y"} {
		nm, cmd := m.update(keyMsg(k))
		m = nm
		got := clipboardTexts(cmd)
		if len(got) != 1 {
			t.Fatalf("%s: clipboard writes %q", k, got)
		}
		for _, r := range got[0] {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0x202e {
				t.Errorf("%s copied %q: control %U", k, got[0], r)
			}
		}
		if k == "y" && got[0] != "src/main.go echo PASTEJACK :4" {
			t.Errorf("y copied %q", got[0])
		}
	}
}

// The editor (o) opens only what the one confinement allows.
func TestEditorConfined(t *testing.T) {
	root, f, _ := flowRepo(t)
	if err := os.MkdirAll(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, ".git", "config"), []byte("[core]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "passwd"), []byte("root\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "etc")); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		".git/config":  "refused: path is inside .git",
		`.git\\config`: "refused: path is inside .git",
		"etc/passwd":   "refused: symlink leads out of the repository",
		"/etc/passwd":  "refused: absolute path",
	} {
		if _, err := editorCmd(root, findings.Location{Path: path, InRepo: true}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
	}
	if cmd, err := editorCmd(root, f.Loc); err != nil || cmd == nil {
		t.Errorf("a file inside the repository: %v", err)
	}
}
