package findings

import (
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestHangScratch(t *testing.T) {
	seeds := [][]byte{[]byte(genSARIF(10, true)), []byte(genSARIF(10, false))}
	for _, rel := range []string{"github-codeql-action/valid-sarif.sarif", "DefectDojo-django-DefectDojo/suppression_test.sarif", "microsoft-sarif-vscode-extension/rulesExtensions.sarif"} {
		d, _ := os.ReadFile(filepath.Join(corpusDir(t), rel))
		seeds = append(seeds, d)
	}
	r := rand.New(rand.NewSource(1))
	dir := t.TempDir()
	for it := 0; it < 3000; it++ {
		d := append([]byte(nil), seeds[r.Intn(len(seeds))]...)
		for k := 0; k < 1+r.Intn(4); k++ {
			switch r.Intn(3) {
			case 0:
				d[r.Intn(len(d))] = "{}[],:\"\\ ax0"[r.Intn(12)]
			case 1:
				d = d[:r.Intn(len(d))+1]
			case 2:
				i := r.Intn(len(d))
				d = append(d[:i], d[min(len(d), i+1+r.Intn(20)):]...)
			}
		}
		p := filepath.Join(dir, "f.sarif")
		os.WriteFile(p, d, 0o644)
		for _, th := range []int64{1, 1 << 40} {
			done := make(chan bool)
			go func() { loadWithThreshold(t, p, th); close(done) }()
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				os.WriteFile("/tmp/hang.sarif", d, 0o644)
				t.Fatalf("hang at iteration %d threshold %d", it, th)
			}
		}
	}
}
