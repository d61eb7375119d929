package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/tui/focusscreen"
	"github.com/secui/secui/tui/internal/fixture"
	"github.com/secui/secui/tui/pipelinescreen"
)

// shellWithLedger opens the console over fs with a ledger in a temp dir and
// a fixed clock.
func shellWithLedger(t *testing.T, fs []*findings.Finding, w, h int) (*Model, *ledger.Ledger) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_AUTHOR_NAME", "Tess Ter")
	t.Setenv("GIT_AUTHOR_EMAIL", "tess@example.com")
	root := t.TempDir()
	l, err := ledger.Open(root, "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	m, err := New(context.Background(), Options{
		Root: root, Ledger: l, Now: func() time.Time { return now },
		Load: func(ctx context.Context, onFile func(string, []*findings.Finding, error)) (*findings.Set, error) {
			onFile(root+"/a.sarif", fs, nil)
			return &findings.Set{Root: root, Findings: fs}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	m.triage.Prepare()
	t.Cleanup(m.triage.Close)
	_, cmd := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	drive(t, m, cmd)
	drive(t, m, m.Init())
	return m, l
}

func openCount(fs []*findings.Finding, st findings.Stage) (n int, worst findings.Severity) {
	for _, f := range fs {
		if f.Stage == st && !f.InputSup.Hidden() {
			n++
			worst = max(worst, f.Severity)
		}
	}
	return n, worst
}

func TestPipelineAndFocusMode(t *testing.T) {
	fs := fixture.Findings(200)
	m, l := shellWithLedger(t, fs, 200, 50)
	m.press(t, "P")
	p, ok := m.top().(*pipelinescreen.Model)
	if !ok {
		t.Fatalf("P did not open the pipeline: %T\n%s", m.top(), text(m))
	}
	n, worst := openCount(fs, findings.StageCode)
	rows := p.Rows()
	if len(rows) != 8 || rows[findings.StageCode].Open.Total() != n {
		t.Fatalf("pipeline rows %d, code open %v want %d", len(rows), rows, n)
	}
	s := text(m)
	for _, want := range []string{"Pipeline", "STAGE", "1 plan", "2 code", "8 monitor", "enter focus mode"} {
		if !strings.Contains(s, want) {
			t.Errorf("pipeline screen lacks %q:\n%s", want, s)
		}
	}
	m.press(t, "j", "enter") // the code stage
	fm, ok := m.top().(*focusscreen.Model)
	if !ok {
		t.Fatalf("enter did not open focus mode: %T\n%s", m.top(), text(m))
	}
	if want := fmt.Sprintf("code: %d of %d left", n, n); !strings.Contains(text(m), want) {
		t.Fatalf("counter %q missing:\n%s", want, text(m))
	}
	first := fm.Current()
	if first == nil || first.Severity != worst || first.Stage != findings.StageCode {
		t.Fatalf("first finding %v, want the most severe of code (%v)", first, worst)
	}
	if !strings.Contains(text(m), "Details · "+first.ID) {
		t.Fatalf("the finding is not shown:\n%s", text(m))
	}
	m.press(t, "n")
	if fm.Current() == first || fm.Current().Severity > first.Severity {
		t.Fatal("n did not skip to the next (no more severe) finding")
	}
	second := fm.Current()
	// accept it with the triage form: recorded in the ledger, counter down,
	// the triage screen reloads, the pipeline counts follow
	m.press(t, "a")
	if !fm.Capturing() {
		t.Fatal("a did not open the triage form")
	}
	for _, r := range "risk accepted for the demo" {
		_, cmd := m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		drive(t, m, cmd)
	}
	_, cmd := m.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})
	drive(t, m, cmd)
	if fm.Capturing() {
		t.Fatalf("form still open:\n%s", text(m))
	}
	if want := fmt.Sprintf("code: %d of %d left", n-1, n); !strings.Contains(text(m), want) {
		t.Fatalf("counter after accept, want %q:\n%s", want, text(m))
	}
	if fm.Current() == second {
		t.Fatal("focus mode stayed on the accepted finding")
	}
	ov := l.Overlay(fs, time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC), ledger.OverlayOptions{})
	if ov.State(second) != findings.StateAccepted {
		t.Fatalf("ledger state %v", ov.State(second))
	}
	m.press(t, "esc")
	if m.top() != p {
		t.Fatalf("esc did not go back to the pipeline: %T", m.top())
	}
	if got := p.Rows()[findings.StageCode]; got.Open.Total() != n-1 || got.Accepted.Total() != 1 {
		t.Fatalf("pipeline after accept: open %d accepted %d", got.Open.Total(), got.Accepted.Total())
	}
	m.press(t, "esc")
	if len(m.stack) != 1 {
		t.Fatal("esc did not go back to triage")
	}
	// keys the screens of helper "screens" own: explained until linked
	if fixScreen == nil {
		m.press(t, "F")
		if !strings.Contains(text(m), "not available") {
			t.Fatalf("F without the fix screen:\n%s", text(m))
		}
	}
}

// The pipeline screen answers a key within the table's budget at 100k
// findings: the rows are computed once, in a Cmd.
func BenchmarkPipelineKey(b *testing.B) {
	fs := fixture.Findings(100000)
	m := shellOver(b, fs, nil, 200, 50)
	m.press(b, "P")
	if _, ok := m.top().(*pipelinescreen.Model); !ok {
		b.Fatal("no pipeline")
	}
	j, k := key1("j"), key1("k")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg := j
		if i%16 >= 8 {
			msg = k
		}
		m.Update(msg)
		_ = m.View()
	}
}

// Computing the rows (in the background) at 100k findings.
func BenchmarkPipelineRows(b *testing.B) {
	fs := fixture.Findings(100000)
	m := shellOver(b, fs, nil, 200, 50)
	snap := m.triage.Snapshot()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = pipelinescreen.Rows(pipelinescreen.Deps{Root: "/nonexistent", Config: nil, Feeds: noFeeds}, snap)
	}
}

var noFeeds = pipelinescreen.DefaultFeeds
