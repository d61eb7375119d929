package triagescreen

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/query"
	"github.com/secui/secui/tui/status"
)

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
	if m.hideQual {
		parts = append(parts, "kind:security")
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
	if m.hideQual {
		parts = append(parts, "quality hidden (Q)")
	}
	if m.showSupp {
		parts = append(parts, "suppressed lanes")
	} else if m.hidden > 0 {
		parts = append(parts, fmt.Sprintf("%d suppressed hidden (H)", m.hidden))
	}
	if m.groupBy != query.GroupNone && !m.showSupp {
		parts = append(parts, "by "+m.groupBy.String())
	}
	if n := m.table.NumMarked(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d selected", n))
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
		tri: m.ov,
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

func (m Model) onFiltered(msg filterDoneMsg) (Model, tea.Cmd) {
	if msg.gen != m.filterGen {
		return m, nil // superseded
	}
	m.filtering = false
	msg.fs = m.rebase(msg.fs) // provisional rows that became final meanwhile
	if msg.err != nil {
		if errors.Is(msg.err, context.Canceled) {
			return m, nil
		}
		return m, m.status.Flash(status.Error, "filter: "+msg.err.Error(), 6*time.Second)
	}
	m.table.SetData(msg.fs, msg.idx, msg.groups)
	if msg.tri != nil {
		m.table.SetTriage(msg.tri)
	} else {
		m.table.SetTriage(nil)
	}
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
	return m, tea.Batch(m.selectionChanged(false), m.filterShown(&msg))
}
