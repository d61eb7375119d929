package findings

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestPlaceholderValue(t *testing.T) {
	for _, v := range []string{"", "  ", "0", "000000", "0x0000", "00000000-0000-0000-0000-000000000000",
		"null", "None", "N/A", "unknown", "undefined", "-", "[]", "{}", "requires login"} {
		if !placeholderValue(v) {
			t.Errorf("%q: not taken for a placeholder", v)
		}
	}
	for _, v := range []string{"586044d029215a7c0501cbed52537e56ede2df76", "304b4be583cf47c3:1", "1", "0a", "abc", "fdZwTjfx/s="} {
		if placeholderValue(v) {
			t.Errorf("%q: taken for a placeholder", v)
		}
	}
}

// splitLog writes the results of run 0 of a SARIF log into parts files,
// result i going to part i%parts, each part a complete log.
func splitLog(t *testing.T, src, dir string, parts int) []string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var log map[string]any
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	run := log["runs"].([]any)[0].(map[string]any)
	results := run["results"].([]any)
	var out []string
	for p := 0; p < parts; p++ {
		var mine []any
		for i, r := range results {
			if i%parts == p {
				mine = append(mine, r)
			}
		}
		run["results"] = mine
		b, err := json.Marshal(log)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, "part"+string(rune('a'+p))+".sarif")
		if err := os.WriteFile(name, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, name)
	}
	return out
}

func idsByPlace(s *Set) map[string]string {
	m := map[string]string{}
	for _, f := range s.Findings {
		m[f.RuleID()+" "+f.Loc.String()] = f.ID
	}
	return m
}

// gitleaks writes partialFingerprints {"commitSha":"","email":"",...} for a
// directory scan: each secret must still get its own identity, and
// splitting the log into files must not change the findings.
func TestGitleaksEmptyPartialFingerprints(t *testing.T) {
	repo := gitRepo(t)
	yml, err := os.ReadFile("testdata/gitleaks/users.yml")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(repo, "users.yml"), string(yml))
	git(t, repo, "add", ".")
	git(t, repo, "commit", "-qm", "users")
	for _, name := range []string{"gitleaks.sarif", "gitleaks-git.sarif"} {
		t.Run(name, func(t *testing.T) {
			src, _ := filepath.Abs(filepath.Join("testdata/gitleaks", name))
			one := mustLoad(t, []string{src}, Options{Root: repo})
			if len(one.Findings) != 12 {
				t.Fatalf("findings = %d, want the 12 secrets", len(one.Findings))
			}
			ids := map[string]bool{}
			for _, f := range one.Findings {
				if ids[f.ID] {
					t.Errorf("%s: ID %s shared", f.Loc, f.ID)
				}
				ids[f.ID] = true
				for _, k := range f.Keys {
					if StrongKey(k) {
						t.Errorf("%s %s: strong key %s from fingerprints that tell nothing apart", f.RuleID(), f.Loc, k)
					}
				}
				if f.IDLayer != LayerContent {
					t.Errorf("%s: layer %s, want content", f.Loc, f.IDLayer)
				}
			}
			want := idsByPlace(one)
			for _, parts := range []int{2, 3, 12} {
				files := splitLog(t, src, t.TempDir(), parts)
				split := mustLoad(t, files, Options{Root: repo})
				if got := idsByPlace(split); len(split.Findings) != 12 || !mapsEqual(got, want) {
					t.Errorf("split in %d files: %d findings, ids %v; want %v", parts, len(split.Findings), got, want)
				}
			}
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// The git-mode partial fingerprints (commit sha, author, date) are real but
// shared by every secret of a commit. One result per file makes each unique
// in its run: the findings must still not merge across files.
func TestSharedStrongKeyAcrossFilesDoesNotMerge(t *testing.T) {
	src, _ := filepath.Abs("testdata/gitleaks/gitleaks-git.sarif")
	files := splitLog(t, src, t.TempDir(), 12)
	s := mustLoad(t, files, Options{}) // no working tree: fallback layer
	if len(s.Findings) != 12 {
		t.Fatalf("findings = %d, want 12", len(s.Findings))
	}
	seen := map[string]bool{}
	for _, f := range s.Findings {
		if seen[f.ID] || f.IDLayer.Strong() || len(f.Sources) != 1 {
			t.Errorf("%s: id %s layer %s sources %d", f.Loc, f.ID, f.IDLayer, len(f.Sources))
		}
		seen[f.ID] = true
	}
	// The same log loaded twice is still one finding per secret, two sources.
	dup := filepath.Join(t.TempDir(), "again.sarif")
	data, _ := os.ReadFile(src)
	if err := os.WriteFile(dup, data, 0o644); err != nil {
		t.Fatal(err)
	}
	s2 := mustLoad(t, []string{src, dup}, Options{})
	if len(s2.Findings) != 12 || len(s2.Findings[0].Sources) != 2 {
		t.Errorf("log loaded twice: %d findings, want 12 with 2 sources each", len(s2.Findings))
	}
}

// A secret hash (SARIF SDK's SecretHash/v1) is shared by every copy of the
// secret: copies at different places are different findings.
func TestSecretHashSharedInRun(t *testing.T) {
	s := mustLoad(t, []string{corpus(t, "microsoft-sarif-sdk/elfie-arriba.sarif")}, Options{})
	if len(s.Findings) != 5 {
		t.Fatalf("findings = %d, want 5", len(s.Findings))
	}
	strong := 0
	for _, f := range s.Findings {
		if f.IDLayer.Strong() {
			strong++
		}
	}
	// 5 results, 2 distinct hashes: at most the results whose hash is their
	// own keep it.
	if strong > 1 {
		t.Errorf("%d findings kept a shared secret hash as identity", strong)
	}
}

func TestCodeQLLineHashIsWeak(t *testing.T) {
	s := mustLoad(t, []string{corpus(t, "github-codeql-action/valid-sarif.sarif")}, Options{})
	for _, f := range s.Findings {
		if f.IDLayer != LayerLineHash || slices.ContainsFunc(f.Keys, StrongKey) {
			t.Errorf("%s: layer %s keys %v: primaryLocationLineHash must stay weak", f.Loc, f.IDLayer, f.Keys)
		}
		if !strings.HasPrefix(f.Keys[0], "linehash:") {
			t.Errorf("first key %s", f.Keys[0])
		}
	}
}
