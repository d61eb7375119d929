package tui

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/secui/secui/internal/testutil"
)

func buildSecui(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed")
	}
	bin := filepath.Join(t.TempDir(), "secui")
	build := exec.Command("go", "build", "-o", bin, "./cmd/secui")
	build.Dir = moduleRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// The real binary in tmux, on a repository with one real scan file and a
// FIFO a slow writer is still feeding: the file's rows and its count show
// while the FIFO is open (a partial count, loading… in the status line);
// closing it completes the count. Then the console is live: a decision
// made by another secui process hides its finding, and a changed scan file
// is reloaded, the filter kept.
func TestLiveConsole(t *testing.T) {
	bin := buildSecui(t)
	data, err := os.ReadFile(testutil.CorpusFile(t, "DefectDojo-django-DefectDojo/codeQL-output.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	slow, err := os.ReadFile(testutil.CorpusFile(t, "microsoft-sarif-sdk/WebGoat.xml.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(t.TempDir(), "acme")
	if err := os.MkdirAll(filepath.Join(repo, "scans"), 0o755); err != nil {
		t.Fatal(err)
	}
	scan := filepath.Join(repo, "scans", "codeql.sarif")
	if err := os.WriteFile(scan, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// the code the decisions are about, so they are placed with evidence
	var code strings.Builder
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&code, "line_%d = db.execute(\"SELECT %d FROM users WHERE name = '%%s'\" %% name)\n", i, i)
	}
	if err := os.MkdirAll(filepath.Join(repo, "bad"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "bad", "libuser.py"), []byte(code.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, repo, "init", "-q", "-b", "main")
	git(t, repo, "add", "-A")
	git(t, repo, "commit", "-qm", "fixture")
	fifo := filepath.Join(t.TempDir(), "webgoat.sarif")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFO: %v", err)
	}
	home := t.TempDir()
	env := fmt.Sprintf("env -u NO_COLOR HOME=%s XDG_CONFIG_HOME=%s/.config TERM=xterm-256color GIT_AUTHOR_NAME=E2E GIT_AUTHOR_EMAIL=e2e@example.com", home, home)

	x := &tmux{t: t, session: fmt.Sprintf("secui-live-%d", os.Getpid())}
	x.run("new-session", "-d", "-s", x.session, "-x", "200", "-y", "50",
		fmt.Sprintf("cd %s && %s %s %s %s 2>%s/stderr.log", repo, env, bin, scan, fifo, home))
	t.Cleanup(func() { _ = x.cmd("kill-server").Run() })

	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(slow[:len(slow)/2]); err != nil {
		t.Fatal(err)
	}
	// a partial count while the writer still holds the FIFO open
	s := x.waitFor("the first file's rows", regexp.MustCompile(`\b72 of 72\b`))
	if !strings.Contains(s, "loading… 1 file(s), 72 findings") || !strings.Contains(s, "▌") {
		t.Fatalf("no partial rows while loading:\n%s", s)
	}
	if _, err := w.Write(slow[len(slow)/2:]); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	s = x.waitFor("every row", regexp.MustCompile(`\b102 of 102\b`))
	x.waitNo("loading…")

	// a filter, then a decision by another process: the console reloads
	// the ledger and hides the finding, the filter stays
	x.keys("/")
	x.typ("rule:py/sql-injection")
	x.keys("Enter")
	x.waitFor("the filter", regexp.MustCompile(`\b2 of 102\b`))
	cli := exec.Command(bin, "suppress", "--rule", "py/sql-injection", "--path", "bad/libuser.py", "--reason", "false-positive",
		"-j", "parameterised by the driver, reviewed in the e2e test", scan)
	cli.Dir = repo
	cli.Env = append(os.Environ(), "HOME="+home, "GIT_AUTHOR_NAME=E2E", "GIT_AUTHOR_EMAIL=e2e@example.com")
	if out, err := cli.CombinedOutput(); err != nil {
		t.Fatalf("secui suppress: %v\n%s", err, out)
	}
	s = x.waitText("the ledger changed on disk")
	s = x.waitFor("the suppressed findings hidden", regexp.MustCompile(`\b0 of 100\b`))
	if !strings.Contains(s, "rule:py/sql-injection") {
		t.Fatalf("the filter was lost:\n%s", s)
	}

	// with a pipe among the inputs the scan files are not watched (a pipe
	// cannot be read twice); on the scan file alone they are
	x.keys("Escape")
	x.keys("q")
	x.waitGone()
	x.run("new-session", "-d", "-s", x.session, "-x", "200", "-y", "50",
		fmt.Sprintf("cd %s && %s %s 2>>%s/stderr.log", repo, env, bin, home))
	x.waitFor("the scan", regexp.MustCompile(`\b70 of 70\b`))
	// the scan file changes (a re-scan): reloaded
	fewer := strings.Replace(string(data), `Import of 'Path' is not used.`, `Import of 'RescannedPath' is not used.`, 1)
	if fewer == string(data) {
		t.Fatal("fixture edit did nothing")
	}
	tmp := scan + ".tmp"
	if err := os.WriteFile(tmp, []byte(fewer), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, scan); err != nil { // as scanners and editors replace files
		t.Fatal(err)
	}
	x.waitText("scan files changed: reloaded")
	x.keys("/")
	x.typ("RescannedPath")
	x.keys("Enter")
	x.waitFor("the reloaded rule", regexp.MustCompile(`\b1 of \d+\b`))

	x.keys("Escape")
	x.keys("q")
	x.waitGone()
	if data, _ := os.ReadFile(filepath.Join(home, "stderr.log")); len(strings.TrimSpace(string(data))) > 0 {
		t.Fatalf("stderr: %s", data)
	}
}

// cat x.sarif | secui - opens the console: keys come from the terminal.
func TestStdinConsole(t *testing.T) {
	bin := buildSecui(t)
	src := testutil.CorpusFile(t, "DefectDojo-django-DefectDojo/codeQL-output.sarif")
	home := t.TempDir()
	x := &tmux{t: t, session: fmt.Sprintf("secui-stdin-%d", os.Getpid())}
	x.run("new-session", "-d", "-s", x.session, "-x", "160", "-y", "40",
		fmt.Sprintf("cd %s && cat '%s' | env HOME=%s TERM=xterm-256color %s - 2>%s/stderr.log; echo exit=$?; sleep 30", home, src, home, bin, home))
	t.Cleanup(func() { _ = x.cmd("kill-server").Run() })
	s := x.waitFor("the findings", regexp.MustCompile(`\b72 of 72\b`))
	if !strings.Contains(s, "<stdin>") {
		t.Fatalf("source not named:\n%s", s)
	}
	x.keys("j")
	x.keys("q")
	x.waitText("exit=0")
}
