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
