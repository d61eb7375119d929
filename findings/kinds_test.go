package findings

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/secui/secui/internal/testutil"
)

func realworld(t testing.TB, rel string) string {
	return filepath.Join(testutil.ModuleRoot(t), "testdata", "realworld", filepath.FromSlash(rel))
}

// TestKindsESLintNodeGoat: real ESLint 8.57 + eslint-plugin-security SARIF
// of OWASP NodeGoat (testdata/realworld/generate.sh). The security plugin's
// rules are security findings, eslint:recommended's are quality.
func TestKindsESLintNodeGoat(t *testing.T) {
	s := mustLoad(t, []string{realworld(t, "nodegoat/eslint.sarif")}, Options{})
	if len(s.Findings) < 1000 {
		t.Fatalf("%d findings, want the NodeGoat scan (1746 results)", len(s.Findings))
	}
	counts := map[Kind]int{}
	for _, f := range s.Findings {
		counts[f.Kind]++
		sec := strings.HasPrefix(f.RuleID(), "security/")
		if sec != (f.Kind == KindSecurity) {
			t.Errorf("%s %s: kind %s (%s), want security only for security/* rules", f.RuleID(), f.Loc, f.Kind, f.KindReason)
		}
		if f.KindReason == "" {
			t.Errorf("%s: no kind reason", f.RuleID())
		}
	}
	if counts[KindSecurity] == 0 || counts[KindQuality] == 0 {
		t.Fatalf("kinds %v: want both", counts)
	}
}

// TestKindsCorpus: real SARIF from other people's tools.
func TestKindsCorpus(t *testing.T) {
	cases := []struct {
		file string
		want Kind
		min  float64 // at least this share of the findings has kind want
	}{
		{"microsoft-sarif-sdk/TSLint-03.json.sarif", KindQuality, 1},             // a linter
		{"DefectDojo-django-DefectDojo/gitleaks_7.5.0.sarif", KindSecurity, 1},   // secrets
		{"DefectDojo-django-DefectDojo/dependency_check.sarif", KindSecurity, 1}, // dependencies
		{"aquasecurity-trivy/alpine-310.sarif.golden", KindSecurity, 1},
	}
	for _, c := range cases {
		s := mustLoad(t, []string{corpus(t, c.file)}, Options{})
		if len(s.Findings) == 0 {
			t.Fatalf("%s: no findings", c.file)
		}
		n := 0
		for _, f := range s.Findings {
			if f.Kind == c.want {
				n++
			} else if c.min == 1 {
				t.Errorf("%s: %s %s is %s (%s), want %s", c.file, f.ToolName(), f.RuleID(), f.Kind, f.KindReason, c.want)
			}
		}
		if float64(n) < c.min*float64(len(s.Findings)) {
			t.Errorf("%s: %d of %d are %s", c.file, n, len(s.Findings), c.want)
		}
	}
}

// TestKindsCodeQL: CodeQL tags its queries; the security suite's
// ("security" tag, security-severity) are security, the maintainability and
// reliability ones quality — even those tagged with a CWE (py/unused-local-
// variable is CWE-563, py/unreachable-statement CWE-561), as GitHub code
// scanning reads them.
func TestKindsCodeQL(t *testing.T) {
	s := mustLoad(t, []string{corpus(t, "DefectDojo-django-DefectDojo/codeQL-output.sarif")}, Options{})
	n := map[Kind]int{}
	for _, f := range s.Findings {
		n[f.Kind]++
		if want := hasTag(f.Rule.Tags, "security"); want != (f.Kind == KindSecurity) {
			t.Errorf("%s (tags %v): %s (%s)", f.RuleID(), f.Rule.Tags, f.Kind, f.KindReason)
		}
	}
	if n[KindSecurity] == 0 || n[KindQuality] == 0 {
		t.Fatalf("kinds %v", n)
	}
}

// TestKindOverride: .secui.yaml kinds: rules win over the built-in split.
func TestKindOverride(t *testing.T) {
	s := mustLoad(t, []string{realworld(t, "nodegoat/eslint.sarif")}, Options{KindOverrides: []KindOverride{
		{Rule: "no-undef", Kind: KindSecurity, Origin: ".secui.yaml:3"},
		{Rule: "no-unused-vars", Path: "**/app/assets/**", Kind: KindSecurity, Origin: ".secui.yaml:6"},
	}})
	seen := map[string]bool{}
	for _, f := range s.Findings {
		switch {
		case f.RuleID() == "no-undef":
			seen["undef"] = true
			if f.Kind != KindSecurity || f.KindReason != "override .secui.yaml:3" {
				t.Errorf("no-undef: %s (%s)", f.Kind, f.KindReason)
			}
		case f.RuleID() == "no-unused-vars" && strings.Contains(f.Loc.Path, "/app/assets/"):
			seen["assets"] = true
			if f.Kind != KindSecurity || f.KindReason != "override .secui.yaml:6" {
				t.Errorf("%s: %s (%s)", f.Loc, f.Kind, f.KindReason)
			}
		case f.RuleID() == "no-unused-vars":
			seen["other"] = true
			if f.Kind != KindQuality {
				t.Errorf("%s: %s (%s), the path rule must not apply", f.Loc, f.Kind, f.KindReason)
			}
		}
	}
	if len(seen) != 3 {
		t.Fatalf("cases seen: %v", seen)
	}
}

// TestToolErrorsESLint: ESLint's "Definition for rule ... was not found"
// (real ESLint 8.57 output on testdata/realworld/eslint-rulecfg/app.js) is a
// tool error, not a finding; the ordinary lint findings stay.
func TestToolErrorsESLint(t *testing.T) {
	s := mustLoad(t, []string{realworld(t, "eslint-rulecfg/eslint.sarif")}, Options{})
	if len(s.Errors) != 0 {
		t.Fatalf("input errors: %v", s.Errors)
	}
	for _, f := range s.Findings {
		if f.RuleID() != "no-unused-vars" {
			t.Errorf("finding %s %q: want only no-unused-vars", f.RuleID(), f.Message)
		}
		if f.Kind != KindQuality {
			t.Errorf("%s: kind %s", f.RuleID(), f.Kind)
		}
	}
	if len(s.Findings) != 2 {
		t.Errorf("%d findings, want 2", len(s.Findings))
	}
	if len(s.ToolErrors) != 2 {
		t.Fatalf("tool errors %v, want 2", s.ToolErrors)
	}
	for i, rule := range []string{"import/no-unresolved", "react/no-danger"} {
		e := s.ToolErrors[i]
		if !strings.Contains(e.Msg, "Definition for rule '"+rule+"' was not found") || !strings.Contains(e.Msg, "app.js:") ||
			!strings.HasSuffix(e.File, "eslint.sarif") {
			t.Errorf("tool error %d: %s", i, e.Error())
		}
	}
}

// splitToolErrors decides per tool once for the findings of one tool in a
// row; findings of several tools, interleaved, are each judged by their own.
func TestSplitToolErrorsMixedTools(t *testing.T) {
	eslint, pylint, other := &Tool{Name: "ESLint"}, &Tool{Name: "Pylint"}, &Tool{Name: "CodeQL"}
	notFound := "Definition for rule 'x/y' was not found."
	mk := func(tool *Tool, rule, msg string) *Finding {
		return &Finding{Tool: tool, Rule: &Rule{ID: rule}, Message: msg, Loc: Location{Path: "a.js", Line: 1}}
	}
	fs := []*Finding{
		mk(other, "r1", notFound),                // not ESLint: a finding
		mk(eslint, "x/y", notFound),              // tool error
		mk(eslint, "no-unused-vars", "unused"),   // a finding
		mk(pylint, "E0011", "bad option"),        // tool error
		mk(other, "E0011", "bad option"),         // not pylint: a finding
		mk(nil, "r2", notFound),                  // no tool: a finding
		mk(eslint, "x/y", notFound),              // the same tool error again
		mk(pylint, "unused-import", "os unused"), // a finding
	}
	keep, errs := splitToolErrors(fs, "in.sarif")
	var got []string
	for _, f := range keep {
		got = append(got, f.ToolName()+"/"+f.RuleID())
	}
	want := []string{"CodeQL/r1", "ESLint/no-unused-vars", "CodeQL/E0011", "/r2", "Pylint/unused-import"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("kept %v, want %v", got, want)
	}
	if len(errs) != 2 || !strings.Contains(errs[0].Msg, "ESLint configuration") || !strings.Contains(errs[0].Msg, "and 1 more") ||
		!strings.Contains(errs[1].Msg, "pylint configuration") {
		t.Errorf("tool errors %v", errs)
	}
}
