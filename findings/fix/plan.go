// Package fix plans and applies the fixes a scanner proposes in SARIF
// (result.fixes, §3.55–3.57), verified against the file the scan saw.
//
// A fix is planned in memory from all of its artifact changes. Regions are
// placed as SARIF defines them: line/column in the run's columnKind
// (utf16CodeUnits by default, or unicodeCodePoints), charOffset/charLength,
// byteOffset/byteLength; startColumn defaults to 1, endLine to startLine and
// a missing endColumn to the end of the line. Every replacement of a file is
// placed against the unmodified file and applied in one pass; overlapping
// replacements refuse the fix instead of one silently winning.
//
// Before anything is written the file must still be the one scanned: the
// artifact's hashes (run.artifacts[].hashes), the commit the run names
// (versionControlProvenance: the file's blob at that commit equals the
// working tree), or snippets covering every replaced region (the deleted
// region's own snippet, or a snippet of the result's locations). Any of
// them disagreeing refuses the fix as stale; none being available refuses it
// as unverifiable. Paths go through repofs: ".." out of the tree, absolute
// paths and file: URIs elsewhere, symlinks out and .git are refused with
// repofs's reason. A refused plan writes nothing.
//
// Apply writes all files or none (findings/repofs.WriteFilesAtomic); Commit
// commits exactly the fixed files with go-git.
package fix

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/repofs"
)

// DefaultMaxFile is the largest file a fix is planned for.
const DefaultMaxFile = 32 << 20

// Refusal kinds (Refusal.Kind).
const (
	RefuseNoFix      = "no-fix"      // no such fix, or a fix with no file changes
	RefusePath       = "path"        // the file is outside the repository, in .git, missing, ...
	RefuseRegion     = "region"      // a region cannot be placed (past EOF, splits a surrogate pair, no region)
	RefuseOverlap    = "overlap"     // two replacements overlap
	RefuseStale      = "stale"       // the file no longer matches the scan
	RefuseUnverified = "unverified"  // nothing to check the file against
	RefuseContent    = "content"     // the inserted text is unsafe (control or bidi characters) or undecodable
	RefuseNoChange   = "no-change"   // applying the fix would change nothing
	RefuseCommit     = "commit"      // --commit asked, but the repository is not in a state to commit only the fix
	RefuseNotGit     = "not-git"     // a git operation outside a repository
	RefuseMultiple   = "choose"      // several fixes and none chosen
	RefuseChanged    = "changed"     // the file changed between planning and applying
	RefuseEditor     = "editor"      // no editor could be run
	RefuseNoLocation = "no-location" // the finding has no file in the repository to edit
)

// Refusal is why a fix cannot be applied. Reason is sanitized for display.
type Refusal struct {
	Kind   string `json:"kind"`
	Path   string `json:"path,omitempty"`
	Reason string `json:"reason"`
}

func (r *Refusal) Error() string {
	if r.Path != "" && !strings.HasPrefix(r.Reason, r.Path+":") {
		return r.Path + ": " + r.Reason
	}
	return r.Reason
}

func refuse(kind, path, format string, a ...any) *Refusal {
	return &Refusal{Kind: kind, Path: findings.SanitizeLine(path), Reason: findings.SanitizeLine(fmt.Sprintf(format, a...))}
}

// Verification methods (Verification.Method).
const (
	ByHash    = "artifact-hash" // run.artifacts[].hashes match the file
	ByCommit  = "commit"        // the file equals its blob at the commit the run names
	BySnippet = "snippet"       // snippets cover every replaced region
)

// Verification says how a file was checked against the scan.
type Verification struct {
	Method string `json:"method"`
	Detail string `json:"detail"` // "sha-256", the commit, which snippets
}

func (v Verification) String() string {
	if v.Detail == "" {
		return v.Method
	}
	return v.Method + " (" + v.Detail + ")"
}

// File is one file a plan changes.
type File struct {
	Path         string       `json:"path"` // repository-relative, symlinks resolved
	Verified     Verification `json:"verified"`
	Replacements int          `json:"replacements"`
	Hunks        []Hunk       `json:"hunks"`

	old, new []byte
}

// Old and New are the file's content before and after the fix.
func (f *File) Old() []byte { return f.old }

// New is the file's content after the fix.
func (f *File) New() []byte { return f.new }

// Plan is a fix planned in memory: the files and hunks it changes and how
// each file was verified, or the refusal. Texts are sanitized.
type Plan struct {
	Finding     string   `json:"finding"`
	Tool        string   `json:"tool"`
	Rule        string   `json:"rule"`
	Index       int      `json:"fix"`   // 1-based index among the finding's fixes
	Of          int      `json:"fixes"` // how many fixes the finding has
	Description string   `json:"description"`
	Files       []*File  `json:"files"`
	Notes       []string `json:"notes,omitempty"`
	Refusal     *Refusal `json:"refusal"`
}

// OK reports whether the plan can be applied.
func (p *Plan) OK() bool { return p.Refusal == nil }

// Paths are the repository-relative paths the plan changes.
func (p *Plan) Paths() []string {
	out := make([]string, len(p.Files))
	for i, f := range p.Files {
		out[i] = f.Path
	}
	return out
}

// Revisions reads files at a commit (versionControlProvenance checks).
type Revisions interface {
	// Blob returns the content of path (repository-relative) at commit
	// rev. found is false when rev is not a commit of the repository or
	// the path is not in it.
	Blob(rev, path string, max int64) (data []byte, found bool, err error)
}

// MaxReplacements bounds the replacements of one fix.
const MaxReplacements = 10000

// DefaultProtected are secui's own files, which a scanner's fix never
// changes: the ledger (decisions), stored scan results and the
// configuration (it names the commands secui scan runs).
var DefaultProtected = []string{".secui/", ".secui.yaml"}

// Options tune planning.
type Options struct {
	Git     Revisions // nil: commits in versionControlProvenance are not checked
	MaxFile int64     // largest file to plan for (0: DefaultMaxFile)
	// Protected are repository-relative files ("x/y") and directories
	// ("x/") no fix may change, besides DefaultProtected (e.g. a ledger
	// configured elsewhere). Compared case-insensitively.
	Protected []string
}

func protected(path string, extra []string) bool {
	lp := strings.ToLower(path)
	for _, p := range append(slices.Clone(DefaultProtected), extra...) {
		p = strings.ToLower(strings.TrimPrefix(p, "./"))
		if p == lp || (strings.HasSuffix(p, "/") && strings.HasPrefix(lp, p)) {
			return true
		}
	}
	return false
}

// rep is one replacement being planned.
type rep struct {
	change, index int // 0-based, for messages
	r             region
	sp            span
	ins           []byte
	snippet       *string
	bad           string
}

func (x *rep) label(multi bool) string {
	if multi {
		return fmt.Sprintf("change %d replacement %d (%s)", x.change+1, x.index+1, x.r.where())
	}
	return fmt.Sprintf("replacement %d (%s)", x.index+1, x.r.where())
}

type work struct {
	path    string // resolved
	changes []int
	reps    []*rep
	hashes  map[string]string
	rev     string
}

// New plans fix n (0-based) of finding f, whose details are d.
func New(root *repofs.Root, f *findings.Finding, d *findings.Details, n int, opts Options) *Plan {
	p := &Plan{Finding: f.ID, Tool: f.ToolName(), Rule: findings.SanitizeLine(f.RuleID()), Index: n + 1, Of: len(d.Fixes)}
	if n < 0 || n >= len(d.Fixes) {
		switch len(d.Fixes) {
		case 0:
			p.Refusal = refuse(RefuseNoFix, "", "finding %s has no proposed fix in its SARIF result", f.ID)
		default:
			p.Refusal = refuse(RefuseNoFix, "", "finding %s has %d fix(es); there is no fix %d", f.ID, len(d.Fixes), n+1)
		}
		return p
	}
	fx := d.Fixes[n]
	p.Description = findings.SanitizeLine(fx.Description)
	if opts.MaxFile <= 0 {
		opts.MaxFile = DefaultMaxFile
	}
	p.Refusal = p.plan(root, fx, d, opts)
	if p.Refusal != nil {
		p.Files = nil
	}
	return p
}

func (p *Plan) plan(root *repofs.Root, fx findings.Fix, d *findings.Details, opts Options) *Refusal {
	if len(fx.Changes) == 0 {
		return refuse(RefuseNoFix, "", "the fix has no artifactChanges (a description only): there is nothing to apply")
	}
	var works []*work
	byPath := map[string]*work{}
	multi := len(fx.Changes) > 1
	total := 0
	for _, ch := range fx.Changes {
		total += len(ch.Replacements)
	}
	if total > MaxReplacements {
		return refuse(RefuseRegion, "", "the fix has %d replacements (at most %d are applied in one fix)", total, MaxReplacements)
	}
	for ci, ch := range fx.Changes {
		name := firstNonEmpty(ch.Local, ch.URI, ch.Path)
		switch {
		case ch.Scheme != "":
			return refuse(RefusePath, name, "the fix names a %s: URI, not a file in the repository", ch.Scheme)
		case ch.Local == "":
			return refuse(RefusePath, name, "the fix names no file")
		}
		real, err := root.Resolve(ch.Local)
		if err != nil {
			var re *repofs.Error
			if errors.As(err, &re) {
				return refuse(RefusePath, ch.Local, "%s", re.Reason)
			}
			return refuse(RefusePath, ch.Local, "%v", err)
		}
		if protected(real, opts.Protected) {
			return refuse(RefusePath, real, "%s is secui's own file (ledger, scan results or configuration): a scanner's fix never changes it", real)
		}
		if len(ch.Replacements) == 0 {
			return refuse(RefuseNoFix, real, "the change to %s has no replacements", real)
		}
		w := byPath[real]
		if w == nil {
			w = &work{path: real}
			byPath[real] = w
			works = append(works, w)
		}
		w.changes = append(w.changes, ci)
		if len(ch.Hashes) > 0 {
			w.hashes = ch.Hashes
		}
		if ch.Revision != "" {
			w.rev = ch.Revision
		}
		for ri, r := range ch.Replacements {
			x := &rep{change: ci, index: ri, ins: []byte(r.Inserted), bad: r.Bad, r: region{
				startLine: r.StartLine, startCol: r.StartCol, endLine: r.EndLine, endCol: r.EndCol,
				charOffset: r.CharOffset, charLength: r.CharLength, byteOffset: r.ByteOffset, byteLength: r.ByteLength,
			}}
			if r.HasSnippet {
				s := r.Snippet
				x.snippet = &s
			}
			w.reps = append(w.reps, x)
		}
	}
	for _, w := range works {
		f, ref := planFile(root, w, d, opts, multi)
		if ref != nil {
			return ref
		}
		if f.notes != "" {
			p.Notes = append(p.Notes, findings.SanitizeLine(f.notes))
		}
		p.Files = append(p.Files, &f.File)
	}
	return nil
}

type planned struct {
	File
	notes string
}

var hashFuncs = map[string]func() hash.Hash{
	"sha-256": sha256.New, "sha256": sha256.New,
	"sha-512": sha512.New, "sha512": sha512.New,
	"sha-384": sha512.New384, "sha384": sha512.New384,
	"sha-1": sha1.New, "sha1": sha1.New,
	"md5": md5.New,
}

// hashOrder prefers the strongest algorithm when several are listed.
var hashOrder = []string{"sha-512", "sha512", "sha-384", "sha384", "sha-256", "sha256", "sha-1", "sha1", "md5"}

func planFile(root *repofs.Root, w *work, d *findings.Details, opts Options, multi bool) (*planned, *Refusal) {
	data, err := root.ReadFile(w.path, opts.MaxFile)
	if err != nil {
		var re *repofs.Error
		switch {
		case errors.As(err, &re):
			return nil, refuse(RefusePath, w.path, "%s", re.Reason)
		case errors.Is(err, fs.ErrNotExist):
			return nil, refuse(RefusePath, w.path, "the file does not exist (a fix changes files, it never creates them)")
		}
		return nil, refuse(RefusePath, w.path, "%v", err)
	}
	t := newText(data, d.ColumnKind)
	var ver Verification

	// Whole-file evidence first: the artifact's hash says exactly which
	// content was scanned.
	for _, alg := range hashOrder {
		want, ok := w.hashes[alg]
		if !ok {
			continue
		}
		h := hashFuncs[alg]()
		h.Write(data)
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			return nil, refuse(RefuseStale, w.path, "the file changed since the scan: its %s is %.12s…, the scan's artifact hash is %.12s…", alg, got, want)
		}
		ver = Verification{Method: ByHash, Detail: alg}
		break
	}

	// The commit the run names: the file's blob there must equal the
	// working tree, unless the hash or snippets vouch for the file.
	var blobFound, blobSame bool
	var blobErr error
	if w.rev != "" && opts.Git != nil {
		var blob []byte
		blob, blobFound, blobErr = opts.Git.Blob(w.rev, w.path, opts.MaxFile)
		blobSame = blobFound && bytes.Equal(blob, data)
	}

	// Place every replacement against the unmodified file.
	hint := ""
	switch {
	case ver.Method != "" || blobSame:
	case blobFound:
		hint = fmt.Sprintf(" (the file differs from its version at commit %.12s, which the scan names)", w.rev)
	default:
		hint = " (has the file changed since the scan?)"
	}
	for _, x := range w.reps {
		if x.bad != "" {
			return nil, refuse(RefuseContent, w.path, "%s: %s", x.label(multi), x.bad)
		}
		sp, err := t.place(x.r)
		if err != nil {
			kind := RefuseRegion
			if blobFound && !blobSame && ver.Method == "" {
				kind = RefuseStale
			}
			return nil, refuse(kind, w.path, "%s: %v%s", x.label(multi), err, hint)
		}
		x.sp = sp
	}

	// Snippets: a deleted region's own snippet, and the snippets of the
	// result's locations in this file. One that disagrees makes the fix stale.
	var covered []span
	for _, x := range w.reps {
		if x.snippet == nil {
			continue
		}
		if !sameText(data[x.sp.s:x.sp.e], []byte(*x.snippet)) {
			return nil, refuse(RefuseStale, w.path, "the file changed since the scan: the text at %s is not the snippet the scan recorded", x.label(multi))
		}
		covered = append(covered, x.sp)
	}
	nScanned := 0
	for _, sr := range d.Scanned {
		if sr.Scheme != "" || sr.Local == "" {
			continue
		}
		if real, err := root.Resolve(sr.Local); err != nil || real != w.path {
			continue
		}
		r := region{startLine: sr.StartLine, startCol: sr.StartCol, endLine: sr.EndLine, endCol: sr.EndCol,
			charOffset: sr.CharOffset, charLength: sr.CharLength, byteOffset: sr.ByteOffset, byteLength: sr.ByteLength}
		what := "the result's region"
		if sr.Context {
			what = "the result's context region"
		}
		sp, ok := snippetSpan(t, r, sr.Snippet)
		if !ok {
			return nil, refuse(RefuseStale, w.path, "the file changed since the scan: %s (%s) no longer holds the snippet the scan recorded", what, r.where())
		}
		covered = append(covered, sp)
		nScanned++
	}

	slices.SortStableFunc(w.reps, func(a, b *rep) int {
		if a.sp.s != b.sp.s {
			return a.sp.s - b.sp.s
		}
		return (a.sp.e - a.sp.s) - (b.sp.e - b.sp.s) // an insertion before the region starting at its point
	})
	for i := 1; i < len(w.reps); i++ {
		a, b := w.reps[i-1], w.reps[i]
		if b.sp.s < a.sp.e {
			return nil, refuse(RefuseOverlap, w.path, "%s and %s overlap: SARIF gives overlapping edits no order, so secui applies neither", a.label(multi), b.label(multi))
		}
	}

	if ver.Method == "" && allCovered(w.reps, covered) {
		ver = Verification{Method: BySnippet, Detail: snippetDetail(w.reps, nScanned)}
	}
	switch {
	case ver.Method != "":
	case blobErr != nil:
		return nil, refuse(RefuseUnverified, w.path, "reading %s at commit %.12s: %v", w.path, w.rev, blobErr)
	case blobSame:
		ver = Verification{Method: ByCommit, Detail: w.rev}
	case blobFound:
		return nil, refuse(RefuseStale, w.path, "the file changed since the scan: it differs from its version at commit %.12s, which the scan names", w.rev)
	}
	if ver.Method == "" {
		why := "the SARIF gives no artifact hash, no commit in versionControlProvenance and no snippet of every replaced region"
		if w.rev != "" {
			why = fmt.Sprintf("commit %.12s, which the scan names, is not in this repository (or does not hold the file), and no artifact hash or snippet covers every replaced region", w.rev)
		}
		return nil, refuse(RefuseUnverified, w.path, "cannot check that the file is still the one scanned: %s (re-scan, or fix it by hand with --edit)", why)
	}

	// The inserted text is SARIF too: it must not smuggle control or bidi
	// characters into a text file.
	text := utf8.Valid(data)
	crlf := bytes.Contains(data, []byte("\r\n")) && !hasBareLF(data)
	note := ""
	for _, x := range w.reps {
		if !text {
			continue
		}
		if !utf8.Valid(x.ins) {
			return nil, refuse(RefuseContent, w.path, "%s: the inserted text is not valid UTF-8", x.label(multi))
		}
		if r, ok := unsafeRune(x.ins); ok {
			return nil, refuse(RefuseContent, w.path, "%s: the inserted text contains the control or bidirectional character %U", x.label(multi), r)
		}
		if crlf && hasBareLF(x.ins) {
			x.ins = bytes.ReplaceAll(bytes.ReplaceAll(x.ins, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
			note = w.path + ": the inserted text's line endings were made CRLF, like the file's"
		}
	}

	var out bytes.Buffer
	out.Grow(len(data) + 64)
	pos := 0
	for _, x := range w.reps {
		out.Write(data[pos:x.sp.s])
		out.Write(x.ins)
		pos = x.sp.e
	}
	out.Write(data[pos:])
	nw := out.Bytes()
	if bytes.Equal(nw, data) {
		return nil, refuse(RefuseNoChange, w.path, "the fix changes nothing in %s (already applied?)", w.path)
	}
	pf := &planned{File: File{Path: w.path, Verified: ver, Replacements: len(w.reps), old: data, new: nw}, notes: note}
	pf.Hunks = hunks(data, nw)
	return pf, nil
}

func snippetDetail(reps []*rep, scanned int) string {
	own := 0
	for _, x := range reps {
		if x.snippet != nil {
			own++
		}
	}
	var parts []string
	if own > 0 {
		parts = append(parts, fmt.Sprintf("%d deleted-region snippet(s)", own))
	}
	if scanned > 0 {
		parts = append(parts, fmt.Sprintf("%d result snippet(s)", scanned))
	}
	return strings.Join(parts, ", ")
}

// allCovered reports whether every replacement lies inside a verified span
// (an insertion point may sit on its edge).
func allCovered(reps []*rep, cov []span) bool {
	for _, x := range reps {
		ok := false
		for _, c := range cov {
			if c.s <= x.sp.s && x.sp.e <= c.e {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return len(reps) > 0
}

// sameText compares file text with a snippet, ignoring CRLF versus LF.
func sameText(file, snip []byte) bool {
	if bytes.Equal(file, snip) {
		return true
	}
	return bytes.Equal(normNL(file), normNL(snip))
}

func normNL(b []byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
}

// numbered is a line of a snippet that carries its line number ("26: code",
// gosec's form).
var numbered = regexp.MustCompile(`^(\d+): ?(.*)$`)

// snippetSpan checks a result snippet against the file and returns the span
// it vouches for. Accepted forms: the region's exact text; the whole lines
// the region covers; each line prefixed with its number ("26: code", as
// gosec writes snippets). Line endings are compared loosely.
func snippetSpan(t *text, r region, snip string) (span, bool) {
	sp, err := t.place(r)
	if err == nil && sameText(t.data[sp.s:sp.e], []byte(snip)) {
		return sp, true
	}
	trimmed := strings.TrimRight(snip, "\r\n")
	if r.hasLines() {
		el := max(r.endLine, r.startLine)
		if el <= t.lines() {
			ls := span{t.start[r.startLine-1], t.end[el-1]}
			if sameText(bytes.TrimRight(t.data[ls.s:ls.e], "\r\n"), []byte(trimmed)) {
				return ls, true
			}
		}
	}
	lines := strings.Split(strings.ReplaceAll(trimmed, "\r\n", "\n"), "\n")
	lo, hi := 0, 0
	for i, l := range lines {
		m := numbered.FindStringSubmatch(l)
		if m == nil {
			return span{}, false
		}
		n, err := strconv.Atoi(m[1])
		if err != nil || n < 1 || n > t.lines() || string(t.data[t.start[n-1]:t.end[n-1]]) != m[2] {
			return span{}, false
		}
		if i == 0 {
			lo = n
		} else if n != hi+1 {
			return span{}, false
		}
		hi = n
	}
	if lo == 0 {
		return span{}, false
	}
	return span{t.start[lo-1], t.end[hi-1]}, true
}

func hasBareLF(b []byte) bool {
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			return true
		}
	}
	return false
}

// unsafeRune finds a character a fix must not write into a text file: C0
// controls other than tab, newline and carriage return; DEL; C1 controls;
// bidirectional overrides and isolates (Trojan Source); line and paragraph
// separators.
func unsafeRune(b []byte) (rune, bool) {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return r, true
		case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c || r == 0x2028 || r == 0x2029:
			return r, true
		}
	}
	return 0, false
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
