package experiment

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/match"
	"github.com/secui/secui/findings/repofs"
)

// TestExperiment: see the package comment and docs/engine.md ("Identity:
// the experiment"). Run it with
//
//	SECUI_EXPERIMENT=1 go test ./internal/experiment/ -run Experiment -v
//
// SECUI_EXPERIMENT_REPO names the git repository of the govwa snapshot
// (default /work/.mirror/0c34+govwa/repo); gosec must be installed.
func TestExperiment(t *testing.T) {
	if os.Getenv("SECUI_EXPERIMENT") == "" {
		t.Skip("the identity experiment runs real gosec many times: SECUI_EXPERIMENT=1 to run it")
	}
	src := os.Getenv("SECUI_EXPERIMENT_REPO")
	if src == "" {
		src = "/work/.mirror/0c34+govwa/repo"
	}
	if _, err := os.Stat(src); err != nil {
		t.Skipf("no govwa snapshot at %s (SECUI_EXPERIMENT_REPO): %v", src, err)
	}
	gosec := gosecPath()
	if gosec == "" {
		t.Skip("gosec is not installed (go install github.com/securego/gosec/v2/cmd/gosec@v2.30.0)")
	}
	x := newRun(t, src, gosec)
	x.decideAll()
	for _, st := range govwaSteps {
		x.step(st)
	}
	x.report()
}

func gosecPath() string {
	if p, err := exec.LookPath("gosec"); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		if p := filepath.Join(home, "go", "bin", "gosec"); fileExists(p) {
			return p
		}
	}
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

type decision struct {
	rule     string
	origin   Origin
	lineHash string // GitHub's primaryLocationLineHash at decision time
	md       match.Decision
}

type outcome uint8

const (
	ok      outcome = iota // on the right finding
	lost                   // orphaned or in review while its finding exists
	wrong                  // on another finding (or on one while its own was fixed)
	fixedOK                // orphaned (or reviewed) and its finding is really gone
)

var outcomeMark = [...]string{"ok", "lost", "WRONG", "gone"}

type method struct {
	name  string
	cells [][]outcome // [step][decision]
}

type run struct {
	t       *testing.T
	dir     string
	gosec   string
	tree    *Tree
	ds      []decision
	methods []*method
	steps   []string
	exists  [][]bool // [step][decision]: its finding still exists
	clock   time.Time
}

func (x *run) git(args ...string) string {
	x.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = x.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		x.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func newRun(t *testing.T, src, gosec string) *run {
	dir := t.TempDir()
	if r, err := filepath.EvalSymlinks(dir); err == nil {
		dir = r
	}
	// A fresh repository holding the snapshot's files (nothing of it is
	// kept in secui's repository).
	arch := exec.Command("sh", "-c", "git -C \"$0\" archive HEAD | tar -x -C \"$1\"", src, dir)
	if out, err := arch.CombinedOutput(); err != nil {
		t.Fatalf("git archive: %v\n%s", err, out)
	}
	x := &run{t: t, dir: dir, gosec: gosec, clock: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	x.git("init", "-q", "-b", "main")
	x.git("config", "user.email", "dev@example.com")
	x.git("config", "user.name", "Dev")
	x.git("config", "commit.gpgsign", "false")
	x.git("add", "-A")
	x.git("commit", "-qm", "snapshot")
	var goFiles []string
	for _, p := range strings.Split(x.git("ls-files", "*.go"), "\n") {
		goFiles = append(goFiles, p)
	}
	tr, err := Load(dir, goFiles)
	if err != nil {
		t.Fatal(err)
	}
	x.tree = tr
	for _, n := range []string{"secui", "secui (no git)", "line-hash", "naive"} {
		x.methods = append(x.methods, &method{name: n})
	}
	return x
}

func (x *run) scan() []*findings.Finding {
	x.t.Helper()
	cmd := exec.Command(x.gosec, "-fmt", "sarif", "-no-fail", "-quiet", "./...")
	cmd.Dir = x.dir
	out, err := cmd.Output()
	if err != nil {
		x.t.Fatalf("gosec: %v", err)
	}
	p := filepath.Join(x.t.TempDir(), "gosec.sarif")
	if err := os.WriteFile(p, out, 0o644); err != nil {
		x.t.Fatal(err)
	}
	set, err := findings.Load(context.Background(), []string{p}, findings.Options{Root: x.dir})
	if err != nil || len(set.Errors) > 0 {
		x.t.Fatalf("load: %v %v", err, set.Errors)
	}
	return set.Findings
}

func (x *run) capturer() *evidence.Capturer {
	root, err := repofs.Open(x.dir)
	if err != nil {
		x.t.Fatal(err)
	}
	x.t.Cleanup(func() { root.Close() })
	return evidence.NewCapturer(root, x.git("rev-parse", "HEAD"))
}

func (x *run) lineHashOf(path string, line int) string {
	b, err := os.ReadFile(filepath.Join(x.dir, filepath.FromSlash(path)))
	if err != nil {
		return ""
	}
	hs := findings.LineHashes(b)
	if line < 1 || line > len(hs) {
		return ""
	}
	return hs[line-1]
}

// decideAll decides on every finding through the real ledger API, the
// evidence recorded by Request.Evidence, and commits the ledger.
func (x *run) decideAll() {
	fs := x.scan()
	x.t.Logf("snapshot: gosec reports %d findings", len(fs))
	l, err := ledger.Open(x.dir, ledger.DefaultPath)
	if err != nil {
		x.t.Fatal(err)
	}
	cap := x.capturer()
	captured := map[string]evidence.Evidence{}
	err = l.Decide(fs, ledger.Request{Action: ledger.ActAccept, Note: "experiment", Author: "Dev <dev@example.com>", Now: x.clock,
		Evidence: func(f *findings.Finding) evidence.Evidence {
			e := cap.ForFinding(f)
			captured[f.ID] = e
			return e
		}})
	if err != nil {
		x.t.Fatal(err)
	}
	byID := map[string]*findings.Finding{}
	for _, f := range fs {
		byID[f.ID] = f
	}
	for _, d := range l.Decisions() {
		f := byID[d.ID]
		if f == nil {
			x.t.Fatalf("ledger record %s has no finding", d.ID)
		}
		ev := d.Evidence
		if ev.Empty() { // this tree's v1 ledger file does not keep evidence yet (ledger v2 does)
			ev = captured[d.ID]
		}
		x.ds = append(x.ds, decision{
			rule: f.RuleID(), origin: Origin{f.Loc.Path, f.Loc.Line},
			lineHash: x.lineHashOf(f.Loc.Path, f.Loc.Line),
			md:       match.Decision{ID: d.ID, Tool: d.Tool, Rule: d.Rule, Keys: d.Keys, Evidence: ev},
		})
	}
	slices.SortFunc(x.ds, func(a, b decision) int {
		return strings.Compare(fmt.Sprintf("%s:%04d %s", a.origin.Path, a.origin.Line, a.rule), fmt.Sprintf("%s:%04d %s", b.origin.Path, b.origin.Line, b.rule))
	})
	x.git("add", "-A")
	x.git("commit", "-qm", "triage")
}

// Step is one kind of edit.
type Step struct {
	Name   string
	Commit bool // commit after the edit (else it stays in the working tree)
	Do     func(x *run)
}

func (x *run) step(st Step) {
	x.t.Helper()
	st.Do(x)
	if err := x.tree.Write(); err != nil {
		x.t.Fatal(err)
	}
	if st.Commit {
		x.git("add", "-A")
		x.git("commit", "-qm", st.Name)
	}
	fs := x.scan()
	x.steps = append(x.steps, st.Name)
	exists := make([]bool, len(x.ds))
	truth := make([]map[*findings.Finding]bool, len(x.ds))
	for i, d := range x.ds {
		truth[i] = map[*findings.Finding]bool{}
		places := x.tree.Where(d.origin)
		for _, f := range fs {
			if f.RuleID() != d.rule {
				continue
			}
			for _, p := range places {
				if f.Loc.Path == p.Path && f.Loc.Line == p.Line {
					truth[i][f] = true
				}
			}
		}
		exists[i] = len(truth[i]) > 0
		if len(places) > 0 && !exists[i] {
			x.t.Logf("%s: %s %s:%d is still at %v but gosec no longer reports it (counted as gone)", st.Name, d.rule, d.origin.Path, d.origin.Line, places)
		}
	}
	x.exists = append(x.exists, exists)
	judge := func(placed []*findings.Finding) []outcome {
		out := make([]outcome, len(x.ds))
		for i, f := range placed {
			switch {
			case f == nil && exists[i]:
				out[i] = lost
			case f == nil:
				out[i] = fixedOK
			case truth[i][f]:
				out[i] = ok
			default:
				out[i] = wrong
			}
		}
		return out
	}
	x.methods[0].cells = append(x.methods[0].cells, judge(x.secui(fs, true)))
	x.methods[1].cells = append(x.methods[1].cells, judge(x.secui(fs, false)))
	x.methods[2].cells = append(x.methods[2].cells, judge(x.byLineHash(fs)))
	x.methods[3].cells = append(x.methods[3].cells, judge(x.naive(fs)))
}

func (x *run) secui(fs []*findings.Finding, git bool) []*findings.Finding {
	work := x.capturer()
	opt := match.Options{Work: work}
	if git {
		repo, err := gitrepo.Open(x.dir)
		if err != nil {
			x.t.Fatal(err)
		}
		opt.Tracker = repo.Tracker(work)
	}
	mds := make([]match.Decision, len(x.ds))
	for i, d := range x.ds {
		mds[i] = d.md
	}
	mf := make([]match.Finding, len(fs))
	for i, f := range fs {
		mf[i] = match.Finding{F: f}
	}
	res := match.Assign(mds, mf, opt)
	out := make([]*findings.Finding, len(x.ds))
	for _, l := range res.Links {
		out[l.Decision] = fs[l.Finding]
	}
	return out
}

// byLineHash is GitHub code scanning's matching: rule, path and
// primaryLocationLineHash (with its ":n" occurrence suffix).
func (x *run) byLineHash(fs []*findings.Finding) []*findings.Finding {
	type k struct{ rule, path, lh string }
	idx := map[k]*findings.Finding{}
	for _, f := range fs {
		key := k{f.RuleID(), f.Loc.Path, x.lineHashOf(f.Loc.Path, f.Loc.Line)}
		if _, dup := idx[key]; !dup {
			idx[key] = f
		}
	}
	out := make([]*findings.Finding, len(x.ds))
	used := map[*findings.Finding]bool{}
	for i, d := range x.ds {
		if f := idx[k{d.rule, d.origin.Path, d.lineHash}]; f != nil && !used[f] {
			out[i], used[f] = f, true
		}
	}
	return out
}

// naive matches on (rule, path, line).
func (x *run) naive(fs []*findings.Finding) []*findings.Finding {
	out := make([]*findings.Finding, len(x.ds))
	for i, d := range x.ds {
		for _, f := range fs {
			if f.RuleID() == d.rule && f.Loc.Path == d.origin.Path && f.Loc.Line == d.origin.Line {
				out[i] = f
				break
			}
		}
	}
	return out
}

func (x *run) report() {
	t := x.t
	var b strings.Builder
	fmt.Fprintf(&b, "\nper decision (secui | secui without git | line-hash | naive), one column per step:\n")
	for i, d := range x.ds {
		fmt.Fprintf(&b, "%-5s %-34s", d.rule, fmt.Sprintf("%s:%d", d.origin.Path, d.origin.Line))
		for _, m := range x.methods {
			b.WriteString(" |")
			for s := range x.steps {
				fmt.Fprintf(&b, " %-5s", outcomeMark[m.cells[s][i]])
			}
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "\n| step | existing / fixed | secui ok·lost·wrong | secui without git | line-hash | naive |\n|---|---|---|---|---|---|\n")
	for s, name := range x.steps {
		n, g := 0, 0
		for _, e := range x.exists[s] {
			if e {
				n++
			} else {
				g++
			}
		}
		fmt.Fprintf(&b, "| %d. %s | %d / %d |", s+1, name, n, g)
		for _, m := range x.methods {
			c := [4]int{}
			for _, o := range m.cells[s] {
				c[o]++
			}
			fmt.Fprintf(&b, " %d·%d·%d", c[ok], c[lost], c[wrong])
			if c[fixedOK] != g {
				fmt.Fprintf(&b, " (%d of %d fixed orphaned)", c[fixedOK], g)
			}
			b.WriteString(" |")
		}
		b.WriteByte('\n')
	}
	t.Log(b.String())
	// The targets, after all edits.
	last := len(x.steps) - 1
	c := [4]int{}
	for _, o := range x.methods[0].cells[last] {
		c[o]++
	}
	existing := 0
	for _, e := range x.exists[last] {
		if e {
			existing++
		}
	}
	for s := range x.steps {
		for i, o := range x.methods[0].cells[s] {
			if o == wrong {
				t.Errorf("step %q: secui put the decision made on %s %s:%d on a wrong finding", x.steps[s], x.ds[i].rule, x.ds[i].origin.Path, x.ds[i].origin.Line)
			}
		}
	}
	if existing > 0 && float64(c[ok]) < 0.97*float64(existing) {
		t.Errorf("after all edits %d of %d decisions on existing findings are right (< 97%%)", c[ok], existing)
	}
	if gone := len(x.ds) - existing; c[fixedOK] != gone {
		t.Errorf("after all edits %d of %d fixed findings' decisions are orphaned", c[fixedOK], gone)
	}
}
