package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The merge driver on a sharded ledger (schema v3): the same two branches
// as TestMergeDriverKeepsBothBranches, after `secui ledger --upgrade`, with
// the .gitattributes line for the shards. git calls the driver per shard;
// the shard both branches changed keeps both histories and marks the record
// for review, check names the shard and line, and deciding again resolves
// it.
func TestMergeDriverOnShards(t *testing.T) {
	dir := newTriageRepo(t)
	os.WriteFile(filepath.Join(dir, ".gitattributes"), []byte(".secui/ledger/*.yaml merge=secui\n"), 0o644)
	mustOK(t, runEnv(t, dir, []string{"SECUI_NOW=2026-11-28T09:00:00Z"}, "accept", "--rule", "G304", "--note", "fix with filepath.Clean"), "accept")
	up := runEnv(t, dir, nil, "ledger", "--upgrade")
	mustOK(t, up, "upgrade")
	if _, err := os.Stat(filepath.Join(dir, ".secui", "ledger.yaml")); !os.IsNotExist(err) {
		t.Fatalf("upgrade left the single file: %v\n%s", err, up.stderr)
	}
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "ledger base (sharded)")

	atA, atB := []string{"SECUI_NOW=2026-11-29T10:00:00Z"}, []string{"SECUI_NOW=2026-11-29T11:00:00Z"}
	git(t, dir, "checkout", "-q", "-b", "a")
	mustOK(t, runEnv(t, dir, atA, "suppress", "--rule", "G101", "--reason", "used-in-tests", "-j", "fixture for the login tests"), "suppress a")
	mustOK(t, runEnv(t, dir, atA, "reopen", "--rule", "G304", "--note", "not fixed after all"), "reopen a")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "a")
	git(t, dir, "checkout", "-q", "main")
	git(t, dir, "checkout", "-q", "-b", "b")
	mustOK(t, runEnv(t, dir, atB, "suppress", "--rule", "G201", "--reason", "mitigated", "-j", "id is an integer parsed by the router"), "suppress b")
	mustOK(t, runEnv(t, dir, atB, "accept", "--rule", "G304", "--note", "fix in sprint 12", "--due", "30d"), "accept b")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "b")
	git(t, dir, "checkout", "-q", "a")
	if st := gitOut(t, dir, "status", "--porcelain"); st != "" {
		t.Fatalf("a decision left files out of git:\n%s", st)
	}
	plain := exec.Command("git", "merge", "-q", "--no-edit", "b")
	plain.Dir, plain.Env = dir, isolatedEnv(t)
	if out, err := plain.CombinedOutput(); err == nil {
		t.Fatalf("line merge did not conflict, the test proves nothing:\n%s", out)
	}
	git(t, dir, "merge", "--abort")
	git(t, dir, "config", "merge.secui.driver", secuiBin+" merge-driver %O %A %B")
	out := gitOut(t, dir, "merge", "--no-edit", "b")
	if !strings.Contains(out, "needs review") {
		t.Errorf("the driver did not say a record needs review:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, ".secui", "ledger.yaml")); !os.IsNotExist(err) {
		t.Fatalf("the merge brought back a single file: %v", err)
	}
	for rule, want := range map[string]string{"G101": "suppressed", "G201": "suppressed", "G304": "open"} {
		if s := stateOf(t, dir, rule); len(s) != 1 || s[0].State != want {
			t.Errorf("%s after merge: %+v, want %s", rule, s, want)
		}
	}
	shards, _ := filepath.Glob(filepath.Join(dir, ".secui", "ledger", "*.yaml"))
	var g304 []byte
	for _, p := range shards {
		data, _ := os.ReadFile(p)
		if bytes.Contains(data, []byte("<<<<<<<")) || !bytes.Contains(data, []byte("\nversion: 3\n")) {
			t.Fatalf("%s after the merge:\n%s", p, data)
		}
		if bytes.Contains(data, []byte("rule: G304")) {
			g304 = data
		}
	}
	if !bytes.Contains(g304, []byte("note: fix in sprint 12")) || !bytes.Contains(g304, []byte("note: not fixed after all")) ||
		bytes.Count(g304, []byte("action: accept")) != 2 || !bytes.Contains(g304, []byte("review: ")) {
		t.Fatalf("G304 histories not merged or not marked for review:\n%s", g304)
	}
	after := []string{"SECUI_NOW=2026-11-30T09:00:00Z"}
	r := runEnv(t, dir, after, "check", "--fail-on", "off")
	if r.code != 1 || !strings.Contains(r.stdout, "REVIEW") || !strings.Contains(r.stdout, "merge conflict") ||
		!regexp.MustCompile(`\.secui/ledger/[0-9a-f]{2}\.yaml:\d+`).MatchString(r.stdout) {
		t.Fatalf("check on a record needing review: exit %d\n%s", r.code, r.stdout)
	}
	mustOK(t, runEnv(t, dir, after, "accept", "--rule", "G304", "--note", "fix in sprint 12, agreed with the team"), "re-decide")
	if r := runEnv(t, dir, after, "check", "--fail-on", "off"); r.code != 0 {
		t.Fatalf("check after re-deciding: exit %d\n%s", r.code, r.stdout)
	}
}
