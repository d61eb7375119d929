package findingtable

import "github.com/secui/secui/findings"

// Rebind swaps the findings behind the rows shown for fs, which holds at
// every index the table shows either the same finding or the one that
// replaces it in place (a provisional finding's final finding: same result,
// same sort fields). Rows, groups, cursor and scroll stay as they are;
// marks move to the replacing findings.
func (m *Model) Rebind(fs []*findings.Finding) {
	old := m.fs
	if len(fs) < len(old) {
		return // not a replacement in place
	}
	if len(m.marked) > 0 {
		for i, f := range old {
			if _, ok := m.marked[f]; ok && fs[i] != f {
				delete(m.marked, f)
				m.marked[fs[i]] = struct{}{}
			}
		}
	}
	m.fs = fs[:len(old)]
}
