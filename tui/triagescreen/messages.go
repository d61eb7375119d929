package triagescreen

import (
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/query"
	"github.com/secui/secui/tui/detail"
	"github.com/secui/secui/tui/findingtable"
)

// loadBatchMsg carries the findings of one input file as it finishes loading.
type loadBatchMsg struct {
	gen  int // Model.loop.loadGen of the load
	file string
	fs   []*findings.Finding
	err  error
}

// loadDoneMsg ends loading with the merged set.
type loadDoneMsg struct {
	gen int // Model.loop.loadGen of the load
	set *findings.Set
	err error
	ov  *ledger.Overlay // the ledger matched to set (nil: no ledger)
	seq uint64          // overlaySeq of ov
}

// filterDoneMsg is the result of a background filter run (generation gen).
type filterDoneMsg struct {
	gen     int
	fs      []*findings.Finding
	idx     []int32
	groups  []findingtable.Group
	ribbon  [8][5]int // open findings by stage and severity (summary's open column)
	total   int       // findings in view before the query (visibility lane applied)
	hidden  int       // findings hidden by default (suppressed here or in SARIF)
	err     error
	elapsed time.Duration
	keep    bool
	perm    []int32         // all findings in sort order (cache for the next run)
	tri     *ledger.Overlay // the states the run used (the table shows the same)
}

// detailTickMsg fires when the selection has settled (debounce).
type detailTickMsg struct{ tag int }

// detailLoadedMsg carries a finding's details, code and fix diffs.
type detailLoadedMsg struct {
	gen     int
	f       *findings.Finding
	details *findings.Details
	err     error
	code    *detail.Code
	fixes   [][]string
}

// stepCodeMsg carries the code of a flow step.
type stepCodeMsg struct {
	gen        int
	flow, step int
	code       *detail.Code
}

// helpRenderedMsg carries rendered rule help for the cache.
type helpRenderedMsg struct {
	key  string
	text string
}

// editorDoneMsg reports that $EDITOR exited.
type editorDoneMsg struct{ err error }

var _ = query.BySeverity
