package query

import (
	"path"
	"strings"
	"unsafe"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/secui/secui/findings"
)

// Match reports whether f matches every term of q, with triage states from
// t (nil: every finding is open). A nil or empty query matches everything.
//
// Free-text terms use f.SearchText(), which builds and caches a blob on first
// use; call it once on every finding before matching from several goroutines
// (findings.Load does; Filter does it for its own goroutines).
func (q *Query) Match(f *findings.Finding, tri findings.Triage) bool {
	if q == nil {
		return true
	}
	if f.Provisional() && q.NeedsIdentity() {
		return false
	}
	for _, i := range q.order {
		t := &q.terms[i]
		if t.match(f, tri, nil) == t.neg {
			return false
		}
	}
	return true
}

// memo caches the result of a string-pattern term per distinct value. One
// memo belongs to one goroutine. Findings of the same tool or rule share the
// name string, so the last-value check is usually a pointer comparison.
//
// The loader interns strings (a file's findings share one path string), so
// values are first looked up by the address of their bytes, which is cheaper
// than hashing them and does not read them; the by-content map catches equal
// strings stored apart.
type memo struct {
	last    string
	lastVal bool
	valid   bool
	ptr     map[*byte]bool
	m       map[string]bool
}

func newMemo() *memo { return &memo{ptr: map[*byte]bool{}, m: map[string]bool{}} }

// match evaluates t (ignoring negation). m, if non-nil, caches pattern results.
func (t *term) match(f *findings.Finding, tri findings.Triage, m *memo) bool {
	switch t.field {
	case fText:
		return strings.Contains(f.SearchText(), t.text)
	case fSev:
		return t.mask&(1<<f.Severity) != 0
	case fStage:
		return t.mask&(1<<f.Stage) != 0
	case fState:
		return t.mask&(1<<findings.StateOf(tri, f)) != 0
	case fCat:
		return t.mask&(1<<f.Category) != 0
	case fKind:
		return t.mask&(1<<f.Kind) != 0
	case fTool:
		if t.matchString(f.ToolName(), m) {
			return true
		}
		for _, mb := range f.Members { // a correlated finding: any of its tools
			if t.matchString(mb.ToolName(), m) {
				return true
			}
		}
		return false
	case fRule:
		if t.matchString(f.RuleID(), m) {
			return true
		}
		for _, mb := range f.Members {
			if t.matchString(mb.RuleID(), m) {
				return true
			}
		}
		return false
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
	case fNew:
		return t.branch != nil && t.branch.NewOnBranch(f)
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
	case isUnchanged: // "existing" is the pre-2.1.0 name
		return strings.EqualFold(f.BaselineState, "unchanged") || strings.EqualFold(f.BaselineState, "existing")
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
func (t *term) matchString(s string, m *memo) bool {
	if m != nil {
		if m.valid && s == m.last {
			return m.lastVal
		}
		if s == "" {
			return t.matchPats(s)
		}
		p := unsafe.StringData(s)
		r, ok := m.ptr[p]
		if !ok {
			if r, ok = m.m[s]; !ok {
				r = t.matchPats(s)
				m.m[s] = r
			}
			m.ptr[p] = r
		}
		m.last, m.lastVal, m.valid = s, r, true
		return r
	}
	return t.matchPats(s)
}

func (t *term) matchPats(s string) bool {
	if !isASCII(s) {
		s = strings.ToLower(s) // the fold helpers below handle ASCII only
	}
	flat := ""
	for i := range t.pats {
		p := &t.pats[i]
		switch p.kind {
		case pkExact:
			if len(s) == len(p.s) && eqFold(s, p.s) {
				return true
			}
		case pkContains:
			if containsFold(s, p.s) {
				return true
			}
		case pkPrefix:
			if hasPrefixFold(s, p.s) {
				return true
			}
		case pkSuffix:
			if hasSuffixFold(s, p.s) {
				return true
			}
		case pkDir:
			if hasPrefixFold(s, p.s) && (len(s) == len(p.s) || s[len(p.s)] == '/') {
				return true
			}
		case pkTail:
			if hasSuffixFold(s, p.s) && (len(s) == len(p.s) || s[len(s)-len(p.s)-1] == '/') {
				return true
			}
		case pkSegment:
			if segmentFold(s, p.s) {
				return true
			}
		case pkGlob:
			ls := lower(s)
			if t.field == fPath {
				if doublestar.MatchUnvalidated(p.s, ls) || (p.base && doublestar.MatchUnvalidated(p.s, path.Base(ls))) {
					return true
				}
				continue
			}
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

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// eqFold reports whether ASCII a equals lower-case b, ignoring case.
// len(a) must equal len(b).
func eqFold(a, b string) bool {
	for i := 0; i < len(b); i++ {
		c := a[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != b[i] {
			return false
		}
	}
	return true
}

func hasPrefixFold(s, p string) bool { return len(s) >= len(p) && eqFold(s[:len(p)], p) }

func hasSuffixFold(s, p string) bool { return len(s) >= len(p) && eqFold(s[len(s)-len(p):], p) }

// containsFold reports whether ASCII s contains lower-case sub, ignoring case.
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	c0 := sub[0]
	u0 := c0
	if 'a' <= c0 && c0 <= 'z' {
		u0 -= 'a' - 'A'
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if c := s[i]; (c == c0 || c == u0) && eqFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// segmentFold reports whether path s has the directory segment(s) seg
// (s == seg, s starts with seg + "/", or contains "/" + seg + "/").
func segmentFold(s, seg string) bool {
	n := len(seg)
	for i := 0; i+n <= len(s); i++ {
		if (i == 0 || s[i-1] == '/') && (i+n == len(s) || s[i+n] == '/') && eqFold(s[i:i+n], seg) {
			return true
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
		if p.kind == pkGlob {
			return true
		}
	}
	return false
}

// cost ranks terms for evaluation order: cheapest first, so that most
// findings are rejected before the string and text terms run.
func (t *term) cost() int {
	switch t.field {
	case fSev, fStage, fState, fCat, fKind, fIs, fHas:
		return 0
	case fID, fCWE, fNew:
		return 1
	case fTool, fRule, fVuln, fPkg:
		return 2
	case fPath:
		return 3
	}
	return 4 // free text
}
