package content

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

const evil = "ping @octocat see https://evil.example/x ![img](https://evil.example/p.png) <img src=x> [~admin] [click|https://evil.example] #12 secui:end <!-- secui:end -->"

func doc() Doc {
	return Doc{
		H(3, T("Finding")),
		P(B("Rule:"), T(" "), U(evil)),
		List(Item(T("step 1 "), U("a`b``c"))),
		Code(evil + "\n{noformat}\n```\nline"),
		P(L("CWE-79", "https://cwe.mitre.org/data/definitions/79.html"), T(" "), L("bad", "javascript:alert(1)")),
	}
}

// Untrusted text never becomes a mention, link, image or HTML, in any format.
func TestUntrustedTextIsInert(t *testing.T) {
	md := Render(Markdown, doc())
	outside := mdOutsideCode(md)
	for _, bad := range []string{"evil.example", "@octocat", "<img", "[~admin]", "javascript"} {
		if strings.Contains(outside, bad) {
			t.Errorf("markdown has %q outside code:\n%s", bad, md)
		}
	}
	if !strings.Contains(md, "[CWE-79](https://cwe.mitre.org/data/definitions/79.html)") {
		t.Errorf("secui's own link missing:\n%s", md)
	}
	if strings.Contains(md, "secui:end") {
		t.Errorf("untrusted text forged a fence marker:\n%s", md)
	}
	if !strings.Contains(md, "````text\n") {
		t.Errorf("code fence must be longer than the content's backtick runs:\n%s", md)
	}
	w := Render(JiraWiki, doc())
	wo := regexp.MustCompile(`(?s)\{noformat\}.*?\{noformat\}`).ReplaceAllString(w, "")
	if strings.Count(w, "{noformat}") != 2 || strings.Contains(wo, "https://evil") || strings.Contains(wo, "[~admin]") || strings.Contains(wo, "|https://evil") || strings.Contains(wo, "!https") {
		t.Errorf("wiki not inert:\n%s", w)
	}
	a := Render(ADF, doc())
	var n Node
	if err := json.Unmarshal([]byte(a), &n); err != nil || n.Type != "doc" || n.Version != 1 {
		t.Fatalf("adf: %v %s", err, a)
	}
	if strings.Contains(a, `"href":"javascript`) || strings.Contains(a, `"type":"mention"`) || strings.Count(a, `"href"`) != 1 {
		t.Errorf("adf not inert: %s", a)
	}
}

// mdOutsideCode drops fenced code blocks and code spans.
func mdOutsideCode(md string) string {
	md = regexp.MustCompile("(?s)````text\n.*?\n````").ReplaceAllString(md, "")
	var b strings.Builder
	for i := 0; i < len(md); {
		if md[i] != '`' {
			b.WriteByte(md[i])
			i++
			continue
		}
		j := i
		for j < len(md) && md[j] == '`' {
			j++
		}
		fence := md[i:j]
		k := strings.Index(md[j:], fence)
		if k < 0 {
			b.WriteString(md[i:])
			break
		}
		i = j + k + len(fence)
	}
	return b.String()
}

// Text outside the fence is kept byte for byte, the managed part replaced.
func TestSplitJoinKeepsHumanText(t *testing.T) {
	for _, f := range []Format{Markdown, JiraWiki} {
		m := Wrap(f, "secui-g-0123456789ab", doc())
		body := "Human notes on top.\r\n\r\n" + m + "\n\nAnd below: assigned to team X."
		b := Split(f, body)
		if !b.Found || b.Marker != "secui-g-0123456789ab" || b.Managed != m {
			t.Fatalf("%v: split %+v", f, b)
		}
		if ManagedHash(f, b.Managed) != ManagedHash(f, strings.ReplaceAll(m, "\n", "\r\n")) {
			t.Errorf("%v: CRLF changes the hash", f)
		}
		if ManagedHash(f, b.Managed) == ManagedHash(f, strings.Replace(m, "Finding", "Findings", 1)) {
			t.Errorf("%v: an edit does not change the hash", f)
		}
		nb := Join(f, b.Pre, Wrap(f, "secui-g-0123456789ab", Doc{P(T("new"))}), b.Post)
		if !strings.HasPrefix(nb, "Human notes on top.\r\n\r\n") || !strings.HasSuffix(nb, "\n\nAnd below: assigned to team X.") {
			t.Errorf("%v: human text changed:\n%s", f, nb)
		}
		if Split(f, "no fence here").Found {
			t.Errorf("%v: fence found in plain text", f)
		}
	}
}

func TestADFSplitJoinAndStableHash(t *testing.T) {
	m := Wrap(ADF, "secui-g-0123456789ab", doc())
	human := `{"type":"paragraph","content":[{"type":"text","text":"triaged by Ann"}]}`
	body := `{"type":"doc","version":1,"content":[` + human + `,` + m + `]}`
	b := Split(ADF, body)
	if !b.Found || b.Marker != "secui-g-0123456789ab" {
		t.Fatalf("split %+v", b)
	}
	// Jira adds localId attributes: the hash does not move.
	withIDs := strings.Replace(b.Managed, `"type":"paragraph"`, `"type":"paragraph","attrs":{"localId":"abc"}`, 1)
	if ManagedHash(ADF, withIDs) != ManagedHash(ADF, m) {
		t.Error("tracker-added attributes change the hash")
	}
	nb := Join(ADF, b.Pre, Wrap(ADF, "secui-g-0123456789ab", Doc{P(T("new"))}), b.Post)
	if !strings.Contains(nb, human) || !strings.Contains(nb, `"text":"new"`) {
		t.Errorf("join: %s", nb)
	}
	var n Node
	if json.Unmarshal([]byte(nb), &n) != nil || len(n.Content) != 2 {
		t.Errorf("join produced %s", nb)
	}
}

func TestCommentRef(t *testing.T) {
	for _, f := range []Format{Markdown, JiraWiki, ADF} {
		c := Comment(f, "3f2a9c1b", Doc{P(T("closing"))})
		if !HasCommentRef(f, c, "3f2a9c1b") || HasCommentRef(f, c, "00000000") {
			t.Errorf("%v: ref not found in %s", f, c)
		}
	}
}
