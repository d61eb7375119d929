// Package pipelinescreen is the console's pipeline screen: the eight stages
// (plan … monitor) with, per stage, the open / accepted / suppressed / fixed
// findings by severity, a progress bar, and the scanners that feed it with
// when each last ran — the same rows as `secui stages` (findings/pipeline).
// enter opens focus mode on the selected stage, R re-scans it.
//
// The rows are computed in a Cmd (findings/pipeline.Compute over the loaded
// findings, runner.Feeds for the scan records); a key costs O(8 rows).
package pipelinescreen

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/findings/pipeline"
	"github.com/secui/secui/runner"
	"github.com/secui/secui/tui/safe"
	"github.com/secui/secui/tui/screen"
	"github.com/secui/secui/tui/theme"
)

// Deps is what the screen needs from the shell.
type Deps struct {
	Root     string
	Config   *config.Config // nil = defaults
	Snapshot screen.Snapshot
	Styles   func() *theme.Styles
	Now      func() time.Time // nil = time.Now (the "last run" ages)
	// Focus builds focus mode for a stage (nil: enter explains it is off).
	Focus func(findings.Stage) screen.Screen
	// Scan builds the re-scan screen for a stage (nil: R explains it is off).
	Scan func(findings.Stage) screen.Screen
	// Feeds reads the scanners and their last runs (nil: runner.Feeds). It
	// does I/O and runs in a Cmd.
	Feeds func(root string, cfg *config.Config, set *findings.Set) []*pipeline.Scanner
}

// KeyMap is the pipeline screen's keys.
type KeyMap struct {
	Up, Down, Top, Bottom, Enter, Rescan, Back key.Binding
}

// DefaultKeyMap returns the pipeline screen's default keys.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, h, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(h, desc))
	}
	return KeyMap{
		Up:     b([]string{"k", "up"}, "↑/k", "up"),
		Down:   b([]string{"j", "down"}, "↓/j", "down"),
		Top:    b([]string{"g", "home"}, "g", "first stage"),
		Bottom: b([]string{"G", "end"}, "G", "last stage"),
		Enter:  b([]string{"enter"}, "enter", "focus mode"),
		Rescan: b([]string{"R", "r"}, "R", "re-scan stage"),
		Back:   b([]string{"esc", "q"}, "esc", "back"),
	}
}

// rowsMsg carries computed rows (generation gen).
type rowsMsg struct {
	gen  int
	rows []pipeline.Row
	took time.Duration
}

// Model is the pipeline screen.
type Model struct {
	d       Deps
	km      KeyMap
	rows    []pipeline.Row
	gen     int
	cursor  int
	width   int
	height  int
	loading bool
	note    string
	// the rendered view, kept until what it shows changes
	cache    string
	cacheKey viewKey
}

type viewKey struct {
	gen, cursor, w, h int
	loading           bool
	note              string
	st                *theme.Styles
	minute            int64
}

// DefaultFeeds is runner.Feeds: the configured scanners (their scan
// records) and the tools seen in the SARIF files.
var DefaultFeeds = runner.Feeds

func (d *Deps) defaults() {
	if d.Feeds == nil {
		d.Feeds = DefaultFeeds
	}
	if d.Config == nil {
		d.Config = config.Default()
	}
}

// New returns the pipeline screen over d.Snapshot.
func New(d Deps) *Model {
	d.defaults()
	return &Model{d: d, km: DefaultKeyMap(), loading: true}
}

// Init computes the rows.
func (m *Model) Init() tea.Cmd { return m.compute() }

func (m *Model) compute() tea.Cmd {
	m.gen++
	m.loading = true
	gen, snap, d := m.gen, m.d.Snapshot, m.d
	return func() tea.Msg {
		start := time.Now()
		return rowsMsg{gen: gen, rows: Rows(d, snap), took: time.Since(start)}
	}
}

// Rows computes the stage rows of snap (I/O: the scan records).
func Rows(d Deps, snap screen.Snapshot) []pipeline.Row {
	d.defaults()
	set := snap.Set
	if set == nil {
		set = &findings.Set{Root: d.Root, Findings: snap.Findings}
	}
	feeds := d.Feeds(d.Root, d.Config, set)
	ov := snap.Overlay
	var tri findings.Triage
	var pending func(*findings.Finding) bool
	if ov != nil {
		tri = ov
		pending = func(f *findings.Finding) bool {
			mt, ok := ov.Match(f)
			return ok && mt.Decision != nil && mt.Decision.Pending
		}
	}
	return pipeline.Compute(snap.Findings, tri, pipeline.Options{Pending: pending, Scanners: feeds})
}

// Update handles keys, the computed rows and new snapshots.
func (m *Model) Update(msg tea.Msg) (screen.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case rowsMsg:
		if msg.gen == m.gen {
			m.rows, m.loading = msg.rows, false
		}
		return m, nil
	case screen.SnapshotMsg:
		m.d.Snapshot = msg.Snapshot
		return m, m.compute()
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	n := len(findings.Stages)
	m.note = ""
	switch {
	case key.Matches(msg, m.km.Up):
		m.cursor = max(0, m.cursor-1)
	case key.Matches(msg, m.km.Down):
		m.cursor = min(n-1, m.cursor+1)
	case key.Matches(msg, m.km.Top):
		m.cursor = 0
	case key.Matches(msg, m.km.Bottom):
		m.cursor = n - 1
	case len(msg.Text) == 1 && msg.Text[0] >= '1' && msg.Text[0] <= '8' && msg.Mod == 0:
		m.cursor = int(msg.Text[0] - '1')
	case key.Matches(msg, m.km.Enter):
		st := findings.Stages[m.cursor]
		if m.d.Focus == nil {
			m.note = "focus mode is not available"
			return nil
		}
		if r := m.row(); r != nil && r.Open.Total() == 0 && !m.loading {
			m.note = "no open findings in " + st.String()
			return nil
		}
		return screen.Push(m.d.Focus(st))
	case key.Matches(msg, m.km.Rescan):
		if m.d.Scan == nil {
			m.note = "re-scanning is not available in this build"
			return nil
		}
		return screen.Push(m.d.Scan(findings.Stages[m.cursor]))
	case key.Matches(msg, m.km.Back):
		return screen.Pop(nil)
	}
	return nil
}

func (m *Model) row() *pipeline.Row {
	if m.cursor < len(m.rows) {
		return &m.rows[m.cursor]
	}
	return nil
}

// Cursor is the selected stage.
func (m *Model) Selected() findings.Stage { return findings.Stages[m.cursor] }

// Rows are the rows shown (nil while computing the first time).
func (m *Model) Rows() []pipeline.Row { return m.rows }

// SetSize implements screen.Screen.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Title implements screen.Screen.
func (m *Model) Title() string { return "pipeline" }

// ShortHelp implements screen.Screen.
func (m *Model) ShortHelp() []key.Binding {
	return []key.Binding{m.km.Up, m.km.Down, m.km.Enter, m.km.Rescan, m.km.Back}
}

// FullHelp implements screen.Screen.
func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{{m.km.Up, m.km.Down, m.km.Top, m.km.Bottom}, {m.km.Enter, m.km.Rescan, m.km.Back}}
}

func (m *Model) now() time.Time {
	if m.d.Now != nil {
		return m.d.Now()
	}
	return time.Now()
}

// View renders the eight rows (O(stages + scanners); cached until the rows,
// the cursor, the size, the theme or the minute change).
func (m *Model) View() string {
	st := m.d.Styles()
	k := viewKey{m.gen, m.cursor, m.width, m.height, m.loading, m.note, st, m.now().Unix() / 60}
	if k == m.cacheKey && m.cache != "" {
		return m.cache
	}
	m.cache, m.cacheKey = m.render(st), k
	return m.cache
}

func (m *Model) render(st *theme.Styles) string {
	var b strings.Builder
	title := st.Title.Render("Pipeline") + "  " + st.Muted.Render("shift left: clear each stage, prove each fix with a re-scan")
	if m.loading {
		title += "  " + st.Muted.Render("computing…")
	}
	lines := []string{title, ""}
	head := fmt.Sprintf("  %-9s %5s  %-24s %8s %10s %9s  %-14s %s", "STAGE", "OPEN", "OPEN BY SEVERITY", "ACCEPTED", "SUPPRESSED", "FIXED", "PROGRESS", "SCANNERS (last run)")
	lines = append(lines, st.TableHeader.Render(ansi.Truncate(head, m.width, "…")))
	now := m.now()
	for i, stg := range findings.Stages {
		var r pipeline.Row
		if i < len(m.rows) {
			r = m.rows[i]
		} else {
			r.Stage = stg
		}
		lines = append(lines, m.rowLine(st, i, &r, now))
	}
	lines = append(lines, "")
	if sel := m.row(); sel != nil {
		lines = append(lines, m.feedLines(st, sel, now)...)
	}
	if m.note != "" {
		lines = append(lines, "", st.StatusWarn.Render(safe.Line(m.note)))
	}
	for i, l := range lines {
		if i >= m.height {
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(ansi.Truncate(l, m.width, "…"))
	}
	return b.String()
}

func (m *Model) rowLine(st *theme.Styles, i int, r *pipeline.Row, now time.Time) string {
	sev := func(c pipeline.Counts) string {
		var b strings.Builder
		for j, s := range findings.Severities {
			if j > 0 {
				b.WriteByte(' ')
			}
			n := c[s]
			if n == 0 {
				b.WriteString(st.Muted.Render(fmt.Sprintf("%s%-3s", s.Letter(), "·")))
			} else {
				b.WriteString(st.Sev[s].Render(fmt.Sprintf("%s%-3d", s.Letter(), n)))
			}
		}
		return b.String()
	}
	fixed := strconv.Itoa(r.Fixed.Total())
	if r.Pending > 0 {
		fixed = fmt.Sprintf("%d(%dp)", r.Fixed.Total(), r.Pending)
	}
	const width = 8
	prog := fmt.Sprintf("%-14s", "—")
	if r.Total() > 0 {
		done := int(r.Progress()*width + 0.5)
		prog = strings.Repeat("█", done) + strings.Repeat("░", width-done) + fmt.Sprintf(" %3d%%", int(r.Progress()*100+0.5))
	}
	var feeds []string
	for _, f := range r.Feeds {
		s := safe.Line(f.Name)
		if f.Configured || !f.LastRun.IsZero() {
			s += " " + pipeline.Ago(f.LastRun, now)
		}
		if f.Status != "" && f.Status != "ok" {
			s += " (" + safe.Line(f.Status) + ")"
		}
		feeds = append(feeds, s)
	}
	marker := "  "
	if i == m.cursor {
		marker = "▸ "
	}
	line := fmt.Sprintf("%s%d %-7s %5d  %s %8d %10d %9s  %s  %s", marker, i+1, r.Stage, r.Open.Total(), sev(r.Open), r.Accepted.Total(), r.Suppressed.Total(), fixed, prog, strings.Join(feeds, ", "))
	if i == m.cursor {
		return st.RowSel.Render(ansi.Strip(line))
	}
	return line
}

// feedLines describe the selected stage's scanners.
func (m *Model) feedLines(st *theme.Styles, r *pipeline.Row, now time.Time) []string {
	out := []string{st.Section.Render("Stage " + r.Stage.String())}
	if len(r.Feeds) == 0 {
		out = append(out, st.Muted.Render("  no scanner feeds this stage: configure one under scanners: in .secui.yaml (stage: "+r.Stage.String()+")"))
		return out
	}
	for _, f := range r.Feeds {
		s := "  " + safe.Line(f.Name)
		if f.Configured {
			s += "  configured"
		} else {
			s += "  seen in SARIF"
		}
		s += "  last run: " + pipeline.Ago(f.LastRun, now)
		if f.From != "" {
			s += " (" + f.From + ")"
		}
		if f.Status != "" {
			s += "  status " + safe.Line(f.Status)
		}
		if f.Version != "" {
			s += "  version " + safe.Line(f.Version)
		}
		s += fmt.Sprintf("  %d open", f.Open)
		out = append(out, s)
	}
	return out
}
