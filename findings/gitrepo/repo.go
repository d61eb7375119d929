// Package gitrepo finds the git repository secui runs in and reads what the
// rest of secui needs from it: its root, HEAD, branch, remotes (with the
// hosting service's owner/repo), the user's author identity, and a safe
// mapping of absolute paths to repository-relative ones.
//
// It uses go-git (no git binary is needed) and never writes to the repository.
package gitrepo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// ErrNotRepo is returned by Open when the folder is not inside a git
// repository (or the repository is bare and so has no working tree).
var ErrNotRepo = errors.New("not inside a git repository")

// Remote is one configured remote. URL never contains credentials.
type Remote struct {
	Name string
	URL  string // first URL of the remote, credentials removed (see RedactURL)
	// Host, Owner and Repo come from ParseRemoteURL; all empty when the URL
	// is a local path or cannot be parsed.
	Host, Owner, Repo string
	GitHub            bool // github.com or a GitHub Enterprise-looking host (see IsGitHubHost)
}

// Repo describes a git working tree.
type Repo struct {
	// Root is the absolute working-tree root with symlinks resolved (like
	// `git rev-parse --show-toplevel`).
	Root string
	// Head is the full hex sha of HEAD, "" when the repository has no commits.
	Head string
	// Short is the 7-character abbreviation of Head ("" when Head is "").
	Short string
	// Branch is the checked-out branch name ("main"), also for a branch with
	// no commits yet; "" when HEAD is detached.
	Branch string
	// Remotes are all configured remotes, sorted by name.
	Remotes []Remote
	// Origin is the remote named "origin", else the only remote, else nil.
	Origin *Remote

	repo      *git.Repository
	altRoot   string // Root as reached from the opened dir before resolving symlinks
	gitDir    string // this worktree's git dir (.git, or .git/worktrees/<name>)
	commonDir string // the shared git dir holding config, refs and objects
}

// Open finds the repository containing dir (walking up parent folders, like
// git does) and reads its state. Linked worktrees (`git worktree add`) are
// supported. Outside any repository it returns an error wrapping ErrNotRepo.
func Open(dir string) (*Repo, error) {
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, err
	}
	gr, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		if errors.Is(err, git.ErrRepositoryNotExists) {
			return nil, fmt.Errorf("%s: %w", abs, ErrNotRepo)
		}
		return nil, fmt.Errorf("open git repository at %s: %w", abs, err)
	}
	wt, err := gr.Worktree()
	if err != nil {
		if errors.Is(err, git.ErrIsBareRepository) {
			return nil, fmt.Errorf("%s: bare repository has no working tree: %w", abs, ErrNotRepo)
		}
		return nil, fmt.Errorf("open git worktree at %s: %w", abs, err)
	}
	r := &Repo{repo: gr}
	r.altRoot = filepath.Clean(wt.Filesystem.Root())
	r.Root = r.altRoot
	if real, err := filepath.EvalSymlinks(r.altRoot); err == nil {
		r.Root = real
	}

	r.gitDir, r.commonDir = gitDirs(r.altRoot)

	if err := r.readHead(); err != nil {
		return nil, err
	}
	if err := r.readRemotes(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Repo) readHead() error {
	ref, err := r.repo.Storer.Reference(plumbing.HEAD)
	if err != nil {
		if errors.Is(err, plumbing.ErrReferenceNotFound) {
			return nil
		}
		return fmt.Errorf("read HEAD: %w", err)
	}
	if ref.Type() == plumbing.SymbolicReference {
		if t := ref.Target(); t.IsBranch() {
			r.Branch = t.Short()
		}
	}
	h, err := r.repo.Head()
	switch {
	case err == nil:
		r.Head = h.Hash().String()
		r.Short = r.Head[:7]
	case errors.Is(err, plumbing.ErrReferenceNotFound):
		// unborn branch: no commits yet
	default:
		return fmt.Errorf("resolve HEAD: %w", err)
	}
	return nil
}

func (r *Repo) readRemotes() error {
	cfg, err := r.repo.Config()
	if err != nil {
		return fmt.Errorf("read git config: %w", err)
	}
	names := make([]string, 0, len(cfg.Remotes))
	for n := range cfg.Remotes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		rc := cfg.Remotes[n]
		rm := Remote{Name: n}
		if len(rc.URLs) > 0 {
			rm.URL = RedactURL(rc.URLs[0])
			if h, o, rp, err := ParseRemoteURL(rc.URLs[0]); err == nil {
				rm.Host, rm.Owner, rm.Repo = h, o, rp
				rm.GitHub = IsGitHubHost(h)
			}
		}
		r.Remotes = append(r.Remotes, rm)
	}
	for i := range r.Remotes {
		if r.Remotes[i].Name == "origin" {
			r.Origin = &r.Remotes[i]
		}
	}
	if r.Origin == nil && len(r.Remotes) == 1 {
		r.Origin = &r.Remotes[0]
	}
	return nil
}

// Rel maps a path to a repository-relative, slash-separated path. A relative
// abs is taken relative to the current directory. Symlinks in the root (and,
// when needed, in abs) are resolved, so /tmp/x and /private/tmp/x both work.
// It returns false for paths outside the working tree; the root itself maps
// to ".". The check is on path names: a symlink inside the repository that
// points elsewhere is not followed.
func (r *Repo) Rel(abs string) (string, bool) {
	if r == nil || abs == "" {
		return "", false
	}
	p, err := filepath.Abs(abs)
	if err != nil {
		return "", false
	}
	if rel, ok := within(r.Root, p); ok {
		return rel, true
	}
	if r.altRoot != r.Root {
		if rel, ok := within(r.altRoot, p); ok {
			return rel, true
		}
	}
	if rp := resolveExisting(p); rp != p {
		if rel, ok := within(r.Root, rp); ok {
			return rel, true
		}
	}
	return "", false
}

// gitDirs finds the worktree's git dir and the common git dir, following a
// ".git" file ("gitdir: ...") and its "commondir" file. Empty when unknown.
func gitDirs(root string) (gitDir, commonDir string) {
	dot := filepath.Join(root, ".git")
	st, err := os.Stat(dot)
	if err != nil {
		return "", ""
	}
	gitDir = dot
	if !st.IsDir() {
		b, err := os.ReadFile(dot)
		if err != nil {
			return "", ""
		}
		line, _, _ := strings.Cut(string(b), "\n")
		p, ok := strings.CutPrefix(strings.TrimSpace(line), "gitdir:")
		if !ok {
			return "", ""
		}
		p = strings.TrimSpace(p)
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		gitDir = filepath.Clean(p)
	}
	commonDir = gitDir
	if b, err := os.ReadFile(filepath.Join(gitDir, "commondir")); err == nil {
		p := strings.TrimSpace(string(b))
		if !filepath.IsAbs(p) {
			p = filepath.Join(gitDir, p)
		}
		commonDir = filepath.Clean(p)
	}
	return gitDir, commonDir
}

// within returns p relative to root when p is root or below it.
func within(root, p string) (string, bool) {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return "", false
	}
	if rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// resolveExisting resolves symlinks in the longest existing prefix of p and
// appends the rest unchanged (p need not exist).
func resolveExisting(p string) string {
	rest := ""
	cur := p
	for {
		if real, err := filepath.EvalSymlinks(cur); err == nil {
			if rest == "" {
				return real
			}
			return filepath.Join(real, rest)
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return p
		}
		if rest == "" {
			rest = filepath.Base(cur)
		} else {
			rest = filepath.Join(filepath.Base(cur), rest)
		}
		cur = parent
	}
}
