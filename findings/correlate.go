package findings

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/secui/secui/findings/checkmap"
)

// Correlation across tools. Findings from different tools at the same place
// for the same weakness become one finding with several sources — only
// where the equivalence is known:
//
//   - the same vulnerability and package (the vulnerability identity layer:
//     mergeDuplicates, by ID);
//   - the same misconfiguration check under tfsec's and Trivy's id schemes,
//     from the check library's own metadata (findings/checkmap), at the
//     same file and start line;
//   - a secret at the same file and line (and overlapping columns when both
//     tools give them) from several secret scanners.
//
// CWE + line for static analysis is NOT correlated: two SAST rules sharing
// a CWE on one line are often two problems (two sinks in one call, or a
// generic and a specific CWE), and no check library states their
// equivalence.
//
// A group merges only when each tool contributes exactly one finding to it:
// a tool reporting two findings at one key says they are two problems, and
// secui cannot tell which of them the other tool's finding is, so nothing is
// merged there. The merged finding is the member with the strongest
// identity (then tool name, rule, ID: deterministic), so its ID is that
// single-tool finding's ID, and decisions made on any member before
// correlation still land (the matcher places a decision on a finding that
// Reports its tool and rule). The highest severity wins; Members say who
// said what.

// correlationKey is the key findings merge on ("" none) and the reason.
func correlationKey(f *Finding) (string, string) {
	if f.Loc.Path == "" || f.Loc.Line <= 0 || f.Rule == nil || f.Tool == nil {
		return "", ""
	}
	place := "\x00" + f.Loc.Path + "\x00" + strconv.Itoa(f.Loc.Line)
	switch f.Category {
	case CatIaC:
		if c, ok := checkmap.Canonical(f.Rule.ID); ok {
			return "check\x00" + c + place, "same check " + c + " (tfsec ↔ Trivy ids from " + checkmap.Source + ")"
		}
	case CatSecrets:
		return "secret" + place, "same secret place (secret scanners)"
	}
	return "", ""
}

// corrKey holds what correlationKey joins into its key: equal corrKeys,
// equal keys.
type corrKey struct {
	secret bool
	check  string // canonical check id
	path   string
	line   int
}

// canonCache remembers checkmap.Canonical per rule (findings share rules).
type canonCache map[*Rule]canonical

type canonical struct {
	id string
	ok bool
}

func (cc canonCache) corrKeyOf(f *Finding) (corrKey, bool) {
	if f.Loc.Path == "" || f.Loc.Line <= 0 || f.Rule == nil || f.Tool == nil {
		return corrKey{}, false
	}
	switch f.Category {
	case CatIaC:
		c, seen := cc[f.Rule]
		if !seen {
			c.id, c.ok = checkmap.Canonical(f.Rule.ID)
			cc[f.Rule] = c
		}
		if c.ok {
			return corrKey{check: c.id, path: f.Loc.Path, line: f.Loc.Line}, true
		}
	case CatSecrets:
		return corrKey{secret: true, path: f.Loc.Path, line: f.Loc.Line}, true
	}
	return corrKey{}, false
}

// correlate merges findings of different tools with the same correlation
// key. fs is not changed; merged findings are new values.
func correlate(fs []*Finding) []*Finding {
	// Grouped by corrKey, the fields correlationKey joins (it joins them
	// unambiguously: a canonical check id has no NUL, the line is digits),
	// without building the key string for every finding; a group's indexes
	// are kept only once it has a second member. A finding has one key, so
	// the groups are disjoint and their order does not matter.
	type entry struct {
		idx []int
	}
	var first map[corrKey]int // the group's first finding
	var multi map[int]*entry  // by first finding, groups of two and more
	var order []*entry
	cc := canonCache{}
	for i, f := range fs {
		k, ok := cc.corrKeyOf(f)
		if !ok {
			continue
		}
		if first == nil {
			first = map[corrKey]int{}
		}
		i0, ok := first[k]
		if !ok {
			first[k] = i
			continue
		}
		e := multi[i0]
		if e == nil {
			if multi == nil {
				multi = map[int]*entry{}
			}
			e = &entry{idx: []int{i0}}
			multi[i0] = e
			order = append(order, e)
		}
		e.idx = append(e.idx, i)
	}
	drop := map[int]bool{}
	repl := map[int]*Finding{}
	for _, e := range order {
		if !mergeable(fs, e.idx) {
			continue
		}
		_, why := correlationKey(fs[e.idx[0]])
		members := make([]*Finding, len(e.idx))
		for j, i := range e.idx {
			members[j] = fs[i]
		}
		slices.SortStableFunc(members, primaryOrder)
		g := mergeMembers(members, why)
		// The merged finding takes the place of the first member in input
		// order (stable listing); the others are dropped.
		repl[e.idx[0]] = g
		for _, i := range e.idx[1:] {
			drop[i] = true
		}
	}
	if len(repl) == 0 {
		return fs
	}
	out := make([]*Finding, 0, len(fs)-len(drop))
	for i, f := range fs {
		switch {
		case drop[i]:
		case repl[i] != nil:
			out = append(out, repl[i])
		default:
			out = append(out, f)
		}
	}
	return out
}

// mergeable: each tool has exactly one finding in the group, there are at
// least two tools, and (secrets) the columns overlap where both tools give
// them.
func mergeable(fs []*Finding, idx []int) bool {
	tools := map[string]bool{}
	for _, i := range idx {
		t := strings.ToLower(fs[i].ToolName())
		if tools[t] || len(fs[i].Members) > 0 {
			return false
		}
		tools[t] = true
	}
	if len(tools) < 2 {
		return false
	}
	for a := 0; a < len(idx); a++ {
		for b := a + 1; b < len(idx); b++ {
			if !colsOverlap(fs[idx[a]].Loc, fs[idx[b]].Loc) {
				return false
			}
		}
	}
	return true
}

// colsOverlap reports whether two locations on one line overlap in columns,
// or either has no column range.
func colsOverlap(a, b Location) bool {
	if a.Col <= 0 || b.Col <= 0 || a.EndCol <= 0 || b.EndCol <= 0 || a.EndLine != a.Line || b.EndLine != b.Line {
		return true
	}
	return a.Col < b.EndCol && b.Col < a.EndCol
}

// primaryOrder puts the member whose finding becomes the correlated one
// first: a strong identity layer, then tool name, rule id and ID.
func primaryOrder(a, b *Finding) int {
	if as, bs := a.IDLayer.Strong(), b.IDLayer.Strong(); as != bs {
		if as {
			return -1
		}
		return 1
	}
	return cmp.Or(
		cmp.Compare(strings.ToLower(a.ToolName()), strings.ToLower(b.ToolName())),
		cmp.Compare(a.RuleID(), b.RuleID()),
		cmp.Compare(a.ID, b.ID),
	)
}

// mergeMembers builds the correlated finding from members (primary first).
func mergeMembers(members []*Finding, why string) *Finding {
	p := members[0]
	g := *p // a copy: members were handed out (Options.OnFile)
	g.search = ""
	g.Sources = nil
	g.Keys = nil
	g.CWEs = slices.Clone(p.CWEs)
	g.CorrelatedBy = why
	g.Members = make([]Member, 0, len(members))
	for _, m := range members {
		g.Members = append(g.Members, Member{ID: m.ID, Tool: m.Tool, Rule: m.Rule, Severity: m.Severity, SevFrom: m.SevFrom,
			Message: m.Message, Loc: m.Loc, Sources: len(m.Sources)})
		g.Sources = append(g.Sources, m.Sources...)
		for _, k := range m.Keys {
			if !containsStr(g.Keys, k) {
				g.Keys = append(g.Keys, k)
			}
		}
		if m.Severity > g.Severity || m.Severity == g.Severity && m.Score > g.Score {
			g.Severity, g.Score = m.Severity, m.Score
			g.SevFrom = m.ToolName() + " " + m.SevFrom
		}
		for _, c := range m.CWEs {
			if !containsStr(g.CWEs, c) {
				g.CWEs = append(g.CWEs, c)
			}
		}
		if m.Kind == KindSecurity && g.Kind != KindSecurity {
			g.Kind, g.KindReason = KindSecurity, m.ToolName()+": "+m.KindReason
		}
	}
	g.InputSup = mergedInputSup(members)
	return &g
}

// mergedInputSup: the correlated finding is suppressed by the SARIF input
// only when every member is (the most cautious lane); else none.
func mergedInputSup(members []*Finding) InputSuppression {
	s := members[0].InputSup
	for _, m := range members[1:] {
		if m.InputSup != s {
			return InNone
		}
	}
	return s
}
