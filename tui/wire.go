package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/tui/focusscreen"
	"github.com/secui/secui/tui/pipelinescreen"
	"github.com/secui/secui/tui/screen"
	"github.com/secui/secui/tui/status"
	"github.com/secui/secui/tui/triagescreen"
)

// The screens the shell builds. The fix, edit, re-scan and sync screens come
// from tui/fixscreen, tui/scanscreen and tui/syncscreen (wire_screens.go);
// until they are linked these are nil and their keys say so.
var (
	fixScreen  func(m *Model, f *findings.Finding) screen.Screen
	editScreen func(m *Model, f *findings.Finding) screen.Screen
	scanScreen func(m *Model, stage string) screen.Screen
	syncScreen func(m *Model) (screen.Screen, string) // "" or why not
)

func (m *Model) now() time.Time {
	if m.opts.Now != nil {
		return m.opts.Now()
	}
	return time.Now()
}

func (m *Model) flash(text string) tea.Cmd {
	return m.triage.Status().Flash(status.Warn, text, 5*time.Second)
}

// open builds the screen the triage screen asked for and pushes it.
func (m *Model) open(msg triagescreen.OpenMsg) tea.Cmd {
	switch msg.What {
	case triagescreen.OpenPipeline:
		return screen.Push(m.newPipeline())
	case triagescreen.OpenFix:
		if fixScreen == nil {
			return m.flash("fixing is not available in this build")
		}
		return screen.Push(fixScreen(m, msg.F))
	case triagescreen.OpenEdit:
		if editScreen == nil {
			return m.flash("editing is not available in this build")
		}
		return screen.Push(editScreen(m, msg.F))
	case triagescreen.OpenRescan:
		if scanScreen == nil {
			return m.flash("re-scanning is not available in this build")
		}
		return screen.Push(scanScreen(m, msg.F.Stage.String()))
	case triagescreen.OpenSync:
		if syncScreen == nil {
			return m.flash("tracker sync is not available in this build")
		}
		s, why := syncScreen(m)
		if s == nil {
			return m.flash(why)
		}
		return screen.Push(s)
	}
	return nil
}

func (m *Model) newPipeline() screen.Screen {
	d := pipelinescreen.Deps{
		Root:     m.opts.Root,
		Config:   m.opts.Config,
		Snapshot: m.triage.Snapshot(),
		Styles:   m.triage.Styles,
		Now:      m.now,
		Focus:    func(st findings.Stage) screen.Screen { return m.newFocus(st) },
	}
	if scanScreen != nil {
		d.Scan = func(st findings.Stage) screen.Screen { return scanScreen(m, st.String()) }
	}
	return pipelinescreen.New(d)
}

func (m *Model) newFocus(stage findings.Stage) screen.Screen {
	d := focusscreen.Deps{
		Root:     m.opts.Root,
		Repo:     m.opts.Repo,
		Config:   m.opts.Config,
		Ledger:   m.triage.Ledger(),
		Snapshot: m.triage.Snapshot(),
		Styles:   m.triage.Styles,
		KeyMap:   m.triage.KeyMap(),
		Now:      m.now,
		WorkTree: m.opts.WorkTree,
	}
	if fixScreen != nil {
		d.Fix = func(f *findings.Finding) screen.Screen { return fixScreen(m, f) }
	}
	if editScreen != nil {
		d.Edit = func(f *findings.Finding) screen.Screen { return editScreen(m, f) }
	}
	if scanScreen != nil {
		d.Scan = func(st findings.Stage) screen.Screen { return scanScreen(m, st.String()) }
	}
	return focusscreen.New(d, stage)
}
