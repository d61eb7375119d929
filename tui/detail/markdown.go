package detail

import (
	"bytes"
	"strconv"
	"strings"
	"sync"

	"github.com/charmbracelet/x/ansi"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/secui/secui/tui/safe"
)

// Rule help markdown, rendered for the terminal (issue 12 item 2). This
// replaced glamour, whose packages (and chroma's lexer and style registries,
// which glamour imports) cost every secui process ≈40 ms and 6 MB at package
// init before main. goldmark (which glamour used too) parses; this file
// walks its AST and writes lines with the few styles rule help needs.
//
// Everything is untrusted: the markdown is sanitized before parsing, and
// every piece of text taken from the AST is sanitized again after entity
// decoding (`&#27;` would otherwise become an ESC), so the only escape
// sequences in the output are the SGR colours written here.

// mdStyle is one look: SGR attributes ("1;38;5;39", "" = plain) per element.
type mdStyle struct {
	h1, heading, code, link, linkText, quote, rule, strong, em, muted, tableHead string
	codeColours                                                                  string // highlight palette for code blocks ("" = none)
}

var mdStyles = map[string]*mdStyle{
	"dark": {h1: "1;38;5;228;48;5;63", heading: "1;38;5;39", code: "38;5;203;48;5;236", link: "4;38;5;30",
		linkText: "1;38;5;35", quote: "38;5;244", rule: "38;5;240", strong: "1", em: "3", muted: "38;5;244",
		tableHead: "1", codeColours: "monokai"},
	"light": {h1: "1;38;5;228;48;5;63", heading: "1;38;5;27", code: "38;5;203;48;5;254", link: "4;38;5;36",
		linkText: "1;38;5;29", quote: "38;5;242", rule: "38;5;249", strong: "1", em: "3", muted: "38;5;242",
		tableHead: "1", codeColours: "friendly"},
	"notty": {}, // no escape sequences at all
}

// mdParser is built on first use (not at package init: start-up cost).
var mdParser = sync.OnceValue(func() parser.Parser {
	return parser.NewParser(
		parser.WithBlockParsers(parser.DefaultBlockParsers()...),
		parser.WithInlineParsers(parser.DefaultInlineParsers()...),
		parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
	)
})

// RenderMarkdown renders untrusted markdown for a terminal width cells wide
// in the named style ("dark", "light", "notty"; unknown names are "dark").
// Lines are word-wrapped to max(20, width-2) cells with a two-cell margin.
// It is pure (no I/O) but not cheap: call it from a tea.Cmd.
func RenderMarkdown(md string, width int, style string) string {
	st := mdStyles[style]
	if st == nil {
		st = mdStyles["dark"]
	}
	cut := false
	if len(md) > maxMarkdown { // hostile sizes: goldmark is quadratic in some nestings
		i := strings.LastIndexByte(md[:maxMarkdown], '\n')
		if i < 0 {
			i = maxMarkdown
		}
		md, cut = md[:i], true
	}
	src := []byte(safe.Text(md))
	r := &mdRenderer{src: src, st: st, width: max(20, width-2)}
	if deepNesting(md) { // goldmark is quadratic in nested list markers
		for _, l := range strings.Split(string(src), "\n") {
			r.wrap([]frag{{text: safe.Line(l)}}, "  ", "  ", "", "", "")
		}
	} else {
		r.children(mdParser().Parse(text.NewReader(src)), "  ", "  ", false)
	}
	if cut {
		r.line("")
		r.line("  " + paint(st.muted, "… (rule help cut at 64 KB)"))
	}
	return strings.Trim(strings.Join(r.out, "\n"), "\n")
}

// maxMarkdown is the most rule help rendered; maxNest the deepest list or
// quote that still indents (deeper ones stay at that indent): a hostile
// help nesting thousands of levels would otherwise cost seconds and
// megabytes of prefixes.
const (
	maxMarkdown = 64 << 10
	maxNest     = 8
)

// deepNesting reports whether a line of md opens more than 32 lists or
// quotes at its start ("- - - - … x", "> > > …", "1. 1. …"): goldmark takes
// seconds over such lines (5 s for 30,000 "- " on one), so that help is
// shown as plain text. A rule of dashes or a long number is not nesting.
func deepNesting(md string) bool {
	for len(md) > 0 {
		levels := 0
		for k := 0; k < len(md); k++ {
			c := md[k]
			next := byte(' ')
			if k+1 < len(md) {
				next = md[k+1]
			}
			switch {
			case c == ' ' || c == '\t' || c >= '0' && c <= '9':
				continue
			case c == '>':
				levels++
				continue
			case (c == '-' || c == '*' || c == '+' || c == '.' || c == ')') && (next == ' ' || next == '\t'):
				levels++
				continue
			}
			break
		}
		if levels > 32 {
			return true
		}
		i := strings.IndexByte(md, '\n')
		if i < 0 {
			break
		}
		md = md[i+1:]
	}
	return false
}

type mdRenderer struct {
	src   []byte
	st    *mdStyle
	width int
	out   []string
	nest  int // lists and quotes open
}

// indent is p extended by add, unless the nesting is deeper than maxNest.
func (r *mdRenderer) indent(p, add string) string {
	if r.nest > maxNest {
		return p
	}
	return p + add
}

// paint wraps s in the SGR attributes attrs.
func paint(attrs, s string) string {
	if attrs == "" || s == "" {
		return s
	}
	return "\x1b[" + attrs + "m" + s + "\x1b[0m"
}

// join adds the attributes b to a, once (nested emphasis stays "3", not
// "3;3;3;…").
func join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "" || strings.Contains(";"+a+";", ";"+b+";"):
		return a
	}
	return a + ";" + b
}

func (r *mdRenderer) line(s string) {
	r.out = append(r.out, strings.TrimRight(s, " "))
}

// children renders the blocks of n: the first line of the first block with
// prefix first, all others with rest; tight lists have no blank lines.
func (r *mdRenderer) children(n ast.Node, first, rest string, tight bool) {
	i := 0
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		p := rest
		if i == 0 {
			p = first
		} else if !tight {
			r.line(rest)
		}
		r.block(c, p, rest)
		i++
	}
}

func (r *mdRenderer) block(n ast.Node, first, rest string) {
	switch n := n.(type) {
	case *ast.Heading:
		frags := r.inline(n)
		if n.Level == 1 && r.st.h1 != "" {
			r.wrap(frags, first, rest, r.st.h1, " ", " ")
		} else {
			r.wrap(frags, first, rest, r.st.heading, strings.Repeat("#", n.Level)+" ", "")
		}
	case *ast.Paragraph, *ast.TextBlock:
		if rows := r.tableRows(n); rows != nil {
			r.table(rows, first, rest)
			return
		}
		r.wrap(r.inline(n), first, rest, "", "", "")
	case *ast.List:
		num := n.Start
		if num == 0 {
			num = 1
		}
		i := 0
		for it := n.FirstChild(); it != nil; it = it.NextSibling() {
			marker := "• "
			if n.IsOrdered() {
				marker = strconv.Itoa(num) + ". "
				num++
			}
			p := rest
			if i == 0 {
				p = first
			} else if !n.IsTight {
				r.line(rest)
			}
			r.nest++
			r.children(it, r.indent(p, paint(r.st.muted, marker)), r.indent(rest, strings.Repeat(" ", ansi.StringWidth(marker))), n.IsTight)
			r.nest--
			i++
		}
	case *ast.Blockquote:
		bar := paint(r.st.quote, "│ ")
		r.nest++
		r.children(n, r.indent(first, bar), r.indent(rest, bar), false)
		r.nest--
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		var lang string
		if f, ok := n.(*ast.FencedCodeBlock); ok {
			lang = string(f.Language(r.src))
		}
		lines := r.rawLines(n)
		if r.st.codeColours != "" && lang != "" {
			if col := highlight("x."+fenceExt(lang), lines, r.st.codeColours); col != nil {
				lines = col
			}
		}
		for i, l := range lines {
			p := rest
			if i == 0 {
				p = first
			}
			r.line(ansi.Truncate(p+"  "+l, r.width, "…"))
		}
	case *ast.ThematicBreak:
		r.line(first + paint(r.st.rule, strings.Repeat("─", max(3, r.width-ansi.StringWidth(rest)))))
	case *ast.HTMLBlock:
		for i, l := range r.rawLines(n) {
			p := rest
			if i == 0 {
				p = first
			}
			r.line(ansi.Truncate(p+paint(r.st.muted, l), r.width, "…"))
		}
	default:
		r.children(n, first, rest, false)
	}
}

// rawLines are the source lines of a code or HTML block, sanitized, tabs
// expanded.
func (r *mdRenderer) rawLines(n ast.Node) []string {
	segs := n.Lines()
	out := make([]string, 0, segs.Len())
	for i := 0; i < segs.Len(); i++ {
		s := segs.At(i)
		l := strings.TrimRight(string(s.Value(r.src)), "\r\n")
		out = append(out, safe.Line(strings.ReplaceAll(l, "\t", "    ")))
	}
	if hb, ok := n.(*ast.HTMLBlock); ok && hb.HasClosure() {
		l := strings.TrimRight(string(hb.ClosureLine.Value(r.src)), "\r\n")
		out = append(out, safe.Line(l))
	}
	return out
}

// fenceExt maps a fenced block's info word to a file extension highlight knows.
func fenceExt(lang string) string {
	lang = strings.ToLower(lang)
	switch lang {
	case "golang":
		return "go"
	case "python", "python3", "py3":
		return "py"
	case "javascript", "node":
		return "js"
	case "typescript":
		return "ts"
	case "ruby":
		return "rb"
	case "bash", "shell", "console", "zsh":
		return "sh"
	case "rust":
		return "rs"
	case "csharp", "c#":
		return "cs"
	case "c++":
		return "cpp"
	case "kotlin":
		return "kt"
	case "terraform":
		return "tf"
	case "docker", "dockerfile":
		return "dockerfile"
	}
	return lang
}

// frag is a run of inline text with one style; brk is a hard line break.
type frag struct {
	text, attrs string
	brk         bool
}

func (r *mdRenderer) inline(n ast.Node) []frag {
	var out []frag
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		r.inl(c, "", &out)
	}
	return out
}

// clean decodes backslash escapes and character references in b, then
// sanitizes the result for one line.
func clean(b []byte) string {
	b = util.UnescapePunctuations(b)
	b = util.ResolveNumericReferences(b)
	b = util.ResolveEntityNames(b)
	return safe.Line(string(b))
}

func (r *mdRenderer) inl(n ast.Node, attrs string, out *[]frag) {
	switch n := n.(type) {
	case *ast.Text:
		*out = append(*out, frag{text: clean(n.Segment.Value(r.src)), attrs: attrs})
		switch {
		case n.HardLineBreak():
			*out = append(*out, frag{brk: true})
		case n.SoftLineBreak():
			*out = append(*out, frag{text: " "})
		}
	case *ast.String:
		*out = append(*out, frag{text: clean(n.Value), attrs: attrs})
	case *ast.Emphasis:
		a := r.st.em
		if n.Level >= 2 {
			a = r.st.strong
		}
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			r.inl(c, join(attrs, a), out)
		}
	case *ast.CodeSpan:
		var b bytes.Buffer
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			if t, ok := c.(*ast.Text); ok {
				b.Write(t.Segment.Value(r.src))
			} else if s, ok := c.(*ast.String); ok {
				b.Write(s.Value)
			}
		}
		*out = append(*out, frag{text: safe.Line(b.String()), attrs: join(attrs, r.st.code)})
	case *ast.Link:
		var label []frag
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			r.inl(c, join(attrs, r.st.linkText), &label)
		}
		*out = append(*out, label...)
		dest := clean(n.Destination)
		if dest != "" && dest != plainText(label) {
			*out = append(*out, frag{text: " "}, frag{text: dest, attrs: join(attrs, r.st.link)})
		}
	case *ast.AutoLink:
		*out = append(*out, frag{text: clean(n.URL(r.src)), attrs: join(attrs, r.st.link)})
	case *ast.Image:
		var alt []frag
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			r.inl(c, attrs, &alt)
		}
		*out = append(*out, frag{text: "Image: ", attrs: join(attrs, r.st.muted)})
		*out = append(*out, alt...)
		if dest := clean(n.Destination); dest != "" {
			*out = append(*out, frag{text: " → ", attrs: join(attrs, r.st.muted)}, frag{text: dest, attrs: join(attrs, r.st.link)})
		}
	case *ast.RawHTML: // tags are not shown; <br> breaks the line
		var b bytes.Buffer
		for i := 0; i < n.Segments.Len(); i++ {
			s := n.Segments.At(i)
			b.Write(s.Value(r.src))
		}
		if t := strings.ToLower(strings.ReplaceAll(b.String(), " ", "")); t == "<br>" || t == "<br/>" {
			*out = append(*out, frag{brk: true})
		}
	default:
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			r.inl(c, attrs, out)
		}
	}
}

func plainText(fs []frag) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.text)
	}
	return b.String()
}

// word is the fragments of one word (no space inside), painted piece by
// piece so a wrapped line never carries a style into the next one.
type word struct {
	s     string // painted
	w     int    // cells
	space bool   // a space came before it
}

// wrap word-wraps frags into lines of r.width cells: the first with prefix
// first, the others with rest; attrs paints everything, pre/post are put
// around the text (a heading's "## ").
func (r *mdRenderer) wrap(frags []frag, first, rest, attrs, pre, post string) {
	var words [][]word // per hard-broken line
	cur := []word{}
	var b strings.Builder
	bw, space := 0, false
	flush := func() {
		if b.Len() > 0 {
			cur = append(cur, word{s: b.String(), w: bw, space: space})
			b.Reset()
			bw, space = 0, false
		}
	}
	if pre != "" {
		b.WriteString(paint(attrs, pre))
		bw += ansi.StringWidth(pre) // the prefix joins the first word
	}
	for _, f := range frags {
		if f.brk {
			flush()
			words = append(words, cur)
			cur = []word{}
			continue
		}
		a := join(attrs, f.attrs)
		for i, part := range strings.Split(f.text, " ") {
			if i > 0 {
				flush()
				space = true
			}
			if part == "" {
				continue
			}
			b.WriteString(paint(a, part))
			bw += ansi.StringWidth(part)
		}
	}
	if post != "" {
		b.WriteString(paint(attrs, post))
		bw += ansi.StringWidth(post)
	}
	flush()
	words = append(words, cur)

	prefix := first
	for _, ws := range words {
		var l strings.Builder
		l.WriteString(prefix)
		avail := r.width - ansi.StringWidth(prefix)
		used := 0
		for _, w := range ws {
			gap := 0
			if used > 0 && w.space {
				gap = 1
			}
			if used > 0 && used+gap+w.w > avail {
				r.line(l.String())
				prefix = rest
				l.Reset()
				l.WriteString(prefix)
				avail = r.width - ansi.StringWidth(prefix)
				used, gap = 0, 0
			}
			if gap == 1 {
				l.WriteByte(' ')
			}
			if w.w > avail && avail > 0 { // a word longer than the line: cut it
				parts := strings.Split(ansi.Hardwrap(w.s, avail, true), "\n")
				for i, p := range parts {
					if i > 0 {
						r.line(l.String())
						prefix = rest
						l.Reset()
						l.WriteString(prefix)
					}
					l.WriteString(p)
				}
				used = ansi.StringWidth(parts[len(parts)-1])
				continue
			}
			l.WriteString(w.s)
			used += gap + w.w
		}
		r.line(l.String())
		prefix = rest
	}
}

// A paragraph whose lines are a pipe table ("| a | b |" over "|---|---|"):
// goldmark's core parser has no tables (its GFM extension package costs
// ≈3 ms at init), so they are recognised here.
func tableSep(l string) bool {
	dash := false
	for _, c := range l {
		switch c {
		case '-':
			dash = true
		case '|', ':', ' ', '\t':
		default:
			return false
		}
	}
	return dash
}

func (r *mdRenderer) tableRows(n ast.Node) [][]string {
	segs := n.Lines()
	if segs.Len() < 2 {
		return nil
	}
	var rows [][]string
	for i := 0; i < segs.Len(); i++ {
		s := segs.At(i)
		l := strings.TrimSpace(string(s.Value(r.src)))
		if i == 1 {
			if !tableSep(l) || !strings.Contains(l, "|") {
				return nil
			}
			continue
		}
		if !strings.Contains(l, "|") {
			return nil
		}
		rows = append(rows, splitCells(l))
	}
	return rows
}

// splitCells splits a table row at its unescaped pipes and cleans each cell
// of inline markup.
func splitCells(l string) []string {
	l = strings.TrimPrefix(l, "|")
	if strings.HasSuffix(l, "|") && !strings.HasSuffix(l, `\|`) {
		l = l[:len(l)-1]
	}
	var cells []string
	var b strings.Builder
	for i := 0; i < len(l); i++ {
		switch {
		case l[i] == '\\' && i+1 < len(l) && l[i+1] == '|':
			b.WriteByte('|')
			i++
		case l[i] == '|':
			cells = append(cells, b.String())
			b.Reset()
		default:
			b.WriteByte(l[i])
		}
	}
	cells = append(cells, b.String())
	for i, c := range cells {
		c = strings.NewReplacer("**", "", "__", "", "`", "").Replace(c)
		cells[i] = clean([]byte(strings.TrimSpace(c)))
	}
	return cells
}

func (r *mdRenderer) table(rows [][]string, first, rest string) {
	ncol := 0
	for _, row := range rows {
		ncol = max(ncol, len(row))
	}
	widths := make([]int, ncol)
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], ansi.StringWidth(c))
		}
	}
	total := 3 * (ncol - 1)
	for _, w := range widths {
		total += w
	}
	sep := paint(r.st.rule, " │ ")
	avail := r.width - ansi.StringWidth(rest)
	for ri, row := range rows {
		p := rest
		if ri == 0 {
			p = first
		}
		if total > avail { // too wide to align: one cell after the other, wrapped
			var fs []frag
			for i, c := range row {
				if i > 0 {
					fs = append(fs, frag{text: " │ ", attrs: r.st.rule})
				}
				a := ""
				if ri == 0 {
					a = r.st.tableHead
				}
				fs = append(fs, frag{text: c, attrs: a})
			}
			r.wrap(fs, p, rest+"  ", "", "", "")
			continue
		}
		var l strings.Builder
		l.WriteString(p)
		for i := 0; i < ncol; i++ {
			c := ""
			if i < len(row) {
				c = row[i]
			}
			if i > 0 {
				l.WriteString(sep)
			}
			cell := c + strings.Repeat(" ", widths[i]-ansi.StringWidth(c))
			if ri == 0 {
				cell = paint(r.st.tableHead, c) + strings.Repeat(" ", widths[i]-ansi.StringWidth(c))
			}
			l.WriteString(cell)
		}
		r.line(l.String())
		if ri == 0 {
			r.line(rest + paint(r.st.rule, strings.Repeat("─", total)))
		}
	}
}
