package findings

import (
	"bytes"
	"context"
	jsonStd "encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// Large files are streamed: read (regular files: mapped, stream_mmap.go) in
// fixed-size chunks by a resumable scanner that tracks only strings and
// bracket depth, cuts each result out of the `results` arrays and hands it
// to the decoding workers, and keeps just the run metadata it needs. Memory
// stays proportional to the findings, not the file. Anything unusual in the
// file's outer structure makes the scanner give up; the file is then parsed
// in memory by the validating scanner, which reports precise positions.

// What the JSON grammar allows next. The streamed scanner checks the
// placement of keys, colons and commas as the validating in-memory parser
// does, so a file both paths read gives the same findings, and a malformed
// one is refused by both with a position.
const (
	gValue        byte = iota // a value (the top-level value; after ':' or an array's ',')
	gValueOrClose             // after '[': a value or ']'
	gKey                      // after an object's ',': a key
	gKeyOrClose               // after '{': a key or '}'
	gColon                    // after a key
	gSep                      // after a value: ',' or the container's close
	gEnd                      // the top-level value is complete
)

// streamThreshold is the file size from which files are streamed.
var streamThreshold int64 = 8 << 20

// streamChunk is the size of the reads the streamed scanner works on (a
// variable so that tests can cut files at every byte).
var streamChunk = 1 << 20

type streamState struct {
	fl  *fileLoad
	pl  *pipeline
	lim Limits

	skipTo   int    // >= 0: skipping a misplaced element until the stack is back to this depth
	strStart int64  // file offset of the current string's opening quote
	inTok    bool   // inside a number or literal
	tokStart int64  // file offset of its first byte
	tokCarry []byte // the token's bytes in earlier chunks (a token cut by a read)

	stack      []byte
	inStr, esc bool
	expectKey  bool
	valPending bool // after ':' in an object: the next value belongs to the current key
	want       byte // what the JSON grammar allows next (gValue, gKey, ...)

	keyCap bool
	key    []byte
	key1   string // current member key at depth 1 (top level)
	key3   string // current member key at depth 3 (run object)

	capKind  int // 0 none, 1 result, 2 run member, 3 version string, 4 run.columnKind string
	capDepth int
	capBuf   []byte
	capFrom  int // start of the capture in the current chunk
	capOff   int64
	capLine  int
	capCol   int

	off      int64 // file offset of buf[0]
	lineNo   int   // line number at file offset linePos
	linePos  int64
	lastNL   int64 // file offset of the last newline before linePos (-1 if none)
	run      *runBuilder
	runIdx   int
	resIdx   int
	runsSeen bool
	version  string
	sawTop   bool
	bad      bool
	key5skip bool     // the current result member is one to leave out
	skipping bool     // inside a member left out of the copy
	skipFrom int64    // where the left-out value starts
	cut      bool     // the current result copy has members left out
	cur      *arena   // arena being filled
	used     []*arena // full arenas not yet handed to a batch
}

// lineColAt returns the 1-based line and column of file offset p (p must not
// be before the last position asked for).
func (s *streamState) lineColAt(buf []byte, p int64) (int, int) {
	if p > s.linePos {
		seg := buf[s.linePos-s.off : p-s.off]
		if n := bytes.Count(seg, []byte{'\n'}); n > 0 {
			s.lineNo += n
			s.lastNL = s.linePos + int64(bytes.LastIndexByte(seg, '\n'))
		}
		s.linePos = p
	}
	return s.lineNo, int(p - s.lastNL)
}

// parseStream streams a SARIF log from r (the bytes from file offset start
// on); ra reads earlier bytes again (the file itself, or its spool). It
// reports the file's errors itself: findings are dropped on a file-level
// error (as the in-memory parser does) and kept on a result-level one.
func (fl *fileLoad) parseStream(ctx context.Context, r io.Reader, ra io.ReaderAt, start int64) []*Finding {
	fl.reread = func(off int64, n int) ([]byte, error) {
		b := make([]byte, n)
		_, err := ra.ReadAt(b, off)
		return b, err
	}
	s := &streamState{fl: fl, lim: fl.ld.lim, lineNo: 1, lastNL: -1, skipTo: -1, pl: fl.startPipeline(ctx)}
	s.off, s.linePos = start, start
	if f, ok := r.(*os.File); ok {
		s.scanMapped(ctx, f)
	}
	buf := make([]byte, streamChunk)
	for !s.bad {
		if ctx.Err() != nil {
			s.bad = true
			break
		}
		// What is there, not a full chunk: a pipe fed slowly is scanned
		// (and its results handed out, Options.OnPartial) as it arrives.
		n, err := r.Read(buf)
		if n > 0 {
			s.scan(buf[:n])
		}
		if err == io.EOF {
			break
		}
		if err != nil && !s.bad {
			if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				s.bad = true
				break
			}
			var tl *errTooLarge
			if errors.As(err, &tl) {
				s.failNoPos(tl.Error())
			} else {
				s.failNoPos(fmt.Sprintf("reading: %v", err))
			}
		}
	}
	fs := s.pl.wait()
	if !s.bad {
		s.atEOF()
	}
	if s.bad {
		return nil
	}
	return fs
}

// scan scans the next piece of the input (its bytes from file offset s.off).
func (s *streamState) scan(b []byte) {
	s.chunk(b)
	if !s.bad {
		s.chunkEnd(b)
	}
	if !s.bad {
		s.lineColAt(b, s.off+int64(len(b)))
	}
	s.off += int64(len(b))
}

// posOf is lineColAt for any offset: one before the current position (the
// start of an overlong string) is found by reading the input again.
func (s *streamState) posOf(buf []byte, p int64) (int, int) {
	if p >= s.linePos {
		return s.lineColAt(buf, p)
	}
	line, last := 1, int64(-1)
	for off := int64(0); off < p; {
		n := min(1<<20, p-off)
		b, err := s.fl.reread(off, int(n))
		if err != nil {
			return 0, 0
		}
		for j := bytes.IndexByte(b, '\n'); j >= 0; {
			line++
			last = off + int64(j)
			k := bytes.IndexByte(b[j+1:], '\n')
			if k < 0 {
				break
			}
			j += k + 1
		}
		off += n
	}
	return line, int(p - last)
}

// fail reports a file-level error at file offset p and stops the scan.
func (s *streamState) fail(buf []byte, p int64, format string, a ...any) {
	line, col := s.posOf(buf, p)
	s.fl.errorLC(line, col, fmt.Sprintf(format, a...))
	s.bad = true
}

// unexpected refuses the byte at buf[i], which the JSON grammar does not
// allow here, in the words of the in-memory parser.
func (s *streamState) unexpected(buf []byte, i int) {
	what := fmt.Sprintf("character %q", rune(buf[i]))
	if buf[i] == '"' {
		what = "character '\"'"
	}
	switch s.want {
	case gColon:
		s.fail(buf, s.off+int64(i), "invalid JSON: invalid %s after object key, expected ':'", what)
	case gEnd:
		s.fail(buf, s.off+int64(i), "invalid JSON: invalid %s after top-level value", what)
	default:
		s.fail(buf, s.off+int64(i), "invalid JSON: invalid %s", what)
	}
}

func (s *streamState) failNoPos(msg string) {
	s.fl.errorLC(0, 0, msg)
	s.bad = true
}

// soft reports a result- or run-level error at file offset p; the scan goes on.
func (s *streamState) soft(buf []byte, p int64, format string, a ...any) {
	line, col := s.lineColAt(buf, p)
	s.fl.errorLC(line, col, fmt.Sprintf(format, a...))
}

// chunkEnd checks the limits on what is still open at the end of a chunk.
func (s *streamState) chunkEnd(buf []byte) {
	end := s.off + int64(len(buf))
	switch {
	case s.inStr && end-s.strStart > s.lim.MaxToken:
		s.fail(buf, s.strStart, "%s", limitMsg("a string longer than", s.lim.MaxToken, "max-token"))
	case s.inTok && end-s.tokStart > s.lim.MaxToken:
		s.fail(buf, s.tokStart, "%s", limitMsg("a number or literal longer than", s.lim.MaxToken, "max-token"))
	case s.capKind != 0 && int64(len(s.capBuf)) > s.lim.maxCapture():
		what := "a result"
		if s.capKind != 1 {
			what = "a run member"
		}
		s.fail(buf, s.capOff, "%s larger than %s", what, HumanBytes(s.lim.maxCapture()))
	}
}

// atEOF reports what the end of the input leaves unfinished or missing.
func (s *streamState) atEOF() {
	at := func(format string, a ...any) {
		line, col := s.lineNo, int(s.linePos-s.lastNL)
		s.fl.errorLC(line, col, fmt.Sprintf(format, a...))
		s.bad = true
	}
	switch {
	case s.inStr:
		at("invalid JSON: unexpected end of input inside a string")
	case len(s.stack) > 0:
		what := "an array"
		if s.stack[len(s.stack)-1] == '{' {
			what = "an object"
		}
		at("invalid JSON: unexpected end of input inside %s", what)
	case !s.sawTop:
		at("not a SARIF log: expected an object, found end of input")
	case s.version != "" && s.version != "2.1.0":
		s.fl.errs, s.fl.nerrs, s.fl.runs, s.fl.nresults = nil, 0, nil, 0
		s.fl.errorLC(1, 1, fmt.Sprintf("unsupported SARIF version %q (secui reads SARIF 2.1.0; convert with `sarif-multitool transform --sarif-output-version Current`)", s.version))
		s.bad = true
	case s.version == "" && !s.runsSeen:
		s.fl.errorLC(1, 1, `not a SARIF log: no "version" and no "runs"`)
		s.bad = true
	case !s.runsSeen:
		s.fl.errorLC(1, 1, `not a SARIF log: no "runs" array`)
		s.bad = true
	}
}

// kindOf names the kind of JSON value starting with byte c.
func kindOf(c byte) string {
	switch {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "a number"
	}
	return kindOrChar(c)
}

func (s *streamState) chunk(buf []byte) {
	n := len(buf)
	i := 0
	if s.capKind != 0 {
		s.capFrom = 0
	}
	for i < n && !s.bad {
		if len(s.stack) > deepFrom && !s.inStr && !s.inTok {
			if j := s.deep(buf, i); j != i {
				i = j
				continue
			}
		}
		if s.inStr {
			if s.esc {
				s.esc = false
				i++
				continue
			}
			q := bytes.IndexByte(buf[i:], '"')
			lim := n
			if q >= 0 {
				lim = i + q
			}
			if b := bytes.IndexByte(buf[i:lim], '\\'); b >= 0 {
				if s.keyCap {
					s.keyAppend(buf[i : i+b])
				}
				i += b + 1
				if i < n {
					if s.keyCap {
						s.keyAppend([]byte{'\\', buf[i]})
					}
					i++
				} else {
					s.esc = true
				}
				continue
			}
			if q < 0 {
				if s.keyCap {
					s.keyAppend(buf[i:])
				}
				i = n
				continue
			}
			if s.keyCap {
				s.keyAppend(buf[i:lim])
			}
			s.inStr = false
			if s.off+int64(lim)-s.strStart > s.lim.MaxToken {
				s.fail(buf, s.strStart, "%s", limitMsg("a string longer than", s.lim.MaxToken, "max-token"))
				return
			}
			i = lim + 1
			s.stringEnd(buf, i)
			continue
		}
		c := buf[i]
		if s.inTok {
			switch c {
			case ' ', '\n', '\r', '\t', '"', ':', ',', '{', '[', '}', ']':
				s.inTok = false
				if s.off+int64(i)-s.tokStart > s.lim.MaxToken {
					s.fail(buf, s.tokStart, "%s", limitMsg("a number or literal longer than", s.lim.MaxToken, "max-token"))
					return
				}
				tok := buf[:i]
				if s.tokStart >= s.off {
					tok = buf[s.tokStart-s.off : i]
				} else {
					tok = append(s.tokCarry, tok...)
				}
				s.tokCarry = s.tokCarry[:0]
				if msg := badToken(tok); msg != "" {
					s.fail(buf, s.tokStart, "invalid JSON: %s", msg)
					return
				}
			default:
				i++
				continue
			}
		}
		switch c {
		case ' ', '\n', '\r', '\t':
		case '"':
			isKey := s.want == gKey || s.want == gKeyOrClose
			if !isKey && s.want != gValue && s.want != gValueOrClose {
				s.unexpected(buf, i)
				return
			}
			s.inStr = true
			s.strStart = s.off + int64(i)
			if isKey {
				s.want = gColon
			} else {
				s.want = gSep
			}
			top := s.top()
			if top == '{' && s.expectKey {
				s.expectKey = false
				if d := len(s.stack); s.skipTo < 0 && (d == 1 || d == 3 || (d == 5 && s.capKind == 1 && !s.skipping)) {
					s.keyCap = true
					s.key = s.key[:0]
				}
			} else {
				s.valueStart(buf, i, c)
			}
		case ':':
			if s.want != gColon {
				s.unexpected(buf, i)
				return
			}
			s.want = gValue
			s.valPending = true
		case ',':
			if s.want != gSep || len(s.stack) == 0 {
				s.unexpected(buf, i)
				return
			}
			if s.top() == '{' {
				s.expectKey = true
				s.want = gKey
			} else {
				s.want = gValue
			}
			s.valPending = false
		case '{', '[':
			if s.want != gValue && s.want != gValueOrClose {
				s.unexpected(buf, i)
				return
			}
			if c == '{' {
				s.want = gKeyOrClose
			} else {
				s.want = gValueOrClose
			}
			if len(s.stack) >= s.lim.MaxDepth {
				s.fail(buf, s.off+int64(i), "nesting deeper than %d levels (limits.max-depth)", s.lim.MaxDepth)
				return
			}
			s.valueStart(buf, i, c)
			if s.bad {
				return
			}
			s.stack = append(s.stack, c)
			s.expectKey = c == '{'
			s.valPending = false
			if c == '{' && len(s.stack) == 1 {
				s.sawTop = true
			}
		case '}', ']':
			d := len(s.stack)
			if d == 0 || (c == '}') != (s.stack[d-1] == '{') ||
				!(s.want == gSep || (c == '}' && s.want == gKeyOrClose) || (c == ']' && s.want == gValueOrClose)) {
				s.fail(buf, s.off+int64(i), "invalid JSON: unexpected %q", rune(c))
				return
			}
			if d == 1 {
				s.want = gEnd
			} else {
				s.want = gSep
			}
			s.stack = s.stack[:d-1]
			s.expectKey = false
			s.valPending = false
			s.closed(buf, i+1, d-1)
		default:
			if s.want != gValue && s.want != gValueOrClose {
				s.unexpected(buf, i)
				return
			}
			s.want = gSep
			if len(s.stack) == 0 {
				s.want = gEnd
			}
			s.inTok = true
			s.tokStart = s.off + int64(i)
			s.valueStart(buf, i, c)
		}
		i++
	}
	if s.capKind != 0 && !s.bad && !s.skipping {
		s.capBuf = append(s.capBuf, buf[s.capFrom:]...)
	}
	if s.inTok && !s.bad { // a token cut by the read: keep its bytes to check it whole
		s.tokCarry = append(s.tokCarry, buf[max(s.tokStart-s.off, 0):]...)
	}
}

// badToken says what is wrong with a number or literal token (the bytes
// between delimiters), as the in-memory scanner (skipValue) would refuse it:
// a literal must be spelt exactly, a number may hold only digits, '.', 'e',
// 'E', '+' and '-'; "" when it is fine.
func badToken(tok []byte) string {
	if len(tok) == 0 {
		return ""
	}
	switch c := tok[0]; {
	case c == 't' || c == 'f' || c == 'n':
		lit := "null"
		if c == 't' {
			lit = "true"
		} else if c == 'f' {
			lit = "false"
		}
		if string(tok) != lit {
			return "invalid literal, expected " + lit
		}
		return ""
	case c == '-' || (c >= '0' && c <= '9'):
		for _, b := range tok[1:] {
			if !(b >= '0' && b <= '9' || b == '.' || b == 'e' || b == 'E' || b == '+' || b == '-') {
				return fmt.Sprintf("invalid character %s in a number", kindOrChar(b))
			}
		}
		return ""
	}
	return fmt.Sprintf("invalid character %s looking for beginning of value", kindOrChar(tok[0]))
}

// kindOrChar quotes a printable byte, or names it in hex.
func kindOrChar(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// deepFrom is the depth below which no byte concerns the scanner beyond the
// grammar: nothing is captured, cut or looked up deeper than a result's
// members (depth 5), a run's members (3) or the top level's (1).
const deepFrom = 5

// deep scans the bytes of buf from i while the nesting stays deeper than
// deepFrom, checking the grammar exactly as chunk does, with the state in
// locals: most of a file's bytes are inside a result's locations, flows and
// fixes, or a run's rules, where chunk's hooks have nothing to do. It
// returns where it stopped: at the end of buf, or at a byte it leaves to
// chunk (a close back to deepFrom, a string or token that does not end in
// this chunk or is too long, anything the grammar refuses, the depth limit),
// which chunk then handles, and reports, as always.
func (s *streamState) deep(buf []byte, i int) int {
	start := i
	stack, want, valPending := s.stack, s.want, s.valPending
	n := len(buf)
	maxDepth := s.lim.MaxDepth
	maxTok := s.lim.MaxToken
loop:
	for i < n {
		c := buf[i]
		switch c {
		case ' ', '\n', '\r', '\t':
			i++
		case '"':
			isKey := want == gKey || want == gKeyOrClose
			if !isKey && want != gValue && want != gValueOrClose {
				break loop
			}
			j := i + 1
			for {
				q := bytes.IndexByte(buf[j:], '"')
				if q < 0 {
					break loop // ends in a later chunk
				}
				k := j + q
				bs := 0
				for k-1-bs > i && buf[k-1-bs] == '\\' {
					bs++
				}
				if bs%2 == 0 {
					j = k
					break
				}
				j = k + 1
			}
			if int64(j-i) > maxTok {
				break loop
			}
			i = j + 1
			switch {
			case isKey && i < n && buf[i] == ':': // the usual: the colon right after the key
				want, valPending = gValue, true
				i++
			case isKey:
				want = gColon
			case i < n && buf[i] == ',': // the usual: a comma right after the value
				want, valPending = sepNext(stack), false
				i++
			default:
				want = gSep
			}
		case ':':
			if want != gColon {
				break loop
			}
			want, valPending = gValue, true
			i++
		case ',':
			if want != gSep {
				break loop
			}
			want, valPending = sepNext(stack), false
			i++
		case '{', '[':
			if (want != gValue && want != gValueOrClose) || len(stack) >= maxDepth {
				break loop
			}
			if c == '{' {
				want = gKeyOrClose
			} else {
				want = gValueOrClose
			}
			stack = append(stack, c)
			valPending = false
			i++
		case '}', ']':
			d := len(stack)
			if d <= deepFrom+1 || (c == '}') != (stack[d-1] == '{') ||
				!(want == gSep || (c == '}' && want == gKeyOrClose) || (c == ']' && want == gValueOrClose)) {
				break loop
			}
			stack = stack[:d-1]
			want, valPending = gSep, false
			i++
			if i < n && buf[i] == ',' && len(stack) > deepFrom { // the usual: a comma right after the close
				want = sepNext(stack)
				i++
			}
		default:
			if want != gValue && want != gValueOrClose {
				break loop
			}
			j := i + 1
			if c == '-' || (c >= '0' && c <= '9') {
				// A number: the bytes badToken allows, then a delimiter.
				for j < n && (buf[j] >= '0' && buf[j] <= '9' || buf[j] == '.' || buf[j] == 'e' || buf[j] == 'E' || buf[j] == '+' || buf[j] == '-') {
					j++
				}
				if j == n || int64(j-i) > maxTok {
					break loop // ends in a later chunk or too long: chunk says so
				}
				switch buf[j] {
				case ' ', '\n', '\r', '\t', '"', ':', ',', '{', '[', '}', ']':
				default:
					break loop // a byte no number has: chunk says so
				}
				want, i = gSep, j
				if buf[j] == ',' { // the usual: a comma right after the number
					want, valPending, i = sepNext(stack), false, j+1 // as the ',' case
				}
				continue
			}
		tok:
			for ; j < n; j++ {
				switch buf[j] {
				case ' ', '\n', '\r', '\t', '"', ':', ',', '{', '[', '}', ']':
					break tok
				}
			}
			if j == n || int64(j-i) > maxTok || badToken(buf[i:j]) != "" {
				break loop // ends in a later chunk, too long or misspelt: chunk says so
			}
			want = gSep
			i = j
		}
	}
	if i == start {
		return i
	}
	s.stack, s.want, s.valPending = stack, want, valPending
	s.expectKey = want == gKey || want == gKeyOrClose
	return i
}

// sepNext is what the grammar allows after a comma in the container on top
// of stack: a key in an object, a value in an array.
func sepNext(stack []byte) byte {
	if stack[len(stack)-1] == '{' {
		return gKey
	}
	return gValue
}

// keyAppend collects a member key; keys longer than any key the scanner
// looks for are cut short (they match nothing either way).
func (s *streamState) keyAppend(b []byte) {
	if room := 64 - len(s.key); room > 0 {
		s.key = append(s.key, b[:min(len(b), room)]...)
	} else if len(s.key) == 64 {
		s.key = append(s.key, 0) // marks the key as too long to match
	}
}

func (s *streamState) top() byte {
	if len(s.stack) == 0 {
		return 0
	}
	return s.stack[len(s.stack)-1]
}

// valueStart is called at the first byte of any value (before a container is
// pushed).
func (s *streamState) valueStart(buf []byte, i int, c byte) {
	d := len(s.stack)
	if s.skipTo >= 0 {
		return // inside a misplaced element
	}
	if s.capKind != 0 {
		if s.capKind == 1 && d == 5 && s.valPending && s.key5skip && !s.skipping && (c == '[' || c == '{') {
			// Leave a bulky member out of the copy; details are decoded
			// from the file when the finding is opened.
			s.capBuf = append(s.capBuf, buf[s.capFrom:i]...)
			s.capBuf = append(s.capBuf, '1')
			s.skipping, s.skipFrom, s.cut = true, s.off+int64(i), true
			s.capFrom = i
		}
		return
	}
	pos := s.off + int64(i)
	// skip leaves a misplaced container out (its elements are not looked at).
	skip := func() {
		if c == '{' || c == '[' {
			s.skipTo = d
		}
	}
	switch {
	case d == 0:
		if s.sawTop {
			s.fail(buf, pos, "invalid JSON: unexpected data after the top-level object")
		} else if c != '{' {
			s.fail(buf, pos, "not a SARIF log: expected an object, found %s", kindOf(c))
		}
	case d == 1 && s.valPending && s.key1 == "runs":
		s.runsSeen = true
		if c != '[' && c != 'n' {
			s.fail(buf, pos, "\"runs\" must be an array, found %s", kindOf(c))
		}
	case d == 1 && s.valPending && s.key1 == "version":
		if c != '"' {
			s.fail(buf, pos, "\"version\" must be a string, found %s", kindOf(c))
			return
		}
		s.startCapture(buf, i, 3, d)
	case d >= 2 && s.key1 != "runs":
		// Inside another top-level member: nothing here is a run or a
		// result (a "results" array under it belongs to no run).
	case d == 2 && s.top() == '[':
		if c != '{' {
			s.soft(buf, pos, "runs[%d] must be an object, found %s", s.runIdx, kindOf(c))
			s.runIdx++
			skip()
			return
		}
		s.run = s.fl.newRun(s.runIdx, s.pl)
		s.run.reread = s.fl.reread
		s.run.arenas = s.takeArenas
		s.resIdx = 0
	case d == 3 && s.valPending && s.key3 == "results":
		if c == 'n' {
			return
		}
		if c != '[' {
			s.soft(buf, pos, "runs[%d].results must be an array, found %s", s.runIdx, kindOf(c))
			skip()
			return
		}
		s.run.resultsStart()
	case d == 3 && s.valPending && (c == '{' || c == '['):
		switch s.key3 {
		case "tool", "originalUriBaseIds", "artifacts", "taxonomies", "automationDetails", "versionControlProvenance":
			s.startCapture(buf, i, 2, d)
		}
	case d == 3 && s.valPending && c == '"' && s.key3 == "columnKind":
		s.startCapture(buf, i, 4, d)
	case d == 4 && s.key3 == "results" && s.top() == '[':
		if c != '{' {
			s.soft(buf, pos, "runs[%d].results[%d] must be an object, found %s", s.runIdx, s.resIdx, kindOf(c))
			s.resIdx++
			s.countResult(buf, pos)
			skip()
			return
		}
		s.startCapture(buf, i, 1, d)
	}
}

// countResult counts one result against limits.max-results.
func (s *streamState) countResult(buf []byte, pos int64) {
	s.fl.nresults++
	if s.fl.nresults > s.lim.MaxResults {
		s.fail(buf, pos, "more than %d results (limits.max-results)", s.lim.MaxResults)
	}
}

func (s *streamState) startCapture(buf []byte, i, kind, depth int) {
	s.capKind, s.capDepth, s.capFrom = kind, depth, i
	s.capBuf = s.capBuf[:0]
	s.capOff = s.off + int64(i)
	s.capLine, s.capCol = s.lineColAt(buf, s.capOff)
}

func (s *streamState) takeCapture(buf []byte, end int) []byte {
	n := len(s.capBuf) + end - s.capFrom
	// Results are copied into pooled 1 MiB arenas shared by neighbouring
	// results and recycled once their batch is decoded: no allocation (and, on
	// sandboxed kernels, no page faults) per result.
	if s.cur == nil || cap(s.cur.buf)-len(s.cur.buf) < n {
		if s.cur != nil {
			s.used = append(s.used, s.cur)
		}
		s.cur = newArena(n)
	}
	start := len(s.cur.buf)
	s.cur.buf = append(s.cur.buf, s.capBuf...)
	s.cur.buf = append(s.cur.buf, buf[s.capFrom:end]...)
	out := s.cur.buf[start:len(s.cur.buf):len(s.cur.buf)]
	s.capKind = 0
	if cap(s.capBuf) > 1<<20 {
		s.capBuf = nil
	}
	return out
}

// takeArenas hands the arenas filled so far to a batch.
func (s *streamState) takeArenas() []*arena {
	out := s.used
	if s.cur != nil {
		out = append(out, s.cur)
	}
	s.used, s.cur = nil, nil
	return out
}

// arena is a reusable buffer for result bytes.
type arena struct{ buf []byte }

const arenaSize = 256 << 10

var arenaPool = sync.Pool{New: func() any { return &arena{buf: make([]byte, 0, arenaSize)} }}

func newArena(n int) *arena {
	if n > arenaSize {
		return &arena{buf: make([]byte, 0, n)}
	}
	return arenaPool.Get().(*arena)
}

func (a *arena) release() {
	if cap(a.buf) == arenaSize {
		a.buf = a.buf[:0]
		arenaPool.Put(a)
	}
}

// stringEnd is called after a string's closing quote; end is the index after it.
func (s *streamState) stringEnd(buf []byte, end int) {
	if s.keyCap {
		s.keyCap = false
		switch len(s.stack) {
		case 1:
			s.key1 = string(s.key)
		case 3:
			s.key3 = string(s.key)
		case 5:
			s.key5skip = isSkipMember(s.key)
		}
		return
	}
	if s.capKind == 4 {
		v := s.takeCapture(buf, end)
		s.run.meta("columnKind", v, s.capOff, s.capLine, s.capCol)
		return
	}
	if s.capKind == 3 {
		v := s.takeCapture(buf, end)
		var str string
		if jsonUnmarshalString(v, &str) {
			s.version = str
		} else {
			s.fail(buf, s.capOff, "\"version\" must be a string")
		}
	}
}

// closed is called after a container closes; end is the index after the
// bracket and depth the depth now.
func (s *streamState) closed(buf []byte, end, depth int) {
	if s.skipTo >= 0 {
		if depth == s.skipTo {
			s.skipTo = -1
		}
		return
	}
	if s.skipping && depth == 5 {
		if s.off+int64(end)-s.skipFrom <= 2 { // [] or {}: empty, say so
			s.capBuf[len(s.capBuf)-1] = '0'
		}
		s.skipping = false
		s.capFrom = end
		return
	}
	if s.capKind != 0 && depth == s.capDepth {
		data := s.takeCapture(buf, end)
		switch s.capKindDone() {
		case 1:
			j := resultJob{index: s.resIdx, data: data, off: s.capOff, line: s.capLine, col: s.capCol}
			if s.cut {
				j.orig = int(s.off + int64(end) - s.capOff)
				s.cut = false
			}
			s.run.result(j)
			s.resIdx++
			if s.fl.nresults > s.lim.MaxResults {
				s.fail(buf, s.off+int64(end), "more than %d results (limits.max-results)", s.lim.MaxResults)
			}
		case 2:
			s.run.meta(s.key3, data, s.capOff, s.capLine, s.capCol)
		}
		return
	}
	if depth == 2 && s.run != nil { // a run object closed
		s.fl.runs = append(s.fl.runs, s.run.end())
		s.run = nil
		s.runIdx++
	}
}

// capKindDone returns the kind of the capture just taken (takeCapture resets
// capKind, so it is remembered by depth: results are captured at depth 4).
func (s *streamState) capKindDone() int {
	if s.capDepth == 4 {
		return 1
	}
	return 2
}

func jsonUnmarshalString(b []byte, out *string) bool {
	return jsonStd.Unmarshal(b, out) == nil
}

// isSkipMember says whether a result member is one the list view does not need. Streamed
// results are copied without them (a placeholder records whether they were
// empty), which spares the decoder most of a data-flow result's bytes.
func isSkipMember(key []byte) bool {
	switch string(key) {
	case "codeFlows", "fixes", "relatedLocations", "stacks", "graphs",
		"graphTraversals", "webRequest", "webResponse", "attachments", "provenance":
		return true
	}
	return false
}
