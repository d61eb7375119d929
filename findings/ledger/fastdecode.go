package ledger

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/secui/secui/findings/evidence"
)

// fastDecode reads a version 2 ledger written in the canonical layout (what
// Marshal writes) straight into Decisions, without building a YAML tree. It
// returns false for anything else — another YAML style, comments inside the
// records, a value it would read differently from YAML, or any invalid value
// — and the caller then parses the file with the YAML parser and the
// validator, which accept the same files and report what is wrong with the
// others. Both paths share the value conversions (values.go); a test and a
// fuzz target check that whatever this accepts, the slow path reads the same.
func fastDecode(data []byte) ([]*Decision, bool) {
	return fastDecodeString(string(data)) // one copy; decoded strings share it
}

// fastDecodeString is fastDecode on the file's text; the decoded strings
// do not reference it (they are copied, repeated ones once).
func fastDecodeString(s string) ([]*Decision, bool) {
	// Every byte outside comments goes through a check of its own (keys,
	// plainChars, quoted, the exact header lines); comments are checked here.
	fd := &fastDecoder{s: s, own: true, tab: &strTable{}}
	return fd.run()
}

// fastDecodeVer is fastDecodeString that also returns the version the file
// declares (2, or 3 for a shard of a sharded ledger).
func fastDecodeVer(s string) ([]*Decision, int, bool) {
	fd := &fastDecoder{s: s, own: true, tab: &strTable{}}
	ds, ok := fd.run()
	return ds, fd.ver, ok
}

// fastDecodeSpans is fastDecodeString that also returns the byte offset in s
// of each record (its "- " line), in the order of the result; nil when the
// records were not sorted by id in the file (the offsets would not follow
// the result's order).
func fastDecodeSpans(s string, tab *strTable) ([]*Decision, []int, int, bool) {
	if tab == nil {
		tab = &strTable{}
	}
	fd := &fastDecoder{s: s, spans: true, own: true, tab: tab}
	ds, ok := fd.run()
	if !ok || len(fd.offs) != len(ds) {
		return ds, nil, fd.ver, ok
	}
	return ds, fd.offs, fd.ver, ok
}

type fastDecoder struct {
	s     string
	pos   int
	line  int
	start int // byte offset of the line next returned last

	spans bool  // record offs
	offs  []int // byte offset of each record's first line (plus base)
	base  int   // byte offset of s in the file (a chunk of a streamed file)
	// cont: s is a chunk of a streamed file after its first, cut at a
	// record line: the header was read (by the first chunk's decoder).
	cont bool
	ver  int // the version the file declares (2, or 3 for a shard)

	// own: the decoded strings are copied out of s (repeated ones
	// interned), so the file's text is not kept alive by the records and
	// its buffer may be reused (every decoder sets it).
	own bool
	tab *strTable // the copies (shared by the files one worker decodes)

	decs   []Decision // slab
	events []Event    // slab
	hashes []uint32   // slab
	strs   []string   // slab (keys, tickets)

	// nRecs, nEvents: how many record and history lines the text has
	// (counted once, in one pass, to size the slabs exactly).
	counted        bool
	nRecs, nEvents int
	evLines        int // history lines read so far

	// Caches of what was decoded before in this file, by the exact text:
	// a value read twice from the same bytes is the same value, so these
	// change nothing but the work (intern also says which strings were
	// read as plain scalars that passed plainChars); evs maps the text of a
	// history line inside its braces to the one-event history it decoded
	// to (shared by every record with that line: histories are only read
	// or appended to, and a slice of capacity 1 is copied on append);
	// lastTime is the last timestamp decoded.
	evs      map[string][]Event
	lastTime string
	lastT    time.Time

	// idRaw: the record's ID is still the text's bytes (see ownID).
	idRaw bool
}

// ownID returns d.ID owned: the tail of one of d's keys (already copied)
// when one ends with it, as a "linehash:<id>" key does, else a copy. 16
// bytes less a record where a key has it (1.6 MB at 100k).
func (fd *fastDecoder) ownID(d *Decision) string {
	id := d.ID
	for _, k := range d.Keys {
		if strings.HasSuffix(k, id) {
			return k[len(k)-len(id):]
		}
	}
	return fd.cp(id)
}

// count counts, in one pass over the text, the lines that start a record
// ("- ") and a history event ("    - {").
func (fd *fastDecoder) count() {
	fd.counted = true
	s := fd.s
	if strings.HasPrefix(s, "- ") {
		fd.nRecs++
	}
	for i := 0; ; {
		j := strings.IndexByte(s[i:], '\n')
		if j < 0 {
			return
		}
		i += j + 1
		rest := s[i:]
		switch {
		case strings.HasPrefix(rest, "- "):
			fd.nRecs++
		case strings.HasPrefix(rest, "    - {"):
			fd.nEvents++
		}
	}
}

func (fd *fastDecoder) next() (string, bool) {
	if fd.pos >= len(fd.s) {
		return "", false
	}
	fd.line++
	fd.start = fd.pos
	rest := fd.s[fd.pos:]
	if i := strings.IndexByte(rest, '\n'); i >= 0 {
		fd.pos += i + 1
		return rest[:i], true
	}
	fd.pos = len(fd.s)
	return rest, true
}

// Fields seen in one record (duplicates are a YAML error: fall back).
const (
	fID = 1 << iota
	fState
	fReason
	fJust
	fNote
	fAuthor
	fTime
	fExpires
	fDue
	fTool
	fRule
	fPath
	fKeys
	fTickets
	fReview
	fPending
	fFixSource
	fScan
	fEvidence
	fHistory
	fScope
)

func fieldBit(k string) int {
	switch k {
	case "id":
		return fID
	case "state":
		return fState
	case "reason":
		return fReason
	case "justification":
		return fJust
	case "note":
		return fNote
	case "author":
		return fAuthor
	case "time":
		return fTime
	case "expires":
		return fExpires
	case "due":
		return fDue
	case "tool":
		return fTool
	case "rule":
		return fRule
	case "path":
		return fPath
	case "keys":
		return fKeys
	case "tickets":
		return fTickets
	case "review":
		return fReview
	case "pending":
		return fPending
	case "fix-source":
		return fFixSource
	case "scan":
		return fScan
	case "evidence":
		return fEvidence
	case "history":
		return fHistory
	case "scope":
		return fScope
	}
	return 0
}

func (fd *fastDecoder) newDecision() *Decision {
	if len(fd.decs) == cap(fd.decs) {
		n := min(4096, max(64, len(fd.s)/2048))
		if fd.own && fd.decs == nil { // exactly the records of the text
			if !fd.counted {
				fd.count()
			}
			n = max(1, fd.nRecs)
		}
		fd.decs = make([]Decision, 0, n)
	}
	// A fresh slab is zeroed memory: no second zeroing (a Decision is
	// 336 bytes) and no write barriers, as an append of Decision{} would do.
	fd.decs = fd.decs[:len(fd.decs)+1]
	return &fd.decs[len(fd.decs)-1]
}

func (fd *fastDecoder) run() ([]*Decision, bool) {
	version, decisions := fd.cont, fd.cont
	var out []*Decision
	var d *Decision
	var seen, evSeen, subItems int
	sub := 0 // 0 none, 1 evidence mapping, 2 history list
	// endSub: an "evidence:" or "history:" with nothing under it is a YAML
	// null, which the validator refuses.
	endSub := func() bool { return sub == 0 || subItems > 0 }
	finish := func() bool {
		if d == nil {
			return true
		}
		if !endSub() {
			return false
		}
		if fd.idRaw {
			d.ID, fd.idRaw = fd.ownID(d), false
		}
		if seen&(fID|fState|fTime) != fID|fState|fTime || len(checkRecord(d)) > 0 {
			return false
		}
		if out == nil && fd.counted { // sized once: the records of the text
			out = make([]*Decision, 0, max(1, fd.nRecs))
		}
		out = append(out, d)
		d = nil
		return true
	}
	for {
		ln, ok := fd.next()
		if !ok {
			break
		}
		if ln == "" {
			continue
		}
		switch {
		case ln[0] == '#':
			if decisions || !printable(ln) {
				return nil, false
			}
		case ln[0] != ' ' && ln[0] != '-':
			switch {
			case (ln == "version: 2" || ln == "version: 3") && !version && !decisions:
				version = true
				fd.ver = int(ln[len(ln)-1] - '0')
			case (ln == "decisions:" || ln == "decisions: []") && version && !decisions:
				decisions = true
			default:
				return nil, false
			}
		case strings.HasPrefix(ln, "- "):
			if !decisions || !finish() {
				return nil, false
			}
			d = fd.newDecision()
			d.Line = fd.line
			if fd.spans {
				if fd.offs == nil && fd.counted {
					fd.offs = make([]int, 0, max(1, fd.nRecs))
				}
				fd.offs = append(fd.offs, fd.base+fd.start)
			}
			seen, evSeen, sub, subItems = 0, 0, 0, 0
			k, v, ok := splitFastKV(ln[2:])
			if !ok || !fd.field(d, &seen, &sub, k, v) {
				return nil, false
			}
		case d == nil:
			return nil, false
		case strings.HasPrefix(ln, "    - "):
			if sub != 2 || !fd.event(d, ln[6:]) {
				return nil, false
			}
			subItems++
		case len(ln) > 4 && strings.HasPrefix(ln, "    ") && ln[4] != ' ':
			if sub != 1 || !fd.evidenceField(&d.Evidence, &evSeen, ln[4:]) {
				return nil, false
			}
			subItems++
		case len(ln) > 2 && strings.HasPrefix(ln, "  ") && ln[2] != ' ':
			if !endSub() {
				return nil, false
			}
			subItems = 0
			k, v, ok := splitFastKV(ln[2:])
			if !ok || !fd.field(d, &seen, &sub, k, v) {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	if !version || !decisions || !finish() {
		return nil, false
	}
	if !slices.IsSortedFunc(out, func(a, b *Decision) int { return strings.Compare(a.ID, b.ID) }) {
		fd.offs = nil
		slices.SortFunc(out, func(a, b *Decision) int { return strings.Compare(a.ID, b.ID) })
	}
	for i := 1; i < len(out); i++ {
		if out[i].ID == out[i-1].ID {
			return nil, false // duplicate: the validator reports it
		}
	}
	return out, true
}

// splitFastKV splits "key: value" or "key:" (value "" and the bool says
// whether there was a value).
func splitFastKV(s string) (string, string, bool) {
	i := strings.IndexByte(s, ':')
	if i <= 0 || !isKey(s[:i]) {
		return "", "", false
	}
	if i+1 == len(s) {
		return s[:i], "", true
	}
	if s[i+1] != ' ' || i+2 == len(s) {
		return "", "", false
	}
	return s[:i], s[i+2:], true
}

// scalar decodes a whole-line block scalar: plain or double-quoted.
func scalar(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	if s[0] == '"' {
		v, n, ok := quoted(s)
		return v, ok && n == len(s)
	}
	return s, plainChars(s, false)
}

// quoted decodes the double-quoted scalar at the start of s and returns its
// value and length. Only what YAML and Go read alike is accepted: printable
// runes, and escapes other than octal and \x80-\xff (Go reads \xff as a
// byte, YAML as U+00FF).
func quoted(s string) (string, int, bool) {
	esc := false
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) || (s[i+1] >= '0' && s[i+1] <= '7') || s[i+1] == '\'' || (s[i+1] == 'x' && (i+2 >= len(s) || s[i+2] > '7')) {
				return "", 0, false
			}
			esc = true
			i++
		case c == '"':
			if !esc {
				return s[1:i], i + 1, true
			}
			v, err := strconv.Unquote(s[:i+1])
			return v, i + 1, err == nil
		case c < 0x20 || c == 0x7f:
			return "", 0, false
		case c >= 0x80:
			r, w := utf8.DecodeRuneInString(s[i:])
			if !printableRune(r, w) {
				return "", 0, false
			}
			i += w - 1
		}
	}
	return "", 0, false
}

// printable reports whether YAML takes s as it is: printable ASCII and
// printable, valid UTF-8.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == 0x7f:
			return false
		case c >= 0x80:
			r, w := utf8.DecodeRuneInString(s[i:])
			if !printableRune(r, w) {
				return false
			}
			i += w - 1
		}
	}
	return true
}

func printableRune(r rune, w int) bool {
	return unicode.IsPrint(r) && !(r == utf8.RuneError && w == 1) && r != '\ufeff'
}

// flowItem decodes one scalar of a flow collection at the start of s,
// ending at one of the bytes in end (plain scalars only).
func flowItem(s, end string) (string, int, bool) {
	if s == "" {
		return "", 0, false
	}
	if s[0] == '"' {
		return quoted(s)
	}
	i := strings.IndexAny(s, end)
	if i <= 0 {
		return "", 0, false
	}
	v := s[:i]
	return v, i, plainChars(v, true)
}

// flowList decodes "[a, b, c]" (the whole of s).
func flowList(s string, each func(string) bool) bool {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return false
	}
	s = s[1:]
	if s == "]" {
		return true
	}
	for {
		v, n, ok := flowItem(s, ",]")
		if !ok || !each(v) {
			return false
		}
		s = s[n:]
		switch {
		case s == "]":
			return true
		case strings.HasPrefix(s, ", "):
			s = s[2:]
		default:
			return false
		}
	}
}

// flowMap decodes "{k: v, k: v}" (the whole of s).
func flowMapping(s string, each func(k, v string) bool) bool {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return false
	}
	s = s[1:]
	if s == "}" {
		return true
	}
	for {
		i := strings.IndexByte(s, ':')
		if i <= 0 || !isKey(s[:i]) || !strings.HasPrefix(s[i:], ": ") {
			return false
		}
		k := s[:i]
		v, n, ok := flowItem(s[i+2:], ",}")
		if !ok || !each(k, v) {
			return false
		}
		s = s[i+2+n:]
		switch {
		case s == "}":
			return true
		case strings.HasPrefix(s, ", "):
			s = s[2:]
		default:
			return false
		}
	}
}

// hashList decodes "[1a2b3c4d, 00000007]" (8-hex hashes, ", " apart).
func (fd *fastDecoder) hashList(s string) ([]uint32, bool) {
	if s == "[]" {
		return nil, true
	}
	if len(s) < 10 || s[0] != '[' || s[len(s)-1] != ']' || (len(s)-10)%10 != 0 {
		return nil, false
	}
	n := (len(s)-10)/10 + 1
	if cap(fd.hashes)-len(fd.hashes) < n {
		fd.hashes = make([]uint32, 0, max(n, 8192))
	}
	start := len(fd.hashes)
	for i := 1; i < len(s); i += 10 {
		h, err := parseHash(s[i : i+8])
		if err != nil {
			return nil, false
		}
		fd.hashes = append(fd.hashes, h)
		if sep := s[i+8:]; sep != "]" && (len(sep) < 2 || sep[0] != ',' || sep[1] != ' ') {
			return nil, false
		}
	}
	return fd.hashes[start:len(fd.hashes):len(fd.hashes)], true
}

// stringList is stringList with the items copied out of the text into
// a slab of the decoder.
func (fd *fastDecoder) stringList(s string) ([]string, bool) {
	n := strings.Count(s, ",") + 1
	if cap(fd.strs)-len(fd.strs) < n { // chunks doubling up to 4096: little left unused
		fd.strs = make([]string, 0, max(n, min(4096, max(64, 2*cap(fd.strs)))))
	}
	start := len(fd.strs)
	ok := flowList(s, func(v string) bool { fd.strs = append(fd.strs, fd.cp(v)); return true })
	if !ok {
		fd.strs = fd.strs[:start]
		return nil, false
	}
	if len(fd.strs) == start {
		return nil, true
	}
	return fd.strs[start:len(fd.strs):len(fd.strs)], true
}

func stringList(s string) ([]string, bool) {
	out := make([]string, 0, strings.Count(s, ",")+1)
	ok := flowList(s, func(v string) bool { out = append(out, v); return true })
	return nilIfEmpty(out), ok
}

func (fd *fastDecoder) field(d *Decision, seen, sub *int, k, v string) bool {
	bit := fieldBit(k)
	if bit == 0 || *seen&bit != 0 {
		return false
	}
	*seen |= bit
	*sub = 0
	var err error
	switch k {
	case "keys", "tickets":
		if v == "" {
			return false
		}
		l, ok := fd.stringList(v)
		if !ok {
			return false
		}
		if k == "keys" {
			d.Keys = l
		} else {
			d.Edit().Tickets = l
		}
		return true
	case "scan":
		if v == "" {
			return false
		}
		sc := &ScanEvidence{}
		d.Edit().Scan = sc
		var got int
		return flowMapping(v, func(k, v string) bool {
			var err error
			bit := 0
			switch k {
			case "scanner":
				bit = 1
			case "version":
				bit = 2
			case "commit":
				bit = 4
			case "time":
				bit = 8
			}
			if bit == 0 || got&bit != 0 {
				return false
			}
			got |= bit
			switch k {
			case "scanner":
				sc.Scanner = fd.in(v)
			case "version":
				sc.Version = fd.in(v)
			case "commit":
				sc.Commit, err = parseCommit(fd.in(v))
			case "time":
				sc.Time, err = parseTimestamp(v)
			}
			return err == nil
		})
	case "evidence":
		*sub = 1
		return v == ""
	case "history":
		*sub = 2
		return v == ""
	}
	switch k {
	case "justification", "note", "author", "tool", "rule", "path", "review":
		s, ok := fd.inScalar(v)
		if !ok {
			return false
		}
		switch k {
		case "justification":
			d.Justification = s
		case "note":
			d.Edit().Note = s
		case "author":
			d.Author = s
		case "tool":
			d.Tool = s
		case "rule":
			d.Rule = s
		case "path":
			d.Path = s
		case "review":
			d.Edit().Review = s
		}
		return true
	}
	s, ok := scalar(v)
	if !ok {
		return false
	}
	switch k {
	case "id":
		// Not copied yet: at the record's end it shares the text of a key
		// that ends with it, or is copied then (ownID).
		d.ID, err = parseID(s)
		fd.idRaw = fd.own
	case "state":
		d.State, err = parseStateName(s)
	case "reason":
		d.Reason, err = parseReasonName(s)
	case "scope":
		d.Edit().Scope, err = parseScopeName(s)
	case "justification":
		d.Justification = fd.in(s)
	case "note":
		d.Edit().Note = fd.in(s)
	case "author":
		d.Author = fd.in(s)
	case "time":
		d.Time, err = fd.timestamp(s)
	case "expires":
		d.Expires, err = parseDate(s)
	case "due":
		d.Edit().Due, err = parseDate(s)
	case "tool":
		d.Tool = fd.in(s)
	case "rule":
		d.Rule = fd.in(s)
	case "path":
		d.Path = fd.in(s)
	case "review":
		d.Edit().Review = fd.in(s)
	case "pending":
		d.Pending, err = parseBool(s)
	case "fix-source":
		d.Edit().FixSource, err = parseFixSource(s)
	}
	return err == nil
}

func (fd *fastDecoder) evidenceField(e *evidence.Evidence, seen *int, ln string) bool {
	k, v, ok := splitFastKV(ln)
	if !ok || v == "" {
		return false
	}
	bit := 0
	switch k {
	case "path":
		bit = 1
	case "line":
		bit = 2
	case "commit":
		bit = 4
	case "symbol":
		bit = 8
	case "line-hash":
		bit = 16
	case "tokens":
		bit = 32
	case "context":
		bit = 64
	case "col":
		bit = 128
	}
	if bit == 0 || *seen&bit != 0 {
		return false // unknown or repeated (a YAML error): the validator says so
	}
	*seen |= bit
	if k == "tokens" || k == "context" {
		hs, ok := fd.hashList(v)
		if k == "tokens" {
			e.Tokens = hs
		} else {
			e.Context = hs
		}
		return ok
	}
	if k == "path" || k == "commit" || k == "symbol" {
		s, ok := fd.inScalar(v)
		if !ok {
			return false
		}
		var err error
		switch k {
		case "path":
			e.Path = s
		case "commit":
			e.Commit, err = parseCommit(s)
		case "symbol":
			e.Symbol = s
		}
		return err == nil
	}
	s, ok := scalar(v)
	if !ok {
		return false
	}
	var err error
	switch k {
	case "path":
		e.Path = fd.in(s)
	case "line":
		e.Line, err = parseLine(s)
	case "col":
		e.Col, err = parseLine(s)
	case "commit":
		e.Commit, err = parseCommit(fd.in(s))
	case "symbol":
		e.Symbol = fd.in(s)
	case "line-hash":
		e.LineHash, err = parseHash(s)
	}
	return err == nil
}

func (fd *fastDecoder) event(d *Decision, s string) bool {
	fd.evLines++
	if h, ok := fd.evs[s]; ok { // the same line as an earlier record's
		if d.History == nil {
			d.History = h
		} else {
			d.History = append(d.History, h[0])
		}
		return true
	}
	var e Event
	var got int
	ok := flowMapping(s, func(k, v string) bool {
		var err error
		bit := eventBit(k)
		if bit == 0 || got&bit != 0 {
			return false
		}
		got |= bit
		switch k {
		case "time":
			e.Time, err = fd.timestamp(v)
		case "author":
			e.Author = fd.in(v)
		case "action":
			e.Action, err = parseAction(v)
		case "state":
			e.State, err = parseStateName(v)
		case "reason":
			e.Reason, err = parseReasonName(v)
		case "justification":
			e.Justification = fd.in(v)
		case "note":
			e.Note = fd.in(v)
		case "expires":
			e.Expires, err = parseDate(v)
		case "due":
			e.Due, err = parseDate(v)
		}
		return err == nil
	})
	if !ok || got&1 == 0 {
		return false
	}
	if d.History == nil {
		if len(fd.events) == cap(fd.events) {
			// Chunks doubling from 32 up to 4096, never more than the
			// history lines left in the text (lines repeated from an
			// earlier record take no room).
			if !fd.counted {
				fd.count()
			}
			n := max(1, min(4096, max(32, 2*cap(fd.events)), fd.nEvents-fd.evLines+1))
			fd.events = make([]Event, 0, n)
		}
		fd.events = append(fd.events, e)
		n := len(fd.events)
		d.History = fd.events[n-1 : n : n]
		if fd.evs == nil {
			fd.evs = make(map[string][]Event, 16)
		}
		fd.evs[s] = d.History // s is the file's text: the map dies with fd
		return true
	}
	d.History = append(d.History, e)
	return true
}

func eventBit(k string) int {
	switch k {
	case "time":
		return 1
	case "author":
		return 2
	case "action":
		return 4
	case "state":
		return 8
	case "reason":
		return 16
	case "justification":
		return 32
	case "note":
		return 64
	case "expires":
		return 128
	case "due":
		return 256
	}
	return 0
}

// cp is s copied out of the file's text (when fd.own), into an arena of
// the decoder: the strings of a file share a few large blocks, which hold
// only string bytes, not the file's syntax, hashes and history.
func (fd *fastDecoder) cp(s string) string {
	if !fd.own || s == "" {
		return s
	}
	if len(s) > cap(fd.tab.arena)-len(fd.tab.arena) {
		fd.tab.arena = make([]byte, 0, max(16<<10, len(s)))
	}
	start := len(fd.tab.arena)
	fd.tab.arena = append(fd.tab.arena, s...) // within capacity: never moves
	return unsafe.String(&fd.tab.arena[start], len(s))
}

// inScalar is fd.in(scalar(v)), answered from the cache of plain scalars
// already read in this file when v is one.
func (fd *fastDecoder) inScalar(v string) (string, bool) {
	if x, ok := fd.tab.intern[v]; ok && x.plain {
		return x.s, true
	}
	s, ok := scalar(v)
	if !ok {
		return "", false
	}
	x := fd.in(s)
	if fd.own && v[0] != '"' { // plain: v is the value, checked
		fd.tab.intern[x] = interned{x, true}
	}
	return x, true
}

// strTable holds the strings decoded files keep: copied into arenas (a
// few large blocks holding string bytes only), repeated ones once. The
// files of a sharded ledger that one worker decodes share one.
type strTable struct {
	arena  []byte
	intern map[string]interned
}

// interned is a string of the decoder's arena; plain says it was read as
// a plain block scalar and passed plainChars.
type interned struct {
	s     string
	plain bool
}

// timestamp is parseTimestamp, remembering the last one.
func (fd *fastDecoder) timestamp(s string) (time.Time, error) {
	if s == fd.lastTime && s != "" {
		return fd.lastT, nil
	}
	t, err := parseTimestamp(s)
	if err == nil {
		fd.lastTime, fd.lastT = s, t
	}
	return t, err
}

// in is cp for strings that repeat across records (authors,
// justifications, notes, tools, rules, paths, commits): one copy each.
func (fd *fastDecoder) in(s string) string {
	if !fd.own || s == "" {
		return s
	}
	if v, ok := fd.tab.intern[s]; ok {
		return v.s
	}
	if fd.tab.intern == nil {
		fd.tab.intern = make(map[string]interned, 1024)
	}
	v := fd.cp(s)
	fd.tab.intern[v] = interned{s: v}
	return v
}
