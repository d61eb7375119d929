package findings

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

// partialLog records what Load hands out, in order.
type partialLog struct {
	mu       sync.Mutex
	partials [][]*Finding
	snaps    []Finding // copies taken when handed out
	final    map[string][]*Finding
	order    []string // "p:file" / "f:file"
	first    chan struct{}
	once     sync.Once
}

func newPartialLog() *partialLog {
	return &partialLog{final: map[string][]*Finding{}, first: make(chan struct{})}
}

func (pl *partialLog) opts() Options {
	return Options{
		OnPartial: func(file string, fs []*Finding) {
			pl.mu.Lock()
			defer pl.mu.Unlock()
			pl.partials = append(pl.partials, fs)
			for _, f := range fs {
				c := *f
				c.Sources = slices.Clone(f.Sources)
				pl.snaps = append(pl.snaps, c)
			}
			pl.order = append(pl.order, "p:"+file)
			pl.once.Do(func() { close(pl.first) })
		},
		OnFile: func(file string, fs []*Finding, _ error) {
			pl.mu.Lock()
			defer pl.mu.Unlock()
			pl.final[file] = fs
			pl.order = append(pl.order, "f:"+file)
		},
	}
}

// checkPairs asserts that the provisional findings are, in order, the final
// findings of the same results without identity, and were not changed since
// they were handed out.
func (pl *partialLog) checkPairs(t *testing.T, file string) {
	t.Helper()
	var ps []*Finding
	for _, b := range pl.partials {
		ps = append(ps, b...)
	}
	finals := pl.final[file]
	if len(ps) != len(finals) || len(ps) == 0 {
		t.Fatalf("%d provisional findings, %d final", len(ps), len(finals))
	}
	for i, p := range ps {
		f := finals[i]
		if !p.Provisional() || p.Keys != nil || p.IDLayer != 0 {
			t.Fatalf("provisional %d has identity: id %q keys %v", i, p.ID, p.Keys)
		}
		if f.Provisional() || len(f.Keys) == 0 {
			t.Fatalf("final %d has no identity", i)
		}
		if !p.SameResult(f) || p.Sources[0].File != file {
			t.Fatalf("provisional %d is %+v, final %+v", i, p.Sources[0], f.Sources[0])
		}
		if p.Message != f.Message || p.Loc != f.Loc || p.Severity != f.Severity || p.Score != f.Score ||
			p.Stage != f.Stage || p.Kind != f.Kind || p.Category != f.Category || p.Rule != f.Rule ||
			p.Tool != f.Tool || p.SearchText() != f.SearchText() || p.InputSup != f.InputSup {
			t.Fatalf("provisional %d differs from its final finding:\n%+v\n%+v", i, p, f)
		}
		s := pl.snaps[i]
		if s.ID != p.ID || s.Message != p.Message || s.Loc != p.Loc || !slices.Equal(s.Sources, p.Sources) || s.Keys != nil {
			t.Fatalf("provisional %d changed after it was handed out", i)
		}
	}
}

// A streamed file's results are handed out provisionally, in order, before
// the file's final findings (run under -race: the engine goes on with its
// identity pass while the copies are read).
func TestPartialBatchesPairWithFinals(t *testing.T) {
	old := streamThreshold
	streamThreshold = 1
	defer func() { streamThreshold = old }()
	for _, resultsFirst := range []bool{false, true} {
		p := filepath.Join(t.TempDir(), "gen.sarif")
		writeFile(t, p, genSARIF(3000, resultsFirst))
		pl := newPartialLog()
		o := pl.opts()
		o.Root = filepath.Dir(p)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // a reader like the console's filter
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
				pl.mu.Lock()
				bs := slices.Clone(pl.partials)
				pl.mu.Unlock()
				for _, b := range bs {
					for _, f := range b {
						_ = len(f.ID) + len(f.Keys) + len(f.Sources[0].File) + len(f.SearchText()) + int(f.Severity)
					}
				}
			}
		}()
		set, err := Load(context.Background(), []string{p}, o)
		close(stop)
		wg.Wait()
		if err != nil || len(set.Errors) != 0 {
			t.Fatalf("load: %v %v", err, set.Errors)
		}
		name := set.Files[0].Path
		if len(pl.order) < 2 || pl.order[0] != "p:"+name || pl.order[len(pl.order)-1] != "f:"+name {
			t.Fatalf("resultsFirst=%v: calls %v", resultsFirst, pl.order)
		}
		pl.checkPairs(t, name)
	}
}

// Rows before the end of the input: provisional findings arrive while a
// FIFO is still being written, and the file's final findings only after it
// is closed.
func TestPartialBeforeInputEnds(t *testing.T) {
	old := streamThreshold
	streamThreshold = 1
	defer func() { streamThreshold = old }()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "scan.sarif")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	log := []byte(genSARIF(4000, false))
	half := len(log) / 2
	pl := newPartialLog()
	o := pl.opts()
	o.Root = dir
	type res struct {
		set *Set
		err error
	}
	done := make(chan res, 1)
	go func() {
		set, err := Load(context.Background(), []string{fifo}, o)
		done <- res{set, err}
	}()
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fail := func(format string, a ...any) {
		w.Close()
		<-done // Load must end before streamThreshold is restored
		t.Fatalf(format, a...)
	}
	if _, err := w.Write(log[:half]); err != nil {
		fail("%v", err)
	}
	select {
	case <-pl.first:
	case <-time.After(30 * time.Second):
		fail("no provisional findings while the input is half written")
	}
	pl.mu.Lock()
	n, finals := 0, len(pl.final)
	for _, b := range pl.partials {
		n += len(b)
	}
	pl.mu.Unlock()
	if finals != 0 || n == 0 || n >= 4000 {
		fail("while writing: %d provisional, %d final files", n, finals)
	}
	if _, err := w.Write(log[half:]); err != nil {
		fail("%v", err)
	}
	w.Close()
	r := <-done
	if r.err != nil || len(r.set.Errors) != 0 || len(r.set.Findings) != 4000 {
		t.Fatalf("load: %v %v %d", r.err, r.set.Errors, len(r.set.Findings))
	}
	pl.checkPairs(t, r.set.Files[0].Path)
}

// Without OnPartial nothing is copied, and small files (parsed in memory)
// are never handed out provisionally.
func TestPartialOnlyForStreamedFiles(t *testing.T) {
	p := filepath.Join(t.TempDir(), "gen.sarif")
	writeFile(t, p, genSARIF(500, false))
	pl := newPartialLog()
	set, err := Load(context.Background(), []string{p}, pl.opts())
	if err != nil || len(set.Findings) != 500 {
		t.Fatal(err, len(set.Findings))
	}
	if len(pl.partials) != 0 {
		t.Fatalf("%d provisional batches for an in-memory file", len(pl.partials))
	}
}

// BenchmarkLoadPartial10k is BenchmarkLoad10k with provisional batches
// handed out (the console's load): the cost of the copies.
func BenchmarkLoadPartial10k(b *testing.B) {
	p := benchFile(b, 10000)
	b.ResetTimer()
	calls := 0
	for i := 0; i < b.N; i++ {
		s, err := Load(context.Background(), []string{p}, Options{OnPartial: func(string, []*Finding) { calls++ }})
		if err != nil || len(s.Findings) != 10000 {
			b.Fatalf("loaded %d findings, err %v", len(s.Findings), err)
		}
	}
	b.ReportMetric(float64(calls)/float64(b.N), "batches/op")
}

// BenchmarkLoadConsole10k is the console's load before provisional batches:
// Load, then the search text of every finding built in OnFile.
func BenchmarkLoadConsole10k(b *testing.B) {
	p := benchFile(b, 10000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := Load(context.Background(), []string{p}, Options{OnFile: func(_ string, fs []*Finding, _ error) {
			for _, f := range fs {
				f.SearchText()
			}
		}})
		if err != nil || len(s.Findings) != 10000 {
			b.Fatalf("loaded %d findings, err %v", len(s.Findings), err)
		}
	}
}
