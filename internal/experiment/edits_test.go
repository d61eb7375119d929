package experiment

import (
	"os"
	"path/filepath"
	"testing"
)

// The edit script's own ground truth: lines keep their identity through
// inserts, copies, moves, re-wraps and gofmt (blank lines, import order).
func TestTreeKeepsIdentity(t *testing.T) {
	dir := t.TempDir()
	src := "package a\n\nimport (\n\t\"os\"\n\t\"fmt\"\n)\n\n\n\nfunc F() {\n  fmt.Println(os.Args)\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "a.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := Load(dir, []string{"a.go"})
	if err != nil {
		t.Fatal(err)
	}
	call := Origin{"a.go", 11}
	fmtImport := Origin{"a.go", 5}
	tr.Insert("a.go", 1, "// header")
	if w := tr.Where(call); len(w) != 1 || w[0].Line != 12 {
		t.Fatalf("after insert: %v", w)
	}
	if err := tr.Gofmt("a.go"); err != nil {
		t.Fatal(err)
	}
	// gofmt sorted the imports ("fmt" first) and dropped two blank lines.
	if w := tr.Where(fmtImport); len(w) != 1 || w[0].Line != 5 || tr.Text("a.go", 5) != "\t\"fmt\"" {
		t.Errorf("fmt import at %v: %q", w, tr.Text("a.go", 5))
	}
	if w := tr.Where(call); len(w) != 1 || tr.Text("a.go", w[0].Line) != "\tfmt.Println(os.Args)" {
		t.Errorf("call at %v", w)
	}
	at := tr.Find("a.go", "func F()", 1, 0)
	tr.Copy("a.go", at, tr.BlockEnd("a.go", at), at, func(s string) string { return s })
	if w := tr.Where(call); len(w) != 1 || w[0].Line <= at+2 {
		t.Errorf("copy above took the original's identity: %v", w)
	}
	l := tr.Where(call)[0].Line
	tr.Fix("a.go", l, l, "\t_ = 1")
	if w := tr.Where(call); len(w) != 0 {
		t.Errorf("a fixed line still has its identity: %v", w)
	}
	tr.Move("a.go", "b/a.go")
	if w := tr.Where(fmtImport); len(w) != 1 || w[0].Path != "b/a.go" {
		t.Errorf("after move: %v", w)
	}
}
