// Package evidence records where, and on what code, a finding was seen, so a
// decision can recognise its finding again after edits: the path and line,
// the commit scanned, the normalised finding line, a small context window
// around it and the enclosing symbol where that is cheap to know (Go, through
// go/parser; nothing for other languages).
//
// Source text is never stored, only short hashes: a finding line can hold a
// secret, and the ledger is committed. Lines are normalised by removing all
// white space, so re-indentation (gofmt) and spacing inside a line do not
// change them.
//
// It also maps the lines of a file at a past commit to the working tree
// (Diff, LineMap): the matcher follows a decision's line through the edits
// made since it was decided.
package evidence

import (
	"bytes"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/repofs"
)

// Evidence is what a finding was seen on.
type Evidence struct {
	Path     string   // repository-relative slash path
	Line     int      // 1-based finding line (0 unknown)
	Col      int      // 1-based start column (0 unknown): tells two findings of one rule on one line apart
	Commit   string   // HEAD commit of the scan or decision ("" unknown)
	LineHash uint32   // hash of the normalised finding line (0 unknown or blank)
	Tokens   []uint32 // hashes of the finding line's tokens, in order
	Context  []uint32 // hashes of the normalised non-blank lines around it, nearest first, the line itself excluded
	Symbol   string   // enclosing symbol, e.g. "func (*Server).Login" ("" unknown)
}

// Empty reports whether e carries no code evidence (only a location at best).
func (e Evidence) Empty() bool { return e.LineHash == 0 && len(e.Context) == 0 }

// ContextLines is how many non-blank lines on each side of the finding line
// the context window keeps.
const ContextLines = 3

// File is one file's normalised lines, for capturing the evidence of many
// findings in it. It keeps the text in memory only; nothing of it is stored.
type File struct {
	Path  string
	lines [][]byte // raw lines
	norm  []uint32 // hash of each normalised line (0 for a blank line)

	symOnce sync.Once
	syms    []symRange
}

// NewFile splits data into lines (LF, CRLF or CR).
func NewFile(path string, data []byte) *File {
	f := &File{Path: path}
	for len(data) > 0 {
		i := bytes.IndexAny(data, "\r\n")
		if i < 0 {
			f.lines = append(f.lines, data)
			break
		}
		f.lines = append(f.lines, data[:i])
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	f.norm = make([]uint32, len(f.lines))
	for i, l := range f.lines {
		f.norm[i] = hashNorm(l)
	}
	return f
}

// Lines is the number of lines.
func (f *File) Lines() int { return len(f.lines) }

// Hash is the hash of normalised line (1-based); 0 for a blank line or a
// line out of range.
func (f *File) Hash(line int) uint32 {
	if line < 1 || line > len(f.norm) {
		return 0
	}
	return f.norm[line-1]
}

// Count is how many lines of f normalise to h.
func (f *File) Count(h uint32) int {
	n := 0
	for _, x := range f.norm {
		if x == h {
			n++
		}
	}
	return n
}

// WindowTokens returns the tokens of lines [line, line+n) (clipped to the
// file): a statement re-wrapped over several lines still holds the tokens of
// the line it was on.
func (f *File) WindowTokens(line, n int) []uint32 {
	var out []uint32
	for l := max(line, 1); l < line+n && l <= len(f.lines); l++ {
		out = append(out, Tokens(f.lines[l-1])...)
	}
	return out
}

// At returns the evidence for a finding at line (1-based) of f.
func (f *File) At(line int) Evidence {
	e := Evidence{Path: f.Path, Line: line}
	if line < 1 || line > len(f.lines) {
		return e
	}
	i := line - 1
	e.LineHash = f.norm[i]
	e.Tokens = Tokens(f.lines[i])
	// Nearest non-blank lines first, alternating above and below, so that
	// blank lines added or removed do not change the window.
	var up, down []uint32
	for k := i - 1; k >= 0 && len(up) < ContextLines; k-- {
		if f.norm[k] != 0 {
			up = append(up, f.norm[k])
		}
	}
	for k := i + 1; k < len(f.lines) && len(down) < ContextLines; k++ {
		if f.norm[k] != 0 {
			down = append(down, f.norm[k])
		}
	}
	for k := 0; k < ContextLines; k++ {
		if k < len(up) {
			e.Context = append(e.Context, up[k])
		}
		if k < len(down) {
			e.Context = append(e.Context, down[k])
		}
	}
	e.Symbol = f.Symbol(line)
	return e
}

// hashNorm hashes a line with all white space removed (FNV-1a, 32 bit);
// a blank line is 0.
func hashNorm(l []byte) uint32 {
	h := uint32(2166136261)
	n := 0
	for i := 0; i < len(l); {
		c := l[i]
		if c < utf8.RuneSelf {
			i++
			if c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n' {
				continue
			}
			n++
			h ^= uint32(c)
			h *= 16777619
			continue
		}
		r, w := utf8.DecodeRune(l[i:])
		if unicode.IsSpace(r) {
			i += w
			continue
		}
		n++
		for _, b := range l[i : i+w] {
			h ^= uint32(b)
			h *= 16777619
		}
		i += w
	}
	if n == 0 {
		return 0
	}
	if h == 0 {
		h = 1
	}
	return h
}

// HashLine is the normalised hash of one line of text (as in LineHash).
func HashLine(l []byte) uint32 { return hashNorm(l) }

// Tokens hashes the tokens of a line: runs of letters, digits and '_' are
// one token each; every other non-space character is a token of its own.
func Tokens(l []byte) []uint32 {
	var out []uint32
	word := func(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
	for i := 0; i < len(l); {
		r, w := utf8.DecodeRune(l[i:])
		switch {
		case unicode.IsSpace(r):
			i += w
		case word(r):
			j := i
			for j < len(l) {
				r2, w2 := utf8.DecodeRune(l[j:])
				if !word(r2) {
					break
				}
				j += w2
			}
			out = append(out, hashNorm(l[i:j]))
			i = j
		default:
			out = append(out, hashNorm(l[i:i+w]))
			i += w
		}
	}
	return out
}

// Capturer captures evidence for findings in a working tree, reading each
// file once through the repository confinement. It is safe for concurrent
// use.
type Capturer struct {
	root   *repofs.Root
	commit string
	mu     sync.Mutex
	files  map[string]*File
}

// MaxFile bounds the size of files read for evidence.
const MaxFile = 8 << 20

// NewCapturer captures from root (nil: no file is read); commit is recorded
// in every Evidence.
func NewCapturer(root *repofs.Root, commit string) *Capturer {
	return &Capturer{root: root, commit: commit, files: map[string]*File{}}
}

// Commit is the commit recorded in every Evidence.
func (c *Capturer) Commit() string {
	if c == nil {
		return ""
	}
	return c.commit
}

// File returns the working-tree file at path (nil when it cannot be read:
// missing, refused by the confinement, too large). Files are read once.
func (c *Capturer) File(path string) *File {
	if c == nil || c.root == nil || path == "" {
		return nil
	}
	c.mu.Lock()
	f, ok := c.files[path]
	c.mu.Unlock()
	if ok {
		return f
	}
	// A file not in the tree (a log scanned elsewhere) fails with one stat,
	// not a symlink walk of every parent.
	if !c.root.Missing(path) {
		if data, err := c.root.ReadFile(path, MaxFile); err == nil {
			f = NewFile(path, data)
		}
	}
	c.mu.Lock()
	if g, ok := c.files[path]; ok {
		f = g
	} else {
		c.files[path] = f
	}
	c.mu.Unlock()
	return f
}

// Capture returns the evidence of a finding at path:line. ok is false when
// the file cannot be read (missing, refused, too large); the Evidence then
// holds the location only.
func (c *Capturer) Capture(path string, line int) (Evidence, bool) {
	e := Evidence{Path: path, Line: line, Commit: c.Commit()}
	f := c.File(path)
	if f == nil {
		return e, false
	}
	got := f.At(line)
	got.Commit = e.Commit
	return got, true
}

// ForFinding is the evidence of f as it is now in the working tree (the
// location only when f is not in the repository or its file cannot be
// read). Its shape is ledger.Request.Evidence's.
func (c *Capturer) ForFinding(f *findings.Finding) Evidence {
	if f == nil {
		return Evidence{}
	}
	if !f.Loc.InRepo {
		return Evidence{Path: f.Loc.Path, Line: f.Loc.Line, Col: f.Loc.Col, Commit: c.Commit()}
	}
	e, _ := c.Capture(f.Loc.Path, f.Loc.Line)
	e.Col = f.Loc.Col
	return e
}

// ContextSimilarity is the share of a's context hashes found in b's
// (Jaccard over the two multisets), 0..1. Two empty contexts score 0.
func ContextSimilarity(a, b Evidence) float64 { return Jaccard(a.Context, b.Context) }

// TokenSimilarity compares the finding lines' tokens (Jaccard), 0..1.
func TokenSimilarity(a, b Evidence) float64 { return Jaccard(a.Tokens, b.Tokens) }

// Jaccard is |a∩b| / |a∪b| over multisets; 0 when either is empty.
func Jaccard(a, b []uint32) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := intersect(a, b)
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// Containment is the share of a's tokens (multiset) that b holds, 0..1; 0
// when a is empty.
func Containment(a, b []uint32) float64 {
	if len(a) == 0 {
		return 0
	}
	return float64(intersect(a, b)) / float64(len(a))
}

func intersect(a, b []uint32) int {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(b) <= 64 { // context windows and most lines: no map
		var used uint64
		inter := 0
		for _, x := range a {
			for j, y := range b {
				if y == x && used&(1<<j) == 0 {
					used |= 1 << j
					inter++
					break
				}
			}
		}
		return inter
	}
	m := make(map[uint32]int, len(a))
	for _, x := range a {
		m[x]++
	}
	inter := 0
	for _, y := range b {
		if m[y] > 0 {
			m[y]--
			inter++
		}
	}
	return inter
}
