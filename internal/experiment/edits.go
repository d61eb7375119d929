// Package experiment measures how well triage decisions stay on their own
// findings when a real project is edited and re-scanned (issue 7). Its test
// (experiment_test.go, run with SECUI_EXPERIMENT=1) applies realistic edits
// to a snapshot of a vulnerable Go web application, re-scans it with real
// gosec after each, and compares secui's matcher with GitHub's line-hash
// and with naive (rule, path, line) matching against the ground truth that
// the edit script itself keeps: Tree remembers, for every line, which line
// of the original snapshot it is (or that it is new, or that the original
// was fixed).
package experiment

import (
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
)

// Origin is a line of the original snapshot.
type Origin struct {
	Path string
	Line int
}

type line struct {
	text string
	id   int // 1-based index into Tree.origins; 0: a new line
}

// Tree is a set of files being edited, each line knowing where it came from.
type Tree struct {
	Dir     string
	files   map[string][]line
	dirty   map[string]bool
	removed []string
	origins []Origin
}

// Load reads paths (slash, relative to dir) as the original snapshot.
func Load(dir string, paths []string) (*Tree, error) {
	t := &Tree{Dir: dir, files: map[string][]line{}, dirty: map[string]bool{}}
	for _, p := range paths {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return nil, err
		}
		text := strings.TrimSuffix(string(b), "\n")
		var ls []line
		for i, s := range strings.Split(text, "\n") {
			t.origins = append(t.origins, Origin{p, i + 1})
			ls = append(ls, line{s, len(t.origins)})
		}
		t.files[p] = ls
	}
	return t, nil
}

func (t *Tree) get(path string) []line {
	ls, ok := t.files[path]
	if !ok {
		panic("experiment: no file " + path)
	}
	return ls
}

// Find returns the line number of the nth (1-based) line of path holding
// substr, after line from (0: the start). It panics when there is none: the
// script must not silently edit the wrong place.
func (t *Tree) Find(path, substr string, nth, from int) int {
	n := 0
	for i, l := range t.get(path) {
		if i+1 > from && strings.Contains(l.text, substr) {
			if n++; n == nth {
				return i + 1
			}
		}
	}
	panic(fmt.Sprintf("experiment: %s: %q (#%d after line %d) not found", path, substr, nth, from))
}

// BlockEnd returns the line of the "}" closing the block opened at line
// (a top-level declaration: the first later line that is exactly "}").
func (t *Tree) BlockEnd(path string, at int) int {
	ls := t.get(path)
	for i := at; i < len(ls); i++ {
		if strings.TrimRightFunc(ls[i].text, unicode.IsSpace) == "}" {
			return i + 1
		}
	}
	panic(fmt.Sprintf("experiment: %s:%d: no closing brace", path, at))
}

// Paths lists the files, sorted.
func (t *Tree) Paths() []string {
	var out []string
	for p := range t.files {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Text returns line n of path.
func (t *Tree) Text(path string, n int) string { return t.get(path)[n-1].text }

// Insert puts new lines before line before (Lines()+1: at the end).
func (t *Tree) Insert(path string, before int, texts ...string) {
	ls := t.get(path)
	add := make([]line, len(texts))
	for i, s := range texts {
		add[i] = line{s, 0}
	}
	t.files[path] = slices.Insert(ls, before-1, add...)
	t.dirty[path] = true
}

// Replace replaces line at by texts, which all keep its identity (a
// re-wrap: the finding may be reported on any of them).
func (t *Tree) Replace(path string, at int, texts ...string) {
	ls := t.get(path)
	id := ls[at-1].id
	add := make([]line, len(texts))
	for i, s := range texts {
		add[i] = line{s, id}
	}
	t.files[path] = slices.Replace(ls, at-1, at, add...)
	t.dirty[path] = true
}

// Fix replaces lines from..to by new code that fixes them: their identity
// is gone.
func (t *Tree) Fix(path string, from, to int, texts ...string) {
	ls := t.get(path)
	add := make([]line, len(texts))
	for i, s := range texts {
		add[i] = line{s, 0}
	}
	t.files[path] = slices.Replace(ls, from-1, to, add...)
	t.dirty[path] = true
}

// Subst replaces old by new in lines from..to (a rename on the line; the
// lines keep their identity). It panics if nothing changed.
func (t *Tree) Subst(path string, from, to int, old, new string) {
	ls := t.get(path)
	n := 0
	for i := from - 1; i < to; i++ {
		if strings.Contains(ls[i].text, old) {
			ls[i].text = strings.ReplaceAll(ls[i].text, old, new)
			n++
		}
	}
	if n == 0 {
		panic(fmt.Sprintf("experiment: %s:%d-%d: %q not found", path, from, to, old))
	}
	t.dirty[path] = true
}

// Copy pastes a copy of lines from..to before line before, each copied line
// passed through edit; the copies are new lines.
func (t *Tree) Copy(path string, from, to, before int, edit func(string) string) {
	ls := t.get(path)
	var texts []string
	for i := from - 1; i < to; i++ {
		texts = append(texts, edit(ls[i].text))
	}
	t.Insert(path, before, texts...)
}

// Move renames a file (the lines keep their identity).
func (t *Tree) Move(from, to string) {
	t.files[to] = t.get(from)
	delete(t.files, from)
	t.removed = append(t.removed, from)
	t.dirty[to] = true
}

// Gofmt formats path with go/format. Every line must be accounted for:
// gofmt may change white space, drop blank lines and sort imports; each
// non-blank line is mapped to its formatted line in order, or, for a line
// gofmt moved (sorted imports), by its unique content. Anything else is
// refused (error, nothing changed): the script could not say where the
// lines went.
func (t *Tree) Gofmt(path string) error {
	ls := t.get(path)
	out, err := format.Source([]byte(t.content(path)))
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	ids := make([]int, len(got))
	// In order, skipping blank lines on both sides; an import block is
	// mapped by content (gofmt sorts it; its lines are unique).
	inImports := func(texts []string, at int) (end int, ok bool) {
		for k := at; k >= 0; k-- {
			switch squash(texts[k]) {
			case "import(":
				for e := at; e < len(texts); e++ {
					if squash(texts[e]) == ")" {
						return e, true
					}
				}
				return 0, false
			case ")", "":
				if k != at {
					continue
				}
			}
			for _, stop := range []string{"func", "type", "const", "var"} {
				if strings.HasPrefix(squash(texts[k]), stop) {
					return 0, false
				}
			}
		}
		return 0, false
	}
	old := make([]string, len(ls))
	for k, l := range ls {
		old[k] = l.text
	}
	i, j := 0, 0
	for i < len(ls) || j < len(got) {
		switch {
		case i < len(ls) && squash(ls[i].text) == "":
			i++
		case j < len(got) && squash(got[j]) == "":
			j++
		case i < len(ls) && j < len(got) && squash(ls[i].text) == squash(got[j]):
			ids[j] = ls[i].id
			i, j = i+1, j+1
		case i < len(ls) && j+1 < len(got) && squash(ls[i].text) == squash(got[j])+squash(got[j+1]):
			ids[j], ids[j+1] = ls[i].id, ls[i].id // gofmt split the line
			i, j = i+1, j+2
		default:
			oe, ok1 := inImports(old, min(i, len(old)-1))
			ne, ok2 := inImports(got, min(j, len(got)-1))
			if !ok1 || !ok2 {
				return fmt.Errorf("%s:%d: gofmt changes more than white space, blank lines and import order", path, j+1)
			}
			byText := map[string]int{}
			for k := i; k <= oe; k++ {
				if q := squash(ls[k].text); q != "" {
					if _, dup := byText[q]; dup {
						return fmt.Errorf("%s:%d: a repeated import line", path, k+1)
					}
					byText[q] = ls[k].id
				}
			}
			for k := j; k <= ne; k++ {
				if q := squash(got[k]); q != "" {
					id, ok := byText[q]
					if !ok {
						return fmt.Errorf("%s:%d: gofmt changes an import line", path, k+1)
					}
					ids[k] = id
					delete(byText, q)
				}
			}
			if len(byText) != 0 {
				return fmt.Errorf("%s: gofmt drops import lines", path)
			}
			i, j = oe+1, ne+1
		}
	}
	nl := make([]line, len(got))
	for j := range got {
		nl[j] = line{got[j], ids[j]}
	}
	t.files[path] = nl
	t.dirty[path] = true
	return nil
}

func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func (t *Tree) content(path string) string {
	var b strings.Builder
	for _, l := range t.get(path) {
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	return b.String()
}

// Write writes the changed files to Dir (moved-away files are expected to be
// gone already: the caller moves them with git mv or os.Rename).
func (t *Tree) Write() error {
	for p := range t.dirty {
		full := filepath.Join(t.Dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(t.content(p)), 0o644); err != nil {
			return err
		}
	}
	t.dirty = map[string]bool{}
	return nil
}

// Where are the current places of an original line (several after a
// re-wrap; none when it was fixed or deleted).
func (t *Tree) Where(o Origin) []Origin {
	var out []Origin
	for p, ls := range t.files {
		for i, l := range ls {
			if l.id != 0 && t.origins[l.id-1] == o {
				out = append(out, Origin{p, i + 1})
			}
		}
	}
	return out
}
