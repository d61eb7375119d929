package gitrepo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/utils/diff"
	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/secui/secui/findings/repofs"
)

// BlameStatus says what is known about the origin of a line.
type BlameStatus uint8

// Blame statuses.
const (
	// BlameCommitted: Commit, Author, Email, AuthorTime and Summary are set.
	BlameCommitted BlameStatus = iota
	// BlameUncommitted: the line is not committed yet (changed in the
	// working tree, or the file is untracked, or the branch has no commit).
	BlameUncommitted
	// BlameUnknown: blame gave up within its bounds; Reason says why
	// ("too large: ...", "timed out after 10s ...").
	BlameUnknown
)

func (s BlameStatus) String() string {
	switch s {
	case BlameCommitted:
		return "committed"
	case BlameUncommitted:
		return "not committed yet"
	}
	return "unknown"
}

// Blame is the origin of one line of the working tree. Author, Email and
// Summary come from commits and are untrusted text: sanitise before showing.
type Blame struct {
	Path   string // repository-relative path blamed (symlinks resolved)
	Line   int    // 1-based line in the working-tree file
	Status BlameStatus
	Reason string // BlameUnknown (and some BlameUncommitted): why, in words

	Commit     string    // full hex sha
	Author     string    // author name
	Email      string    // author e-mail, without <>
	AuthorTime time.Time // author date
	Summary    string    // first line of the commit message
	// OrigPath and OrigLine are the file's path and the line's number in
	// Commit (the path differs after a rename); "" and 0 when unknown (the
	// go-git fallback does not report them).
	OrigPath string
	OrigLine int
	// Boundary is set when the commit is a boundary of the search (a root
	// commit, or the oldest one a shallow clone has): the line may be older.
	Boundary bool
	// Via is how blame was computed: "git" (the git binary) or "go-git".
	Via string
}

// Short is the 7-character commit abbreviation ("" when not committed).
func (b *Blame) Short() string {
	if len(b.Commit) < 7 {
		return b.Commit
	}
	return b.Commit[:7]
}

// Age is how long before now the line was authored (0 when not committed).
func (b *Blame) Age(now time.Time) time.Duration {
	if b.Status != BlameCommitted || b.AuthorTime.IsZero() {
		return 0
	}
	if d := now.Sub(b.AuthorTime); d > 0 {
		return d
	}
	return 0
}

// AgeText is a short human age: "3 days ago", "2 years ago", "just now".
func AgeText(d time.Duration) string {
	const day = 24 * time.Hour
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit + " ago"
		}
		return strconv.FormatInt(n, 10) + " " + unit + "s ago"
	}
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int64(d/time.Minute), "minute")
	case d < day:
		return plural(int64(d/time.Hour), "hour")
	case d < 60*day:
		return plural(int64(d/day), "day")
	case d < 730*day:
		return plural(int64(d/(30*day)), "month")
	}
	return plural(int64(d/(365*day)), "year")
}

// BlameOptions bound a blame. Zero values mean the defaults.
type BlameOptions struct {
	// MaxFileSize: files larger than this are not blamed (BlameUnknown,
	// "too large"). Default DefaultBlameMaxFile.
	MaxFileSize int64
	// Timeout is the time budget; past it the result is BlameUnknown
	// ("timed out"). Default DefaultBlameTimeout.
	Timeout time.Duration
	// Engine picks the implementation: "" (the git binary when installed,
	// else go-git), "git" or "go-git".
	Engine string
}

// Blame defaults.
const (
	DefaultBlameMaxFile = 8 << 20
	DefaultBlameTimeout = 10 * time.Second
)

// notCommitted is git's all-zero sha for lines of the working tree.
const notCommitted = "0000000000000000000000000000000000000000"

// BlameLine finds who last changed line (1-based) of the working-tree file
// path (repository-relative, as a SARIF location names it; it is confined
// with repofs: nothing outside the tree or inside .git is read).
//
// It is bounded: a file over opts.MaxFileSize, or a history that takes longer
// than opts.Timeout, gives a *Blame with Status BlameUnknown and a Reason
// instead of hanging. When ctx is cancelled it returns ctx.Err() promptly
// (the git process is killed). Errors are for bad input: a refused path, a
// line past the end of the file, a missing file.
//
// With the git binary it runs `git blame --porcelain -L n,n` on the
// working-tree file, which follows renames and marks uncommitted lines. The
// go-git fallback blames HEAD's version of the whole file, maps the working
// line to it with a line diff (a changed line is "not committed yet"); it
// also follows renames but reports no OrigPath/OrigLine.
func (r *Repo) BlameLine(ctx context.Context, path string, line int, opts BlameOptions) (*Blame, error) {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultBlameMaxFile
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultBlameTimeout
	}
	if line < 1 {
		return nil, fmt.Errorf("%s: line %d: want a line number of 1 or more", path, line)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root, err := repofs.Open(r.Root)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	rel, err := root.Resolve(path)
	if err != nil {
		return nil, err
	}
	st, err := root.Stat(rel)
	if err != nil {
		return nil, err
	}
	b := &Blame{Path: rel, Line: line}
	if !st.Mode().IsRegular() {
		return nil, &repofs.Error{Path: path, Reason: repofs.ReasonNotFile}
	}
	if st.Size() > opts.MaxFileSize {
		b.Status = BlameUnknown
		b.Reason = fmt.Sprintf("too large: %s is %s (limit %s)", rel, sizeText(st.Size()), sizeText(opts.MaxFileSize))
		return b, nil
	}
	if r.Head == "" {
		b.Status, b.Reason = BlameUncommitted, "the branch has no commit yet"
		return b, nil
	}
	engine := opts.Engine
	if engine == "" {
		engine = "go-git"
		if HasGit() {
			engine = "git"
		}
	}
	tctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	switch engine {
	case "git":
		b.Via = "git"
		err = r.blameGit(tctx, b)
	case "go-git":
		b.Via = "go-git"
		err = r.blameGoGit(tctx, root, b, opts.MaxFileSize)
	default:
		return nil, fmt.Errorf("blame: unknown engine %q (want git or go-git)", opts.Engine)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, context.DeadlineExceeded) {
			*b = Blame{Path: rel, Line: line, Via: b.Via, Status: BlameUnknown,
				Reason: fmt.Sprintf("timed out after %s (history too long)", opts.Timeout)}
			return b, nil
		}
		return nil, err
	}
	return b, nil
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// blameGit runs git blame --porcelain for b.Line of b.Path.
func (r *Repo) blameGit(ctx context.Context, b *Blame) error {
	ln := strconv.Itoa(b.Line)
	out, err := execGit(ctx, r.Root, 1<<20, "blame", "--porcelain", "-L", ln+","+ln, "--", b.Path)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case stderrContains(err, "no such path") || stderrContains(err, "not tracked") || stderrContains(err, "does not exist in"):
			b.Status, b.Reason = BlameUncommitted, "the file is not committed yet"
			return nil
		case stderrContains(err, "has only"):
			return fmt.Errorf("%s: line %d is past the end of the file", b.Path, b.Line)
		}
		return err
	}
	return parsePorcelain(out, b)
}

// parsePorcelain reads the one entry of `git blame --porcelain -L n,n`.
// The line's content (after the tab) is never kept: a line can hold a secret.
func parsePorcelain(out []byte, b *Blame) error {
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	if !sc.Scan() {
		return errors.New("git blame: empty output")
	}
	hdr := strings.Fields(sc.Text())
	if len(hdr) < 3 || len(hdr[0]) < 40 {
		return fmt.Errorf("git blame: unexpected output %q", firstN(sc.Text(), 60))
	}
	b.Commit = hdr[0]
	b.OrigLine, _ = strconv.Atoi(hdr[1])
	var tz string
	var unix int64
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "\t") {
			break // the line's content: not kept
		}
		k, v, _ := strings.Cut(l, " ")
		switch k {
		case "author":
			b.Author = v
		case "author-mail":
			b.Email = strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">")
		case "author-time":
			unix, _ = strconv.ParseInt(v, 10, 64)
		case "author-tz":
			tz = v
		case "summary":
			b.Summary = v
		case "filename":
			b.OrigPath = v
		case "boundary":
			b.Boundary = true
		}
	}
	if b.Commit == notCommitted {
		*b = Blame{Path: b.Path, Line: b.Line, Via: b.Via, Status: BlameUncommitted}
		return nil
	}
	b.Status = BlameCommitted
	if unix > 0 {
		b.AuthorTime = time.Unix(unix, 0).In(tzLocation(tz))
	}
	if b.OrigPath == "" {
		b.OrigPath = b.Path
	}
	return nil
}

// tzLocation turns git's "+0200" into a fixed zone (UTC when malformed).
func tzLocation(tz string) *time.Location {
	if len(tz) != 5 || (tz[0] != '+' && tz[0] != '-') {
		return time.UTC
	}
	h, err1 := strconv.Atoi(tz[1:3])
	m, err2 := strconv.Atoi(tz[3:5])
	if err1 != nil || err2 != nil {
		return time.UTC
	}
	off := h*3600 + m*60
	if tz[0] == '-' {
		off = -off
	}
	return time.FixedZone(tz, off)
}

func firstN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// goGitBlameSlot allows one go-git blame at a time. go-git's Blame cannot be
// cancelled: when ctx ends first the computation finishes in the background
// and still holds the slot, so abandoned blames never pile up.
var goGitBlameSlot = make(chan struct{}, 1)

// blameGoGit is the fallback without a git binary.
func (r *Repo) blameGoGit(ctx context.Context, root *repofs.Root, b *Blame, maxFile int64) error {
	work, err := root.ReadFile(b.Path, maxFile)
	if err != nil {
		return err
	}
	workLines := splitLines(string(work))
	if b.Line > len(workLines) {
		return fmt.Errorf("%s: line %d is past the end of the file (%d lines)", b.Path, b.Line, len(workLines))
	}
	head, err := r.repo.CommitObject(plumbing.NewHash(r.Head))
	if err != nil {
		return fmt.Errorf("read HEAD commit: %w", err)
	}
	gitPath := filepath.ToSlash(b.Path)
	hf, err := head.File(gitPath)
	if err != nil {
		if errors.Is(err, object.ErrFileNotFound) {
			b.Status, b.Reason = BlameUncommitted, "the file is not committed yet"
			return nil
		}
		return err
	}
	if hf.Size > maxFile {
		b.Status = BlameUnknown
		b.Reason = fmt.Sprintf("too large: %s at HEAD is %s (limit %s)", b.Path, sizeText(hf.Size), sizeText(maxFile))
		return nil
	}
	headText, err := hf.Contents()
	if err != nil {
		return err
	}
	headLine, ok := mapLine(headText, string(work), b.Line)
	if !ok {
		*b = Blame{Path: b.Path, Line: b.Line, Via: b.Via, Status: BlameUncommitted}
		return nil
	}
	res, err := goGitBlame(ctx, head, gitPath)
	if err != nil {
		return fmt.Errorf("blame %s: %w", b.Path, err)
	}
	if headLine > len(res.Lines) {
		return fmt.Errorf("blame %s: line %d not in the committed version", b.Path, headLine)
	}
	l := res.Lines[headLine-1]
	b.Status = BlameCommitted
	b.Commit = l.Hash.String()
	b.Author = l.AuthorName
	b.Email = l.Author
	b.AuthorTime = l.Date
	if c, err := r.repo.CommitObject(l.Hash); err == nil {
		b.Summary, _, _ = strings.Cut(strings.TrimSpace(c.Message), "\n")
		b.Boundary = c.NumParents() == 0
	}
	return nil
}

// goGitBlame runs go-git's whole-file blame, giving up when ctx ends.
func goGitBlame(ctx context.Context, c *object.Commit, path string) (*git.BlameResult, error) {
	select {
	case goGitBlameSlot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	type result struct {
		res *git.BlameResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() { <-goGitBlameSlot }()
		res, err := git.Blame(c, path)
		done <- result{res, err}
	}()
	select {
	case r := <-done:
		return r.res, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// splitLines splits text into lines without their terminators (a final
// newline does not start an empty line).
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	s = strings.TrimSuffix(s, "\n")
	return strings.Split(s, "\n")
}

// mapLine maps line n (1-based) of new to its line in old through a line
// diff; ok is false when the line is new or changed.
func mapLine(old, new string, n int) (int, bool) {
	if old == new {
		return n, true
	}
	oldLn, newLn := 0, 0
	for _, d := range diff.Do(old, new) {
		c := strings.Count(d.Text, "\n")
		if !strings.HasSuffix(d.Text, "\n") && d.Text != "" {
			c++ // last line without a newline
		}
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			if n <= newLn+c {
				return oldLn + (n - newLn), true
			}
			oldLn += c
			newLn += c
		case diffmatchpatch.DiffInsert:
			if n <= newLn+c {
				return 0, false
			}
			newLn += c
		case diffmatchpatch.DiffDelete:
			oldLn += c
		}
	}
	return 0, false
}
