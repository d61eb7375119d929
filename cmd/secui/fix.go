package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/fix"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/repofs"
)

func init() { registerCommand(newFixCmd) }

const fixLong = `Show, apply or commit the fix a scanner proposed for a finding (SARIF
result.fixes), or fix it by hand in your editor.

secui fix ID prints the plan: the files, a unified diff, and how each file
was checked against the scan. Nothing is written. The file must still be
the one scanned: its artifact hash in the SARIF, its version at the commit
the run names (versionControlProvenance), or snippets that cover every
replaced region must match. A stale region, overlapping replacements, a
region past the end of the file or a path outside the repository (.., an
absolute path, a symlink out, .git) refuses the fix with the reason, exit 1.

--apply writes the fix: every file or none. --commit also commits exactly
the fixed files (refused before writing when other changes are staged or
the files have uncommitted changes of their own); the message names the
finding, the rule and that the fix was proposed by the tool. The finding is
then recorded in the ledger as "fixed (pending scan)" with its source
(tool-fix) until a re-scan proves it.

--edit opens $VISUAL (or $EDITOR, else vi) at the finding's file, line and
column, waits for it, and records "fixed (pending scan)" with source
hand-edit when the file changed.`

func newFixCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fix ID [PATH...]",
		Short: "Preview and apply the fix a scanner proposed (verified against the scan), or edit by hand",
		Long:  fixLong,
		Example: `  secui fix e5a113c0                 # plan and diff; writes nothing
  secui fix e5a113c0 --apply         # write it; the finding is fixed (pending scan)
  secui fix e5a113c0 --apply --commit
  secui fix e5a113c0 --json          # the plan as JSON; --fix N picks one of several fixes
  secui fix e5a113c0 --edit          # open $EDITOR at the finding`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, paths := splitIDs(args)
			if len(ids) != 1 {
				return usageErr("give exactly one finding ID (4-16 hex digits), got %d", len(ids))
			}
			e, err := newEnv(cmd, paths)
			if err != nil {
				return err
			}
			return runFix(cmd.Context(), cmd, e, ids[0])
		},
	}
	f := cmd.Flags()
	f.Int("fix", 0, "which of the finding's fixes (1-based) when it has several")
	f.Bool("apply", false, "write the fix (all files or none) and record the finding as fixed (pending scan)")
	f.Bool("commit", false, "with --apply: commit exactly the fixed files (implies --apply)")
	f.Bool("edit", false, "open $VISUAL/$EDITOR at the finding instead; a changed file is recorded as fixed (pending scan)")
	f.Bool("json", false, "print the plan (files, hunks, verification, refusal) as JSON")
	cmd.MarkFlagsMutuallyExclusive("edit", "apply")
	cmd.MarkFlagsMutuallyExclusive("edit", "commit")
	cmd.MarkFlagsMutuallyExclusive("edit", "fix")
	cmd.MarkFlagsMutuallyExclusive("edit", "json")
	return cmd
}

// fixDoc is the --json output (schema secui.fix/v1).
type fixDoc struct {
	Schema  string      `json:"schema"`
	Finding string      `json:"finding"`
	Fixes   int         `json:"fixes"`
	Plans   []*fix.Plan `json:"plans"`
	Applied bool        `json:"applied"`
	Commit  string      `json:"commit,omitempty"`
	Ledger  string      `json:"ledger,omitempty"`
	State   string      `json:"state,omitempty"`
}

func runFix(ctx context.Context, cmd *cobra.Command, e *env, id string) error {
	if e.Repo == nil {
		return usageErr("secui fix works inside a git repository (it writes files of the working tree)")
	}
	n := 0
	if cmd.Flags().Changed("fix") {
		v, _ := cmd.Flags().GetInt("fix")
		if v < 1 {
			return usageErr("--fix counts from 1")
		}
		n = v
	}
	commit := flagBool(cmd, "commit")
	apply := flagBool(cmd, "apply") || commit

	set, err := e.load(ctx)
	if err != nil {
		return err
	}
	sel, err := selectForTriage(ctx, set, nil, nil, []string{id})
	if err != nil {
		return err
	}
	f := sel[0]
	root, err := repofs.Open(e.Repo.Root)
	if err != nil {
		return err
	}
	defer root.Close()

	var l *ledger.Ledger
	var ov *ledger.Overlay
	author := ""
	if apply || flagBool(cmd, "edit") {
		if l, ov, err = applyLedger(e, set); err != nil {
			return err
		}
		if lerr := l.Err(); lerr != nil {
			return configErr(fmt.Errorf("ledger %s is invalid; fix it first:\n%w", l.RelPath(), lerr))
		}
		if author, err = decisionAuthor(e, false); err != nil {
			return err
		}
	}
	if flagBool(cmd, "edit") {
		return runEdit(cmd, e, root, l, ov, f, author)
	}

	d, err := set.Details(f)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	var g *fix.Git
	if gg, err := fix.OpenGit(e.Repo.Root); err == nil {
		g = gg
	}
	opts := fix.Options{}
	if e.Config.Ledger != "" {
		opts.Protected = []string{e.Config.Ledger}
	}
	if g != nil {
		opts.Git = g
	}
	doc := fixDoc{Schema: "secui.fix/v1", Finding: f.ID, Fixes: len(d.Fixes), Plans: fix.Plans(root, f, d, n, opts)}

	if apply {
		if len(doc.Plans) > 1 {
			return usageErr("finding %s has %d fixes: choose one with --fix N (secui fix %s shows them all)", f.ID, len(doc.Plans), f.ID)
		}
		if p := doc.Plans[0]; p.OK() {
			if err := applyPlan(e, root, g, l, ov, f, p, commit, author, &doc); err != nil {
				return err
			}
		}
	}
	if e.JSON {
		enc := json.NewEncoder(e.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return err
		}
	} else {
		printFixPlans(e, f, doc, apply)
	}
	for _, p := range doc.Plans {
		if p.OK() {
			return nil
		}
	}
	if e.JSON {
		return &exitError{code: exitFailed}
	}
	p := doc.Plans[0]
	if len(doc.Plans) > 1 {
		return &exitError{code: exitFailed, err: fmt.Errorf("none of the %d fixes of finding %s can be applied", len(doc.Plans), f.ID)}
	}
	return &exitError{code: exitFailed, err: fmt.Errorf("cannot apply fix %d of finding %s (%s): %s", p.Index, f.ID, p.Refusal.Kind, p.Refusal.Error())}
}

// applyPlan writes the plan, commits it when asked and records the finding
// as fixed (pending scan) (fix.ApplyAndRecord, shared with the console). A
// refusal stays in the plan (printed as such).
func applyPlan(e *env, root *repofs.Root, g *fix.Git, l *ledger.Ledger, ov *ledger.Overlay, f *findings.Finding, p *fix.Plan, commit bool, author string, doc *fixDoc) error {
	o := fix.ApplyOptions{Record: fixRecord(e, l, ov, author), Commit: commit, Git: g}
	if commit {
		o.CommitName, o.CommitEmail = e.Repo.Author()
		if o.CommitName == "" && o.CommitEmail == "" {
			o.CommitName, o.CommitEmail = os.Getenv("GIT_AUTHOR_NAME"), os.Getenv("GIT_AUTHOR_EMAIL")
		}
	}
	a, err := fix.ApplyAndRecord(root, f, p, o)
	var r *fix.Refusal
	if errors.As(err, &r) {
		return nil
	}
	if a != nil {
		doc.Applied, doc.Commit = true, a.Commit
	}
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	doc.Ledger, doc.State = a.Ledger, pendingState
	return nil
}

// fixRecord is how a fix or an edit is recorded: on the record ov placed on
// the finding, with the finding's evidence as it is now.
func fixRecord(e *env, l *ledger.Ledger, ov *ledger.Overlay, author string) fix.Record {
	return fix.Record{Ledger: l, Overlay: ov, Author: author, Now: nowFunc(), Evidence: e.capturer().ForFinding}
}

// pendingState is how a fixed finding waiting for its re-scan is shown.
const pendingState = fix.PendingState

func printFixPlans(e *env, f *findings.Finding, doc fixDoc, apply bool) {
	w := e.Out
	for i, p := range doc.Plans {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "fix %d of %d for %s (%s, %s)", p.Index, p.Of, f.ID, sanitize(p.Tool), sanitize(p.Rule))
		if p.Description != "" {
			fmt.Fprintf(w, ": %s", p.Description)
		}
		fmt.Fprintln(w)
		if !p.OK() {
			if len(doc.Plans) > 1 { // a single refusal is the command's error, on stderr
				fmt.Fprintf(w, "refused (%s): %s\n", p.Refusal.Kind, p.Refusal.Error())
			}
			continue
		}
		for _, fl := range p.Files {
			fmt.Fprintf(w, "%s: %d replacement(s), checked against the scan by %s\n", sanitize(fl.Path), fl.Replacements, fl.Verified)
		}
		for _, n := range p.Notes {
			fmt.Fprintf(w, "note: %s\n", n)
		}
		fmt.Fprint(w, p.Diff())
	}
	switch {
	case doc.Applied:
		fmt.Fprintf(w, "applied to %s; finding %s is %s (recorded in %s)\n", strings.Join(doc.Plans[0].Paths(), ", "), f.ID, pendingState, doc.Ledger)
		if doc.Commit != "" {
			fmt.Fprintf(w, "committed %s\n", doc.Commit[:12])
		}
		fmt.Fprintf(w, "re-scan to prove it: the finding is fixed once its scanner no longer reports it\n")
	case !apply:
		for _, p := range doc.Plans {
			if p.OK() {
				arg := ""
				if len(doc.Plans) > 1 {
					arg = fmt.Sprintf(" --fix %d", p.Index)
				}
				fmt.Fprintf(w, "apply with: secui fix %s%s --apply (add --commit to commit it)\n", f.ID, arg)
				break
			}
		}
	}
}

// ---- --edit

// runEdit opens the editor at the finding and records a hand edit when the
// file changed.
func runEdit(cmd *cobra.Command, e *env, root *repofs.Root, l *ledger.Ledger, ov *ledger.Overlay, f *findings.Finding, author string) error {
	ed, err := fix.PrepareEdit(root, f)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	editor := os.Getenv("VISUAL")
	if editor == "" {
		editor = os.Getenv("EDITOR")
	}
	argv := ed.Argv(editor)
	c := exec.Command(argv[0], argv[1:]...)
	c.Dir = root.Dir()
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, cmd.OutOrStdout(), cmd.ErrOrStderr()
	if err := c.Run(); err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("editor %s: %w", sanitize(argv[0]), err)}
	}
	changed, err := ed.Changed(root)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if !changed {
		fmt.Fprintf(e.Out, "%s unchanged; finding %s stays %s\n", sanitize(ed.Path), f.ID, stateCell(f, ov))
		return nil
	}
	if err := fix.RecordEdit(f, ed, fixRecord(e, l, ov, author)); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	fmt.Fprintf(e.Out, "%s changed; finding %s is %s (recorded in %s); re-scan to prove it\n", sanitize(ed.Path), f.ID, pendingState, l.RelPath())
	return nil
}

// ---- "fixed (pending scan)" in list

// isPending reports whether f is fixed, waiting for the re-scan that proves
// it (the decision placed on it in ov).
func isPending(ov *ledger.Overlay, f *findings.Finding) bool {
	m, ok := ov.Match(f)
	return ok && ov.State(f) == findings.StateFixed && m.Decision.Pending
}
