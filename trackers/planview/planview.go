// Package planview renders a sync plan's payloads as text lines — the new
// body, the diff of the body against the ticket's current one, labels,
// close and reopen payloads — for `secui sync` and the console's sync
// confirmation screen, so both show exactly the same thing. Every line is
// sanitized for a terminal.
package planview

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/trackers/content"
	"github.com/secui/secui/trackers/engine"
)

// PreviewLines is how many lines of a body are shown unless verbose.
const PreviewLines = 30

func sanitize(s string) string { return findings.SanitizeLine(s) }

// Shown reports whether a has payloads to show (it writes something).
func Shown(a *engine.Action) bool {
	return a.Kind != engine.Unchanged && a.Kind != engine.Skip && a.Kind != engine.Refused && len(a.Steps) > 0
}

// Header is the heading line of an action's payloads.
func Header(a *engine.Action) string {
	id := a.Ticket
	if id == "" {
		id = "(new)"
	}
	return fmt.Sprintf("── %s %s %s", a.Kind, sanitize(id), sanitize(a.Title))
}

// Steps renders a's steps (requests with their payloads), indented by
// three spaces. tracker is "github" or "jira"; f the body format.
func Steps(tracker string, a *engine.Action, f content.Format, verbose bool) []string {
	var out []string
	add := func(format string, x ...any) { out = append(out, fmt.Sprintf(format, x...)) }
	for _, st := range a.Steps {
		switch st.Op {
		case "create":
			p, _ := json.MarshalIndent(withoutBody(st.Payload), "", "  ")
			add("   POST %s", createWhere(tracker))
			for _, l := range strings.Split(string(p), "\n") {
				add("   %s", sanitize(l))
			}
			out = append(out, body("   body:", content.Text(f, st.NewBody), verbose)...)
		case "edit":
			if st.Title != nil {
				add("   title → %s", sanitize(*st.Title))
			}
			if st.NewBody != st.OldBody {
				add("   body (secui's section; text outside it is kept):")
				out = append(out, diff(content.Text(f, st.OldBody), content.Text(f, st.NewBody), verbose)...)
			}
		case "labels":
			add("   add labels: %s", sanitize(strings.Join(st.Labels, ", ")))
		case "comment":
			out = append(out, body("   comment:", content.Text(f, st.Body), verbose)...)
		case "close", "reopen":
			p, _ := json.Marshal(st.Payload)
			add("   %s: %s", st.Op, sanitize(string(p)))
		case "adopt":
			add("   record the existing ticket in the ledger")
		}
	}
	return out
}

func createWhere(tracker string) string {
	if tracker == "github" {
		return "/repos/{owner}/{repo}/issues"
	}
	return "/rest/api/{2|3}/issue"
}

// withoutBody drops the body (shown apart) from a create payload.
func withoutBody(p any) any {
	b, _ := json.Marshal(p)
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return p
	}
	delete(m, "body")
	if f, ok := m["fields"].(map[string]any); ok {
		if _, has := f["description"]; has {
			f["description"] = "(below)"
		}
	}
	return m
}

func body(head, text string, verbose bool) []string {
	out := []string{head}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if !verbose && i == PreviewLines {
			out = append(out, fmt.Sprintf("   │ … %d more lines (--verbose shows all)", len(lines)-PreviewLines))
			break
		}
		out = append(out, "   │ "+sanitize(l))
	}
	return out
}

// diff is a line diff of the old and new body.
func diff(old, new string, verbose bool) []string {
	var out []string
	dmp := diffmatchpatch.New()
	a, b, lines := dmp.DiffLinesToChars(old, new)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(a, b, false), lines)
	n := 0
	for _, d := range diffs {
		mark := "  "
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			mark = "+ "
		case diffmatchpatch.DiffDelete:
			mark = "- "
		}
		ls := strings.Split(strings.TrimSuffix(d.Text, "\n"), "\n")
		if d.Type == diffmatchpatch.DiffEqual && len(ls) > 4 && !verbose {
			out = append(out, fmt.Sprintf("   │   … %d unchanged lines", len(ls)))
			continue
		}
		for _, l := range ls {
			if !verbose && n == 4*PreviewLines {
				return append(out, "   │ … (--verbose shows all)")
			}
			out = append(out, "   │ "+mark+sanitize(l))
			n++
		}
	}
	return out
}
