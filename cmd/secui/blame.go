package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/branch"
	"github.com/secui/secui/findings/gitrepo"
)

func init() { registerCommand(newBlameCmd) }

// bindBranch computes the new:branch facts for set and binds the query.
func (e *env) bindBranch(ctx context.Context, set *findings.Set) error {
	if e.Repo == nil {
		return usageErr("new:branch needs a git repository (run secui inside one, or use --repo)")
	}
	fa, err := branch.Compute(ctx, e.Repo, set.Findings, e.branchOptions())
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, gitrepo.ErrNoBase) {
			return configErr(err)
		}
		return err
	}
	e.Branch = fa
	e.Query = e.Query.WithBranch(fa)
	return nil
}

func (e *env) branchOptions() branch.Options {
	return branch.Options{Base: gitrepo.BaseOptions{Ref: e.Config.Git.Base}, Load: e.loadOptions(nil)}
}

// jsonBranch is the "branch" member of JSON output when new:branch was
// computed (docs/json-schema.md).
type jsonBranch struct {
	Base              string   `json:"base"`       // the base branch, e.g. "origin/main"
	MergeBase         string   `json:"merge_base"` // full sha
	Method            string   `json:"method"`     // base-scan, changed-lines or mixed
	BaseScanTools     []string `json:"base_scan_tools"`
	ChangedLinesTools []string `json:"changed_lines_tools"`
	New               int      `json:"new"`
	Note              string   `json:"note,omitempty"`
	Summary           string   `json:"summary"`
}

func toJSONBranch(fa *branch.Facts) *jsonBranch {
	if fa == nil {
		return nil
	}
	j := &jsonBranch{Base: sanitize(fa.MergeBase.Ref), MergeBase: fa.MergeBase.Commit, Method: fa.Method(),
		BaseScanTools: sanitizeAll(fa.ScanTools), ChangedLinesTools: sanitizeAll(fa.LineTools),
		New: fa.New, Note: sanitize(fa.Note), Summary: sanitize(fa.Summary())}
	return j
}

func sanitizeAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = sanitize(s)
	}
	return out
}

const blameLong = `Show the git context of findings: who last changed the finding's line
(author, commit, age), its owners from CODEOWNERS, and whether it is new on
this branch (and by which method: a scan of the merge base, else the lines
changed since the merge base).

Findings are given by ID (4-16 hex digits, a unique prefix is enough); the
shared filters narrow them further. Blame is bounded: a file over 8 MiB or a
history that takes longer than --timeout gives "unknown (...)" instead of
waiting. CODEOWNERS is read like GitHub does (.github/, the root, docs/).

The JSON schema (secui.blame/v1) is documented in docs/json-schema.md.`

func newBlameCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "blame ID... [PATH...]",
		Short: "Show blame, CODEOWNERS owners and new-on-branch for findings",
		Long:  blameLong,
		Example: `  secui blame 3fa9
  secui blame 3fa9 81c0 --json | jq '.findings[].blame.author'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, paths := splitIDs(args)
			if len(ids) == 0 {
				return usageErr("give at least one finding ID (4-16 hex digits)")
			}
			e, err := newEnv(cmd, paths)
			if err != nil {
				return err
			}
			if e.Repo == nil {
				return errNotRepo
			}
			timeout, _ := cmd.Flags().GetDuration("timeout")
			return runBlame(cmd.Context(), e, ids, timeout)
		},
	}
	addFilterFlags(cmd)
	f := cmd.Flags()
	f.Bool("json", false, "print one JSON document (schema secui.blame/v1)")
	f.Duration("timeout", gitrepo.DefaultBlameTimeout, "time budget for the blame of one line")
	return cmd
}

// jsonBlame is the blame of one line in secui.blame/v1.
type jsonBlame struct {
	Status   string `json:"status"` // committed, not committed yet, unknown
	Reason   string `json:"reason,omitempty"`
	Commit   string `json:"commit,omitempty"`
	Author   string `json:"author,omitempty"`
	Email    string `json:"email,omitempty"`
	Time     string `json:"time,omitempty"` // author date, RFC 3339
	Summary  string `json:"summary,omitempty"`
	OrigPath string `json:"orig_path,omitempty"`
	OrigLine int    `json:"orig_line,omitempty"`
	Boundary bool   `json:"boundary,omitempty"`
	Via      string `json:"via,omitempty"`
}

type jsonOwners struct {
	File    string   `json:"file"`
	Line    int      `json:"line"`
	Pattern string   `json:"pattern"`
	Owners  []string `json:"owners"` // empty: un-owned by this rule
}

type jsonBlameRecord struct {
	ID           string      `json:"id"`
	Tool         string      `json:"tool"`
	Rule         string      `json:"rule"`
	Path         string      `json:"path"`
	Line         int         `json:"line"`
	Blame        *jsonBlame  `json:"blame"`  // null when the finding has no line in the repository
	Owners       *jsonOwners `json:"owners"` // null when no CODEOWNERS rule matches
	NewOnBranch  *bool       `json:"new_on_branch"`
	BranchMethod string      `json:"branch_method,omitempty"`
	Error        string      `json:"error,omitempty"`
}

type jsonBlameDoc struct {
	Schema     string            `json:"schema"`
	Findings   []jsonBlameRecord `json:"findings"`
	Branch     *jsonBranch       `json:"branch"`
	BranchErr  string            `json:"branch_error,omitempty"`
	Codeowners string            `json:"codeowners"` // the file read, "" when none
	Problems   []string          `json:"codeowners_problems"`
}

func runBlame(ctx context.Context, e *env, ids []string, timeout time.Duration) error {
	set, err := e.load(ctx)
	if err != nil {
		return err
	}
	_, ov, err := applyLedger(e, set)
	if err != nil {
		return err
	}
	fs, err := selectForTriage(ctx, set, e.Query, ov, ids)
	if err != nil {
		return err
	}
	doc := jsonBlameDoc{Schema: "secui.blame/v1", Findings: []jsonBlameRecord{}, Problems: []string{}}
	co, coErr := gitrepo.LoadCodeowners(e.Repo.Root)
	if co != nil {
		doc.Codeowners = co.File
		for _, p := range co.Problems {
			doc.Problems = append(doc.Problems, sanitize(p.Error()))
		}
	}
	if coErr != nil {
		doc.Problems = append(doc.Problems, sanitize(coErr.Error()))
	}
	facts := e.Branch
	if facts == nil {
		facts, err = branch.Compute(ctx, e.Repo, set.Findings, e.branchOptions())
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			doc.BranchErr = sanitize(err.Error())
		}
	}
	doc.Branch = toJSONBranch(facts)
	for _, f := range fs {
		rec := jsonBlameRecord{ID: f.ID, Tool: sanitize(f.ToolName()), Rule: sanitize(f.RuleID()), Path: sanitize(f.Loc.Path), Line: f.Loc.Line}
		if f.Loc.InRepo && f.Loc.Line > 0 {
			b, err := e.Repo.BlameLine(ctx, f.Loc.Path, f.Loc.Line, gitrepo.BlameOptions{Timeout: timeout})
			switch {
			case ctx.Err() != nil:
				return ctx.Err()
			case err != nil:
				rec.Error = sanitize(err.Error())
			default:
				rec.Blame = toJSONBlame(b)
			}
		}
		if r := co.Match(f.Loc.Path); r != nil && f.Loc.InRepo {
			rec.Owners = &jsonOwners{File: co.File, Line: r.Line, Pattern: sanitize(r.Pattern), Owners: sanitizeAll(r.Owners)}
		}
		if facts != nil {
			isNew := facts.NewOnBranch(f)
			rec.NewOnBranch = &isNew
			rec.BranchMethod = facts.MethodOf(f).String()
		}
		doc.Findings = append(doc.Findings, rec)
	}
	w := bufio.NewWriter(e.Out)
	defer w.Flush()
	if e.JSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return err
		}
		return w.Flush()
	}
	writeBlameText(w, doc, nowFunc())
	return w.Flush()
}

func toJSONBlame(b *gitrepo.Blame) *jsonBlame {
	j := &jsonBlame{Status: b.Status.String(), Reason: sanitize(b.Reason), Commit: b.Commit,
		Author: sanitize(b.Author), Email: sanitize(b.Email), Summary: sanitize(b.Summary),
		OrigPath: sanitize(b.OrigPath), OrigLine: b.OrigLine, Boundary: b.Boundary, Via: b.Via}
	if !b.AuthorTime.IsZero() {
		j.Time = b.AuthorTime.Format(time.RFC3339)
	}
	return j
}

// writeBlameText prints the human form. Every string in doc is sanitised.
func writeBlameText(w io.Writer, doc jsonBlameDoc, now time.Time) {
	for i, r := range doc.Findings {
		if i > 0 {
			fmt.Fprintln(w)
		}
		loc := r.Path
		if r.Line > 0 {
			loc = fmt.Sprintf("%s:%d", r.Path, r.Line)
		}
		fmt.Fprintf(w, "%s  %s %s  %s\n", r.ID, r.Tool, r.Rule, loc)
		fmt.Fprintf(w, "  blame:  %s\n", blameText(r, now))
		fmt.Fprintf(w, "  owners: %s\n", ownersText(r, doc.Codeowners))
		switch {
		case r.NewOnBranch == nil:
			fmt.Fprintf(w, "  branch: unknown (%s)\n", doc.BranchErr)
		case *r.NewOnBranch:
			fmt.Fprintf(w, "  branch: new on this branch (%s)\n", methodText(r.BranchMethod, doc.Branch))
		case r.BranchMethod == branch.MethodNone.String():
			fmt.Fprintf(w, "  branch: undecided (not a file in the repository and no base scan of %s)\n", r.Tool)
		default:
			fmt.Fprintf(w, "  branch: not new (%s)\n", methodText(r.BranchMethod, doc.Branch))
		}
	}
	if doc.Branch != nil && doc.Branch.Note != "" {
		fmt.Fprintf(w, "\nnote: %s\n", doc.Branch.Note)
	}
	for _, p := range doc.Problems {
		fmt.Fprintf(w, "codeowners: %s\n", p)
	}
}

func blameText(r jsonBlameRecord, now time.Time) string {
	b := r.Blame
	switch {
	case r.Error != "":
		return "unavailable: " + r.Error
	case b == nil:
		return "none (no line in the repository)"
	case b.Status == gitrepo.BlameUncommitted.String():
		if b.Reason != "" {
			return "not committed yet (" + b.Reason + ")"
		}
		return "not committed yet"
	case b.Status != gitrepo.BlameCommitted.String():
		return "unknown (" + b.Reason + ")"
	}
	var s strings.Builder
	s.WriteString(b.Author)
	if b.Email != "" {
		s.WriteString(" <" + b.Email + ">")
	}
	if t, err := time.Parse(time.RFC3339, b.Time); err == nil {
		fmt.Fprintf(&s, ", %s (%s)", gitrepo.AgeText(now.Sub(t)), t.Format("2006-01-02"))
	}
	fmt.Fprintf(&s, ", %s %q", shortSHA(b.Commit), b.Summary)
	if b.OrigPath != "" && b.OrigPath != r.Path {
		fmt.Fprintf(&s, ", then in %s", b.OrigPath)
	}
	return s.String()
}

func shortSHA(s string) string {
	if len(s) > 7 {
		return s[:7]
	}
	return s
}

func ownersText(r jsonBlameRecord, file string) string {
	o := r.Owners
	switch {
	case file == "":
		return "none (no CODEOWNERS file)"
	case o == nil:
		return "none (no rule in " + file + " matches)"
	case len(o.Owners) == 0:
		return fmt.Sprintf("none (un-owned by %s:%d %s)", o.File, o.Line, o.Pattern)
	}
	return fmt.Sprintf("%s (%s:%d %s)", strings.Join(o.Owners, " "), o.File, o.Line, o.Pattern)
}

func methodText(m string, b *jsonBranch) string {
	base := ""
	if b != nil {
		base = " vs " + b.Base + " at " + shortSHA(b.MergeBase)
	}
	switch m {
	case branch.MethodBaseScan.String():
		return "by identity against the base scan" + base
	case branch.MethodChangedLines.String():
		return "by lines changed since the merge base" + base
	}
	return m
}
