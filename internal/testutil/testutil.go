// Package testutil holds helpers shared by secui's tests: where the module and
// the shared SARIF corpus are.
package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ModuleRoot walks up from the working directory (a package directory under
// go test) to the directory holding go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// SharedDir is the shared directory beside the repository ($SECUI_SHARED, else
// ../shared from the module root).
func SharedDir(t testing.TB) string {
	t.Helper()
	if s := os.Getenv("SECUI_SHARED"); s != "" {
		return s
	}
	return filepath.Join(ModuleRoot(t), "..", "shared")
}

// CorpusDir is the public SARIF corpus; the test is skipped when it is absent.
func CorpusDir(t testing.TB) string {
	t.Helper()
	c := filepath.Join(SharedDir(t), "sarif-corpus", "public")
	if _, err := os.Stat(c); err != nil {
		t.Skipf("SARIF corpus not available: %v", err)
	}
	return c
}

// OptionalCorpusDir is the public SARIF corpus and whether it is present
// (for seeds that are welcome but not required: never skips).
func OptionalCorpusDir(t testing.TB) (string, bool) {
	t.Helper()
	c := filepath.Join(SharedDir(t), "sarif-corpus", "public")
	if _, err := os.Stat(c); err != nil {
		return "", false
	}
	return c, true
}

// CorpusFile is a file of the public SARIF corpus ("owner-repo/file.sarif");
// the test is skipped when it is absent.
func CorpusFile(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(CorpusDir(t), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Skipf("SARIF corpus file not available: %v", err)
	}
	return p
}

// CopyDir copies the regular files and directories under src into dst.
func CopyDir(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Gosec returns the gosec executable (PATH, else ~/go/bin). Without it the
// test is skipped, except under CI (CI=true), where .ci/run installs the
// pinned gosec and a missing one is a failure.
func Gosec(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("gosec"); err == nil {
		return p
	}
	if h, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(h, "go", "bin", "gosec")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("gosec is not installed (make scanners)")
	}
	t.Skip("gosec is not installed (make scanners)")
	return ""
}
