package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secui/secui/internal/testutil"
)

// The tests in this file run on a real git repository made from
// testdata/v1repo (a small Go program) and real gosec 2.30.0 output. With
// gosec installed (PATH or ~/go/bin) each scan runs live; SECUI_GOSEC=record
// also (re)writes the recordings in testdata/gosec, which the tests use
// when gosec is missing (or with SECUI_GOSEC=recorded). The recordings are gosec's output for exactly the
// tree each step leaves.

func gosecBin() string {
	if p, err := exec.LookPath("gosec"); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		if p := filepath.Join(home, "go", "bin", "gosec"); fileExists(p) {
			return p
		}
	}
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// gosecScan writes dir/scan.sarif: gosec's report of the tree as it is.
func gosecScan(t *testing.T, dir, step string) {
	t.Helper()
	rec := filepath.Join(moduleRoot(t), "cmd", "secui", "testdata", "gosec", step+".sarif")
	out := filepath.Join(dir, "scan.sarif")
	if bin := gosecBin(); bin != "" && os.Getenv("SECUI_GOSEC") != "recorded" {
		os.Remove(out)
		cmd := exec.Command(bin, "-fmt", "sarif", "-out", "scan.sarif", "-no-fail", "-quiet", "./...")
		cmd.Dir = dir
		cmd.Env = append(isolatedEnv(t), "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
		for _, k := range []string{"GOCACHE", "GOPATH", "GOMODCACHE", "GOROOT"} {
			if v, err := exec.Command("go", "env", k).Output(); err == nil {
				cmd.Env = append(cmd.Env, k+"="+strings.TrimSpace(string(v)))
			}
		}
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("gosec: %v\n%s", err, b)
		}
		if os.Getenv("SECUI_GOSEC") == "record" {
			data, _ := os.ReadFile(out)
			os.MkdirAll(filepath.Dir(rec), 0o755)
			if err := os.WriteFile(rec, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	data, err := os.ReadFile(rec)
	if err != nil {
		t.Skipf("gosec is not installed and there is no recording %s", rec)
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// goRepo is a git repository holding testdata/v1repo's sources (not its
// ledger or scan), committed.
func goRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(moduleRoot(t), "cmd", "secui", "testdata", "v1repo")
	for _, f := range []string{"main.go", "go.mod", "internal/db/db.go"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), data, 0o644)
	}
	os.WriteFile(filepath.Join(dir, ".gitignore"), []byte("scan.sarif\n"), 0o644)
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "init")
	return dir
}

func ledgerJSONOf(t *testing.T, dir string, args ...string) ledgerJSON {
	t.Helper()
	return ledgerOut(t, dir, []string{"SECUI_NOW=2026-11-28T12:00:00Z"}, args...)
}

// secui ledger and list --json say how each decision found its finding
// after lines were inserted above (moved +3 lines) and after the file was
// moved into a new folder with git mv (rename from main.go), with real
// gosec re-scans; every decision stays on the finding it was made on.
func TestLedgerShowsMovedAndRenamed(t *testing.T) {
	dir := goRepo(t)
	now := []string{"SECUI_NOW=2026-11-28T09:00:00Z"}
	gosecScan(t, dir, "initial")
	before := listJSON(t, dir)
	if len(before.Findings) < 4 {
		t.Fatalf("gosec found %d findings", len(before.Findings))
	}
	// Where each finding is, by rule (gosec reports each rule once here).
	lineOfRule := map[string]int{}
	for _, f := range before.Findings {
		if _, dup := lineOfRule[f.Rule]; dup || f.Path != "main.go" {
			t.Fatalf("fixture: expected one finding per rule in main.go, got %+v", before.Findings)
		}
		lineOfRule[f.Rule] = f.Line
	}
	mustOK(t, runEnv(t, dir, now, "suppress", "--all", "--reason", "accepted-risk", "-j", "demo program, never deployed anywhere"), "suppress")
	l := ledgerJSONOf(t, dir)
	for _, d := range l.Decisions {
		if d.Evidence == nil || !d.Evidence.Hashes || d.Evidence.Commit == "" || d.Evidence.Path != "main.go" || (d.Match.Kind != "id" && d.Match.Kind != "same") || d.Moved {
			t.Fatalf("decision without evidence or not on its finding: %+v", d)
		}
	}
	data, _ := os.ReadFile(filepath.Join(dir, ".secui", "ledger.yaml"))
	if !bytes.Contains(data, []byte("version: 2\n")) || !bytes.Contains(data, []byte("    line-hash: ")) || !bytes.Contains(data, []byte("    symbol: ")) {
		t.Fatalf("ledger lacks v2 evidence:\n%s", data)
	}
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "triage")

	// 1. Three lines inserted above everything.
	main := filepath.Join(dir, "main.go")
	src, _ := os.ReadFile(main)
	src = bytes.Replace(src, []byte("package main\n"), []byte("package main\n\n// Package main is a demo.\n// It is not deployed.\n"), 1)
	os.WriteFile(main, src, 0o644)
	gosecScan(t, dir, "moved")
	after := listJSON(t, dir, "--all")
	if len(after.Findings) != len(before.Findings) {
		t.Fatalf("%d findings after the edit, %d before", len(after.Findings), len(before.Findings))
	}
	for _, f := range after.Findings {
		if f.Line != lineOfRule[f.Rule]+3 || f.State != "suppressed" || f.Match == nil || f.Match.Moved != 3 ||
			!strings.Contains(f.Match.Text, "moved +3 lines") {
			t.Errorf("%s at line %d (was %d): state %s match %+v", f.Rule, f.Line, lineOfRule[f.Rule], f.State, f.Match)
		}
	}
	l = ledgerJSONOf(t, dir, "--moved")
	if len(l.Decisions) != len(before.Findings) || l.Counts.Moved != len(before.Findings) || l.Counts.Orphans != 0 || l.Counts.Review != 0 {
		t.Fatalf("--moved: %d decisions, counts %+v", len(l.Decisions), l.Counts)
	}
	for _, d := range l.Decisions {
		f := byID(after, d.Match.Finding)
		if f == nil || f.Rule != ruleOfDecision(before, d.ID) || d.Match.Moved != 3 {
			t.Errorf("decision %s (%s) on %+v: %+v", d.ID, ruleOfDecision(before, d.ID), f, d.Match)
		}
	}
	r := runEnv(t, dir, []string{"SECUI_NOW=2026-11-28T12:00:00Z"}, "ledger")
	mustOK(t, r, "ledger")
	if !strings.Contains(r.stdout, "moved +3 lines") || !strings.Contains(r.stdout, "placed (5 moved)") {
		t.Fatalf("ledger table:\n%s", r.stdout)
	}
	git(t, dir, "commit", "-q", "-am", "header comment")

	// 2. The file moves into a new folder (git mv, not committed).
	os.MkdirAll(filepath.Join(dir, "cmd", "app"), 0o755)
	git(t, dir, "mv", "main.go", "cmd/app/main.go")
	gosecScan(t, dir, "renamed")
	after = listJSON(t, dir, "--all")
	if len(after.Findings) != len(before.Findings) {
		t.Fatalf("%d findings after the move, %d before", len(after.Findings), len(before.Findings))
	}
	for _, f := range after.Findings {
		if f.Path != "cmd/app/main.go" || f.State != "suppressed" || f.Match == nil || f.Match.How != "rename" || f.Match.From != "main.go" ||
			!strings.HasPrefix(f.Match.Text, "rename from main.go") {
			t.Errorf("%s: path %s state %s match %+v", f.Rule, f.Path, f.State, f.Match)
		}
	}
	l = ledgerJSONOf(t, dir)
	for _, d := range l.Decisions {
		f := byID(after, d.Match.Finding)
		if d.Match.Kind != "rename" || d.Match.From != "main.go" || f == nil || f.Rule != ruleOfDecision(before, d.ID) || !d.Moved {
			t.Errorf("decision %s: %+v on %+v", d.ID, d.Match, f)
		}
	}
	r = runEnv(t, dir, []string{"SECUI_NOW=2026-11-28T12:00:00Z"}, "ledger")
	if !strings.Contains(r.stdout, "rename from main.go") {
		t.Fatalf("ledger table:\n%s", r.stdout)
	}
	t.Logf("secui ledger after git mv:\n%s", r.stdout)
}

func byID(doc listDoc, id string) *record {
	for i := range doc.Findings {
		if doc.Findings[i].ID == id {
			return &doc.Findings[i]
		}
	}
	return nil
}

func ruleOfDecision(doc listDoc, id string) string {
	if f := byID(doc, id); f != nil {
		return f.Rule
	}
	return ""
}

// A real v1 ledger (written by secui before v2) keeps working: read as is,
// listed, decisions on it write v2 with every old value kept, and
// `secui ledger --upgrade` records evidence for the decisions placed by a
// strong identity.
func TestV1LedgerUpgradeCLI(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	testutil.CopyDir(t, filepath.Join(moduleRoot(t), "cmd", "secui", "testdata", "v1repo"), dir)
	os.Remove(filepath.Join(dir, "README.md"))
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "v1 triage")
	v1, _ := os.ReadFile(filepath.Join(dir, ".secui", "ledger.yaml"))

	at := []string{"SECUI_NOW=2026-12-01T09:00:00Z"}
	r := runEnv(t, dir, at, "ledger", "--json")
	mustOK(t, r, "ledger on v1")
	var l ledgerJSON
	json.Unmarshal([]byte(r.stdout), &l)
	if l.Schema != "secui.ledger/v2" || l.Version != 1 || len(l.Decisions) != 4 || !strings.Contains(r.stderr, "schema v1") {
		t.Fatalf("v1 ledger: %+v\nstderr %s", l, r.stderr)
	}
	for _, d := range l.Decisions {
		if d.Evidence != nil || d.Match.Kind != "id" || !strings.Contains(d.Match.Text, "v1 record") || d.Match.Finding != d.ID {
			t.Fatalf("v1 record: %+v", d)
		}
	}
	states := map[string]string{}
	for _, f := range listJSON(t, dir, "--all").Findings {
		states[f.Rule] = f.State
	}
	if states["G304"] != "suppressed" || states["G401"] != "accepted" || states["G501"] != "open" || states["G104"] != "suppressed" || states["G114"] != "open" {
		t.Fatalf("states from the v1 ledger: %v", states)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, ".secui", "ledger.yaml")); !bytes.Equal(b, v1) {
		t.Fatal("reading changed the v1 file")
	}

	up := runEnv(t, dir, at, "ledger", "--upgrade")
	mustOK(t, up, "upgrade")
	if !strings.Contains(up.stderr, "rewritten as .secui/ledger/, schema v3") {
		t.Errorf("upgrade said:\n%s", up.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, ".secui", "ledger.yaml")); !os.IsNotExist(err) {
		t.Fatalf("the v1 file is still there after the upgrade: %v", err)
	}
	shards, _ := filepath.Glob(filepath.Join(dir, ".secui", "ledger", "*.yaml"))
	var v3 []byte
	for _, p := range shards {
		b, _ := os.ReadFile(p)
		if !bytes.Contains(b, []byte("\nversion: 3\n")) {
			t.Fatalf("%s is not a v3 shard:\n%s", p, b)
		}
		v3 = append(v3, b...)
	}
	if len(shards) != 4 || bytes.Count(v3, []byte("  evidence:\n")) != 4 || !bytes.Contains(v3, []byte(`never user input"`)) {
		t.Fatalf("upgraded ledger (%d shards):\n%s", len(shards), v3)
	}
	r = runEnv(t, dir, at, "ledger", "--json")
	json.Unmarshal([]byte(r.stdout), &l)
	if l.Version != 3 || len(l.Decisions) != 4 || strings.Contains(r.stderr, "schema v1") {
		t.Fatalf("after upgrade: %+v %s", l, r.stderr)
	}
	for _, d := range l.Decisions {
		if d.Evidence == nil || !d.Evidence.Hashes || d.Evidence.Path != "main.go" || (d.Match.Kind != "id" && d.Match.Kind != "same") || d.Moved {
			t.Errorf("after upgrade: %+v", d)
		}
	}
	after := map[string]string{}
	for _, f := range listJSON(t, dir, "--all").Findings {
		after[f.Rule] = f.State
	}
	for k, v := range states {
		if after[k] != v {
			t.Errorf("%s: %s before the upgrade, %s after", k, v, after[k])
		}
	}
	// A plain decision on a v1 file writes v2 (still one file).
	os.RemoveAll(filepath.Join(dir, ".secui", "ledger"))
	git(t, dir, "checkout", "-q", ".secui/ledger.yaml")
	mustOK(t, runEnv(t, dir, at, "accept", "--rule", "G114", "--note", "tracked in SEC-150: add timeouts"), "accept on v1")
	v2b, _ := os.ReadFile(filepath.Join(dir, ".secui", "ledger.yaml"))
	if !bytes.Contains(v2b, []byte("\nversion: 2\n")) || !bytes.Contains(v2b, []byte("Tracked in SEC-142: move to SHA-256")) || bytes.Count(v2b, []byte("\n- id: ")) != 5 {
		t.Fatalf("decision on v1:\n%s", v2b)
	}
}

// A record marked for review (as the merge driver marks a true conflict)
// does not count: --review lists it, list shows its finding open and
// flagged, and deciding on the finding again clears it. (Decisions the
// matcher cannot place are covered in findings/ledger and findings/match.)
func TestLedgerReviewCLI(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	testutil.CopyDir(t, filepath.Join(moduleRoot(t), "cmd", "secui", "testdata", "v1repo"), dir)
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "v1 triage")
	at := []string{"SECUI_NOW=2026-12-01T09:00:00Z"}
	mustOK(t, runEnv(t, dir, at, "ledger", "--upgrade"), "upgrade")
	p := filepath.Join(dir, ".secui", "ledger", "76.yaml") // the shard of 761e9cd6a79dd2f9
	data, _ := os.ReadFile(p)
	marked := bytes.Replace(data, []byte("  rule: G304\n  path: main.go\n"), []byte("  rule: G304\n  path: main.go\n  review: \"merge conflict: one branch suppressed, the other reopened\"\n"), 1)
	if bytes.Equal(marked, data) {
		t.Fatalf("setup:\n%s", data)
	}
	os.WriteFile(p, marked, 0o644)

	l := ledgerOut(t, dir, at, "--review")
	if len(l.Decisions) != 1 || l.Decisions[0].ID != "761e9cd6a79dd2f9" || !strings.HasPrefix(l.Decisions[0].Review, "merge conflict") ||
		l.Decisions[0].Match.Finding != "761e9cd6a79dd2f9" || l.Counts.Review != 1 || l.Counts.Placed != 4 {
		t.Fatalf("--review: %+v counts %+v", l.Decisions, l.Counts)
	}
	r := runEnv(t, dir, at, "ledger", "--review")
	mustOK(t, r, "ledger --review")
	if !strings.Contains(r.stdout, "REVIEW") || !strings.Contains(r.stdout, "Needs review") || !strings.Contains(r.stdout, "merge conflict: one branch suppressed") {
		t.Fatalf("ledger --review table:\n%s", r.stdout)
	}
	g304 := find(listJSON(t, dir, "--all"), "gosec", "G304")
	if len(g304) != 1 || g304[0].State != "open" || g304[0].Match == nil || !strings.HasPrefix(g304[0].Review, "merge conflict") {
		t.Fatalf("G304 in list: %+v", g304)
	}
	if r := runEnv(t, dir, at, "list"); !strings.Contains(r.stdout, "open (review)") {
		t.Fatalf("list table:\n%s", r.stdout)
	}
	mustOK(t, runEnv(t, dir, at, "suppress", "761e9cd6a79dd2f9", "--reason", "false-positive", "-j", "the name comes from a fixed list, never from users"), "decide again")
	l = ledgerOut(t, dir, at)
	if l.Counts.Review != 0 || l.Counts.Total != 4 || l.Counts.Placed != 4 {
		t.Fatalf("after deciding again: %+v", l.Counts)
	}
	if s := find(listJSON(t, dir, "--all"), "gosec", "G304"); s[0].State != "suppressed" || s[0].Review != "" {
		t.Fatalf("G304 after: %+v", s)
	}
}
