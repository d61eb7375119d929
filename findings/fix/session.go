package fix

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/repofs"
)

// This file is the fix workflow shared by `secui fix` and the console's fix
// screen: which plans to show, applying one (optionally committing it) and
// recording the finding as fixed (pending scan), and the hand-edit flow.

// PendingState is how a fixed finding waiting for its re-scan is shown.
const PendingState = "fixed (pending scan)"

// Plans returns the plans for f: fix n (1-based) when n > 0, else every
// fix the finding has (one plan, refused with RefuseNoFix, when it has none).
func Plans(root *repofs.Root, f *findings.Finding, d *findings.Details, n int, opts Options) []*Plan {
	switch {
	case n > 0:
		return []*Plan{New(root, f, d, n-1, opts)}
	case len(d.Fixes) <= 1:
		return []*Plan{New(root, f, d, 0, opts)}
	}
	out := make([]*Plan, 0, len(d.Fixes))
	for i := range d.Fixes {
		out = append(out, New(root, f, d, i, opts))
	}
	return out
}

// Record is where and how an applied fix or a hand edit is recorded.
type Record struct {
	Ledger  *ledger.Ledger
	Overlay *ledger.Overlay // the overlay the finding was matched with (nil: by id)
	Author  string          // the decision author ("Name <email>")
	Now     time.Time
	// Evidence returns the finding's evidence as it is now (nil: none).
	Evidence func(*findings.Finding) evidence.Evidence
}

func (r Record) request(req ledger.Request) ledger.Request {
	req.Overlay = r.Overlay
	if req.Evidence == nil {
		req.Evidence = r.Evidence
	}
	return req
}

// ApplyOptions configure ApplyAndRecord.
type ApplyOptions struct {
	Record
	// Commit commits exactly the fixed files with Git (refused before
	// writing when Git is nil or the repository is not ready).
	Commit bool
	Git    *Git
	// CommitName and CommitEmail are the commit's author.
	CommitName, CommitEmail string
}

// Applied is what ApplyAndRecord did.
type Applied struct {
	Paths  []string
	Commit string // the fix commit ("" when not committed)
	Ledger string // the ledger's repository-relative path
}

// ApplyAndRecord writes p (all files or none), commits it when asked and
// records f as fixed (pending scan) with the fix's source. A refusal (the
// plan's own, a repository not ready to commit, a file changed since it was
// planned) is returned as a *Refusal and stored in p.Refusal; nothing is
// written then. Other errors say what was already done.
func ApplyAndRecord(root *repofs.Root, f *findings.Finding, p *Plan, o ApplyOptions) (*Applied, error) {
	if o.Ledger == nil {
		return nil, errors.New("no ledger to record the fix in")
	}
	if p.OK() && o.Commit {
		if o.Git == nil {
			p.Refusal = &Refusal{Kind: RefuseNotGit, Reason: "cannot open the git repository to commit"}
		} else if err := o.Git.ReadyToCommit(p.Paths()); err != nil {
			var r *Refusal
			if errors.As(err, &r) {
				p.Refusal = r
			} else {
				p.Refusal = &Refusal{Kind: RefuseCommit, Reason: findings.SanitizeLine(err.Error())}
			}
		}
	}
	if !p.OK() {
		return nil, p.Refusal
	}
	if err := p.Apply(root); err != nil {
		var r *Refusal
		if errors.As(err, &r) {
			p.Refusal = r
			return nil, r
		}
		return nil, fmt.Errorf("applying the fix: %w", err)
	}
	a := &Applied{Paths: p.Paths()}
	if o.Commit {
		h, err := o.Git.Commit(p.Paths(), p.CommitMessage(), o.CommitName, o.CommitEmail, o.Now)
		if err != nil {
			return a, fmt.Errorf("the fix was written to %s but committing it failed: %w", strings.Join(p.Paths(), ", "), err)
		}
		a.Commit = h
	}
	if err := o.Ledger.Decide([]*findings.Finding{f}, o.request(p.Request(o.Author, o.Now, a.Commit))); err != nil {
		return a, fmt.Errorf("the fix was written but recording it in %s failed: %w", o.Ledger.RelPath(), err)
	}
	a.Ledger = o.Ledger.RelPath()
	return a, nil
}

// Edit is a hand edit of a finding's file, prepared before the editor runs.
type Edit struct {
	Path      string // repository-relative, symlinks resolved
	Abs       string // absolute path to give the editor
	Line, Col int
	before    []byte
}

// PrepareEdit resolves f's file inside the repository and reads it, so
// Changed can tell whether the editor changed it. A finding without a file
// in the repository is refused (RefuseNoLocation), a path escaping it with
// RefusePath.
func PrepareEdit(root *repofs.Root, f *findings.Finding) (*Edit, error) {
	if !f.Loc.InRepo || f.Loc.Path == "" {
		return nil, refuse(RefuseNoLocation, "", "finding %s has no file in the repository to edit (%s)", f.ID, findings.SanitizeLine(f.Loc.String()))
	}
	real, err := root.Resolve(f.Loc.Path)
	if err != nil {
		return nil, refuse(RefusePath, "", "%s", findings.SanitizeLine(err.Error()))
	}
	before, err := root.ReadFile(real, DefaultMaxFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, refuse(RefusePath, "", "%s does not exist in the working tree", real)
		}
		return nil, err
	}
	abs := filepath.Join(root.Dir(), filepath.FromSlash(real))
	return &Edit{Path: real, Abs: abs, Line: f.Loc.Line, Col: f.Loc.Col, before: before}, nil
}

// Argv is the command that opens the file at the finding in editor (the
// value of $VISUAL or $EDITOR; "" is vi).
func (e *Edit) Argv(editor string) []string { return EditorCommand(editor, e.Abs, e.Line, e.Col) }

// Changed reads the file again and reports whether it differs from before
// the edit.
func (e *Edit) Changed(root *repofs.Root) (bool, error) {
	after, err := root.ReadFile(e.Path, DefaultMaxFile)
	if err != nil {
		return false, fmt.Errorf("reading %s after the edit: %w", e.Path, err)
	}
	return !bytes.Equal(e.before, after), nil
}

// RecordEdit records f as fixed (pending scan) by a hand edit of e's file.
func RecordEdit(f *findings.Finding, e *Edit, r Record) error {
	if r.Ledger == nil {
		return errors.New("no ledger to record the edit in")
	}
	if err := r.Ledger.Decide([]*findings.Finding{f}, r.request(HandEditRequest(e.Path, r.Author, r.Now))); err != nil {
		return fmt.Errorf("recording the edit in %s: %w", r.Ledger.RelPath(), err)
	}
	return nil
}
