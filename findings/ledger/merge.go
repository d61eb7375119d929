package ledger

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/secui/secui/findings"
)

// Merge is a three-way, record-by-record merge of ledger files (the git
// merge driver). It never trusts a clock: what each side did is read from
// its record and history compared with the common ancestor (base), not from
// the times written in them, so a record hand-edited to "time: 2099-01-01"
// wins nothing.
//
// For each finding id:
//   - added or changed on one side only: that side's record is taken;
//   - removed on one side and unchanged on the other: removed; removed on
//     one side and changed on the other: kept (nothing decided is lost);
//   - changed on both sides: a side "decided" when its decision (state,
//     reason, justification, note, expiry, due date, fix status) differs
//     from base or it added a decision event (suppress, accept, reopen,
//     fixed) to the history. If only one side decided, its decision is
//     taken; if both decided the same, ours is taken; if both decided
//     differently, it is a true conflict: the record keeps both histories,
//     takes the more visible state (open before accepted before fixed
//     before suppressed) and gets Review set ("needs review"), so the
//     decision does not apply and `secui check` fails until someone decides
//     again. Tickets and identity keys are united; histories are united
//     (base events first, then each side's new events).
//
// conflicts lists the records that need review (sorted). A file that does
// not parse is an error.
//
// The files may be single-file ledgers or shards of a sharded ledger (the
// driver runs once per shard): the result is a shard (version 3) when ours
// or theirs is one.
func Merge(base, ours, theirs []byte) (merged []byte, conflicts []string, err error) {
	b, _, err := parseMap("base", base)
	if err != nil {
		return nil, nil, err
	}
	o, ov, err := parseMap("ours", ours)
	if err != nil {
		return nil, nil, err
	}
	t, tv, err := parseMap("theirs", theirs)
	if err != nil {
		return nil, nil, err
	}
	ver := FileVersion
	if ov == ShardedVersion || tv == ShardedVersion {
		ver = ShardedVersion
	}
	ids := map[string]bool{}
	for _, m := range []map[string]*Decision{b, o, t} {
		for id := range m {
			ids[id] = true
		}
	}
	var out []*Decision
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
				d, c := mergeRecord(bd, od, td)
				if c != "" {
					conflicts = append(conflicts, c)
				}
				out = append(out, d)
			}
		case od != nil: // theirs removed it, or never had it
			if bd == nil || !same(bd, od) {
				out = append(out, od)
			}
		case td != nil:
			if bd == nil || !same(bd, td) {
				out = append(out, td)
			}
		}
	}
	tix, tconf := mergeTickets(base, ours, theirs)
	conflicts = append(conflicts, tconf...)
	slices.Sort(conflicts)
	data, _, _, _ := marshalVersion(out, ver)
	return appendTickets(data, tix), conflicts, nil
}

// parseMap parses a ledger file into a map by id; it also returns the
// version the file declares.
func parseMap(name string, data []byte) (map[string]*Decision, int, error) {
	doc, err := ParseDoc(name, data)
	if err != nil {
		return nil, 0, err
	}
	m := make(map[string]*Decision, len(doc.Decisions))
	for _, d := range doc.Decisions {
		m[d.ID] = d
	}
	return m, doc.Version, nil
}

func same(a, b *Decision) bool {
	return bytes.Equal(appendRecord(nil, a), appendRecord(nil, b))
}

// decisionKey is what a decision says, without who or when.
func decisionKey(d *Decision) string {
	date := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.DateOnly)
	}
	return strings.Join([]string{d.State.String(), string(d.Reason), d.Justification, d.Extra().Note,
		date(d.Expires), date(d.Extra().Due), fmt.Sprint(d.Pending), d.Extra().FixSource}, "\x00")
}

// eventKey identifies an event (every field, the time as written);
// timelessKey is the same without the time.
func eventKey(e Event) string {
	return e.Time.UTC().Format(time.RFC3339Nano) + "\x00" + timelessKey(e)
}

func timelessKey(e Event) string {
	date := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.DateOnly)
	}
	return strings.Join([]string{e.Author, e.Action, e.State.String(),
		string(e.Reason), e.Justification, e.Note, date(e.Expires), date(e.Due)}, "\x00")
}

// newEvents are the events of d that base does not have (all of them when
// base is nil), in d's order. A copy of a base event with only its time
// changed is not new (a re-dated event is not a decision) and is dropped.
func newEvents(base, d *Decision) []Event {
	have := map[string]int{}
	redated := map[string]bool{}
	if base != nil {
		for _, e := range base.History {
			have[eventKey(e)]++
			redated[timelessKey(e)] = true
		}
	}
	var out []Event
	for _, e := range d.History {
		k := eventKey(e)
		if have[k] > 0 {
			have[k]--
			continue
		}
		if redated[timelessKey(e)] {
			continue
		}
		out = append(out, e)
	}
	return out
}

// decided reports whether a side made a decision since base: its decision
// differs from base's, or it added a decision event (not a link).
func decided(base, d *Decision, added []Event) bool {
	if base == nil || decisionKey(base) != decisionKey(d) {
		return true
	}
	for _, e := range added {
		if e.Action != ActLink {
			return true
		}
	}
	return false
}

// visibility orders states for a conflict: the state that shows the finding
// most wins (open, then accepted, fixed, suppressed).
var visibility = map[findings.State]int{findings.StateOpen: 0, findings.StateAccepted: 1, findings.StateFixed: 2, findings.StateSuppressed: 3}

func mergeRecord(bd, od, td *Decision) (*Decision, string) {
	oNew, tNew := newEvents(bd, od), newEvents(bd, td)
	oDec, tDec := decided(bd, od, oNew), decided(bd, td, tNew)
	var d *Decision
	other, takenDecided := td, oDec
	conflict := ""
	switch {
	case tDec && !oDec:
		other, takenDecided = od, tDec
		d = td.clone()
	case oDec && tDec && decisionKey(od) != decisionKey(td):
		win := od
		if visibility[td.State] < visibility[od.State] {
			win = td
		}
		d = win.clone()
		d.Edit().Review = fmt.Sprintf("merge conflict: one branch %s, the other %s; decide again (secui suppress|accept|reopen %s)",
			describe(od), describe(td), od.ID)
		conflict = fmt.Sprintf("%s: both branches changed the decision (ours: %s; theirs: %s); kept both histories, marked needs review",
			od.ID, describe(od), describe(td))
	default: // ours decided (alone, or the same as theirs), or neither did
		d = od.clone()
	}
	if evidenceZero(d.Evidence) { // e.g. a v1 side: keep the evidence the other side recorded
		d.Evidence = other.Evidence
	}
	// A review mark the other side raised since base stays unless the taken
	// side decided (which resolves it).
	if conflict == "" && d.Extra().Review == "" && other.Extra().Review != "" && (bd == nil || bd.Extra().Review != other.Extra().Review) && !takenDecided {
		d.Edit().Review = other.Extra().Review
	}
	for _, x := range []*Decision{od, td} {
		for _, k := range x.Keys {
			if !slices.Contains(d.Keys, k) {
				d.Keys = append(d.Keys, k)
			}
		}
		for _, k := range x.Extra().Tickets {
			if !slices.Contains(d.Extra().Tickets, k) {
				d.Edit().Tickets = append(d.Extra().Tickets, k)
			}
		}
	}
	var hist []Event
	if bd != nil {
		hist = slices.Clone(bd.History)
	}
	// Each side's new events, interleaved by their recorded times for
	// reading; the order decides nothing.
	added := append(slices.Clone(oNew), tNew...)
	seen := map[string]bool{}
	uniq := added[:0]
	for _, e := range added {
		if k := eventKey(e); !seen[k] {
			seen[k] = true
			uniq = append(uniq, e)
		}
	}
	slices.SortStableFunc(uniq, func(a, b Event) int { return a.Time.Compare(b.Time) })
	d.History = append(hist, uniq...)
	return d, conflict
}

func describe(d *Decision) string {
	s := d.State.String()
	switch d.State {
	case findings.StateSuppressed:
		s += " (" + string(d.Reason) + ")"
	}
	if d.Author != "" {
		s += " by " + d.Author
	}
	return s
}
