package tui

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secui/secui/internal/testutil"
)

// bigSemgrepLog is a real Semgrep log (the OWASP Benchmark sample, 1,768
// results) with its results repeated copies times, each copy 1,000 lines
// further down the same files: one file of copies×1,768 distinct findings.
func bigSemgrepLog(t *testing.T, copies int) []byte {
	t.Helper()
	data, err := os.ReadFile(testutil.CorpusFile(t, "DefectDojo-django-DefectDojo/semgrepowasp-benchmark-sample.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	var log map[string]any
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	run := log["runs"].([]any)[0].(map[string]any)
	orig := run["results"].([]any)
	var all []any
	for k := 0; k < copies; k++ {
		for _, r := range orig {
			b, _ := json.Marshal(r)
			var c map[string]any
			_ = json.Unmarshal(b, &c)
			for _, l := range c["locations"].([]any) {
				reg := l.(map[string]any)["physicalLocation"].(map[string]any)["region"].(map[string]any)
				for _, key := range []string{"startLine", "endLine"} {
					if v, ok := reg[key].(float64); ok {
						reg[key] = v + float64(1000*k)
					}
				}
			}
			all = append(all, c)
		}
	}
	// the run's metadata first, as Semgrep writes it (json.Marshal would
	// sort "results" before "tool")
	delete(run, "results")
	meta, err := json.Marshal(run)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	fmt.Fprintf(&out, `{"$schema":%q,"version":"2.1.0","runs":[%s,"results":[`, log["$schema"], strings.TrimSuffix(string(meta), "}"))
	for i, r := range all {
		b, _ := json.Marshal(r)
		if i > 0 {
			out.WriteString(",\n")
		}
		out.Write(b)
	}
	out.WriteString("]}]}\n")
	return []byte(out.String())
}

var (
	findingRow = regexp.MustCompile(`(?m)^.*\s[CHMLI]\s+(plan|code|build|test|release|deploy|operate|monitor)\s.*$`)
	countOf    = regexp.MustCompile(`\b(\d+) of (\d+)\b`)
)

// Rows within one big file, on the real binary in tmux: a single 18 MB
// Semgrep log is fed through a FIFO in two parts. While the first 12 MiB
// are all that was written, the table already shows part of the file's rows (a
// partial count) and every state cell says loading… — a ledger suppresses
// 15,520 of its 35,360 findings, and none of them is ever shown as open while its
// decision is loading; a triage key waits. Once the file is complete the
// decisions are matched: the suppressed findings are hidden and the rest
// are open.
func TestRowsWithinOneBigFile(t *testing.T) {
	bin := buildSecui(t)
	const copies = 20
	log := bigSemgrepLog(t, copies)
	if len(log) < 16<<20 {
		t.Fatalf("log is %d bytes: too small to stream", len(log))
	}
	total := copies * 1768
	const samesite = "java.lang.security.audit.cookie-missing-samesite.cookie-missing-samesite"
	suppressedN := copies * 776

	repo := filepath.Join(t.TempDir(), "bench")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	git(t, repo, "init", "-q", "-b", "main")
	home := t.TempDir()
	// the ledger: every samesite finding of the file suppressed (one record each)
	full := filepath.Join(t.TempDir(), "semgrep.sarif")
	if err := os.WriteFile(full, log, 0o644); err != nil {
		t.Fatal(err)
	}
	cli := exec.Command(bin, "suppress", "--rule", samesite, "--reason", "accepted-risk",
		"-j", "cookies are set by the gateway with SameSite=Strict, reviewed", full)
	cli.Dir = repo
	cli.Env = append(os.Environ(), "HOME="+home, "GIT_AUTHOR_NAME=E2E", "GIT_AUTHOR_EMAIL=e2e@example.com")
	if out, err := cli.CombinedOutput(); err != nil {
		t.Fatalf("secui suppress: %v\n%s", err, out)
	}
	led, err := os.ReadFile(filepath.Join(repo, ".secui", "ledger.yaml"))
	if err != nil || strings.Count(string(led), "action: suppress") < suppressedN {
		t.Fatalf("ledger: %v, %d suppressions", err, strings.Count(string(led), "action: suppress"))
	}

	fifo := filepath.Join(t.TempDir(), "semgrep.sarif")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFO: %v", err)
	}
	env := fmt.Sprintf("env -u NO_COLOR HOME=%s XDG_CONFIG_HOME=%s/.config TERM=xterm-256color SECUI_NO_WATCH=1", home, home)
	x := &tmux{t: t, session: fmt.Sprintf("secui-partial-%d", os.Getpid())}
	x.run("new-session", "-d", "-s", x.session, "-x", "200", "-y", "50",
		fmt.Sprintf("cd %s && %s %s %s 2>%s/stderr.log", repo, env, bin, fifo, home))
	t.Cleanup(func() { _ = x.cmd("kill-server").Run() })

	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	half := 12 << 20 // past the 8 MiB a pipe is read ahead before it is streamed
	if _, err := w.Write(log[:half]); err != nil {
		t.Fatal(err)
	}
	// A partial count while the writer still holds the FIFO open, and no
	// state but loading… on any row.
	partial := 0
	s := x.waitUntil("part of the file's rows", func(s string) bool {
		for _, m := range countOf.FindAllStringSubmatch(s, -1) {
			a, _ := strconv.Atoi(m[1])
			b, _ := strconv.Atoi(m[2])
			if a == b && a > 0 && a < total {
				partial = a
				return findingRow.MatchString(s)
			}
		}
		return false
	})
	if !strings.Contains(s, "loading…") {
		t.Fatalf("no loading progress while the file is fed:\n%s", s)
	}
	checkLoading := func(s string) {
		t.Helper()
		for _, row := range findingRow.FindAllString(s, -1) {
			if !strings.Contains(row, "loading…") && !strings.Contains(row, "load…") {
				t.Fatalf("a row shows a state before its decision is loaded:\n%s\n\n%s", row, s)
			}
		}
	}
	checkLoading(s)
	x.keys("j", "j", "j")
	x.keys("s")
	s = x.waitText("still loading")
	checkLoading(s)
	// rows keep arriving from the same file, still provisional: sample the
	// screen a few times
	for range 5 {
		time.Sleep(100 * time.Millisecond)
		checkLoading(x.capture())
	}
	if _, err := w.Write(log[half:]); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	open := total - suppressedN
	s = x.waitUntil("the decisions matched", func(s string) bool {
		return strings.Contains(s, fmt.Sprintf("%d of %d", open, open)) && !strings.Contains(s, "loading…")
	})
	if strings.Contains(s, "samesite") {
		t.Fatalf("a suppressed finding is shown:\n%s", s)
	}
	if !findingRow.MatchString(s) || !strings.Contains(s, "open") {
		t.Fatalf("no open rows after matching:\n%s", s)
	}
	t.Logf("partial count while the file was fed: %d of %d findings", partial, total)
	x.keys("q")
	x.waitGone()
	if data, _ := os.ReadFile(filepath.Join(home, "stderr.log")); len(strings.TrimSpace(string(data))) > 0 {
		t.Fatalf("stderr: %s", data)
	}
}
