package tui

import (
	"strings"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/tui/fixscreen"
	"github.com/secui/secui/tui/scanscreen"
	"github.com/secui/secui/tui/screen"
	"github.com/secui/secui/tui/syncscreen"
)

// The fix, edit, re-scan and sync screens (helper "screens"), built from the
// console's state at the moment the key is pressed.
func init() {
	fixScreen = func(m *Model, f *findings.Finding) screen.Screen { return fixscreen.New(m.fixDeps(), f) }
	editScreen = func(m *Model, f *findings.Finding) screen.Screen { return fixscreen.NewEdit(m.fixDeps(), f) }
	scanScreen = func(m *Model, stage string) screen.Screen {
		s := m.triage.Snapshot()
		return scanscreen.New(scanscreen.Deps{
			Root: m.opts.Root, Repo: m.opts.Repo, Config: m.opts.Config, Set: s.Set,
			Ledger: m.opts.Ledger, Overlay: s.Overlay, Now: m.opts.Now, WorkTree: m.opts.WorkTree,
			Styles: m.triage.Styles(),
		}, stage, "")
	}
	syncScreen = func(m *Model) (screen.Screen, string) {
		s := m.triage.Snapshot()
		d := syncscreen.Deps{
			Root: m.opts.Root, Repo: m.opts.Repo, Config: m.opts.Config, Set: s.Set,
			Ledger: m.opts.Ledger, Overlay: s.Overlay, Now: m.opts.Now, WorkTree: m.opts.WorkTree,
			Styles: m.triage.Styles(),
		}
		targets := syncscreen.Configured(d)
		switch len(targets) {
		case 0:
			return nil, "no tracker configured: add trackers: (github or jira) to .secui.yaml"
		case 1:
			return syncscreen.New(d, targets[0]), ""
		}
		// several: the first; `secui sync <target>` picks another
		m.flash("trackers " + strings.Join(targets, ", ") + " configured: showing " + targets[0] + " (secui sync " + targets[1] + " for the other)")
		return syncscreen.New(d, targets[0]), ""
	}
}

func (m *Model) fixDeps() fixscreen.Deps {
	s := m.triage.Snapshot()
	return fixscreen.Deps{
		Root: m.opts.Root, Repo: m.opts.Repo, Config: m.opts.Config, Set: s.Set,
		Ledger: m.opts.Ledger, Overlay: s.Overlay, Now: m.opts.Now, WorkTree: m.opts.WorkTree,
		Styles: m.triage.Styles(),
	}
}
