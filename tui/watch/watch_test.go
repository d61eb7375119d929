package watch

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func next(t *testing.T, w *Watcher) any {
	t.Helper()
	ch := make(chan any, 1)
	go func() { ch <- w.Next()() }()
	select {
	case m := <-ch:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no change reported")
	}
	return nil
}

// A write, an atomic replace (rename over the file) and a burst of writes to
// two files are each reported once; other files in the directory are not.
func TestWatcherReportsWatchedFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.sarif"), filepath.Join(dir, "sub", "ledger.yaml")
	if err := os.MkdirAll(filepath.Dir(b), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w, err := New([]string{a, b, "relative/ignored"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.Watching() != 2 {
		t.Fatalf("watching %d directories, want 2", w.Watching())
	}
	// an unrelated file first: not reported; then a write to a
	_ = os.WriteFile(filepath.Join(dir, "other.txt"), []byte("x"), 0o644)
	time.Sleep(50 * time.Millisecond)
	_ = os.WriteFile(a, []byte(`{"runs":[]}`), 0o644)
	m, ok := next(t, w).(ChangedMsg)
	if !ok || !slices.Equal(m.Files, []string{a}) {
		t.Fatalf("got %#v, want a change of %s", m, a)
	}
	// an atomic replace of b
	tmp := filepath.Join(filepath.Dir(b), ".tmp")
	_ = os.WriteFile(tmp, []byte("v2"), 0o644)
	if err := os.Rename(tmp, b); err != nil {
		t.Fatal(err)
	}
	m, ok = next(t, w).(ChangedMsg)
	if !ok || !slices.Equal(m.Files, []string{b}) {
		t.Fatalf("got %#v, want a change of %s", m, b)
	}
	// a burst over both: one message
	for i := 0; i < 5; i++ {
		_ = os.WriteFile(a, []byte{byte('0' + i)}, 0o644)
		_ = os.WriteFile(b, []byte{byte('0' + i)}, 0o644)
	}
	m, ok = next(t, w).(ChangedMsg)
	if !ok || !slices.Equal(m.Files, []string{a, b}) {
		t.Fatalf("got %#v, want one change of both", m)
	}
	w.Close()
	if got := w.Next()(); got != nil {
		t.Fatalf("closed watcher returned %#v", got)
	}
}

// A file in a directory that does not exist yet (the ledger before the
// first decision) is reported once the directory and the file appear.
func TestWatcherSeesDirectoryAppear(t *testing.T) {
	dir := t.TempDir()
	led := filepath.Join(dir, ".secui", "ledger.yaml")
	w, err := New([]string{led})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := os.MkdirAll(filepath.Dir(led), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(led, []byte("version: 2"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, ok := next(t, w).(ChangedMsg)
	if !ok || !slices.Equal(m.Files, []string{led}) {
		t.Fatalf("got %#v, want a change of %s", m, led)
	}
}
