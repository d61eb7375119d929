package findings

import (
	"io/fs"
	"path/filepath"
	"sort"

	"github.com/bmatcuk/doublestar/v4"
)

func matchAny(patterns []string, rel string) bool {
	for _, p := range patterns {
		if ok, _ := doublestar.Match(p, rel); ok {
			return true
		}
	}
	return false
}

func discover(root string, include, exclude []string) ([]string, error) {
	if include == nil {
		include = DefaultInclude
	}
	if exclude == nil {
		exclude = DefaultExclude
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	var out []string
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
		if !d.Type().IsRegular() { // symlinks and devices are not followed
			return nil
		}
		if matchAny(include, rel) && !matchAny(exclude, rel) {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}
