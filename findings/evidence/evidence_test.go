package evidence

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/repofs"
)

const goSrc = `package demo

import (
	"crypto/md5"
	"database/sql"
)

type Server struct{ db *sql.DB }

type List[T any] struct{ xs []T }

var (
	secret = "hunter2"
	other  = 1
)

const limit = 10

func (s *Server) Login(name string) {
	q := "SELECT * FROM users WHERE name = '" + name + "'"
	s.db.Query(q)
}

func (l List[T]) Push(x T) { l.xs = append(l.xs, x) }

func Hash(b []byte) []byte {
	h := md5.New()
	h.Write(b)
	return h.Sum(nil)
}
`

func TestSymbolGo(t *testing.T) {
	f := NewFile("demo/x.go", []byte(goSrc))
	want := map[int]string{
		4:  "",                     // import block
		8:  "type Server",          // type
		10: "type List",            // generic type
		12: "var secret",           // "var (" line belongs to the first spec
		13: "var secret",           //
		14: "var other",            //
		15: "var other",            // ")"
		17: "const limit",          //
		20: "func (*Server).Login", // method with pointer receiver
		21: "func (*Server).Login",
		24: "func (List).Push", // generic receiver without type parameters
		27: "func Hash",
		29: "func Hash",
		23: "", // blank line between declarations
	}
	for line, w := range want {
		if got := f.Symbol(line); got != w {
			t.Errorf("line %d: symbol %q, want %q", line, got, w)
		}
	}
	if s := NewFile("x.py", []byte("def f():\n  pass\n")).Symbol(2); s != "" {
		t.Errorf("python symbol %q, want none", s)
	}
	// A file with a syntax error keeps what go/parser recovered.
	broken := NewFile("b.go", []byte("package b\n\nfunc Good() {\n\tx := 1\n}\n\nfunc Bad( {\n"))
	if s := broken.Symbol(4); s != "func Good" {
		t.Errorf("broken file: %q, want func Good", s)
	}
}

func TestAtIgnoresWhitespaceAndKeepsNoText(t *testing.T) {
	a := NewFile("a.go", []byte("package a\n\nfunc F() {\n\tx := md5.New()\n\ty := 2\n}\n"))
	b := NewFile("a.go", []byte("package a\n\nfunc F() {\n        x:=md5.New( )\n\n\n    y  :=  2\n}\n"))
	ea, eb := a.At(4), b.At(4)
	if ea.LineHash == 0 || ea.LineHash != eb.LineHash {
		t.Fatalf("line hashes %x %x: want equal, non-zero", ea.LineHash, eb.LineHash)
	}
	if !slices.Equal(ea.Context, eb.Context) {
		t.Errorf("contexts differ across whitespace edits: %x vs %x", ea.Context, eb.Context)
	}
	if ea.Symbol != "func F" {
		t.Errorf("symbol %q", ea.Symbol)
	}
	if len(ea.Context) != 4 { // "func F() {", "y := 2", "package a", "}"
		t.Errorf("context %x, want the 4 non-blank lines around", ea.Context)
	}
	if got := ContextSimilarity(ea, eb); got != 1 {
		t.Errorf("context similarity %v, want 1", got)
	}
	if TokenSimilarity(ea, eb) != 1 {
		t.Errorf("token similarity %v, want 1", TokenSimilarity(ea, eb))
	}
}

func TestTokensVariableRename(t *testing.T) {
	a := Tokens([]byte("rows, err := DB.Query(getProfileSql)"))
	b := Tokens([]byte("rows, err := DB.Query(profileQuery)"))
	if got := Jaccard(a, b); got < 0.7 || got == 1 {
		t.Errorf("jaccard after a rename %v, want in [0.7, 1)", got)
	}
	wrapped := NewFile("w.go", []byte("x := foo(\n\ta,\n\tb)\n"))
	orig := Tokens([]byte("x := foo(a, b)"))
	if got := Containment(orig, wrapped.WindowTokens(1, 3)); got != 1 {
		t.Errorf("containment in the re-wrapped window %v, want 1", got)
	}
}

func TestCapturerConfinedAndForFinding(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {\n\tprintln(\"hi\")\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "leak.txt")); err != nil {
		t.Fatal(err)
	}
	root, err := repofs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	c := NewCapturer(root, "abc123")
	f := &findings.Finding{Loc: findings.Location{Path: "main.go", InRepo: true, Line: 4, Col: 2}}
	e := c.ForFinding(f)
	if e.Commit != "abc123" || e.Col != 2 || e.Symbol != "func main" || e.LineHash == 0 {
		t.Errorf("evidence %+v", e)
	}
	if _, ok := c.Capture("leak.txt", 1); ok {
		t.Error("a symlink out of the repository was read")
	}
	if _, ok := c.Capture("../x", 1); ok {
		t.Error("a path out of the repository was read")
	}
	out := c.ForFinding(&findings.Finding{Loc: findings.Location{Path: "https://x/y", Line: 0}})
	if !out.Empty() || out.Path != "https://x/y" {
		t.Errorf("a finding out of the repository: %+v", out)
	}
}

func lines(s ...string) []byte { return []byte(strings.Join(s, "\n") + "\n") }

func TestDiffFollow(t *testing.T) {
	old := NewFile("a.go", lines("a", "b", "X", "c", "d", "Y", "e"))
	t.Run("insert above", func(t *testing.T) {
		m := Diff(old, NewFile("a.go", lines("n1", "n2", "a", "b", "X", "c", "d", "Y", "e")))
		if f := m.Follow(3); f.Status != Unchanged || f.Line != 5 || len(f.Alt) != 0 {
			t.Errorf("X: %+v, want unchanged at 5", f)
		}
		if m.Origin(1) != 0 || m.Origin(5) != 3 {
			t.Errorf("origins %d %d", m.Origin(1), m.Origin(5))
		}
	})
	t.Run("modified", func(t *testing.T) {
		m := Diff(old, NewFile("a.go", lines("a", "b", "X2", "X3", "c", "d", "Y", "e")))
		if f := m.Follow(3); f.Status != Modified || f.From != 3 || f.To != 4 {
			t.Errorf("X: %+v, want modified 3..4", f)
		}
	})
	t.Run("deleted", func(t *testing.T) {
		m := Diff(old, NewFile("a.go", lines("a", "b", "c", "d", "Y", "e")))
		if f := m.Follow(3); f.Status != Deleted {
			t.Errorf("X: %+v, want deleted", f)
		}
		if f := m.Follow(6); f.Status != Unchanged || f.Line != 5 {
			t.Errorf("Y: %+v, want unchanged at 5", f)
		}
	})
	t.Run("twin pasted next to it is ambiguous", func(t *testing.T) {
		m := Diff(old, NewFile("a.go", lines("a", "b", "X", "X", "c", "d", "Y", "e")))
		f := m.Follow(3)
		got := append([]int{f.Line}, f.Alt...)
		slices.Sort(got)
		if f.Status != Unchanged || !slices.Equal(got, []int{3, 4}) {
			t.Errorf("X: %+v, want unchanged at 3 or 4", f)
		}
	})
	t.Run("one of two twins deleted is ambiguous", func(t *testing.T) {
		o := NewFile("a.go", lines("a", "X", "X", "b"))
		m := Diff(o, NewFile("a.go", lines("a", "X", "b")))
		f2, f3 := m.Follow(2), m.Follow(3)
		if len(f2.Alt) == 0 || len(f3.Alt) == 0 {
			t.Errorf("follows %+v %+v: both twins should be ambiguous", f2, f3)
		}
	})
	t.Run("a copy of a function above keeps the original", func(t *testing.T) {
		o := NewFile("a.go", lines("package a", "", "func F() {", "\tq := 1", "\tX", "}"))
		n := NewFile("a.go", lines("package a", "", "func G() {", "\tq := 1", "\tX", "}", "", "func F() {", "\tq := 1", "\tX", "}"))
		m := Diff(o, n)
		if f := m.Follow(5); f.Status != Unchanged || f.Line != 10 || len(f.Alt) != 0 {
			t.Errorf("X: %+v, want unchanged at 10, unambiguous", f)
		}
	})
}

func TestIntersectMultiset(t *testing.T) {
	small := []uint32{1, 1, 2, 3}
	if got := intersect(small, []uint32{1, 2, 2, 4}); got != 2 {
		t.Errorf("small: %d, want 2", got)
	}
	big := make([]uint32, 100)
	for i := range big {
		big[i] = uint32(i % 10)
	}
	if got := intersect([]uint32{1, 1, 1, 99}, big); got != 3 {
		t.Errorf("big: %d, want 3", got)
	}
	if got := intersect(big[:64], big[:64]); got != 64 {
		t.Errorf("64: %d", got)
	}
}
