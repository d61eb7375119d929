package query

import (
	"context"
	"runtime"
	"sync"

	"github.com/secui/secui/findings"
)

// checkEvery is how many findings a worker matches between context checks.
const checkEvery = 4096

// parallelMin is the input size below which Filter stays on one goroutine.
const parallelMin = 8192

// Filter returns the indices (into fs) of the findings that match q, in the
// order of fs. Triage states (the state: term) come from t (nil: every
// finding is open). It matches chunks of fs in parallel (runtime.GOMAXPROCS
// goroutines) and returns ctx.Err() soon after ctx is cancelled. A nil or
// empty query selects everything. Nil findings never match. The result is
// never nil unless there is an error.
//
// Each finding is matched by one goroutine, so a single call is safe even if
// free-text blobs (Finding.SearchText) are not built yet. Calls that run at
// the same time on the same findings need the blobs built beforehand, which
// findings.Load does.
func Filter(ctx context.Context, fs []*findings.Finding, q *Query, t findings.Triage) ([]int32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if q == nil {
		q = newQuery(nil)
	}
	if q.unbound() {
		return nil, ErrBranchUnbound
	}
	workers := runtime.GOMAXPROCS(0)
	if len(fs) < parallelMin || workers < 2 {
		return filterRange(ctx, fs, q, t, 0, len(fs), make([]int32, 0, 16))
	}
	if most := len(fs) / (parallelMin / 2); workers > most {
		workers = most
	}
	parts := make([][]int32, workers)
	errs := make([]error, workers)
	chunk := (len(fs) + workers - 1) / workers
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(fs))
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[w], errs[w] = filterRange(ctx, fs, q, t, lo, hi, make([]int32, 0, (hi-lo)/4+16))
		}()
	}
	wg.Wait()
	n := 0
	for w := range parts {
		if errs[w] != nil {
			return nil, errs[w]
		}
		n += len(parts[w])
	}
	out := make([]int32, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out, nil
}

// filterRange matches fs[lo:hi] on the calling goroutine.
func filterRange(ctx context.Context, fs []*findings.Finding, q *Query, tri findings.Triage, lo, hi int, out []int32) ([]int32, error) {
	memos := make([]*memo, len(q.terms))
	for i := range q.terms {
		if q.terms[i].needsMemo() {
			memos[i] = newMemo()
		}
	}
	terms, order := q.terms, q.order
	done := ctx.Done()
	needID := q.NeedsIdentity()
next:
	for i := lo; i < hi; i++ {
		if (i-lo)%checkEvery == 0 && done != nil {
			select {
			case <-done:
				return nil, ctx.Err()
			default:
			}
		}
		f := fs[i]
		if f == nil || needID && f.Provisional() {
			continue
		}
		for _, j := range order {
			t := &terms[j]
			if t.match(f, tri, memos[j]) == t.neg {
				continue next
			}
		}
		out = append(out, int32(i))
	}
	return out, nil
}
