package findings

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the loader, in memory and streamed: it
// must never panic, every finding must have an identity, every error must name
// the file, and both paths must agree on valid input.
func FuzzLoad(f *testing.F) {
	for _, rel := range []string{
		"github-codeql-action/valid-sarif.sarif",
		"microsoft-sarif-sdk/elfie-arriba-utf8-bom.sarif",
		"DefectDojo-django-DefectDojo/suppression_test.sarif",
		"microsoft-sarif-vscode-extension/rulesExtensions.sarif",
		"microsoft-sarif-sdk/JSON1001.SyntaxError.sarif",
		"github-codeql-action/invalid-sarif.sarif",
	} {
		if data, err := os.ReadFile(filepath.Join(corpusDir(f), rel)); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(genSARIF(10, true)))
	f.Add([]byte(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"{0}"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"../a"}}}]}]}]}`))
	f.Add([]byte(`{"version":"2.1.0","runs":null}`))
	// One file per fuzz worker, rewritten for each input: the streamed path
	// needs a file; the in-memory path parses the bytes directly.
	p := filepath.Join(f.TempDir(), "f.sarif")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		mem := loadBytes(t, "f.sarif", data)
		str := loadWithThreshold(t, p, 1)
		for _, s := range []*Set{mem, str} {
			for i, fd := range s.Findings {
				if i == 50 { // enough to cover every shape; keeps executions fast
					break
				}
				if len(fd.ID) != 16 || len(fd.Keys) == 0 || fd.Tool == nil || fd.Rule == nil {
					t.Fatalf("finding without identity: %+v", fd)
				}
				if _, err := s.Details(fd); err != nil {
					// Only possible when streaming left a malformed member
					// unread; the validating load must have refused it, and
					// the error must say where.
					var le *LoadError
					if len(mem.Errors) == 0 || !errors.As(err, &le) || le.Line == 0 || !strings.Contains(err.Error(), "f.sarif") {
						t.Fatalf("details: %v (in-memory errors: %v)", err, mem.Errors)
					}
				}
			}
			for _, e := range s.Errors {
				if !strings.Contains(e.Error(), "f.sarif") {
					t.Fatalf("error does not name the file: %v", e)
				}
			}
		}
		if len(mem.Errors) == 0 && len(str.Errors) == 0 && len(mem.Findings) != len(str.Findings) {
			t.Fatalf("in-memory %d findings, streamed %d", len(mem.Findings), len(str.Findings))
		}
	})
}

// loadBytes parses data in memory, as Load does for stdin.
func loadBytes(t testing.TB, name string, data []byte) *Set {
	ld := newLoader(Options{})
	fs, info, src, errs := ld.loadData(context.Background(), name, append([]byte(nil), data...), "")
	s := &Set{Files: []FileInfo{info}, Errors: errs, src: map[string]*rawSource{name: src}}
	s.Findings = mergeDuplicates(fs)
	return s
}
