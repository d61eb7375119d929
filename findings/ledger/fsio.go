package ledger

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/secui/secui/findings/repofs"
)

// The ledger's own file I/O, confined to the repository with findings/repofs:
// the ledger, its lock file, its .gitignore and its temporary files are only
// read and written once the ledger path resolved (symlinks followed) to a
// place inside the working tree and outside .git. A ".secui" symlink leading
// out of the repository is refused before anything is created.

// StaleTempAge is how old a leftover temporary file of the ledger
// ("."+base+".tmp<digits>", from a write killed before its rename) must be
// before the next write removes it. Writers hold the ledger lock, so a
// temporary file seen under the lock is never in use; the age is a second
// guard against writers that do not lock.
const StaleTempAge = 5 * time.Second

// confined opens the repository root and resolves the ledger path in it.
// The caller closes root.
func (l *Ledger) confined() (root *repofs.Root, real string, err error) {
	root, err = repofs.Open(l.root)
	if err != nil {
		return nil, "", err
	}
	real, err = root.Resolve(l.rel)
	if err != nil {
		root.Close()
		return nil, "", fmt.Errorf("ledger %w", err)
	}
	return root, real, nil
}

// readLedger stats and, when changed since last (nil: always), reads the
// ledger. A missing file returns (nil, nil, nil).
func (l *Ledger) readLedger(last os.FileInfo) (st os.FileInfo, data []byte, changed bool, err error) {
	st, data, _, changed, err = l.readLedgerStream(last, false)
	return st, data, changed, err
}

// streamed is a ledger file parsed as it was read (parseStream).
type streamed struct {
	doc Doc
	lay *layout
}

// readLedgerStream is readLedger that, when stream is set, reads a regular
// file of streamMin bytes or more in chunks and parses it as it goes
// (parseStream): then data is nil and parsed holds the records, unless the
// fast decoder could not read the file in chunks, in which case it is read
// whole into data as readLedger does.
func (l *Ledger) readLedgerStream(last os.FileInfo, stream bool) (st os.FileInfo, data []byte, parsed *streamed, changed bool, err error) {
	root, real, err := l.confined()
	if err != nil {
		return nil, nil, nil, false, err
	}
	defer root.Close()
	st, err = root.Stat(real)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil, true, nil
	}
	if err != nil {
		return nil, nil, nil, false, err
	}
	if last != nil && os.SameFile(st, last) && st.Size() == last.Size() && st.ModTime().Equal(last.ModTime()) {
		return st, nil, nil, false, nil
	}
	if stream && st.Mode().IsRegular() && st.Size() >= streamMin {
		if p, err := streamFile(root, real, st); err != nil || p != nil {
			return st, nil, p, true, err
		}
	}
	data, err = root.ReadFile(real, 0)
	return st, data, nil, true, err
}

// streamFile parses the regular file real (st, as stat'ed) as it reads it:
// nil without an error when the fast decoder cannot read it in chunks (or
// it is not the file stat'ed: read it whole, as before).
func streamFile(root *repofs.Root, real string, st os.FileInfo) (*streamed, error) {
	f, err := root.Open(real)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fst, err := f.Stat(); err != nil || !fst.Mode().IsRegular() || !os.SameFile(st, fst) {
		return nil, nil
	}
	doc, lay, ok, err := parseStream(f)
	if err != nil || !ok {
		return nil, err
	}
	return &streamed{doc, lay}, nil
}

// lockLedger creates the ledger's directory and .gitignore if needed and
// takes the ledger lock ("<ledger>.lock", next to the real file).
func (l *Ledger) lockLedger() (unlock func(), err error) {
	root, real, err := l.confined()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	if dir := path.Dir(real); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	ensureGitignore(root, real)
	lk := flock.New(filepath.Join(root.Dir(), filepath.FromSlash(real)) + ".lock")
	if err := lk.Lock(); err != nil {
		return nil, fmt.Errorf("locking %s: %w", l.rel, err)
	}
	return func() { _ = lk.Unlock() }, nil
}

// writePlan replaces the ledger with the content p plans (atomically,
// through repofs), copying its old blocks from the ledger file as it is.
// Call it under the lock.
func (l *Ledger) writePlan(p *plan, now time.Time) (os.FileInfo, error) {
	root, real, err := l.confined()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	RemoveStaleTemps(filepath.Join(root.Dir(), filepath.FromSlash(path.Dir(real))), path.Base(real), now)
	var old *os.File
	if p.hasOld() {
		if old, err = root.Open(real); err != nil {
			return nil, errStale
		}
		defer old.Close()
	}
	if err := root.WriteFileAtomicWith(real, 0o644, func(w *os.File) error { return p.writeTo(w, old) }); err != nil {
		return nil, err
	}
	return root.Stat(real)
}

// RemoveStaleTemps removes the temporary files a killed atomic write of
// dir/base left behind: regular files named "."+base+".tmp" followed by
// digits (what repofs.WriteAtomic creates), last modified StaleTempAge or
// more before now. Nothing else is touched. It returns the names removed.
func RemoveStaleTemps(dir, base string, now time.Time) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	prefix := "." + base + repofs.TempPrefix
	var removed []string
	for _, e := range ents {
		name := e.Name()
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok || rest == "" || strings.Trim(rest, "0123456789") != "" || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil || now.Sub(info.ModTime()) < StaleTempAge {
			continue
		}
		if os.Remove(filepath.Join(dir, name)) == nil {
			removed = append(removed, name)
		}
	}
	return removed
}

// ensureGitignore keeps the lock and temporary files out of git status (a
// .gitignore next to the ledger, written once, only inside the repository).
func ensureGitignore(root *repofs.Root, real string) {
	gi := path.Join(path.Dir(real), ".gitignore")
	if _, err := root.Stat(gi); !errors.Is(err, fs.ErrNotExist) {
		return // present, or refused (a symlink out): leave it alone
	}
	base := path.Base(real)
	_ = root.WriteFileAtomic(gi, []byte("# secui: lock and temporary files of the triage ledger\n"+base+".lock\n."+base+".tmp*\n"), 0o644)
}
