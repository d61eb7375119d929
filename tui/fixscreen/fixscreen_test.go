package fixscreen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/fix"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/internal/testutil"
	"github.com/secui/secui/tui/internal/screentest"
)

var testNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// gosecRepo is a git repository holding the gosecapp program and its real
// gosec v2.30.0 SARIF (cmd/secui/testdata/gosecapp). gosec proposes no
// fixes, so the test gives its G104 result (the unchecked rows.Close() on
// line 18) the fixes a tool would propose: fixes is a list of inserted
// texts for the region of the call (columns 4-16).
func gosecRepo(t *testing.T, fixes ...string) (string, Deps, *findings.Finding) {
	t.Helper()
	// The ledger author is the repository's git identity (Ann Dev); CI sets
	// GIT_AUTHOR_* for its own commits, which DecisionAuthor would record too.
	for _, k := range []string{"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL"} {
		t.Setenv(k, "") // restored after the test
		os.Unsetenv(k)
	}
	src := filepath.Join(testutil.ModuleRoot(t), "cmd", "secui", "testdata", "gosecapp")
	code, err := os.ReadFile(filepath.Join(src, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(src, "gosec.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	run := doc["runs"].([]any)[0].(map[string]any)
	for _, r := range run["results"].([]any) {
		r := r.(map[string]any)
		if r["ruleId"] != "G104" || len(fixes) == 0 {
			continue
		}
		var fs []any
		for _, ins := range fixes {
			fs = append(fs, map[string]any{
				"description": map[string]any{"text": "check the error of " + strings.TrimSpace(ins)},
				"artifactChanges": []any{map[string]any{
					"artifactLocation": map[string]any{"uri": "main.go"},
					"replacements": []any{map[string]any{
						"deletedRegion":   map[string]any{"startLine": 18, "startColumn": 4, "endLine": 18, "endColumn": 16},
						"insertedContent": map[string]any{"text": ins},
					}},
				}},
			})
		}
		r["fixes"] = fs
		// gosec v2.30.0 gives the call as snippet but an empty region
		// (column 4 to 4), which the planner rightly calls stale: the
		// region is made to span the snippet, as a fixing tool's would.
		reg := r["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)["region"].(map[string]any)
		reg["endColumn"] = 16
	}
	// The run lists the file's hash, as a tool proposing fixes would.
	sum := sha256.Sum256(code)
	run["artifacts"] = []any{map[string]any{"location": map[string]any{"uri": "main.go"}, "hashes": map[string]any{"sha-256": hex.EncodeToString(sum[:])}}}
	out, _ := json.MarshalIndent(doc, "", "  ")
	dir := screentest.Repo(t, map[string]string{"main.go": string(code), "go.mod": "module example.com/app\n\ngo 1.22\n", ".secui/scans/gosec.sarif": string(out)})
	set, err := findings.Load(context.Background(), []string{filepath.Join(dir, ".secui/scans/gosec.sarif")}, findings.Options{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	var f *findings.Finding
	for _, x := range set.Findings {
		if x.RuleID() == "G104" {
			f = x
		}
	}
	if f == nil {
		t.Fatal("no G104 finding")
	}
	repo, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(dir, ".secui/ledger.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ov := l.Overlay(set.Findings, testNow, ledger.OverlayOptions{})
	deps := Deps{Root: dir, Repo: repo, Set: set, Ledger: l, Overlay: ov, Now: func() time.Time { return testNow },
		Getenv: func(string) string { return "" }}
	return dir, deps, f
}

// decision reads the ledger again from disk and returns f's record.
func decision(t *testing.T, dir string, f *findings.Finding) *ledger.Decision {
	t.Helper()
	l, err := ledger.Open(dir, ".secui/ledger.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return l.Get(f.ID)
}

func TestPreviewApplyRecordsPendingFix(t *testing.T) {
	dir, deps, f := gosecRepo(t, "_ = rows.Close()")
	before := screentest.Read(t, dir, "main.go")
	m := New(deps, f)
	m.SetSize(100, 30)
	s, pop, _ := screentest.Run(t, m, m.Init())
	if pop != nil {
		t.Fatalf("popped while planning: %+v", pop.Result)
	}
	if len(m.Plans()) != 1 || !m.Plans()[0].OK() {
		t.Fatalf("plans: %+v (status %q)", m.Plans(), m.Status())
	}
	v := s.View()
	screentest.Contains(t, "view", v, "fix "+f.ID, "fix 1 of 1 by gosec", "main.go: 1 replacement(s), checked against the scan by artifact-hash",
		"--- a/main.go", "+++ b/main.go", "-            rows.Close()", "+            _ = rows.Close()", "@@ -15,")
	if strings.Contains(v, "\t") {
		t.Error("the view holds a raw tab")
	}
	if got := screentest.Read(t, dir, "main.go"); got != before {
		t.Fatal("the preview wrote the file")
	}

	s, pop, _ = screentest.Press(t, s, "y")
	if pop == nil {
		t.Fatalf("y did not pop; status %q", m.Status())
	}
	r, ok := pop.Result.(ResultMsg)
	if !ok || r.Outcome != Applied || r.FindingID != f.ID || r.Err != nil || len(r.Paths) != 1 || r.Paths[0] != "main.go" || r.Commit != "" {
		t.Fatalf("result: %+v", pop.Result)
	}
	if cm, changed := r.Changed(); !changed || !strings.Contains(cm.Reason, "main.go") {
		t.Errorf("Changed() = %+v, %v", cm, changed)
	}
	screentest.Contains(t, "result", r.String(), "fixed (pending scan)", "re-scan")
	if got := screentest.Read(t, dir, "main.go"); !strings.Contains(got, "\t\t\t_ = rows.Close()\n") || strings.Count(got, "rows.Close()") != 1 {
		t.Fatalf("main.go not fixed:\n%s", got)
	}
	d := decision(t, dir, f)
	if d == nil || d.State != findings.StateFixed || !d.Pending || d.Extra().FixSource != ledger.FixFromTool || d.Author != "Ann Dev <ann@example.com>" {
		t.Fatalf("ledger decision: %+v", d)
	}
	if st := screentest.Git(t, dir, "status", "--porcelain"); !strings.Contains(st, " M main.go") {
		t.Errorf("git status:\n%s", st)
	}
}

// c applies and commits exactly the fixed file, the finding id in the message.
func TestCommitChoosesAmongFixes(t *testing.T) {
	dir, deps, f := gosecRepo(t, "_ = rows.Close()", "defer rows.Close()")
	m := New(deps, f)
	s, _, _ := screentest.Run(t, m, m.Init())
	if len(m.Plans()) != 2 {
		t.Fatalf("%d plans", len(m.Plans()))
	}
	screentest.Contains(t, "view", s.View(), "2 fixes", "fix 1 of 2")
	s, _, _ = screentest.Press(t, s, "tab")
	if m.Selected() != 1 {
		t.Fatalf("selected %d after tab", m.Selected())
	}
	screentest.Contains(t, "view", s.View(), "fix 2 of 2", "+            defer rows.Close()")
	s, _, _ = screentest.Press(t, s, "1")
	s, _, _ = screentest.Press(t, s, "2")
	_, pop, _ := screentest.Press(t, s, "c")
	if pop == nil {
		t.Fatalf("c did not pop: %q", m.Status())
	}
	r := pop.Result.(ResultMsg)
	if r.Outcome != Applied || r.Commit == "" || r.Err != nil {
		t.Fatalf("result %+v", r)
	}
	if got := screentest.Read(t, dir, "main.go"); !strings.Contains(got, "\t\t\tdefer rows.Close()\n") {
		t.Fatalf("main.go:\n%s", got)
	}
	msg := screentest.Git(t, dir, "log", "-1", "--format=%B")
	screentest.Contains(t, "commit message", msg, "Secui-Finding: "+f.ID, "Secui-Fix-Source: tool-fix")
	if files := strings.TrimSpace(screentest.Git(t, dir, "show", "--name-only", "--format=", "HEAD")); files != "main.go" {
		t.Errorf("commit holds %q", files)
	}
	if d := decision(t, dir, f); d == nil || !d.Pending || d.Extra().FixSource != ledger.FixFromTool || !strings.Contains(d.Extra().Note, "commit "+r.Commit[:12]) {
		t.Fatalf("ledger: %+v", d)
	}
}

// A file changed since the scan is refused with the reason; y writes
// nothing and records nothing; esc pops Cancelled.
func TestStaleRefusedNothingWritten(t *testing.T) {
	dir, deps, f := gosecRepo(t, "_ = rows.Close()")
	edited := strings.Replace(screentest.Read(t, dir, "main.go"), "\t\t\trows.Close()", "\t\t\trows.Close() // closed", 1)
	screentest.Write(t, dir, map[string]string{"main.go": edited})
	m := New(deps, f)
	s, _, _ := screentest.Run(t, m, m.Init())
	if len(m.Plans()) != 1 || m.Plans()[0].OK() || m.Plans()[0].Refusal.Kind != fix.RefuseStale {
		t.Fatalf("plans: %+v", m.Plans()[0])
	}
	screentest.Contains(t, "view", s.View(), "refused (stale)", "nothing will be written")
	s, pop, _ := screentest.Press(t, s, "y")
	if pop != nil {
		t.Fatalf("y popped on a refusal: %+v", pop.Result)
	}
	screentest.Contains(t, "status", m.Status(), "refused (stale)")
	if got := screentest.Read(t, dir, "main.go"); got != edited {
		t.Fatal("a refused fix wrote the file")
	}
	if d := decision(t, dir, f); d != nil {
		t.Fatalf("a refused fix was recorded: %+v", d)
	}
	_, pop, _ = screentest.Press(t, s, "esc")
	if pop == nil || pop.Result.(ResultMsg).Outcome != Cancelled {
		t.Fatalf("esc: %+v", pop)
	}
	if _, ok := pop.Result.(ResultMsg).Changed(); ok {
		t.Error("a cancelled fix says it changed something")
	}
}

// The file changes between the preview and y: the apply is refused
// (changed) and nothing is written.
func TestChangedBetweenPlanAndApply(t *testing.T) {
	dir, deps, f := gosecRepo(t, "_ = rows.Close()")
	m := New(deps, f)
	s, _, _ := screentest.Run(t, m, m.Init())
	changed := screentest.Read(t, dir, "main.go") + "\n// a late edit\n"
	screentest.Write(t, dir, map[string]string{"main.go": changed})
	_, pop, _ := screentest.Press(t, s, "y")
	if pop != nil {
		t.Fatalf("popped: %+v", pop.Result)
	}
	screentest.Contains(t, "status", m.Status(), "refused (changed)")
	if got := screentest.Read(t, dir, "main.go"); got != changed {
		t.Fatal("written over a late edit")
	}
	if d := decision(t, dir, f); d != nil {
		t.Fatalf("recorded: %+v", d)
	}
}

// A finding without fixes says so; y does nothing.
func TestNoFix(t *testing.T) {
	_, deps, f := gosecRepo(t)
	m := New(deps, f)
	s, _, _ := screentest.Run(t, m, m.Init())
	screentest.Contains(t, "view", s.View(), "refused (no-fix)")
	if _, pop, _ := screentest.Press(t, s, "y"); pop != nil {
		t.Fatalf("popped: %+v", pop.Result)
	}
}

// editorScript writes an executable editor that runs the sed expression on
// the file it is given last (and records its arguments).
func editorScript(t *testing.T, sedExpr string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	args := filepath.Join(dir, "args")
	p := filepath.Join(dir, "edit.sh")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + args + "\nfor f; do :; done\n"
	if sedExpr != "" {
		script += "sed -i '" + sedExpr + "' \"$f\"\n"
	}
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p, args
}

// runEditor plays the part of tea.ExecProcess: it runs the argv the screen
// prepared and hands the screen the exit.
func runEditor(t *testing.T, m *Model) (*Model, *ResultMsg) {
	t.Helper()
	cmd := m.Init()
	msg := cmd()
	ready, ok := msg.(editReadyMsg)
	if !ok {
		t.Fatalf("Init gave %T", msg)
	}
	if ready.err != nil {
		s, pop, _ := screentest.Run(t, m, func() tea.Msg { return ready })
		_ = s
		r := pop.Result.(ResultMsg)
		return m, &r
	}
	s, next := m.Update(ready)
	if next == nil {
		t.Fatal("no ExecProcess command")
	}
	c := exec.Command(ready.argv[0], ready.argv[1:]...)
	c.Dir = m.deps.Root
	err := c.Run()
	_, pop, _ := screentest.Run(t, s, func() tea.Msg { return editorExitedMsg{gen: ready.gen, err: err} })
	if pop == nil {
		t.Fatal("the edit flow did not pop")
	}
	r := pop.Result.(ResultMsg)
	return m, &r
}

func TestEditByHandRecordsPendingFix(t *testing.T) {
	dir, deps, f := gosecRepo(t)
	ed, args := editorScript(t, `s/^\t\t\trows.Close()$/\t\t\t_ = rows.Close()/`)
	deps.Getenv = func(k string) string {
		if k == "EDITOR" {
			return ed
		}
		return ""
	}
	m := NewEdit(deps, f)
	if !m.Capturing() {
		t.Error("the edit flow does not capture keys")
	}
	_, r := runEditor(t, m)
	if r.Outcome != Edited || r.Err != nil || r.Paths[0] != "main.go" {
		t.Fatalf("result %+v", r)
	}
	if _, ok := r.Changed(); !ok {
		t.Error("an edit does not say it changed something")
	}
	// an unknown editor gets the file only; the file is absolute
	if a := screentest.Read(t, args, ""); strings.TrimSpace(a) != filepath.Join(dir, "main.go") {
		t.Errorf("editor args %q", a)
	}
	d := decision(t, dir, f)
	if d == nil || d.State != findings.StateFixed || !d.Pending || d.Extra().FixSource != ledger.FixByHand {
		t.Fatalf("ledger: %+v", d)
	}
}

func TestEditUnchangedRecordsNothing(t *testing.T) {
	dir, deps, f := gosecRepo(t)
	ed, args := editorScript(t, "")
	deps.Getenv = func(k string) string {
		if k == "VISUAL" {
			return "vim" // VISUAL wins: position as vim takes it
		}
		return ""
	}
	m := NewEdit(deps, f)
	cmd := m.Init()
	ready := cmd().(editReadyMsg)
	if strings.Join(ready.argv, " ") != "vim +18 "+filepath.Join(dir, "main.go") {
		t.Errorf("argv %q", ready.argv)
	}
	deps.Getenv = func(k string) string {
		if k == "VISUAL" {
			return ed
		}
		return ""
	}
	_, r := runEditor(t, NewEdit(deps, f))
	if r.Outcome != Unchanged || r.Err != nil {
		t.Fatalf("result %+v", r)
	}
	if _, ok := r.Changed(); ok {
		t.Error("unchanged says changed")
	}
	if d := decision(t, dir, f); d != nil {
		t.Fatalf("recorded: %+v", d)
	}
	_ = args
}

// A failing editor is a Failed result naming the editor; nothing recorded.
func TestEditorFails(t *testing.T) {
	dir, deps, f := gosecRepo(t)
	deps.Getenv = func(k string) string {
		if k == "EDITOR" {
			return "false"
		}
		return ""
	}
	_, r := runEditor(t, NewEdit(deps, f))
	if r.Outcome != Failed || r.Err == nil || !strings.Contains(r.Err.Error(), "editor") {
		t.Fatalf("result %+v", r)
	}
	if d := decision(t, dir, f); d != nil {
		t.Fatalf("recorded: %+v", d)
	}
	var re *fix.Refusal
	_ = errors.As(r.Err, &re)
}

// Results of an earlier generation (a screen left and re-entered) are ignored.
func TestStaleGenerationIgnored(t *testing.T) {
	_, deps, f := gosecRepo(t, "_ = rows.Close()")
	m := New(deps, f)
	msg := m.Init()()
	m2 := New(deps, f)
	m2.Update(msg)
	if m2.Plans() != nil || !m2.Busy() {
		t.Fatal("a result of another generation was taken")
	}
}
