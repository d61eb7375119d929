package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/secui/secui/internal/testutil"
)

type fixJSON struct {
	Schema  string `json:"schema"`
	Finding string `json:"finding"`
	Fixes   int    `json:"fixes"`
	Applied bool   `json:"applied"`
	Commit  string `json:"commit"`
	Ledger  string `json:"ledger"`
	State   string `json:"state"`
	Plans   []struct {
		Fix   int `json:"fix"`
		Files []struct {
			Path     string `json:"path"`
			Verified struct {
				Method string `json:"method"`
				Detail string `json:"detail"`
			} `json:"verified"`
			Hunks []struct {
				OldStart int      `json:"old_start"`
				OldLines int      `json:"old_lines"`
				Lines    []string `json:"lines"`
			} `json:"hunks"`
		} `json:"files"`
		Refusal *struct {
			Kind   string `json:"kind"`
			Reason string `json:"reason"`
		} `json:"refusal"`
	} `json:"plans"`
}

func gitStdout(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = isolatedEnv(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return string(out)
}

func findID(t *testing.T, dir, rule string, args ...string) string {
	t.Helper()
	doc := listJSON(t, dir, append([]string{"--rule", rule, "--all"}, args...)...)
	if len(doc.Findings) != 1 {
		t.Fatalf("%d findings for rule %s", len(doc.Findings), rule)
	}
	return doc.Findings[0].ID
}

// The demo's Semgrep autofix (shell=True -> shell=False) on a real git
// repository: the plan writes nothing; --apply --commit writes, commits only
// that file, and records the finding as fixed (pending scan); applied again,
// the fix is stale.
func TestFixDemoSemgrepApplyCommit(t *testing.T) {
	dir := demoRepo(t)
	rule := "python.lang.security.audit.subprocess-shell-true.subprocess-shell-true"
	id := findID(t, dir, rule)
	views := filepath.Join(dir, "app", "views.py")
	line := lineOf(t, views, "shell=True")

	r := runIn(t, dir, nil, "fix", id)
	mustOK(t, r, "secui fix")
	for _, want := range []string{
		"app/views.py: 1 replacement(s), checked against the scan by snippet",
		"--- a/app/views.py\n+++ b/app/views.py\n",
		`-    subprocess.call("acme-export --format " + fmt, shell=True)`,
		`+    subprocess.call("acme-export --format " + fmt, shell=False)`,
		"secui fix " + id + " --apply",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan output lacks %q:\n%s", want, r.stdout)
		}
	}
	if st := gitStdout(t, dir, "status", "--porcelain"); st != "" {
		t.Fatalf("the plan wrote something:\n%s", st)
	}

	r = runIn(t, dir, nil, "fix", id, "--json")
	mustOK(t, r, "secui fix --json")
	var doc fixJSON
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if doc.Schema != "secui.fix/v1" || doc.Finding != id || len(doc.Plans) != 1 || doc.Plans[0].Refusal != nil || doc.Applied {
		t.Fatalf("json: %+v", doc)
	}
	fl := doc.Plans[0].Files[0]
	if fl.Path != "app/views.py" || fl.Verified.Method != "snippet" || len(fl.Hunks) != 1 || fl.Hunks[0].OldStart != line-3 || fl.Hunks[0].OldLines != 7 {
		t.Errorf("json plan file: %+v", fl)
	}

	head := strings.TrimSpace(gitStdout(t, dir, "rev-parse", "HEAD"))
	r = runCmd(t, dir, []string{"SECUI_NOW=2026-06-01T12:00:00Z"}, nil, "fix", id, "--apply", "--commit")
	mustOK(t, r, "secui fix --apply --commit")
	if !strings.Contains(r.stdout, "finding "+id+" is fixed (pending scan)") || !strings.Contains(r.stdout, "committed ") {
		t.Errorf("apply output:\n%s", r.stdout)
	}
	if b, _ := os.ReadFile(views); !strings.Contains(string(b), `subprocess.call("acme-export --format " + fmt, shell=False)`) {
		t.Errorf("views.py not fixed:\n%s", b)
	}
	if parent := strings.TrimSpace(gitStdout(t, dir, "rev-parse", "HEAD~1")); parent != head {
		t.Errorf("HEAD~1 = %s, want the previous HEAD %s", parent, head)
	}
	if files := strings.TrimSpace(gitStdout(t, dir, "show", "--name-only", "--format=", "HEAD")); files != "app/views.py" {
		t.Errorf("the commit holds %q, want app/views.py only", files)
	}
	msg := gitStdout(t, dir, "log", "-1", "--format=%B")
	for _, want := range []string{"(tool-proposed fix)", rule, "Secui-Finding: " + id, "Semgrep OSS"} {
		if !strings.Contains(msg, want) {
			t.Errorf("commit message lacks %q:\n%s", want, msg)
		}
	}
	led, err := os.ReadFile(filepath.Join(dir, ".secui", "ledger.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"id: " + id, "state: fixed", "pending: true", "fix-source: tool-fix", "time: 2026-06-01T12:00:00Z"} {
		if !strings.Contains(string(led), want) {
			t.Errorf("ledger lacks %q:\n%s", want, led)
		}
	}
	r = runIn(t, dir, nil, "list", "--state", "fixed")
	mustOK(t, r, "list --state fixed")
	if !strings.Contains(r.stdout, "fixed (pending scan)") || !strings.Contains(r.stdout, "app/views.py:"+strconv.Itoa(line)) {
		t.Errorf("list --state fixed:\n%s", r.stdout)
	}
	ldoc := listJSON(t, dir, "--state", "fixed")
	if len(ldoc.Findings) != 1 || ldoc.Findings[0].ID != id {
		t.Errorf("list --json --state fixed: %+v", ldoc.Findings)
	}

	// The scan still describes the old file: applying again is refused as
	// stale and writes nothing.
	before := gitStdout(t, dir, "status", "--porcelain")
	r = runIn(t, dir, nil, "fix", id, "--apply")
	if r.code != 1 || !strings.Contains(r.stderr, "(stale)") || !strings.Contains(r.stderr, "no longer holds the snippet") {
		t.Errorf("second apply: exit %d\nstderr: %s", r.code, r.stderr)
	}
	if after := gitStdout(t, dir, "status", "--porcelain"); after != before {
		t.Errorf("a refused fix changed the tree:\n%s\n->\n%s", before, after)
	}
}

// Refusals on the command line: exit 1 with the reason, nothing written.
func TestFixRefusalsCLI(t *testing.T) {
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	src := "def f(x):\n    return eval(x)\n"
	must(os.WriteFile(filepath.Join(dir, "app.py"), []byte(src), 0o644))
	must(os.WriteFile(filepath.Join(dir, "other.py"), []byte("y = 1\n"), 0o644))
	region := `{"startLine":2,"startColumn":12,"endColumn":16,"snippet":{"text":"eval"}}`
	res := func(rule, uri string) string {
		return `{"ruleId":"` + rule + `","message":{"text":"eval"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"app.py"},"region":{"startLine":2}}}],` +
			`"fixes":[{"description":{"text":"use literal_eval"},"artifactChanges":[{"artifactLocation":{"uri":"` + uri + `"},"replacements":[{"deletedRegion":` + region + `,"insertedContent":{"text":"ast.literal_eval"}}]}]}]}`
	}
	doc := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"pylint-sec","rules":[{"id":"E1"},{"id":"E2"}]}},"results":[` +
		res("E1", "app.py") + "," + res("E2", "../app.py") + `]}]}`
	must(os.WriteFile(filepath.Join(dir, "scan.sarif"), []byte(doc), 0o644))
	git(t, dir, "add", "-A")
	git(t, dir, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "initial")

	snapshot := func() map[string]string { return treeFiles(t, filepath.Dir(dir)) }
	before := snapshot()
	e2 := findID(t, dir, "E2")
	r := runIn(t, dir, nil, "fix", e2, "--apply")
	if r.code != 1 || !strings.Contains(r.stderr, "(path)") || !strings.Contains(r.stderr, "path leaves the repository") {
		t.Errorf("escape: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	r = runIn(t, dir, nil, "fix", e2, "--json")
	var fj fixJSON
	if err := json.Unmarshal([]byte(r.stdout), &fj); err != nil || r.code != 1 || fj.Plans[0].Refusal == nil || fj.Plans[0].Refusal.Kind != "path" {
		t.Errorf("escape --json: exit %d, %v, %s", r.code, err, r.stdout)
	}
	sameFiles(t, before, snapshot())

	// --commit with another change staged: refused before anything is written.
	must(os.WriteFile(filepath.Join(dir, "other.py"), []byte("y = 2\n"), 0o644))
	git(t, dir, "add", "other.py")
	before = snapshot()
	e1 := findID(t, dir, "E1")
	r = runIn(t, dir, nil, "fix", e1, "--commit")
	if r.code != 1 || !strings.Contains(r.stderr, "other changes are staged (other.py)") {
		t.Errorf("--commit with staged changes: exit %d\nstderr: %s", r.code, r.stderr)
	}
	sameFiles(t, before, snapshot())

	// Without --commit it applies.
	r = runIn(t, dir, nil, "fix", e1, "--apply")
	mustOK(t, r, "fix --apply")
	if b, _ := os.ReadFile(filepath.Join(dir, "app.py")); string(b) != "def f(x):\n    return ast.literal_eval(x)\n" {
		t.Errorf("app.py = %q", b)
	}

	// Usage errors.
	if r := runIn(t, dir, nil, "fix"); r.code != 2 {
		t.Errorf("no id: exit %d", r.code)
	}
	if r := runIn(t, dir, nil, "fix", e1, "--edit", "--apply"); r.code != 2 {
		t.Errorf("--edit --apply: exit %d", r.code)
	}
	if r := runIn(t, dir, nil, "fix", "ffffffff"); r.code != 2 || !strings.Contains(r.stderr, "no finding with id") {
		t.Errorf("unknown id: exit %d %s", r.code, r.stderr)
	}
}

// treeFiles reads every file under dir except git's own (the index and
// objects change with `git add`).
func treeFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() && info.Name() == ".git" {
			return filepath.SkipDir
		}
		if info.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[p] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameFiles(t *testing.T, before, after map[string]string) {
	t.Helper()
	if len(before) != len(after) {
		t.Errorf("%d files before, %d after", len(before), len(after))
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed", k)
		}
	}
}

// A real DevSkim log from the corpus proposes two fixes for one finding:
// secui fix shows both, --apply needs --fix N, --fix 2 applies the second.
func TestFixChooseAmongSeveralCLI(t *testing.T) {
	sarif := testutil.CorpusFile(t, "DefectDojo-django-DefectDojo/devskim_many_vuln.sarif")
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	// crypto.py holding "sha1" at line 10 column 19 (character offset 146)
	// and "md5" at line 6 column 19 (offset 72), where DevSkim saw them.
	content := strings.Repeat("#", 49) + "\n\n\n\n\n" + "h1 = hashlib.new('md5')\n" +
		strings.Repeat("#", 47) + "\n\n\n" + "h2 = hashlib.new('sha1')\n"
	if err := os.WriteFile(filepath.Join(dir, "crypto.py"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	var id string
	for _, f := range listJSON(t, dir, sarif).Findings {
		if f.Path == "crypto.py" && f.Line == 10 {
			id = f.ID
		}
	}
	if id == "" {
		t.Fatal("DevSkim finding at crypto.py:10 not listed")
	}
	r := runIn(t, dir, nil, "fix", id, sarif)
	mustOK(t, r, "fix (two fixes)")
	if !strings.Contains(r.stdout, "fix 1 of 2") || !strings.Contains(r.stdout, "fix 2 of 2") ||
		!strings.Contains(r.stdout, "+h2 = hashlib.new('sha512')") || !strings.Contains(r.stdout, "+h2 = hashlib.new('sha256')") {
		t.Errorf("both plans:\n%s", r.stdout)
	}
	if r := runIn(t, dir, nil, "fix", id, sarif, "--apply"); r.code != 2 || !strings.Contains(r.stderr, "choose one with --fix N") {
		t.Errorf("--apply without --fix: exit %d %s", r.code, r.stderr)
	}
	r = runIn(t, dir, nil, "fix", id, sarif, "--fix", "2", "--apply")
	mustOK(t, r, "fix --fix 2 --apply")
	if b, _ := os.ReadFile(filepath.Join(dir, "crypto.py")); !strings.HasSuffix(string(b), "h2 = hashlib.new('sha256')\n") {
		t.Errorf("crypto.py:\n%s", b)
	}
}

// --edit opens the editor at file:line (a vi-like gets +LINE) and records a
// hand edit when the file changed; an editor that changes nothing records
// nothing.
func TestFixEditCLI(t *testing.T) {
	dir := demoRepo(t)
	id := findID(t, dir, "python.lang.security.deserialization.avoid-pyyaml-load.avoid-pyyaml-load")
	line := lineOf(t, filepath.Join(dir, "app", "views.py"), "yaml.load(")
	bin := t.TempDir()
	log := filepath.Join(bin, "args.log")
	// A "vi" that logs its arguments and edits the file it is given last.
	vi := filepath.Join(bin, "vi")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + log + "\nfor f; do :; done\nsed -i 's/yaml.load(/yaml.safe_load(/' \"$f\"\n"
	if err := os.WriteFile(vi, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	noop := filepath.Join(bin, "noop")
	if err := os.WriteFile(noop, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}

	r := runCmd(t, dir, []string{"EDITOR=" + noop}, nil, "fix", id, "--edit")
	mustOK(t, r, "fix --edit (no change)")
	if !strings.Contains(r.stdout, "unchanged") {
		t.Errorf("no-change edit: %s", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, ".secui", "ledger.yaml")); err == nil {
		t.Error("an edit that changed nothing wrote the ledger")
	}

	r = runCmd(t, dir, []string{"VISUAL=" + vi, "EDITOR=" + noop}, nil, "fix", id, "--edit")
	mustOK(t, r, "fix --edit")
	args, _ := os.ReadFile(log)
	wantArgs := "+" + strconv.Itoa(line) + "\n" + filepath.Join(realDir(t, dir), "app", "views.py") + "\n"
	if string(args) != wantArgs {
		t.Errorf("editor args = %q, want %q", args, wantArgs)
	}
	if !strings.Contains(r.stdout, "is fixed (pending scan)") {
		t.Errorf("edit output: %s", r.stdout)
	}
	led, _ := os.ReadFile(filepath.Join(dir, ".secui", "ledger.yaml"))
	for _, want := range []string{"id: " + id, "state: fixed", "pending: true", "fix-source: hand-edit"} {
		if !strings.Contains(string(led), want) {
			t.Errorf("ledger lacks %q:\n%s", want, led)
		}
	}
	if r := runIn(t, dir, nil, "list", "--state", "fixed"); !strings.Contains(r.stdout, "fixed (pending scan)") {
		t.Errorf("list --state fixed:\n%s", r.stdout)
	}
}

func realDir(t *testing.T, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
