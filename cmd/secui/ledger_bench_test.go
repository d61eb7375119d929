package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
// --all` (the real binary). Built once per binary and cached in the temp
// directory (secui-bench-ledger-<n>-<binary digest>/), since the bulk
// suppression alone takes seconds: a ledger an older secui wrote (another
// format, other records) is never measured as if this one had written it.
// The cache is built under another name and renamed into place, so runs in
// other worktrees never see half of one; caches older than a day go.
func benchLedgerRepo(b *testing.B, n int) (dir, sarif string) {
	b.Helper()
	src := benchSARIF(b, n)
	prefix := filepath.Join(os.TempDir(), fmt.Sprintf("secui-bench-ledger-%d-", n))
	dir = prefix + fileDigest(b, secuiBin)[:16]
	sarif = filepath.Join(dir, "scans", "big.sarif")
	if _, err := os.Stat(filepath.Join(dir, ledger.DefaultPath)); err == nil {
		return dir, sarif
	}
	old, _ := filepath.Glob(prefix + "*")
	for _, o := range old {
		if st, err := os.Stat(o); err == nil && time.Since(st.ModTime()) > 24*time.Hour {
			os.RemoveAll(o)
		}
	}
	build := fmt.Sprintf("%s.tmp%d", dir, os.Getpid())
	os.RemoveAll(build)
	defer os.RemoveAll(build)
	if err := os.MkdirAll(filepath.Join(build, "scans"), 0o755); err != nil {
		b.Fatal(err)
	}
	tmpSARIF := filepath.Join(build, "scans", "big.sarif")
	if err := os.Link(src, tmpSARIF); err != nil {
		data, err := os.ReadFile(src)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(tmpSARIF, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	git(b, build, "init", "-q", "-b", "main")
	git(b, build, "add", "-A")
	git(b, build, "commit", "-q", "-m", "scan")
	start := time.Now()
	r := runIn(b, build, nil, "suppress", "--all", "--reason", "accepted-risk",
		"-j", "bulk accepted for the ledger benchmark of issue 12", "scans/big.sarif")
	if r.code != 0 {
		b.Fatalf("bulk suppress: exit %d\n%s", r.code, r.stderr)
	}
	b.Logf("bulk suppress of %d findings: %.1f s", n, time.Since(start).Seconds())
	if err := os.Rename(build, dir); err != nil {
		// Another run renamed its copy into place first: use that one.
		if _, serr := os.Stat(filepath.Join(dir, ledger.DefaultPath)); serr != nil {
			b.Fatal(err)
		}
	}
	return dir, sarif
}

// fileDigest is the SHA-256 of a file, in hex.
func fileDigest(b *testing.B, path string) string {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		b.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
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
//   - open: the ledger opened (read and parsed) alone;
//   - apply: the matcher and the overlay alone (the ledger opened once);
//   - open+apply-sharded, decide-one-sharded: the same on a copy of the
//     ledger upgraded to the sharded format (schema v3, .secui/ledger/);
//   - summary-rss: the real binary's `secui summary` with and without the
//     ledger; reports the peak RSS of both and their ratio (target <= 1.5)
//     and the CPU seconds of each, for both formats.
//
// cpu-ms/op is the process CPU time per operation (GC included), the figure
// to compare on a loaded machine.
func BenchmarkLedger100k(b *testing.B) {
	const n = 100_000
	dir, sarif := benchLedgerRepo(b, n)
	set, err := findings.Load(context.Background(), []string{sarif}, findings.Options{Root: dir})
	if err != nil || len(set.Findings) != n {
		b.Fatalf("loaded %d findings: %v", len(set.Findings), err)
	}
	now := time.Now()

	dir3 := benchShardedRepo(b, dir, n)
	for _, c := range []struct{ suffix, dir string }{{"", dir}, {"-sharded", dir3}} {
		b.Run("open+apply"+c.suffix, func(b *testing.B) {
			benchOpenApply(b, c.dir, set, now, n)
		})
		b.Run("open"+c.suffix, func(b *testing.B) {
			c0 := cpuNow()
			for b.Loop() {
				if l, err := ledger.Open(c.dir, ""); err != nil || len(l.Decisions()) != n {
					b.Fatalf("open: %v", err)
				}
			}
			b.ReportMetric(float64((cpuNow()-c0).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
		b.Run("decide-one"+c.suffix, func(b *testing.B) {
			benchDecideOne(b, c.dir, set, now, n)
		})
	}

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

	b.Run("summary-rss", func(b *testing.B) {
		plain := filepath.Join(os.TempDir(), fmt.Sprintf("secui-bench-noledger-%d", n))
		if _, err := os.Stat(filepath.Join(plain, ".git")); err != nil {
			os.MkdirAll(plain, 0o755)
			git(b, plain, "init", "-q", "-b", "main")
		}
		var with, with3, without summaryRun
		for b.Loop() {
			without = runSummary(b, plain, sarif)
			with = runSummary(b, dir, sarif)
			with3 = runSummary(b, dir3, sarif)
		}
		b.ReportMetric(float64(without.rss)/1e6, "noledger-RSS-MB")
		b.ReportMetric(float64(with.rss)/1e6, "ledger-RSS-MB")
		b.ReportMetric(float64(with.rss)/float64(without.rss), "RSS-ratio")
		b.ReportMetric(float64(with3.rss)/1e6, "sharded-RSS-MB")
		b.ReportMetric(float64(with3.rss)/float64(without.rss), "sharded-RSS-ratio")
		b.ReportMetric(without.cpu.Seconds(), "noledger-cpu-s")
		b.ReportMetric(with.cpu.Seconds(), "ledger-cpu-s")
		b.ReportMetric(with3.cpu.Seconds(), "sharded-cpu-s")
	})
}

// benchShardedRepo is a copy of the 100k ledger repository with the ledger
// upgraded to the sharded format (schema v3), cached next to it under the
// same binary-keyed name (src + "-v3"), built under another name and renamed
// into place like the single-file cache.
func benchShardedRepo(b *testing.B, src string, n int) string {
	b.Helper()
	dir := src + "-v3"
	if st, err := os.Stat(filepath.Join(dir, ".secui", "ledger")); err == nil && st.IsDir() {
		return dir
	}
	build := fmt.Sprintf("%s.tmp%d", dir, os.Getpid())
	os.RemoveAll(build)
	defer os.RemoveAll(build)
	if out, err := exec.Command("cp", "-a", src, build).CombinedOutput(); err != nil {
		b.Fatalf("copy: %v\n%s", err, out)
	}
	l, err := ledger.Open(build, "")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := l.Upgrade(nil); err != nil {
		b.Fatal(err)
	}
	os.RemoveAll(dir)
	if err := os.Rename(build, dir); err != nil {
		b.Fatal(err)
	}
	return dir
}

func benchOpenApply(b *testing.B, dir string, set *findings.Set, now time.Time, n int) {
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
	b.ReportMetric(float64(ledgerBytes(b, dir))/1e6, "file-MB")
}

// ledgerBytes is the size of dir's ledger: the single file, or every file
// of the sharded directory.
func ledgerBytes(b *testing.B, dir string) int64 {
	var n int64
	err := filepath.WalkDir(filepath.Join(dir, ".secui"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name := d.Name(); d.Type().IsRegular() && strings.HasPrefix(p, filepath.Join(dir, ".secui", "ledger")) && strings.HasSuffix(name, ".yaml") {
			info, err := d.Info()
			if err != nil {
				return err
			}
			n += info.Size()
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// benchDecideOne: one decision (accept, with the overlay) written into a
// copy of the ledger (the cached one stays the bulk suppression).
func benchDecideOne(b *testing.B, dir string, set *findings.Set, now time.Time, n int) {
	work := b.TempDir()
	git(b, work, "init", "-q", "-b", "main")
	if out, err := exec.Command("cp", "-a", filepath.Join(dir, ".secui"), filepath.Join(work, ".secui")).CombinedOutput(); err != nil {
		b.Fatalf("copy: %v\n%s", err, out)
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
