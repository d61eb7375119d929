package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secui/secui/internal/fakegithub"
)

const syncToken = "ghp_cliTOKEN_must_never_appear_42"

// syncRepo is the demo repository configured for GitHub sync against a
// fake GitHub, with the two gitleaks findings and one gosec finding accepted.
func syncRepo(t *testing.T) (string, *fakegithub.Server, []string) {
	t.Helper()
	dir := demoRepo(t)
	os.WriteFile(filepath.Join(dir, ".secui.yaml"), []byte("trackers:\n  github:\n    repo: acme/payments\n    labels: [security, demo]\n"), 0o644)
	git(t, dir, "add", ".secui.yaml")
	git(t, dir, "-c", "commit.gpgsign=false", "commit", "-qm", "config")
	fake := fakegithub.New("acme", "payments", "/api/v3")
	t.Cleanup(fake.Close)
	fake.Tokens[syncToken] = fakegithub.Token{Login: "secbot", Push: true}
	env := []string{"GITHUB_TOKEN=" + syncToken, "GITHUB_API_URL=" + fake.API(), "SECUI_NOW=2026-11-02T09:00:00Z"}
	doc := listJSON(t, dir)
	var ids []string
	for _, r := range doc.Findings {
		if r.Tool == "gitleaks" || (r.Tool == "gosec" && len(ids) < 3) {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) < 3 {
		t.Fatalf("demo findings: %d", len(ids))
	}
	if r := runIn(t, dir, nil, append([]string{"accept", "--note", "tracked as a ticket, fix in the next sprint"}, ids...)...); r.code != 0 {
		t.Fatalf("accept: %s %s", r.stdout, r.stderr)
	}
	return dir, fake, env
}

func TestSyncCLI(t *testing.T) {
	dir, fake, env := syncRepo(t)
	writes := func() int {
		n := 0
		for _, q := range fake.Recorded() {
			if q.Method != "GET" {
				n++
			}
		}
		return n
	}
	// --dry-run: the plan, nothing sent.
	r := runCmd(t, dir, env, nil, "sync", "github", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "create") || !strings.Contains(r.stdout, "dry run: nothing was sent") || writes() != 0 {
		t.Fatalf("dry run (%d): %s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "POST /repos/{owner}/{repo}/issues") || !strings.Contains(r.stdout, `"labels": [`) {
		t.Errorf("plan lacks the payload:\n%s", r.stdout)
	}
	// Not a terminal and no --yes: refused.
	r = runCmd(t, dir, env, nil, "sync", "github")
	if r.code != 2 || !strings.Contains(r.stderr, "--yes") || writes() != 0 {
		t.Fatalf("without --yes (%d): %s", r.code, r.stderr)
	}
	// --yes --json applies.
	r = runCmd(t, dir, env, nil, "sync", "github", "--yes", "--json")
	if r.code != 0 {
		t.Fatalf("sync (%d): %s\n%s", r.code, r.stdout, r.stderr)
	}
	var doc struct {
		Schema string `json:"schema"`
		Plan   struct {
			Actions []struct {
				Action string `json:"action"`
			} `json:"actions"`
		} `json:"plan"`
		Result struct {
			Created int `json:"created"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc.Schema != "secui.sync/v1" || doc.Result.Created != len(fake.Snapshot()) || doc.Result.Created < 3 {
		t.Fatalf("json: %v %+v (%d issues)", err, doc, len(fake.Snapshot()))
	}
	// The secrets of the demo's gitleaks findings reached no request.
	for _, q := range fake.Recorded() {
		for _, s := range []string{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"} {
			if strings.Contains(q.Body, s) || strings.Contains(q.Query, s) {
				t.Fatalf("secret sent in %s %s", q.Method, q.Path)
			}
		}
	}
	// Again: nothing to do.
	r = runCmd(t, dir, env, nil, "sync", "github", "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "nothing to do") {
		t.Errorf("second sync (%d): %s", r.code, r.stdout)
	}
	// list --json shows the ticket; export writes workItemUris.
	lr := runIn(t, dir, nil, "list", "--json")
	var ld struct {
		Findings []struct {
			ID     string `json:"id"`
			Ticket *struct {
				Tracker, ID, URL, State string
			} `json:"ticket"`
		} `json:"findings"`
	}
	json.Unmarshal([]byte(lr.stdout), &ld)
	withTicket := 0
	url := ""
	for _, f := range ld.Findings {
		if f.Ticket != nil {
			withTicket++
			url = f.Ticket.URL
			if f.Ticket.Tracker != "github" || f.Ticket.State != "open" || !strings.HasPrefix(f.Ticket.URL, "https://github.com/acme/payments/issues/") {
				t.Errorf("ticket %+v", f.Ticket)
			}
		}
	}
	if withTicket != doc.Result.Created {
		t.Errorf("%d findings with a ticket, want %d", withTicket, doc.Result.Created)
	}
	er := runIn(t, dir, nil, "export")
	if er.code != 0 || !strings.Contains(er.stdout, `"workItemUris"`) || !strings.Contains(er.stdout, url) {
		t.Errorf("export lacks workItemUris %s", url)
	}
	// --check writes nothing.
	before := writes()
	r = runCmd(t, dir, env, nil, "sync", "github", "--check")
	if r.code != 0 || !strings.Contains(r.stdout, "ok   permission") || writes() != before {
		t.Errorf("check (%d): %s %s", r.code, r.stdout, r.stderr)
	}
	// The token appears nowhere: output, errors, the ledger.
	ledgerFile, _ := os.ReadFile(filepath.Join(dir, ".secui/ledger.yaml"))
	bad := runCmd(t, dir, []string{"GITHUB_TOKEN=ghp_wrong_token_also_secret", "GITHUB_API_URL=" + fake.API()}, nil, "sync", "github", "--yes")
	if bad.code != 1 || !strings.Contains(bad.stderr, "check GITHUB_TOKEN / GH_TOKEN") || strings.Contains(bad.stderr+bad.stdout, "ghp_wrong_token_also_secret") {
		t.Errorf("401 (%d): %s", bad.code, bad.stderr)
	}
	for what, s := range map[string]string{"ledger": string(ledgerFile), "stdout": r.stdout + doc.Schema, "stderr": r.stderr} {
		if strings.Contains(s, syncToken) {
			t.Errorf("token in %s", what)
		}
	}
	if !strings.Contains(string(ledgerFile), "tickets:\n  - tracker: github\n") {
		t.Errorf("ledger lacks the tickets section:\n%s", ledgerFile)
	}
}

func TestSyncUsageErrors(t *testing.T) {
	dir := demoRepo(t)
	r := runIn(t, dir, nil, "sync", "gitlab")
	if r.code != 2 || !strings.Contains(r.stderr, "want github or jira") {
		t.Errorf("unknown tracker: %d %s", r.code, r.stderr)
	}
	r = runCmd(t, dir, []string{"GITHUB_TOKEN=x"}, nil, "sync", "github", "--dry-run")
	if r.code != 2 || !strings.Contains(r.stderr, "trackers.github.repo") {
		t.Errorf("no repo: %d %s", r.code, r.stderr)
	}
	r = runCmd(t, dir, nil, nil, "sync", "jira", "--check")
	if r.code != 2 || !strings.Contains(r.stderr, "JIRA_URL") {
		t.Errorf("no jira: %d %s", r.code, r.stderr)
	}
}
