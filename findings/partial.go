package findings

import (
	"strings"
	"time"
)

// Provisional findings (Options.OnPartial). A large file's identity pass
// (strong keys shared inside a run, occurrence numbering, content hashes)
// needs all of the file's results, so final findings are handed out only
// when the file is read. To show rows before that, the streaming pipeline
// hands out provisional copies of each decoded batch, in input order: every
// display field (sanitized message, location, severity, stage, kind, tool,
// rule) but no identity at all, so nothing can match a triage decision to
// them. OnFile then hands out the final findings of the same results, in
// the same order.

// partialEvery is how often, at most, provisional findings are handed out
// after the first batch (which goes out at once).
const partialEvery = 250 * time.Millisecond

// Provisional reports whether f is a provisional finding (Options.OnPartial):
// it has no ID and no identity keys yet, so no triage decision can be placed
// on it or read for it. Findings Load returns are never provisional.
func (f *Finding) Provisional() bool { return f.ID == "" }

// SameResult reports whether f and g come from the same result of the same
// input (file, run and result index of their first source): how a
// provisional finding is paired with its final finding.
func (f *Finding) SameResult(g *Finding) bool {
	if len(f.Sources) == 0 || len(g.Sources) == 0 {
		return false
	}
	a, b := f.Sources[0], g.Sources[0]
	return a.File == b.File && a.Run == b.Run && a.Result == b.Result
}

// provisionalCopies copies a decoded batch (before identity) for OnPartial:
// one allocation for the findings and one for their sources. Tool errors
// are left out, as Load leaves them out of the file's findings. The search
// blob is built on the original first so that the final finding and its
// copy share it.
func provisionalCopies(out []*Finding, file string) []*Finding {
	slab := make([]Finding, 0, len(out))
	srcs := make([]Source, len(out))
	ps := make([]*Finding, 0, len(out))
	var tool *Tool
	linter := false // a tool that reports its own configuration errors as results
	for _, f := range out {
		if f.Tool != tool || tool == nil {
			tool = f.Tool
			n := strings.ToLower(f.ToolName())
			linter = strings.Contains(n, "eslint") || strings.Contains(n, "pylint")
		}
		if linter {
			if _, isErr := toolConfigError(f); isErr {
				continue
			}
		}
		f.SearchText()
		slab = append(slab, *f)
		c := &slab[len(slab)-1]
		c.ID, c.IDLayer, c.Keys, c.fallback1 = "", 0, nil, ""
		if len(f.Sources) > 0 {
			s := &srcs[len(ps)]
			*s = f.Sources[0]
			s.File = file
			c.Sources = srcs[len(ps) : len(ps)+1 : len(ps)+1]
		}
		ps = append(ps, c)
	}
	return ps
}

// partialEmitter hands out a pipeline's provisional batches in input order
// from one goroutine: the first as soon as it is decoded, then at most every
// partialEvery, and whatever is left when the pipeline's input ends (before
// the file's identity pass).
type partialEmitter struct {
	cb   func([]*Finding)
	sig  chan struct{} // a batch is ready (closed: the pipeline is drained)
	done chan struct{}
	outs [][]*Finding // by task sequence number; guarded by pipeline.mu
	have []bool
	next int
}

func newPartialEmitter(cb func([]*Finding)) *partialEmitter {
	return &partialEmitter{cb: cb, sig: make(chan struct{}, 1), done: make(chan struct{})}
}

// ready records task seq's provisional findings (pl.mu held).
func (e *partialEmitter) ready(seq int, ps []*Finding) {
	for len(e.outs) <= seq {
		e.outs = append(e.outs, nil)
		e.have = append(e.have, false)
	}
	e.outs[seq], e.have[seq] = ps, true
}

func (e *partialEmitter) notify() {
	select {
	case e.sig <- struct{}{}:
	default:
	}
}

func (e *partialEmitter) run(pl *pipeline) {
	defer close(e.done)
	var pending []*Finding
	var last time.Time
	for {
		_, open := <-e.sig
		pl.mu.Lock()
		for e.next < len(e.have) && e.have[e.next] {
			if !pl.dropped[e.next] {
				pending = append(pending, e.outs[e.next]...)
			}
			e.outs[e.next] = nil
			e.next++
		}
		pl.mu.Unlock()
		if pl.ctx.Err() != nil {
			return
		}
		if len(pending) > 0 && (!open || last.IsZero() || time.Since(last) >= partialEvery) {
			e.cb(pending)
			pending, last = nil, time.Now()
		}
		if !open {
			return
		}
	}
}
