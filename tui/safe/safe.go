// Package safe makes untrusted text (everything read from SARIF, file contents,
// tool output) safe to put on a terminal: escape sequences are stripped and C0/C1
// control characters and bidirectional overrides are removed.
package safe

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Line returns s for display on one line: escape sequences are stripped, control
// characters (newlines and tabs included) become single spaces, and bidi
// overrides (Trojan Source) are dropped. Clean input is returned without copying.
func Line(s string) string {
	if isClean(s, false) {
		return s
	}
	return clean(s, false)
}

// Text is like Line but keeps newlines; tabs become four spaces.
func Text(s string) string {
	if isClean(s, true) {
		return s
	}
	return clean(s, true)
}

func isClean(s string, multiline bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 0x20:
			if !(multiline && c == '\n') {
				return false
			}
		case c == 0x7f:
			return false
		case c >= 0x80:
			// slow path for non-ASCII: check the rune
			r, n := utf8.DecodeRuneInString(s[i:])
			if bad(r) {
				return false
			}
			i += n - 1
		}
	}
	return true
}

func bad(r rune) bool {
	return r == utf8.RuneError || (r >= 0x80 && r <= 0x9f) || isBidi(r) || r == 0x2028 || r == 0x2029
}

func isBidi(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

func clean(s string, multiline bool) string {
	if strings.IndexByte(s, 0x1b) >= 0 || strings.ContainsRune(s, 0x9b) || strings.ContainsRune(s, 0x9d) {
		s = ansi.Strip(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' && multiline:
			b.WriteByte('\n')
		case r == '\t' && multiline:
			b.WriteString("    ")
		case r == '\r' && multiline:
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		case r == utf8.RuneError:
			b.WriteRune('\uFFFD')
		case r >= 0x80 && r <= 0x9f, isBidi(r):
		case r == 0x2028 || r == 0x2029:
			if multiline {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
