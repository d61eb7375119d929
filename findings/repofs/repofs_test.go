package repofs

import (
	"os"
	"path/filepath"
	"testing"
)

func setup(t *testing.T) (*Root, string, string) {
	t.Helper()
	repo := t.TempDir()
	out := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(repo, ".git"), 0o755))
	must(os.WriteFile(filepath.Join(repo, ".git", "config"), []byte("[remote] url = https://user:tok@example.com/x\n"), 0o644))
	must(os.MkdirAll(filepath.Join(repo, "src"), 0o755))
	must(os.WriteFile(filepath.Join(repo, "src", "main.go"), []byte("package main\n"), 0o644))
	must(os.WriteFile(filepath.Join(out, "passwd"), []byte("root:x:0:0\n"), 0o644))
	must(os.Symlink(out, filepath.Join(repo, "etc")))                                  // dir symlink out
	must(os.Symlink(filepath.Join(out, "passwd"), filepath.Join(repo, "pw")))          // file symlink out
	must(os.Symlink(filepath.Join(repo, ".git", "config"), filepath.Join(repo, "gc"))) // into .git
	must(os.Symlink("src", filepath.Join(repo, "code")))                               // inside: fine
	r, err := Open(repo)
	must(err)
	t.Cleanup(func() { r.Close() })
	return r, repo, out
}

func TestRefusals(t *testing.T) {
	r, _, _ := setup(t)
	cases := map[string]string{
		"":                ReasonEmpty,
		".":               ReasonEmpty,
		"/etc/passwd":     ReasonAbsolute,
		`C:\x`:            ReasonAbsolute,
		"../x":            ReasonEscape,
		"src/../../x":     ReasonEscape,
		`src\..\..\x`:     ReasonEscape,
		".git/config":     ReasonGit,
		".GIT/config":     ReasonGit,
		"src/.git/HEAD":   ReasonGit,
		"etc/passwd":      ReasonSymlink,
		"pw":              ReasonSymlink,
		"gc":              ReasonGit,
		"etc/new-file":    ReasonSymlink,
		"a\x00b":          ReasonNUL,
		"src/\x1b[31m.go": ReasonControl,
		"a\nb":            ReasonControl,
		"x\u202egp.go":    ReasonControl,
		"src/./../.git/x": ReasonGit,
	}
	for p, want := range cases {
		_, err := r.ReadFile(p, 0)
		e, ok := err.(*Error)
		if !ok || e.Reason != want {
			t.Errorf("ReadFile(%q) = %v, want refusal %q", p, err, want)
		}
		if werr := r.WriteFileAtomic(p, []byte("x"), 0o644); !IsRefused(werr) {
			t.Errorf("WriteFileAtomic(%q) = %v, want a refusal", p, werr)
		}
	}
}

func TestAllowed(t *testing.T) {
	r, repo, out := setup(t)
	for _, p := range []string{"src/main.go", "code/main.go", "./src/main.go", `src\main.go`} {
		b, err := r.ReadFile(p, 0)
		if err != nil || string(b) != "package main\n" {
			t.Errorf("ReadFile(%q) = %q, %v", p, b, err)
		}
	}
	if got, err := r.Resolve("code/main.go"); err != nil || got != "src/main.go" {
		t.Errorf("Resolve through an inside symlink = %q, %v", got, err)
	}
	if _, err := r.ReadFile("src/main.go", 4); !IsRefused(err) {
		t.Errorf("size limit not enforced: %v", err)
	}
	if err := r.WriteFileAtomic("new/dir/f.txt", []byte("hi"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(repo, "new", "dir", "f.txt")); string(b) != "hi" {
		t.Errorf("written %q", b)
	}
	st, _ := os.Stat(filepath.Join(repo, "new", "dir", "f.txt"))
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode())
	}
	// nothing was written outside
	if ents, _ := os.ReadDir(out); len(ents) != 1 {
		t.Errorf("outside dir has %d entries", len(ents))
	}
	if b, _ := os.ReadFile(filepath.Join(repo, ".git", "config")); len(b) == 0 {
		t.Error(".git/config changed")
	}
}

// Missing is true only for paths that do not exist: never for a file, a
// refused path or a symlink leaving the tree (those are ReadFile's to refuse).
func TestMissing(t *testing.T) {
	r, repo, _ := setup(t)
	if err := os.Symlink("nowhere", filepath.Join(repo, "dangling")); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{
		"src/main.go":         false,
		"code/main.go":        false,
		"src":                 false,
		"pw":                  false,
		"etc/passwd":          false,
		"etc/new-file":        false,
		"../x":                false,
		".git/config":         false,
		"src/none.go":         true,
		"no/such/dir/file.go": true,
		"dangling":            true,
	} {
		if got := r.Missing(p); got != want {
			t.Errorf("Missing(%q) = %v, want %v", p, got, want)
		}
		if want {
			if _, err := r.ReadFile(p, 0); err == nil {
				t.Errorf("ReadFile(%q) read a missing file", p)
			}
		}
	}
}
