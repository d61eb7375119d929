package ledger

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secui/secui/findings"
)

func sampleTicket() *Ticket {
	return &Ticket{
		Tracker: "github", Target: "github.com/acme/shop", Group: "secui-g-0123456789ab", Key: "rule:gosec/G101",
		ID: "7", URL: "https://github.com/acme/shop/issues/7", State: TicketClosed, Closed: TicketFixed,
		Findings: []string{"00000000000000aa", "00000000000000bb"}, Fixed: []string{"00000000000000aa"},
		Managed: "1a2b3c4d5e6f7a8b", Content: "ffffffffffffffff", Title: "0000000000000001", Posting: "abcdef0123456789",
		Synced: time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC),
	}
}

func TestTicketsRoundTripAndDecisionsUntouched(t *testing.T) {
	root := t.TempDir()
	l, err := Open(root, "")
	if err != nil {
		t.Fatal(err)
	}
	f := &findings.Finding{ID: "00000000000000aa", Keys: []string{"fingerprint:x"}}
	if err := l.Decide([]*findings.Finding{f}, Request{Action: ActAccept, Note: "tracked as a ticket, fix in the next sprint", Author: "A <a@x>", Now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	want := sampleTicket()
	intent := &Ticket{Tracker: "jira", Target: "acme.atlassian.net/SEC", Group: "secui-g-ba9876543210", Key: "finding:00000000000000bb",
		State: TicketIntent, Findings: []string{"00000000000000bb"}, Owner: "host/1/abc", Claimed: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	if err := l.UpdateTickets(func(m map[string]*Ticket) error {
		m[want.RecordKey()] = want
		m[intent.RecordKey()] = intent
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !l.CanUndo() {
		t.Error("a ticket update must not drop the decision undo batch")
	}
	data, _ := os.ReadFile(l.Path())
	if !strings.Contains(string(data), "tickets:\n  - tracker: github\n") {
		t.Fatalf("no tickets section:\n%s", data)
	}
	// A fresh Ledger reads both records back, field for field, and the decision.
	l2, err := Open(root, "")
	if err != nil {
		t.Fatalf("reopen: %v\n%s", err, data)
	}
	got := l2.Tickets()
	if len(got) != 2 {
		t.Fatalf("got %d tickets", len(got))
	}
	for i, w := range []*Ticket{want, intent} {
		g := *got[i]
		g.Line = 0
		if !reflect.DeepEqual(&g, w) {
			t.Errorf("ticket %d:\n got %+v\nwant %+v", i, g, *w)
		}
	}
	if d := l2.Get("00000000000000aa"); d == nil || d.State != findings.StateAccepted {
		t.Errorf("decision lost: %+v", d)
	}
	if ts := l2.TicketsFor("00000000000000bb"); len(ts) != 2 {
		t.Errorf("TicketsFor = %d records, want 2", len(ts))
	}
	// A later decision keeps the tickets section.
	if err := l2.Decide([]*findings.Finding{f}, Request{Action: ActReopen, Author: "A <a@x>", Now: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	l3, _ := Open(root, "")
	if len(l3.Tickets()) != 2 {
		t.Errorf("Decide dropped the tickets section")
	}
}

func TestCutTicketsKeepsLineNumbers(t *testing.T) {
	in := "version: 1\ntickets:\n  - tracker: github\n    group: x\ndecisions:\n  - id: bad\n"
	rest, sec := cutTickets([]byte(in))
	if strings.Count(string(rest), "\n") != strings.Count(in, "\n") || !strings.HasPrefix(string(sec), "\ntickets:") {
		t.Fatalf("line counts changed: %q / %q", rest, sec)
	}
	if strings.Contains(string(rest), "tracker") || !strings.Contains(string(rest), "decisions:") || strings.Contains(string(sec), "decisions") {
		t.Fatalf("bad cut: rest %q sec %q", rest, sec)
	}
	// Errors name the true lines in both parts.
	_, err := Parse("l.yaml", []byte(in))
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Issues[0].Line != 6 {
		t.Errorf("decision error = %v, want line 6", err)
	}
	_, issues := parseTickets("l.yaml", []byte(in))
	if len(issues) == 0 || issues[0].Line != 4 || !strings.Contains(issues[0].Msg, "bad group marker") {
		t.Errorf("ticket issues = %v, want bad group at line 4", issues)
	}
}

func TestTicketValidation(t *testing.T) {
	in := "version: 1\ndecisions: []\ntickets:\n  - tracker: github\n    group: secui-g-0123456789ab\n    state: open\n  - tracker: github\n    group: secui-g-0123456789ac\n    state: wobbly\n    colour: red\n"
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, ".secui"), 0o755)
	os.WriteFile(filepath.Join(root, DefaultPath), []byte(in), 0o644)
	l, err := Open(root, "")
	if err == nil {
		t.Fatal("want validation errors")
	}
	for _, w := range []string{"tickets[0].id", "tickets[1].state: unknown ticket state \"wobbly\"", "tickets[1].colour: unknown field"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	// An invalid file is never overwritten.
	if err := l.UpdateTickets(func(map[string]*Ticket) error { return nil }); err == nil {
		t.Error("UpdateTickets wrote over an invalid ledger")
	}
}

// Two Ledger instances on one file (two processes in practice) claiming the
// same group under the lock: exactly one wins.
func TestUpdateTicketsConcurrentClaims(t *testing.T) {
	root := t.TempDir()
	const n = 8
	var wg sync.WaitGroup
	wins := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := Open(root, "")
			if err != nil {
				t.Error(err)
				return
			}
			owner := fmt.Sprintf("run-%d", i)
			err = l.UpdateTickets(func(m map[string]*Ticket) error {
				k := TicketKey("github", "github.com/o/r", "secui-g-0123456789ab")
				if m[k] != nil {
					return nil
				}
				m[k] = &Ticket{Tracker: "github", Target: "github.com/o/r", Group: "secui-g-0123456789ab", State: TicketIntent, Owner: owner}
				wins <- owner
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	close(wins)
	var got []string
	for w := range wins {
		got = append(got, w)
	}
	l, _ := Open(root, "")
	if len(got) != 1 || len(l.Tickets()) != 1 || l.Tickets()[0].Owner != got[0] {
		t.Fatalf("winners %v, records %+v", got, l.Tickets())
	}
}

func TestMergeKeepsTickets(t *testing.T) {
	base := appendTickets(Marshal(nil), nil)
	a := sampleTicket()
	a.State, a.Closed = TicketOpen, ""
	ours := appendTickets(Marshal(nil), map[string]*Ticket{a.RecordKey(): a})
	b := a.Clone()
	b.Group = "secui-g-bbbbbbbbbbbb"
	b.ID = "9"
	theirs := appendTickets(Marshal(nil), map[string]*Ticket{b.RecordKey(): b})
	out, conflicts, err := Merge(base, ours, theirs)
	if err != nil || len(conflicts) != 0 {
		t.Fatalf("merge: %v %v", err, conflicts)
	}
	ts, issues := parseTickets("m", out)
	if len(issues) != 0 || len(ts) != 2 {
		t.Fatalf("merged tickets %d, issues %v:\n%s", len(ts), issues, out)
	}
	// Both sides created a ticket for the same group: kept ours, reported.
	c := a.Clone()
	c.ID = "8"
	theirs = appendTickets(Marshal(nil), map[string]*Ticket{c.RecordKey(): c})
	out, conflicts, _ = Merge(base, ours, theirs)
	ts, _ = parseTickets("m", out)
	if len(conflicts) != 1 || !strings.Contains(conflicts[0], "ours 7, theirs 8") || len(ts) != 1 || ts[0].ID != "7" {
		t.Errorf("conflicts %v, tickets %+v", conflicts, ts)
	}
	// An intent on one side and the confirmed ticket on the other: the ticket wins.
	in := a.Clone()
	in.ID, in.State, in.URL = "", TicketIntent, ""
	out, _, _ = Merge(base, appendTickets(Marshal(nil), map[string]*Ticket{in.RecordKey(): in}), ours)
	ts, _ = parseTickets("m", out)
	if len(ts) != 1 || ts[0].ID != "7" {
		t.Errorf("intent vs ticket: %+v", ts)
	}
}
