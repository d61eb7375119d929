package detail

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/repofs"
	"github.com/secui/secui/tui/safe"
)

// MaxFileSize is the largest file whose code is shown.
const MaxFileSize = 8 << 20

// Code is the source around a location, read from the working tree.
type Code struct {
	Path    string
	First   int      // line number of Lines[0]
	Plain   []string // sanitized text, tabs expanded
	Colored []string // syntax-coloured Plain (nil when colour is off)
	HLStart int      // first and last line of the region (0 = none)
	HLEnd   int
	Col     int    // region columns on a one-line region (1-based, 0 = unknown)
	EndCol  int    //
	Note    string // "file not found", "changed since the scan", ...

	caretOff, caretLen int // caret under the region on a one-line region (cells)
	Err                error
}

// ReadCode reads the lines around loc from the working tree under root, with
// ctx lines of context on each side, checks the SARIF snippet against the file
// and syntax-colours the lines with chromaStyle ("" = no colour). It never
// reads outside root. It does I/O: call it from a tea.Cmd only.
func ReadCode(root string, loc findings.Location, ctx int, chromaStyle string) *Code {
	c := &Code{Path: loc.Path}
	if loc.Path == "" {
		c.Note = "no file location"
		return c
	}
	switch k := loc.Kind(); k {
	case findings.PlaceImage, findings.PlacePackage, findings.PlaceURL, findings.PlaceLogical:
		// Not a file: say what it is, not "file not found".
		c.Note = k.String() + " " + safe.Line(loc.Path) + " (no source file to show)"
		return c
	}
	if !loc.InRepo || root == "" {
		c.Note = "not in this repository: " + safe.Line(loc.URI)
		return c
	}
	data, err := readInside(root, loc.Path)
	if err != nil {
		var re *repofs.Error
		switch {
		case errors.As(err, &re):
			c.Note = "refused: " + re.Reason
		case errors.Is(err, os.ErrNotExist):
			c.Note = "file not found in the working tree (deleted or moved since the scan?)"
		default:
			c.Note = safe.Line(err.Error())
		}
		c.Err = err
		return c
	}
	lines := splitLines(string(data))
	line := loc.Line
	if line <= 0 {
		line = 1
	}
	if line > len(lines) {
		c.Note = fmt.Sprintf("changed since the scan: the file has %d lines, the finding is at line %d", len(lines), line)
		line = max(1, len(lines))
	}
	end := loc.EndLine
	if end < line {
		end = line
	}
	end = min(end, len(lines))
	if c.Note == "" && loc.Snippet != "" {
		c.Note = snippetNote(lines, line, loc.Snippet)
	}
	first := max(1, line-ctx)
	last := min(len(lines), end+ctx)
	if last-first > 60 { // long regions: keep the start
		last = first + 60
	}
	c.First = first
	for i := first; i <= last; i++ {
		c.Plain = append(c.Plain, safe.Text(strings.ReplaceAll(lines[i-1], "\t", "    ")))
	}
	if loc.Line > 0 {
		c.HLStart, c.HLEnd = line, end
		if loc.EndLine <= loc.Line && loc.Col > 0 {
			c.Col, c.EndCol = loc.Col, loc.EndCol
			raw := lines[line-1]
			ec := c.EndCol
			if ec <= c.Col {
				ec = c.Col + 1
			}
			c.caretOff = visualCol(raw, c.Col)
			c.caretLen = visualCol(raw, ec) - c.caretOff
		}
	}
	if chromaStyle != "" {
		c.Colored = highlight(loc.Path, c.Plain, chromaStyle)
	}
	return c
}

// readInside reads rel under root through repofs: inside the repository
// (symlinks resolved), never inside .git, a regular text file of at most
// MaxFileSize bytes. A refusal says why ("refused: path is inside .git").
func readInside(root, rel string) ([]byte, error) {
	r, err := repofs.Open(root)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := r.ReadFile(rel, MaxFileSize)
	if err != nil {
		return nil, err
	}
	if bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0 {
		return nil, fmt.Errorf("%s: binary file", rel)
	}
	return data, nil
}

func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.TrimSuffix(s, "\n")
	return strings.Split(s, "\n")
}

func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

// snippetNote compares the first non-blank line of the SARIF snippet with the
// file; it returns "" when they agree.
func snippetNote(lines []string, line int, snippet string) string {
	var want string
	for _, l := range splitLines(snippet) {
		if n := norm(l); n != "" {
			want = n
			break
		}
	}
	if want == "" {
		return ""
	}
	if got := norm(lines[line-1]); strings.Contains(got, want) || strings.Contains(want, got) && got != "" {
		return ""
	}
	for d := 1; d <= 200; d++ {
		for _, l := range []int{line - d, line + d} {
			if l >= 1 && l <= len(lines) && strings.Contains(norm(lines[l-1]), want) {
				return fmt.Sprintf("changed since the scan: the reported code is now at line %d", l)
			}
		}
	}
	return fmt.Sprintf("changed since the scan: line %d no longer matches the scanned snippet", line)
}

// FixDiff renders a proposed fix as unified-diff-like lines ("@@", "-", "+"),
// reading the replaced lines from the working tree under root. I/O: call it
// from a tea.Cmd only.
func FixDiff(root string, fix findings.Fix) []string {
	var out []string
	for _, ch := range fix.Changes {
		out = append(out, "--- "+safe.Line(ch.Path))
		var lines []string
		if ch.InRepo && root != "" {
			if data, err := readInside(root, ch.Path); err == nil {
				lines = splitLines(string(data))
			}
		}
		for _, r := range ch.Replacements {
			ins := safe.Text(r.Inserted)
			if r.StartLine <= 0 {
				out = append(out, fmt.Sprintf("@@ byte %d (+%d) @@", r.ByteOffset, r.ByteLength))
				for _, l := range splitLines(ins) {
					out = append(out, "+"+l)
				}
				continue
			}
			out = append(out, fmt.Sprintf("@@ line %d @@", r.StartLine))
			end := max(r.EndLine, r.StartLine)
			if lines == nil || end > len(lines) {
				out = append(out, fmt.Sprintf("  (lines %d-%d: file not readable)", r.StartLine, end))
				for _, l := range splitLines(ins) {
					out = append(out, "+"+l)
				}
				continue
			}
			old := lines[r.StartLine-1 : end]
			if r.StartCol > 0 && r.EndCol > 0 { // column region: rebuild the new lines
				firstLine, lastLine := old[0], old[len(old)-1]
				pre := firstLine[:min(len(firstLine), max(0, r.StartCol-1))]
				post := lastLine[min(len(lastLine), max(0, r.EndCol-1)):]
				for _, l := range old {
					out = append(out, "-"+safe.Line(l))
				}
				for _, l := range splitLines(pre + r.Inserted + post) {
					out = append(out, "+"+safe.Line(l))
				}
				continue
			}
			for _, l := range old { // whole-line region
				out = append(out, "-"+safe.Line(l))
			}
			if ins != "" {
				for _, l := range splitLines(ins) {
					out = append(out, "+"+l)
				}
			}
		}
	}
	return out
}

// visualCol is the number of cells before the 1-based column col of the raw
// line, with tabs expanded to four cells as they are displayed.
func visualCol(raw string, col int) int {
	n, i := 0, 0
	for _, r := range raw {
		if i >= col-1 {
			return n
		}
		if r == '\t' {
			n += 4
		} else {
			n += ansi.StringWidth(string(r))
		}
		i++
	}
	return n + max(0, col-1-i)
}
