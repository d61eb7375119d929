package detail

import (
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// sgr matches the only escape sequences highlight may write: colours.
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// spans returns the text of l coloured with the SGR prefix pre.
func spans(l, pre string) []string {
	var out []string
	for {
		i := strings.Index(l, pre)
		if i < 0 {
			return out
		}
		l = l[i+len(pre):]
		j := strings.Index(l, "\x1b[")
		if j < 0 {
			j = len(l)
		}
		out = append(out, l[:j])
		l = l[j:]
	}
}

func TestHighlightTokens(t *testing.T) {
	pal := palettes["monokai"]
	lines := []string{
		`package main // the package`,
		`/* a block`,
		`   comment */ func f(s string) int {`,
		"	x := `raw",
		"still raw` + \"str\\\"ing\" + 'c'",
		`	return 42 + 0x1F`,
		`}`,
	}
	out := highlight("cmd/x.go", lines, "monokai")
	if len(out) != len(lines) {
		t.Fatalf("%d lines out, %d in", len(out), len(lines))
	}
	for i, l := range out {
		if got := ansi.Strip(l); got != lines[i] {
			t.Errorf("line %d: text %q, want %q", i, got, lines[i])
		}
		if rest := sgr.ReplaceAllString(l, ""); strings.ContainsRune(rest, 0x1b) {
			t.Errorf("line %d: an escape sequence other than a colour: %q", i, l)
		}
	}
	for _, c := range []struct {
		line int
		kind tokKind
		want string
	}{
		{0, tokKeyword, "package"},
		{0, tokComment, "// the package"},
		{1, tokComment, "/* a block"},
		{2, tokComment, "   comment */"},
		{2, tokKeyword, "func"},
		{2, tokType, "string"},
		{3, tokString, "`raw"},
		{4, tokString, "still raw`"},
		{4, tokString, `"str\"ing"`},
		{5, tokNumber, "42"},
		{5, tokNumber, "0x1F"},
	} {
		if got := spans(out[c.line], pal[c.kind]); !contains(got, c.want) {
			t.Errorf("line %d: %q not coloured as kind %d: spans %q in %q", c.line, c.want, c.kind, got, out[c.line])
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestHighlightLanguages(t *testing.T) {
	pal := palettes["friendly"]
	for _, c := range []struct {
		path  string
		lines []string
		line  int
		kind  tokKind
		want  string
	}{
		{"app.py", []string{`def f():`, `    """doc`, `    string"""  # c`}, 2, tokComment, "# c"},
		{"app.py", []string{`def f():`, `    """doc`, `    string"""  # c`}, 1, tokString, `"""doc`},
		{"app.py", []string{`def f():`}, 0, tokKeyword, "def"},
		{"q.sql", []string{`SELECT * FROM t -- all`}, 0, tokKeyword, "SELECT"},
		{"q.sql", []string{`SELECT * FROM t -- all`}, 0, tokComment, "-- all"},
		{"Dockerfile", []string{`FROM alpine # base`}, 0, tokKeyword, "FROM"},
		{"x.sh", []string{`echo "$HOME" # home`}, 0, tokString, `"$HOME"`},
		{"x.sh", []string{`echo ${#a}`}, 0, tokText, "echo"}, // "#" inside a word is no comment
		{"a.ts", []string{"const s = `x ${y}`"}, 0, tokKeyword, "const"},
		{"ci.yml", []string{`on: true # yes`}, 0, tokComment, "# yes"},
		{"m.c", []string{`#include <stdio.h>`}, 0, tokKeyword, "#include"},
		{"page.html", []string{`<a href="x"><!-- c --></a>`}, 0, tokComment, "<!-- c -->"},
	} {
		out := highlight(c.path, c.lines, "friendly")
		if len(out) != len(c.lines) {
			t.Fatalf("%s: %d lines out, %d in", c.path, len(out), len(c.lines))
		}
		for i := range out {
			if ansi.Strip(out[i]) != c.lines[i] {
				t.Errorf("%s line %d: text %q, want %q", c.path, i, ansi.Strip(out[i]), c.lines[i])
			}
		}
		if pal[c.kind] == "" { // plain text has no colour in friendly
			if strings.Contains(sgr.ReplaceAllString(out[c.line], ""), c.want) && !strings.Contains(strings.Join(spans(out[c.line], pal[tokComment]), ""), c.want) {
				continue
			}
			t.Errorf("%s: %q coloured: %q", c.path, c.want, out[c.line])
			continue
		}
		if got := spans(out[c.line], pal[c.kind]); !contains(got, c.want) {
			t.Errorf("%s line %d: %q not coloured as kind %d: spans %q", c.path, c.line, c.want, c.kind, got)
		}
	}
}

func TestHighlightUnknownAndStyles(t *testing.T) {
	if out := highlight("notes.unknownext", []string{"x"}, "monokai"); out != nil {
		t.Errorf("unknown language coloured: %q", out)
	}
	if out := highlight("README", []string{"x"}, "monokai"); out != nil {
		t.Errorf("no extension coloured: %q", out)
	}
	a := highlight("a.go", []string{"func f() {}"}, "no-such-style")
	b := highlight("a.go", []string{"func f() {}"}, "monokai")
	if a == nil || a[0] != b[0] {
		t.Errorf("an unknown style is not monokai: %q vs %q", a, b)
	}
	// an unterminated string ends with its line, and the next line is code
	out := highlight("a.go", []string{`s := "open`, `return`}, "monokai")
	if got := spans(out[1], palettes["monokai"][tokKeyword]); !contains(got, "return") {
		t.Errorf("an unterminated string ran on: %q", out)
	}
	// non-ASCII text stays whole
	out = highlight("a.go", []string{`s := "héllo" // ünï`}, "monokai")
	if ansi.Strip(out[0]) != `s := "héllo" // ünï` {
		t.Errorf("non-ASCII: %q", out[0])
	}
}
