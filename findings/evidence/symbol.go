package evidence

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strings"
)

// symRange is a top-level declaration's line range and name.
type symRange struct {
	from, to int // 1-based, inclusive
	name     string
}

// Symbol is the enclosing top-level symbol of line in a Go file: a function
// "func Name" or method "func (*T).Name" (generic receivers without their
// type parameters), else the type, var or const declaration ("type T",
// "var x", "const c"). "" for other languages, import blocks and lines
// outside any declaration. The file is parsed once, on first use; a file
// with syntax errors keeps the declarations go/parser recovered.
func (f *File) Symbol(line int) string {
	if !strings.HasSuffix(f.Path, ".go") {
		return ""
	}
	f.symOnce.Do(f.parseSymbols)
	// Innermost (last starting) declaration holding the line; ranges of
	// a file with syntax errors may overlap.
	name := ""
	for _, s := range f.syms {
		if s.from > line {
			break
		}
		if line <= s.to {
			name = s.name
		}
	}
	return name
}

// symbolKeys returns, for a Go file, each line's normalised hash mixed with
// its enclosing symbol (nil for other files): the same code in two
// functions is two different lines for the diff.
func (f *File) symbolKeys() []uint32 {
	if !strings.HasSuffix(f.Path, ".go") {
		return nil
	}
	f.symOnce.Do(f.parseSymbols)
	out := make([]uint32, len(f.norm))
	copy(out, f.norm)
	for _, s := range f.syms {
		h := hashNorm([]byte(s.name))
		for l := max(s.from, 1); l <= s.to && l <= len(out); l++ {
			if out[l-1] != 0 {
				out[l-1] = (out[l-1]*16777619 ^ h) | 1
			}
		}
	}
	return out
}

func (f *File) parseSymbols() {
	src := bytes.Join(f.lines, []byte("\n"))
	fset := token.NewFileSet()
	af, _ := parser.ParseFile(fset, f.Path, src, parser.SkipObjectResolution)
	if af == nil {
		return
	}
	for _, d := range af.Decls {
		from, to := fset.Position(d.Pos()).Line, fset.Position(d.End()).Line
		if to < from { // unfinished declaration
			to = len(f.lines)
		}
		switch d := d.(type) {
		case *ast.FuncDecl:
			f.syms = append(f.syms, symRange{from, to, funcName(d)})
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				continue
			}
			kind := d.Tok.String()
			if len(d.Specs) == 0 {
				continue
			}
			// Each spec of a grouped declaration is its own symbol; the
			// group's own lines ("var (" and ")") belong to the first/last.
			for i, s := range d.Specs {
				sf, st := fset.Position(s.Pos()).Line, fset.Position(s.End()).Line
				if i == 0 {
					sf = from
				}
				if i == len(d.Specs)-1 {
					st = to
				}
				f.syms = append(f.syms, symRange{sf, st, kind + " " + specName(s)})
			}
		}
	}
	sort.SliceStable(f.syms, func(i, j int) bool { return f.syms[i].from < f.syms[j].from })
}

func funcName(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return "func " + d.Name.Name
	}
	return "func (" + recvName(d.Recv.List[0].Type) + ")." + d.Name.Name
}

func recvName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return "*" + recvName(t.X)
	case *ast.ParenExpr:
		return recvName(t.X)
	case *ast.IndexExpr:
		return recvName(t.X)
	case *ast.IndexListExpr:
		return recvName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return "?"
}

func specName(s ast.Spec) string {
	switch s := s.(type) {
	case *ast.TypeSpec:
		return s.Name.Name
	case *ast.ValueSpec:
		if len(s.Names) > 0 {
			return s.Names[0].Name
		}
	}
	return "?"
}
