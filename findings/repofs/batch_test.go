package repofs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readAll(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			out[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(t *testing.T, before, after map[string]string) {
	t.Helper()
	if len(before) != len(after) {
		t.Errorf("files: before %d, after %d: %v", len(before), len(after), after)
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed: %q -> %q", k, v, after[k])
		}
	}
}

func TestWriteFilesAtomic(t *testing.T) {
	r, repo, _ := setup(t)
	if err := os.WriteFile(filepath.Join(repo, "src", "b.go"), []byte("b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := r.WriteFilesAtomic([]FileWrite{
		{Path: "src/main.go", Data: []byte("package main // fixed\n"), Expect: []byte("package main\n")},
		{Path: "code/b.go", Data: []byte("B\n"), Expect: []byte("b\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, filepath.Join(repo, "src"))
	if got["main.go"] != "package main // fixed\n" || got["b.go"] != "B\n" || len(got) != 2 {
		t.Errorf("tree after write: %v", got)
	}
	if st, _ := os.Stat(filepath.Join(repo, "src", "b.go")); st.Mode().Perm() != 0o600 {
		t.Errorf("mode of b.go = %v, want 0600 kept", st.Mode().Perm())
	}
}

func TestWriteFilesAtomicNothingOnRefusal(t *testing.T) {
	r, repo, out := setup(t)
	before, beforeOut := readAll(t, repo), readAll(t, out)
	cases := map[string][]FileWrite{
		"escape":  {{Path: "src/main.go", Data: []byte("x")}, {Path: "../x", Data: []byte("x")}},
		"git":     {{Path: "src/main.go", Data: []byte("x")}, {Path: ".git/config", Data: []byte("x")}},
		"symlink": {{Path: "src/main.go", Data: []byte("x")}, {Path: "pw", Data: []byte("x")}},
		"twice":   {{Path: "src/main.go", Data: []byte("x")}, {Path: "code/main.go", Data: []byte("y")}},
		"changed": {{Path: "src/main.go", Data: []byte("x"), Expect: []byte("package other\n")}},
		"notfile": {{Path: "src/main.go", Data: []byte("x")}, {Path: "src", Data: []byte("x")}},
	}
	for name, ws := range cases {
		err := r.WriteFilesAtomic(ws)
		if err == nil {
			t.Errorf("%s: no error", name)
		}
		if name == "changed" && !errors.Is(err, ErrChanged) {
			t.Errorf("changed: %v, want ErrChanged", err)
		}
		sameTree(t, before, readAll(t, repo))
		sameTree(t, beforeOut, readAll(t, out))
	}
}

// A rename failing half-way restores the files already replaced and leaves
// no temporary file behind.
func TestWriteFilesAtomicRollback(t *testing.T) {
	r, repo, _ := setup(t)
	if err := os.WriteFile(filepath.Join(repo, "src", "b.go"), []byte("b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := readAll(t, repo)
	n := 0
	renameIn = func(root *os.Root, o, nw string) error {
		n++
		if n == 2 {
			return errors.New("disk on fire")
		}
		return root.Rename(o, nw)
	}
	t.Cleanup(func() { renameIn = func(r *os.Root, o, n string) error { return r.Rename(o, n) } })
	err := r.WriteFilesAtomic([]FileWrite{
		{Path: "src/main.go", Data: []byte("new main\n")},
		{Path: "src/b.go", Data: []byte("new b\n")},
	})
	if err == nil || !strings.Contains(err.Error(), "restored") {
		t.Fatalf("err = %v, want a failed rename with restore", err)
	}
	sameTree(t, before, readAll(t, repo))
}
