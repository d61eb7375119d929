package tui

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/internal/testutil"
)

func moduleRoot(t *testing.T) string { return testutil.ModuleRoot(t) }

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=e2e", "GIT_AUTHOR_EMAIL=e2e@example.com", "GIT_COMMITTER_NAME=e2e", "GIT_COMMITTER_EMAIL=e2e@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// fixtureRepo makes a git repository with the demo project (code + SARIF of
// ten scanner runs); without the demo it uses the CodeQL SARIF of the corpus.
func fixtureRepo(t *testing.T, mod string) (dir string, demo bool) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "acme")
	if _, err := os.Stat(filepath.Join(mod, "demo", "scans")); err == nil {
		testutil.CopyDir(t, filepath.Join(mod, "demo"), dir)
		demo = true
	} else {
		src := filepath.Join(mod, "..", "shared", "sarif-corpus", "public", "DefectDojo-django-DefectDojo", "codeQL-output.sarif")
		data, err := os.ReadFile(src)
		if err != nil {
			t.Skipf("no demo and no corpus: %v", err)
		}
		_ = os.MkdirAll(filepath.Join(dir, "scans"), 0o755)
		if err := os.WriteFile(filepath.Join(dir, "scans", "codeql.sarif"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-qm", "fixture")
	return dir, demo
}

// tmux drives one session on a server of its own (-L socket): a shared
// default server that is still exiting after the previous subtest makes
// new-session fail with "server exited unexpectedly".
type tmux struct {
	t       *testing.T
	session string
}

func (x *tmux) cmd(args ...string) *exec.Cmd {
	return exec.Command("tmux", append([]string{"-L", x.session}, args...)...)
}

func (x *tmux) run(args ...string) string {
	x.t.Helper()
	out, err := x.cmd(args...).CombinedOutput()
	if err != nil {
		x.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (x *tmux) capture() string { return x.run("capture-pane", "-p", "-t", x.session) }

func (x *tmux) keys(keys ...string) {
	x.t.Helper()
	for _, k := range keys {
		x.run("send-keys", "-t", x.session, k)
		if k == "Escape" {
			time.Sleep(150 * time.Millisecond) // a lone ESC, not alt+next key
		}
	}
}

func (x *tmux) typ(s string) { x.run("send-keys", "-t", x.session, "-l", s) }

// waitUntil polls the screen until ok accepts it.
func (x *tmux) waitUntil(what string, ok func(string) bool) string {
	x.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var screen string
	for time.Now().Before(deadline) {
		screen = x.capture()
		if ok(screen) {
			return screen
		}
		time.Sleep(80 * time.Millisecond)
	}
	x.t.Fatalf("timed out waiting for %s; screen:\n%s", what, screen)
	return ""
}

// waitFor polls the screen until re matches it.
func (x *tmux) waitFor(what string, re *regexp.Regexp) string {
	x.t.Helper()
	return x.waitUntil(what+" ("+re.String()+")", re.MatchString)
}

// waitNo polls the screen until s is gone from it.
func (x *tmux) waitNo(s string) string {
	x.t.Helper()
	return x.waitUntil(fmt.Sprintf("%q to go", s), func(sc string) bool { return !strings.Contains(sc, s) })
}

func (x *tmux) waitText(s string) string {
	x.t.Helper()
	return x.waitFor(fmt.Sprintf("%q", s), regexp.MustCompile(regexp.QuoteMeta(s)))
}

func (x *tmux) waitGone() {
	x.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if x.cmd("has-session", "-t", x.session).Run() != nil {
			return
		}
		time.Sleep(80 * time.Millisecond)
	}
	x.t.Fatalf("secui did not quit; screen:\n%s", x.capture())
}

// TestEndToEnd builds the real binary and drives it in tmux at 80×24 and
// 200×50: open a repository, filter, walk a code flow, open help, resize, quit.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed")
	}
	mod := moduleRoot(t)
	bin := filepath.Join(t.TempDir(), "secui")
	build := exec.Command("go", "build", "-o", bin, "./cmd/secui")
	build.Dir = mod
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	repo, demo := fixtureRepo(t, mod)
	home := t.TempDir()
	editor := filepath.Join(home, "editor.sh")
	if err := os.WriteFile(editor, []byte("#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/editor.args\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}

	for _, size := range [][2]int{{80, 24}, {200, 50}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			x := &tmux{t: t, session: fmt.Sprintf("secui-e2e-%d-%d", os.Getpid(), size[0])}
			// A decision needs an author with an e-mail (HOME is empty: no git identity).
			env := fmt.Sprintf("env -u NO_COLOR HOME=%s XDG_CONFIG_HOME=%s/.config TERM=xterm-256color VISUAL= EDITOR=%s GIT_AUTHOR_NAME=E2E GIT_AUTHOR_EMAIL=e2e@example.com", home, home, editor)
			x.run("new-session", "-d", "-s", x.session, "-x", fmt.Sprint(size[0]), "-y", fmt.Sprint(size[1]),
				fmt.Sprintf("cd %s && %s %s 2>%s/stderr.log", repo, env, bin, home))
			t.Cleanup(func() { _ = x.cmd("kill-server").Run() })

			s := x.waitFor("findings loaded", regexp.MustCompile(`\b[1-9]\d* of [1-9]\d*\b`))
			if !strings.Contains(s, "secui") || !strings.Contains(s, "main") || !strings.Contains(s, "sources") {
				t.Fatalf("header missing:\n%s", s)
			}
			if size[1] >= 14 && !strings.Contains(s, "code") {
				t.Fatalf("stage ribbon missing:\n%s", s)
			}

			// quick facet: stage code
			x.keys("2")
			x.waitText("stage code")

			// query bar
			rule := "py/command-line-injection"
			if !demo {
				rule = "py/*"
			}
			x.keys("/")
			x.typ("rule:" + rule)
			x.keys("Enter")
			if demo {
				x.waitFor("one finding", regexp.MustCompile(`\b1 of \d+`))
			} else {
				x.waitFor("filtered", regexp.MustCompile(`\b[1-9]\d* of \d+`))
			}
			// a bad query shows its error inline
			x.keys("/")
			x.typ(" sevv:x")
			x.keys("Enter")
			x.waitText(`unknown field "sevv"`)
			x.keys("BSpace") // nothing: bar is closed; reopen and fix
			x.keys("/")
			for range len(" sevv:x") {
				x.keys("BSpace")
			}
			x.keys("Enter")
			x.waitNo("unknown field")

			// details and the code flow
			x.keys("Enter")
			x.waitText("Details · ")
			if demo {
				x.waitText("code flow: 4 steps")
				x.keys("n")
				s = x.waitText("▶  1.")
				x.keys("n")
				s = x.waitText("▶  2.")
				if !strings.Contains(s, "app/views.py") {
					t.Fatalf("flow step code missing:\n%s", s)
				}
				x.keys("p")
				x.waitText("▶  1.")
				// o opens $EDITOR at the step's line and the console comes back
				_ = os.Remove(filepath.Join(home, "editor.args"))
				x.keys("o")
				x.waitText("Details · ")
				deadline := time.Now().Add(10 * time.Second)
				var args []byte
				for time.Now().Before(deadline) {
					if args, _ = os.ReadFile(filepath.Join(home, "editor.args")); len(args) > 0 {
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
				if want := "+29 " + filepath.Join(repo, "app", "views.py"); !strings.Contains(string(args), want) {
					t.Fatalf("editor args %q, want %q", args, want)
				}
				x.waitText("▶  1.")
			}

			// triage: suppress with a justification, then undo
			if demo {
				x.keys("Escape")
				x.keys("s")
				x.waitText("Justification")
				x.keys("Tab")
				x.typ("Only reachable from the admin VPN")
				x.keys("C-s")
				x.waitText("suppressed 1 finding(s)")
				x.waitText("0 of 42")
				x.keys("u")
				x.waitText("undid the last decision")
				x.waitText("1 of 43")
				x.keys("Enter")
				x.waitText("Details · ")
			}

			// help overlay
			x.keys("?")
			x.waitText("severity floor")
			x.keys("?")
			x.waitNo("severity floor")

			// resize to the other size
			if size[0] == 80 {
				x.run("resize-window", "-t", x.session, "-x", "200", "-y", "50")
				x.waitUntil("side by side", func(sc string) bool {
					return strings.Contains(sc, "LOCATION") && strings.Contains(sc, "│ Details · ")
				})
			} else {
				x.run("resize-window", "-t", x.session, "-x", "80", "-y", "24")
				x.waitUntil("the toggled 80×24 layout", func(sc string) bool {
					lines := strings.Split(strings.TrimRight(sc, "\n"), "\n")
					for _, l := range lines {
						if len([]rune(l)) > 80 {
							return false
						}
					}
					// the detail pane has focus, so it alone fills the body
					return len(lines) <= 24 && strings.Contains(sc, "Details · ") && !strings.Contains(sc, "LOCATION")
				})
			}

			x.keys("Escape")
			x.keys("q")
			x.waitGone()
			if data, _ := os.ReadFile(filepath.Join(home, "stderr.log")); len(bytes.TrimSpace(data)) > 0 {
				t.Fatalf("stderr: %s", data)
			}
		})
	}
}
