package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
)

// handleTriageKey handles the triage keys (accept, suppress, reopen, undo).
func (m *Model) handleTriageKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	return nil, false
}

// decisionInfo describes the ledger decision about f and its history.
func (m *Model) decisionInfo(f *findings.Finding) (string, []string) {
	return "", nil
}
