// Package repofs confines secui's file access to the repository's working
// tree. Every file secui reads or writes because of something a SARIF log,
// the ledger or the configuration names (code shown in the detail pane,
// content hashing, fix application, the ledger itself, stored scan results)
// goes through a Root, which
//
//   - refuses empty, absolute and NUL-containing paths, and paths that climb
//     out of the tree ("..");
//   - refuses any path with a ".git" component (case-insensitive), before and
//     after symlinks are resolved: .git/config can hold credential URLs, and
//     nothing secui does belongs in git's own files;
//   - resolves symlinks and refuses a path whose real location lies outside
//     the tree (a directory symlink to /etc, a file symlink to ~/.ssh/...);
//   - then opens the file through an os.Root, so a symlink swapped in between
//     the check and the open still cannot leave the tree.
//
// A refusal is a *Error naming the path and the reason, for the UI to show.
package repofs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// Error is a refused path: Path as given, Reason in words.
type Error struct {
	Path   string
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: refused: %s", e.Path, e.Reason) }

// Refusal reasons (Error.Reason).
const (
	ReasonEmpty    = "empty path"
	ReasonAbsolute = "absolute path (want a path relative to the repository root)"
	ReasonEscape   = "path leaves the repository"
	ReasonGit      = "path is inside .git"
	ReasonSymlink  = "symlink leads out of the repository"
	ReasonNUL      = "path contains a NUL byte"
	ReasonControl  = "path contains control or bidi characters"
	ReasonNotFile  = "not a regular file"
	ReasonTooLarge = "file is too large"
)

// IsRefused reports whether err is (or wraps) a confinement refusal.
func IsRefused(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// Root is a confined repository working tree. It is safe for concurrent use.
type Root struct {
	dir  string // absolute, symlink-free path of the tree
	root *os.Root
}

// Open confines access to the tree at dir.
func Open(dir string) (*Root, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, err
	}
	r, err := os.OpenRoot(real)
	if err != nil {
		return nil, err
	}
	return &Root{dir: real, root: r}, nil
}

// Dir is the tree's absolute, symlink-free path.
func (r *Root) Dir() string { return r.dir }

// Close releases the root's directory handle.
func (r *Root) Close() error { return r.root.Close() }

// Clean checks rel lexically (no symlinks resolved) and returns it cleaned,
// in slash form. Backslashes count as separators, so a SARIF URI written on
// Windows cannot smuggle "..\" past the check.
func Clean(rel string) (string, error) {
	if rel == "" {
		return "", &Error{rel, ReasonEmpty}
	}
	if strings.IndexByte(rel, 0) >= 0 {
		return "", &Error{rel, ReasonNUL}
	}
	if strings.IndexFunc(rel, isControl) >= 0 {
		return "", &Error{rel, ReasonControl}
	}
	s := strings.ReplaceAll(rel, `\`, "/")
	if strings.HasPrefix(s, "/") || filepath.IsAbs(rel) || (len(s) >= 2 && s[1] == ':') {
		return "", &Error{rel, ReasonAbsolute}
	}
	c := path.Clean(s)
	if c == "." {
		return "", &Error{rel, ReasonEmpty}
	}
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", &Error{rel, ReasonEscape}
	}
	if hasGit(c) {
		return "", &Error{rel, ReasonGit}
	}
	return c, nil
}

// isControl reports C0/C1 controls, DEL, bidi controls and line/paragraph
// separators: no real file name needs them, and they make a path lie on
// screen.
func isControl(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	case r == 0x2028 || r == 0x2029:
		return true
	}
	return false
}

func hasGit(slashPath string) bool {
	for _, p := range strings.Split(slashPath, "/") {
		if strings.EqualFold(p, ".git") {
			return true
		}
	}
	return false
}

// Resolve checks rel and returns the repository-relative slash path of its
// real location (symlinks resolved). A path that does not exist yet is
// resolved through its nearest existing parent (for writes).
func (r *Root) Resolve(rel string) (string, error) {
	c, err := Clean(rel)
	if err != nil {
		return "", err
	}
	full := filepath.Join(r.dir, filepath.FromSlash(c))
	real, rest, err := evalExisting(full)
	if err != nil {
		return "", err
	}
	if rest != "" {
		real = filepath.Join(real, rest)
	}
	out, err := filepath.Rel(r.dir, real)
	if err != nil || out == ".." || strings.HasPrefix(out, ".."+string(filepath.Separator)) || filepath.IsAbs(out) {
		return "", &Error{rel, ReasonSymlink}
	}
	out = filepath.ToSlash(out)
	if out == "." {
		return "", &Error{rel, ReasonEmpty}
	}
	if hasGit(out) {
		return "", &Error{rel, ReasonGit}
	}
	return out, nil
}

// evalExisting resolves symlinks of the longest existing prefix of p and
// returns it with the part that does not exist yet.
func evalExisting(p string) (real, rest string, err error) {
	cur, tail := p, ""
	for {
		real, err := filepath.EvalSymlinks(cur)
		if err == nil {
			return real, tail, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", "", err
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return "", "", err
		}
		tail = filepath.Join(filepath.Base(cur), tail)
		cur = parent
	}
}

// Open opens rel for reading.
func (r *Root) Open(rel string) (*os.File, error) {
	real, err := r.Resolve(rel)
	if err != nil {
		return nil, err
	}
	return r.root.Open(filepath.FromSlash(real))
}

// Stat returns the file info of rel's real location.
func (r *Root) Stat(rel string) (fs.FileInfo, error) {
	real, err := r.Resolve(rel)
	if err != nil {
		return nil, err
	}
	return r.root.Stat(filepath.FromSlash(real))
}

// IsFile reports whether rel names a regular file that Open would allow. It
// is cheap for paths that do not exist (no symlink resolution for them).
func (r *Root) IsFile(rel string) bool {
	c, err := Clean(rel)
	if err != nil {
		return false
	}
	st, err := r.root.Stat(filepath.FromSlash(c)) // os.Root: no escape through symlinks
	if err != nil || !st.Mode().IsRegular() {
		return false
	}
	_, err = r.Resolve(c)
	return err == nil
}

// Missing reports whether rel certainly does not exist in the tree: a cheap
// check (one stat, no symlink resolution) for callers that would only fail
// on such a path. false does not mean ReadFile or Open will succeed.
func (r *Root) Missing(rel string) bool {
	c, err := Clean(rel)
	if err != nil {
		return false
	}
	_, err = r.root.Stat(filepath.FromSlash(c))
	return errors.Is(err, fs.ErrNotExist)
}

// ReadFile reads the regular file rel, refusing files larger than max bytes
// (max <= 0: no limit).
func (r *Root) ReadFile(rel string, max int64) ([]byte, error) {
	return r.ReadFileInto(rel, max, nil)
}

// ReadFileInto is ReadFile reading into buf's memory when it is large enough
// (callers reading many files re-use one buffer); the result may alias buf.
func (r *Root) ReadFileInto(rel string, max int64, buf []byte) ([]byte, error) {
	real, err := r.Resolve(rel)
	if err != nil {
		return nil, err
	}
	// O_NONBLOCK: opening a FIFO a SARIF log (or a ledger shard) names must
	// not wait for a writer (it is refused below as not a regular file).
	f, err := r.root.OpenFile(filepath.FromSlash(real), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &Error{rel, ReasonNotFile}
	}
	if max > 0 && st.Size() > max {
		return nil, &Error{rel, fmt.Sprintf("%s (%d bytes, limit %d)", ReasonTooLarge, st.Size(), max)}
	}
	lim := st.Size() + 1
	if max > 0 {
		lim = max + 1
	}
	// Sized for the file as it is (one allocation, no doubling), still
	// bounded by lim if it grows while being read.
	if want := min(st.Size(), lim) + 512; int64(cap(buf)) < want {
		buf = make([]byte, 0, want)
	}
	b := bytes.NewBuffer(buf[:0])
	if _, err := b.ReadFrom(io.LimitReader(f, lim)); err != nil {
		return nil, err
	}
	data := b.Bytes()
	if max > 0 && int64(len(data)) > max {
		return nil, &Error{rel, fmt.Sprintf("%s (limit %d bytes)", ReasonTooLarge, max)}
	}
	return data, nil
}

// MkdirAll creates the directory rel (and parents) inside the tree.
func (r *Root) MkdirAll(rel string, perm os.FileMode) error {
	real, err := r.Resolve(rel)
	if err != nil {
		return err
	}
	return r.root.MkdirAll(filepath.FromSlash(real), perm)
}

// WriteFileAtomic replaces rel with data: a temporary file in the same
// directory is written, fsynced and renamed over rel, then the directory is
// fsynced. A crash leaves the old or the new content, never a torn file.
// perm applies to a new file; an existing file keeps its mode.
func (r *Root) WriteFileAtomic(rel string, data []byte, perm os.FileMode) error {
	real, err := r.Resolve(rel)
	if err != nil {
		return err
	}
	dirRel := path.Dir(real)
	if dirRel != "." {
		if err := r.root.MkdirAll(filepath.FromSlash(dirRel), 0o755); err != nil {
			return err
		}
	}
	if st, err := r.root.Stat(filepath.FromSlash(real)); err == nil {
		if !st.Mode().IsRegular() {
			return &Error{rel, ReasonNotFile}
		}
		perm = st.Mode().Perm()
	}
	return WriteAtomic(filepath.Join(r.dir, filepath.FromSlash(real)), data, perm)
}

// WriteFileAtomicWith is WriteFileAtomic with the content written by write
// into the temporary file (e.g. ranges copied from another file, without
// holding the whole content in memory).
func (r *Root) WriteFileAtomicWith(rel string, perm os.FileMode, write func(*os.File) error) error {
	real, err := r.Resolve(rel)
	if err != nil {
		return err
	}
	if dirRel := path.Dir(real); dirRel != "." {
		if err := r.root.MkdirAll(filepath.FromSlash(dirRel), 0o755); err != nil {
			return err
		}
	}
	if st, err := r.root.Stat(filepath.FromSlash(real)); err == nil {
		if !st.Mode().IsRegular() {
			return &Error{rel, ReasonNotFile}
		}
		perm = st.Mode().Perm()
	}
	return writeAtomic(filepath.Join(r.dir, filepath.FromSlash(real)), perm, write)
}

// TempPrefix is the name prefix of the temporary files WriteAtomic creates
// next to their target: "."+base+TempPrefix.
const TempPrefix = ".tmp"

// WriteAtomic writes data to the absolute path p through a synced temporary
// file in the same directory (named "."+base(p)+".tmp*"), renamed over p;
// then it syncs the directory. It does no confinement: callers that take
// paths from untrusted input use Root.WriteFileAtomic.
func WriteAtomic(p string, data []byte, perm os.FileMode) error {
	return writeAtomic(p, perm, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

func writeAtomic(p string, perm os.FileMode, write func(*os.File) error) error {
	dir := filepath.Dir(p)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(p)+TempPrefix+"*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, p); err != nil {
		return err
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// ReadDir lists the directory rel (its real location, confined).
func (r *Root) ReadDir(rel string) ([]fs.DirEntry, error) {
	real, err := r.Resolve(rel)
	if err != nil {
		return nil, err
	}
	d, err := r.root.Open(filepath.FromSlash(real))
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.ReadDir(-1)
}

// Remove removes the file (or empty directory) rel and syncs its directory.
func (r *Root) Remove(rel string) error {
	real, err := r.Resolve(rel)
	if err != nil {
		return err
	}
	if err := r.root.Remove(filepath.FromSlash(real)); err != nil {
		return err
	}
	return r.syncDir(path.Dir(real))
}

// RemoveAll removes the directory rel and everything in it (nothing when it
// does not exist). The tree it removes is the one under rel's real
// location; os.Root keeps it from following a symlink out.
func (r *Root) RemoveAll(rel string) error {
	real, err := r.Resolve(rel)
	if err != nil {
		return err
	}
	return r.root.RemoveAll(filepath.FromSlash(real))
}

// Rename renames from to to (both inside the tree; to must not exist when
// from is a directory) and syncs the directories involved, so the rename is
// durable when it returns.
func (r *Root) Rename(from, to string) error {
	rf, err := r.Resolve(from)
	if err != nil {
		return err
	}
	rt, err := r.Resolve(to)
	if err != nil {
		return err
	}
	if err := r.root.Rename(filepath.FromSlash(rf), filepath.FromSlash(rt)); err != nil {
		return err
	}
	if err := r.syncDir(path.Dir(rt)); err != nil {
		return err
	}
	if path.Dir(rf) != path.Dir(rt) {
		return r.syncDir(path.Dir(rf))
	}
	return nil
}

// SyncDir fsyncs the directory rel (after files in it were written).
func (r *Root) SyncDir(rel string) error {
	real, err := r.Resolve(rel)
	if err != nil {
		return err
	}
	return r.syncDir(real)
}
