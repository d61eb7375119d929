package fix

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/secui/secui/findings"
)

// Git reads blobs at the commits a scan names and commits applied fixes,
// with go-git (no git binary). Commit writes git objects and the index:
// the only writes of this package that do not go through repofs.
type Git struct {
	repo *git.Repository
}

// OpenGit opens the repository holding dir.
func OpenGit(dir string) (*Git, error) {
	r, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return nil, err
	}
	return &Git{repo: r}, nil
}

var revRE = regexp.MustCompile(`^[0-9a-fA-F]{7,64}$`)

// Blob implements Revisions. rev must be a commit id (7 to 64 hex digits):
// a revisionId is SARIF text, never a ref expression to evaluate.
func (g *Git) Blob(rev, path string, max int64) ([]byte, bool, error) {
	if !revRE.MatchString(rev) {
		return nil, false, nil
	}
	h, err := g.repo.ResolveRevision(plumbing.Revision(strings.ToLower(rev)))
	if err != nil {
		return nil, false, nil
	}
	c, err := g.repo.CommitObject(*h)
	if err != nil {
		return nil, false, nil
	}
	f, err := c.File(path)
	if errors.Is(err, object.ErrFileNotFound) || errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if max > 0 && f.Size > max {
		return nil, true, fmt.Errorf("%s at %.12s is too large (%d bytes)", path, rev, f.Size)
	}
	rd, err := f.Reader()
	if err != nil {
		return nil, false, err
	}
	defer rd.Close()
	b, err := io.ReadAll(rd)
	return b, err == nil, err
}

// ReadyToCommit checks that committing paths would commit exactly the fix:
// nothing else is staged, and the paths have no uncommitted changes of
// their own (a commit labelled as the tool's fix must not carry anyone's
// unrelated edits). Call it before applying the fix.
func (g *Git) ReadyToCommit(paths []string) error {
	wt, err := g.repo.Worktree()
	if err != nil {
		return refuse(RefuseCommit, "", "no working tree: %v", err)
	}
	st, err := wt.Status()
	if err != nil {
		return refuse(RefuseCommit, "", "reading git status: %v", err)
	}
	var staged []string
	for p, s := range st {
		if s.Staging == git.Unmodified || s.Staging == git.Untracked {
			continue
		}
		staged = append(staged, p)
	}
	if len(staged) > 0 {
		slices.Sort(staged)
		return refuse(RefuseCommit, "", "other changes are staged (%s): commit or unstage them first, or apply without --commit", strings.Join(capList(staged, 5), ", "))
	}
	for _, p := range paths {
		s, ok := st[p]
		if !ok {
			continue
		}
		switch s.Worktree {
		case git.Unmodified:
		case git.Untracked:
			return refuse(RefuseCommit, p, "%s is not tracked by git: add and commit it first, or apply without --commit", p)
		default:
			return refuse(RefuseCommit, p, "%s has uncommitted changes: commit them first, or apply without --commit", p)
		}
	}
	return nil
}

func capList(ss []string, n int) []string {
	if len(ss) <= n {
		return ss
	}
	return append(slices.Clone(ss[:n]), fmt.Sprintf("and %d more", len(ss)-n))
}

// Commit stages paths and commits them with msg, as name <email> at when.
// It returns the new commit's id. Hooks are not run (go-git does not run
// them).
func (g *Git) Commit(paths []string, msg, name, email string, when time.Time) (string, error) {
	wt, err := g.repo.Worktree()
	if err != nil {
		return "", err
	}
	for _, p := range paths {
		if _, err := wt.Add(p); err != nil {
			return "", fmt.Errorf("git add %s: %w", p, err)
		}
	}
	sig := &object.Signature{Name: name, Email: email, When: when}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig})
	if err != nil {
		return "", fmt.Errorf("git commit: %w", err)
	}
	return h.String(), nil
}

// CommitMessage is the message of a fix commit: it names the rule, the
// file, the finding id and that the fix was proposed by the tool (as a
// "Secui-Finding:" trailer too). Every SARIF text in it is sanitized.
func (p *Plan) CommitMessage() string {
	var b strings.Builder
	files := strings.Join(p.Paths(), ", ")
	fmt.Fprintf(&b, "fix: %s in %s (tool-proposed fix)\n\n", line(p.Rule), line(files))
	fmt.Fprintf(&b, "Applies the fix %s proposed for finding %s (rule %s)", line(p.Tool), p.Finding, line(p.Rule))
	if p.Description != "" {
		fmt.Fprintf(&b, ":\n%q", line(p.Description))
	}
	b.WriteString(".\n")
	var ver []string
	for _, f := range p.Files {
		ver = append(ver, line(f.Path)+": "+f.Verified.String())
	}
	fmt.Fprintf(&b, "Checked against the scan before writing (%s).\n", strings.Join(ver, "; "))
	b.WriteString("Recorded by secui as fixed (pending scan) until a re-scan proves it.\n\n")
	fmt.Fprintf(&b, "Secui-Finding: %s\nSecui-Fix-Source: tool-fix\n", p.Finding)
	return b.String()
}

func line(s string) string { return findings.SanitizeLine(s) }
