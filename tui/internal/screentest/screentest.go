// Package screentest has helpers for the screens' unit tests: real git
// repositories in temporary directories and a synchronous message loop.
package screentest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/tui/screen"
)

// Git runs git in dir with a fixed identity and no user configuration.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	c := exec.Command("git", args...)
	c.Dir = dir
	c.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_AUTHOR_DATE=2026-11-28T12:00:00Z", "GIT_COMMITTER_DATE=2026-11-28T12:00:00Z")
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// Repo makes a git repository holding files (path → content), committed by
// "Ann Dev <ann@example.com>", and returns its directory.
func Repo(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	Git(t, dir, "init", "-q", "-b", "main")
	Git(t, dir, "config", "user.name", "Ann Dev")
	Git(t, dir, "config", "user.email", "ann@example.com")
	Write(t, dir, files)
	Git(t, dir, "add", "-A")
	Git(t, dir, "commit", "-q", "-m", "initial")
	return dir
}

// Write writes files under dir.
func Write(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for p, s := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Read returns the content of dir/p.
func Read(t testing.TB, dir, p string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Run runs cmd (and the batches and sequences it returns) synchronously,
// feeding every resulting message to s until a PopMsg, which it returns;
// messages the screen does not take (PushMsg, ChangedMsg) are collected.
// It stops after limit messages or when no command is left.
func Run(t testing.TB, s screen.Screen, cmd tea.Cmd) (screen.Screen, *screen.PopMsg, []tea.Msg) {
	t.Helper()
	var other []tea.Msg
	queue := []tea.Cmd{cmd}
	deadline := time.Now().Add(2 * time.Minute)
	for len(queue) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("screentest.Run: timed out")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		switch m := msg.(type) {
		case nil:
			continue
		case tea.BatchMsg:
			queue = append(queue, m...)
			continue
		case screen.PopMsg:
			return s, &m, other
		case screen.PushMsg, screen.ChangedMsg:
			other = append(other, msg)
			continue
		}
		var next tea.Cmd
		s, next = s.Update(msg)
		queue = append(queue, next)
	}
	return s, nil, other
}

// Key is a key press of k ("y", "enter", "esc", "ctrl+c", "tab").
func Key(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// Press sends key k to s and runs what it starts (Run).
func Press(t testing.TB, s screen.Screen, k string) (screen.Screen, *screen.PopMsg, []tea.Msg) {
	t.Helper()
	s, cmd := s.Update(Key(k))
	return Run(t, s, cmd)
}

// Contains fails unless every want is in got.
func Contains(t testing.TB, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

// Loop runs cmd like the Bubble Tea runtime does: every Cmd in its own
// goroutine, every message through s.Update on this goroutine, until a
// PopMsg (returned) or no Cmd is left. After each message hook (when not
// nil) may return a message to send next (a key press once the screen is
// in some state). It fails the test after timeout.
func Loop(t testing.TB, s screen.Screen, cmd tea.Cmd, timeout time.Duration, hook func(s screen.Screen, msg tea.Msg) tea.Msg) (screen.Screen, *screen.PopMsg) {
	t.Helper()
	ch := make(chan tea.Msg, 4096)
	pending := 0
	var launch func(c tea.Cmd)
	launch = func(c tea.Cmd) {
		if c == nil {
			return
		}
		pending++
		go func() { ch <- c() }()
	}
	launch(cmd)
	deadline := time.After(timeout)
	for pending > 0 {
		var msg tea.Msg
		select {
		case msg = <-ch:
		case <-deadline:
			t.Fatalf("screentest.Loop: timed out after %s", timeout)
		}
		pending--
		switch m := msg.(type) {
		case nil:
			continue
		case tea.BatchMsg:
			for _, c := range m {
				launch(c)
			}
			continue
		case screen.PopMsg:
			return s, &m
		}
		var next tea.Cmd
		s, next = s.Update(msg)
		launch(next)
		if hook != nil {
			if k := hook(s, msg); k != nil {
				s, next = s.Update(k)
				launch(next)
			}
		}
	}
	return s, nil
}
