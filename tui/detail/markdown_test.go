package detail

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

const helpMD = `# SQL injection

Building a query from **user-controlled** sources is *dangerous*. See ` + "`db.Query`" + ` and [the OWASP page](https://owasp.org/sqli) or <https://cwe.mitre.org/89>.

## Recommendation

1. Use parameterised queries.
2. Validate input:
   - length
   - a charset, with an explanation long enough that it has to wrap onto the next line
3. Done.

` + "```go\nfunc run(db *sql.DB, q string) {\n\tdb.Query(q) // bad\n}\n```" + `

> Quoted advice.

| Rule | Severity |
|------|----------|
| G101 | high |

---
`

func mdLines(t *testing.T, md string, width int, style string) []string {
	t.Helper()
	out := RenderMarkdown(md, width, style)
	if rest := sgr.ReplaceAllString(out, ""); strings.ContainsRune(rest, 0x1b) || strings.ContainsRune(rest, 0x9b) || strings.ContainsRune(rest, 0x07) {
		t.Fatalf("%s: an escape or control sequence other than a colour in the output:\n%q", style, out)
	}
	return strings.Split(out, "\n")
}

func findLine(lines []string, sub string) (string, bool) {
	for _, l := range lines {
		if strings.Contains(ansi.Strip(l), sub) {
			return l, true
		}
	}
	return "", false
}

func TestRenderMarkdownStructure(t *testing.T) {
	for _, style := range []string{"dark", "light", "notty"} {
		lines := mdLines(t, helpMD, 60, style)
		plain := make([]string, len(lines))
		for i, l := range lines {
			plain[i] = ansi.Strip(l)
			if w := ansi.StringWidth(l); w > 58 {
				t.Errorf("%s: line %d is %d cells wide (wrap at 58): %q", style, i, w, plain[i])
			}
		}
		text := strings.Join(plain, "\n")
		for _, want := range []string{
			"SQL injection", "## Recommendation", // headings
			"  1. Use parameterised queries.", "  2. Validate input:", "     • length", "  3. Done.", // lists, nested
			"db.Query", "the OWASP page", "https://owasp.org/sqli", "https://cwe.mitre.org/89", // code span, links
			"    func run(db *sql.DB, q string) {", "        db.Query(q) // bad", // code block, tab expanded
			"│ Quoted advice.",
			"Rule │ Severity", "G101 │ high", // table
			"────",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: %q missing from\n%s", style, want, text)
			}
		}
		for _, bad := range []string{"**", "```", "](", "<https", "|---"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s: markup %q left in the output:\n%s", style, bad, text)
			}
		}
		// the long list item wraps under its own text, not under the bullet
		if l, ok := findLine(lines, "the next line"); !ok || !strings.HasPrefix(ansi.Strip(l), "       ") {
			t.Errorf("%s: wrapped list item not indented under its text: %q", style, ansi.Strip(l))
		}
		if style == "notty" {
			if strings.ContainsRune(strings.Join(lines, ""), 0x1b) {
				t.Errorf("notty: escape sequences in the output")
			}
			continue
		}
		for _, c := range []struct{ sub, attrs string }{
			{"user-controlled", "1"},
			{"dangerous", "3"},
			{"Recommendation", mdStyles[style].heading},
			{"db.Query", mdStyles[style].code},
			{"https://owasp.org/sqli", mdStyles[style].link},
		} {
			if !strings.Contains(strings.Join(lines, "\n"), "\x1b["+c.attrs+"m"+c.sub) {
				t.Errorf("%s: %q not styled %q", style, c.sub, c.attrs)
			}
		}
		if l, _ := findLine(lines, "func run"); !strings.Contains(l, "\x1b[") {
			t.Errorf("%s: the go code block is not coloured: %q", style, l)
		}
	}
}

// TestRenderMarkdownHostile: SARIF is untrusted. Escape sequences written
// raw, as character references, inside code, links and tables, never reach
// the terminal; the text around them stays.
func TestRenderMarkdownHostile(t *testing.T) {
	md := "# T\x1b]0;pwned\x07itle\n\n" +
		"Raw \x1b[2J clear, \x9b31m C1 CSI, &#27;[31mred&#27;[0m, &#x1b;]8;;http://evil\x07x, &#155;2J.\n\n" +
		"`code \x1b[5m blink` and [link\x1b[8m](http://a\x1b[2J.example/&#27;[31m)\n\n" +
		"```\nbad \x1b[?1049h line\n```\n\n" +
		"| a\x1b[31m | b |\n|---|---|\n| &#27;[1m | c |\n\n" +
		"<div>\x1b[2Jhtml</div>\n"
	for _, style := range []string{"dark", "light", "notty"} {
		lines := mdLines(t, md, 80, style)
		text := ansi.Strip(strings.Join(lines, "\n"))
		for _, want := range []string{"Raw", "clear", "C1 CSI", "red", "code", "blink", "link", "bad", "line", "html"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: text %q lost:\n%s", style, want, text)
			}
		}
	}
}

func TestRenderMarkdownEdges(t *testing.T) {
	if got := RenderMarkdown("", 80, "dark"); got != "" {
		t.Errorf("empty markdown: %q", got)
	}
	// narrow widths never panic and a word longer than the line is cut
	long := strings.Repeat("x", 100)
	for _, w := range []int{0, 1, 10, 22} {
		for _, l := range mdLines(t, "- "+long+"\n\n"+long+"\n", w, "dark") {
			if ansi.StringWidth(l) > 20 {
				t.Errorf("width %d: line %d cells wide: %q", w, ansi.StringWidth(l), ansi.Strip(l))
			}
		}
	}
	// plain text help (HelpText) reads as paragraphs
	got := RenderMarkdown("First line\nsecond line.\n\nNext paragraph.", 80, "notty")
	if got != "  First line second line.\n\n  Next paragraph." {
		t.Errorf("plain text: %q", got)
	}
	// unknown style names look like dark
	if RenderMarkdown("**b**", 80, "nope") != RenderMarkdown("**b**", 80, "dark") {
		t.Errorf("an unknown style is not dark")
	}
}

// TestRenderMarkdownHostileShapes: nestings thousands deep and huge help
// stay bounded: output no bigger than a few times the input, nested
// attributes not repeated, lines at most the width, help past 64 KB cut
// with a note. (goldmark takes seconds over some of these shapes; deep
// ones are shown as plain text.)
func TestRenderMarkdownHostileShapes(t *testing.T) {
	var indented strings.Builder
	for i := 0; i < 2000; i++ {
		indented.WriteString(strings.Repeat("  ", i) + "- x\n")
	}
	for name, md := range map[string]string{
		"quotes":      strings.Repeat(">", 5000) + " x\n",
		"list-line":   strings.Repeat("- ", 30000) + "x\n",
		"list-indent": indented.String(),
		"emphasis":    strings.Repeat("*", 20000) + "x" + strings.Repeat("*", 20000),
		"links":       strings.Repeat("[", 20000) + "x" + strings.Repeat("](y)", 20000),
		"quotes-60":   strings.Repeat("> ", 60) + "x\n",
		"em-nested":   strings.Repeat("*a _b ", 500) + "x" + strings.Repeat("_ c*", 500),
	} {
		lines := mdLines(t, md, 80, "dark")
		out := strings.Join(lines, "\n")
		if len(out) > 4*min(len(md), maxMarkdown)+1024 {
			t.Errorf("%s: %d bytes out of %d in", name, len(out), len(md))
		}
		if strings.Contains(out, "3;3") || strings.Contains(out, "1;1;") {
			t.Errorf("%s: nested attributes repeated", name)
		}
		if !strings.Contains(ansi.Strip(out), "x") {
			t.Errorf("%s: text lost: %q", name, ansi.Strip(out)[:min(200, len(ansi.Strip(out)))])
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > 78 {
				t.Errorf("%s: line %d is %d cells wide", name, i, w)
				break
			}
		}
	}
	if !deepNesting(strings.Repeat("- ", 100)+"x") || !deepNesting("a\n"+strings.Repeat(">", 40)) || !deepNesting(strings.Repeat("1. ", 40)) ||
		deepNesting("- a\n  - b\n    - c\n> q\n1. one\n") || deepNesting(strings.Repeat("-", 300)) || deepNesting(strings.Repeat("7", 300)+" x") {
		t.Errorf("deepNesting: wrong verdict")
	}
	big := strings.Repeat("A paragraph of help.\n\n", 5000) // 110 KB
	out := RenderMarkdown(big, 80, "notty")
	if !strings.HasSuffix(out, "… (rule help cut at 64 KB)") || strings.Count(out, "A paragraph") > maxMarkdown/20 {
		t.Errorf("big help not cut: %d bytes, ends %q", len(out), out[max(0, len(out)-60):])
	}
}
