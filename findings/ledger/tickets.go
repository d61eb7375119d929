package ledger

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Ticket is the ledger's record of one tracker ticket (a GitHub issue, a
// Jira issue) standing for a group of findings. Records live in the
// top-level `tickets:` section of the ledger file, one per tracker, target
// and group, so the mapping is committed with the decisions and survives a
// lost response, a killed run or a fresh clone.
//
// A record is written as an intent (State "intent", no ID) under the ledger
// lock before the ticket is created, and completed with the ticket's ID as
// soon as the tracker confirms it. Every ticket carries its Group marker
// (a label, plus a hidden body marker or an issue property), so an intent
// whose outcome is unknown is reconciled by listing the tracker.
type Ticket struct {
	Tracker string // "github", "jira" (later "code-scanning")
	Target  string // where: "github.com/acme/shop", "acme.atlassian.net/SEC"
	Group   string // stable marker of the group, "secui-g-<12 hex>"
	Key     string // grouping key it was made for: "finding:<id>", "rule:<tool>/<rule>", "file:<path>", "package:<pkg>"
	ID      string // issue number or key ("7", "SEC-12"); "" while only an intent
	URL     string // the ticket's web address
	State   string // TicketIntent, TicketOpen or TicketClosed
	// Closed says why secui closed it (TicketFixed, TicketSuppressed); ""
	// when open or closed by someone else.
	Closed string
	// Findings are the ids of the member decisions (sorted); Fixed those
	// known fixed at the last sync.
	Findings []string
	Fixed    []string
	// Hashes of what secui last published: the managed (fenced) section of
	// the body, the latest content (body or comment), the title. They tell a
	// human edit from secui's own text.
	Managed, Content, Title string
	// Writes under way (a kill can interrupt them): the managed-section hash
	// being written, the ref of the comment being posted. A re-run treats a
	// body with the Writing hash as secui's and looks for the Posting ref
	// before commenting again.
	Writing, Posting string
	// Intent only: which run claimed it and when (a lease).
	Owner   string
	Claimed time.Time
	// Synced is when secui last changed or checked the ticket.
	Synced time.Time
	// Line is the 1-based line of the record in the ledger file (0 unknown).
	Line int
}

// Ticket states (Ticket.State) and close reasons (Ticket.Closed).
const (
	TicketIntent     = "intent"
	TicketOpen       = "open"
	TicketClosed     = "closed"
	TicketFixed      = "fixed"
	TicketSuppressed = "suppressed"
)

// TicketKey is the identity of a ticket record: tracker, target and group.
func TicketKey(tracker, target, group string) string {
	return tracker + "\x00" + target + "\x00" + group
}

// RecordKey returns the identity of t (see TicketKey).
func (t *Ticket) RecordKey() string { return TicketKey(t.Tracker, t.Target, t.Group) }

// Clone returns a deep copy of t.
func (t *Ticket) Clone() *Ticket {
	c := *t
	c.Findings = slices.Clone(t.Findings)
	c.Fixed = slices.Clone(t.Fixed)
	return &c
}

// Tickets returns every ticket record, sorted by tracker, target and group.
// The returned values must not be modified.
func (l *Ledger) Tickets() []*Ticket {
	l.mu.Lock()
	defer l.mu.Unlock()
	return sortedTickets(l.tickets)
}

// TicketsFor returns the records listing decision id as a member.
func (l *Ledger) TicketsFor(id string) []*Ticket {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*Ticket
	for _, t := range sortedTickets(l.tickets) {
		if _, ok := slices.BinarySearch(t.Findings, id); ok {
			out = append(out, t)
		}
	}
	return out
}

// UpdateTickets runs change under the ledger lock on a freshly read copy of
// the ticket records (keyed by RecordKey; change may add, replace or delete
// entries, and must not modify records in place: replace them with a Clone)
// and writes the file atomically. When change returns an error nothing is
// written. This is the primitive that makes tracker writes exactly-once: an
// intent is claimed here before a create, and the result recorded here as
// soon as the tracker confirms it.
func (l *Ledger) UpdateTickets(change func(map[string]*Ticket) error) error {
	return l.updateWith(func(map[string]*Decision) ([]undoEntry, error) { return nil, nil }, change, true)
}

func sortedTickets(m map[string]*Ticket) []*Ticket {
	out := make([]*Ticket, 0, len(m))
	for _, t := range m {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *Ticket) int { return strings.Compare(a.RecordKey(), b.RecordKey()) })
	return out
}

// ---- file format

var ticketsLineRE = regexp.MustCompile(`(?m)^tickets:[ \t]*(#.*)?$`)

// cutTickets separates the top-level `tickets:` section from the rest of a
// ledger file. Both results have the input's line count: the section's lines
// are blank in rest, and everything else is blank in section, so line
// numbers in errors stay true. rest is data itself when there is no section.
func cutTickets(data []byte) (rest, section []byte) {
	if !bytes.Contains(data, []byte("tickets:")) {
		return data, nil // the common case, without a regexp over the whole file
	}
	loc := ticketsLineRE.FindIndex(data)
	if loc == nil {
		return data, nil
	}
	start := loc[0]
	end := len(data)
	// The section ends at the next top-level key (a line that starts with
	// something other than a space, '-' or '#').
	for i := bytes.IndexByte(data[loc[1]:], '\n'); i >= 0; {
		p := loc[1] + i + 1
		if p >= len(data) {
			break
		}
		c := data[p]
		if c != ' ' && c != '-' && c != '#' && c != '\n' && c != '\r' && c != '\t' {
			end = p
			break
		}
		j := bytes.IndexByte(data[p:], '\n')
		if j < 0 {
			break
		}
		i = p - loc[1] + j
	}
	blank := func(b []byte) []byte { return bytes.Repeat([]byte{'\n'}, bytes.Count(b, []byte{'\n'})) }
	rest = make([]byte, 0, len(data))
	rest = append(rest, data[:start]...)
	rest = append(rest, blank(data[start:end])...)
	rest = append(rest, data[end:]...)
	section = append(blank(data[:start]), data[start:end]...)
	return rest, section
}

var ticketFields = "tracker, target, group, key, id, url, state, closed, findings, fixed, hashes, owner, claimed, synced"

// hasTickets reports whether a ledger file's text may have a tickets:
// section (a cheap test; cutTickets decides).
func hasTickets(text string) bool {
	return strings.HasPrefix(text, "tickets:") || strings.Contains(text, "\ntickets:")
}

// parseTickets reads the `tickets:` section of a ledger file (nil when
// there is none). Invalid records are reported as Issues and skipped.
func parseTickets(name string, data []byte) ([]*Ticket, []Issue) {
	_, sec := cutTickets(data)
	if len(bytes.TrimSpace(sec)) == 0 {
		return nil, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(sec, &doc); err != nil {
		return nil, []Issue{yamlIssue(name, err)}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode || len(doc.Content[0].Content) < 2 {
		return nil, nil
	}
	v := &validator{file: name}
	val := doc.Content[0].Content[1]
	if val.Kind == yaml.ScalarNode && (val.Tag == "!!null" || val.Value == "" || val.Value == "[]") {
		return nil, nil
	}
	if val.Kind != yaml.SequenceNode {
		v.add(val, "tickets", "want a list of ticket records")
		return nil, v.issues
	}
	var out []*Ticket
	seen := map[string]int{}
	for i, n := range val.Content {
		f := fmt.Sprintf("tickets[%d]", i)
		t := v.ticket(n, f)
		if t == nil {
			continue
		}
		if prev, dup := seen[t.RecordKey()]; dup {
			v.add(n, f+".group", fmt.Sprintf("duplicate ticket record for %s %s %s (first at line %d)", t.Tracker, t.Target, t.Group, prev))
			continue
		}
		seen[t.RecordKey()] = t.Line
		out = append(out, t)
	}
	return out, v.issues
}

var groupRE = regexp.MustCompile(`^secui-g-[0-9a-f]{12}$`)

func (v *validator) ticket(n *yaml.Node, field string) *Ticket {
	if n.Kind != yaml.MappingNode {
		v.add(n, field, "want a ticket record (mapping)")
		return nil
	}
	before := len(v.issues)
	t := &Ticket{Line: n.Line}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		f := field + "." + k.Value
		switch k.Value {
		case "tracker":
			t.Tracker, _ = v.str(val, f)
		case "target":
			t.Target, _ = v.str(val, f)
		case "group":
			if s, ok := v.str(val, f); ok {
				if !groupRE.MatchString(s) {
					v.add(val, f, fmt.Sprintf("bad group marker %q (want secui-g- and 12 hex digits)", s))
				}
				t.Group = s
			}
		case "key":
			t.Key, _ = v.str(val, f)
		case "id":
			t.ID, _ = v.str(val, f)
		case "url":
			t.URL, _ = v.str(val, f)
		case "state":
			if s, ok := v.str(val, f); ok {
				switch s {
				case TicketIntent, TicketOpen, TicketClosed:
					t.State = s
				default:
					v.add(val, f, fmt.Sprintf("unknown ticket state %q (want intent, open or closed)", s))
				}
			}
		case "closed":
			if s, ok := v.str(val, f); ok {
				switch s {
				case TicketFixed, TicketSuppressed, "":
					t.Closed = s
				default:
					v.add(val, f, fmt.Sprintf("unknown close reason %q (want fixed or suppressed)", s))
				}
			}
		case "findings", "fixed":
			ids := v.strs(val, f)
			for j, id := range ids {
				if !idRE.MatchString(id) {
					v.add(val, fmt.Sprintf("%s[%d]", f, j), fmt.Sprintf("bad id %q (want 16 lower-case hex digits)", id))
				}
			}
			slices.Sort(ids)
			if k.Value == "findings" {
				t.Findings = slices.Compact(ids)
			} else {
				t.Fixed = slices.Compact(ids)
			}
		case "hashes":
			if val.Kind != yaml.MappingNode {
				v.add(val, f, "want a mapping of managed, content, title")
				continue
			}
			for j := 0; j+1 < len(val.Content); j += 2 {
				hk, hv := val.Content[j], val.Content[j+1]
				hf := f + "." + hk.Value
				s, _ := v.str(hv, hf)
				switch hk.Value {
				case "managed":
					t.Managed = s
				case "content":
					t.Content = s
				case "title":
					t.Title = s
				case "writing":
					t.Writing = s
				case "posting":
					t.Posting = s
				default:
					v.add(hk, hf, "unknown hash (want managed, content, title, writing, posting)")
				}
			}
		case "owner":
			t.Owner, _ = v.str(val, f)
		case "claimed":
			t.Claimed, _ = v.timestamp(val, f)
		case "synced":
			t.Synced, _ = v.timestamp(val, f)
		default:
			v.add(k, f, fmt.Sprintf("unknown field %q (want one of %s)", k.Value, ticketFields))
		}
	}
	if t.Tracker == "" {
		v.add(n, field+".tracker", "missing tracker")
	}
	if t.Group == "" {
		v.add(n, field+".group", "missing group marker")
	}
	if t.State == "" {
		v.add(n, field+".state", "missing state")
	}
	if t.State != TicketIntent && t.State != "" && t.ID == "" {
		v.add(n, field+".id", "an open or closed ticket needs its id")
	}
	if len(v.issues) > before {
		return nil
	}
	return t
}

// appendTickets writes the `tickets:` section for ts after a ledger file
// rendered by Marshal (nothing when there are no records).
func appendTickets(data []byte, ts map[string]*Ticket) []byte {
	if len(ts) == 0 {
		return data
	}
	b := bytes.NewBuffer(data) // appended in place (data is the caller's to give)
	b.WriteString("tickets:\n")
	for _, t := range sortedTickets(ts) {
		first := true
		kv := func(k, v string) {
			if v == "" {
				return
			}
			if first {
				b.WriteString("  - ")
				first = false
			} else {
				b.WriteString("    ")
			}
			b.WriteString(k + ": " + v + "\n")
		}
		ids := func(k string, vs []string) {
			if len(vs) > 0 {
				kv(k, "["+strings.Join(vs, ", ")+"]")
			}
		}
		ts := func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format(time.RFC3339)
		}
		kv("tracker", quoteOpt(t.Tracker))
		kv("target", quoteOpt(t.Target))
		kv("group", quoteOpt(t.Group))
		kv("key", quoteOpt(t.Key))
		kv("id", quoteOpt(t.ID))
		kv("url", quoteOpt(t.URL))
		kv("state", t.State)
		kv("closed", t.Closed)
		ids("findings", t.Findings)
		ids("fixed", t.Fixed)
		var hs []string
		for _, h := range [][2]string{{"managed", t.Managed}, {"content", t.Content}, {"title", t.Title}, {"writing", t.Writing}, {"posting", t.Posting}} {
			if h[1] != "" {
				hs = append(hs, h[0]+": "+quote(h[1]))
			}
		}
		if len(hs) > 0 {
			kv("hashes", "{"+strings.Join(hs, ", ")+"}")
		}
		kv("owner", quoteOpt(t.Owner))
		kv("claimed", ts(t.Claimed))
		kv("synced", ts(t.Synced))
	}
	return b.Bytes()
}

// loadTickets parses the tickets section of data into a map (for reload).
func loadTickets(name string, data []byte) (map[string]*Ticket, []Issue) {
	ts, issues := parseTickets(name, data)
	m := make(map[string]*Ticket, len(ts))
	for _, t := range ts {
		m[t.RecordKey()] = t
	}
	return m, issues
}

// withTicketIssues adds ticket-section issues to a Parse error.
func withTicketIssues(err error, issues []Issue) error {
	if len(issues) == 0 {
		return err
	}
	if ve, ok := err.(*ValidationError); ok && ve != nil {
		return &ValidationError{Issues: append(slices.Clone(ve.Issues), issues...)}
	}
	return &ValidationError{Issues: issues}
}

// mergeTickets is the three-way merge of the ticket records of ledger files
// (for Merge): a record changed on one side only is taken; when both sides
// changed it, a confirmed ticket wins over an intent and the later sync
// wins otherwise, member lists are united. Two different tickets for one
// group (created on two branches) keep ours and are reported.
func mergeTickets(base, ours, theirs []byte) (map[string]*Ticket, []string) {
	load := func(data []byte) map[string]*Ticket {
		m, _ := loadTickets("", data)
		return m
	}
	b, o, t := load(base), load(ours), load(theirs)
	out := map[string]*Ticket{}
	var conflicts []string
	keys := map[string]bool{}
	for _, m := range []map[string]*Ticket{b, o, t} {
		for k := range m {
			keys[k] = true
		}
	}
	same := func(x, y *Ticket) bool {
		return string(appendTickets(nil, map[string]*Ticket{"": x})) == string(appendTickets(nil, map[string]*Ticket{"": y}))
	}
	for k := range keys {
		bt, ot, tt := b[k], o[k], t[k]
		switch {
		case ot != nil && tt != nil:
			switch {
			case same(ot, tt), bt != nil && same(bt, tt):
				out[k] = ot
			case bt != nil && same(bt, ot):
				out[k] = tt
			default:
				win, lose := ot, tt
				if ot.ID != "" && tt.ID != "" && ot.ID != tt.ID {
					conflicts = append(conflicts, fmt.Sprintf("ticket group %s has two tickets on %s %s: ours %s, theirs %s; kept ours (close the other as a duplicate)", k[strings.LastIndexByte(k, 0)+1:], ot.Tracker, ot.Target, ot.ID, tt.ID))
				} else if (ot.ID == "" && tt.ID != "") || (ot.ID == tt.ID && tt.Synced.After(ot.Synced)) {
					win, lose = tt, ot
				}
				c := win.Clone()
				for _, id := range lose.Findings {
					if !slices.Contains(c.Findings, id) {
						c.Findings = append(c.Findings, id)
					}
				}
				slices.Sort(c.Findings)
				out[k] = c
			}
		case ot != nil:
			if bt == nil || !same(bt, ot) {
				out[k] = ot
			}
		case tt != nil:
			if bt == nil || !same(bt, tt) {
				out[k] = tt
			}
		}
	}
	slices.Sort(conflicts)
	return out, conflicts
}

// hostOwner names this run as an intent owner ("host/pid/nonce").
func hostOwner(nonce string) string {
	h, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%s", h, os.Getpid(), nonce)
}

// IntentOwner returns the owner string a run uses for its intents (host,
// process id and the run's nonce).
func IntentOwner(nonce string) string { return hostOwner(nonce) }
