package ledger

import (
	"bytes"
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

// layout is where the records are in the ledger file's text.
type layout struct {
	text string      // the whole file
	list []*Decision // its records, sorted by id (the Ledger's list then)
	offs []int       // byte offset of each record's "- " line in text
	end  int         // end of the records (a tickets: section may follow)
}

// recordEnd is the end of record k's bytes (the next record's start).
func (lay *layout) recordEnd(k int) int {
	if k+1 < len(lay.offs) {
		return lay.offs[k+1]
	}
	return lay.end
}

// parseLayout is parseText that also returns the layout of a file the fast
// decoder read (nil otherwise: the next write renders the whole file).
func parseLayout(name, text string) (Doc, *layout, error) {
	body := text
	if hasTickets(text) {
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
	ds, offs, ok := fastDecodeSpans(body)
	if !ok {
		doc, err := parseText(name, text)
		return doc, nil, err
	}
	var lay *layout
	if len(ds) > 0 && offs != nil && body[len(body)-1] == '\n' {
		lay = &layout{text: text, list: ds, offs: offs, end: len(body)}
	}
	return Doc{Version: SchemaVersion, Decisions: ds}, lay, nil
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

// render renders recs as the records part of a ledger file (no tickets
// section) and returns it with the records in file order and their layout
// in it (text still to be set). It splices old, the layout of the file as
// last read or written, when that is worth it; published records whose line
// changes are replaced, in recs too, by copies with the new line.
func render(old *layout, oldRecs, recs map[string]*Decision) ([]byte, []*Decision, []int) {
	if data, list, offs, ok := splice(old, oldRecs, recs); ok {
		return data, list, offs
	}
	ds := make([]*Decision, 0, len(recs))
	for _, d := range recs {
		ds = append(ds, d)
	}
	data, sorted, lines, offs := marshalLayout(ds)
	var slab []Decision
	for i, d := range sorted {
		if d.Line != lines[i] {
			c := relined(&slab, d, lines[i])
			recs[d.ID] = c
			sorted[i] = c
		}
	}
	return data, sorted, offs
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

// splice renders recs from old, copying the bytes of the records that did
// not change. false: there is no usable layout, or most records changed.
func splice(old *layout, oldRecs, recs map[string]*Decision) ([]byte, []*Decision, []int, bool) {
	if old == nil || len(old.list) == 0 || len(recs) == 0 || len(oldRecs) != len(old.list) {
		return nil, nil, nil, false
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
		return nil, nil, nil, false // most of the file changes: render it all
	}
	slices.Sort(changed)

	text, list0, offs0 := old.text, old.list, old.offs
	data := make([]byte, 0, len(text)+1024*len(changed)+64)
	data = append(data, text[:offs0[0]]...)
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
		shift, delta := len(data)-start, cur-list0[i].Line
		data = append(data, text[start:stop]...)
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
		offs = append(offs, len(data))
		start := len(data)
		data = appendRecord(data, d)
		cur += bytes.Count(data[start:], []byte{'\n'})
	}
	copyTo(len(list0))
	return data, list, offs, true
}

// lineCount is the number of lines of record k in old (its block up to the
// next record, blank lines included).
func lineCount(old *layout, k int) int {
	if k+1 < len(old.list) {
		return old.list[k+1].Line - old.list[k].Line
	}
	return strings.Count(old.text[old.offs[k]:old.end], "\n")
}
