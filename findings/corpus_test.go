package findings

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// corpusExpect is what each public SARIF sample must load to.
type corpusExpect struct {
	runs, results, findings int
	err                     string // substring of the first error ("" = none)
	errPos                  string // "line:col" of the first error
}

var corpusTable = map[string]corpusExpect{
	"DefectDojo-django-DefectDojo/DefectDojo_django-DefectDojo__2020-12-11_13 42 10__export.sarif": {2, 510, 510, "", ""},
	"DefectDojo-django-DefectDojo/appendix_k.sarif":                                                {1, 1, 1, "", ""},
	"DefectDojo-django-DefectDojo/bash-report.sarif":                                               {1, 27, 27, "", ""},
	"DefectDojo-django-DefectDojo/blackduck_nested_fingerprints.sarif":                             {1, 5, 5, "", ""},
	"DefectDojo-django-DefectDojo/codeQL-output.sarif":                                             {1, 72, 72, "", ""},
	"DefectDojo-django-DefectDojo/cppcheck_many_vuln.sarif":                                        {1, 7, 7, "", ""},
	"DefectDojo-django-DefectDojo/dependency_check.sarif":                                          {1, 13, 13, "", ""},
	"DefectDojo-django-DefectDojo/devskim_many_vuln.sarif":                                         {1, 7, 7, "", ""},
	"DefectDojo-django-DefectDojo/dockle_0_3_15.sarif":                                             {1, 4, 4, "", ""},
	"DefectDojo-django-DefectDojo/gitleaks_7.5.0.sarif":                                            {1, 8, 8, "", ""},
	"DefectDojo-django-DefectDojo/mayhem_api_many_vulns.sarif":                                     {1, 20, 20, "", ""},
	"DefectDojo-django-DefectDojo/no_runs.sarif":                                                   {0, 0, 0, "", ""},
	"DefectDojo-django-DefectDojo/semgrepowasp-benchmark-sample.sarif":                             {1, 1768, 1768, "", ""},
	"DefectDojo-django-DefectDojo/spotbugs.sarif":                                                  {1, 56, 56, "", ""},
	"DefectDojo-django-DefectDojo/suppression_test.sarif":                                          {1, 5, 5, "", ""},
	"DependencyTrack-dependency-track/expected-all.sarif.json":                                     {1, 5, 5, "", ""},
	"aquasecurity-trivy/alpine-310.sarif.golden":                                                   {1, 4, 4, "", ""},
	"github-codeql-action/invalid-sarif.sarif":                                                     {1, 0, 0, "runs[0].results must be an array, found a number", "14:18"},
	"github-codeql-action/tool-names.sarif":                                                        {5, 0, 0, "", ""},
	"github-codeql-action/valid-sarif.sarif":                                                       {2, 3, 3, "", ""},
	"github-codeql-action/with-invalid-uri.sarif":                                                  {1, 1, 1, "", ""},
	"microsoft-sarif-sdk/Comprehensive.sarif":                                                      {0, 0, 0, `unsupported SARIF version "2.0.0"`, "1:1"},
	"microsoft-sarif-sdk/CppCheck_issueLog1_raw.xml.sarif":                                         {1, 188, 188, "", ""},
	"microsoft-sarif-sdk/CweTaxonomy.sarif":                                                        {1, 0, 0, "", ""},
	"microsoft-sarif-sdk/FileNameOnlyWithoutPath.sarif":                                            {1, 2, 2, "", ""},
	"microsoft-sarif-sdk/FortifyTest.fpr.sarif":                                                    {1, 3, 3, "", ""},
	"microsoft-sarif-sdk/Invalid.sarif":                                                            {0, 0, 0, "not a SARIF log", "1:1"},
	"microsoft-sarif-sdk/JSON1001.SyntaxError.sarif":                                               {0, 0, 0, "invalid JSON: invalid character ','", "3:3"},
	"microsoft-sarif-sdk/JSON1002.DeserializationError.sarif":                                      {1, 1, 1, "", ""},
	"microsoft-sarif-sdk/LocationId_BigInteger.sarif":                                              {1, 1, 1, "", ""},
	"microsoft-sarif-sdk/NewAndOldResults.sarif":                                                   {1, 5, 5, "", ""},
	"microsoft-sarif-sdk/NullResults.sarif":                                                        {1, 0, 0, "", ""},
	"microsoft-sarif-sdk/SARIF1004.ExpressUriBaseIdsCorrectly_Invalid.sarif":                       {1, 1, 1, "", ""},
	"microsoft-sarif-sdk/TSLint-03.json.sarif":                                                     {1, 3007, 3007, "", ""},
	"microsoft-sarif-sdk/WebGoat.xml.sarif":                                                        {1, 30, 30, "", ""},
	"microsoft-sarif-sdk/elfie-arriba-utf8-bom.sarif":                                              {1, 5, 5, "", ""},
	"microsoft-sarif-sdk/elfie-arriba.sarif":                                                       {1, 5, 5, "", ""},
	"microsoft-sarif-vscode-extension/rulesExtensions.sarif":                                       {1, 5, 5, "", ""},
	"snyk-cli/integrated-sarif-output.json":                                                        {1, 4, 4, "", ""},
	"snyk-cli/test-sarif.json":                                                                     {1, 11, 11, "", ""},
}

func TestCorpusEveryFile(t *testing.T) {
	dir := corpusDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
	if len(files) < 40 {
		t.Fatalf("expected the 40 corpus files, found %d", len(files))
	}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		rel = filepath.ToSlash(rel)
		want, ok := corpusTable[rel]
		if !ok {
			t.Errorf("%s: not in corpusTable (add its expected counts)", rel)
			continue
		}
		t.Run(rel, func(t *testing.T) {
			s := mustLoad(t, []string{f}, Options{})
			fi := s.Files[0]
			if fi.Runs != want.runs || fi.Results != want.results || len(s.Findings) != want.findings {
				t.Errorf("runs/results/findings = %d/%d/%d, want %d/%d/%d", fi.Runs, fi.Results, len(s.Findings), want.runs, want.results, want.findings)
			}
			if want.err == "" {
				if len(s.Errors) > 0 {
					t.Errorf("unexpected error: %v", s.Errors[0])
				}
				return
			}
			if len(s.Errors) == 0 {
				t.Fatalf("want error %q, got none", want.err)
			}
			e := s.Errors[0]
			if !strings.Contains(e.Msg, want.err) {
				t.Errorf("error %q does not contain %q", e.Error(), want.err)
			}
			if got := itoa(e.Line) + ":" + itoa(e.Col); got != want.errPos {
				t.Errorf("error position %s, want %s (%v)", got, want.errPos, e)
			}
			if !strings.HasPrefix(e.Error(), filepath.Base(f)) && !strings.Contains(e.Error(), filepath.Base(f)) {
				t.Errorf("error %q does not name the file", e.Error())
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestCorpusBadFileDoesNotStopOthers(t *testing.T) {
	good := corpus(t, "aquasecurity-trivy/alpine-310.sarif.golden")
	bad := corpus(t, "microsoft-sarif-sdk/JSON1001.SyntaxError.sarif")
	s := mustLoad(t, []string{bad, good, filepath.Join(t.TempDir(), "missing.sarif")}, Options{})
	if len(s.Findings) != 4 {
		t.Fatalf("findings = %d, want the good file's 4", len(s.Findings))
	}
	if len(s.Errors) != 2 {
		t.Fatalf("errors = %v, want 2 (syntax error, missing file)", s.Errors)
	}
	all := s.Errors[0].Error() + "\n" + s.Errors[1].Error()
	if !strings.Contains(all, "missing.sarif: no such file") || !strings.Contains(all, "JSON1001.SyntaxError.sarif:3:3: invalid JSON") {
		t.Errorf("errors = %q", all)
	}
}

func TestCorpusCodeQL(t *testing.T) {
	s := mustLoad(t, []string{corpus(t, "DefectDojo-django-DefectDojo/codeQL-output.sarif")}, Options{})
	counts := map[Severity]int{}
	for _, f := range s.Findings {
		counts[f.Severity]++
		if f.Category != CatSAST || f.Stage != StageCode {
			t.Fatalf("%s: %s/%s, want sast/code", f.RuleID(), f.Category, f.Stage)
		}
		if f.IDLayer != LayerLineHash || f.IDLayer.Strong() {
			t.Fatalf("%s: ID layer %s, want the weak line-hash (CodeQL emits the positional primaryLocationLineHash)", f.RuleID(), f.IDLayer)
		}
	}
	if counts[SevHigh] != 11 || counts[SevMedium] != 4 || counts[SevLow] != 57 {
		t.Errorf("severity counts = %v", counts)
	}
	f := s.Findings[0]
	if f.RuleID() != "py/empty-except" || f.Loc.Path != "good/db_init.py" || f.Loc.Line != 39 || !f.Loc.InRepo {
		t.Errorf("first finding = %s %s", f.RuleID(), f.Loc)
	}
	if len(f.CWEs) != 1 || f.CWEs[0] != "CWE-390" {
		t.Errorf("CWEs = %v, want [CWE-390] from the rule tags", f.CWEs)
	}
	// A data-flow finding has code flows, decoded lazily.
	flows := 0
	for _, f := range s.Findings {
		d, err := s.Details(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Flows) > 0 {
			flows++
			if len(d.Flows[0].Steps) < 2 || d.Flows[0].Steps[0].Loc.Path == "" {
				t.Errorf("%s: flow steps %+v", f.RuleID(), d.Flows[0].Steps)
			}
		}
	}
	if flows == 0 {
		t.Error("no finding with a code flow")
	}
}

func TestCorpusTrivyImage(t *testing.T) {
	s := mustLoad(t, []string{corpus(t, "aquasecurity-trivy/alpine-310.sarif.golden")}, Options{})
	f := s.Findings[0]
	if f.VulnID != "CVE-2019-1549" || f.Package != "libcrypto1.1@1.1.1c-r0" {
		t.Errorf("vuln/package = %q %q", f.VulnID, f.Package)
	}
	if f.Severity != SevMedium || f.SevFrom != "rule security-severity 5.3" {
		t.Errorf("severity = %s from %q", f.Severity, f.SevFrom)
	}
	if f.Category != CatContainer || f.Stage != StageBuild {
		t.Errorf("class = %s/%s (%s), want container/build", f.Category, f.Stage, f.StageReason)
	}
	if f.Loc.Path != "testdata/fixtures/images/alpine-310.tar.gz" || f.Loc.Line != 1 {
		t.Errorf("loc = %s", f.Loc)
	}
	if f.IDLayer != LayerVuln {
		t.Errorf("layer = %s, want vulnerability", f.IDLayer)
	}
}

func TestCorpusClassification(t *testing.T) {
	cases := []struct {
		file  string
		cat   Category
		stage Stage
	}{
		{"DefectDojo-django-DefectDojo/gitleaks_7.5.0.sarif", CatSecrets, StageCode},
		{"snyk-cli/integrated-sarif-output.json", CatIaC, StageDeploy},
		{"DefectDojo-django-DefectDojo/dockle_0_3_15.sarif", CatContainer, StageBuild},
		{"DefectDojo-django-DefectDojo/mayhem_api_many_vulns.sarif", CatDAST, StageBuild},
		{"DefectDojo-django-DefectDojo/dependency_check.sarif", CatSCA, StageCode},
		{"DefectDojo-django-DefectDojo/semgrepowasp-benchmark-sample.sarif", CatSAST, StageCode},
		{"microsoft-sarif-sdk/TSLint-03.json.sarif", CatLint, StageCode},
	}
	for _, c := range cases {
		s := mustLoad(t, []string{corpus(t, c.file)}, Options{})
		for _, f := range s.Findings {
			if f.Category != c.cat || f.Stage != c.stage {
				t.Errorf("%s: %s → %s/%s (%s), want %s/%s", c.file, f.ToolName(), f.Category, f.Stage, f.StageReason, c.cat, c.stage)
				break
			}
			if f.StageReason == "" {
				t.Errorf("%s: no stage reason", c.file)
				break
			}
		}
	}
}

func TestCorpusSuppressionsAndBaseline(t *testing.T) {
	s := mustLoad(t, []string{corpus(t, "DefectDojo-django-DefectDojo/suppression_test.sarif")}, Options{})
	var lanes []InputSuppression
	for _, f := range s.Findings {
		lanes = append(lanes, f.InputSup)
	}
	// external, external, inSource (no status: accepted), null, [] (not suppressed)
	want := []InputSuppression{InAccepted, InAccepted, InAccepted, InNone, InNone}
	for i := range want {
		if lanes[i] != want[i] {
			t.Fatalf("lanes = %v, want %v", lanes, want)
		}
	}
	s = mustLoad(t, []string{corpus(t, "microsoft-sarif-sdk/NewAndOldResults.sarif")}, Options{})
	var states []string
	for _, f := range s.Findings {
		states = append(states, f.BaselineState)
	}
	if strings.Join(states, ",") != "new,absent,unchanged,updated,new" {
		t.Errorf("baseline states = %v", states)
	}
}

func TestCorpusRulesInExtensionsAndFixes(t *testing.T) {
	s := mustLoad(t, []string{corpus(t, "microsoft-sarif-vscode-extension/rulesExtensions.sarif")}, Options{})
	for _, f := range s.Findings {
		if f.Rule.Name == "" {
			t.Errorf("result %d: rule %q not resolved from tool.extensions", f.Sources[0].Result, f.RuleID())
		}
	}
	s = mustLoad(t, []string{corpus(t, "DefectDojo-django-DefectDojo/devskim_many_vuln.sarif")}, Options{})
	fixes := 0
	for _, f := range s.Findings {
		d, err := s.Details(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, fx := range d.Fixes {
			fixes++
			if fx.Description == "" || len(fx.Changes) == 0 || fx.Changes[0].Path == "" {
				t.Errorf("fix %+v", fx)
			}
			r := fx.Changes[0].Replacements[0]
			if r.StartLine == 0 && r.CharOffset < 0 && r.ByteOffset < 0 {
				t.Errorf("fix replacement has no region: %+v", r)
			}
		}
	}
	if fixes == 0 {
		t.Error("devskim fixes not decoded")
	}
}

func TestCorpusLogicalLocationsAndNullTool(t *testing.T) {
	s := mustLoad(t, []string{corpus(t, "DependencyTrack-dependency-track/expected-all.sarif.json")}, Options{})
	if p := s.Findings[0].Loc.Path; p != "pkg:maven/org.acme/component1@1.1.4?type=jar" || s.Findings[0].Loc.InRepo {
		t.Errorf("logical location path = %q", p)
	}
	s = mustLoad(t, []string{corpus(t, "github-codeql-action/tool-names.sarif")}, Options{})
	if len(s.Errors) != 0 {
		t.Errorf("errors: %v", s.Errors)
	}
}
