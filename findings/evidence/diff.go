package evidence

import (
	"time"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// LineMap says where each line of a file at a past commit (Old) is in the
// working tree (New): a line-level diff on normalised lines. It is how a
// decision follows its line through insertions above it, edits on it,
// re-wraps and renames of its file.
type LineMap struct {
	OldPath string // path at the commit
	Path    string // working-tree path (differs when the file was renamed)
	Old     *File
	New     *File
	// Approx is set when the files were too large for an exact diff: the
	// alignment is then only a hint, to be confirmed by evidence.
	Approx bool

	oldToNew []int32           // per old line (index line-1): new line, 0 when not unchanged
	newToOld []int32           // per new line: old line, 0 when added or modified
	amb      map[int32][]int32 // old line → other new lines it may be (0: deleted), see slide
}

// Status is what happened to a line.
type Status uint8

// Line statuses.
const (
	Unknown   Status = iota // out of range
	Unchanged               // the same normalised line, at Follow.Line
	Modified                // replaced: the new lines From..To replaced a block holding it
	Deleted                 // removed without replacement
)

var statusNames = [...]string{"unknown", "unchanged", "modified", "deleted"}

func (s Status) String() string { return statusNames[s] }

// Follow is where one old line went.
type Follow struct {
	Status Status
	Line   int // Unchanged: its new line
	// Modified: the new lines that replaced the changed block holding it.
	// Deleted: From is the new line after which it was (To = From-1).
	From, To int
	// Alt are the other new lines this line may equally be (0: deleted):
	// a diff can align a line with either of two identical copies (a line
	// pasted next to its twin, one of two identical lines deleted), and
	// then no alignment is better than another.
	Alt []int
}

// exactLines bounds the files diffed exactly (Myers, no heuristics); larger
// ones get a time-bounded diff marked Approx.
const exactLines = 20000

// Diff maps the lines of old to the lines of new.
func Diff(old, new *File) *LineMap {
	m := &LineMap{OldPath: old.Path, Path: new.Path, Old: old, New: new,
		oldToNew: make([]int32, len(old.norm)), newToOld: make([]int32, len(new.norm))}
	// Lines become runes (one per distinct normalised line) so that
	// diffmatchpatch diffs lines, not characters.
	ids := make(map[uint32]rune, len(old.norm))
	toRunes := func(hs []uint32) []rune {
		rs := make([]rune, len(hs))
		for i, h := range hs {
			r, ok := ids[h]
			if !ok {
				n := rune(len(ids) + 1)
				if n >= 0xD800 { // skip the surrogate range: every id stays a valid rune
					n += 0x800
				}
				r = n
				ids[h] = r
			}
			rs[i] = r
		}
		return rs
	}
	// Go lines are keyed by their code and enclosing function: a copy of a
	// function pasted next to it (under another name, as Go requires)
	// shares no line with the original, so the diff cannot align the
	// original's lines with the copy's.
	ok, nk := old.symbolKeys(), new.symbolKeys()
	if ok == nil || nk == nil {
		ok, nk = old.norm, new.norm
	}
	ra, rb := toRunes(ok), toRunes(nk)
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0 // no deadline, so no half-match heuristic: a minimal diff
	if len(ra)+len(rb) > 2*exactLines {
		dmp.DiffTimeout = time.Second
		m.Approx = true
	}
	diffs := dmp.DiffMainRunes(ra, rb, false)
	type op struct {
		t          diffmatchpatch.Operation
		oldAt, num int // first line (1-based) on its side, line count
		newAt      int
	}
	ops := make([]op, 0, len(diffs))
	oi, ni := 1, 1
	for _, d := range diffs {
		n := utf8.RuneCountInString(d.Text)
		o := op{t: d.Type, oldAt: oi, newAt: ni, num: n}
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			for k := 0; k < n; k++ {
				m.oldToNew[oi+k-1] = int32(ni + k)
				m.newToOld[ni+k-1] = int32(oi + k)
			}
			oi += n
			ni += n
		case diffmatchpatch.DiffDelete:
			oi += n
		case diffmatchpatch.DiffInsert:
			ni += n
		}
		ops = append(ops, o)
	}
	// Slides: a pure insertion (or deletion) next to lines equal to its own
	// ends can be aligned one line further, and then the lines it slides
	// over could be either copy. Record them as ambiguous.
	m.amb = map[int32][]int32{}
	addAmb := func(oldLine, alt int) { m.amb[int32(oldLine)] = append(m.amb[int32(oldLine)], int32(alt)) }
	for i, o := range ops {
		pure := (i == 0 || ops[i-1].t == diffmatchpatch.DiffEqual) && (i == len(ops)-1 || ops[i+1].t == diffmatchpatch.DiffEqual)
		if !pure || o.num == 0 {
			continue
		}
		switch o.t {
		case diffmatchpatch.DiffInsert:
			s, e, L := o.newAt, o.newAt+o.num-1, o.num
			for t := 1; s-t >= 1 && m.newToOld[s-t-1] != 0 && nk[s-t-1] == nk[e-t]; t++ {
				addAmb(int(m.newToOld[s-t-1]), s-t+L)
			}
			for t := 0; e+1+t <= len(nk) && m.newToOld[e+t] != 0 && nk[e+t] == nk[s+t-1]; t++ {
				addAmb(int(m.newToOld[e+t]), e+1+t-L)
			}
		case diffmatchpatch.DiffDelete:
			s, e := o.oldAt, o.oldAt+o.num-1
			for t := 1; s-t >= 1 && m.oldToNew[s-t-1] != 0 && ok[s-t-1] == ok[e-t]; t++ {
				addAmb(s-t, 0)
				addAmb(e-t+1, int(m.oldToNew[s-t-1]))
			}
			for t := 0; e+1+t <= len(ok) && m.oldToNew[e+t] != 0 && ok[e+t] == ok[s+t-1]; t++ {
				addAmb(e+1+t, 0)
				addAmb(s+t, int(m.oldToNew[e+t]))
			}
		}
	}
	return m
}

// Follow says where old line (1-based) is in the new file.
func (m *LineMap) Follow(line int) Follow {
	if line < 1 || line > len(m.oldToNew) {
		return Follow{}
	}
	var alt []int
	for _, a := range m.amb[int32(line)] {
		alt = append(alt, int(a))
	}
	if j := m.oldToNew[line-1]; j != 0 {
		return Follow{Status: Unchanged, Line: int(j), Alt: alt}
	}
	from, to := 1, len(m.newToOld)
	for p := line - 1; p >= 1; p-- {
		if j := m.oldToNew[p-1]; j != 0 {
			from = int(j) + 1
			break
		}
	}
	for q := line + 1; q <= len(m.oldToNew); q++ {
		if j := m.oldToNew[q-1]; j != 0 {
			to = int(j) - 1
			break
		}
	}
	if from > to {
		return Follow{Status: Deleted, From: from, To: from - 1, Alt: alt}
	}
	return Follow{Status: Modified, From: from, To: to, Alt: alt}
}

// Origin is the old line a new line is unchanged from (0: added or modified
// since the commit).
func (m *LineMap) Origin(newLine int) int {
	if newLine < 1 || newLine > len(m.newToOld) {
		return 0
	}
	return int(m.newToOld[newLine-1])
}
