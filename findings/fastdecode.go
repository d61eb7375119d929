package findings

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// A hand-written decoder for liteResult: the hot path of loading. It decodes
// well-formed results exactly as json v2 does with liteOpts (the
// differential test FuzzFastDecode holds it to that), and gives up on
// anything unusual — a syntax error, a value of the wrong type, a duplicate
// member, invalid UTF-8, a lone surrogate, a number that is not a plain
// integer where an int is wanted — so the reflective decoder then decodes the
// result and reports its error with the position and words it always used.

type fastDec struct {
	d  []byte
	i  int
	dc *decCache
}

// decCache shares the short strings results repeat (rule ids, levels, URIs,
// fingerprint names) between the results one worker decodes: no allocation
// for a string seen before. Bounded: hostile input cannot grow it.
type decCache struct {
	strs map[string]string
	ptrs map[string]*string

	// The value each of these members had in the previous result: most
	// logs repeat them from one result to the next (one base id, a file's
	// results together, one rule's results together), and comparing with
	// the last value costs less than a map lookup.
	lastBase, lastSnippet string
	lastRule              *string

	uris    map[string]*uriEnt
	lastEnt *uriEnt

	scratch []byte // istr's buffer for unescaping

	// Reused by each result the worker decodes: the converter keeps
	// nothing of a liteResult's locations or message but their strings.
	locs []liteLoc
	msg  liteMsg

	// A result's fingerprint pairs (fingerprints, partialFingerprints):
	// the identity code hashes them and keeps none, so they live in this
	// buffer until the next result.
	fpBuf  []byte
	fpMaps [2]fpMap
}

const decCacheMax = 1 << 14

// uriEnt is a URI a worker has decoded: the string, and the converter's
// cache of the locations it maps to (one hash lookup per location, not one
// to intern the URI and another to find its location).
type uriEnt struct {
	s    string
	arts []artEntry
}

func newDecCache() *decCache {
	return &decCache{strs: map[string]string{}, ptrs: map[string]*string{}, uris: map[string]*uriEnt{}}
}

// smallInts backs the *int fields (indexes) the decoder hands out for small
// values: read-only, never written through.
var smallInts = func() (a [4096]int) {
	for i := range a {
		a[i] = i
	}
	return
}()

// fastDecodeResult decodes data into r; false means "use the reflective
// decoder" (r may then hold a partial result and must be reset). dc may be nil.
func fastDecodeResult(data []byte, r *liteResult, dc *decCache) bool {
	if dc != nil {
		if cap(dc.fpBuf) > 64<<10 { // not kept after a hostile result
			dc.fpBuf = nil
		}
		dc.fpBuf = dc.fpBuf[:0]
	}
	fd := fastDec{d: data, dc: dc}
	fd.ws()
	if !fd.result(r) {
		return false
	}
	fd.ws()
	return fd.i == len(fd.d)
}

func (fd *fastDec) ws() {
	for fd.i < len(fd.d) {
		switch fd.d[fd.i] {
		case ' ', '\n', '\r', '\t':
			fd.i++
		default:
			return
		}
	}
}

func (fd *fastDec) peek() byte {
	if fd.i < len(fd.d) {
		return fd.d[fd.i]
	}
	return 0
}

// null consumes a JSON null if one is next.
func (fd *fastDec) null() bool {
	if fd.i+4 <= len(fd.d) && string(fd.d[fd.i:fd.i+4]) == "null" {
		fd.i += 4
		return true
	}
	return false
}

// object calls member for each member of the object at fd.i with the key
// (valid until the next call) and fd.i at the value, which member consumes.
// bit names the known members: a known member seen twice gives up.
func (fd *fastDec) object(member func(key []byte) (bit uint32, ok bool)) bool {
	if fd.peek() != '{' {
		return false
	}
	fd.i++
	fd.ws()
	if fd.peek() == '}' {
		fd.i++
		return true
	}
	var seen uint32
	for {
		if fd.peek() != '"' {
			return false
		}
		key, ok := fd.rawString()
		if !ok {
			return false
		}
		if fd.peek() != ':' { // the usual: the colon right after the key
			fd.ws()
			if fd.peek() != ':' {
				return false
			}
		}
		fd.i++
		fd.ws()
		bit, ok := member(key)
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		if c := fd.peek(); c != ',' && c != '}' { // the usual: ',' or '}' right after the value
			fd.ws()
		}
		switch fd.peek() {
		case ',':
			fd.i++
			fd.ws()
		case '}':
			fd.i++
			return true
		default:
			return false
		}
	}
}

// array calls elem for each element of the array at fd.i; n counts them.
func (fd *fastDec) array(elem func() bool) bool {
	if fd.peek() != '[' {
		return false
	}
	fd.i++
	fd.ws()
	if fd.peek() == ']' {
		fd.i++
		return true
	}
	for {
		if !elem() {
			return false
		}
		fd.ws()
		switch fd.peek() {
		case ',':
			fd.i++
			fd.ws()
		case ']':
			fd.i++
			return true
		default:
			return false
		}
	}
}

// rawString returns the bytes of the string at fd.i when it has no escapes
// and is valid UTF-8 (keys: compared, not kept); escaped keys are unescaped.
func (fd *fastDec) rawString() ([]byte, bool) {
	s := fd.i + 1
	ascii := true
	for j := plainRun(fd.d, s); j < len(fd.d); j++ {
		c := fd.d[j]
		switch {
		case c == '"':
			fd.i = j + 1
			if !ascii && !utf8.Valid(fd.d[s:j]) {
				return nil, false
			}
			return fd.d[s:j], true
		case c == '\\':
			v, ok := fd.str()
			return []byte(v), ok
		case c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
	}
	return nil, false
}

// str decodes the string at fd.i.
func (fd *fastDec) str() (string, bool) {
	s, j, ok := fd.plainEnd()
	if !ok || j < 0 {
		return fd.escaped(s, j, ok)
	}
	return string(fd.d[s:j]), true
}

// plainEnd scans the string at fd.i. For a string without escapes it returns
// its bytes' bounds [s, j) and moves past it; at the first backslash it
// returns j = -(backslash+1) with fd.i unmoved; ok is false for bad input.
func (fd *fastDec) plainEnd() (s, j int, ok bool) {
	if fd.peek() != '"' {
		return 0, 0, false
	}
	s = fd.i + 1
	ascii := true
	for j := plainRun(fd.d, s); j < len(fd.d); j++ {
		c := fd.d[j]
		switch {
		case c == '"':
			if !ascii && !utf8.Valid(fd.d[s:j]) {
				return 0, 0, false
			}
			fd.i = j + 1
			return s, j, true
		case c == '\\':
			return s, -(j + 1), true
		case c < 0x20:
			return 0, 0, false
		case c >= 0x80:
			ascii = false
		}
	}
	return 0, 0, false
}

// escaped finishes what plainEnd stopped at: a string with escapes is
// decoded into a new string; bad input stays refused.
func (fd *fastDec) escaped(s, j int, ok bool) (string, bool) {
	if !ok {
		return "", false
	}
	return fd.unescape(s, -j-1)
}

// viewString is string without a copy when the string has no escapes: a
// view of the decoded bytes, valid only while they are.
func (fd *fastDec) viewString(p *string) bool {
	if fd.null() {
		return true
	}
	s, j, ok := fd.plainEnd()
	if !ok {
		return false
	}
	if j < 0 {
		v, ok := fd.escaped(s, j, ok)
		*p = v
		return ok
	}
	if j > s {
		*p = unsafe.String(&fd.d[s], j-s)
	} else {
		*p = ""
	}
	return true
}

// istr is str for strings results repeat: interned in the cache.
func (fd *fastDec) istr() (string, bool) {
	if fd.dc == nil || fd.peek() != '"' {
		return fd.str()
	}
	s := fd.i + 1
	for j := plainRun(fd.d, s); j < len(fd.d); j++ {
		c := fd.d[j]
		switch {
		case c == '"':
			b := fd.d[s:j]
			if v, ok := fd.dc.strs[string(b)]; ok {
				fd.i = j + 1
				return v, true
			}
			v, ok := fd.str()
			if ok && len(fd.dc.strs) < decCacheMax {
				fd.dc.strs[v] = v
			}
			return v, ok
		case c == '\\':
			// Escaped (a snippet quoting code): unescaped into the
			// cache's scratch buffer, allocated only when new.
			b, end, ok := fd.unescapeTo(fd.dc.scratch, s, j)
			if !ok {
				return "", false
			}
			fd.dc.scratch = b
			fd.i = end
			if v, ok := fd.dc.strs[string(b)]; ok {
				return v, true
			}
			v := string(b)
			if len(fd.dc.strs) < decCacheMax {
				fd.dc.strs[v] = v
			}
			return v, true
		case c < 0x20:
			return fd.str()
		}
	}
	return "", false
}

// plainAt returns the bytes of the string at fd.i when it has no escape or
// control byte (its end is then at fd.i+1+len), else ok is false.
func (fd *fastDec) plainAt() (b []byte, ok bool) {
	if fd.peek() != '"' {
		return nil, false
	}
	e := bytesIndexQuoteOrEscape(fd.d, fd.i+1)
	if e < 0 || fd.d[e] != '"' {
		return nil, false
	}
	return fd.d[fd.i+1 : e], true
}

// lstring is istring for a member that usually repeats the previous
// result's value (*last).
func (fd *fastDec) lstring(p *string, last *string) bool {
	if b, ok := fd.plainAt(); ok && len(b) == len(*last) && string(b) == *last {
		fd.i += len(b) + 2
		*p = *last
		return true
	}
	if !fd.istring(p) {
		return false
	}
	*last = *p
	return true
}

// lstringDC is lstring with the cache's last value of member k (1 a base
// id, 2 a snippet); without a cache it is istring.
func (fd *fastDec) lstringDC(p *string, k int) bool {
	if fd.dc == nil {
		return fd.istring(p)
	}
	if k == 1 {
		return fd.lstring(p, &fd.dc.lastBase)
	}
	return fd.lstring(p, &fd.dc.lastSnippet)
}

// uri decodes an artifact location's URI through the cache's URI entries.
func (fd *fastDec) uri(a *liteArtLoc) bool {
	if fd.dc == nil {
		return fd.istring(&a.URI)
	}
	if fd.null() {
		return true
	}
	if b, ok := fd.plainAt(); ok {
		e := fd.dc.lastEnt
		if e == nil || len(b) != len(e.s) || string(b) != e.s {
			e = fd.dc.uris[string(b)]
		}
		if e != nil {
			fd.i += len(b) + 2
			a.URI, a.ent, fd.dc.lastEnt = e.s, e, e
			return true
		}
	}
	v, ok := fd.str()
	if !ok {
		return false
	}
	a.URI = v
	if len(fd.dc.uris) < decCacheMax {
		e := &uriEnt{s: v}
		fd.dc.uris[v] = e
		a.ent, fd.dc.lastEnt = e, e
	}
	return true
}

// enum is istring for members whose values the spec enumerates (level,
// kind, baseline state, suppression kind and status): the spec's words are
// returned as constants, anything else is interned as usual.
func (fd *fastDec) enum(p *string) bool {
	if b, ok := fd.plainAt(); ok {
		v := ""
		switch string(b) {
		case "error":
			v = "error"
		case "warning":
			v = "warning"
		case "note":
			v = "note"
		case "none":
			v = "none"
		case "fail":
			v = "fail"
		case "pass":
			v = "pass"
		case "open":
			v = "open"
		case "review":
			v = "review"
		case "notApplicable":
			v = "notApplicable"
		case "informational":
			v = "informational"
		case "new":
			v = "new"
		case "unchanged":
			v = "unchanged"
		case "updated":
			v = "updated"
		case "absent":
			v = "absent"
		case "inSource":
			v = "inSource"
		case "external":
			v = "external"
		case "accepted":
			v = "accepted"
		case "underReview":
			v = "underReview"
		case "rejected":
			v = "rejected"
		}
		if v != "" {
			fd.i += len(b) + 2
			*p = v
			return true
		}
	}
	return fd.istring(p)
}

// unescape decodes a string with escapes; s is its first byte, j the first
// backslash.
func (fd *fastDec) unescape(s, j int) (string, bool) {
	b, end, ok := fd.unescapeTo(make([]byte, 0, j-s+16), s, j)
	if !ok {
		return "", false
	}
	fd.i = end
	return string(b), true
}

// unescapeTo is unescape into b (its contents replaced); end is the index
// after the closing quote.
func (fd *fastDec) unescapeTo(b []byte, s, j int) (_ []byte, end int, ok bool) {
	d := fd.d
	b = append(b[:0], d[s:j]...)
	for j < len(d) {
		c := d[j]
		switch {
		case c == '"':
			if !utf8.Valid(b) {
				return nil, 0, false
			}
			return b, j + 1, true
		case c < 0x20:
			return nil, 0, false
		case c != '\\':
			// The plain run from here in one copy (at least this byte:
			// plainRun stops at one that is not ASCII).
			k := max(plainRun(d, j), j+1)
			b = append(b, d[j:k]...)
			j = k
			continue
		}
		if j+1 >= len(d) {
			return nil, 0, false
		}
		switch e := d[j+1]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(d, j+2)
			if !ok {
				return nil, 0, false
			}
			j += 6
			if utf16.IsSurrogate(r) {
				if j+6 > len(d) || d[j] != '\\' || d[j+1] != 'u' {
					return nil, 0, false // a lone surrogate: left to the reflective decoder
				}
				r2, ok := hex4(d, j+2)
				if !ok {
					return nil, 0, false
				}
				r = utf16.DecodeRune(r, r2)
				if r == utf8.RuneError {
					return nil, 0, false
				}
				j += 6
			}
			b = utf8.AppendRune(b, r)
			continue
		default:
			return nil, 0, false
		}
		j += 2
	}
	return nil, 0, false
}

// plainRun returns the index from j of the first byte of d that is '"', '\\',
// a control byte or not ASCII, or len(d): the bytes before it need nothing
// from a string scanner but to be passed. It looks at eight bytes at a time.
func plainRun(d []byte, j int) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	for j+8 <= len(d) {
		w := binary.LittleEndian.Uint64(d[j:])
		q, b := w^(0x22*lo), w^(0x5c*lo) // zero where a byte is '"' or '\\'
		// The lowest flagged byte is exact (a borrow only flags bytes
		// above a true one): the run ends there.
		if m := ((w-0x20*lo)&^w | (q-lo)&^q | (b-lo)&^b | w) & hi; m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
		j += 8
	}
	for j < len(d) {
		if c := d[j]; c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
		j++
	}
	return j
}

// bytesIndexQuoteOrEscape returns the index of the first '"', '\\' or
// control byte from p, or -1.
func bytesIndexQuoteOrEscape(d []byte, p int) int {
	for j := plainRun(d, p); j < len(d); j++ {
		if c := d[j]; c == '"' || c == '\\' || c < 0x20 {
			return j
		}
	}
	return -1
}

func hex4(d []byte, p int) (rune, bool) {
	if p+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[p : p+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// number consumes a JSON number and returns its text.
func (fd *fastDec) number() ([]byte, bool) {
	d, s := fd.d, fd.i
	j := s
	if j < len(d) && d[j] == '-' {
		j++
	}
	switch {
	case j < len(d) && d[j] == '0':
		j++
	case j < len(d) && d[j] >= '1' && d[j] <= '9':
		for j < len(d) && d[j] >= '0' && d[j] <= '9' {
			j++
		}
	default:
		return nil, false
	}
	if j < len(d) && d[j] == '.' {
		j++
		k := j
		for j < len(d) && d[j] >= '0' && d[j] <= '9' {
			j++
		}
		if j == k {
			return nil, false
		}
	}
	if j < len(d) && (d[j] == 'e' || d[j] == 'E') {
		j++
		if j < len(d) && (d[j] == '+' || d[j] == '-') {
			j++
		}
		k := j
		for j < len(d) && d[j] >= '0' && d[j] <= '9' {
			j++
		}
		if j == k {
			return nil, false
		}
	}
	fd.i = j
	return d[s:j], true
}

// int decodes an integer into an int field (null leaves it zero).
func (fd *fastDec) int(p *int) bool {
	if fd.null() {
		return true
	}
	t, ok := fd.number()
	if !ok || len(t) > 18 {
		return false
	}
	n := 0
	neg := t[0] == '-'
	if neg {
		t = t[1:]
	}
	for _, c := range t {
		if c < '0' || c > '9' {
			return false // a fraction or an exponent: json v2 refuses it for an int
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	*p = n
	return true
}

func (fd *fastDec) intPtr(p **int) bool {
	if fd.null() {
		return true
	}
	var n int
	if !fd.int(&n) {
		return false
	}
	if n >= 0 && n < len(smallInts) {
		*p = &smallInts[n]
	} else {
		v := n
		*p = &v
	}
	return true
}

// istring is string for strings results repeat.
func (fd *fastDec) istring(p *string) bool {
	if fd.null() {
		return true
	}
	v, ok := fd.istr()
	*p = v
	return ok
}

// istringPtr is stringPtr for strings results repeat (rule ids): the
// pointer is shared too, read-only.
func (fd *fastDec) istringPtr(p **string) bool {
	if fd.dc == nil {
		return fd.stringPtr(p)
	}
	if fd.null() {
		return true
	}
	if q := fd.dc.lastRule; q != nil {
		if b, ok := fd.plainAt(); ok && len(b) == len(*q) && string(b) == *q {
			fd.i += len(b) + 2
			*p = q
			return true
		}
	}
	v, ok := fd.istr()
	if !ok {
		return false
	}
	if q, ok := fd.dc.ptrs[v]; ok {
		fd.dc.lastRule = q
		*p = q
		return true
	}
	q := new(string) // not &v: that would put every v on the heap
	*q = v
	if len(fd.dc.ptrs) < decCacheMax {
		fd.dc.ptrs[v] = q
	}
	fd.dc.lastRule = q
	*p = q
	return true
}

func (fd *fastDec) string(p *string) bool {
	if fd.null() {
		return true
	}
	v, ok := fd.str()
	*p = v
	return ok
}

func (fd *fastDec) stringPtr(p **string) bool {
	if fd.null() {
		return true
	}
	v, ok := fd.str()
	if ok {
		*p = &v
	}
	return ok
}

func (fd *fastDec) strings(p *[]string) bool {
	if fd.null() {
		return true
	}
	out := []string{}
	ok := fd.array(func() bool {
		var s string
		if !fd.string(&s) {
			return false
		}
		out = append(out, s)
		return true
	})
	*p = out
	return ok
}

// skip consumes any JSON value, checking its syntax.
func (fd *fastDec) skip() bool {
	switch c := fd.peek(); {
	case c == '"':
		_, ok := fd.rawString()
		return ok
	case c == '{':
		return fd.object(func([]byte) (uint32, bool) { return 0, fd.skip() })
	case c == '[':
		return fd.array(fd.skip)
	case c == 't':
		return fd.lit("true")
	case c == 'f':
		return fd.lit("false")
	case c == 'n':
		return fd.null()
	case c == '-' || (c >= '0' && c <= '9'):
		_, ok := fd.number()
		return ok
	}
	return false
}

func (fd *fastDec) lit(s string) bool {
	if fd.i+len(s) <= len(fd.d) && string(fd.d[fd.i:fd.i+len(s)]) == s {
		fd.i += len(s)
		return true
	}
	return false
}

// flex decodes as flexString.UnmarshalJSON does: a string's text, a number's
// or boolean's literal text; null, objects and arrays leave it empty.
func (fd *fastDec) flex(p *flexString) bool {
	switch c := fd.peek(); c {
	case '"':
		v, ok := fd.str()
		*p = flexString(v)
		return ok
	case 'n', '{', '[':
		return fd.skip()
	}
	s := fd.i
	if !fd.skip() {
		return false
	}
	*p = flexString(fd.d[s:fd.i])
	return true
}

// present decodes as present.UnmarshalJSONFrom does.
func (fd *fastDec) present(p *present) bool {
	s := fd.i
	if !fd.skip() {
		return false
	}
	v := string(fd.d[s:fd.i])
	*p = present(v != "null" && v != "[]" && v != "0")
	return true
}

// fps decodes as fpMap.UnmarshalJSONFrom does, for string values (others
// are left to the reflective decoder). With a decCache the pairs and the
// slice are the cache's scratch (slot: which of the two maps), valid until
// the next result is decoded.
func (fd *fastDec) fps(p *fpMap, slot int) bool {
	if fd.null() {
		return true
	}
	var out fpMap
	dc := fd.dc
	if dc != nil {
		out = dc.fpMaps[slot][:0]
	}
	ok := fd.object(func(key []byte) (uint32, bool) {
		if fd.peek() == '"' { // the common case: key=value
			e := bytesIndexQuoteOrEscape(fd.d, fd.i+1)
			if e >= 0 && fd.d[e] == '"' && utf8.Valid(fd.d[fd.i+1:e]) {
				var kv string
				if dc != nil {
					s := len(dc.fpBuf)
					dc.fpBuf = append(append(append(dc.fpBuf, key...), '='), fd.d[fd.i+1:e]...)
					kv = unsafe.String(&dc.fpBuf[s], len(dc.fpBuf)-s) // not written again before the next result
				} else {
					b := make([]byte, 0, len(key)+1+e-fd.i-1)
					b = append(append(append(b, key...), '='), fd.d[fd.i+1:e]...)
					kv = unsafe.String(&b[0], len(b)) // b is not used again
				}
				fd.i = e + 1
				if out == nil {
					out = make(fpMap, 0, 1)
				}
				out = append(out, kv)
				return 0, true
			}
		}
		k := string(key)
		v, ok := fd.str()
		out = append(out, k+"="+v)
		return 0, ok
	})
	if dc != nil {
		dc.fpMaps[slot] = out
		if len(out) == 0 {
			out = nil // as decoded without scratch: {} is nil
		}
	}
	*p = out
	return ok
}

func (fd *fastDec) msg(p **liteMsg) bool {
	if fd.null() {
		return true
	}
	m := &liteMsg{}
	*p = m
	return fd.msgInto(m, false)
}

// msgInto decodes a message into m. view: its text and markdown may be
// views of the result's bytes (valid while they are: the caller copies what
// it keeps).
func (fd *fastDec) msgInto(m *liteMsg, view bool) bool {
	return fd.object(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "text":
			if view {
				return 1, fd.viewString(&m.Text)
			}
			return 1, fd.string(&m.Text)
		case "markdown":
			if view {
				return 2, fd.viewString(&m.Markdown)
			}
			return 2, fd.string(&m.Markdown)
		case "id":
			return 4, fd.string(&m.ID)
		case "arguments":
			return 8, fd.strings(&m.Arguments)
		}
		return 0, fd.skip()
	})
}

func (fd *fastDec) artLoc(a *liteArtLoc) bool {
	if fd.null() {
		return true
	}
	return fd.object(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "uri":
			return 1, fd.uri(a)
		case "uriBaseId":
			return 2, fd.lstringDC(&a.URIBaseID, 1)
		case "index":
			return 4, fd.intPtr(&a.Index)
		}
		return 0, fd.skip()
	})
}

func (fd *fastDec) region(r *liteRegion) bool {
	if fd.null() {
		return true
	}
	return fd.object(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "startLine":
			return 1, fd.int(&r.StartLine)
		case "startColumn":
			return 2, fd.int(&r.StartColumn)
		case "endLine":
			return 4, fd.int(&r.EndLine)
		case "endColumn":
			return 8, fd.int(&r.EndColumn)
		case "charOffset":
			return 16, fd.intPtr(&r.CharOffset)
		case "byteOffset":
			return 32, fd.intPtr(&r.ByteOffset)
		case "byteLength":
			return 64, fd.intPtr(&r.ByteLength)
		case "charLength":
			return 128, fd.intPtr(&r.CharLength)
		case "snippet":
			return 256, fd.content(&r.Snippet)
		}
		return 0, fd.skip()
	})
}

func (fd *fastDec) content(c *liteContent) bool {
	if fd.null() {
		return true
	}
	return fd.object(func(key []byte) (uint32, bool) {
		if string(key) == "text" {
			return 1, fd.lstringDC(&c.Text, 2)
		}
		return 0, fd.skip()
	})
}

func (fd *fastDec) loc(l *liteLoc) bool {
	if fd.null() {
		return true
	}
	return fd.object(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "physicalLocation":
			if fd.null() {
				return 1, true
			}
			pl := &l.PhysicalLocation
			return 1, fd.object(func(key []byte) (uint32, bool) {
				switch string(key) {
				case "artifactLocation":
					return 1, fd.artLoc(&pl.ArtifactLocation)
				case "region":
					return 2, fd.region(&pl.Region)
				}
				return 0, fd.skip()
			})
		case "logicalLocations":
			if fd.null() {
				return 2, true
			}
			l.LogicalLocations = []liteLogical{}
			return 2, fd.array(func() bool {
				var ll liteLogical
				ok := fd.null() || fd.object(func(key []byte) (uint32, bool) {
					switch string(key) {
					case "name":
						return 1, fd.stringPtr(&ll.Name)
					case "fullyQualifiedName":
						return 2, fd.stringPtr(&ll.FullyQualifiedName)
					}
					return 0, fd.skip()
				})
				l.LogicalLocations = append(l.LogicalLocations, ll)
				return ok
			})
		case "message":
			return 4, fd.msg(&l.Message)
		}
		return 0, fd.skip()
	})
}

func (fd *fastDec) ref(r *liteRef) bool {
	if fd.null() {
		return true
	}
	return fd.object(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "id":
			return 1, fd.stringPtr(&r.ID)
		case "guid":
			return 2, fd.string(&r.GUID)
		case "index":
			return 4, fd.intPtr(&r.Index)
		case "toolComponent":
			if fd.null() {
				return 8, true
			}
			tc := &liteTCRef{}
			r.ToolComponent = tc
			return 8, fd.object(func(key []byte) (uint32, bool) {
				switch string(key) {
				case "name":
					return 1, fd.stringPtr(&tc.Name)
				case "index":
					return 2, fd.intPtr(&tc.Index)
				case "guid":
					return 4, fd.string(&tc.GUID)
				}
				return 0, fd.skip()
			})
		}
		return 0, fd.skip()
	})
}

func (fd *fastDec) props(p **liteProps) bool {
	if fd.null() {
		return true
	}
	pr := &liteProps{}
	*p = pr
	return fd.object(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "tags":
			return 1, fd.strings(&pr.Tags)
		case "security-severity":
			return 2, fd.flex(&pr.SecSev)
		case "problem.severity":
			return 4, fd.flex(&pr.ProblemSeverity)
		case "problem":
			if fd.null() {
				return 8, true
			}
			pb := &liteProblem{}
			pr.Problem = pb
			return 8, fd.object(func(key []byte) (uint32, bool) {
				if string(key) == "severity" {
					return 1, fd.flex(&pb.Severity)
				}
				return 0, fd.skip()
			})
		case "severity":
			return 16, fd.flex(&pr.Severity)
		}
		return 0, fd.skip()
	})
}

func (fd *fastDec) result(r *liteResult) bool {
	return fd.object(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "ruleId":
			return 1 << 0, fd.istringPtr(&r.RuleID)
		case "ruleIndex":
			return 1 << 1, fd.intPtr(&r.RuleIndex)
		case "rule":
			if fd.null() {
				return 1 << 2, true
			}
			r.Rule = &liteRef{}
			return 1 << 2, fd.ref(r.Rule)
		case "kind":
			return 1 << 3, fd.enum(&r.Kind)
		case "level":
			return 1 << 4, fd.enum(&r.Level)
		case "message":
			if fd.dc != nil && !fd.null() {
				fd.dc.msg = liteMsg{}
				r.Message = &fd.dc.msg
				return 1 << 5, fd.msgInto(r.Message, true) // the converter copies the message it keeps
			}
			return 1 << 5, fd.msg(&r.Message)
		case "locations":
			if fd.null() {
				return 1 << 6, true
			}
			r.Locations = []liteLoc{}
			if fd.dc != nil {
				if fd.dc.locs == nil {
					fd.dc.locs = make([]liteLoc, 0, 4)
				}
				r.Locations = fd.dc.locs[:0]
			}
			ok := fd.array(func() bool {
				r.Locations = append(r.Locations, liteLoc{})
				return fd.loc(&r.Locations[len(r.Locations)-1])
			})
			if fd.dc != nil {
				// Kept for the next result (grown, if it grew). Not a
				// defer: one in this closure of many returns is not
				// open-coded, and cost ~5 % of decoding.
				fd.dc.locs = r.Locations[:0]
			}
			return 1 << 6, ok
		case "analysisTarget":
			if fd.null() {
				return 1 << 7, true
			}
			r.AnalysisTarget = &liteArtLoc{}
			return 1 << 7, fd.artLoc(r.AnalysisTarget)
		case "partialFingerprints":
			return 1 << 8, fd.fps(&r.PartialFingerprints, 1)
		case "fingerprints":
			return 1 << 9, fd.fps(&r.Fingerprints, 0)
		case "suppressions":
			if fd.null() {
				return 1 << 10, true
			}
			r.Suppressions = []liteSup{}
			return 1 << 10, fd.array(func() bool {
				var s liteSup
				ok := fd.null() || fd.object(func(key []byte) (uint32, bool) {
					switch string(key) {
					case "kind":
						return 1, fd.enum(&s.Kind)
					case "status":
						return 2, fd.enum(&s.Status)
					case "justification":
						return 4, fd.stringPtr(&s.Justification)
					}
					return 0, fd.skip()
				})
				r.Suppressions = append(r.Suppressions, s)
				return ok
			})
		case "baselineState":
			return 1 << 11, fd.enum(&r.BaselineState)
		case "properties":
			return 1 << 12, fd.props(&r.Properties)
		case "taxa":
			if fd.null() {
				return 1 << 13, true
			}
			r.Taxa = []liteRef{}
			return 1 << 13, fd.array(func() bool {
				r.Taxa = append(r.Taxa, liteRef{})
				return fd.ref(&r.Taxa[len(r.Taxa)-1])
			})
		case "codeFlows":
			return 1 << 14, fd.present(&r.CodeFlows)
		case "fixes":
			return 1 << 15, fd.present(&r.Fixes)
		}
		return 0, fd.skip()
	})
}
