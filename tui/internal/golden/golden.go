// Package golden compares rendered views with files under testdata/, after
// converting them to the ASCII colour profile (attributes kept, colours dropped)
// so goldens do not depend on the terminal. Run tests with -update to refresh.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
)

var update = flag.Bool("update", false, "rewrite golden files")

// ASCII converts s to the ASCII colour profile.
func ASCII(s string) string {
	var buf bytes.Buffer
	w := &colorprofile.Writer{Forward: &buf, Profile: colorprofile.Ascii}
	_, _ = w.WriteString(s)
	return buf.String()
}

// RequireEqual compares got (converted to ASCII) with testdata/<TestName>.golden.
func RequireEqual(t testing.TB, got string) {
	t.Helper()
	got = ASCII(got)
	name := strings.ReplaceAll(t.Name(), "/", string(filepath.Separator)) + ".golden"
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("view differs from %s (run with -update to accept):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}
