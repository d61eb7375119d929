package findings

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/secui/secui/findings/repofs"
)

func matchAny(patterns []string, rel string) bool {
	for _, p := range patterns {
		if ok, _ := doublestar.Match(p, rel); ok {
			return true
		}
	}
	return false
}

// exportSkip is why discovery leaves out secui's own exports.
const exportSkip = "a secui export (secui export wrote it; pass it explicitly to load it)"

func discover(root string, include, exclude []string) ([]string, error) {
	out, _, err := discoverAll(root, include, exclude)
	return out, err
}

// discoverAll is Discover that also returns the matching entries it did not
// load, each with the reason: a symlink is followed only when its real target
// is a regular file inside root (and not inside .git); FIFOs, devices and
// symlinks to folders are never opened.
func discoverAll(root string, include, exclude []string) ([]string, []*LoadError, error) {
	if include == nil {
		include = DefaultInclude
	}
	if exclude == nil {
		exclude = DefaultExclude
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, nil, err
	}
	var out []string
	var skipped []*LoadError
	seen := map[string]bool{} // real paths, so a link and its target load once
	var rfs *repofs.Root
	defer func() {
		if rfs != nil {
			rfs.Close()
		}
	}()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // unreadable subfolder: skip it, keep going
		}
		rel, rerr := filepath.Rel(root, p)
		if rerr != nil || rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if matchAny(exclude, rel) || matchAny(exclude, rel+"/x") {
				return filepath.SkipDir
			}
			return nil
		}
		if !matchAny(include, rel) || matchAny(exclude, rel) {
			return nil
		}
		skip := func(msg string) { skipped = append(skipped, &LoadError{File: rel, Msg: "skipped: " + msg}) }
		switch t := d.Type(); {
		case t.IsRegular():
			if IsExport(p) {
				skip(exportSkip)
				return nil
			}
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		case t&fs.ModeSymlink != 0:
			if rfs == nil {
				if rfs, err = repofs.Open(root); err != nil {
					rfs = nil
					skip("symlink not followed: " + err.Error())
					return nil
				}
			}
			real, err := rfs.Resolve(rel)
			if err != nil {
				var re *repofs.Error
				if asRepofsErr(err, &re) {
					skip(re.Reason)
				} else {
					skip("broken symlink")
				}
				return nil
			}
			full := filepath.Join(rfs.Dir(), filepath.FromSlash(real))
			st, err := os.Stat(full)
			switch {
			case err != nil:
				skip("broken symlink")
			case st.IsDir():
				skip("symlink to a folder (not followed)")
			case !st.Mode().IsRegular():
				skip("symlink to something other than a regular file")
			case IsExport(full):
				skip(exportSkip)
			default:
				// Loaded under the name it was found by; the real file once.
				if !seen[full] {
					seen[full] = true
					out = append(out, p)
				}
			}
		case t&fs.ModeNamedPipe != 0:
			skip("a FIFO (pass it explicitly to read it)")
		default:
			skip("not a regular file")
		}
		return nil
	})
	// A target found before its link (or after) is loaded once: drop a
	// direct entry whose real path a link already claimed.
	sort.Strings(out)
	out = dedupeReal(out, root)
	return out, skipped, err
}

// dedupeReal keeps the first of several paths with the same real location.
func dedupeReal(paths []string, root string) []string {
	seen := map[string]bool{}
	kept := paths[:0]
	for _, p := range paths {
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			real = p
		}
		if seen[real] {
			continue
		}
		seen[real] = true
		kept = append(kept, p)
	}
	return kept
}

func asRepofsErr(err error, out **repofs.Error) bool {
	e, ok := err.(*repofs.Error)
	if ok {
		*out = e
	}
	return ok
}
