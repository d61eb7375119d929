package gitrepo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// forkedRepo: Ana commits twice on main; Bob branches "feature" from the
// second commit and commits; then Ana commits again on main. HEAD is
// feature. It returns the repo and the fork point.
func forkedRepo(t *testing.T) (dir, fork, mainTip, featureTip string) {
	t.Helper()
	isolate(t)
	dir = initMainRepo(t)
	putFile(t, dir, "a.go", "package a\n\nfunc A() {}\n")
	commitBy(t, dir, ana, utcDay(2022, 1, 1), "a")
	putFile(t, dir, "b.go", "package a\n\nfunc B() {}\n")
	fork = commitBy(t, dir, ana, utcDay(2022, 1, 2), "b")
	gitBy(t, dir, bob, utcDay(2022, 1, 3), "checkout", "-q", "-b", "feature")
	putFile(t, dir, "c.go", "package a\n\nfunc C() {}\n")
	featureTip = commitBy(t, dir, bob, utcDay(2022, 1, 3), "c on feature")
	gitBy(t, dir, ana, utcDay(2022, 1, 4), "checkout", "-q", "main")
	putFile(t, dir, "d.go", "package a\n\nfunc D() {}\n")
	mainTip = commitBy(t, dir, ana, utcDay(2022, 1, 4), "d on main")
	gitBy(t, dir, bob, utcDay(2022, 1, 5), "checkout", "-q", "feature")
	return dir, fork, mainTip, featureTip
}

func TestMergeBaseCommitsOnBothSides(t *testing.T) {
	dir, fork, mainTip, featureTip := forkedRepo(t)
	r := openTestRepo(t, dir)
	for _, eng := range engines {
		mb, err := r.MergeBase(context.Background(), BaseOptions{Engine: eng})
		if err != nil {
			t.Fatalf("%s: %v", eng, err)
		}
		want := MergeBase{Ref: "main", RefCommit: mainTip, Commit: fork, Head: featureTip}
		if *mb != want {
			t.Errorf("%s: MergeBase = %+v, want %+v", eng, *mb, want)
		}
	}
	// origin/HEAD names the default branch and wins over local main.
	gitBy(t, dir, ana, utcDay(2022, 1, 5), "update-ref", "refs/remotes/origin/trunk", fork+"~1")
	gitBy(t, dir, ana, utcDay(2022, 1, 5), "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")
	r = openTestRepo(t, dir)
	mb, err := r.MergeBase(context.Background(), BaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first := gitBy(t, dir, ana, utcDay(2022, 1, 5), "rev-parse", fork+"~1")
	if mb.Ref != "origin/trunk" || mb.Commit != first {
		t.Errorf("with origin/HEAD: %+v, want origin/trunk at %s", mb, first[:7])
	}
	// A configured base wins over everything.
	mb, err = r.MergeBase(context.Background(), BaseOptions{Ref: "main"})
	if err != nil || mb.Ref != "main" || mb.Commit != fork {
		t.Errorf("configured main: %+v, %v", mb, err)
	}
	if _, err := r.MergeBase(context.Background(), BaseOptions{Ref: "develop"}); !errors.Is(err, ErrNoBase) || !strings.Contains(err.Error(), `"develop" not found`) {
		t.Errorf("missing configured base: %v", err)
	}
}

func TestMergeBaseOnDefaultBranchAndFallbacks(t *testing.T) {
	dir, _, mainTip, _ := forkedRepo(t)
	gitBy(t, dir, ana, utcDay(2022, 1, 6), "checkout", "-q", "main")
	r := openTestRepo(t, dir)
	mb, err := r.MergeBase(context.Background(), BaseOptions{})
	if err != nil || !mb.OnBase || mb.Commit != mainTip {
		t.Errorf("on main: %+v, %v; want OnBase at main's tip", mb, err)
	}
	// master when there is no main.
	gitBy(t, dir, ana, utcDay(2022, 1, 6), "branch", "-m", "main", "master")
	gitBy(t, dir, ana, utcDay(2022, 1, 6), "checkout", "-q", "feature")
	r = openTestRepo(t, dir)
	if mb, err := r.MergeBase(context.Background(), BaseOptions{}); err != nil || mb.Ref != "master" {
		t.Errorf("master fallback: %+v, %v", mb, err)
	}
	// Neither: a clear error naming the setting.
	gitBy(t, dir, ana, utcDay(2022, 1, 6), "branch", "-m", "master", "trunk")
	r = openTestRepo(t, dir)
	if _, err := r.MergeBase(context.Background(), BaseOptions{}); !errors.Is(err, ErrNoBase) || !strings.Contains(err.Error(), "git.base") {
		t.Errorf("no default branch: %v", err)
	}
	// Unrelated histories.
	gitBy(t, dir, ana, utcDay(2022, 1, 7), "checkout", "-q", "--orphan", "lonely")
	putFile(t, dir, "z.go", "package z\n")
	commitBy(t, dir, ana, utcDay(2022, 1, 7), "unrelated")
	r = openTestRepo(t, dir)
	for _, eng := range engines {
		if _, err := r.MergeBase(context.Background(), BaseOptions{Ref: "trunk", Engine: eng}); !errors.Is(err, ErrNoBase) {
			t.Errorf("%s: unrelated histories: %v", eng, err)
		}
	}
	// No commit at all.
	empty := initMainRepo(t)
	if _, err := openTestRepo(t, empty).MergeBase(context.Background(), BaseOptions{}); !errors.Is(err, ErrNoBase) {
		t.Errorf("no commits: %v", err)
	}
}

func TestTempWorktree(t *testing.T) {
	dir, fork, _, _ := forkedRepo(t)
	r := openTestRepo(t, dir)
	for _, eng := range engines {
		t.Run(eng, func(t *testing.T) {
			w, err := r.tempWorktree(context.Background(), fork, eng)
			if err != nil {
				t.Fatal(err)
			}
			if _, inside := within(r.Root, w.Dir); inside {
				t.Errorf("worktree %s is inside the repository", w.Dir)
			}
			if !strings.HasPrefix(filepath.Base(w.Dir), TempWorktreePrefix) || w.Commit != fork || w.Linked != (eng == "git") {
				t.Errorf("worktree = %+v", w)
			}
			// The base's files, not the branch's.
			if b, err := os.ReadFile(filepath.Join(w.Dir, "b.go")); err != nil || string(b) != "package a\n\nfunc B() {}\n" {
				t.Errorf("b.go in worktree: %q, %v", b, err)
			}
			if _, err := os.Stat(filepath.Join(w.Dir, "c.go")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("c.go (feature only) is in the base worktree: %v", err)
			}
			list := gitBy(t, dir, ana, utcDay(2022, 2, 1), "worktree", "list", "--porcelain")
			if strings.Contains(list, w.Dir) != w.Linked {
				t.Errorf("git worktree list (linked=%v):\n%s", w.Linked, list)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(w.Dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("worktree dir left after Close: %v", err)
			}
			if list := gitBy(t, dir, ana, utcDay(2022, 2, 1), "worktree", "list", "--porcelain"); strings.Contains(list, w.Dir) {
				t.Errorf("git still lists the worktree:\n%s", list)
			}
			if err := w.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	}
	// Never inside the repository, where discovery would load its SARIF.
	inRepo := filepath.Join(dir, "tmp")
	os.MkdirAll(inRepo, 0o755)
	t.Setenv("TMPDIR", inRepo)
	if w, err := r.TempWorktree(context.Background(), fork); err == nil || !strings.Contains(err.Error(), "inside the repository") {
		t.Errorf("TMPDIR inside the repo: %+v, %v", w, err)
	}
	if ents, _ := os.ReadDir(inRepo); len(ents) != 0 {
		t.Errorf("left in the repo: %v", ents)
	}
	t.Setenv("TMPDIR", "")
	if _, err := r.TempWorktree(context.Background(), "main"); err == nil {
		t.Error("a branch name instead of a sha was accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.TempWorktree(ctx, fork); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if list := gitBy(t, dir, ana, utcDay(2022, 2, 1), "worktree", "list", "--porcelain"); strings.Count(list, "worktree ") != 1 {
		t.Errorf("worktrees left after a cancelled add:\n%s", list)
	}
}

func TestTempWorktreePrunesStale(t *testing.T) {
	dir, fork, _, _ := forkedRepo(t)
	r := openTestRepo(t, dir)
	old, err := r.TempWorktree(context.Background(), fork)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	fresh, err := r.TempWorktree(context.Background(), fork)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	// "old" is from a killed run seven hours ago.
	then := time.Now().Add(-7 * time.Hour)
	if err := os.Chtimes(old.Dir, then, then); err != nil {
		t.Fatal(err)
	}
	w, err := r.TempWorktree(context.Background(), fork)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := os.Stat(old.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale worktree not removed: %v", err)
	}
	if _, err := os.Stat(fresh.Dir); err != nil {
		t.Errorf("a recent worktree (maybe in use) was removed: %v", err)
	}
}

func TestExportCommitSkipsSymlinksOut(t *testing.T) {
	isolate(t)
	dir := initMainRepo(t)
	putFile(t, dir, "a.txt", "a\n")
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "out")); err != nil {
		t.Skip(err)
	}
	os.Symlink("a.txt", filepath.Join(dir, "in"))
	putFile(t, dir, "bin/run.sh", "#!/bin/sh\n")
	os.Chmod(filepath.Join(dir, "bin/run.sh"), 0o755)
	c := commitBy(t, dir, ana, utcDay(2022, 3, 1), "links")
	w, err := openTestRepo(t, dir).tempWorktree(context.Background(), c, "go-git")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := os.Lstat(filepath.Join(w.Dir, "out")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("symlink out of the export was written: %v", err)
	}
	if tgt, err := os.Readlink(filepath.Join(w.Dir, "in")); err != nil || tgt != "a.txt" {
		t.Errorf("symlink inside: %q, %v", tgt, err)
	}
	if st, err := os.Stat(filepath.Join(w.Dir, "bin/run.sh")); err != nil || st.Mode().Perm()&0o100 == 0 {
		t.Errorf("executable bit: %v, %v", st, err)
	}
}

// The branch of forkedRepo, then edits of every kind on it.
func TestChangedSince(t *testing.T) {
	isolate(t)
	dir := initMainRepo(t)
	putFile(t, dir, "a.go", "l1\nl2\nl3\nl4\n")
	putFile(t, dir, "b.go", "b1\nb2\nb3\nb4\nb5\nb6\nb7\nb8\n")
	putFile(t, dir, "d.go", "d1\nd2\n")
	putFile(t, dir, "dir with space/ü.go", "u1\nu2\nu3\n")
	putFile(t, dir, "gone.go", "g\n")
	base := commitBy(t, dir, ana, utcDay(2023, 1, 1), "base")
	gitBy(t, dir, bob, utcDay(2023, 1, 2), "checkout", "-q", "-b", "feature")
	// Committed on the branch: line 2 edited and two lines added to a.go,
	// b.go renamed with line 5 edited, a new file, a deleted file.
	putFile(t, dir, "a.go", "l1\nL2\nl3\nl4\nl5\nl6\n")
	os.MkdirAll(filepath.Join(dir, "c"), 0o755)
	gitBy(t, dir, bob, utcDay(2023, 1, 2), "mv", "b.go", "c/b.go")
	putFile(t, dir, "c/b.go", "b1\nb2\nb3\nb4\nB5\nb6\nb7\nb8\n")
	putFile(t, dir, "new.go", "n1\nn2\n")
	os.Remove(filepath.Join(dir, "gone.go"))
	commitBy(t, dir, bob, utcDay(2023, 1, 2), "feature work")
	// Not committed: line 1 of a.go (unstaged), line 3 of the odd path,
	// a staged new file, an untracked file, a plain mv of d.go.
	putFile(t, dir, "a.go", "L1\nL2\nl3\nl4\nl5\nl6\n")
	putFile(t, dir, "dir with space/ü.go", "u1\nu2\nU3\n")
	putFile(t, dir, "staged.go", "s\n")
	gitBy(t, dir, bob, utcDay(2023, 1, 3), "add", "staged.go")
	putFile(t, dir, "untracked.go", "x\ny\n")
	os.MkdirAll(filepath.Join(dir, "moved"), 0o755)
	if err := os.Rename(filepath.Join(dir, "d.go"), filepath.Join(dir, "moved", "d.go")); err != nil {
		t.Fatal(err)
	}
	want := map[string]FileChange{
		"a.go":                {Path: "a.go", OldPath: "a.go", Status: ChangeModified, Lines: []LineRange{{1, 2}, {5, 6}}},
		"c/b.go":              {Path: "c/b.go", OldPath: "b.go", Status: ChangeRenamed, Lines: []LineRange{{5, 5}}},
		"new.go":              {Path: "new.go", Status: ChangeAdded, Whole: true},
		"staged.go":           {Path: "staged.go", Status: ChangeAdded, Whole: true},
		"untracked.go":        {Path: "untracked.go", Status: ChangeUntracked, Whole: true},
		"moved/d.go":          {Path: "moved/d.go", OldPath: "d.go", Status: ChangeRenamed},
		"dir with space/ü.go": {Path: "dir with space/ü.go", OldPath: "dir with space/ü.go", Status: ChangeModified, Lines: []LineRange{{3, 3}}},
	}
	r := openTestRepo(t, dir)
	for _, eng := range engines {
		t.Run(eng, func(t *testing.T) {
			cl, err := r.ChangedSince(context.Background(), base, ChangedOptions{Engine: eng})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]FileChange{}
			for p, fc := range cl.Files {
				got[p] = *fc
			}
			if !reflect.DeepEqual(got, want) {
				for p := range want {
					if !reflect.DeepEqual(got[p], want[p]) {
						t.Errorf("%s: got %+v, want %+v", p, got[p], want[p])
					}
				}
				for p := range got {
					if _, ok := want[p]; !ok {
						t.Errorf("unexpected %s: %+v", p, got[p])
					}
				}
			}
			for _, c := range []struct {
				path string
				line int
				want bool
			}{
				{"a.go", 1, true}, {"a.go", 3, false}, {"a.go", 6, true}, {"a.go", 0, false},
				{"c/b.go", 4, false}, {"c/b.go", 5, true}, {"new.go", 0, true}, {"new.go", 2, true},
				{"moved/d.go", 1, false}, {"untracked.go", 1, true}, {"unchanged.go", 1, false},
			} {
				if got := cl.Changed(c.path, c.line); got != c.want {
					t.Errorf("Changed(%s:%d) = %v, want %v", c.path, c.line, got, c.want)
				}
			}
		})
	}
}

func TestChangedSinceCancelled(t *testing.T) {
	dir, fork, _, _ := forkedRepo(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := openTestRepo(t, dir).ChangedSince(ctx, fork, ChangedOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestParseUnifiedDiffEdgeCases(t *testing.T) {
	diff := "diff --git \"a/tab\\there\" \"b/tab\\there\"\n" +
		"index 1111111111111111111111111111111111111111..2222222222222222222222222222222222222222 100644\n" +
		"--- \"a/tab\\there\"\n+++ \"b/tab\\there\"\n" +
		"@@ -1 +1,2 @@\n-old\n++++ looks like a header but is content\n+--- so is this\n" +
		"@@ -5,0 +7 @@ func x() {\n+added\n\\ No newline at end of file\n" +
		"@@ -9,2 +10,0 @@\n-gone\n-gone too\n" +
		"diff --git a/img.png b/img.png\nindex 3333333333333333333333333333333333333333..4444444444444444444444444444444444444444 100644\n" +
		"Binary files a/img.png and b/img.png differ\n" +
		"diff --git a/old name.txt b/old name.txt\ndeleted file mode 100644\n" +
		"index 5555555555555555555555555555555555555555..0000000000000000000000000000000000000000\n" +
		"--- a/old name.txt\t\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
	cl := &ChangedLines{Files: map[string]*FileChange{}}
	deleted := map[string]string{}
	if err := parseUnifiedDiff(strings.NewReader(diff), cl, deleted); err != nil {
		t.Fatal(err)
	}
	fc := cl.Files["tab\there"]
	if fc == nil || !reflect.DeepEqual(fc.Lines, []LineRange{{1, 2}, {7, 7}}) || fc.Status != ChangeModified {
		t.Errorf("quoted path: %+v (all: %v)", fc, cl.Files)
	}
	if fc := cl.Files["img.png"]; fc == nil || !fc.Whole {
		t.Errorf("binary: %+v", fc)
	}
	if _, ok := cl.Files["old name.txt"]; ok || deleted["5555555555555555555555555555555555555555"] != "old name.txt" {
		t.Errorf("deleted file: files %v, deleted %v", cl.Files, deleted)
	}
	if err := parseUnifiedDiff(strings.NewReader("diff --git a/x b/x\n@@ bad @@\n"), cl, deleted); err == nil {
		t.Error("bad hunk header accepted")
	}
}
