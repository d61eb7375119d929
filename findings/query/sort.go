package query

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"unsafe"

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

// sortFields are the parts of a finding that sort keys are made of.
type sortFields struct {
	line, col uint32
	worse     uint16 // severity, then security-severity score: 0 = the worst
	stage     uint8
}

// worseBits is the width of worseKey: 3 bits of severity, 7 of score.
const worseBits = 10

// worseKey orders by severity (worst first), then by security-severity score
// in tenths (highest first), so a 9.8 critical comes before a 9.1 critical.
func worseKey(f *findings.Finding) uint16 {
	sev := uint16(4 - min(f.Severity, findings.SevCritical))
	tenths := uint16(min(max(f.Score, 0), 10)*10 + 0.5)
	return sev<<7 | (100 - tenths)
}

// sortItem is an index value and its position before sorting (which is
// also where its key fields are, and breaks ties for stability).
type sortItem struct {
	v   int32
	pos int32
}

// Sort orders idx (indices into fs) by key, stably and in place. Keys are
// computed once per finding and packed into integers, which are radix-sorted
// (falling back to a comparison sort when they do not fit in 64 bits).
// fs[i] must not be nil for any i in idx.
func Sort(fs []*findings.Finding, idx []int32, key SortKey) {
	if len(idx) < 2 {
		return
	}
	// Gather the fields in one pass of independent loads (their cache
	// misses overlap), then work on the compact copies.
	g := make([]sortFields, len(idx))
	paths := make([]string, len(idx))
	var names []string
	if key == ByRule || key == ByTool {
		names = make([]string, len(idx))
	}
	maxLine, maxCol := 0, 0
	for p, i := range idx {
		f := fs[i]
		paths[p] = f.Loc.Path
		line, col := clamp32(f.Loc.Line), clamp32(f.Loc.Col)
		g[p] = sortFields{line: line, col: col, worse: worseKey(f), stage: uint8(min(f.Stage, 7))}
		maxLine, maxCol = max(maxLine, int(line)), max(maxCol, int(col))
		switch key {
		case ByRule:
			names[p] = f.RuleID()
		case ByTool:
			names[p] = f.ToolName()
		}
	}
	pathRank, nPaths := rankStrings(paths, strings.Compare)
	var keyRank []uint32
	nKeys := 1
	if names != nil {
		keyRank, nKeys = rankStrings(names, foldCompare)
	}
	// Fields, most significant first, with their widths in bits.
	pb, lb, cb, kb := bitsFor(nPaths), bits.Len32(uint32(maxLine)), bits.Len32(uint32(maxCol)), bitsFor(nKeys)
	var widths []int
	switch key {
	case ByFile:
		widths = []int{pb, lb, cb, worseBits}
	case ByRule:
		widths = []int{kb, pb, lb, cb}
	case ByTool:
		widths = []int{kb, worseBits, pb, lb, cb}
	case ByStage:
		widths = []int{3, worseBits, pb, lb, cb}
	default:
		widths = []int{worseBits, pb, lb, cb}
	}
	total := 0
	for _, w := range widths {
		total += w
	}
	fields := make([]uint64, len(widths))
	keyOf := func(p int) []uint64 {
		worse := uint64(g[p].worse) // 0 = critical
		pr, line, col := uint64(pathRank[p]), uint64(g[p].line), uint64(g[p].col)
		switch key {
		case ByFile:
			fields[0], fields[1], fields[2], fields[3] = pr, line, col, worse
		case ByRule:
			fields[0], fields[1], fields[2], fields[3] = uint64(keyRank[p]), pr, line, col
		case ByTool:
			fields[0], fields[1], fields[2], fields[3], fields[4] = uint64(keyRank[p]), worse, pr, line, col
		case ByStage:
			fields[0], fields[1], fields[2], fields[3], fields[4] = uint64(g[p].stage), worse, pr, line, col
		default:
			fields[0], fields[1], fields[2], fields[3] = worse, pr, line, col
		}
		return fields
	}
	if total <= 64 {
		items := make([]radixItem, len(idx))
		for p, i := range idx {
			var k uint64
			for j, v := range keyOf(p) {
				k = k<<widths[j] | v
			}
			items[p] = radixItem{k, i}
		}
		items = radixSort(items, make([]radixItem, len(items)), total)
		for p := range items {
			idx[p] = items[p].v
		}
		return
	}
	// Rare (huge line numbers, or very many paths and rules): compare the
	// fields one by one.
	nf := len(widths)
	flat := make([]uint64, len(idx)*nf)
	items := make([]sortItem, len(idx))
	for p, i := range idx {
		copy(flat[p*nf:], keyOf(p))
		items[p] = sortItem{v: i, pos: int32(p)}
	}
	slices.SortFunc(items, func(a, b sortItem) int {
		ka, kb := flat[int(a.pos)*nf:][:nf], flat[int(b.pos)*nf:][:nf]
		if c := slices.Compare(ka, kb); c != 0 {
			return c
		}
		return cmp.Compare(a.pos, b.pos)
	})
	for p := range items {
		idx[p] = items[p].v
	}
}

// bitsFor is the number of bits that hold the values 0..n-1.
func bitsFor(n int) int {
	if n <= 1 {
		return 0
	}
	return bits.Len(uint(n - 1))
}

type radixItem struct {
	k uint64
	v int32
}

const radixBits = 11

// radixSort sorts a by k (stable, least significant digit first) using tmp
// as scratch space of the same length, and returns the sorted slice (a or tmp).
// Only the low keyBits bits of k are looked at.
func radixSort(a, tmp []radixItem, keyBits int) []radixItem {
	var count [1 << radixBits]int
	for shift := 0; shift < keyBits; shift += radixBits {
		clear(count[:])
		for i := range a {
			count[(a[i].k>>shift)&(1<<radixBits-1)]++
		}
		if count[(a[0].k>>shift)&(1<<radixBits-1)] == len(a) {
			continue // every key has the same digit here
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for i := range a {
			d := (a[i].k >> shift) & (1<<radixBits - 1)
			tmp[count[d]] = a[i]
			count[d]++
		}
		a, tmp = tmp, a
	}
	return a
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

// rankStrings ranks keys in cmpFn order: rank[p] is the rank of keys[p]
// among the n distinct keys. Keys are looked up by the address of their
// bytes first (the loader interns strings), which is cheaper than hashing
// them.
func rankStrings(keys []string, cmpFn func(a, b string) int) (rank []uint32, n int) {
	slotOf := make([]uint32, len(keys))
	byPtr := make(map[*byte]uint32)
	byStr := make(map[string]uint32)
	var slots []string
	emptySlot := uint32(1<<32 - 1)
	for p, k := range keys {
		if k == "" {
			if emptySlot == 1<<32-1 {
				emptySlot = uint32(len(slots))
				slots = append(slots, "")
			}
			slotOf[p] = emptySlot
			continue
		}
		ptr := unsafe.StringData(k)
		sl, ok := byPtr[ptr]
		if !ok {
			if sl, ok = byStr[k]; !ok {
				sl = uint32(len(slots))
				slots = append(slots, k)
				byStr[k] = sl
			}
			byPtr[ptr] = sl
		}
		slotOf[p] = sl
	}
	order := make([]uint32, len(slots))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(a, b uint32) int { return cmpFn(slots[a], slots[b]) })
	slotRank := make([]uint32, len(slots))
	for r, sl := range order {
		slotRank[sl] = uint32(r)
	}
	for p := range slotOf {
		slotOf[p] = slotRank[slotOf[p]]
	}
	return slotOf, len(slots)
}
