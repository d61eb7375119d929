package triagescreen

import (
	"context"
	"errors"
	"github.com/secui/secui/findings/ledger"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	scr "github.com/secui/secui/tui/screen"
	"github.com/secui/secui/tui/status"
)

// What the triage screen asks the shell to open (the shell builds the
// screens: the triage screen imports none of them).
const (
	OpenPipeline = "pipeline"
	OpenFix      = "fix"
	OpenEdit     = "edit"
	OpenRescan   = "rescan"
	OpenSync     = "sync"
)

// OpenMsg asks the shell to push a screen: What is one of the Open*
// constants, F the selected finding (nil for the pipeline and sync).
type OpenMsg struct {
	What string
	F    *findings.Finding
}

func open(what string, f *findings.Finding) tea.Cmd {
	return func() tea.Msg { return OpenMsg{What: what, F: f} }
}

// handleOpenKey handles the keys that open another screen.
func (m *Model) handleOpenKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	switch {
	case key.Matches(msg, m.km.Pipeline):
		return open(OpenPipeline, nil), true
	case key.Matches(msg, m.km.Sync):
		return open(OpenSync, nil), true
	case key.Matches(msg, m.km.Fix, m.km.Edit, m.km.Rescan):
		f := m.det.Data().F
		if m.focus != focusDetail {
			f = m.table.Selected()
		}
		if f == nil {
			return m.status.Flash(status.Info, "no finding selected", 3*time.Second), true
		}
		if f.Provisional() { // fixes, edits and re-scans record decisions on its ID
			return m.status.Flash(status.Info, "this finding is still loading: it has no ID yet", 3*time.Second), true
		}
		what := OpenFix
		switch {
		case key.Matches(msg, m.km.Edit):
			what = OpenEdit
		case key.Matches(msg, m.km.Rescan):
			what = OpenRescan
		}
		return open(what, f), true
	}
	return nil, false
}

// reloadDoneMsg is the result of a reload after screen.ChangedMsg.
type reloadDoneMsg struct {
	gen  int
	done loadDoneMsg
}

// reload loads the findings again (a re-scan stored new results, a fix
// changed files, the ledger changed) and matches the ledger to them, in a
// Cmd; the table keeps its cursor on the selected finding.
func (m *Model) reload(reason string) tea.Cmd {
	if m.opts.Load == nil {
		return nil
	}
	if m.loading { // the first load is still running: reload when it ends
		m.reloadPending = true
		return nil
	}
	m.reloadGen++
	gen := m.reloadGen
	ctx, load, l, now, work := m.ctx, m.opts.Load, m.opts.Ledger, m.now(), m.workTree
	lgen := m.loop.loadGen
	m.status.SetProgress("reloading (" + reason + ")…")
	return func() tea.Msg {
		set, err := load(ctx, func(string, []*findings.Finding, error) {})
		done := loadDoneMsg{gen: lgen, set: set, err: err}
		if set != nil {
			for _, f := range set.Findings {
				f.SearchText()
			}
			if l != nil {
				done.ov, done.seq = buildOverlay(l, set.Findings, now, work())
			}
		}
		return reloadDoneMsg{gen: gen, done: done}
	}
}

func (m Model) onReloaded(msg reloadDoneMsg) (Model, tea.Cmd) {
	if msg.gen != m.reloadGen || errors.Is(msg.done.err, context.Canceled) {
		return m, nil
	}
	if msg.done.set != nil {
		m.details = msg.done.set.Details
	}
	m.moved = true // keep the selection
	return m.onLoaded(msg.done)
}

// Snapshot is what the screen has loaded (for the pipeline and focus
// screens). Version changes whenever the findings or the overlay do.
// Provisional rows (a file still being read) are left out: they have no
// identity for another screen to act on.
func (m *Model) Snapshot() scr.Snapshot {
	fs := m.fs
	if p := m.loop.prov; p.n > 0 && p.lo+p.n == len(fs) {
		fs = fs[:p.lo:p.lo]
	}
	return scr.Snapshot{Set: m.set, Findings: fs, Overlay: m.ov, Loading: m.loading, Version: m.version()}
}

// version identifies the data: it changes with the findings slice, its
// length, or the overlay.
func (m *Model) version() uint64 {
	return m.ovSeq<<32 ^ uint64(m.loadVer)
}

// Ledger is the ledger decisions are written to: Options.Ledger, or the one
// opened in the background (Options.OpenLedger) once it has loaded; nil
// before that, or when there is none.
func (m *Model) Ledger() *ledger.Ledger { return m.opts.Ledger }
