package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/secui/secui/internal/testutil"
)

// secuiBin is the real binary, built once by TestMain.
var secuiBin string

const testVersion = "v9.9.9-test"

// testNow is the clock of every CLI test (SECUI_NOW in isolatedEnv; a test
// may append its own SECUI_NOW, the last one wins): no test depends on
// today's date.
const testNow = "2026-11-28T12:00:00Z"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "secui-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	secuiBin = filepath.Join(dir, "secui")
	// -tags secui_testclock: the test binary reads SECUI_NOW (release builds
	// do not); every test runs on the fixed clock of isolatedEnv unless it
	// sets its own.
	build := exec.Command("go", "build", "-buildvcs=false", "-tags", "secui_testclock",
		"-ldflags", "-X main.version="+testVersion+" -X main.commit=0123456789abcdef0123456789abcdef01234567",
		"-o", secuiBin, ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building secui:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func moduleRoot(t testing.TB) string { return testutil.ModuleRoot(t) }

// corpus returns a file of the shared SARIF corpus, skipping when absent.
func corpus(t testing.TB, rel string) string {
	t.Helper()
	return filepath.Join(testutil.CorpusDir(t), "..", filepath.FromSlash(rel))
}

type result struct {
	stdout, stderr string
	code           int
}

// isolatedEnv is an environment without the user's personal configuration.
func isolatedEnv(t testing.TB) []string {
	home := t.TempDir()
	env := []string{
		"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"NO_COLOR=1", "COLUMNS=250", "TERM=dumb",
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_CONFIG_NOSYSTEM=1",
		"SECUI_NOW=" + testNow,
	}
	for _, k := range []string{"PATH", "TMPDIR", "GOCOVERDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func runIn(t testing.TB, dir string, stdin []byte, args ...string) result {
	t.Helper()
	return runCmd(t, dir, nil, stdin, args...)
}

// runCmd runs the real binary in dir with the isolated environment plus
// extra, feeding it stdin, and returns its output and exit code.
func runCmd(t testing.TB, dir string, extra []string, stdin []byte, args ...string) result {
	t.Helper()
	cmd := exec.Command(secuiBin, args...)
	cmd.Dir = dir
	cmd.Env = append(isolatedEnv(t), extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running secui %v: %v", args, err)
	}
	return r
}

func git(t testing.TB, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = isolatedEnv(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// demoRepo copies the bundled demo into a fresh git repository.
func demoRepo(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := filepath.Join(t.TempDir(), "payments")
	testutil.CopyDir(t, filepath.Join(moduleRoot(t), "demo"), dir)
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", "-A")
	git(t, dir, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "demo")
	return dir
}

// record is a decoded secui.findings/v1 record.
type record struct {
	ID               string   `json:"id"`
	IDLayer          string   `json:"id_layer"`
	Tool             string   `json:"tool"`
	Rule             string   `json:"rule"`
	RuleName         string   `json:"rule_name"`
	Severity         string   `json:"severity"`
	SeveritySource   string   `json:"severity_source"`
	Category         string   `json:"category"`
	Stage            string   `json:"stage"`
	StageReason      string   `json:"stage_reason"`
	Path             string   `json:"path"`
	InRepo           bool     `json:"in_repo"`
	Line             int      `json:"line"`
	Column           int      `json:"column"`
	EndLine          int      `json:"end_line"`
	Message          string   `json:"message"`
	State            string   `json:"state"`
	CWE              []string `json:"cwe"`
	Vuln             string   `json:"vuln"`
	Package          string   `json:"package"`
	InputSuppression string   `json:"input_suppression"`
	BaselineState    string   `json:"baseline_state"`
	Sources          []struct {
		File   string `json:"file"`
		Tool   string `json:"tool"`
		Run    int    `json:"run"`
		Result int    `json:"result"`
	} `json:"sources"`
	Keys  []string `json:"keys"`
	Match *struct {
		Decision, How, Text, Layer, From string
		Moved                            int
		Git                              bool
	} `json:"match"`
	Review string `json:"review"`
}

type listDoc struct {
	Schema   string   `json:"schema"`
	Findings []record `json:"findings"`
	Errors   []struct {
		File    string `json:"file"`
		Line    int    `json:"line"`
		Column  int    `json:"column"`
		Message string `json:"message"`
	} `json:"errors"`
}

func listJSON(t testing.TB, dir string, args ...string) listDoc {
	t.Helper()
	r := runIn(t, dir, nil, append([]string{"list", "--json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("secui list --json %v: exit %d\nstderr: %s", args, r.code, r.stderr)
	}
	var doc listDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("list --json output is not JSON: %v\n%s", err, r.stdout)
	}
	if doc.Schema != "secui.findings/v1" {
		t.Fatalf("schema = %q", doc.Schema)
	}
	return doc
}

// lineOf returns the 1-based line of the first line of file containing needle.
func lineOf(t testing.TB, file, needle string) int {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, needle) {
			return i + 1
		}
	}
	t.Fatalf("%s: %q not found", file, needle)
	return 0
}

func find(doc listDoc, tool, rule string) []record {
	var out []record
	for _, f := range doc.Findings {
		if strings.EqualFold(f.Tool, tool) && f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

// (a) the demo fixture in a temp git repository, found by discovery.
func TestDemoDiscovery(t *testing.T) {
	repo := demoRepo(t)
	doc := listJSON(t, repo, "--all")
	if len(doc.Errors) != 0 {
		t.Errorf("demo has load errors: %+v", doc.Errors)
	}
	// 45 results in 11 files (gosec, gitleaks and staticcheck from real
	// runs); Grype's two CVEs merge with Trivy's.
	if n := len(doc.Findings); n != 43 {
		t.Errorf("demo: %d findings, want 43 (45 results, 2 cross-tool duplicates)", n)
	}
	tools := map[string]bool{}
	ids := map[string]bool{}
	for _, f := range doc.Findings {
		tools[strings.ToLower(f.Tool)] = true
		if len(f.ID) != 16 {
			t.Errorf("%s %s: id %q is not 16 hex digits", f.Tool, f.Rule, f.ID)
		}
		if ids[f.ID] {
			t.Errorf("duplicate id %s", f.ID)
		}
		ids[f.ID] = true
		if f.State != "open" {
			t.Errorf("%s %s: state %q, want open", f.Tool, f.Rule, f.State)
		}
		if len(f.Sources) == 0 || !strings.HasPrefix(f.Sources[0].File, "scans/") {
			t.Errorf("%s %s: sources %+v, want scans/...", f.Tool, f.Rule, f.Sources)
		}
	}
	for _, want := range []string{"gosec", "semgrep oss", "gitleaks", "codeql", "trivy", "checkov", "dockle", "eslint"} {
		if !tools[want] {
			t.Errorf("tool %q missing from the demo findings (have %v)", want, tools)
		}
	}

	g := find(doc, "gosec", "G201")
	if len(g) != 1 {
		t.Fatalf("gosec G201: %d findings, want 1", len(g))
	}
	if want := lineOf(t, filepath.Join(repo, "internal/store/users.go"), "fmt.Sprintf(\"SELECT"); g[0].Path != "internal/store/users.go" || g[0].Line != want {
		t.Errorf("G201 at %s:%d, want internal/store/users.go:%d", g[0].Path, g[0].Line, want)
	}
	if g[0].Severity != "high" || g[0].Category != "sast" || g[0].Stage != "code" || !g[0].InRepo {
		t.Errorf("G201: severity %s category %s stage %s in_repo %v, want high sast code true", g[0].Severity, g[0].Category, g[0].Stage, g[0].InRepo)
	}
	if !contains(g[0].CWE, "CWE-89") {
		t.Errorf("G201 CWEs %v, want CWE-89 (from gosec's CWE taxa)", g[0].CWE)
	}

	sqli := find(doc, "CodeQL", "py/sql-injection")
	if len(sqli) != 1 {
		t.Fatalf("CodeQL py/sql-injection: %d findings", len(sqli))
	}
	if want := lineOf(t, filepath.Join(repo, "app/views.py"), "cur.execute(query)"); sqli[0].Path != "app/views.py" || sqli[0].Line != want {
		t.Errorf("py/sql-injection at %s:%d, want app/views.py:%d", sqli[0].Path, sqli[0].Line, want)
	}
	if sqli[0].Severity != "high" || !strings.Contains(sqli[0].SeveritySource, "8.8") {
		t.Errorf("py/sql-injection severity %s from %q, want high from security-severity 8.8", sqli[0].Severity, sqli[0].SeveritySource)
	}

	// ESLint reports absolute file:// URIs from the CI machine: mapped by suffix.
	ev := find(doc, "ESLint", "no-eval")
	if len(ev) != 1 || ev[0].Path != "web/src/render.js" || ev[0].Line != lineOf(t, filepath.Join(repo, "web/src/render.js"), "eval(expr)") {
		t.Errorf("ESLint no-eval: %+v, want web/src/render.js at the eval line", ev)
	}

	for _, f := range doc.Findings {
		switch strings.ToLower(f.Tool) {
		case "checkov":
			if f.Category != "iac" || f.Stage != "deploy" {
				t.Errorf("Checkov %s: %s/%s, want iac/deploy", f.Rule, f.Category, f.Stage)
			}
		case "gitleaks":
			if f.Category != "secrets" || f.Stage != "code" {
				t.Errorf("gitleaks %s: %s/%s, want secrets/code", f.Rule, f.Category, f.Stage)
			}
		case "dockle":
			if f.Category != "container" {
				t.Errorf("Dockle %s: category %s, want container", f.Rule, f.Category)
			}
		}
	}

	// The same CVE and package from Trivy and Grype is one finding with two sources.
	var minimist []record
	for _, f := range doc.Findings {
		if f.Vuln == "CVE-2021-44906" {
			minimist = append(minimist, f)
		}
	}
	if len(minimist) != 1 {
		t.Fatalf("CVE-2021-44906: %d findings, want 1 (Trivy + Grype merged)", len(minimist))
	}
	m := minimist[0]
	if len(m.Sources) != 2 || m.Category != "sca" || m.Severity != "critical" || !strings.HasPrefix(m.Package, "minimist@1.2.5") {
		t.Errorf("merged minimist finding: sources %d category %s severity %s package %q", len(m.Sources), m.Category, m.Severity, m.Package)
	}
	srcTools := map[string]bool{}
	for _, s := range m.Sources {
		srcTools[strings.ToLower(s.File)] = true
	}
	if !srcTools["scans/trivy-fs.sarif"] || !srcTools["scans/grype.sarif"] {
		t.Errorf("merged sources %+v, want scans/trivy-fs.sarif and scans/grype.sarif", m.Sources)
	}

	// The table shows the same findings.
	r := runIn(t, repo, nil, "list", "--all")
	if r.code != 0 {
		t.Fatalf("list: exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "SEV") || !strings.Contains(lines[0], "LOCATION") {
		t.Errorf("table header = %q", lines[0])
	}
	if got := len(lines) - 2; got != len(doc.Findings) {
		t.Errorf("table has %d rows, JSON %d findings", got, len(doc.Findings))
	}
	if !strings.Contains(r.stdout, "internal/store/users.go:") || !strings.Contains(r.stdout, "H high") {
		t.Errorf("table misses location or severity letter:\n%s", r.stdout)
	}
}

// Running in a subdirectory finds the same repository and results.
func TestDemoFromSubdirAndRepoFlag(t *testing.T) {
	repo := demoRepo(t)
	top := listJSON(t, repo)
	sub := listJSON(t, filepath.Join(repo, "internal", "store"))
	if len(sub.Findings) != len(top.Findings) || len(top.Findings) == 0 {
		t.Errorf("from subdir %d findings, from root %d", len(sub.Findings), len(top.Findings))
	}
	other := t.TempDir()
	flag := listJSON(t, other, "--repo", repo)
	if len(flag.Findings) != len(top.Findings) {
		t.Errorf("with --repo %d findings, want %d", len(flag.Findings), len(top.Findings))
	}
}

// (b) explicit files outside the repository replace discovery.
func TestExplicitCorpusFiles(t *testing.T) {
	trivy := corpus(t, "public/aquasecurity-trivy/alpine-310.sarif.golden")
	outside := t.TempDir() // not a repository
	doc := listJSON(t, outside, trivy)
	if len(doc.Findings) == 0 {
		t.Fatalf("no findings from %s", trivy)
	}
	for _, f := range doc.Findings {
		if f.Tool != "Trivy" || f.Vuln == "" || !strings.HasPrefix(f.Rule, "CVE-") {
			t.Errorf("unexpected finding %s %s vuln %q", f.Tool, f.Rule, f.Vuln)
		}
		if f.Category != "container" {
			t.Errorf("%s: category %s, want container (OS package of an image)", f.Rule, f.Category)
		}
	}

	// Inside a repository, explicit paths replace discovery.
	repo := demoRepo(t)
	in := listJSON(t, repo, trivy)
	if len(in.Findings) != len(doc.Findings) {
		t.Errorf("inside the demo repo with an explicit file: %d findings, want %d (discovery must be off)", len(in.Findings), len(doc.Findings))
	}
	// A directory argument is searched recursively; stdin works with "-".
	data, err := os.ReadFile(trivy)
	if err != nil {
		t.Fatal(err)
	}
	r := runIn(t, outside, data, "list", "--jsonl", "-")
	if r.code != 0 {
		t.Fatalf("list --jsonl -: exit %d: %s", r.code, r.stderr)
	}
	if n := strings.Count(r.stdout, "\n"); n != len(doc.Findings) {
		t.Errorf("stdin: %d JSONL records, want %d", n, len(doc.Findings))
	}
	scans := listJSON(t, outside, filepath.Join(repo, "scans"))
	if len(scans.Findings) < 30 {
		t.Errorf("directory input: %d findings, want the demo's ~42", len(scans.Findings))
	}
}

// (c) a bad file next to a good one: error with position on stderr, exit 0.
func TestBadFileNextToGood(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(corpus(t, "public/aquasecurity-trivy/alpine-310.sarif.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "good.sarif"), good, 0o644); err != nil {
		t.Fatal(err)
	}
	bad := "{\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\"tool\": {\"driver\": {\"name\": \"x\"}},\n     \"results\": [ {\"ruleId\": \"R1\", \"message\": {\"text\": \"m\"}} ,, ]\n  }]\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "bad.sarif"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runIn(t, dir, nil, "list", "--json", dir)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0 (the good file loads); stderr: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "bad.sarif:5:") {
		t.Errorf("stderr does not name bad.sarif:5:col: %q", r.stderr)
	}
	var doc listDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Findings) == 0 {
		t.Error("the good file's findings are missing")
	}
	if len(doc.Errors) == 0 || !strings.HasSuffix(doc.Errors[0].File, "bad.sarif") || doc.Errors[0].Line != 5 || doc.Errors[0].Column == 0 {
		t.Errorf("JSON errors = %+v, want bad.sarif line 5 with a column", doc.Errors)
	}

	// Only bad input: exit 3.
	r = runIn(t, dir, nil, "list", filepath.Join(dir, "bad.sarif"))
	if r.code != 3 || !strings.Contains(r.stderr, "bad.sarif:5:") {
		t.Errorf("only a bad file: exit %d stderr %q, want 3 naming bad.sarif:5:", r.code, r.stderr)
	}
	r = runIn(t, dir, nil, "list", "--json", filepath.Join(dir, "bad.sarif"))
	var only listDoc
	if r.code != 3 || json.Unmarshal([]byte(r.stdout), &only) != nil || len(only.Errors) == 0 || only.Findings == nil {
		t.Errorf("only a bad file with --json: exit %d, want 3 and a document listing the error: %q", r.code, r.stdout)
	}
	r = runIn(t, dir, nil, "summary", filepath.Join(dir, "missing.sarif"))
	if r.code != 3 || !strings.Contains(r.stderr, "missing.sarif") {
		t.Errorf("missing file: exit %d stderr %q, want 3 naming the file", r.code, r.stderr)
	}
}

// (d) outside a repository without paths: exit 2 with a clear message.
func TestNotARepo(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"list"}, {"summary"}, {}} {
		r := runIn(t, dir, nil, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "secui: not inside a git repository; pass SARIF files or directories") {
			t.Errorf("secui %v outside a repo: exit %d stderr %q", args, r.code, r.stderr)
		}
	}
	// Usage errors are exit 2 too.
	for _, args := range [][]string{{"list", "--bogus"}, {"list", "--sort", "colour"}, {"list", "--severity", "huge"}, {"lsit"}, {"list", "-q", "sevv:high"}} {
		r := runIn(t, dir, nil, args...)
		if r.code != 2 || r.stderr == "" {
			t.Errorf("secui %v: exit %d stderr %q, want 2 with a message", args, r.code, r.stderr)
		}
	}
}

// (e) --json has the documented fields; filters narrow results.
func TestJSONFieldsAndFilters(t *testing.T) {
	repo := demoRepo(t)
	r := runIn(t, repo, nil, "list", "--json")
	var raw struct {
		Findings []map[string]any `json:"findings"`
		Errors   []any            `json:"errors"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil || len(raw.Findings) == 0 {
		t.Fatalf("list --json: %v (%d findings)\n%s", err, len(raw.Findings), r.stderr)
	}
	if raw.Errors == nil {
		t.Error(`"errors" must be an array, not null`)
	}
	fields := []string{"id", "id_layer", "tool", "rule", "rule_name", "severity", "severity_source", "category",
		"stage", "stage_reason", "path", "line", "column", "end_line", "message", "state", "cwe", "vuln",
		"package", "input_suppression", "baseline_state", "sources", "keys"}
	for _, f := range fields {
		if _, ok := raw.Findings[0][f]; !ok {
			t.Errorf("record lacks documented field %q", f)
		}
	}
	if _, ok := raw.Findings[0]["cwe"].([]any); !ok {
		t.Errorf("cwe must be an array, got %T", raw.Findings[0]["cwe"])
	}
	// The documentation lists every field.
	schemaDoc, err := os.ReadFile(filepath.Join(moduleRoot(t), "docs", "json-schema.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		if !strings.Contains(string(schemaDoc), "`"+f+"`") {
			t.Errorf("docs/json-schema.md does not document %q", f)
		}
	}

	all := listJSON(t, repo)
	check := func(name string, args []string, ok func(record) bool) {
		t.Helper()
		doc := listJSON(t, repo, args...)
		if len(doc.Findings) == 0 || len(doc.Findings) >= len(all.Findings) {
			t.Errorf("%s: %d of %d findings, want a non-empty strict subset", name, len(doc.Findings), len(all.Findings))
		}
		for _, f := range doc.Findings {
			if !ok(f) {
				t.Errorf("%s: unexpected %s %s %s %s:%d", name, f.Severity, f.Tool, f.Rule, f.Path, f.Line)
			}
		}
	}
	check("--severity critical", []string{"--severity", "critical"}, func(f record) bool { return f.Severity == "critical" })
	check("--severity high+", []string{"--severity", "high+"}, func(f record) bool { return f.Severity == "critical" || f.Severity == "high" })
	check("--stage deploy", []string{"--stage", "deploy"}, func(f record) bool { return f.Stage == "deploy" })
	check("--tool gosec", []string{"--tool", "gosec"}, func(f record) bool { return strings.EqualFold(f.Tool, "gosec") })
	check("--rule G10*", []string{"--rule", "G10*"}, func(f record) bool { return strings.HasPrefix(f.Rule, "G10") })
	check("--category secrets", []string{"--category", "secrets"}, func(f record) bool { return f.Category == "secrets" })
	check("--path internal/**", []string{"--path", "internal/**"}, func(f record) bool { return strings.HasPrefix(f.Path, "internal/") })
	check("-q text", []string{"-q", "injection"}, func(f record) bool {
		s := strings.ToLower(f.Tool + f.Rule + f.RuleName + f.Path + f.Message)
		return strings.Contains(s, "injection")
	})
	check("combined", []string{"--stage", "code", "-q", "sev:high+ -tool:trivy"}, func(f record) bool {
		return f.Stage == "code" && (f.Severity == "high" || f.Severity == "critical") && !strings.EqualFold(f.Tool, "trivy")
	})

	// --state open includes everything in a fresh repo; --limit and --sort.
	if n := len(listJSON(t, repo, "--state", "open").Findings); n != len(all.Findings) {
		t.Errorf("--state open: %d, want %d", n, len(all.Findings))
	}
	if n := len(listJSON(t, repo, "--limit", "3").Findings); n != 3 {
		t.Errorf("--limit 3: %d findings", n)
	}
	byFile := listJSON(t, repo, "--sort", "file")
	paths := make([]string, len(byFile.Findings))
	for i, f := range byFile.Findings {
		paths[i] = f.Path
	}
	if !sort.StringsAreSorted(paths) {
		t.Errorf("--sort file: paths not sorted: %v", paths)
	}
	bySev := listJSON(t, repo)
	rank := map[string]int{"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}
	for i := 1; i < len(bySev.Findings); i++ {
		if rank[bySev.Findings[i].Severity] > rank[bySev.Findings[i-1].Severity] {
			t.Fatalf("default sort is not by severity: %s after %s", bySev.Findings[i].Severity, bySev.Findings[i-1].Severity)
		}
	}
	// JSONL: one record per line, same count.
	r = runIn(t, repo, nil, "list", "--jsonl")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != len(all.Findings) {
		t.Errorf("--jsonl: %d lines, want %d", len(lines), len(all.Findings))
	}
	var rec record
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil || rec.ID == "" {
		t.Errorf("--jsonl first line: %v %q", err, lines[0])
	}
}

type summaryDoc struct {
	Schema     string                    `json:"schema"`
	Total      int                       `json:"total"`
	BySeverity map[string]int            `json:"by_severity"`
	ByStage    map[string]map[string]int `json:"by_stage"`
	ByTool     map[string]map[string]int `json:"by_tool"`
	ByCategory map[string]map[string]int `json:"by_category"`
	ByState    map[string]int            `json:"by_state"`
}

func nested(m map[string]map[string]int) int {
	n := 0
	for _, c := range m {
		for _, v := range c {
			n += v
		}
	}
	return n
}

// (f) summary counts add up to list counts.
func TestSummaryMatchesList(t *testing.T) {
	repo := demoRepo(t)
	for _, args := range [][]string{nil, {"--stage", "code"}, {"--severity", "high+"}, {"--tool", "trivy"}} {
		list := listJSON(t, repo, args...)
		r := runIn(t, repo, nil, append([]string{"summary", "--json"}, args...)...)
		if r.code != 0 {
			t.Fatalf("summary %v: exit %d %s", args, r.code, r.stderr)
		}
		var s summaryDoc
		if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
			t.Fatal(err)
		}
		n := len(list.Findings)
		if s.Schema != "secui.summary/v1" || s.Total != n || nested(s.ByStage) != n || nested(s.ByTool) != n || nested(s.ByCategory) != n {
			t.Errorf("summary %v: total %d stage %d tool %d category %d, list %d",
				args, s.Total, nested(s.ByStage), nested(s.ByTool), nested(s.ByCategory), n)
		}
		sev := 0
		for _, v := range s.BySeverity {
			sev += v
		}
		if sev != n {
			t.Errorf("summary %v: by_severity adds to %d, list %d", args, sev, n)
		}
		if s.ByState["open"] != n {
			t.Errorf("summary %v: open %d, want %d", args, s.ByState["open"], n)
		}
		// Per-cell agreement for stage x severity.
		for _, f := range list.Findings {
			s.ByStage[f.Stage][f.Severity]--
		}
		for st, c := range s.ByStage {
			for sv, v := range c {
				if v != 0 {
					t.Errorf("summary %v: cell %s/%s off by %d", args, st, sv, v)
				}
			}
		}
	}
	r := runIn(t, repo, nil, "summary")
	if r.code != 0 || !strings.Contains(r.stdout, "STAGE") || !strings.Contains(r.stdout, "deploy") || !strings.Contains(r.stdout, "C critical") {
		t.Errorf("summary table: exit %d\n%s", r.code, r.stdout)
	}
}

// Text from SARIF cannot reach the terminal as control sequences.
func TestControlCharactersStripped(t *testing.T) {
	dir := t.TempDir()
	evil := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"evil\u001b[31m","rules":[{"id":"R\u001b]0;pwned\u0007"}]}},
"results":[{"ruleId":"R\u001b]0;pwned\u0007","level":"error","message":{"text":"clear \u001b[2J screen\u009b31m and\nnewline \u202eRTL"},
"locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/a\u001b[1m.go"},"region":{"startLine":3}}}]}]}]}`
	p := filepath.Join(dir, "evil.sarif")
	if err := os.WriteFile(p, []byte(evil), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"list", p}, {"summary", p}} {
		r := runIn(t, dir, nil, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d %s", args, r.code, r.stderr)
		}
		for _, bad := range []string{"\x1b", "\u009b", "\a", "\u202e"} {
			if strings.Contains(r.stdout, bad) || strings.Contains(r.stderr, bad) {
				t.Errorf("%v: output contains control %q:\n%q", args, bad, r.stdout)
			}
		}
		if args[0] == "list" && !strings.Contains(r.stdout, "clear") {
			t.Errorf("message text lost: %q", r.stdout)
		}
	}
}

// The table fits the terminal width.
func TestTableWidth(t *testing.T) {
	repo := demoRepo(t)
	cmd := exec.Command(secuiBin, "list")
	cmd.Dir = repo
	cmd.Env = append(isolatedEnv(t), "COLUMNS=80")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if w := len([]rune(l)); w > 80 {
			t.Errorf("line wider than 80 (%d): %q", w, l)
		}
	}
}

func TestVersionHelpCompletion(t *testing.T) {
	dir := t.TempDir()
	r := runIn(t, dir, nil, "version")
	if r.code != 0 || !strings.Contains(r.stdout, testVersion) || !strings.Contains(r.stdout, "0123456789ab") || !strings.Contains(r.stdout, runtime.Version()) {
		t.Errorf("version: exit %d\n%s", r.code, r.stdout)
	}
	r = runIn(t, dir, nil, "--version")
	if r.code != 0 || !strings.Contains(r.stdout, testVersion) {
		t.Errorf("--version: exit %d %q", r.code, r.stdout)
	}
	r = runIn(t, dir, nil, "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "Exit codes") || !strings.Contains(r.stdout, "list") || !strings.Contains(r.stdout, "summary") {
		t.Errorf("--help: exit %d\n%s", r.code, r.stdout)
	}
	for _, c := range []string{"list", "summary", "version", "completion"} {
		r = runIn(t, dir, nil, c, "--help")
		if r.code != 0 || !strings.Contains(strings.ToLower(r.stdout), "usage") {
			t.Errorf("%s --help: exit %d\n%s", c, r.code, r.stdout)
		}
	}
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		r = runIn(t, dir, nil, "completion", sh)
		if r.code != 0 || !strings.Contains(r.stdout, "secui") || len(r.stdout) < 500 {
			t.Errorf("completion %s: exit %d, %d bytes", sh, r.code, len(r.stdout))
		}
	}
	// Dynamic completion of flag values and subcommands.
	r = runIn(t, dir, nil, "__complete", "list", "--sort", "")
	for _, want := range []string{"severity", "file", "rule", "tool", "stage"} {
		if !strings.Contains(r.stdout, want+"\n") {
			t.Errorf("completion of --sort lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runIn(t, dir, nil, "__complete", "su")
	if !strings.Contains(r.stdout, "summary") {
		t.Errorf("completion of subcommands: %q", r.stdout)
	}
	r = runIn(t, dir, nil, "__complete", "list", "--stage", "")
	if !strings.Contains(r.stdout, "deploy") {
		t.Errorf("completion of --stage: %q", r.stdout)
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Suppressed findings are hidden from list and summary by default, and
// counted; --all and --state bring them back.
func TestSuppressedHiddenByDefault(t *testing.T) {
	repo := demoRepo(t)
	before := listJSON(t, repo)
	g := find(before, "gosec", "G201")
	if len(g) != 1 {
		t.Fatalf("G201: %d findings", len(g))
	}
	r := runIn(t, repo, nil, "suppress", g[0].ID, "--reason", "false-positive",
		"--justification", "the e-mail is validated by the caller against a strict pattern")
	if r.code != 0 {
		t.Fatalf("suppress: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	after := listJSON(t, repo)
	if len(after.Findings) != len(before.Findings)-1 || len(find(after, "gosec", "G201")) != 0 {
		t.Errorf("after suppress: %d findings (before %d), G201 still listed: %v", len(after.Findings), len(before.Findings), len(find(after, "gosec", "G201")) != 0)
	}
	all := listJSON(t, repo, "--all")
	if s := find(all, "gosec", "G201"); len(s) != 1 || s[0].State != "suppressed" {
		t.Errorf("--all: G201 %+v, want one suppressed", s)
	}
	if n := len(listJSON(t, repo, "--state", "suppressed").Findings); n != 1 {
		t.Errorf("--state suppressed: %d findings, want 1", n)
	}
	table := runIn(t, repo, nil, "list")
	if !strings.Contains(table.stdout, "1 suppressed or fixed hidden") {
		t.Errorf("table footer does not count the hidden finding:\n%s", table.stdout)
	}
	r = runIn(t, repo, nil, "summary", "--json")
	var s summaryDoc
	var extra struct {
		Hidden int `json:"hidden"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(r.stdout), &extra)
	if s.Total != len(after.Findings) || extra.Hidden != 1 || s.ByState["suppressed"] != 1 || s.ByState["open"] != len(after.Findings) {
		t.Errorf("summary: total %d hidden %d by_state %v; list %d", s.Total, extra.Hidden, s.ByState, len(after.Findings))
	}
}

// A repository without scan results: exit 3 with a hint; bad configuration:
// exit 2 naming the file and position; overrides from .secui.yaml apply.
func TestEmptyRepoAndConfig(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	empty := t.TempDir()
	git(t, empty, "init", "-q")
	r := runIn(t, empty, nil, "list")
	if r.code != 3 || !strings.Contains(r.stderr, "no SARIF files found") {
		t.Errorf("empty repo: exit %d stderr %q, want 3 and a hint", r.code, r.stderr)
	}

	repo := demoRepo(t)
	bad := "stages:\n  - tool: checkov\n    stage: deploi\n"
	if err := os.WriteFile(filepath.Join(repo, ".secui.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runIn(t, repo, nil, "list")
	if r.code != 2 || !strings.Contains(r.stderr, ".secui.yaml:3:") || !strings.Contains(r.stderr, "deploi") {
		t.Errorf("bad .secui.yaml: exit %d stderr %q, want 2 naming .secui.yaml:3:", r.code, r.stderr)
	}
	good := "stages:\n  - tool: dockle\n    stage: release\n"
	if err := os.WriteFile(filepath.Join(repo, ".secui.yaml"), []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	doc := listJSON(t, repo, "--tool", "dockle")
	if len(doc.Findings) == 0 {
		t.Fatal("no Dockle findings")
	}
	for _, f := range doc.Findings {
		if f.Stage != "release" || !strings.Contains(f.StageReason, ".secui.yaml") {
			t.Errorf("Dockle %s: stage %s (%s), want release from .secui.yaml", f.Rule, f.Stage, f.StageReason)
		}
	}
	// --config replaces the repository file.
	alt := filepath.Join(t.TempDir(), "alt.yaml")
	if err := os.WriteFile(alt, []byte("stages:\n  - tool: dockle\n    stage: operate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	doc = listJSON(t, repo, "--tool", "dockle", "--config", alt)
	if len(doc.Findings) == 0 || doc.Findings[0].Stage != "operate" {
		t.Errorf("--config: %+v, want stage operate", doc.Findings)
	}
}

// `make demo-repo` (what `make demo` opens) builds a committed demo repository
// with two triage decisions made by the real CLI.
func TestMakeDemoRepo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs make")
	}
	for _, tool := range []string{"make", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	tmp := t.TempDir()
	demo := filepath.Join(tmp, "demo-repo")
	// NO_BUILD: use the binary TestMain built instead of rebuilding.
	cmd := exec.Command("make", "-s", "demo-repo", "NO_BUILD=1", "DEMO_REPO="+demo, "BIN="+secuiBin)
	cmd.Dir = moduleRoot(t)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(tmp, "config"), "SECUI_CONFIG=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make demo-repo: %v\n%s", err, out)
	}
	st := exec.Command("git", "status", "--porcelain")
	st.Dir = demo
	if out, err := st.Output(); err != nil || len(out) != 0 {
		t.Errorf("demo repo not clean after make demo-repo: %v %q", err, out)
	}
	doc := listJSON(t, demo, "--all")
	states := map[string]int{}
	g104 := 0
	for _, f := range doc.Findings {
		states[f.State]++
		if f.Rule == "G104" {
			g104++
			if f.State != "suppressed" {
				t.Errorf("gosec G104 at %s:%d is %s, want suppressed", f.Path, f.Line, f.State)
			}
		}
	}
	// demo/scans/gosec.sarif is a real gosec run: it reports G104 three times.
	if g104 != 3 || states["suppressed"] != g104 || states["accepted"] != 1 {
		t.Errorf("demo states %v (%d G104), want every G104 suppressed and 1 accepted (py/sql-injection)", states, g104)
	}
	if len(listJSON(t, demo).Findings) != len(doc.Findings)-g104 {
		t.Error("suppressed demo findings are not hidden by default")
	}
}
