package ledger

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// Merge is a three-way, record-by-record merge of ledger files (the git
// merge driver). Records added or changed on one side only are taken; a
// record removed on one side and unchanged on the other is removed; a record
// removed on one side and changed on the other is kept (nothing decided is
// lost). When both sides changed a record, the side whose latest event is
// later wins and the histories are merged (union, in time order); keys and
// tickets are united. Only the same record changed on both sides at the same
// instant to different states is a conflict: ours is kept and the conflict
// is reported. A file that does not parse is an error.
func Merge(base, ours, theirs []byte) ([]byte, []string, error) {
	b, err := parseMap("base", base)
	if err != nil {
		return nil, nil, err
	}
	o, err := parseMap("ours", ours)
	if err != nil {
		return nil, nil, err
	}
	t, err := parseMap("theirs", theirs)
	if err != nil {
		return nil, nil, err
	}
	ids := map[string]bool{}
	for _, m := range []map[string]*Decision{b, o, t} {
		for id := range m {
			ids[id] = true
		}
	}
	var out []*Decision
	var conflicts []string
	for id := range ids {
		bd, od, td := b[id], o[id], t[id]
		switch {
		case od != nil && td != nil:
			switch {
			case same(od, td):
				out = append(out, od)
			case bd != nil && same(bd, od):
				out = append(out, td)
			case bd != nil && same(bd, td):
				out = append(out, od)
			default:
				d, c := mergeRecord(od, td)
				if c != "" {
					conflicts = append(conflicts, c)
				}
				out = append(out, d)
			}
		case od != nil: // theirs removed or never had it
			if bd == nil || !same(bd, od) {
				out = append(out, od)
			}
		case td != nil:
			if bd == nil || !same(bd, td) {
				out = append(out, td)
			}
		}
	}
	slices.Sort(conflicts)
	return Marshal(out), conflicts, nil
}

func parseMap(name string, data []byte) (map[string]*Decision, error) {
	ds, err := Parse(name, data)
	if err != nil {
		return nil, err
	}
	m := make(map[string]*Decision, len(ds))
	for _, d := range ds {
		m[d.ID] = d
	}
	return m, nil
}

func same(a, b *Decision) bool {
	return bytes.Equal(appendRecord(nil, a), appendRecord(nil, b))
}

func mergeRecord(o, t *Decision) (*Decision, string) {
	win, lose := o, t
	conflict := ""
	switch lo, lt := o.latest(), t.latest(); {
	case lt.After(lo):
		win, lose = t, o
	case lt.Equal(lo) && (o.State != t.State || o.Reason != t.Reason || o.Justification != t.Justification):
		conflict = fmt.Sprintf("%s: both branches decided at %s (ours: %s, theirs: %s); kept ours",
			o.ID, lo.Format("2006-01-02T15:04:05Z"), o.State, t.State)
	}
	d := win.clone()
	if evidenceZero(d.Evidence) { // e.g. a v1 side: keep the evidence the other side recorded
		d.Evidence = lose.Evidence
	}
	for _, k := range lose.Keys {
		if !slices.Contains(d.Keys, k) {
			d.Keys = append(d.Keys, k)
		}
	}
	for _, k := range lose.Tickets {
		if !slices.Contains(d.Tickets, k) {
			d.Tickets = append(d.Tickets, k)
		}
	}
	key := func(e Event) string {
		return e.Time.UTC().Format("20060102150405") + "\x00" + e.Author + "\x00" + e.Action + "\x00" + e.State.String() + "\x00" + string(e.Reason) + "\x00" + e.Justification + "\x00" + e.Note
	}
	seen := map[string]bool{}
	var hist []Event
	for _, e := range append(slices.Clone(win.History), lose.History...) {
		if k := key(e); !seen[k] {
			seen[k] = true
			hist = append(hist, e)
		}
	}
	slices.SortStableFunc(hist, func(a, b Event) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(key(a), key(b))
	})
	d.History = hist
	return d, conflict
}
