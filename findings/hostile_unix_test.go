//go:build unix

package findings

import (
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// An explicit FIFO with no writer is given up after FIFOWait, with a clear
// error, and the good file beside it loads; the wait is cancellable; a FIFO
// with a writer is read like any stream.
func TestFIFONoWriterDoesNotBlock(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.sarif")
	writeFile(t, good, goodSARIF)
	fifo := filepath.Join(dir, "scan.sarif")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	start := time.Now()
	s := mustLoad(t, []string{fifo, good}, Options{FIFOWait: 200 * time.Millisecond})
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
	if len(s.Findings) != 2 {
		t.Errorf("good file: %d findings", len(s.Findings))
	}
	if len(s.Errors) != 1 || !strings.Contains(s.Errors[0].Error(), "scan.sarif: FIFO has no writer") {
		t.Errorf("errors %v", s.Errors)
	}

	// Cancelled while waiting: Load returns the context's error at once.
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	start = time.Now()
	_, err := Load(ctx, []string{fifo}, Options{FIFOWait: time.Hour})
	if !errors.Is(err, context.Canceled) || time.Since(start) > 5*time.Second {
		t.Errorf("cancelled load: %v after %v", err, time.Since(start))
	}

	// With a writer: read as a stream (as <(cmd) and - are).
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			w.WriteString(goodSARIF)
			w.Close()
		}
	}()
	s = mustLoad(t, []string{fifo}, Options{FIFOWait: 5 * time.Second})
	if len(s.Findings) != 2 || len(s.Errors) != 0 {
		t.Errorf("FIFO with a writer: %d findings, errors %v", len(s.Findings), s.Errors)
	}
}

// A stalled stream (a writer that never writes) is cancellable too.
func TestStalledStreamCancels(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "stall.sarif")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			f.WriteString(`{"version":"2.1.0","runs":[`)
			time.Sleep(3 * time.Second) // stalls, then goes away
			f.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Load(ctx, []string{fifo}, Options{})
	if err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("stalled stream: %v after %v", err, time.Since(start))
	}
}

// Discovery follows a symlinked *.sarif only to a regular file inside the
// repository; every other entry it does not load is reported with why.
func TestDiscoverSymlinksReported(t *testing.T) {
	repo := gitRepo(t)
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "evil.sarif"), goodSARIF)
	writeFile(t, filepath.Join(repo, "scans", "real.sarif"), goodSARIF)
	writeFile(t, filepath.Join(repo, "other", "gosec.json"), goodSARIF)
	writeFile(t, filepath.Join(repo, ".git", "x.sarif"), goodSARIF)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(filepath.Join(outside, "evil.sarif"), filepath.Join(repo, "out.sarif"))) // out of the repo
	must(os.Symlink("other/gosec.json", filepath.Join(repo, "in.sarif")))                    // inside: followed
	must(os.Symlink("scans/real.sarif", filepath.Join(repo, "dup.sarif")))                   // same file as a direct one
	must(os.Symlink(".git/x.sarif", filepath.Join(repo, "git.sarif")))                       // into .git
	must(os.Symlink("missing.sarif", filepath.Join(repo, "broken.sarif")))                   // dangling
	must(os.Symlink("scans", filepath.Join(repo, "dir.sarif")))                              // a folder
	must(syscall.Mkfifo(filepath.Join(repo, "pipe.sarif"), 0o644))                           // would block
	paths, skipped, err := DiscoverAll(repo, nil, nil)
	must(err)
	var got []string
	for _, p := range paths {
		rel, _ := filepath.Rel(repo, p)
		got = append(got, rel)
	}
	if strings.Join(got, ",") != "dup.sarif,in.sarif" && strings.Join(got, ",") != "in.sarif,scans/real.sarif" {
		t.Errorf("discovered %v, want in.sarif and one of dup.sarif / scans/real.sarif", got)
	}
	reasons := map[string]string{}
	for _, s := range skipped {
		reasons[s.File] = s.Msg
	}
	want := map[string]string{
		"out.sarif":    "skipped: symlink leads out of the repository",
		"git.sarif":    "skipped: path is inside .git",
		"broken.sarif": "skipped: broken symlink",
		"dir.sarif":    "skipped: symlink to a folder (not followed)",
		"pipe.sarif":   "skipped: a FIFO (pass it explicitly to read it)",
	}
	for f, msg := range want {
		if reasons[f] != msg {
			t.Errorf("%s: reason %q, want %q", f, reasons[f], msg)
		}
	}
	// Load of the repository directory reports them in Set.Skipped and
	// loads what discovery found, without waiting on the FIFO.
	s := mustLoad(t, []string{repo}, Options{Root: repo})
	if len(s.Skipped) != len(want) || len(s.Errors) != 0 || len(s.Findings) != 2 {
		t.Errorf("Load: %d skipped, errors %v, %d findings", len(s.Skipped), s.Errors, len(s.Findings))
	}
}

// Inputs that cannot be re-read (compressed files, FIFOs) are streamed
// through a spool file when large: the findings and their details (decoded
// later, from the spool) match the plain file's, results-first runs
// (decoded again once the tool is known) included.
func TestSpooledInputsMatchPlainFile(t *testing.T) {
	dir := t.TempDir()
	for _, resultsFirst := range []bool{false, true} {
		log := genSARIF(1500, resultsFirst)
		plain := filepath.Join(dir, "plain.sarif")
		writeFile(t, plain, log)
		gz := filepath.Join(dir, "log.sarif.gz")
		var b strings.Builder
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(log))
		zw.Close()
		writeFile(t, gz, b.String())
		fifo := filepath.Join(dir, "log.fifo")
		os.Remove(fifo)
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		go func() {
			if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
				w.WriteString(log)
				w.Close()
			}
		}()
		want := summaryOf(t, loadWithThreshold(t, plain, 1<<40))
		for _, p := range []string{gz, fifo} {
			s := loadWithThreshold(t, p, 1) // streamed: spooled
			if len(s.Errors) != 0 || len(s.Findings) != 1500 {
				t.Fatalf("%s: %d findings, errors %v", p, len(s.Findings), s.Errors)
			}
			if s.src[s.Findings[0].Sources[0].File].spool == nil {
				t.Errorf("%s: not spooled", p)
			}
			if got := summaryOf(t, s); got != want {
				t.Errorf("%s (resultsFirst=%v): spooled load differs from the plain file's", p, resultsFirst)
			}
			s.Close()
		}
	}
}
