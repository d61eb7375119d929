package ledger

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
)

// benchLedger writes a ledger of n suppressions, each with the evidence a
// real decision records (line and context hashes, tokens, symbol, commit),
// and returns its directory and the findings it was decided on.
func benchLedger(b *testing.B, n int, withEvidence bool) (string, []*findings.Finding) {
	b.Helper()
	fs := make([]*findings.Finding, n)
	ds := make([]*Decision, n)
	for i := range fs {
		f := mk(i)
		f.Loc.Line = 10 + i%500
		fs[i] = f
		ev := evidence.Evidence{Path: f.Loc.Path, Line: f.Loc.Line, Col: 5, Commit: "8121508aa0c7b31b83530c6e36b9ab5f72a2da40",
			LineHash: uint32(i*2654435761 + 1), Symbol: fmt.Sprintf("func (*Server).handler%d", i%40)}
		for j := range 12 {
			ev.Tokens = append(ev.Tokens, uint32(j*7919+i))
		}
		for j := range 6 {
			ev.Context = append(ev.Context, uint32(j*104729+i))
		}
		ds[i] = &Decision{ID: f.ID, State: findings.StateSuppressed, Reason: FalsePositive,
			Justification: "value is a test fixture, not a real secret", Author: "Alice Example <alice@example.com>",
			Time: t0, Tool: f.ToolName(), Rule: f.RuleID(), Path: f.Loc.Path, Keys: f.Keys,
			History: []Event{{Time: t0, Author: "Alice Example <alice@example.com>", Action: ActSuppress, State: findings.StateSuppressed,
				Reason: FalsePositive, Justification: "value is a test fixture, not a real secret"}}}
		if withEvidence {
			ds[i].Evidence = ev
		}
	}
	dir := b.TempDir()
	os.MkdirAll(filepath.Join(dir, ".secui"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, DefaultPath), Marshal(ds), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir, fs
}

// BenchmarkOpenOverlay: open a ledger of N decisions (read, parse, validate)
// and match it to N findings that all still carry their id (issue 12: 100k
// open + apply <= 0.3 s).
func BenchmarkOpenOverlay(b *testing.B) {
	for _, c := range []struct {
		n  int
		ev bool
	}{{10_000, true}, {100_000, true}, {10_000, false}, {100_000, false}} {
		name := fmt.Sprint(c.n/1000, "k")
		if !c.ev {
			name += "-noevidence"
		}
		n := c.n
		b.Run(name, func(b *testing.B) {
			dir, fs := benchLedger(b, n, c.ev)
			st, _ := os.Stat(filepath.Join(dir, DefaultPath))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				l, err := Open(dir, "")
				if err != nil {
					b.Fatal(err)
				}
				if o := l.Overlay(fs, t0); len(o.Orphans()) != 0 {
					b.Fatal("orphans")
				}
			}
			b.ReportMetric(float64(st.Size())/1e6, "file-MB")
		})
	}
}

// BenchmarkOpen: parse only.
func BenchmarkOpen(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n/1000, "k"), func(b *testing.B) {
			dir, _ := benchLedger(b, n, true)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := Open(dir, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecideOne: one decision written into a ledger of N records.
func BenchmarkDecideOne(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n/1000, "k"), func(b *testing.B) {
			dir, fs := benchLedger(b, n, true)
			l, err := Open(dir, "")
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				i++
				if err := l.Decide(fs[i%n:i%n+1], Request{Action: ActAccept, Note: "tracked in SEC-1", Author: "B <b@example.com>", Now: t0.Add(time.Duration(i) * time.Second)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
