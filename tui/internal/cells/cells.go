// Package cells fits rendered text to a width and height in terminal cells
// (the shell and the triage screen lay out their panes with it).
package cells

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/tui/findingtable"
)

// Fit truncates (with "…") or pads s to exactly w cells.
func Fit(s string, w int) string {
	sw := findingtable.Width(s)
	switch {
	case sw > w:
		return ansi.Truncate(s, w, "…")
	case sw < w:
		return s + strings.Repeat(" ", w-sw)
	}
	return s
}

// LineAt is lines[i] fitted to w cells, or w blanks past the end.
func LineAt(lines []string, i, w int) string {
	if i < len(lines) {
		return Fit(lines[i], w)
	}
	return strings.Repeat(" ", w)
}

// Block fits s to a w×h block: h lines of exactly w cells.
func Block(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	var b strings.Builder
	b.Grow(len(s) + h*(w+1))
	for i := 0; i < h; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(LineAt(lines, i, w))
	}
	return b.String()
}

// Clip cuts s to its first w runes (w <= 0: s unchanged); for sanitized,
// single-width text such as diffs and scanner output, where Fit's cell
// measuring and padding are not wanted.
func Clip(s string, w int) string {
	if w <= 0 {
		return s
	}
	n := 0
	for i := range s {
		if n == w {
			return s[:i]
		}
		n++
	}
	return s
}
