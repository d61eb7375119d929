package triageform

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/tui/internal/golden"
	"github.com/secui/secui/tui/theme"
)

var now = func() time.Time { return time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC) }

func key(s string) tea.KeyPressMsg {
	switch s {
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "ctrl+s":
		return tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func do(m Model, keys ...string) (Model, tea.Msg) {
	var last tea.Msg
	for _, k := range keys {
		var cmd tea.Cmd
		m, cmd = m.Update(key(k))
		if cmd != nil {
			last = cmd()
		}
	}
	return m, last
}

func TestSuppressForm(t *testing.T) {
	m := New(theme.New(theme.DefaultPalette(), true, true), ledger.ActSuppress, 1, "G101 at a.go:3", now)
	m.SetWidth(80)
	m, _ = do(m, "right", "left", "left") // wraps to wont-fix
	if m.Reason() != ledger.WontFix {
		t.Fatalf("reason %s", m.Reason())
	}
	m, _ = do(m, "2")
	if m.Reason() != ledger.AcceptedRisk {
		t.Fatalf("digit: %s", m.Reason())
	}
	m, msg := do(m, "enter") // submit from the reason field: empty justification
	if msg != nil || !strings.Contains(m.Error(), "justification is required") {
		t.Fatalf("empty justification: %v %q", msg, m.Error())
	}
	m, _ = do(m, "tab", "n", "/", "a")
	if _, msg = do(m, "ctrl+s"); msg != nil {
		t.Fatal("placeholder accepted")
	}
	m.SetText("Internal admin tool behind the VPN only")
	m, _ = do(m, "tab", "x")
	if _, msg = do(m, "ctrl+s"); msg != nil {
		t.Fatal("bad date accepted")
	}
	m.SetDate("2027-01-31")
	m, msg = do(m, "ctrl+s")
	sub, ok := msg.(SubmitMsg)
	if !ok {
		t.Fatalf("no submit: %q", m.Error())
	}
	r := sub.Req
	if r.Action != ledger.ActSuppress || r.Reason != ledger.AcceptedRisk || r.Justification != "Internal admin tool behind the VPN only" || r.Expires == nil || r.Expires.Format(time.DateOnly) != "2027-01-31" {
		t.Fatalf("request %+v", r)
	}
	if err := r.Validate(); err != nil {
		t.Fatalf("request does not pass ledger validation: %v", err)
	}
	if _, msg = do(m, "x"); msg != nil {
		t.Fatal("keys accepted while saving")
	}
	m.SetError("disk full")
	if _, msg = do(m, "esc", "esc"); msg == nil { // the first asks: text was typed
		t.Fatal("esc did not cancel")
	} else if _, ok := msg.(CancelMsg); !ok {
		t.Fatalf("esc: %T", msg)
	}
}

func TestAcceptForm(t *testing.T) {
	m := New(theme.New(theme.DefaultPalette(), true, true), ledger.ActAccept, 3, "", now)
	m.SetWidth(80)
	m, msg := do(m, "ctrl+s") // a note is required (the ledger's rule)
	if _, ok := msg.(SubmitMsg); ok || !strings.Contains(m.Error(), "note") {
		t.Fatalf("accept without a note: %#v %q", msg, m.Error())
	}
	m = New(theme.New(theme.DefaultPalette(), true, true), ledger.ActAccept, 3, "", now)
	m.SetText("x x x x x x x x")
	if m, msg = do(m, "ctrl+s"); msg != nil {
		t.Fatalf("placeholder note accepted: %#v %q", msg, m.Error())
	}
	m = New(theme.New(theme.DefaultPalette(), true, true), ledger.ActAccept, 3, "", now)
	m.SetText("tracked in SEC-123, fix in the next sprint")
	m, msg = do(m, "ctrl+s") // the due date is optional
	sub, ok := msg.(SubmitMsg)
	if !ok || sub.Req.Action != ledger.ActAccept || sub.Req.Due != nil {
		t.Fatalf("accept: %#v %q", msg, m.Error())
	}
	m = New(theme.New(theme.DefaultPalette(), true, true), ledger.ActAccept, 3, "", now)
	m.SetText("tracked in SEC-123, fix in the next sprint")
	m.SetDate("30d")
	_, msg = do(m, "ctrl+s")
	if sub := msg.(SubmitMsg); sub.Req.Due == nil || sub.Req.Due.Format(time.DateOnly) != "2026-12-28" {
		t.Fatalf("due %v", sub.Req.Due)
	}
}

func TestView(t *testing.T) {
	st := theme.New(theme.DefaultPalette(), true, false)
	t.Run("suppress", func(t *testing.T) {
		m := New(st, ledger.ActSuppress, 1, "G101 at a.go:3", now)
		m.SetWidth(90)
		m, _ = do(m, "enter")
		golden.RequireEqual(t, m.View())
	})
	t.Run("accept-bulk", func(t *testing.T) {
		m := New(st, ledger.ActAccept, 12, "", now)
		m.SetWidth(70)
		golden.RequireEqual(t, m.View())
	})
}

// esc over a typed justification asks first; a second esc drops it, any
// other key keeps editing (and the question goes); an empty form closes at
// once.
func TestEscAsksBeforeDroppingText(t *testing.T) {
	st := theme.New(theme.DefaultPalette(), true, true)
	m := New(st, ledger.ActSuppress, 1, "G101 at a.go:3", now)
	if _, msg := do(m, "esc"); msg != (CancelMsg{}) {
		t.Fatalf("empty form: esc gave %#v", msg)
	}
	m, _ = do(m, "tab")
	for _, r := range "only in tests" {
		m, _ = do(m, string(r))
	}
	m, msg := do(m, "esc")
	if msg != nil || !strings.Contains(m.Error(), "esc again drops") {
		t.Fatalf("first esc: %#v, %q", msg, m.Error())
	}
	m, _ = do(m, "!")
	if m.Error() != "" {
		t.Fatalf("question kept after typing: %q", m.Error())
	}
	m, msg = do(m, "esc")
	if msg != nil {
		t.Fatal("esc after more typing dropped the text without asking")
	}
	if _, msg = do(m, "esc"); msg != (CancelMsg{}) {
		t.Fatalf("second esc: %#v", msg)
	}
}

func TestScopeChoices(t *testing.T) {
	m := New(theme.New(theme.DefaultPalette(), true, true), ledger.ActSuppress, 1, "no-undef at test/e2e/a.js:3", now)
	m.SetWidth(100)
	m.SetScopes("ESLint", "no-undef", "test/e2e")
	if m.Scope() != nil || !strings.Contains(m.View(), "[this finding]") || !strings.Contains(m.View(), "one ledger record per finding") {
		t.Fatalf("default is not this finding:\n%s", m.View())
	}
	m.SetText("cypress globals in the end-to-end tests")
	// tab order: reason, justification, date, applies to
	m, _ = do(m, "tab", "tab", "tab", "right")
	sc := m.Scope()
	if sc == nil || *sc != (ledger.Scope{Kind: ledger.ScopeRule, Tool: "ESLint", Rule: "no-undef", Path: "test/e2e/**"}) {
		t.Fatalf("this rule here: %+v", sc)
	}
	if v := m.View(); !strings.Contains(v, "[this rule here]") || !strings.Contains(v, "one record for rule ESLint no-undef in test/e2e/**") {
		t.Fatalf("view:\n%s", v)
	}
	m, _ = do(m, "right")
	if sc := m.Scope(); sc == nil || sc.Path != "" || sc.Rule != "no-undef" {
		t.Fatalf("this rule everywhere: %+v", sc)
	}
	m, msg := do(m, "ctrl+s")
	sub, ok := msg.(SubmitMsg)
	if !ok || sub.Scope == nil || sub.Scope.Path != "" || sub.Req.Justification != "cypress globals in the end-to-end tests" {
		t.Fatalf("submit: %#v", msg)
	}
	// the validity rules still apply to a scoped decision
	m = New(theme.New(theme.DefaultPalette(), true, true), ledger.ActAccept, 3, "x", now)
	m.SetScopes("ESLint", "no-undef", "")
	if len(m.scopes) != 2 {
		t.Fatalf("at the root, no 'here' choice: %d choices", len(m.scopes))
	}
	m.SetScope(1)
	m.SetText("todo")
	m, msg = do(m, "ctrl+s")
	if msg != nil || m.Error() == "" {
		t.Fatalf("placeholder note accepted for a scope: %v", msg)
	}
	// without choices the form is as before: no Applies to field
	m = New(theme.New(theme.DefaultPalette(), true, true), ledger.ActSuppress, 1, "x", now)
	if strings.Contains(m.View(), "Applies to") {
		t.Fatal("Applies to shown without choices")
	}
	m, _ = do(m, "tab", "tab", "tab")
	if m.field != fieldReason {
		t.Fatalf("tab cycle without choices lands on %d", m.field)
	}
}
