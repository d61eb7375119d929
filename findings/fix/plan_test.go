package fix

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/repofs"
	"github.com/secui/secui/internal/testutil"
)

// The tests load real SARIF text (written per case) with findings.Load, so
// the decoding of fixes is exercised with the planner.

type fixture struct {
	t    *testing.T
	dir  string // the repository
	out  string // a directory outside it
	root *repofs.Root
}

func newFixture(t *testing.T, files map[string]string) *fixture {
	t.Helper()
	fx := &fixture{t: t, dir: t.TempDir(), out: t.TempDir()}
	for p, s := range files {
		fx.write(p, s)
	}
	r, err := repofs.Open(fx.dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	fx.root = r
	fx.dir = r.Dir()
	return fx
}

func (fx *fixture) write(p, s string) {
	fx.t.Helper()
	full := filepath.Join(fx.dir, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		fx.t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
		fx.t.Fatal(err)
	}
}

func (fx *fixture) read(p string) string {
	fx.t.Helper()
	b, err := os.ReadFile(filepath.Join(fx.dir, filepath.FromSlash(p)))
	if err != nil {
		fx.t.Fatal(err)
	}
	return string(b)
}

// tree is every file under dir and its bytes.
func tree(t *testing.T, dir string) map[string]string {
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

func sameTree(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	if len(before) != len(after) {
		t.Errorf("%s: %d files before, %d after", what, len(before), len(after))
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s: %s changed: %q -> %q", what, k, v, after[k])
		}
	}
}

// sarif is one result of rule R1 by "testtool" with the given location and
// fixes (JSON fragments); run adds members to the run object.
func sarif(run, loc string, fixes ...string) string {
	if loc == "" {
		loc = `{"physicalLocation":{"artifactLocation":{"uri":"a.txt"},"region":{"startLine":1}}}`
	}
	if run != "" {
		run += ","
	}
	return `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"testtool","version":"1.0","rules":[{"id":"R1"}]}},` + run +
		`"results":[{"ruleId":"R1","message":{"text":"m"},"locations":[` + loc + `],"fixes":[` + strings.Join(fixes, ",") + `]}]}]}`
}

// change is one artifactChange for uri with the given replacements.
func change(uri string, reps ...string) string {
	return `{"artifactLocation":{"uri":` + q(uri) + `},"replacements":[` + strings.Join(reps, ",") + `]}`
}

// fix is a fix made of changes.
func fix(changes ...string) string {
	return `{"description":{"text":"use the safe call"},"artifactChanges":[` + strings.Join(changes, ",") + `]}`
}

// rp is a replacement of region (JSON members) by ins (nil: a deletion).
func rp(region string, ins *string) string {
	s := `{"deletedRegion":{` + region + `}`
	if ins != nil {
		s += `,"insertedContent":{"text":` + q(*ins) + `}`
	}
	return s + "}"
}

func ptr(s string) *string { return &s }

func q(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0x202e:
			b.WriteString(`\u`)
			b.WriteString(strings.ToUpper(hex.EncodeToString([]byte{byte(r >> 8), byte(r)})))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// plan loads the SARIF text (stored outside the repository) and plans fix n
// of its only finding.
func (fx *fixture) plan(doc string, n int, opts Options) *Plan {
	fx.t.Helper()
	p := filepath.Join(fx.t.TempDir(), "scan.sarif")
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		fx.t.Fatal(err)
	}
	set, err := findings.Load(context.Background(), []string{p}, findings.Options{Root: fx.dir})
	if err != nil {
		fx.t.Fatal(err)
	}
	if len(set.Errors) > 0 || len(set.Findings) != 1 {
		fx.t.Fatalf("load: %d findings, errors %v", len(set.Findings), set.Errors)
	}
	f := set.Findings[0]
	d, err := set.Details(f)
	if err != nil {
		fx.t.Fatal(err)
	}
	return New(fx.root, f, d, n, opts)
}

// apply plans and applies, failing on a refusal.
func (fx *fixture) apply(doc string) *Plan {
	fx.t.Helper()
	p := fx.plan(doc, 0, Options{})
	if p.Refusal != nil {
		fx.t.Fatalf("refused: %v (%s)", p.Refusal, p.Refusal.Kind)
	}
	if err := p.Apply(fx.root); err != nil {
		fx.t.Fatal(err)
	}
	return p
}

// refused plans, checks the refusal kind and reason, tries to apply, and
// checks that nothing changed in the repository or outside it.
func (fx *fixture) refused(doc, kind, reason string) *Plan {
	fx.t.Helper()
	before, beforeOut := tree(fx.t, fx.dir), tree(fx.t, fx.out)
	p := fx.plan(doc, 0, Options{})
	if p.Refusal == nil {
		fx.t.Fatalf("not refused; diff:\n%s", p.Diff())
	}
	if p.Refusal.Kind != kind || !strings.Contains(p.Refusal.Error(), reason) {
		fx.t.Errorf("refusal = %s %q, want %s containing %q", p.Refusal.Kind, p.Refusal.Error(), kind, reason)
	}
	if err := p.Apply(fx.root); err == nil {
		fx.t.Error("Apply of a refused plan succeeded")
	}
	if len(p.Files) != 0 || p.Diff() != "" {
		fx.t.Errorf("refused plan has files: %v", p.Paths())
	}
	sameTree(fx.t, "repository", before, tree(fx.t, fx.dir))
	sameTree(fx.t, "outside", beforeOut, tree(fx.t, fx.out))
	return p
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// hashed is a run member listing a.txt with the sha-256 of content.
func hashed(uri, content string) string {
	return `"artifacts":[{"location":{"uri":` + q(uri) + `},"hashes":{"sha-256":"` + sha(content) + `"}}]`
}

const src = "line one\n\tcall(user, shell=True)\nline three\nline four\nline five\n"

func TestMultiLineReplacement(t *testing.T) {
	fx := newFixture(t, map[string]string{"a.txt": src})
	p := fx.apply(sarif(hashed("a.txt", src), "", fix(change("a.txt",
		rp(`"startLine":2,"startColumn":7,"endLine":4,"endColumn":5`, ptr("X\nY"))))))
	if got, want := fx.read("a.txt"), "line one\n\tcall(X\nY four\nline five\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if v := p.Files[0].Verified; v.Method != ByHash || v.Detail != "sha-256" {
		t.Errorf("verified = %v", v)
	}
	wantDiff := "--- a/a.txt\n+++ b/a.txt\n@@ -1,5 +1,4 @@\n line one\n-    call(user, shell=True)\n-line three\n-line four\n+    call(X\n+Y four\n line five\n"
	if d := p.Diff(); d != wantDiff {
		t.Errorf("diff:\n%s\nwant:\n%s", d, wantDiff)
	}
}

// Several replacements, listed out of order, with line counts changing:
// all are placed against the unmodified file and applied in one pass.
func TestSeveralReplacementsOnePass(t *testing.T) {
	fx := newFixture(t, map[string]string{"a.txt": src})
	fx.apply(sarif(hashed("a.txt", src), "", fix(change("a.txt",
		rp(`"startLine":5,"startColumn":6,"endColumn":10`, ptr("5")),
		rp(`"startLine":2,"startColumn":13,"endColumn":23`, ptr("shell=False")),
		rp(`"startLine":1,"startColumn":1,"endColumn":1`, ptr("# header\n# two\n")),
		rp(`"startLine":3,"startColumn":1,"endLine":4,"endColumn":1`, nil),
	))))
	want := "# header\n# two\nline one\n\tcall(user, shell=False)\nline four\nline 5\n"
	if got := fx.read("a.txt"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// Two fixes in one file through two artifactChanges for the same path
// (reviewdog overwrote one with the other): both apply.
func TestTwoChangesSameFile(t *testing.T) {
	fx := newFixture(t, map[string]string{"a.txt": src})
	fx.apply(sarif(hashed("a.txt", src), "", fix(
		change("a.txt", rp(`"startLine":1,"startColumn":6,"endColumn":9`, ptr("1"))),
		change("./a.txt", rp(`"startLine":3,"startColumn":6,"endColumn":11`, ptr("3"))),
	)))
	if got, want := fx.read("a.txt"), "line 1\n\tcall(user, shell=True)\nline 3\nline four\nline five\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestMultiFileAllOrNone(t *testing.T) {
	files := map[string]string{"a.txt": src, "b/c.txt": "alpha\nbeta\n"}
	fx := newFixture(t, files)
	arts := `"artifacts":[{"location":{"uri":"a.txt"},"hashes":{"sha-256":"` + sha(src) + `"}},{"location":{"uri":"b/c.txt"},"hashes":{"sha-256":"` + sha(files["b/c.txt"]) + `"}}]`
	doc := sarif(arts, "", fix(
		change("a.txt", rp(`"startLine":1,"startColumn":1,"endColumn":5`, ptr("LINE"))),
		change("b/c.txt", rp(`"startLine":2,"startColumn":1,"endColumn":5`, ptr("BETA"))),
	))
	p := fx.plan(doc, 0, Options{})
	if !p.OK() || len(p.Files) != 2 {
		t.Fatalf("plan: %v %v", p.Refusal, p.Paths())
	}
	// Someone edits the second file between planning and applying: nothing
	// is written, not even the first file.
	fx.write("b/c.txt", "alpha\nbeta\ngamma\n")
	before := tree(t, fx.dir)
	err := p.Apply(fx.root)
	if r, ok := err.(*Refusal); !ok || r.Kind != RefuseChanged {
		t.Fatalf("apply after an edit: %v, want a %s refusal", err, RefuseChanged)
	}
	sameTree(t, "after a refused apply", before, tree(t, fx.dir))

	fx.write("b/c.txt", files["b/c.txt"])
	p = fx.plan(doc, 0, Options{})
	if err := p.Apply(fx.root); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(fx.read("a.txt"), "LINE one\n") || fx.read("b/c.txt") != "alpha\nBETA\n" {
		t.Errorf("files: %q %q", fx.read("a.txt"), fx.read("b/c.txt"))
	}
}

// Columns count UTF-16 code units by default: an emoji (outside the BMP)
// is two units, a CJK character one.
func TestColumnsUTF16(t *testing.T) {
	line := "s := \"😀😀\" + x // 名前\n"
	fx := newFixture(t, map[string]string{"a.txt": line})
	// "s := \"" is 6 units, the two emoji 4, then "\" + " 4: x is column 15.
	fx.apply(sarif(hashed("a.txt", line), "", fix(change("a.txt",
		rp(`"startLine":1,"startColumn":15,"endColumn":16`, ptr("quote(x)")),
		rp(`"startLine":1,"startColumn":20,"endColumn":22`, ptr("名字")),
	))))
	if got, want := fx.read("a.txt"), "s := \"😀😀\" + quote(x) // 名字\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestColumnsCodePoints(t *testing.T) {
	line := "s := \"😀😀\" + x // 名前\n"
	fx := newFixture(t, map[string]string{"a.txt": line})
	// In code points the emoji are one column each: x is column 13.
	fx.apply(sarif(`"columnKind":"unicodeCodePoints",`+hashed("a.txt", line), "", fix(change("a.txt",
		rp(`"startLine":1,"startColumn":13,"endColumn":14`, ptr("quote(x)")),
		rp(`"startLine":1,"startColumn":18,"endColumn":20`, ptr("名字")),
	))))
	if got, want := fx.read("a.txt"), "s := \"😀😀\" + quote(x) // 名字\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSurrogatePairSplitRefused(t *testing.T) {
	line := "s := \"😀\"\n"
	fx := newFixture(t, map[string]string{"a.txt": line})
	// Column 8 is the second code unit of the emoji.
	fx.refused(sarif(hashed("a.txt", line), "", fix(change("a.txt",
		rp(`"startLine":1,"startColumn":8,"endColumn":9`, ptr("x"))))), RefuseRegion, "splits a UTF-16 surrogate pair")
	fx.refused(sarif(hashed("a.txt", line), "", fix(change("a.txt",
		rp(`"charOffset":7,"charLength":1`, ptr("x"))))), RefuseRegion, "splits a UTF-16 surrogate pair")
}

// Character offsets count newline characters and, by default, UTF-16 units.
func TestCharOffsets(t *testing.T) {
	content := "ab😀\r\nhash = sha1(x)\r\n"
	fx := newFixture(t, map[string]string{"a.txt": content})
	// "ab😀\r\n" is 2+2+2 = 6 units; "hash = " 7 more: sha1 starts at 13.
	fx.apply(sarif(hashed("a.txt", content), "", fix(change("a.txt",
		rp(`"charOffset":13,"charLength":4`, ptr("sha256"))))))
	if got, want := fx.read("a.txt"), "ab😀\r\nhash = sha256(x)\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// In code points the emoji is one: sha256 starts at 12.
	content = fx.read("a.txt")
	fx.apply(sarif(`"columnKind":"unicodeCodePoints",`+hashed("a.txt", content), "", fix(change("a.txt",
		rp(`"charOffset":12,"charLength":6`, ptr("sha512"))))))
	if got, want := fx.read("a.txt"), "ab😀\r\nhash = sha512(x)\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestByteOffsets(t *testing.T) {
	content := "名 = md5(x)\n"
	fx := newFixture(t, map[string]string{"a.txt": content})
	fx.apply(sarif(hashed("a.txt", content), "", fix(change("a.txt",
		rp(`"byteOffset":6,"byteLength":3`, ptr("sha256"))))))
	if got, want := fx.read("a.txt"), "名 = sha256(x)\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	fx.refused(sarif(hashed("a.txt", fx.read("a.txt")), "", fix(change("a.txt",
		rp(`"byteOffset":1,"byteLength":2`, ptr("x"))))), RefuseRegion, "split a UTF-8 character")
	fx.refused(sarif(hashed("a.txt", fx.read("a.txt")), "", fix(change("a.txt",
		rp(`"byteOffset":10,"byteLength":200`, ptr("x"))))), RefuseRegion, "past the end of the file")
}

func TestInsertionAndDeletionOnly(t *testing.T) {
	fx := newFixture(t, map[string]string{"a.txt": src})
	// Insertion: a zero-length region (startColumn = endColumn).
	fx.apply(sarif(hashed("a.txt", src), "", fix(change("a.txt",
		rp(`"startLine":2,"startColumn":2,"endColumn":2`, ptr("safe_"))))))
	want := "line one\n\tsafe_call(user, shell=True)\nline three\nline four\nline five\n"
	if got := fx.read("a.txt"); got != want {
		t.Fatalf("insertion: got %q, want %q", got, want)
	}
	// Deletion: no insertedContent; whole lines with their newlines.
	fx.apply(sarif(hashed("a.txt", want), "", fix(change("a.txt",
		rp(`"startLine":3,"startColumn":1,"endLine":5,"endColumn":1`, nil)))))
	if got, want := fx.read("a.txt"), "line one\n\tsafe_call(user, shell=True)\nline five\n"; got != want {
		t.Errorf("deletion: got %q, want %q", got, want)
	}
}

// A missing endColumn is the end of the line (before its newline); a
// missing endLine is startLine; a region with only startLine is the line.
func TestMissingEndColumnAndLine(t *testing.T) {
	content := "keep\r\nold text here\r\nkeep\r\n"
	fx := newFixture(t, map[string]string{"a.txt": content})
	p := fx.apply(sarif(hashed("a.txt", content), "", fix(change("a.txt",
		rp(`"startLine":2,"startColumn":5`, ptr("new\nsecond line"))))))
	// CRLF file: the end of the line is before "\r\n", and the inserted
	// text's newline becomes CRLF.
	if got, want := fx.read("a.txt"), "keep\r\nold new\r\nsecond line\r\nkeep\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "CRLF") {
		t.Errorf("notes = %v", p.Notes)
	}
	content = fx.read("a.txt")
	fx.apply(sarif(hashed("a.txt", content), "", fix(change("a.txt", rp(`"startLine":3`, ptr("whole line"))))))
	if got, want := fx.read("a.txt"), "keep\r\nold new\r\nwhole line\r\nkeep\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNoFinalNewline(t *testing.T) {
	content := "first\nlast = weak()"
	fx := newFixture(t, map[string]string{"a.txt": content})
	p := fx.apply(sarif(hashed("a.txt", content), "", fix(change("a.txt",
		rp(`"startLine":2,"startColumn":8`, ptr("strong()"))))))
	if got, want := fx.read("a.txt"), "first\nlast = strong()"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	want := "--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n first\n-last = weak()\n" + NoNewline + "\n+last = strong()\n" + NoNewline + "\n"
	if d := p.Diff(); d != want {
		t.Errorf("diff:\n%s\nwant:\n%s", d, want)
	}
	// Appending at the very end (the empty text after the last line).
	fx.apply(sarif(hashed("a.txt", fx.read("a.txt")), "", fix(change("a.txt",
		rp(`"startLine":2,"startColumn":16,"endColumn":16`, ptr("\n"))))))
	if got := fx.read("a.txt"); got != "first\nlast = strong()\n" {
		t.Errorf("got %q", got)
	}
}

func TestRegionOutsideFileRefused(t *testing.T) {
	fx := newFixture(t, map[string]string{"a.txt": src})
	doc := func(region string) string {
		return sarif(hashed("a.txt", src), "", fix(change("a.txt", rp(region, ptr("x")))))
	}
	fx.refused(doc(`"startLine":9`), RefuseRegion, "line 9 is past the end of the file (6 lines)")
	fx.refused(doc(`"startLine":1,"startColumn":3,"endColumn":40`), RefuseRegion, "column 40 is past the end of line 1")
	fx.refused(doc(`"startLine":2,"startColumn":9,"endColumn":3`), RefuseRegion, "ends")
	fx.refused(doc(`"charOffset":500,"charLength":1`), RefuseRegion, "past the end of the file")
	fx.refused(doc(`"startLine":1,"startColumn":1,"endColumn":3,"charOffset":4,"charLength":2`), RefuseRegion, "disagree")
	// No region at all: never "the top of the file".
	fx.refused(sarif(hashed("a.txt", src), "", fix(change("a.txt", `{"insertedContent":{"text":"x"}}`))), RefuseRegion, "never guesses")
	fx.refused(doc(`"snippet":{"text":"line one"}`), RefuseRegion, "never guesses")
}

func TestStaleRefused(t *testing.T) {
	fx := newFixture(t, map[string]string{"a.txt": src})
	// The deleted region's own snippet.
	fx.refused(sarif("", "", fix(change("a.txt",
		rp(`"startLine":2,"startColumn":13,"endColumn":23,"snippet":{"text":"shell=Fals"}`, ptr("shell=False"))))),
		RefuseStale, "not the snippet the scan recorded")
	// The result's snippet.
	loc := `{"physicalLocation":{"artifactLocation":{"uri":"a.txt"},"region":{"startLine":2,"startColumn":2,"endColumn":24,"snippet":{"text":"call(user, shell=False)"}}}}`
	fx.refused(sarif("", loc, fix(change("a.txt",
		rp(`"startLine":2,"startColumn":13,"endColumn":23`, ptr("shell=False"))))),
		RefuseStale, "the result's region (line 2, column 2 to column 24) no longer holds the snippet")
	// The artifact hash.
	fx.refused(sarif(hashed("a.txt", src+"more\n"), "", fix(change("a.txt",
		rp(`"startLine":2,"startColumn":13,"endColumn":23`, ptr("shell=False"))))),
		RefuseStale, "its sha-256 is")
	// Nothing to check against.
	fx.refused(sarif("", "", fix(change("a.txt",
		rp(`"startLine":2,"startColumn":13,"endColumn":23`, ptr("shell=False"))))),
		RefuseUnverified, "cannot check that the file is still the one scanned")
	// A result snippet that covers only part of the replaced text.
	loc = `{"physicalLocation":{"artifactLocation":{"uri":"a.txt"},"region":{"startLine":2,"startColumn":2,"endColumn":6,"snippet":{"text":"call"}}}}`
	fx.refused(sarif("", loc, fix(change("a.txt",
		rp(`"startLine":2,"startColumn":2,"endColumn":12`, ptr("run(user")))),
	), RefuseUnverified, "no snippet of every replaced region")
}

// Snippets that vouch for the file: the deleted region's own, the result's
// exact region text, the whole lines of the result's region, and gosec's
// numbered lines.
func TestSnippetVerification(t *testing.T) {
	cases := map[string]string{
		"deleted-region": "",
		"exact":          `{"physicalLocation":{"artifactLocation":{"uri":"a.txt"},"region":{"startLine":2,"startColumn":2,"endColumn":24,"snippet":{"text":"call(user, shell=True)"}}}}`,
		"whole-lines":    `{"physicalLocation":{"artifactLocation":{"uri":"a.txt"},"region":{"startLine":2,"startColumn":13,"endColumn":23,"snippet":{"text":"\tcall(user, shell=True)\n"}}}}`,
		"gosec":          `{"physicalLocation":{"artifactLocation":{"uri":"a.txt"},"region":{"startLine":2,"startColumn":13,"endColumn":23,"snippet":{"text":"1: line one\n2: \tcall(user, shell=True)\n3: line three\n"}}}}`,
		"context-blank":  `{"physicalLocation":{"artifactLocation":{"uri":"a.txt"},"region":{"startLine":2},"contextRegion":{"startLine":1,"endLine":6,"snippet":{"text":` + q(strings.TrimSuffix(src, "\n")) + `}}}}`,
		"context":        `{"physicalLocation":{"artifactLocation":{"uri":"a.txt"},"region":{"startLine":2},"contextRegion":{"startLine":1,"endLine":3,"snippet":{"text":"line one\n\tcall(user, shell=True)\nline three\n"}}}}`,
	}
	for name, loc := range cases {
		t.Run(name, func(t *testing.T) {
			fx := newFixture(t, map[string]string{"a.txt": src})
			region := `"startLine":2,"startColumn":13,"endColumn":23`
			if name == "deleted-region" {
				region += `,"snippet":{"text":"shell=True"}`
			}
			p := fx.apply(sarif("", loc, fix(change("a.txt", rp(region, ptr("shell=False"))))))
			if p.Files[0].Verified.Method != BySnippet {
				t.Errorf("verified = %v", p.Files[0].Verified)
			}
			if !strings.Contains(fx.read("a.txt"), "call(user, shell=False)") {
				t.Errorf("not applied: %q", fx.read("a.txt"))
			}
		})
	}
}

func TestOverlapsRefused(t *testing.T) {
	fx := newFixture(t, map[string]string{"a.txt": src})
	doc := func(reps ...string) string { return sarif(hashed("a.txt", src), "", fix(change("a.txt", reps...))) }
	fx.refused(doc(
		rp(`"startLine":2,"startColumn":2,"endColumn":12`, ptr("a")),
		rp(`"startLine":2,"startColumn":8,"endColumn":20`, ptr("b")),
	), RefuseOverlap, "replacement 1 (line 2, column 2 to column 12) and replacement 2 (line 2, column 8 to column 20) overlap")
	// Same region twice (Semgrep #3577-style duplicates).
	fx.refused(doc(
		rp(`"startLine":2,"startColumn":13,"endColumn":23`, ptr("shell=False")),
		rp(`"startLine":2,"startColumn":13,"endColumn":23`, ptr("shell=False")),
	), RefuseOverlap, "overlap")
	// An insertion strictly inside a deleted region.
	fx.refused(doc(
		rp(`"startLine":1,"startColumn":1,"endLine":3,"endColumn":1`, nil),
		rp(`"startLine":2,"startColumn":4,"endColumn":4`, ptr("x")),
	), RefuseOverlap, "overlap")
	// Two artifactChanges for one file overlapping each other.
	fx.refused(sarif(hashed("a.txt", src), "", fix(
		change("a.txt", rp(`"startLine":1,"startColumn":1,"endColumn":5`, ptr("x"))),
		change("a.txt", rp(`"charOffset":2,"charLength":1`, ptr("y"))),
	)), RefuseOverlap, "change 1 replacement 1")

	// Touching regions and an insertion at a region's start are not overlaps.
	fx.apply(doc(
		rp(`"startLine":1,"startColumn":1,"endColumn":5`, ptr("LINE")),
		rp(`"startLine":1,"startColumn":5,"endColumn":9`, ptr("-1")),
		rp(`"startLine":1,"startColumn":1,"endColumn":1`, ptr(">")),
	))
	if got := fx.read("a.txt"); !strings.HasPrefix(got, ">LINE-1\n") {
		t.Errorf("got %q", got)
	}
}

func TestPathEscapesRefused(t *testing.T) {
	fx := newFixture(t, map[string]string{"a.txt": src, ".git/config": "[core]\n"})
	if err := os.WriteFile(filepath.Join(fx.out, "victim.txt"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(fx.out, "victim.txt"), filepath.Join(fx.dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(fx.out, filepath.Join(fx.dir, "linkdir")); err != nil {
		t.Fatal(err)
	}
	victim := filepath.ToSlash(filepath.Join(fx.out, "victim.txt"))
	doc := func(uri, run string) string {
		return sarif(run, "", fix(change(uri,
			rp(`"startLine":1,"startColumn":1,"endColumn":5,"snippet":{"text":"line"}`, ptr("LINE")))))
	}
	cases := []struct{ uri, run, reason string }{
		{"../" + filepath.Base(fx.out) + "/victim.txt", "", repofs.ReasonEscape},
		{"sub/../../x.txt", "", repofs.ReasonEscape},
		{`..\x.txt`, "", repofs.ReasonEscape},
		{victim, "", repofs.ReasonAbsolute},
		{"file://" + victim, "", repofs.ReasonAbsolute},
		{"file:///etc/passwd", "", repofs.ReasonAbsolute},
		{"link.txt", "", repofs.ReasonSymlink},
		{"linkdir/victim.txt", "", repofs.ReasonSymlink},
		{".git/config", "", repofs.ReasonGit},
		{"sub/../.GIT/config", "", repofs.ReasonGit},
		{"https://example.com/a.txt", "", "https: URI"},
		// A base id that leads out of the repository.
		{"victim.txt", `"originalUriBaseIds":{"OUT":{"uri":"file://` + filepath.ToSlash(fx.out) + `/"}}`, repofs.ReasonAbsolute},
	}
	for _, c := range cases {
		t.Run(c.uri, func(t *testing.T) {
			d := doc(c.uri, c.run)
			if strings.Contains(c.run, "OUT") {
				d = strings.Replace(d, `"artifactLocation":{"uri":"victim.txt"}`, `"artifactLocation":{"uri":"victim.txt","uriBaseId":"OUT"}`, 1)
			}
			fx.refused(d, RefusePath, c.reason)
		})
	}
	if b, _ := os.ReadFile(filepath.Join(fx.out, "victim.txt")); string(b) != src {
		t.Errorf("victim changed: %q", b)
	}
}

// secui's own files are never a fix's target, whatever the SARIF says.
func TestProtectedFilesRefused(t *testing.T) {
	files := map[string]string{".secui/ledger.yaml": "version: 1\ndecisions: []\n", ".secui.yaml": "scanners: []\n", "triage/decisions.yaml": "x\n"}
	fx := newFixture(t, files)
	for p, content := range files {
		doc := sarif(hashed(p, content), "", fix(change(p, rp(`"startLine":1,"startColumn":1,"endColumn":2`, ptr("#")))))
		before := tree(t, fx.dir)
		pl := fx.plan(doc, 0, Options{Protected: []string{"triage/decisions.yaml"}})
		if pl.OK() || pl.Refusal.Kind != RefusePath || !strings.Contains(pl.Refusal.Reason, "secui's own file") {
			t.Errorf("%s: %v", p, pl.Refusal)
		}
		_ = pl.Apply(fx.root)
		sameTree(t, p, before, tree(t, fx.dir))
	}
	// Spelled differently or through a symlink, it is the same file.
	if err := os.Symlink(".secui", filepath.Join(fx.dir, "s")); err != nil {
		t.Fatal(err)
	}
	pl := fx.plan(sarif("", "", fix(change("s/ledger.yaml", rp(`"startLine":1,"startColumn":1,"endColumn":2,"snippet":{"text":"v"}`, ptr("#"))))), 0, Options{})
	if pl.OK() || !strings.Contains(pl.Refusal.Reason, "secui's own file") {
		t.Errorf("through a symlink: %v", pl.Refusal)
	}
}

func TestTooManyReplacementsRefused(t *testing.T) {
	fx := newFixture(t, map[string]string{"a.txt": src})
	reps := make([]string, MaxReplacements+1)
	for i := range reps {
		reps[i] = rp(`"startLine":1,"startColumn":1,"endColumn":1`, ptr("x"))
	}
	fx.refused(sarif(hashed("a.txt", src), "", fix(change("a.txt", reps...))), RefuseRegion, "at most 10000")
}

// The suffix guess that maps a foreign absolute path into the repository
// for display is never used to write.
func TestForeignAbsolutePathRefused(t *testing.T) {
	fx := newFixture(t, map[string]string{"app/a.txt": src})
	fx.refused(sarif("", "", fix(change("/home/runner/work/x/app/a.txt",
		rp(`"startLine":1,"startColumn":1,"endColumn":5,"snippet":{"text":"line"}`, ptr("LINE"))))), RefusePath, repofs.ReasonAbsolute)
	// The same file relative to a base id on the scanning machine is fine.
	doc := sarif(`"originalUriBaseIds":{"SRC":{"uri":"file:///home/runner/work/x/"}}`, "", fix(change("app/a.txt",
		rp(`"startLine":1,"startColumn":1,"endColumn":5,"snippet":{"text":"line"}`, ptr("LINE")))))
	doc = strings.Replace(doc, `"artifactLocation":{"uri":"app/a.txt"}`, `"artifactLocation":{"uri":"app/a.txt","uriBaseId":"SRC"}`, 1)
	fx.apply(doc)
	if !strings.HasPrefix(fx.read("app/a.txt"), "LINE one") {
		t.Errorf("got %q", fx.read("app/a.txt"))
	}
}

func TestMissingFileRefused(t *testing.T) {
	fx := newFixture(t, map[string]string{"a.txt": src})
	fx.refused(sarif("", "", fix(change("new.txt", rp(`"startLine":1,"startColumn":1,"endColumn":1,"snippet":{"text":""}`, ptr("x"))))),
		RefusePath, "does not exist")
}

func TestUnsafeInsertedTextRefused(t *testing.T) {
	fx := newFixture(t, map[string]string{"a.txt": src})
	for _, ins := range []string{"ok\x1b]52;c;aGk=\x07", "access \u202e lever", "a\x00b"} {
		fx.refused(sarif(hashed("a.txt", src), "", fix(change("a.txt",
			rp(`"startLine":1,"startColumn":1,"endColumn":5`, ptr(ins))))), RefuseContent, "control or bidirectional character")
	}
}

func TestBinaryInsertedContent(t *testing.T) {
	fx := newFixture(t, map[string]string{"a.txt": src})
	// "PSBudWxs" is base64 for "= null".
	fx.apply(sarif(hashed("a.txt", src), "", fix(change("a.txt",
		`{"deletedRegion":{"byteOffset":4,"byteLength":4},"insertedContent":{"binary":"PSBudWxs"}}`))))
	if got := fx.read("a.txt"); !strings.HasPrefix(got, "line= null\n") {
		t.Errorf("got %q", got)
	}
	fx.refused(sarif(hashed("a.txt", fx.read("a.txt")), "", fix(change("a.txt",
		`{"deletedRegion":{"byteOffset":0,"byteLength":1},"insertedContent":{"binary":"***"}}`))), RefuseContent, "not base64")
}

func TestChooseFix(t *testing.T) {
	fx := newFixture(t, map[string]string{"a.txt": src})
	doc := sarif(hashed("a.txt", src), "",
		fix(change("a.txt", rp(`"startLine":1,"startColumn":1,"endColumn":5`, ptr("ONE")))),
		fix(change("a.txt", rp(`"startLine":1,"startColumn":1,"endColumn":5`, ptr("TWO")))))
	p := fx.plan(doc, 1, Options{})
	if !p.OK() || p.Index != 2 || p.Of != 2 || !strings.Contains(p.Diff(), "+TWO one") {
		t.Errorf("fix 2: %v %d/%d\n%s", p.Refusal, p.Index, p.Of, p.Diff())
	}
	if p := fx.plan(doc, 2, Options{}); p.OK() || p.Refusal.Kind != RefuseNoFix {
		t.Errorf("fix 3 of 2: %v", p.Refusal)
	}
	fx.refused(sarif("", "", `{"description":{"text":"upgrade the library"}}`), RefuseNoFix, "description only")
}

func TestNoChangeRefused(t *testing.T) {
	fx := newFixture(t, map[string]string{"a.txt": src})
	fx.refused(sarif(hashed("a.txt", src), "", fix(change("a.txt",
		rp(`"startLine":1,"startColumn":1,"endColumn":5`, ptr("line"))))), RefuseNoChange, "changes nothing")
}

// The diff is sanitized: a file line holding escape sequences is shown
// without them (the file itself is written as the fix says).
func TestDiffSanitized(t *testing.T) {
	content := "echo \x1b[31mred\x1b[0m\nx = 1\n"
	fx := newFixture(t, map[string]string{"a.txt": content})
	p := fx.plan(sarif(hashed("a.txt", content), "", fix(change("a.txt",
		rp(`"startLine":1,"startColumn":1,"endColumn":5`, ptr("printf"))))), 0, Options{})
	if !p.OK() {
		t.Fatal(p.Refusal)
	}
	if d := p.Diff(); strings.ContainsRune(d, 0x1b) || !strings.Contains(d, "-echo red") {
		t.Errorf("diff not sanitized: %q", d)
	}
}

// versionControlProvenance: the file's blob at the commit the run names
// must equal the working tree.
func TestVerifiedByCommit(t *testing.T) {
	fx := newFixture(t, map[string]string{"a.txt": src, "b.txt": "other\n"})
	gitRun(t, fx.dir, "init", "-q")
	gitRun(t, fx.dir, "add", ".")
	gitRun(t, fx.dir, "commit", "-q", "-m", "initial")
	head := strings.TrimSpace(gitRun(t, fx.dir, "rev-parse", "HEAD"))
	g, err := OpenGit(fx.dir)
	if err != nil {
		t.Fatal(err)
	}
	doc := sarif(`"versionControlProvenance":[{"repositoryUri":"https://example.com/r","revisionId":"`+head+`"}]`, "", fix(change("a.txt",
		rp(`"startLine":2,"startColumn":13,"endColumn":23`, ptr("shell=False")))))
	p := fx.plan(doc, 0, Options{Git: g})
	if !p.OK() || p.Files[0].Verified.Method != ByCommit || p.Files[0].Verified.Detail != head {
		t.Fatalf("plan: %v %+v", p.Refusal, p.Files)
	}

	// An edit elsewhere in the file since the scanned commit: stale.
	fx.write("a.txt", "new first line\n"+src)
	before := tree(t, fx.dir)
	p = fx.plan(doc, 0, Options{Git: g})
	if p.OK() || p.Refusal.Kind != RefuseStale || !strings.Contains(p.Refusal.Reason, "commit "+head[:12]) {
		t.Fatalf("stale by commit: %v", p.Refusal)
	}
	_ = p.Apply(fx.root)
	sameTree(t, "stale by commit", before, tree(t, fx.dir))

	// A commit this repository does not have: unverifiable.
	fx.write("a.txt", src)
	p = fx.plan(strings.Replace(doc, head, strings.Repeat("ab", 20), 1), 0, Options{Git: g})
	if p.OK() || p.Refusal.Kind != RefuseUnverified || !strings.Contains(p.Refusal.Reason, "not in this repository") {
		t.Fatalf("unknown commit: %v", p.Refusal)
	}
	// A revisionId that is not a commit id is never evaluated as a ref.
	p = fx.plan(strings.Replace(doc, head, "HEAD", 1), 0, Options{Git: g})
	if p.OK() {
		t.Fatal("revisionId HEAD accepted")
	}
}

func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null",
		"GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// The corpus's DevSkim log (a real tool's SARIF) proposes two fixes by
// character offset for crypto.py line 10 ("sha1" at offset 146) and line 6
// ("md5" at offset 72); the result regions carry snippets. On a crypto.py
// that holds that text there, the fixes plan and apply.
func TestCorpusDevSkim(t *testing.T) {
	corpus := testutil.CorpusFile(t, "DefectDojo-django-DefectDojo/devskim_many_vuln.sarif")
	content := strings.Repeat("#", 49) + "\n\n\n\n\n" + "h1 = hashlib.new('md5')\n" +
		strings.Repeat("#", 47) + "\n\n\n" + "h2 = hashlib.new('sha1')\n"
	fx := newFixture(t, map[string]string{"crypto.py": content})
	set, err := findings.Load(context.Background(), []string{corpus}, findings.Options{Root: fx.dir})
	if err != nil {
		t.Fatal(err)
	}
	var f *findings.Finding
	for _, g := range set.Findings {
		if g.Loc.Path == "crypto.py" && g.Loc.Line == 10 {
			f = g
		}
	}
	if f == nil {
		t.Fatal("DevSkim finding at crypto.py:10 not loaded")
	}
	d, err := set.Details(f)
	if err != nil {
		t.Fatal(err)
	}
	p := New(fx.root, f, d, 1, Options{})
	if !p.OK() {
		t.Fatal(p.Refusal)
	}
	if p.Of != 2 || p.Files[0].Verified.Method != BySnippet {
		t.Errorf("plan: fix %d of %d, verified %v", p.Index, p.Of, p.Files[0].Verified)
	}
	if err := p.Apply(fx.root); err != nil {
		t.Fatal(err)
	}
	if got := fx.read("crypto.py"); !strings.HasSuffix(got, "h2 = hashlib.new('sha256')\n") || !strings.Contains(got, "'md5'") {
		t.Errorf("crypto.py after the fix:\n%s", got)
	}
	// Planned again, the file no longer holds the scanned "sha1": stale.
	if p := New(fx.root, f, d, 0, Options{}); p.OK() || p.Refusal.Kind != RefuseStale {
		t.Errorf("second application: %v", p.Refusal)
	}
}
