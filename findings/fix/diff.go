package fix

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/secui/secui/findings"
)

// Context is the number of unchanged lines around each hunk.
const Context = 3

// NoNewline marks a line without a final newline, as in git's diffs.
const NoNewline = `\ No newline at end of file`

// Hunk is one hunk of a unified diff. Lines start with ' ', '-' or '+'
// (or are NoNewline) and are sanitized for the terminal: the text is the
// file's, and a fix's inserted text is SARIF, untrusted.
type Hunk struct {
	OldStart int      `json:"old_start"`
	OldLines int      `json:"old_lines"`
	NewStart int      `json:"new_start"`
	NewLines int      `json:"new_lines"`
	Lines    []string `json:"lines"`
}

// Header is the hunk's "@@ -a,b +c,d @@" line.
func (h Hunk) Header() string {
	return fmt.Sprintf("@@ -%d,%d +%d,%d @@", h.OldStart, h.OldLines, h.NewStart, h.NewLines)
}

// splitKeep splits after each LF, keeping line endings (a CR stays part of
// its line's ending).
func splitKeep(b []byte) []string {
	var out []string
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, string(b))
			break
		}
		out = append(out, string(b[:i+1]))
		b = b[i+1:]
	}
	return out
}

// hunks diffs two versions of a file line by line. The common prefix and
// suffix are cut off at line boundaries first (a fix touches a few lines of
// a file that may be large); go-difflib's sequence matcher diffs the rest,
// with Context lines around it.
func hunks(old, nw []byte) []Hunk {
	n := min(len(old), len(nw))
	p := 0
	for p < n && old[p] == nw[p] {
		p++
	}
	ps := bytes.LastIndexByte(old[:p], '\n') + 1 // start of the first differing line
	sfx := 0
	for sfx < n-ps && old[len(old)-1-sfx] == nw[len(nw)-1-sfx] {
		sfx++
	}
	ae, be := len(old)-sfx, len(nw)-sfx
	if ae > ps && old[ae-1] != '\n' { // move the suffix to a line start
		k := bytes.IndexByte(old[ae:], '\n')
		if k < 0 {
			ae, be = len(old), len(nw)
		} else {
			ae, be = ae+k+1, be+k+1
		}
	}
	lo := ps
	for i := 0; i < Context && lo > 0; i++ {
		lo = bytes.LastIndexByte(old[:lo-1], '\n') + 1
	}
	ahi, bhi := ae, be
	for i := 0; i < Context && ahi < len(old); i++ {
		k := bytes.IndexByte(old[ahi:], '\n')
		if k < 0 {
			ahi, bhi = len(old), len(nw)
			break
		}
		ahi, bhi = ahi+k+1, bhi+k+1
	}
	first := bytes.Count(old[:lo], []byte{'\n'}) // lines before the window
	a, b := splitKeep(old[lo:ahi]), splitKeep(nw[lo:bhi])
	m := difflib.NewMatcher(a, b)
	var out []Hunk
	for _, g := range m.GetGroupedOpCodes(Context) {
		f, l := g[0], g[len(g)-1]
		h := Hunk{OldLines: l.I2 - f.I1, NewLines: l.J2 - f.J1}
		h.OldStart, h.NewStart = first+f.I1+1, first+f.J1+1
		if h.OldLines == 0 {
			h.OldStart--
		}
		if h.NewLines == 0 {
			h.NewStart--
		}
		for _, op := range g {
			if op.Tag == 'e' {
				for _, l := range a[op.I1:op.I2] {
					h.Lines = appendLine(h.Lines, ' ', l)
				}
				continue
			}
			for _, l := range a[op.I1:op.I2] {
				h.Lines = appendLine(h.Lines, '-', l)
			}
			for _, l := range b[op.J1:op.J2] {
				h.Lines = appendLine(h.Lines, '+', l)
			}
		}
		out = append(out, h)
	}
	return out
}

func appendLine(lines []string, mark byte, l string) []string {
	nl := strings.HasSuffix(l, "\n")
	l = strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
	lines = append(lines, string(mark)+displayLine(l))
	if !nl {
		lines = append(lines, NoNewline)
	}
	return lines
}

// displayLine makes one line of file text safe for the terminal.
func displayLine(s string) string {
	return strings.ReplaceAll(findings.SanitizeText(s), "\n", " ")
}

// Diff is the plan as a unified diff ("--- a/path", "+++ b/path", hunks),
// sanitized for the terminal. Empty for a refused plan.
func (p *Plan) Diff() string {
	var b strings.Builder
	for _, f := range p.Files {
		path := displayLine(f.Path)
		fmt.Fprintf(&b, "--- a/%s\n+++ b/%s\n", path, path)
		for _, h := range f.Hunks {
			b.WriteString(h.Header())
			b.WriteByte('\n')
			for _, l := range h.Lines {
				b.WriteString(l)
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}
