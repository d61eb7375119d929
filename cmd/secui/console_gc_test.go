package main

import (
	"runtime/debug"
	"testing"
)

// consoleGCOff turns the collector off under a memory limit, and its
// restore puts both settings back (once: a second call changes nothing).
func TestConsoleGCOffRestores(t *testing.T) {
	pct := debug.SetGCPercent(100)
	lim := debug.SetMemoryLimit(-1)
	defer func() { debug.SetGCPercent(pct); debug.SetMemoryLimit(lim) }()
	restore := consoleGCOff()
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Errorf("GC percent while off: %d, want -1", p)
	}
	if l := debug.SetMemoryLimit(-1); l > consoleGCLimit {
		t.Errorf("memory limit while off: %d, want at most %d", l, consoleGCLimit)
	}
	restore()
	if p := debug.SetGCPercent(100); p != 100 {
		t.Errorf("GC percent restored: %d, want 100", p)
	}
	if l := debug.SetMemoryLimit(-1); l != lim {
		t.Errorf("memory limit restored: %d, want %d", l, lim)
	}
	debug.SetGCPercent(50)
	restore()
	if p := debug.SetGCPercent(100); p != 50 {
		t.Errorf("a second restore changed the GC percent to %d", p)
	}
}
