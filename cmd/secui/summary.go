package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/policy"
	"github.com/secui/secui/findings/query"
)

func init() { registerCommand(newSummaryCmd) }

const summarySchema = "secui.summary/v1"

func newSummaryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "summary [PATH...]",
		Short: "Count findings by kind, stage × severity, tool, category and state",
		Long: `Count findings: security and quality findings apart (kind × severity), a
grid of DevSecOps stage × severity, then counts by tool, by category and by
triage state.

The same inputs, filters and default hiding as ` + "`secui list`" + ` apply, so the grid
total equals the number of rows ` + "`secui list`" + ` prints. The state counts cover every
finding matching the filter, hidden ones included.`,
		Example: `  secui summary
  secui summary --json --stage code,build
  secui summary /tmp/big.sarif`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: sarifCompletion,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := newEnv(cmd, args)
			if err != nil {
				return err
			}
			heapDone := prepareHeap(e.Paths)
			sel, err := selectFindings(cmd.Context(), cmd, e, "")
			heapDone()
			if err != nil {
				return err
			}
			fs := sel.set.Findings
			vis := query.SummarizeOpen(fs, sel.idx, sel.ov, policy.CountsOpen) // OpenByStage: the shown findings that count as open
			all := vis                                                         // sel.idx is sel.all less the hidden ones: equal lengths, equal sets
			if len(sel.all) != len(sel.idx) {
				all = query.Summarize(fs, sel.all, sel.ov)
			}
			w := bufio.NewWriter(e.Out)
			defer w.Flush()
			if e.JSON {
				if err := writeSummaryJSON(w, sel, vis, all); err != nil {
					return err
				}
			} else {
				_, color := termInfo(e)
				writeSummary(w, sel, vis, all, color)
			}
			return w.Flush()
		},
	}
	addFilterFlags(cmd)
	cmd.Flags().Bool("json", false, "print as JSON (schema secui.summary/v1)")
	cmd.Flags().Bool("all", false, "include suppressed and fixed findings")
	return cmd
}

// sevCounts maps severity names to counts (critical first when marshalled by hand).
type sevCounts map[string]int

func countsOf(c [5]int) sevCounts {
	m := sevCounts{}
	for s, n := range c {
		m[findings.Severity(s).String()] = n
	}
	return m
}

func sum5(c [5]int) int { return c[0] + c[1] + c[2] + c[3] + c[4] }

type jsonSummary struct {
	Schema     string               `json:"schema"`
	Total      int                  `json:"total"`
	Hidden     int                  `json:"hidden"`
	BySeverity sevCounts            `json:"by_severity"`
	ByStage    map[string]sevCounts `json:"by_stage"`
	// OpenByStage counts what the console's ribbon and the gate count open.
	OpenByStage map[string]int       `json:"open_by_stage"`
	ByTool      map[string]sevCounts `json:"by_tool"`
	ByCategory  map[string]sevCounts `json:"by_category"`
	ByKind      map[string]sevCounts `json:"by_kind"`
	ByState     map[string]int       `json:"by_state"`
	Files       int                  `json:"files"`
	Errors      []jsonError          `json:"errors"`
	ToolErrors  []jsonError          `json:"tool_errors"`
}

func severityTotals(s query.Summary) [5]int {
	var t [5]int
	for _, row := range s.ByStageSev {
		for i, n := range row {
			t[i] += n
		}
	}
	return t
}

func writeSummaryJSON(w io.Writer, sel *selection, vis, all query.Summary) error {
	doc := jsonSummary{
		Schema: summarySchema, Total: vis.Total, Hidden: sel.hidden,
		BySeverity: countsOf(severityTotals(vis)),
		ByStage:    map[string]sevCounts{}, ByTool: map[string]sevCounts{},
		ByCategory: map[string]sevCounts{}, ByState: map[string]int{},
		Files: len(sel.set.Files), Errors: jsonErrors(sel.set), ToolErrors: jsonToolErrors(sel.set),
		ByKind: map[string]sevCounts{},
	}
	for _, k := range findings.Kinds {
		doc.ByKind[k.String()] = countsOf(vis.ByKind[k])
	}
	open := vis.OpenByStage
	doc.OpenByStage = map[string]int{}
	for _, st := range findings.Stages {
		doc.ByStage[st.String()] = countsOf(vis.ByStageSev[st])
		doc.OpenByStage[st.String()] = open[st]
	}
	for _, c := range findings.Categories {
		if sum5(vis.ByCategory[c]) > 0 {
			doc.ByCategory[c.String()] = countsOf(vis.ByCategory[c])
		}
	}
	for t, c := range vis.ByTool {
		doc.ByTool[t] = countsOf(c)
	}
	for _, s := range findings.States {
		doc.ByState[s.String()] = all.ByState[s]
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func writeSummary(w io.Writer, sel *selection, vis, all query.Summary, color bool) {
	bold := func(s string) string {
		if color {
			return "\x1b[1m" + s + sgrReset
		}
		return s
	}
	sevHead := func(label string, lw int) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%-*s", lw, label)
		for _, s := range findings.Severities {
			h := s.Letter() + " " + s.String()
			if color {
				h = sevColor[s] + fmt.Sprintf("%10s", h) + sgrReset
			} else {
				h = fmt.Sprintf("%10s", h)
			}
			b.WriteString(h)
		}
		fmt.Fprintf(&b, "%8s", "total")
		return b.String()
	}
	row := func(label string, lw int, c [5]int) {
		fmt.Fprintf(w, "%-*s", lw, sanitize(label))
		for _, s := range findings.Severities {
			if c[s] == 0 {
				fmt.Fprintf(w, "%10s", "·")
			} else {
				fmt.Fprintf(w, "%10d", c[s])
			}
		}
		fmt.Fprintf(w, "%8d\n", sum5(c))
	}

	fmt.Fprintf(w, "%s  %d findings", bold("secui summary"), vis.Total)
	if sel.hidden > 0 {
		fmt.Fprintf(w, " (+%d suppressed or fixed hidden; --all to include)", sel.hidden)
	}
	fmt.Fprintf(w, " from %d file(s)", len(sel.set.Files))
	if n := len(sel.set.Errors); n > 0 {
		fmt.Fprintf(w, ", %d load error(s) on stderr", n)
	}
	if n := len(sel.set.ToolErrors); n > 0 {
		fmt.Fprintf(w, ", %d tool error(s) on stderr", n)
	}
	fmt.Fprintln(w)

	// Security first, quality apart: the gate's two thresholds.
	fmt.Fprintln(w)
	fmt.Fprintln(w, bold(sevHead("KIND", 10)))
	for _, k := range findings.Kinds {
		row(k.String(), 10, vis.ByKind[k])
	}

	fmt.Fprintln(w)
	// The "open" column is what the console's stage ribbon and the gate
	// count (policy.CountsOpen: accepted findings are shown but not open),
	// so "24C" on the ribbon — 24 open, the worst of them critical — and
	// this table agree.
	open := vis.OpenByStage
	fmt.Fprintln(w, bold(sevHead("STAGE", 10)+fmt.Sprintf("%8s", "open")))
	stageRow := func(label string, c [5]int, n int) {
		var b strings.Builder
		ww := w
		w = &b
		row(label, 10, c)
		w = ww
		fmt.Fprintf(w, "%s%8d\n", strings.TrimSuffix(b.String(), "\n"), n)
	}
	tot := 0
	for _, st := range findings.Stages {
		stageRow(st.String(), vis.ByStageSev[st], open[st])
		tot += open[st]
	}
	stageRow("total", severityTotals(vis), tot)

	// Tools, by count desc then name.
	tools := make([]string, 0, len(vis.ByTool))
	lw := len("TOOL")
	for t := range vis.ByTool {
		tools = append(tools, t)
		lw = max(lw, min(len(sanitize(t)), 30))
	}
	sort.Slice(tools, func(a, b int) bool {
		na, nb := sum5(vis.ByTool[tools[a]]), sum5(vis.ByTool[tools[b]])
		if na != nb {
			return na > nb
		}
		return tools[a] < tools[b]
	})
	if len(tools) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, bold(sevHead("TOOL", lw+2)))
		for _, t := range tools {
			label := sanitize(t)
			if len(label) > 30 {
				label = label[:29] + "…"
			}
			row(label, lw+2, vis.ByTool[t])
		}
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, bold(sevHead("CATEGORY", 11)))
	for _, c := range findings.Categories {
		if sum5(vis.ByCategory[c]) > 0 {
			row(c.String(), 11, vis.ByCategory[c])
		}
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, bold("STATE"))
	for _, s := range findings.States {
		fmt.Fprintf(w, "%-11s%8d\n", s.String(), all.ByState[s])
	}
}
