package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/policy"
	"github.com/secui/secui/findings/query"
)

func init() { registerCommand(newCheckCmd) }

const checkLong = `CI gate. Fails (exit 1) when:
  - open security findings at or above the threshold exist (default high;
    --fail-on, or check.fail-on in .secui.yaml; per stage with --stage
    code=critical or check.stages; "off" disables a threshold). Open
    includes expired suppressions, decisions that need review, and findings
    marked fixed that the scan still reports;
  - open quality findings (lint, code quality: kind:quality) at or above
    --fail-on-quality (check.fail-on-quality; default off: lint alone never
    fails the gate);
  - a suppression has expired, or an acceptance is past its due date;
  - a decision is unjustified: no author (with e-mail), a time in the
    future, a suppression without a reason or a real justification, an
    acceptance without a real note, an expiry or due date more than
    check.max-expiry (default 1y) after the decision — hand edits included;
  - a record needs review (both branches of a merge changed it differently);
  - a suppression is orphaned (it matches no current finding: remove it, or
    the scan that produced the finding is missing);
  - with --strict (or check.strict): a decision the matcher could not place
    with confidence needs review.
Findings suppressed in the SARIF input itself (accepted / under review)
do not count as open. Tool errors (a linter's unknown rule or option,
reported as a result) are listed but do not fail the gate.

Exit codes: 0 passed, 1 failed, 2 usage or configuration error (including an
invalid ledger), 3 no SARIF input at all (none found, an empty directory, or
every file bad), 4 some SARIF input could not be read (listed under "errors"
in --json; the rest is still checked, but the gate cannot vouch for it).`

func newCheckCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check [PATH...]",
		Short: "Fail CI on open findings over a threshold and on bad decisions (the CI gate)",
		Long:  checkLong,
		Example: `  secui check
  secui check --fail-on medium --stage build=critical --stage test=off
  secui check --strict --json results/ > check.json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := newEnv(cmd, args)
			if err != nil {
				return err
			}
			return runCheck(cmd.Context(), cmd, e)
		},
	}
	f := cmd.Flags()
	// Only -q from the shared filters: --stage means STAGE=SEVERITY here.
	f.StringP("query", "q", "", "only check findings matching QUERY (e.g. 'stage:code,build -path:test/**')")
	f.String("fail-on", "", "lowest severity of an open security finding that fails: critical, high, medium, low, info, off (default high)")
	f.String("fail-on-quality", "", "lowest severity of an open quality finding (lint, code quality) that fails (default off)")
	f.StringArray("stage", nil, "per-stage threshold STAGE=SEVERITY (repeatable), e.g. code=critical, test=off")
	f.Bool("strict", false, "also fail on decisions that need review (uncertain matches)")
	f.Bool("json", false, "print the report as JSON")
	return cmd
}

type checkReport struct {
	Schema     string              `json:"schema"`
	Passed     bool                `json:"passed"`
	FailOn     string              `json:"fail_on"`
	FailOnQual string              `json:"fail_on_quality"`
	Stages     map[string]string   `json:"stages,omitempty"`
	Strict     bool                `json:"strict"`
	MaxExpiry  string              `json:"max_expiry"`
	Ledger     string              `json:"ledger"`
	Findings   int                 `json:"findings"`
	Open       int                 `json:"open"`
	OverThresh int                 `json:"open_over_threshold"`
	Security   int                 `json:"open_security"`
	Quality    int                 `json:"open_quality"`
	OverQual   int                 `json:"open_quality_over_threshold"`
	Expired    int                 `json:"expired"`
	Overdue    int                 `json:"overdue"`
	Unjustfied int                 `json:"unjustified"`
	Orphaned   int                 `json:"orphaned"`
	Review     int                 `json:"review"`
	Ambiguous  int                 `json:"ambiguous"`
	Problems   []policy.Problem    `json:"problems"`
	Warnings   []policy.Problem    `json:"warnings"`
	Errors     []policy.InputError `json:"errors"`
	ToolErrors []policy.InputError `json:"tool_errors"`
}

// checkGate builds the gate from configuration and flags.
func checkGate(cmd *cobra.Command, e *env) (*policy.Gate, error) {
	failOn := flagString(cmd, "fail-on")
	origin := "--fail-on"
	if failOn == "" {
		failOn, origin = e.Config.Check.FailOn, "check.fail-on"
	}
	g, err := policy.NewGate(failOn)
	if err != nil {
		return nil, usageErr("%s: %v", origin, err)
	}
	fq, fqOrigin := flagString(cmd, "fail-on-quality"), "--fail-on-quality"
	if fq == "" {
		fq, fqOrigin = e.Config.Check.FailOnQuality, "check.fail-on-quality"
	}
	if err := g.SetQuality(fq); err != nil {
		return nil, usageErr("%s: %v", fqOrigin, err)
	}
	names := make([]string, 0, len(e.Config.Check.Stages))
	for name := range e.Config.Check.Stages {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := g.SetStage(name, e.Config.Check.Stages[name]); err != nil {
			return nil, usageErr("check.stages: %v", err)
		}
	}
	stageFlags, _ := cmd.Flags().GetStringArray("stage")
	for _, s := range stageFlags {
		name, val, ok := strings.Cut(s, "=")
		if !ok {
			return nil, usageErr("--stage %q: want STAGE=SEVERITY, e.g. code=critical", s)
		}
		if err := g.SetStage(name, val); err != nil {
			return nil, usageErr("--stage: %v", err)
		}
	}
	g.Rules = ledger.Rules{MaxTerm: e.Config.Check.MaxExpiry}
	g.Strict = flagBool(cmd, "strict") || e.Config.Check.Strict
	return g, nil
}

func runCheck(ctx context.Context, cmd *cobra.Command, e *env) error {
	g, err := checkGate(cmd, e)
	if err != nil {
		return err
	}
	set, err := e.load(ctx)
	if err != nil {
		var ee *exitError
		if e.JSON && errors.As(err, &ee) && ee.code == exitNoInput {
			// Still one document for CI: nothing passed, and why.
			rep := checkReport{Schema: "secui.check/v1", FailOn: g.FailOn.String(), FailOnQual: g.FailOnQuality.String(), Strict: g.Strict, MaxExpiry: g.Rules.MaxTerm,
				Problems: []policy.Problem{}, Warnings: []policy.Problem{}, Errors: []policy.InputError{}, ToolErrors: []policy.InputError{}}
			if set != nil {
				for _, le := range set.Errors {
					rep.Errors = append(rep.Errors, policy.InputError{File: le.File, Line: le.Line, Col: le.Col, Message: le.Msg})
				}
			}
			if len(rep.Errors) == 0 {
				rep.Errors = append(rep.Errors, policy.InputError{Message: ee.Error()})
			}
			enc := json.NewEncoder(e.Out)
			enc.SetIndent("", "  ")
			_ = enc.Encode(rep)
		}
		return err
	}
	l, ov, err := applyLedger(e, set)
	if err != nil {
		return err
	}
	if lerr := l.Err(); lerr != nil {
		return configErr(fmt.Errorf("ledger %s is invalid:\n%w", l.RelPath(), lerr))
	}
	idx, err := query.Filter(ctx, set.Findings, e.Query, ov)
	if err != nil {
		return err
	}
	now := ov.Now()
	in := policy.Input{Overlay: ov, Decisions: ov.Decisions(), Ledger: l.RelPath(), LedgerFile: l.FileOf, Errors: set.Errors, Now: now}
	for _, i := range idx {
		in.Findings = append(in.Findings, set.Findings[i])
	}
	r := g.Evaluate(in)
	rep := checkReport{Schema: "secui.check/v1", Passed: r.Passed, FailOn: g.FailOn.String(), FailOnQual: g.FailOnQuality.String(), Stages: g.StageThresholds(),
		Strict: g.Strict, MaxExpiry: g.Rules.MaxTerm, Ledger: l.RelPath(), Findings: r.Findings, Open: r.Open, OverThresh: r.OverThreshold,
		Expired: r.Counts[policy.KindExpired], Overdue: r.Counts[policy.KindOverdue], Unjustfied: r.Counts[policy.KindUnjustified],
		Orphaned: r.Counts[policy.KindOrphaned], Review: r.Counts[policy.KindReview], Ambiguous: r.Counts[policy.KindAmbiguous] + countKind(r.Warnings, policy.KindAmbiguous),
		Security: r.Security, Quality: r.Quality, OverQual: r.OverQuality,
		Problems: r.Problems, Warnings: r.Warnings, Errors: r.Errors, ToolErrors: []policy.InputError{}}
	for _, te := range set.ToolErrors {
		rep.ToolErrors = append(rep.ToolErrors, policy.InputError{File: te.File, Line: te.Line, Col: te.Col, Message: te.Msg})
	}
	if rep.MaxExpiry == "" {
		rep.MaxExpiry = ledger.DefaultMaxTerm
	}
	if len(rep.Stages) == 0 {
		rep.Stages = nil
	}
	if e.JSON {
		enc := json.NewEncoder(e.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		writeCheck(e.Out, &rep)
	}
	switch {
	case len(rep.Errors) > 0:
		return &exitError{code: exitInputErrors}
	case !rep.Passed:
		return &exitError{code: exitFailed}
	}
	return nil
}

func writeCheck(w io.Writer, r *checkReport) {
	th := "fail-on " + r.FailOn
	if len(r.Stages) > 0 {
		var s []string
		for k, v := range r.Stages {
			s = append(s, k+"="+v)
		}
		sort.Strings(s)
		th += " (" + strings.Join(s, ", ") + ")"
	}
	th += ", quality " + r.FailOnQual
	for _, er := range r.ToolErrors {
		fmt.Fprintf(w, "TOOL ERROR  %s: %s\n", sanitize(er.File), sanitize(er.Message))
	}
	for _, er := range r.Errors {
		loc := er.File
		if er.Line > 0 {
			loc = fmt.Sprintf("%s:%d:%d", er.File, er.Line, er.Col)
		}
		fmt.Fprintf(w, "INPUT ERROR %s: %s\n", sanitize(loc), sanitize(er.Message))
	}
	for _, p := range r.Problems {
		switch p.Kind {
		case policy.KindOpen:
			label := "OPEN       "
			if p.FindingKind == "quality" {
				label = "OPEN (qual)"
			}
			fmt.Fprintf(w, "%s %s  %-8s %-7s %s  %s  %s\n", label, p.ID, p.Severity, p.Stage, sanitize(p.Rule), sanitize(p.Location), sanitize(truncate(p.Message, 80)))
		default:
			fmt.Fprintf(w, "%-11s %s  %s: %s\n", strings.ToUpper(p.Kind), p.ID, sanitize(p.Location), sanitize(p.Message))
		}
	}
	for _, p := range r.Warnings {
		fmt.Fprintf(w, "warning     %s  %s: %s (fails with --strict)\n", p.ID, sanitize(p.Location), sanitize(p.Message))
	}
	if r.Passed {
		fmt.Fprintf(w, "secui check: passed — %d findings, %d open (%d security, %d quality), none at or above the threshold (%s); ledger %s OK\n", r.Findings, r.Open, r.Security, r.Quality, th, r.Ledger)
		return
	}
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{
		{len(r.Errors), "input error(s)"}, {r.Review, "need(s) review"}, {r.Expired, "expired"}, {r.Overdue, "overdue"},
		{r.Unjustfied, "unjustified"}, {r.Orphaned, "orphaned"},
	} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	if r.Strict && r.Ambiguous > 0 {
		parts = append(parts, fmt.Sprintf("%d ambiguous", r.Ambiguous))
	}
	extra := ""
	if len(parts) > 0 {
		extra = "; " + strings.Join(parts, ", ")
	}
	fmt.Fprintf(w, "secui check: FAILED — %d open finding(s) at or above the threshold (%s)%s\n", r.OverThresh, th, extra)
	if len(r.Errors) > 0 {
		fmt.Fprintln(w, "secui check: some SARIF input could not be read; the gate cannot vouch for it (exit 4)")
	}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func countKind(ps []policy.Problem, kind string) int {
	n := 0
	for _, p := range ps {
		if p.Kind == kind {
			n++
		}
	}
	return n
}
