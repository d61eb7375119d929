package findings

import (
	"bytes"
	"context"
	jsonStd "encoding/json"
	"io"
	"os"
	"sync"
)

// Large files are streamed: read in fixed-size chunks by a resumable scanner
// that tracks only strings and bracket depth, cuts each result out of the
// `results` arrays and hands it to the decoding workers, and keeps just the run
// metadata it needs. Memory stays proportional to the findings, not the file.
// Anything unusual in the file's outer structure makes the scanner give up;
// the file is then parsed in memory by the validating scanner, which reports
// precise positions.

// streamThreshold is the file size from which files are streamed.
var streamThreshold int64 = 8 << 20

const streamChunk = 4 << 20

type streamState struct {
	fl *fileLoad
	pl *pipeline
	f  *os.File

	stack      []byte
	inStr, esc bool
	expectKey  bool
	valPending bool // after ':' in an object: the next value belongs to the current key

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

func (fl *fileLoad) parseStream(ctx context.Context, f *os.File, start int64) ([]*Finding, bool) {
	fl.reread = func(off int64, n int) ([]byte, error) {
		b := make([]byte, n)
		_, err := f.ReadAt(b, off)
		return b, err
	}
	s := &streamState{fl: fl, f: f, lineNo: 1, lastNL: -1, pl: fl.startPipeline(ctx)}
	buf := make([]byte, streamChunk)
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		s.pl.wait()
		return nil, false
	}
	s.off, s.linePos = start, start
	for !s.bad {
		if ctx.Err() != nil {
			break
		}
		n, err := io.ReadFull(f, buf)
		if n > 0 {
			s.chunk(buf[:n])
			s.lineColAt(buf[:n], s.off+int64(n))
			s.off += int64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			s.bad = true
		}
	}
	fs := s.pl.wait()
	if s.bad || len(s.stack) != 0 || s.inStr || !s.sawTop || !s.runsSeen || (s.version != "" && s.version != "2.1.0") || s.version == "" {
		return nil, false
	}
	return fs, true
}

func (s *streamState) chunk(buf []byte) {
	n := len(buf)
	i := 0
	if s.capKind != 0 {
		s.capFrom = 0
	}
	for i < n && !s.bad {
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
					s.key = append(s.key, buf[i:i+b]...)
				}
				i += b + 1
				if i < n {
					if s.keyCap {
						s.key = append(s.key, '\\', buf[i])
					}
					i++
				} else {
					s.esc = true
				}
				continue
			}
			if q < 0 {
				if s.keyCap {
					s.key = append(s.key, buf[i:]...)
				}
				i = n
				continue
			}
			if s.keyCap {
				s.key = append(s.key, buf[i:lim]...)
			}
			s.inStr = false
			i = lim + 1
			s.stringEnd(buf, i)
			continue
		}
		c := buf[i]
		switch c {
		case ' ', '\n', '\r', '\t':
		case '"':
			s.inStr = true
			top := s.top()
			if top == '{' && s.expectKey {
				s.expectKey = false
				if d := len(s.stack); d == 1 || d == 3 || (d == 5 && s.capKind == 1 && !s.skipping) {
					s.keyCap = true
					s.key = s.key[:0]
				}
			} else {
				s.valueStart(buf, i, c)
			}
		case ':':
			s.valPending = true
		case ',':
			if s.top() == '{' {
				s.expectKey = true
			}
			s.valPending = false
		case '{', '[':
			s.valueStart(buf, i, c)
			s.stack = append(s.stack, c)
			s.expectKey = c == '{'
			s.valPending = false
			if c == '{' && len(s.stack) == 1 {
				s.sawTop = true
			}
		case '}', ']':
			d := len(s.stack)
			if d == 0 || (c == '}') != (s.stack[d-1] == '{') {
				s.bad = true
				return
			}
			s.stack = s.stack[:d-1]
			s.expectKey = false
			s.valPending = false
			s.closed(buf, i+1, d-1)
		default:
			s.valueStart(buf, i, c)
		}
		i++
	}
	if s.capKind != 0 && !s.bad && !s.skipping {
		s.capBuf = append(s.capBuf, buf[s.capFrom:]...)
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
	switch {
	case d == 0:
		if c != '{' {
			s.bad = true
		}
	case d == 1 && s.valPending && s.key1 == "runs":
		s.runsSeen = true
		if c != '[' {
			s.bad = true // null or wrong type: let the validating parser say so
		}
	case d == 1 && s.valPending && s.key1 == "version":
		if c != '"' {
			s.bad = true
			return
		}
		s.startCapture(buf, i, 3, d)
	case d == 2 && s.top() == '[':
		if c != '{' {
			s.bad = true
			return
		}
		s.run = s.fl.newRun(s.runIdx, s.pl)
		s.run.reread = s.fl.reread
		s.run.arenas = s.takeArenas
		s.resIdx = 0
	case d == 3 && s.valPending && s.key3 == "results":
		if c != '[' {
			s.bad = true
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
			s.bad = true
			return
		}
		s.startCapture(buf, i, 1, d)
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

const arenaSize = 1 << 20

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
			s.key5skip = skipMember[string(s.key)]
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
			s.bad = true
		}
	}
}

// closed is called after a container closes; end is the index after the
// bracket and depth the depth now.
func (s *streamState) closed(buf []byte, end, depth int) {
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

// skipMember lists result members the list view does not need. Streamed
// results are copied without them (a placeholder records whether they were
// empty), which spares the decoder most of a data-flow result's bytes.
var skipMember = map[string]bool{
	"codeFlows": true, "fixes": true, "relatedLocations": true, "stacks": true, "graphs": true,
	"graphTraversals": true, "webRequest": true, "webResponse": true, "attachments": true,
	"provenance": true,
}
