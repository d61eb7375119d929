package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/policy"
	"github.com/secui/secui/findings/query"
)

func init() { registerCommand(newListCmd) }

// Schema is the value of the "schema" member of `secui list --json` output.
const listSchema = "secui.findings/v1"

const listLong = `List findings as a table, as one JSON document (--json) or as JSON lines (--jsonl).

Findings come from the repository's scan results (discovery) or from the PATHs
given. The shared filter flags and --query narrow them. Without --state or
--all, findings suppressed (in the ledger or in the SARIF input) and fixed
findings are hidden; the footer says how many.

The JSON schema (secui.findings/v1) is documented in docs/json-schema.md.
Per-file load errors go to stderr as file:line:col: message; the other files
still load. Exit status is 0, or 3 when no input could be loaded at all.`

func newListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list [PATH...]",
		Short: "List findings (table, --json or --jsonl)",
		Long:  listLong,
		Example: `  secui list --severity high+ --stage code
  secui list -q 'cwe:89 -path:test/**' --sort file
  secui list --json scans/ | jq '.findings[] | select(.category=="sca") | .vuln'
  trivy fs --format sarif . | secui list -`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: sarifCompletion,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := newEnv(cmd, args)
			if err != nil {
				return err
			}
			return runList(cmd.Context(), cmd, e)
		},
	}
	addFilterFlags(cmd)
	f := cmd.Flags()
	f.Bool("json", false, "print one JSON document (schema secui.findings/v1)")
	f.Bool("jsonl", false, "print one JSON record per line")
	f.String("sort", "severity", "sort by severity, file, rule, tool or stage")
	f.Int("limit", 0, "print at most N findings (0 = all)")
	f.Bool("all", false, "include suppressed findings (here or in the SARIF input)")
	_ = cmd.RegisterFlagCompletionFunc("sort", fixedCompletion([]string{"severity", "file", "rule", "tool", "stage"}))
	return cmd
}

// selection is the filtered, sorted view a command prints.
type selection struct {
	set    *findings.Set
	ov     *ledger.Overlay // triage states (nil: all open)
	idx    []int32         // visible findings, sorted
	hidden int             // matched the filter but hidden by default (policy.HiddenByDefault)
	all    []int32         // every finding matching the filter (visible + hidden)
}

// selectFindings loads, filters (query + default hiding) and sorts (not
// when sortBy is "").
func selectFindings(ctx context.Context, cmd *cobra.Command, e *env, sortBy string) (*selection, error) {
	var key query.SortKey
	if sortBy != "" {
		k, err := query.ParseSortKey(sortBy)
		if err != nil {
			return nil, usageErr("--sort: %v", err)
		}
		key = k
	}
	set, err := e.load(ctx)
	if err != nil {
		if set != nil {
			// Keep the set (its errors) for JSON output; the caller still fails.
			return &selection{set: set}, err
		}
		return nil, err
	}
	_, ov, err := applyLedger(e, set)
	if err != nil {
		return nil, err
	}
	idx, err := query.Filter(ctx, set.Findings, e.Query, ov)
	if err != nil {
		return nil, err
	}
	sel := &selection{set: set, ov: ov, all: idx}
	showAll := flagBool(cmd, "all") || len(flagSlice(cmd, "state")) > 0 || strings.Contains(e.QueryText, "state:")
	if showAll {
		sel.idx = idx
	} else {
		sel.idx = make([]int32, 0, len(idx))
		for _, i := range idx {
			if policy.HiddenByDefault(ov, set.Findings[i]) {
				sel.hidden++
				continue
			}
			sel.idx = append(sel.idx, i)
		}
	}
	if sortBy != "" {
		query.Sort(set.Findings, sel.idx, key)
	}
	return sel, nil
}

func runList(ctx context.Context, cmd *cobra.Command, e *env) error {
	limit, _ := cmd.Flags().GetInt("limit")
	if limit < 0 {
		return usageErr("--limit must be >= 0")
	}
	sel, err := selectFindings(ctx, cmd, e, flagString(cmd, "sort"))
	if err != nil {
		if sel != nil && e.JSON {
			// No input loaded: still one valid document listing the errors.
			_ = writeJSON(e.Out, sel.set, nil, nil)
		}
		return err
	}
	idx := sel.idx
	if limit > 0 && len(idx) > limit {
		idx = idx[:limit]
	}
	w := bufio.NewWriterSize(e.Out, 64<<10)
	defer w.Flush()
	switch {
	case e.JSON:
		err = writeJSONBranch(w, sel.set, idx, toJSONBranch(e.Branch), sel.ov)
	case e.JSONL:
		err = writeJSONL(w, sel.set, idx, sel.ov)
	default:
		width, color := termInfo(e)
		writeTable(w, sel.set.Findings, idx, sel.ov, width, color)
		writeFooter(w, len(idx), sel, color)
		if e.Branch != nil {
			msg := sanitize(e.Branch.Summary())
			if color {
				msg = "\x1b[2m" + msg + sgrReset
			}
			fmt.Fprintln(w, msg)
		}
	}
	if err != nil {
		return err
	}
	return w.Flush()
}

// ---- JSON ----

// jsonFinding is one record of the secui.findings/v1 schema (docs/json-schema.md).
type jsonFinding struct {
	ID             string `json:"id"`
	IDLayer        string `json:"id_layer"`
	Tool           string `json:"tool"`
	ToolVersion    string `json:"tool_version,omitempty"`
	Rule           string `json:"rule"`
	RuleName       string `json:"rule_name,omitempty"`
	Title          string `json:"title"`      // most specific rule title (display)
	Headline       string `json:"headline"`   // message without scanner boilerplate (display)
	Place          string `json:"place"`      // location as a row shows it (display)
	PlaceKind      string `json:"place_kind"` // file, image, package, url, logical, none
	HelpURI        string `json:"help_uri,omitempty"`
	Severity       string `json:"severity"`
	SeveritySource string `json:"severity_source"`
	Level          string `json:"level"`
	Category       string `json:"category"`
	Stage          string `json:"stage"`
	StageReason    string `json:"stage_reason"`
	Kind           string `json:"kind"`
	KindReason     string `json:"kind_reason"`
	// Correlated: set when several tools' findings were merged into this
	// one (same check, same secret place): who said what.
	Correlated       *jsonCorrelated `json:"correlated,omitempty"`
	Path             string          `json:"path"`
	URI              string          `json:"uri,omitempty"`
	InRepo           bool            `json:"in_repo"`
	Line             int             `json:"line"`
	Column           int             `json:"column"`
	EndLine          int             `json:"end_line"`
	EndColumn        int             `json:"end_column"`
	Message          string          `json:"message"`
	State            string          `json:"state"`
	FixPending       bool            `json:"fix_pending,omitempty"` // fixed, waiting for the re-scan that proves it
	Expired          bool            `json:"expired"`
	CWE              []string        `json:"cwe"`
	Vuln             string          `json:"vuln"`
	Package          string          `json:"package"`
	InputSuppression string          `json:"input_suppression"`
	InputSupReason   string          `json:"input_suppression_justification,omitempty"`
	BaselineState    string          `json:"baseline_state"`
	Sources          []jsonSource    `json:"sources"`
	Keys             []string        `json:"keys"`
	// Match is how the ledger decision on this finding found it (null: no
	// decision); Review says why its state needs a human look ("" none).
	Match  *jsonMatch `json:"match"`
	Review string     `json:"review,omitempty"`
	// Ticket is the finding's tracker ticket (secui sync), null when none;
	// Tickets lists every one (GitHub and Jira).
	Ticket  *jsonTicket  `json:"ticket"`
	Tickets []jsonTicket `json:"tickets"`
}

// jsonMatch is the decision placed on a finding and how it matched.
type jsonMatch struct {
	Decision string  `json:"decision"` // ledger record id
	How      string  `json:"how"`      // id, key, same, moved, rename, similar, location
	Text     string  `json:"text"`     // "moved +3 lines", "rename from a.go", "similar context 0.83" ...
	Layer    string  `json:"layer,omitempty"`
	From     string  `json:"from,omitempty"`
	Moved    int     `json:"moved"`
	Score    float64 `json:"score,omitempty"`
	Git      bool    `json:"git"`
	// Scope is set when a scope record decides the finding (how "scope"):
	// what it covers.
	Scope *jsonScope `json:"scope,omitempty"`
}

// jsonScope is what a scope record covers (kind rule or path).
type jsonScope struct {
	Kind string `json:"kind"`
	Tool string `json:"tool,omitempty"`
	Rule string `json:"rule,omitempty"`
	Path string `json:"path,omitempty"` // doublestar glob
}

func scopeJSON(s *ledger.Scope) *jsonScope {
	if s == nil {
		return nil
	}
	return &jsonScope{Kind: string(s.Kind), Tool: s.Tool, Rule: s.Rule, Path: s.Path}
}

// withTickets adds the finding's tickets (sync.go) to its record.
func withTickets(j jsonFinding, set *findings.Set, f *findings.Finding) jsonFinding {
	j.Tickets = findingTickets(set, f)
	if len(j.Tickets) > 0 {
		j.Ticket = &j.Tickets[0]
	} else {
		j.Tickets = []jsonTicket{}
	}
	return j
}

type jsonSource struct {
	File   string `json:"file"`
	Tool   string `json:"tool,omitempty"`
	Run    int    `json:"run"`
	Result int    `json:"result"`
}

type jsonCorrelated struct {
	By      string       `json:"by"`
	Members []jsonMember `json:"members"`
}

type jsonMember struct {
	ID             string `json:"id"`
	Tool           string `json:"tool"`
	Rule           string `json:"rule"`
	Severity       string `json:"severity"`
	SeveritySource string `json:"severity_source"`
	Path           string `json:"path"`
	Line           int    `json:"line"`
	Message        string `json:"message"`
}

type jsonError struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

type jsonDoc struct {
	Schema   string        `json:"schema"`
	Findings []jsonFinding `json:"findings"`
	Errors   []jsonError   `json:"errors"`
	// ToolErrors are a tool's reports about itself (a linter's unknown
	// rule), not findings.
	ToolErrors []jsonError `json:"tool_errors"`
}

func toJSON(f *findings.Finding, ov *ledger.Overlay) jsonFinding {
	j := jsonFinding{
		ID: f.ID, IDLayer: f.IDLayer.String(), Tool: f.ToolName(), Rule: f.RuleID(),
		Severity: f.Severity.String(), SeveritySource: f.SevFrom, Level: f.Level,
		Category: f.Category.String(), Stage: f.Stage.String(), StageReason: f.StageReason,
		Kind: f.Kind.String(), KindReason: f.KindReason,
		Path: f.Loc.Path, URI: f.Loc.URI, InRepo: f.Loc.InRepo,
		Line: f.Loc.Line, Column: f.Loc.Col, EndLine: f.Loc.EndLine, EndColumn: f.Loc.EndCol,
		Message: f.Message, State: ov.State(f).String(), FixPending: isPending(ov, f), Expired: ov.Expired(f), CWE: f.CWEs, Vuln: f.VulnID, Package: f.Package,
		InputSuppression: f.InputSup.String(), InputSupReason: f.InputSupReason,
		BaselineState: f.BaselineState, Keys: f.Keys,
	}
	if f.Tool != nil {
		j.ToolVersion = f.Tool.Version
	}
	if f.Rule != nil {
		j.RuleName = f.Rule.Name
		j.HelpURI = f.Rule.HelpURI
	}
	j.Title, j.Headline, j.Place, j.PlaceKind = f.Title(), f.Headline(), f.Place(), f.Loc.Kind().String()
	if m, ok := ov.Match(f); ok {
		j.Match = &jsonMatch{Decision: m.Decision.ID, How: m.How.String(), Text: m.Describe(), Layer: m.Layer,
			From: m.From, Moved: m.Moved, Score: m.Score, Git: m.Git, Scope: scopeJSON(m.Scope)}
	}
	j.Review = ov.NeedsReview(f)
	if len(f.Members) > 0 {
		j.Correlated = &jsonCorrelated{By: f.CorrelatedBy}
		for _, m := range f.Members {
			j.Correlated.Members = append(j.Correlated.Members, jsonMember{ID: m.ID, Tool: m.ToolName(), Rule: m.RuleID(),
				Severity: m.Severity.String(), SeveritySource: m.SevFrom, Path: m.Loc.Path, Line: m.Loc.Line, Message: m.Message})
		}
	}
	if j.CWE == nil {
		j.CWE = []string{}
	}
	if j.Keys == nil {
		j.Keys = []string{}
	}
	j.Tickets = []jsonTicket{} // withTickets fills them in
	j.Sources = make([]jsonSource, len(f.Sources))
	for i, s := range f.Sources {
		j.Sources[i] = jsonSource{File: s.File, Run: s.Run, Result: s.Result}
		if s.Tool != nil {
			j.Sources[i].Tool = s.Tool.Name
		}
	}
	return j
}

func jsonErrors(set *findings.Set) []jsonError {
	out := make([]jsonError, 0, len(set.Errors))
	for _, le := range set.Errors {
		out = append(out, jsonError{File: le.File, Line: le.Line, Column: le.Col, Message: le.Msg})
	}
	return out
}

func jsonToolErrors(set *findings.Set) []jsonError {
	out := make([]jsonError, 0, len(set.ToolErrors))
	for _, le := range set.ToolErrors {
		out = append(out, jsonError{File: le.File, Line: le.Line, Column: le.Col, Message: le.Msg})
	}
	return out
}

// writeJSON streams the secui.findings/v1 document one record at a time,
// indented like json.MarshalIndent with two spaces.
func writeJSON(w io.Writer, set *findings.Set, idx []int32, ov *ledger.Overlay) error {
	return writeJSONBranch(w, set, idx, nil, ov)
}

// writeJSONBranch is writeJSON with the "branch" member (when new:branch
// was computed; omitted when br is nil).
func writeJSONBranch(w io.Writer, set *findings.Set, idx []int32, br *jsonBranch, ov *ledger.Overlay) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, "{\n  \"schema\": %q,\n  \"findings\": [", listSchema)
	var raw, buf bytes.Buffer
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	for k, i := range idx {
		if k > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n    ")
		raw.Reset()
		if err := enc.Encode(withTickets(toJSON(set.Findings[i], ov), set, set.Findings[i])); err != nil {
			return err
		}
		buf.Reset()
		if err := json.Indent(&buf, bytes.TrimRight(raw.Bytes(), "\n"), "    ", "  "); err != nil {
			return err
		}
		bw.Write(buf.Bytes())
	}
	if len(idx) > 0 {
		bw.WriteString("\n  ")
	}
	errs, err := json.MarshalIndent(jsonErrors(set), "  ", "  ")
	if err != nil {
		return err
	}
	bw.WriteString("],\n  \"errors\": ")
	bw.Write(errs)
	terrs, err := json.MarshalIndent(jsonToolErrors(set), "  ", "  ")
	if err != nil {
		return err
	}
	bw.WriteString(",\n  \"tool_errors\": ")
	bw.Write(terrs)
	if br != nil {
		b, err := json.MarshalIndent(br, "  ", "  ")
		if err != nil {
			return err
		}
		bw.WriteString(",\n  \"branch\": ")
		bw.Write(b)
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}

func writeJSONL(w io.Writer, set *findings.Set, idx []int32, ov *ledger.Overlay) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, i := range idx {
		if err := enc.Encode(withTickets(toJSON(set.Findings[i], ov), set, set.Findings[i])); err != nil {
			return err
		}
	}
	return nil
}

// ---- table ----

// termInfo returns the output width (0 = unlimited) and whether to use colour.
func termInfo(e *env) (int, bool) {
	width := 0
	tty := false
	if f, ok := e.Out.(*os.File); ok && term.IsTerminal(f.Fd()) {
		tty = true
		if w, _, err := term.GetSize(f.Fd()); err == nil && w > 0 {
			width = w
		}
	}
	if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 0 {
		width = c
	}
	if width == 0 && tty {
		width = 80
	}
	color := tty && !e.NoColor && os.Getenv("TERM") != "dumb"
	return width, color
}

// SGR colours per severity (index = findings.Severity).
var sevColor = [...]string{"\x1b[2m", "\x1b[36m", "\x1b[33m", "\x1b[31m", "\x1b[1;35m"}

const sgrReset = "\x1b[0m"

type column struct {
	title string
	min   int // minimum width
	max   int // preferred maximum (0 = flexible, takes the rest)
	cell  func(f *findings.Finding, t *ledger.Overlay) string
	left  bool // truncate on the left (keep the end: file name and line)
	// narrow is the cell when the column is cut below its natural width
	// (nil: truncate): "H" for "H high", "dep" for "deploy".
	narrow func(f *findings.Finding) string
}

// The message is the last column: it is the only one of unbounded length,
// so no line is padded to the longest message (piped output has no width).
var tableColumns = []column{
	{"SEV", 3, 10, func(f *findings.Finding, _ *ledger.Overlay) string {
		return f.Severity.Letter() + " " + f.Severity.String()
	}, false, func(f *findings.Finding) string { return f.Severity.Letter() }},
	{"STAGE", 5, 7, func(f *findings.Finding, _ *ledger.Overlay) string { return f.Stage.String() }, false, stageNarrow},
	{"TOOL", 6, 16, toolCell, false, nil},
	{"RULE", 8, 28, func(f *findings.Finding, _ *ledger.Overlay) string { return f.RuleLabel() }, false, nil},
	{"LOCATION", 14, 40, locationCell, true, nil},
	{"STATE", 8, 20, stateCell, false, nil},
	{"MESSAGE", 10, 0, func(f *findings.Finding, _ *ledger.Overlay) string { return f.Headline() }, false, nil},
}

// colRule is the index of the rule column (ids are cut keeping their numbers).
const colRule = 3

var stageShort = [...]string{"plan", "code", "bld", "test", "rel", "dep", "ops", "mon"}

func stageNarrow(f *findings.Finding) string {
	if int(f.Stage) < len(stageShort) {
		return stageShort[f.Stage]
	}
	return f.Stage.String()
}

// toolCell is the tool name, "+N" when other tools reported the same finding.
func toolCell(f *findings.Finding, _ *ledger.Overlay) string {
	name := f.ToolName()
	others := 0
	seen := map[string]bool{strings.ToLower(name): true}
	for _, s := range f.Sources {
		if s.Tool != nil && !seen[strings.ToLower(s.Tool.Name)] {
			seen[strings.ToLower(s.Tool.Name)] = true
			others++
		}
	}
	if others > 0 {
		return fmt.Sprintf("%s+%d", name, others)
	}
	return name
}

// locationCell is where the finding is, said as what it is: path:line for a
// file (just the path for the 1:1 placeholder SCA and image scanners write
// when they have no line), an image, package or URL as such, "(image)" for
// an image linter's finding without a location (Dockle).
func locationCell(f *findings.Finding, _ *ledger.Overlay) string { return f.Place() }

// stateCell is the triage state, with SARIF-input suppression shown apart
// and "(review)" when a decision may belong to the finding but could not be
// placed with confidence (or the record placed on it needs review).
func stateCell(f *findings.Finding, ov *ledger.Overlay) string {
	st := ov.State(f)
	switch {
	case ov.Expired(f):
		return "open (expired)"
	case ov.NeedsReview(f) != "":
		return st.String() + " (review)"
	case isPending(ov, f):
		return pendingState
	case st == findings.StateOpen && f.InputSup != findings.InNone:
		return "sarif:" + f.InputSup.String()
	}
	return st.String()
}

// msgPref is the message width kept before other columns are cut (a third
// of narrower windows).
const msgPref = 32

// tableGap is the space between columns: two cells, one below 100 columns.
func tableGap(width int) int {
	if width > 0 && width < 100 {
		return 1
	}
	return 2
}

// fitWidths computes column widths for the given cells within width (0 =
// unlimited: natural widths capped at each column's max, cells longer than
// that are not cut but overflow, so piped lines are never padded to the
// longest cell). Columns start at their natural width (capped at their
// max); when too wide, the message shrinks to msgPref, then the widest of
// the other columns shrink towards their minimum, then the message to its
// minimum.
func fitWidths(cells [][]string, width int) []int {
	n := len(tableColumns)
	natural := make([]int, n)
	for c, col := range tableColumns {
		natural[c] = strWidth(col.title)
	}
	for _, row := range cells {
		for c, s := range row {
			if w := strWidth(s); w > natural[c] {
				natural[c] = w
			}
		}
	}
	ws := make([]int, n)
	total := tableGap(width) * (n - 1) // gaps
	flex := -1
	for c, col := range tableColumns {
		ws[c] = natural[c]
		if col.max == 0 {
			flex = c
		} else {
			ws[c] = min(ws[c], col.max)
		}
		total += ws[c]
	}
	if width <= 0 {
		return ws
	}
	over := total - width
	if over <= 0 {
		return ws
	}
	shrink := func(c, floor int) {
		if d := min(over, ws[c]-floor); d > 0 {
			ws[c] -= d
			over -= d
		}
	}
	if flex >= 0 {
		shrink(flex, max(min(msgPref, width/3), tableColumns[flex].min))
	}
	for over > 0 {
		best := -1
		for c := range ws {
			if c != flex && ws[c] > tableColumns[c].min && (best < 0 || ws[c] > ws[best]) {
				best = c
			}
		}
		if best < 0 {
			break
		}
		ws[best]--
		over--
	}
	if flex >= 0 {
		shrink(flex, tableColumns[flex].min)
	}
	return ws
}

func writeTable(w io.Writer, fs []*findings.Finding, idx []int32, ov *ledger.Overlay, width int, color bool) {
	if len(idx) == 0 {
		return
	}
	cells := make([][]string, len(idx))
	for k, i := range idx {
		f := fs[i]
		row := make([]string, len(tableColumns))
		for c, col := range tableColumns {
			row[c] = sanitize(col.cell(f, ov))
		}
		cells[k] = row
	}
	ws := fitWidths(cells, width)
	narrowed := false
	for c, col := range tableColumns { // a cut column uses its narrow form
		if col.narrow == nil || ws[c] >= natWidth(cells, c, col.title) {
			continue
		}
		narrowed = true
		for k, i := range idx {
			cells[k][c] = sanitize(col.narrow(fs[i]))
		}
	}
	if narrowed { // the room they gave back goes to the others
		ws = fitWidths(cells, width)
	}
	gap := strings.Repeat(" ", tableGap(width))
	var b strings.Builder
	line := func(row []string, sev int) {
		b.Reset()
		for c, s := range row {
			if c > 0 {
				b.WriteString(gap)
			}
			if width <= 0 {
				// unlimited (a pipe): never cut, only align
			} else if tableColumns[c].left {
				s = truncateLeft(s, ws[c])
			} else if c == colRule && sev >= 0 {
				s = truncateCell(findings.CompactID(s, ws[c]), ws[c])
			} else {
				s = truncateCell(s, ws[c])
			}
			pad := ws[c] - strWidth(s)
			if c == 0 && sev >= 0 && color {
				b.WriteString(sevColor[sev])
				b.WriteString(s)
				b.WriteString(sgrReset)
			} else {
				b.WriteString(s)
			}
			if c < len(row)-1 && pad > 0 {
				b.WriteString(strings.Repeat(" ", pad))
			}
		}
		io.WriteString(w, strings.TrimRight(b.String(), " "))
		io.WriteString(w, "\n")
	}
	head := make([]string, len(tableColumns))
	for c, col := range tableColumns {
		head[c] = col.title
	}
	if color {
		io.WriteString(w, "\x1b[1m")
	}
	line(head, -1)
	if color {
		io.WriteString(w, sgrReset)
	}
	for k, i := range idx {
		line(cells[k], int(fs[i].Severity))
	}
}

// natWidth is the natural width of column c (its widest cell or title).
func natWidth(cells [][]string, c int, title string) int {
	w := strWidth(title)
	for _, row := range cells {
		w = max(w, strWidth(row[c]))
	}
	return w
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// strWidth is the display width of s (sanitized text, no escape sequences).
func strWidth(s string) int {
	if isASCII(s) {
		return len(s)
	}
	return ansi.StringWidth(s)
}

// truncateCell cuts s to width w display cells, ending with "…" when cut.
func truncateCell(s string, w int) string {
	if isASCII(s) {
		if len(s) <= w {
			return s
		}
		if w <= 0 {
			return ""
		}
		return s[:w-1] + "…"
	}
	return ansi.Truncate(s, w, "…")
}

// truncateLeft cuts s to width w keeping its end, starting with "…" when cut.
func truncateLeft(s string, w int) string {
	if strWidth(s) <= w {
		return s
	}
	if w <= 0 {
		return ""
	}
	rs := []rune(s)
	width := 1 // the ellipsis
	i := len(rs)
	for i > 0 {
		rw := strWidth(string(rs[i-1]))
		if width+rw > w {
			break
		}
		width += rw
		i--
	}
	return "…" + string(rs[i:])
}

func writeFooter(w io.Writer, shown int, sel *selection, color bool) {
	total := len(sel.set.Findings)
	msg := fmt.Sprintf("%d of %d findings", shown, total)
	if shown == 0 && total == 0 {
		msg = "no findings"
	}
	if shown < len(sel.idx) {
		msg += fmt.Sprintf(" (limited; %d match)", len(sel.idx))
	}
	if sel.hidden > 0 {
		msg += fmt.Sprintf("; %d suppressed or fixed hidden (--all to show)", sel.hidden)
	}
	if n := len(sel.set.Errors); n > 0 {
		msg += fmt.Sprintf("; %d load error(s) on stderr", n)
	}
	if color {
		msg = "\x1b[2m" + msg + sgrReset
	}
	fmt.Fprintln(w, msg)
}
