package triagescreen

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/internal/trace"
	"github.com/secui/secui/tui/detail"
	"github.com/secui/secui/tui/filterbar"
	scr "github.com/secui/secui/tui/screen"
	"github.com/secui/secui/tui/status"
	"github.com/secui/secui/tui/triageform"
)

// detailDebounce is how long the selection must rest before details load.
const detailDebounce = 60 * time.Millisecond

// route routes a message: keys to the focused component, results of Cmds to
// whoever asked (stale generations dropped).
func (m Model) route(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		return m, m.resize(msg.Width, msg.Height)
	case tea.BackgroundColorMsg:
		if m.themeMode == "auto" || m.themeMode == "" {
			m.setStyles(msg.IsDark())
			m.refreshDetail()
			return m, m.requestHelp()
		}
		return m, nil
	case decidedMsg:
		return m.onDecided(msg)
	case undoneMsg:
		return m.onUndone(msg)
	case triageform.SubmitMsg, triageform.CancelMsg:
		if m.formOpen {
			return m.handleFormMsg(msg)
		}
		return m, nil
	case tea.KeyPressMsg:
		if m.formOpen {
			if msg.String() == "ctrl+c" {
				m.cancel()
				return m, tea.Quit
			}
			return m.handleFormMsg(msg)
		}
		return m.handleKey(msg)
	case tea.PasteMsg:
		if m.formOpen {
			return m.handleFormMsg(msg)
		}
		if m.focus == focusFilter {
			var cmd tea.Cmd
			m.bar, cmd = m.bar.Update(msg)
			return m, cmd
		}
		return m, nil
	case tea.MouseClickMsg:
		return m.handleClick(msg)
	case tea.MouseWheelMsg:
		return m.handleWheel(msg)
	case loadBatchMsg:
		trace.Once("msg-batch")
		return m.onBatch(msg)
	case loadPartialMsg:
		trace.Once("msg-partial")
		return m.onPartial(msg)
	case mergeTickMsg:
		return m.onMergeTick(msg)
	case loadDoneMsg:
		m, cmd := m.onLoaded(msg)
		if m.reloadPending {
			m.reloadPending = false
			return m, tea.Batch(cmd, m.reload("changed while loading"))
		}
		return m, cmd
	case reloadDoneMsg:
		return m.onReloaded(msg)
	case scr.ChangedMsg:
		return m, m.reload(msg.Reason)
	case ledgerLoadedMsg:
		return m.onLedgerLoaded(msg)
	case filterbar.ChangedMsg:
		return m, m.applyQuery(msg.Text)
	case filterDoneMsg:
		trace.Once("msg-filtered")
		return m.onFiltered(msg)
	case detailTickMsg:
		return m, m.onDetailTick(msg)
	case blameMsg:
		m.onBlame(msg)
		return m, nil
	case ownersMsg:
		m.onOwners(msg)
		return m, nil
	case detailLoadedMsg:
		m.onDetailLoaded(msg)
		return m, nil
	case stepCodeMsg:
		d := m.det.Data()
		if msg.gen == m.detailGen && d.Flow == msg.flow && d.Step == msg.step {
			d.StepCode = msg.code
			m.det.SetData(d)
			m.det.ScrollToStep()
		}
		return m, nil
	case helpRenderedMsg:
		m.helpCache[msg.key] = msg.text
		m.refreshDetail()
		return m, nil
	case status.ClearMsg:
		*m.status, _ = m.status.Update(msg)
		return m, nil
	case editorDoneMsg:
		if msg.err != nil {
			return m, m.status.Flash(status.Error, "editor: "+msg.err.Error(), 6*time.Second)
		}
		return m, m.reloadDetail() // the file may have changed: reload its code
	}
	if cmd, ok := m.onLive(msg); ok {
		return m, cmd
	}
	// the query bar's debounce ticks
	var cmd tea.Cmd
	m.bar, cmd = m.bar.Update(msg)
	return m, cmd
}

func (m Model) handleKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	if m.focus == focusFilter {
		return m.handleFilterKey(msg)
	}
	if cmd, ok := m.handleGlobalKey(msg); ok {
		return m, cmd
	}
	if m.focus == focusDetail {
		return m.handleDetailKey(msg)
	}
	return m.handleTableKey(msg)
}

func (m *Model) handleGlobalKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	switch {
	case key.Matches(msg, m.km.Quit):
		m.cancel()
		return tea.Quit, true
	case key.Matches(msg, m.km.Filter):
		m.focus = focusFilter
		m.table.Blur()
		m.det.Blur()
		m.resize(m.width, m.height) // toggled layout: show the table while filtering
		return m.bar.Focus(), true
	case key.Matches(msg, m.km.SwitchPane):
		if m.focus == focusDetail {
			m.setFocus(focusTable)
		} else {
			m.setFocus(focusDetail)
		}
		return nil, true
	case key.Matches(msg, m.km.SevFloor):
		m.floor = nextFloor(m.floor)
		return m.facetsChanged(), true
	case key.Matches(msg, m.km.Stage):
		m.stage = m.nextStage()
		return m.facetsChanged(), true
	case len(msg.Text) == 1 && msg.Text[0] >= '0' && msg.Text[0] <= '8' && msg.Mod == 0:
		s := int(msg.Text[0]-'0') - 1
		if s == m.stage {
			s = -1
		}
		m.stage = s
		return m.facetsChanged(), true
	case key.Matches(msg, m.km.Sort):
		m.sortKey = (m.sortKey + 1) % 5
		return tea.Batch(m.facetsChanged(), m.status.Flash(status.Info, "sorted by "+m.sortKey.String(), 3*time.Second)), true
	case key.Matches(msg, m.km.Group):
		m.groupBy = (m.groupBy + 1) % 6
		return tea.Batch(m.facetsChanged(), m.status.Flash(status.Info, "grouped by "+m.groupBy.String(), 3*time.Second)), true
	case key.Matches(msg, m.km.ShowSuppressed):
		m.showSupp = !m.showSupp
		m.table.ClearMarks()
		return m.facetsChanged(), true
	case key.Matches(msg, m.km.ToggleQuality):
		m.hideQual = !m.hideQual
		return m.facetsChanged(), true
	case key.Matches(msg, m.km.ClearFilter):
		return m.clearFilter(), true
	case key.Matches(msg, m.km.NextStep, m.km.PrevStep):
		return m.walkFlow(key.Matches(msg, m.km.NextStep)), true
	case key.Matches(msg, m.km.Open):
		return m.openEditor(), true
	case key.Matches(msg, m.km.CopyLoc, m.km.CopyID):
		return m.copySelected(key.Matches(msg, m.km.CopyID)), true
	}
	if cmd, ok := m.handleOpenKey(msg); ok {
		return cmd, true
	}
	if cmd, ok := m.handleTriageKey(msg); ok {
		return cmd, true
	}
	return nil, false
}

func (m Model) handleFilterKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch msg.String() {
	case "enter":
		m.bar.Blur()
		m.setFocus(focusTable)
		return m, m.bar.Flush()
	case "esc":
		m.bar.Blur()
		m.setFocus(focusTable)
		return m, nil
	case "ctrl+c":
		m.cancel()
		return m, tea.Quit
	}
	before := m.bar.Height()
	var cmd tea.Cmd
	m.bar, cmd = m.bar.Update(msg)
	if m.bar.Height() != before {
		cmd = tea.Batch(cmd, m.resize(m.width, m.height))
	}
	return m, cmd
}

func (m Model) handleTableKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	if key.Matches(msg, m.km.FocusDetail) {
		if m.table.Selected() == nil && m.table.SelectedGroup() != nil { // group header: fold/unfold
			g := m.table.SelectedGroup()
			m.table.SetCollapsed(!m.table.IsCollapsed(g.Key))
			return m, nil
		}
		if m.table.Selected() != nil {
			m.setFocus(focusDetail)
		}
		return m, nil
	}
	if key.Matches(msg, m.km.Back) && m.table.NumMarked() > 0 {
		m.table.ClearMarks()
		m.updateFacets()
		return m, m.status.Flash(status.Info, "selection cleared", 2*time.Second)
	}
	if key.Matches(msg, m.km.Back) && m.filtered() {
		return m, tea.Batch(m.clearFilter(), m.status.Flash(status.Info, "filter cleared", 2*time.Second))
	}
	var cmd tea.Cmd
	before := m.table.NumMarked()
	m.table, cmd = m.table.Update(msg)
	m.moved = true
	if m.table.NumMarked() != before {
		m.updateFacets()
	}
	return m, tea.Batch(cmd, m.selectionChanged(false))
}

func (m Model) handleDetailKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	if key.Matches(msg, m.km.Back) {
		m.setFocus(focusTable)
		return m, nil
	}
	var cmd tea.Cmd
	m.det, cmd = m.det.Update(msg)
	return m, cmd
}

func (m *Model) setFocus(f focus) {
	m.focus = f
	if f == focusDetail {
		m.table.Blur()
		m.det.Focus()
	} else {
		m.det.Blur()
		m.table.Focus()
	}
	if m.width > 0 {
		m.resize(m.width, m.height)
	}
}

func (m Model) handleClick(msg tea.MouseClickMsg) (Model, tea.Cmd) {
	if m.formOpen {
		return m, nil
	}
	mo := msg.Mouse()
	l := m.layout
	switch {
	case l.Table.Contains(mo.X, mo.Y):
		if m.focus != focusTable {
			m.setFocus(focusTable)
		}
		m.table.Click(mo.Y - l.Table.Y)
		m.moved = true
		return m, m.selectionChanged(false)
	case l.Detail.Contains(mo.X, mo.Y):
		if m.focus != focusDetail {
			m.setFocus(focusDetail)
		}
	case l.Ribbon.Contains(mo.X, mo.Y):
		if s, ok := ribbonHit(m.st, m.ribbon, m.stage, l.Ribbon.W, mo.X); ok {
			if s == m.stage {
				s = -1
			}
			m.stage = s
			return m, m.facetsChanged()
		}
	}
	return m, nil
}

func (m Model) handleWheel(msg tea.MouseWheelMsg) (Model, tea.Cmd) {
	if m.formOpen {
		return m, nil
	}
	mo := msg.Mouse()
	if m.layout.Detail.Contains(mo.X, mo.Y) {
		m.det, _ = m.det.Update(msg)
		return m, nil
	}
	var cmd tea.Cmd
	m.table, cmd = m.table.Update(msg)
	return m, tea.Batch(cmd, m.selectionChanged(false))
}

// ---- loading ----

func (m Model) onBatch(msg loadBatchMsg) (Model, tea.Cmd) {
	if msg.gen != m.loop.loadGen {
		return m, nil
	}
	name := m.displayPath(msg.file)
	if msg.err != nil {
		m.loadErrs = append(m.loadErrs, name+": "+msg.err.Error())
		m.status.SetErrors(m.loadErrs)
	} else {
		m.files = append(m.files, name)
	}
	if cmd, took := m.finalArrived(msg.file, msg.fs); took { // the file's provisional rows became final in place
		m.status.SetProgress(m.loadingProgress())
		return m, tea.Batch(waitCmd(m.loadCh), cmd)
	}
	m.fs = append(m.fs, msg.fs...)
	m.loadVer++
	m.status.SetProgress(m.loadingProgress())
	m.updateEmpty()
	return m, tea.Batch(waitCmd(m.loadCh), m.batchArrived())
}

func (m Model) onLoaded(msg loadDoneMsg) (Model, tea.Cmd) {
	if msg.gen != m.loop.loadGen {
		return m, nil
	}
	m.loading = false
	m.loop.ledgerOpening = false
	m.loadVer++
	m.status.SetProgress("")
	if msg.seq > m.ovSeq {
		m.ov, m.ovSeq = msg.ov, msg.seq
	}
	if msg.set != nil {
		m.set = msg.set
		m.fs = msg.set.Findings
		m.loop.epoch++
		m.loop.prov, m.loop.swaps = provRows{}, nil
		if m.details == nil {
			m.details = msg.set.Details
		}
		if len(msg.set.Files) > 0 {
			m.files = m.files[:0]
			for _, fi := range msg.set.Files {
				if fi.Err == nil {
					m.files = append(m.files, m.displayPath(fi.Path))
				}
			}
		}
		m.loadErrs = m.loadErrs[:0]
		for _, e := range msg.set.Errors {
			m.loadErrs = append(m.loadErrs, m.displayPathInError(e))
		}
		for _, e := range msg.set.ToolErrors {
			m.loadErrs = append(m.loadErrs, "tool error: "+m.displayPathInError(e))
		}
		m.status.SetErrors(m.loadErrs)
	}
	if m.loop.prov.n > 0 { // no set: the rows of a file never read to its end go
		m.dropProvisional()
	}
	if msg.err != nil && !errors.Is(msg.err, context.Canceled) {
		m.loadErr = msg.err
		if len(m.fs) > 0 {
			m.status.SetErrors(append(m.loadErrs, msg.err.Error()))
		}
	}
	m.updateEmpty()
	m.det.SetData(detail.Data{Step: -1}) // findings were replaced by the merged set
	return m, tea.Batch(m.refilterKeep(m.moved), m.watchCmd())
}

func (m *Model) displayPath(p string) string {
	if m.opts.Root != "" && filepath.IsAbs(p) {
		if r, err := filepath.Rel(m.opts.Root, p); err == nil && !strings.HasPrefix(r, "..") {
			return filepath.ToSlash(r)
		}
	}
	return p
}

func (m *Model) displayPathInError(e *findings.LoadError) string {
	c := *e
	c.File = m.displayPath(c.File)
	return c.Error()
}
