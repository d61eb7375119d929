package findings

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secui/secui/internal/testutil"
)

// fuzzSeeds are small SARIF inputs written for the fuzz target: a CodeQL-like
// run with rules, taxonomies and fingerprints; a UTF-8 BOM; suppressions of
// every status; rules in a tool extension; a syntax error; a log that is
// JSON but not SARIF; a result with related locations, a code flow and a fix.
var fuzzSeeds = []string{
	`{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[{"tool":{"driver":{"name":"CodeQL","semanticVersion":"2.15.0","rules":[{"id":"js/sql-injection","name":"SqlInjection","shortDescription":{"text":"Database query built from user-controlled sources"},"defaultConfiguration":{"level":"error"},"properties":{"tags":["security","external/cwe/cwe-089"],"security-severity":"8.8"}}]}},"results":[{"ruleId":"js/sql-injection","ruleIndex":0,"message":{"text":"This query depends on a [user-provided value](1)."},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/db.js","uriBaseId":"%SRCROOT%"},"region":{"startLine":12,"startColumn":5,"endColumn":40}}}],"partialFingerprints":{"primaryLocationLineHash":"39fa2ee980eb94b0:1"},"relatedLocations":[{"id":1,"physicalLocation":{"artifactLocation":{"uri":"src/app.js"},"region":{"startLine":3}},"message":{"text":"user-provided value"}}]}],"originalUriBaseIds":{"%SRCROOT%":{"uri":"file:///home/runner/work/app/"}}}]}`,
	"\ufeff" + `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Elfie","rules":[{"id":"E1"}]}},"results":[{"ruleId":"E1","level":"warning","message":{"text":"ünïcödé ✓ text"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a%20b/c.cs"},"region":{"startLine":1}}}]}]}]}`,
	`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Semgrep OSS"}},"results":[{"ruleId":"r1","message":{"text":"m"},"suppressions":[{"kind":"inSource","status":"accepted","justification":"ok"}]},{"ruleId":"r2","message":{"text":"m"},"suppressions":[{"kind":"external","status":"underReview"}]},{"ruleId":"r3","message":{"text":"m"},"suppressions":[{"kind":"external","status":"rejected"}]},{"ruleId":"r4","message":{"text":"m"},"suppressions":[]}]}]}`,
	`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"ESLint"},"extensions":[{"name":"eslint-plugin-security","rules":[{"id":"security/detect-eval","helpUri":"https://example.com/rule","properties":{"security-severity":"9.8"}}]}]},"results":[{"ruleId":"security/detect-eval","rule":{"id":"security/detect-eval","toolComponent":{"index":0}},"message":{"text":"eval"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"web/x.js","index":0},"region":{"startLine":7}}}]}],"artifacts":[{"location":{"uri":"web/x.js"}}]}]}`,
	`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"a" "message":{}}]}]}`,
	`{"$schema":"https://example.com/not-sarif.json","version":"1.0.0","results":[]}`,
	`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"gosec","rules":[{"id":"G304"}]}},"results":[{"ruleId":"G304","level":"error","message":{"text":"Potential file inclusion via variable"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"cmd/main.go"},"region":{"startLine":10,"snippet":{"text":"os.Open(name)"}}}}],"codeFlows":[{"threadFlows":[{"locations":[{"location":{"physicalLocation":{"artifactLocation":{"uri":"cmd/main.go"},"region":{"startLine":4}}}}]}]}],"fixes":[{"description":{"text":"clean the path"},"artifactChanges":[{"artifactLocation":{"uri":"cmd/main.go"},"replacements":[{"deletedRegion":{"startLine":10,"startColumn":9,"endColumn":13},"insertedContent":{"text":"filepath.Clean(name)"}}]}]}],"fingerprints":{"secui/v1":""},"baselineState":"new"}]}]}`,
}

// FuzzLoad feeds arbitrary bytes to the loader, in memory and streamed: it
// must never panic, every finding must have an identity, every error must name
// the file, and both paths must agree on valid input.
func FuzzLoad(f *testing.F) {
	// Built-in seeds, always run (also without ../shared): each covers a
	// shape of the public corpus files below.
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	// The public corpus adds real files when it is there (never skips).
	if dir, ok := testutil.OptionalCorpusDir(f); ok {
		for _, rel := range []string{
			"github-codeql-action/valid-sarif.sarif",
			"microsoft-sarif-sdk/elfie-arriba-utf8-bom.sarif",
			"DefectDojo-django-DefectDojo/suppression_test.sarif",
			"microsoft-sarif-vscode-extension/rulesExtensions.sarif",
			"microsoft-sarif-sdk/JSON1001.SyntaxError.sarif",
			"github-codeql-action/invalid-sarif.sarif",
		} {
			if data, err := os.ReadFile(filepath.Join(dir, rel)); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte(genSARIF(10, true)))
	f.Add([]byte(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"{0}"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"../a"}}}]}]}]}`))
	f.Add([]byte(`{"version":"2.1.0","runs":null}`))
	// One file per fuzz worker, rewritten for each input: the streamed path
	// needs a file; the in-memory path parses the bytes directly.
	p := filepath.Join(f.TempDir(), "f.sarif")
	f.Fuzz(func(t *testing.T, data []byte) {
		checkLoadPaths(t, p, data)
	})
}

// checkLoadPaths loads data in memory and streamed (from file p) and checks
// what FuzzLoad promises: identities, errors that name the file, and the
// same findings from both paths on valid input.
func checkLoadPaths(t *testing.T, p string, data []byte) {
	t.Helper()
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
				// Only possible when a member the list does not need (a
				// code flow, a related location) is malformed: the error
				// must say where.
				var le *LoadError
				if !errors.As(err, &le) || le.Line == 0 || !strings.Contains(err.Error(), "f.sarif") {
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
	// Both paths refuse the same files: a file-level error in memory (one
	// not inside a result, such as a grammar error) is a streamed error too,
	// and valid input is valid for both. A result-level error in memory (a
	// control character in a code flow's string) may be one the streamed
	// path finds only when the finding is opened (checked above).
	if len(mem.Errors) == 0 && len(str.Errors) != 0 {
		t.Fatalf("valid in memory, streamed errors %v", str.Errors)
	}
	if len(str.Errors) == 0 {
		for _, e := range mem.Errors {
			if !strings.Contains(e.Msg, "runs[") {
				t.Fatalf("in-memory file-level error %v, streamed none", e)
			}
		}
	}
	if len(mem.Errors) == 0 && len(mem.Findings) != len(str.Findings) {
		t.Fatalf("in-memory %d findings, streamed %d", len(mem.Findings), len(str.Findings))
	}
}

// loadBytes parses data in memory, as Load does for stdin.
func loadBytes(t testing.TB, name string, data []byte) *Set {
	ld := newLoader(Options{})
	fs, info, src, errs := ld.loadData(context.Background(), name, append([]byte(nil), data...), "")
	s := &Set{Files: []FileInfo{info}, Errors: errs, src: map[string]*rawSource{name: src}}
	s.Findings = mergeDuplicates(fs)
	return s
}

// TestLoadPathsAgreeOnMutations is FuzzLoad's promise checked without the
// fuzzer: every seed with one structural byte deleted, or one inserted at
// each position, loads the same way in memory and streamed (CI once found a
// missing ':' that only the in-memory parser refused).
func TestLoadPathsAgreeOnMutations(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.sarif")
	for si, s := range fuzzSeeds {
		b := []byte(s)
		for i := 0; i < len(b); i++ {
			switch b[i] {
			case ':', ',', '"', '{', '}', '[', ']':
				mut := append(append([]byte(nil), b[:i]...), b[i+1:]...)
				t.Run(fmt.Sprintf("seed%d/del%d", si, i), func(t *testing.T) { checkLoadPaths(t, p, mut) })
			}
			if i%7 == 0 {
				for _, c := range []byte{'"', ':', ',', '}', ']'} {
					mut := append(append(append([]byte(nil), b[:i]...), c), b[i:]...)
					t.Run(fmt.Sprintf("seed%d/ins%d%c", si, i, c), func(t *testing.T) { checkLoadPaths(t, p, mut) })
				}
			}
		}
	}
}

// TestLoadPathsAgreeOnTokens: a misspelt literal or a number with a stray
// letter, at the top level, in a run and deep inside a result, is refused by
// both load paths (the streamed scanner once let `"runs":n` through); the
// streamed path also when a read cuts the token.
func TestLoadPathsAgreeOnTokens(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.sarif")
	for _, tok := range []string{"n", "nul", "nulll", "tru", "falsey", "1x", "-1.5q", "x", "null", "true", "-1.5e+3"} {
		good := tok == "null" || tok == "true" || tok == "-1.5e+3"
		for _, doc := range []string{
			`{"version":"2.1.0","runs":` + tok + `}`,
			`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"x":` + tok + `,"results":[]}]}`,
			`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"locations":[{"physicalLocation":{"region":{"x":[` + tok + `]}}}]}]}]}`,
		} {
			good := good
			if strings.Contains(doc, `"runs":`+tok+`}`) {
				good = tok == "null" // runs: an array or null
			}
			t.Run(tok+"/"+doc[len(doc)-12:], func(t *testing.T) {
				checkLoadPaths(t, p, []byte(doc))
				for _, chunk := range []int{1, 3} {
					old := streamChunk
					streamChunk = chunk
					str := loadWithThreshold(t, p, 1)
					streamChunk = old
					if good != (len(str.Errors) == 0) {
						t.Fatalf("reads of %d bytes: errors %v (want none: %v)", chunk, str.Errors, good)
					}
				}
			})
		}
	}
}
