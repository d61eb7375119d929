// Package content is the small document model secui writes tickets in, and
// its renderers for each tracker's markup: GitHub Markdown, Jira wiki markup
// (REST v2) and the Atlassian Document Format (Jira Cloud REST v3).
//
// Text that comes from SARIF is untrusted: it is only ever rendered as
// code (a code span or a code block in Markdown, monospace or {noformat} in
// wiki markup, a code mark or a codeBlock in ADF), where the tracker does not
// turn it into mentions, links, images or HTML. Links are only those secui
// builds itself (CWE pages, the file at the scanned commit), and only http(s).
//
// The ticket body is split into a fenced section secui owns and the text
// around it, which secui never rewrites (see Split and Join).
package content

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Format is a tracker's markup.
type Format int

// Formats.
const (
	Markdown Format = iota // GitHub issues and comments
	JiraWiki               // Jira REST v2 (Cloud and Data Center)
	ADF                    // Jira Cloud REST v3: Atlassian Document Format (JSON)
)

func (f Format) String() string {
	switch f {
	case JiraWiki:
		return "jira-wiki"
	case ADF:
		return "adf"
	}
	return "markdown"
}

type inlineKind uint8

const (
	ikText inlineKind = iota
	ikBold
	ikCode
	ikLink
)

// Inline is a run of text in a paragraph, heading or list item.
type Inline struct {
	kind      inlineKind
	text, url string
}

// T is secui's own text.
func T(s string) Inline { return Inline{kind: ikText, text: s} }

// B is secui's own text in bold.
func B(s string) Inline { return Inline{kind: ikBold, text: s} }

// U is untrusted text (from SARIF or the repository): one line, rendered as
// code so it cannot mention, link or format anything.
func U(s string) Inline { return Inline{kind: ikCode, text: oneLine(s)} }

// L is a link secui built. A URL that is not http(s) is rendered as code.
func L(text, u string) Inline {
	if !safeURL(u) {
		return U(u)
	}
	return Inline{kind: ikLink, text: text, url: u}
}

type blockKind uint8

const (
	bkPara blockKind = iota
	bkHeading
	bkList
	bkCode
	bkRule
)

// Block is a paragraph, heading, bullet list, code block or rule.
type Block struct {
	kind  blockKind
	level int
	inl   []Inline
	items [][]Inline
	text  string
}

// P is a paragraph.
func P(in ...Inline) Block { return Block{kind: bkPara, inl: in} }

// H is a heading (level 1-6).
func H(level int, in ...Inline) Block {
	return Block{kind: bkHeading, level: min(max(level, 1), 6), inl: in}
}

// List is a bullet list; each item is a run of inlines.
func List(items ...[]Inline) Block { return Block{kind: bkList, items: items} }

// Item groups inlines as one list item.
func Item(in ...Inline) []Inline { return in }

// Code is a block of untrusted text shown verbatim.
func Code(s string) Block { return Block{kind: bkCode, text: strings.TrimRight(neutralize(s), "\n")} }

// Rule is a horizontal rule.
func Rule() Block { return Block{kind: bkRule} }

// Doc is a sequence of blocks.
type Doc []Block

var fenceTokenRE = regexp.MustCompile(`(?i)secui[-:](begin|end|comment)`)

// neutralize keeps untrusted text from forging secui's fence markers.
func neutralize(s string) string {
	return fenceTokenRE.ReplaceAllStringFunc(s, func(m string) string { return m[:5] + "\u2060" + m[5:] })
}

func oneLine(s string) string {
	s = neutralize(s)
	s = strings.Join(strings.Fields(s), " ")
	return s
}

func safeURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != "" && !strings.ContainsAny(u, " \n\t<>\"'`")
}

// ---- Markdown

var mdSpecial = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`, `<`, `&lt;`, `>`, `&gt;`,
	`#`, `\#`, `!`, `\!`, `|`, `\|`, `~`, `\~`, `@`, `\@`,
)

func mdCodeSpan(s string) string {
	if s == "" {
		return ""
	}
	n := longestRun(s, '`') + 1
	f := strings.Repeat("`", n)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") {
		s = " " + s + " "
	}
	return f + s + f
}

func longestRun(s string, c byte) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}

func mdInline(in []Inline) string {
	var b strings.Builder
	for _, x := range in {
		switch x.kind {
		case ikText:
			b.WriteString(mdSpecial.Replace(x.text))
		case ikBold:
			b.WriteString("**" + mdSpecial.Replace(x.text) + "**")
		case ikCode:
			b.WriteString(mdCodeSpan(x.text))
		case ikLink:
			u := strings.NewReplacer("(", "%28", ")", "%29").Replace(x.url)
			b.WriteString("[" + mdSpecial.Replace(x.text) + "](" + u + ")")
		}
	}
	return b.String()
}

func renderMarkdown(d Doc) string {
	var parts []string
	for _, bl := range d {
		switch bl.kind {
		case bkPara:
			parts = append(parts, mdInline(bl.inl))
		case bkHeading:
			parts = append(parts, strings.Repeat("#", bl.level)+" "+mdInline(bl.inl))
		case bkList:
			var ls []string
			for _, it := range bl.items {
				ls = append(ls, "- "+mdInline(it))
			}
			parts = append(parts, strings.Join(ls, "\n"))
		case bkCode:
			f := strings.Repeat("`", max(3, longestRun(bl.text, '`')+1))
			parts = append(parts, f+"text\n"+bl.text+"\n"+f)
		case bkRule:
			parts = append(parts, "---")
		}
	}
	return strings.Join(parts, "\n\n")
}

// ---- Jira wiki markup

var wikiSpecial = strings.NewReplacer(
	`\`, `\\`, `*`, `\*`, `_`, `\_`, `?`, `\?`, `-`, `\-`, `+`, `\+`, `^`, `\^`, `~`, `\~`,
	`{`, `\{`, `}`, `\}`, `[`, `\[`, `]`, `\]`, `|`, `\|`, `!`, `\!`, `#`, `\#`,
)

// wikiText escapes text for wiki markup and breaks URL schemes (Jira links
// bare URLs) with a word joiner.
func wikiText(s string) string {
	s = wikiSpecial.Replace(s)
	return strings.ReplaceAll(s, "://", ":\u2060//")
}

func wikiInline(in []Inline) string {
	var b strings.Builder
	for _, x := range in {
		switch x.kind {
		case ikText:
			b.WriteString(wikiText(x.text))
		case ikBold:
			b.WriteString("*" + wikiText(x.text) + "*")
		case ikCode:
			if x.text != "" {
				b.WriteString("{{" + wikiText(x.text) + "}}")
			}
		case ikLink:
			b.WriteString("[" + wikiText(x.text) + "|" + x.url + "]")
		}
	}
	return b.String()
}

var noformatRE = regexp.MustCompile(`(?i)\{noformat`)

func renderWiki(d Doc) string {
	var parts []string
	for _, bl := range d {
		switch bl.kind {
		case bkPara:
			parts = append(parts, wikiInline(bl.inl))
		case bkHeading:
			parts = append(parts, "h"+string(rune('0'+bl.level))+". "+wikiInline(bl.inl))
		case bkList:
			var ls []string
			for _, it := range bl.items {
				ls = append(ls, "* "+wikiInline(it))
			}
			parts = append(parts, strings.Join(ls, "\n"))
		case bkCode:
			parts = append(parts, "{noformat}\n"+noformatRE.ReplaceAllString(bl.text, "{ noformat")+"\n{noformat}")
		case bkRule:
			parts = append(parts, "----")
		}
	}
	return strings.Join(parts, "\n\n")
}

// ---- ADF

// Node is one ADF node.
type Node struct {
	Type    string         `json:"type"`
	Attrs   map[string]any `json:"attrs,omitempty"`
	Content []*Node        `json:"content,omitempty"`
	Text    string         `json:"text,omitempty"`
	Marks   []*Mark        `json:"marks,omitempty"`
	Version int            `json:"version,omitempty"`
}

// Mark is an ADF text mark.
type Mark struct {
	Type  string         `json:"type"`
	Attrs map[string]any `json:"attrs,omitempty"`
}

func adfInline(in []Inline) []*Node {
	var out []*Node
	for _, x := range in {
		if x.text == "" {
			continue
		}
		n := &Node{Type: "text", Text: x.text}
		switch x.kind {
		case ikBold:
			n.Marks = []*Mark{{Type: "strong"}}
		case ikCode:
			n.Marks = []*Mark{{Type: "code"}}
		case ikLink:
			n.Marks = []*Mark{{Type: "link", Attrs: map[string]any{"href": x.url}}}
		}
		out = append(out, n)
	}
	return out
}

func adfBlocks(d Doc) []*Node {
	var out []*Node
	for _, bl := range d {
		switch bl.kind {
		case bkPara:
			out = append(out, &Node{Type: "paragraph", Content: adfInline(bl.inl)})
		case bkHeading:
			out = append(out, &Node{Type: "heading", Attrs: map[string]any{"level": bl.level}, Content: adfInline(bl.inl)})
		case bkList:
			l := &Node{Type: "bulletList"}
			for _, it := range bl.items {
				l.Content = append(l.Content, &Node{Type: "listItem", Content: []*Node{{Type: "paragraph", Content: adfInline(it)}}})
			}
			if len(l.Content) > 0 {
				out = append(out, l)
			}
		case bkCode:
			n := &Node{Type: "codeBlock", Attrs: map[string]any{"language": "text"}}
			if bl.text != "" {
				n.Content = []*Node{{Type: "text", Text: bl.text}}
			}
			out = append(out, n)
		case bkRule:
			out = append(out, &Node{Type: "rule"})
		}
	}
	return out
}

// Render renders d in format f (ADF as a JSON document).
func Render(f Format, d Doc) string {
	switch f {
	case JiraWiki:
		return renderWiki(d)
	case ADF:
		b, _ := json.Marshal(&Node{Type: "doc", Version: 1, Content: adfBlocks(d)})
		return string(b)
	}
	return renderMarkdown(d)
}

// Len is the length of s in characters, as the trackers count body limits.
func Len(s string) int { return utf8.RuneCountInString(s) }

// Hash is a short hex hash of s.
func Hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}
