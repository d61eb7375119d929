package gitrepo

import (
	"context"
	"sync"
	"time"

	"github.com/secui/secui/findings/repofs"
)

// Blamer caches BlameLine results for a console that blames the selected
// finding as the cursor moves: revisiting a line costs nothing until the
// file or HEAD changes. It is safe for concurrent use; run Blame in the
// background and cancel its context when the selection moves on.
type Blamer struct {
	repo *Repo
	opts BlameOptions

	mu    sync.Mutex
	cache map[blameKey]*Blame
	order []blameKey // insertion order, for eviction
	runs  int        // cache misses (tests)
}

type blameKey struct {
	path  string
	line  int
	head  string
	size  int64
	mtime time.Time
}

// blamerCap bounds the cache.
const blamerCap = 1024

// NewBlamer returns a caching blamer with opts for every blame.
func (r *Repo) NewBlamer(opts BlameOptions) *Blamer {
	return &Blamer{repo: r, opts: opts, cache: map[blameKey]*Blame{}}
}

// Blame is Repo.BlameLine, cached by path, line, the file's size and
// modification time, and HEAD. Errors and cancellations are not cached.
func (b *Blamer) Blame(ctx context.Context, path string, line int) (*Blame, error) {
	key, ok := b.key(path, line)
	if ok {
		b.mu.Lock()
		res, hit := b.cache[key]
		b.mu.Unlock()
		if hit {
			cp := *res
			return &cp, nil
		}
	}
	res, err := b.repo.BlameLine(ctx, path, line, b.opts)
	if err != nil || !ok {
		return res, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.runs++
	if _, dup := b.cache[key]; !dup {
		if len(b.order) >= blamerCap {
			delete(b.cache, b.order[0])
			b.order = b.order[1:]
		}
		b.order = append(b.order, key)
	}
	cp := *res
	b.cache[key] = &cp
	return res, nil
}

// key identifies the current state of path's line; ok is false when it
// cannot be known (then nothing is cached).
func (b *Blamer) key(path string, line int) (blameKey, bool) {
	head, err := b.repo.currentHead()
	if err != nil {
		head = ""
	}
	rfs, err := repofs.Open(b.repo.Root)
	if err != nil {
		return blameKey{}, false
	}
	defer rfs.Close()
	rel, err := rfs.Resolve(path)
	if err != nil {
		return blameKey{}, false // BlameLine gives the refusal
	}
	st, err := rfs.Stat(rel)
	if err != nil {
		return blameKey{}, false
	}
	return blameKey{path: rel, line: line, head: head, size: st.Size(), mtime: st.ModTime()}, true
}
