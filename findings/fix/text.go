package fix

import (
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/secui/secui/findings"
)

// text indexes a file's lines for placing SARIF regions. Lines end at LF,
// CRLF or a lone CR (SARIF §3.30.2); the text after the last newline is a
// line too (empty when the file ends with a newline).
type text struct {
	data  []byte
	start []int // byte offset of each line's first byte
	end   []int // byte offset of each line's newline (or EOF)
	kind  findings.ColumnKind
	ascii bool // every byte is ASCII: one unit per byte
	// marks are checkpoints every markEvery bytes (at rune starts): the
	// byte offset and the units before it, so placing a column or a
	// character offset walks at most markEvery bytes, however long the
	// file or its lines.
	marks []mark
}

type mark struct{ off, units int }

const markEvery = 4096

func newText(data []byte, kind findings.ColumnKind) *text {
	t := &text{data: data, kind: kind, ascii: isASCII(data)}
	s := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '\n':
			t.start, t.end = append(t.start, s), append(t.end, i)
			s = i + 1
		case '\r':
			t.start, t.end = append(t.start, s), append(t.end, i)
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			s = i + 1
		}
	}
	t.start, t.end = append(t.start, s), append(t.end, len(data))
	return t
}

func (t *text) lines() int { return len(t.start) }

// regionError is a region that cannot be placed in the file.
type regionError struct{ msg string }

func (e *regionError) Error() string { return e.msg }

func regionErr(format string, a ...any) error { return &regionError{fmt.Sprintf(format, a...)} }

// units is the width of r in the column kind's units.
func (t *text) units(r rune) int {
	if t.kind == findings.ColumnUTF16 && r >= 0x10000 {
		return 2
	}
	return 1
}

// mark builds the checkpoints on first use (character offsets, long lines).
func (t *text) mark() {
	if t.marks != nil {
		return
	}
	u, next := 0, 0
	for i := 0; i < len(t.data); {
		if i >= next {
			t.marks = append(t.marks, mark{i, u})
			next = i + markEvery
		}
		r, n := utf8.DecodeRune(t.data[i:])
		u += t.units(r)
		i += n
	}
	t.marks = append(t.marks, mark{len(t.data), u})
}

// unitsAt returns the units before byte offset off (a rune start).
func (t *text) unitsAt(off int) int {
	if t.ascii {
		return off
	}
	t.mark()
	k := sort.Search(len(t.marks), func(i int) bool { return t.marks[i].off > off }) - 1
	i, u := t.marks[k].off, t.marks[k].units
	for i < off {
		r, n := utf8.DecodeRune(t.data[i:])
		u += t.units(r)
		i += n
	}
	return u
}

// byteAt returns the byte offset where unit count target is reached, or
// split when target falls inside a character (the second unit of a
// surrogate pair: the character is returned), or past when the file has
// fewer units.
func (t *text) byteAt(target int) (off int, split rune, past bool) {
	if t.ascii {
		if target > len(t.data) {
			return 0, 0, true
		}
		return target, 0, false
	}
	t.mark()
	k := sort.Search(len(t.marks), func(i int) bool { return t.marks[i].units > target }) - 1
	if k < 0 {
		k = 0
	}
	i, u := t.marks[k].off, t.marks[k].units
	for u < target {
		if i >= len(t.data) {
			return 0, 0, true
		}
		r, n := utf8.DecodeRune(t.data[i:])
		w := t.units(r)
		if u+w > target {
			return 0, r, false
		}
		u += w
		i += n
	}
	return i, 0, false
}

// col returns the byte offset of 1-based column col of 1-based line ln. A
// column one past the last character is the end of the line.
func (t *text) col(ln, col int) (int, error) {
	if ln < 1 || ln > t.lines() {
		return 0, regionErr("line %d is past the end of the file (%d lines)", ln, t.lines())
	}
	if col < 1 {
		return 0, regionErr("column %d of line %d is not a column", col, ln)
	}
	if t.kind == findings.ColumnUnknown {
		return 0, regionErr("the run's columnKind is not one SARIF defines: columns cannot be placed")
	}
	s, e := t.start[ln-1], t.end[ln-1]
	if !t.ascii && e-s <= markEvery { // a short line: walk it
		i, u := s, 1
		for u < col {
			if i >= e {
				return 0, regionErr("column %d is past the end of line %d (%d %s)", col, ln, u-1, t.unitName())
			}
			r, n := utf8.DecodeRune(t.data[i:e])
			w := t.units(r)
			if u+w > col {
				return 0, regionErr("column %d of line %d splits a UTF-16 surrogate pair (the character %U takes two code units)", col, ln, r)
			}
			u += w
			i += n
		}
		return i, nil
	}
	base, lineUnits := t.unitsAt(s), t.unitsAt(e)
	if col-1 > lineUnits-base {
		return 0, regionErr("column %d is past the end of line %d (%d %s)", col, ln, lineUnits-base, t.unitName())
	}
	off, split, _ := t.byteAt(base + col - 1)
	if split != 0 {
		return 0, regionErr("column %d of line %d splits a UTF-16 surrogate pair (the character %U takes two code units)", col, ln, split)
	}
	return off, nil
}

// char returns the byte offset of the character offset off (0-based,
// counting newline characters, in the column kind's units).
func (t *text) char(off int) (int, error) {
	if t.kind == findings.ColumnUnknown {
		return 0, regionErr("the run's columnKind is not one SARIF defines: character offsets cannot be placed")
	}
	b, split, past := t.byteAt(off)
	switch {
	case past:
		return 0, regionErr("character offset %d is past the end of the file (%d %s)", off, t.unitsAt(len(t.data)), t.unitName())
	case split != 0:
		return 0, regionErr("character offset %d splits a UTF-16 surrogate pair (the character %U takes two code units)", off, split)
	}
	return b, nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func (t *text) unitName() string {
	if t.kind == findings.ColumnCodePoints {
		return "code points"
	}
	return "UTF-16 code units"
}

// lineOf returns the 0-based line holding byte offset off.
func (t *text) lineOf(off int) int {
	lo, hi := 0, len(t.start)-1
	for lo < hi {
		m := (lo + hi + 1) / 2
		if t.start[m] <= off {
			lo = m
		} else {
			hi = m - 1
		}
	}
	return lo
}

// span is a region placed in the file: bytes [s, e).
type span struct{ s, e int }

// region is the common shape of a replacement's deleted region and of a
// scanned region.
type region struct {
	startLine, startCol, endLine, endCol int
	charOffset, charLength               int
	byteOffset, byteLength               int
}

func (r region) hasLines() bool { return r.startLine > 0 }
func (r region) hasChars() bool { return r.charOffset >= 0 }
func (r region) hasBytes() bool { return r.byteOffset >= 0 }

// where describes the region for messages ("line 30, columns 52-62").
func (r region) where() string {
	switch {
	case r.hasLines():
		sc := max(r.startCol, 1)
		el := max(r.endLine, r.startLine)
		ec := "end of line"
		if r.endCol > 0 {
			ec = fmt.Sprintf("column %d", r.endCol)
		}
		if el == r.startLine {
			return fmt.Sprintf("line %d, column %d to %s", r.startLine, sc, ec)
		}
		return fmt.Sprintf("line %d column %d to line %d %s", r.startLine, sc, el, ec)
	case r.hasChars():
		return fmt.Sprintf("characters %d+%d", r.charOffset, r.charLength)
	case r.hasBytes():
		return fmt.Sprintf("bytes %d+%d", r.byteOffset, r.byteLength)
	}
	return "no region"
}

// errNoRegion is a region with none of SARIF's forms.
var errNoRegion = regionErr("the region gives no start line, character offset or byte offset (secui never guesses a place, such as the top of the file)")

// place places r in the file (SARIF §3.30): line/column (startColumn
// defaults to 1, endLine to startLine, endColumn to the end of endLine
// without its newline), character offset and length, or byte offset and
// length. When a region gives more than one form they must agree.
func (t *text) place(r region) (span, error) {
	var out []span
	if r.hasLines() {
		sc := max(r.startCol, 1)
		s, err := t.col(r.startLine, sc)
		if err != nil {
			return span{}, err
		}
		el := max(r.endLine, r.startLine)
		var e int
		if r.endCol > 0 {
			if e, err = t.col(el, r.endCol); err != nil {
				return span{}, err
			}
		} else {
			if el > t.lines() {
				return span{}, regionErr("line %d is past the end of the file (%d lines)", el, t.lines())
			}
			e = t.end[el-1]
		}
		if e < s {
			return span{}, regionErr("the region ends (%s) before it starts", r.where())
		}
		out = append(out, span{s, e})
	}
	if r.hasChars() {
		if r.charLength < 0 {
			return span{}, regionErr("charLength %d is negative", r.charLength)
		}
		s, err := t.char(r.charOffset)
		if err != nil {
			return span{}, err
		}
		e, err := t.char(r.charOffset + r.charLength)
		if err != nil {
			return span{}, err
		}
		out = append(out, span{s, e})
	}
	if r.hasBytes() {
		if r.byteLength < 0 {
			return span{}, regionErr("byteLength %d is negative", r.byteLength)
		}
		s, e := r.byteOffset, r.byteOffset+r.byteLength
		if e > len(t.data) {
			return span{}, regionErr("bytes %d+%d are past the end of the file (%d bytes)", r.byteOffset, r.byteLength, len(t.data))
		}
		if utf8.Valid(t.data) && (!boundary(t.data, s) || !boundary(t.data, e)) {
			return span{}, regionErr("bytes %d+%d split a UTF-8 character", r.byteOffset, r.byteLength)
		}
		out = append(out, span{s, e})
	}
	if len(out) == 0 {
		return span{}, errNoRegion
	}
	for _, o := range out[1:] {
		if o != out[0] {
			return span{}, regionErr("the region's forms disagree (%s is bytes %d-%d, another form bytes %d-%d)", r.where(), out[0].s, out[0].e, o.s, o.e)
		}
	}
	return out[0], nil
}

func boundary(b []byte, i int) bool { return i <= 0 || i >= len(b) || utf8.RuneStart(b[i]) }

// lineSpan widens sp to whole lines: from the start of its first line to
// the end (before the newline) of its last.
func (t *text) lineSpan(sp span) span {
	return span{t.start[t.lineOf(sp.s)], t.end[t.lineOf(sp.e)]}
}
