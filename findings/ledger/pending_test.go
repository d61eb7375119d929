package ledger

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/findings"
)

// A fix waiting for its re-scan keeps Pending and FixSource across a write
// and a re-read. (The identity work owns the final v2 layout; these two
// keys are the ones it documents.)
func TestPendingFixRoundTrip(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	if err := l.Decide([]*findings.Finding{mk(1)}, Request{Action: ActFixed, Author: "A <a@example.com>", Now: now, Pending: true, FixSource: FixFromTool, Note: "applied fix 1"}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, DefaultPath))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "  pending: true\n  fix-source: tool-fix\n") {
		t.Errorf("ledger file:\n%s", data)
	}
	l2, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	d := l2.Get(fid(1))
	if d == nil || d.State != findings.StateFixed || !d.Pending || d.Extra().FixSource != FixFromTool {
		t.Fatalf("re-read: %+v", d)
	}
	// Reopening clears the pending fix.
	if err := l2.Decide([]*findings.Finding{mk(1)}, Request{Action: ActReopen, Author: "A <a@example.com>", Now: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	l3, _ := Open(dir, "")
	if d := l3.Get(fid(1)); d.Pending || d.Extra().FixSource != "" {
		t.Errorf("after reopen: %+v", d)
	}
	if _, err := Parse("x.yaml", []byte("version: 1\ndecisions:\n- id: a000000000000001\n  state: fixed\n  time: 2026-05-01T10:00:00Z\n  pending: maybe\n")); err == nil || !strings.Contains(err.Error(), "want true or false") {
		t.Errorf("bad pending: %v", err)
	}
}
