package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The README's `secui export -o results.sarif` inside the repository: the
// export is 0644, marked, never rediscovered (a reopened finding does not
// stay hidden behind the export's old suppression), and each run has its
// own automationDetails.id.
func TestExportRoundTrip(t *testing.T) {
	dir := demoRepo(t)
	count := func(args ...string) (int, result) {
		t.Helper()
		r := runIn(t, dir, nil, append([]string{"list", "--json", "--all"}, args...)...)
		var doc struct {
			Findings []map[string]any `json:"findings"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("list --json: %v\n%s", err, r.stderr)
		}
		return len(doc.Findings), r
	}
	before, _ := count()
	if before == 0 {
		t.Fatal("the demo has no findings")
	}
	// Suppress one finding, export, then reopen it.
	var one struct {
		Findings []struct {
			ID string `json:"id"`
		} `json:"findings"`
	}
	r := runIn(t, dir, nil, "list", "--json", "--tool", "gosec")
	if err := json.Unmarshal([]byte(r.stdout), &one); err != nil || len(one.Findings) == 0 {
		t.Fatalf("no gosec finding: %v\n%s", err, r.stderr)
	}
	id := one.Findings[0].ID
	if r := runIn(t, dir, nil, "suppress", id, "--reason", "false-positive", "--justification", "checked by hand: the input is a constant"); r.code != 0 {
		t.Fatalf("suppress: %d\n%s", r.code, r.stderr)
	}
	os.Remove(filepath.Join(dir, "results.sarif"))
	if r := runIn(t, dir, nil, "export", "-o", "results.sarif"); r.code != 0 {
		t.Fatalf("export: %d\n%s", r.code, r.stderr)
	}
	st, err := os.Stat(filepath.Join(dir, "results.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("export mode %v, want 0644", st.Mode().Perm())
	}
	// Exported again over itself (atomic replace): still 0644.
	if r := runIn(t, dir, nil, "export", "-o", "results.sarif"); r.code != 0 {
		t.Fatalf("export again: %d\n%s", r.code, r.stderr)
	}
	if st, _ := os.Stat(filepath.Join(dir, "results.sarif")); st.Mode().Perm() != 0o644 {
		t.Errorf("re-export mode %v, want 0644", st.Mode().Perm())
	}
	data, _ := os.ReadFile(filepath.Join(dir, "results.sarif"))
	var log struct {
		Properties map[string]any `json:"properties"`
		Runs       []struct {
			Tool struct {
				Driver struct {
					Name string `json:"name"`
				} `json:"driver"`
			} `json:"tool"`
			AutomationDetails struct {
				ID string `json:"id"`
			} `json:"automationDetails"`
			Properties map[string]any `json:"properties"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	if log.Properties["secui-export"] != true {
		t.Errorf("log properties %v lack secui-export", log.Properties)
	}
	if i, j := strings.Index(string(data), `"secui-export"`), strings.Index(string(data), `"runs"`); i < 0 || i > j || i > 4096 {
		t.Errorf("marker at %d, runs at %d: discovery reads only the head", i, j)
	}
	cats := map[string]string{}
	trivyRuns := 0
	for _, run := range log.Runs {
		id := run.AutomationDetails.ID
		if id == "" || run.Properties["secui-export"] != true {
			t.Errorf("run of %s: automationDetails.id %q, properties %v", run.Tool.Driver.Name, id, run.Properties)
		}
		cat := id[:strings.LastIndexByte(id, '/')+1] // GitHub's category: up to the last "/"
		if other, dup := cats[cat]; dup {
			t.Errorf("runs of %s and %s share the category %q", other, run.Tool.Driver.Name, cat)
		}
		cats[cat] = run.Tool.Driver.Name
		if run.Tool.Driver.Name == "Trivy" {
			trivyRuns++
		}
	}
	if len(log.Runs) < 5 || trivyRuns < 2 {
		t.Errorf("%d runs, %d of Trivy: the demo has several tools and two Trivy runs", len(log.Runs), trivyRuns)
	}
	// Not rediscovered: the same count, and the skip is said.
	after, r2 := count()
	if after != before {
		t.Errorf("after export: %d findings, before %d (the export was loaded again)", after, before)
	}
	if !strings.Contains(r2.stderr, "results.sarif: skipped: a secui export") {
		t.Errorf("stderr does not say the export was skipped:\n%s", r2.stderr)
	}
	// Reopened in the ledger: open again, not hidden by the export's copy.
	if r := runIn(t, dir, nil, "reopen", id); r.code != 0 {
		t.Fatalf("reopen: %d\n%s", r.code, r.stderr)
	}
	r = runIn(t, dir, nil, "list", "--json", "--tool", "gosec")
	if !strings.Contains(r.stdout, `"id": "`+id+`"`) {
		t.Errorf("reopened finding %s is not listed as open:\n%s", id, r.stderr)
	}
	// Given explicitly, the export loads (with the old suppression).
	if n, _ := count("results.sarif"); n == 0 {
		t.Error("an explicit export path loads nothing")
	}
}

// OpenVEX products are package URLs of the right ecosystem: npm, golang,
// pypi from the lockfile each package was found in, grype's npm package,
// and an image's OS packages as subcomponents of the OCI image.
func TestExportOpenVEXPurls(t *testing.T) {
	dir := demoRepo(t)
	r := runIn(t, dir, nil, "export", "--format", "openvex")
	if r.code != 0 {
		t.Fatalf("export openvex: %d\n%s", r.code, r.stderr)
	}
	var doc struct {
		Context    string `json:"@context"`
		Statements []struct {
			Vulnerability struct {
				Name string `json:"name"`
			} `json:"vulnerability"`
			Products []struct {
				ID   string `json:"@id"`
				Subs []struct {
					ID string `json:"@id"`
				} `json:"subcomponents"`
			} `json:"products"`
			Status string `json:"status"`
		} `json:"statements"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, s := range doc.Statements {
		for _, p := range s.Products {
			id := p.ID
			for _, sub := range p.Subs {
				id += " > " + sub.ID
			}
			got[s.Vulnerability.Name+" "+id] = true
			if strings.HasPrefix(p.ID, "pkg:generic/") {
				t.Errorf("%s: generic product %s", s.Vulnerability.Name, p.ID)
			}
		}
	}
	for _, want := range []string{
		"CVE-2021-44906 pkg:npm/minimist@1.2.5",
		"CVE-2020-14343 pkg:pypi/pyyaml@5.3.1",
		"CVE-2020-26160 pkg:golang/github.com/dgrijalva/jwt-go@v3.2.0%2Bincompatible",
		"CVE-2023-38545 pkg:oci/payments?repository_url=ghcr.io%2Facme%2Fpayments > pkg:deb/debian/curl@7.64.0-4%2Bdeb10u6?distro=debian-10.13",
	} {
		if !got[want] {
			t.Errorf("no statement %q; have:\n%s", want, strings.Join(mapKeys(got), "\n"))
		}
	}
}

func mapKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The stage ribbon's "24C" (24 open, the worst critical) disagreed with
// summary's 25: summary counted the accepted finding the ribbon (and the
// gate) do not count open. summary now shows both, from policy.CountsOpen.
func TestSummaryOpenByStageMatchesRibbonRule(t *testing.T) {
	dir := demoRepo(t)
	r := runIn(t, dir, nil, "list", "--json", "--stage", "build", "--tool", "Trivy")
	var l struct {
		Findings []struct {
			ID string `json:"id"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &l); err != nil || len(l.Findings) == 0 {
		t.Fatalf("no build finding: %v", err)
	}
	if r := runIn(t, dir, nil, "accept", l.Findings[0].ID, "--note", "upgrade curl in the base image"); r.code != 0 {
		t.Fatalf("accept: %d\n%s", r.code, r.stderr)
	}
	r = runIn(t, dir, nil, "summary", "--json")
	var s struct {
		ByStage     map[string]map[string]int `json:"by_stage"`
		OpenByStage map[string]int            `json:"open_by_stage"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatal(err)
	}
	shown := 0
	for _, n := range s.ByStage["build"] {
		shown += n
	}
	if s.OpenByStage["build"] != shown-1 {
		t.Errorf("build: %d shown, %d open; want one less open (the accepted one)", shown, s.OpenByStage["build"])
	}
	if s.OpenByStage["code"] == 0 {
		t.Error("no open code findings counted")
	}
	txt := runIn(t, dir, nil, "summary").stdout
	stageHead := ""
	for _, ln := range strings.Split(txt, "\n") {
		if strings.HasPrefix(ln, "STAGE") {
			stageHead = ln
		}
	}
	if !strings.HasSuffix(strings.TrimSpace(stageHead), "open") {
		t.Errorf("the stage table has no open column:\n%s", txt)
	}
}

// What the OpenVEX 0.2.0 schema asks of each statement (checked here by
// rule; the schema itself, openvex/spec openvex_json_schema.json, was also
// run over an export of the demo with jsonschema: valid): not_affected has
// a justification or an impact statement, not both; affected has an action
// statement; products are purls; an epoch is a qualifier.
func TestExportOpenVEXStatementRules(t *testing.T) {
	dir := demoRepo(t)
	ids := map[string]string{}
	for _, stage := range []string{"build", "code"} {
		r := runIn(t, dir, nil, "list", "--json", "--tool", "Trivy", "--stage", stage)
		var l struct {
			Findings []struct {
				ID string `json:"id"`
			} `json:"findings"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &l); err != nil || len(l.Findings) == 0 {
			t.Fatalf("%s: %v", stage, err)
		}
		ids[stage] = l.Findings[0].ID
	}
	mustRun := func(args ...string) {
		t.Helper()
		if r := runIn(t, dir, nil, args...); r.code != 0 {
			t.Fatalf("%v: %d\n%s", args, r.code, r.stderr)
		}
	}
	mustRun("suppress", ids["build"], "--reason", "used-in-tests", "--justification", "only the test image ships this curl")
	mustRun("accept", ids["code"], "--note", "upgrade in sprint 12")
	r := runIn(t, dir, nil, "export", "--format", "openvex")
	var doc struct {
		Statements []map[string]any `json:"statements"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, s := range doc.Statements {
		st, _ := s["status"].(string)
		seen[st]++
		_, j := s["justification"]
		_, im := s["impact_statement"]
		if st == "not_affected" && j == im {
			t.Errorf("not_affected with justification %v and impact_statement %v (want exactly one): %v", j, im, s)
		}
		if _, ok := s["action_statement"]; st == "affected" && !ok {
			t.Errorf("affected without action_statement: %v", s)
		}
		for _, p := range s["products"].([]any) {
			id := p.(map[string]any)["@id"].(string)
			if !strings.HasPrefix(id, "pkg:") || strings.Contains(id, "@1:") {
				t.Errorf("product %q", id)
			}
		}
	}
	if seen["not_affected"] != 1 || seen["affected"] != 1 {
		t.Errorf("statuses %v, want one not_affected and one affected", seen)
	}
	if !strings.Contains(r.stdout, "pkg:deb/debian/zlib1g@1.2.11.dfsg-1%2Bdeb10u1?distro=debian-10.13\u0026epoch=1") &&
		!strings.Contains(r.stdout, "pkg:deb/debian/zlib1g@1.2.11.dfsg-1%2Bdeb10u1?distro=debian-10.13&epoch=1") {
		t.Errorf("zlib1g's epoch is not a qualifier:\n%s", r.stdout)
	}
}
