package findings

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fix data a planner needs: run.columnKind, artifacts[].hashes,
// versionControlProvenance, deleted-region and result snippets, binary
// inserted content and the path as the log names it. Both the in-memory
// parser and the streaming one (with run members before and after the
// results) decode it.
func TestDetailsFixData(t *testing.T) {
	root := t.TempDir()
	result := `{"ruleId":"R1","message":{"text":"m"},
	  "locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/a.go","uriBaseId":"SRC"},
	    "region":{"startLine":3,"startColumn":2,"endColumn":9,"snippet":{"text":"call(x)"}},
	    "contextRegion":{"startLine":2,"endLine":4,"snippet":{"text":"a\n call(x)\nb"}}}}],
	  "fixes":[{"description":{"text":"fix it"},"artifactChanges":[
	    {"artifactLocation":{"index":0},"replacements":[
	      {"deletedRegion":{"startLine":3,"startColumn":2,"endColumn":9,"charOffset":12,"charLength":7,"snippet":{"text":"call(x)"}},"insertedContent":{"text":"safe(x)"}},
	      {"deletedRegion":{"byteOffset":0,"byteLength":0},"insertedContent":{"binary":"Ly8gaGkK"}},
	      {"deletedRegion":{"startLine":9}}]},
	    {"artifactLocation":{"uri":"../escape.go"},"replacements":[{"deletedRegion":{"startLine":1}}]},
	    {"artifactLocation":{"uri":"https://example.com/x.go"},"replacements":[{"deletedRegion":{"startLine":1}}]},
	    {"artifactLocation":{"uri":"file:///elsewhere/y.go"},"replacements":[{"deletedRegion":{"startLine":1}}]}]}]}`
	meta := `"tool":{"driver":{"name":"t","rules":[{"id":"R1"}]}},
	  "originalUriBaseIds":{"SRC":{"uri":"file:///ci/work/"}},
	  "columnKind":"unicodeCodePoints",
	  "versionControlProvenance":[{"repositoryUri":"https://example.com/r","revisionId":"0123456789abcdef0123456789abcdef01234567","mappedTo":{"uriBaseId":"SRC"}}],
	  "artifacts":[{"location":{"uri":"src/a.go","uriBaseId":"SRC"},"hashes":{"SHA-256":"ABCDEF"}}]`
	pad := `{"ruleId":"R1","message":{"text":"padding ` + strings.Repeat("x", 200) + `"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"p.go"},"region":{"startLine":1}}}]}`
	for _, shape := range []string{"meta-first", "results-first"} {
		for _, stream := range []bool{false, true} {
			name := shape
			if stream {
				name += "/stream"
			}
			t.Run(name, func(t *testing.T) {
				if stream {
					old := streamThreshold
					streamThreshold = 1
					t.Cleanup(func() { streamThreshold = old })
				}
				results := `"results":[` + result + strings.Repeat(","+pad, 50) + `]`
				run := "{" + meta + "," + results + "}"
				if shape == "results-first" {
					run = "{" + results + "," + meta + "}"
				}
				p := filepath.Join(t.TempDir(), "x.sarif")
				if err := os.WriteFile(p, []byte(`{"version":"2.1.0","runs":[`+run+`]}`), 0o644); err != nil {
					t.Fatal(err)
				}
				set, err := Load(context.Background(), []string{p}, Options{Root: root})
				if err != nil || len(set.Errors) > 0 {
					t.Fatalf("load: %v %v", err, set.Errors)
				}
				var f *Finding
				for _, g := range set.Findings {
					if g.Loc.Path == "src/a.go" {
						f = g
					}
				}
				if f == nil {
					t.Fatal("finding not loaded")
				}
				d, err := set.Details(f)
				if err != nil {
					t.Fatal(err)
				}
				if d.ColumnKind != ColumnCodePoints {
					t.Errorf("column kind = %v", d.ColumnKind)
				}
				if len(d.Scanned) != 2 || d.Scanned[0].Local != "src/a.go" || d.Scanned[0].Snippet != "call(x)" || !d.Scanned[1].Context || d.Scanned[1].EndLine != 4 {
					t.Errorf("scanned = %+v", d.Scanned)
				}
				if len(d.Fixes) != 1 || len(d.Fixes[0].Changes) != 4 {
					t.Fatalf("fixes = %+v", d.Fixes)
				}
				c := d.Fixes[0].Changes
				if c[0].Local != "src/a.go" || c[0].Hashes["sha-256"] != "abcdef" || c[0].Revision != "0123456789abcdef0123456789abcdef01234567" || c[0].RepositoryURI != "https://example.com/r" {
					t.Errorf("change 0 = %+v", c[0])
				}
				r := c[0].Replacements
				if r[0].StartLine != 3 || r[0].CharOffset != 12 || r[0].CharLength != 7 || !r[0].HasSnippet || r[0].Snippet != "call(x)" || r[0].Inserted != "safe(x)" {
					t.Errorf("replacement 0 = %+v", r[0])
				}
				if r[1].ByteOffset != 0 || r[1].Inserted != "// hi\n" || r[1].StartLine != 0 {
					t.Errorf("replacement 1 = %+v", r[1])
				}
				if r[2].StartLine != 9 || r[2].EndLine != 9 || r[2].EndCol != 0 || r[2].Inserted != "" || r[2].HasSnippet {
					t.Errorf("replacement 2 = %+v", r[2])
				}
				if c[1].Local != "../escape.go" || c[2].Local != "" || c[2].Scheme != "https" || c[3].Local != "/elsewhere/y.go" {
					t.Errorf("paths: %q, %q/%q, %q", c[1].Local, c[2].Local, c[2].Scheme, c[3].Local)
				}
			})
		}
	}
}

func TestParseColumnKind(t *testing.T) {
	for s, want := range map[string]ColumnKind{"": ColumnUTF16, "utf16CodeUnits": ColumnUTF16, "unicodeCodePoints": ColumnCodePoints, "bytes": ColumnUnknown, "?": ColumnUnknown} {
		if got := ParseColumnKind(s); got != want {
			t.Errorf("%q: %v, want %v", s, got, want)
		}
	}
}
