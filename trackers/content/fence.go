package content

import (
	"encoding/json"
	"regexp"
	"strings"
)

// The managed section of a ticket body is fenced by markers secui
// recognises and humans can see are secui's:
//
//	Markdown:  <!-- secui:begin secui-g-… --> … <!-- secui:end -->   (hidden HTML comments)
//	Jira wiki: {anchor:secui-begin-secui-g-…} … {anchor:secui-end}   (invisible anchors)
//	ADF:       an info panel whose first paragraph reads "Managed by secui · secui-g-…"
//
// Everything before and after the fence is the humans' and is kept as is.

// Note is the sentence at the top of the managed section.
const Note = "This section is managed by secui: edits inside it are not overwritten but turn updates into comments. Write outside it."

const (
	mdBegin   = "<!-- secui:begin "
	mdEnd     = "<!-- secui:end -->"
	wikiBegin = "{anchor:secui-begin-"
	wikiEnd   = "{anchor:secui-end}"
	adfLead   = "Managed by secui · "
)

// Wrap renders d as the fenced managed section for group marker.
func Wrap(f Format, marker string, d Doc) string {
	switch f {
	case JiraWiki:
		return wikiBegin + marker + "}\n" + renderWiki(append(Doc{P(Inline{kind: ikText, text: Note})}, d...)) + "\n" + wikiEnd
	case ADF:
		b, _ := json.Marshal(adfPanel(marker, d))
		return string(b)
	}
	return mdBegin + marker + " -->\n" + renderMarkdown(append(Doc{P(T(Note))}, d...)) + "\n" + mdEnd
}

func adfPanel(marker string, d Doc) *Node {
	var in Doc
	for _, b := range d {
		if b.kind != bkRule { // a rule is not allowed inside a panel
			in = append(in, b)
		}
	}
	lead := &Node{Type: "paragraph", Content: []*Node{{Type: "text", Text: adfLead + marker, Marks: []*Mark{{Type: "strong"}}}, {Type: "text", Text: " — " + Note}}}
	return &Node{Type: "panel", Attrs: map[string]any{"panelType": "info"}, Content: append([]*Node{lead}, adfBlocks(in)...)}
}

// Body is a ticket body split around secui's fence.
type Body struct {
	Pre, Managed, Post string // ADF: Pre and Post are JSON arrays of nodes, Managed the panel node
	Marker             string // the group marker in the fence
	Found              bool   // false: no fence (Pre holds the whole body)
}

var (
	mdMarkerRE   = regexp.MustCompile(`^<!-- secui:begin (secui-g-[0-9a-f]{12})`)
	wikiMarkerRE = regexp.MustCompile(`^\{anchor:secui-begin-(secui-g-[0-9a-f]{12})\}`)
	adfMarkerRE  = regexp.MustCompile(`^Managed by secui · (secui-g-[0-9a-f]{12})`)
)

// Split finds the managed section in body.
func Split(f Format, body string) Body {
	switch f {
	case ADF:
		return splitADF(body)
	case JiraWiki:
		return splitText(body, wikiBegin, wikiEnd, wikiMarkerRE)
	}
	return splitText(body, mdBegin, mdEnd, mdMarkerRE)
}

func splitText(body, begin, end string, re *regexp.Regexp) Body {
	i := strings.Index(body, begin)
	if i < 0 {
		return Body{Pre: body}
	}
	j := strings.LastIndex(body, end)
	if j < i {
		return Body{Pre: body}
	}
	j += len(end)
	b := Body{Pre: body[:i], Managed: body[i:j], Post: body[j:], Found: true}
	if m := re.FindStringSubmatch(b.Managed); m != nil {
		b.Marker = m[1]
	}
	return b
}

func splitADF(body string) Body {
	var doc Node
	if strings.TrimSpace(body) == "" || json.Unmarshal([]byte(body), &doc) != nil {
		return Body{Pre: "[]"}
	}
	enc := func(ns []*Node) string {
		if ns == nil {
			ns = []*Node{}
		}
		b, _ := json.Marshal(ns)
		return string(b)
	}
	for i, n := range doc.Content {
		if n.Type != "panel" || len(n.Content) == 0 || n.Content[0].Type != "paragraph" || len(n.Content[0].Content) == 0 {
			continue
		}
		m := adfMarkerRE.FindStringSubmatch(n.Content[0].Content[0].Text)
		if m == nil {
			continue
		}
		mb, _ := json.Marshal(n)
		return Body{Pre: enc(doc.Content[:i]), Managed: string(mb), Post: enc(doc.Content[i+1:]), Marker: m[1], Found: true}
	}
	return Body{Pre: enc(doc.Content)}
}

// Join puts a body back together around a (new) managed section.
func Join(f Format, pre, managed, post string) string {
	if f != ADF {
		if pre != "" && !strings.HasSuffix(pre, "\n") {
			pre += "\n\n"
		}
		if post != "" && !strings.HasPrefix(post, "\n") {
			post = "\n\n" + post
		}
		return pre + managed + post
	}
	var a, c []json.RawMessage
	_ = json.Unmarshal([]byte(pre), &a)
	_ = json.Unmarshal([]byte(post), &c)
	all := append(append(a, json.RawMessage(managed)), c...)
	b, _ := json.Marshal(struct {
		Type    string            `json:"type"`
		Version int               `json:"version"`
		Content []json.RawMessage `json:"content"`
	}{"doc", 1, all})
	return string(b)
}

// ManagedHash hashes a managed section so that what a tracker hands back
// for what secui wrote hashes the same (line endings, trailing blanks, ADF
// attributes the tracker adds), while any edit of the text changes it.
func ManagedHash(f Format, managed string) string {
	if f == ADF {
		var n Node
		if json.Unmarshal([]byte(managed), &n) != nil {
			return Hash(managed)
		}
		var b strings.Builder
		canonADF(&b, &n)
		return Hash(b.String())
	}
	s := strings.ReplaceAll(managed, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return Hash(strings.TrimSpace(strings.Join(lines, "\n")))
}

func canonADF(b *strings.Builder, n *Node) {
	b.WriteString("<" + n.Type)
	if n.Type == "heading" {
		if l, ok := n.Attrs["level"]; ok {
			b.WriteString(" " + strings.TrimSpace(strings.Trim(jsonString(l), `"`)))
		}
	}
	for _, m := range n.Marks {
		b.WriteString(" " + m.Type)
		if h, ok := m.Attrs["href"].(string); ok {
			b.WriteString("=" + h)
		}
	}
	b.WriteString(">")
	b.WriteString(n.Text)
	for _, c := range n.Content {
		canonADF(b, c)
	}
	b.WriteString("</>")
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Comment renders a comment with a reference secui finds it by after a lost
// response (hidden in Markdown and wiki markup, a last line in ADF).
func Comment(f Format, ref string, d Doc) string {
	switch f {
	case JiraWiki:
		return renderWiki(d) + "\n\n{anchor:secui-comment-" + ref + "}"
	case ADF:
		d = append(d, P(T("secui ref "+ref)))
		return Render(ADF, d)
	}
	return renderMarkdown(d) + "\n\n<!-- secui:comment " + ref + " -->"
}

// HasCommentRef reports whether a comment body carries ref.
func HasCommentRef(f Format, body, ref string) bool {
	switch f {
	case JiraWiki:
		return strings.Contains(body, "{anchor:secui-comment-"+ref+"}")
	case ADF:
		return strings.Contains(body, "secui ref "+ref)
	}
	return strings.Contains(body, "<!-- secui:comment "+ref+" -->")
}

// Text renders an ADF document (JSON) or passes other formats through; for
// showing bodies in a plan.
func Text(f Format, body string) string {
	if f != ADF {
		return body
	}
	var n Node
	if json.Unmarshal([]byte(body), &n) != nil {
		return body
	}
	var b strings.Builder
	plain(&b, &n, 0)
	return strings.TrimRight(b.String(), "\n")
}

func plain(b *strings.Builder, n *Node, depth int) {
	switch n.Type {
	case "text":
		t := n.Text
		for _, m := range n.Marks {
			switch m.Type {
			case "code":
				t = "`" + t + "`"
			case "strong":
				t = "**" + t + "**"
			case "link":
				if h, ok := m.Attrs["href"].(string); ok {
					t = "[" + t + "](" + h + ")"
				}
			}
		}
		b.WriteString(t)
		return
	case "codeBlock":
		b.WriteString("```\n")
		for _, c := range n.Content {
			b.WriteString(c.Text)
		}
		b.WriteString("\n```\n\n")
		return
	case "listItem":
		b.WriteString("- ")
	case "heading":
		b.WriteString("### ")
	case "rule":
		b.WriteString("---\n\n")
	case "panel":
		b.WriteString("[panel]\n")
	}
	for _, c := range n.Content {
		plain(b, c, depth+1)
	}
	switch n.Type {
	case "paragraph", "heading":
		if depth > 0 {
			b.WriteString("\n")
		}
		b.WriteString("\n")
	case "panel":
		b.WriteString("[/panel]\n\n")
	}
}
