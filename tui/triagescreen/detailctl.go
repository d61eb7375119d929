package triagescreen

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/tui/detail"
	"github.com/secui/secui/tui/safe"
	"github.com/secui/secui/tui/status"
)

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
		m.fillDecision(&d)
		m.fillGit(&d)
	}
	m.stopBlame() // the previous selection's blame is of no use now
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
	return tea.Batch(detailCmd(m.detailGen, m.details, f, m.opts.Root, m.chromaStyle()), m.requestHelp(), m.blameCmd(f))
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
	if id && d.F.Provisional() {
		return m.status.Flash(status.Info, "this finding is still loading: it has no ID yet", 3*time.Second)
	}
	text := d.F.ID
	if !id {
		loc, _ := m.currentLocation()
		text = loc.String()
	}
	// The clipboard is pasted into shells: a URI holding a newline must not
	// run a command when pasted (pastejacking). One line, no controls.
	text = safe.Line(text)
	return tea.Batch(tea.SetClipboard(text), m.status.Flash(status.Info, "copied "+text, 3*time.Second))
}
