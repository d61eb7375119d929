package query

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/secui/secui/findings"
)

// SortKey is an order for findings.
type SortKey int

// Sort orders. Every order ends with path, line and column; ties keep their
// previous relative order (the sort is stable).
const (
	BySeverity SortKey = iota // severity (worst first), then path, line
	ByFile                    // path, line, then severity (worst first)
	ByRule                    // rule id, then path, line
	ByTool                    // tool, then severity (worst first), path, line
	ByStage                   // stage (loop order), then severity (worst first), path, line
)

var sortNames = [...]string{"severity", "file", "rule", "tool", "stage"}

// String is the key's name, as ParseSortKey reads it.
func (k SortKey) String() string {
	if k >= 0 && int(k) < len(sortNames) {
		return sortNames[k]
	}
	return fmt.Sprintf("SortKey(%d)", int(k))
}

// ParseSortKey reads a sort key name: severity (sev), file (path), rule, tool, stage.
func ParseSortKey(s string) (SortKey, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "severity", "sev":
		return BySeverity, nil
	case "file", "path":
		return ByFile, nil
	case "rule":
		return ByRule, nil
	case "tool":
		return ByTool, nil
	case "stage":
		return ByStage, nil
	}
	return 0, fmt.Errorf("unknown sort order %q (want severity, file, rule, tool or stage)", s)
}

// sortItem is a precomputed 128-bit key plus the position for stability.
type sortItem struct {
	hi, lo uint64
	v      int32 // the index value being sorted
	pos    int32 // position before sorting
}

// Sort orders idx (indices into fs) by key, stably and in place. Keys are
// computed once per finding, so it costs one pass plus a sort of integers.
func Sort(fs []*findings.Finding, idx []int32, key SortKey) {
	if len(idx) < 2 {
		return
	}
	pathRank := rankStrings(fs, idx, func(f *findings.Finding) string { return f.Loc.Path }, strings.Compare)
	var ruleRank, toolRank map[string]uint64
	switch key {
	case ByRule:
		ruleRank = rankStrings(fs, idx, (*findings.Finding).RuleID, foldCompare)
	case ByTool:
		toolRank = rankStrings(fs, idx, (*findings.Finding).ToolName, foldCompare)
	}
	items := make([]sortItem, len(idx))
	for p, i := range idx {
		f := fs[i]
		worse := uint64(4 - min(f.Severity, findings.SevCritical)) // 0 = critical
		pr := pathRank[f.Loc.Path]
		loc := uint64(clamp32(f.Loc.Line))<<32 | uint64(clamp32(f.Loc.Col))
		it := sortItem{v: i, pos: int32(p)}
		switch key {
		case ByFile:
			it.hi = pr<<32 | uint64(clamp32(f.Loc.Line))
			it.lo = uint64(clamp32(f.Loc.Col))<<8 | worse
		case ByRule:
			it.hi = ruleRank[f.RuleID()]<<32 | pr
			it.lo = loc
		case ByTool:
			it.hi = toolRank[f.ToolName()]<<40 | worse<<32 | pr
			it.lo = loc
		case ByStage:
			it.hi = uint64(f.Stage)<<40 | worse<<32 | pr
			it.lo = loc
		default: // BySeverity
			it.hi = worse<<32 | pr
			it.lo = loc
		}
		items[p] = it
	}
	slices.SortFunc(items, func(a, b sortItem) int {
		if a.hi != b.hi {
			return cmp.Compare(a.hi, b.hi)
		}
		if a.lo != b.lo {
			return cmp.Compare(a.lo, b.lo)
		}
		return cmp.Compare(a.pos, b.pos)
	})
	for p := range items {
		idx[p] = items[p].v
	}
}

func clamp32(n int) uint32 {
	if n < 0 {
		return 0
	}
	if n > 1<<32-1 {
		return 1<<32 - 1
	}
	return uint32(n)
}

// foldCompare orders case-insensitively, then by bytes.
func foldCompare(a, b string) int {
	if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// rankStrings maps each distinct key of fs[idx] to its rank in cmpFn order.
// It looks up consecutive equal keys only once (findings of a file are
// usually adjacent).
func rankStrings(fs []*findings.Finding, idx []int32, key func(*findings.Finding) string, cmpFn func(a, b string) int) map[string]uint64 {
	set := make(map[string]uint64)
	prev, first := "", true
	for _, i := range idx {
		k := key(fs[i])
		if !first && k == prev {
			continue
		}
		first, prev = false, k
		set[k] = 0
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmpFn)
	for r, k := range keys {
		set[k] = uint64(r)
	}
	return set
}
