package runner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/internal/testutil"
)

// fixedRepo scans goRepo with gosec (stored results, a record), then fixes
// G114 in the working tree: a successful scan now would mark it fixed.
func fixedRepo(t *testing.T, gosec string) (dir string, l *ledger.Ledger, clk *clock, stored []byte) {
	t.Helper()
	dir = goRepo(t)
	l, err := ledger.Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	clk = &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	if r := scanOnce(t, dir, gosecScanner(t, gosec), l, clk); !r.Success() {
		t.Fatalf("first scan: %s %s", r.Exec.Status, r.Exec.Reason)
	}
	writeFile(t, filepath.Join(dir, "serve.go"), testutil.GoServeFixed)
	stored, err = os.ReadFile(filepath.Join(dir, ".secui/scans/gosec.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, l, clk, stored
}

// A run that fails in any way stores nothing and marks nothing fixed; its
// record keeps the last successful run and notes the attempt.
func TestFailedRunsProveNothing(t *testing.T) {
	gosec := testutil.Gosec(t)
	badSARIF := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"gosec"}},"results":[{"ruleId":"G1","message":{"text":"x"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"main.go"},"region":{"startLine":"nine"}}}]}]}]}`
	unsuccessful := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"gosec","version":"2.30.0"}},"invocations":[{"executionSuccessful":false,"toolExecutionNotifications":[{"level":"error","message":{"text":"could not load packages"}}]}],"results":[]}]}`
	cases := []struct {
		name   string
		edit   func(s *config.Scanner, dir string)
		ctx    func() (context.Context, context.CancelFunc)
		status Status
		reason string
	}{
		{"exit code", func(s *config.Scanner, _ string) { s.Run = []string{gosec, "-fmt", "sarif", "./..."} }, nil, StatusFailed, "exited with status 1"},
		{"timeout", func(s *config.Scanner, _ string) { s.Timeout = 20 * time.Millisecond }, nil, StatusTimeout, "timed out after 20ms"},
		{"cancelled", nil, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 30*time.Millisecond)
		}, StatusCancelled, "interrupted"},
		{"partial", func(s *config.Scanner, dir string) {
			writeFile(t, filepath.Join(dir, "broken.go"), "package main\n\nfunc broken() int { return undefinedThing }\n")
		}, nil, StatusPartial, "has type errors"},
		{"not installed", func(s *config.Scanner, _ string) { s.Run = []string{"gosec-not-here-" + strconv.Itoa(os.Getpid())} }, nil, StatusNotInstalled, "is not installed"},
		{"no sarif", func(s *config.Scanner, _ string) { s.Run = []string{"sh", "-c", "echo scanning; echo done"} }, nil, StatusBadSARIF, "does not load"},
		{"bad sarif", func(s *config.Scanner, dir string) {
			writeFile(t, filepath.Join(dir, "bad.json"), badSARIF)
			s.Run = []string{"cat", "bad.json"}
		}, nil, StatusBadSARIF, "startLine"},
		{"execution unsuccessful", func(s *config.Scanner, dir string) {
			writeFile(t, filepath.Join(dir, "u.json"), unsuccessful)
			s.Run = []string{"cat", "u.json"}
		}, nil, StatusUnsuccessful, "could not load packages"},
		{"output file missing", func(s *config.Scanner, dir string) {
			s.Run, s.Output = []string{"true"}, "build/gosec.sarif"
			writeFile(t, filepath.Join(dir, "build/gosec.sarif"), "stale from an earlier run")
		}, nil, StatusBadSARIF, "did not write it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, l, clk, stored := fixedRepo(t, gosec)
			s := gosecScanner(t, gosec)
			if tc.edit != nil {
				tc.edit(s, dir)
			}
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tc.ctx != nil {
				ctx, cancel = tc.ctx()
			}
			defer cancel()
			cfg := config.Default()
			cfg.Scanners = []config.Scanner{*s}
			res, _ := Scan(ctx, ScanOptions{Options: Options{Root: dir, Now: clk.now}, Config: cfg, Scanners: []*config.Scanner{s}, Ledger: l})
			if len(res) != 1 {
				t.Fatalf("%d results", len(res))
			}
			r := res[0]
			if r.Exec.Status != tc.status || !strings.Contains(r.Exec.Reason, tc.reason) {
				t.Fatalf("status %s %q, want %s containing %q", r.Exec.Status, r.Exec.Reason, tc.status, tc.reason)
			}
			if r.Stored || r.Class != nil || len(r.Fixed) != 0 {
				t.Errorf("stored %v class %v fixed %v", r.Stored, r.Class, r.Fixed)
			}
			if n := len(l.Decisions()); n != 0 {
				t.Errorf("%d ledger records written, want none", n)
			}
			if _, err := os.Stat(l.Path()); err == nil {
				t.Errorf("ledger file written")
			}
			now, _ := os.ReadFile(filepath.Join(dir, ".secui/scans/gosec.sarif"))
			if !bytes.Equal(now, stored) {
				t.Errorf("stored results changed")
			}
			ents, _ := os.ReadDir(filepath.Join(dir, ".secui/scans"))
			for _, e := range ents {
				if strings.Contains(e.Name(), ".tmp") {
					t.Errorf("temporary file left: %s", e.Name())
				}
			}
			rec, err := ReadRecord(dir, s)
			if err != nil || rec == nil || !rec.Success || rec.Findings != 7 || rec.LastAttempt == nil || rec.LastAttempt.Status != tc.status {
				t.Errorf("record %+v (last attempt %+v), %v", rec, rec.LastAttempt, err)
			}
		})
	}
}

// Tracker tokens never reach a scanner; configured variables do.
func TestScannerEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("JIRA_API_TOKEN", "secret-jira")
	t.Setenv("GITHUB_TOKEN", "secret-gh")
	t.Setenv("SECUI_JIRA_TOKEN", "secret-secui")
	s := &config.Scanner{Name: "envdump", Stages: []string{"code"}, ExitCodes: []int{0}, Timeout: time.Minute,
		Run: []string{"sh", "-c", "env >&2; echo '{}'"}, Env: map[string]string{"SCAN_MODE": "offline"}}
	var out strings.Builder
	x := Execute(context.Background(), s, Options{Root: dir, Progress: func(e Event) {
		if e.Kind == EventLine {
			out.WriteString(e.Line + "\n")
		}
	}})
	x.Discard()
	env := out.String()
	if strings.Contains(env, "secret-") {
		t.Errorf("a token reached the scanner:\n%s", env)
	}
	if !strings.Contains(env, "SCAN_MODE=offline") || !strings.Contains(env, "PATH=") {
		t.Errorf("environment lacks SCAN_MODE or PATH:\n%s", env)
	}
}
