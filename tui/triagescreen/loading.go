package triagescreen

// Loading while the console is open (issue 12 items 1, 2): batches are merged
// into the current order as they arrive, the ledger opens in the background
// and the state column says "loading…" until its decisions are matched.

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/policy"
	"github.com/secui/secui/findings/query"
	"github.com/secui/secui/tui/findingtable"
	"github.com/secui/secui/tui/status"
)

// loopState is the root model's state for loading, live reloads (live.go)
// and key coalescing (keyloop.go).
type loopState struct {
	// ledgerOpening: Options.OpenLedger runs in the background; until it is
	// done and matched, triage keys wait.
	ledgerOpening bool
	// epoch counts replacements of Model.fs (appends keep it): a filter
	// result of an older epoch cannot be extended by a batch.
	epoch int
	// base is the last filter result shown and what it was computed for; a
	// batch extends it instead of filtering everything again.
	base    *filterDoneMsg
	baseKey filterKey
	baseEp  int
	loadGen int // the load (first or a reload) whose messages are current
	extends int // batches merged into a result (not filtered again)

	// provisional rows of a file still being read (partial.go)
	prov       provRows
	swaps      []swap            // provisional rows replaced in place in this epoch
	reselect   *findings.Finding // the cursor goes here once shown (rows replaced, not in place)
	lastMerge  time.Time         // when provisional rows were last merged (partialArrived)
	mergeArmed bool              // a mergeTickMsg is pending

	// key coalescing (keyloop.go)
	moveAcc   int  // cursor rows not yet applied
	moveArmed bool // a frame tick is pending
	view      *viewCache
	seq       uint64 // model states (View's cache key)
	same      bool   // this state looks like the last one rendered

	rowsShown bool // a View showed finding rows (Options.FirstRows called)

	// watching (live.go)
	watching bool
	reload   reloadState
}

// filterKey is what a filter result depends on besides the findings.
type filterKey struct {
	textQ        *query.Query
	floor, stage int
	supp         bool
	sort         query.SortKey
	group        query.GroupBy
	ov           *ledger.Overlay
}

func (m *Model) filterKey() filterKey {
	return filterKey{textQ: m.textQ, floor: m.floor, stage: m.stage, supp: m.showSupp, sort: m.sortKey, group: m.groupBy, ov: m.ov}
}

// statesLoading reports whether the findings' triage states are not known
// yet: a ledger is (being) opened and its decisions are not matched.
func (m *Model) statesLoading() bool {
	return m.ov == nil && (m.opts.Ledger != nil || m.loop.ledgerOpening) || m.loop.prov.n > 0
}

// ledgerLoadedMsg carries the ledger opened in the background (Options.OpenLedger).
type ledgerLoadedMsg struct {
	gen int
	l   *ledger.Ledger
}

// startLoading runs load in a goroutine that feeds ch: one loadBatchMsg per
// file, then a loadDoneMsg with the ledger matched to the merged set; the UI
// re-arms waitCmd after each message. The ledger opens in parallel with the
// load (open is the slow part of a large ledger), so the first frame and the
// first rows never wait for it. The engine does not change findings after
// handing them to onFile, so batches are shown as they are.
func startLoading(ctx context.Context, gen int, load LoadFunc, partial PartialLoadFunc, l *ledger.Ledger, openLedger func() *ledger.Ledger, now time.Time, work func() ledger.OverlayOptions, ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		var lch chan *ledger.Ledger
		if l == nil && openLedger != nil {
			lch = make(chan *ledger.Ledger, 1)
			go func() { lch <- openLedger() }()
		}
		go func() {
			defer close(ch)
			send := func(msg tea.Msg) {
				select {
				case ch <- msg:
				case <-ctx.Done():
				}
			}
			onFile := func(file string, fs []*findings.Finding, err error) {
				for _, f := range fs {
					f.SearchText() // built here, so concurrent filters only read it
				}
				send(loadBatchMsg{gen: gen, file: file, fs: fs, err: err})
			}
			var set *findings.Set
			var err error
			if partial != nil {
				// provisional findings come with their search text built
				set, err = partial(ctx, func(file string, fs []*findings.Finding) {
					send(loadPartialMsg{gen: gen, file: file, fs: fs})
				}, onFile)
			} else {
				set, err = load(ctx, onFile)
			}
			if lch != nil {
				select {
				case l = <-lch:
					send(ledgerLoadedMsg{gen: gen, l: l})
				case <-ctx.Done():
					return
				}
			}
			done := loadDoneMsg{gen: gen, set: set, err: err}
			if set != nil {
				for _, f := range set.Findings {
					f.SearchText() // merged findings are new copies
				}
				if l != nil { // before the UI sees the set: states and matches
					done.ov, done.seq = buildOverlay(l, set.Findings, now, work())
				}
			}
			send(done)
		}()
		return waitCmd(ch)()
	}
}

// onLedgerLoaded takes the ledger opened in the background.
func (m Model) onLedgerLoaded(msg ledgerLoadedMsg) (Model, tea.Cmd) {
	if msg.gen != m.loop.loadGen {
		return m, waitCmd(m.loadCh)
	}
	m.loop.ledgerOpening = false
	m.opts.Ledger = msg.l
	cmds := []tea.Cmd{waitCmd(m.loadCh)}
	if msg.l != nil && msg.l.Err() != nil {
		cmds = append(cmds, m.status.Flash(status.Warn, "ledger "+msg.l.RelPath()+" is invalid, triage is off until it is fixed: "+firstLine(msg.l.Err().Error()), 0))
	}
	return m, tea.Batch(cmds...)
}

// batchArrived shows a new batch (already appended to m.fs): merged into the
// last result when there is one for the current filter, else by a full run.
// Until the user moves, the cursor stays on the first row (the worst
// finding so far); after that it stays on its finding as rows arrive.
// While a run is in flight the batch waits for its result (onFiltered
// extends it), so a stream of batches never restarts the filter.
func (m *Model) batchArrived() tea.Cmd {
	if m.filtering {
		return nil // onFiltered extends the result it brings
	}
	if cmd := m.extendCmd(); cmd != nil {
		return cmd
	}
	if m.loop.base == nil && m.table.Len() == 0 && len(m.fs) <= firstRowsInline {
		return m.refilterNow(m.moved)
	}
	return m.refilterKeep(m.moved)
}

// firstRowsInline is how many findings, at most, the first rows of a load
// are filtered from in the Update that brings them (refilterNow) instead of
// in a Cmd: the engine's first provisional batch is 64 results, and each
// hop (Cmd goroutine, message, Update) waits for a core the decoding
// workers hold (issue 12: the first row at 0.2 s).
const firstRowsInline = 4096

// refilterNow is refilterKeep run in this Update: the result is shown
// before the View that follows (same result, same state as the Cmd's).
func (m *Model) refilterNow(keep bool) tea.Cmd {
	msg, ok := m.refilterKeep(keep)().(filterDoneMsg)
	if !ok {
		return nil
	}
	nm, cmd := m.onFiltered(msg)
	*m = nm
	return cmd
}

// extendCmd starts a run that merges the findings appended since the last
// result into it (nil when it cannot: no result, another filter, or the
// findings were replaced).
func (m *Model) extendCmd() tea.Cmd {
	b := m.loop.base
	if b == nil || m.loop.baseEp != m.loop.epoch || m.loop.baseKey != m.filterKey() || len(b.fs) >= len(m.fs) || len(b.perm) != len(b.fs) {
		return nil
	}
	if m.filterStop != nil {
		m.filterStop()
	}
	ctx, cancel := context.WithCancel(m.ctx)
	m.filterStop = cancel
	m.filterGen++
	m.filtering = true
	m.loop.extends++
	m.bar.SetCounts(m.table.Len(), m.total, true)
	job := filterJob{
		gen: m.filterGen, fs: m.fs, q: m.textQ.And(m.facetQuery()),
		suppressed: m.showSupp, sort: m.sortKey, group: m.groupBy, keep: m.moved,
		tri: m.ov,
	}
	return func() tea.Msg { return extendFilter(ctx, job, b) }
}

// extendFilter is runFilter for job.fs = base.fs + new findings: only the new
// ones are counted, filtered and sorted, then merged into base's order.
func extendFilter(ctx context.Context, job filterJob, base *filterDoneMsg) filterDoneMsg {
	start := time.Now()
	var tri findings.Triage
	if job.tri != nil {
		tri = job.tri
	}
	n0 := len(base.fs)
	out := filterDoneMsg{gen: job.gen, fs: job.fs, keep: job.keep, tri: job.tri,
		ribbon: base.ribbon, total: base.total, hidden: base.hidden}
	add := job.fs[n0:]
	for _, f := range add {
		hidden := policy.HiddenByDefault(tri, f)
		if hidden {
			out.hidden++
		} else if policy.CountsOpen(tri, f) { // summary's open column counts the same
			out.ribbon[min(f.Stage, findings.StageMonitor)][min(f.Severity, findings.SevCritical)]++
		}
		if job.suppressed && policy.LaneOf(tri, f) != policy.LaneNone || !job.suppressed && !hidden {
			out.total++
		}
	}
	idx, err := query.Filter(ctx, add, job.q, tri)
	if err != nil {
		out.err = err
		return out
	}
	n := 0
	for _, i := range idx {
		f := add[i]
		keep := !policy.HiddenByDefault(tri, f)
		if job.suppressed {
			keep = policy.LaneOf(tri, f) != policy.LaneNone
		}
		if keep {
			idx[n] = i + int32(n0)
			n++
		}
	}
	idx = idx[:n]
	query.Sort(job.fs, idx, job.sort)
	if len(idx) == len(add) && len(base.idx) == len(base.perm) {
		// Everything is shown (no filter, nothing hidden): the result is the
		// sort order itself (base.idx is base.perm, both read only), so it is
		// merged once and shared.
		if ctx.Err() != nil {
			out.err = ctx.Err()
			return out
		}
		out.idx = query.MergeSorted(nil, job.fs, base.idx, idx, job.sort)
		out.perm = out.idx
	} else {
		all := make([]int32, len(add))
		for i := range all {
			all[i] = int32(n0 + i)
		}
		query.Sort(job.fs, all, job.sort)
		if ctx.Err() != nil {
			out.err = ctx.Err()
			return out
		}
		out.idx = query.MergeSorted(nil, job.fs, base.idx, idx, job.sort)
		out.perm = query.MergeSorted(nil, job.fs, base.perm, all, job.sort)
	}
	switch {
	case job.suppressed:
		out.groups = laneGroups(tri, job.fs, out.idx)
	case job.group != query.GroupNone:
		for _, g := range query.GroupFindings(job.fs, out.idx, job.group) {
			out.groups = append(out.groups, findingtable.Group{Key: g.Key, Label: groupLabel(job.group, g.Label), Idx: g.Idx, Counts: g.Counts})
		}
	}
	out.elapsed = time.Since(start)
	return out
}

// filterShown records a result just shown (the base the next batch
// extends) and starts extending it when batches arrived meanwhile.
func (m *Model) filterShown(msg *filterDoneMsg) tea.Cmd {
	m.table.SetStatesLoading(m.statesLoading())
	m.loop.base, m.loop.baseKey, m.loop.baseEp = msg, m.filterKey(), m.loop.epoch
	re := m.reselected()
	if len(msg.fs) < len(m.fs) && m.loop.prov.n > 0 && len(msg.fs) > m.loop.prov.lo {
		return tea.Batch(re, m.partialArrived()) // more provisional rows: merged at the next tick
	}
	if len(msg.fs) < len(m.fs) {
		if cmd := m.extendCmd(); cmd != nil {
			return tea.Batch(re, cmd)
		}
		return tea.Batch(re, m.refilterKeep(m.moved))
	}
	return re
}

// loadingProgress is the status line while loading.
func (m *Model) loadingProgress() string {
	s := fmt.Sprintf("loading… %d file(s), %d findings", len(m.files)+len(m.loadErrs), len(m.fs))
	if p := m.loop.prov; p.n > 0 {
		s += " · reading " + m.displayPath(p.file)
	}
	if m.statesLoading() {
		s += " · triage decisions loading"
	}
	return s
}
