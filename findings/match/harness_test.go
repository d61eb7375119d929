package match_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/findings/match"
	"github.com/secui/secui/findings/repofs"
)

// The scenario tests run real gosec on a real git repository after each
// edit. gosec output is recorded in testdata/recorded, keyed by a hash of the
// scanned files, so the tests run without gosec; SECUI_GOSEC=record runs
// gosec and (re)writes the recordings, SECUI_GOSEC=live runs gosec without
// writing.

func gosecPath() string {
	if p, err := exec.LookPath("gosec"); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, "go", "bin", "gosec")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

type gitRepo struct {
	t   *testing.T
	dir string
}

func newRepo(t *testing.T) *gitRepo {
	t.Helper()
	dir := t.TempDir()
	if r, err := filepath.EvalSymlinks(dir); err == nil {
		dir = r
	}
	r := &gitRepo{t: t, dir: dir}
	r.git("init", "-q", "-b", "main")
	r.git("config", "user.email", "dev@example.com")
	r.git("config", "user.name", "Dev")
	r.git("config", "commit.gpgsign", "false")
	return r
}

// fixture copies testdata/fixture into the repository and commits it.
func fixtureRepo(t *testing.T) *gitRepo {
	r := newRepo(t)
	for _, n := range []string{"db.go", "hash.go", "files.go"} {
		r.write("app/"+n, readFile(t, filepath.Join("testdata/fixture/app", n)))
	}
	r.write("go.mod", readFile(t, "testdata/fixture/go.mod.txt"))
	r.commit("fixture")
	return r
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (r *gitRepo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *gitRepo) write(rel, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *gitRepo) read(rel string) string { return readFile(r.t, filepath.Join(r.dir, rel)) }

// edit replaces old (which must occur exactly once) with new in rel.
func (r *gitRepo) edit(rel, old, new string) {
	r.t.Helper()
	s := r.read(rel)
	if strings.Count(s, old) != 1 {
		r.t.Fatalf("%s: %q occurs %d times", rel, old, strings.Count(s, old))
	}
	r.write(rel, strings.Replace(s, old, new, 1))
}

func (r *gitRepo) commit(msg string) {
	r.t.Helper()
	r.git("add", "-A")
	r.git("commit", "-qm", msg)
}

func (r *gitRepo) head() string { return r.git("rev-parse", "HEAD") }

// treeHash identifies the scanned files (the recording key).
func (r *gitRepo) treeHash() string {
	h := sha256.New()
	var files []string
	filepath.WalkDir(r.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	slices.Sort(files)
	for _, p := range files {
		rel, _ := filepath.Rel(r.dir, p)
		b, _ := os.ReadFile(p)
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.ToSlash(rel), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:20]
}

// scan runs gosec (or replays its recorded output) and loads the findings.
func (r *gitRepo) scan() []*findings.Finding { return r.scanWith("gosec") }

func toolPath(name string) string {
	if name == "gosec" {
		return gosecPath()
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, "go", "bin", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

var toolArgs = map[string][]string{
	"gosec":    {"-fmt", "sarif", "-no-fail", "-quiet", "./..."},
	"gitleaks": {"dir", ".", "-f", "sarif", "-r", "-", "--no-banner", "--exit-code", "0", "-l", "error"},
}

// scanWith runs a scanner (gosec or gitleaks) or replays its recorded
// output, and loads the findings.
func (r *gitRepo) scanWith(tool string) []*findings.Finding {
	r.t.Helper()
	rec := filepath.Join("testdata", "recorded", tool+"-"+r.treeHash()+".sarif")
	mode := os.Getenv("SECUI_GOSEC")
	var data []byte
	if mode == "" {
		data, _ = os.ReadFile(rec)
	}
	if data == nil {
		bin := toolPath(tool)
		if bin == "" {
			r.t.Skipf("no recorded %s output %s and %s is not installed (install it, then SECUI_GOSEC=record)", tool, rec, tool)
		}
		cmd := exec.Command(bin, toolArgs[tool]...)
		cmd.Dir = r.dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
		out, err := cmd.Output()
		if err != nil {
			r.t.Fatalf("%s: %v", tool, err)
		}
		data = out
		if mode == "record" || mode == "" {
			if err := os.MkdirAll(filepath.Dir(rec), 0o755); err != nil {
				r.t.Fatal(err)
			}
			if err := os.WriteFile(rec, data, 0o644); err != nil {
				r.t.Fatal(err)
			}
		}
	}
	p := filepath.Join(r.t.TempDir(), "gosec.sarif")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		r.t.Fatal(err)
	}
	set, err := findings.Load(context.Background(), []string{p}, findings.Options{Root: r.dir})
	if err != nil {
		r.t.Fatal(err)
	}
	if len(set.Errors) > 0 {
		r.t.Fatalf("load: %v", set.Errors)
	}
	return set.Findings
}

func (r *gitRepo) capturer(commit string) *evidence.Capturer {
	root, err := repofs.Open(r.dir)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { root.Close() })
	return evidence.NewCapturer(root, commit)
}

// decide makes a decision on every finding, with its evidence as the
// ledger records it (HEAD as the commit).
func (r *gitRepo) decide(fs []*findings.Finding) []match.Decision {
	c := r.capturer(r.head())
	ds := make([]match.Decision, len(fs))
	for i, f := range fs {
		ds[i] = match.Decision{ID: f.ID, Tool: f.ToolName(), Rule: f.RuleID(), Keys: slices.Clone(f.Keys), Evidence: c.ForFinding(f)}
	}
	return ds
}

// assign matches ds to fs as the ledger does: lazy evidence from the
// working tree and, when git is set, line tracking.
func (r *gitRepo) assign(ds []match.Decision, fs []*findings.Finding, git bool) match.Result {
	r.t.Helper()
	work := r.capturer(r.head())
	opt := match.Options{Work: work}
	if git {
		repo, err := gitrepo.Open(r.dir)
		if err != nil {
			r.t.Fatal(err)
		}
		opt.Tracker = repo.Tracker(work)
	}
	mf := make([]match.Finding, len(fs))
	for i, f := range fs {
		mf[i] = match.Finding{F: f}
	}
	return match.Assign(ds, mf, opt)
}

func place(f *findings.Finding) string {
	return fmt.Sprintf("%s %s:%d", f.RuleID(), f.Loc.Path, f.Loc.Line)
}

// outcome is where decision di went: "G401 app/hash.go:17", "orphan" or
// "review".
func outcome(res match.Result, fs []*findings.Finding, di int) string {
	for _, l := range res.Links {
		if l.Decision == di {
			return place(fs[l.Finding])
		}
	}
	for _, rv := range res.Review {
		if rv.Decision == di {
			return "review"
		}
	}
	if slices.Contains(res.Orphans, di) {
		return "orphan"
	}
	return "missing"
}

// decisionAt finds the decision made on the finding at place p.
func decisionAt(t *testing.T, fs []*findings.Finding, p string) int {
	t.Helper()
	for i, f := range fs {
		if place(f) == p {
			return i
		}
	}
	var all []string
	for _, f := range fs {
		all = append(all, place(f))
	}
	t.Fatalf("no finding at %s; have %v", p, all)
	return -1
}

// expect checks where each decision (named by the place it was made on)
// landed: a place, "orphan" or "review". Decisions not listed must land on
// the finding at their own place; checkInvariants checks one-to-one.
func expect(t *testing.T, res match.Result, before, after []*findings.Finding, want map[string]string) {
	t.Helper()
	checkInvariants(t, res, len(before), len(after))
	for i, f := range before {
		w, ok := want[place(f)]
		if !ok {
			w = place(f)
		}
		if got := outcome(res, after, i); got != w {
			t.Errorf("decision made on %s: landed on %s, want %s%s", place(f), got, w, why(res, i, after))
		}
	}
	for p := range want {
		decisionAt(t, before, p)
	}
}

func why(res match.Result, di int, fs []*findings.Finding) string {
	for i, o := range res.Orphans {
		if o == di {
			return " (orphan: " + res.OrphanWhy[i] + ")"
		}
	}
	for _, rv := range res.Review {
		if rv.Decision == di {
			var c []string
			for _, fi := range rv.Candidates {
				c = append(c, place(fs[fi]))
			}
			return fmt.Sprintf(" (review: %s; candidates %v)", rv.Why, c)
		}
	}
	for _, l := range res.Links {
		if l.Decision == di {
			return fmt.Sprintf(" (%s, moved %d, score %.2f, git %v)", l.How, l.Moved, l.Score, l.Git)
		}
	}
	return ""
}

// checkInvariants: every decision has exactly one outcome, no finding takes
// two decisions.
func checkInvariants(t *testing.T, res match.Result, nd, nf int) {
	t.Helper()
	seen := make([]int, nd)
	taken := map[int]bool{}
	for _, l := range res.Links {
		seen[l.Decision]++
		if taken[l.Finding] {
			t.Errorf("finding %d takes two decisions", l.Finding)
		}
		taken[l.Finding] = true
		if l.Finding < 0 || l.Finding >= nf {
			t.Errorf("link to finding %d of %d", l.Finding, nf)
		}
	}
	for _, rv := range res.Review {
		seen[rv.Decision]++
	}
	for _, o := range res.Orphans {
		seen[o]++
	}
	if len(res.OrphanWhy) != len(res.Orphans) {
		t.Errorf("%d orphans, %d reasons", len(res.Orphans), len(res.OrphanWhy))
	}
	for di, n := range seen {
		if n != 1 {
			t.Errorf("decision %d has %d outcomes", di, n)
		}
	}
}
