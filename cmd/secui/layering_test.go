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
// <- tui <- cmd. The engine imports no UI, tracker or command code; only tui
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
	for _, d := range strings.Fields(string(dout)) {
		if under(d, modPath+"/tui") || under(d, modPath+"/trackers") || under(d, modPath+"/cmd") ||
			strings.Contains(d, "bubbletea") || strings.Contains(d, "charm.land/bubbles") {
			t.Errorf("findings/... depends on %s (the engine must stay UI- and tracker-free)", d)
		}
	}
	for _, p := range pkgs {
		inTUI := under(p.ImportPath, modPath+"/tui")
		all := append(append(append([]string(nil), p.Imports...), p.TestImports...), p.XTestImports...)
		for _, imp := range all {
			switch {
			case strings.HasPrefix(imp, "github.com/charmbracelet/bubbletea"),
				strings.HasPrefix(imp, "github.com/charmbracelet/lipgloss"),
				strings.HasPrefix(imp, "github.com/charmbracelet/bubbles"),
				strings.HasPrefix(imp, "github.com/charmbracelet/glamour"):
				t.Errorf("%s imports %s: use the charm.land v2 modules", p.ImportPath, imp)
			case strings.HasPrefix(imp, "charm.land/bubbletea") && !inTUI:
				t.Errorf("%s imports %s: only tui/... may import Bubble Tea", p.ImportPath, imp)
			}
			if under(p.ImportPath, modPath+"/trackers") && (under(imp, modPath+"/tui") || under(imp, modPath+"/cmd")) {
				t.Errorf("%s imports %s: trackers must not depend on tui or cmd", p.ImportPath, imp)
			}
			if inTUI && under(imp, modPath+"/cmd") {
				t.Errorf("%s imports %s: tui must not depend on cmd", p.ImportPath, imp)
			}
		}
	}
}

func under(pkg, prefix string) bool { return pkg == prefix || strings.HasPrefix(pkg, prefix+"/") }
