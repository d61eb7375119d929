// Package evidence records where, and on what code, a finding was seen, so a
// decision can recognise its finding again after edits: the path and line,
// the commit scanned, the normalised finding line, a small context window
// around it and the enclosing symbol where that is cheap to know.
//
// Source text is never stored, only short hashes: a finding line can hold a
// secret, and the ledger is committed. Lines are normalised by removing all
// white space, so re-indentation and re-wrapping inside a line do not change
// them.
//
// STATUS: interface fixed for issue 7; the capture below is a first working
// version that the identity work refines (tokenisation, Go symbols, window).
package evidence

import (
	"bytes"
	"unicode"

	"github.com/secui/secui/findings/repofs"
)

// Evidence is what a finding was seen on.
type Evidence struct {
	Path     string   // repository-relative slash path
	Line     int      // 1-based finding line (0 unknown)
	Commit   string   // HEAD commit of the scan or decision ("" unknown)
	LineHash uint32   // hash of the normalised finding line (0 unknown)
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
// findings in it.
type File struct {
	Path  string
	lines [][]byte // raw lines
	norm  []uint32 // hash of each normalised line (0 for a blank line)
	data  []byte
}

// NewFile splits data into lines (LF, CRLF or CR).
func NewFile(path string, data []byte) *File {
	f := &File{Path: path, data: data}
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

// At returns the evidence for a finding at line (1-based) of f.
func (f *File) At(line int) Evidence {
	e := Evidence{Path: f.Path, Line: line}
	if line < 1 || line > len(f.lines) {
		return e
	}
	i := line - 1
	e.LineHash = f.norm[i]
	e.Tokens = Tokens(f.lines[i])
	above, below := 0, 0
	for d := 1; above < ContextLines || below < ContextLines; d++ {
		up, down := i-d, i+d
		if up < 0 && down >= len(f.lines) {
			break
		}
		if up >= 0 && above < ContextLines && f.norm[up] != 0 {
			e.Context = append(e.Context, f.norm[up])
			above++
		}
		if down < len(f.lines) && below < ContextLines && f.norm[down] != 0 {
			e.Context = append(e.Context, f.norm[down])
			below++
		}
	}
	return e
}

// hashNorm hashes a line with all white space removed (FNV-1a, 32 bit);
// a blank line is 0.
func hashNorm(l []byte) uint32 {
	h := uint32(2166136261)
	n := 0
	for _, r := range string(l) {
		if unicode.IsSpace(r) {
			continue
		}
		n++
		for _, b := range []byte(string(r)) {
			h ^= uint32(b)
			h *= 16777619
		}
	}
	if n == 0 {
		return 0
	}
	if h == 0 {
		h = 1
	}
	return h
}

// Tokens hashes the tokens of a line: runs of letters, digits and '_' are
// one token each; every other non-space character is a token of its own.
func Tokens(l []byte) []uint32 {
	var out []uint32
	s := string(l)
	for i := 0; i < len(s); {
		r := rune(s[i])
		w := 1
		if r >= 0x80 {
			r, w = decodeRune(s[i:])
		}
		switch {
		case unicode.IsSpace(r):
			i += w
		case r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			j := i
			for j < len(s) {
				r2, w2 := rune(s[j]), 1
				if r2 >= 0x80 {
					r2, w2 = decodeRune(s[j:])
				}
				if r2 != '_' && !unicode.IsLetter(r2) && !unicode.IsDigit(r2) {
					break
				}
				j += w2
			}
			out = append(out, hashNorm([]byte(s[i:j])))
			i = j
		default:
			out = append(out, hashNorm([]byte(s[i:i+w])))
			i += w
		}
	}
	return out
}

func decodeRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 1
}

// Capturer captures evidence for findings in a working tree, reading each
// file once through the repository confinement.
type Capturer struct {
	root   *repofs.Root
	commit string
	files  map[string]*File
}

// MaxFile bounds the size of files read for evidence.
const MaxFile = 8 << 20

// NewCapturer captures from root (nil: no file is read); commit is recorded
// in every Evidence.
func NewCapturer(root *repofs.Root, commit string) *Capturer {
	return &Capturer{root: root, commit: commit, files: map[string]*File{}}
}

// Capture returns the evidence of a finding at path:line. ok is false when
// the file cannot be read (missing, refused, too large); the Evidence then
// holds the location only.
func (c *Capturer) Capture(path string, line int) (Evidence, bool) {
	e := Evidence{Path: path, Line: line, Commit: c.commit}
	if c.root == nil || path == "" {
		return e, false
	}
	f, ok := c.files[path]
	if !ok {
		data, err := c.root.ReadFile(path, MaxFile)
		if err == nil {
			f = NewFile(path, data)
		}
		c.files[path] = f
	}
	if f == nil {
		return e, false
	}
	got := f.At(line)
	got.Commit = c.commit
	return got, true
}

// ContextSimilarity is the share of a's context hashes found in b's
// (Jaccard over the two multisets), 0..1. Two empty contexts score 0.
func ContextSimilarity(a, b Evidence) float64 { return jaccard(a.Context, b.Context) }

// TokenSimilarity compares the finding lines' tokens (Jaccard), 0..1.
func TokenSimilarity(a, b Evidence) float64 { return jaccard(a.Tokens, b.Tokens) }

func jaccard(a, b []uint32) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
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
	union := len(a) + len(b) - inter
	return float64(inter) / float64(union)
}
