package triagescreen

// Live console (issue 11 item 6): the scan files and the ledger are watched
// (tui/watch, fsnotify); a change reloads them in the background and the
// table keeps its cursor (on the same finding) and its filter.

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/tui/status"
	"github.com/secui/secui/tui/watch"
)

// WatchList says whether the console watches its inputs.
type WatchList struct {
	Off bool // no watching (SECUI_NO_WATCH)
	// NoScans: watch the ledger only (an input is stdin or a pipe, which
	// cannot be read a second time).
	NoScans bool
}

// reloadState is the live reload's state.
type reloadState struct {
	w        *watch.Watcher
	scans    []string        // watched scan files (absolute)
	ledgers  map[string]bool // watched ledger files (a sharded ledger's shards)
	ledgerGn int             // ledger reloads started (stale results dropped)
}

// watchStartedMsg carries a new watcher (made in a Cmd: it is I/O).
type watchStartedMsg struct {
	w       *watch.Watcher
	scans   []string
	ledgers []string
	err     error
}

// ledgerReloadedMsg is a ledger re-read from disk after a change.
type ledgerReloadedMsg struct {
	gen     int
	changed bool
	ov      *ledger.Overlay
	seq     uint64
	err     error
}

// watchCmd starts watching the loaded scan files and the ledger, once
// loading has finished (what was loaded is known then).
func (m *Model) watchCmd() tea.Cmd {
	if m.opts.Watch == nil || m.loop.reload.w != nil || m.loop.watching {
		return nil
	}
	wl := m.opts.Watch()
	if wl.Off {
		return nil
	}
	m.loop.watching = true
	var scans []string
	if m.set != nil && !wl.NoScans {
		for _, fi := range m.set.Files {
			if fi.Err != nil || fi.Path == "<stdin>" || fi.Path == "-" {
				continue
			}
			p := filepath.FromSlash(fi.Path)
			if !filepath.IsAbs(p) {
				p = filepath.Join(m.opts.Root, p)
			}
			scans = append(scans, filepath.Clean(p))
		}
	}
	var leds []string
	if m.opts.Ledger != nil {
		for _, p := range m.opts.Ledger.WatchPaths() {
			leds = append(leds, filepath.Clean(p))
		}
	}
	return func() tea.Msg {
		files := append(slices.Clone(scans), leds...)
		if len(files) == 0 {
			return nil
		}
		w, err := watch.New(files)
		return watchStartedMsg{w: w, scans: scans, ledgers: leds, err: err}
	}
}

// onLive handles the watcher's messages (ok false: msg is not one).
func (m *Model) onLive(msg tea.Msg) (tea.Cmd, bool) {
	r := &m.loop.reload
	switch msg := msg.(type) {
	case watchStartedMsg:
		if msg.err != nil || msg.w == nil {
			return m.status.Flash(status.Warn, fmt.Sprintf("not watching the scan files for changes: %v", msg.err), 5*time.Second), true
		}
		if m.ctx.Err() != nil {
			msg.w.Close()
			return nil, true
		}
		r.w, r.scans, r.ledgers = msg.w, msg.scans, map[string]bool{}
		for _, p := range msg.ledgers {
			r.ledgers[p] = true
		}
		go func(ctx context.Context, w *watch.Watcher) { <-ctx.Done(); w.Close() }(m.ctx, msg.w)
		return msg.w.Next(), true
	case watch.ErrorMsg:
		if msg.W != r.w {
			return nil, true
		}
		return tea.Batch(msg.W.Next(), m.status.Flash(status.Warn, "watching files: "+msg.Err.Error(), 5*time.Second)), true
	case watch.ChangedMsg:
		if msg.W != r.w {
			return nil, true
		}
		cmds := []tea.Cmd{msg.W.Next()}
		scan, led := false, false
		for _, f := range msg.Files {
			if r.ledgers[f] {
				led = true
			} else {
				scan = true
			}
		}
		if led {
			cmds = append(cmds, m.ledgerReloadCmd())
		}
		if scan {
			cmds = append(cmds, m.scanReloadCmd(msg.Files))
		}
		return tea.Batch(cmds...), true
	case ledgerReloadedMsg:
		if msg.gen != r.ledgerGn {
			return nil, true
		}
		if msg.err != nil {
			return m.status.Flash(status.Warn, "ledger changed on disk and is invalid, triage is off until it is fixed: "+firstLine(msg.err.Error()), 8*time.Second), true
		}
		if !msg.changed { // our own write, already shown
			return nil, true
		}
		m.setOverlay(msg.ov, msg.seq)
		return tea.Batch(m.refilterKeep(true), m.status.Flash(status.Info, "the ledger changed on disk: decisions reloaded", 4*time.Second)), true
	}
	return nil, false
}

// ledgerReloadCmd re-reads the ledger and, when it changed (not our own
// write, which the ledger already knows), matches it again.
func (m *Model) ledgerReloadCmd() tea.Cmd {
	l := m.opts.Ledger
	if l == nil {
		return nil
	}
	m.loop.reload.ledgerGn++
	gen, all, now, work := m.loop.reload.ledgerGn, m.fs, m.now(), m.workTree
	return func() tea.Msg {
		before := l.Decisions()
		err := l.Reload()
		after := l.Decisions()
		msg := ledgerReloadedMsg{gen: gen, err: err}
		// a re-read file gives new records; an unchanged one the same
		msg.changed = len(before) != len(after) || len(after) > 0 && before[0] != after[0] || len(before) > 0 && before[len(before)-1] != after[len(after)-1]
		if err == nil && msg.changed {
			msg.ov, msg.seq = buildOverlay(l, all, now, work())
		}
		return msg
	}
}

// scanReloadCmd loads the inputs again in the background (Model.reload: the
// table keeps showing the old findings until the new set is matched, and
// keeps its cursor and filter).
func (m *Model) scanReloadCmd(files []string) tea.Cmd {
	names := make([]string, 0, len(files))
	for _, f := range files {
		if !m.loop.reload.ledgers[f] {
			names = append(names, m.displayPath(f))
		}
	}
	return tea.Batch(m.reload(strings.Join(names, ", ")+" changed"),
		m.status.Flash(status.Info, "scan files changed: reloaded "+strings.Join(names, ", "), 4*time.Second))
}
