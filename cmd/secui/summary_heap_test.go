package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/secui/secui/findings/config"
)

func TestHeapPrepSize(t *testing.T) {
	for _, c := range []struct {
		total, avail, want int64
	}{
		{0, -1, 0},
		{heapPrepMin - 1, -1, 0},        // small input: nothing to prepare
		{128 << 20, -1, 96 << 20},       // 3/4 of the input, in whole chunks
		{128 << 20, 1 << 30, 96 << 20},  // plenty of memory
		{128 << 20, 256 << 20, 0},       // memory is short: nothing
		{100 << 30, -1, heapPrepMax},    // bounded
		{10<<20 + 12345, -1, 4 << 20},   // rounded down to a chunk
		{heapPrepMin, 1 << 40, 4 << 20}, // the smallest input prepared
		{math.MaxInt64 / 2, -1, heapPrepMax},
	} {
		if got := heapPrepSize(c.total, c.avail); got != c.want {
			t.Errorf("heapPrepSize(%d, %d) = %d, want %d", c.total, c.avail, got, c.want)
		}
	}
}

func TestMemAvailable(t *testing.T) {
	if _, err := os.Stat("/proc/meminfo"); err != nil {
		t.Skip("no /proc/meminfo")
	}
	if n := memAvailable(); n <= 0 {
		t.Fatalf("memAvailable() = %d", n)
	}
}

func TestParseCount(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"123456", 123456, true}, {"9223372036854771712", 9223372036854771712, true},
		{"", 0, false}, {"max", 0, false}, {"-1", 0, false}, {"12 ", 0, false}, {"99999999999999999999", 0, false},
	} {
		if got, ok := parseCount(c.in); got != c.want || ok != c.ok {
			t.Errorf("parseCount(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// The collector is off while a big input loads and back to its settings
// after, whichever comes first: the load hook's collection or the end.
func TestPrepareHeapRestoresCollector(t *testing.T) {
	p, pct, lim := bigHeapInput(t)

	done := prepareHeap([]string{p, "-", filepath.Join(t.TempDir(), "missing")})
	if !heapPrepSupported {
		done()
		return
	}
	if got := debug.SetGCPercent(-1); got != -1 {
		debug.SetGCPercent(pct)
		t.Fatalf("GC percent while loading = %d, want -1 (off)", got)
	}
	limLoad := debug.SetMemoryLimit(-1)
	if limLoad == lim || limLoad <= 0 {
		t.Errorf("memory limit while loading = %d, want a bound", limLoad)
	}
	if heapPrepDone.Load() == nil {
		t.Error("no preparation under way")
	}
	// The load hook puts the collector back as it was.
	if err := heapLoadHook(context.Background(), nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetMemoryLimit(-1); got != lim {
		t.Errorf("memory limit once loaded = %d, want %d (the one before)", got, lim)
	}
	if got := debug.SetGCPercent(pct); got != pct {
		t.Errorf("GC percent once loaded = %d, want %d", got, pct)
	}
	if heapPrepDone.Load() != nil {
		t.Error("preparation still marked as under way once loaded")
	}
	runtime.GC() // the limit's notice may fire now: harmless
	done()
	done() // twice is fine
	if got := debug.SetGCPercent(pct); got != pct {
		t.Errorf("GC percent after = %d, want %d", got, pct)
	}
	if got := debug.SetMemoryLimit(-1); got != lim {
		t.Errorf("memory limit after = %d, want %d", got, lim)
	}
	if heapPrepDone.Load() != nil {
		t.Error("preparation still marked as under way")
	}
}

func TestPrepareHeapSmallInputNoop(t *testing.T) {
	p := filepath.Join(t.TempDir(), "small.sarif")
	if err := os.WriteFile(p, []byte(`{"version":"2.1.0","runs":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	pct := debug.SetGCPercent(-1)
	debug.SetGCPercent(pct)
	done := prepareHeap([]string{p})
	if got := debug.SetGCPercent(pct); got != pct {
		t.Errorf("GC percent = %d, want %d (untouched)", got, pct)
	}
	done()
	if heapPrepDone.Load() != nil {
		t.Error("a preparation for a small input")
	}
}

func TestLedgerPresent(t *testing.T) {
	dir := t.TempDir()
	e := &env{Root: dir, Config: &config.Config{}}
	if ledgerPresent(e) {
		t.Fatal("ledger present in an empty directory")
	}
	if !ledgerPresent(&env{Config: &config.Config{}}) || !ledgerPresent(&env{Root: dir}) {
		t.Error("a ledger that cannot be checked should count as present")
	}
	if err := os.MkdirAll(filepath.Join(dir, ".secui", "ledger"), 0o755); err != nil { // the shard directory
		t.Fatal(err)
	}
	if !ledgerPresent(e) {
		t.Error("shard directory not seen")
	}
	other := &env{Root: dir, Config: &config.Config{Ledger: "triage/decisions.yaml"}}
	if ledgerPresent(other) {
		t.Error("configured ledger seen where there is none")
	}
	if err := os.MkdirAll(filepath.Join(dir, "triage"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "triage", "decisions.yaml"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if !ledgerPresent(other) {
		t.Error("configured ledger file not seen")
	}
}

// Without a ledger the load hook keeps the collector off under a lower
// limit; the end of the command restores both.
func TestHeapLoadHookWithoutLedger(t *testing.T) {
	p, pct, lim := bigHeapInput(t)
	done := prepareHeap([]string{p})
	if !heapPrepSupported {
		done()
		return
	}
	limLoad := debug.SetMemoryLimit(-1)
	if err := heapLoadHook(context.Background(), &env{Root: t.TempDir(), Config: &config.Config{}}, nil); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetGCPercent(-1); got != -1 {
		debug.SetGCPercent(pct)
		t.Errorf("GC percent once loaded without a ledger = %d, want -1 (still off)", got)
	}
	if got := debug.SetMemoryLimit(-1); got > limLoad || got == lim {
		t.Errorf("memory limit once loaded = %d, want a bound at most %d", got, limLoad)
	}
	done()
	if got := debug.SetGCPercent(pct); got != pct {
		t.Errorf("GC percent after = %d, want %d", got, pct)
	}
	if got := debug.SetMemoryLimit(-1); got != lim {
		t.Errorf("memory limit after = %d, want %d", got, lim)
	}
}

// bigHeapInput writes an input large enough for prepareHeap to act on and
// returns it with the collector's current settings (GC percent, memory
// limit), for the test to check they come back; it skips the test when the
// machine has too little memory for a prepared heap.
func bigHeapInput(t *testing.T) (p string, pct int, lim int64) {
	t.Helper()
	if avail := memAvailable(); avail >= 0 && avail < 1<<30 {
		t.Skip("little memory available")
	}
	p = filepath.Join(t.TempDir(), "big.sarif")
	if err := os.WriteFile(p, make([]byte, heapPrepMin+heapPrepChunk), 0o600); err != nil {
		t.Fatal(err)
	}
	pct = debug.SetGCPercent(-1)
	debug.SetGCPercent(pct)
	return p, pct, debug.SetMemoryLimit(-1)
}
