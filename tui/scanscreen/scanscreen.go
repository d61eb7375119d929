// Package scanscreen is the console's re-scan screen: it runs the scanners
// of a stage (or one scanner) configured in .secui.yaml with runner.Scan —
// the same call as `secui scan`, which stores the results, classifies the
// scanner's earlier findings and records the fixed ones in the ledger —
// streaming their output (a bounded buffer) and progress per scanner.
// ctrl+c or esc cancels cleanly (the scanner's process group is killed;
// nothing is stored or marked fixed); the configured timeout applies. Then
// it shows what happened to each earlier finding: fixed, reopened, still
// open, moved, not covered, review, and the new findings. It pops with a
// ResultMsg.
//
// No I/O in Update or View: the run is a Cmd; its events arrive through a
// channel read by another Cmd, tagged with the screen's generation.
package scanscreen

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
	"github.com/secui/secui/findings/rescan"
	"github.com/secui/secui/runner"
	"github.com/secui/secui/tui/internal/cells"
	"github.com/secui/secui/tui/safe"
	"github.com/secui/secui/tui/screen"
	"github.com/secui/secui/tui/theme"
)

// Deps is what the screen works with (the console's state).
type Deps struct {
	Root     string         // repository root (absolute)
	Repo     *gitrepo.Repo  // nil outside git: the screen says it needs one
	Config   *config.Config // the scanners: section
	Set      *findings.Set  // the findings before the run (nil: loaded from the configured inputs)
	Ledger   *ledger.Ledger // records fixed and reopened findings
	Overlay  *ledger.Overlay
	Now      func() time.Time             // nil = time.Now
	WorkTree func() ledger.OverlayOptions // unused (the runner matches itself)
	Getenv   func(string) string          // unused
	Styles   *theme.Styles                // nil = plain
	// LookPath finds a scanner's program (nil: PATH, then the Go bin folders).
	LookPath func(string) (string, error)
}

// MaxLines bounds the output lines kept (the oldest are dropped).
const MaxLines = 500

// ResultMsg is delivered to the screen below when the scan screen pops.
type ResultMsg struct {
	Stage     string   // "" = every stage
	Scanners  []string // the scanners run (or selected, when none ran)
	Fixed     int      // findings recorded fixed in the ledger
	Reopened  int
	New       int
	Failed    int  // scanners that did not succeed (not installed, failed, timeout, partial ...)
	Stored    int  // scanners whose results replaced their stored results
	Cancelled bool // ctrl+c/esc stopped the run
	Err       error
}

// Changed reports whether stored results or the ledger changed.
func (r ResultMsg) Changed() (screen.ChangedMsg, bool) {
	if r.Stored == 0 && r.Fixed == 0 && r.Reopened == 0 {
		return screen.ChangedMsg{}, false
	}
	return screen.ChangedMsg{Reason: r.String()}, true
}

// String is a one-line summary for the status line.
func (r ResultMsg) String() string {
	if r.Err != nil && len(r.Scanners) == 0 {
		return "re-scan: " + safe.Line(r.Err.Error())
	}
	s := fmt.Sprintf("re-scan (%s): %d fixed, %d reopened, %d new", strings.Join(r.Scanners, ", "), r.Fixed, r.Reopened, r.New)
	if r.Failed > 0 {
		s += fmt.Sprintf(", %d scanner(s) failed", r.Failed)
	}
	if r.Cancelled {
		s += ", cancelled"
	}
	return s
}

type phase uint8

const (
	phaseRunning phase = iota
	phaseDone
)

// progress is one scanner's progress.
type progress struct {
	name    string
	started bool
	done    string // status when done
	secs    int    // seconds running (ticks)
	lines   int
}

// Keys are the screen's bindings.
type Keys struct {
	Cancel, Back, Up, Down, PageUp, PageDown, Top, Bottom, Output key.Binding
}

// DefaultKeys returns the default bindings.
func DefaultKeys() Keys {
	b := func(keys []string, h, d string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(h, d))
	}
	return Keys{
		Cancel:   b([]string{"ctrl+c"}, "ctrl+c", "cancel the run"),
		Back:     b([]string{"esc", "q", "enter"}, "esc", "back (cancels a run)"),
		Up:       b([]string{"k", "up"}, "↑/k", "scroll up"),
		Down:     b([]string{"j", "down"}, "↓/j", "scroll down"),
		PageUp:   b([]string{"pgup", "ctrl+u", "ctrl+b"}, "pgup", "page up"),
		PageDown: b([]string{"pgdown", "ctrl+d", "ctrl+f", "space"}, "pgdn", "page down"),
		Top:      b([]string{"g", "home"}, "g", "top"),
		Bottom:   b([]string{"G", "end"}, "G", "bottom"),
		Output:   b([]string{"o"}, "o", "output / report"),
	}
}

// Model is the scan screen.
type Model struct {
	deps    Deps
	stage   string
	name    string
	keys    Keys
	gen     uint64
	phase   phase
	ctx     context.Context
	cancel  context.CancelFunc
	events  chan runner.Event
	dropped *atomic.Int64

	selected []*config.Scanner
	selErr   error
	scanners []*progress

	out      []string // ring of the last MaxLines output lines
	outStart int      // index of the oldest line in out when full
	outTotal int

	res         []*runner.ScanResult
	runErr      error
	cancelled   bool
	popWhenDone bool
	showOutput  bool
	report      []string
	off         int
	w, h        int
}

var genSeq atomic.Uint64

// New returns the screen that runs the scanners feeding stage ("" = every
// stage) named scanner ("" = all of them). The run starts in Init.
func New(deps Deps, stage, scanner string) *Model {
	m := &Model{deps: deps, stage: stage, name: scanner, keys: DefaultKeys(), gen: genSeq.Add(1), w: 80, h: 20, dropped: new(atomic.Int64)}
	var names, stages []string
	if scanner != "" {
		names = []string{scanner}
	}
	if stage != "" {
		stages = []string{stage}
	}
	m.selected, m.selErr = runner.Select(deps.Config, names, stages)
	if m.selErr == nil && deps.Repo == nil {
		m.selErr = errors.New("re-scanning works inside a git repository")
	}
	for _, s := range m.selected {
		m.scanners = append(m.scanners, &progress{name: s.Name})
	}
	if m.selErr != nil {
		m.phase = phaseDone
		m.showOutput = false
		m.buildReport()
	}
	return m
}

// ---- messages

type eventMsg struct {
	gen uint64
	ev  runner.Event
}

type doneMsg struct {
	gen uint64
	res []*runner.ScanResult
	err error
}

type tickMsg struct{ gen uint64 }

// Init starts the run.
func (m *Model) Init() tea.Cmd {
	if m.selErr != nil {
		return nil
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.events = make(chan runner.Event, 256)
	return tea.Batch(m.runCmd(), m.listenCmd(), m.tickCmd())
}

func (m *Model) runCmd() tea.Cmd {
	deps, gen, ctx, ch, sel, dropped := m.deps, m.gen, m.ctx, m.events, m.selected, m.dropped
	return func() tea.Msg {
		defer close(ch)
		if deps.Ledger == nil {
			return doneMsg{gen: gen, err: errors.New("no ledger: nothing could be recorded, so nothing was run")}
		}
		if err := deps.Ledger.Err(); err != nil {
			return doneMsg{gen: gen, err: fmt.Errorf("ledger %s is invalid; fix it before scanning (nothing could be recorded): %v", deps.Ledger.RelPath(), err)}
		}
		who, _ := deps.Repo.DecisionAuthor()
		if err := ledger.ValidateAuthor(who); err != nil {
			return doneMsg{gen: gen, err: fmt.Errorf("%v (or GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL)", err)}
		}
		progress := func(ev runner.Event) {
			if ev.Kind == runner.EventLine {
				select { // output lines may be dropped, never block the scanner
				case ch <- ev:
				default:
					dropped.Add(1)
				}
				return
			}
			select {
			case ch <- ev:
			case <-ctx.Done():
			}
		}
		head := deps.Repo.CurrentHead()
		if head == "" {
			head = deps.Repo.Head
		}
		before := deps.Set
		res, err := runner.Scan(ctx, runner.ScanOptions{
			Options:  runner.Options{Root: deps.Root, Now: deps.Now, Progress: progress, LookPath: deps.LookPath},
			Config:   deps.Config,
			Scanners: sel,
			Ledger:   deps.Ledger,
			Before:   before,
			Commit:   head,
			Author:   who,
		})
		return doneMsg{gen: gen, res: res, err: err}
	}
}

func (m *Model) listenCmd() tea.Cmd {
	ch, gen := m.events, m.gen
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return nil
		}
		return eventMsg{gen: gen, ev: ev}
	}
}

func (m *Model) tickCmd() tea.Cmd {
	gen := m.gen
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return tickMsg{gen: gen} })
}

// Update handles keys and the run's messages.
func (m *Model) Update(msg tea.Msg) (screen.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case eventMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.onEvent(msg.ev)
		return m, m.listenCmd()
	case tickMsg:
		if msg.gen != m.gen || m.phase != phaseRunning {
			return m, nil
		}
		for _, s := range m.scanners {
			if s.started && s.done == "" {
				s.secs++
			}
		}
		return m, m.tickCmd()
	case doneMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.phase = phaseDone
		m.res = msg.res
		m.runErr = msg.err
		if errors.Is(msg.err, context.Canceled) {
			m.cancelled, m.runErr = true, nil
		}
		if m.cancel != nil {
			m.cancel()
		}
		for _, r := range m.res {
			for _, s := range m.scanners {
				if s.name == r.Scanner.Name {
					s.done = string(r.Exec.Status)
				}
			}
		}
		m.showOutput = false
		m.buildReport()
		if m.popWhenDone {
			return m, m.pop()
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m *Model) onEvent(ev runner.Event) {
	var sc *progress
	for _, s := range m.scanners {
		if s.name == ev.Scanner {
			sc = s
		}
	}
	switch ev.Kind {
	case runner.EventStart:
		if sc != nil {
			sc.started = true
		}
		m.addLine(ev.Scanner + ": running " + ev.Line)
	case runner.EventLine:
		if sc != nil {
			sc.lines++
		}
		m.addLine(ev.Scanner + ": " + ev.Line)
	case runner.EventDone:
		if sc != nil {
			sc.done = ev.Line
		}
		m.addLine(ev.Scanner + ": " + ev.Line)
	}
}

// addLine keeps the last MaxLines lines (sanitized) in a ring.
func (m *Model) addLine(l string) {
	l = safe.Line(l)
	m.outTotal++
	if len(m.out) < MaxLines {
		m.out = append(m.out, l)
		return
	}
	m.out[m.outStart] = l
	m.outStart = (m.outStart + 1) % MaxLines
}

// Output returns the kept output lines, oldest first.
func (m *Model) Output() []string {
	out := make([]string, 0, len(m.out))
	out = append(out, m.out[m.outStart:]...)
	return append(out, m.out[:m.outStart]...)
}

// Running reports whether the scanners are still running.
func (m *Model) Running() bool { return m.phase == phaseRunning }

// Results are the scanners' results (nil while running).
func (m *Model) Results() []*runner.ScanResult { return m.res }

func (m *Model) result() ResultMsg {
	r := ResultMsg{Stage: m.stage, Cancelled: m.cancelled, Err: m.runErr}
	if m.selErr != nil {
		r.Err = m.selErr
	}
	for _, s := range m.selected {
		r.Scanners = append(r.Scanners, s.Name)
	}
	for _, x := range m.res {
		if !x.Success() {
			r.Failed++
		}
		if x.Stored {
			r.Stored++
		}
		r.Fixed += len(x.Fixed)
		r.Reopened += len(x.Reopened)
		if x.Class != nil {
			r.New += len(x.Class.New)
		}
	}
	if n := len(m.selected) - len(m.res); n > 0 && m.selErr == nil && m.runErr == nil {
		r.Failed += n // not run (cancelled)
	}
	return r
}

func (m *Model) pop() tea.Cmd {
	r := m.result()
	m.gen = genSeq.Add(1)
	return screen.Pop(r)
}

func (m *Model) key(msg tea.KeyPressMsg) (screen.Screen, tea.Cmd) {
	k := m.keys
	if m.phase == phaseRunning {
		switch {
		case key.Matches(msg, k.Cancel):
			m.cancelRun()
		case key.Matches(msg, k.Back):
			m.cancelRun()
			m.popWhenDone = true
		}
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Back), key.Matches(msg, k.Cancel):
		return m, m.pop()
	case key.Matches(msg, k.Output):
		m.showOutput = !m.showOutput
		m.off = 0
	case key.Matches(msg, k.Up):
		m.scroll(-1)
	case key.Matches(msg, k.Down):
		m.scroll(1)
	case key.Matches(msg, k.PageUp):
		m.scroll(-m.bodyHeight())
	case key.Matches(msg, k.PageDown):
		m.scroll(m.bodyHeight())
	case key.Matches(msg, k.Top):
		m.off = 0
	case key.Matches(msg, k.Bottom):
		m.scroll(1 << 30)
	}
	return m, nil
}

func (m *Model) cancelRun() {
	if m.cancel != nil && !m.cancelled {
		m.cancelled = true
		m.cancel()
		m.addLine("cancelling: the running scanner is stopped; nothing is stored or marked fixed")
	}
}

func (m *Model) body() []string {
	if m.showOutput || m.phase == phaseRunning {
		return m.Output()
	}
	return m.report
}

func (m *Model) bodyHeight() int { return max(m.h-len(m.scanners)-3, 1) }

func (m *Model) scroll(d int) {
	m.off = min(max(m.off+d, 0), max(len(m.body())-m.bodyHeight(), 0))
}

// buildReport renders the classification of each scanner's run.
func (m *Model) buildReport() {
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	if m.selErr != nil {
		add("cannot re-scan: %s", safe.Line(m.selErr.Error()))
		m.report = out
		return
	}
	if m.runErr != nil {
		add("the re-scan failed: %s", safe.Line(m.runErr.Error()))
	}
	if m.cancelled {
		add("cancelled: %d of %d scanner(s) finished; the cancelled run stored nothing and marked nothing fixed", countOK(m.res), len(m.selected))
	}
	for _, r := range m.res {
		x := r.Exec
		if !x.OK() {
			add("%s: %s: %s — nothing stored, nothing marked fixed", safe.Line(r.Scanner.Name), x.Status, safe.Line(x.Reason))
			continue
		}
		head := fmt.Sprintf("%s: ok", safe.Line(r.Scanner.Name))
		if r.Version != "" {
			head += " (" + safe.Line(strings.TrimSpace(r.Tool+" "+r.Version)) + ")"
		}
		if r.Record != nil {
			head += fmt.Sprintf(", %d finding(s), coverage %s", r.Record.Findings, safe.Line(r.Record.Coverage))
		}
		add("%s", head)
		if r.Err != nil {
			add("  error: %s", safe.Line(r.Err.Error()))
			continue
		}
		if r.Class == nil {
			continue
		}
		groups := []struct {
			label string
			o     rescan.Outcome
		}{{"fixed", rescan.Fixed}, {"reopened", rescan.Reopened}, {"moved", rescan.Moved}, {"still open", rescan.Open}, {"not covered", rescan.NotCovered}, {"review", rescan.Review}}
		for _, g := range groups {
			var items []string
			for _, it := range r.Class.Items {
				if it.Outcome != g.o {
					continue
				}
				b := r.Before[it.Before]
				line := fmt.Sprintf("    %s  %s  %s  %s", runner.RecordID(b), b.F.Severity.Letter(), safe.Line(b.F.RuleID()), safe.Line(b.F.Loc.String()))
				switch {
				case it.Why != "":
					line += "  (" + safe.Line(it.Why) + ")"
				case g.o == rescan.Moved && it.Now != nil:
					line += "  → " + safe.Line(it.Now.Loc.String())
				}
				items = append(items, line)
			}
			if len(items) == 0 {
				continue
			}
			add("  %-12s %d", g.label, len(items))
			out = append(out, items...)
		}
		if len(r.Class.New) > 0 {
			add("  %-12s %d", "new", len(r.Class.New))
			for _, f := range r.Class.New {
				add("    %s  %s  %s  %s", f.ID, f.Severity.Letter(), safe.Line(f.RuleID()), safe.Line(f.Loc.String()))
			}
		}
		if len(r.Fixed)+len(r.Reopened) > 0 && m.deps.Ledger != nil {
			add("  ledger %s: %d fixed, %d reopened", safe.Line(m.deps.Ledger.RelPath()), len(r.Fixed), len(r.Reopened))
		}
	}
	m.report = out
}

func countOK(res []*runner.ScanResult) int {
	n := 0
	for _, r := range res {
		if r.Success() {
			n++
		}
	}
	return n
}

// Report is the rendered classification (after the run).
func (m *Model) Report() []string { return m.report }

// View renders the per-scanner progress and the output or the report.
func (m *Model) View() string {
	st := m.deps.Styles
	style := st.Styled
	var b strings.Builder
	what := "every stage"
	if m.stage != "" {
		what = "stage " + m.stage
	}
	if m.name != "" {
		what += ", scanner " + m.name
	}
	title := "re-scan " + safe.Line(what)
	switch {
	case m.phase == phaseRunning && m.cancelled:
		title += " — cancelling…"
	case m.phase == phaseRunning:
		title += " — running (ctrl+c cancels)"
	case m.cancelled:
		title += " — cancelled"
	default:
		title += " — done (o: output, esc: back)"
	}
	b.WriteString(style(cells.Clip(title, m.w), 't'))
	b.WriteByte('\n')
	for _, s := range m.scanners {
		state := "waiting"
		switch {
		case s.done != "":
			state = s.done
		case s.started:
			state = fmt.Sprintf("running %ds", s.secs)
		}
		line := fmt.Sprintf("  %-14s %-16s %d line(s) of output", safe.Line(s.name), state, s.lines)
		kind := byte(0)
		if s.done != "" && s.done != string(runner.StatusOK) {
			kind = 'e'
		}
		b.WriteString(style(cells.Clip(line, m.w), kind))
		b.WriteByte('\n')
	}
	if d := m.dropped.Load(); d > 0 {
		b.WriteString(style(fmt.Sprintf("  (%d output line(s) not shown: the scanner wrote faster than the screen reads)", d), 'm'))
	}
	b.WriteByte('\n')
	body := m.body()
	off := m.off
	if m.phase == phaseRunning { // follow the output
		off = max(len(body)-m.bodyHeight(), 0)
	}
	end := min(off+m.bodyHeight(), len(body))
	for _, l := range body[min(off, end):end] {
		b.WriteString(cells.Clip(l, m.w))
		b.WriteByte('\n')
	}
	return b.String()
}

// SetSize sets the body's size.
func (m *Model) SetSize(w, h int) { m.w, m.h = w, h; m.scroll(0) }

// Title names the screen.
func (m *Model) Title() string {
	if m.stage != "" {
		return "re-scan: " + m.stage
	}
	return "re-scan"
}

// Capturing is true while the run goes on (q must not quit under it; esc
// and ctrl+c cancel).
func (m *Model) Capturing() bool { return m.phase == phaseRunning }

// ShortHelp lists the main bindings.
func (m *Model) ShortHelp() []key.Binding {
	if m.phase == phaseRunning {
		return []key.Binding{m.keys.Cancel, m.keys.Back}
	}
	return []key.Binding{m.keys.Back, m.keys.Output, m.keys.Down, m.keys.PageDown}
}

// FullHelp lists every binding.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{{k.Cancel, k.Back, k.Output}, {k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}}
}

var (
	_ screen.Screen   = (*Model)(nil)
	_ screen.Capturer = (*Model)(nil)
)
