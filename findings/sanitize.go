package findings

import (
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
