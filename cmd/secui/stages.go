package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/pipeline"
	"github.com/secui/secui/runner"
)

func init() { registerCommand(newStagesCmd) }

const stagesSchema = "secui.stages/v1"

func newStagesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stages [PATH...]",
		Short: "The DevSecOps pipeline: per stage, open/accepted/suppressed/fixed findings and the scanners that feed it",
		Long: `Print the eight DevSecOps stages with, per stage, the open, accepted,
suppressed and fixed findings by severity, the share no longer open, and the
scanners that feed it with when each last ran (from its scan record, or the
SARIF run's invocation times for tools secui does not run).

A scanner feeds the stages configured for it and every stage its findings
are in. Findings the SARIF input suppresses count as suppressed. Fixed
counts include the findings a re-scan proved fixed, which no result reports
any more (kept in the scan records), and fixed findings still waiting for a
scan ("pending"). The console's pipeline screen shows the same numbers.`,
		Example: `  secui stages
  secui stages --json | jq '.stages[] | select(.open.total > 0) | .stage'`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: sarifCompletion,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := newEnv(cmd, args)
			if err != nil {
				return err
			}
			return runStages(cmd, e)
		},
	}
	cmd.Flags().Bool("json", false, "print as JSON (schema "+stagesSchema+")")
	return cmd
}

func runStages(cmd *cobra.Command, e *env) error {
	set, err := e.load(cmd.Context())
	if err != nil {
		var xe *exitError
		if !errors.As(err, &xe) || xe.code != exitNoInput || len(e.Config.Scanners) == 0 {
			return err
		}
		set = &findings.Set{Root: e.Root} // no results yet, but scanners to show
	}
	l, ov, err := applyLedger(e, set)
	if err != nil {
		return err
	}
	feeds := runner.Feeds(e.Root, e.Config, set)
	rows := pipeline.Compute(set.Findings, ov, pipeline.Options{
		Pending: func(f *findings.Finding) bool {
			m, ok := ov.Match(f)
			return ok && m.Decision.Pending
		},
		Scanners: feeds,
	})
	w := bufio.NewWriter(e.Out)
	defer w.Flush()
	if e.JSON {
		if err := writeStagesJSON(w, rows, feeds, l, set); err != nil {
			return err
		}
	} else {
		_, color := termInfo(e)
		writeStages(w, rows, nowFunc(), color)
	}
	return w.Flush()
}

type stageCounts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Info     int `json:"info"`
	Total    int `json:"total"`
}

func toCounts(c pipeline.Counts) stageCounts {
	return stageCounts{Critical: c[findings.SevCritical], High: c[findings.SevHigh], Medium: c[findings.SevMedium],
		Low: c[findings.SevLow], Info: c[findings.SevInfo], Total: c.Total()}
}

type scannerJSON struct {
	Name       string   `json:"name"`
	Configured bool     `json:"configured"`
	Tools      []string `json:"tools"`
	Stages     []string `json:"stages"`
	LastRun    *string  `json:"last_run"` // RFC 3339, null when never or unknown
	From       string   `json:"from,omitempty"`
	Status     string   `json:"status,omitempty"`
	Version    string   `json:"version,omitempty"`
	Open       *int     `json:"open,omitempty"` // in a stage: open findings of this stage from it
}

func scannerDoc(s *pipeline.Scanner) scannerJSON {
	d := scannerJSON{Name: sanitize(s.Name), Configured: s.Configured, Tools: []string{}, Stages: []string{}, From: s.From, Status: s.Status, Version: sanitize(s.Version)}
	for _, t := range s.Tools {
		d.Tools = append(d.Tools, sanitize(t))
	}
	for _, st := range s.Stages {
		d.Stages = append(d.Stages, st.String())
	}
	if !s.LastRun.IsZero() {
		v := s.LastRun.UTC().Format(time.RFC3339)
		d.LastRun = &v
	}
	return d
}

func writeStagesJSON(w io.Writer, rows []pipeline.Row, feeds []*pipeline.Scanner, l *ledger.Ledger, set *findings.Set) error {
	type stageJSON struct {
		Stage      string        `json:"stage"`
		Open       stageCounts   `json:"open"`
		Accepted   stageCounts   `json:"accepted"`
		Suppressed stageCounts   `json:"suppressed"`
		Fixed      stageCounts   `json:"fixed"`
		Pending    int           `json:"pending"`
		Total      int           `json:"total"`
		Progress   float64       `json:"progress"`
		Scanners   []scannerJSON `json:"scanners"`
	}
	doc := struct {
		Schema   string        `json:"schema"`
		Ledger   string        `json:"ledger"`
		Stages   []stageJSON   `json:"stages"`
		Scanners []scannerJSON `json:"scanners"`
		Errors   []jsonError   `json:"errors"`
	}{Schema: stagesSchema, Ledger: l.RelPath(), Scanners: []scannerJSON{}, Errors: jsonErrors(set)}
	for i := range rows {
		r := &rows[i]
		sj := stageJSON{Stage: r.Stage.String(), Open: toCounts(r.Open), Accepted: toCounts(r.Accepted), Suppressed: toCounts(r.Suppressed),
			Fixed: toCounts(r.Fixed), Pending: r.Pending, Total: r.Total(), Progress: float64(int(r.Progress()*1000+0.5)) / 1000, Scanners: []scannerJSON{}}
		for _, f := range r.Feeds {
			d := scannerDoc(f.Scanner)
			n := f.Open
			d.Open = &n
			sj.Scanners = append(sj.Scanners, d)
		}
		doc.Stages = append(doc.Stages, sj)
	}
	for _, s := range feeds {
		doc.Scanners = append(doc.Scanners, scannerDoc(s))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func writeStages(w io.Writer, rows []pipeline.Row, now time.Time, color bool) {
	bold := func(s string) string {
		if color {
			return "\x1b[1m" + s + sgrReset
		}
		return s
	}
	sev := func(c pipeline.Counts) string {
		var b strings.Builder
		for i, s := range findings.Severities {
			if i > 0 {
				b.WriteByte(' ')
			}
			n := c[s]
			cell := fmt.Sprintf("%s%-3d", s.Letter(), n)
			if n == 0 {
				cell = fmt.Sprintf("%s%-3s", s.Letter(), "·")
			} else if color {
				cell = sevColor[s] + cell + sgrReset
			}
			b.WriteString(cell)
		}
		return b.String()
	}
	fmt.Fprintln(w, bold(fmt.Sprintf("%-8s %5s  %-24s %8s %10s %6s  %-14s %s", "STAGE", "OPEN", "OPEN BY SEVERITY", "ACCEPTED", "SUPPRESSED", "FIXED", "PROGRESS", "SCANNERS")))
	for i := range rows {
		r := &rows[i]
		fixed := fmt.Sprint(r.Fixed.Total())
		if r.Pending > 0 {
			fixed = fmt.Sprintf("%d(%dp)", r.Fixed.Total(), r.Pending)
		}
		const width = 8
		done := int(r.Progress()*width + 0.5)
		bar := strings.Repeat("█", done) + strings.Repeat("░", width-done)
		prog := fmt.Sprintf("%s %3d%%", bar, int(r.Progress()*100+0.5))
		if r.Total() == 0 {
			prog = fmt.Sprintf("%-14s", "—")
		}
		var feeds []string
		for _, f := range r.Feeds {
			s := sanitize(f.Name)
			if f.Configured || !f.LastRun.IsZero() {
				s += " " + pipeline.Ago(f.LastRun, now)
			}
			if f.Status != "" && f.Status != "ok" {
				s += " (" + f.Status + ")"
			}
			feeds = append(feeds, s)
		}
		fmt.Fprintf(w, "%-8s %5d  %-24s %8d %10d %6s  %s  %s\n", r.Stage, r.Open.Total(), sev(r.Open), r.Accepted.Total(), r.Suppressed.Total(), fixed, prog, strings.Join(feeds, ", "))
	}
}
