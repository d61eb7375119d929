package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lintRepo is a git repository holding only real linter output:
// staticcheck on govwa and ESLint's rule-configuration case
// (testdata/realworld/generate.sh).
func lintRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	rw := filepath.Join(moduleRoot(t), "testdata", "realworld")
	for src, dst := range map[string]string{
		"govwa/staticcheck.sarif":       "scans/staticcheck.sarif",
		"eslint-rulecfg/eslint.sarif":   "scans/eslint.sarif",
		"eslint-rulecfg/app.js":         "app.js",
		"eslint-rulecfg/.eslintrc.json": ".eslintrc.json",
	} {
		data, err := os.ReadFile(filepath.Join(rw, src))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(dir, dst)), 0o755)
		os.WriteFile(filepath.Join(dir, dst), data, 0o644)
	}
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "lint scans")
	return dir
}

type kindCheck struct {
	Passed     bool   `json:"passed"`
	FailOnQual string `json:"fail_on_quality"`
	Open       int    `json:"open"`
	Security   int    `json:"open_security"`
	Quality    int    `json:"open_quality"`
	OverQual   int    `json:"open_quality_over_threshold"`
	Problems   []struct {
		Kind        string `json:"kind"`
		FindingKind string `json:"finding_kind"`
	} `json:"problems"`
	ToolErrors []struct {
		File, Message string
	} `json:"tool_errors"`
}

// TestCheckLintOnlyPasses: a repository whose only findings are lint
// (staticcheck, ESLint) passes the gate by default; --fail-on-quality (or
// check.fail-on-quality) makes them count; ESLint's unknown-rule results are
// tool errors that do not fail it.
func TestCheckLintOnlyPasses(t *testing.T) {
	dir := lintRepo(t)
	run := func(wantCode int, args ...string) kindCheck {
		t.Helper()
		r := runIn(t, dir, nil, append([]string{"check", "--json"}, args...)...)
		if r.code != wantCode {
			t.Fatalf("check %v: exit %d, want %d\n%s%s", args, r.code, wantCode, r.stdout, r.stderr)
		}
		var d kindCheck
		if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		return d
	}
	d := run(0)
	if !d.Passed || d.FailOnQual != "off" || d.Security != 0 || d.Quality < 25 || d.Open != d.Quality {
		t.Fatalf("default check: %+v", d)
	}
	if len(d.ToolErrors) != 2 || !strings.Contains(d.ToolErrors[0].Message, "Definition for rule 'import/no-unresolved' was not found") {
		t.Fatalf("tool errors: %+v", d.ToolErrors)
	}
	d = run(1, "--fail-on-quality", "low")
	if d.Passed || d.OverQual == 0 || len(d.Problems) != d.OverQual {
		t.Fatalf("--fail-on-quality low: %+v", d)
	}
	for _, p := range d.Problems {
		if p.Kind != "open" || p.FindingKind != "quality" {
			t.Errorf("problem %+v", p)
		}
	}
	// The configuration key, and the flag overriding it.
	os.WriteFile(filepath.Join(dir, ".secui.yaml"), []byte("check:\n  fail-on-quality: medium\n"), 0o644)
	if d = run(1); d.FailOnQual != "medium" || d.Passed {
		t.Fatalf("check.fail-on-quality medium: %+v", d)
	}
	if d = run(0, "--fail-on-quality", "off"); !d.Passed {
		t.Fatalf("--fail-on-quality off over the config: %+v", d)
	}
	// The text report names the split and the tool errors.
	r := runIn(t, dir, nil, "check", "--fail-on-quality", "off")
	if r.code != 0 || !strings.Contains(r.stdout, "TOOL ERROR") || !strings.Contains(r.stdout, "quality off") ||
		!strings.Contains(r.stdout, "0 security") {
		t.Fatalf("text report:\n%s%s", r.stdout, r.stderr)
	}
}

// TestKindInListSummaryQuery: list --json has kind, kind:quality filters,
// summary counts security and quality apart.
func TestKindInListSummaryQuery(t *testing.T) {
	dir := lintRepo(t)
	// Add a security scan: gosec on the same project.
	data, err := os.ReadFile(filepath.Join(moduleRoot(t), "testdata", "realworld", "govwa", "gosec.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "scans", "gosec.sarif"), data, 0o644)
	var doc struct {
		Findings []struct {
			Tool, Kind string
			KindReason string `json:"kind_reason"`
		}
		ToolErrors []any `json:"tool_errors"`
	}
	r := runIn(t, dir, nil, "list", "--json", "--all")
	if r.code != 0 {
		t.Fatalf("list: %d %s", r.code, r.stderr)
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, f := range doc.Findings {
		n[f.Kind]++
		want := "quality"
		if f.Tool == "gosec" {
			want = "security"
		}
		if f.Kind != want || f.KindReason == "" {
			t.Errorf("%s: kind %q (%s), want %s", f.Tool, f.Kind, f.KindReason, want)
		}
	}
	if n["security"] == 0 || n["quality"] == 0 || len(doc.ToolErrors) != 2 {
		t.Fatalf("kinds %v, tool errors %d", n, len(doc.ToolErrors))
	}
	q := runIn(t, dir, nil, "list", "--json", "--all", "-q", "kind:quality")
	var qd struct{ Findings []struct{ Kind string } }
	json.Unmarshal([]byte(q.stdout), &qd)
	if len(qd.Findings) != n["quality"] {
		t.Fatalf("kind:quality: %d, want %d", len(qd.Findings), n["quality"])
	}
	s := runIn(t, dir, nil, "summary", "--json", "--all")
	var sd struct {
		ByKind map[string]map[string]int `json:"by_kind"`
	}
	if err := json.Unmarshal([]byte(s.stdout), &sd); err != nil {
		t.Fatal(err)
	}
	for k, want := range n {
		if got := nested(map[string]map[string]int{k: sd.ByKind[k]}); got != want {
			t.Errorf("summary by_kind %s = %d, want %d", k, got, want)
		}
	}
	if txt := runIn(t, dir, nil, "summary"); !strings.Contains(txt.stdout, "KIND") || !strings.Contains(txt.stdout, "quality") {
		t.Errorf("summary text:\n%s", txt.stdout)
	}
}
