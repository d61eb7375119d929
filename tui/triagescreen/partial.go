package triagescreen

// Rows within one big file (issue 12 item 2): while a large input is read,
// the engine hands out provisional findings (findings.Options.OnPartial):
// display fields, no identity. They are appended to Model.fs and merged
// into the current order like any batch, the state column says
// "loading…", and nothing that needs identity (triage, fix, edit, copy ID,
// id:/new: terms) acts on them. When the file is read, its final findings
// replace them at the same positions: same result, same sort fields, so the
// rows, the cursor, the scroll position and the marks stay where they are.

import (
	"context"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/internal/trace"
)

// PartialLoadFunc is LoadFunc that also hands out provisional findings of
// a large file while it is read (see Options.LoadPartial).
type PartialLoadFunc func(ctx context.Context, onPartial func(file string, fs []*findings.Finding), onFile func(file string, fs []*findings.Finding, err error)) (*findings.Set, error)

// loadPartialMsg carries provisional findings of a file still being read.
type loadPartialMsg struct {
	gen  int // Model.loop.loadGen of the load
	file string
	fs   []*findings.Finding
}

// provRows are the provisional rows shown: m.fs[lo:lo+n], all of file (the
// engine reads one file at a time and hands out its final findings before
// the next file's first provisional ones).
type provRows struct {
	file  string
	lo, n int
}

// swap records the provisional rows replaced in place at m.fs[lo:lo+n], so
// that a filter result computed before the swap is rebased on the finals.
type swap struct{ lo, n int }

// onPartial shows provisional findings.
func (m Model) onPartial(msg loadPartialMsg) (Model, tea.Cmd) {
	if msg.gen != m.loop.loadGen {
		return m, nil
	}
	p := &m.loop.prov
	if p.n > 0 && p.file != msg.file { // cannot happen (the engine reads one file at a time): drop the old rows
		m.dropProvisional()
	}
	if p.n == 0 {
		p.file, p.lo = msg.file, len(m.fs)
	}
	m.fs = append(m.fs, msg.fs...)
	p.n += len(msg.fs)
	m.loadVer++
	m.table.SetStatesLoading(true)
	m.status.SetProgress(m.loadingProgress())
	m.updateEmpty()
	return m, tea.Batch(waitCmd(m.loadCh), m.partialArrived())
}

// partialMergeEvery is how often, at most, provisional batches are merged
// into the rows shown once there are some: merging costs a pass over the
// order shown, and the file's reading shares the machine with it. Past
// partialMergeRows findings merged, a merge also waits until the findings
// that arrived since the last one are at least half as many as those
// merged (partialMergeGrowth): the rows shown grow geometrically however
// fast the machine reads, so the merges of a whole file cost about three
// passes over it. (Pacing by wall time alone, the pause growing with the
// rows shown, made a slow or busy machine merge more often per row read:
// at 1M, under load, merging was 19% of the console's CPU.)
const (
	partialMergeEvery  = 250 * time.Millisecond
	partialMergeRows   = 100000
	partialMergeGrowth = 2 // merge when pending*partialMergeGrowth >= merged
)

// mergePause is the pause between merges with shown rows on screen: it
// grows with them (a second per 200k rows), as before mergeDue.
func mergePause(shown int) time.Duration {
	return max(partialMergeEvery, time.Duration(shown)*time.Second/200000)
}

// mergeDue reports whether provisional findings that arrived since the
// last merge (pending) are worth a pass over the merged ones.
func mergeDue(merged, pending int) bool {
	return merged < partialMergeRows || pending*partialMergeGrowth >= merged
}

// mergeTickMsg merges the provisional batches that waited (partialArrived).
type mergeTickMsg struct{ gen int }

// mergedFindings is how many of m.fs the rows shown were computed from.
func (m *Model) mergedFindings() int {
	if b := m.loop.base; b != nil && m.loop.baseEp == m.loop.epoch {
		return len(b.fs)
	}
	return 0
}

// partialArrived merges provisional findings appended to m.fs: at once for
// the first rows, then at most every partialMergeEvery (wall time), and
// past partialMergeRows only once they are many enough (mergeDue).
func (m *Model) partialArrived() tea.Cmd {
	if m.filtering {
		return nil // onFiltered (filterShown) comes back here
	}
	if m.table.Len() > 0 && !mergeDue(m.mergedFindings(), len(m.fs)-m.mergedFindings()) {
		return nil // the next batch asks again
	}
	wait := mergePause(m.table.Len()) - time.Since(m.loop.lastMerge)
	if m.table.Len() == 0 || wait <= 0 {
		m.loop.lastMerge = time.Now()
		trace.Mark("merge")
		return m.batchArrived()
	}
	if m.loop.mergeArmed {
		return nil
	}
	m.loop.mergeArmed = true
	gen := m.loop.loadGen
	return tea.Tick(wait, func(time.Time) tea.Msg { return mergeTickMsg{gen: gen} })
}

func (m Model) onMergeTick(msg mergeTickMsg) (Model, tea.Cmd) {
	m.loop.mergeArmed = false
	if msg.gen != m.loop.loadGen || m.filtering || !m.loading {
		return m, nil // a run in flight comes back to partialArrived; a load that ended refiltered
	}
	if b := m.loop.base; b != nil && len(b.fs) >= len(m.fs) {
		return m, nil // nothing new since
	}
	m.loop.lastMerge = time.Now()
	trace.Mark("merge")
	return m, m.batchArrived()
}

// finalArrived replaces the provisional rows of the file whose final
// findings just arrived (msg of onBatch, before they are appended). It
// reports whether it took the findings (in place); otherwise the caller
// appends them as a new batch, the provisional rows having been removed.
func (m *Model) finalArrived(file string, finals []*findings.Finding) (tea.Cmd, bool) {
	p := m.loop.prov
	if p.n == 0 || p.file != file {
		return nil, false
	}
	m.loop.prov = provRows{}
	lo, n := p.lo, p.n
	inPlace := len(finals) == n && lo+n == len(m.fs)
	for i := 0; inPlace && i < n; i++ {
		inPlace = m.fs[lo+i].SameResult(finals[i])
	}
	if !inPlace {
		m.dropProvisionalAt(lo, n, finals)
		return nil, false
	}
	nfs := slices.Clone(m.fs) // filter runs in flight read m.fs
	copy(nfs[lo:], finals)
	m.fs = nfs
	m.loop.swaps = append(m.loop.swaps, swap{lo, n})
	m.table.Rebind(nfs)
	if b := m.loop.base; b != nil && m.loop.baseEp == m.loop.epoch && len(b.fs) <= len(nfs) {
		c := *b
		c.fs = nfs[:len(b.fs)]
		m.loop.base = &c
	}
	if m.permFs != nil && len(m.permFs) <= len(nfs) {
		m.permFs = nfs[:len(m.permFs)]
	}
	m.table.SetStatesLoading(m.statesLoading())
	m.loadVer++
	cmds := []tea.Cmd{m.selectionChanged(false)} // the selected finding is its final now: its ID shows
	if m.textQ.And(m.facetQuery()).NeedsIdentity() && !m.filtering {
		cmds = append(cmds, m.refilterKeep(m.moved)) // id:/new: can match these rows now
	}
	return tea.Batch(cmds...), true
}

// dropProvisionalAt removes the provisional rows m.fs[lo:lo+n] (their
// final findings are not the same results one for one: a run whose
// metadata followed its results was decoded again, or the file failed).
// The cursor goes to the final finding of the result it was on, if any.
func (m *Model) dropProvisionalAt(lo, n int, finals []*findings.Finding) {
	if sel := m.table.Selected(); sel != nil && sel.Provisional() {
		for _, f := range finals {
			if f.SameResult(sel) {
				m.loop.reselect = f
				break
			}
		}
	}
	nfs := make([]*findings.Finding, 0, len(m.fs)-n)
	nfs = append(append(nfs, m.fs[:lo]...), m.fs[lo+n:]...)
	m.fs = nfs
	m.loop.epoch++ // positions changed: filter results of before cannot be extended
	m.loop.swaps = nil
	m.loop.prov = provRows{}
}

func (m *Model) dropProvisional() {
	p := m.loop.prov
	m.dropProvisionalAt(p.lo, p.n, nil)
}

// rebase returns fs (a filter result's findings) with the provisional rows
// swapped for their finals since the run started: same positions, same
// sort fields, so the result's indices hold. fs of another epoch is
// returned as it is (its result is not shown as a base either).
func (m *Model) rebase(fs []*findings.Finding) []*findings.Finding {
	if len(m.loop.swaps) == 0 || len(fs) > len(m.fs) {
		return fs
	}
	for _, s := range m.loop.swaps {
		if s.lo < len(fs) && fs[s.lo] != m.fs[s.lo] && fs[s.lo].Provisional() && fs[s.lo].SameResult(m.fs[s.lo]) {
			return m.fs[:len(fs)]
		}
	}
	return fs
}

// reselected moves the cursor to the final finding of the provisional row
// it was on when that file's rows were replaced (not in place).
func (m *Model) reselected() tea.Cmd {
	f := m.loop.reselect
	if f == nil {
		return nil
	}
	m.loop.reselect = nil
	if i := m.table.IndexOf(f); i >= 0 {
		m.table.SetCursor(i)
		return m.selectionChanged(false)
	}
	return nil
}

// provisional reports whether any of fs is provisional (no identity yet).
func provisional(fs ...*findings.Finding) bool {
	for _, f := range fs {
		if f != nil && f.Provisional() {
			return true
		}
	}
	return false
}
