package branch

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/gitrepo"
)

type person struct{ name, email string }

var (
	ana = person{"Ana Lima", "ana@example.com"}
	bob = person{"Bob Stone", "bob@example.org"}
)

func git(t *testing.T, dir string, who person, args ...string) string {
	t.Helper()
	if !gitrepo.HasGit() {
		t.Skip("git binary not available")
	}
	cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"}, args...)...)
	cmd.Dir = dir
	d := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC).Format(time.RFC3339)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME="+who.name, "GIT_AUTHOR_EMAIL="+who.email, "GIT_AUTHOR_DATE="+d,
		"GIT_COMMITTER_NAME="+who.name, "GIT_COMMITTER_EMAIL="+who.email, "GIT_COMMITTER_DATE="+d, "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func put(t *testing.T, dir, rel, s string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func commit(t *testing.T, dir string, who person, msg string) {
	t.Helper()
	git(t, dir, who, "add", "-A")
	git(t, dir, who, "commit", "-q", "-m", msg)
}

func gosecBin(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("gosec"); err == nil {
		return p
	}
	home, _ := os.UserHomeDir()
	if p := filepath.Join(home, "go", "bin", "gosec"); home != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("gosec not installed (go install github.com/securego/gosec/v2/cmd/gosec@v2.30.0)")
	return ""
}

// gosec runs the real gosec in dir and writes its SARIF to out.
func gosec(t *testing.T, bin, dir, out string) {
	t.Helper()
	cmd := exec.Command(bin, "-fmt", "sarif", "-no-fail", "-quiet", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("gosec in %s: %v", dir, err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

const hashGo = `package app

import (
	"crypto/md5"
	"fmt"
)

func Sum(s string) string {
	return fmt.Sprintf("%x", md5.Sum([]byte(s)))
}
`

const runGo = `package app

import "os/exec"

func Run(name string) error {
	return exec.Command("sh", "-c", name).Run()
}
`

const toolsGo = `package app

import "crypto/sha1"

func Helper() int {
	n := 0
	for i := 0; i < 10; i++ {
		n += i
	}
	return n
}

func Legacy(b []byte) [20]byte {
	return sha1.Sum(b)
}
`

// branchRepo: Ana's main has three files with gosec findings; Bob's
// feature branch then (committed) inserts lines above the md5 call, renames
// run.go, moves Legacy above Helper (a cut-and-paste within the file), adds
// a file with a new finding; and (not committed) pastes a copy of the md5
// call into hash.go.
func branchRepo(t *testing.T) (dir string, r *gitrepo.Repo) {
	t.Helper()
	for _, k := range []string{"GIT_DIR", "GIT_WORK_TREE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	dir = t.TempDir()
	git(t, dir, ana, "init", "-q")
	put(t, dir, "go.mod", "module example.com/app\n\ngo 1.22\n")
	put(t, dir, "hash.go", hashGo)
	put(t, dir, "run.go", runGo)
	put(t, dir, "tools.go", toolsGo)
	commit(t, dir, ana, "app")
	git(t, dir, bob, "checkout", "-q", "-b", "feature")
	put(t, dir, "hash.go", strings.Replace(hashGo, "func Sum", "// Sum hashes s.\n// It is not for passwords.\nfunc Sum", 1))
	os.MkdirAll(filepath.Join(dir, "internal"), 0o755)
	git(t, dir, bob, "mv", "run.go", "internal/run.go")
	put(t, dir, "tools.go", `package app

import "crypto/sha1"

func Legacy(b []byte) [20]byte {
	return sha1.Sum(b)
}

func Helper() int {
	n := 0
	for i := 0; i < 10; i++ {
		n += i
	}
	return n
}
`)
	put(t, dir, "token.go", `package app

import "math/rand"

func Token() int { return rand.Int() }
`)
	commit(t, dir, bob, "feature work")
	// Not committed: a pasted copy of the md5 line.
	put(t, dir, "hash.go", strings.Replace(hashGo, "func Sum", "// Sum hashes s.\n// It is not for passwords.\nfunc Sum", 1)+`
func Sum2(s string) string {
	return fmt.Sprintf("%x", md5.Sum([]byte(s)))
}
`)
	var err error
	if r, err = gitrepo.Open(dir); err != nil {
		t.Fatal(err)
	}
	return dir, r
}

// scanBase runs gosec on a temporary worktree of the merge base and stores
// it the way `secui scan --base` does.
func scanBase(t *testing.T, bin, dir string, r *gitrepo.Repo) *gitrepo.MergeBase {
	t.Helper()
	mb, err := r.MergeBase(context.Background(), gitrepo.BaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wt, err := r.TempWorktree(context.Background(), mb.Commit)
	if err != nil {
		t.Fatal(err)
	}
	defer wt.Close()
	gosec(t, bin, wt.Dir, filepath.Join(dir, BaseDir, "gosec.sarif"))
	if err := WriteBaseRecord(dir, BaseRecord{Commit: mb.Commit, Ref: mb.Ref, Scanners: []string{"gosec"}}); err != nil {
		t.Fatal(err)
	}
	return mb
}

func loadCurrent(t *testing.T, bin, dir string) []*findings.Finding {
	t.Helper()
	out := filepath.Join(dir, ".secui", "scans", "gosec.sarif")
	gosec(t, bin, dir, out)
	set, err := findings.Load(context.Background(), []string{out}, findings.Options{Root: dir})
	if err != nil || len(set.Errors) > 0 {
		t.Fatalf("load: %v %v", err, set.Errors)
	}
	return set.Findings
}

// newOnes lists "path:line rule" of the findings fa calls new.
func newOnes(fa *Facts, fs []*findings.Finding) []string {
	var out []string
	for _, f := range fs {
		if fa.NewOnBranch(f) {
			out = append(out, f.Loc.Path+":"+strconv.Itoa(f.Loc.Line)+" "+f.RuleID())
		}
	}
	sort.Strings(out)
	return out
}

func all(fs []*findings.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Loc.Path+":"+strconv.Itoa(f.Loc.Line)+" "+f.RuleID())
	}
	sort.Strings(out)
	return out
}

func TestNewOnBranchByBaseScanAndByChangedLines(t *testing.T) {
	bin := gosecBin(t)
	dir, r := branchRepo(t)
	fs := loadCurrent(t, bin, dir)
	// The findings on the branch (gosec v2.30): md5 import and two md5
	// calls, sha1 import and call, exec, math/rand.
	want := []string{
		"hash.go:11 G401", "hash.go:15 G401", "hash.go:4 G501",
		"internal/run.go:6 G204", "token.go:5 G404",
		"tools.go:3 G505", "tools.go:6 G401",
	}
	if got := all(fs); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("gosec found %v, want %v (another gosec version?)", got, want)
	}

	// Without a base scan: changed lines. The shifted md5 call and the
	// renamed file are not new; the moved function is (a line-diff method
	// cannot tell a move from new code).
	fa, err := Compute(context.Background(), r, fs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := newOnes(fa, fs), []string{"hash.go:15 G401", "token.go:5 G404", "tools.go:6 G401"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("by changed lines: new = %v, want %v", got, want)
	}
	if fa.Method() != "changed-lines" || fa.BaseScan != nil || fa.ByMethod[MethodChangedLines] != len(fs) {
		t.Errorf("method %s, base %v, by method %v", fa.Method(), fa.BaseScan, fa.ByMethod)
	}
	if s := fa.Summary(); !strings.HasPrefix(s, "new on this branch (vs main at "+fa.MergeBase.Short()+"): 3: 3 by lines changed since the merge base (gosec)") {
		t.Errorf("summary %q", s)
	}

	// With a scan of the merge base: identity. The moved function is not
	// new; the pasted copy is, its original is not.
	mb := scanBase(t, bin, dir, r)
	fa, err = Compute(context.Background(), r, fs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := newOnes(fa, fs), []string{"hash.go:15 G401", "token.go:5 G404"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("by base scan: new = %v, want %v", got, want)
	}
	if fa.Method() != "base-scan" || fa.BaseScan == nil || fa.BaseScan.Commit != mb.Commit || strings.Join(fa.ScanTools, ",") != "gosec" {
		t.Errorf("method %s, base %+v, tools %v, note %q", fa.Method(), fa.BaseScan, fa.ScanTools, fa.Note)
	}
	for _, f := range fs {
		if fa.MethodOf(f) != MethodBaseScan {
			t.Errorf("%s decided by %v", f.Loc, fa.MethodOf(f))
		}
	}
	if s := fa.Summary(); !strings.Contains(s, ": 2: 2 by base scan (gosec)") {
		t.Errorf("summary %q", s)
	}

	// NoBaseScan forces the line method.
	if fa, _ := Compute(context.Background(), r, fs, Options{NoBaseScan: true}); len(newOnes(fa, fs)) != 3 {
		t.Errorf("NoBaseScan: %v", newOnes(fa, fs))
	}

	// The base branch moves on: the scan is of an old merge base, so it is
	// not used, and the summary says so.
	git(t, dir, ana, "stash", "-q", "-u")
	git(t, dir, ana, "checkout", "-q", "main")
	put(t, dir, "later.go", "package app\n")
	commit(t, dir, ana, "later on main")
	git(t, dir, bob, "checkout", "-q", "feature")
	git(t, dir, bob, "rebase", "-q", "main")
	git(t, dir, bob, "stash", "pop", "-q")
	r, _ = gitrepo.Open(dir)
	fa, err = Compute(context.Background(), r, fs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fa.BaseScan != nil || fa.Method() != "changed-lines" || !strings.Contains(fa.Note, "base scan not used: it is of "+mb.Commit[:7]) {
		t.Errorf("stale base scan: base %v, method %s, note %q", fa.BaseScan, fa.Method(), fa.Note)
	}
}

func TestNewOnBranchMixedTools(t *testing.T) {
	bin := gosecBin(t)
	dir, r := branchRepo(t)
	fs := loadCurrent(t, bin, dir)
	scanBase(t, bin, dir, r)
	// A second tool with no base scan: decided by changed lines.
	other := &findings.Finding{Tool: &findings.Tool{Name: "gitleaks"}, Rule: &findings.Rule{ID: "generic-api-key"},
		Loc: findings.Location{Path: "token.go", Line: 5, InRepo: true}}
	old := &findings.Finding{Tool: other.Tool, Rule: other.Rule, Loc: findings.Location{Path: "go.mod", Line: 1, InRepo: true}}
	image := &findings.Finding{Tool: &findings.Tool{Name: "trivy"}, Rule: &findings.Rule{ID: "CVE-1"}, Loc: findings.Location{Path: "alpine:3.10", Line: 1}}
	all := append(append([]*findings.Finding(nil), fs...), other, old, image)
	fa, err := Compute(context.Background(), r, all, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !fa.NewOnBranch(other) || fa.NewOnBranch(old) || fa.NewOnBranch(image) {
		t.Errorf("gitleaks new %v (want true), go.mod %v (want false), image %v (want false)", fa.NewOnBranch(other), fa.NewOnBranch(old), fa.NewOnBranch(image))
	}
	if fa.MethodOf(other) != MethodChangedLines || fa.MethodOf(image) != MethodNone || fa.Method() != "mixed" {
		t.Errorf("methods: %v %v %s", fa.MethodOf(other), fa.MethodOf(image), fa.Method())
	}
	s := fa.Summary()
	for _, part := range []string{": 3: 2 by base scan (gosec); 1 by changed lines (gitleaks)", "1 outside the repository undecided"} {
		if !strings.Contains(s, part) {
			t.Errorf("summary %q lacks %q", s, part)
		}
	}
	// A base scan that does not load: that scanner falls back to lines.
	if err := os.WriteFile(filepath.Join(dir, BaseDir, "gosec.sarif"), []byte(`{"version":"2.1.0","runs":[`), 0o644); err != nil {
		t.Fatal(err)
	}
	fa, err = Compute(context.Background(), r, fs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fa.BaseScan != nil || fa.Method() != "changed-lines" || !strings.Contains(fa.Note, "base scan of gosec did not load") || len(fa.BaseErrors) == 0 {
		t.Errorf("broken base scan: %v %s %q %v", fa.BaseScan, fa.Method(), fa.Note, fa.BaseErrors)
	}
}

func TestComputeErrors(t *testing.T) {
	if _, err := Compute(context.Background(), nil, nil, Options{}); err == nil {
		t.Error("nil repo accepted")
	}
	dir := t.TempDir()
	git(t, dir, ana, "init", "-q")
	put(t, dir, "a.go", "package a\n")
	commit(t, dir, ana, "a")
	git(t, dir, ana, "branch", "-m", "main", "trunk")
	r, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compute(context.Background(), r, nil, Options{}); !errors.Is(err, gitrepo.ErrNoBase) || !strings.HasPrefix(err.Error(), "new:branch: no default branch") {
		t.Errorf("no base: %v", err)
	}
	fa, err := Compute(context.Background(), r, nil, Options{Base: gitrepo.BaseOptions{Ref: "trunk"}})
	if err != nil || !fa.MergeBase.OnBase || !strings.Contains(fa.Summary(), "only uncommitted changes count") {
		t.Errorf("on the base branch: %+v, %v", fa, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Compute(ctx, r, nil, Options{Base: gitrepo.BaseOptions{Ref: "trunk"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestBaseRecord(t *testing.T) {
	dir := t.TempDir()
	if rec, err := ReadBaseRecord(dir); rec != nil || err != nil {
		t.Fatalf("none: %v %v", rec, err)
	}
	sha := strings.Repeat("ab", 20)
	if err := WriteBaseRecord(dir, BaseRecord{Commit: sha, Ref: "origin/main", Scanners: []string{"gosec", "gitleaks"}}); err != nil {
		t.Fatal(err)
	}
	rec, err := ReadBaseRecord(dir)
	if err != nil || rec.Commit != sha || rec.Schema != RecordSchema || strings.Join(rec.Files(), " ") != ".secui/scans/base/gosec.sarif .secui/scans/base/gitleaks.sarif" {
		t.Fatalf("round trip: %+v, %v", rec, err)
	}
	for _, bad := range []BaseRecord{{Commit: "main"}, {Commit: sha, Scanners: []string{"../../etc/x"}}, {Commit: sha, Scanners: []string{""}}} {
		if err := WriteBaseRecord(dir, bad); err == nil {
			t.Errorf("WriteBaseRecord(%+v) accepted", bad)
		}
	}
	os.WriteFile(filepath.Join(dir, BaseDir, RecordFile), []byte(`{"schema":"secui.base-scan/v1","commit":"`+sha+`","scanners":["../x"]}`), 0o644)
	if _, err := ReadBaseRecord(dir); err == nil || !strings.Contains(err.Error(), "bad scanner name") {
		t.Errorf("hand-edited bad scanner: %v", err)
	}
	// .secui as a symlink out of the repository: refused.
	d2 := t.TempDir()
	if err := os.Symlink(t.TempDir(), filepath.Join(d2, ".secui")); err == nil {
		if err := WriteBaseRecord(d2, BaseRecord{Commit: sha}); err == nil {
			t.Error("wrote through a .secui symlink out of the repository")
		}
	}
}

func TestFoldAndBasePath(t *testing.T) {
	if got := fold("  line 12:  use of  md5 \n"); got != "line #: use of md# " && got != "line #: use of md#" {
		t.Errorf("fold = %q", got)
	}
	if got := fold("open /tmp/secui-base-123/internal/x.go: bad"); got != "open internal/x.go: bad" {
		t.Errorf("fold temp dir = %q", got)
	}
	f := &findings.Finding{Loc: findings.Location{Path: "/tmp/secui-base-42/internal/run.go"}}
	if got := basePath(f); got != "internal/run.go" {
		t.Errorf("basePath = %q", got)
	}
	f.Loc.Path = "/elsewhere/run.go"
	if got := basePath(f); got != "/elsewhere/run.go" {
		t.Errorf("basePath outside = %q", got)
	}
}
