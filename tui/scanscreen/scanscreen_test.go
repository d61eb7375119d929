package scanscreen

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/internal/testutil"
	"github.com/secui/secui/tui/internal/screentest"
	"github.com/secui/secui/tui/screen"
)

var testNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// repo is a git repository with the Go fixture (gosec finds seven problems)
// and a .secui.yaml with the given scanners: section.
func repo(t *testing.T, scanners string) (string, Deps) {
	t.Helper()
	dir := screentest.Repo(t, map[string]string{
		"go.mod": testutil.GoMod, "main.go": testutil.GoMain, "serve.go": testutil.GoServe,
		".secui.yaml": "scanners:\n" + scanners,
	})
	return dir, deps(t, dir)
}

func deps(t *testing.T, dir string) Deps {
	t.Helper()
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(dir, cfg.Ledger)
	if err != nil {
		t.Fatal(err)
	}
	clk := testNow
	return Deps{Root: dir, Repo: r, Config: cfg, Ledger: l, Now: func() time.Time { clk = clk.Add(time.Second); return clk }}
}

func run(t *testing.T, m *Model, hook func(screen.Screen, tea.Msg) tea.Msg) *Model {
	t.Helper()
	s, pop := screentest.Loop(t, m, m.Init(), 5*time.Minute, hook)
	if pop != nil {
		t.Fatalf("popped by itself: %+v", pop.Result)
	}
	return s.(*Model)
}

// The real gosec, twice: the first run stores its results; serve.go is then
// fixed (G114 gone, G306 introduced) and the re-scan of the code stage
// records G114 fixed in the ledger, lists G306 as new, and pops with the
// counts.
func TestRealGosecFixedAndNew(t *testing.T) {
	gosec := testutil.Gosec(t)
	dir, d := repo(t, fmt.Sprintf("  - name: gosec\n    stage: code\n    run: [%s, -fmt, sarif, -no-fail, ./...]\n    timeout: 5m\n", gosec))
	m := run(t, New(d, "code", ""), nil)
	if len(m.Results()) != 1 || !m.Results()[0].Success() || !m.Results()[0].Stored {
		t.Fatalf("first run: %+v\n%s", m.Results()[0].Exec, strings.Join(m.Output(), "\n"))
	}
	screentest.Contains(t, "output", strings.Join(m.Output(), "\n"), "gosec: running "+gosec)
	screentest.Contains(t, "view", m.View(), "re-scan stage code — done", "gosec", "ok")

	screentest.Write(t, dir, map[string]string{"serve.go": testutil.GoServeFixed})
	m = run(t, New(deps(t, dir), "code", "gosec"), nil)
	rep := strings.Join(m.Report(), "\n")
	screentest.Contains(t, "report", rep, "gosec: ok", "fixed        1", "G114", "serve.go", "new          1", "G306", "still open   6", "ledger .secui/ledger.yaml: 1 fixed")
	_, pop, _ := screentest.Press(t, m, "esc")
	if pop == nil {
		t.Fatal("esc did not pop")
	}
	r := pop.Result.(ResultMsg)
	if r.Fixed != 1 || r.New != 1 || r.Failed != 0 || r.Stored != 1 || r.Cancelled || r.Err != nil || r.Stage != "code" || strings.Join(r.Scanners, ",") != "gosec" {
		t.Fatalf("result %+v", r)
	}
	if cm, ok := r.Changed(); !ok || !strings.Contains(cm.Reason, "1 fixed") {
		t.Errorf("Changed %+v %v", cm, ok)
	}
	l, err := ledger.Open(dir, ".secui/ledger.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fixed := 0
	for _, dec := range l.Decisions() {
		if dec.State == findings.StateFixed && !dec.Pending && dec.Extra().Scan != nil {
			fixed++
		}
	}
	if fixed != 1 {
		t.Errorf("%d fixed records with scan evidence in the ledger, want 1", fixed)
	}
}

// sh is a scanner that runs a shell script (the test's scanner; secui
// itself never runs a shell).
func sh(name, script, extra string) string {
	return fmt.Sprintf("  - name: %s\n    stage: code\n    run: [sh, -c, %q]\n    output: out.sarif\n%s", name, script, extra)
}

// ctrl+c while the scanner runs kills it: nothing stored, nothing fixed,
// the screen stays and says cancelled; esc then pops Cancelled.
func TestCancel(t *testing.T) {
	dir, d := repo(t, sh("slow", "echo started >&2; sleep 60; echo never >&2", ""))
	start := time.Now()
	pressed := false
	m := run(t, New(d, "", ""), func(s screen.Screen, msg tea.Msg) tea.Msg {
		if e, ok := msg.(eventMsg); ok && strings.Contains(e.ev.Line, "started") && !pressed {
			pressed = true
			if !s.(screen.Capturer).Capturing() {
				t.Error("not capturing while running")
			}
			return screentest.Key("ctrl+c")
		}
		return nil
	})
	if time.Since(start) > 30*time.Second {
		t.Errorf("cancel took %s", time.Since(start))
	}
	if !pressed || m.Running() {
		t.Fatalf("pressed %v running %v", pressed, m.Running())
	}
	screentest.Contains(t, "view", m.View(), "cancelled")
	screentest.Contains(t, "report", strings.Join(m.Report(), "\n"), "cancelled", "nothing stored")
	if strings.Contains(strings.Join(m.Output(), "\n"), "slow: never") {
		t.Error("the scanner ran on after ctrl+c")
	}
	_, pop, _ := screentest.Press(t, m, "esc")
	r := pop.Result.(ResultMsg)
	if !r.Cancelled || r.Stored != 0 || r.Fixed != 0 {
		t.Fatalf("result %+v", r)
	}
	if _, ok := r.Changed(); ok {
		t.Error("a cancelled run says it changed something")
	}
	if st := screentest.Git(t, dir, "status", "--porcelain", "--untracked-files=all"); strings.Contains(st, ".sarif") {
		t.Errorf("a cancelled run stored results:\n%s", st)
	}
}

// esc while running cancels and pops once the run has ended.
func TestEscCancelsAndPops(t *testing.T) {
	_, d := repo(t, sh("slow", "echo started >&2; sleep 60", ""))
	m := New(d, "code", "")
	_, pop := screentest.Loop(t, m, m.Init(), time.Minute, func(s screen.Screen, msg tea.Msg) tea.Msg {
		if e, ok := msg.(eventMsg); ok && strings.Contains(e.ev.Line, "started") {
			return screentest.Key("esc")
		}
		return nil
	})
	if pop == nil || !pop.Result.(ResultMsg).Cancelled {
		t.Fatalf("pop %+v", pop)
	}
}

// The configured timeout ends the scanner: status timeout, nothing stored.
func TestTimeout(t *testing.T) {
	_, d := repo(t, sh("slow", "sleep 60", "    timeout: 1s\n"))
	m := run(t, New(d, "code", ""), nil)
	if r := m.Results(); len(r) != 1 || r[0].Exec.Status != "timeout" || r[0].Stored {
		t.Fatalf("results %+v", r[0].Exec)
	}
	screentest.Contains(t, "report", strings.Join(m.Report(), "\n"), "slow: timeout", "nothing stored, nothing marked fixed")
	if r := m.result(); r.Failed != 1 || r.Stored != 0 {
		t.Errorf("result %+v", r)
	}
}

// A scanner writing thousands of lines: the screen keeps the last MaxLines,
// sanitized (an escape sequence in the output is not passed on).
func TestOutputBounded(t *testing.T) {
	_, d := repo(t, sh("chatty", `i=0; while [ $i -lt 3000 ]; do printf 'line %d \033[31mred\n' $i >&2; i=$((i+1)); done; exit 3`, ""))
	m := run(t, New(d, "", "chatty"), nil)
	out := m.Output()
	if len(out) > MaxLines || len(out) < 100 {
		t.Fatalf("%d lines kept", len(out))
	}
	if m.outTotal+int(m.dropped.Load()) < 3000 {
		t.Errorf("%d lines seen + %d dropped < 3000", m.outTotal, m.dropped.Load())
	}
	for _, l := range out {
		if strings.ContainsRune(l, 0x1b) {
			t.Fatalf("escape kept: %q", l)
		}
	}
	if !strings.Contains(out[len(out)-1], "failed") {
		t.Errorf("last line %q, want the status", out[len(out)-1])
	}
	screentest.Contains(t, "report", strings.Join(m.Report(), "\n"), "chatty: failed")
}

// Configuration problems are shown, nothing runs; esc pops with the error.
func TestNoScanner(t *testing.T) {
	_, d := repo(t, sh("one", "true", ""))
	m := New(d, "build", "")
	if m.Init() != nil {
		t.Fatal("a run started without a scanner")
	}
	screentest.Contains(t, "view", m.View(), "cannot re-scan", "no configured scanner matches --stage build")
	_, pop, _ := screentest.Press(t, m, "esc")
	if r := pop.Result.(ResultMsg); r.Err == nil {
		t.Fatalf("result %+v", r)
	}
	m = New(Deps{Root: t.TempDir(), Config: config.Default()}, "", "")
	screentest.Contains(t, "view", m.View(), "no scanners configured")
	_ = filepath.Join
}
