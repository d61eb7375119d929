package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
)

// Scoped decisions on the command line: `suppress|accept|reopen --scope
// rule|path` and `secui ledger import` (scopeimport.go) write one record
// for a tool's rule or a path glob (findings/ledger/scope.go).

type scopeResult struct {
	Kind   string `json:"kind"`
	Tool   string `json:"tool,omitempty"`
	Rule   string `json:"rule,omitempty"`
	Path   string `json:"path,omitempty"`
	Record string `json:"record"` // the scope record's id
	// Covers is the number of loaded findings the scope decides now (-1:
	// no scan results were found, so nothing was counted).
	Covers int `json:"covers"`
}

type scopeTriageResult struct {
	Action string      `json:"action"`
	Ledger string      `json:"ledger"`
	DryRun bool        `json:"dry_run"`
	Scope  scopeResult `json:"scope"`
}

// oneFlag is the single value of a string-slice filter flag ("" none).
func oneFlag(cmd *cobra.Command, name string) (string, error) {
	vs, err := cmd.Flags().GetStringSlice(name)
	if err != nil || len(vs) == 0 {
		return "", nil
	}
	if len(vs) > 1 {
		return "", usageErr("--scope takes one --%s (got %s)", name, strings.Join(vs, ", "))
	}
	return strings.TrimSpace(vs[0]), nil
}

func runScopeTriage(ctx context.Context, cmd *cobra.Command, e *env, action string, kind ledger.ScopeKind, ids []string, req ledger.Request) error {
	if len(ids) > 0 {
		return usageErr("--scope %s decides a rule or a path glob, not finding IDs (drop the IDs, or use --scope finding)", kind)
	}
	for _, name := range []string{"stage", "severity", "state", "category", "query"} {
		if fl := cmd.Flags().Lookup(name); fl != nil && fl.Changed {
			return usageErr("--scope %s is defined by --tool, --rule and --path only (not --%s)", kind, name)
		}
	}
	if flagBool(cmd, "all") {
		return usageErr("--scope %s and --all do not go together", kind)
	}
	var sc ledger.Scope
	sc.Kind = kind
	var err error
	if sc.Tool, err = oneFlag(cmd, "tool"); err != nil {
		return err
	}
	if sc.Rule, err = oneFlag(cmd, "rule"); err != nil {
		return err
	}
	if sc.Path, err = oneFlag(cmd, "path"); err != nil {
		return err
	}
	if err := sc.Validate(); err != nil {
		return usageErr("%v", err)
	}
	dry := flagBool(cmd, "dry-run")
	author, err := decisionAuthor(e, dry)
	if err != nil {
		return err
	}
	req.Author = author
	if err := ledger.ValidateAuthor(author); err != nil {
		return usageErr("%v", err)
	}
	// The scan results, when there are any, give the tool's exact name and
	// the count of findings the scope covers.
	set, err := e.load(ctx)
	if err != nil {
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != exitNoInput {
			return err
		}
		set = nil
	}
	var fs []*findings.Finding
	if set != nil {
		fs = set.Findings
		for _, f := range fs {
			if sc.Tool != "" && strings.EqualFold(f.ToolName(), sc.Tool) {
				sc.Tool = f.ToolName()
				break
			}
		}
	}
	l, err := openLedger(e)
	if l == nil {
		return configErr(err)
	}
	if lerr := l.Err(); lerr != nil {
		return configErr(fmt.Errorf("ledger %s is invalid; fix it first:\n%w", l.RelPath(), lerr))
	}
	res := scopeTriageResult{Action: action, Ledger: l.RelPath(), DryRun: dry,
		Scope: scopeResult{Kind: string(sc.Kind), Tool: sc.Tool, Rule: sc.Rule, Path: sc.Path, Record: sc.ID(), Covers: -1}}
	var rec *ledger.Decision
	if dry {
		if err := req.Validate(); err != nil {
			return usageErr("%v", err)
		}
		rec = previewScope(l, sc, &req)
	} else {
		d, err := l.DecideScope(sc, req)
		if err != nil {
			return &exitError{code: exitFailed, err: err}
		}
		rec = d
		res.Scope.Record = d.ID
	}
	if set != nil {
		ds := l.Decisions()
		if dry {
			ds = append(withoutID(ds, rec.ID), rec)
		}
		ov := ledger.BuildOverlay(ds, fs, nowFunc(), e.overlayOptions())
		for _, u := range ov.Scopes() {
			if u.Decision.ID == rec.ID {
				res.Scope.Covers = u.Count
			}
		}
	}
	if e.JSON {
		enc := json.NewEncoder(e.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	verb := map[string]string{ledger.ActSuppress: "suppressed", ledger.ActAccept: "accepted", ledger.ActReopen: "reopened"}[action]
	what := sanitize(sc.String())
	if dry {
		fmt.Fprintf(e.Out, "dry run: would record %s %s as one record (%s) in %s", what, verb, rec.ID, l.RelPath())
	} else {
		fmt.Fprintf(e.Out, "%s %s: 1 record (%s) written to %s", what, verb, rec.ID, l.RelPath())
	}
	switch {
	case res.Scope.Covers < 0:
		fmt.Fprint(e.Out, "; no scan results found to count what it covers")
	case action == ledger.ActReopen:
		fmt.Fprint(e.Out, "; it decides nothing now")
	default:
		fmt.Fprintf(e.Out, "; it covers %d finding(s) now", res.Scope.Covers)
		if res.Scope.Covers == 0 {
			fmt.Fprint(e.Out, " (stale until a scan reports one)")
		}
	}
	fmt.Fprintln(e.Out)
	return nil
}

// previewScope is the record DecideScope would write (dry run).
func previewScope(l *ledger.Ledger, sc ledger.Scope, req *ledger.Request) *ledger.Decision {
	d := (ledger.Decision{
		ID:            sc.ID(),
		Tool:          sc.Tool,
		Rule:          sc.Rule,
		Path:          sc.Path,
		Reason:        req.Reason,
		Justification: req.Justification,
		Author:        req.Author,
		Time:          req.Now,
		Expires:       req.Expires,
	}).With(ledger.Extra{
		Scope: sc.Kind,
		Note:  req.Note,
		Due:   req.Due,
	})
	for _, x := range l.Decisions() {
		if x.IsScope() && x.ScopeOf().Same(sc) {
			d.ID = x.ID
		}
	}
	switch req.Action {
	case ledger.ActSuppress:
		d.State = findings.StateSuppressed
	case ledger.ActAccept:
		d.State = findings.StateAccepted
	default:
		d.State = findings.StateOpen
	}
	return d
}

func withoutID(ds []*ledger.Decision, id string) []*ledger.Decision {
	out := ds[:0:0]
	for _, d := range ds {
		if d.ID != id {
			out = append(out, d)
		}
	}
	return out
}
