package triagescreen

// Console papercuts (issue 11): esc clears a filter, t skips empty stages.

import (
	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
)

// filtered reports whether a filter narrows the view (query, severity floor
// or stage).
func (m *Model) filtered() bool {
	return m.textQ != nil || m.floor >= 0 || m.stage >= 0 || m.bar.Value() != ""
}

// clearFilter drops the query, the severity floor and the stage facet.
func (m *Model) clearFilter() tea.Cmd {
	m.floor, m.stage, m.textQ = -1, -1, nil
	m.bar.SetError("")
	m.bar.SetValue("")
	return tea.Batch(m.bar.Flush(), m.facetsChanged())
}

// nextStage is the stage after m.stage that has findings shown in the
// ribbon (-1, every stage, after the last; before the ribbon is counted
// every stage is visited).
func (m *Model) nextStage() int {
	for s := m.stage + 1; s < len(findings.Stages); s++ {
		if m.total == 0 || stageCount(m.ribbon, s) > 0 {
			return s
		}
	}
	return -1
}

func stageCount(r [8][5]int, s int) int {
	n := 0
	for _, c := range r[s] {
		n += c
	}
	return n
}

// ribbonLegend explains the ribbon's numbers.
func (m *Model) ribbonLegend() string {
	if m.statesLoading() {
		return "findings per stage, before triage decisions (loading…)"
	}
	return "open findings per stage · C H M L I: worst severity"
}
