package findings

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Sanitize removes terminal control sequences and control characters (C0 other
// than newline and tab, DEL, C1) from untrusted text. Everything read from SARIF
// passes through it, so no scanner output can move the cursor, retitle the
// window or write to the clipboard of the person reading it.
func Sanitize(s string) string { return sanitize(s) }

func sanitize(s string) string {
	if !needsSanitize(s) {
		return s
	}
	if strings.IndexByte(s, 0x1b) >= 0 || strings.Contains(s, "\u009b") || strings.Contains(s, "\u009d") {
		s = ansi.Strip(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			// drop
		case r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func needsSanitize(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
			return true
		}
		if c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f {
			return true
		}
		if c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9) {
			return true
		}
	}
	return false
}

func sanitizeAll(ss []string) []string {
	for i, s := range ss {
		ss[i] = sanitize(s)
	}
	return ss
}
