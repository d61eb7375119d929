package engine

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/trackers/content"
)

// member is one finding of a group, as the plan sees it.
type member struct {
	id     string            // decision id
	d      *ledger.Decision  // nil: the decision is gone
	f      *findings.Finding // nil: not in the current scan
	status string
}

// Member statuses.
const (
	stActive     = "open"
	stReturned   = "returned"
	stFixed      = "fixed"
	stSuppressed = "suppressed"
	stUnknown    = "not seen" // not in the scan, not proven fixed
)

// text is untrusted text on its way into a ticket: sanitized, secrets
// redacted (counted), cut to max runes.
func (p *planner) text(s string, max int) string {
	s = findings.Sanitize(s)
	r := p.opts.Secrets.Redact(s)
	if r != s {
		p.redactions += strings.Count(r, "[redacted ") - strings.Count(s, "[redacted ")
	}
	if rs := []rune(r); len(rs) > max {
		r = string(rs[:max]) + " …"
	}
	return r
}

func (m *member) rule() string {
	if m.f != nil {
		return m.f.RuleID()
	}
	if m.d != nil {
		return m.d.Rule
	}
	return ""
}

func (m *member) tool() string {
	if m.f != nil {
		return m.f.ToolName()
	}
	if m.d != nil {
		return m.d.Tool
	}
	return ""
}

func (m *member) where() (string, int) {
	if m.f != nil {
		return m.f.Loc.Path, m.f.Loc.Line
	}
	if m.d != nil {
		if m.d.Evidence.Path != "" {
			return m.d.Evidence.Path, m.d.Evidence.Line
		}
		return m.d.Path, 0
	}
	return "", 0
}

func loc(path string, line int) string {
	if line > 0 {
		return fmt.Sprintf("%s:%d", path, line)
	}
	return path
}

var cweRE = regexp.MustCompile(`^CWE-(\d{1,5})$`)

// CodeLink builds the web address of a file and line at a commit on the
// repository's hosting service (GitHub, GitLab, Bitbucket); "" when the host
// is unknown.
func CodeLink(host, owner, repo, commit, path string, line int) string {
	if host == "" || owner == "" || repo == "" || commit == "" || path == "" {
		return ""
	}
	var segs []string
	for _, s := range strings.Split(path, "/") {
		segs = append(segs, url.PathEscape(s))
	}
	p := strings.Join(segs, "/")
	base := "https://" + host + "/" + owner + "/" + repo
	switch {
	case strings.Contains(host, "gitlab"):
		u := base + "/-/blob/" + commit + "/" + p
		if line > 0 {
			u += fmt.Sprintf("#L%d", line)
		}
		return u
	case host == "bitbucket.org":
		u := base + "/src/" + commit + "/" + p
		if line > 0 {
			u += fmt.Sprintf("#lines-%d", line)
		}
		return u
	}
	u := base + "/blob/" + commit + "/" + p
	if line > 0 {
		u += fmt.Sprintf("#L%d", line)
	}
	return u
}

func (p *planner) locInline(m *member) content.Inline {
	path, line := m.where()
	s := p.text(loc(path, line), 300)
	if m.f != nil && m.f.Loc.InRepo && p.opts.Code.Host != "" && !p.opts.Secrets.Contains(path) {
		if u := CodeLink(p.opts.Code.Host, p.opts.Code.Owner, p.opts.Code.Repo, p.opts.Code.Commit, path, line); u != "" {
			return content.L(s, u)
		}
	}
	return content.U(s)
}

func cweLinks(cwes []string) []content.Inline {
	var out []content.Inline
	for i, c := range cwes {
		m := cweRE.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(c)))
		if m == nil {
			continue
		}
		if i > 0 && len(out) > 0 {
			out = append(out, content.T(", "))
		}
		out = append(out, content.L("CWE-"+m[1], "https://cwe.mitre.org/data/definitions/"+m[1]+".html"))
	}
	return out
}

// detail levels: what a body includes, most first; the planner drops
// levels until the body fits the tracker's limit.
const (
	lvlFull  = 3 // + rule help
	lvlFlows = 2 // + data flow, excerpt
	lvlBasic = 1 // message, fields
	lvlList  = 0 // the list of findings only
)

// findingBlocks describes one present finding.
func (p *planner) findingBlocks(m *member, lvl int) content.Doc {
	f := m.f
	var d content.Doc
	fields := []content.Inline{content.B("Severity:"), content.T(" " + f.Severity.String() + " · "), content.B("Stage:"), content.T(" " + f.Stage.String() + " · "),
		content.B("Tool:"), content.T(" "), content.U(p.text(strings.TrimSpace(f.ToolName()+" "+toolVersion(f)), 80)), content.T(" · "),
		content.B("Rule:"), content.T(" "), content.U(p.text(f.RuleID(), 120))}
	if t := f.Title(); t != "" && t != f.RuleID() {
		fields = append(fields, content.T(" "), content.U(p.text(t, 120)))
	}
	d = append(d, content.P(fields...))
	where := []content.Inline{content.B("Location:"), content.T(" "), p.locInline(m)}
	if p.opts.Code.Commit != "" {
		short := p.opts.Code.Commit
		if len(short) > 12 {
			short = short[:12]
		}
		where = append(where, content.T(" at commit "), content.U(short))
	}
	d = append(d, content.P(where...))
	if cw := cweLinks(f.CWEs); len(cw) > 0 {
		d = append(d, content.P(append([]content.Inline{content.B("CWE:"), content.T(" ")}, cw...)...))
	}
	if f.VulnID != "" || f.Package != "" {
		d = append(d, content.P(content.B("Vulnerability:"), content.T(" "), content.U(p.text(strings.TrimSpace(f.VulnID+" "+f.Package), 200))))
	}
	if lvl == lvlList {
		return d
	}
	if msg := p.text(f.Message, 2000); msg != "" {
		d = append(d, content.P(content.B("Message")), content.Code(msg))
	}
	secret := f.Category == findings.CatSecrets
	if lvl >= lvlFlows && !secret && f.Loc.Snippet != "" {
		d = append(d, content.P(content.B("Excerpt")), content.Code(p.text(excerpt(f.Loc.Snippet), 1500)))
	}
	if secret {
		d = append(d, content.P(content.T("The matched value is not included: secui never sends secrets to a tracker.")))
	}
	if lvl >= lvlFlows && p.opts.Set != nil && !secret {
		if det, err := p.opts.Set.Details(f); err == nil && det != nil && len(det.Flows) > 0 {
			var items [][]content.Inline
			for i, st := range det.Flows[0].Steps {
				if i == 20 {
					items = append(items, content.Item(content.T(fmt.Sprintf("… %d more steps", len(det.Flows[0].Steps)-20))))
					break
				}
				it := content.Item(content.T(fmt.Sprintf("%d. ", i+1)), content.U(p.text(st.Loc.String(), 200)))
				if st.Loc.Message != "" {
					it = append(it, content.T(" — "), content.U(p.text(st.Loc.Message, 200)))
				}
				items = append(items, it)
			}
			d = append(d, content.P(content.B("Data flow")), content.List(items...))
		}
	}
	if lvl >= lvlFull && f.Rule != nil {
		help := f.Rule.HelpText
		if help == "" {
			help = f.Rule.Full
		}
		if help != "" {
			d = append(d, content.P(content.B("Rule help")), content.Code(p.text(help, 3000)))
		}
		if f.Rule.HelpURI != "" {
			d = append(d, content.P(content.T("Help page: "), content.U(p.text(f.Rule.HelpURI, 300))))
		}
	}
	return d
}

func toolVersion(f *findings.Finding) string {
	if f.Tool != nil {
		return f.Tool.Version
	}
	return ""
}

// excerpt keeps the first 10 lines of a snippet.
func excerpt(s string) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > 10 {
		ls = append(ls[:10], "…")
	}
	return strings.Join(ls, "\n")
}

// groupDoc is the managed section of a group's ticket.
func (p *planner) groupDoc(g *group, lvl int, maxList int) content.Doc {
	var d content.Doc
	var present []*member
	for _, m := range g.members {
		if m.f != nil && (m.status == stActive || m.status == stReturned) {
			present = append(present, m)
		}
	}
	if len(g.members) == 1 && len(present) == 1 {
		d = append(d, p.findingBlocks(present[0], lvl)...)
	} else {
		d = append(d, content.P(content.T(groupIntro(g))))
		var items [][]content.Inline
		for i, m := range g.members {
			if i == maxList {
				items = append(items, content.Item(content.T(fmt.Sprintf("… and %d more findings", len(g.members)-maxList))))
				break
			}
			st := m.status
			if st == stReturned {
				st = stActive // transient: the reopen comment says it
			}
			it := content.Item(content.T("["+st+"] "), content.U(p.text(m.tool()+" "+m.rule(), 120)), content.T(" "), p.locInline(m))
			if m.f != nil {
				it = append(it, content.T(" "+m.f.Severity.String()))
			}
			items = append(items, it)
		}
		d = append(d, content.List(items...))
		if lvl >= lvlBasic {
			for i, m := range present {
				if i == 3 {
					break
				}
				d = append(d, content.H(4, content.T("Finding "+m.id)))
				d = append(d, p.findingBlocks(m, min(lvl, lvlFlows))...)
			}
		}
	}
	var ids []string
	for _, m := range g.members {
		ids = append(ids, m.id)
	}
	if len(ids) > maxList {
		ids = append(ids[:maxList], "…")
	}
	d = append(d, content.Rule(), content.P(content.T("Finding ids (secui ledger): "), content.U(strings.Join(ids, " ")), content.T(" · group "), content.U(g.marker)))
	return d
}

func groupIntro(g *group) string {
	open := 0
	for _, m := range g.members {
		if m.status == stActive || m.status == stReturned {
			open++
		}
	}
	kind, val, _ := strings.Cut(g.key, ":")
	switch kind {
	case "rule":
		return fmt.Sprintf("%d finding(s) of this rule, %d still present.", len(g.members), open)
	case "file":
		return fmt.Sprintf("%d finding(s) in this file, %d still present.", len(g.members), open)
	case "package":
		return fmt.Sprintf("%d finding(s) in this package, %d still present.", len(g.members), open)
	}
	_ = val
	return fmt.Sprintf("%d finding(s), %d still present.", len(g.members), open)
}

// title is the ticket title: "[tool rule] what in where".
func (p *planner) title(g *group, limit int) string {
	var lead *member
	for _, m := range g.members {
		if m.f != nil {
			lead = m
			break
		}
	}
	if lead == nil && len(g.members) > 0 {
		lead = g.members[0]
	}
	if lead == nil {
		return "secui finding"
	}
	what := lead.rule()
	if lead.f != nil && lead.f.Rule != nil {
		r := lead.f.Rule
		if t := r.Title(); t != "" && t != r.ID { // not Trivy's class name "Misconfiguration"
			what = t
		}
	}
	what = shortWhat(what)
	path, line := lead.where()
	kind, val, _ := strings.Cut(g.key, ":")
	var t string
	switch kind {
	case "rule":
		t = fmt.Sprintf("[%s %s] %s (%d findings)", lead.tool(), lead.rule(), what, len(g.members))
	case "file":
		t = fmt.Sprintf("[secui] %d findings in %s", len(g.members), val)
	case "package":
		t = fmt.Sprintf("[%s] %d vulnerabilities in %s", lead.tool(), len(g.members), val)
	default:
		t = fmt.Sprintf("[%s %s] %s in %s", lead.tool(), lead.rule(), what, loc(path, line))
	}
	t = p.text(findings.SanitizeLine(t), limit)
	if rs := []rune(t); len(rs) > limit {
		t = string(rs[:limit-1]) + "…"
	}
	return strings.TrimSpace(t)
}

// shortWhat is the first clause of a rule description, at most 80 runes.
func shortWhat(s string) string {
	s = strings.TrimSuffix(firstSentence(s), ".")
	if rs := []rune(s); len(rs) > 80 {
		if i := strings.Index(s, ", "); i > 20 && i < 80 {
			return s[:i]
		}
		return string(rs[:79]) + "…"
	}
	return s
}

func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i > 0 && i < 120 {
		return s[:i]
	}
	if rs := []rune(s); len(rs) > 120 {
		return string(rs[:119]) + "…"
	}
	return s
}

// closingDoc explains a close (fixed: the scan evidence; suppressed: the
// justification) or a reopen.
func (p *planner) stateDoc(g *group, closing bool) content.Doc {
	var items [][]content.Inline
	for _, m := range g.members {
		it := content.Item(content.T("["+m.status+"] "), content.U(p.text(m.tool()+" "+m.rule(), 120)), content.T(" "), content.U(p.text(func() string { a, b := m.where(); return loc(a, b) }(), 300)))
		if m.d != nil {
			switch m.status {
			case stFixed:
				if s := m.d.Extra().Scan; s != nil {
					ev := fmt.Sprintf("gone from a successful %s %s run", s.Scanner, s.Version)
					if s.Commit != "" {
						c := s.Commit
						if len(c) > 12 {
							c = c[:12]
						}
						ev += " at commit " + c
					}
					if !s.Time.IsZero() {
						ev += " (" + s.Time.UTC().Format("2006-01-02 15:04 UTC") + ")"
					}
					it = append(it, content.T(" — "), content.U(p.text(ev, 300)))
				}
			case stSuppressed:
				it = append(it, content.T(" — "+string(m.d.Reason)+": "), content.U(p.text(m.d.Justification, 500)))
				if m.d.Author != "" {
					it = append(it, content.T(" by "), content.U(p.text(m.d.Author, 120)))
				}
			case stReturned:
				it = append(it, content.T(" — reported again by the latest scan"))
			}
		}
		items = append(items, it)
		if len(items) == 50 {
			break
		}
	}
	var head string
	switch {
	case !closing:
		head = "secui reopens this ticket: a finding it tracks is back."
	case g.desired == desClosedFixed:
		head = "secui closes this ticket: every finding it tracks is fixed or suppressed."
	default:
		head = "secui closes this ticket as not planned: its findings were suppressed in the ledger."
	}
	return content.Doc{content.P(content.T(head)), content.List(items...)}
}
