// Package focusscreen is focus mode: one pipeline stage's open findings,
// most severe first, one at a time with the code (tui/detail), a counter
// ("code: 12 of 47 left") and the actions fix (f), edit by hand (e), accept
// (a), suppress (s), skip (n/space), re-scan the stage (r) and back (esc).
// Fix, edit and re-scan are other screens (built by the shell, handed in as
// Deps funcs); accept and suppress use the triage form and the ledger.
//
// The list is built in a Cmd when the screen starts; a new snapshot (after a
// decision, a fix, a re-scan) refreshes which of its findings are still
// open, by finding id, without reordering.
package focusscreen

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/policy"
	"github.com/secui/secui/findings/query"
	"github.com/secui/secui/tui/detail"
	"github.com/secui/secui/tui/keys"
	"github.com/secui/secui/tui/safe"
	"github.com/secui/secui/tui/screen"
	"github.com/secui/secui/tui/theme"
	"github.com/secui/secui/tui/triageform"
)

// Deps is what focus mode needs from the shell.
type Deps struct {
	Root     string
	Repo     *gitrepo.Repo // decision author
	Config   *config.Config
	Ledger   *ledger.Ledger // nil: accept/suppress explain why they are off
	Snapshot screen.Snapshot
	Styles   func() *theme.Styles
	KeyMap   keys.KeyMap // the console's (detail pane scrolling)
	Now      func() time.Time
	WorkTree func() ledger.OverlayOptions
	// Fix, Edit and Scan build the other screens (nil: the key says it is off).
	Fix  func(*findings.Finding) screen.Screen
	Edit func(*findings.Finding) screen.Screen
	Scan func(findings.Stage) screen.Screen
}

// KeyMap is focus mode's keys.
type KeyMap struct {
	Fix, Edit, Accept, Suppress, Skip, Prev, Rescan, Back, Up, Down key.Binding
}

// DefaultKeyMap returns focus mode's keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, h, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(h, desc))
	}
	return KeyMap{
		Fix:      b([]string{"f"}, "f", "fix"),
		Edit:     b([]string{"e"}, "e", "edit"),
		Accept:   b([]string{"a"}, "a", "accept"),
		Suppress: b([]string{"s"}, "s", "suppress"),
		Skip:     b([]string{"n", "space"}, "n/space", "skip"),
		Prev:     b([]string{"p"}, "p", "previous"),
		Rescan:   b([]string{"r"}, "r", "re-scan stage"),
		Back:     b([]string{"esc", "q"}, "esc", "back"),
		Up:       b([]string{"k", "up"}, "↑/k", "scroll"),
		Down:     b([]string{"j", "down"}, "↓/j", "scroll"),
	}
}

type entry struct {
	f    *findings.Finding
	open bool
}

// listMsg carries the stage's findings (gen) — the first list or a refresh.
type listMsg struct {
	gen     int
	entries []entry
	refresh bool
}

// codeMsg carries the code and details of the shown finding.
type codeMsg struct {
	gen     int
	f       *findings.Finding
	code    *detail.Code
	details *findings.Details
	err     error
	fixes   [][]string
}

// decidedMsg reports a ledger write from this screen.
type decidedMsg struct {
	id     string
	action string
	err    error
	warn   string
}

// Model is focus mode.
type Model struct {
	d        Deps
	km       KeyMap
	stage    findings.Stage
	entries  []entry
	pos      int
	listGen  int
	codeGen  int
	ready    bool
	det      detail.Model
	form     triageform.Model
	formOpen bool
	note     string
	width    int
	height   int
}

// New returns focus mode on stage over d.Snapshot (cheap: the list is built
// by Init's Cmd).
func New(d Deps, stage findings.Stage) *Model {
	m := &Model{d: d, km: DefaultKeyMap(), stage: stage}
	m.det = detail.New(d.Styles(), d.KeyMap)
	m.det.Focus()
	return m
}

// Init builds the list.
func (m *Model) Init() tea.Cmd { return m.list(false) }

func (m *Model) list(refresh bool) tea.Cmd {
	m.listGen++
	gen, snap, stage := m.listGen, m.d.Snapshot, m.stage
	var prev []entry
	if refresh {
		prev = append(prev, m.entries...)
	}
	return func() tea.Msg {
		var tri findings.Triage
		if snap.Overlay != nil {
			tri = snap.Overlay
		}
		if refresh { // same findings, same order; states from the new snapshot
			byID := make(map[string]*findings.Finding, len(prev))
			for _, e := range prev {
				byID[e.f.ID] = nil
			}
			for _, f := range snap.Findings {
				if _, ok := byID[f.ID]; ok {
					byID[f.ID] = f
				}
			}
			out := make([]entry, len(prev))
			for i, e := range prev {
				nf := byID[e.f.ID]
				if nf == nil { // gone from the results (a re-scan fixed it)
					out[i] = entry{f: e.f}
					continue
				}
				out[i] = entry{f: nf, open: policy.CountsOpen(tri, nf)}
			}
			// An edit or a fix changes the content hash of findings near it,
			// so a still-open finding can come back under a new ID: the old
			// entry is gone, and the open findings of the stage not in the
			// list join its end (most severe first), so none is lost.
			var extra []int32
			for i, f := range snap.Findings {
				if _, ok := byID[f.ID]; !ok && f.Stage == stage && policy.CountsOpen(tri, f) {
					extra = append(extra, int32(i))
				}
			}
			query.Sort(snap.Findings, extra, query.BySeverity)
			for _, j := range extra {
				out = append(out, entry{f: snap.Findings[j], open: true})
			}
			return listMsg{gen: gen, entries: out, refresh: true}
		}
		var idx []int32
		for i, f := range snap.Findings {
			if f.Stage == stage && policy.CountsOpen(tri, f) {
				idx = append(idx, int32(i))
			}
		}
		query.Sort(snap.Findings, idx, query.BySeverity)
		out := make([]entry, len(idx))
		for i, j := range idx {
			out[i] = entry{f: snap.Findings[j], open: true}
		}
		return listMsg{gen: gen, entries: out}
	}
}

// Left is how many findings of the list are still open; Total its length.
func (m *Model) Left() (left, total int) {
	for _, e := range m.entries {
		if e.open {
			left++
		}
	}
	return left, len(m.entries)
}

// Current is the finding shown (nil when the stage is clean).
func (m *Model) Current() *findings.Finding {
	if m.pos < len(m.entries) && m.entries[m.pos].open {
		return m.entries[m.pos].f
	}
	return nil
}

// Counter is the counter line: "code: 12 of 47 left".
func (m *Model) Counter() string {
	left, total := m.Left()
	return fmt.Sprintf("%s: %d of %d left", m.stage, left, total)
}

// advance moves to the next open finding after (or, with from, at) pos,
// wrapping around; it loads its code.
func (m *Model) advance(delta int, from bool) tea.Cmd {
	n := len(m.entries)
	if n == 0 {
		return m.show()
	}
	start := m.pos
	if !from {
		start = (m.pos + delta + n) % n
	}
	for i := 0; i < n; i++ {
		j := ((start+i*delta)%n + n) % n
		if m.entries[j].open {
			m.pos = j
			return m.show()
		}
	}
	return m.show() // none left
}

func (m *Model) show() tea.Cmd {
	f := m.Current()
	m.codeGen++
	if f == nil {
		m.det.SetData(detail.Data{Step: -1})
		return nil
	}
	d := detail.Data{F: f, Step: -1, Loading: true, State: findings.StateOpen}
	m.det.SetData(d)
	gen, root, set, chroma := m.codeGen, m.d.Root, m.d.Snapshot.Set, m.d.Styles().ChromaStyle
	return func() tea.Msg {
		msg := codeMsg{gen: gen, f: f, code: detail.ReadCode(root, f.Loc, 3, chroma)}
		if set != nil {
			msg.details, msg.err = set.Details(f)
			if msg.details != nil {
				for _, fx := range msg.details.Fixes {
					msg.fixes = append(msg.fixes, detail.FixDiff(root, fx))
				}
			}
		}
		return msg
	}
}

// Update implements screen.Screen.
func (m *Model) Update(msg tea.Msg) (screen.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case listMsg:
		if msg.gen != m.listGen {
			return m, nil
		}
		m.entries, m.ready = msg.entries, true
		if msg.refresh && m.Current() != nil {
			return m, nil // still on an open finding: keep it (and its scroll)
		}
		return m, m.advance(1, true)
	case codeMsg:
		d := m.det.Data()
		if msg.gen == m.codeGen && msg.f == d.F {
			d.Loading = false
			d.Code, d.Details, d.DetailsErr, d.Fixes = msg.code, msg.details, msg.err, msg.fixes
			m.det.SetData(d)
		}
		return m, nil
	case screen.SnapshotMsg:
		m.d.Snapshot = msg.Snapshot
		return m, m.list(true)
	case decidedMsg:
		return m, m.onDecided(msg)
	case triageform.SubmitMsg:
		if !m.formOpen {
			return m, nil
		}
		req := msg.Req
		if m.d.Config != nil {
			req.MaxTerm = m.d.Config.Check.MaxExpiry
		}
		return m, m.decide(req)
	case triageform.CancelMsg:
		m.formOpen = false
		return m, nil
	case tea.KeyPressMsg:
		if m.formOpen {
			var cmd tea.Cmd
			m.form, cmd = m.form.Update(msg)
			return m, cmd
		}
		return m, m.key(msg)
	case tea.PasteMsg:
		if m.formOpen {
			var cmd tea.Cmd
			m.form, cmd = m.form.Update(msg)
			return m, cmd
		}
	case tea.MouseWheelMsg:
		m.det, _ = m.det.Update(msg)
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	m.note = ""
	f := m.Current()
	switch {
	case key.Matches(msg, m.km.Back):
		return screen.Pop(nil)
	case key.Matches(msg, m.km.Rescan):
		if m.d.Scan == nil {
			m.note = "re-scanning is not available in this build"
			return nil
		}
		return screen.Push(m.d.Scan(m.stage))
	case !m.ready:
		m.note = "still collecting the stage's findings"
		return nil
	case key.Matches(msg, m.km.Skip):
		return m.advance(1, false)
	case key.Matches(msg, m.km.Prev):
		return m.advance(-1, false)
	case f == nil:
		if key.Matches(msg, m.km.Fix, m.km.Edit, m.km.Accept, m.km.Suppress) {
			m.note = "nothing left to work on in " + m.stage.String()
		}
		return nil
	case key.Matches(msg, m.km.Fix):
		if m.d.Fix == nil {
			m.note = "fixing is not available in this build"
			return nil
		}
		return screen.Push(m.d.Fix(f))
	case key.Matches(msg, m.km.Edit):
		if m.d.Edit == nil {
			m.note = "editing is not available in this build"
			return nil
		}
		return screen.Push(m.d.Edit(f))
	case key.Matches(msg, m.km.Accept, m.km.Suppress):
		action := ledger.ActAccept
		if key.Matches(msg, m.km.Suppress) {
			action = ledger.ActSuppress
		}
		return m.openForm(action, f)
	case key.Matches(msg, m.km.Up, m.km.Down):
		var cmd tea.Cmd
		m.det, cmd = m.det.Update(msg)
		return cmd
	}
	return nil
}

func (m *Model) openForm(action string, f *findings.Finding) tea.Cmd {
	switch {
	case m.d.Ledger == nil:
		m.note = "triage needs a ledger: run secui inside a git repository"
		return nil
	case m.d.Ledger.Err() != nil:
		m.note = "the ledger is invalid, fix it first"
		return nil
	case m.d.Snapshot.Overlay == nil:
		m.note = "the triage decisions are still loading"
		return nil
	}
	now := m.d.Now
	if now == nil {
		now = time.Now
	}
	m.form = triageform.New(m.d.Styles(), action, 1, f.RuleID()+" at "+f.Loc.String(), now)
	m.form.SetWidth(min(100, m.width-4))
	m.formOpen = true
	return nil
}

// decide records the form's decision for the shown finding, on the record
// the snapshot's overlay placed on it, with the working tree's evidence.
func (m *Model) decide(req ledger.Request) tea.Cmd {
	f := m.Current()
	if f == nil {
		m.formOpen = false
		return nil
	}
	l, repo, ov, work := m.d.Ledger, m.d.Repo, m.d.Snapshot.Overlay, m.d.WorkTree
	return func() tea.Msg {
		warn := ""
		if req.Author == "" {
			req.Author, warn = repo.DecisionAuthor()
		}
		if work != nil {
			if w := work().Match.Work; w != nil {
				req.Evidence = w.ForFinding
			}
		}
		req.Overlay = ov
		err := l.Decide([]*findings.Finding{f}, req)
		return decidedMsg{id: f.ID, action: req.Action, err: err, warn: warn}
	}
}

func (m *Model) onDecided(msg decidedMsg) tea.Cmd {
	if msg.err != nil {
		if m.formOpen {
			m.form.SetError(msg.err.Error())
			return nil
		}
		m.note = msg.action + ": " + msg.err.Error()
		return nil
	}
	m.formOpen = false
	for i := range m.entries {
		if m.entries[i].f.ID == msg.id {
			m.entries[i].open = false
		}
	}
	m.note = msg.action + " recorded"
	if msg.warn != "" {
		m.note += " — warning: " + msg.warn
	}
	changed := func() tea.Msg { return screen.ChangedMsg{Reason: msg.action} }
	return tea.Batch(changed, m.advance(1, false))
}

// SetSize implements screen.Screen.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.det.SetSize(w, max(1, h-2))
	if m.formOpen {
		m.form.SetWidth(min(100, w-4))
	}
}

// Title implements screen.Screen.
func (m *Model) Title() string { return "focus: " + m.stage.String() }

// Capturing implements screen.Capturer (the triage form takes every key).
func (m *Model) Capturing() bool { return m.formOpen }

// ShortHelp implements screen.Screen.
func (m *Model) ShortHelp() []key.Binding {
	if m.formOpen {
		b := func(k, desc string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc)) }
		return []key.Binding{b("tab", "next field"), b("ctrl+s", "save"), b("esc", "cancel")}
	}
	return []key.Binding{m.km.Fix, m.km.Edit, m.km.Accept, m.km.Suppress, m.km.Skip, m.km.Rescan, m.km.Back}
}

// FullHelp implements screen.Screen.
func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{m.km.Fix, m.km.Edit, m.km.Accept, m.km.Suppress},
		{m.km.Skip, m.km.Prev, m.km.Up, m.km.Down, m.km.Rescan, m.km.Back},
	}
}

// View implements screen.Screen: the counter line, then the finding.
func (m *Model) View() string {
	st := m.d.Styles()
	head := st.Title.Render("Focus · "+m.stage.String()) + "  " + st.Bold.Render(m.Counter())
	left, total := m.Left()
	if f := m.Current(); f != nil {
		head += "  " + st.Muted.Render(fmt.Sprintf("#%d", m.pos+1)) + "  " + st.Sev[min(f.Severity, findings.SevCritical)].Render(f.Severity.String()) + " " + safe.Line(f.RuleID())
	}
	var body string
	switch {
	case !m.ready:
		body = st.Muted.Render("collecting the open findings of " + m.stage.String() + "…")
	case total == 0:
		body = "No open findings in " + m.stage.String() + ". esc goes back; r re-scans the stage."
	case left == 0:
		body = st.Bold.Render(fmt.Sprintf("%s is clean: all %d findings handled.", m.stage, total)) + "\n\n" +
			"r re-scans the stage to prove the fixes; esc goes back to the pipeline."
	case m.formOpen:
		body = lipgloss.Place(m.width, max(1, m.height-2), lipgloss.Center, lipgloss.Center, m.form.View())
	default:
		body = m.det.View()
	}
	note := ""
	if m.note != "" {
		note = st.StatusWarn.Render(safe.Line(m.note))
	}
	lines := []string{head, note}
	lines = append(lines, strings.Split(body, "\n")...)
	if len(lines) > m.height {
		lines = lines[:max(0, m.height)]
	}
	return strings.Join(lines, "\n")
}
