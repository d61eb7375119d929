package triagescreen

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/policy"
	"github.com/secui/secui/findings/query"
	"github.com/secui/secui/tui/internal/fixture"
)

// esc in the table clears a filter (after clearing a selection first); the
// bar shows how many findings are selected.
func TestEscClearsFilterAndSelectedCount(t *testing.T) {
	m := newModel(t, fixture.Findings(100), 160, 40)
	m = press(t, m, "space", "space")
	if s := screen(m); !strings.Contains(s, "2 selected") {
		t.Fatalf("no selected count:\n%s", s)
	}
	m = press(t, m, "f") // severity floor: critical
	m = press(t, m, "/")
	m = typeText(t, m, "gosec")
	m = press(t, m, "enter")
	if m.table.Len() == 100 || m.floor < 0 || m.textQ == nil {
		t.Fatalf("filter not applied: %d shown", m.table.Len())
	}
	m = press(t, m, "esc") // the marks go first
	if m.table.NumMarked() != 0 || strings.Contains(screen(m), "selected") || m.textQ == nil {
		t.Fatalf("esc: marks %d, query %v", m.table.NumMarked(), m.textQ)
	}
	m = press(t, m, "esc")
	if m.table.Len() != 100 || m.textQ != nil || m.floor != -1 || m.bar.Value() != "" {
		t.Fatalf("esc did not clear the filter: %d shown, bar %q", m.table.Len(), m.bar.Value())
	}
	if !strings.Contains(m.status.Text(), "filter cleared") {
		t.Fatalf("status %q", m.status.Text())
	}
}

// t visits only the stages that have findings, then every stage again.
func TestStageKeySkipsEmptyStages(t *testing.T) {
	fs := fixture.Findings(40)
	for i, f := range fs {
		f.Stage = []findings.Stage{findings.StageCode, findings.StageDeploy}[i%2]
	}
	m := newModel(t, fs, 160, 40)
	var got []int
	for range 3 {
		m = press(t, m, "t")
		got = append(got, m.stage)
	}
	want := []int{int(findings.StageCode), int(findings.StageDeploy), -1}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("t visits %v, want %v", got, want)
		}
	}
}

// The ribbon counts open findings (summary's open column, the gate's rule:
// not accepted ones, not suppressed ones), and says so.
func TestRibbonAgreesWithSummary(t *testing.T) {
	m, fs, _ := triageModel(t, 40)
	m = press(t, m, "space", "space", "a")
	m = typeText(t, m, "tracked in JIRA-12")
	m, _ = send(t, m, ctrlS)
	m = press(t, m, "s", "tab")
	m = typeText(t, m, "only reachable from the admin VPN")
	m, _ = send(t, m, ctrlS)
	if m.hidden != 1 {
		t.Fatalf("hidden %d", m.hidden)
	}
	var open []int32
	for i, f := range fs {
		if policy.CountsOpen(m.ov, f) {
			open = append(open, int32(i))
		}
	}
	sum := query.Summarize(fs, open, m.ov)
	if m.ribbon != sum.ByStageSev {
		t.Fatalf("ribbon %v, summary %v", m.ribbon, sum.ByStageSev)
	}
	n := 0
	for s := range m.ribbon {
		n += stageCount(m.ribbon, s)
	}
	if n != 37 || m.total != 39 { // 40 - 1 suppressed - 2 accepted; 39 shown
		t.Fatalf("ribbon total %d, shown %d", n, m.total)
	}
	m, _ = send(t, m, tea.WindowSizeMsg{Width: 200, Height: 40})
	if !strings.Contains(screen(m), "open findings per stage") {
		t.Fatalf("no legend:\n%s", screen(m))
	}
}
