package query

// A provisional finding (findings.Finding.Provisional: shown while a large
// file is still being read) has no identity yet. A query with a term that
// reads identity (id:, new:) can tell nothing about it, negated or not, so
// it never matches one: such rows appear when their final findings arrive.

// NeedsIdentity reports whether q has a term that reads a finding's
// identity (id:, new:).
func (q *Query) NeedsIdentity() bool {
	if q == nil {
		return false
	}
	for i := range q.terms {
		if f := q.terms[i].field; f == fID || f == fNew {
			return true
		}
	}
	return false
}
