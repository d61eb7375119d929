package triagescreen

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/query"
	"github.com/secui/secui/internal/testutil"
	"github.com/secui/secui/tui/internal/fixture"
)

// pump runs a console's Cmds the way Bubble Tea does — each in its own
// goroutine, results fed back into Update one at a time — and checks inv
// after every Update, until done accepts the model.
type pump struct {
	t    *testing.T
	m    Model
	msgs chan tea.Msg
}

func newPump(t *testing.T, m Model) *pump {
	return &pump{t: t, m: m, msgs: make(chan tea.Msg, 1024)}
}

func (p *pump) start(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				p.start(c)
			}
			return
		}
		if msg != nil {
			p.msgs <- msg
		}
	}()
}

func (p *pump) send(msg tea.Msg) {
	nm, cmd := p.m.update(msg)
	p.m = nm
	p.start(cmd)
}

func (p *pump) until(what string, inv func(Model), done func(Model) bool) {
	p.t.Helper()
	deadline := time.After(30 * time.Second)
	for !done(p.m) {
		select {
		case msg := <-p.msgs:
			if _, ok := msg.(tea.QuitMsg); ok {
				p.t.Fatal("quit")
			}
			p.send(msg)
			if inv != nil {
				inv(p.m)
			}
		case <-deadline:
			p.t.Fatalf("timed out waiting for %s; screen:\n%s", what, screen(p.m))
		}
	}
}

// stateCells are the texts of the state column of the visible rows.
func stateCells(m Model) []string {
	var out []string
	if m.table.Rows() == 0 {
		return nil
	}
	for i, line := range strings.Split(ansi.Strip(m.table.View()), "\n") {
		if i == 0 || strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Fields(line)
		out = append(out, f[len(f)-1])
	}
	return out
}

// A slow reader (a FIFO still being written) and a large ledger: rows of the
// file already read show while the FIFO is fed, their state column says
// loading… (never open) and triage keys wait until the decisions are
// matched; then every suppressed finding is hidden, none shows as open.
func TestStatesNeverGuessedWhileLoading(t *testing.T) {
	root := t.TempDir()
	scans := filepath.Join(root, "scans")
	if err := os.MkdirAll(scans, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(testutil.CorpusFile(t, "DefectDojo-django-DefectDojo/codeQL-output.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	a := filepath.Join(scans, "a.sarif")
	if err := os.WriteFile(a, data, 0o644); err != nil {
		t.Fatal(err)
	}
	slow, err := os.ReadFile(testutil.CorpusFile(t, "microsoft-sarif-sdk/WebGoat.xml.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(scans, "b.sarif")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFO: %v", err)
	}

	// The ledger: every finding of a.sarif suppressed, plus 3000 records of
	// other findings, so opening and matching it takes a while.
	opts := findings.Options{Root: root}
	first, err := findings.Load(context.Background(), []string{a}, opts)
	if err != nil {
		t.Fatal(err)
	}
	suppressed := map[string]bool{}
	for _, f := range first.Findings {
		suppressed[f.ID] = true
	}
	l, err := ledger.Open(root, "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	req := ledger.Request{Action: ledger.ActSuppress, Reason: ledger.FalsePositive,
		Justification: "only reachable from the admin VPN, reviewed", Author: "Tess Ter <tess@example.com>", Now: now}
	if err := l.Decide(append(first.Findings, fixture.Findings(3000)...), req); err != nil {
		t.Fatal(err)
	}

	var opened time.Time
	m, err := New(context.Background(), Options{
		Root: root,
		Load: func(ctx context.Context, onFile func(string, []*findings.Finding, error)) (*findings.Set, error) {
			o := opts
			o.OnFile = onFile
			o.FIFOWait = 20 * time.Second
			return findings.Load(ctx, []string{a, fifo}, o)
		},
		OpenLedger: func() *ledger.Ledger {
			l, _ := ledger.Open(root, "")
			opened = time.Now()
			return l
		},
		Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	m.prepare()
	p := newPump(t, m)
	p.send(tea.WindowSizeMsg{Width: 200, Height: 40})
	p.start(p.m.Init())

	// The invariant, after every message: no row says open while the
	// decisions are not matched, and no suppressed finding ever shows.
	checked := 0
	inv := func(m Model) {
		cells := stateCells(m)
		if m.ov == nil && len(cells) > 0 && !m.table.StatesLoading() {
			t.Fatal("rows shown without states and without saying so")
		}
		if m.table.StatesLoading() {
			for _, c := range cells {
				if c != "loading…" && c != "load…" {
					t.Fatalf("state %q shown before the decisions were matched:\n%s", c, screen(m))
				}
			}
			checked += len(cells)
			return
		}
		for i := 0; i < m.table.Len(); i++ {
			if f := m.table.At(i); f != nil && suppressed[f.ID] {
				t.Fatalf("suppressed finding %s shown after matching:\n%s", f.ID, screen(m))
			}
		}
	}

	// The FIFO's writer writes half, then waits: a.sarif's rows must show.
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(slow[:len(slow)/2]); err != nil {
		t.Fatal(err)
	}
	p.until("a.sarif's rows while the FIFO is fed", inv, func(m Model) bool {
		return m.table.Len() == len(first.Findings) && !m.filtering
	})
	if !p.m.loading || p.m.ov != nil {
		t.Fatal("loading ended before the FIFO was closed")
	}
	if s := screen(p.m); !strings.Contains(s, "loading… 1 file(s)") || !strings.Contains(s, "triage decisions loading") {
		t.Fatalf("no loading progress:\n%s", s)
	}
	// a triage key waits
	p.send(keyMsg("s"))
	if p.m.formOpen || !strings.Contains(p.m.status.Text(), "still loading") {
		t.Fatalf("triage key acted before the decisions were matched: form %v, status %q", p.m.formOpen, p.m.status.Text())
	}
	if _, err := w.Write(slow[len(slow)/2:]); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	p.until("the decisions matched", inv, func(m Model) bool { return m.ov != nil && !m.filtering })
	if opened.IsZero() {
		t.Fatal("the ledger was never opened")
	}
	if checked == 0 {
		t.Fatal("no row was checked while loading")
	}
	if p.m.loading || p.m.table.StatesLoading() {
		t.Fatal("still loading")
	}
	for _, c := range stateCells(p.m) {
		if c == "loading…" || c == "load…" {
			t.Fatalf("loading… after the decisions were matched:\n%s", screen(p.m))
		}
	}
	// all suppressed: only the FIFO's findings remain, plus the hidden count
	if p.m.hidden != len(first.Findings) || p.m.table.Len() == 0 {
		t.Fatalf("hidden %d (want %d), shown %d", p.m.hidden, len(first.Findings), p.m.table.Len())
	}
}

// Batches are merged into the order shown (the same order a full sort
// gives, under a filter), counted incrementally, and the cursor stays on
// the finding the user moved to.
func TestBatchesMergeKeepingCursor(t *testing.T) {
	fs := fixture.Findings(3000)
	step := make(chan struct{})
	m, err := New(context.Background(), Options{
		Root:  "/nonexistent/acme",
		Query: "-path:nothing/**",
		Load: func(ctx context.Context, onFile func(string, []*findings.Finding, error)) (*findings.Set, error) {
			onFile("/nonexistent/acme/a.sarif", fs[:1000], nil)
			<-step
			onFile("/nonexistent/acme/b.sarif", fs[1000:2000], nil)
			<-step
			onFile("/nonexistent/acme/c.sarif", fs[2000:], nil)
			return &findings.Set{Findings: fs}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	m.prepare()
	p := newPump(t, m)
	p.send(tea.WindowSizeMsg{Width: 160, Height: 40})
	p.start(p.m.Init())
	settled := func(n int) func(Model) bool {
		return func(m Model) bool { return m.table.Len() == n && !m.filtering }
	}
	p.until("the first batch", nil, settled(1000))
	if !p.m.loading {
		t.Fatal("loading ended early")
	}
	for range 7 {
		p.send(keyMsg("j"))
	}
	p.until("the moves applied", nil, func(m Model) bool { return m.loop.moveAcc == 0 && !m.loop.moveArmed })
	sel := p.m.table.Selected()
	if sel == nil || p.m.table.Cursor() != 7 {
		t.Fatalf("cursor %d", p.m.table.Cursor())
	}
	step <- struct{}{}
	p.until("the second batch", nil, settled(2000))
	if p.m.table.Selected() != sel {
		t.Fatalf("the cursor left its finding when a batch arrived (row %d)", p.m.table.Cursor())
	}
	if p.m.loop.extends == 0 {
		t.Fatal("the batch was filtered from scratch, not merged")
	}
	want := make([]int32, 2000)
	for i := range want {
		want[i] = int32(i)
	}
	query.Sort(fs, want, p.m.sortKey)
	for i, j := range want {
		if p.m.table.At(i) != fs[j] {
			t.Fatalf("row %d is not what a full sort puts there", i)
		}
	}
	if p.m.total != 2000 || !strings.Contains(screen(p.m), "2000 of 2000") {
		t.Fatalf("total %d:\n%s", p.m.total, screen(p.m))
	}
	step <- struct{}{}
	p.until("everything", nil, func(m Model) bool { return !m.loading && m.table.Len() == 3000 && !m.filtering })
	if p.m.table.Selected() != sel {
		t.Fatal("the cursor left its finding when loading ended")
	}
}
