package runner

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/rescan"
	"github.com/secui/secui/internal/testutil"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=Dev", "GIT_AUTHOR_EMAIL=dev@example.com",
		"GIT_COMMITTER_NAME=Dev", "GIT_COMMITTER_EMAIL=dev@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// goRepo is a git repository with a small Go program gosec finds seven
// problems in (six in main.go, G114 in serve.go).
func goRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), testutil.GoMod)
	writeFile(t, filepath.Join(dir, "main.go"), testutil.GoMain)
	writeFile(t, filepath.Join(dir, "serve.go"), testutil.GoServe)
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", "-A")
	git(t, dir, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "app")
	return dir
}

func gosecScanner(t *testing.T, gosec string) *config.Scanner {
	t.Helper()
	return &config.Scanner{Name: "gosec", Stages: []string{"code"}, Run: []string{gosec, "-fmt", "sarif", "-no-fail", "./..."},
		Timeout: 5 * time.Minute, ExitCodes: []int{0}, PartialOn: []string{"has type errors"}}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { c.t = c.t.Add(time.Second); return c.t }

func scanOnce(t *testing.T, dir string, s *config.Scanner, l *ledger.Ledger, clk *clock) *ScanResult {
	t.Helper()
	cfg := config.Default()
	cfg.Scanners = []config.Scanner{*s}
	head := git(t, dir, "rev-parse", "HEAD")
	res, err := Scan(context.Background(), ScanOptions{Options: Options{Root: dir, Now: clk.now}, Config: cfg,
		Scanners: []*config.Scanner{s}, Ledger: l, Commit: head, Author: "Dev <dev@example.com>"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 {
		t.Fatalf("%d results", len(res))
	}
	return res[0]
}

func outcomes(r *ScanResult) map[string]string {
	m := map[string]string{}
	for _, it := range r.Class.Items {
		b := r.Before[it.Before]
		m[b.F.RuleID()+"@"+b.F.Loc.Path] = it.Outcome.String() + map[bool]string{true: " (" + it.Why + ")", false: ""}[it.Why != ""]
	}
	return m
}

// The scenario with the real gosec: scan, fix one problem by editing
// the file (and introduce another), re-scan: exactly that finding is fixed in
// the ledger with the scan's evidence, the others are still open, the new one
// is listed.
func TestRescanProvesFix(t *testing.T) {
	gosec := testutil.Gosec(t)
	dir := goRepo(t)
	s := gosecScanner(t, gosec)
	l, err := ledger.Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}

	first := scanOnce(t, dir, s, l, clk)
	if !first.Success() || !first.Stored {
		t.Fatalf("first scan: %s %s %v", first.Exec.Status, first.Exec.Reason, first.Err)
	}
	if len(first.Before) != 0 || len(first.Class.New) != 7 {
		t.Fatalf("first scan: %d before, %d new; want 0 and 7", len(first.Before), len(first.Class.New))
	}
	rec, err := ReadRecord(dir, s)
	if err != nil || rec == nil {
		t.Fatalf("record: %v %v", rec, err)
	}
	head := git(t, dir, "rev-parse", "HEAD")
	if rec.Scanner != "gosec" || rec.Tool != "gosec" || rec.Version != "2.30.0" || rec.Commit != head || !rec.Success ||
		rec.Findings != 7 || len(rec.Identity) != 7 || rec.ExitCode != 0 || rec.Coverage != "dir" || rec.Results != ".secui/scans/gosec.sarif" {
		t.Errorf("record = %+v", rec)
	}
	if !rec.Start.Before(rec.End) || rec.Start.Year() != 2026 {
		t.Errorf("record times %v .. %v, want the injected clock", rec.Start, rec.End)
	}
	if _, err := os.Stat(filepath.Join(dir, ".secui/scans/gosec.sarif")); err != nil {
		t.Fatal(err)
	}

	// The stored results are discovered (the default exclude skips .secui/).
	cfg := config.Default()
	cfg.Scanners = []config.Scanner{*s}
	in, err := cfg.Inputs(dir)
	if err != nil || len(in) != 1 || !strings.HasSuffix(in[0], ".secui/scans/gosec.sarif") {
		t.Fatalf("Inputs = %v, %v", in, err)
	}

	// Fix G114 and introduce G306 in serve.go; move main.go's code down.
	writeFile(t, filepath.Join(dir, "serve.go"), testutil.GoServeFixed)
	writeFile(t, filepath.Join(dir, "main.go"), strings.Replace(testutil.GoMain, "package main\n", "package main\n\n// Command app does things.\n// It is an example.\n", 1))
	git(t, dir, "-c", "commit.gpgsign=false", "commit", "-qam", "fix G114")

	second := scanOnce(t, dir, s, l, clk)
	if !second.Success() {
		t.Fatalf("second scan: %s %s %v", second.Exec.Status, second.Exec.Reason, second.Err)
	}
	got := outcomes(second)
	want := map[string]string{
		"G114@serve.go": "fixed",
		"G401@main.go":  "moved", "G204@main.go": "moved", "G304@main.go": "moved",
		"G501@main.go": "moved", "G702@main.go": "moved", "G703@main.go": "moved",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("outcomes %v, want %v", got, want)
	}
	if len(second.Class.New) != 1 || second.Class.New[0].RuleID() != "G306" {
		t.Errorf("new findings %v, want G306", ruleIDs(second.Class.New))
	}
	if len(second.Fixed) != 1 {
		t.Fatalf("fixed records %v, want one", second.Fixed)
	}
	d := l.Get(second.Fixed[0])
	head2 := git(t, dir, "rev-parse", "HEAD")
	if d == nil || d.State != findings.StateFixed || d.Rule != "G114" || d.Pending || d.Extra().Scan == nil ||
		d.Extra().Scan.Scanner != "gosec" || d.Extra().Scan.Version != "2.30.0" || d.Extra().Scan.Commit != head2 || !d.Extra().Scan.Time.Equal(second.Exec.End.UTC()) {
		t.Fatalf("ledger record = %+v (scan %+v)", d, d.Extra().Scan)
	}
	// Only that one decision exists, and it is fixed on disk too.
	if n := len(l.Decisions()); n != 1 {
		t.Errorf("%d decisions, want 1", n)
	}
	l2, err := ledger.Open(dir, "")
	if err != nil || l2.Get(d.ID) == nil || l2.Get(d.ID).State != findings.StateFixed {
		t.Fatalf("re-read ledger: %+v %v", l2.Get(d.ID), err)
	}
	rec, _ = ReadRecord(dir, s)
	if len(rec.Fixed) != 1 || rec.Fixed[0].ID != d.ID || rec.Fixed[0].Severity == "" || rec.Fixed[0].Stage != "code" {
		t.Errorf("record.Fixed = %+v", rec.Fixed)
	}

	// A third scan with nothing changed: nothing new, nothing fixed again,
	// the fixed entry is kept for counting.
	third := scanOnce(t, dir, s, l, clk)
	if len(third.Fixed) != 0 || len(third.Class.New) != 0 || third.Class.Count(rescan.Open) != 7 {
		t.Errorf("third scan: fixed %v new %v outcomes %v", third.Fixed, ruleIDs(third.Class.New), outcomes(third))
	}
	if rec, _ = ReadRecord(dir, s); len(rec.Fixed) != 1 {
		t.Errorf("record.Fixed after a quiet scan = %+v", rec.Fixed)
	}

	// Regression: the problem comes back; its fixed record is reopened.
	writeFile(t, filepath.Join(dir, "serve.go"), testutil.GoServe)
	fourth := scanOnce(t, dir, s, l, clk)
	if len(fourth.Reopened) != 1 || fourth.Reopened[0] != d.ID {
		t.Fatalf("reopened %v, want %s (outcomes %v)", fourth.Reopened, d.ID, outcomes(fourth))
	}
	if d := l.Get(d.ID); d.State != findings.StateOpen || !strings.Contains(d.Extra().Note, "regressed") {
		t.Errorf("after the regression: %+v", d)
	}
}

func ruleIDs(fs []*findings.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.RuleID()+"@"+f.Loc.String())
	}
	return out
}

// A fix waiting for a scan ("fixed (pending scan)", as `secui fix` records
// it) is proven by the re-scan on the same ledger record; a pending fix the
// scanner still reports is reopened.
func TestRescanProvesPendingFix(t *testing.T) {
	gosec := testutil.Gosec(t)
	dir := goRepo(t)
	s := gosecScanner(t, gosec)
	l, err := ledger.Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	first := scanOnce(t, dir, s, l, clk)
	var g114, g401 *findings.Finding
	for _, f := range first.Class.New {
		switch f.RuleID() {
		case "G114":
			g114 = f
		case "G401":
			g401 = f
		}
	}
	if g114 == nil || g401 == nil {
		t.Fatalf("first scan: %v", ruleIDs(first.Class.New))
	}
	for _, f := range []*findings.Finding{g114, g401} {
		if err := l.Decide([]*findings.Finding{f}, ledger.Request{Action: ledger.ActFixed, Pending: true, FixSource: ledger.FixByHand,
			Author: "Dev <dev@example.com>", Now: clk.now()}); err != nil {
			t.Fatal(err)
		}
	}
	// Only serve.go is edited: G114 is fixed, G401 is not.
	writeFile(t, filepath.Join(dir, "serve.go"), testutil.GoServeFixed)
	second := scanOnce(t, dir, s, l, clk)
	if len(second.Fixed) != 1 || second.Fixed[0] != g114.ID || len(second.Reopened) != 1 || second.Reopened[0] != g401.ID {
		t.Fatalf("fixed %v reopened %v (outcomes %v)", second.Fixed, second.Reopened, outcomes(second))
	}
	d := l.Get(g114.ID)
	if d.State != findings.StateFixed || d.Pending || d.Extra().FixSource != ledger.FixByHand || d.Extra().Scan == nil || d.Extra().Scan.Scanner != "gosec" {
		t.Errorf("proven fix: %+v", d)
	}
	if d := l.Get(g401.ID); d.State != findings.StateOpen || d.Pending || !strings.Contains(d.Extra().Note, "still reported by gosec 2.30.0 after the fix") {
		t.Errorf("fix that did not work: %+v", d)
	}
	if n := len(l.Decisions()); n != 2 {
		t.Errorf("%d ledger records, want 2 (the decisions were updated, not duplicated)", n)
	}
}
