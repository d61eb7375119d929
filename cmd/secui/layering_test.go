package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const modPath = "github.com/secui/secui"

type listedPkg struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
	Deps         []string
}

// TestLayering enforces the package layering: findings (engine) <- trackers
// and runner (scanner execution) <- tui <- cmd. The engine imports no UI, tracker or command code; only tui
// imports Bubble Tea (v2), and no package imports Charm v1 modules.
func TestLayering(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	cmd := exec.Command("go", "list", "-e", "-deps=false", "-json", modPath+"/...")
	cmd.Dir = moduleRoot(t)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pkgs []listedPkg
	dec := json.NewDecoder(out)
	for {
		var p listedPkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v", err)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list returned no packages")
	}
	// Transitive deps of the engine.
	deps := exec.Command("go", "list", "-e", "-deps", "-f", "{{.ImportPath}}", modPath+"/findings/...")
	deps.Dir = moduleRoot(t)
	dout, err := deps.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, v := range layeringViolations(pkgs, strings.Fields(string(dout))) {
		t.Error(v)
	}
}

// layeringViolations checks direct imports of pkgs and the transitive
// dependencies of findings/... (engineDeps) against the layering rules.
func layeringViolations(pkgs []listedPkg, engineDeps []string) []string {
	var out []string
	for _, p := range pkgs {
		if p.ImportPath != modPath+"/findings/checkmap" {
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, modPath) {
				out = append(out, p.ImportPath+" imports "+imp+": findings/checkmap is generated data, a leaf package")
			}
		}
	}
	for _, d := range engineDeps {
		if under(d, modPath+"/tui") || under(d, modPath+"/trackers") || under(d, modPath+"/cmd") || under(d, modPath+"/runner") ||
			strings.Contains(d, "bubbletea") || strings.Contains(d, "charm.land/bubbles") {
			out = append(out, "findings/... depends on "+d+" (the engine must stay UI-, tracker- and runner-free)")
		}
	}
	for _, p := range pkgs {
		inTUI := under(p.ImportPath, modPath+"/tui")
		if under(p.ImportPath, modPath+"/findings/fix") {
			for _, imp := range p.Imports { // tests may set up files as they like
				if imp == "os" || imp == "os/exec" {
					out = append(out, p.ImportPath+" imports "+imp+": findings/fix reads and writes files only through findings/repofs (git through go-git)")
				}
			}
		}
		all := append(append(append([]string(nil), p.Imports...), p.TestImports...), p.XTestImports...)
		for _, imp := range all {
			switch {
			case strings.HasPrefix(imp, "github.com/charmbracelet/bubbletea"),
				strings.HasPrefix(imp, "github.com/charmbracelet/lipgloss"),
				strings.HasPrefix(imp, "github.com/charmbracelet/bubbles"),
				strings.HasPrefix(imp, "github.com/charmbracelet/glamour"):
				out = append(out, p.ImportPath+" imports "+imp+": use the charm.land v2 modules")
			case strings.HasPrefix(imp, "charm.land/bubbletea") && !inTUI:
				out = append(out, p.ImportPath+" imports "+imp+": only tui/... may import Bubble Tea")
			}
			if under(p.ImportPath, modPath+"/trackers") && (under(imp, modPath+"/tui") || under(imp, modPath+"/cmd")) {
				out = append(out, p.ImportPath+" imports "+imp+": trackers must not depend on tui or cmd")
			}
			// Query terms are lookups in precomputed facts (new:branch):
			// evaluating a query never runs git.
			if under(p.ImportPath, modPath+"/findings/query") && (under(imp, modPath+"/findings/gitrepo") || under(imp, modPath+"/findings/branch")) {
				out = append(out, p.ImportPath+" imports "+imp+": queries look up precomputed facts, they never run git")
			}
			if under(p.ImportPath, modPath+"/runner") && (under(imp, modPath+"/tui") || under(imp, modPath+"/cmd") || under(imp, modPath+"/trackers")) {
				out = append(out, p.ImportPath+" imports "+imp+": the scanner runner sits below tui and cmd, beside trackers")
			}
			// Screens (tui/<name>screen) know the shell's contract
			// (tui/screen), never each other: the shell (tui) builds them
			// and hands each the constructors it needs.
			if isScreenPkg(p.ImportPath) && imp != p.ImportPath && (isScreenPkg(imp) || imp == modPath+"/tui") {
				out = append(out, p.ImportPath+" imports "+imp+": screens do not import each other or the shell (tui wires them)")
			}
			if inTUI && under(imp, modPath+"/cmd") {
				out = append(out, p.ImportPath+" imports "+imp+": tui must not depend on cmd")
			}
		}
		// The matcher and the evidence are pure: git and the ledger reach
		// them through interfaces and values (their tests may use both).
		for _, imp := range p.Imports {
			pure := under(p.ImportPath, modPath+"/findings/match") || under(p.ImportPath, modPath+"/findings/evidence")
			if pure && (under(imp, modPath+"/findings/gitrepo") || under(imp, modPath+"/findings/ledger") ||
				(under(p.ImportPath, modPath+"/findings/evidence") && under(imp, modPath+"/findings/match"))) {
				out = append(out, p.ImportPath+" imports "+imp+": the matcher and evidence take git and the ledger as inputs (match.Tracker)")
			}
		}
	}
	return out
}

// The rules catch each kind of violation (and accept the allowed shapes).
func TestLayeringRules(t *testing.T) {
	ok := []listedPkg{
		{ImportPath: modPath + "/tui", Imports: []string{"charm.land/bubbletea/v2", modPath + "/findings"}},
		{ImportPath: modPath + "/cmd/secui", Imports: []string{modPath + "/tui", "charm.land/lipgloss/v2"}},
		{ImportPath: modPath + "/trackers", Imports: []string{modPath + "/findings"}},
		{ImportPath: modPath + "/runner", Imports: []string{modPath + "/findings/ledger"}},
		{ImportPath: modPath + "/tui", Imports: []string{modPath + "/runner"}},
		{ImportPath: modPath + "/tui/syncscreen", Imports: []string{modPath + "/tui/screen", modPath + "/trackers/connect"}},
		{ImportPath: modPath + "/findings/match", Imports: []string{modPath + "/findings/evidence"}, XTestImports: []string{modPath + "/findings/gitrepo"}},
		{ImportPath: modPath + "/findings/gitrepo", Imports: []string{modPath + "/findings/evidence"}},
		{ImportPath: modPath + "/tui", Imports: []string{modPath + "/tui/focusscreen", modPath + "/tui/triagescreen"}},
		{ImportPath: modPath + "/tui/focusscreen", Imports: []string{modPath + "/tui/screen", modPath + "/tui/detail"}},
		{ImportPath: modPath + "/tui/pipelinescreen", XTestImports: []string{modPath + "/tui/pipelinescreen"}},
	}
	if v := layeringViolations(ok, []string{"fmt", modPath + "/findings/query"}); len(v) != 0 {
		t.Errorf("allowed layering flagged: %v", v)
	}
	bad := []struct {
		pkgs []listedPkg
		deps []string
	}{
		{nil, []string{modPath + "/tui"}},
		{nil, []string{"charm.land/bubbletea/v2"}},
		{[]listedPkg{{ImportPath: modPath + "/cmd/secui", Imports: []string{"charm.land/bubbletea/v2"}}}, nil},
		{[]listedPkg{{ImportPath: modPath + "/tui", TestImports: []string{"github.com/charmbracelet/bubbletea"}}}, nil},
		{[]listedPkg{{ImportPath: modPath + "/trackers/jira", Imports: []string{modPath + "/tui"}}}, nil},
		{[]listedPkg{{ImportPath: modPath + "/tui/detail", Imports: []string{modPath + "/cmd/secui"}}}, nil},
		{[]listedPkg{{ImportPath: modPath + "/findings/query", Imports: []string{modPath + "/findings/gitrepo"}}}, nil},
		{[]listedPkg{{ImportPath: modPath + "/findings/fix", Imports: []string{"os"}}}, nil},
		{nil, []string{modPath + "/runner"}},
		{[]listedPkg{{ImportPath: modPath + "/runner", Imports: []string{modPath + "/tui/keys"}}}, nil},
		{[]listedPkg{{ImportPath: modPath + "/findings/match", Imports: []string{modPath + "/findings/gitrepo"}}}, nil},
		{[]listedPkg{{ImportPath: modPath + "/findings/evidence", Imports: []string{modPath + "/findings/ledger"}}}, nil},
		{[]listedPkg{{ImportPath: modPath + "/tui/focusscreen", Imports: []string{modPath + "/tui/fixscreen"}}}, nil},
		{[]listedPkg{{ImportPath: modPath + "/tui/pipelinescreen", Imports: []string{modPath + "/tui"}}}, nil},
		{[]listedPkg{{ImportPath: modPath + "/tui/fixscreen", Imports: []string{modPath + "/tui"}}}, nil},
		{[]listedPkg{{ImportPath: modPath + "/tui/scanscreen", Imports: []string{modPath + "/tui/fixscreen"}}}, nil},
	}
	for i, b := range bad {
		if v := layeringViolations(b.pkgs, b.deps); len(v) != 1 {
			t.Errorf("case %d: %d violations, want 1: %v", i, len(v), v)
		}
	}
}

// isScreenPkg reports whether pkg is one of the console's screens
// (tui/triagescreen, tui/pipelinescreen, …; not the contract tui/screen).
func isScreenPkg(pkg string) bool {
	rest, ok := strings.CutPrefix(pkg, modPath+"/tui/")
	return ok && !strings.Contains(rest, "/") && strings.HasSuffix(rest, "screen") && rest != "screen"
}

func under(pkg, prefix string) bool { return pkg == prefix || strings.HasPrefix(pkg, prefix+"/") }
