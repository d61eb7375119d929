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

// hunks diffs two versions of a file line by line (go-difflib's sequence
// matcher on the part between the common prefix and suffix, so a one-line
// fix in a large file costs little).
func hunks(old, nw []byte) []Hunk {
	a, b := splitKeep(old), splitKeep(nw)
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	lo := max(0, pre-Context)
	ae, be := min(len(a), len(a)-suf+Context), min(len(b), len(b)-suf+Context)
	m := difflib.NewMatcher(a[lo:ae], b[lo:be])
	var out []Hunk
	for _, g := range m.GetGroupedOpCodes(Context) {
		first, last := g[0], g[len(g)-1]
		h := Hunk{OldLines: last.I2 - first.I1, NewLines: last.J2 - first.J1}
		h.OldStart, h.NewStart = lo+first.I1+1, lo+first.J1+1
		if h.OldLines == 0 {
			h.OldStart--
		}
		if h.NewLines == 0 {
			h.NewStart--
		}
		for _, op := range g {
			switch op.Tag {
			case 'e':
				for _, l := range a[lo+op.I1 : lo+op.I2] {
					h.Lines = appendLine(h.Lines, ' ', l)
				}
			case 'r', 'd', 'i':
				for _, l := range a[lo+op.I1 : lo+op.I2] {
					h.Lines = appendLine(h.Lines, '-', l)
				}
				for _, l := range b[lo+op.J1 : lo+op.J2] {
					h.Lines = appendLine(h.Lines, '+', l)
				}
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
