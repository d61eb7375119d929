package findings

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
)

// Findings handed to Options.OnFile are never changed afterwards: the
// console keeps and reads them (on other goroutines) while the engine merges
// duplicates across files. Run under -race.
func TestOnFileFindingsAreNotChangedByTheMerge(t *testing.T) {
	dir := t.TempDir()
	rows := []row{{"G101", "a.go", 3, "Potential hardcoded credentials", `pw := "x"`}, {"G101", "b.go", 7, "Potential hardcoded credentials", `tok := "y"`}}
	a, b := filepath.Join(dir, "a.sarif"), filepath.Join(dir, "b.sarif")
	writeFile(t, a, sarifFor("gosec", rows, ""))
	writeFile(t, b, sarifFor("gosec", rows[:1], "")) // a.go:3 again, from a second file

	type snap struct {
		f    *Finding
		copy Finding
	}
	var (
		mu    sync.Mutex
		seen  []snap
		wg    sync.WaitGroup
		stop  = make(chan struct{})
		reads int
	)
	onFile := func(_ string, fs []*Finding, _ error) {
		mu.Lock()
		defer mu.Unlock()
		for _, f := range fs {
			f.SearchText()
			c := *f
			c.Sources, c.Keys, c.CWEs = slices.Clone(f.Sources), slices.Clone(f.Keys), slices.Clone(f.CWEs)
			seen = append(seen, snap{f, c})
			wg.Add(1)
			go func() { // a reader like the console's filter, while Load goes on
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					_ = len(f.Sources) + len(f.Keys) + int(f.Severity) + len(f.ID) + len(f.CWEs) + len(f.SearchText())
					mu.Lock()
					reads++
					mu.Unlock()
				}
			}()
		}
	}
	set, err := Load(context.Background(), []string{a, b}, Options{Root: dir, OnFile: onFile})
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 3 || len(set.Findings) != 2 {
		t.Fatalf("%d handed out, %d merged", len(seen), len(set.Findings))
	}
	for _, s := range seen {
		if !reflect.DeepEqual(*s.f, s.copy) {
			t.Errorf("finding %s changed after OnFile:\n%+v\n%+v", s.f.ID, *s.f, s.copy)
		}
	}
	var merged *Finding
	for _, f := range set.Findings {
		if len(f.Sources) == 2 {
			merged = f
		}
	}
	if merged == nil || merged == seen[0].f || merged.ID != seen[0].f.ID || merged.Sources[1].File == merged.Sources[0].File {
		t.Fatalf("merge: %+v", merged)
	}
}
