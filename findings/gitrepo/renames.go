package gitrepo

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/secui/secui/findings/evidence"
)

// Tracker follows lines of files at past commits to the working tree: it
// reads the file at the commit, finds its working-tree path (renames
// committed since, found by go-git's rename detection between the commit's
// tree and HEAD's, then moves not committed yet, found by content
// similarity among the candidate paths) and diffs the two (evidence.Diff).
// It implements match.Tracker. Results are cached; it is safe for
// concurrent use. Make a new one when HEAD or the working tree changes.
type Tracker struct {
	r    *Repo
	work *evidence.Capturer
	head *object.Tree // nil: no commits

	mu      sync.Mutex
	commits map[string]*commitState
	maps    map[[2]string]*evidence.LineMap
}

type commitState struct {
	tree    *object.Tree      // nil: unknown or unreachable commit
	renames map[string]string // path at the commit → path at HEAD (committed renames)
}

// Bounds of rename detection.
const (
	renameLimit = 500 // deleted × added files compared per commit (go-git RenameLimit)
	maxMoveCand = 200 // candidate paths compared for a move not committed yet
	renameScore = 50  // percent of similar lines, as git's default
	renameTime  = 10 * time.Second
)

// Tracker returns a tracker reading the working tree through work (which
// must read the same repository). HEAD is read now.
func (r *Repo) Tracker(work *evidence.Capturer) *Tracker {
	t := &Tracker{r: r, work: work, commits: map[string]*commitState{}, maps: map[[2]string]*evidence.LineMap{}}
	if h, err := r.repo.Head(); err == nil {
		if c, err := r.repo.CommitObject(h.Hash()); err == nil {
			t.head, _ = c.Tree()
		}
	}
	return t
}

// commit resolves a commit and its committed renames up to HEAD, once.
func (t *Tracker) commit(sha string) *commitState {
	t.mu.Lock()
	cs, ok := t.commits[sha]
	t.mu.Unlock()
	if ok {
		return cs
	}
	cs = &commitState{}
	h := plumbing.NewHash(sha)
	if len(sha) == 40 && h.String() == sha {
		if c, err := t.r.repo.CommitObject(h); err == nil {
			cs.tree, _ = c.Tree()
		}
	}
	if cs.tree != nil && t.head != nil && cs.tree.Hash != t.head.Hash {
		ctx, cancel := context.WithTimeout(context.Background(), renameTime)
		changes, err := object.DiffTreeWithOptions(ctx, cs.tree, t.head, &object.DiffTreeOptions{
			DetectRenames: true, RenameScore: renameScore, RenameLimit: renameLimit})
		cancel()
		if err == nil {
			cs.renames = map[string]string{}
			for _, ch := range changes {
				if from, to := ch.From.Name, ch.To.Name; from != "" && to != "" && from != to {
					cs.renames[from] = to
				}
			}
		}
	}
	t.mu.Lock()
	t.commits[sha] = cs
	t.mu.Unlock()
	return cs
}

// inTree reports whether path is a file of tree.
func inTree(tree *object.Tree, path string) bool {
	if tree == nil {
		return false
	}
	_, err := tree.FindEntry(path)
	return err == nil
}

// Map implements match.Tracker.
func (t *Tracker) Map(commit, path string, candidates []string) *evidence.LineMap {
	key := [2]string{commit, path}
	t.mu.Lock()
	lm, ok := t.maps[key]
	t.mu.Unlock()
	if ok {
		return lm
	}
	lm = t.build(commit, path, candidates)
	t.mu.Lock()
	t.maps[key] = lm
	t.mu.Unlock()
	return lm
}

func (t *Tracker) build(commit, path string, candidates []string) *evidence.LineMap {
	cs := t.commit(commit)
	if cs.tree == nil || t.work == nil {
		return nil
	}
	f, err := cs.tree.File(path)
	if err != nil || f.Size > evidence.MaxFile {
		return nil
	}
	data, err := f.Contents()
	if err != nil {
		return nil
	}
	old := evidence.NewFile(path, []byte(data))
	// Where is it now? A rename committed since, then the working tree.
	at := path
	if to, ok := cs.renames[path]; ok {
		at = to
	}
	cur := t.work.File(at)
	if cur == nil {
		at, cur = t.moved(cs, old, path, candidates)
	}
	if cur == nil {
		cur = evidence.NewFile(path, nil) // deleted: every line is gone
		at = path
	}
	lm := evidence.Diff(old, cur)
	lm.OldPath, lm.Path = path, at
	return lm
}

// moved finds, among candidate working-tree paths that are in neither the
// commit nor HEAD (added or untracked since: `git mv` not committed yet, a
// move into a new folder), the one most like the old file (at least half of
// its lines), if exactly one is best.
func (t *Tracker) moved(cs *commitState, old *evidence.File, path string, candidates []string) (string, *evidence.File) {
	best, bestScore, tie := "", 0.0, false
	n := 0
	for _, c := range candidates {
		if c == path || inTree(cs.tree, c) || inTree(t.head, c) {
			continue
		}
		if n++; n > maxMoveCand {
			break
		}
		cur := t.work.File(c)
		if cur == nil {
			continue
		}
		s := similarity(old, cur)
		switch {
		case s > bestScore:
			best, bestScore, tie = c, s, false
		case s == bestScore:
			tie = true
		}
	}
	if best == "" || tie || bestScore*100 < renameScore {
		return "", nil
	}
	return best, t.work.File(best)
}

// similarity is the share of lines (normalised, multiset) two files have in
// common, over the larger one.
func similarity(a, b *evidence.File) float64 {
	if a.Lines() == 0 || b.Lines() == 0 {
		return 0
	}
	m := make(map[uint32]int, a.Lines())
	for i := 1; i <= a.Lines(); i++ {
		m[a.Hash(i)]++
	}
	common := 0
	for i := 1; i <= b.Lines(); i++ {
		if h := b.Hash(i); m[h] > 0 {
			m[h]--
			common++
		}
	}
	return float64(common) / float64(max(a.Lines(), b.Lines()))
}

var errNoHead = errors.New("no HEAD")

// Renames lists the renames git detects between commit and HEAD (path at
// commit → path at HEAD), for display and tests.
func (t *Tracker) Renames(commit string) (map[string]string, error) {
	cs := t.commit(commit)
	if cs.tree == nil {
		return nil, errors.New("commit " + commit + " is unknown or unreachable")
	}
	if t.head == nil {
		return nil, errNoHead
	}
	return cs.renames, nil
}
