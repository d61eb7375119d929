// Package fixscreen is the console's fix screen: for one finding it plans
// the fixes its scanner proposed (SARIF result.fixes) in a Cmd, shows each
// as a scrollable, sanitized unified diff (or the reason it is refused),
// lets the user choose among several, applies one atomically (optionally
// committing it) and records the finding as fixed (pending scan), through
// the same engine code as `secui fix --apply` (findings/fix). It also runs
// the edit-by-hand flow: $VISUAL/$EDITOR at the finding's file, line and
// column (tea.ExecProcess), then the finding is fixed (pending scan) when
// the file changed. It pops with a ResultMsg.
//
// No I/O happens in Update or View: planning, applying, committing, reading
// the file around the editor and writing the ledger all run in Cmds whose
// results carry the screen's generation.
package fixscreen

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/fix"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/repofs"
	"github.com/secui/secui/tui/internal/cells"
	"github.com/secui/secui/tui/safe"
	"github.com/secui/secui/tui/screen"
	"github.com/secui/secui/tui/theme"
)

// Deps is what the screen works with (the console's state).
type Deps struct {
	Root     string         // repository root (absolute)
	Repo     *gitrepo.Repo  // nil outside git: the screen says it needs one
	Config   *config.Config // nil = defaults
	Set      *findings.Set  // the loaded findings (Details of the finding)
	Ledger   *ledger.Ledger
	Overlay  *ledger.Overlay              // the overlay the user saw (decisions land on its records)
	Now      func() time.Time             // nil = time.Now
	WorkTree func() ledger.OverlayOptions // evidence of the finding as it is now; nil: none
	Getenv   func(string) string          // nil = os.Getenv ($VISUAL, $EDITOR, GIT_AUTHOR_*)
	Styles   *theme.Styles                // nil = plain
}

func (d *Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deps) getenv(k string) string {
	if d.Getenv != nil {
		return d.Getenv(k)
	}
	return os.Getenv(k)
}

func (d *Deps) evidence() func(*findings.Finding) evidence.Evidence {
	if d.WorkTree == nil {
		return nil
	}
	if w := d.WorkTree().Match.Work; w != nil {
		return w.ForFinding
	}
	return nil
}

// Outcome is how the screen ended.
type Outcome string

// Outcomes.
const (
	Applied   Outcome = "applied"   // a SARIF fix was written (and committed with c); fixed (pending scan), source tool-fix
	Edited    Outcome = "edited"    // the editor changed the file; fixed (pending scan), source hand-edit
	Unchanged Outcome = "unchanged" // the editor left the file as it was: nothing recorded
	Cancelled Outcome = "cancelled" // the user left: nothing written
	Failed    Outcome = "failed"    // a refusal or an error (Err); nothing recorded
)

// ResultMsg is delivered to the screen below when the fix screen pops.
type ResultMsg struct {
	FindingID string
	Outcome   Outcome
	Paths     []string // files written or edited (repository-relative)
	Commit    string   // the fix commit (c)
	Ledger    string   // the ledger the decision was recorded in
	Err       error    // Failed: why (a *fix.Refusal when refused)
}

// Changed reports whether files or the ledger changed: the shell then
// broadcasts the ChangedMsg so the other screens reload.
func (r ResultMsg) Changed() (screen.ChangedMsg, bool) {
	switch r.Outcome {
	case Applied:
		return screen.ChangedMsg{Reason: "fix applied to " + strings.Join(r.Paths, ", ")}, true
	case Edited:
		return screen.ChangedMsg{Reason: "edited " + strings.Join(r.Paths, ", ")}, true
	}
	return screen.ChangedMsg{}, false
}

// String is a one-line summary for the status line (sanitized).
func (r ResultMsg) String() string {
	paths := safe.Line(strings.Join(r.Paths, ", "))
	switch r.Outcome {
	case Applied:
		s := fmt.Sprintf("fix applied to %s: %s is %s", paths, r.FindingID, fix.PendingState)
		if r.Commit != "" {
			s += fmt.Sprintf(" (committed %.12s)", r.Commit)
		}
		return s + "; re-scan to prove it"
	case Edited:
		return fmt.Sprintf("%s changed: %s is %s; re-scan to prove it", paths, r.FindingID, fix.PendingState)
	case Unchanged:
		return fmt.Sprintf("%s unchanged: nothing recorded", paths)
	case Cancelled:
		return "fix cancelled: nothing written"
	}
	if r.Err != nil {
		return "fix failed: " + safe.Line(r.Err.Error())
	}
	return "fix failed"
}

type mode uint8

const (
	modePreview mode = iota
	modeEdit
)

type phase uint8

const (
	phasePlanning phase = iota
	phaseReady
	phaseApplying
	phaseEditing // preparing, in the editor, or recording
)

// Keys are the screen's bindings.
type Keys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	NextFix, PrevFix                        key.Binding
	Apply, Commit, Edit, Back               key.Binding
}

// DefaultKeys returns the default bindings.
func DefaultKeys() Keys {
	b := func(keys []string, h, d string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(h, d))
	}
	return Keys{
		Up:       b([]string{"k", "up"}, "↑/k", "scroll up"),
		Down:     b([]string{"j", "down"}, "↓/j", "scroll down"),
		PageUp:   b([]string{"pgup", "ctrl+u", "ctrl+b"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+d", "ctrl+f", "space"}, "pgdn", "page down"),
		Top:      b([]string{"g", "home"}, "g", "top"),
		Bottom:   b([]string{"G", "end"}, "G", "bottom"),
		NextFix:  b([]string{"tab", "n", "right", "l"}, "tab/n", "next fix"),
		PrevFix:  b([]string{"shift+tab", "p", "left", "h"}, "p", "previous fix"),
		Apply:    b([]string{"y", "enter"}, "y/enter", "apply"),
		Commit:   b([]string{"c"}, "c", "apply + commit"),
		Edit:     b([]string{"e"}, "e", "edit by hand"),
		Back:     b([]string{"esc", "q"}, "esc", "back"),
	}
}

// Model is the fix screen.
type Model struct {
	deps  Deps
	f     *findings.Finding
	keys  Keys
	mode  mode
	phase phase
	gen   uint64

	plans  []*fix.Plan
	git    *fix.Git
	sel    int
	lines  []string // the selected plan, rendered
	off    int
	w, h   int
	status string // last message (a refusal, an error)
	edit   *fix.Edit
}

var genSeq atomic.Uint64

func nextGen() uint64 { return genSeq.Add(1) }

// New returns the fix preview of f: its fixes are planned in Init.
func New(deps Deps, f *findings.Finding) *Model {
	return &Model{deps: deps, f: f, keys: DefaultKeys(), mode: modePreview, gen: nextGen(), w: 80, h: 20}
}

// NewEdit returns the edit-by-hand flow for f: Init opens $VISUAL/$EDITOR
// at the finding; the screen pops with the result when the editor exits.
func NewEdit(deps Deps, f *findings.Finding) *Model {
	return &Model{deps: deps, f: f, keys: DefaultKeys(), mode: modeEdit, phase: phaseEditing, gen: nextGen(), w: 80, h: 20}
}

// Finding is the finding the screen works on.
func (m *Model) Finding() *findings.Finding { return m.f }

// Plans are the planned fixes (nil while planning).
func (m *Model) Plans() []*fix.Plan { return m.plans }

// Selected is the index of the chosen plan.
func (m *Model) Selected() int { return m.sel }

// Busy reports whether a Cmd of the screen is running (planning, applying, editing).
func (m *Model) Busy() bool { return m.phase != phaseReady }

// Status is the screen's last message (a refusal, an error), sanitized.
func (m *Model) Status() string { return m.status }

// ---- messages (tagged with the generation)

type plannedMsg struct {
	gen   uint64
	plans []*fix.Plan
	git   *fix.Git
	err   error
}

type appliedMsg struct {
	gen     uint64
	applied *fix.Applied
	err     error
}

type editReadyMsg struct {
	gen  uint64
	edit *fix.Edit
	argv []string
	err  error
}

type editorExitedMsg struct {
	gen uint64
	err error
}

type editRecordedMsg struct {
	gen     uint64
	changed bool
	err     error
}

// Init plans the fixes (preview) or prepares the editor (edit).
func (m *Model) Init() tea.Cmd {
	if m.mode == modeEdit {
		return m.prepareEditCmd()
	}
	return m.planCmd()
}

func (m *Model) protected() []string {
	if m.deps.Config != nil && m.deps.Config.Ledger != "" {
		return []string{m.deps.Config.Ledger}
	}
	return nil
}

func (m *Model) planCmd() tea.Cmd {
	deps, f, gen, prot := m.deps, m.f, m.gen, m.protected()
	return func() tea.Msg {
		if deps.Repo == nil {
			return plannedMsg{gen: gen, err: errors.New("fixing works inside a git repository (it writes files of the working tree)")}
		}
		if deps.Set == nil {
			return plannedMsg{gen: gen, err: errors.New("the findings are not loaded yet")}
		}
		d, err := deps.Set.Details(f)
		if err != nil {
			return plannedMsg{gen: gen, err: err}
		}
		root, err := repofs.Open(deps.Root)
		if err != nil {
			return plannedMsg{gen: gen, err: err}
		}
		defer root.Close()
		opts := fix.Options{Protected: prot}
		g, gerr := fix.OpenGit(deps.Root)
		if gerr == nil {
			opts.Git = g
		} else {
			g = nil
		}
		return plannedMsg{gen: gen, plans: fix.Plans(root, f, d, 0, opts), git: g}
	}
}

// author returns the ledger author, and the commit author.
func author(deps Deps) (string, string, string, error) {
	who, _ := deps.Repo.DecisionAuthor()
	if err := ledger.ValidateAuthor(who); err != nil {
		return "", "", "", fmt.Errorf("%v (or GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL)", err)
	}
	name, email := deps.Repo.Author()
	if name == "" && email == "" {
		name, email = deps.getenv("GIT_AUTHOR_NAME"), deps.getenv("GIT_AUTHOR_EMAIL")
	}
	return who, name, email, nil
}

func (d Deps) record(who string) fix.Record {
	return fix.Record{Ledger: d.Ledger, Overlay: d.Overlay, Author: who, Now: d.now(), Evidence: d.evidence()}
}

func (m *Model) applyCmd(p *fix.Plan, commit bool) tea.Cmd {
	deps, f, gen, g := m.deps, m.f, m.gen, m.git
	return func() tea.Msg {
		if deps.Ledger == nil {
			return appliedMsg{gen: gen, err: errors.New("no ledger: the fix could not be recorded, so nothing was written")}
		}
		if err := deps.Ledger.Err(); err != nil {
			return appliedMsg{gen: gen, err: fmt.Errorf("ledger %s is invalid; fix it first (nothing was written): %v", deps.Ledger.RelPath(), err)}
		}
		who, name, email, err := author(deps)
		if err != nil {
			return appliedMsg{gen: gen, err: err}
		}
		root, err := repofs.Open(deps.Root)
		if err != nil {
			return appliedMsg{gen: gen, err: err}
		}
		defer root.Close()
		a, err := fix.ApplyAndRecord(root, f, p, fix.ApplyOptions{Record: deps.record(who), Commit: commit, Git: g, CommitName: name, CommitEmail: email})
		return appliedMsg{gen: gen, applied: a, err: err}
	}
}

func (m *Model) prepareEditCmd() tea.Cmd {
	deps, f, gen := m.deps, m.f, m.gen
	return func() tea.Msg {
		if deps.Ledger == nil {
			return editReadyMsg{gen: gen, err: errors.New("no ledger: the edit could not be recorded")}
		}
		if err := deps.Ledger.Err(); err != nil {
			return editReadyMsg{gen: gen, err: fmt.Errorf("ledger %s is invalid; fix it first: %v", deps.Ledger.RelPath(), err)}
		}
		root, err := repofs.Open(deps.Root)
		if err != nil {
			return editReadyMsg{gen: gen, err: err}
		}
		defer root.Close()
		ed, err := fix.PrepareEdit(root, f)
		if err != nil {
			return editReadyMsg{gen: gen, err: err}
		}
		editor := deps.getenv("VISUAL")
		if editor == "" {
			editor = deps.getenv("EDITOR")
		}
		return editReadyMsg{gen: gen, edit: ed, argv: ed.Argv(editor)}
	}
}

func (m *Model) recordEditCmd() tea.Cmd {
	deps, f, gen, ed := m.deps, m.f, m.gen, m.edit
	return func() tea.Msg {
		root, err := repofs.Open(deps.Root)
		if err != nil {
			return editRecordedMsg{gen: gen, err: err}
		}
		defer root.Close()
		changed, err := ed.Changed(root)
		if err != nil || !changed {
			return editRecordedMsg{gen: gen, err: err}
		}
		who, _ := deps.Repo.DecisionAuthor()
		if err := ledger.ValidateAuthor(who); err != nil {
			return editRecordedMsg{gen: gen, changed: true, err: fmt.Errorf("the file changed but the edit cannot be recorded: %v (or GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL)", err)}
		}
		err = fix.RecordEdit(f, ed, deps.record(who))
		return editRecordedMsg{gen: gen, changed: true, err: err}
	}
}

func (m *Model) pop(r ResultMsg) tea.Cmd {
	r.FindingID = m.f.ID
	m.gen = nextGen() // late results of this screen are ignored
	return screen.Pop(r)
}

// Update handles keys and the results of the screen's Cmds.
func (m *Model) Update(msg tea.Msg) (screen.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case plannedMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.phase = phaseReady
		if msg.err != nil {
			m.status = safe.Line(msg.err.Error())
			return m, nil
		}
		m.plans, m.git = msg.plans, msg.git
		m.sel = 0
		for i, p := range m.plans { // the first that can be applied
			if p.OK() {
				m.sel = i
				break
			}
		}
		m.render()
		return m, nil
	case appliedMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.phase = phaseReady
		if msg.err != nil {
			var r *fix.Refusal
			if errors.As(msg.err, &r) {
				m.status = "refused (" + r.Kind + "): " + safe.Line(r.Error())
			} else {
				m.status = safe.Line(msg.err.Error())
			}
			if msg.applied != nil { // written, but commit or ledger failed
				return m, m.pop(ResultMsg{Outcome: Applied, Paths: msg.applied.Paths, Commit: msg.applied.Commit, Err: msg.err})
			}
			m.render()
			return m, nil
		}
		a := msg.applied
		return m, m.pop(ResultMsg{Outcome: Applied, Paths: a.Paths, Commit: a.Commit, Ledger: a.Ledger})
	case editReadyMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		if msg.err != nil {
			return m.editFailed(msg.err)
		}
		m.edit = msg.edit
		c := exec.Command(msg.argv[0], msg.argv[1:]...)
		c.Dir = m.deps.Root
		gen := m.gen
		return m, tea.ExecProcess(c, func(err error) tea.Msg { return editorExitedMsg{gen: gen, err: err} })
	case editorExitedMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		if msg.err != nil {
			return m.editFailed(fmt.Errorf("editor: %w", msg.err))
		}
		return m, m.recordEditCmd()
	case editRecordedMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		paths := []string{m.edit.Path}
		switch {
		case msg.err != nil:
			return m.editFailed(msg.err)
		case !msg.changed:
			return m, m.pop(ResultMsg{Outcome: Unchanged, Paths: paths})
		}
		return m, m.pop(ResultMsg{Outcome: Edited, Paths: paths, Ledger: m.deps.Ledger.RelPath()})
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m *Model) editFailed(err error) (screen.Screen, tea.Cmd) {
	if m.mode == modeEdit {
		return m, m.pop(ResultMsg{Outcome: Failed, Err: err})
	}
	m.phase = phaseReady
	m.status = safe.Line(err.Error())
	m.render()
	return m, nil
}

func (m *Model) key(msg tea.KeyPressMsg) (screen.Screen, tea.Cmd) {
	k := m.keys
	if m.phase != phaseReady {
		if key.Matches(msg, k.Back) && m.phase == phasePlanning {
			return m, m.pop(ResultMsg{Outcome: Cancelled})
		}
		return m, nil // applying or editing: wait for it
	}
	switch {
	case key.Matches(msg, k.Back):
		return m, m.pop(ResultMsg{Outcome: Cancelled})
	case key.Matches(msg, k.Up):
		m.scroll(-1)
	case key.Matches(msg, k.Down):
		m.scroll(1)
	case key.Matches(msg, k.PageUp):
		m.scroll(-m.page())
	case key.Matches(msg, k.PageDown):
		m.scroll(m.page())
	case key.Matches(msg, k.Top):
		m.off = 0
	case key.Matches(msg, k.Bottom):
		m.scroll(len(m.lines))
	case key.Matches(msg, k.NextFix):
		m.choose(m.sel + 1)
	case key.Matches(msg, k.PrevFix):
		m.choose(m.sel - 1)
	case len(msg.Text) == 1 && msg.Text[0] >= '1' && msg.Text[0] <= '9':
		m.choose(int(msg.Text[0] - '1'))
	case key.Matches(msg, k.Apply), key.Matches(msg, k.Commit):
		p := m.plan()
		if p == nil {
			m.status = "this finding has no fix to apply (e edits it by hand)"
			return m, nil
		}
		if !p.OK() {
			m.status = "refused (" + p.Refusal.Kind + "): " + safe.Line(p.Refusal.Error())
			return m, nil
		}
		m.phase = phaseApplying
		commit := key.Matches(msg, k.Commit)
		m.status = "applying…"
		if commit {
			m.status = "applying and committing…"
		}
		return m, m.applyCmd(p, commit)
	case key.Matches(msg, k.Edit):
		m.phase = phaseEditing
		m.status = "opening the editor…"
		return m, m.prepareEditCmd()
	}
	return m, nil
}

func (m *Model) plan() *fix.Plan {
	if m.sel < 0 || m.sel >= len(m.plans) {
		return nil
	}
	return m.plans[m.sel]
}

func (m *Model) choose(i int) {
	if len(m.plans) == 0 {
		return
	}
	i = min(max(i, 0), len(m.plans)-1)
	if i != m.sel {
		m.sel, m.off = i, 0
		m.status = ""
		m.render()
	}
}

func (m *Model) page() int { return max(m.bodyHeight()-1, 1) }

func (m *Model) scroll(d int) {
	m.off = min(max(m.off+d, 0), max(len(m.lines)-m.bodyHeight(), 0))
}

// header lines above the scrolling body.
const headerLines = 3

func (m *Model) bodyHeight() int { return max(m.h-headerLines-1, 1) }

// render lays out the selected plan: files, how each was checked, notes,
// and the diff (already sanitized by findings/fix), or the refusal.
func (m *Model) render() {
	m.lines = m.lines[:0]
	p := m.plan()
	if p == nil {
		return
	}
	if !p.OK() {
		m.lines = append(m.lines, "refused ("+p.Refusal.Kind+"): "+safe.Line(p.Refusal.Error()), "", "nothing will be written; e edits the file by hand")
		return
	}
	for _, fl := range p.Files {
		m.lines = append(m.lines, fmt.Sprintf("%s: %d replacement(s), checked against the scan by %s", safe.Line(fl.Path), fl.Replacements, safe.Line(fl.Verified.String())))
	}
	for _, n := range p.Notes {
		m.lines = append(m.lines, "note: "+safe.Line(n))
	}
	for _, l := range strings.Split(strings.TrimSuffix(p.Diff(), "\n"), "\n") {
		m.lines = append(m.lines, safe.Line(l))
	}
	m.scroll(0)
}

// Lines returns the rendered body (files, notes and the diff, or the refusal).
func (m *Model) Lines() []string { return m.lines }

// View renders the header and the visible part of the body.
func (m *Model) View() string {
	var b strings.Builder
	st := m.deps.Styles
	style := st.Styled
	f := m.f
	loc := safe.Line(f.Loc.String())
	title := fmt.Sprintf("fix %s  %s %s  %s", f.ID, f.Severity.Letter(), safe.Line(f.RuleID()), loc)
	b.WriteString(style(cells.Clip(title, m.w), 't'))
	b.WriteByte('\n')
	switch {
	case m.mode == modeEdit:
		b.WriteString(cells.Clip("editing "+loc+" in $VISUAL/$EDITOR…", m.w))
		b.WriteString("\n")
		return b.String()
	case m.phase == phasePlanning:
		b.WriteString("planning the fix…\n")
		return b.String()
	}
	var info string
	switch {
	case len(m.plans) == 0:
		info = "no fix could be planned"
	case len(m.plans) == 1:
		info = planLine(m.plans[0])
	default:
		info = fmt.Sprintf("%d fixes (tab/n, p or 1-%d chooses) — %s", len(m.plans), min(len(m.plans), 9), planLine(m.plans[m.sel]))
	}
	b.WriteString(cells.Clip(info, m.w))
	b.WriteByte('\n')
	status := m.status
	kind := byte('m')
	if strings.HasPrefix(status, "refused") || (status != "" && m.phase == phaseReady && !strings.HasSuffix(status, "…")) {
		kind = 'e'
	}
	if status == "" {
		status = "y/enter applies (all files or none), c applies and commits, e edits by hand, esc leaves"
		kind = 'm'
	}
	b.WriteString(style(cells.Clip(status, m.w), kind))
	b.WriteByte('\n')
	end := min(m.off+m.bodyHeight(), len(m.lines))
	for _, l := range m.lines[m.off:end] {
		l = cells.Clip(l, m.w)
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
			l = style(l, 't')
		case strings.HasPrefix(l, "+"):
			l = style(l, '+')
		case strings.HasPrefix(l, "-"):
			l = style(l, '-')
		case strings.HasPrefix(l, "@@"):
			l = style(l, '@')
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	if len(m.lines) > m.bodyHeight() {
		b.WriteString(style(fmt.Sprintf("lines %d-%d of %d", m.off+1, end, len(m.lines)), 'm'))
	}
	return b.String()
}

func planLine(p *fix.Plan) string {
	s := fmt.Sprintf("fix %d of %d by %s", p.Index, p.Of, safe.Line(p.Tool))
	if p.Description != "" {
		s += ": " + safe.Line(p.Description)
	}
	if !p.OK() {
		s += " — refused (" + p.Refusal.Kind + ")"
	}
	return s
}

// SetSize sets the body's size.
func (m *Model) SetSize(w, h int) {
	m.w, m.h = w, h
	m.scroll(0)
}

// Title names the screen.
func (m *Model) Title() string {
	if m.mode == modeEdit {
		return "edit " + m.f.ID
	}
	return "fix " + m.f.ID
}

// Capturing is true while the screen applies or edits (the shell must not
// quit under it).
func (m *Model) Capturing() bool { return m.phase == phaseApplying || m.phase == phaseEditing }

// ShortHelp lists the main bindings.
func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	return []key.Binding{k.Apply, k.Commit, k.Edit, k.NextFix, k.Down, k.Back}
}

// FullHelp lists every binding.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{{k.Apply, k.Commit, k.Edit, k.Back}, {k.NextFix, k.PrevFix}, {k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}}
}

var (
	_ screen.Screen   = (*Model)(nil)
	_ screen.Capturer = (*Model)(nil)
)
