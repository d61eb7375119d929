package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/secui/secui/findings"
)

// isolate points every personal-config location at an empty temp dir.
func isolate(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	os.Unsetenv("XDG_CONFIG_HOME")
	t.Setenv("SECUI_CONFIG", "")
	os.Unsetenv("SECUI_CONFIG")
	return home
}

func write(t *testing.T, p, s string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefault(t *testing.T) {
	c := Default()
	if !reflect.DeepEqual(c.Discover.Include, findings.DefaultInclude) || !reflect.DeepEqual(c.Discover.Exclude, findings.DefaultExclude) {
		t.Errorf("Discover = %+v", c.Discover)
	}
	if c.Ledger != ".secui/ledger.yaml" || c.Check.FailOn != "high" || c.UI.Theme != "auto" || c.UI.Sort != "severity" || c.UI.Group != "none" {
		t.Errorf("Default = %+v", c)
	}
	if len(c.Stages) != 0 || len(c.Overrides()) != 0 {
		t.Errorf("Default has stage rules: %+v", c.Stages)
	}
	// The defaults must not alias the findings package's slices.
	c.Discover.Include[0] = "changed"
	if findings.DefaultInclude[0] == "changed" {
		t.Fatal("Default aliases findings.DefaultInclude")
	}
	if th, on := Default().FailOn(findings.StageCode); th != findings.SevHigh || !on {
		t.Errorf("FailOn = %v, %v", th, on)
	}
}

func TestLoadNothing(t *testing.T) {
	isolate(t)
	c, err := Load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Load with no files = %+v, want defaults %+v", c, want)
	}
	if c, err := Load(""); err != nil || len(c.Sources) != 0 {
		t.Errorf("Load(\"\") = %+v, %v", c, err)
	}
}

func TestLoadFileValues(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	f := write(t, filepath.Join(dir, "c.yaml"), `discover:
  include: "scans/**/*.sarif"
  exclude: []
stages:
  - tool: Gosec
    rule: G1*
    stage: Build
  - path: infra/**
    category: IAC
    stage: deploy
    set-category: compliance
ledger: ./audit//ledger.yaml
git:
  base: origin/develop
check:
  fail-on: Error
  stages:
    Deploy: crit
    monitor: off
    plan: none
ui:
  theme: DARK
  sort: file
  group: tool
  keys:
    quit: q
    suppress: [s, ctrl+s]
`)
	c, err := LoadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Discover.Include, []string{"scans/**/*.sarif"}) || len(c.Discover.Exclude) != 0 {
		t.Errorf("Discover = %+v", c.Discover)
	}
	wantRules := []StageRule{
		{Tool: "Gosec", Rule: "G1*", Stage: "build", Origin: f + ":5"},
		{Path: "infra/**", Category: "iac", Stage: "deploy", SetCategory: "license", Origin: f + ":8"},
	}
	if !reflect.DeepEqual(c.Stages, wantRules) {
		t.Errorf("Stages = %+v\nwant %+v", c.Stages, wantRules)
	}
	if c.Git.Base != "origin/develop" {
		t.Errorf("Git.Base = %q", c.Git.Base)
	}
	if c.Ledger != "audit/ledger.yaml" {
		t.Errorf("Ledger = %q", c.Ledger)
	}
	if c.Check.FailOn != "high" || !reflect.DeepEqual(c.Check.Stages, map[string]string{"deploy": "critical", "monitor": "off", "plan": "off"}) {
		t.Errorf("Check = %+v", c.Check)
	}
	if c.UI.Theme != "dark" || c.UI.Sort != "file" || c.UI.Group != "tool" {
		t.Errorf("UI = %+v", c.UI)
	}
	if !reflect.DeepEqual(c.UI.Keys, map[string][]string{"quit": {"q"}, "suppress": {"s", "ctrl+s"}}) {
		t.Errorf("UI.Keys = %+v", c.UI.Keys)
	}
	if !reflect.DeepEqual(c.Sources, []string{f}) {
		t.Errorf("Sources = %v", c.Sources)
	}
	ov := c.Overrides()
	if len(ov) != 2 || ov[0].Stage != findings.StageBuild || ov[0].Tool != "Gosec" || ov[0].Rule != "G1*" || ov[0].SetCat != nil || ov[0].Origin != f+":5" {
		t.Errorf("Overrides[0] = %+v", ov[0])
	}
	if ov[1].Stage != findings.StageDeploy || ov[1].Category != "iac" || ov[1].SetCat == nil || *ov[1].SetCat != findings.CatLicense || ov[1].Path != "infra/**" {
		t.Errorf("Overrides[1] = %+v", ov[1])
	}
	if th, on := c.FailOn(findings.StageDeploy); th != findings.SevCritical || !on {
		t.Errorf("FailOn(deploy) = %v %v", th, on)
	}
	if _, on := c.FailOn(findings.StageMonitor); on {
		t.Error("FailOn(monitor) should be off")
	}
	if th, on := c.FailOn(findings.StageCode); th != findings.SevHigh || !on {
		t.Errorf("FailOn(code) = %v %v", th, on)
	}
	if got := c.LedgerPath("/repo"); got != filepath.Join("/repo", "audit", "ledger.yaml") {
		t.Errorf("LedgerPath = %q", got)
	}
}

func TestLoadFileErrors(t *testing.T) {
	isolate(t)
	cases := []struct {
		name, yaml string
		want       []string // each is an exact error line after the file name
	}{
		{"unknown stage", "stages:\n  - tool: gosec\n    stage: code\n  - tool: x\n    stage: code\n  - rule: R1\n    stage: deploi\n",
			[]string{`7:12: stages[2].stage: unknown stage "deploi" (want one of plan, code, build, test, release, deploy, operate, monitor); did you mean "deploy"?`}},
		{"unknown top key suggestion", "ledgr: x.yaml\n", []string{`1:1: ledgr: unknown key "ledgr"; did you mean "ledger"?`}},
		{"unknown nested key suggestion", "check:\n  fail_on: high\n", []string{`2:3: check.fail_on: unknown key "fail_on"; did you mean "fail-on"?`}},
		{"unknown key no suggestion", "ui:\n  colours: x\n", []string{`2:3: ui.colours: unknown key "colours" (known keys: theme, keys, group, sort)`}},
		{"unknown rule key", "stages:\n  - tool: a\n    stag: code\n", []string{`3:5: stages[0].stag: unknown key "stag"; did you mean "stage"?`}},
		{"bad category", "stages:\n  - category: secret\n    stage: code\n", []string{`2:15: stages[0].category: unknown category "secret" (want one of sast, secrets, sca, iac, container, dast, license, lint); did you mean "secrets"?`}},
		{"bad set-category", "stages:\n  - tool: a\n    stage: code\n    set-category: nope\n", []string{`4:19: stages[0].set-category: unknown category "nope" (want one of sast, secrets, sca, iac, container, dast, license, lint)`}},
		{"missing stage", "stages:\n  - tool: a\n", []string{`2:5: stages[0]: missing stage (one of plan, code, build, test, release, deploy, operate, monitor)`}},
		{"no matcher", "stages:\n  - stage: code\n", []string{`2:5: stages[0]: needs at least one of tool, rule, path, category (a rule without them would match everything)`}},
		{"stages not list", "stages:\n  tool: a\n", []string{`2:3: stages: want a list of rules (- tool: ... stage: ...), got a mapping`}},
		{"bad glob", "discover:\n  include:\n    - \"ok/**\"\n    - \"[abc\"\n", []string{`4:7: discover.include[1]: invalid glob "[abc" (unbalanced [ ] or { }, or a trailing \)`}},
		{"empty include", "discover:\n  include: []\n", []string{`2:12: discover.include: empty list would load nothing (remove the key to use the defaults)`}},
		{"absolute glob", "discover:\n  exclude: /etc/**\n", []string{`2:12: discover.exclude: glob "/etc/**" must be relative to the repository root`}},
		{"escaping glob", "stages:\n  - path: ../x/**\n    stage: code\n", []string{`2:11: stages[0].path: glob "../x/**" must stay inside the repository (no "..")`}},
		{"fail-on", "check:\n  fail-on: hgih\n", []string{`2:12: check.fail-on: unknown severity "hgih" (want critical, high, medium, low, info or off); did you mean "high"?`}},
		{"check stage key", "check:\n  stages:\n    biuld: low\n", []string{`3:5: check.stages.biuld: unknown stage "biuld" (want one of plan, code, build, test, release, deploy, operate, monitor); did you mean "build"?`}},
		{"check stage value", "check:\n  stages:\n    build: [low]\n", []string{`3:12: check.stages.build: want a string, got a list`}},
		{"theme", "ui:\n  theme: drak\n", []string{`2:10: ui.theme: unknown theme "drak" (want one of auto, dark, light); did you mean "dark"?`}},
		{"sort", "ui:\n  sort: sev\n", []string{`2:9: ui.sort: unknown sort order "sev" (want one of severity, file, rule, tool, stage); did you mean "severity"?`}},
		{"group", "ui:\n  group: rules\n", []string{`2:10: ui.group: unknown grouping "rules" (want one of none, stage, rule, file, tool, severity); did you mean "rule"?`}},
		{"keys empty", "ui:\n  keys:\n    quit: []\n", []string{`3:11: ui.keys.quit: no keys given`}},
		{"ledger absolute", "ledger: /tmp/ledger.yaml\n", []string{`1:9: ledger: ledger path "/tmp/ledger.yaml" must be relative to the repository root`}},
		{"ledger escapes", "ledger: .secui/../../ledger.yaml\n", []string{`1:9: ledger: ledger path ".secui/../../ledger.yaml" must stay inside the repository (no "..")`}},
		{"ledger in .git", "ledger: .git/ledger.yaml\n", []string{`1:9: ledger: ledger path ".git/ledger.yaml" must not be inside .git`}},
		{"ledger folder", "ledger: .secui/\n", []string{`1:9: ledger: ledger path ".secui/" names a folder, want a file`}},
		{"ledger type", "ledger:\n  path: x\n", []string{`2:3: ledger: want a string, got a mapping`}},
		{"duplicate key", "ui:\n  theme: dark\n  theme: light\n", []string{`3:3: ui.theme: duplicate key "theme"`}},
		{"git base option", "git:\n  base: --upload-pack=x\n", []string{`2:9: git.base: "--upload-pack=x" is not a branch or revision name`}},
		{"git base blank", "git:\n  base: origin main\n", []string{`2:9: git.base: "origin main" is not a branch or revision name`}},
		{"git unknown key", "git:\n  branch: main\n", []string{`2:3: git.branch: unknown key "branch" (known keys: base)`}},
		{"top not mapping", "- a\n- b\n", []string{`1:1: want a mapping of discover, stages, kinds, ledger, check, git, ui, trackers, limits, scanners, got a list`}},
		{"syntax", "ui:\n  theme: dark\n   sort: file\n", []string{`3:1: invalid YAML: mapping values are not allowed in this context`}},
		{"two docs", "ui:\n  theme: dark\n---\nui: {}\n", []string{`3:1: more than one YAML document (remove the extra ---)`}},
		{"several errors", "ui:\n  theme: x\n  sort: y\nledger: /abs\n", []string{
			`2:10: ui.theme: unknown theme "x" (want one of auto, dark, light)`,
			`3:9: ui.sort: unknown sort order "y" (want one of severity, file, rule, tool, stage)`,
			`4:9: ledger: ledger path "/abs" must be relative to the repository root`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := write(t, filepath.Join(t.TempDir(), ".secui.yaml"), tc.yaml)
			c, err := LoadFile(f)
			if err == nil {
				t.Fatalf("no error; config %+v", c)
			}
			if c == nil {
				t.Fatal("config is nil on error")
			}
			var want []string
			for _, w := range tc.want {
				want = append(want, f+":"+w)
			}
			if got := err.Error(); got != strings.Join(want, "\n") {
				t.Errorf("error:\n got %s\nwant %s", got, strings.Join(want, "\n"))
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.File != f || fe.Line < 1 || fe.Col < 1 {
				t.Errorf("errors.As FieldError = %+v", fe)
			}
		})
	}
}

func TestErrorsKeepValidSettings(t *testing.T) {
	isolate(t)
	f := write(t, filepath.Join(t.TempDir(), "c.yaml"), "ui:\n  theme: purple\n  sort: rule\nstages:\n  - tool: a\n    stage: nope\n  - tool: b\n    stage: test\n")
	c, err := LoadFile(f)
	if err == nil {
		t.Fatal("want error")
	}
	if c.UI.Theme != "auto" || c.UI.Sort != "rule" {
		t.Errorf("UI = %+v: invalid theme must keep the default, valid sort must apply", c.UI)
	}
	if len(c.Stages) != 1 || c.Stages[0].Tool != "b" || c.Stages[0].Origin != f+":7" {
		t.Errorf("Stages = %+v", c.Stages)
	}
}

func TestEmptyAndNullFiles(t *testing.T) {
	isolate(t)
	for _, s := range []string{"", "# only a comment\n", "~\n", "ledger:\nui:\n  theme:\n"} {
		f := write(t, filepath.Join(t.TempDir(), "c.yaml"), s)
		c, err := LoadFile(f)
		if err != nil {
			t.Errorf("LoadFile(%q): %v", s, err)
			continue
		}
		c.Sources = nil
		if !reflect.DeepEqual(c, Default()) {
			t.Errorf("LoadFile(%q) = %+v, want defaults", s, c)
		}
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml:1:1: no such file or directory") {
		t.Errorf("missing file error = %v", err)
	}
}

func TestLoadMergePrecedence(t *testing.T) {
	home := isolate(t)
	personal := write(t, filepath.Join(home, ".config", "secui", "config.yaml"), `ledger: personal/ledger.yaml
check:
  fail-on: low
  stages:
    build: medium
    test: low
discover:
  exclude: ["tmp/**"]
ui:
  theme: light
  keys:
    quit: [x]
`)
	_ = personal
	root := t.TempDir()
	write(t, filepath.Join(root, ".secui.yaml"), `ledger: team/ledger.yaml
check:
  fail-on: critical
  stages:
    build: high
stages:
  - tool: trivy
    stage: release
ui:
  theme: dark
  sort: tool
  keys:
    quit: [q]
    help: ["?"]
`)
	c, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	// Team fields: repository wins.
	if c.Ledger != "team/ledger.yaml" || c.Check.FailOn != "critical" {
		t.Errorf("team fields: ledger %q fail-on %q", c.Ledger, c.Check.FailOn)
	}
	if !reflect.DeepEqual(c.Check.Stages, map[string]string{"build": "high", "test": "low"}) {
		t.Errorf("check.stages merged = %v", c.Check.Stages)
	}
	// Set only in the personal file: kept.
	if !reflect.DeepEqual(c.Discover.Exclude, []string{"tmp/**"}) || !reflect.DeepEqual(c.Discover.Include, findings.DefaultInclude) {
		t.Errorf("discover = %+v", c.Discover)
	}
	if len(c.Stages) != 1 || c.Stages[0].Origin != ".secui.yaml:7" {
		t.Errorf("stages = %+v", c.Stages)
	}
	// UI: personal wins where it speaks; repo fills the rest.
	if c.UI.Theme != "light" || c.UI.Sort != "tool" || c.UI.Group != "none" {
		t.Errorf("ui = %+v", c.UI)
	}
	if !reflect.DeepEqual(c.UI.Keys, map[string][]string{"quit": {"x"}, "help": {"?"}}) {
		t.Errorf("ui.keys = %v", c.UI.Keys)
	}
	if !reflect.DeepEqual(c.Sources, []string{"~/.config/secui/config.yaml", ".secui.yaml"}) {
		t.Errorf("Sources = %v", c.Sources)
	}
	if ov := c.Overrides(); len(ov) != 1 || ov[0].Origin != ".secui.yaml:7" || ov[0].Stage != findings.StageRelease {
		t.Errorf("Overrides = %+v", ov)
	}
}

func TestLoadPersonalLocations(t *testing.T) {
	home := isolate(t)
	root := t.TempDir()
	write(t, filepath.Join(home, ".config", "secui", "config.yaml"), "ui:\n  theme: light\n")
	if c, err := Load(root); err != nil || c.UI.Theme != "light" {
		t.Fatalf("~/.config: theme %q err %v", c.UI.Theme, err)
	}
	// XDG_CONFIG_HOME replaces ~/.config.
	xdg := filepath.Join(t.TempDir(), "xdg")
	write(t, filepath.Join(xdg, "secui", "config.yaml"), "ui:\n  theme: dark\n")
	t.Setenv("XDG_CONFIG_HOME", xdg)
	if c, err := Load(root); err != nil || c.UI.Theme != "dark" {
		t.Fatalf("XDG: theme %q err %v", c.UI.Theme, err)
	}
	// SECUI_CONFIG replaces both.
	explicit := write(t, filepath.Join(t.TempDir(), "mine.yaml"), "ui:\n  sort: stage\n")
	t.Setenv("SECUI_CONFIG", explicit)
	c, err := Load(root)
	if err != nil || c.UI.Theme != "auto" || c.UI.Sort != "stage" {
		t.Fatalf("SECUI_CONFIG: ui %+v err %v", c.UI, err)
	}
	if !reflect.DeepEqual(c.Sources, []string{explicit}) {
		t.Errorf("Sources = %v", c.Sources)
	}
	// An explicitly named file that is missing is an error.
	t.Setenv("SECUI_CONFIG", filepath.Join(t.TempDir(), "gone.yaml"))
	if _, err := Load(root); err == nil || !strings.Contains(err.Error(), "gone.yaml:1:1: no such file or directory") {
		t.Errorf("missing SECUI_CONFIG error = %v", err)
	}
	// Errors in both files are all reported, each with its own file name.
	t.Setenv("SECUI_CONFIG", write(t, filepath.Join(t.TempDir(), "bad.yaml"), "ui:\n  theme: x\n"))
	write(t, filepath.Join(root, ".secui.yaml"), "check:\n  fail-on: y\n")
	_, err = Load(root)
	var es Errors
	if !errors.As(err, &es) || len(es) != 2 || !strings.HasSuffix(es[0].File, "bad.yaml") || es[1].File != ".secui.yaml" || es[1].Line != 2 || es[1].Col != 12 {
		t.Errorf("errors = %v", err)
	}
}

func TestExampleRoundTrip(t *testing.T) {
	isolate(t)
	ex := Example()
	f := write(t, filepath.Join(t.TempDir(), ".secui.yaml"), ex)
	c, err := LoadFile(f)
	if err != nil {
		t.Fatalf("Example does not load:\n%v", err)
	}
	d := Default()
	if !reflect.DeepEqual(c.Discover, d.Discover) || c.Ledger != d.Ledger || c.Check.FailOn != d.Check.FailOn {
		t.Errorf("Example should show the defaults: %+v", c)
	}
	if c.UI.Theme != d.UI.Theme || c.UI.Sort != d.UI.Sort || c.UI.Group != d.UI.Group {
		t.Errorf("Example ui = %+v", c.UI)
	}
	if len(c.Stages) != 3 || len(c.Overrides()) != 3 || c.Stages[2].SetCategory != "secrets" {
		t.Errorf("Example stages = %+v", c.Stages)
	}
	if !reflect.DeepEqual(c.Check.Stages, map[string]string{"deploy": "medium", "monitor": "off"}) {
		t.Errorf("Example check.stages = %v", c.Check.Stages)
	}
	if len(c.Scanners) != 2 || c.Scanners[0].Name != "gosec" || c.Scanners[1].Output == "" {
		t.Errorf("Example scanners = %+v", c.Scanners)
	}
	for _, k := range scannerKeys {
		if !strings.Contains(ex, k+":") {
			t.Errorf("Example lacks scanners' %s", k)
		}
	}
	// Every top-level key and every key the schema knows is documented.
	for _, k := range []string{"discover:", "include:", "exclude:", "stages:", "tool:", "rule:", "path:", "category:", "set-category:", "stage:", "ledger:", "check:", "fail-on:", "ui:", "theme:", "sort:", "group:", "keys:",
		"trackers:", "github:", "repo:", "grouping:", "labels:", "create-labels:", "assignees:", "jira:", "project:", "issue-type:",
		"deployment:", "api:", "components:", "priorities:", "transitions:", "fields:", "search-lag:"} {
		if !strings.Contains(ex, k) {
			t.Errorf("Example lacks %s", k)
		}
	}
}

func TestCheckLedgerPath(t *testing.T) {
	good := map[string]string{".secui/ledger.yaml": ".secui/ledger.yaml", "./a//b.yaml": "a/b.yaml", "x.yaml": "x.yaml", "a\\b.yaml": "a/b.yaml", "..x/l.yaml": "..x/l.yaml"}
	for in, want := range good {
		if got, err := CheckLedgerPath(in); err != nil || got != want {
			t.Errorf("CheckLedgerPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "/abs.yaml", "C:\\x.yaml", "c:/x.yaml", "~/x.yaml", "..", "../x.yaml", "a/../../x.yaml", "a\\..\\..\\x", ".", "./", ".git/x", ".GIT/config", "dir/"} {
		if got, err := CheckLedgerPath(in); err == nil {
			t.Errorf("CheckLedgerPath(%q) = %q, want error", in, got)
		}
	}
}

func TestSuggest(t *testing.T) {
	cases := map[string]string{"ledgr": "ledger", "Discover": "discover", "fail_on": "fail-on", "failon": "fail-on", "sev": "severity", "zzz": "", "ui": "ui", "stagess": "stages", "x": ""}
	opts := []string{"discover", "stages", "ledger", "check", "ui", "fail-on", "severity"}
	for in, want := range cases {
		if got := suggest(in, opts); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRepoFileSafety(t *testing.T) {
	isolate(t)
	root := t.TempDir()
	secret := write(t, filepath.Join(t.TempDir(), "secret.yaml"), "ui:\n  theme: dark\n")
	if err := os.Symlink(secret, filepath.Join(root, ".secui.yaml")); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	c, err := Load(root)
	if err == nil || !strings.Contains(err.Error(), ".secui.yaml:1:1: is a symlink to a file outside the repository") {
		t.Errorf("symlink outside: err = %v", err)
	}
	if c.UI.Theme != "auto" {
		t.Errorf("file outside the repository was read: theme %q", c.UI.Theme)
	}
	// A symlink that stays inside the repository is fine.
	os.Remove(filepath.Join(root, ".secui.yaml"))
	write(t, filepath.Join(root, "conf", "secui.yaml"), "ui:\n  theme: light\n")
	if err := os.Symlink(filepath.Join("conf", "secui.yaml"), filepath.Join(root, ".secui.yaml")); err != nil {
		t.Fatal(err)
	}
	if c, err := Load(root); err != nil || c.UI.Theme != "light" {
		t.Errorf("symlink inside: theme %q err %v", c.UI.Theme, err)
	}
	// A directory (or FIFO) named .secui.yaml is an error, not a hang.
	os.Remove(filepath.Join(root, ".secui.yaml"))
	if err := os.Mkdir(filepath.Join(root, ".secui.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(root); err == nil || !strings.Contains(err.Error(), ".secui.yaml:1:1: is a directory") {
		t.Errorf("directory: err = %v", err)
	}
	fifo := filepath.Join(t.TempDir(), "fifo.yaml")
	if err := mkfifo(fifo); err == nil {
		if _, err := LoadFile(fifo); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("fifo: err = %v", err)
		}
	}
	// Oversized files are refused.
	big := write(t, filepath.Join(t.TempDir(), "big.yaml"), "# "+strings.Repeat("x", maxFileSize)+"\n")
	if _, err := LoadFile(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: err = %v", err)
	}
}

func BenchmarkLoadFileExample(b *testing.B) {
	f := filepath.Join(b.TempDir(), ".secui.yaml")
	if err := os.WriteFile(f, []byte(Example()), 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := LoadFile(f); err != nil {
			b.Fatal(err)
		}
	}
}
