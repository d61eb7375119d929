package focusscreen

import (
	"testing"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/tui/screen"
	"github.com/secui/secui/tui/theme"
)

// An edit gives a still-open finding near it a new ID (its content hash
// changed): after the refresh focus mode still counts it as left, under its
// new ID, and the finding that really went away is done.
func TestRefreshKeepsFindingsWhoseIDChanged(t *testing.T) {
	mk := func(id string, sev findings.Severity) *findings.Finding {
		return &findings.Finding{ID: id, Stage: findings.StageCode, Severity: sev}
	}
	a, b, c := mk("aaaaaaaaaaaaaaaa", findings.SevHigh), mk("bbbbbbbbbbbbbbbb", findings.SevMedium), mk("cccccccccccccccc", findings.SevLow)
	st := theme.New(theme.DefaultPalette(), true, true)
	m := New(Deps{Snapshot: screen.Snapshot{Findings: []*findings.Finding{a, b, c}}, Styles: func() *theme.Styles { return st }}, findings.StageCode)
	m.Update(m.Init()())
	if left, total := m.Left(); left != 3 || total != 3 {
		t.Fatalf("start: %d of %d left, want 3 of 3", left, total)
	}
	// a fixed (gone); b's line moved, so it is b2 now; c unchanged.
	b2 := mk("dddddddddddddddd", findings.SevMedium)
	_, cmd := m.Update(screen.SnapshotMsg{Snapshot: screen.Snapshot{Findings: []*findings.Finding{b2, c}, Version: 2}})
	m.Update(cmd())
	if left, _ := m.Left(); left != 2 {
		t.Fatalf("after the edit: %d left, want 2 (b under its new ID, and c)", left)
	}
	var ids []string
	for _, e := range m.entries {
		if e.open {
			ids = append(ids, e.f.ID)
		}
	}
	if len(ids) != 2 || ids[0] != c.ID || ids[1] != b2.ID {
		t.Fatalf("open entries %v, want c then b2", ids)
	}
}
