package tui

import (
	"encoding/json"
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

// gosecFixRepo is a git repository holding the gosecapp program
// (cmd/secui/testdata/gosecapp: seven gosec findings) and a .secui.yaml
// whose code stage is fed by the real gosec, scanned once with the real
// `secui scan --stage code` (results and scan record under .secui/scans).
// gosec proposes no fixes, so its stored G104 result (the unchecked
// rows.Close() on line 18) is then given the fix a fixing tool would
// propose (`_ = rows.Close()`), and its region, which gosec leaves empty
// (column 4 to 4, snippet "rows.Close()"), is made to span the snippet so
// the fix is verified against the file by snippet.
func gosecFixRepo(t *testing.T, bin, gosec string, env []string) string {
	t.Helper()
	src := filepath.Join(moduleRoot(t), "cmd", "secui", "testdata", "gosecapp")
	code, err := os.ReadFile(filepath.Join(src, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "app")
	files := map[string]string{
		"main.go":     string(code),
		"go.mod":      "module example.com/app\n\ngo 1.22\n",
		".secui.yaml": fmt.Sprintf("scanners:\n  - name: gosec\n    stage: code\n    run: [%s, -fmt, sarif, -no-fail, -quiet, ./...]\n    timeout: 8m\n", gosec),
	}
	for p, s := range files {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-qm", "app")
	scan := exec.Command(bin, "scan", "--stage", "code")
	scan.Dir, scan.Env = dir, env
	if out, err := scan.CombinedOutput(); err != nil {
		t.Fatalf("secui scan: %v\n%s", err, out)
	}
	stored := filepath.Join(dir, ".secui", "scans", "gosec.sarif")
	raw, err := os.ReadFile(stored)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, r := range doc["runs"].([]any)[0].(map[string]any)["results"].([]any) {
		r := r.(map[string]any)
		if r["ruleId"] != "G104" {
			continue
		}
		found++
		reg := r["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)["region"].(map[string]any)
		reg["endColumn"] = 16
		r["fixes"] = []any{map[string]any{
			"description": map[string]any{"text": "check the error of rows.Close"},
			"artifactChanges": []any{map[string]any{
				"artifactLocation": map[string]any{"uri": "main.go"},
				"replacements": []any{map[string]any{
					"deletedRegion":   map[string]any{"startLine": 18, "startColumn": 4, "endLine": 18, "endColumn": 16},
					"insertedContent": map[string]any{"text": "_ = rows.Close()"},
				}},
			}},
		}}
	}
	if found != 1 {
		t.Fatalf("%d G104 results in gosec's SARIF", found)
	}
	sarif, _ := json.MarshalIndent(doc, "", "  ")
	if err := os.WriteFile(stored, sarif, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func firstLine(s string) string { l, _, _ := strings.Cut(strings.TrimLeft(s, "\n"), "\n"); return l }

// waitLong is waitUntil with a longer deadline (a real scanner runs).
func (x *tmux) waitLong(what string, d time.Duration, ok func(string) bool) string {
	x.t.Helper()
	deadline := time.Now().Add(d)
	var screen string
	for time.Now().Before(deadline) {
		screen = x.capture()
		if ok(screen) {
			return screen
		}
		time.Sleep(200 * time.Millisecond)
	}
	x.t.Fatalf("timed out waiting for %s; screen:\n%s", what, screen)
	return ""
}

// TestFixRescanEndToEnd is issue 9's "done when", with the real binary in
// tmux and the real gosec: the pipeline screen (P) shows the code stage's
// gosec findings; focus mode (enter); e edits main.go by hand (EDITOR is a
// script that removes the weak random number, G404); f previews and y
// applies the SARIF fix of G104; r re-scans the stage with gosec; both
// findings are shown fixed on screen, in `secui list --state fixed` and in
// the ledger, with the scan's evidence.
func TestFixRescanEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed")
	}
	gosec := testutil.Gosec(t)
	mod := moduleRoot(t)
	bin := filepath.Join(t.TempDir(), "secui")
	build := exec.Command("go", "build", "-o", bin, "./cmd/secui")
	build.Dir = mod
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	home := t.TempDir()
	// The editor: removes the weak random number (G404) without changing
	// the number of lines, and records its arguments.
	editor := filepath.Join(home, "editor.sh")
	script := "#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/editor.args\"\nfor f; do :; done\n" +
		"sed -i -e 's/^\t\"math\\/rand\"$//' -e 's/rand\\.Int()/len(data)/' \"$f\"\n"
	if err := os.WriteFile(editor, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	// gosec type-checks with the go command: it keeps this machine's Go
	// caches (an empty HOME would make it rebuild the standard library).
	goenv := func(k string) string {
		out, err := exec.Command("go", "env", k).Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	gocache, gomodcache, gopath := goenv("GOCACHE"), goenv("GOMODCACHE"), goenv("GOPATH")
	repo := gosecFixRepo(t, bin, gosec, append(os.Environ(), "HOME="+home, "GIT_AUTHOR_NAME=E2E", "GIT_AUTHOR_EMAIL=e2e@example.com",
		"GOCACHE="+gocache, "GOMODCACHE="+gomodcache, "GOPATH="+gopath))
	x := &tmux{t: t, session: fmt.Sprintf("secui-fix-e2e-%d", os.Getpid())}
	env := fmt.Sprintf("env -u NO_COLOR HOME=%s XDG_CONFIG_HOME=%s/.config TERM=xterm-256color VISUAL= EDITOR=%s GIT_AUTHOR_NAME=E2E GIT_AUTHOR_EMAIL=e2e@example.com PATH=%s:%s GOCACHE=%s GOMODCACHE=%s GOPATH=%s GOFLAGS=-mod=mod GOTOOLCHAIN=local",
		home, home, editor, filepath.Dir(gosec), os.Getenv("PATH"), gocache, gomodcache, gopath)
	x.run("new-session", "-d", "-s", x.session, "-x", "160", "-y", "45",
		fmt.Sprintf("cd %s && %s %s 2>%s/stderr.log", repo, env, bin, home))
	t.Cleanup(func() { _ = x.cmd("kill-server").Run() })

	x.waitFor("findings loaded", regexp.MustCompile(`\b7 of 7\b`))

	// Pipeline: the code stage with gosec's seven open findings.
	x.keys("P")
	s := x.waitLong("the pipeline", 15*time.Second, func(s string) bool { return strings.Contains(s, "code") && strings.Contains(s, "gosec") })
	if !regexp.MustCompile(`code\b.*\b7\b`).MatchString(s) {
		t.Logf("pipeline screen:\n%s", s)
	}
	// Focus mode on the code stage.
	for i := 0; i < 8 && !regexp.MustCompile(`(?m)^\W*code\b`).MatchString(x.capture()); i++ {
		x.keys("j")
	}
	x.waitText("code")
	// move the cursor to the code stage (the second of the eight)
	x.keys("g", "j", "Enter")
	x.waitText("code: 7 of 7 left")

	// Walk to G404 and edit it by hand, then to G104 and apply its SARIF
	// fix. After each, focus mode is left and entered again (esc, enter):
	// it then lists the stage's open findings afresh.
	edited, fixed := false, false
	reenter := func() {
		x.keys("Escape")
		x.waitNo("Focus · code")
		x.keys("Enter")
		x.waitText(" left")
	}
	for i := 0; i < 24 && !(edited && fixed); i++ {
		s = x.waitLong("a finding", 15*time.Second, func(s string) bool { return strings.Contains(s, " left") })
		head := firstLine(s)
		switch {
		case !edited && strings.Contains(head, "G404"):
			x.keys("e")
			x.waitLong("the console back after the editor", 20*time.Second, func(s string) bool {
				b, _ := os.ReadFile(filepath.Join(home, "editor.args"))
				return len(b) > 0 && !strings.Contains(firstLine(s), "G404")
			})
			edited = true
			reenter()
		case !fixed && strings.Contains(head, "G104"):
			x.keys("f")
			x.waitText("--- a/main.go")
			x.waitText("+            _ = rows.Close()")
			x.keys("y")
			x.waitLong("focus mode past G104", 15*time.Second, func(s string) bool { return !strings.Contains(firstLine(s), "G104") })
			fixed = true
			reenter()
		default:
			x.keys("n")
			x.waitLong("the next finding", 10*time.Second, func(s string) bool { return firstLine(s) != head })
		}
	}
	if !edited || !fixed {
		t.Fatalf("edited %v fixed %v; screen:\n%s", edited, fixed, x.capture())
	}
	if args, _ := os.ReadFile(filepath.Join(home, "editor.args")); !strings.Contains(string(args), filepath.Join(repo, "main.go")) {
		t.Errorf("editor args %q", args)
	}
	code, _ := os.ReadFile(filepath.Join(repo, "main.go"))
	if !strings.Contains(string(code), "\t\t\t_ = rows.Close()\n") || strings.Contains(string(code), "rand.Int()") {
		t.Fatalf("main.go after fix and edit:\n%s", code)
	}

	// Re-scan the stage with the real gosec.
	x.keys("r")
	s = x.waitLong("the re-scan", 9*time.Minute, func(s string) bool { return strings.Contains(s, "done (o: output") || strings.Contains(s, "cancelled") })
	if !regexp.MustCompile(`fixed\s+2\n.*\b(G104|G404)\b.*\n.*\b(G104|G404)\b`).MatchString(s) || strings.Count(s, "G104") != 1 || strings.Count(s, "G404") != 1 ||
		!regexp.MustCompile(`still open\s+5`).MatchString(s) || strings.Contains(s, "new ") || strings.Contains(s, "review ") {
		t.Fatalf("re-scan report:\n%s", s)
	}
	x.keys("Escape") // the re-scan screen → focus mode, its list refreshed
	x.waitText("Focus · code")
	x.keys("Escape") // → the pipeline: the code stage has 5 open and 2 fixed
	s = x.waitLong("the pipeline's code stage with 2 fixed", 15*time.Second, func(s string) bool {
		return regexp.MustCompile(`2 code\s+5\s.*\s2\s+█`).MatchString(s)
	})
	x.keys("Escape") // → triage
	x.waitNo("Pipeline")
	x.keys("q")
	x.waitGone()

	// secui list --state fixed, and the ledger.
	list := exec.Command(bin, "list", "--state", "fixed", "--json")
	list.Dir = repo
	list.Env = append(os.Environ(), "HOME="+home)
	out, err := list.Output()
	if err != nil {
		t.Fatalf("secui list: %v\n%s", err, out)
	}
	var doc struct {
		Findings []struct {
			ID    string `json:"id"`
			Rule  string `json:"rule"`
			State string `json:"state"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	rules := map[string]string{}
	for _, f := range doc.Findings {
		rules[f.Rule] = f.State
	}
	if len(doc.Findings) != 2 || rules["G104"] != "fixed" || rules["G404"] != "fixed" {
		t.Fatalf("secui list --state fixed: %s", out)
	}
	ledger, err := os.ReadFile(filepath.Join(repo, ".secui", "ledger.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"tool-fix", "hand-edit", "gosec"} {
		if !strings.Contains(string(ledger), want) {
			t.Errorf("ledger lacks %q:\n%s", want, ledger)
		}
	}
	if strings.Contains(string(ledger), "pending: true") {
		t.Errorf("a fix is still pending after the re-scan:\n%s", ledger)
	}
}
