package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secui/secui/internal/testutil"
)

type scanReport struct {
	Schema string `json:"schema"`
	Scans  []struct {
		Scanner, Status, Reason, Version, Commit string
		Success, Stored                          bool
		Findings                                 int
		Fixed, New, Open, Moved, Reopened        []struct{ ID, Rule, Path string }
	} `json:"scans"`
}

type stagesDoc struct {
	Schema string `json:"schema"`
	Stages []struct {
		Stage                             string
		Open, Accepted, Suppressed, Fixed struct{ Critical, High, Medium, Low, Info, Total int }
		Pending, Total                    int
		Progress                          float64
		Scanners                          []struct {
			Name       string
			Configured bool
			LastRun    *string `json:"last_run"`
			From       string
			Status     string
			Open       *int
		}
	}
}

func scanRepo(t *testing.T, gosec string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{"go.mod": testutil.GoMod, "main.go": testutil.GoMain, "serve.go": testutil.GoServe,
		".secui.yaml": "scanners:\n  - name: gosec\n    stage: code\n    run: [" + gosec + ", -fmt, sarif, -no-fail, ./...]\n    paths: [\"**/*.go\"]\n    partial-on: [has type errors]\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", "-A")
	git(t, dir, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "app")
	return dir
}

func goEnv(t *testing.T) []string {
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	l := strings.Fields(string(out))
	return []string{"GOCACHE=" + l[0], "GOMODCACHE=" + l[1], "SECUI_NOW=2026-03-01T10:00:00Z"}
}

func stage(t *testing.T, d stagesDoc, name string) int {
	for i, s := range d.Stages {
		if s.Stage == name {
			return i
		}
	}
	t.Fatalf("no stage %s", name)
	return -1
}

// secui scan with the real gosec on a real repository: the re-scan after an
// edit marks exactly the fixed finding fixed, lists the one introduced, and
// secui stages and secui list --state fixed show it.
func TestScanCLI(t *testing.T) {
	gosec := testutil.Gosec(t)
	dir := scanRepo(t, gosec)
	env := goEnv(t)

	r := runCmd(t, dir, env, nil, "scan", "--json")
	if r.code != 0 {
		t.Fatalf("scan: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "gosec: running ") || !strings.Contains(r.stderr, "Checking file") {
		t.Errorf("no progress on stderr:\n%s", r.stderr)
	}
	var rep scanReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if rep.Schema != "secui.scan-report/v1" || len(rep.Scans) != 1 || !rep.Scans[0].Success || !rep.Scans[0].Stored ||
		len(rep.Scans[0].New) != 7 || rep.Scans[0].Version != "2.30.0" || rep.Scans[0].Findings != 7 {
		t.Fatalf("first report %+v", rep)
	}

	var st stagesDoc
	r = runCmd(t, dir, env, nil, "stages", "--json")
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &st) != nil {
		t.Fatalf("stages: %d %s %s", r.code, r.stdout, r.stderr)
	}
	code := st.Stages[stage(t, st, "code")]
	if len(st.Stages) != 8 || code.Open.High != 7 || code.Open.Total != 7 || code.Fixed.Total != 0 || code.Progress != 0 {
		t.Errorf("stages before the fix: %+v", code)
	}
	if len(code.Scanners) != 1 || code.Scanners[0].Name != "gosec" || !code.Scanners[0].Configured || code.Scanners[0].LastRun == nil ||
		*code.Scanners[0].LastRun != "2026-03-01T10:00:00Z" || code.Scanners[0].From != "scan record" || *code.Scanners[0].Open != 7 {
		t.Errorf("code stage scanners %+v", code.Scanners)
	}
	if b := st.Stages[stage(t, st, "build")]; b.Total != 0 || len(b.Scanners) != 0 {
		t.Errorf("build stage %+v", b)
	}

	if err := os.WriteFile(filepath.Join(dir, "serve.go"), []byte(testutil.GoServeFixed), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runCmd(t, dir, env, nil, "scan", "--stage", "code", "--json", "--quiet")
	if r.code != 0 || strings.Contains(r.stderr, "Checking file") {
		t.Fatalf("re-scan: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	rep = scanReport{}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	s := rep.Scans[0]
	if len(s.Fixed) != 1 || s.Fixed[0].Rule != "G114" || len(s.New) != 1 || s.New[0].Rule != "G306" || len(s.Open) != 6 {
		t.Fatalf("re-scan report %+v", s)
	}
	fixedID := s.Fixed[0].ID

	doc := listJSON(t, dir, "--state", "fixed")
	if len(doc.Findings) != 1 || doc.Findings[0].ID != fixedID || doc.Findings[0].Rule != "G114" || doc.Findings[0].State != "fixed" || doc.Findings[0].Stage != "code" || doc.Findings[0].Severity != "high" {
		t.Errorf("list --state fixed = %+v", doc.Findings)
	}
	open := listJSON(t, dir)
	if len(open.Findings) != 7 {
		t.Errorf("list: %d open findings, want 7 (6 + G306)", len(open.Findings))
	}
	led, err := os.ReadFile(filepath.Join(dir, ".secui/ledger.yaml"))
	if err != nil || !strings.Contains(string(led), "id: "+fixedID) || !strings.Contains(string(led), "state: fixed") || !strings.Contains(string(led), "not reported by gosec 2.30.0") {
		t.Errorf("ledger:\n%s", led)
	}

	st = stagesDoc{}
	r = runCmd(t, dir, env, nil, "stages", "--json")
	if json.Unmarshal([]byte(r.stdout), &st) != nil {
		t.Fatal(r.stdout)
	}
	code = st.Stages[stage(t, st, "code")]
	if code.Open.Total != 7 || code.Fixed.Total != 1 || code.Fixed.High != 1 || code.Pending != 0 || code.Total != 8 || code.Progress != 0.125 {
		t.Errorf("stages after the fix: %+v", code)
	}
	r = runCmd(t, dir, env, nil, "stages")
	if !strings.Contains(r.stdout, "code") || !strings.Contains(r.stdout, "gosec just now") || !strings.Contains(r.stdout, " 13%") {
		t.Errorf("stages table:\n%s", r.stdout)
	}

	// Usage and install errors.
	if r := runCmd(t, dir, env, nil, "scan", "--scanner", "nope"); r.code != 2 || !strings.Contains(r.stderr, `no scanner "nope" is configured (have gosec)`) {
		t.Errorf("--scanner nope: %d %s", r.code, r.stderr)
	}
	if err := os.WriteFile(filepath.Join(dir, ".secui.yaml"), []byte("scanners:\n  - {name: gosec, stage: code, run: [gosec, ./...]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runCmd(t, dir, append(env, "PATH=/usr/bin:/bin", "GOPATH=", "GOBIN="), nil, "scan")
	if r.code != 1 || !strings.Contains(r.stdout, "gosec: not-installed: gosec is not installed") || !strings.Contains(r.stdout, "make scanners") ||
		!strings.Contains(r.stdout, "go install github.com/securego/gosec/v2/cmd/gosec@v2.30.0") || !strings.Contains(r.stdout, "nothing marked fixed") {
		t.Errorf("not installed: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// The demo's committed gosec results are a real run: re-running gosec on the
// demo (its .secui.yaml) finds the same ten findings, none fixed, none new.
// Its other scanners say how to install them when they are missing.
func TestDemoRescan(t *testing.T) {
	gosec := testutil.Gosec(t)
	dir := demoRepo(t)
	env := append(goEnv(t), "PATH="+filepath.Dir(gosec)+string(os.PathListSeparator)+os.Getenv("PATH"))
	r := runCmd(t, dir, env, nil, "scan", "--scanner", "gosec", "--json", "--quiet")
	var rep scanReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Scans) != 1 {
		t.Fatalf("scan: exit %d %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	s := rep.Scans[0]
	if r.code != 0 || !s.Success || len(s.Open) != 10 || len(s.New) != 0 || len(s.Fixed) != 0 || len(s.Moved) != 0 || s.Findings != 10 {
		t.Fatalf("demo re-scan: exit %d %+v", r.code, s)
	}
	r = runCmd(t, dir, append(env, "PATH=/nonexistent", "GOPATH=", "GOBIN="), nil, "scan", "--scanner", "staticcheck,gitleaks")
	if r.code != 1 || !strings.Contains(r.stdout, "staticcheck: not-installed") || !strings.Contains(r.stdout, "gitleaks: not-installed") ||
		strings.Count(r.stdout, "make scanners") != 2 {
		t.Errorf("missing scanners: exit %d\n%s", r.code, r.stdout)
	}
}

// secui scan --base runs the real gosec on the merge base in a temporary
// worktree and stores it as the base scan: new:branch then decides by
// identity — the finding added on the branch is new, main's seven are not,
// even though the branch also moved them (lines inserted above).
func TestScanBaseNewOnBranch(t *testing.T) {
	gosec := testutil.Gosec(t)
	dir := scanRepo(t, gosec)
	env := goEnv(t)
	git(t, dir, "checkout", "-q", "-b", "feature")
	// Move every finding of main.go down a line, and add one new finding.
	main, err := os.ReadFile(filepath.Join(dir, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	moved := strings.Replace(string(main), "\nimport", "\n// moved down by the branch\nimport", 1)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(moved), 0o644); err != nil {
		t.Fatal(err)
	}
	extra := "package main\n\nimport \"os\"\n\nfunc writeOpen(b []byte) error { return os.WriteFile(\"out.txt\", b, 0o666) }\n"
	if err := os.WriteFile(filepath.Join(dir, "extra.go"), []byte(extra), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "add", "-A")
	git(t, dir, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "feature")

	if r := runCmd(t, dir, env, nil, "scan", "--quiet"); r.code != 0 {
		t.Fatalf("scan: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r := runCmd(t, dir, env, nil, "scan", "--base", "--quiet")
	if r.code != 0 || !strings.Contains(r.stdout, "gosec: base results stored (main at ") {
		t.Fatalf("scan --base: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, ".secui", "scans", "base", "base.json")); err != nil {
		t.Fatal(err)
	}
	r = runCmd(t, dir, env, nil, "list", "-q", "new:branch", "--json")
	var doc struct {
		Findings []struct {
			Rule string `json:"rule"`
			Path string `json:"path"`
		} `json:"findings"`
		Branch *struct {
			Method        string   `json:"method"`
			BaseScanTools []string `json:"base_scan_tools"`
			New           int      `json:"new"`
		} `json:"branch"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v\n%s\n%s", err, r.stdout, r.stderr)
	}
	if doc.Branch == nil || doc.Branch.New != 1 || len(doc.Findings) != 1 || !strings.HasSuffix(doc.Findings[0].Path, "extra.go") ||
		strings.Join(doc.Branch.BaseScanTools, ",") != "gosec" {
		t.Errorf("new:branch after scan --base: %s", r.stdout)
	}
	// The base scan is not loaded as current findings.
	r = runCmd(t, dir, env, nil, "list", "--json")
	var all struct {
		Findings []json.RawMessage `json:"findings"`
	}
	if json.Unmarshal([]byte(r.stdout), &all) != nil || len(all.Findings) != 8 {
		t.Errorf("list after scan --base: %d findings, want 8 (7 + the new one)\n%s", len(all.Findings), r.stderr)
	}
}
