package findings

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every row of every file of the public corpus (and the demo's scans) reads
// well: a title that is not a result-class name, a message without Trivy's
// header or HTML entities, no UUID in the rule column when the rule has a
// name, no ":0" and no placeholder line on a place that is not a file.
func TestReadableRowsWholeCorpus(t *testing.T) {
	dir := corpusDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
	demo, _ := filepath.Glob(filepath.Join("..", "demo", "scans", "*.sarif"))
	// Real logs produced on this machine (testdata/realworld/generate.sh).
	real, _ := filepath.Glob(filepath.Join("..", "testdata", "realworld", "*", "*.sarif"))
	files = append(append(files, demo...), real...)
	if len(files) < 45 {
		t.Fatalf("expected the corpus and the demo scans, found %d files", len(files))
	}
	entity := regexp.MustCompile(`&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot|apos);`)
	perTool := map[string]int{}
	for _, file := range files {
		s, _ := Load(t.Context(), []string{file}, Options{})
		if s == nil {
			continue
		}
		rel := filepath.Base(filepath.Dir(file)) + "/" + filepath.Base(file)
		for _, f := range s.Findings {
			perTool[f.ToolName()]++
			where := rel + ": " + f.ToolName() + " " + f.RuleID()
			if f.Rule != nil && f.Rule.ID != "" {
				if ti := f.Title(); ti == "" || GenericName(ti) {
					t.Errorf("%s: title %q", where, ti)
				}
			}
			h := f.Headline()
			if strings.Contains(h, "has detected secret for file") {
				t.Errorf("%s: headline keeps gitleaks' boilerplate: %q", where, h)
			}
			for _, p := range []string{"Artifact: ", "Package: ", "Installed Version:"} {
				if strings.Contains(h, p) {
					t.Errorf("%s: headline keeps Trivy's boilerplate %q: %q", where, p, h)
				}
			}
			if entity.MatchString(h) {
				t.Errorf("%s: headline keeps an HTML entity: %q", where, h)
			}
			if strings.TrimSpace(f.Message) != "" && strings.TrimSpace(h) == "" {
				t.Errorf("%s: headline empty for message %q", where, f.Message)
			}
			if OpaqueID(f.RuleID()) && f.Rule.Title() != f.RuleID() && f.RuleLabel() == f.RuleID() {
				t.Errorf("%s: rule column shows the UUID, not %q", where, f.Rule.Title())
			}
			p := f.Place()
			if p == "" || strings.HasSuffix(p, ":0") {
				t.Errorf("%s: place %q", where, p)
			}
			if k := f.Loc.Kind(); k != PlaceFile && k != PlaceNone && p != f.Loc.Path {
				t.Errorf("%s: a %s place shows %q, want %q (no line)", where, k, p, f.Loc.Path)
			}
			if f.Loc.Kind() == PlaceFile && f.Loc.Line > 1 && p != f.Loc.String() {
				t.Errorf("%s: file place %q, want %q", where, p, f.Loc.String())
			}
			if id := f.RuleID(); f.VulnID == id && strings.HasPrefix(id, "CVE-") {
				if c := CompactID(id, 12); !strings.HasSuffix(id, strings.TrimPrefix(c, "…")) || len(c) > 12 || strings.HasSuffix(c, "…") {
					t.Errorf("%s: at 12 cells %q reads %q", where, id, c)
				}
			}
		}
	}
	// The tools the corpus and the demo cover; a tool that stopped loading
	// would make the walk above prove nothing for it.
	for _, tool := range []string{"Trivy", "Dockle", "OWASP Dependency-Track", "dependency-check", "CodeQL", "semgrep",
		"SpotBugs", "Gitleaks", "devskim", "mAPI", "Cppcheck", "Snyk IaC", "SnykCode", "mobsfscan", "Contrast Security",
		"Micro Focus Fortify Static Code Analyzer", "TSLint", "Checkov", "grype", "gosec", "ESLint", "Semgrep OSS",
		"tfsec", "gitleaks", "Staticcheck"} {
		if perTool[tool] == 0 {
			t.Errorf("no finding of %s loaded", tool)
		}
	}
}

// The specific rows the issue reported, on the files that show them.
func TestReadableRowsExamples(t *testing.T) {
	load := func(t *testing.T, path string) []*Finding {
		t.Helper()
		return mustLoad(t, []string{path}, Options{}).Findings
	}
	t.Run("trivy vulnerabilities", func(t *testing.T) {
		fs := load(t, corpus(t, "aquasecurity-trivy/alpine-310.sarif.golden"))
		var got []string
		for _, f := range fs {
			got = append(got, f.Title()+" | "+f.Headline())
		}
		want := "openssl: information disclosure in fork() | libcrypto1.1 1.1.1c-r0: openssl: information disclosure in fork() (fixed in 1.1.1d-r0)"
		if got[0] != want {
			t.Errorf("first row %q, want %q", got[0], want)
		}
	})
	t.Run("trivy image by reference", func(t *testing.T) {
		for _, f := range load(t, filepath.Join("..", "demo", "scans", "trivy-image.sarif")) {
			if f.Loc.Kind() != PlaceImage || f.Place() != "ghcr.io/acme/payments:1.4.2" {
				t.Fatalf("%s: place %q kind %s, want the image ghcr.io/acme/payments:1.4.2", f.RuleID(), f.Place(), f.Loc.Kind())
			}
		}
		for _, f := range load(t, corpus(t, "microsoft-sarif-sdk/FileNameOnlyWithoutPath.sarif")) {
			if f.Loc.Kind() != PlaceImage || f.Place() != "docker.io/fluxcd/flux:1.24.1" {
				t.Errorf("%s: place %q kind %s", f.RuleID(), f.Place(), f.Loc.Kind())
			}
		}
	})
	t.Run("dockle has no path", func(t *testing.T) {
		for _, f := range load(t, corpus(t, "DefectDojo-django-DefectDojo/dockle_0_3_15.sarif")) {
			if f.Place() != "(image)" || f.Loc.Kind() != PlaceNone {
				t.Errorf("%s: place %q", f.RuleID(), f.Place())
			}
		}
	})
	t.Run("packages by purl", func(t *testing.T) {
		for _, f := range load(t, corpus(t, "DependencyTrack-dependency-track/expected-all.sarif.json")) {
			if f.Loc.Kind() != PlacePackage || !strings.HasPrefix(f.Place(), "pkg:maven/") {
				t.Errorf("%s: place %q kind %s", f.RuleID(), f.Place(), f.Loc.Kind())
			}
		}
	})
	t.Run("rule id repeated in the message", func(t *testing.T) {
		for _, f := range load(t, corpus(t, "DefectDojo-django-DefectDojo/dependency_check.sarif")) {
			if strings.HasPrefix(f.RuleID(), "CVE-") && strings.HasPrefix(f.Headline(), f.RuleID()) {
				t.Errorf("%s: headline %q repeats the id", f.RuleID(), f.Headline())
			}
		}
	})
	t.Run("semgrep title that only repeats the id", func(t *testing.T) {
		for _, f := range load(t, filepath.Join("..", "demo", "scans", "semgrep.sarif")) {
			if strings.HasPrefix(f.Title(), "Semgrep Finding:") {
				t.Errorf("%s: title %q", f.RuleID(), f.Title())
			}
		}
	})
}

func TestTrivyHeadlines(t *testing.T) {
	// The four message layouts of Trivy's SARIF writer (pkg/report/sarif.go).
	cases := []struct{ msg, short, want string }{
		{"Artifact: main.tf\nType: terraform\nVulnerability AVD-AWS-0086\nSeverity: HIGH\nMessage: No public access block so not blocking public acls\nLink: [AVD-AWS-0086](https://avd.aquasec.com/misconfig/avd-aws-0086)",
			"S3 Access block should block public ACL", "No public access block so not blocking public acls"},
		{"Artifact: config/settings.py\nType: \nSecret AWS Access Key ID\nSeverity: CRITICAL\nMatch: AWS_ACCESS_KEY_ID = \"********************\"",
			"AWS Access Key ID", `AWS Access Key ID: AWS_ACCESS_KEY_ID = "********************"`},
		{"Artifact: package-lock.json\nLicense GPL-3.0\nPkgName: foo\n Classification: restricted\n Path: node_modules/foo/package.json",
			"GPL-3.0 in foo", "GPL-3.0 in foo (restricted)"},
		{"Package: lodash\nInstalled Version: 4.17.15\nVulnerability CVE-2020-8203\nSeverity: HIGH\nFixed Version: \nLink: [CVE-2020-8203](https://avd.aquasec.com/nvd/cve-2020-8203)",
			"nodejs-lodash: prototype pollution", "lodash 4.17.15: nodejs-lodash: prototype pollution (no fix yet)"},
	}
	for _, c := range cases {
		f := &Finding{Message: c.msg, Rule: &Rule{ID: "X", Name: "Misconfiguration", Short: c.short}}
		if got := f.Headline(); got != c.want {
			t.Errorf("headline %q, want %q", got, c.want)
		}
		if f.Title() != c.short {
			t.Errorf("title %q, want %q", f.Title(), c.short)
		}
	}
}

func TestCompactIDAndPlaceKinds(t *testing.T) {
	for _, c := range []struct {
		id   string
		w    int
		want string
	}{
		{"CVE-2020-11022", 14, "CVE-2020-11022"}, {"CVE-2020-11022", 12, "2020-11022"}, {"CVE-2020-11022", 8, "…0-11022"},
		{"GHSA-abcd-efgh-ijkl", 12, "…d-efgh-ijkl"}, {"py/sql-injection", 8, "py/sql-…"},
	} {
		if got := CompactID(c.id, c.w); got != c.want {
			t.Errorf("CompactID(%q, %d) = %q, want %q", c.id, c.w, got, c.want)
		}
	}
	for _, c := range []struct {
		loc  Location
		kind PlaceKind
		show string
	}{
		{Location{Path: "ghcr.io/acme/payments:1.4.2", InRepo: true, Line: 1, Col: 1, EndLine: 1, EndCol: 1}, PlaceImage, "ghcr.io/acme/payments:1.4.2"},
		{Location{Path: "alpine@sha256:" + strings.Repeat("a", 64), InRepo: true}, PlaceImage, "alpine@sha256:" + strings.Repeat("a", 64)},
		{Location{Path: "pkg:npm/lodash@4.17.15"}, PlacePackage, "pkg:npm/lodash@4.17.15"},
		{Location{Path: "https://example.com/login", Line: 3}, PlaceURL, "https://example.com/login"},
		{Location{Path: "app/main.go", InRepo: true, Line: 12, Col: 3}, PlaceFile, "app/main.go:12"},
		{Location{Path: "go.mod", InRepo: true, Line: 1, Col: 1, EndLine: 1, EndCol: 1}, PlaceFile, "go.mod"},
		{Location{Path: "app/main.go", InRepo: true, Line: 0}, PlaceFile, "app/main.go"},
		{Location{Path: "Boot.main"}, PlaceLogical, "Boot.main"},
		{Location{}, PlaceNone, ""},
	} {
		if k := c.loc.Kind(); k != c.kind || c.loc.Place() != c.show {
			t.Errorf("%+v: kind %s place %q, want %s %q", c.loc, k, c.loc.Place(), c.kind, c.show)
		}
	}
}
