package triagescreen

import (
	"fmt"
	"path"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/tui/detail"
	"github.com/secui/secui/tui/status"
	"github.com/secui/secui/tui/triageform"
)

// decidedMsg reports a ledger write (Decide) and the ledger matched again.
type decidedMsg struct {
	action string
	n      int
	err    error
	ov     *ledger.Overlay
	seq    uint64
	warn   string // e.g. GIT_AUTHOR_* overrode the git identity
}

// undoneMsg reports an undo of the last decision batch.
type undoneMsg struct {
	ids []string
	err error
	ov  *ledger.Overlay
	seq uint64
}

func (m *Model) now() time.Time {
	if m.opts.Now != nil {
		return m.opts.Now()
	}
	return time.Now()
}

// targets are the findings a triage key acts on: the marked ones, else the
// selected one.
func (m *Model) targets() []*findings.Finding {
	if ms := m.table.Marked(); len(ms) > 0 {
		return ms
	}
	if f := m.table.Selected(); f != nil {
		return []*findings.Finding{f}
	}
	if f := m.det.Data().F; f != nil && m.focus == focusDetail {
		return []*findings.Finding{f}
	}
	return nil
}

// handleTriageKey handles accept, suppress, reopen and undo.
func (m *Model) handleTriageKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	var action string
	switch {
	case key.Matches(msg, m.km.Accept):
		action = ledger.ActAccept
	case key.Matches(msg, m.km.Suppress):
		action = ledger.ActSuppress
	case key.Matches(msg, m.km.Reopen):
		action = ledger.ActReopen
	case key.Matches(msg, m.km.Undo):
		if m.opts.Ledger == nil {
			return m.noLedger(), true
		}
		if !m.opts.Ledger.CanUndo() {
			return m.status.Flash(status.Info, "nothing to undo", 3*time.Second), true
		}
		return m.undoCmd(), true
	default:
		return nil, false
	}
	if m.opts.Ledger == nil && m.loop.ledgerOpening {
		return m.status.Flash(status.Info, "the triage decisions are still loading", 3*time.Second), true
	}
	if m.opts.Ledger == nil {
		return m.noLedger(), true
	}
	if err := m.opts.Ledger.Err(); err != nil {
		return m.status.Flash(status.Error, "the ledger is invalid, fix it first: "+firstLine(err.Error()), 8*time.Second), true
	}
	if m.ov == nil {
		// Until the ledger is matched, a finding's state is unknown: acting
		// on it could record a second decision for it.
		return m.status.Flash(status.Info, "the triage decisions are still loading", 3*time.Second), true
	}
	fs := m.targets()
	if len(fs) == 0 {
		return m.status.Flash(status.Info, "no finding selected", 3*time.Second), true
	}
	if provisional(fs...) { // no ID yet: a decision could not be placed on it
		return m.status.Flash(status.Info, "the triage decisions are still loading", 3*time.Second), true
	}
	if action == ledger.ActReopen {
		req := ledger.Request{Action: ledger.ActReopen, Now: m.now()}
		return m.decideCmd(fs, req), true
	}
	title := fs[0].RuleID() + " at " + fs[0].Loc.String()
	m.form = triageform.New(m.st, action, len(fs), title, m.now)
	m.form.SetWidth(min(100, m.width-4))
	if tool, rule, dir, ok := oneRule(fs); ok {
		m.form.SetScopes(tool, rule, dir) // this finding / this rule here / this rule everywhere
	}
	m.formOpen = true
	m.formTargets = fs
	return nil, true
}

func (m *Model) noLedger() tea.Cmd {
	return m.status.Flash(status.Warn, "triage needs a ledger: run secui inside a git repository", 5*time.Second)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// handleFormMsg routes keys and results while the triage form is open.
func (m Model) handleFormMsg(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case triageform.CancelMsg:
		m.formOpen = false
		return m, nil
	case triageform.SubmitMsg:
		req := msg.Req
		if m.opts.Config != nil {
			req.MaxTerm = m.opts.Config.Check.MaxExpiry
		}
		if msg.Scope != nil {
			return m, m.decideScopeCmd(*msg.Scope, req)
		}
		return m, m.decideCmd(m.formTargets, req)
	}
	var cmd tea.Cmd
	m.form, cmd = m.form.Update(msg)
	return m, cmd
}

// decideCmd writes one decision for fs to the ledger — on the records the
// overlay placed on them, with the evidence of the findings as they are now
// in the working tree — and matches the ledger again.
func (m *Model) decideCmd(fs []*findings.Finding, req ledger.Request) tea.Cmd {
	fs = append([]*findings.Finding(nil), fs...)
	l, repo, all, ov, work := m.opts.Ledger, m.opts.Repo, m.fs, m.ov, m.workTree
	now := m.now()
	return func() tea.Msg {
		warn := ""
		if req.Author == "" {
			req.Author, warn = author(repo)
		}
		opt := work()
		if w := opt.Match.Work; w != nil {
			req.Evidence = w.ForFinding
		}
		req.Overlay = ov
		err := l.Decide(fs, req)
		msg := decidedMsg{action: req.Action, n: len(fs), err: err, warn: warn}
		if err == nil {
			msg.ov, msg.seq = buildOverlay(l, all, now, opt)
		}
		return msg
	}
}

// oneRule reports the tool and rule all of fs share, and the deepest
// directory holding all of them ("" the root).
func oneRule(fs []*findings.Finding) (tool, rule, dir string, ok bool) {
	for i, f := range fs {
		d := path.Dir(f.Loc.Path)
		if i == 0 {
			tool, rule, dir = f.ToolName(), f.RuleID(), d
			continue
		}
		if !strings.EqualFold(f.ToolName(), tool) || f.RuleID() != rule {
			return "", "", "", false
		}
		for dir != "." && dir != "/" && d != dir && !strings.HasPrefix(d, dir+"/") {
			dir = path.Dir(dir)
		}
	}
	if dir == "." || dir == "/" {
		dir = ""
	}
	return tool, rule, dir, tool != "" && rule != "" && len(fs) > 0
}

// decideScopeCmd writes one scope record (a rule here or everywhere) and
// matches the ledger again; n is the number of findings it covers now.
func (m *Model) decideScopeCmd(sc ledger.Scope, req ledger.Request) tea.Cmd {
	l, repo, all, work := m.opts.Ledger, m.opts.Repo, m.fs, m.workTree
	now := m.now()
	return func() tea.Msg {
		warn := ""
		if req.Author == "" {
			req.Author, warn = author(repo)
		}
		d, err := l.DecideScope(sc, req)
		msg := decidedMsg{action: req.Action, err: err, warn: warn}
		if err == nil {
			msg.ov, msg.seq = buildOverlay(l, all, now, work())
			if u, ok := msg.ov.ScopeUseOf(d); ok {
				msg.n = u.Count
			}
		}
		return msg
	}
}

func (m *Model) undoCmd() tea.Cmd {
	l, repo, all, work := m.opts.Ledger, m.opts.Repo, m.fs, m.workTree
	now := m.now()
	return func() tea.Msg {
		who, _ := author(repo)
		ids, err := l.Undo(who, now)
		msg := undoneMsg{ids: ids, err: err}
		if err == nil {
			msg.ov, msg.seq = buildOverlay(l, all, now, work())
		}
		return msg
	}
}

// author is the decision author (gitrepo.DecisionAuthor: the configured git
// identity, both recorded when GIT_AUTHOR_* overrides it) and the warning to
// show in that case.
func author(repo *gitrepo.Repo) (string, string) { return repo.DecisionAuthor() }

var pastTense = map[string]string{
	ledger.ActSuppress: "suppressed", ledger.ActAccept: "accepted", ledger.ActReopen: "reopened",
}

func (m Model) onDecided(msg decidedMsg) (Model, tea.Cmd) {
	if msg.err != nil {
		if m.formOpen {
			m.form.SetError(msg.err.Error())
			return m, nil
		}
		return m, m.status.Flash(status.Error, msg.action+": "+msg.err.Error(), 8*time.Second)
	}
	m.formOpen = false
	m.formTargets = nil
	m.table.ClearMarks()
	m.setOverlay(msg.ov, msg.seq)
	text := fmt.Sprintf("%s %d finding(s) — u undoes", pastTense[msg.action], msg.n)
	if msg.action == ledger.ActSuppress && !m.showSupp {
		text += ", H shows suppressed"
	}
	if msg.warn != "" {
		return m, tea.Batch(m.refilterKeep(true), m.status.Flash(status.Warn, text+" — warning: "+msg.warn, 10*time.Second))
	}
	return m, tea.Batch(m.refilterKeep(true), m.status.Flash(status.Info, text, 5*time.Second))
}

func (m Model) onUndone(msg undoneMsg) (Model, tea.Cmd) {
	if msg.err != nil {
		return m, m.status.Flash(status.Error, "undo: "+msg.err.Error(), 8*time.Second)
	}
	m.setOverlay(msg.ov, msg.seq)
	return m, tea.Batch(m.refilterKeep(true), m.status.Flash(status.Info, fmt.Sprintf("undid the last decision (%d finding(s))", len(msg.ids)), 5*time.Second))
}

// setOverlay takes a newer overlay (built by a Cmd after a ledger write) and
// refreshes the detail pane; the caller refilters. Filters still running
// keep reading the overlay they started with: overlays are never changed.
func (m *Model) setOverlay(ov *ledger.Overlay, seq uint64) {
	if ov == nil || seq <= m.ovSeq {
		return
	}
	m.ov, m.ovSeq = ov, seq
	d := m.det.Data()
	if d.F != nil {
		m.fillDecision(&d)
		m.det.SetData(d)
	}
}

// fillDecision sets the triage part of the detail pane's data for d.F.
func (m *Model) fillDecision(d *detail.Data) {
	f := d.F
	d.State, d.Match, d.Review = findings.StateOpen, "", ""
	d.StateLoading = m.statesLoading()
	d.Decision, d.History = m.decisionInfo(f)
	if m.ov == nil || f == nil {
		return
	}
	d.State = m.ov.State(f)
	d.Review = m.ov.NeedsReview(f)
	if mt, ok := m.ov.Match(f); ok {
		d.Match = mt.Describe()
		if mt.Decision.ID != f.ID {
			d.Match += " (decided as " + mt.Decision.ID + ")"
		}
	}
}

// decisionInfo describes the ledger decision about f and its history.
func (m *Model) decisionInfo(f *findings.Finding) (string, []string) {
	mt, ok := m.ov.Match(f)
	if !ok || mt.Decision == nil {
		return "", nil
	}
	d := mt.Decision
	var b strings.Builder
	b.WriteString("ledger: " + d.State.String())
	if d.Reason != "" {
		b.WriteString(" (" + string(d.Reason) + ")")
	}
	if d.Author != "" {
		b.WriteString(" by " + d.Author)
	}
	if !d.Time.IsZero() {
		b.WriteString(" on " + d.Time.Format(time.DateOnly))
	}
	if d.Justification != "" {
		b.WriteString(" — " + d.Justification)
	}
	if d.Extra().Note != "" {
		b.WriteString(" — " + d.Extra().Note)
	}
	if d.Expires != nil {
		b.WriteString("; expires " + d.Expires.Format(time.DateOnly))
	}
	if d.Extra().Due != nil {
		b.WriteString("; due " + d.Extra().Due.Format(time.DateOnly))
	}
	if mt.Expired {
		b.WriteString("; EXPIRED, open again")
	}
	var hist []string
	for _, e := range d.History {
		h := e.Time.Format("2006-01-02 15:04") + "  " + e.Action
		if e.Reason != "" {
			h += " (" + string(e.Reason) + ")"
		}
		if e.Author != "" {
			h += "  " + e.Author
		}
		if e.Justification != "" {
			h += " — " + e.Justification
		}
		if e.Note != "" {
			h += " — " + e.Note
		}
		hist = append(hist, h)
	}
	return b.String(), hist
}
