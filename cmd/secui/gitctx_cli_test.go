package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitBy runs git as name <email> (author and committer).
func gitBy(t *testing.T, dir, name, email string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(isolatedEnv(t), "GIT_AUTHOR_NAME="+name, "GIT_AUTHOR_EMAIL="+email,
		"GIT_COMMITTER_NAME="+name, "GIT_COMMITTER_EMAIL="+email,
		"GIT_AUTHOR_DATE=2024-03-01T10:00:00Z", "GIT_COMMITTER_DATE=2024-03-01T10:00:00Z")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// gitCtxRepo: Ana writes src/app.go and CODEOWNERS on main; Bob, on branch
// feature, rewrites the SQL line (8). The scan finds G101 (line 5, Ana),
// G201 (line 8, Bob), G304 (line 10, Ana).
func gitCtxRepo(t *testing.T) (dir string, ids map[string]string) {
	t.Helper()
	dir = newTriageRepo(t) // committed as "Test"; re-committed below by Ana
	git(t, dir, "rm", "-q", "--cached", "-r", ".")
	os.RemoveAll(filepath.Join(dir, ".git"))
	gitBy(t, dir, "Ana Lima", "ana@example.com", "init", "-q", "-b", "main")
	os.MkdirAll(filepath.Join(dir, ".github"), 0o755)
	os.WriteFile(filepath.Join(dir, ".github", "CODEOWNERS"), []byte("* @acme/security\n/src/ @ana-lima\n"), 0o644)
	gitBy(t, dir, "Ana Lima", "ana@example.com", "add", "-A")
	gitBy(t, dir, "Ana Lima", "ana@example.com", "commit", "-q", "-m", "app")
	gitBy(t, dir, "Bob Stone", "bob@example.org", "checkout", "-q", "-b", "feature")
	app := filepath.Join(dir, "src", "app.go")
	b, _ := os.ReadFile(app)
	os.WriteFile(app, []byte(strings.Replace(string(b), `WHERE id=" + id`, `WHERE name='" + name + "'"`, 1)), 0o644)
	gitBy(t, dir, "Bob Stone", "bob@example.org", "commit", "-q", "-am", "query by name")
	ids = map[string]string{}
	for _, f := range listJSON(t, dir).Findings {
		ids[f.Rule] = f.ID
	}
	if len(ids) != 3 {
		t.Fatalf("findings %v", ids)
	}
	return dir, ids
}

type blameDoc struct {
	Schema   string `json:"schema"`
	Findings []struct {
		ID    string `json:"id"`
		Rule  string `json:"rule"`
		Blame *struct {
			Status, Author, Email, Commit, Summary, Time string
		} `json:"blame"`
		Owners *struct {
			File    string   `json:"file"`
			Line    int      `json:"line"`
			Pattern string   `json:"pattern"`
			Owners  []string `json:"owners"`
		} `json:"owners"`
		NewOnBranch  *bool  `json:"new_on_branch"`
		BranchMethod string `json:"branch_method"`
	} `json:"findings"`
	Branch *struct {
		Base, MergeBase, Method string
		New                     int
	} `json:"branch"`
	Codeowners string `json:"codeowners"`
}

func TestBlameCommand(t *testing.T) {
	dir, ids := gitCtxRepo(t)
	now := []string{"SECUI_NOW=2024-03-11T10:00:00Z"}
	r := runEnv(t, dir, now, "blame", ids["G201"], ids["G101"])
	mustOK(t, r, "blame")
	for _, want := range []string{
		ids["G201"] + "  gosec G201  src/app.go:8\n  blame:  Bob Stone <bob@example.org>, 10 days ago (2024-03-01), ",
		`"query by name"`,
		"  owners: @ana-lima (.github/CODEOWNERS:2 /src/)",
		"  branch: new on this branch (by lines changed since the merge base vs main at ",
		ids["G101"] + "  gosec G101  src/app.go:5\n  blame:  Ana Lima <ana@example.com>, 10 days ago (2024-03-01), ",
		"  branch: not new (by lines changed since the merge base",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("blame output lacks %q:\n%s", want, r.stdout)
		}
	}

	// An uncommitted edit of line 10 and JSON output.
	app := filepath.Join(dir, "src", "app.go")
	b, _ := os.ReadFile(app)
	os.WriteFile(app, []byte(strings.Replace(string(b), "os.Open(name)", "os.Open(name + \".txt\")", 1)), 0o644)
	r = runEnv(t, dir, now, "blame", "--json", ids["G304"], ids["G101"])
	mustOK(t, r, "blame --json")
	var doc blameDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if doc.Schema != "secui.blame/v1" || len(doc.Findings) != 2 || doc.Codeowners != ".github/CODEOWNERS" || doc.Branch == nil || doc.Branch.Method != "changed-lines" || doc.Branch.Base != "main" {
		t.Fatalf("doc = %+v", doc)
	}
	for _, f := range doc.Findings {
		switch f.Rule {
		case "G304":
			if f.Blame == nil || f.Blame.Status != "not committed yet" || f.Blame.Author != "" || !*f.NewOnBranch {
				t.Errorf("G304 (edited, not committed): %+v new=%v", f.Blame, *f.NewOnBranch)
			}
		case "G101":
			if f.Blame == nil || f.Blame.Author != "Ana Lima" || f.Blame.Time != "2024-03-01T10:00:00Z" || *f.NewOnBranch || f.BranchMethod != "changed-lines" {
				t.Errorf("G101: %+v new=%v %s", f.Blame, *f.NewOnBranch, f.BranchMethod)
			}
			if f.Owners == nil || f.Owners.Line != 2 || strings.Join(f.Owners.Owners, " ") != "@ana-lima" {
				t.Errorf("G101 owners %+v", f.Owners)
			}
		}
	}
	if r := runIn(t, dir, nil, "blame", "ffffffffffff"); r.code != exitUsage || !strings.Contains(r.stderr, "no finding with id ffffffffffff") {
		t.Errorf("unknown id: %d %s", r.code, r.stderr)
	}
}

func TestListNewOnBranch(t *testing.T) {
	dir, ids := gitCtxRepo(t)
	// By lines changed since the merge base: Bob's rewritten line.
	r := runIn(t, dir, nil, "list", "-q", "new:branch", "--json")
	mustOK(t, r, "list new:branch")
	var doc struct {
		listDoc
		Branch *struct {
			Base              string   `json:"base"`
			MergeBase         string   `json:"merge_base"`
			Method            string   `json:"method"`
			BaseScanTools     []string `json:"base_scan_tools"`
			ChangedLinesTools []string `json:"changed_lines_tools"`
			New               int      `json:"new"`
			Note              string   `json:"note"`
			Summary           string   `json:"summary"`
		} `json:"branch"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Findings) != 1 || doc.Findings[0].ID != ids["G201"] {
		t.Errorf("new:branch listed %+v, want only G201", doc.Findings)
	}
	mb := gitBy(t, dir, "x", "x@x", "merge-base", "main", "HEAD")
	if doc.Branch == nil || doc.Branch.Method != "changed-lines" || doc.Branch.MergeBase != mb || doc.Branch.New != 1 ||
		strings.Join(doc.Branch.ChangedLinesTools, ",") != "gosec" {
		t.Errorf("branch = %+v", doc.Branch)
	}
	// Without new:branch the document has no branch member.
	r = runIn(t, dir, nil, "list", "--json")
	if strings.Contains(r.stdout, `"branch"`) {
		t.Error("branch member without new:branch")
	}
	// The table's footer says how it was decided.
	r = runIn(t, dir, nil, "list", "-q", "-new:branch")
	mustOK(t, r, "list -new:branch")
	if !strings.Contains(r.stdout, "G101") || strings.Contains(r.stdout, "G201") ||
		!strings.Contains(r.stdout, "new on this branch (vs main at "+mb[:7]+"): 1: 1 by lines changed since the merge base (gosec)") {
		t.Errorf("-new:branch table:\n%s", r.stdout)
	}

	// A scan of the merge base: by identity. The SQL finding existed on main
	// (Bob only rewrote the line): not new. A finding the base scan lacks is.
	base := filepath.Join(dir, ".secui", "scans", "base")
	os.MkdirAll(base, 0o755)
	writeSARIF(t, filepath.Join(base, "gosec.sarif"), []gen{
		{rule: "G101", path: "src/app.go", line: 5, fp: "aaaa:1"},
		{rule: "G201", path: "src/app.go", line: 8, fp: "bbbb:1"},
	})
	os.WriteFile(filepath.Join(base, "base.json"), []byte(`{"schema":"secui.base-scan/v1","commit":"`+mb+`","ref":"main","scanners":["gosec"]}`), 0o644)
	r = runIn(t, dir, nil, "list", "-q", "new:branch", "--json")
	mustOK(t, r, "list new:branch with base scan")
	doc.Branch = nil
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Findings) != 1 || doc.Findings[0].ID != ids["G304"] {
		t.Errorf("new:branch by base scan listed %+v, want only G304", doc.Findings)
	}
	if doc.Branch == nil || doc.Branch.Method != "base-scan" || strings.Join(doc.Branch.BaseScanTools, ",") != "gosec" {
		t.Errorf("branch = %+v", doc.Branch)
	}

	// No default branch: a configuration error that names the setting.
	gitBy(t, dir, "x", "x@x", "branch", "-m", "main", "trunk")
	r = runIn(t, dir, nil, "list", "-q", "new:branch")
	if r.code != exitUsage || !strings.Contains(r.stderr, "set git.base in .secui.yaml") {
		t.Errorf("no default branch: exit %d\n%s", r.code, r.stderr)
	}
	os.WriteFile(filepath.Join(dir, ".secui.yaml"), []byte("git:\n  base: trunk\n"), 0o644)
	r = runIn(t, dir, nil, "list", "-q", "new:branch", "--json")
	mustOK(t, r, "git.base: trunk")

	// Outside a repository.
	out := t.TempDir()
	r = runIn(t, out, nil, "list", "-q", "new:branch", filepath.Join(dir, "scan.sarif"))
	if r.code != exitUsage || !strings.Contains(r.stderr, "new:branch needs a git repository") {
		t.Errorf("outside a repo: exit %d\n%s", r.code, r.stderr)
	}
}
