package ledger

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
)

// A write changes a few records of a file of many: it renders only those
// and copies the bytes of every other record from the file as last read or
// written (records are sorted by id, one block each), so one decision in a
// 100k-record ledger costs a copy of the file, not an encoding of it. The
// result is the same file Marshal would write when the old one is in the
// canonical layout; a record someone formatted by hand (still in a layout
// the fast decoder reads) keeps its bytes until it changes.

// layout is where the records are in the ledger file as last read or
// written. The bytes are not kept: a write copies them from the file itself
// (which the lock and the stat check in reload say is unchanged), kernel
// side, checking that each copied block starts with the record expected.
type layout struct {
	list    []*Decision // its records, sorted by id (the Ledger's list then)
	offs    []int       // byte offset of each record's "- " line
	end     int         // end of the records (a tickets: section may follow)
	endLine int         // the line just after the records
}

// recordEnd is the end of record k's bytes (the next record's start).
func (lay *layout) recordEnd(k int) int {
	if k+1 < len(lay.offs) {
		return lay.offs[k+1]
	}
	return lay.end
}

// plan is the content of a write: blocks of the old file and new bytes.
type plan struct {
	pieces []piece
	buf    []byte // new bytes (rendered records, the tickets section)
	size   int
}

// piece is bytes [from, to) of the old file (old) or of plan.buf. For an
// old block, id is the record it must start with ("" for the header).
type piece struct {
	old      bool
	from, to int
	id       string
}

func (p *plan) copyOld(from, to int, id string) {
	if from < to {
		p.pieces = append(p.pieces, piece{old: true, from: from, to: to, id: id})
		p.size += to - from
	}
}

// add appends new bytes written by f (into p.buf).
func (p *plan) add(f func([]byte) []byte) {
	start := len(p.buf)
	p.buf = f(p.buf)
	if n := len(p.buf) - start; n > 0 {
		if k := len(p.pieces) - 1; k >= 0 && !p.pieces[k].old && p.pieces[k].to == start {
			p.pieces[k].to = len(p.buf)
		} else {
			p.pieces = append(p.pieces, piece{from: start, to: len(p.buf)})
		}
		p.size += n
	}
}

// hasOld reports whether the plan copies from the old file.
func (p *plan) hasOld() bool {
	for _, pc := range p.pieces {
		if pc.old {
			return true
		}
	}
	return false
}

// writeTo writes the plan to w, copying old blocks from old (nil when the
// plan has none). A block that does not start with its record means the
// file is not what was read: errStale, nothing is written.
func (p *plan) writeTo(w *os.File, old *os.File) error {
	for _, pc := range p.pieces {
		if !pc.old {
			if _, err := w.Write(p.buf[pc.from:pc.to]); err != nil {
				return err
			}
			continue
		}
		if pc.id != "" {
			want := "- id: " + pc.id + "\n"
			got := make([]byte, len(want))
			if _, err := old.ReadAt(got, int64(pc.from)); err != nil || string(got) != want {
				return errStale
			}
		}
		if _, err := old.Seek(int64(pc.from), io.SeekStart); err != nil {
			return err
		}
		// *os.File to *os.File through a LimitedReader: copy_file_range.
		if n, err := io.Copy(w, io.LimitReader(old, int64(pc.to-pc.from))); err != nil {
			return err
		} else if n != int64(pc.to-pc.from) {
			return errStale
		}
	}
	return nil
}

// errStale: the ledger file is not the one the layout describes.
var errStale = errors.New("ledger file changed under the lock")

// parseLayout is parseText that also returns the layout of a file the fast
// decoder read (nil otherwise: the next write renders the whole file).
func parseLayout(name, text string) (Doc, *layout, error) {
	return parseLayoutWith(name, text, nil, hasTickets(text))
}

// parseLayoutWith is parseLayout keeping the decoded strings in tab (nil:
// a table of its own); tickets is hasTickets(text).
func parseLayoutWith(name, text string, tab *strTable, tickets bool) (Doc, *layout, error) {
	body := text
	if tickets {
		loc := ticketsLineRE.FindStringIndex(text)
		if loc == nil || !sectionToEnd(text, loc[1]) {
			doc, err := parseText(name, text)
			return doc, nil, err
		}
		body = text[:loc[0]]
	}
	if strings.TrimSpace(body) == "" {
		doc, err := parseText(name, text)
		return doc, nil, err
	}
	ds, offs, ver, ok := fastDecodeSpans(body, tab)
	if !ok {
		doc, err := parseText(name, text)
		return doc, nil, err
	}
	var lay *layout
	if len(ds) > 0 && offs != nil && body[len(body)-1] == '\n' {
		lay = &layout{list: ds, offs: offs, end: len(body), endLine: strings.Count(body, "\n") + 1}
	}
	return Doc{Version: ver, Decisions: ds}, lay, nil
}

// sectionToEnd reports whether the top-level section whose first line ends
// at from runs to the end of text (cutTickets' rule: it ends at the next
// line starting with something else than a space, '-', '#' or a line end).
func sectionToEnd(text string, from int) bool {
	for i := strings.IndexByte(text[from:], '\n'); i >= 0; {
		p := from + i + 1
		if p >= len(text) {
			return true
		}
		switch text[p] {
		case ' ', '-', '#', '\n', '\r', '\t':
		default:
			return false
		}
		j := strings.IndexByte(text[p:], '\n')
		if j < 0 {
			return true
		}
		i = p - from + j
	}
	return true
}

// render plans the records part of a ledger file for recs (no tickets
// section) and returns it with the records in file order and their layout
// in it. It splices old, the layout of the file as last read or written,
// when that is worth it; published records whose line changes are
// replaced, in recs too, by copies with the new line.
func render(old *layout, oldRecs, recs map[string]*Decision) (*plan, *layout) {
	return renderVersion(old, oldRecs, recs, FileVersion)
}

// renderVersion is render for a file of version ver (a single file or a
// shard); a spliced file keeps the header it had.
func renderVersion(old *layout, oldRecs, recs map[string]*Decision, ver int) (*plan, *layout) {
	if p, lay, ok := splice(old, oldRecs, recs); ok {
		return p, lay
	}
	ds := make([]*Decision, 0, len(recs))
	for _, d := range recs {
		ds = append(ds, d)
	}
	data, sorted, lines, offs := marshalVersion(ds, ver)
	var slab []Decision
	for i, d := range sorted {
		if d.Line != lines[i] {
			c := relined(&slab, d, lines[i])
			recs[d.ID] = c
			sorted[i] = c
		}
	}
	p := &plan{buf: data, size: len(data)}
	p.pieces = []piece{{from: 0, to: len(data)}}
	var lay *layout
	if len(sorted) > 0 {
		lay = &layout{list: sorted, offs: offs, end: len(data), endLine: bytes.Count(data, []byte{'\n'}) + 1}
	}
	return p, lay
}

// relined is a copy of d on line (allocated from a slab: a write that
// inserts a record near the top moves every record after it).
func relined(slab *[]Decision, d *Decision, line int) *Decision {
	if len(*slab) == cap(*slab) {
		*slab = make([]Decision, 0, 1024)
	}
	*slab = append(*slab, *d)
	c := &(*slab)[len(*slab)-1]
	c.Line = line
	return c
}

// splice plans recs from old, copying the blocks of the records that did
// not change. false: there is no usable layout, or most records changed.
func splice(old *layout, oldRecs, recs map[string]*Decision) (*plan, *layout, bool) {
	if old == nil || len(old.list) == 0 || len(recs) == 0 || len(oldRecs) != len(old.list) {
		return nil, nil, false
	}
	var changed []string
	for _, d := range old.list {
		if recs[d.ID] != d {
			changed = append(changed, d.ID) // modified or removed
		}
	}
	if kept := len(old.list) - len(changed); len(recs) > kept {
		for id := range recs {
			if oldRecs[id] == nil {
				changed = append(changed, id) // added
			}
		}
	}
	if len(changed) > len(recs)/4+16 {
		return nil, nil, false // most of the file changes: render it all
	}
	slices.Sort(changed)

	list0, offs0 := old.list, old.offs
	p := &plan{}
	p.copyOld(0, offs0[0], "")
	list := make([]*Decision, 0, len(recs))
	offs := make([]int, 0, len(recs))
	var slab []Decision
	cur := list0[0].Line // the line the next record starts on
	i := 0               // next old record to copy
	copyTo := func(j int) {
		if i >= j {
			return
		}
		start, stop := offs0[i], old.recordEnd(j-1)
		shift, delta := p.size-start, cur-list0[i].Line
		p.copyOld(start, stop, list0[i].ID)
		for k := i; k < j; k++ {
			d := list0[k]
			if delta != 0 {
				d = relined(&slab, d, d.Line+delta)
				recs[d.ID] = d
			}
			list = append(list, d)
			offs = append(offs, offs0[k]+shift)
		}
		last := list0[j-1]
		cur = last.Line + delta + lineCount(old, j-1)
		i = j
	}
	for _, id := range changed {
		j, found := slices.BinarySearchFunc(list0[i:], id, func(d *Decision, id string) int { return strings.Compare(d.ID, id) })
		copyTo(i + j)
		if found {
			i++ // the old record is replaced or removed
		}
		d := recs[id]
		if d == nil {
			continue
		}
		if d.Line != cur {
			d = relined(&slab, d, cur)
			recs[id] = d
		}
		list = append(list, d)
		offs = append(offs, p.size)
		var added int
		p.add(func(b []byte) []byte {
			start := len(b)
			b = appendRecord(b, d)
			added = bytes.Count(b[start:], []byte{'\n'})
			return b
		})
		cur += added
	}
	copyTo(len(list0))
	return p, &layout{list: list, offs: offs, end: p.size, endLine: cur}, true
}

// lineCount is the number of lines of record k in old (its block up to the
// next record, blank lines included).
func lineCount(old *layout, k int) int {
	if k+1 < len(old.list) {
		return old.list[k+1].Line - old.list[k].Line
	}
	return old.endLine - old.list[k].Line
}
