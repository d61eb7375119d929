package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// initLine is one line of GODEBUG=inittrace=1: a package's init, with the
// bytes and allocations it made (deterministic, unlike its clock time).
var initLine = regexp.MustCompile(`^init (\S+) @\S+ ms, \S+ ms clock, (\d+) bytes, (\d+) allocs`)

// TestStartupInitCost: what secui's own packages cost every process
// before main stays small (issue 12 item 2, the console's first frame).
// findings/config's and findings' bounded-repetition regexps (`{0,254}`,
// `{0,127}`, `{64}`) compiled at init: 286 KB / 3,900 allocations and
// 233 KB / 1,200; they compile on first use now. glamour (rule help) and
// chroma (code colours), with chroma's lexer and style registries, cost
// 6.3 MB and ≈40 ms of every start: tui/detail renders markdown over
// goldmark's AST and colours code itself now, and neither is linked.
func TestStartupInitCost(t *testing.T) {
	cmd := exec.Command(secuiBin, "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("secui version: %v\n%s", err, out)
	}
	bytes := map[string]int{}
	allocs := map[string]int{}
	for _, l := range strings.Split(string(out), "\n") {
		m := initLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		b, _ := strconv.Atoi(m[2])
		a, _ := strconv.Atoi(m[3])
		bytes[m[1]] += b
		allocs[m[1]] += a
	}
	if len(bytes) < 50 {
		t.Fatalf("GODEBUG=inittrace=1 printed %d package inits; output:\n%s", len(bytes), out)
	}
	for _, c := range []struct {
		pkg      string
		maxBytes int
	}{
		{"github.com/secui/secui/findings/config", 100 << 10}, // ≈26 KB (was 286 KB)
		{"github.com/secui/secui/findings", 150 << 10},        // ≈95 KB (was 233 KB)
	} {
		if bytes[c.pkg] > c.maxBytes {
			t.Errorf("init %s allocates %d bytes (%d allocations), more than %d: a regexp or table built at package init again?", c.pkg, bytes[c.pkg], allocs[c.pkg], c.maxBytes)
		}
	}
	for p := range bytes {
		for _, heavy := range []string{"github.com/alecthomas/chroma", "charm.land/glamour", "github.com/charmbracelet/glamour", "github.com/microcosm-cc/bluemonday"} {
			if strings.HasPrefix(p, heavy) {
				t.Errorf("%s is linked again (its init: %d bytes, %d allocations): chroma's registries and glamour cost ≈40 ms of every start", p, bytes[p], allocs[p])
			}
		}
	}
	// every package, ours and not: ≈1.15 MB (7.45 MB with glamour and chroma)
	all := 0
	for _, b := range bytes {
		all += b
	}
	if all > 2<<20 {
		t.Errorf("package init allocates %d bytes in all (budget 2 MB); the largest:\n%s", all, largest(bytes, 8))
	}
	// secui's own packages, all together: ≈0.45 MB.
	own := 0
	for p, b := range bytes {
		if p == "main" || strings.HasPrefix(p, "github.com/secui/secui/") {
			own += b
		}
	}
	if own > 1<<20 {
		t.Errorf("secui's packages allocate %d bytes at init (budget 1 MB); the largest of all:\n%s", own, largest(bytes, 8))
	}
}

func largest(m map[string]int, n int) string {
	type kv struct {
		k string
		v int
	}
	var s []kv
	for k, v := range m {
		s = append(s, kv{k, v})
	}
	sort.Slice(s, func(i, j int) bool { return s[i].v > s[j].v })
	var b strings.Builder
	for i := 0; i < min(n, len(s)); i++ {
		b.WriteString("  " + s[i].k + " " + strconv.Itoa(s[i].v) + " bytes\n")
	}
	return b.String()
}

// TestStartupNoTmuxExec: in a tmux pane, package init runs no `tmux info`
// (lipgloss's Writer did, 20-35 ms before main; cmd/secui/internal/tmuxenv
// hides TMUX from the packages' init), and TMUX is back for the console:
// its background colour check asks tmux (tui.Run, 400 ms after the start).
// A fake tmux first on the pane's PATH records each call.
func TestStartupNoTmuxExec(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tmux")
	}
	real, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("no tmux")
	}
	dir := t.TempDir()
	fake, mark := filepath.Join(dir, "bin"), filepath.Join(dir, "calls")
	if err := os.MkdirAll(fake, 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho \"$*\" >> " + mark + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(fake, "tmux"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	sock := "secui-notmux-" + strconv.Itoa(os.Getpid())
	tm := func(args ...string) *exec.Cmd {
		return exec.Command(real, append([]string{"-L", sock, "-f", "/dev/null"}, args...)...)
	}
	n := 0
	done := filepath.Join(dir, "done")
	sarif, _ := filepath.Abs(filepath.Join("testdata", "gosecapp", "gosec.sarif"))
	pane := func(cmd string) {
		t.Helper()
		n++
		sock = "secui-notmux-" + strconv.Itoa(os.Getpid()) + "-" + strconv.Itoa(n) // a server per pane
		kill := tm("kill-server")
		t.Cleanup(func() { _ = kill.Run() })
		// a terminal on stdout, TMUX set by tmux, no NO_COLOR/COLORTERM
		// shortcut: colour detection would ask tmux
		line := "env -u NO_COLOR -u COLORTERM TERM=xterm-256color HOME=" + dir + " PATH=" + fake + ":" + os.Getenv("PATH") + " " + cmd
		if out, err := tm("new-session", "-d", "-x", "120", "-y", "30", "-c", dir, line).CombinedOutput(); err != nil {
			t.Fatalf("tmux new-session: %v\n%s", err, out)
		}
	}
	calls := func() string { b, _ := os.ReadFile(mark); return string(b) }

	pane(secuiBin + " version && echo ok > " + done + "; sleep 3") // stdout: the pane
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, _ := os.ReadFile(done); len(b) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("secui version did not finish in the pane")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if c := calls(); c != "" {
		t.Fatalf("secui version ran tmux before main (package init): %q", c)
	}
	pane(secuiBin + " " + sarif + "; sleep 3")
	for deadline = time.Now().Add(10 * time.Second); calls() == ""; {
		if time.Now().After(deadline) {
			t.Fatal("the console never asked tmux for its colour profile: TMUX not restored after package init?")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if c := calls(); !strings.Contains(c, "info") {
		t.Fatalf("the console called tmux with %q, want info", c)
	}
}
