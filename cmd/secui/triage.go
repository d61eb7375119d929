package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/query"
)

func init() {
	registerCommand(func() *cobra.Command { return newTriageCmd(ledger.ActSuppress) })
	registerCommand(func() *cobra.Command { return newTriageCmd(ledger.ActAccept) })
	registerCommand(func() *cobra.Command { return newTriageCmd(ledger.ActReopen) })
	registerCommand(newLedgerCmd)
	registerLoadHook(func(ctx context.Context, e *env, set *findings.Set) error {
		if e.noLedger {
			return nil
		}
		_, _, err := applyLedger(e, set)
		return err
	})
}

type matchedLedger struct {
	l  *ledger.Ledger
	ov *ledger.Overlay
}

var ledgerCache sync.Map // *findings.Set -> matchedLedger

// openLedger opens the ledger configured for e (config "ledger", default
// .secui/ledger.yaml under the repository root). A ledger that fails
// validation is returned read-only together with its error.
//
// It is opened once per command (the load, GoneFixed, the overlay and the
// console share it; a 100k-record ledger costs a parse each time): later
// calls re-read the file only when it changed (Reload).
func openLedger(e *env) (*ledger.Ledger, error) {
	if e.ledger == nil && e.ledgerOpen != nil {
		e.ledger = e.ledgerOpen()
	}
	if e.ledger != nil {
		if err := e.ledger.Reload(); err != nil && e.ledger.Err() == nil {
			return e.ledger, err // e.g. refused: say so, as Open would
		}
		return e.ledger, e.ledger.Err()
	}
	l, err := ledger.Open(e.Root, e.Config.Ledger)
	if l != nil {
		e.ledger = l
	}
	return l, err
}

// applyLedger opens the ledger and matches it to set: the overlay every
// command reads triage states from (findings are not modified). The load
// hook registered in init calls it for every e.load, so later calls for the
// same set return the cached result. A ledger that fails validation is
// reported on stderr and its valid records are still matched.
func applyLedger(e *env, set *findings.Set) (*ledger.Ledger, *ledger.Overlay, error) {
	if v, ok := ledgerCache.Load(set); ok {
		ml := v.(matchedLedger)
		return ml.l, ml.ov, nil
	}
	l, err := openLedger(e)
	if l == nil {
		return nil, nil, configErr(err)
	}
	if err != nil {
		fmt.Fprintf(e.Err, "secui: ledger %s is invalid (read-only until fixed):\n%v\n", l.RelPath(), err)
	}
	ov := l.Overlay(set.Findings, nowFunc(), e.overlayOptions())
	ledgerCache.Store(set, matchedLedger{l, ov})
	return l, ov, nil
}

var hexIDRE = regexp.MustCompile(`^[0-9a-fA-F]{4,16}$`)

// splitIDs separates finding IDs (4–16 hex digits, not an existing path)
// from SARIF paths among positional arguments.
func splitIDs(args []string) (ids, paths []string) {
	for _, a := range args {
		if hexIDRE.MatchString(a) {
			if _, err := os.Stat(a); err != nil {
				ids = append(ids, strings.ToLower(a))
				continue
			}
		}
		paths = append(paths, a)
	}
	return ids, paths
}

var triageHelp = map[string][2]string{
	ledger.ActSuppress: {"Suppress findings with a reason and a justification", `Suppress findings: they are hidden by default and pass ` + "`secui check`" + `.

--scope rule --tool T --rule R [--path GLOB] suppresses every finding of the
rule (under the glob), now and in later scans, with ONE ledger record;
--scope path --path GLOB [--tool T] every finding under the glob (vendored or
generated code). A finding's own decision beats a scope, a narrower scope a
broader one (docs/scopes.md).

A suppression needs --reason (false-positive, accepted-risk, used-in-tests,
mitigated, wont-fix) and --justification (a real sentence: empty, one-word and
placeholder texts such as "fp", "n/a" or "todo" are refused). --expires sets a
date (YYYY-MM-DD or 90d, 12w, 6mo, 1y; at most check.max-expiry, default 1y,
ahead) after which the finding is open again and ` + "`secui check`" + ` fails.`},
	ledger.ActAccept: {"Accept findings as real problems to fix (a note is required; optional due date)", `Accept findings: they are real and tracked. --note is required and must say
what happens next (a real sentence: placeholders such as "x", "todo" or
"N/A N/A" are refused); --due YYYY-MM-DD or 30d sets a due date, at most
check.max-expiry (default 1y) ahead. Accepted findings stay visible and do not
fail ` + "`secui check`" + ` until the due date passes (then it fails: overdue).`},
	ledger.ActReopen: {"Reopen findings (undo a suppression or acceptance)", `Reopen findings: their state goes back to open; the history is kept.`},
}

func newTriageCmd(action string) *cobra.Command {
	h := triageHelp[action]
	cmd := &cobra.Command{
		Use:   action + " [ID...] [PATH...]",
		Short: h[0],
		Long: h[1] + `

Select findings by ID (4-16 hex digits, a unique prefix is enough) and/or with
the shared filter flags (bulk). With neither, --all is required to act on
every finding. Positional arguments that are not IDs are SARIF inputs, as for
` + "`secui list`" + `. The decision is written at once to the ledger
(.secui/ledger.yaml by default); commit it with your change.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, paths := splitIDs(args)
			e, err := newEnv(cmd, paths)
			if err != nil {
				return err
			}
			return runTriage(cmd.Context(), cmd, e, action, ids)
		},
	}
	switch action {
	case ledger.ActSuppress:
		cmd.Example = `  secui suppress 3f9a1c2b --reason false-positive -j "the token is a documented test fixture"
  secui suppress --rule G101 --path 'internal/testdata/**' --reason used-in-tests \
      -j "fixtures for the parser tests, never deployed" --expires 180d
  secui suppress --scope rule --tool eslint --rule security/detect-object-injection \
      --path 'app/assets/vendor/**' --reason wont-fix -j "vendored bootstrap, not our code"`
	case ledger.ActAccept:
		cmd.Example = `  secui accept 3f9a1c2b --note "tracked in SEC-123" --due 2027-01-31
  secui accept --scope path --path 'web/vendor/**' --note "vendored, upgraded in SEC-9" --due 90d`
	case ledger.ActReopen:
		cmd.Example = `  secui reopen --state suppressed --rule G101`
	}
	addFilterFlags(cmd)
	f := cmd.Flags()
	if action == ledger.ActSuppress {
		f.String("reason", "", "why: false-positive, accepted-risk, used-in-tests, mitigated, wont-fix")
		f.StringP("justification", "j", "", "a real sentence saying why no fix is needed")
		f.String("expires", "", "expiry: YYYY-MM-DD or a duration (90d, 12w, 6mo, 1y)")
		_ = cmd.RegisterFlagCompletionFunc("reason", fixedCompletion([]string{"false-positive", "accepted-risk", "used-in-tests", "mitigated", "wont-fix"}))
	}
	f.String("note", "", "a note recorded with the decision")
	if action == ledger.ActAccept {
		f.String("due", "", "due date: YYYY-MM-DD or a duration (30d, 4w)")
	}
	if action != ledger.ActReopen {
		f.String("scope", "finding", "what the decision applies to: finding (the selected findings, one record each), rule (--tool and --rule, optionally under --path GLOB: one record) or path (--path GLOB, optionally of --tool: one record)")
		_ = cmd.RegisterFlagCompletionFunc("scope", fixedCompletion([]string{"finding", "rule", "path"}))
	} else {
		f.String("scope", "finding", "reopen a scope record: rule (--tool, --rule, optional --path) or path (--path)")
	}
	f.Bool("all", false, "act on every finding when no ID or filter is given")
	f.Bool("dry-run", false, "show what would be decided, write nothing")
	f.Bool("json", false, "print the result as JSON")
	return cmd
}

type triageResult struct {
	Action  string   `json:"action"`
	Ledger  string   `json:"ledger"`
	DryRun  bool     `json:"dry_run"`
	Count   int      `json:"count"`
	IDs     []string `json:"ids"`
	Skipped int      `json:"skipped_unchanged"`
}

func runTriage(ctx context.Context, cmd *cobra.Command, e *env, action string, ids []string) error {
	now := nowFunc()
	req := ledger.Request{Action: action, Now: now, Note: flagString(cmd, "note"), MaxTerm: e.Config.Check.MaxExpiry}
	if action == ledger.ActSuppress {
		if r := flagString(cmd, "reason"); r != "" {
			reason, err := ledger.ParseReason(r)
			if err != nil {
				return usageErr("--reason: %v", err)
			}
			req.Reason = reason
		} else {
			return usageErr("--reason is required (false-positive, accepted-risk, used-in-tests, mitigated, wont-fix)")
		}
		req.Justification = flagString(cmd, "justification")
		if s := flagString(cmd, "expires"); s != "" {
			t, err := ledger.ParseExpiry(s, now)
			if err != nil {
				return usageErr("--expires: %v", err)
			}
			if !t.After(now) {
				return usageErr("--expires %s is not in the future", s)
			}
			req.Expires = &t
		}
	}
	if s := flagString(cmd, "due"); s != "" {
		t, err := ledger.ParseExpiry(s, now)
		if err != nil {
			return usageErr("--due: %v", err)
		}
		req.Due = &t
	}
	if err := req.Validate(); err != nil {
		return usageErr("%v", err)
	}
	if s := flagString(cmd, "scope"); s != "" {
		kind, err := ledger.ParseScopeKind(s)
		if err != nil {
			return usageErr("--scope: %v", err)
		}
		if kind != ledger.ScopeFinding {
			return runScopeTriage(ctx, cmd, e, action, kind, ids, req)
		}
	}
	hasFilter := e.Query != nil && !e.Query.IsEmpty()
	if len(ids) == 0 && !hasFilter && !flagBool(cmd, "all") {
		return usageErr("give finding IDs or filters (--rule, --path, -q ...); use --all to %s every finding", action)
	}
	author, err := decisionAuthor(e, flagBool(cmd, "dry-run"))
	if err != nil {
		return err
	}
	req.Author = author

	set, err := e.load(ctx)
	if err != nil {
		return err
	}
	l, ov, err := applyLedger(e, set)
	if err != nil {
		return err
	}
	if lerr := l.Err(); lerr != nil {
		return configErr(fmt.Errorf("ledger %s is invalid; fix it first:\n%w", l.RelPath(), lerr))
	}
	sel, err := selectForTriage(ctx, set, e.Query, ov, ids)
	if err != nil {
		return err
	}
	// Skip findings already in the requested state (idempotent re-runs).
	target := map[string]findings.State{ledger.ActSuppress: findings.StateSuppressed, ledger.ActAccept: findings.StateAccepted, ledger.ActReopen: findings.StateOpen}[action]
	var todo []*findings.Finding
	skipped := 0
	for _, f := range sel {
		m, placed := ov.Match(f)
		if action == ledger.ActReopen && !placed && ov.NeedsReview(f) == "" {
			skipped++ // no decision: open already
			continue
		}
		if placed && m.Decision.Extra().Review == "" && ov.State(f) == target && action != ledger.ActReopen && sameDecision(m.Decision, &req) {
			skipped++
			continue
		}
		todo = append(todo, f)
	}
	// The decision is recorded with the evidence of the finding as it is
	// now (hashes of its line and context, the enclosing symbol, HEAD), and
	// lands on the record the matcher placed on the finding.
	req.Evidence = e.capturer().ForFinding
	req.Overlay = ov
	res := triageResult{Action: action, Ledger: l.RelPath(), DryRun: flagBool(cmd, "dry-run"), Count: len(todo), Skipped: skipped, IDs: []string{}}
	for _, f := range todo {
		res.IDs = append(res.IDs, f.ID)
	}
	if !res.DryRun && len(todo) > 0 {
		if err := l.Decide(todo, req); err != nil {
			return &exitError{code: exitFailed, err: err}
		}
	}
	if e.JSON {
		enc := json.NewEncoder(e.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	verb := map[string]string{ledger.ActSuppress: "suppressed", ledger.ActAccept: "accepted", ledger.ActReopen: "reopened"}[action]
	if res.DryRun {
		fmt.Fprintf(e.Out, "dry run: would record %d decision(s) (%s) in %s", len(todo), verb, l.RelPath())
	} else {
		fmt.Fprintf(e.Out, "%d finding(s) %s: %d decision(s) written to %s", len(todo), verb, len(todo), l.RelPath())
	}
	if skipped > 0 {
		fmt.Fprintf(e.Out, " (%d already %s)", skipped, target)
	}
	fmt.Fprintln(e.Out)
	if res.DryRun || len(todo) <= 20 {
		for _, f := range todo {
			fmt.Fprintf(e.Out, "  %s  %s  %s  %s\n", f.ID, f.Severity.Letter(), sanitize(f.RuleID()), sanitize(f.Loc.String()))
		}
	}
	return nil
}

func sameDecision(d *ledger.Decision, r *ledger.Request) bool {
	if d == nil {
		return false
	}
	eq := func(a, b *time.Time) bool { return (a == nil && b == nil) || (a != nil && b != nil && a.Equal(*b)) }
	return d.Reason == r.Reason && d.Justification == strings.TrimSpace(r.Justification) &&
		d.Extra().Note == strings.TrimSpace(r.Note) && eq(d.Expires, r.Expires) && eq(d.Extra().Due, r.Due)
}

// selectForTriage resolves IDs (unique prefixes) and the filter into findings.
// IDs and filter are AND-ed when both are given.
func selectForTriage(ctx context.Context, set *findings.Set, q *query.Query, t findings.Triage, ids []string) ([]*findings.Finding, error) {
	idx, err := query.Filter(ctx, set.Findings, q, t)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		out := make([]*findings.Finding, len(idx))
		for i, j := range idx {
			out[i] = set.Findings[j]
		}
		return out, nil
	}
	inFilter := make(map[*findings.Finding]bool, len(idx))
	for _, j := range idx {
		inFilter[set.Findings[j]] = true
	}
	var out []*findings.Finding
	seen := map[*findings.Finding]bool{}
	for _, id := range ids {
		var hits []*findings.Finding
		for _, f := range set.Findings {
			if strings.HasPrefix(f.ID, id) {
				hits = append(hits, f)
			}
		}
		switch {
		case len(hits) == 0:
			return nil, usageErr("no finding with id %s", id)
		case len(hits) > 1:
			return nil, usageErr("id %s is ambiguous (%d findings); give more digits", id, len(hits))
		}
		if f := hits[0]; inFilter[f] && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out, nil
}

// decisionAuthor is the author every ledger write records (triage, fix,
// scan): the git identity, with a warning on stderr when GIT_AUTHOR_*
// overrides it (unless quiet), and a usage error when there is none.
func decisionAuthor(e *env, quiet bool) (string, error) {
	author, warning := e.Repo.DecisionAuthor() // nil Repo: global configuration and environment
	if err := ledger.ValidateAuthor(author); err != nil {
		return "", usageErr("%v (or GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL)", err)
	}
	if warning != "" && !quiet {
		fmt.Fprintln(e.Err, "secui: warning: "+sanitize(warning))
	}
	return author, nil
}
