package tui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/query"
	"github.com/secui/secui/tui/detail"
	"github.com/secui/secui/tui/filterbar"
	"github.com/secui/secui/tui/status"
	"github.com/secui/secui/tui/triageform"
)

// detailDebounce is how long the selection must rest before details load.
const detailDebounce = 60 * time.Millisecond

// Update routes a message: keys to the focused component, results of Cmds to
// whoever asked (stale generations dropped).
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
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
		return m.onBatch(msg)
	case loadDoneMsg:
		return m.onLoaded(msg)
	case filterbar.ChangedMsg:
		return m, m.applyQuery(msg.Text)
	case filterDoneMsg:
		return m.onFiltered(msg)
	case detailTickMsg:
		return m, m.onDetailTick(msg)
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
		m.status, _ = m.status.Update(msg)
		return m, nil
	case editorDoneMsg:
		if msg.err != nil {
			return m, m.status.Flash(status.Error, "editor: "+msg.err.Error(), 6*time.Second)
		}
		return m, m.reloadDetail() // the file may have changed: reload its code
	}
	// the query bar's debounce ticks
	var cmd tea.Cmd
	m.bar, cmd = m.bar.Update(msg)
	return m, cmd
}

func (m Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if m.focus == focusFilter {
		return m.handleFilterKey(msg)
	}
	if m.showHelp {
		if key.Matches(msg, m.km.Help, m.km.Back, m.km.Quit) {
			m.showHelp = false
		}
		return m, nil
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
	case key.Matches(msg, m.km.Help):
		m.showHelp = true
		return nil, true
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
		m.stage++
		if m.stage >= len(findings.Stages) {
			m.stage = -1
		}
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
	case key.Matches(msg, m.km.ClearFilter):
		m.floor, m.stage, m.textQ = -1, -1, nil
		m.bar.SetError("")
		m.bar.SetValue("")
		return tea.Batch(m.bar.Flush(), m.facetsChanged()), true
	case key.Matches(msg, m.km.NextStep, m.km.PrevStep):
		return m.walkFlow(key.Matches(msg, m.km.NextStep)), true
	case key.Matches(msg, m.km.Open):
		return m.openEditor(), true
	case key.Matches(msg, m.km.CopyLoc, m.km.CopyID):
		return m.copySelected(key.Matches(msg, m.km.CopyID)), true
	}
	if cmd, ok := m.handleTriageKey(msg); ok {
		return cmd, true
	}
	return nil, false
}

func (m Model) handleFilterKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
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

func (m Model) handleTableKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
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
		return m, m.status.Flash(status.Info, "selection cleared", 2*time.Second)
	}
	var cmd tea.Cmd
	m.table, cmd = m.table.Update(msg)
	m.moved = true
	return m, tea.Batch(cmd, m.selectionChanged(false))
}

func (m Model) handleDetailKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
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

func (m Model) handleClick(msg tea.MouseClickMsg) (tea.Model, tea.Cmd) {
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

func (m Model) handleWheel(msg tea.MouseWheelMsg) (tea.Model, tea.Cmd) {
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

func (m Model) onBatch(msg loadBatchMsg) (tea.Model, tea.Cmd) {
	name := m.displayPath(msg.file)
	if msg.err != nil {
		m.loadErrs = append(m.loadErrs, name+": "+msg.err.Error())
		m.status.SetErrors(m.loadErrs)
	} else {
		m.files = append(m.files, name)
	}
	m.fs = append(m.fs, msg.fs...)
	m.status.SetProgress(fmt.Sprintf("loading… %d file(s), %d findings", len(m.files)+len(m.loadErrs), len(m.fs)))
	m.updateEmpty()
	return m, tea.Batch(waitCmd(m.loadCh), m.refilterKeep(m.moved))
}

func (m Model) onLoaded(msg loadDoneMsg) (tea.Model, tea.Cmd) {
	m.loading = false
	m.status.SetProgress("")
	m.applied = msg.applied
	if msg.set != nil {
		m.set = msg.set
		m.fs = msg.set.Findings
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
		m.status.SetErrors(m.loadErrs)
	}
	if msg.err != nil && !errors.Is(msg.err, context.Canceled) {
		m.loadErr = msg.err
		if len(m.fs) > 0 {
			m.status.SetErrors(append(m.loadErrs, msg.err.Error()))
		}
	}
	m.updateEmpty()
	m.det.SetData(detail.Data{Step: -1}) // findings were replaced by the merged set
	return m, m.refilterKeep(m.moved)
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

// ---- filtering ----

func nextFloor(f int) int {
	switch f {
	case -1:
		return int(findings.SevCritical)
	case int(findings.SevLow):
		return -1
	default:
		return f - 1
	}
}

func (m *Model) facetQuery() *query.Query {
	var parts []string
	if m.floor >= 0 {
		s := findings.Severity(m.floor).String()
		if findings.Severity(m.floor) != findings.SevCritical {
			s += "+"
		}
		parts = append(parts, "sev:"+s)
	}
	if m.stage >= 0 {
		parts = append(parts, "stage:"+findings.Stages[m.stage].String())
	}
	if len(parts) == 0 {
		return nil
	}
	q, err := query.Parse(strings.Join(parts, " "))
	if err != nil {
		return nil
	}
	return q
}

func (m *Model) updateFacets() {
	var parts []string
	if m.floor >= 0 {
		s := "sev " + findings.Severity(m.floor).String()
		if findings.Severity(m.floor) != findings.SevCritical {
			s += "+"
		}
		parts = append(parts, s)
	}
	if m.stage >= 0 {
		parts = append(parts, "stage "+findings.Stages[m.stage].String())
	}
	if m.showSupp {
		parts = append(parts, "suppressed lanes")
	} else if m.hidden > 0 {
		parts = append(parts, fmt.Sprintf("%d suppressed hidden (H)", m.hidden))
	}
	if m.groupBy != query.GroupNone && !m.showSupp {
		parts = append(parts, "by "+m.groupBy.String())
	}
	m.bar.SetFacets(strings.Join(parts, " · "))
}

func (m *Model) facetsChanged() tea.Cmd {
	m.updateFacets()
	m.updateEmpty()
	return m.refilter()
}

func (m *Model) applyQuery(text string) tea.Cmd {
	text = strings.TrimSpace(text)
	if text == "" {
		m.textQ = nil
		m.bar.SetError("")
		return tea.Batch(m.resize(m.width, m.height), m.refilter())
	}
	q, err := query.Parse(text)
	if err != nil {
		m.bar.SetError(err.Error())
		return m.resize(m.width, m.height) // keep the last good filter
	}
	m.bar.SetError("")
	m.textQ = q
	return tea.Batch(m.resize(m.width, m.height), m.refilter())
}

// refilter starts a background filter run, cancelling the previous one.
// keep says whether the cursor stays on the selected finding (reloads, triage)
// or goes to the top (a new filter).
func (m *Model) refilter() tea.Cmd { return m.refilterKeep(false) }

func (m *Model) refilterKeep(keep bool) tea.Cmd {
	if m.filterStop != nil {
		m.filterStop()
	}
	ctx, cancel := context.WithCancel(m.ctx)
	m.filterStop = cancel
	m.filterGen++
	m.filtering = true
	m.bar.SetCounts(m.table.Len(), m.total, true)
	job := filterJob{
		gen: m.filterGen, fs: m.fs, q: m.textQ.And(m.facetQuery()),
		suppressed: m.showSupp, sort: m.sortKey, group: m.groupBy, keep: keep,
	}
	if m.permOK(m.fs) {
		job.perm = m.perm
	}
	return filterCmd(ctx, job)
}

// permOK reports whether the cached sort permutation fits fs and the sort key.
func (m *Model) permOK(fs []*findings.Finding) bool {
	return m.perm != nil && m.permKey == m.sortKey && len(m.permFs) == len(fs) && len(fs) > 0 && &m.permFs[0] == &fs[0]
}

func (m Model) onFiltered(msg filterDoneMsg) (tea.Model, tea.Cmd) {
	if msg.gen != m.filterGen {
		return m, nil // superseded
	}
	m.filtering = false
	if msg.err != nil {
		if errors.Is(msg.err, context.Canceled) {
			return m, nil
		}
		return m, m.status.Flash(status.Error, "filter: "+msg.err.Error(), 6*time.Second)
	}
	m.table.SetData(msg.fs, msg.idx, msg.groups)
	m.perm, m.permKey, m.permFs = msg.perm, m.sortKey, msg.fs
	if !msg.keep {
		m.table.GoTop()
	}
	m.ribbon = msg.ribbon
	m.total, m.hidden = msg.total, msg.hidden
	m.lastFilter = msg.elapsed
	m.bar.SetCounts(m.table.Len(), m.total, false)
	m.updateFacets()
	m.updateEmpty()
	return m, m.selectionChanged(false)
}

// ---- detail ----

// selectionChanged updates the detail pane for the selected finding (cheap, at
// once) and schedules loading its details once the selection rests.
func (m *Model) selectionChanged(force bool) tea.Cmd {
	f := m.table.Selected()
	if f == m.det.Data().F && !force {
		return nil
	}
	m.detailTag++
	d := detail.Data{F: f, Step: -1}
	if f != nil {
		d.Loading = true
		if m.details == nil {
			d.Loading = false
			d.NoDetails = "Code flows, related locations and fixes show when loading has finished."
		}
		d.Help = m.cachedHelp(f.Rule)
		d.Decision, d.History = m.decisionInfo(f)
	}
	m.det.SetData(d)
	if f == nil {
		return nil
	}
	tag := m.detailTag
	return tea.Tick(detailDebounce, func(time.Time) tea.Msg { return detailTickMsg{tag: tag} })
}

func (m *Model) onDetailTick(msg detailTickMsg) tea.Cmd {
	if msg.tag != m.detailTag {
		return nil
	}
	f := m.det.Data().F
	if f == nil {
		return nil
	}
	m.detailGen++
	return tea.Batch(detailCmd(m.detailGen, m.details, f, m.opts.Root, m.chromaStyle()), m.requestHelp())
}

// reloadDetail reloads the code (and the current flow step's code) of the
// shown finding, keeping the position in its flow.
func (m *Model) reloadDetail() tea.Cmd {
	d := m.det.Data()
	if d.F == nil {
		return nil
	}
	m.detailGen++
	cmds := []tea.Cmd{detailCmd(m.detailGen, m.details, d.F, m.opts.Root, m.chromaStyle())}
	if d.Step >= 0 && d.Details != nil && d.Flow < len(d.Details.Flows) && d.Step < len(d.Details.Flows[d.Flow].Steps) {
		loc := d.Details.Flows[d.Flow].Steps[d.Step].Loc
		cmds = append(cmds, stepCodeCmd(m.detailGen, d.Flow, d.Step, m.opts.Root, loc, m.chromaStyle()))
	}
	return tea.Batch(cmds...)
}

func (m *Model) onDetailLoaded(msg detailLoadedMsg) {
	d := m.det.Data()
	if msg.gen != m.detailGen || msg.f != d.F {
		return
	}
	d.Loading = false
	d.Code = msg.code
	d.Details, d.DetailsErr, d.Fixes = msg.details, msg.err, msg.fixes
	m.det.SetData(d)
}

func (m *Model) helpWidth() int { return max(20, m.det.Width()-2) }

func (m *Model) cachedHelp(r *findings.Rule) string {
	if r == nil {
		return ""
	}
	return m.helpCache[helpKey(r, m.helpWidth(), m.st.GlamourStyle)]
}

// requestHelp renders the selected rule's help in the background unless cached.
func (m *Model) requestHelp() tea.Cmd {
	f := m.det.Data().F
	if f == nil || f.Rule == nil || m.width == 0 {
		return nil
	}
	md := ruleHelp(f.Rule)
	if md == "" {
		return nil
	}
	k := helpKey(f.Rule, m.helpWidth(), m.st.GlamourStyle)
	if _, ok := m.helpCache[k]; ok || m.helpReq[k] {
		m.refreshDetail()
		return nil
	}
	m.helpReq[k] = true
	return helpCmd(k, md, m.helpWidth(), m.st.GlamourStyle)
}

// refreshDetail re-renders the detail pane with the cached help.
func (m *Model) refreshDetail() {
	d := m.det.Data()
	if d.F == nil {
		return
	}
	h := m.cachedHelp(d.F.Rule)
	if h != d.Help {
		d.Help = h
	}
	m.det.SetData(d)
}

func (m *Model) walkFlow(next bool) tea.Cmd {
	delta := 1
	if !next {
		delta = -1
	}
	d := m.det.Data()
	if d.F == nil {
		return nil
	}
	if d.Details == nil || len(d.Details.Flows) == 0 {
		return m.status.Flash(status.Info, "this finding has no code flow", 3*time.Second)
	}
	if !m.det.StepBy(delta) {
		return m.status.Flash(status.Info, "no more steps", 2*time.Second)
	}
	if m.layout.Mode == Toggled && m.focus != focusDetail {
		m.setFocus(focusDetail)
	}
	d = m.det.Data()
	st := d.Details.Flows[d.Flow].Steps[d.Step]
	return stepCodeCmd(m.detailGen, d.Flow, d.Step, m.opts.Root, st.Loc, m.chromaStyle())
}

// ---- actions ----

func (m *Model) currentLocation() (findings.Location, bool) {
	d := m.det.Data()
	if d.F == nil {
		return findings.Location{}, false
	}
	if m.focus == focusDetail && d.Step >= 0 && d.Details != nil && d.Flow < len(d.Details.Flows) {
		return d.Details.Flows[d.Flow].Steps[d.Step].Loc, true
	}
	return d.F.Loc, true
}

func (m *Model) openEditor() tea.Cmd {
	loc, ok := m.currentLocation()
	if !ok {
		return nil
	}
	cmd, err := editorCmd(m.opts.Root, loc)
	if err != nil {
		return m.status.Flash(status.Warn, err.Error(), 5*time.Second)
	}
	return cmd
}

func (m *Model) copySelected(id bool) tea.Cmd {
	d := m.det.Data()
	if d.F == nil {
		return nil
	}
	text := d.F.ID
	if !id {
		loc, _ := m.currentLocation()
		text = loc.String()
	}
	return tea.Batch(tea.SetClipboard(text), m.status.Flash(status.Info, "copied "+text, 3*time.Second))
}
