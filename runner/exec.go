// Package runner runs the scanners configured in .secui.yaml (`scanners:`)
// and turns a successful run into proof: it stores the SARIF as that
// scanner's latest results, classifies what changed (findings/rescan) and
// records the findings it no longer reports as fixed in the ledger.
//
// A scanner runs as an argument vector, never through a shell, in its own
// process group with no standard input; standard error (and standard output
// when the SARIF goes to a file) is streamed line by line as progress. A
// timeout or a cancelled context kills the whole group (SIGTERM, then
// SIGKILL after a grace period). Only a run that exits with one of its
// configured exit codes, writes SARIF that loads, does not say
// executionSuccessful: false and prints no partial-on line counts as
// successful; anything else stores nothing and marks nothing fixed.
package runner

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/findings/repofs"
)

// Status is how a run ended.
type Status string

// Statuses. Only StatusOK proves anything.
const (
	StatusOK           Status = "ok"
	StatusNotInstalled Status = "not-installed" // the program was not found
	StatusFailed       Status = "failed"        // could not start, or an exit code not listed in exit-codes
	StatusTimeout      Status = "timeout"       // killed after its timeout
	StatusCancelled    Status = "cancelled"     // ctrl+c (the context was cancelled)
	StatusPartial      Status = "partial"       // a partial-on line on standard error
	StatusBadSARIF     Status = "bad-sarif"     // no SARIF, or SARIF that does not load
	StatusUnsuccessful Status = "unsuccessful"  // the SARIF says executionSuccessful: false
)

// Event is progress from a running scanner.
type Event struct {
	Scanner string
	Kind    EventKind
	Line    string // EventLine: one sanitised output line; EventStart: the command; EventDone: the status
	Time    time.Time
}

// EventKind is the kind of an Event.
type EventKind uint8

// Event kinds.
const (
	EventStart EventKind = iota
	EventLine
	EventDone
)

// Exec is one finished scanner process.
type Exec struct {
	Scanner  string
	Argv     []string // as configured
	Program  string   // the executable that ran (absolute path)
	Dir      string   // working directory, repository-relative ("" = root)
	Start    time.Time
	End      time.Time
	ExitCode int // -1 when it did not exit by itself
	Status   Status
	Reason   string   // why the status is not ok, in words
	Tail     []string // the last lines of standard error (sanitised)
	// sarif is the temporary file holding the SARIF (next to the stored
	// results, so storing it is a rename); "" when none.
	sarif string
}

// OK reports whether the run succeeded so far.
func (x *Exec) OK() bool { return x.Status == StatusOK }

// Options for running scanners.
type Options struct {
	// Root is the repository root (absolute).
	Root string
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Progress receives events; it is called from the goroutine that runs
	// the scanner, one event at a time. nil: no progress.
	Progress func(Event)
	// LookPath finds a program (nil: exec.LookPath, then the Go bin
	// folders: $GOBIN, $GOPATH/bin, ~/go/bin, where `make scanners`
	// installs).
	LookPath func(string) (string, error)
	// Grace is how long a killed scanner gets between SIGTERM and SIGKILL
	// (0: 3s).
	Grace time.Duration
	// MaxOutput bounds the SARIF a scanner may produce (0: 1 GiB).
	MaxOutput int64
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *Options) emit(name string, k EventKind, line string) {
	if o.Progress != nil {
		o.Progress(Event{Scanner: name, Kind: k, Line: line, Time: o.now()})
	}
}

// strippedEnv are environment variables never passed to a scanner: the
// tracker tokens secui reads (a scanner has no business with them).
var strippedEnv = []string{"JIRA_API_TOKEN", "GITHUB_TOKEN", "GH_TOKEN"}

func scannerEnv(extra map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if slices.Contains(strippedEnv, name) || (strings.HasPrefix(name, "SECUI_") && strings.Contains(name, "TOKEN")) {
			continue
		}
		if _, over := extra[name]; over {
			continue
		}
		env = append(env, kv)
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		env = append(env, k+"="+extra[k])
	}
	return env
}

// lookPath finds prog: PATH first, then the Go bin folders.
func lookPath(prog string) (string, error) {
	p, err := exec.LookPath(prog)
	if err == nil {
		return filepath.Abs(p)
	}
	if strings.ContainsRune(prog, filepath.Separator) {
		return "", err
	}
	var dirs []string
	if d := os.Getenv("GOBIN"); d != "" {
		dirs = append(dirs, d)
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		for _, d := range filepath.SplitList(gp) {
			dirs = append(dirs, filepath.Join(d, "bin"))
		}
	}
	if h, herr := os.UserHomeDir(); herr == nil {
		dirs = append(dirs, filepath.Join(h, "go", "bin"))
	}
	for _, d := range dirs {
		c := filepath.Join(d, prog)
		if st, serr := os.Stat(c); serr == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0 {
			return c, nil
		}
	}
	return "", err
}

// InstallHint says how to install the program a scanner runs.
func InstallHint(s *config.Scanner) string {
	if s.Install != "" {
		return s.Install
	}
	prog := filepath.Base(s.Run[0])
	if p, ok := Pinned[prog]; ok {
		return fmt.Sprintf("make scanners (in the secui repository), or: go install %s", p)
	}
	return "install " + prog + " and make sure it is in PATH"
}

// Pinned are the Go scanners `make scanners` installs, by program name.
// They build with go1.26 and run offline.
var Pinned = map[string]string{
	"gosec":       "github.com/securego/gosec/v2/cmd/gosec@v2.30.0",
	"gitleaks":    "github.com/zricethezav/gitleaks/v8@v8.30.1",
	"staticcheck": "honnef.co/go/tools/cmd/staticcheck@v0.8.2",
}

// Execute runs scanner s once. It never returns an error: how the run ended
// is in the Exec (Status, Reason). A successful Exec holds the SARIF in a
// temporary file that Store renames into place or Discard removes.
func Execute(ctx context.Context, s *config.Scanner, o Options) *Exec {
	x := &Exec{Scanner: s.Name, Argv: slices.Clone(s.Run), Dir: s.Dir, ExitCode: -1}
	x.Start = o.now()
	defer func() {
		x.End = o.now()
		o.emit(s.Name, EventDone, string(x.Status))
	}()
	fail := func(st Status, format string, a ...any) *Exec {
		x.Status, x.Reason = st, fmt.Sprintf(format, a...)
		x.discard()
		return x
	}
	root, err := repofs.Open(o.Root)
	if err != nil {
		return fail(StatusFailed, "%v", err)
	}
	defer root.Close()

	dir := root.Dir()
	if s.Dir != "" {
		real, err := root.Resolve(s.Dir)
		if err != nil {
			return fail(StatusFailed, "dir: %v", err)
		}
		dir = filepath.Join(root.Dir(), filepath.FromSlash(real))
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return fail(StatusFailed, "dir %s is not a folder", s.Dir)
		}
	}
	look := o.LookPath
	if look == nil {
		look = lookPath
	}
	prog := s.Run[0]
	if strings.ContainsRune(prog, '/') && !filepath.IsAbs(prog) {
		prog = filepath.Join(dir, prog)
	}
	exe, err := look(prog)
	if err != nil {
		return fail(StatusNotInstalled, "%s is not installed (not found in PATH or the Go bin folders); install it with: %s", s.Run[0], InstallHint(s))
	}
	x.Program = exe

	// The stored results' folder holds the temporary SARIF, so storing it
	// is a rename on the same file system.
	resRel := s.ResultsPath()
	resDir := pathDir(resRel)
	if resDir != "." {
		if err := root.MkdirAll(resDir, 0o755); err != nil {
			return fail(StatusFailed, "creating %s: %v", resDir, err)
		}
	}
	realRes, err := root.Resolve(resRel)
	if err != nil {
		return fail(StatusFailed, "results: %v", err)
	}
	tmp, err := os.CreateTemp(filepath.Join(root.Dir(), filepath.FromSlash(pathDir(realRes))), "."+pathBase(realRes)+repofs.TempPrefix+"*")
	if err != nil {
		return fail(StatusFailed, "%v", err)
	}
	x.sarif = tmp.Name()

	var outRel string
	if s.Output != "" {
		// A stale output file from an earlier run must never pass for this
		// run's: remove it first.
		if outRel, err = root.Resolve(s.Output); err != nil {
			tmp.Close()
			return fail(StatusFailed, "output: %v", err)
		}
		if d := pathDir(outRel); d != "." {
			if err := root.MkdirAll(d, 0o755); err != nil {
				tmp.Close()
				return fail(StatusFailed, "creating %s: %v", d, err)
			}
		}
		if err := os.Remove(filepath.Join(root.Dir(), filepath.FromSlash(outRel))); err != nil && !errors.Is(err, os.ErrNotExist) {
			tmp.Close()
			return fail(StatusFailed, "removing the old %s: %v", s.Output, err)
		}
	}

	var partial []*regexp.Regexp
	for _, p := range s.PartialOn {
		if re, err := regexp.Compile(p); err == nil {
			partial = append(partial, re)
		}
	}
	lw := &lineWriter{emit: func(l string) { o.emit(s.Name, EventLine, l) }, partial: partial}
	max := o.MaxOutput
	if max <= 0 {
		max = 1 << 30
	}
	cmd := exec.Command(exe, s.Run[1:]...)
	cmd.Dir = dir
	cmd.Env = scannerEnv(s.Env)
	cmd.Stdin = nil
	cmd.Stderr = lw
	lim := &limitWriter{w: tmp, n: max}
	if s.Output == "" {
		cmd.Stdout = lim
	} else {
		cmd.Stdout = lw
	}
	cmd.WaitDelay = 2 * time.Second
	setGroup(cmd)
	o.emit(s.Name, EventStart, strings.Join(s.Run, " "))
	if err := cmd.Start(); err != nil {
		tmp.Close()
		return fail(StatusFailed, "starting %s: %v", s.Run[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = config.DefaultTimeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	grace := o.Grace
	if grace <= 0 {
		grace = 3 * time.Second
	}
	var werr error
	killed := Status("")
	select {
	case werr = <-done:
	case <-timer.C:
		killed = StatusTimeout
		werr = killGroup(cmd, done, grace)
	case <-ctx.Done():
		killed = StatusCancelled
		werr = killGroup(cmd, done, grace)
	}
	lw.flush()
	x.Tail = lw.tail
	closeErr := tmp.Close()
	if cmd.ProcessState != nil && cmd.ProcessState.Exited() {
		x.ExitCode = cmd.ProcessState.ExitCode()
	}
	switch {
	case killed == StatusTimeout:
		return fail(StatusTimeout, "timed out after %s; the process group was killed", timeout)
	case killed == StatusCancelled:
		return fail(StatusCancelled, "interrupted; the process group was killed")
	case lim.over:
		return fail(StatusBadSARIF, "wrote more than %d bytes of output", max)
	case x.ExitCode < 0:
		return fail(StatusFailed, "did not exit normally: %v", werr)
	case !slices.Contains(s.ExitCodes, x.ExitCode):
		return fail(StatusFailed, "exited with status %d (exit-codes: %v)%s", x.ExitCode, s.ExitCodes, lastLine(x.Tail))
	case lw.partialLine != "":
		return fail(StatusPartial, "partial run: %q (partial-on)", lw.partialLine)
	case closeErr != nil:
		return fail(StatusFailed, "%v", closeErr)
	}
	if s.Output != "" {
		if err := copyOutput(root, outRel, x.sarif, max); err != nil {
			return fail(StatusBadSARIF, "reading %s: %v", s.Output, err)
		}
	}
	x.Status = StatusOK
	return x
}

func lastLine(tail []string) string {
	if len(tail) == 0 {
		return ""
	}
	return ": " + tail[len(tail)-1]
}

// copyOutput copies the scanner's output file (read through the
// confinement: a symlink out of the repository is refused) to dst.
func copyOutput(root *repofs.Root, rel, dst string, max int64) error {
	f, err := root.Open(rel)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return errors.New("the scanner did not write it")
		}
		return err
	}
	defer f.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	n, err := io.Copy(out, io.LimitReader(f, max+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > max {
		err = fmt.Errorf("larger than %d bytes", max)
	}
	return err
}

// discard removes the temporary SARIF.
func (x *Exec) discard() {
	if x.sarif != "" {
		os.Remove(x.sarif)
		x.sarif = ""
	}
}

// Discard removes what a run left (its temporary SARIF); Store does it for
// a stored run.
func (x *Exec) Discard() { x.discard() }

func pathDir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return "."
}

func pathBase(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// lineWriter splits output into lines for progress, keeps the last ones
// and watches for partial-on lines.
type lineWriter struct {
	mu          sync.Mutex
	buf         []byte
	emit        func(string)
	partial     []*regexp.Regexp
	partialLine string
	tail        []string
}

const maxLine = 4096

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexAny(w.buf, "\r\n")
		if i < 0 {
			if len(w.buf) > maxLine {
				w.line(w.buf[:maxLine])
				w.buf = w.buf[maxLine:]
				continue
			}
			break
		}
		w.line(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) == 0 {
		w.buf = nil
	}
	return len(p), nil
}

func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.line(w.buf)
		w.buf = nil
	}
}

func (w *lineWriter) line(b []byte) {
	if len(b) > maxLine {
		b = b[:maxLine]
	}
	raw := string(b)
	l := findings.SanitizeLine(raw)
	if strings.TrimSpace(l) == "" {
		return
	}
	if w.partialLine == "" {
		for _, re := range w.partial {
			if re.MatchString(raw) {
				w.partialLine = l
				break
			}
		}
	}
	w.tail = append(w.tail, l)
	if len(w.tail) > 20 {
		w.tail = w.tail[1:]
	}
	if w.emit != nil {
		w.emit(l)
	}
}

// limitWriter writes at most n bytes to w, then fails.
type limitWriter struct {
	w    io.Writer
	n    int64
	over bool
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.n {
		l.over = true
		return 0, errors.New("output too large")
	}
	l.n -= int64(len(p))
	return l.w.Write(p)
}

// toolVersion is the version to record for a run: the SARIF driver's, or,
// when that is empty or a placeholder ("dev", "devel", "version is set by
// build process"), the main module version of the executable when it is a
// Go binary (`go install` builds report "dev" but record the module).
func toolVersion(sarifVersion, exe string) string {
	v := strings.TrimSpace(sarifVersion)
	if v != "" && !placeholderVersion(v) {
		return v
	}
	if exe != "" {
		if bi, err := buildinfo.ReadFile(exe); err == nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return strings.TrimPrefix(bi.Main.Version, "v")
		}
	}
	return v
}

func placeholderVersion(v string) bool {
	l := strings.ToLower(v)
	return l == "dev" || l == "devel" || l == "(devel)" || l == "unknown" || l == "0.0.0" || strings.Contains(l, " ")
}

// binaryVersion is the main module and version of a Go executable
// ("github.com/securego/gosec/v2 v2.30.0"); "" when it is not one or was
// built from a working tree.
func binaryVersion(exe string) string {
	if exe == "" {
		return ""
	}
	bi, err := buildinfo.ReadFile(exe)
	if err != nil || bi.Main.Version == "" || bi.Main.Version == "(devel)" {
		return ""
	}
	return bi.Main.Path + " " + bi.Main.Version
}
