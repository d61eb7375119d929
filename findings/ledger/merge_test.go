package ledger

import (
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/findings"
)

// rec builds a record as secui writes it: decided by who at at, with one
// history event per call of then.
func rec(i int, st findings.State, at time.Time, who string) *Decision {
	d := &Decision{ID: fid(i), Keys: []string{"content:" + fid(i)}}
	return d.then(st, at, who)
}

var (
	justWAF  = "protected by the WAF rule 942100 in front of the service"
	noteSpr  = "fix in sprint 12, tracked in SEC-120"
	noteOpen = "not fixed after all, the sink is reachable"
)

// then appends a decision event (the state's action) and updates the record.
func (d *Decision) then(st findings.State, at time.Time, who string) *Decision {
	c := d.clone()
	c.State, c.Author, c.Time = st, who, at
	c.Reason, c.Justification, c.Edit().Note = "", "", ""
	action := map[findings.State]string{findings.StateSuppressed: ActSuppress, findings.StateAccepted: ActAccept,
		findings.StateOpen: ActReopen, findings.StateFixed: ActFixed}[st]
	switch st {
	case findings.StateSuppressed:
		c.Reason, c.Justification = Mitigated, justWAF
	case findings.StateAccepted:
		c.Edit().Note = noteSpr
	case findings.StateOpen:
		c.Edit().Note = noteOpen
	}
	c.History = append(c.History, Event{Time: at, Author: who, Action: action, State: st, Reason: c.Reason, Justification: c.Justification, Note: c.Extra().Note})
	return c
}

func mergeMaps(t *testing.T, base, ours, theirs []*Decision) (map[string]*Decision, []string) {
	t.Helper()
	enc := func(ds []*Decision) []byte {
		if ds == nil {
			return nil
		}
		return Marshal(ds)
	}
	out, conflicts, err := Merge(enc(base), enc(ours), enc(theirs))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := Parse("merged", out)
	if err != nil {
		t.Fatalf("merged output does not parse: %v\n%s", err, out)
	}
	m := map[string]*Decision{}
	for _, d := range ds {
		m[d.ID] = d
	}
	return m, conflicts
}

// One side only: additions, changes and removals are taken; a removal
// against a change keeps the change.
func TestMergeOneSidedChanges(t *testing.T) {
	b1 := rec(1, findings.StateSuppressed, t0, "A <a@x.org>")
	b5 := rec(5, findings.StateAccepted, t0, "A <a@x.org>")
	b6 := rec(6, findings.StateAccepted, t0, "A <a@x.org>")
	o1 := b1.then(findings.StateAccepted, t0.Add(time.Hour), "O <o@x.org>") // ours changes 1
	o2 := rec(2, findings.StateSuppressed, t0, "O <o@x.org>")               // ours adds 2
	t3 := rec(3, findings.StateSuppressed, t0, "T <t@x.org>")               // theirs adds 3
	t6 := b6.then(findings.StateOpen, t0.Add(time.Hour), "T <t@x.org>")     // theirs changes 6, ours removes it
	// theirs removes 5 (ours keeps it unchanged)
	m, conflicts := mergeMaps(t, []*Decision{b1, b5, b6}, []*Decision{o1, o2, b5}, []*Decision{b1, t3, t6})
	if len(conflicts) != 0 {
		t.Fatalf("conflicts: %v", conflicts)
	}
	if len(m) != 4 || m[fid(5)] != nil {
		t.Fatalf("records: %v", m)
	}
	if m[fid(1)].State != findings.StateAccepted || len(m[fid(1)].History) != 2 {
		t.Fatalf("1: %+v", m[fid(1)])
	}
	if m[fid(6)] == nil || m[fid(6)].State != findings.StateOpen {
		t.Fatalf("6 (removed by ours, changed by theirs) lost: %+v", m[fid(6)])
	}
	if m[fid(2)] == nil || m[fid(3)] == nil {
		t.Fatal("additions lost")
	}
}

// Both sides changed the decision differently: whatever the times say, it
// is a conflict kept for review, never a silent pick; both histories stay.
func TestMergeTrueConflictNeedsReview(t *testing.T) {
	base := rec(1, findings.StateAccepted, t0, "A <a@x.org>")
	for _, tc := range []struct {
		name          string
		ourAt, theiAt time.Time
	}{
		{"ours later", t0.Add(2 * time.Hour), t0.Add(time.Hour)},
		{"theirs later", t0.Add(time.Hour), t0.Add(2 * time.Hour)},
		{"same instant", t0.Add(time.Hour), t0.Add(time.Hour)},
		{"times before base", t0.Add(-48 * time.Hour), t0.Add(-24 * time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := base.then(findings.StateSuppressed, tc.ourAt, "O <o@x.org>")
			th := base.then(findings.StateOpen, tc.theiAt, "T <t@x.org>")
			m, conflicts := mergeMaps(t, []*Decision{base}, []*Decision{o}, []*Decision{th})
			d := m[fid(1)]
			if len(conflicts) != 1 || !strings.HasPrefix(conflicts[0], fid(1)) {
				t.Fatalf("conflicts %v", conflicts)
			}
			if d.Extra().Review == "" || !strings.Contains(d.Extra().Review, "merge conflict") {
				t.Fatalf("no review mark: %+v", d)
			}
			// The more visible state (open) is stored; both new events kept.
			if d.State != findings.StateOpen || len(d.History) != 3 {
				t.Fatalf("state %s, %d events", d.State, len(d.History))
			}
			if d.History[0].Action != ActAccept {
				t.Fatalf("base event not first: %+v", d.History)
			}
			acts := d.History[1].Action + "," + d.History[2].Action
			if acts != "suppress,reopen" && acts != "reopen,suppress" {
				t.Fatalf("histories: %s", acts)
			}
		})
	}
	// Merged the other way round: the same result (no side is favoured).
	o := base.then(findings.StateSuppressed, t0.Add(time.Hour), "O <o@x.org>")
	th := base.then(findings.StateAccepted, t0.Add(time.Hour), "T <t@x.org>")
	th.Edit().Note = "accepted for the release, SEC-9 tracks the fix"
	th.History[1].Note = th.Extra().Note
	m1, _ := mergeMaps(t, []*Decision{base}, []*Decision{o}, []*Decision{th})
	m2, _ := mergeMaps(t, []*Decision{base}, []*Decision{th}, []*Decision{o})
	if m1[fid(1)].State != findings.StateAccepted || m2[fid(1)].State != findings.StateAccepted || m1[fid(1)].Extra().Review == "" || m2[fid(1)].Extra().Review == "" {
		t.Fatalf("asymmetric: %+v / %+v", m1[fid(1)], m2[fid(1)])
	}
}

// A record hand-edited to a far-future time wins nothing: a side that only
// changed the time has not decided, so the other side's decision is taken.
func TestMergeForgedFutureTimeWinsNothing(t *testing.T) {
	base := rec(1, findings.StateSuppressed, t0, "A <a@x.org>")
	forged := base.clone()
	future := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	forged.Time = future
	forged.History = []Event{forged.History[0]}
	forged.History[0].Time = future
	reopened := base.then(findings.StateOpen, t0.Add(time.Hour), "T <t@x.org>")
	for _, order := range []string{"forged ours", "forged theirs"} {
		o, th := forged, reopened
		if order == "forged theirs" {
			o, th = reopened, forged
		}
		m, conflicts := mergeMaps(t, []*Decision{base}, []*Decision{o}, []*Decision{th})
		if d := m[fid(1)]; d.State != findings.StateOpen || d.Extra().Review != "" || len(conflicts) != 0 {
			t.Fatalf("%s: %+v %v", order, d, conflicts)
		}
	}
	// Forging the time AND the decision is a change like any other: both
	// sides decided, so it is a conflict for review — still no win.
	forged2 := base.then(findings.StateSuppressed, future, "M <m@x.org>")
	forged2.Justification = "hand edited to win the merge by its time"
	forged2.History[len(forged2.History)-1].Justification = forged2.Justification
	m, conflicts := mergeMaps(t, []*Decision{base}, []*Decision{forged2}, []*Decision{reopened})
	if d := m[fid(1)]; d.State != findings.StateOpen || d.Extra().Review == "" || len(conflicts) != 1 {
		t.Fatalf("forged decision: %+v %v", d, conflicts)
	}
}

// Both sides made the same decision, or one side only added tickets: no
// conflict; tickets, keys and events are united.
func TestMergeSameDecisionAndLinks(t *testing.T) {
	base := rec(1, findings.StateAccepted, t0, "A <a@x.org>")
	o := base.then(findings.StateSuppressed, t0.Add(time.Hour), "O <o@x.org>")
	th := base.then(findings.StateSuppressed, t0.Add(2*time.Hour), "T <t@x.org>")
	m, conflicts := mergeMaps(t, []*Decision{base}, []*Decision{o}, []*Decision{th})
	if d := m[fid(1)]; len(conflicts) != 0 || d.State != findings.StateSuppressed || d.Extra().Review != "" || len(d.History) != 3 {
		t.Fatalf("same decision: %+v %v", d, conflicts)
	}
	linked := base.clone()
	linked.Edit().Tickets = []string{"https://jira.example.com/browse/SEC-7"}
	linked.History = append(linked.History, Event{Time: t0.Add(3 * time.Hour), Author: "L <l@x.org>", Action: ActLink, State: base.State, Note: linked.Extra().Tickets[0]})
	linked.Keys = append(linked.Keys, "fingerprint:abc")
	m, conflicts = mergeMaps(t, []*Decision{base}, []*Decision{linked}, []*Decision{th})
	d := m[fid(1)]
	if len(conflicts) != 0 || d.State != findings.StateSuppressed || len(d.Extra().Tickets) != 1 || len(d.History) != 3 || len(d.Keys) != 2 {
		t.Fatalf("link + decision: %+v %v", d, conflicts)
	}
	// Both added the record independently with different decisions.
	m, conflicts = mergeMaps(t, nil, []*Decision{rec(2, findings.StateSuppressed, t0, "O <o@x.org>")}, []*Decision{rec(2, findings.StateAccepted, t0, "T <t@x.org>")})
	if d := m[fid(2)]; len(conflicts) != 1 || d.Extra().Review == "" || d.State != findings.StateAccepted || len(d.History) != 2 {
		t.Fatalf("independent additions: %+v %v", d, conflicts)
	}
}

// A review mark survives a merge until someone decides; deciding clears it.
func TestMergeReviewMarkKeptUntilDecided(t *testing.T) {
	base := rec(1, findings.StateOpen, t0, "A <a@x.org>")
	base.Edit().Review = "merge conflict: earlier"
	linked := base.clone()
	linked.Edit().Tickets = []string{"https://jira.example.com/browse/SEC-8"}
	m, _ := mergeMaps(t, []*Decision{base}, []*Decision{linked}, []*Decision{base})
	if m[fid(1)].Extra().Review == "" {
		t.Fatal("a link cleared the review mark")
	}
	decided := base.then(findings.StateSuppressed, t0.Add(time.Hour), "O <o@x.org>")
	decided.Edit().Review = ""
	m, conflicts := mergeMaps(t, []*Decision{base}, []*Decision{decided}, []*Decision{linked})
	if d := m[fid(1)]; d.Extra().Review != "" || d.State != findings.StateSuppressed || len(conflicts) != 0 || len(d.Extra().Tickets) != 1 {
		t.Fatalf("decision did not resolve the review: %+v %v", d, conflicts)
	}
}

func TestMergeRejectsInvalidInput(t *testing.T) {
	if _, _, err := Merge(nil, []byte("version: 1\ndecisions: [\n"), nil); err == nil {
		t.Fatal("bad input merged")
	}
}

// FuzzMerge: any three inputs either fail to parse (an error, no panic) or
// merge into a ledger that parses, keeps every record added on one side,
// never loses a record changed on a side, and marks conflicts for review.
func FuzzMerge(f *testing.F) {
	base := rec(1, findings.StateAccepted, t0, "A <a@x.org>")
	o := base.then(findings.StateSuppressed, t0.Add(time.Hour), "O <o@x.org>")
	th := base.then(findings.StateOpen, t0.Add(2*time.Hour), "T <t@x.org>")
	f.Add(Marshal([]*Decision{base}), Marshal([]*Decision{o, rec(2, findings.StateOpen, t0, "O <o@x.org>")}), Marshal([]*Decision{th}))
	f.Add([]byte(nil), Marshal([]*Decision{o}), Marshal([]*Decision{th}))
	f.Add(Marshal([]*Decision{base}), []byte("version: 1\ndecisions: []\n"), Marshal([]*Decision{base}))
	f.Add([]byte("version: 1\n"), []byte("<<<<<<< HEAD\n"), []byte("decisions: {"))
	f.Fuzz(func(t *testing.T, b, o, th []byte) {
		out, conflicts, err := Merge(b, o, th)
		if err != nil {
			return
		}
		got, err := Parse("merged", out)
		if err != nil {
			t.Fatalf("merged output does not parse: %v\n%s", err, out)
		}
		ids := map[string]*Decision{}
		for _, d := range got {
			ids[d.ID] = d
		}
		bm, _, _ := parseMap("b", b)
		om, _, _ := parseMap("o", o)
		tm, _, _ := parseMap("t", th)
		for _, side := range []map[string]*Decision{om, tm} {
			for id, d := range side {
				if bd := bm[id]; (bd == nil || !same(bd, d)) && ids[id] == nil {
					t.Fatalf("record %s added or changed on one side was lost", id)
				}
			}
		}
		for _, c := range conflicts {
			if d := ids[c[:16]]; d == nil || d.Extra().Review == "" {
				t.Fatalf("conflict %q not marked for review", c)
			}
		}
	})
}
