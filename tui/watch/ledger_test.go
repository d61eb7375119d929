package watch

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
)

// The console watches Ledger.WatchPaths: on a sharded ledger a decision by
// another process (an atomic write of one shard) is reported as that shard.
func TestWatchShardedLedger(t *testing.T) {
	dir := t.TempDir()
	l, err := ledger.Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Upgrade(nil); err != nil {
		t.Fatal(err)
	}
	w, err := New(l.WatchPaths())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	other, _ := ledger.Open(dir, "")
	f := &findings.Finding{ID: "7c00000000000001", Tool: &findings.Tool{Name: "gosec"}, Rule: &findings.Rule{ID: "G101"},
		Loc: findings.Location{Path: "a.go", Line: 3}}
	err = other.Decide([]*findings.Finding{f}, ledger.Request{Action: ledger.ActSuppress, Reason: ledger.FalsePositive,
		Justification: "value is a test fixture, not a real secret", Author: "Ann <ann@example.com>", Now: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	m, ok := next(t, w).(ChangedMsg)
	want := filepath.Join(dir, ".secui", "ledger", "7c.yaml")
	if !ok || !slices.Contains(m.Files, want) {
		t.Fatalf("got %+v, want a change of %s", m, want)
	}
}
