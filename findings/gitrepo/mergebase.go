package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// BaseOptions choose the branch a feature branch is compared with.
type BaseOptions struct {
	// Ref is the base branch (or any revision: "origin/main", "develop", a
	// sha). "" picks the default branch: origin/HEAD, else origin/main,
	// origin/master, main, master (the only remote stands in for origin).
	Ref string
	// Engine: "" (git when installed, else go-git), "git" or "go-git".
	Engine string
}

// MergeBase is where the current branch left its base branch.
type MergeBase struct {
	Ref       string // the base branch compared with, e.g. "origin/main"
	RefCommit string // the commit Ref points at
	Commit    string // the merge base of HEAD and Ref (full sha)
	Head      string // HEAD when it was computed
	// OnBase: HEAD is the merge base (HEAD is Ref, or behind it): no
	// commit is new on this branch; only working-tree changes are.
	OnBase bool
}

// Short is the 7-character abbreviation of Commit.
func (m *MergeBase) Short() string {
	if len(m.Commit) < 7 {
		return m.Commit
	}
	return m.Commit[:7]
}

// ErrNoBase is wrapped by MergeBase errors that mean "there is nothing to
// compare with" (no commit, no default branch, unrelated histories).
var ErrNoBase = errors.New("no merge base")

// defaultBaseCandidates are tried in order when no base is configured
// (after origin/HEAD); "origin" stands for the repository's origin remote.
var defaultBaseCandidates = []string{"refs/remotes/origin/main", "refs/remotes/origin/master", "refs/heads/main", "refs/heads/master"}

// DefaultBranch resolves the base branch: ref when given (an error if it
// does not resolve), else the first of origin/HEAD, origin/main,
// origin/master, main, master that exists. It returns the short name and
// the commit.
func (r *Repo) DefaultBranch(ref string) (name, commit string, err error) {
	if ref != "" {
		h, err := r.repo.ResolveRevision(plumbing.Revision(ref))
		if err != nil {
			return "", "", fmt.Errorf("base branch %q not found: %w", ref, ErrNoBase)
		}
		return ref, h.String(), nil
	}
	origin := "origin"
	if r.Origin != nil {
		origin = r.Origin.Name
	}
	// origin/HEAD names the remote's default branch (set by clone, or by
	// `git remote set-head origin --auto`).
	if sym, err := r.repo.Storer.Reference(plumbing.ReferenceName("refs/remotes/" + origin + "/HEAD")); err == nil {
		target := sym.Name()
		if sym.Type() == plumbing.SymbolicReference {
			target = sym.Target()
		}
		if ref, err := r.repo.Reference(target, true); err == nil {
			return target.Short(), ref.Hash().String(), nil
		}
	}
	for _, c := range defaultBaseCandidates {
		c = strings.Replace(c, "/origin/", "/"+origin+"/", 1)
		if ref, err := r.repo.Reference(plumbing.ReferenceName(c), true); err == nil {
			return ref.Name().Short(), ref.Hash().String(), nil
		}
	}
	return "", "", fmt.Errorf("no default branch found (no %s/HEAD, %s/main, %s/master, main or master); set git.base in .secui.yaml: %w", origin, origin, origin, ErrNoBase)
}

// currentHead reads HEAD now (Repo.Head is read once, at Open).
func (r *Repo) currentHead() (string, error) {
	h, err := r.repo.Head()
	if err != nil {
		if errors.Is(err, plumbing.ErrReferenceNotFound) {
			return "", fmt.Errorf("the branch has no commit yet: %w", ErrNoBase)
		}
		return "", fmt.Errorf("resolve HEAD: %w", err)
	}
	return h.Hash().String(), nil
}

// MergeBase finds the merge base of HEAD and the base branch.
func (r *Repo) MergeBase(ctx context.Context, opts BaseOptions) (*MergeBase, error) {
	head, err := r.currentHead()
	if err != nil {
		return nil, err
	}
	name, refCommit, err := r.DefaultBranch(opts.Ref)
	if err != nil {
		return nil, err
	}
	mb := &MergeBase{Ref: name, RefCommit: refCommit, Head: head}
	useGit := opts.Engine == "git" || (opts.Engine == "" && HasGit())
	if useGit {
		out, err := execGit(ctx, r.Root, 4096, "merge-base", head, refCommit)
		var ge *gitError
		switch {
		case err == nil:
			mb.Commit = strings.TrimSpace(string(out))
		case errors.As(err, &ge) && ge.code == 1 && strings.TrimSpace(ge.stderr) == "":
			return nil, fmt.Errorf("HEAD and %s have no common history: %w", name, ErrNoBase)
		default:
			return nil, err
		}
	} else {
		hc, err := r.repo.CommitObject(plumbing.NewHash(head))
		if err != nil {
			return nil, err
		}
		rc, err := r.repo.CommitObject(plumbing.NewHash(refCommit))
		if err != nil {
			return nil, err
		}
		bases, err := hc.MergeBase(rc)
		if err != nil {
			return nil, err
		}
		if len(bases) == 0 {
			return nil, fmt.Errorf("HEAD and %s have no common history: %w", name, ErrNoBase)
		}
		mb.Commit = bases[0].Hash.String()
	}
	if len(mb.Commit) != 40 {
		return nil, fmt.Errorf("git merge-base: unexpected output %q", firstN(mb.Commit, 60))
	}
	mb.OnBase = mb.Commit == head
	return mb, nil
}
