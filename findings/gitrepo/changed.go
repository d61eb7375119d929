package gitrepo

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/utils/diff"
	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/secui/secui/findings/repofs"
)

// ChangeStatus says how a file differs from the base.
type ChangeStatus uint8

// Change statuses.
const (
	ChangeModified  ChangeStatus = iota
	ChangeAdded                  // not in the base (committed or staged)
	ChangeRenamed                // renamed (possibly also edited)
	ChangeUntracked              // not known to git yet: every line is new
)

var changeNames = [...]string{"modified", "added", "renamed", "untracked"}

func (s ChangeStatus) String() string { return changeNames[s] }

// LineRange is an inclusive range of 1-based lines.
type LineRange struct{ Start, End int }

// FileChange is what changed in one file of the working tree since the base.
type FileChange struct {
	Path    string // path in the working tree
	OldPath string // path in the base ("" when added or untracked)
	Status  ChangeStatus
	// Lines are the added or changed lines of the working-tree file, sorted.
	Lines []LineRange
	// Whole: every line is new (an added, untracked or binary file).
	Whole bool
}

// Changed reports whether line (1-based) is new or changed. Line 0 (a
// finding about the whole file) counts as changed only when the file is new.
func (fc *FileChange) Changed(line int) bool {
	if fc == nil {
		return false
	}
	if fc.Whole {
		return true
	}
	if line <= 0 {
		return false
	}
	i := sort.Search(len(fc.Lines), func(i int) bool { return fc.Lines[i].End >= line })
	return i < len(fc.Lines) && fc.Lines[i].Start <= line
}

// ChangedLines are the lines of the working tree that differ from a base
// commit: committed on the branch, staged, or not yet staged, plus untracked
// files (every line new). Renamed files are matched to their old path
// (renames git detects, and untracked files identical to a file deleted
// since the base), so moving a file does not make its lines new.
type ChangedLines struct {
	Base  string                 // the commit compared with
	Files map[string]*FileChange // by working-tree path
	Via   string                 // "git" or "go-git"
}

// Changed reports whether line of path (repository-relative) is new or
// changed since the base.
func (c *ChangedLines) Changed(path string, line int) bool {
	if c == nil {
		return false
	}
	return c.Files[path].Changed(line)
}

// ChangedOptions tune ChangedSince.
type ChangedOptions struct {
	// Engine: "" (git when installed, else go-git), "git" or "go-git".
	Engine string
	// MaxFileSize bounds the files read for content (untracked-rename
	// checks; every file in the go-git fallback). Default 8 MiB.
	MaxFileSize int64
}

// ChangedSince computes the lines changed between base (a commit) and the
// working tree. It is cancellable.
func (r *Repo) ChangedSince(ctx context.Context, base string, opts ChangedOptions) (*ChangedLines, error) {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultBlameMaxFile
	}
	if len(base) != 40 || strings.Trim(base, "0123456789abcdef") != "" {
		return nil, fmt.Errorf("changed lines: want a full commit sha, got %q", base)
	}
	useGit := opts.Engine == "git" || (opts.Engine == "" && HasGit())
	if useGit {
		return r.changedGit(ctx, base, opts)
	}
	return r.changedGoGit(ctx, base, opts)
}

// diffArgs fix every output option that user configuration could change.
var diffArgs = []string{
	"-c", "core.quotePath=false", "-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false",
	"-c", "diff.renames=true", "-c", "diff.relative=false",
	"diff", "--no-color", "--no-ext-diff", "--no-textconv", "--no-relative", "--full-index",
	"--ignore-submodules", "-U0", "-M", "--src-prefix=a/", "--dst-prefix=b/",
}

func (r *Repo) changedGit(ctx context.Context, base string, opts ChangedOptions) (*ChangedLines, error) {
	cl := &ChangedLines{Base: base, Files: map[string]*FileChange{}, Via: "git"}
	deleted := map[string]string{} // blob sha -> old path of files deleted since base
	args := append(append([]string(nil), diffArgs...), base, "--")
	err := execGitStream(ctx, r.Root, func(rd io.Reader) error {
		return parseUnifiedDiff(rd, cl, deleted)
	}, args...)
	if err != nil {
		return nil, err
	}
	out, err := execGit(ctx, r.Root, 64<<20, "ls-files", "--others", "--exclude-standard", "-z")
	if err != nil {
		return nil, err
	}
	var rfs *repofs.Root
	if len(deleted) > 0 {
		if rfs, err = repofs.Open(r.Root); err != nil {
			return nil, err
		}
		defer rfs.Close()
	}
	for _, p := range strings.Split(string(out), "\x00") {
		if p == "" {
			continue
		}
		fc := &FileChange{Path: p, Status: ChangeUntracked, Whole: true}
		if rfs != nil {
			// An untracked file identical to a deleted one is a move.
			if data, err := rfs.ReadFile(p, opts.MaxFileSize); err == nil {
				if old, ok := deleted[blobSHA(data)]; ok {
					fc = &FileChange{Path: p, OldPath: old, Status: ChangeRenamed}
				}
			}
		}
		cl.Files[p] = fc
	}
	return cl, nil
}

// blobSHA is git's object id of a blob with these bytes.
func blobSHA(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return fmt.Sprintf("%x", h.Sum(nil))
}

// parseUnifiedDiff reads `git diff -U0 --full-index` output into cl and
// records files deleted since the base (blob sha -> path) in deleted.
// Content lines are skipped unread beyond what is needed to count them.
func parseUnifiedDiff(rd io.Reader, cl *ChangedLines, deleted map[string]string) error {
	br := bufio.NewReaderSize(rd, 64<<10)
	var (
		cur                *FileChange
		oldPath, newPath   string
		oldBlob            string
		isNew, isDel, isRn bool
		remaining          int // content lines left in the current hunk
	)
	finish := func() {
		if cur == nil {
			return
		}
		switch {
		case isDel:
			if oldBlob != "" && strings.Trim(oldBlob, "0") != "" {
				deleted[oldBlob] = oldPath
			}
		default:
			if newPath != "" {
				cur.Path = newPath
				switch {
				case isNew:
					cur.Status, cur.Whole, cur.OldPath, cur.Lines = ChangeAdded, true, "", nil
				case isRn || (oldPath != "" && oldPath != newPath):
					cur.Status, cur.OldPath = ChangeRenamed, oldPath
				default:
					cur.Status, cur.OldPath = ChangeModified, oldPath
				}
				cl.Files[newPath] = cur
			}
		}
		cur = nil
	}
	for {
		line, err := readLine(br)
		if len(line) == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				finish()
				return nil
			}
			return err
		}
		if remaining > 0 {
			switch line[0] {
			case '+', '-':
				remaining--
				continue
			case '\\':
				continue // "\ No newline at end of file"
			}
			remaining = 0 // malformed: fall through to header parsing
		}
		s := string(line)
		switch {
		case strings.HasPrefix(s, "diff --git "):
			finish()
			cur = &FileChange{}
			oldPath, newPath, oldBlob = "", "", ""
			isNew, isDel, isRn = false, false, false
			if a, b, ok := splitDiffGitLine(s[len("diff --git "):]); ok {
				oldPath, newPath = a, b
			}
		case cur == nil:
		case strings.HasPrefix(s, "new file mode"):
			isNew = true
		case strings.HasPrefix(s, "deleted file mode"):
			isDel = true
		case strings.HasPrefix(s, "rename from "):
			isRn, oldPath = true, unquotePath(s[len("rename from "):])
		case strings.HasPrefix(s, "rename to "):
			isRn, newPath = true, unquotePath(s[len("rename to "):])
		case strings.HasPrefix(s, "index "):
			if blobs, _, _ := strings.Cut(s[len("index "):], " "); true {
				oldBlob, _, _ = strings.Cut(blobs, "..")
			}
		case strings.HasPrefix(s, "--- "):
			// git ends a name holding a space with a tab
			if p := strings.TrimSuffix(s[4:], "\t"); p != "/dev/null" {
				oldPath = strings.TrimPrefix(unquotePath(p), "a/")
			}
		case strings.HasPrefix(s, "+++ "):
			if p := strings.TrimSuffix(s[4:], "\t"); p != "/dev/null" {
				newPath = strings.TrimPrefix(unquotePath(p), "b/")
			}
		case strings.HasPrefix(s, "Binary files "):
			if !isDel {
				cur.Whole = true
			}
		case strings.HasPrefix(s, "@@ "):
			ol, nl, start, ok := parseHunkHeader(s)
			if !ok {
				return fmt.Errorf("git diff: bad hunk header %q", firstN(s, 80))
			}
			remaining = ol + nl
			if nl > 0 {
				cur.Lines = appendRange(cur.Lines, LineRange{start, start + nl - 1})
			}
		}
	}
}

// readLine reads one line without its newline; a line longer than the
// buffer is returned cut (only its first bytes matter here).
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		head := append([]byte(nil), line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = br.ReadSlice('\n')
		}
		return head, err
	}
	return bytes.TrimSuffix(line, []byte("\n")), err
}

// splitDiffGitLine splits `a/x b/y` (either may be quoted) into x and y.
// Unquoted paths with spaces are ambiguous; "rename to"/"+++" lines that
// follow give the real paths.
func splitDiffGitLine(s string) (string, string, bool) {
	var parts []string
	for len(s) > 0 && len(parts) < 2 {
		s = strings.TrimLeft(s, " ")
		if strings.HasPrefix(s, `"`) {
			end := 1
			for end < len(s) && s[end] != '"' {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(s) {
				return "", "", false
			}
			parts = append(parts, unquotePath(s[:end+1]))
			s = s[end+1:]
			continue
		}
		if len(parts) == 0 {
			// a/x b/y with no quotes: split at " b/" (the middle).
			if i := strings.Index(s, " b/"); i >= 0 {
				parts = append(parts, s[:i])
				s = s[i+1:]
				continue
			}
		}
		parts = append(parts, s)
		s = ""
	}
	if len(parts) != 2 {
		return "", "", false
	}
	return strings.TrimPrefix(parts[0], "a/"), strings.TrimPrefix(parts[1], "b/"), true
}

// unquotePath undoes git's C-style quoting of unusual paths.
func unquotePath(p string) string {
	if len(p) >= 2 && p[0] == '"' && p[len(p)-1] == '"' {
		if u, err := strconv.Unquote(p); err == nil {
			return u
		}
	}
	return p
}

// parseHunkHeader reads "@@ -a[,b] +c[,d] @@": the counts of old and new
// lines and the first new line.
func parseHunkHeader(s string) (oldN, newN, newStart int, ok bool) {
	f := strings.Fields(s)
	if len(f) < 3 || !strings.HasPrefix(f[1], "-") || !strings.HasPrefix(f[2], "+") {
		return 0, 0, 0, false
	}
	rng := func(x string) (start, n int, ok bool) {
		a, b, has := strings.Cut(x, ",")
		start, err := strconv.Atoi(a)
		if err != nil {
			return 0, 0, false
		}
		n = 1
		if has {
			if n, err = strconv.Atoi(b); err != nil {
				return 0, 0, false
			}
		}
		return start, n, true
	}
	_, oldN, ok1 := rng(f[1][1:])
	newStart, newN, ok2 := rng(f[2][1:])
	return oldN, newN, newStart, ok1 && ok2
}

// appendRange appends r, merging it with the last range when they touch.
func appendRange(rs []LineRange, r LineRange) []LineRange {
	if n := len(rs); n > 0 && rs[n-1].End+1 >= r.Start && r.Start >= rs[n-1].Start {
		if r.End > rs[n-1].End {
			rs[n-1].End = r.End
		}
		return rs
	}
	return append(rs, r)
}

// changedGoGit is the fallback without git: the base tree is diffed with
// HEAD's (with rename detection), the worktree status adds uncommitted
// changes, and each touched file is line-diffed against its base version.
func (r *Repo) changedGoGit(ctx context.Context, base string, opts ChangedOptions) (*ChangedLines, error) {
	cl := &ChangedLines{Base: base, Files: map[string]*FileChange{}, Via: "go-git"}
	bc, err := r.repo.CommitObject(plumbing.NewHash(base))
	if err != nil {
		return nil, fmt.Errorf("base commit %s: %w", base[:7], err)
	}
	baseTree, err := bc.Tree()
	if err != nil {
		return nil, err
	}
	oldOf := map[string]string{} // working path -> base path ("" = added)
	if head, err := r.currentHead(); err == nil && head != base {
		hc, err := r.repo.CommitObject(plumbing.NewHash(head))
		if err != nil {
			return nil, err
		}
		headTree, err := hc.Tree()
		if err != nil {
			return nil, err
		}
		changes, err := object.DiffTreeWithOptions(ctx, baseTree, headTree, object.DefaultDiffTreeOptions)
		if err != nil {
			return nil, err
		}
		for _, ch := range changes {
			if ch.To.Name != "" {
				oldOf[ch.To.Name] = ch.From.Name
			}
		}
	}
	wt, err := r.repo.Worktree()
	if err != nil {
		return nil, err
	}
	st, err := wt.Status()
	if err != nil {
		return nil, err
	}
	untracked := map[string]bool{}
	deleted := map[string]string{} // base blob sha -> base path
	for p, fs := range st {
		if fs.Worktree == git.Untracked {
			untracked[p] = true
			continue
		}
		if fs.Worktree == git.Deleted {
			if bf, err := baseTree.File(p); err == nil {
				deleted[bf.Hash.String()] = p
			}
		}
		if _, ok := oldOf[p]; !ok {
			if _, err := baseTree.File(p); err == nil {
				oldOf[p] = p
			} else {
				oldOf[p] = ""
			}
		}
	}
	rfs, err := repofs.Open(r.Root)
	if err != nil {
		return nil, err
	}
	defer rfs.Close()
	for p, old := range oldOf {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		work, err := rfs.ReadFile(p, opts.MaxFileSize)
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted in the working tree
		}
		fc := &FileChange{Path: p, OldPath: old}
		switch {
		case old == "":
			fc.Status, fc.Whole = ChangeAdded, true
		case old != p:
			fc.Status = ChangeRenamed
		}
		if err != nil || old == "" {
			if err != nil {
				fc.Whole = true // unreadable or too large: treat as changed
			}
			cl.Files[p] = fc
			continue
		}
		bf, err := baseTree.File(filepath.ToSlash(old))
		if err != nil {
			fc.Whole = true
			cl.Files[p] = fc
			continue
		}
		oldText, err := bf.Contents()
		if err != nil {
			return nil, err
		}
		fc.Lines = addedLines(oldText, string(work))
		if len(fc.Lines) > 0 || fc.Status == ChangeRenamed {
			cl.Files[p] = fc
		}
	}
	for p := range untracked {
		fc := &FileChange{Path: p, Status: ChangeUntracked, Whole: true}
		if len(deleted) > 0 {
			if data, err := rfs.ReadFile(p, opts.MaxFileSize); err == nil {
				if old, ok := deleted[blobSHA(data)]; ok {
					fc = &FileChange{Path: p, OldPath: old, Status: ChangeRenamed}
				}
			}
		}
		cl.Files[p] = fc
	}
	return cl, nil
}

// addedLines lists the lines of new that are not in old (line diff).
func addedLines(old, new string) []LineRange {
	var rs []LineRange
	ln := 0
	for _, d := range diff.Do(old, new) {
		c := strings.Count(d.Text, "\n")
		if d.Text != "" && !strings.HasSuffix(d.Text, "\n") {
			c++
		}
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			ln += c
		case diffmatchpatch.DiffInsert:
			if c > 0 {
				rs = appendRange(rs, LineRange{ln + 1, ln + c})
			}
			ln += c
		}
	}
	return rs
}
