package query

import (
	"cmp"
	"strings"

	"github.com/secui/secui/findings"
)

// Compare orders two findings the way Sort orders them under key (without
// Sort's final tie-break on position, which the caller supplies).
func Compare(key SortKey, a, b *findings.Finding) int {
	pa, pb := a.Loc.Path, b.Loc.Path
	loc := func() int {
		if c := strings.Compare(pa, pb); c != 0 {
			return c
		}
		if c := cmp.Compare(clamp32(a.Loc.Line), clamp32(b.Loc.Line)); c != 0 {
			return c
		}
		return cmp.Compare(clamp32(a.Loc.Col), clamp32(b.Loc.Col))
	}
	worse := func() int { return cmp.Compare(worseKey(a), worseKey(b)) }
	switch key {
	case ByFile:
		if c := loc(); c != 0 {
			return c
		}
		return worse()
	case ByRule:
		if c := foldCompare(a.RuleID(), b.RuleID()); c != 0 {
			return c
		}
		return loc()
	case ByTool:
		if c := foldCompare(a.ToolName(), b.ToolName()); c != 0 {
			return c
		}
		if c := worse(); c != 0 {
			return c
		}
		return loc()
	case ByStage:
		if c := cmp.Compare(min(a.Stage, 7), min(b.Stage, 7)); c != 0 {
			return c
		}
		if c := worse(); c != 0 {
			return c
		}
		return loc()
	default:
		if c := worse(); c != 0 {
			return c
		}
		return loc()
	}
}

// MergeSorted merges two index lists into fs that are each in key order
// (as Sort leaves them) into one, in key order, written to dst (which may
// be nil; it must not share memory with a or b). Every index of b must be
// greater than every index of a — b holds findings appended after a's — so
// the result is the order a stable Sort of a+b would give: on a tie, a's
// entry comes first. It costs O(len(a)+len(b)) comparisons at most, and
// only O(len(b)·log len(a)) when b's entries land in few places.
func MergeSorted(dst []int32, fs []*findings.Finding, a, b []int32, key SortKey) []int32 {
	dst = dst[:0]
	if cap(dst) < len(a)+len(b) {
		dst = make([]int32, 0, len(a)+len(b))
	}
	i := 0
	for _, j := range b {
		fb := fs[j]
		// the first entry of a[i:] that sorts after fb (ties stay before)
		lo, hi := i, len(a)
		for lo < hi {
			mid := int(uint(lo+hi) >> 1)
			if Compare(key, fs[a[mid]], fb) <= 0 {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		dst = append(dst, a[i:lo]...)
		dst = append(dst, j)
		i = lo
	}
	return append(dst, a[i:]...)
}
