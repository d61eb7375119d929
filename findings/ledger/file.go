package ledger

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/secui/secui/findings"
)

// Issue is one problem found while validating a ledger file.
type Issue struct {
	File  string
	Line  int
	Col   int
	Field string // e.g. "decisions[3].reason"
	Msg   string
}

func (i Issue) String() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s", i.File, i.Line, i.Col, i.Field, i.Msg)
}

// ValidationError lists every problem of a ledger file.
type ValidationError struct{ Issues []Issue }

func (e *ValidationError) Error() string {
	s := make([]string, len(e.Issues))
	for i, is := range e.Issues {
		s[i] = is.String()
	}
	return strings.Join(s, "\n")
}

var idRE = regexp.MustCompile(`^[0-9a-f]{16}$`)

const header = "# secui triage ledger, schema v1. One record per finding, sorted by id.\n" +
	"# Written by `secui suppress|accept|reopen`; merged by `secui merge-driver` (see README).\n"

// Parse reads and validates a ledger file's content. name is used in error
// positions. An empty input is an empty ledger. On validation errors it
// returns the records that were valid and a *ValidationError.
func Parse(name string, data []byte) ([]*Decision, error) {
	data, _ = cutTickets(data) // the tickets: section is read by parseTickets
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	if is := conflictMarkers(name, data); is != nil {
		return nil, &ValidationError{Issues: []Issue{*is}}
	}
	doc, ok := fastParse(data)
	if !ok {
		doc = new(yaml.Node)
		if err := yaml.Unmarshal(data, doc); err != nil {
			return nil, &ValidationError{Issues: []Issue{yamlIssue(name, err)}}
		}
	}
	v := &validator{file: name}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		v.add(root, "ledger", "want a mapping with version and decisions")
		return nil, v.err()
	}
	var out []*Decision
	seenVersion := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, val := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "version":
			seenVersion = true
			if val.Kind != yaml.ScalarNode || val.Value != strconv.Itoa(SchemaVersion) {
				v.add(val, "version", fmt.Sprintf("unsupported schema version %q (this secui reads version %d)", val.Value, SchemaVersion))
			}
		case "decisions":
			if val.Kind == yaml.ScalarNode && (val.Tag == "!!null" || val.Value == "") {
				continue
			}
			if val.Kind != yaml.SequenceNode {
				v.add(val, "decisions", "want a list of records")
				continue
			}
			seen := map[string]int{}
			for j, rn := range val.Content {
				d := v.record(rn, fmt.Sprintf("decisions[%d]", j))
				if d == nil {
					continue
				}
				if prev, dup := seen[d.ID]; dup {
					v.add(rn, fmt.Sprintf("decisions[%d].id", j), fmt.Sprintf("duplicate id %s (first at line %d)", d.ID, prev))
					continue
				}
				seen[d.ID] = d.Line
				out = append(out, d)
			}
		default:
			v.add(k, k.Value, "unknown field (want version, decisions)")
		}
	}
	if !seenVersion {
		v.add(root, "version", "missing schema version")
	}
	slices.SortFunc(out, func(a, b *Decision) int { return strings.Compare(a.ID, b.ID) })
	return out, v.err()
}

var yamlLineRE = regexp.MustCompile(`line (\d+):? ?(.*)`)

func yamlIssue(name string, err error) Issue {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	is := Issue{File: name, Line: 1, Col: 1, Field: "yaml", Msg: msg}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		is.Line, _ = strconv.Atoi(m[1])
		is.Msg = m[2]
	}
	return is
}

type validator struct {
	file   string
	issues []Issue
}

func (v *validator) add(n *yaml.Node, field, msg string) {
	v.issues = append(v.issues, Issue{File: v.file, Line: n.Line, Col: n.Column, Field: field, Msg: msg})
}

func (v *validator) err() error {
	if len(v.issues) == 0 {
		return nil
	}
	return &ValidationError{Issues: v.issues}
}

func (v *validator) str(n *yaml.Node, field string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		v.add(n, field, "want a string")
		return "", false
	}
	return n.Value, true
}

func (v *validator) strs(n *yaml.Node, field string) []string {
	if n.Kind != yaml.SequenceNode {
		v.add(n, field, "want a list of strings")
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		if s, ok := v.str(c, fmt.Sprintf("%s[%d]", field, i)); ok {
			out = append(out, s)
		}
	}
	return out
}

func (v *validator) timestamp(n *yaml.Node, field string) (time.Time, bool) {
	s, ok := v.str(n, field)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		v.add(n, field, fmt.Sprintf("bad time %q (want RFC 3339, e.g. 2026-11-28T09:30:00Z)", s))
		return time.Time{}, false
	}
	return t.UTC(), true
}

func (v *validator) date(n *yaml.Node, field string) *time.Time {
	s, ok := v.str(n, field)
	if !ok {
		return nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		v.add(n, field, fmt.Sprintf("bad date %q (want YYYY-MM-DD)", s))
		return nil
	}
	return &t
}

func (v *validator) state(n *yaml.Node, field string) (findings.State, bool) {
	s, ok := v.str(n, field)
	if !ok {
		return 0, false
	}
	st, err := findings.ParseState(s)
	if err != nil || s != st.String() {
		v.add(n, field, fmt.Sprintf("unknown state %q (want open, accepted, suppressed or fixed)", s))
		return 0, false
	}
	return st, true
}

func (v *validator) reason(n *yaml.Node, field string) (Reason, bool) {
	s, ok := v.str(n, field)
	if !ok {
		return "", false
	}
	if !slices.Contains(Reasons, Reason(s)) {
		v.add(n, field, fmt.Sprintf("unknown reason %q (want one of %s)", s, reasonList()))
		return "", false
	}
	return Reason(s), true
}

var recordFields = "id, state, reason, justification, note, author, time, expires, due, tool, rule, path, pending, fix-source, review, keys, tickets, history"

func (v *validator) record(n *yaml.Node, field string) *Decision {
	if n.Kind != yaml.MappingNode {
		v.add(n, field, "want a record (mapping)")
		return nil
	}
	before := len(v.issues)
	d := &Decision{Line: n.Line}
	var hasID, hasState, hasTime bool
	var stateNode *yaml.Node = n
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		f := field + "." + k.Value
		switch k.Value {
		case "id":
			if s, ok := v.str(val, f); ok {
				if !idRE.MatchString(s) {
					v.add(val, f, fmt.Sprintf("bad id %q (want 16 lower-case hex digits)", s))
				} else {
					d.ID, hasID = s, true
				}
			}
		case "state":
			stateNode = val
			d.State, hasState = v.state(val, f)
		case "reason":
			d.Reason, _ = v.reason(val, f)
		case "justification":
			d.Justification, _ = v.str(val, f)
		case "note":
			d.Note, _ = v.str(val, f)
		case "author":
			d.Author, _ = v.str(val, f)
		case "time":
			d.Time, hasTime = v.timestamp(val, f)
		case "expires":
			d.Expires = v.date(val, f)
		case "due":
			d.Due = v.date(val, f)
		case "tool":
			d.Tool, _ = v.str(val, f)
		case "rule":
			d.Rule, _ = v.str(val, f)
		case "path":
			d.Path, _ = v.str(val, f)
		case "pending":
			switch b, _ := v.str(val, f); b {
			case "true":
				d.Pending = true
			case "false":
			default:
				v.add(val, f, "want true or false")
			}
		case "fix-source":
			d.FixSource, _ = v.str(val, f)
		case "review": // minimal serialisation (gate); ledger v2 owns the format
			d.Review, _ = v.str(val, f)
		case "keys":
			d.Keys = v.strs(val, f)
		case "tickets":
			d.Tickets = v.strs(val, f)
		case "history":
			if val.Kind != yaml.SequenceNode {
				v.add(val, f, "want a list of events")
				continue
			}
			for j, en := range val.Content {
				if e, ok := v.event(en, fmt.Sprintf("%s[%d]", f, j)); ok {
					d.History = append(d.History, e)
				}
			}
		default:
			v.add(k, f, fmt.Sprintf("unknown field %q (want one of %s)", k.Value, recordFields))
		}
	}
	if !hasID {
		v.add(n, field+".id", "missing id")
	}
	if !hasState && stateNode == n {
		v.add(n, field+".state", "missing state")
	}
	if !hasTime {
		if d.Time.IsZero() {
			v.add(n, field+".time", "missing time")
		}
	}
	if hasState && d.State == findings.StateSuppressed {
		if d.Reason == "" {
			v.add(stateNode, field+".reason", "a suppression needs a reason ("+reasonList()+")")
		}
		if strings.TrimSpace(d.Justification) == "" {
			v.add(stateNode, field+".justification", "a suppression needs a justification")
		}
	}
	if len(v.issues) > before {
		return nil
	}
	return d
}

func (v *validator) event(n *yaml.Node, field string) (Event, bool) {
	var e Event
	if n.Kind != yaml.MappingNode {
		v.add(n, field, "want an event (mapping)")
		return e, false
	}
	before := len(v.issues)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		f := field + "." + k.Value
		switch k.Value {
		case "time":
			e.Time, _ = v.timestamp(val, f)
		case "author":
			e.Author, _ = v.str(val, f)
		case "action":
			if s, ok := v.str(val, f); ok {
				switch s {
				case ActSuppress, ActAccept, ActReopen, ActFixed, ActLink, "undo", "merge":
					e.Action = s
				default:
					v.add(val, f, fmt.Sprintf("unknown action %q (want suppress, accept, reopen, fixed or link)", s))
				}
			}
		case "state":
			e.State, _ = v.state(val, f)
		case "reason":
			e.Reason, _ = v.reason(val, f)
		case "justification":
			e.Justification, _ = v.str(val, f)
		case "note":
			e.Note, _ = v.str(val, f)
		case "expires":
			e.Expires = v.date(val, f)
		case "due":
			e.Due = v.date(val, f)
		default:
			v.add(k, f, fmt.Sprintf("unknown field %q (want time, author, action, state, reason, justification, note, expires, due)", k.Value))
		}
	}
	if e.Time.IsZero() && len(v.issues) == before {
		v.add(n, field+".time", "missing time")
	}
	return e, len(v.issues) == before
}

// Marshal renders decisions as a ledger file (sorted by id, stable field
// order) and sets each decision's Line.
func Marshal(ds []*Decision) []byte {
	data, sorted, lines := marshal(ds)
	for i, d := range sorted {
		d.Line = lines[i]
	}
	return data
}

// marshal renders ds without modifying them; it returns the decisions in
// file order and the line of each.
func marshal(ds []*Decision) ([]byte, []*Decision, []int) {
	ds = slices.Clone(ds)
	slices.SortFunc(ds, func(a, b *Decision) int { return strings.Compare(a.ID, b.ID) })
	var b bytes.Buffer
	b.Grow(256 * (len(ds) + 1))
	b.WriteString(header)
	fmt.Fprintf(&b, "version: %d\n", SchemaVersion)
	if len(ds) == 0 {
		b.WriteString("decisions: []\n")
		return b.Bytes(), ds, nil
	}
	b.WriteString("decisions:\n")
	line := strings.Count(b.String(), "\n") + 1
	lines := make([]int, len(ds))
	for i, d := range ds {
		lines[i] = line
		start := b.Len()
		writeRecord(&b, d)
		line += bytes.Count(b.Bytes()[start:], []byte{'\n'})
	}
	return b.Bytes(), ds, lines
}

// writeRecord writes one record as a YAML sequence item. Scalars are
// encoded by quote(), which emits plain style when safe and JSON-compatible
// double-quoted style otherwise, so the output is always valid YAML.
func writeRecord(b *bytes.Buffer, d *Decision) {
	first := true
	kv := func(k, v string) {
		if v == "" {
			return
		}
		if first {
			b.WriteString("- ")
			first = false
		} else {
			b.WriteString("  ")
		}
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteByte('\n')
	}
	list := func(k string, vs []string) {
		if len(vs) == 0 {
			return
		}
		b.WriteString("  " + k + ":\n")
		for _, s := range vs {
			b.WriteString("    - ")
			b.WriteString(quote(s))
			b.WriteByte('\n')
		}
	}
	kv("id", d.ID)
	kv("state", d.State.String())
	kv("reason", string(d.Reason))
	kv("justification", quoteOpt(d.Justification))
	kv("note", quoteOpt(d.Note))
	kv("author", quoteOpt(d.Author))
	kv("time", d.Time.UTC().Format(time.RFC3339))
	kv("expires", dateStr(d.Expires))
	kv("due", dateStr(d.Due))
	kv("tool", quoteOpt(d.Tool))
	kv("rule", quoteOpt(d.Rule))
	kv("path", quoteOpt(d.Path))
	if d.Pending {
		kv("pending", "true")
	}
	kv("fix-source", quoteOpt(d.FixSource))
	kv("review", quoteOpt(d.Review))
	list("keys", d.Keys)
	list("tickets", d.Tickets)
	if len(d.History) > 0 {
		b.WriteString("  history:\n")
		for _, e := range d.History {
			ef := true
			ekv := func(k, v string) {
				if v == "" {
					return
				}
				if ef {
					b.WriteString("    - ")
					ef = false
				} else {
					b.WriteString("      ")
				}
				b.WriteString(k)
				b.WriteString(": ")
				b.WriteString(v)
				b.WriteByte('\n')
			}
			ekv("time", e.Time.UTC().Format(time.RFC3339))
			ekv("author", quoteOpt(e.Author))
			ekv("action", e.Action)
			ekv("state", e.State.String())
			ekv("reason", string(e.Reason))
			ekv("justification", quoteOpt(e.Justification))
			ekv("note", quoteOpt(e.Note))
			ekv("expires", dateStr(e.Expires))
			ekv("due", dateStr(e.Due))
		}
	}
}

func dateStr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return `"` + t.UTC().Format(time.DateOnly) + `"`
}

func quoteOpt(s string) string {
	if s == "" {
		return ""
	}
	return quote(s)
}

var plainRE = regexp.MustCompile(`^[A-Za-z0-9_./()@<>+][A-Za-z0-9 _./()@<>+=,:'-]*$`)

// quote returns s as a YAML scalar: plain when it is unambiguous, otherwise
// a double-quoted string using JSON escapes (valid YAML).
func quote(s string) string {
	if plainRE.MatchString(s) && !strings.HasSuffix(s, " ") && !needsQuote(s) {
		return s
	}
	// Go's escapes (\n \t \" \\ \uXXXX \UXXXXXXXX \xXX) are all valid YAML
	// double-quoted escapes; invalid UTF-8 cannot round-trip anyway.
	return strconv.Quote(strings.ToValidUTF8(s, "\uFFFD"))
}

func needsQuote(s string) bool {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "~", "y", "n":
		return true
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return true
	}
	if _, err := time.Parse(time.DateOnly, s); err == nil {
		return true
	}
	return strings.Contains(s, " #") || strings.Contains(s, ": ") || strings.HasSuffix(s, ":")
}
