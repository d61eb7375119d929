// Package triageform is the triage form: suppress (reason picker,
// justification text area, optional expiry) or accept (required note,
// optional due date) for one or many findings. It validates with the ledger's own rules and
// shows problems inline; the root model writes the ledger in a Cmd.
package triageform

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/tui/safe"
	"github.com/secui/secui/tui/theme"
)

// SubmitMsg is sent when the form is valid and confirmed. Scope is set
// when the decision applies to a rule (here or everywhere) rather than to
// the selected findings: the root writes it with Ledger.DecideScope.
type SubmitMsg struct {
	Req   ledger.Request
	Scope *ledger.Scope
}

// CancelMsg is sent when the form is closed without saving.
type CancelMsg struct{}

// ReasonHelp describes each suppression reason.
var ReasonHelp = map[ledger.Reason]string{
	ledger.FalsePositive: "the finding is wrong",
	ledger.AcceptedRisk:  "real, but the risk is accepted",
	ledger.UsedInTests:   "only in test code or fixtures",
	ledger.Mitigated:     "mitigated elsewhere",
	ledger.WontFix:       "will not be fixed",
}

const (
	fieldReason = iota
	fieldText
	fieldDate
	fieldScope // "Applies to": only when SetScopes gave choices
	numFields
)

// Model is the form.
type Model struct {
	st     *theme.Styles
	action string // ledger.ActSuppress or ledger.ActAccept
	count  int
	title  string
	reason int
	text   textarea.Model
	date   textinput.Model
	field  int
	err    string
	busy   bool
	width  int
	now    func() time.Time
	// dropAsked: esc was pressed once with a typed justification or note;
	// a second esc drops it, any other key keeps editing.
	dropAsked bool

	// scopes are the "Applies to" choices (SetScopes): nil, or this
	// finding / this rule here / this rule everywhere.
	scopes []scopeChoice
	scope  int
}

type scopeChoice struct {
	label string
	sc    *ledger.Scope // nil: the selected findings
}

// SetScopes offers "this finding / this rule here / this rule everywhere"
// for findings of one tool's rule: here is dir (a directory, "" the
// repository root: then "here" is not offered).
func (m *Model) SetScopes(tool, rule, dir string) {
	if tool == "" || rule == "" {
		return
	}
	one := "this finding"
	if m.count > 1 {
		one = fmt.Sprintf("these %d findings", m.count)
	}
	m.scopes = []scopeChoice{{label: one}}
	if dir = strings.Trim(dir, "/"); dir != "" && dir != "." {
		m.scopes = append(m.scopes, scopeChoice{label: "this rule here", sc: &ledger.Scope{Kind: ledger.ScopeRule, Tool: tool, Rule: rule, Path: dir + "/**"}})
	}
	m.scopes = append(m.scopes, scopeChoice{label: "this rule everywhere", sc: &ledger.Scope{Kind: ledger.ScopeRule, Tool: tool, Rule: rule}})
	m.scope = 0
}

// Scope is the chosen scope (nil: the selected findings, one record each).
func (m Model) Scope() *ledger.Scope {
	if m.scope < len(m.scopes) {
		return m.scopes[m.scope].sc
	}
	return nil
}

// SetScope picks the "Applies to" choice i (0 the findings; tests).
func (m *Model) SetScope(i int) {
	if i >= 0 && i < len(m.scopes) {
		m.scope = i
	}
}

// dropQuestion is what the first esc over typed text says.
const dropQuestion = "esc again drops what you typed · ctrl+s saves · any other key keeps editing"

// New opens a form for action over count findings described by title.
func New(st *theme.Styles, action string, count int, title string, now func() time.Time) Model {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.SetHeight(3)
	ta.CharLimit = 2000
	ti := textinput.New()
	ti.CharLimit = 20
	if action == ledger.ActSuppress {
		ta.Placeholder = "why does this not need a fix? (a real sentence)"
		ti.Placeholder = "YYYY-MM-DD or 90d (optional)"
	} else {
		ta.Placeholder = "what happens next: ticket, plan, owner (required)"
		ti.Placeholder = "due date: YYYY-MM-DD or 30d (optional)"
	}
	m := Model{st: st, action: action, count: count, title: safe.Line(title), text: ta, date: ti, now: now}
	if action != ledger.ActSuppress {
		m.field = fieldText
	}
	m.focusField()
	return m
}

// SetWidth sets the form width.
func (m *Model) SetWidth(w int) {
	m.width = w
	m.text.SetWidth(max(20, w-6))
	m.date.SetWidth(max(20, w-30))
}

// SetBusy marks the form as saving.
func (m *Model) SetBusy(b bool) { m.busy = b }

// SetError shows an error (e.g. from writing the ledger).
func (m *Model) SetError(e string) { m.err = safe.Line(e); m.busy = false }

// Error is the shown error.
func (m Model) Error() string { return m.err }

// Action is the form's action.
func (m Model) Action() string { return m.action }

func (m *Model) focusField() {
	m.text.Blur()
	m.date.Blur()
	switch m.field {
	case fieldText:
		m.text.Focus()
	case fieldDate:
		m.date.Focus()
	}
}

func (m *Model) move(d int) {
	for range numFields {
		m.field = (m.field + d + numFields) % numFields
		if (m.field == fieldReason && m.action != ledger.ActSuppress) || (m.field == fieldScope && len(m.scopes) == 0) {
			continue
		}
		break
	}
	m.focusField()
}

// Reason is the selected reason.
func (m Model) Reason() ledger.Reason { return ledger.Reasons[m.reason] }

// SetText sets the justification or note (tests, prefill).
func (m *Model) SetText(s string) { m.text.SetValue(s) }

// SetDate sets the expiry or due date text.
func (m *Model) SetDate(s string) { m.date.SetValue(s) }

// Validate checks the form and returns the request it describes.
func (m Model) Validate() (ledger.Request, error) {
	now := m.now()
	req := ledger.Request{Action: m.action, Now: now}
	text := strings.TrimSpace(m.text.Value())
	var date *time.Time
	if s := strings.TrimSpace(m.date.Value()); s != "" {
		t, err := ledger.ParseExpiry(s, now)
		if err != nil {
			return req, fmt.Errorf("date: %v", err)
		}
		if !t.After(now) {
			return req, fmt.Errorf("date %s is not in the future", t.Format(time.DateOnly))
		}
		date = &t
	}
	switch m.action {
	case ledger.ActSuppress:
		if err := ledger.ValidateJustification(text); err != nil {
			return req, err
		}
		req.Reason, req.Justification, req.Expires = m.Reason(), text, date
	case ledger.ActAccept:
		if err := ledger.ValidateText("note", text); err != nil {
			return req, err
		}
		req.Note, req.Due = text, date
	default:
		req.Note, req.Due = text, date
	}
	return req, nil
}

// Update handles the form's keys.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		var cmd tea.Cmd
		if m.field == fieldText {
			m.text, cmd = m.text.Update(msg)
		} else if m.field == fieldDate {
			m.date, cmd = m.date.Update(msg)
		}
		return m, cmd
	}
	if m.busy {
		return m, nil
	}
	if km.String() != "esc" && m.dropAsked {
		m.dropAsked = false
		if m.err == dropQuestion {
			m.err = ""
		}
	}
	switch km.String() {
	case "esc":
		if strings.TrimSpace(m.text.Value()) != "" && !m.dropAsked {
			m.dropAsked = true
			m.err = dropQuestion
			return m, nil
		}
		return m, func() tea.Msg { return CancelMsg{} }
	case "tab":
		m.move(1)
		return m, nil
	case "shift+tab":
		m.move(-1)
		return m, nil
	case "ctrl+s":
		return m.submit()
	case "enter":
		if m.field != fieldText { // enter in the text area is a new line
			return m.submit()
		}
	}
	if m.field == fieldScope {
		switch km.String() {
		case "left", "h", "up", "k":
			m.scope = (m.scope + len(m.scopes) - 1) % len(m.scopes)
		case "right", "l", "down", "j", "space":
			m.scope = (m.scope + 1) % len(m.scopes)
		}
		m.err = ""
		return m, nil
	}
	if m.field == fieldReason {
		switch km.String() {
		case "left", "h", "up", "k":
			m.reason = (m.reason + len(ledger.Reasons) - 1) % len(ledger.Reasons)
		case "right", "l", "down", "j", "space":
			m.reason = (m.reason + 1) % len(ledger.Reasons)
		default:
			if len(km.Text) == 1 && km.Text[0] >= '1' && int(km.Text[0]-'0') <= len(ledger.Reasons) {
				m.reason = int(km.Text[0] - '1')
			}
		}
		return m, nil
	}
	var cmd tea.Cmd
	if m.field == fieldText {
		m.text, cmd = m.text.Update(msg)
	} else {
		m.date, cmd = m.date.Update(msg)
	}
	m.err = ""
	return m, cmd
}

func (m Model) submit() (Model, tea.Cmd) {
	req, err := m.Validate()
	if err != nil {
		m.err = err.Error()
		return m, nil
	}
	m.err = ""
	m.busy = true
	sc := m.Scope()
	return m, func() tea.Msg { return SubmitMsg{Req: req, Scope: sc} }
}

// View renders the form box.
func (m Model) View() string {
	st := m.st
	var b strings.Builder
	verb := "Suppress"
	if m.action == ledger.ActAccept {
		verb = "Accept"
	}
	what := m.title
	if m.count > 1 {
		what = fmt.Sprintf("%d findings", m.count)
	}
	b.WriteString(st.Title.Render(verb+" ") + st.Bold.Render(what) + "\n\n")
	label := func(f int, s string) string {
		if m.field == f {
			return st.FocusTitle.Render("▸ " + s)
		}
		return st.BlurTitle.Render("  " + s)
	}
	if m.action == ledger.ActSuppress {
		b.WriteString(label(fieldReason, "Reason") + "   ")
		if m.width < 90 { // the reasons on their own line
			b.WriteString("\n     ")
		}
		for i, r := range ledger.Reasons {
			if i == m.reason {
				b.WriteString(st.RowSel.Render("[" + string(r) + "]"))
			} else {
				b.WriteString(st.Muted.Render(" " + string(r) + " "))
			}
		}
		b.WriteString("\n     " + st.Muted.Render(ReasonHelp[m.Reason()]) + "\n\n")
		b.WriteString(label(fieldText, "Justification") + "\n")
	} else {
		b.WriteString(label(fieldText, "Note") + "\n")
	}
	b.WriteString(lipgloss.NewStyle().PaddingLeft(4).Render(m.text.View()) + "\n\n")
	dl := "Expires"
	if m.action == ledger.ActAccept {
		dl = "Due"
	}
	b.WriteString(label(fieldDate, dl) + "  " + m.date.View() + "\n\n")
	if len(m.scopes) > 0 {
		b.WriteString(label(fieldScope, "Applies to") + "  ")
		for i, c := range m.scopes {
			if i == m.scope {
				b.WriteString(st.RowSel.Render("[" + c.label + "]"))
			} else {
				b.WriteString(st.Muted.Render(" " + c.label + " "))
			}
		}
		explain := "one ledger record per finding"
		if sc := m.Scope(); sc != nil {
			explain = "one record for " + sc.String() + ", now and in later scans"
		}
		b.WriteString("\n     " + st.Muted.Render(safe.Line(explain)) + "\n\n")
	}
	switch {
	case m.busy:
		b.WriteString(st.StatusInfo.Render("saving…"))
	case m.err != "":
		b.WriteString(st.StatusError.Render("✗ " + m.err))
	default:
		b.WriteString(st.Muted.Render("tab next field · ctrl+s save · esc cancel"))
	}
	w := max(30, m.width-4)
	return st.Overlay.Width(w).Render(b.String())
}
