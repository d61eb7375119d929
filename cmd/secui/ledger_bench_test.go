package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/match"
	"github.com/secui/secui/findings/repofs"
	"github.com/secui/secui/internal/testutil"
)

// The 100k-decision ledger of issue 12: a gensarif log of 100k results in a
// git repository, every finding suppressed by one bulk `secui suppress
// --all` (the real binary). Built once and cached in the temp directory
// (secui-bench-ledger-<n>/), since the bulk suppression alone takes seconds.
func benchLedgerRepo(b *testing.B, n int) (dir, sarif string) {
	b.Helper()
	src := benchSARIF(b, n)
	dir = filepath.Join(os.TempDir(), fmt.Sprintf("secui-bench-ledger-%d", n))
	sarif = filepath.Join(dir, "scans", "big.sarif")
	if st, err := os.Stat(filepath.Join(dir, ledger.DefaultPath)); err == nil && st.Size() > 0 {
		return dir, sarif
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(filepath.Join(dir, "scans"), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.Link(src, sarif); err != nil {
		data, err := os.ReadFile(src)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(sarif, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	git(b, dir, "init", "-q", "-b", "main")
	git(b, dir, "add", "-A")
	git(b, dir, "commit", "-q", "-m", "scan")
	start := time.Now()
	r := runIn(b, dir, nil, "suppress", "--all", "--reason", "accepted-risk",
		"-j", "bulk accepted for the ledger benchmark of issue 12", "scans/big.sarif")
	if r.code != 0 {
		b.Fatalf("bulk suppress: exit %d\n%s", r.code, r.stderr)
	}
	b.Logf("bulk suppress of %d findings: %.1f s", n, time.Since(start).Seconds())
	return dir, sarif
}

// benchSARIF is a gensarif log of n results, cached in the temp directory
// (the same file findings' BenchmarkLoad100k uses).
func benchSARIF(b *testing.B, n int) string {
	b.Helper()
	p := filepath.Join(os.TempDir(), fmt.Sprintf("secui-bench-%d.sarif", n))
	if _, err := os.Stat(p); err == nil {
		return p
	}
	gen := filepath.Join(testutil.SharedDir(b), "tools", "gensarif")
	if _, err := os.Stat(gen); err != nil {
		b.Skipf("gensarif not available: %v", err)
	}
	out, err := os.Create(p + ".tmp")
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command("go", "run", ".", "-n", fmt.Sprint(n))
	cmd.Dir, cmd.Stdout, cmd.Stderr = gen, out, os.Stderr
	if err := cmd.Run(); err != nil {
		out.Close()
		b.Skipf("gensarif: %v", err)
	}
	out.Close()
	if err := os.Rename(p+".tmp", p); err != nil {
		b.Fatal(err)
	}
	return p
}

// cpuNow is the CPU time (user + system, all threads) this process used so
// far: the figure that holds on a machine shared with other work, where
// wall time mostly measures the neighbours.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// overlayOptsFor is what env.overlayOptions gives in dir: lazy evidence from
// the working tree and git line tracking.
func overlayOptsFor(b *testing.B, dir string) ledger.OverlayOptions {
	root, err := repofs.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	repo, err := gitrepo.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	work := evidence.NewCapturer(root, repo.Head)
	return ledger.OverlayOptions{Match: match.Options{Work: work, Tracker: repo.Tracker(work)}}
}

// BenchmarkLedger100k measures the 100k-decision ledger (issue 12 item 3):
//
//   - open+apply: open the ledger and match it to the 100k findings (the
//     SARIF is loaded once, outside the timing): target <= 0.3 s;
//   - decide-one: one decision (accept, with the overlay) written into it:
//     target <= 0.2 s;
//   - summary-rss: the real binary's `secui summary` with and without the
//     ledger; reports the peak RSS of both and their ratio (target <= 1.5)
//     and the CPU seconds of each.
//
// cpu-ms/op is the process CPU time per operation (GC included), the figure
// to compare on a loaded machine.
func BenchmarkLedger100k(b *testing.B) {
	const n = 100_000
	dir, sarif := benchLedgerRepo(b, n)
	ledgerFile := filepath.Join(dir, ledger.DefaultPath)
	set, err := findings.Load(context.Background(), []string{sarif}, findings.Options{Root: dir})
	if err != nil || len(set.Findings) != n {
		b.Fatalf("loaded %d findings: %v", len(set.Findings), err)
	}
	now := time.Now()

	b.Run("open+apply", func(b *testing.B) {
		st, _ := os.Stat(ledgerFile)
		review := 0
		c0 := cpuNow()
		for b.Loop() {
			l, err := ledger.Open(dir, "")
			if err != nil {
				b.Fatal(err)
			}
			ov := l.Overlay(set.Findings, now, overlayOptsFor(b, dir))
			// Every decision is on its finding or, where another finding
			// of the file has the same text and the file is not in the
			// tree to compare the code, in review; none is lost.
			if len(ov.Orphans()) != 0 || len(ov.Decisions()) != n {
				b.Fatalf("overlay: %s", ov)
			}
			review = len(ov.Review())
		}
		b.ReportMetric(float64((cpuNow()-c0).Milliseconds())/float64(b.N), "cpu-ms/op")
		b.ReportMetric(float64(review), "in-review")
		b.ReportMetric(float64(st.Size())/1e6, "file-MB")
	})

	// apply: open+apply without the open (the matcher and the overlay).
	b.Run("apply", func(b *testing.B) {
		l, err := ledger.Open(dir, "")
		if err != nil {
			b.Fatal(err)
		}
		opts := overlayOptsFor(b, dir)
		b.ReportAllocs()
		c0 := cpuNow()
		for b.Loop() {
			if ov := l.Overlay(set.Findings, now, opts); len(ov.Orphans()) != 0 || len(ov.Decisions()) != n {
				b.Fatalf("overlay: %s", ov)
			}
		}
		b.ReportMetric(float64((cpuNow()-c0).Milliseconds())/float64(b.N), "cpu-ms/op")
	})

	b.Run("decide-one", func(b *testing.B) {
		// A copy: the cached ledger stays the bulk suppression.
		work := b.TempDir()
		git(b, work, "init", "-q", "-b", "main")
		data, err := os.ReadFile(ledgerFile)
		if err != nil {
			b.Fatal(err)
		}
		os.MkdirAll(filepath.Join(work, ".secui"), 0o755)
		if err := os.WriteFile(filepath.Join(work, ledger.DefaultPath), data, 0o644); err != nil {
			b.Fatal(err)
		}
		l, err := ledger.Open(work, "")
		if err != nil {
			b.Fatal(err)
		}
		ov := l.Overlay(set.Findings, now)
		i := 0
		c0 := cpuNow()
		for b.Loop() {
			i++
			f := set.Findings[(i*7919)%n]
			err := l.Decide([]*findings.Finding{f}, ledger.Request{Action: ledger.ActAccept, Note: "tracked in SEC-1",
				Author: "Bench <bench@example.com>", Now: now.Add(time.Duration(i) * time.Second), Overlay: ov})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuNow()-c0).Milliseconds())/float64(b.N), "cpu-ms/op")
	})

	b.Run("summary-rss", func(b *testing.B) {
		plain := filepath.Join(os.TempDir(), fmt.Sprintf("secui-bench-noledger-%d", n))
		if _, err := os.Stat(filepath.Join(plain, ".git")); err != nil {
			os.MkdirAll(plain, 0o755)
			git(b, plain, "init", "-q", "-b", "main")
		}
		var with, without summaryRun
		for b.Loop() {
			without = runSummary(b, plain, sarif)
			with = runSummary(b, dir, sarif)
		}
		b.ReportMetric(float64(without.rss)/1e6, "noledger-RSS-MB")
		b.ReportMetric(float64(with.rss)/1e6, "ledger-RSS-MB")
		b.ReportMetric(float64(with.rss)/float64(without.rss), "RSS-ratio")
		b.ReportMetric(without.cpu.Seconds(), "noledger-cpu-s")
		b.ReportMetric(with.cpu.Seconds(), "ledger-cpu-s")
	})
}

type summaryRun struct {
	rss int64 // bytes
	cpu time.Duration
}

func runSummary(b *testing.B, dir, sarif string) summaryRun {
	// Through /usr/bin/time: the peak RSS the kernel reports for a child of
	// this (large) process would include the parent's memory at fork.
	tf := filepath.Join(b.TempDir(), "time")
	cmd := exec.Command("/usr/bin/time", "-o", tf, "-f", "%M %U %S", secuiBin, "summary", sarif)
	cmd.Dir, cmd.Env = dir, isolatedEnv(b)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("secui summary in %s: %v\n%s", dir, err, out)
	}
	data, err := os.ReadFile(tf)
	if err != nil {
		b.Fatal(err)
	}
	var kb int64
	var user, sys float64
	if _, err := fmt.Sscanf(string(data), "%d %f %f", &kb, &user, &sys); err != nil {
		b.Fatalf("/usr/bin/time output %q: %v", data, err)
	}
	return summaryRun{rss: kb * 1024, cpu: time.Duration((user + sys) * float64(time.Second))}
}
