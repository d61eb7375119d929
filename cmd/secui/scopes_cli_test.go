package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Scoped decisions end to end with the real binary on real ESLint output
// (testdata/eslint-nodegoat: ESLint 9 on OWASP NodeGoat, gen.sh).

func eslintRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	data, err := os.ReadFile(filepath.Join("testdata", "eslint-nodegoat", "eslint.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "eslint.sarif"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

type scopeCheckDoc struct {
	Passed   bool `json:"passed"`
	Open     int  `json:"open"`
	Over     int  `json:"open_over_threshold"`
	Problems []struct {
		Kind, ID, Message string
	} `json:"problems"`
	Warnings []struct {
		Kind, ID, Message string
	} `json:"warnings"`
}

func scopeCheck(t *testing.T, dir string, extra []string, args ...string) scopeCheckDoc {
	t.Helper()
	r := runCmd(t, dir, extra, nil, append([]string{"check", "--json"}, args...)...)
	var doc scopeCheckDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("check --json: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	return doc
}

func records(t *testing.T, dir string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, ".secui", "ledger.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(data), "\n- id: ")
}

func TestScopeRuleSuppressionCLI(t *testing.T) {
	dir := eslintRepo(t)
	all := listJSON(t, dir, "--state", "open")
	noisy := len(find(all, "ESLint", "security/detect-object-injection"))
	if noisy != 1100 {
		t.Fatalf("%d findings of the noisy rule, want 1100", noisy)
	}
	before := scopeCheck(t, dir, nil, "--fail-on", "low")

	r := runIn(t, dir, nil, "suppress", "--scope", "rule", "--tool", "eslint", "--rule", "security/detect-object-injection",
		"--reason", "wont-fix", "-j", "bracket access in vendored bootstrap and jquery, not our code")
	if r.code != 0 || !strings.Contains(r.stdout, "1 record") || !strings.Contains(r.stdout, "covers 1100 finding(s)") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := records(t, dir); n != 1 {
		t.Fatalf("%d ledger records, want 1", n)
	}
	sup := listJSON(t, dir, "--state", "suppressed")
	if len(sup.Findings) != 1100 {
		t.Fatalf("%d suppressed, want 1100", len(sup.Findings))
	}
	var raw struct {
		Findings []struct {
			Rule  string `json:"rule"`
			Match struct {
				How   string `json:"how"`
				Scope struct{ Kind, Tool, Rule, Path string }
			} `json:"match"`
		} `json:"findings"`
	}
	out := runIn(t, dir, nil, "list", "--json", "--state", "suppressed")
	if err := json.Unmarshal([]byte(out.stdout), &raw); err != nil {
		t.Fatal(err)
	}
	for _, f := range raw.Findings {
		if f.Rule != "security/detect-object-injection" || f.Match.How != "scope" || f.Match.Scope.Kind != "rule" || f.Match.Scope.Tool != "ESLint" {
			t.Fatalf("match %+v", f)
		}
	}
	// The gate honours the scope: 1100 fewer open findings over the threshold.
	after := scopeCheck(t, dir, nil, "--fail-on", "low")
	if before.Over-after.Over != 1100 || after.Open != before.Open-1100 {
		t.Fatalf("check: over threshold %d -> %d, open %d -> %d", before.Over, after.Over, before.Open, after.Open)
	}
	// Idempotent: the same decision again is the same one record.
	r = runIn(t, dir, nil, "suppress", "--scope", "rule", "--tool", "ESLint", "--rule", "security/detect-object-injection",
		"--reason", "wont-fix", "-j", "bracket access in vendored bootstrap and jquery, not our code")
	if r.code != 0 || records(t, dir) != 1 {
		t.Fatalf("second decision: exit %d, %d records\n%s", r.code, records(t, dir), r.stderr)
	}
	// Reopening one finding inside the scope shows it again; the scope stays.
	id := find(sup, "ESLint", "security/detect-object-injection")[0].ID
	r = runIn(t, dir, nil, "reopen", id, "--note", "this access takes user input: check it")
	if r.code != 0 {
		t.Fatalf("reopen: %d %s", r.code, r.stderr)
	}
	if n := len(listJSON(t, dir, "--state", "suppressed").Findings); n != 1099 || records(t, dir) != 2 {
		t.Fatalf("after reopening one: %d suppressed, %d records", n, records(t, dir))
	}
}

func TestScopePathAndRulePathCLI(t *testing.T) {
	dir := eslintRepo(t)
	all := listJSON(t, dir, "--state", "open")
	inTests, undefInTests := 0, 0
	for _, f := range all.Findings {
		if strings.HasPrefix(f.Path, "test/") {
			inTests++
			if f.Rule == "no-undef" {
				undefInTests++
			}
		}
	}
	r := runIn(t, dir, nil, "suppress", "--scope", "rule", "--tool", "eslint", "--rule", "no-undef", "--path", "test/**",
		"--reason", "used-in-tests", "-j", "cypress and mocha globals in the end-to-end tests")
	if r.code != 0 || !strings.Contains(r.stdout, "rule ESLint no-undef in test/** suppressed") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runIn(t, dir, nil, "accept", "--scope", "path", "--path", "test", "--note", "test code is rewritten in WEB-12 next quarter", "--due", "90d")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	sup, acc := listJSON(t, dir, "--state", "suppressed"), listJSON(t, dir, "--state", "accepted")
	if len(sup.Findings) != undefInTests || len(acc.Findings) != inTests-undefInTests || undefInTests == 0 {
		t.Fatalf("%d suppressed (want %d), %d accepted (want %d)", len(sup.Findings), undefInTests, len(acc.Findings), inTests-undefInTests)
	}
	// secui ledger: what each scope covers, and the stale one
	r = runIn(t, dir, nil, "suppress", "--scope", "rule", "--tool", "ESLint", "--rule", "no-eval", "--reason", "false-positive",
		"-j", "eval is only used by the template engine on constants")
	if r.code != 0 || !strings.Contains(r.stdout, "covers 0 finding(s) now (stale") {
		t.Fatalf("%s%s", r.stdout, r.stderr)
	}
	r = runIn(t, dir, nil, "ledger", "--json")
	var doc struct {
		Counts    struct{ Total, Scopes, Stale int }
		Decisions []struct {
			State string
			Scope *struct{ Kind, Tool, Rule, Path string }
			Match struct {
				Kind     string
				Covers   int
				Shadowed int
				Stale    bool
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err, r.stdout)
	}
	if doc.Counts.Total != 3 || doc.Counts.Scopes != 3 || doc.Counts.Stale != 1 {
		t.Fatalf("counts %+v", doc.Counts)
	}
	for _, d := range doc.Decisions {
		want := map[string]int{"no-undef": undefInTests, "": inTests - undefInTests, "no-eval": 0}[d.Scope.Rule]
		if d.Match.Kind != "scope" || d.Match.Covers != want || d.Match.Stale != (d.Scope.Rule == "no-eval") {
			t.Errorf("%+v: covers %d, want %d", d.Scope, d.Match.Covers, want)
		}
	}
	r = runIn(t, dir, nil, "ledger", "--stale")
	if !strings.Contains(r.stdout, "Stale scopes") || !strings.Contains(r.stdout, "no-eval") || strings.Contains(r.stdout, "test/**") {
		t.Fatalf("ledger --stale:\n%s", r.stdout)
	}
	// check: the stale scope is a warning, a problem with --strict
	c := scopeCheck(t, dir, nil)
	if len(c.Warnings) != 1 || c.Warnings[0].Kind != "stale-scope" {
		t.Fatalf("warnings %+v", c.Warnings)
	}
	c = scopeCheck(t, dir, nil, "--strict")
	found := false
	for _, p := range c.Problems {
		found = found || p.Kind == "stale-scope"
	}
	if !found {
		t.Fatalf("--strict: no stale-scope problem in %+v", c.Problems)
	}
}

func TestScopeRulesCLI(t *testing.T) {
	dir := eslintRepo(t)
	for _, bad := range [][]string{
		{"suppress", "--scope", "rule", "--rule", "no-undef", "--reason", "wont-fix", "-j", "globals come from the browser page"},
		{"suppress", "--scope", "rule", "--tool", "eslint", "--rule", "no-undef", "--reason", "wont-fix", "-j", "fp"},
		{"suppress", "--scope", "path", "--reason", "wont-fix", "-j", "vendored code we do not maintain"},
		{"suppress", "--scope", "path", "--path", "../x/**", "--reason", "wont-fix", "-j", "vendored code we do not maintain"},
		{"suppress", "--scope", "rule", "--tool", "eslint", "--rule", "no-undef", "--severity", "high", "--reason", "wont-fix", "-j", "globals come from the browser page"},
		{"suppress", "--scope", "rule", "--tool", "eslint", "--rule", "no-undef", "--reason", "wont-fix", "-j", "globals come from the browser page", "--expires", "2y"},
		{"accept", "--scope", "rule", "--tool", "eslint", "--rule", "no-undef"},
		{"suppress", "--scope", "file", "--path", "x", "--reason", "wont-fix", "-j", "vendored code we do not maintain"},
	} {
		r := runIn(t, dir, nil, bad...)
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage)\n%s%s", bad, r.code, r.stdout, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".secui", "ledger.yaml")); err == nil {
		t.Fatal("a refused scope decision wrote the ledger")
	}
	// expiry: past it, the scope's findings are open again and check fails
	r := runIn(t, dir, nil, "suppress", "--scope", "rule", "--tool", "eslint", "--rule", "security/detect-object-injection",
		"--reason", "wont-fix", "-j", "bracket access in vendored bootstrap and jquery, not our code", "--expires", "30d")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	later := []string{"SECUI_NOW=2027-01-15T12:00:00Z"}
	c := scopeCheck(t, dir, later)
	expired := 0
	for _, p := range c.Problems {
		if p.Kind == "expired" {
			expired++
		}
	}
	if c.Passed || expired != 1 {
		t.Fatalf("after expiry: passed=%v, %d expired problems", c.Passed, expired)
	}
	if n := len(listJSON(t, dir, "--state", "suppressed").Findings); n != 1100 {
		t.Fatalf("before expiry %d suppressed", n)
	}
	r = runCmd(t, dir, later, nil, "list", "--json", "--state", "suppressed")
	if strings.Contains(r.stdout, `"how": "scope"`) {
		t.Fatal("an expired scope still suppresses")
	}
}

func TestLedgerImportCLI(t *testing.T) {
	dir := eslintRepo(t)
	// real Trivy output (the Trivy project's golden SARIF of an Alpine image)
	data, err := os.ReadFile(corpus(t, "public/aquasecurity-trivy/alpine-310.sarif.golden"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "trivy.sarif"), data, 0o644)
	trivy := listJSON(t, dir, "--tool", "Trivy")
	cve := trivy.Findings[0].Rule
	n := len(find(trivy, "Trivy", cve))
	os.WriteFile(filepath.Join(dir, ".trivyignore"), []byte("# accepted for the base image\n"+cve+"\nCVE-2000-0001 exp:2020-01-01\nAVD-DS-0002 exp:2027-03-01\n"), 0o644)
	r := runIn(t, dir, nil, "ledger", "import", ".trivyignore", "--reason", "accepted-risk", "-j", "the base image is replaced in PLAT-7 this month")
	if r.code != 0 || !strings.Contains(r.stdout, "imported 2 scope record(s)") || !strings.Contains(r.stdout, "not imported: expired on 2020-01-01") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if records(t, dir) != 2 || len(listJSON(t, dir, "--state", "suppressed").Findings) != n {
		t.Fatalf("%d records; suppressed %d, want %d", records(t, dir), len(listJSON(t, dir, "--state", "suppressed").Findings), n)
	}
	// path list: vendored code, with a refused negation first (nothing written)
	os.WriteFile(filepath.Join(dir, ".semgrepignore"), []byte("# vendored\n/app/assets/vendor/\n!app/assets/vendor/keep.js\n"), 0o644)
	r = runIn(t, dir, nil, "ledger", "import", ".semgrepignore", "--reason", "wont-fix", "-j", "vendored code we do not maintain")
	if r.code != 2 || !strings.Contains(r.stderr, ".semgrepignore:3: negated pattern") || records(t, dir) != 2 {
		t.Fatalf("negation: exit %d\n%s", r.code, r.stderr)
	}
	os.WriteFile(filepath.Join(dir, ".semgrepignore"), []byte("# vendored\n/app/assets/vendor/\n*.min.js\n"), 0o644)
	r = runIn(t, dir, nil, "ledger", "import", ".semgrepignore", "--reason", "wont-fix", "-j", "vendored code we do not maintain")
	if r.code != 0 || records(t, dir) != 4 {
		t.Fatalf("exit %d, %d records\n%s%s", r.code, records(t, dir), r.stdout, r.stderr)
	}
	vendor := 0
	for _, f := range listJSON(t, dir, "--state", "open,suppressed").Findings {
		if strings.HasPrefix(f.Path, "app/assets/vendor/") {
			vendor++
		}
	}
	if !strings.Contains(r.stdout, "path app/assets/vendor  covers "+itoa(vendor)+" finding(s)") {
		t.Fatalf("want %d vendored findings covered:\n%s", vendor, r.stdout)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
