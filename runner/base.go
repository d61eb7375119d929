package runner

import (
	"context"
	"io"
	"os"
	"path"
	"time"

	"github.com/secui/secui/findings/branch"
	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/findings/repofs"
)

// ScanBase runs scanners in baseDir (a temporary checkout of the merge base
// commit, see gitrepo.TempWorktree) and stores each successful run's SARIF
// in the repository at o.Root as branch.BaseDir/<scanner>.sarif, then the
// base record naming commit and ref (written last, listing only the
// scanners that succeeded: new:branch uses the base scan for those and
// changed lines for the others). Nothing is classified or recorded in the
// ledger: a base scan says what existed before this branch, not what was
// fixed.
func ScanBase(ctx context.Context, scanners []*config.Scanner, o Options, baseDir, commit, ref string) ([]*Exec, error) {
	root, err := repofs.Open(o.Root)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	in := o
	in.Root = baseDir
	var execs []*Exec
	var ok []string
	for _, s := range scanners {
		if ctx.Err() != nil {
			break
		}
		x := Execute(ctx, s, in)
		execs = append(execs, x)
		if !x.OK() {
			continue
		}
		err := root.WriteFileAtomicWith(path.Join(branch.BaseDir, s.Name+".sarif"), 0o644, func(f *os.File) error {
			src, err := os.Open(x.sarif)
			if err != nil {
				return err
			}
			defer src.Close()
			_, err = io.Copy(f, src)
			return err
		})
		x.discard()
		if err != nil {
			x.Status, x.Reason = StatusFailed, "storing the base results: "+err.Error()
			continue
		}
		ok = append(ok, s.Name)
	}
	if err := ctx.Err(); err != nil {
		return execs, err
	}
	if len(ok) == 0 {
		return execs, nil
	}
	rec := branch.BaseRecord{Commit: commit, Ref: ref, Scanners: ok, Time: o.now().UTC().Format(time.RFC3339)}
	return execs, branch.WriteBaseRecord(o.Root, rec)
}
