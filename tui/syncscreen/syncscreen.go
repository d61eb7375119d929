// Package syncscreen is the console's tracker sync confirmation screen
// (issue 10 item 1): it computes the sync plan for GitHub Issues or Jira in
// a Cmd (trackers/engine.MakePlan, with the connection `secui sync` makes:
// trackers/connect), shows it — per ticket create / adopt / update /
// comment / close / reopen / unchanged / skip / refused, and for the
// selected ticket the exact payload (the new body, or its diff against the
// ticket's current body, with `[redacted N chars]` where secrets were cut)
// — and applies exactly that plan only when the user confirms with y,
// showing progress per request. ctrl+c stops cleanly between requests (a
// request on the wire finishes and is recorded). It pops with a ResultMsg.
//
// No I/O in Update or View: planning and applying are Cmds; progress comes
// through a channel read by another Cmd, tagged with the generation.
package syncscreen

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/repofs"
	"github.com/secui/secui/trackers/connect"
	"github.com/secui/secui/trackers/content"
	"github.com/secui/secui/trackers/engine"
	"github.com/secui/secui/trackers/httpx"
	"github.com/secui/secui/trackers/planview"
	"github.com/secui/secui/trackers/redact"
	"github.com/secui/secui/tui/internal/cells"
	"github.com/secui/secui/tui/safe"
	"github.com/secui/secui/tui/screen"
	"github.com/secui/secui/tui/theme"

	"net/http"
)

// Deps is what the screen works with (the console's state).
type Deps struct {
	Root     string         // repository root (absolute)
	Repo     *gitrepo.Repo  // the origin remote names the GitHub repository
	Config   *config.Config // trackers: section
	Set      *findings.Set  // the loaded findings
	Ledger   *ledger.Ledger // the tickets: section
	Overlay  *ledger.Overlay
	Now      func() time.Time             // nil = time.Now (the overlay's clock)
	WorkTree func() ledger.OverlayOptions // for the overlay when Overlay is nil
	Getenv   func(string) string          // nil = os.Getenv (GITHUB_TOKEN, GH_TOKEN, GITHUB_API_URL, JIRA_*)
	Styles   *theme.Styles                // nil = plain
	// Transport is the base HTTP transport (nil: the default; tests).
	Transport http.RoundTripper
}

func (d *Deps) env(secrets *redact.Secrets, progress func(string)) connect.Env {
	return connect.Env{Config: d.Config, Repo: d.Repo, Getenv: d.Getenv, Secrets: secrets, Progress: progress, Transport: d.Transport}
}

// Configured returns the trackers set up for this repository ("github",
// "jira"), for the key that opens the screen.
func Configured(deps Deps) []string { return connect.Configured(deps.env(nil, nil)) }

// ResultMsg is delivered to the screen below when the sync screen pops.
type ResultMsg struct {
	Target  string // "github" | "jira"
	Applied bool   // y was pressed and the plan was applied (or stopped)
	Writes  int    // the plan's writes
	Created int
	Done    int
	Failed  int
	NotRun  int
	Stopped bool // ctrl+c between requests
	Err     error
}

// Changed reports whether the ledger's tickets: section may have changed.
func (r ResultMsg) Changed() (screen.ChangedMsg, bool) {
	if !r.Applied {
		return screen.ChangedMsg{}, false
	}
	return screen.ChangedMsg{Reason: r.String()}, true
}

// String is a one-line summary for the status line.
func (r ResultMsg) String() string {
	switch {
	case r.Err != nil && !r.Applied:
		return "sync " + r.Target + ": " + safe.Line(r.Err.Error())
	case !r.Applied:
		return "sync " + r.Target + ": nothing was sent"
	}
	s := fmt.Sprintf("sync %s: %d done, %d failed, %d not run; %d ticket(s) created", r.Target, r.Done, r.Failed, r.NotRun, r.Created)
	if r.Stopped {
		s += "; stopped: run it again to finish"
	}
	if r.Err != nil {
		s += "; " + safe.Line(r.Err.Error())
	}
	return s
}

type phase uint8

const (
	phasePlanning phase = iota
	phaseConfirm
	phaseApplying
	phaseDone
)

// Keys are the screen's bindings.
type Keys struct {
	Up, Down, PageUp, PageDown, Expand, Confirm, Cancel, Back key.Binding
}

// DefaultKeys returns the default bindings.
func DefaultKeys() Keys {
	b := func(keys []string, h, d string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(h, d))
	}
	return Keys{
		Up:       b([]string{"k", "up"}, "↑/k", "previous ticket"),
		Down:     b([]string{"j", "down"}, "↓/j", "next ticket"),
		PageUp:   b([]string{"pgup", "ctrl+u", "ctrl+b"}, "pgup", "scroll payload up"),
		PageDown: b([]string{"pgdown", "ctrl+d", "ctrl+f"}, "pgdn", "scroll payload down"),
		Expand:   b([]string{"enter", "space", "v"}, "enter", "full payload"),
		Confirm:  b([]string{"y"}, "y", "apply this plan"),
		Cancel:   b([]string{"ctrl+c"}, "ctrl+c", "stop between requests"),
		Back:     b([]string{"esc", "n", "q"}, "esc/n", "back (send nothing)"),
	}
}

// Model is the sync screen.
type Model struct {
	deps   Deps
	target string
	keys   Keys
	gen    uint64
	phase  phase

	plan    *engine.Plan
	opts    engine.Options
	format  content.Format
	planErr error

	sel     int
	verbose bool
	off     int // payload scroll
	w, h    int

	ctx      context.Context
	cancel   context.CancelFunc
	events   chan engine.Progress
	progress []string // "[i/n] kind ticket: done"
	res      *engine.Result
	applyErr error
	stopping bool

	planCtx    context.Context
	planCancel context.CancelFunc
}

var genSeq atomic.Uint64

// New returns the sync screen for target ("github" or "jira"); the plan is
// computed in Init.
func New(deps Deps, target string) *Model {
	m := &Model{deps: deps, target: target, keys: DefaultKeys(), gen: genSeq.Add(1), w: 80, h: 24}
	m.planCtx, m.planCancel = context.WithCancel(context.Background())
	return m
}

// ---- messages

type plannedMsg struct {
	gen    uint64
	plan   *engine.Plan
	opts   engine.Options
	format content.Format
	err    error
}

type progressMsg struct {
	gen uint64
	p   engine.Progress
}

type appliedMsg struct {
	gen uint64
	res *engine.Result
	err error
}

// Init computes the plan.
func (m *Model) Init() tea.Cmd {
	deps, target, gen, ctx := m.deps, m.target, m.gen, m.planCtx
	return func() tea.Msg {
		fail := func(err error) tea.Msg { return plannedMsg{gen: gen, err: err} }
		if target != "github" && target != "jira" {
			return fail(fmt.Errorf("unknown tracker %q (want github or jira)", target))
		}
		if deps.Repo == nil {
			return fail(errors.New("syncing works inside a git repository"))
		}
		if deps.Set == nil {
			return fail(errors.New("the findings are not loaded yet"))
		}
		if deps.Ledger == nil {
			return fail(errors.New("no ledger: tickets could not be recorded"))
		}
		if err := deps.Ledger.Err(); err != nil {
			return fail(fmt.Errorf("ledger %s is invalid; fix it first: %v", deps.Ledger.RelPath(), err))
		}
		ov := deps.Overlay
		if ov == nil {
			now := time.Now()
			if deps.Now != nil {
				now = deps.Now()
			}
			var oo ledger.OverlayOptions
			if deps.WorkTree != nil {
				oo = deps.WorkTree()
			}
			ov = deps.Ledger.Overlay(deps.Set.Findings, now, oo)
		}
		rf, err := repofs.Open(deps.Root)
		if err != nil {
			return fail(err)
		}
		secrets := redact.Collect(deps.Set, rf)
		rf.Close()
		env := deps.env(secrets, nil)
		tr, err := connect.Tracker(target, env)
		if err != nil {
			return fail(err)
		}
		opts := connect.Options(target, env, tr, deps.Ledger, deps.Set, ov)
		plan, err := engine.MakePlan(ctx, opts) // leaving the screen cancels the listing
		if err != nil {
			return fail(err)
		}
		return plannedMsg{gen: gen, plan: plan, opts: opts, format: tr.Format()}
	}
}

func (m *Model) applyCmd() tea.Cmd {
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.events = make(chan engine.Progress, 64)
	ctx, ch, gen, opts, plan := m.ctx, m.events, m.gen, m.opts, m.plan
	opts.Progress = func(p engine.Progress) {
		select { // never block Apply: the screen may be gone
		case ch <- p:
		default:
		}
	}
	run := func() tea.Msg {
		defer close(ch)
		res, err := engine.Apply(ctx, opts, plan)
		return appliedMsg{gen: gen, res: res, err: err}
	}
	return tea.Batch(run, m.listenCmd())
}

func (m *Model) listenCmd() tea.Cmd {
	ch, gen := m.events, m.gen
	return func() tea.Msg {
		p, ok := <-ch
		if !ok {
			return nil
		}
		return progressMsg{gen: gen, p: p}
	}
}

// Update handles keys and the results of the screen's Cmds.
func (m *Model) Update(msg tea.Msg) (screen.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case plannedMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.phase = phaseConfirm
		m.plan, m.opts, m.format, m.planErr = msg.plan, msg.opts, msg.format, msg.err
		m.sel = 0
		return m, nil
	case progressMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		p := msg.p
		if p.Done {
			a := p.Action
			ticket := a.Ticket
			if ticket == "" {
				ticket = a.Group
			}
			st := "done"
			switch {
			case errors.Is(p.Err, httpx.ErrStopped):
				st = "stopped (not sent)"
			case p.Err != nil:
				st = "failed: " + safe.Line(p.Err.Error())
			}
			m.progress = append(m.progress, fmt.Sprintf("[%d/%d] %s %s: %s", p.Index, p.Total, a.Kind, safe.Line(ticket), st))
		}
		return m, m.listenCmd()
	case appliedMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.phase = phaseDone
		m.res, m.applyErr = msg.res, msg.err
		if m.cancel != nil {
			m.cancel()
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyPressMsg) (screen.Screen, tea.Cmd) {
	k := m.keys
	switch m.phase {
	case phasePlanning:
		if key.Matches(msg, k.Back) || key.Matches(msg, k.Cancel) {
			return m, m.pop()
		}
	case phaseApplying:
		if key.Matches(msg, k.Cancel) || key.Matches(msg, k.Back) {
			if !m.stopping {
				m.stopping = true
				m.cancel()
			}
		}
	case phaseDone:
		if key.Matches(msg, k.Back) || key.Matches(msg, k.Expand) || key.Matches(msg, k.Cancel) {
			return m, m.pop()
		}
	case phaseConfirm:
		switch {
		case key.Matches(msg, k.Back), key.Matches(msg, k.Cancel):
			return m, m.pop()
		case m.plan == nil:
		case key.Matches(msg, k.Up):
			m.choose(m.sel - 1)
		case key.Matches(msg, k.Down):
			m.choose(m.sel + 1)
		case key.Matches(msg, k.PageDown):
			m.off += max(m.payloadHeight()-1, 1)
		case key.Matches(msg, k.PageUp):
			m.off = max(m.off-max(m.payloadHeight()-1, 1), 0)
		case key.Matches(msg, k.Expand):
			m.verbose = !m.verbose
			m.off = 0
		case key.Matches(msg, k.Confirm):
			m.phase = phaseApplying
			return m, m.applyCmd()
		}
	}
	return m, nil
}

func (m *Model) choose(i int) {
	if m.plan == nil || len(m.plan.Actions) == 0 {
		return
	}
	i = min(max(i, 0), len(m.plan.Actions)-1)
	if i != m.sel {
		m.sel, m.off = i, 0
	}
}

func (m *Model) result() ResultMsg {
	r := ResultMsg{Target: m.target, Err: m.planErr}
	if m.plan != nil {
		r.Writes = m.plan.Writes()
	}
	if m.res != nil || m.applyErr != nil {
		r.Applied, r.Err = true, m.applyErr
	}
	if m.res != nil {
		r.Created, r.Stopped = m.res.Created, m.res.Stopped
		for _, o := range m.res.Outcomes {
			switch o.Status {
			case "done":
				r.Done++
			case "failed":
				r.Failed++
			case "not-run":
				r.NotRun++
			}
		}
	}
	return r
}

func (m *Model) pop() tea.Cmd {
	m.planCancel()
	r := m.result()
	m.gen = genSeq.Add(1)
	return screen.Pop(r)
}

// Plan is the computed plan (nil while planning or when planning failed).
func (m *Model) Plan() *engine.Plan { return m.plan }

// Err is the planning error.
func (m *Model) Err() error { return m.planErr }

// Applying reports whether the plan is being applied.
func (m *Model) Applying() bool { return m.phase == phaseApplying }

// Done reports whether the plan was applied (or stopped).
func (m *Model) Done() bool { return m.phase == phaseDone }

// Progress is the per-request progress lines.
func (m *Model) Progress() []string { return m.progress }

// ---- view

func (m *Model) style(s string, kind byte) string { return m.deps.Styles.Styled(s, kind) }

// tableHeight is how many ticket rows are shown at most.
func (m *Model) tableHeight() int { return max(min(len(m.actions()), (m.h-4)/2), 1) }

func (m *Model) payloadHeight() int { return max(m.h-m.tableHeight()-5, 1) }

func (m *Model) actions() []*engine.Action {
	if m.plan == nil {
		return nil
	}
	return m.plan.Actions
}

// Row is the table line of action a.
func Row(a *engine.Action) string {
	t := a.Ticket
	if t == "" {
		t = "-"
	}
	why := a.Why
	if a.Redacted > 0 {
		why += fmt.Sprintf(" (%d secret value(s) redacted)", a.Redacted)
	}
	return fmt.Sprintf("%-9s %-10s %3d  %s — %s", a.Kind, safe.Line(t), len(a.Findings), safe.Line(a.Title), safe.Line(why))
}

// Summary is the counts line of the plan.
func Summary(p *engine.Plan) string {
	c := p.Counts()
	var parts []string
	for _, k := range []string{engine.Create, engine.Adopt, engine.Update, engine.Comment, engine.Close, engine.Reopen, engine.Unchanged, engine.Skip, engine.Refused} {
		if c[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[k], k))
		}
	}
	if len(parts) == 0 {
		return "nothing to do"
	}
	return strings.Join(parts, ", ")
}

// Payload is the lines shown for action i (its requests and payloads).
func (m *Model) Payload(i int) []string {
	as := m.actions()
	if i < 0 || i >= len(as) {
		return nil
	}
	a := as[i]
	if !planview.Shown(a) {
		return []string{"   " + a.Kind + ": nothing is sent for this ticket"}
	}
	return append([]string{planview.Header(a)}, planview.Steps(m.plan.Tracker, a, m.format, m.verbose)...)
}

// View renders the plan, the selected ticket's payload and the prompt, or
// the progress and result of the apply.
func (m *Model) View() string {
	var b strings.Builder
	line := func(s string, kind byte) {
		b.WriteString(m.style(cells.Clip(s, m.w), kind))
		b.WriteByte('\n')
	}
	switch {
	case m.phase == phasePlanning:
		line("sync "+m.target+": computing the plan (listing the tracker's tickets)…", 't')
		return b.String()
	case m.planErr != nil:
		line("sync "+m.target+": cannot plan", 't')
		for _, l := range wrap(safe.Line(m.planErr.Error()), m.w) {
			line(l, 'e')
		}
		line("nothing was sent; esc goes back", 'm')
		return b.String()
	}
	p := m.plan
	line(fmt.Sprintf("sync %s → %s (grouping: %s, %s): %s", p.Tracker, safe.Line(p.Target), safe.Line(p.Grouping), safe.Line(p.Format), Summary(p)), 't')
	for _, w := range p.Warnings {
		line("warning: "+safe.Line(w), 'e')
	}
	if m.phase == phaseApplying || m.phase == phaseDone {
		m.viewApply(line)
		return b.String()
	}
	as := p.Actions
	if len(as) == 0 {
		line("no accepted findings and no tickets", 'm')
	}
	th := m.tableHeight()
	start := min(max(m.sel-th/2, 0), max(len(as)-th, 0))
	for i := start; i < min(start+th, len(as)); i++ {
		mark, kind := "  ", byte(0)
		if i == m.sel {
			mark, kind = "> ", 's'
		}
		line(mark+Row(as[i]), kind)
	}
	if len(as) > 0 {
		b.WriteByte('\n')
		pl := m.Payload(m.sel)
		ph := m.payloadHeight()
		off := min(m.off, max(len(pl)-ph, 0))
		for _, l := range pl[off:min(off+ph, len(pl))] {
			line(l, 0)
		}
	}
	if p.Writes() == 0 {
		line("nothing to send: y records the tickets' state, esc goes back", 'm')
	} else {
		line(fmt.Sprintf("Apply %d change(s) to %s? y applies exactly this plan, esc/n sends nothing", p.Writes(), safe.Line(p.Target)), 't')
	}
	return b.String()
}

func (m *Model) viewApply(line func(string, byte)) {
	ph := max(m.h-4, 1)
	pr := m.progress
	if len(pr) > ph {
		pr = pr[len(pr)-ph:]
	}
	for _, l := range pr {
		line(l, 0)
	}
	if m.phase == phaseApplying {
		if m.stopping {
			line("stopping after the request on the wire…", 'm')
		} else {
			line("applying… ctrl+c stops between requests", 'm')
		}
		return
	}
	r := m.result()
	kind := byte('t')
	if r.Failed > 0 || r.Err != nil || r.Stopped {
		kind = 'e'
	}
	for _, l := range wrap(r.String(), m.w) {
		line(l, kind)
	}
	if m.res != nil {
		for _, o := range m.res.Outcomes {
			if o.Status == "failed" || (o.Status == "not-run" && o.Msg != "") {
				t := o.Ticket
				if t == "" {
					t = o.Group
				}
				line(fmt.Sprintf("  %s %s %s: %s", o.Status, o.Kind, safe.Line(t), safe.Line(o.Msg)), 'e')
			}
		}
	}
	line("the ledger's tickets: section changed: commit it. esc goes back", 'm')
}

// wrap breaks s into lines of at most w runes, at spaces when it can.
func wrap(s string, w int) []string {
	if w <= 0 {
		return []string{s}
	}
	var out []string
	for len([]rune(s)) > w {
		r := []rune(s)
		cut := w
		for i := w; i > w/2; i-- {
			if r[i] == ' ' {
				cut = i
				break
			}
		}
		out = append(out, string(r[:cut]))
		s = strings.TrimLeft(string(r[cut:]), " ")
	}
	return append(out, s)
}

// SetSize sets the body's size.
func (m *Model) SetSize(w, h int) { m.w, m.h = w, h }

// Title names the screen.
func (m *Model) Title() string { return "sync " + m.target }

// Capturing is true while confirming or applying: y/n/q are the screen's.
func (m *Model) Capturing() bool { return m.phase == phaseConfirm || m.phase == phaseApplying }

// ShortHelp lists the main bindings.
func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	switch m.phase {
	case phaseApplying:
		return []key.Binding{k.Cancel}
	case phaseConfirm:
		return []key.Binding{k.Confirm, k.Back, k.Down, k.Expand, k.PageDown}
	}
	return []key.Binding{k.Back}
}

// FullHelp lists every binding.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{{k.Confirm, k.Back, k.Cancel}, {k.Up, k.Down, k.Expand, k.PageUp, k.PageDown}}
}

var (
	_ screen.Screen   = (*Model)(nil)
	_ screen.Capturer = (*Model)(nil)
)
