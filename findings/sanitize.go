package findings

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Everything read from SARIF is untrusted. These functions make text safe to
// put on a terminal: escape sequences (CSI, OSC — window titles, clipboard
// writes — and the rest) are stripped, C0/C1 control characters removed, and
// bidirectional overrides dropped (Trojan Source). Clean input is returned
// without copying. Ingest applies the multi-line form to every string it
// keeps; the console and the CLI apply the display forms again to anything
// they print (file contents, tool output, errors).

type sanMode uint8

const (
	sanKeep sanMode = iota // ingest: keep newlines and tabs
	sanText                // display, several lines: tabs become four spaces
	sanLine                // display, one line: every control becomes a space
)

// Sanitize keeps newlines and tabs and removes every other control.
func Sanitize(s string) string { return clean(s, sanKeep) }

// SanitizeText is Sanitize for display: tabs become four spaces, carriage
// returns are dropped.
func SanitizeText(s string) string { return clean(s, sanText) }

// SanitizeLine is for one line of display: newlines, tabs and other controls
// become single spaces.
func SanitizeLine(s string) string { return clean(s, sanLine) }

func sanitize(s string) string { return clean(s, sanKeep) }

func sanitizeAll(ss []string) []string {
	for i, s := range ss {
		ss[i] = sanitize(s)
	}
	return ss
}

func isBidi(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

func badRune(r rune) bool {
	return r == utf8.RuneError || (r >= 0x80 && r <= 0x9f) || isBidi(r) || r == 0x2028 || r == 0x2029
}

func isClean(s string, mode sanMode) bool {
	for i := 0; i < len(s); i++ {
		// Eight bytes at a time while they are all printable ASCII (0x20 to
		// 0x7e): no byte below 0x20, none at 0x7f or above.
		for i+8 <= len(s) {
			w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			if ((w-0x2020202020202020)&^w|(w+0x0101010101010101)|w)&0x8080808080808080 != 0 {
				break
			}
			i += 8
		}
		if i == len(s) {
			break
		}
		c := s[i]
		switch {
		case c < 0x20:
			if !(c == '\n' && mode != sanLine || c == '\t' && mode == sanKeep) {
				return false
			}
		case c == 0x7f:
			return false
		case c >= 0x80:
			r, n := utf8.DecodeRuneInString(s[i:])
			if badRune(r) {
				return false
			}
			i += n - 1
		}
	}
	return true
}

func clean(s string, mode sanMode) string {
	if isClean(s, mode) {
		return s
	}
	if strings.IndexByte(s, 0x1b) >= 0 || strings.ContainsRune(s, 0x9b) || strings.ContainsRune(s, 0x9d) {
		s = ansi.Strip(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' && mode != sanLine:
			b.WriteByte('\n')
		case r == '\t' && mode == sanKeep:
			b.WriteByte('\t')
		case r == '\t' && mode == sanText:
			b.WriteString("    ")
		case r == '\r' && mode != sanLine:
		case r < 0x20 || r == 0x7f:
			if mode == sanLine {
				b.WriteByte(' ')
			}
		case r == utf8.RuneError:
			b.WriteRune('\uFFFD')
		case r >= 0x80 && r <= 0x9f, isBidi(r):
		case r == 0x2028 || r == 0x2029:
			if mode == sanLine {
				b.WriteByte(' ')
			} else {
				b.WriteByte('\n')
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// SafeJSON wraps w, which receives JSON text, so that no character a
// terminal would act on reaches it raw: C1 controls, DEL, bidirectional
// overrides and line/paragraph separators (and any other control but
// newline, tab and carriage return) are written as \uXXXX escapes. In valid
// JSON they can only occur inside strings, where the escape means the same
// character: the data is unchanged, only its spelling. Use it for JSON that
// may go to a terminal (stdout) or be pasted into one (exports).
func SafeJSON(w io.Writer) io.Writer { return &safeJSONWriter{w: w} }

type safeJSONWriter struct {
	w       io.Writer
	pending []byte // an incomplete UTF-8 sequence from the previous Write
	out     []byte
}

func escapeRune(r rune) bool {
	return r < 0x20 && r != '\n' && r != '\t' && r != '\r' || r == 0x7f || (r >= 0x80 && r <= 0x9f) || isBidi(r) || r == 0x2028 || r == 0x2029
}

func (s *safeJSONWriter) Write(p []byte) (int, error) {
	n := len(p)
	if len(s.pending) > 0 {
		p = append(s.pending, p...)
		s.pending = nil
	}
	clean := true
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 && c != '\n' && c != '\t' && c != '\r' || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		_, err := s.w.Write(p)
		return n, err
	}
	out := s.out[:0]
	for i := 0; i < len(p); {
		c := p[i]
		if c < 0x80 {
			if escapeRune(rune(c)) {
				out = fmt.Appendf(out, `\u%04x`, c)
			} else {
				out = append(out, c)
			}
			i++
			continue
		}
		if !utf8.FullRune(p[i:]) {
			s.pending = append([]byte(nil), p[i:]...)
			break
		}
		r, size := utf8.DecodeRune(p[i:])
		if escapeRune(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, p[i:i+size]...)
		}
		i += size
	}
	s.out = out
	_, err := s.w.Write(out)
	return n, err
}
