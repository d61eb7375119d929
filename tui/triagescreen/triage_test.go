package triagescreen

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/tui/detail"
	"github.com/secui/secui/tui/internal/fixture"
)

var ctrlS = tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}

func triageModel(t *testing.T, n int) (Model, []*findings.Finding, string) {
	t.Helper()
	// No git identity configured (the machine's own must not leak in): the
	// author comes from the environment.
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("EMAIL", "")
	t.Setenv("GIT_AUTHOR_NAME", "Tess Ter")
	t.Setenv("GIT_AUTHOR_EMAIL", "tess@example.com")
	root := t.TempDir()
	l, err := ledger.Open(root, "")
	if err != nil {
		t.Fatal(err)
	}
	fs := fixture.Findings(n)
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	m := newModel(t, fs, 120, 40, func(o *Options) {
		o.Root = root
		o.Ledger = l
		o.Now = func() time.Time { return now }
	})
	return m, fs, root
}

func TestSuppressWithForm(t *testing.T) {
	m, _, root := triageModel(t, 20)
	target := m.table.Selected()
	m = press(t, m, "s")
	if !m.formOpen || !strings.Contains(screen(m), "Suppress") || !strings.Contains(screen(m), "false-positive") {
		t.Fatalf("suppress form not open:\n%s", screen(m))
	}
	m = press(t, m, "right", "right") // reason: used-in-tests
	if m.form.Reason() != ledger.UsedInTests {
		t.Fatalf("reason %s", m.form.Reason())
	}
	m = press(t, m, "tab")
	m = typeText(t, m, "fp")
	m, _ = send(t, m, ctrlS)
	if !m.formOpen || !strings.Contains(screen(m), "✗ justification") {
		t.Fatalf("short justification accepted:\n%s", screen(m))
	}
	m.form.SetText("Only reachable from the test fixtures loader")
	m = press(t, m, "tab")
	m = typeText(t, m, "2020-01-01")
	m, _ = send(t, m, ctrlS)
	if !m.formOpen || !strings.Contains(m.form.Error(), "not in the future") {
		t.Fatalf("past expiry accepted: %q", m.form.Error())
	}
	m.form.SetDate("90d")
	m, _ = send(t, m, ctrlS)
	if m.formOpen {
		t.Fatalf("form still open: %q", m.form.Error())
	}
	if m.ov.State(target) != findings.StateSuppressed || m.table.Len() != 19 {
		t.Fatalf("state %v, shown %d", m.ov.State(target), m.table.Len())
	}
	if !strings.Contains(m.status.Text(), "suppressed 1 finding(s)") {
		t.Fatalf("status %q", m.status.Text())
	}
	data, err := os.ReadFile(filepath.Join(root, ".secui", "ledger.yaml"))
	if err != nil || !strings.Contains(string(data), "Only reachable from the test fixtures loader") || !strings.Contains(string(data), "used-in-tests") {
		t.Fatalf("ledger file: %v\n%s", err, data)
	}
	// the suppressed lane shows it, with its history
	m = press(t, m, "H")
	if m.table.Len() != 1 {
		t.Fatalf("suppressed lane has %d", m.table.Len())
	}
	m = press(t, m, "j") // from the lane header to the finding
	content, _ := detail.Render(m.det.Data(), 200, m.st)
	s := screen(m) + ansi.Strip(content)
	for _, want := range []string{"Suppressed here (ledger) (1)", "ledger: suppressed (used-in-tests) by Tess Ter", "Decision history", "suppress (used-in-tests)  Tess Ter"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	// undo brings it back
	m = press(t, m, "u")
	if m.ov.State(target) != findings.StateOpen || !strings.Contains(m.status.Text(), "undid") {
		t.Fatalf("undo: state %v status %q", m.ov.State(target), m.status.Text())
	}
	m = press(t, m, "H")
	if m.table.Len() != 20 {
		t.Fatalf("after undo %d shown", m.table.Len())
	}
	m = press(t, m, "u")
	if !strings.Contains(m.status.Text(), "nothing to undo") {
		t.Fatalf("second undo: %q", m.status.Text())
	}
}

func TestBulkAcceptAndReopen(t *testing.T) {
	m, _, _ := triageModel(t, 20)
	m = press(t, m, "space", "space", "space")
	marked := m.table.Marked()
	if len(marked) != 3 {
		t.Fatalf("marked %d", len(marked))
	}
	m = press(t, m, "a")
	if !m.formOpen || !strings.Contains(screen(m), "Accept 3 findings") {
		t.Fatalf("accept form:\n%s", screen(m))
	}
	m = typeText(t, m, "tracked in JIRA-12")
	m = press(t, m, "esc") // asks before dropping the typed note
	if !m.formOpen || !strings.Contains(screen(m), "esc again drops what you typed") {
		t.Fatalf("esc dropped the typed note without asking:\n%s", screen(m))
	}
	m = press(t, m, "esc")
	if m.formOpen {
		t.Fatal("esc did not cancel")
	}
	if m.ov.State(marked[0]) != findings.StateOpen {
		t.Fatal("cancel wrote a decision")
	}
	m = press(t, m, "a")
	m = typeText(t, m, "tracked in JIRA-12")
	m, _ = send(t, m, ctrlS)
	for _, f := range marked {
		if m.ov.State(f) != findings.StateAccepted {
			t.Fatalf("%s: %v", f.ID, m.ov.State(f))
		}
	}
	if m.table.NumMarked() != 0 || m.table.Len() != 20 {
		t.Fatalf("marks %d, shown %d (accepted stay visible)", m.table.NumMarked(), m.table.Len())
	}
	// select all in the view, reopen in bulk
	m = press(t, m, "V", "r")
	for _, f := range marked {
		if m.ov.State(f) != findings.StateOpen {
			t.Fatalf("reopen: %s %v", f.ID, m.ov.State(f))
		}
	}
	if !strings.Contains(m.status.Text(), "reopened 20 finding(s)") {
		t.Fatalf("status %q", m.status.Text())
	}
}

func TestTriageWithoutLedger(t *testing.T) {
	m := newModel(t, fixture.Findings(5), 100, 30)
	m = press(t, m, "s")
	if m.formOpen || !strings.Contains(m.status.Text(), "needs a ledger") {
		t.Fatalf("form %v status %q", m.formOpen, m.status.Text())
	}
}

func TestLedgerAppliedOnLoad(t *testing.T) {
	t.Setenv("GIT_AUTHOR_NAME", "Tess Ter")
	root := t.TempDir()
	fs := fixture.Findings(10)
	l, _ := ledger.Open(root, "")
	if err := l.Decide(fs[:2], ledger.Request{Action: ledger.ActSuppress, Reason: ledger.FalsePositive, Justification: "the sink is a constant string", Author: "A <a@b>", Now: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	l2, _ := ledger.Open(root, "")
	m := newModel(t, fixture.Findings(10), 100, 30, func(o *Options) { o.Root = root; o.Ledger = l2 })
	if m.table.Len() != 8 || !strings.Contains(screen(m), "2 suppressed hidden (H)") {
		t.Fatalf("shown %d:\n%s", m.table.Len(), screen(m))
	}
	_ = context.Background()
}

func TestInvalidLedger(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, ".secui"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, ".secui", "ledger.yaml"), []byte("version: 1\ndecisions:\n- id: nothex\n  state: maybe\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(root, "")
	if l == nil {
		t.Fatalf("open: %v", err)
	}
	if l.Err() == nil {
		t.Skip("ledger accepted the broken file")
	}
	m := newModel(t, fixture.Findings(5), 120, 30, func(o *Options) { o.Root = root; o.Ledger = l })
	if !strings.Contains(screen(m), "is invalid, triage is off") {
		t.Fatalf("no warning:\n%s", screen(m))
	}
	m = press(t, m, "s")
	if m.formOpen || !strings.Contains(m.status.Text(), "the ledger is invalid") {
		t.Fatalf("triage on an invalid ledger: form %v, %q", m.formOpen, m.status.Text())
	}
}

// The console shows how each decision matched (detail pane) and flags the
// findings whose decision needs review (state column "review", a warning
// in the detail pane); their state counts as open.
func TestConsoleShowsMatchAndReview(t *testing.T) {
	root := t.TempDir()
	fs := fixture.Findings(10)
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	moved := (ledger.Decision{
		ID:     "00000000000000aa",
		State:  findings.StateAccepted,
		Author: "A <a@b>",
		Time:   at,
		Tool:   fs[0].ToolName(),
		Rule:   fs[0].RuleID(),
		Path:   fs[0].Loc.Path,
		Keys:   fs[0].Keys,
	}).With(ledger.Extra{
		Note: "tracked in SEC-4",
	}) // decided under an older id
	review := (ledger.Decision{
		ID:            fs[1].ID,
		State:         findings.StateSuppressed,
		Reason:        ledger.Mitigated,
		Justification: "behind the WAF rule 942100",
		Author:        "A <a@b>",
		Time:          at,
		Keys:          fs[1].Keys,
	}).With(ledger.Extra{
		Review: "both branches changed this record differently",
	})
	os.MkdirAll(filepath.Join(root, ".secui"), 0o755)
	if err := os.WriteFile(filepath.Join(root, ledger.DefaultPath), ledger.Marshal([]*ledger.Decision{moved, review}), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(root, "")
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(t, fs, 200, 40, func(o *Options) { o.Root = root; o.Ledger = l })
	if m.ov.State(fs[1]) != findings.StateOpen || m.table.Len() != 10 {
		t.Fatalf("a record in review hides its finding: %v, %d shown", m.ov.State(fs[1]), m.table.Len())
	}
	row := func(f *findings.Finding) string {
		for _, line := range strings.Split(screen(m), "\n") {
			if strings.Contains(line, f.Loc.String()+" ") {
				return line
			}
		}
		return ""
	}
	if r := row(fs[1]); !strings.Contains(r, " rev? ") { // "review" when the column is wider
		t.Errorf("state column of the finding in review: %q\n%s", r, screen(m))
	}
	if r := row(fs[0]); !strings.Contains(r, " acc ") {
		t.Errorf("state column of the accepted finding: %q", r)
	}
	detailOf := func(f *findings.Finding) string {
		m.table.SetCursor(m.table.IndexOf(f))
		m.selectionChanged(true)
		content, _ := detail.Render(m.det.Data(), 200, m.st)
		return ansi.Strip(content)
	}
	if d := detailOf(fs[0]); !strings.Contains(d, "matched exact key (fingerprint) (decided as 00000000000000aa)") || !strings.Contains(d, "accepted") {
		t.Errorf("detail of the moved decision:\n%s", d)
	}
	if d := detailOf(fs[1]); !strings.Contains(d, "NEEDS REVIEW both branches changed this record differently") {
		t.Errorf("detail of the finding in review:\n%s", d)
	}
}

// A blame that takes forever never holds up keys: the cursor moves at once,
// the pending blame is cancelled when the selection moves on, and the blame
// of the line the cursor rests on lands in the detail pane.
func TestSlowBlameDoesNotBlockKeys(t *testing.T) {
	var slow atomic.Bool
	slow.Store(true)
	var started, cancelled atomic.Int32
	authored := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	blame := func(ctx context.Context, path string, line int) (*gitrepo.Blame, error) {
		started.Add(1)
		if slow.Load() {
			<-ctx.Done() // a huge file with a long history
			cancelled.Add(1)
			return nil, ctx.Err()
		}
		return &gitrepo.Blame{Path: path, Line: line, Status: gitrepo.BlameCommitted, Commit: "0123456789abcdef0123456789abcdef01234567",
			Author: "Ada \x1b[31mAuthor", Email: "ada@example.com", AuthorTime: authored, Summary: "add the handler"}, nil
	}
	fs := fixture.Findings(50)
	for _, f := range fs {
		f.Loc.InRepo, f.Loc.Line = true, max(f.Loc.Line, 3)
	}
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	m := newModel(t, fs, 200, 50, func(o *Options) {
		o.Blame = blame
		o.Now = func() time.Time { return now }
	})
	if started.Load() == 0 {
		t.Fatal("no blame started for the first selection")
	}
	if !strings.Contains(screen(m), "blame blaming…") {
		t.Fatalf("pending blame not shown:\n%s", screen(m))
	}
	for i := 1; i <= 3; i++ {
		done := make(chan Model, 1)
		go func() {
			nm, _ := m.update(keyMsg("j"))
			nm, _ = nm.update(frameTickMsg{}) // the frame: gathered moves show
			done <- nm
		}()
		select {
		case m = <-done:
		case <-time.After(2 * time.Second):
			t.Fatal("a key waited for the blame")
		}
		if m.table.Cursor() != i {
			t.Fatalf("cursor %d after %d j", m.table.Cursor(), i)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for cancelled.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if cancelled.Load() == 0 {
		t.Fatal("the first selection's blame was not cancelled when the cursor moved")
	}
	slow.Store(false)
	m = press(t, m, "j") // rests on a line whose blame answers
	s := screen(m)
	if !strings.Contains(s, `blame Ada Author <ada@example.com>, 3 days ago (2026-11-25), 0123456 "add the handler"`) {
		t.Fatalf("blame not shown (or not sanitised):\n%s", s)
	}
	if strings.Contains(m.view().Content, "\x1b[31mAuthor") {
		t.Fatal("control sequence from a commit reached the screen")
	}
}
