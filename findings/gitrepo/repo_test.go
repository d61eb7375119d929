package gitrepo

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// isolate points HOME / XDG / git config at empty temp locations so the
// developer's own git identity cannot leak into tests.
func isolate(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "xdg"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	for _, k := range []string{"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL", "GIT_CONFIG_GLOBAL", "GIT_DIR", "GIT_WORK_TREE"} {
		t.Setenv(k, "") // restores the old value after the test
		os.Unsetenv(k)
	}
	return home
}

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not available")
	}
	cmd := exec.Command("git", append([]string{"-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func newRepo(t *testing.T, commit bool) string {
	t.Helper()
	dir := t.TempDir()
	runGit(t, dir, "init", "-q")
	if commit {
		if err := os.MkdirAll(filepath.Join(dir, "src", "deep"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "src", "deep", "a.go"), []byte("package a\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		runGit(t, dir, "add", ".")
		runGit(t, dir, "commit", "-q", "-m", "first")
	}
	return dir
}

func realpath(t *testing.T, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestOpenFromSubfolder(t *testing.T) {
	isolate(t)
	dir := newRepo(t, true)
	runGit(t, dir, "remote", "add", "origin", "https://x-access-token:ghp_SECRET@github.com/acme/widgets.git")
	runGit(t, dir, "remote", "add", "upstream", "git@gitlab.com:grp/sub/widgets.git")
	want := runGit(t, dir, "rev-parse", "HEAD")

	r, err := Open(filepath.Join(dir, "src", "deep"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Root != realpath(t, dir) {
		t.Errorf("Root = %q, want %q", r.Root, realpath(t, dir))
	}
	if r.Head != want || r.Short != want[:7] {
		t.Errorf("Head/Short = %q/%q, want %q", r.Head, r.Short, want)
	}
	if r.Branch != "main" {
		t.Errorf("Branch = %q, want main", r.Branch)
	}
	if len(r.Remotes) != 2 || r.Remotes[0].Name != "origin" || r.Remotes[1].Name != "upstream" {
		t.Fatalf("Remotes = %+v", r.Remotes)
	}
	if r.Origin == nil || r.Origin.Name != "origin" {
		t.Fatalf("Origin = %+v", r.Origin)
	}
	o := *r.Origin
	if o.Host != "github.com" || o.Owner != "acme" || o.Repo != "widgets" || !o.GitHub {
		t.Errorf("Origin = %+v", o)
	}
	if o.URL != "https://github.com/acme/widgets.git" {
		t.Errorf("Origin.URL = %q, want credentials removed", o.URL)
	}
	for _, rm := range r.Remotes {
		if strings.Contains(rm.URL, "SECRET") || strings.Contains(rm.URL, "x-access-token") {
			t.Errorf("remote %s URL leaks credentials: %q", rm.Name, rm.URL)
		}
	}
	u := r.Remotes[1]
	if u.Host != "gitlab.com" || u.Owner != "grp/sub" || u.Repo != "widgets" || u.GitHub {
		t.Errorf("upstream = %+v", u)
	}
}

func TestOpenNoCommits(t *testing.T) {
	isolate(t)
	dir := newRepo(t, false)
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Head != "" || r.Short != "" {
		t.Errorf("Head = %q, Short = %q; want empty", r.Head, r.Short)
	}
	if r.Branch != "main" {
		t.Errorf("Branch = %q, want main (unborn)", r.Branch)
	}
	if r.Origin != nil || len(r.Remotes) != 0 {
		t.Errorf("Origin = %+v, Remotes = %+v", r.Origin, r.Remotes)
	}
}

func TestOpenDetached(t *testing.T) {
	isolate(t)
	dir := newRepo(t, true)
	os.WriteFile(filepath.Join(dir, "b.txt"), []byte("b"), 0o644)
	runGit(t, dir, "add", ".")
	runGit(t, dir, "commit", "-q", "-m", "second")
	first := runGit(t, dir, "rev-parse", "HEAD~1")
	runGit(t, dir, "checkout", "-q", "--detach", first)
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Branch != "" {
		t.Errorf("Branch = %q, want \"\" (detached)", r.Branch)
	}
	if r.Head != first {
		t.Errorf("Head = %q, want %q", r.Head, first)
	}
}

func TestOpenSoleRemoteIsOrigin(t *testing.T) {
	isolate(t)
	dir := newRepo(t, false)
	runGit(t, dir, "remote", "add", "fork", "https://github.mycorp.com/me/x")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Origin == nil || r.Origin.Name != "fork" || !r.Origin.GitHub || r.Origin.Host != "github.mycorp.com" {
		t.Errorf("Origin = %+v", r.Origin)
	}
}

func TestOpenLinkedWorktree(t *testing.T) {
	isolate(t)
	dir := newRepo(t, true)
	runGit(t, dir, "remote", "add", "origin", "git@github.com:acme/widgets.git")
	wt := filepath.Join(t.TempDir(), "wt")
	runGit(t, dir, "worktree", "add", "-q", "-b", "feature", wt)
	r, err := Open(filepath.Join(wt, "src", "deep"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Root != realpath(t, wt) {
		t.Errorf("Root = %q, want %q", r.Root, realpath(t, wt))
	}
	if r.Branch != "feature" {
		t.Errorf("Branch = %q, want feature", r.Branch)
	}
	if r.Head != runGit(t, dir, "rev-parse", "HEAD") {
		t.Errorf("Head = %q", r.Head)
	}
	if r.Origin == nil || r.Origin.Owner != "acme" {
		t.Errorf("Origin = %+v (remotes come from the common git dir)", r.Origin)
	}
}

func TestOpenNotRepo(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	// t.TempDir lives under os.TempDir, which must not itself be in a repo
	// for this test to mean anything.
	if _, err := exec.Command("git", "-C", dir, "rev-parse").CombinedOutput(); err == nil {
		t.Skip("temp dir is inside a git repository")
	}
	_, err := Open(dir)
	if !errors.Is(err, ErrNotRepo) {
		t.Fatalf("Open(non-repo) error = %v, want ErrNotRepo", err)
	}
	if _, err := Open(filepath.Join(dir, "missing")); err == nil || errors.Is(err, ErrNotRepo) {
		t.Errorf("Open(missing dir) = %v, want a not-exist error", err)
	}
	bare := filepath.Join(dir, "bare.git")
	runGit(t, dir, "init", "-q", "--bare", bare)
	if _, err := Open(bare); !errors.Is(err, ErrNotRepo) {
		t.Errorf("Open(bare) = %v, want ErrNotRepo", err)
	}
}

func TestRel(t *testing.T) {
	isolate(t)
	dir := newRepo(t, true)
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A symlink to the repository: paths through it must map too.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	outside := t.TempDir()
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{filepath.Join(dir, "src", "deep", "a.go"), "src/deep/a.go", true},
		{filepath.Join(realpath(t, dir), "src", "deep", "a.go"), "src/deep/a.go", true},
		{filepath.Join(link, "src", "deep", "a.go"), "src/deep/a.go", true},
		{filepath.Join(link, "not", "yet", "created.txt"), "not/yet/created.txt", true},
		{dir, ".", true},
		{dir + string(filepath.Separator), ".", true},
		{filepath.Join(dir, "src", "..", "b.txt"), "b.txt", true},
		{dir + "/../escape.txt", "", false},
		{filepath.Join(dir, "..", filepath.Base(dir)+"-sibling", "x"), "", false},
		{filepath.Join(outside, "x.go"), "", false},
		{"/", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		got, ok := r.Rel(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("Rel(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	// Relative input is relative to the working directory.
	t.Chdir(filepath.Join(dir, "src"))
	if got, ok := r.Rel("deep/a.go"); got != "src/deep/a.go" || !ok {
		t.Errorf("Rel(relative) = %q, %v", got, ok)
	}
	var nilRepo *Repo
	if _, ok := nilRepo.Rel("/x"); ok {
		t.Error("nil Repo Rel returned ok")
	}
}

func TestOpenThroughSymlink(t *testing.T) {
	isolate(t)
	dir := newRepo(t, true)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	r, err := Open(filepath.Join(link, "src"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Root != realpath(t, dir) {
		t.Errorf("Root = %q, want resolved %q", r.Root, realpath(t, dir))
	}
	if got, ok := r.Rel(filepath.Join(link, "src", "deep", "a.go")); got != "src/deep/a.go" || !ok {
		t.Errorf("Rel via link = %q, %v", got, ok)
	}
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestAuthorPrecedence(t *testing.T) {
	home := isolate(t)
	dir := newRepo(t, false)
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n, e := r.Author(); n != "" || e != "" {
		t.Fatalf("Author with no config = %q <%s>, want empty", n, e)
	}

	// XDG global config only.
	writeFile(t, filepath.Join(home, "xdg", "git", "config"), "[user]\n\tname = Xdg User\n\temail = xdg@example.com\n")
	if n, e := r.Author(); n != "Xdg User" || e != "xdg@example.com" {
		t.Errorf("XDG: Author = %q <%s>", n, e)
	}
	// ~/.gitconfig beats XDG, field by field.
	writeFile(t, filepath.Join(home, ".gitconfig"), "[user]\n\tname = Home User\n")
	if n, e := r.Author(); n != "Home User" || e != "xdg@example.com" {
		t.Errorf("home: Author = %q <%s>", n, e)
	}
	// Repo config beats global.
	runGit(t, dir, "config", "user.email", "repo@example.com")
	if n, e := r.Author(); n != "Home User" || e != "repo@example.com" {
		t.Errorf("repo: Author = %q <%s>", n, e)
	}
	// author.* beats user.* in the same file.
	runGit(t, dir, "config", "author.name", "Repo Author")
	if n, _ := r.Author(); n != "Repo Author" {
		t.Errorf("author.name: Author name = %q", n)
	}
	// Env beats everything.
	t.Setenv("GIT_AUTHOR_NAME", "Env Name")
	if n, e := r.Author(); n != "Env Name" || e != "repo@example.com" {
		t.Errorf("env name: Author = %q <%s>", n, e)
	}
	t.Setenv("GIT_AUTHOR_EMAIL", "env@example.com")
	if n, e := r.Author(); n != "Env Name" || e != "env@example.com" {
		t.Errorf("env: Author = %q <%s>", n, e)
	}
	// GIT_CONFIG_GLOBAL replaces both global files.
	t.Setenv("GIT_AUTHOR_NAME", "")
	t.Setenv("GIT_AUTHOR_EMAIL", "")
	runGit(t, dir, "config", "--unset", "author.name")
	runGit(t, dir, "config", "--unset", "user.email")
	g := filepath.Join(home, "explicit.gitconfig")
	writeFile(t, g, "[user]\n\tname = Explicit\n")
	t.Setenv("GIT_CONFIG_GLOBAL", g)
	t.Setenv("EMAIL", "fallback@example.com")
	if n, e := r.Author(); n != "Explicit" || e != "fallback@example.com" {
		t.Errorf("GIT_CONFIG_GLOBAL: Author = %q <%s>", n, e)
	}
}

func TestAuthorWorktreeUsesCommonConfig(t *testing.T) {
	isolate(t)
	dir := newRepo(t, true)
	runGit(t, dir, "config", "user.name", "Main Repo")
	wt := filepath.Join(t.TempDir(), "wt")
	runGit(t, dir, "worktree", "add", "-q", wt)
	r, err := Open(wt)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := r.Author(); n != "Main Repo" {
		t.Errorf("Author in worktree = %q, want Main Repo", n)
	}
}

func TestAuthorIncludes(t *testing.T) {
	home := isolate(t)
	dir := newRepo(t, false)
	work := filepath.Join(t.TempDir(), "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	workRepo := filepath.Join(work, "svc")
	os.MkdirAll(workRepo, 0o755)
	runGit(t, workRepo, "init", "-q")

	writeFile(t, filepath.Join(home, ".gitconfig"), "[user]\n\tname = Personal\n\temail = me@home.example\n"+
		"[include]\n\tpath = .gitconfig-extra\n"+
		"[includeIf \"gitdir:"+filepath.ToSlash(work)+"/\"]\n\tpath = ~/.gitconfig-work\n")
	writeFile(t, filepath.Join(home, ".gitconfig-extra"), "[user]\n\tname = Extra Name\n")
	writeFile(t, filepath.Join(home, ".gitconfig-work"), "[user]\n\temail = me@work.example\n[include]\n\tpath = .gitconfig-work\n") // self-include: must not loop

	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n, e := r.Author(); n != "Extra Name" || e != "me@home.example" {
		t.Errorf("outside work: Author = %q <%s>", n, e)
	}
	w, err := Open(workRepo)
	if err != nil {
		t.Fatal(err)
	}
	if n, e := w.Author(); n != "Extra Name" || e != "me@work.example" {
		t.Errorf("in work dir: Author = %q <%s>", n, e)
	}
	var nilRepo *Repo
	if n, e := nilRepo.Author(); n != "Extra Name" || e != "me@home.example" {
		t.Errorf("nil repo: Author = %q <%s>", n, e)
	}
	// GIT_CONFIG_NOSYSTEM=0 means "read the system file" — must not panic
	// or change the global answer.
	t.Setenv("GIT_CONFIG_NOSYSTEM", "0")
	t.Setenv("GIT_CONFIG_SYSTEM", filepath.Join(home, "system"))
	writeFile(t, filepath.Join(home, "system"), "[user]\n\tname = System\n\temail = sys@example\n")
	if n, _ := nilRepo.Author(); n != "Extra Name" {
		t.Errorf("system must rank below global: %q", n)
	}
	os.Remove(filepath.Join(home, ".gitconfig"))
	if n, e := nilRepo.Author(); n != "System" || e != "sys@example" {
		t.Errorf("system only: Author = %q <%s>", n, e)
	}
}

func TestIncludeIfMatches(t *testing.T) {
	home := isolate(t)
	cases := []struct {
		cond, gitDir string
		want         bool
	}{
		{"gitdir:/work/", "/work/a/.git", true},
		{"gitdir:/work/", "/other/a/.git", false},
		{"gitdir:/work/a/.git", "/work/a/.git", true},
		{"gitdir:a/.git", "/x/y/a/.git", true}, // relative: **/ prepended
		{"gitdir:~/src/", filepath.ToSlash(home) + "/src/p/.git", true},
		{"gitdir/i:/WORK/", "/work/a/.git", true},
		{"gitdir:/WORK/", "/work/a/.git", false},
		{"onbranch:main", "/work/a/.git", false},
		{"gitdir:", "/work/a/.git", false},
		{"gitdir:/work/", "", false},
	}
	for _, c := range cases {
		if got := includeIfMatches(c.cond, c.gitDir, filepath.Join(home, ".gitconfig")); got != c.want {
			t.Errorf("includeIfMatches(%q, %q) = %v, want %v", c.cond, c.gitDir, got, c.want)
		}
	}
}
