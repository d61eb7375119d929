package repofs

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// FileWrite is one file of a WriteFilesAtomic batch.
type FileWrite struct {
	Path string // relative to the root, checked like every other path
	Data []byte
	// Expect, when non-nil, is the content the file must still hold just
	// before it is replaced (an empty, non-nil slice: an empty file). If any
	// file of the batch differs, nothing is written: someone edited it since
	// the batch was computed.
	Expect []byte
}

// ErrChanged is wrapped by WriteFilesAtomic when a file no longer holds the
// expected content.
var ErrChanged = errors.New("file changed since it was read")

// renameIn renames inside the root; tests replace it to fail a rename.
var renameIn = func(r *os.Root, oldName, newName string) error { return r.Rename(oldName, newName) }

type staged struct {
	real string      // resolved relative path
	tmp  string      // temporary file next to it
	old  []byte      // previous content (nil: did not exist)
	perm fs.FileMode // mode for the new file
	done bool        // renamed over real
}

// WriteFilesAtomic replaces several files together: all or none. For every
// file it writes and fsyncs a temporary file in the same directory (through
// the os.Root, so it cannot leave the tree); then it checks that every file
// still holds its Expect content, renames the temporaries over their targets
// and fsyncs the directories. When a rename fails, the files already
// replaced get their previous content back (by the same temporary-and-rename
// write) and the error is returned; temporaries are removed on every failure.
// Existing files keep their mode; new ones get 0644 (their directory must
// exist). Paths are checked like Resolve; two paths naming the same file are
// refused.
//
// Each file is always whole (old or new content, never torn). Between the
// first and the last rename a crash can leave some files replaced and others
// not; the window is a few renames long.
func (r *Root) WriteFilesAtomic(ws []FileWrite) (err error) {
	st := make([]*staged, 0, len(ws))
	seen := map[string]bool{}
	defer func() {
		if err == nil {
			return
		}
		for _, s := range st {
			if s.tmp != "" && !s.done {
				_ = r.root.Remove(s.tmp)
			}
		}
	}()
	for _, w := range ws {
		real, err := r.Resolve(w.Path)
		if err != nil {
			return err
		}
		if seen[real] {
			return &Error{w.Path, "named twice in one write"}
		}
		seen[real] = true
		s := &staged{real: real, perm: 0o644}
		info, err := r.root.Stat(filepath.FromSlash(real))
		switch {
		case err == nil && !info.Mode().IsRegular():
			return &Error{w.Path, ReasonNotFile}
		case err == nil:
			s.perm = info.Mode().Perm()
			if s.old, err = r.root.ReadFile(filepath.FromSlash(real)); err != nil {
				return err
			}
			if s.old == nil {
				s.old = []byte{}
			}
		case !errors.Is(err, fs.ErrNotExist):
			return err
		}
		st = append(st, s)
		if s.tmp, err = r.writeTemp(real, w.Data, s.perm); err != nil {
			return err
		}
	}
	for i, w := range ws {
		if w.Expect == nil {
			continue
		}
		cur, err := r.root.ReadFile(filepath.FromSlash(st[i].real))
		if err != nil || !bytes.Equal(cur, w.Expect) {
			return fmt.Errorf("%s: %w; nothing written", w.Path, ErrChanged)
		}
	}
	for i, s := range st {
		if err := renameIn(r.root, s.tmp, filepath.FromSlash(s.real)); err != nil {
			rerr := r.rollback(st[:i])
			if rerr != nil {
				return fmt.Errorf("%s: %w; restoring the files already written failed: %v", ws[i].Path, err, rerr)
			}
			return fmt.Errorf("%s: %w; the files already written were restored", ws[i].Path, err)
		}
		s.done = true
	}
	dirs := map[string]bool{}
	for _, s := range st {
		dirs[path.Dir(s.real)] = true
	}
	for d := range dirs {
		if err := r.syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// rollback puts back the previous content of files already renamed.
func (r *Root) rollback(done []*staged) error {
	var errs []error
	for _, s := range done {
		if s.old == nil {
			errs = append(errs, r.root.Remove(filepath.FromSlash(s.real)))
			continue
		}
		tmp, err := r.writeTemp(s.real, s.old, s.perm)
		if err == nil {
			if err = r.root.Rename(tmp, filepath.FromSlash(s.real)); err != nil {
				_ = r.root.Remove(tmp)
			}
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// writeTemp writes data to a new synced temporary file next to real (a
// resolved relative path) and returns the temporary's relative name.
func (r *Root) writeTemp(real string, data []byte, perm fs.FileMode) (string, error) {
	dir, base := path.Split(real)
	var rnd [6]byte
	for range 10 {
		if _, err := rand.Read(rnd[:]); err != nil {
			return "", err
		}
		name := filepath.FromSlash(dir + "." + base + TempPrefix + hex.EncodeToString(rnd[:]))
		f, err := r.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		_, err = f.Write(data)
		if err == nil {
			err = f.Chmod(perm) // umask must not narrow an existing file's mode
		}
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = r.root.Remove(name)
			return "", err
		}
		return name, nil
	}
	return "", fmt.Errorf("%s: no free temporary name", real)
}

func (r *Root) syncDir(rel string) error {
	d, err := r.root.Open(filepath.FromSlash(rel))
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
