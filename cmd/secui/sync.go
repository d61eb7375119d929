package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/repofs"
	"github.com/secui/secui/trackers"
	"github.com/secui/secui/trackers/connect"
	"github.com/secui/secui/trackers/content"
	"github.com/secui/secui/trackers/engine"
	"github.com/secui/secui/trackers/planview"
	"github.com/secui/secui/trackers/redact"
)

func init() { registerCommand(newSyncCmd) }

const syncSchema = "secui.sync/v1"

const syncLong = `Sync accepted findings to GitHub Issues or Jira, exactly once.

secui first shows the plan — per ticket: create, adopt, update, comment,
close, reopen, unchanged or skip, with the exact payloads (new body against
the ticket's current body, labels, fields) — and then applies exactly that
plan, only when confirmed: answer y on a terminal, or pass --yes in scripts.
--dry-run shows the plan and sends nothing; --check verifies the connection
and permissions without writing anything.

Each accepted finding (or group: trackers.<tracker>.grouping) gets one
ticket. The ledger's tickets: section records it (an intent before the
create, the ticket's id as soon as it is confirmed) and every ticket carries
a marker (label secui-g-…, plus a hidden body marker on GitHub and an issue
property on Jira), so lost responses, killed runs and concurrent runs never
create a second ticket. secui owns only the fenced section of the body; an
edit inside it turns updates into comments. A ticket is closed when all its
findings are fixed (gone from a successful run of their scanner) or
suppressed, and reopened when a finding comes back. Secrets from the scan
are never sent: they are redacted, and a request holding one is refused.

Connection (tokens come from the environment only and are never shown):
  github  GITHUB_TOKEN or GH_TOKEN; GITHUB_API_URL for GitHub Enterprise
          Server (https://HOST/api/v3); the repository is the origin remote
          unless trackers.github.repo is set
  jira    JIRA_URL, JIRA_USER, JIRA_API_TOKEN, JIRA_AUTH_TYPE=basic|bearer
          (Cloud: email + API token, basic; Data Center: personal access
          token, bearer); trackers.jira.project and the rest in .secui.yaml

Exit status: 0 when everything planned was applied (or nothing was to do),
1 when something failed or the run was stopped (ctrl+c stops between
requests; run it again), 2 for usage or configuration errors.`

func newSyncCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sync github|jira [PATH...]",
		Short: "Sync accepted findings to GitHub Issues or Jira (plan, confirm, apply exactly once)",
		Long:  syncLong,
		Example: `  secui sync github --dry-run          # show the plan, send nothing
  secui sync github                    # show the plan, ask, apply
  secui sync jira --yes --json         # in CI: apply without asking, JSON result
  secui sync jira --check              # verify JIRA_* and permissions, write nothing`,
		Args:      cobra.MinimumNArgs(1),
		ValidArgs: []string{"github", "jira"},
		RunE: func(cmd *cobra.Command, args []string) error {
			kind := args[0]
			if kind != "github" && kind != "jira" {
				return usageErr("unknown tracker %q (want github or jira)", kind)
			}
			e, err := newEnv(cmd, args[1:])
			if err != nil {
				return err
			}
			return runSync(cmd.Context(), cmd, e, kind)
		},
	}
	f := cmd.Flags()
	f.Bool("dry-run", false, "show the plan and send nothing")
	f.BoolP("yes", "y", false, "apply without asking (scripts, CI)")
	f.Bool("json", false, "print the plan (and the result) as JSON ("+syncSchema+")")
	f.Bool("check", false, "verify the connection and permissions, write nothing")
	f.BoolP("verbose", "v", false, "show every payload in full (bodies, diffs)")
	return cmd
}

// newTracker builds the tracker client from the environment and config
// (trackers/connect, shared with the console).
func newTracker(e *env, kind string, secrets *redact.Secrets, progress func(string)) (trackers.Tracker, error) {
	tr, err := connect.Tracker(kind, trackerEnv(e, secrets, progress))
	if err != nil {
		return nil, configErr(err)
	}
	return tr, nil
}

func trackerEnv(e *env, secrets *redact.Secrets, progress func(string)) connect.Env {
	return connect.Env{Config: e.Config, Repo: e.Repo, Secrets: secrets, Progress: progress}
}

func runSync(ctx context.Context, cmd *cobra.Command, e *env, kind string) error {
	if e.Repo == nil {
		return errNotRepo
	}
	progress := func(s string) { fmt.Fprintln(e.Err, "secui: "+sanitize(s)) }
	if flagBool(cmd, "check") {
		tr, err := newTracker(e, kind, &redact.Secrets{}, progress)
		if err != nil {
			return err
		}
		r, err := tr.Check(ctx)
		if err != nil {
			return &exitError{code: exitFailed, err: err}
		}
		if e.JSON {
			enc := json.NewEncoder(e.Out)
			enc.SetIndent("", "  ")
			if err := enc.Encode(map[string]any{"schema": "secui.sync-check/v1", "target": r.Target, "ok": r.OK(), "checks": r.Lines}); err != nil {
				return err
			}
		} else {
			fmt.Fprintf(e.Out, "secui sync %s --check: %s\n", kind, sanitize(r.Target))
			for _, l := range r.Lines {
				mark := "ok  "
				if !l.OK {
					mark = "FAIL"
				}
				fmt.Fprintf(e.Out, "  %s %-11s %s\n", mark, l.What, sanitize(l.Msg))
			}
		}
		if !r.OK() {
			return &exitError{code: exitFailed}
		}
		return nil
	}

	set, err := e.load(ctx)
	if err != nil {
		return err
	}
	l, err := openLedger(e)
	if l == nil {
		return configErr(err)
	}
	if err != nil {
		return configErr(fmt.Errorf("ledger %s is invalid; fix it first:\n%w", l.RelPath(), err))
	}
	now := nowFunc()
	overlay := l.Overlay(set.Findings, now, e.overlayOptions())
	rf, err := repofs.Open(e.Root)
	if err != nil {
		return err
	}
	defer rf.Close()
	secrets := redact.Collect(set, rf)
	tr, err := newTracker(e, kind, secrets, progress)
	if err != nil {
		return err
	}
	opts := connect.Options(kind, trackerEnv(e, secrets, progress), tr, l, set, overlay)
	plan, err := engine.MakePlan(ctx, opts)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	verbose := flagBool(cmd, "verbose")
	if !e.JSON {
		writePlan(e.Out, plan, tr.Format(), verbose)
	}
	dry := flagBool(cmd, "dry-run")
	if dry || plan.Writes() == 0 {
		if e.JSON {
			return writeSyncJSON(e.Out, plan, nil, dry)
		}
		if dry {
			fmt.Fprintln(e.Out, "dry run: nothing was sent")
		} else {
			fmt.Fprintln(e.Out, "nothing to do")
			// unchanged tickets still get their records refreshed
			if _, err := engine.Apply(ctx, opts, plan); err != nil {
				return &exitError{code: exitFailed, err: err}
			}
		}
		return nil
	}
	if !flagBool(cmd, "yes") {
		ok, err := confirm(cmd, e, fmt.Sprintf("Apply %d change(s) to %s? [y/N] ", plan.Writes(), sanitize(plan.Target)))
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(e.Out, "nothing was sent")
			return &exitError{code: exitFailed}
		}
	}
	opts.Progress = func(p engine.Progress) {
		if e.JSON {
			return
		}
		a := p.Action
		ticket := a.Ticket
		if ticket == "" {
			ticket = a.Group
		}
		if p.Done {
			st := "done"
			if p.Err != nil {
				st = "failed: " + sanitize(p.Err.Error())
			}
			fmt.Fprintf(e.Err, "[%d/%d] %s %s: %s\n", p.Index, p.Total, a.Kind, sanitize(ticket), st)
		}
	}
	res, err := engine.Apply(ctx, opts, plan)
	if e.JSON {
		if jerr := writeSyncJSON(e.Out, plan, res, false); jerr != nil {
			return jerr
		}
	} else if res != nil {
		writeResult(e.Out, res)
	}
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if res.Stopped {
		return &exitError{code: exitFailed, err: errors.New("stopped: the rest was not sent; run secui sync again to finish")}
	}
	if n := res.Failed(); n > 0 {
		return &exitError{code: exitFailed, err: fmt.Errorf("%d action(s) failed", n)}
	}
	return nil
}

func confirm(cmd *cobra.Command, e *env, prompt string) (bool, error) {
	in := cmd.InOrStdin()
	f, isFile := in.(*os.File)
	out, outFile := e.Out.(*os.File)
	if !isFile || !term.IsTerminal(f.Fd()) || !outFile || !term.IsTerminal(out.Fd()) {
		return false, usageErr("refusing to write without confirmation: not a terminal; re-run with --yes (or --dry-run to only see the plan)")
	}
	fmt.Fprint(e.Out, prompt)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && err != io.EOF {
		return false, err
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}

func writeSyncJSON(w io.Writer, plan *engine.Plan, res *engine.Result, dry bool) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(map[string]any{"schema": syncSchema, "dry_run": dry, "plan": plan, "result": res})
}

// writePlan prints the plan as a table, then each write's payload.
func writePlan(w io.Writer, plan *engine.Plan, f content.Format, verbose bool) {
	fmt.Fprintf(w, "secui sync %s → %s (grouping: %s, %s)\n", plan.Tracker, sanitize(plan.Target), plan.Grouping, plan.Format)
	for _, warn := range plan.Warnings {
		fmt.Fprintln(w, "warning: "+sanitize(warn))
	}
	if len(plan.Actions) == 0 {
		fmt.Fprintln(w, "no accepted findings and no tickets")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tTICKET\tFINDINGS\tTITLE\tWHY")
	for _, a := range plan.Actions {
		t := a.Ticket
		if t == "" {
			t = "-"
		}
		why := a.Why
		if a.Redacted > 0 {
			why += fmt.Sprintf(" (%d secret value(s) redacted)", a.Redacted)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", a.Kind, sanitize(t), len(a.Findings), sanitize(truncateCell(a.Title, 60)), sanitize(truncateCell(why, 90)))
	}
	tw.Flush()
	c := plan.Counts()
	var parts []string
	for _, k := range []string{engine.Create, engine.Adopt, engine.Update, engine.Comment, engine.Close, engine.Reopen, engine.Unchanged, engine.Skip, engine.Refused} {
		if c[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[k], k))
		}
	}
	fmt.Fprintln(w, strings.Join(parts, ", "))
	for _, a := range plan.Actions {
		if !planview.Shown(a) {
			continue
		}
		fmt.Fprintf(w, "\n%s\n", planview.Header(a))
		for _, l := range planview.Steps(plan.Tracker, a, f, verbose) {
			fmt.Fprintln(w, l)
		}
	}
}

func writeResult(w io.Writer, res *engine.Result) {
	m := map[string]int{}
	for _, o := range res.Outcomes {
		m[o.Status]++
		if o.Status == "failed" || (o.Status == "skipped" && o.Msg != "" && o.Kind != engine.Unchanged) {
			fmt.Fprintf(w, "%s %s %s: %s\n", o.Status, o.Kind, sanitize(firstNonEmpty(o.Ticket, o.Group)), sanitize(o.Msg))
		}
	}
	var parts []string
	for _, k := range []string{"done", "skipped", "failed", "not-run"} {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
		}
	}
	fmt.Fprintf(w, "applied: %s; %d ticket(s) created. The ledger's tickets: section changed: commit it.\n", strings.Join(parts, ", "), res.Created)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// ---- tickets in secui list --json

type jsonTicket struct {
	Tracker string `json:"tracker"`
	Target  string `json:"target"`
	ID      string `json:"id,omitempty"`
	URL     string `json:"url,omitempty"`
	State   string `json:"state"`
}

// findingTickets returns the tickets of f (through its decision) for list.
func findingTickets(set *findings.Set, f *findings.Finding) []jsonTicket {
	v, ok := ledgerCache.Load(set)
	if !ok {
		return nil
	}
	al := v.(matchedLedger)
	ids := []string{f.ID}
	if m, ok := al.ov.Match(f); ok && m.Decision.ID != f.ID {
		ids = append([]string{m.Decision.ID}, ids...)
	}
	var out []jsonTicket
	seen := map[string]bool{}
	for _, id := range ids {
		for _, t := range al.l.TicketsFor(id) {
			if seen[t.RecordKey()] {
				continue
			}
			seen[t.RecordKey()] = true
			out = append(out, jsonTicket{Tracker: t.Tracker, Target: t.Target, ID: t.ID, URL: t.URL, State: t.State})
		}
	}
	slices.SortStableFunc(out, func(a, b jsonTicket) int { return strings.Compare(b.State, a.State) })
	return out
}
