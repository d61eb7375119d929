//go:build unix

// Command consoletime times the real console in tmux, as a user sees it: the
// first frame, the first finding row and all rows after start, then how long
// 200 `j` presses sent at once take to reach the screen (until it stops
// changing). The cursor must then be on finding 201 of `secui list --sort
// severity`, or the run is an error: presses that were lost would otherwise
// look fast. With -less it times `less` on as many lines with the same
// presses, in the same tmux server, by the same method: what the terminal
// path (tmux, the pty, the scheduler) costs on this machine right now. It is
// the console part of `make bench`.
//
//	consoletime -bin bin/secui -n 100000 -dir /tmp/repo -runs 3 -less FILE.sarif
//
// The clock starts when secui is executed, not when tmux is asked for the
// session: the pane's shell waits on a FIFO, and consoletime starts the clock
// as it lets the shell go on to exec secui. Starting the tmux server and the
// pane's shell (≈50–60 ms here) is not secui's start-up, and a user who
// types `secui` in a terminal does not pay it. That overhead is printed as
// tmux_start (from new-session to the exec).
//
// It prints one line of key=value figures in seconds, medians of -runs runs
// (first_frame, first_row, all_rows, keys200, less200, tmux_start), then
// runs=N. With -trace, secui runs with SECUI_TRACE (internal/trace) and the
// median time of each traced event after the exec is printed too, one
// trace_EVENT=S per event, so a start-up can be taken apart. A
// phase that does not finish within -timeout is an error naming the phase,
// with the screen it was waiting on.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var (
	bin     = flag.String("bin", "bin/secui", "secui binary")
	want    = flag.Int("n", 0, "findings the file holds (all rows: the count shows `N of N`)")
	dir     = flag.String("dir", "", "directory to start the console in (a git repository)")
	keys    = flag.Int("keys", 200, "j presses to time (0: none)")
	runs    = flag.Int("runs", 1, "runs; the figures are medians")
	less    = flag.Bool("less", false, "also time `less` on -n lines with the same presses")
	timeout = flag.Duration("timeout", 180*time.Second, "give up on a phase after")
	width   = flag.Int("x", 160, "terminal columns")
	height  = flag.Int("y", 40, "terminal rows")
	traced  = flag.Bool("trace", false, "run secui with SECUI_TRACE and print the median time of each traced event")
	perRun  = flag.Bool("trace-runs", false, "with -trace, also print each run's events in time order on stderr (medians of separate events mix runs)")
)

// A finding row: severity letter, then a stage.
var rowRe = regexp.MustCompile(`\s[CHMLI]\s+(plan|code|build|test|release|deploy|operate|monitor)\s`)
var countRe = regexp.MustCompile(`(\d+) of (\d+)`)

// quiet is how long the screen must stay unchanged after the presses for
// the last change to count as their end.
const quiet = 700 * time.Millisecond

type term struct{ sock string }

func (t term) run(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-L", t.sock}, args...)...).Output()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		err = fmt.Errorf("tmux %s: %v: %s", args[0], err, strings.TrimSpace(string(ee.Stderr)))
	}
	return string(out), err
}

// newSession starts a detached session of the -x by -y terminal (args: the
// rest of new-session's arguments). A server killed just before may still be
// exiting ("server exited unexpectedly"): it tries again, up to 8 times and
// 2.8 s in all (a make bench run on 2026-12-03 lost its 100k console figures
// when the 3 tries of 100 ms it had all failed on the first run; the cause
// was not found, and 12 runs by hand just after started at once).
func (t term) newSession(name string, args ...string) error {
	for try := 1; ; try++ {
		_, err := t.run(append([]string{"new-session", "-d", "-s", name, "-x", strconv.Itoa(*width), "-y", strconv.Itoa(*height)}, args...)...)
		if err == nil || try == 8 || !strings.Contains(err.Error(), "server exited unexpectedly") {
			return err
		}
		time.Sleep(time.Duration(try) * 100 * time.Millisecond)
	}
}

func (t term) capture(session string) string {
	s, _ := t.run("capture-pane", "-p", "-t", session)
	return s
}

func (t term) kill() { t.run("kill-server") }

// press waits for the screen to settle, sends n `j` presses at once and
// returns the time from sending them until the screen last changed (it then
// stays unchanged for quiet).
func (t term) press(session string, n int) (time.Duration, error) {
	// First the screen settles (unchanged for quiet, at most 15 s): what
	// is still being drawn after loading (details, git context) is not
	// counted as the presses' cost.
	last, since := t.capture(session), time.Now()
	for settle := time.Now(); time.Since(since) < quiet && time.Since(settle) < 15*time.Second; {
		time.Sleep(10 * time.Millisecond)
		if s := t.capture(session); s != last {
			last, since = s, time.Now()
		}
	}
	args := []string{"send-keys", "-t", session}
	for i := 0; i < n; i++ {
		args = append(args, "j")
	}
	k0 := time.Now()
	if _, err := t.run(args...); err != nil {
		return 0, err
	}
	lastAt := time.Duration(0)
	for time.Since(k0) < *timeout {
		s := t.capture(session)
		if s != last {
			last, lastAt = s, time.Since(k0)
		} else if lastAt > 0 && time.Since(k0)-lastAt > quiet {
			return lastAt, nil
		}
		time.Sleep(3 * time.Millisecond)
	}
	if lastAt == 0 {
		return 0, fmt.Errorf("%d presses: the screen never changed; screen:\n%s", n, last)
	}
	return 0, fmt.Errorf("%d presses: the screen was still changing after %s", n, *timeout)
}

type figures struct {
	frame, row, all, keys, less, start time.Duration
	events                             map[string]time.Duration // -trace: event → time after the exec
}

func console(t term, file string) (figures, error) {
	var f figures
	t0 := time.Now()
	errf, err := os.CreateTemp("", "consoletime-*.err")
	if err != nil {
		return f, err
	}
	errf.Close()
	defer os.Remove(errf.Name())
	// The pane's shell waits on go (a FIFO) before it execs secui: the
	// clock starts when consoletime lets it go, not while tmux starts.
	tmp, err := os.MkdirTemp("", "consoletime-")
	if err != nil {
		return f, err
	}
	defer os.RemoveAll(tmp)
	goFifo := filepath.Join(tmp, "go")
	if err := syscall.Mkfifo(goFifo, 0o600); err != nil {
		return f, err
	}
	env := ""
	traceFile := filepath.Join(tmp, "trace")
	if *traced {
		env = "SECUI_TRACE=" + shellQuote(traceFile) + " "
	}
	cmd := "read _ <" + shellQuote(goFifo) + "; " + env + "exec " + shellQuote(*bin) + " " + shellQuote(file) + " 2>" + shellQuote(errf.Name())
	if err := t.newSession("b", "-c", *dir, cmd); err != nil {
		return f, err
	}
	// Opening the FIFO waits for the shell to open it (it is then at the
	// read); the newline lets it exec secui.
	w, err := os.OpenFile(goFifo, os.O_WRONLY, 0)
	if err != nil {
		return f, err
	}
	f.start = time.Since(t0)
	t0 = time.Now()
	_, err = w.WriteString("\n")
	w.Close()
	if err != nil {
		return f, err
	}
	var s string
	for f.frame == 0 || f.row == 0 || f.all == 0 {
		if _, err := t.run("has-session", "-t", "b"); err != nil {
			msg, _ := os.ReadFile(errf.Name())
			return f, fmt.Errorf("the console exited before all rows were shown: %s; last screen:\n%s", strings.TrimSpace(string(msg)), s)
		}
		if time.Since(t0) > *timeout {
			phase := "the first frame"
			switch {
			case f.row == 0 && f.frame != 0:
				phase = "the first finding row"
			case f.frame != 0:
				phase = fmt.Sprintf("all rows (%d of %d)", *want, *want)
			}
			return f, fmt.Errorf("timed out after %s waiting for %s; screen:\n%s", *timeout, phase, s)
		}
		s = t.capture("b")
		el := time.Since(t0)
		if f.frame == 0 && strings.TrimSpace(s) != "" {
			f.frame = el
		}
		if f.row == 0 && rowRe.MatchString(s) {
			f.row = el
		}
		if f.all == 0 {
			for _, m := range countRe.FindAllStringSubmatch(s, -1) {
				a, _ := strconv.Atoi(m[1])
				b, _ := strconv.Atoi(m[2])
				if a == b && a == *want {
					f.all = el
				}
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if *keys > 0 {
		d, err := t.press("b", *keys)
		if err != nil {
			return f, fmt.Errorf("secui: %w", err)
		}
		f.keys = d
		// Every press arrived: the cursor row is the finding keys+1 rows down.
		if cursorWant != "" {
			row := ""
			for _, l := range strings.Split(t.capture("b"), "\n") {
				if strings.Contains(l, "▌") {
					row = l
					break
				}
			}
			if !strings.Contains(row, cursorWant) {
				return f, fmt.Errorf("after %d presses the cursor row is %q, not finding %d (%s) of `secui list --sort severity`", *keys, strings.TrimSpace(row), *keys+1, cursorWant)
			}
		}
	}
	t.run("kill-session", "-t", "b")
	if *traced {
		f.events = readTrace(traceFile, t0)
		if *perRun {
			type ev struct {
				name string
				at   time.Duration
			}
			var evs []ev
			for k, d := range f.events {
				evs = append(evs, ev{k, d})
			}
			sort.Slice(evs, func(i, j int) bool { return evs[i].at < evs[j].at })
			var b strings.Builder
			fmt.Fprintf(&b, "run: frame=%.3f row=%.3f", f.frame.Seconds(), f.row.Seconds())
			for _, e := range evs {
				fmt.Fprintf(&b, " %s=%.3f", e.name, e.at.Seconds())
			}
			fmt.Fprintln(os.Stderr, b.String())
		}
	}
	return f, nil
}

// readTrace reads SECUI_TRACE's "unix-ns event" lines: each event's first
// time, after t0.
func readTrace(path string, t0 time.Time) map[string]time.Duration {
	data, _ := os.ReadFile(path)
	ev := map[string]time.Duration{}
	for _, l := range strings.Split(string(data), "\n") {
		ns, name, ok := strings.Cut(l, " ")
		n, err := strconv.ParseInt(ns, 10, 64)
		if !ok || err != nil {
			continue
		}
		if _, seen := ev[name]; !seen {
			ev[name] = time.Unix(0, n).Sub(t0)
		}
	}
	return ev
}

// lessKeys times the same presses in `less -S` on a file of n lines and
// checks they all arrived (the top line is then line keys+1).
func lessKeys(t term, lines string) (time.Duration, error) {
	if err := t.newSession("l", "less -S "+shellQuote(lines)); err != nil {
		return 0, err
	}
	defer t.run("kill-session", "-t", "l")
	deadline := time.Now().Add(*timeout)
	for !strings.HasPrefix(t.capture("l"), "line 1\n") {
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("less did not start; screen:\n%s", t.capture("l"))
		}
		time.Sleep(5 * time.Millisecond)
	}
	d, err := t.press("l", *keys)
	if err != nil {
		return 0, fmt.Errorf("less: %w", err)
	}
	if top := strings.SplitN(t.capture("l"), "\n", 2)[0]; top != fmt.Sprintf("line %d", *keys+1) {
		return 0, fmt.Errorf("less: after %d presses the top line is %q, not line %d", *keys, top, *keys+1)
	}
	return d, nil
}

// cursorWant is what the cursor row shows after the presses: the tail
// (base name and line) of finding keys+1 in the console's order, severity.
var cursorWant string

func findCursorWant(file string) error {
	cmd := exec.Command(*bin, "list", "--jsonl", "--limit", strconv.Itoa(*keys+1), "--sort", "severity", file)
	cmd.Dir = *dir
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("secui list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < *keys+1 {
		return nil // fewer findings than presses: nothing to check
	}
	var f struct {
		Path string `json:"path"`
		Line int    `json:"line"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &f); err != nil || f.Path == "" {
		return fmt.Errorf("secui list: finding %d: %q: %v", *keys+1, lines[len(lines)-1], err)
	}
	cursorWant = fmt.Sprintf("%s:%d", filepath.Base(f.Path), f.Line)
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)/2]
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func main() {
	flag.Parse()
	if flag.NArg() != 1 || *runs < 1 {
		fmt.Fprintln(os.Stderr, "usage: consoletime [flags] FILE.sarif")
		os.Exit(2)
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		fmt.Fprintln(os.Stderr, "consoletime: tmux not found")
		os.Exit(1)
	}
	file, _ := filepath.Abs(flag.Arg(0))
	if p, err := exec.LookPath(*bin); err == nil {
		*bin, _ = filepath.Abs(p)
	} else {
		fmt.Fprintln(os.Stderr, "consoletime:", err)
		os.Exit(1)
	}
	t := term{sock: fmt.Sprintf("secui-bench-%d", os.Getpid())}
	defer t.kill()
	// Interrupted (make bench stopped): the tmux server goes too.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		<-sig
		t.kill()
		os.Exit(130)
	}()

	var lines string
	if *less && *keys > 0 {
		if _, err := exec.LookPath("less"); err != nil {
			fmt.Fprintln(os.Stderr, "consoletime: less not found: no less200")
			*less = false
		} else {
			f, err := os.CreateTemp("", "consoletime-*.txt")
			if err != nil {
				fmt.Fprintln(os.Stderr, "consoletime:", err)
				os.Exit(1)
			}
			var b strings.Builder
			for i := 1; i <= max(*want, *keys+*height); i++ {
				fmt.Fprintf(&b, "line %d\n", i)
			}
			f.WriteString(b.String())
			f.Close()
			lines = f.Name()
			defer os.Remove(lines)
		}
	}

	if *keys > 0 {
		if err := findCursorWant(file); err != nil {
			fmt.Fprintln(os.Stderr, "consoletime:", err)
			os.Exit(1)
		}
	}
	var all []figures
	for r := 0; r < *runs; r++ {
		t.kill()
		f, err := console(t, file)
		if err != nil {
			t.kill()
			fmt.Fprintf(os.Stderr, "consoletime: run %d: %v\n", r+1, err)
			os.Exit(1)
		}
		if lines != "" {
			if f.less, err = lessKeys(t, lines); err != nil {
				fmt.Fprintf(os.Stderr, "consoletime: run %d: %v\n", r+1, err)
				os.Exit(1)
			}
		}
		all = append(all, f)
	}
	pick := func(g func(figures) time.Duration) float64 {
		var ds []time.Duration
		for _, f := range all {
			ds = append(ds, g(f))
		}
		return median(ds).Seconds()
	}
	fmt.Printf("first_frame=%.3f first_row=%.3f all_rows=%.3f",
		pick(func(f figures) time.Duration { return f.frame }),
		pick(func(f figures) time.Duration { return f.row }),
		pick(func(f figures) time.Duration { return f.all }))
	if *keys > 0 {
		fmt.Printf(" keys%d=%.3f", *keys, pick(func(f figures) time.Duration { return f.keys }))
		if lines != "" {
			fmt.Printf(" less%d=%.3f", *keys, pick(func(f figures) time.Duration { return f.less }))
		}
	}
	fmt.Printf(" tmux_start=%.3f", pick(func(f figures) time.Duration { return f.start }))
	if *traced {
		// events in the order of their median times
		names := map[string]bool{}
		for _, f := range all {
			for k := range f.events {
				names[k] = true
			}
		}
		type ev struct {
			name string
			at   float64
		}
		var evs []ev
		for k := range names {
			var ds []time.Duration
			for _, f := range all {
				if d, ok := f.events[k]; ok {
					ds = append(ds, d)
				}
			}
			evs = append(evs, ev{k, median(ds).Seconds()})
		}
		sort.Slice(evs, func(i, j int) bool { return evs[i].at < evs[j].at })
		for _, e := range evs {
			fmt.Printf(" trace_%s=%.3f", e.name, e.at)
		}
	}
	fmt.Printf(" runs=%d\n", *runs)
}
