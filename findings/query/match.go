package query

import (
	"path"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/secui/secui/findings"
)

// Match reports whether f matches every term of q. A nil or empty query
// matches everything.
//
// Free-text terms use f.SearchText(), which builds and caches a blob on first
// use; call it once on every finding before matching from several goroutines
// (findings.Load does; Filter does it for its own goroutines).
func (q *Query) Match(f *findings.Finding) bool {
	if q == nil {
		return true
	}
	for i := range q.terms {
		t := &q.terms[i]
		if t.match(f, nil) == t.neg {
			return false
		}
	}
	return true
}

// memo caches the result of a string-pattern term per distinct value. One
// memo belongs to one goroutine.
type memo map[string]bool

// match evaluates t (ignoring negation). m, if non-nil, caches pattern results.
func (t *term) match(f *findings.Finding, m memo) bool {
	switch t.field {
	case fText:
		return strings.Contains(f.SearchText(), t.text)
	case fSev:
		return t.mask&(1<<f.Severity) != 0
	case fStage:
		return t.mask&(1<<f.Stage) != 0
	case fState:
		return t.mask&(1<<f.State) != 0
	case fCat:
		return t.mask&(1<<f.Category) != 0
	case fTool:
		return t.matchString(f.ToolName(), m)
	case fRule:
		return t.matchString(f.RuleID(), m)
	case fPath:
		return t.matchString(f.Loc.Path, m)
	case fVuln:
		return f.VulnID != "" && t.matchString(f.VulnID, m)
	case fPkg:
		return f.Package != "" && t.matchString(f.Package, m)
	case fCWE:
		for _, want := range t.cwes {
			for _, c := range f.CWEs {
				if strings.EqualFold(c, want) {
					return true
				}
			}
			if f.Rule != nil {
				for _, c := range f.Rule.CWEs {
					if strings.EqualFold(c, want) {
						return true
					}
				}
			}
		}
		return false
	case fID:
		for _, p := range t.ids {
			if len(f.ID) >= len(p) && strings.EqualFold(f.ID[:len(p)], p) {
				return true
			}
		}
		return false
	case fIs, fHas:
		for _, p := range t.preds {
			if pred(f, p) {
				return true
			}
		}
		return false
	}
	return false
}

func pred(f *findings.Finding, p uint8) bool {
	switch p {
	case isNew:
		return strings.EqualFold(f.BaselineState, "new")
	case isUnchanged:
		return strings.EqualFold(f.BaselineState, "unchanged")
	case isUpdated:
		return strings.EqualFold(f.BaselineState, "updated")
	case isAbsent:
		return strings.EqualFold(f.BaselineState, "absent")
	case isSarifSuppressed:
		return f.InputSup.Hidden()
	case hasCWE:
		return len(f.CWEs) > 0 || (f.Rule != nil && len(f.Rule.CWEs) > 0)
	case hasVuln:
		return f.VulnID != ""
	case hasPkg:
		return f.Package != ""
	}
	return false
}

// matchString matches s against t's patterns, using m as a cache when the
// term has globs (a glob costs far more than a map lookup).
func (t *term) matchString(s string, m memo) bool {
	if m != nil {
		if r, ok := m[s]; ok {
			return r
		}
		r := t.matchPats(s)
		m[s] = r
		return r
	}
	return t.matchPats(s)
}

func (t *term) matchPats(s string) bool {
	ls := lower(s)
	flat := ""
	for i := range t.pats {
		p := &t.pats[i]
		switch {
		case !p.glob && p.exact:
			if ls == p.s {
				return true
			}
		case !p.glob:
			if strings.Contains(ls, p.s) {
				return true
			}
		case t.field == fPath:
			if doublestar.MatchUnvalidated(p.s, ls) {
				return true
			}
			if p.base && doublestar.MatchUnvalidated(p.s, path.Base(ls)) {
				return true
			}
		default:
			if flat == "" {
				flat = strings.ReplaceAll(ls, "/", flatSep)
			}
			if doublestar.MatchUnvalidated(p.s, flat) {
				return true
			}
		}
	}
	return false
}

// lower lower-cases s, without allocating when it is already lower-case ASCII.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || ('A' <= c && c <= 'Z') {
			return strings.ToLower(s)
		}
	}
	return s
}

// needsMemo reports whether the term benefits from a per-value cache.
func (t *term) needsMemo() bool {
	switch t.field {
	case fTool, fRule, fPath, fVuln, fPkg:
	default:
		return false
	}
	for _, p := range t.pats {
		if p.glob {
			return true
		}
	}
	return false
}
