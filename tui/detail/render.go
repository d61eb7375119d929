package detail

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/tui/safe"
	"github.com/secui/secui/tui/theme"
)

// Data is everything the detail pane shows about one finding. The root model
// fills it from Cmd results; the pane renders it once per change.
type Data struct {
	F          *findings.Finding
	Details    *findings.Details // nil until loaded
	DetailsErr error
	Loading    bool   // details are being loaded
	NoDetails  string // why details are not available yet (e.g. "still loading")
	Code       *Code  // the code at the main location (nil until loaded)
	Flow, Step int    // current code-flow step; Step < 0 = none
	StepCode   *Code  // code at the current step
	Fixes      [][]string
	Help       string // rule help, rendered (RenderMarkdown) or plain
	History    []string
	Decision   string // one-line current decision ("suppressed by …")
	// State is the finding's triage state (from the ledger overlay);
	// Match says how its decision found it ("moved +3 lines"); Review, when
	// set, why its state needs a human look (shown as a warning).
	State  findings.State
	Match  string
	Review string
	// StateLoading: the ledger is not matched yet, the state is unknown.
	StateLoading bool
	// Blame is who last changed the finding's line ("" = not shown; the
	// console fills it in the background), Owners its CODEOWNERS owners.
	Blame  string
	Owners string
}

// Anchors are line numbers of sections in rendered content, for scrolling.
type Anchors struct {
	Flow int // the current flow step (-1 when none)
	Code int
}

// CWEURL is the MITRE page of a "CWE-79" id ("" when it is not one).
func CWEURL(cwe string) string {
	n, ok := strings.CutPrefix(strings.ToUpper(cwe), "CWE-")
	if !ok {
		return ""
	}
	if _, err := strconv.Atoi(n); err != nil {
		return ""
	}
	return "https://cwe.mitre.org/data/definitions/" + n + ".html"
}

type writer struct {
	b     strings.Builder
	lines int
	w     int
}

func (w *writer) line(s string) {
	w.b.WriteString(s)
	w.b.WriteByte('\n')
	w.lines++
}

// wrap writes text word-wrapped to the width with an indent.
func (w *writer) wrap(text, indent string) {
	for _, l := range strings.Split(ansi.Wrap(text, max(10, w.w-ansi.StringWidth(indent)), " -/"), "\n") {
		w.line(indent + l)
	}
}

func (w *writer) blank() { w.line("") }

// Render renders d for a pane width cells wide. It is pure and cheap enough
// to run on every selection change, never per frame.
func Render(d Data, width int, st *theme.Styles) (string, Anchors) {
	an := Anchors{Flow: -1, Code: -1}
	f := d.F
	if f == nil {
		return st.Muted.Render("No finding selected."), an
	}
	w := &writer{w: max(20, width)}
	sev := f.Severity
	if int(sev) >= len(theme.SevGlyph) {
		sev = findings.SevInfo
	}
	ruleName, ruleID := "", safe.Line(f.RuleID())
	if f.Rule != nil {
		ruleName = safe.Line(f.Title()) // Trivy's rule name "Misconfiguration" says less than its short description
	}
	title := st.SevBadge[sev].Render(" "+theme.SevGlyph[sev]+" "+strings.ToUpper(sev.String())+" ") + " " + st.Bold.Render(firstNonEmpty(ruleName, ruleID))
	if ruleName != "" && ruleID != "" && ruleName != ruleID {
		title += " " + st.Muted.Render("("+ruleID+")")
	}
	w.wrap(title, "")
	kv := func(k, v string) string { return st.HeaderKey.Render(k+" ") + v }
	sevLine := kv("severity", st.Sev[sev].Render(sev.String()))
	if f.SevFrom != "" {
		sevLine += st.Muted.Render(" (from " + safe.Line(f.SevFrom) + ")")
	}
	w.wrap(sevLine, "")
	stage := kv("stage", f.Stage.String())
	if f.StageReason != "" {
		stage += st.Muted.Render(" (" + safe.Line(f.StageReason) + ")")
	}
	w.wrap(stage+"  "+kv("category", f.Category.String()), "")
	state := kv("state", st.State[d.State&3].Render(d.State.String()))
	if d.StateLoading {
		state = kv("state", st.Muted.Render("loading… (triage decisions not matched yet)"))
	}
	if f.InputSup != findings.InNone {
		state += "  " + kv("SARIF suppression", f.InputSup.String())
		if f.InputSupReason != "" {
			state += st.Muted.Render(" — " + safe.Line(f.InputSupReason))
		}
	}
	if f.BaselineState != "" {
		state += "  " + kv("baseline", safe.Line(f.BaselineState))
	}
	w.wrap(state, "")
	if d.Decision != "" {
		w.wrap(st.Muted.Render(safe.Line(d.Decision)), "")
	}
	if d.Match != "" {
		w.wrap(kv("matched", safe.Line(d.Match)), "")
	}
	if d.Review != "" {
		w.wrap(st.StatusWarn.Render("NEEDS REVIEW")+" "+safe.Line(d.Review), "")
	}
	tool := safe.Line(f.ToolName())
	if f.Tool != nil && f.Tool.Version != "" {
		tool += " " + safe.Line(f.Tool.Version)
	}
	if f.Provisional() { // the file is still being read: no identity yet
		w.wrap(kv("tool", tool)+"  "+kv("id", "loading…"), "")
	} else {
		w.wrap(kv("tool", tool)+"  "+kv("id", f.ID)+st.Muted.Render(" ("+f.IDLayer.String()+")"), "")
	}
	if d.Blame != "" {
		w.wrap(kv("blame", safe.Line(d.Blame)), "")
	}
	if d.Owners != "" {
		w.wrap(kv("owners", safe.Line(d.Owners)), "")
	}
	if f.VulnID != "" || f.Package != "" {
		w.wrap(kv("vulnerability", safe.Line(f.VulnID))+"  "+kv("package", safe.Line(f.Package)), "")
	}
	for _, c := range f.CWEs {
		c = safe.Line(c)
		if u := CWEURL(c); u != "" {
			w.wrap(kv("weakness", c+" "+st.Link.Hyperlink(u).Render(u)), "")
		} else {
			w.wrap(kv("weakness", c), "")
		}
	}
	if f.Rule != nil && f.Rule.HelpURI != "" {
		u := safe.Line(f.Rule.HelpURI)
		w.wrap(kv("docs", st.Link.Render(u)), "")
	}
	w.blank()
	w.line(st.Section.Render("Message"))
	w.wrap(safe.Text(f.Message), "  ")
	w.blank()

	w.line(st.Section.Render("Location") + " " + safe.Line(f.Loc.String()) + colSuffix(f.Loc))
	an.Code = w.lines
	renderCode(w, d.Code, st, "loading code…")

	switch {
	case d.Details != nil:
		renderDetails(w, d, st, &an)
	case d.DetailsErr != nil:
		w.blank()
		w.wrap(st.StatusError.Render("details: "+safe.Line(d.DetailsErr.Error())), "")
	case d.NoDetails != "":
		w.blank()
		w.wrap(st.Muted.Render(d.NoDetails), "")
	case d.Loading:
		w.blank()
		w.line(st.Muted.Render("loading details…"))
	}

	if d.Help != "" {
		w.blank()
		w.line(st.Section.Render("Rule help"))
		for _, l := range strings.Split(strings.TrimRight(d.Help, "\n"), "\n") {
			w.line(l)
		}
	}
	if len(f.Sources) > 0 {
		w.blank()
		w.line(st.Section.Render(fmt.Sprintf("Reported by (%d)", len(f.Sources))))
		for _, s := range f.Sources {
			tool := ""
			if s.Tool != nil {
				tool = safe.Line(s.Tool.Name)
			}
			w.wrap(fmt.Sprintf("%s  %s  run %d, result %d", tool, safe.Line(s.File), s.Run, s.Result), "  ")
		}
	}
	if len(f.Members) > 1 {
		w.blank()
		w.line(st.Section.Render(fmt.Sprintf("Correlated: %d tools", len(f.Members))))
		w.wrap(safe.Line(f.CorrelatedBy), "  ")
		for _, m := range f.Members {
			w.wrap(fmt.Sprintf("%s %s  %s  %s: %s", m.Severity.Letter(), safe.Line(m.ToolName()), safe.Line(m.RuleID()), m.Severity, safe.Line(m.Message)), "  ")
		}
	}
	if len(d.History) > 0 {
		w.blank()
		w.line(st.Section.Render("Decision history"))
		for _, h := range d.History {
			w.wrap(safe.Line(h), "  ")
		}
	}
	return strings.TrimRight(w.b.String(), "\n"), an
}

func renderDetails(w *writer, d Data, st *theme.Styles, an *Anchors) {
	det := d.Details
	if len(det.Related) > 0 {
		w.blank()
		w.line(st.Section.Render(fmt.Sprintf("Related locations (%d)", len(det.Related))))
		for i, r := range det.Related {
			msg := ""
			if r.Message != "" {
				msg = " — " + safe.Line(r.Message)
			}
			w.wrap(fmt.Sprintf("%d. %s%s", i+1, safe.Line(r.String()), msg), "  ")
		}
	}
	if len(det.Flows) > 0 {
		w.blank()
		hdr := fmt.Sprintf("Code flow (%d step(s)", countSteps(det.Flows))
		if len(det.Flows) > 1 {
			hdr = fmt.Sprintf("Code flows (%d flows, %d steps", len(det.Flows), countSteps(det.Flows))
		}
		w.line(st.Section.Render(hdr+")") + st.Muted.Render("  n/p walk the steps"))
		for fi, fl := range det.Flows {
			if len(det.Flows) > 1 {
				w.wrap(st.Bold.Render(fmt.Sprintf("flow %d", fi+1))+" "+st.Muted.Render(safe.Line(fl.Message)), "  ")
			}
			for si, s := range fl.Steps {
				cur := d.Step >= 0 && fi == d.Flow && si == d.Step
				marker := "  "
				if cur {
					marker = "▶ "
					an.Flow = w.lines
				}
				text := fmt.Sprintf("%s%2d. %s", marker, si+1, safe.Line(s.Loc.String()))
				if s.Loc.Message != "" {
					text += " — " + safe.Line(s.Loc.Message)
				}
				if len(s.Kinds) > 0 {
					text += " [" + safe.Line(strings.Join(s.Kinds, ",")) + "]"
				}
				if cur {
					w.wrap(st.StepActive.Render(text), "  ")
					renderCode(w, d.StepCode, st, "loading step code…")
				} else {
					w.wrap(text, "  ")
				}
			}
		}
	}
	if len(det.Fixes) > 0 {
		w.blank()
		w.line(st.Section.Render(fmt.Sprintf("Proposed fix(es) (%d)", len(det.Fixes))))
		for i, fx := range det.Fixes {
			if fx.Description != "" {
				w.wrap(fmt.Sprintf("%d. %s", i+1, safe.Line(fx.Description)), "  ")
			}
			if i < len(d.Fixes) {
				for _, l := range d.Fixes[i] {
					switch {
					case strings.HasPrefix(l, "+"):
						w.line("    " + st.DiffAdd.Render(l))
					case strings.HasPrefix(l, "-"):
						w.line("    " + st.DiffDel.Render(l))
					case strings.HasPrefix(l, "@@"):
						w.line("    " + st.DiffHunk.Render(l))
					default:
						w.line("    " + st.Muted.Render(l))
					}
				}
			}
		}
	}
}

func countSteps(fl []findings.Flow) int {
	n := 0
	for _, f := range fl {
		n += len(f.Steps)
	}
	return n
}

func colSuffix(l findings.Location) string {
	if l.Col > 0 {
		return ":" + strconv.Itoa(l.Col)
	}
	return ""
}

func renderCode(w *writer, c *Code, st *theme.Styles, loading string) {
	if c == nil {
		w.line("    " + st.Muted.Render(loading))
		return
	}
	if c.Note != "" {
		w.wrap(st.StatusWarn.Render("! "+c.Note), "    ")
	}
	if len(c.Plain) == 0 {
		return
	}
	last := c.First + len(c.Plain) - 1
	nw := len(strconv.Itoa(last))
	for i, plain := range c.Plain {
		n := c.First + i
		in := c.HLStart > 0 && n >= c.HLStart && n <= c.HLEnd
		text := plain
		if c.Colored != nil && i < len(c.Colored) {
			text = c.Colored[i]
		}
		num := fmt.Sprintf("%*d", nw, n)
		if in {
			w.line(st.Gutter.Render(" ▶ ") + st.LineNoHL.Render(num) + st.Gutter.Render(" │ ") + text)
			if c.Col > 0 && n == c.HLStart {
				ec := c.EndCol
				if ec <= c.Col {
					ec = c.Col + 1
				}
				w.line(strings.Repeat(" ", 3+nw+3+c.caretOff) + st.Gutter.Render(strings.Repeat("^", max(1, c.caretLen))))
			}
		} else {
			w.line("   " + st.LineNo.Render(num) + st.LineNo.Render(" │ ") + text)
		}
	}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
