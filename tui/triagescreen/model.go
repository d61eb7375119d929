// Package triagescreen is the console's triage screen (the bottom of the
// shell's stack): the findings table, the detail pane, the query bar and the
// triage form. Its Model is a router: it owns the layout and the focus, sends
// keys to the focused component, and runs every piece of I/O (loading,
// filtering, reading code, rendering help, writing the ledger) in Cmds whose
// results carry a generation id so stale results are dropped.
package triagescreen

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/query"
	"github.com/secui/secui/tui/detail"
	"github.com/secui/secui/tui/filterbar"
	"github.com/secui/secui/tui/findingtable"
	"github.com/secui/secui/tui/keys"
	"github.com/secui/secui/tui/status"
	"github.com/secui/secui/tui/theme"
	"github.com/secui/secui/tui/triageform"
)

// Options configure the console.
type Options struct {
	Root   string         // repository root (or working directory)
	Repo   *gitrepo.Repo  // nil outside a git repository
	Config *config.Config // nil = defaults
	Paths  []string       // explicit inputs (for display)
	// Load loads the findings, calling onFile after each input file so the
	// console can show the first findings while the rest load.
	Load func(ctx context.Context, onFile func(file string, fs []*findings.Finding, err error)) (*findings.Set, error)
	// LoadPartial, when set, is what the first load calls instead of Load:
	// Load that also hands out provisional findings of a large file while
	// it is read (findings.Options.OnPartial), so rows show before a big
	// file is read to its end. Reloads call Load.
	LoadPartial PartialLoadFunc
	// Query is the initial filter text (query grammar).
	Query string
	// NoColor turns colours off (NO_COLOR is honoured as well).
	NoColor bool
	// Ledger records triage decisions (nil: triage keys explain why they are off).
	Ledger *ledger.Ledger
	// Input is the terminal to read keys from (nil: stdin), e.g. /dev/tty
	// when SARIF is piped into stdin.
	Input *os.File
	// Watch lists the files to watch for changes (scan files and the
	// ledger); a change reloads them, keeping the cursor and the filter.
	Watch func() WatchList
	// OpenLedger, when Ledger is nil, opens the ledger in the background
	// while the findings load (nil result: no ledger).
	OpenLedger func() *ledger.Ledger
	// Now is the clock (nil = time.Now).
	Now func() time.Time
	// WorkTree returns the matcher's view of the working tree (evidence,
	// git line tracking) for one overlay or decision; nil: locations only.
	WorkTree func() ledger.OverlayOptions
	// Blame blames one line for the detail pane, in the background (nil:
	// Repo's cached gitrepo.Blamer; none outside a git repository).
	Blame func(ctx context.Context, path string, line int) (*gitrepo.Blame, error)
	// FirstRows, if set, is called once, from the View that first shows
	// finding rows; it must return at once (the console turns the
	// collector back on from it, see cmd/secui).
	FirstRows func()
}

type focus int

const (
	focusTable focus = iota
	focusDetail
	focusFilter
)

// Model is the root model of the console.
type Model struct {
	ctx    context.Context
	cancel context.CancelFunc
	opts   Options

	pal       theme.Palette
	st        *theme.Styles
	themeMode string // auto, dark, light
	noColor   bool
	km        keys.KeyMap

	table  findingtable.Model
	det    detail.Model
	bar    filterbar.Model
	status *status.Model // the shell shows it below every screen
	help   help.Model

	focus      focus
	showDetail bool // toggled layout: detail pane shown instead of the table
	moved      bool // the user moved the cursor (reloads keep the selection)
	width      int
	height     int
	layout     Layout

	// data
	set      *findings.Set
	fs       []*findings.Finding
	loading  bool
	loadCh   chan tea.Msg
	files    []string // loaded input files (display names)
	loadErrs []string
	loadErr  error
	details  func(*findings.Finding) (*findings.Details, error)

	// filtering
	textQ      *query.Query
	floor      int // severity floor, -1 = none
	stage      int // stage facet, -1 = none
	showSupp   bool
	hideQual   bool // Q: only security findings (kind:security)
	sortKey    query.SortKey
	groupBy    query.GroupBy
	filterGen  int
	filterStop context.CancelFunc
	filtering  bool
	total      int
	hidden     int
	ribbon     [8][5]int
	lastFilter time.Duration
	perm       []int32 // cached sort permutation of permFs by permKey
	permKey    query.SortKey
	permFs     []*findings.Finding

	// detail
	detailTag int
	detailGen int
	helpCache map[string]string
	helpReq   map[string]bool

	// triage: the ledger matched to fs (immutable; replaced, never changed)
	ov          *ledger.Overlay
	ovSeq       uint64
	form        triageform.Model
	formOpen    bool
	formTargets []*findings.Finding

	loop loopState // loading, live reloads, key coalescing (loading.go)

	// git context of the selection: blame (cancelled when the selection
	// moves on) and CODEOWNERS (loaded once)
	blame     func(ctx context.Context, path string, line int) (*gitrepo.Blame, error)
	blameGen  int
	blameStop context.CancelFunc
	owners    *gitrepo.Codeowners

	// reloads after screen.ChangedMsg
	reloadGen     int
	reloadPending bool
	loadVer       int // bumped by every batch, load and reload (Snapshot.Version)

	err error // fatal error, returned by Run
}

// New builds the console model. It fails on a bad configuration (e.g. an
// unknown action in ui.keys).
func New(ctx context.Context, opts Options) (Model, error) {
	cfg := opts.Config
	if cfg == nil {
		cfg = config.Default()
	}
	km, err := keys.Default().WithOverrides(cfg.UI.Keys)
	if err != nil {
		return Model{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	m := Model{
		ctx: ctx, cancel: cancel, opts: opts,
		pal:       theme.DefaultPalette(),
		themeMode: strings.ToLower(cfg.UI.Theme),
		noColor:   opts.NoColor || os.Getenv("NO_COLOR") != "",
		km:        km,
		floor:     -1, stage: -1,
		helpCache: map[string]string{},
		helpReq:   map[string]bool{},
		loading:   opts.Load != nil,
	}
	m.loop.ledgerOpening = opts.Ledger == nil && opts.OpenLedger != nil && opts.Load != nil
	m.loop.view = &viewCache{}
	if cfg.UI.Sort != "" {
		if k, err := query.ParseSortKey(cfg.UI.Sort); err == nil {
			m.sortKey = k
		}
	}
	if cfg.UI.Group != "" {
		if g, err := query.ParseGroupBy(cfg.UI.Group); err == nil {
			m.groupBy = g
		}
	}
	m.st = theme.New(m.pal, m.themeMode != "light", m.noColor)
	m.table = findingtable.New(m.st, km)
	m.det = detail.New(m.st, km)
	m.bar = filterbar.New(m.st, opts.Query)
	st := status.New(m.st)
	m.status = &st
	m.help = help.New()
	m.help.Styles = m.st.Help
	if opts.Query != "" {
		q, err := query.Parse(opts.Query)
		if err != nil {
			m.bar.SetError(err.Error())
		} else {
			m.textQ = q
		}
	}
	if opts.Ledger != nil && opts.Ledger.Err() != nil {
		m.status.Flash(status.Warn, "ledger "+opts.Ledger.RelPath()+" is invalid, triage is off until it is fixed: "+firstLine(opts.Ledger.Err().Error()), 0)
	}
	m.blame = opts.Blame
	if m.blame == nil && opts.Repo != nil {
		m.blame = opts.Repo.NewBlamer(gitrepo.BlameOptions{}).Blame
	}
	m.updateFacets()
	m.updateEmpty()
	return m, nil
}

// Init starts loading and asks the terminal for its background colour.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, m.loadOwnersCmd()}
	if m.opts.Load != nil {
		cmds = append(cmds, startLoading(m.ctx, m.loop.loadGen, m.opts.Load, m.opts.LoadPartial, m.opts.Ledger, m.opts.OpenLedger, m.now(), m.workTree, m.loadCh))
	}
	return tea.Batch(cmds...)
}

// workTree is Options.WorkTree, or nothing (locations only).
func (m *Model) workTree() ledger.OverlayOptions {
	if m.opts.WorkTree == nil {
		return ledger.OverlayOptions{}
	}
	return m.opts.WorkTree()
}

// prepare finishes New for a program run: the load channel.
func (m *Model) prepare() {
	if m.opts.Load != nil && m.loadCh == nil {
		m.loadCh = make(chan tea.Msg, 16)
	}
}

// Err is the error the console ended with (nil after a normal quit).
func (m Model) Err() error { return m.err }

func (m *Model) setStyles(isDark bool) {
	m.st = theme.New(m.pal, isDark, m.noColor)
	m.table.SetStyles(m.st)
	m.det.SetStyles(m.st)
	m.bar.SetStyles(m.st)
	m.status.SetStyles(m.st)
	m.help.Styles = m.st.Help
	clear(m.helpCache)
	clear(m.helpReq)
}

func (m *Model) resize(w, h int) tea.Cmd {
	m.width, m.height = w, h
	m.showDetail = m.focus == focusDetail // toggled layout: the focused pane shows
	// The layout is the window's: the shell's status line and footer are
	// its last ShellRows rows, below this screen.
	m.layout = ComputeLayout(w, h+ShellRows, m.bar.Height(), m.showDetail)
	l := m.layout
	m.bar.SetWidth(w)
	m.help.SetWidth(w)
	tr, dr := l.Table, l.Detail
	if l.Mode == Toggled { // the hidden pane keeps its size, ready to show
		tr, dr = l.Body, l.Body
	}
	m.table.SetSize(tr.W, tr.H)
	m.det.SetSize(dr.W, dr.H)
	if m.formOpen {
		m.form.SetWidth(min(100, w-4))
	}
	return m.requestHelp()
}

func (m *Model) repoName() string {
	if m.opts.Repo != nil && m.opts.Repo.Origin != nil && m.opts.Repo.Origin.Repo != "" {
		r := m.opts.Repo.Origin
		if r.Owner != "" {
			return r.Owner + "/" + r.Repo
		}
		return r.Repo
	}
	if m.opts.Root != "" {
		return filepath.Base(m.opts.Root)
	}
	return "secui"
}

func (m *Model) chromaStyle() string { return m.st.ChromaStyle }

func (m *Model) updateEmpty() {
	switch {
	case m.loading && len(m.fs) == 0:
		m.table.SetEmpty("Loading scan results…")
	case len(m.fs) == 0:
		var b strings.Builder
		if m.loadErr != nil {
			b.WriteString(m.loadErr.Error() + "\n\n")
		} else {
			b.WriteString("No findings loaded.\n\n")
		}
		b.WriteString("secui reads SARIF files (**/*.sarif) in this repository. Produce some, e.g.:\n")
		b.WriteString("  semgrep scan --sarif -o semgrep.sarif\n")
		b.WriteString("  gosec -fmt sarif -out gosec.sarif ./...\n")
		b.WriteString("  trivy fs --format sarif -o trivy.sarif .\n")
		b.WriteString("then start secui again, or pass files: secui path/to/scan.sarif")
		m.table.SetEmpty(b.String())
	case m.showSupp:
		m.table.SetEmpty("No suppressed findings match. H goes back to the open findings.")
	default:
		m.table.SetEmpty("No findings match the filter. ctrl+l clears the filters; H shows suppressed findings.")
	}
}
