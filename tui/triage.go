package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/tui/status"
	"github.com/secui/secui/tui/triageform"
)

// decidedMsg reports a ledger write (Decide).
type decidedMsg struct {
	action string
	n      int
	err    error
	warn   string // e.g. GIT_AUTHOR_* overrode the git identity
}

// undoneMsg reports an undo of the last decision batch.
type undoneMsg struct {
	ids []string
	err error
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
		return undoCmd(m.opts.Ledger, m.opts.Repo, m.now()), true
	default:
		return nil, false
	}
	if m.opts.Ledger == nil {
		return m.noLedger(), true
	}
	if err := m.opts.Ledger.Err(); err != nil {
		return m.status.Flash(status.Error, "the ledger is invalid, fix it first: "+firstLine(err.Error()), 8*time.Second), true
	}
	fs := m.targets()
	if len(fs) == 0 {
		return m.status.Flash(status.Info, "no finding selected", 3*time.Second), true
	}
	if action == ledger.ActReopen {
		req := ledger.Request{Action: ledger.ActReopen, Now: m.now()}
		return decideCmd(m.opts.Ledger, fs, req, m.opts.Repo), true
	}
	title := fs[0].RuleID() + " at " + fs[0].Loc.String()
	m.form = triageform.New(m.st, action, len(fs), title, m.now)
	m.form.SetWidth(min(100, m.width-4))
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
func (m Model) handleFormMsg(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case triageform.CancelMsg:
		m.formOpen = false
		return m, nil
	case triageform.SubmitMsg:
		req := msg.Req
		if m.opts.Config != nil {
			req.MaxTerm = m.opts.Config.Check.MaxExpiry
		}
		return m, decideCmd(m.opts.Ledger, m.formTargets, req, m.opts.Repo)
	}
	var cmd tea.Cmd
	m.form, cmd = m.form.Update(msg)
	return m, cmd
}

// decideCmd writes one decision for fs to the ledger.
func decideCmd(l *ledger.Ledger, fs []*findings.Finding, req ledger.Request, repo *gitrepo.Repo) tea.Cmd {
	fs = append([]*findings.Finding(nil), fs...)
	return func() tea.Msg {
		warn := ""
		if req.Author == "" {
			req.Author, warn = author(repo)
		}
		err := l.Decide(fs, req)
		return decidedMsg{action: req.Action, n: len(fs), err: err, warn: warn}
	}
}

func undoCmd(l *ledger.Ledger, repo *gitrepo.Repo, now time.Time) tea.Cmd {
	return func() tea.Msg {
		who, _ := author(repo)
		ids, err := l.Undo(who, now)
		return undoneMsg{ids: ids, err: err}
	}
}

// author is the decision author (gitrepo.DecisionAuthor: the configured git
// identity, both recorded when GIT_AUTHOR_* overrides it) and the warning to
// show in that case.
func author(repo *gitrepo.Repo) (string, string) { return repo.DecisionAuthor() }

var pastTense = map[string]string{
	ledger.ActSuppress: "suppressed", ledger.ActAccept: "accepted", ledger.ActReopen: "reopened",
}

func (m Model) onDecided(msg decidedMsg) (tea.Model, tea.Cmd) {
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
	m.reapply()
	text := fmt.Sprintf("%s %d finding(s) — u undoes", pastTense[msg.action], msg.n)
	if msg.action == ledger.ActSuppress && !m.showSupp {
		text += ", H shows suppressed"
	}
	if msg.warn != "" {
		return m, tea.Batch(m.refilterKeep(true), m.status.Flash(status.Warn, text+" — warning: "+msg.warn, 10*time.Second))
	}
	return m, tea.Batch(m.refilterKeep(true), m.status.Flash(status.Info, text, 5*time.Second))
}

func (m Model) onUndone(msg undoneMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil {
		return m, m.status.Flash(status.Error, "undo: "+msg.err.Error(), 8*time.Second)
	}
	m.reapply()
	return m, tea.Batch(m.refilterKeep(true), m.status.Flash(status.Info, fmt.Sprintf("undid the last decision (%d finding(s))", len(msg.ids)), 5*time.Second))
}

// reapply matches the ledger to the findings again after a change. It only
// touches memory (the ledger was written by the Cmd).
func (m *Model) reapply() {
	if m.opts.Ledger == nil {
		return
	}
	if m.filterStop != nil {
		m.filterStop() // cancelled: it returns at its next check
	}
	m.dataMu.Lock() // no filter reads the states while they change
	m.applied = m.opts.Ledger.Apply(m.fs, m.now())
	m.dataMu.Unlock()
	d := m.det.Data()
	if d.F != nil {
		d.Decision, d.History = m.decisionInfo(d.F)
		m.det.SetData(d)
	}
}

// decisionInfo describes the ledger decision about f and its history.
func (m *Model) decisionInfo(f *findings.Finding) (string, []string) {
	if m.applied == nil {
		return "", nil
	}
	mt, ok := m.applied.ByFinding[f]
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
	if d.Note != "" {
		b.WriteString(" — " + d.Note)
	}
	if d.Expires != nil {
		b.WriteString("; expires " + d.Expires.Format(time.DateOnly))
	}
	if d.Due != nil {
		b.WriteString("; due " + d.Due.Format(time.DateOnly))
	}
	if mt.Expired {
		b.WriteString("; EXPIRED, open again")
	}
	if !mt.Exact {
		b.WriteString("; matched by " + mt.Layer + " (the finding's ID changed)")
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
