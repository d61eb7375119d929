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

	"github.com/secui/secui/findings/evidence"
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

// header is the comment block at the top of a ledger file.
const header = "# secui triage ledger, schema v2. One record per finding, sorted by id.\n" +
	"# Written by `secui suppress|accept|reopen`; merged by `secui merge-driver` (see README).\n"

// shardHeader is the comment block at the top of a shard of a sharded
// (version 3) ledger.
const shardHeader = "# secui triage ledger, schema v3: one shard of the ledger directory (the records\n" +
	"# whose id starts with this file's name), one record per finding, sorted by id.\n" +
	"# Written by `secui suppress|accept|reopen`; merged by `secui merge-driver` (see README).\n"

// Doc is a parsed ledger file.
type Doc struct {
	// Version is the schema version the file declares (1 or 2; 0 for an
	// empty file). Every write produces SchemaVersion.
	Version   int
	Decisions []*Decision // sorted by id
}

// Parse reads and validates a ledger file's content. name is used in error
// positions. An empty input is an empty ledger. On validation errors it
// returns the records that were valid and a *ValidationError.
func Parse(name string, data []byte) ([]*Decision, error) {
	doc, err := ParseDoc(name, data)
	return doc.Decisions, err
}

// ParseDoc is Parse that also returns the schema version of the file.
// Version 1 files (no evidence, block lists) and version 2 files are read;
// fields that only exist in version 2 are refused in a version 1 file.
//
// A file in the canonical version 2 layout (what Marshal writes) is decoded
// directly; anything else (version 1, hand edits in another YAML style,
// errors) goes through the YAML parser and the validator, which produce the
// same records and report problems with their positions.
func ParseDoc(name string, data []byte) (Doc, error) {
	data, _ = cutTickets(data) // the tickets: section is read by parseTickets
	if len(bytes.TrimSpace(data)) == 0 {
		return Doc{}, nil
	}
	if ds, v, ok := fastDecodeVer(string(data)); ok {
		return Doc{Version: v, Decisions: ds}, nil
	}
	return parseSlow(name, data)
}

// parseText is ParseDoc on the file's text (read straight into a string, so
// the canonical layout is decoded without copying the file).
func parseText(name, text string) (Doc, error) {
	if hasTickets(text) {
		return ParseDoc(name, []byte(text))
	}
	if strings.TrimSpace(text) == "" {
		return Doc{}, nil
	}
	if ds, v, ok := fastDecodeVer(text); ok {
		return Doc{Version: v, Decisions: ds}, nil
	}
	return parseSlow(name, []byte(text))
}

// parseSlow reads a file through the YAML tree and the validator.
func parseSlow(name string, data []byte) (Doc, error) {
	if is := conflictMarkers(name, data); is != nil {
		return Doc{}, &ValidationError{Issues: []Issue{*is}}
	}
	doc, ok := fastParseV1(data)
	if !ok {
		doc = new(yaml.Node)
		if err := yaml.Unmarshal(data, doc); err != nil {
			return Doc{}, &ValidationError{Issues: []Issue{yamlIssue(name, err)}}
		}
	}
	return validateDoc(name, doc)
}

func validateDoc(name string, doc *yaml.Node) (Doc, error) {
	v := &validator{file: name}
	if len(doc.Content) == 0 {
		return Doc{}, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		v.add(root, "ledger", "want a mapping with version and decisions")
		return Doc{}, v.err()
	}
	out := Doc{}
	seenVersion := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k, val := root.Content[i], root.Content[i+1]; k.Value == "version" {
			seenVersion = true
			n, err := strconv.Atoi(val.Value)
			if val.Kind != yaml.ScalarNode || err != nil || n < 1 || n > SchemaVersion {
				v.add(val, "version", fmt.Sprintf("unsupported schema version %q (this secui reads versions 1 to %d)", val.Value, SchemaVersion))
			} else {
				out.Version = n
			}
		}
	}
	v.version = out.Version
	if v.version == 0 {
		v.version = FileVersion // report the records against the newest schema
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, val := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "version":
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
				out.Decisions = append(out.Decisions, d)
			}
		default:
			v.add(k, k.Value, "unknown field (want version, decisions)")
		}
	}
	if !seenVersion {
		v.add(root, "version", "missing schema version")
	}
	slices.SortFunc(out.Decisions, func(a, b *Decision) int { return strings.Compare(a.ID, b.ID) })
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
	file    string
	version int
	issues  []Issue
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

// conv reads a scalar and converts it, reporting a conversion error at n.
func conv[T any](v *validator, n *yaml.Node, field string, f func(string) (T, error)) (T, bool) {
	var zero T
	s, ok := v.str(n, field)
	if !ok {
		return zero, false
	}
	x, err := f(s)
	if err != nil {
		v.add(n, field, err.Error())
		return zero, false
	}
	return x, true
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

func (v *validator) hashes(n *yaml.Node, field string) []uint32 {
	if n.Kind != yaml.SequenceNode {
		v.add(n, field, "want a list of hashes")
		return nil
	}
	if len(n.Content) == 0 {
		return nil
	}
	out := make([]uint32, 0, len(n.Content))
	for i, c := range n.Content {
		if h, ok := conv(v, c, fmt.Sprintf("%s[%d]", field, i), parseHash); ok {
			out = append(out, h)
		}
	}
	return out
}

// v2only reports a version 2 field in a version 1 file.
func (v *validator) v2only(k *yaml.Node, field string) bool {
	if v.version >= 2 {
		return true
	}
	v.add(k, field, fmt.Sprintf("field %q needs version 2 (this file says version 1; `secui ledger --upgrade` rewrites it)", k.Value))
	return false
}

var recordFields = "id, state, scope, reason, justification, note, author, time, expires, due, tool, rule, path, keys, tickets, review, pending, fix-source, scan, evidence, history"

func (v *validator) record(n *yaml.Node, field string) *Decision {
	if n.Kind != yaml.MappingNode {
		v.add(n, field, "want a record (mapping)")
		return nil
	}
	before := len(v.issues)
	d := &Decision{Line: n.Line}
	var hasID, hasState, hasTime bool
	stateNode := n
	fieldNode := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		f := field + "." + k.Value
		fieldNode[k.Value] = k
		if val.Kind == yaml.ScalarNode && val.Tag == "!!null" && val.Style == 0 {
			switch k.Value {
			case "evidence", "scan", "history", "keys", "tickets":
				// "evidence:" with nothing under it: say so where it is
				v.add(k, f, "empty (remove it, or give "+map[string]string{
					"evidence": "path, line, col, commit, symbol, line-hash, tokens, context",
					"scan":     "scanner, version, commit, time",
					"history":  "a list of events",
					"keys":     "a list of identity keys",
					"tickets":  "a list of ticket URLs",
				}[k.Value]+")")
				continue
			}
		}
		switch k.Value {
		case "id":
			d.ID, hasID = conv(v, val, f, parseID)
		case "state":
			stateNode = val
			d.State, hasState = conv(v, val, f, parseStateName)
		case "reason":
			d.Reason, _ = conv(v, val, f, parseReasonName)
		case "scope":
			if v.v2only(k, f) {
				d.Edit().Scope, _ = conv(v, val, f, parseScopeName)
			}
		case "justification":
			d.Justification, _ = v.str(val, f)
		case "note":
			d.Edit().Note, _ = v.str(val, f)
		case "author":
			d.Author, _ = v.str(val, f)
		case "time":
			d.Time, hasTime = conv(v, val, f, parseTimestamp)
		case "expires":
			d.Expires, _ = conv(v, val, f, parseDate)
		case "due":
			d.Edit().Due, _ = conv(v, val, f, parseDate)
		case "tool":
			d.Tool, _ = v.str(val, f)
		case "rule":
			d.Rule, _ = v.str(val, f)
		case "path":
			d.Path, _ = v.str(val, f)
		case "keys":
			d.Keys = nilIfEmpty(v.strs(val, f))
		case "tickets":
			d.Edit().Tickets = nilIfEmpty(v.strs(val, f))
		// review, pending and fix-source were written in version 1 files by
		// secui releases between the gate and ledger v2: accepted in both.
		case "review":
			d.Edit().Review, _ = v.str(val, f)
		case "pending":
			d.Pending, _ = conv(v, val, f, parseBool)
		case "fix-source":
			d.Edit().FixSource, _ = conv(v, val, f, parseFixSource)
		case "scan":
			if v.v2only(k, f) {
				d.Edit().Scan = v.scan(val, f)
			}
		case "evidence":
			if v.v2only(k, f) {
				d.Evidence = v.evidence(val, f)
			}
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
	if !hasID && fieldNode["id"] == nil {
		v.add(n, field+".id", "missing id")
	}
	if !hasState && stateNode == n {
		v.add(n, field+".state", "missing state")
	}
	if !hasTime && fieldNode["time"] == nil {
		v.add(n, field+".time", "missing time")
	}
	if hasState {
		for _, p := range checkRecord(d) {
			at := stateNode
			if k := fieldNode[p.field]; k != nil {
				at = k
			}
			v.add(at, field+"."+p.field, p.msg)
		}
	}
	if len(v.issues) > before {
		return nil
	}
	return d
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func (v *validator) evidence(n *yaml.Node, field string) evidence.Evidence {
	var e evidence.Evidence
	if n.Kind != yaml.MappingNode {
		v.add(n, field, "want a mapping (path, line, col, commit, symbol, line-hash, tokens, context)")
		return e
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		f := field + "." + k.Value
		switch k.Value {
		case "path":
			e.Path, _ = v.str(val, f)
		case "line":
			e.Line, _ = conv(v, val, f, parseLine)
		case "col":
			e.Col, _ = conv(v, val, f, parseLine)
		case "commit":
			e.Commit, _ = conv(v, val, f, parseCommit)
		case "symbol":
			e.Symbol, _ = v.str(val, f)
		case "line-hash":
			e.LineHash, _ = conv(v, val, f, parseHash)
		case "tokens":
			e.Tokens = v.hashes(val, f)
		case "context":
			e.Context = v.hashes(val, f)
		default:
			v.add(k, f, fmt.Sprintf("unknown field %q (want path, line, col, commit, symbol, line-hash, tokens, context)", k.Value))
		}
	}
	return e
}

func (v *validator) scan(n *yaml.Node, field string) *ScanEvidence {
	if n.Kind != yaml.MappingNode {
		v.add(n, field, "want a mapping (scanner, version, commit, time)")
		return nil
	}
	s := &ScanEvidence{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		f := field + "." + k.Value
		switch k.Value {
		case "scanner":
			s.Scanner, _ = v.str(val, f)
		case "version":
			s.Version, _ = v.str(val, f)
		case "commit":
			s.Commit, _ = conv(v, val, f, parseCommit)
		case "time":
			s.Time, _ = conv(v, val, f, parseTimestamp)
		default:
			v.add(k, f, fmt.Sprintf("unknown field %q (want scanner, version, commit, time)", k.Value))
		}
	}
	return s
}

func (v *validator) event(n *yaml.Node, field string) (Event, bool) {
	var e Event
	if n.Kind != yaml.MappingNode {
		v.add(n, field, "want an event (mapping)")
		return e, false
	}
	before := len(v.issues)
	hasTime := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		f := field + "." + k.Value
		switch k.Value {
		case "time":
			e.Time, _ = conv(v, val, f, parseTimestamp)
			hasTime = true
		case "author":
			e.Author, _ = v.str(val, f)
		case "action":
			e.Action, _ = conv(v, val, f, parseAction)
		case "state":
			e.State, _ = conv(v, val, f, parseStateName)
		case "reason":
			e.Reason, _ = conv(v, val, f, parseReasonName)
		case "justification":
			e.Justification, _ = v.str(val, f)
		case "note":
			e.Note, _ = v.str(val, f)
		case "expires":
			e.Expires, _ = conv(v, val, f, parseDate)
		case "due":
			e.Due, _ = conv(v, val, f, parseDate)
		default:
			v.add(k, f, fmt.Sprintf("unknown field %q (want time, author, action, state, reason, justification, note, expires, due)", k.Value))
		}
	}
	if !hasTime && len(v.issues) == before {
		v.add(n, field+".time", "missing time")
	}
	return e, len(v.issues) == before
}

// Marshal renders decisions as a ledger file of the current schema version
// (sorted by id, stable field order) and sets each decision's Line.
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
	data, sorted, lines, _ := marshalLayout(ds)
	return data, sorted, lines
}

// marshalLayout is marshal that also returns the byte offset of each record.
func marshalLayout(ds []*Decision) ([]byte, []*Decision, []int, []int) {
	return marshalVersion(ds, FileVersion)
}

// marshalVersion is marshalLayout for a file of version ver: FileVersion
// (a single-file ledger) or ShardedVersion (one shard of a sharded ledger;
// the records are the same).
func marshalVersion(ds []*Decision, ver int) ([]byte, []*Decision, []int, []int) {
	ds = slices.Clone(ds)
	slices.SortFunc(ds, func(a, b *Decision) int { return strings.Compare(a.ID, b.ID) })
	b := make([]byte, 0, 1024*(len(ds)+1))
	if ver == ShardedVersion {
		b = append(b, shardHeader...)
	} else {
		ver = FileVersion
		b = append(b, header...)
	}
	b = append(b, "version: "...)
	b = strconv.AppendInt(b, int64(ver), 10)
	b = append(b, '\n')
	if len(ds) == 0 {
		b = append(b, "decisions: []\n"...)
		return b, ds, nil, nil
	}
	b = append(b, "decisions:\n"...)
	line := bytes.Count(b, []byte{'\n'}) + 1
	lines := make([]int, len(ds))
	offs := make([]int, len(ds))
	for i, d := range ds {
		lines[i] = line
		start := len(b)
		offs[i] = start
		b = appendRecord(b, d)
		line += bytes.Count(b[start:], []byte{'\n'})
	}
	return b, ds, lines, offs
}

// appendRecord writes one record as a YAML sequence item in the canonical
// layout (see the package documentation and README). Scalars are encoded by
// quote (block context) or quoteFlow (inside [...] and {...}): plain style
// when unambiguous, else JSON-compatible double quotes, so the output is
// always valid YAML and the fast decoder reads it back.
func appendRecord(b []byte, d *Decision) []byte {
	first := true
	kv := func(k, v string) {
		if v == "" {
			return
		}
		if first {
			b = append(b, "- "...)
			first = false
		} else {
			b = append(b, "  "...)
		}
		b = append(b, k...)
		b = append(b, ": "...)
		b = append(b, v...)
		b = append(b, '\n')
	}
	kv("id", d.ID)
	kv("state", d.State.String())
	kv("scope", string(d.Extra().Scope))
	kv("reason", string(d.Reason))
	kv("justification", quoteOpt(d.Justification))
	kv("note", quoteOpt(d.Extra().Note))
	kv("author", quoteOpt(d.Author))
	kv("time", formatTime(d.Time))
	kv("expires", dateStr(d.Expires))
	kv("due", dateStr(d.Extra().Due))
	kv("tool", quoteOpt(d.Tool))
	kv("rule", quoteOpt(d.Rule))
	kv("path", quoteOpt(d.Path))
	if len(d.Keys) > 0 {
		b = append(b, "  keys: "...)
		b = appendFlowList(b, d.Keys)
		b = append(b, '\n')
	}
	if len(d.Extra().Tickets) > 0 {
		b = append(b, "  tickets: "...)
		b = appendFlowList(b, d.Extra().Tickets)
		b = append(b, '\n')
	}
	kv("review", quoteOpt(d.Extra().Review))
	if d.Pending {
		kv("pending", "true")
	}
	kv("fix-source", quoteOpt(d.Extra().FixSource))
	if s := d.Extra().Scan; s != nil {
		b = append(b, "  scan: {"...)
		fm := flowMap{b: b}
		fm.kv("scanner", quoteFlowOpt(s.Scanner))
		fm.kv("version", quoteFlowOpt(s.Version))
		fm.kv("commit", s.Commit)
		fm.kv("time", formatTime(s.Time))
		b = append(fm.b, "}\n"...)
	}
	if e := d.Evidence; !evidenceZero(e) {
		b = append(b, "  evidence:\n"...)
		ekv := func(k, v string) {
			if v != "" {
				b = append(b, "    "...)
				b = append(b, k...)
				b = append(b, ": "...)
				b = append(b, v...)
				b = append(b, '\n')
			}
		}
		ekv("path", quoteOpt(e.Path))
		if e.Line > 0 {
			ekv("line", strconv.Itoa(e.Line))
		}
		if e.Col > 0 {
			ekv("col", strconv.Itoa(e.Col))
		}
		ekv("commit", e.Commit)
		ekv("symbol", quoteOpt(e.Symbol))
		if e.LineHash != 0 {
			ekv("line-hash", string(hashHex(nil, e.LineHash)))
		}
		if len(e.Tokens) > 0 {
			b = append(b, "    tokens: "...)
			b = appendHashes(b, e.Tokens)
			b = append(b, '\n')
		}
		if len(e.Context) > 0 {
			b = append(b, "    context: "...)
			b = appendHashes(b, e.Context)
			b = append(b, '\n')
		}
	}
	if len(d.History) > 0 {
		b = append(b, "  history:\n"...)
		for _, e := range d.History {
			b = append(b, "    - {"...)
			fm := flowMap{b: b}
			fm.kv("time", formatTime(e.Time))
			fm.kv("author", quoteFlowOpt(e.Author))
			fm.kv("action", e.Action)
			fm.kv("state", e.State.String())
			fm.kv("reason", string(e.Reason))
			fm.kv("justification", quoteFlowOpt(e.Justification))
			fm.kv("note", quoteFlowOpt(e.Note))
			fm.kv("expires", dateStr(e.Expires))
			fm.kv("due", dateStr(e.Due))
			b = append(fm.b, "}\n"...)
		}
	}
	return b
}

// flowMap appends "k: v" members of a flow mapping, comma-separated.
type flowMap struct {
	b []byte
	n int
}

func (m *flowMap) kv(k, v string) {
	if v == "" {
		return
	}
	if m.n > 0 {
		m.b = append(m.b, ", "...)
	}
	m.n++
	m.b = append(m.b, k...)
	m.b = append(m.b, ": "...)
	m.b = append(m.b, v...)
}

func appendFlowList(b []byte, vs []string) []byte {
	b = append(b, '[')
	for i, s := range vs {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, quoteFlow(s)...)
	}
	return append(b, ']')
}

func appendHashes(b []byte, hs []uint32) []byte {
	b = append(b, '[')
	for i, h := range hs {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = hashHex(b, h)
	}
	return append(b, ']')
}

func evidenceZero(e evidence.Evidence) bool {
	return e.Path == "" && e.Line == 0 && e.Col == 0 && e.Commit == "" && e.Symbol == "" && e.LineHash == 0 && len(e.Tokens) == 0 && len(e.Context) == 0
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
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

func quoteFlowOpt(s string) string {
	if s == "" {
		return ""
	}
	return quoteFlow(s)
}

// quote returns s as a YAML scalar in block context: plain when it is
// unambiguous (isPlain), otherwise a double-quoted string using JSON escapes
// (valid YAML).
func quote(s string) string {
	if isPlain(s, false) {
		return s
	}
	// Go's escapes (\n \t \" \\ \uXXXX \UXXXXXXXX \xXX) are all valid YAML
	// double-quoted escapes; invalid UTF-8 cannot round-trip anyway.
	return strconv.Quote(strings.ToValidUTF8(s, "\uFFFD"))
}

// quoteFlow is quote for a scalar inside a flow list or mapping.
func quoteFlow(s string) string {
	if isPlain(s, true) {
		return s
	}
	return strconv.Quote(strings.ToValidUTF8(s, "\uFFFD"))
}

// isPlain reports whether s can be written as a plain scalar that every YAML
// reader gives back as the same string: plainChars, and nothing YAML 1.1
// would read as another type (true, null, 1.5, a date).
func isPlain(s string, flow bool) bool { return plainChars(s, flow) && !needsQuote(s) }

// plainChars reports whether YAML reads the plain scalar s as exactly s: a
// conservative character set (letters, digits, _ . / ( ) < + and, after the
// first character, space = : ' - @ > and, outside flow collections, ','), no
// ": " or " #", no trailing ':' or space.
func plainChars(s string, flow bool) bool {
	if s == "" {
		return false
	}
	// One pass (this runs on every scalar the fast decoder reads): ": "
	// and " #" are checked where the ':' or the space is.
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '_' || c == '.' || c == '/' || c == '(' || c == ')' || c == '<' || c == '+':
		case i > 0 && c == ' ':
			if i+1 < len(s) && s[i+1] == '#' {
				return false
			}
		case i > 0 && c == ':':
			if i+1 < len(s) && s[i+1] == ' ' {
				return false
			}
		case i > 0 && (c == '=' || c == '\'' || c == '-' || c == '@' || c == '>'):
		case i > 0 && c == ',' && !flow:
		default:
			return false
		}
	}
	return s[len(s)-1] != ' ' && s[len(s)-1] != ':'
}

func needsQuote(s string) bool {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "~", "y", "n":
		return true
	}
	if c := s[0]; (c >= '0' && c <= '9') || c == '.' || c == '+' {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return true
		}
		if _, err := strconv.ParseInt(s, 0, 64); err == nil {
			return true
		}
		if _, err := time.Parse(time.DateOnly, s); err == nil {
			return true
		}
	}
	return false
}
