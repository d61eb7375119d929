package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// gosecRepo is a git repository holding a small vulnerable Go program and
// the real gosec v2.30.0 SARIF of it (testdata/gosecapp): 6 high findings
// (G701 G202 G703 G705 G404 G114) and 1 medium (G104).
func gosecRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(moduleRoot(t), "cmd", "secui", "testdata", "gosecapp")
	for _, f := range []string{"main.go", "gosec.sarif"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), data, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/app\n\ngo 1.22\n"), 0o644)
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "app and its gosec scan")
	return dir
}

func idsOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range listJSON(t, dir, "--all").Findings {
		out[f.Rule] = f.ID
	}
	return out
}

type checkDoc struct {
	Passed   bool `json:"passed"`
	Findings int  `json:"findings"`
	Strict   bool `json:"strict"`
	Problems []struct {
		Kind, ID, Message string
	} `json:"problems"`
	Errors []struct {
		File    string `json:"file"`
		Line    int    `json:"line"`
		Message string `json:"message"`
	} `json:"errors"`
}

func checkJSON(t *testing.T, dir string, extra []string, wantCode int, args ...string) checkDoc {
	t.Helper()
	r := runEnv(t, dir, extra, append([]string{"check", "--json"}, args...)...)
	if r.code != wantCode {
		t.Fatalf("check %v: exit %d, want %d\n%s%s", args, r.code, wantCode, r.stdout, r.stderr)
	}
	var d checkDoc
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatalf("check --json: %v\n%s", err, r.stdout)
	}
	return d
}

func problemKinds(d checkDoc) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, p := range d.Problems {
		if out[p.Kind] == nil {
			out[p.Kind] = map[string]string{}
		}
		out[p.Kind][p.ID] = p.Message
	}
	return out
}

func writeLedger(t *testing.T, dir, body string) {
	t.Helper()
	p := filepath.Join(dir, ".secui", "ledger.yaml")
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte("version: 1\ndecisions:\n"+body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// No input is exit 3 (an empty directory is not "passed — 0 findings"); a
// truncated SARIF next to a good one fails with exit 4 and is listed under
// errors, while the good file is still checked.
func TestCheckNoInputAndInputErrors(t *testing.T) {
	empty := t.TempDir()
	if r := runIn(t, empty, nil, "check", "."); r.code != 3 || !strings.Contains(r.stderr, "no SARIF") {
		t.Fatalf("empty directory: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runIn(t, t.TempDir(), nil, "check", empty); r.code != 3 {
		t.Fatalf("empty directory as an argument: exit %d\n%s", r.code, r.stderr)
	}
	if d := checkJSON(t, t.TempDir(), nil, 3, empty); d.Passed || len(d.Errors) != 1 || !strings.Contains(d.Errors[0].Message, "no SARIF") {
		t.Fatalf("--json with no input: %+v", d)
	}
	git(t, empty, "init", "-q", "-b", "main")
	if r := runIn(t, empty, nil, "check"); r.code != 3 {
		t.Fatalf("repository without SARIF: exit %d\n%s", r.code, r.stderr)
	}
	dir := gosecRepo(t)
	if d := checkJSON(t, dir, nil, 0, "--fail-on", "off"); !d.Passed || d.Findings != 7 || len(d.Errors) != 0 {
		t.Fatalf("good input: %+v", d)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "gosec.sarif"))
	os.MkdirAll(filepath.Join(dir, "results"), 0o755)
	os.WriteFile(filepath.Join(dir, "results", "trunc.sarif"), data[:len(data)/2], 0o644)
	d := checkJSON(t, dir, nil, 4, "--fail-on", "off")
	if d.Passed || len(d.Errors) == 0 || d.Errors[0].File != "results/trunc.sarif" || d.Errors[0].Line == 0 || d.Findings != 7 {
		t.Fatalf("truncated next to good: %+v", d)
	}
	r := runIn(t, dir, nil, "check", "--fail-on", "off")
	if r.code != 4 || !strings.Contains(r.stdout, "INPUT ERROR results/trunc.sarif:") || !strings.Contains(r.stdout, "FAILED") {
		t.Fatalf("text: exit %d\n%s", r.code, r.stdout)
	}
	// Only the truncated file: nothing loaded at all, exit 3.
	if r := runIn(t, dir, nil, "check", "results/trunc.sarif"); r.code != 3 {
		t.Fatalf("only a truncated file: exit %d\n%s", r.code, r.stderr)
	}
}

// Hand-written records that would make the gate pass are unjustified, and
// fail it, whoever wrote them.
func TestCheckFailsOnHandWrittenRecords(t *testing.T) {
	dir := gosecRepo(t)
	ids := idsOf(t, dir)
	rec := func(rule, body string) string { return "- id: " + ids[rule] + "\n" + body }
	const who = "  author: Jane Dev <jane@example.com>\n  time: 2026-11-20T09:00:00Z\n"
	// The classic forgery: accepted / fixed / suppressed with nothing to
	// back it, on every high finding.
	writeLedger(t, dir, rec("G701", "  state: accepted\n  time: 2026-11-20T09:00:00Z\n")+
		rec("G202", "  state: fixed\n  time: 2026-11-20T09:00:00Z\n")+
		rec("G703", "  state: accepted\n"+who)+
		rec("G705", "  state: suppressed\n  reason: false-positive\n  justification: \"TODO: justify later\"\n"+who)+
		rec("G404", "  state: suppressed\n  reason: false-positive\n  justification: N/A N/A N/A N/A\n"+who)+
		rec("G114", "  state: suppressed\n  reason: false-positive\n  justification: x x x x x x x x\n"+who))
	d := checkJSON(t, dir, nil, 1)
	k := problemKinds(d)
	for _, rule := range []string{"G701", "G202", "G703", "G705", "G404", "G114"} {
		if _, ok := k["unjustified"][ids[rule]]; !ok {
			t.Errorf("%s not unjustified: %+v", rule, k)
		}
	}
	if !strings.Contains(k["unjustified"][ids["G701"]], "no author") || !strings.Contains(k["unjustified"][ids["G703"]], "a note is required") {
		t.Errorf("messages: %q / %q", k["unjustified"][ids["G701"]], k["unjustified"][ids["G703"]])
	}
	// A fixed finding the scan still reports is open.
	if _, ok := k["open"][ids["G202"]]; !ok || !strings.Contains(k["open"][ids["G202"]], "marked fixed") {
		t.Errorf("fixed but reported is not open: %+v", k["open"])
	}
	// Each trick on its own, with a good justification otherwise.
	good := "  state: suppressed\n  reason: mitigated\n  justification: the WAF blocks this pattern before the handler\n"
	for name, tc := range map[string]struct{ body, want string }{
		"future time":   {good + "  author: Jane Dev <jane@example.com>\n  time: 2099-01-01T00:00:00Z\n", "in the future"},
		"expires 9999":  {good + who + "  expires: \"9999-12-31\"\n", "more than 1y after the decision"},
		"no author":     {good + "  time: 2026-11-20T09:00:00Z\n", "no author"},
		"no e-mail":     {good + "  author: mallory\n  time: 2026-11-20T09:00:00Z\n", "no e-mail"},
		"accepted, due": {"  state: accepted\n  note: tracked in SEC-9 for the next release\n" + who + "  due: \"2126-11-20\"\n", "more than 1y"},
	} {
		writeLedger(t, dir, rec("G701", tc.body))
		d := checkJSON(t, dir, nil, 1, "--fail-on", "off")
		if m := problemKinds(d)["unjustified"][ids["G701"]]; !strings.Contains(m, tc.want) {
			t.Errorf("%s: %q, want %q (%+v)", name, m, tc.want, d.Problems)
		}
	}
	// The same record, honest, passes (the gate is not simply always red).
	writeLedger(t, dir, rec("G701", good+who))
	checkJSON(t, dir, nil, 0, "--fail-on", "off")
	// check.max-expiry in the team config allows a longer expiry.
	writeLedger(t, dir, rec("G701", good+who+"  expires: \"2028-06-01\"\n"))
	checkJSON(t, dir, nil, 1, "--fail-on", "off")
	os.WriteFile(filepath.Join(dir, ".secui.yaml"), []byte("check:\n  max-expiry: 2y\n"), 0o644)
	checkJSON(t, dir, nil, 0, "--fail-on", "off")
}

// What secui writes obeys the same rules: weak decisions are refused at
// write (exit 2, nothing written).
func TestTriageRefusesWeakDecisions(t *testing.T) {
	dir := gosecRepo(t)
	ids := idsOf(t, dir)
	ledgerFile := filepath.Join(dir, ".secui", "ledger.yaml")
	for _, args := range [][]string{
		{"accept", ids["G701"]},
		{"accept", ids["G701"], "--note", ""},
		{"accept", "--all", "--note", "x", "--due", "2020-01-01"},
		{"accept", "--all", "--note", "x"},
		{"accept", "--all", "--note", "tracked in SEC-1, fixed next sprint", "--due", "2020-01-01"},
		{"accept", "--all", "--note", "tracked in SEC-1, fixed next sprint", "--due", "2y"},
		{"accept", "--all", "--note", "N/A N/A N/A N/A"},
		{"suppress", "--rule", "G404", "--reason", "false-positive", "-j", "TODO: justify later"},
		{"suppress", "--rule", "G404", "--reason", "false-positive", "-j", "N/A N/A N/A N/A"},
		{"suppress", "--rule", "G404", "--reason", "false-positive", "-j", "x x x x x x x x"},
		{"suppress", "--rule", "G404", "--reason", "false-positive", "-j", "not a real secret", "--expires", "9999-12-31"},
		{"suppress", "--rule", "G404", "--reason", "false-positive", "-j", "not a real secret", "--expires", "100y"},
		{"suppress", "--rule", "G404", "--reason", "false-positive", "-j", "not a real secret", "--expires", "13mo"},
	} {
		if r := runIn(t, dir, nil, args...); r.code != 2 {
			t.Errorf("%q: exit %d, want 2\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	if _, err := os.Stat(ledgerFile); err == nil {
		t.Fatal("a refused decision wrote the ledger")
	}
	mustOK(t, runIn(t, dir, nil, "suppress", "--rule", "G404", "--reason", "false-positive", "-j", "the random value only picks a colour", "--expires", "1y"), "1y")
	mustOK(t, runIn(t, dir, nil, "accept", "--rule", "G114", "--note", "timeouts come with the new server in SEC-31", "--due", "90d"), "accept")
	os.WriteFile(filepath.Join(dir, ".secui.yaml"), []byte("check:\n  max-expiry: 2y\n"), 0o644)
	mustOK(t, runIn(t, dir, nil, "suppress", "--rule", "G705", "--reason", "mitigated", "-j", "the template engine escapes this output", "--expires", "18mo"), "18mo with max-expiry 2y")
	if r := runIn(t, dir, nil, "check", "--fail-on", "off"); r.code != 0 {
		t.Fatalf("what secui wrote fails its own gate: %d\n%s", r.code, r.stdout)
	}
}

// An acceptance past its due date fails the gate.
func TestOverdueAcceptanceFailsCheck(t *testing.T) {
	dir := gosecRepo(t)
	at := []string{"SECUI_NOW=2026-11-28T10:00:00Z"}
	mustOK(t, runEnv(t, dir, at, "accept", "--all", "--note", "tracked in SEC-40, fixed before the release", "--due", "2026-12-15"), "accept")
	if d := checkJSON(t, dir, []string{"SECUI_NOW=2026-12-14T10:00:00Z"}, 0); !d.Passed {
		t.Fatalf("before the due date: %+v", d)
	}
	d := checkJSON(t, dir, []string{"SECUI_NOW=2026-12-15T10:00:00Z"}, 1)
	if len(problemKinds(d)["overdue"]) != 7 {
		t.Fatalf("after the due date: %+v", d.Problems)
	}
}

// secui check --strict: passes a clean ledger, says it is strict; a merge
// conflict record fails with or without it (see TestMergeDriverKeepsBothBranches).
func TestCheckStrictFlag(t *testing.T) {
	dir := gosecRepo(t)
	if d := checkJSON(t, dir, nil, 0, "--strict", "--fail-on", "off"); !d.Strict || !d.Passed {
		t.Fatalf("strict: %+v", d)
	}
	os.WriteFile(filepath.Join(dir, ".secui.yaml"), []byte("check:\n  strict: true\n"), 0o644)
	if d := checkJSON(t, dir, nil, 0, "--fail-on", "off"); !d.Strict {
		t.Fatalf("check.strict: %+v", d)
	}
	os.WriteFile(filepath.Join(dir, ".secui.yaml"), []byte("check:\n  strict: yes please\n"), 0o644)
	if r := runIn(t, dir, nil, "check"); r.code != 2 || !strings.Contains(r.stderr, "check.strict") {
		t.Fatalf("bad check.strict: %d %s", r.code, r.stderr)
	}
}

// The release binary has no settable clock: SECUI_NOW is ignored (with a
// warning) — nobody backdates a decision or moves the gate's "now".
func TestReleaseBinaryIgnoresSecuiNow(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a second binary")
	}
	rel := filepath.Join(t.TempDir(), "secui-release")
	build := exec.Command("go", "build", "-buildvcs=false", "-o", rel, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := gosecRepo(t)
	cmd := exec.Command(rel, "suppress", "--rule", "G404", "--reason", "false-positive", "-j", "the random value only picks a colour")
	cmd.Dir, cmd.Env = dir, append(isolatedEnv(t), "SECUI_NOW=2020-01-01T00:00:00Z")
	before := time.Now().UTC().Add(-time.Minute)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("release suppress: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "SECUI_NOW is ignored") {
		t.Errorf("no warning:\n%s", out)
	}
	data, _ := os.ReadFile(filepath.Join(dir, ".secui", "ledger.yaml"))
	m := regexp.MustCompile(`(?m)^  time: (\S+)$`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("no time:\n%s", data)
	}
	recorded, _ := time.Parse(time.RFC3339, string(m[1]))
	if recorded.Before(before) {
		t.Fatalf("the release binary took SECUI_NOW: recorded %s", m[1])
	}
	// The test build does honour it (that is how the other tests run).
	mustOK(t, runEnv(t, dir, []string{"SECUI_NOW=2026-01-02T03:04:05Z"}, "suppress", "--rule", "G114", "--reason", "mitigated", "-j", "the proxy in front enforces timeouts"), "test build")
	data, _ = os.ReadFile(filepath.Join(dir, ".secui", "ledger.yaml"))
	if !strings.Contains(string(data), "time: 2026-01-02T03:04:05Z") {
		t.Fatalf("test build ignored SECUI_NOW:\n%s", data)
	}
}

// GIT_AUTHOR_NAME/EMAIL no longer forge the author silently: the git
// identity is recorded; when the environment differs, both are recorded
// and a warning is printed. Without a configured identity the environment
// is used (as git does); without any identity, the decision is refused.
func TestDecisionAuthor(t *testing.T) {
	dir := gosecRepo(t)
	authorOf := func(rule string) string {
		t.Helper()
		r := runIn(t, dir, nil, "ledger", "--json")
		var l struct {
			Decisions []struct{ Rule, Author string } `json:"decisions"`
		}
		json.Unmarshal([]byte(r.stdout), &l)
		for _, d := range l.Decisions {
			if d.Rule == rule {
				return d.Author
			}
		}
		return ""
	}
	// isolatedEnv: GIT_AUTHOR_* = Test <test@example.com>, no git config identity.
	r := runIn(t, dir, nil, "suppress", "--rule", "G404", "--reason", "false-positive", "-j", "the random value only picks a colour")
	mustOK(t, r, "env only")
	if a := authorOf("G404"); a != "Test <test@example.com>" || strings.Contains(r.stderr, "warning") {
		t.Fatalf("env only: %q, stderr %q", a, r.stderr)
	}
	git(t, dir, "config", "user.name", "Jane Dev")
	git(t, dir, "config", "user.email", "jane@example.com")
	r = runIn(t, dir, nil, "suppress", "--rule", "G114", "--reason", "mitigated", "-j", "the proxy in front enforces timeouts")
	mustOK(t, r, "env overrides config")
	if a := authorOf("G114"); a != "Jane Dev <jane@example.com> (GIT_AUTHOR_*: Test <test@example.com>)" {
		t.Fatalf("override recorded as %q", a)
	}
	if !strings.Contains(r.stderr, "warning: GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL (Test <test@example.com>) differ from your git identity (Jane Dev <jane@example.com>)") {
		t.Fatalf("no warning: %q", r.stderr)
	}
	unset := []string{"GIT_AUTHOR_NAME=", "GIT_AUTHOR_EMAIL="}
	r = runEnv(t, dir, unset, "accept", "--rule", "G701", "--note", "parameterised queries land in SEC-50")
	mustOK(t, r, "config only")
	if a := authorOf("G701"); a != "Jane Dev <jane@example.com>" || strings.Contains(r.stderr, "warning") {
		t.Fatalf("config only: %q %q", a, r.stderr)
	}
	git(t, dir, "config", "--unset", "user.email")
	if r := runEnv(t, dir, unset, "accept", "--rule", "G202", "--note", "parameterised queries land in SEC-50"); r.code != 2 || !strings.Contains(r.stderr, "e-mail") {
		t.Fatalf("no e-mail: exit %d %s", r.code, r.stderr)
	}
}

// A branch that hand-edits a record's time to 2099 wins nothing in a merge:
// the other branch's real decision is taken, and the forged time is gone.
func TestMergeForgedTimeWinsNothingCLI(t *testing.T) {
	dir := gosecRepo(t)
	os.WriteFile(filepath.Join(dir, ".gitattributes"), []byte(".secui/ledger.yaml merge=secui\n"), 0o644)
	git(t, dir, "config", "merge.secui.driver", secuiBin+" merge-driver %O %A %B")
	mustOK(t, runIn(t, dir, nil, "suppress", "--rule", "G404", "--reason", "false-positive", "-j", "the random value only picks a colour"), "base")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "base")
	p := filepath.Join(dir, ".secui", "ledger.yaml")
	git(t, dir, "checkout", "-q", "-b", "forger")
	data, _ := os.ReadFile(p)
	forged := regexp.MustCompile(`time: [0-9TZ:.-]+`).ReplaceAll(data, []byte("time: 2099-01-01T00:00:00Z")) // every time, in records and in the one-line history events
	os.WriteFile(p, forged, 0o644)
	git(t, dir, "commit", "-q", "-am", "forged time")
	git(t, dir, "checkout", "-q", "main")
	mustOK(t, runEnv(t, dir, []string{"SECUI_NOW=2026-11-28T13:00:00Z"}, "reopen", "--rule", "G404", "--note", "crypto/rand is required here after all"), "reopen")
	git(t, dir, "commit", "-q", "-am", "reopen")
	for _, merge := range []string{"forger into main", "main into forger"} {
		t.Run(merge, func(t *testing.T) {
			branch, other := "main", "forger"
			if merge == "main into forger" {
				branch, other = "forger", "main"
			}
			git(t, dir, "checkout", "-q", branch)
			git(t, dir, "checkout", "-q", "-b", branch+"-m")
			gitOut(t, dir, "merge", "--no-edit", other)
			data, _ := os.ReadFile(p)
			if s := stateOf(t, dir, "G404"); len(s) != 1 || s[0].State != "open" || strings.Contains(string(data), "2099") || strings.Contains(string(data), "review:") {
				t.Fatalf("state %+v\n%s", s, data)
			}
			git(t, dir, "checkout", "-q", "main")
		})
	}
}

// git's line merge leaves conflict markers: secui ledger and check say what
// happened and how to resolve it (exit 2); the suggested
// `git checkout -m` with the driver configured resolves it.
func TestConflictMarkersCLI(t *testing.T) {
	dir := gosecRepo(t)
	os.WriteFile(filepath.Join(dir, ".gitattributes"), []byte(".secui/ledger.yaml merge=secui\n"), 0o644)
	mustOK(t, runIn(t, dir, nil, "accept", "--rule", "G114", "--note", "timeouts come with the new server in SEC-31"), "base")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "base")
	git(t, dir, "checkout", "-q", "-b", "a")
	mustOK(t, runIn(t, dir, nil, "suppress", "--rule", "G404", "--reason", "false-positive", "-j", "the random value only picks a colour"), "a")
	mustOK(t, runIn(t, dir, nil, "reopen", "--rule", "G114", "--note", "the new server slipped to next year"), "a reopen")
	git(t, dir, "commit", "-q", "-am", "a")
	git(t, dir, "checkout", "-q", "main")
	mustOK(t, runIn(t, dir, nil, "suppress", "--rule", "G705", "--reason", "mitigated", "-j", "the template engine escapes this output"), "main")
	mustOK(t, runIn(t, dir, nil, "accept", "--rule", "G114", "--note", "timeouts come with the new server, SEC-31 and SEC-32"), "main accept")
	git(t, dir, "commit", "-q", "-am", "main")
	// No driver configured: git's line merge.
	m := exec.Command("git", "merge", "--no-edit", "a")
	m.Dir, m.Env = dir, isolatedEnv(t)
	if out, err := m.CombinedOutput(); err == nil {
		t.Fatalf("no conflict, the test proves nothing:\n%s", out)
	}
	for _, args := range [][]string{{"ledger"}, {"ledger", "--json"}, {"check"}} {
		r := runIn(t, dir, nil, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "git conflict marker") || !strings.Contains(r.stderr, "git checkout -m -- .secui/ledger.yaml") {
			t.Errorf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	// The advice works: configure the driver, redo the file's merge.
	git(t, dir, "config", "merge.secui.driver", secuiBin+" merge-driver %O %A %B")
	git(t, dir, "checkout", "-m", "--", ".secui/ledger.yaml")
	r := runIn(t, dir, nil, "ledger")
	if r.code != 0 {
		t.Fatalf("after git checkout -m: exit %d\n%s", r.code, r.stderr)
	}
	// Both branches re-decided G114 differently: open, needing review.
	for rule, want := range map[string]string{"G404": "suppressed", "G705": "suppressed", "G114": "open"} {
		if s := stateOf(t, dir, rule); len(s) != 1 || s[0].State != want {
			t.Errorf("%s: %+v, want %s", rule, s, want)
		}
	}
}

// secui ledger exits 2 on an invalid ledger (and still lists what is valid).
func TestLedgerExitsNonZeroOnInvalid(t *testing.T) {
	dir := gosecRepo(t)
	mustOK(t, runIn(t, dir, nil, "suppress", "--rule", "G404", "--reason", "false-positive", "-j", "the random value only picks a colour"), "suppress")
	if r := runIn(t, dir, nil, "ledger"); r.code != 0 {
		t.Fatalf("valid ledger: exit %d", r.code)
	}
	p := filepath.Join(dir, ".secui", "ledger.yaml")
	data, _ := os.ReadFile(p)
	os.WriteFile(p, append(data, []byte("- id: nothex\n  state: maybe\n")...), 0o644)
	for _, args := range [][]string{{"ledger"}, {"ledger", "--json"}, {"ledger", "--orphans"}} {
		r := runIn(t, dir, nil, args...)
		if r.code != 2 || !strings.Contains(r.stderr, ".secui/ledger.yaml:") || !strings.Contains(r.stderr, `bad id "nothex"`) {
			t.Errorf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
	}
}

// The ledger's own writes are confined: a .secui symlink leading out of the
// repository is refused, and nothing is written there.
func TestLedgerSymlinkOutCLI(t *testing.T) {
	dir := gosecRepo(t)
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, ".secui")); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	r := runIn(t, dir, nil, "suppress", "--rule", "G404", "--reason", "false-positive", "-j", "the random value only picks a colour")
	if r.code == 0 || !strings.Contains(r.stderr, "symlink leads out of the repository") {
		t.Fatalf("suppress through a symlink out: exit %d\n%s", r.code, r.stderr)
	}
	if r := runIn(t, dir, nil, "check"); r.code != 2 {
		t.Fatalf("check: exit %d\n%s", r.code, r.stderr)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Fatalf("wrote %d file(s) outside the repository", len(ents))
	}
}

// Leftover temporary files of a killed write are removed by the next write
// (see findings/ledger TestStaleTempFromKilledWriteRemoved for a real SIGKILL).
func TestStaleTempCleanupCLI(t *testing.T) {
	dir := gosecRepo(t)
	mustOK(t, runIn(t, dir, nil, "suppress", "--rule", "G404", "--reason", "false-positive", "-j", "the random value only picks a colour"), "first")
	sdir := filepath.Join(dir, ".secui")
	stale := filepath.Join(sdir, ".ledger.yaml.tmp4242")
	os.WriteFile(stale, []byte("version: 1\ndecisions:\n- id: "), 0o644)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(stale, old, old)
	if out := gitOut(t, dir, "status", "--porcelain", "--ignored", ".secui"); !strings.Contains(out, "!! .secui/.ledger.yaml.tmp4242") {
		t.Fatalf("temp file not ignored by git:\n%s", out)
	}
	mustOK(t, runIn(t, dir, nil, "suppress", "--rule", "G114", "--reason", "mitigated", "-j", "the proxy in front enforces timeouts"), "second")
	if _, err := os.Stat(stale); err == nil {
		t.Fatal("stale temp file not removed")
	}
}

// Every fuzz target runs its built-in seeds, also without ../shared (none
// skips itself).
func TestFuzzTargetsRunSeedsWithoutShared(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test on the module")
	}
	cmd := exec.Command("go", "test", "-count=1", "-run", "^Fuzz", "-v", "./...")
	cmd.Dir = moduleRoot(t)
	cmd.Env = append(os.Environ(), "SECUI_SHARED="+filepath.Join(t.TempDir(), "no-shared"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test -run ^Fuzz: %v\n%s", err, out)
	}
	s := string(out)
	targets := regexp.MustCompile(`(?m)^--- (PASS|SKIP|FAIL): (Fuzz\w+) `).FindAllStringSubmatch(s, -1)
	if len(targets) < 5 {
		t.Fatalf("only %d fuzz targets ran:\n%s", len(targets), s)
	}
	for _, m := range targets {
		if m[1] != "PASS" {
			t.Errorf("%s: %s", m[2], m[1])
		}
		if !strings.Contains(s, fmt.Sprintf("--- PASS: %s/seed#0", m[2])) {
			t.Errorf("%s ran no built-in seed", m[2])
		}
	}
}
