package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rawEvil are characters a terminal acts on, written raw (as UTF-8) in the
// SARIF file: 8-bit CSI and NEL (C1), a right-to-left override, an isolate,
// DEL, a line separator. ESC is escaped (raw it would be invalid JSON).
const rawEvil = "\u009b2J\u0085\u202eevil\u2066\x7f\u2028"

func hasRawControl(s string) (rune, bool) {
	for _, r := range s {
		if r == 0x1b || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x2028 || r == 0x2029 || r == 0x07 {
			return r, true
		}
	}
	return 0, false
}

// Nothing that leaves secui on stdout carries raw C1, bidi or escape
// characters: export (SARIF and OpenVEX) writes them as \uXXXX inside JSON,
// losslessly; list --json / --jsonl and the table drop them.
func TestStdoutHasNoRawControls(t *testing.T) {
	repo := t.TempDir()
	git(t, repo, "init", "-q", "-b", "main")
	sarif := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"trivy` + rawEvil + `","rules":[{"id":"CVE-2024-0001` + rawEvil + `","shortDescription":{"text":"x` + rawEvil + `"},"properties":{"security-severity":"9.8"}}]}},
"results":[{"ruleId":"CVE-2024-0001` + rawEvil + `","level":"error","message":{"text":"Package: lib` + rawEvil + `\nInstalled Version: 1.0 \u001b]52;c;eA==\u0007 CVE-2024-0001"},
"locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/a` + rawEvil + `.go"},"region":{"startLine":3,"snippet":{"text":"` + rawEvil + `"}}}}],
"properties":{"note":"` + rawEvil + `"}}]}]}`
	p := filepath.Join(repo, "scan.sarif")
	if err := os.WriteFile(p, []byte(sarif), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"export", p}, {"export", "--format", "openvex", p},
		{"list", "--json", p}, {"list", "--jsonl", p}, {"list", p}, {"summary", p}, {"summary", "--json", p},
	} {
		r := runIn(t, repo, nil, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		if c, bad := hasRawControl(r.stdout + r.stderr); bad {
			t.Errorf("%v: output carries raw %U:\n%q", args, c, r.stdout)
		}
		if args[0] == "export" && len(args) == 2 {
			// Escaped, not lost: the exported SARIF decodes to the input's text.
			var doc struct {
				Runs []struct {
					Tool struct {
						Driver struct{ Name string }
					}
				}
			}
			if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Runs) != 1 || doc.Runs[0].Tool.Driver.Name != "trivy"+rawEvil {
				t.Errorf("export changed the data: %v %+v", err, doc)
			}
			if !strings.Contains(r.stdout, `\u202e`) {
				t.Errorf("export does not escape bidi overrides as \\u202e")
			}
		}
	}
}

// export -o inside the repository goes through the one confinement.
func TestExportOutputConfined(t *testing.T) {
	repo := t.TempDir()
	git(t, repo, "init", "-q", "-b", "main")
	p := filepath.Join(repo, "scan.sarif")
	if err := os.WriteFile(p, []byte(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[{"ruleId":"R","message":{"text":"m"}}]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(repo, "out")); err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{".git/hooks/pre-commit", "out/x.sarif"} {
		r := runIn(t, repo, nil, "export", p, "-o", o)
		if r.code == 0 || !strings.Contains(r.stderr, "refused") {
			t.Errorf("-o %s: exit %d, stderr %q", o, r.code, r.stderr)
		}
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("export wrote through a symlink out of the repository: %v", ents)
	}
	if _, err := os.Stat(filepath.Join(repo, ".git", "hooks", "pre-commit")); err == nil {
		t.Error("export wrote into .git")
	}
	if r := runIn(t, repo, nil, "export", p, "-o", "results/out.sarif"); r.code != 0 {
		t.Errorf("-o inside the repository: exit %d %s", r.code, r.stderr)
	}
	if r := runIn(t, repo, nil, "export", p, "-o", filepath.Join(t.TempDir(), "elsewhere.sarif")); r.code != 0 {
		t.Errorf("-o outside the repository (explicit): exit %d %s", r.code, r.stderr)
	}
}

// The limits section of .secui.yaml applies, a refusal names the file and
// the limit, the good file still loads; discovery reports a symlink out.
func TestConfigLimitsAndSkippedSymlinks(t *testing.T) {
	repo := t.TempDir()
	git(t, repo, "init", "-q", "-b", "main")
	write := func(rel, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(repo, rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, rel), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".secui.yaml", "limits:\n  max-token: 1KiB\n")
	write("good.sarif", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[{"ruleId":"R","message":{"text":"m"}}]}]}`)
	write("big.sarif", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[{"ruleId":"R","message":{"text":"`+strings.Repeat("A", 2048)+`"}}]}]}`)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "x.sarif"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "x.sarif"), filepath.Join(repo, "out.sarif")); err != nil {
		t.Fatal(err)
	}
	r := runIn(t, repo, nil, "list", "--json")
	if !strings.Contains(r.stderr, "big.sarif:1:") || !strings.Contains(r.stderr, "a string longer than 1 KiB (limits.max-token)") {
		t.Errorf("stderr %q lacks the limit refusal", r.stderr)
	}
	if !strings.Contains(r.stderr, "out.sarif: skipped: symlink leads out of the repository") {
		t.Errorf("stderr %q does not report the skipped symlink", r.stderr)
	}
	if !strings.Contains(r.stdout, `"R"`) {
		t.Errorf("the good file did not load: %q", r.stdout)
	}
	write(".secui.yaml", "limits:\n  max-token: lots\n")
	if r := runIn(t, repo, nil, "list"); r.code != 2 || !strings.Contains(r.stderr, ".secui.yaml:2:14: limits.max-token: want a positive size") {
		t.Errorf("bad limit: exit %d, %q", r.code, r.stderr)
	}
}
