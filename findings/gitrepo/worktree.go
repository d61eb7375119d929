package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// TempWorktreePrefix names the temporary worktrees secui creates (under
// os.TempDir(), never inside the repository, where discovery would see them).
const TempWorktreePrefix = "secui-base-"

// staleWorktreeAge: temporary worktrees older than this are left over from
// a killed run and are removed by the next TempWorktree.
const staleWorktreeAge = 6 * time.Hour

// Worktree is a temporary checkout of one commit (for base scans).
type Worktree struct {
	Dir    string // absolute path of the checkout
	Commit string // the commit checked out
	// Linked is true for a `git worktree` (it shares the repository's
	// objects and has a .git file); false for the go-git export (plain
	// files, no .git), used when git is not installed.
	Linked bool

	repo   *Repo
	closed bool
}

// TempWorktree checks out commit into a new temporary directory outside
// the repository: a detached linked worktree (`git worktree add`, with
// hooks and LFS downloads off), or, without git, an export of the commit's
// files. Call Close to remove it. Leftovers of killed runs (older than six
// hours) are removed first.
func (r *Repo) TempWorktree(ctx context.Context, commit string) (*Worktree, error) {
	return r.tempWorktree(ctx, commit, "")
}

func (r *Repo) tempWorktree(ctx context.Context, commit, engine string) (*Worktree, error) {
	if len(commit) != 40 || strings.Trim(commit, "0123456789abcdef") != "" {
		return nil, fmt.Errorf("temporary worktree: want a full commit sha, got %q", commit)
	}
	useGit := engine == "git" || (engine == "" && HasGit())
	if useGit {
		r.pruneStaleWorktrees(ctx)
	}
	dir, err := os.MkdirTemp("", TempWorktreePrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("temporary worktree: %w", err)
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	if _, inside := within(r.Root, dir); inside {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("temporary worktree: the temporary directory %s is inside the repository; set TMPDIR to a folder outside it", filepath.Dir(dir))
	}
	w := &Worktree{Dir: dir, Commit: commit, Linked: useGit, repo: r}
	if useGit {
		_, err = execGitEnv(ctx, r.Root, []string{"GIT_LFS_SKIP_SMUDGE=1"}, 1<<20,
			"-c", "core.hooksPath=/dev/null", "worktree", "add", "--detach", "--quiet", dir, commit)
	} else {
		err = r.exportCommit(ctx, commit, dir)
	}
	if err != nil {
		w.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("temporary worktree of %s: %w", commit[:7], err)
	}
	return w, nil
}

// Close removes the worktree's directory and git's record of it. It is
// safe to call more than once.
func (w *Worktree) Close() error {
	if w == nil || w.closed {
		return nil
	}
	w.closed = true
	var err error
	if w.Linked {
		// A fresh context: cleanup must run even when the scan was cancelled.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, gerr := execGit(ctx, w.repo.Root, 1<<20, "worktree", "remove", "--force", w.Dir); gerr != nil {
			err = gerr
		}
		if rerr := os.RemoveAll(w.Dir); rerr != nil && err == nil {
			err = rerr
		}
		if _, perr := execGit(ctx, w.repo.Root, 1<<20, "worktree", "prune"); perr == nil && err != nil {
			if _, serr := os.Stat(w.Dir); errors.Is(serr, os.ErrNotExist) {
				err = nil // the directory is gone and git forgot it: done
			}
		}
		return err
	}
	return os.RemoveAll(w.Dir)
}

// pruneStaleWorktrees removes temporary worktrees of this repository that
// a killed secui left behind, and git's records of vanished ones.
func (r *Repo) pruneStaleWorktrees(ctx context.Context) {
	out, err := execGit(ctx, r.Root, 4<<20, "worktree", "list", "--porcelain")
	if err != nil {
		return
	}
	tmp := os.TempDir()
	if real, err := filepath.EvalSymlinks(tmp); err == nil {
		tmp = real
	}
	for _, line := range strings.Split(string(out), "\n") {
		p, ok := strings.CutPrefix(line, "worktree ")
		if !ok || filepath.Dir(p) != tmp || !strings.HasPrefix(filepath.Base(p), TempWorktreePrefix) {
			continue
		}
		st, err := os.Stat(p)
		if err == nil && time.Since(st.ModTime()) < staleWorktreeAge {
			continue // possibly in use by another secui
		}
		_, _ = execGit(ctx, r.Root, 1<<20, "worktree", "remove", "--force", p)
		_ = os.RemoveAll(p)
	}
	_, _ = execGit(ctx, r.Root, 1<<20, "worktree", "prune")
}

// exportCommit writes the files of commit into dir (go-git, no git binary).
// Writes go through an os.Root, so no entry of the tree can write outside
// dir; symlinks are recreated only when they point inside the export.
func (r *Repo) exportCommit(ctx context.Context, commit, dir string) error {
	c, err := r.repo.CommitObject(plumbing.NewHash(commit))
	if err != nil {
		return err
	}
	tree, err := c.Tree()
	if err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	files := tree.Files()
	defer files.Close()
	return files.ForEach(func(f *object.File) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := filepath.FromSlash(f.Name)
		if d := filepath.Dir(name); d != "." {
			if err := root.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		switch f.Mode {
		case filemode.Symlink:
			target, err := f.Contents()
			if err != nil {
				return err
			}
			full := filepath.Join(dir, filepath.Dir(name), target)
			if filepath.IsAbs(target) || !strings.HasPrefix(full, dir+string(filepath.Separator)) {
				return nil // would point out of the export: skipped
			}
			return root.Symlink(target, name)
		case filemode.Submodule:
			return root.MkdirAll(name, 0o755)
		}
		perm := os.FileMode(0o644)
		if f.Mode == filemode.Executable {
			perm = 0o755
		}
		rd, err := f.Reader()
		if err != nil {
			return err
		}
		defer rd.Close()
		out, err := root.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_EXCL, perm)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, rd); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}
