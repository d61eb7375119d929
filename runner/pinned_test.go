package runner

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/internal/testutil"
)

// The install hints name the versions `make scanners` installs.
func TestPinnedMatchesMakefile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testutil.ModuleRoot(t), "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	mk := string(b)
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^([A-Z_]+)\s*[?:]?=\s*(\S+)`).FindAllStringSubmatch(mk, -1) {
		vars[m[1]] = m[2]
	}
	for prog, pin := range Pinned {
		pkg, ver, _ := strings.Cut(pin, "@")
		name := strings.ToUpper(prog)
		if vars[name+"_PKG"] != pkg || vars[name+"_VERSION"] != ver {
			t.Errorf("%s: runner pins %s, the Makefile %s@%s", prog, pin, vars[name+"_PKG"], vars[name+"_VERSION"])
		}
		if !strings.Contains(mk, "$(GO) install $("+name+"_PKG)@$("+name+"_VERSION)") {
			t.Errorf("make scanners does not install %s", prog)
		}
	}
	s := &config.Scanner{Run: []string{"gosec"}}
	if h := InstallHint(s); !strings.Contains(h, "make scanners") || !strings.Contains(h, Pinned["gosec"]) {
		t.Errorf("hint %q", h)
	}
	s.Install = "apt-get install trivy"
	if h := InstallHint(s); h != "apt-get install trivy" {
		t.Errorf("configured hint %q", h)
	}
}
