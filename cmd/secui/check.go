package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/query"
)

func init() { registerCommand(newCheckCmd) }

const checkLong = `CI gate. Exits 1 when:
  - open findings at or above the threshold exist (default high; --fail-on,
    or check.fail-on in .secui.yaml; per stage with --stage code=critical or
    check.stages; "off" disables a threshold),
  - a suppression has expired (the finding is open again),
  - a suppression has no reason or no real justification (hand edits),
  - a suppression is orphaned (it matches no current finding: remove it, or
    the scan that produced the finding is missing).
Findings suppressed in the SARIF input itself (accepted / under review)
do not count as open.

Exit codes: 0 passed, 1 failed, 2 usage or configuration error (including an
invalid ledger), 3 no SARIF input could be loaded.`

func newCheckCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check [PATH...]",
		Short: "CI gate: fail on open findings over a threshold and on bad suppressions",
		Long:  checkLong,
		Example: `  secui check
  secui check --fail-on medium --stage build=critical --stage test=off
  secui check --json results/ > check.json`,
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
	f.String("fail-on", "", "lowest severity of an open finding that fails: critical, high, medium, low, info, off (default high)")
	f.StringArray("stage", nil, "per-stage threshold STAGE=SEVERITY (repeatable), e.g. code=critical, test=off")
	f.Bool("json", false, "print the report as JSON")
	return cmd
}

// threshold is the lowest failing severity; off disables.
type threshold struct {
	sev findings.Severity
	off bool
}

func parseThreshold(s string) (threshold, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "off", "none", "never":
		return threshold{off: true}, nil
	}
	sev, err := findings.ParseSeverity(s)
	if err != nil {
		return threshold{}, err
	}
	return threshold{sev: sev}, nil
}

func (t threshold) String() string {
	if t.off {
		return "off"
	}
	return t.sev.String()
}

type checkProblem struct {
	Kind     string `json:"kind"` // open, expired, unjustified, orphaned
	ID       string `json:"id"`
	Severity string `json:"severity,omitempty"`
	Stage    string `json:"stage,omitempty"`
	Rule     string `json:"rule,omitempty"`
	Location string `json:"location,omitempty"`
	Message  string `json:"message"`
}

type checkReport struct {
	Schema     string            `json:"schema"`
	Passed     bool              `json:"passed"`
	FailOn     string            `json:"fail_on"`
	Stages     map[string]string `json:"stages,omitempty"`
	Ledger     string            `json:"ledger"`
	Findings   int               `json:"findings"`
	Open       int               `json:"open"`
	OverThresh int               `json:"open_over_threshold"`
	Expired    int               `json:"expired"`
	Unjustfied int               `json:"unjustified"`
	Orphaned   int               `json:"orphaned"`
	Problems   []checkProblem    `json:"problems"`
}

func runCheck(ctx context.Context, cmd *cobra.Command, e *env) error {
	failOn := flagString(cmd, "fail-on")
	if failOn == "" {
		failOn = e.Config.Check.FailOn
	}
	if failOn == "" {
		failOn = "high"
	}
	def, err := parseThreshold(failOn)
	if err != nil {
		return usageErr("--fail-on: %v", err)
	}
	var stageTh [8]threshold
	for i := range stageTh {
		stageTh[i] = def
	}
	stagesOut := map[string]string{}
	setStage := func(name, val, origin string) error {
		st, err := findings.ParseStage(name)
		if err != nil {
			return usageErr("%s: %v", origin, err)
		}
		th, err := parseThreshold(val)
		if err != nil {
			return usageErr("%s %s: %v", origin, name, err)
		}
		stageTh[st] = th
		stagesOut[st.String()] = th.String()
		return nil
	}
	for name, val := range e.Config.Check.Stages {
		if err := setStage(name, val, "check.stages"); err != nil {
			return err
		}
	}
	stageFlags, _ := cmd.Flags().GetStringArray("stage")
	for _, s := range stageFlags {
		name, val, ok := strings.Cut(s, "=")
		if !ok {
			return usageErr("--stage %q: want STAGE=SEVERITY, e.g. code=critical", s)
		}
		if err := setStage(name, val, "--stage"); err != nil {
			return err
		}
	}

	set, err := e.load(ctx)
	if err != nil {
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
	now := nowFunc()
	rep := checkReport{Schema: "secui.check/v1", FailOn: def.String(), Stages: stagesOut, Ledger: l.RelPath(), Findings: len(idx), Problems: []checkProblem{}}
	for _, i := range idx {
		f := set.Findings[i]
		if ov.State(f) != findings.StateOpen || f.InputSup.Hidden() {
			continue
		}
		rep.Open++
		th := stageTh[f.Stage]
		if th.off || f.Severity < th.sev {
			continue
		}
		rep.OverThresh++
		msg := f.Message
		if m, ok := ov.Match(f); ok && m.Expired {
			msg = "suppression expired " + m.Decision.Expires.Format("2006-01-02") + ": " + msg
		}
		rep.Problems = append(rep.Problems, checkProblem{Kind: "open", ID: f.ID, Severity: f.Severity.String(), Stage: f.Stage.String(),
			Rule: f.RuleID(), Location: f.Loc.String(), Message: msg})
	}
	orphan := map[*ledger.Decision]bool{}
	for _, d := range ov.Orphans() {
		orphan[d] = true
	}
	for _, d := range l.Decisions() {
		loc := fmt.Sprintf("%s:%d", l.RelPath(), d.Line)
		if d.Expired(now) {
			rep.Expired++
			rep.Problems = append(rep.Problems, checkProblem{Kind: "expired", ID: d.ID, Rule: d.Rule, Location: loc,
				Message: fmt.Sprintf("suppression expired on %s (%s, by %s)", d.Expires.Format("2006-01-02"), d.Reason, d.Author)})
		}
		if err := d.Unjustified(); err != nil {
			rep.Unjustfied++
			rep.Problems = append(rep.Problems, checkProblem{Kind: "unjustified", ID: d.ID, Rule: d.Rule, Location: loc, Message: err.Error()})
		}
		if orphan[d] && d.State == findings.StateSuppressed {
			rep.Orphaned++
			rep.Problems = append(rep.Problems, checkProblem{Kind: "orphaned", ID: d.ID, Rule: d.Rule, Location: loc,
				Message: fmt.Sprintf("suppression matches no current finding (was %s in %s)", d.Rule, d.Path)})
		}
	}
	order := map[string]int{"expired": 0, "unjustified": 1, "orphaned": 2, "open": 3}
	sort.SliceStable(rep.Problems, func(i, j int) bool { return order[rep.Problems[i].Kind] < order[rep.Problems[j].Kind] })
	rep.Passed = len(rep.Problems) == 0
	if e.JSON {
		enc := json.NewEncoder(e.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		writeCheck(e.Out, &rep)
	}
	if !rep.Passed {
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
	for _, p := range r.Problems {
		switch p.Kind {
		case "open":
			fmt.Fprintf(w, "OPEN        %s  %-8s %-7s %s  %s  %s\n", p.ID, p.Severity, p.Stage, sanitize(p.Rule), sanitize(p.Location), sanitize(truncate(p.Message, 80)))
		default:
			fmt.Fprintf(w, "%-11s %s  %s: %s\n", strings.ToUpper(p.Kind), p.ID, p.Location, sanitize(p.Message))
		}
	}
	if r.Passed {
		fmt.Fprintf(w, "secui check: passed — %d findings, %d open, none at or above the threshold (%s); ledger %s OK\n", r.Findings, r.Open, th, r.Ledger)
		return
	}
	fmt.Fprintf(w, "secui check: FAILED — %d open finding(s) at or above the threshold (%s), %d expired, %d unjustified, %d orphaned suppression(s)\n",
		r.OverThresh, th, r.Expired, r.Unjustfied, r.Orphaned)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
