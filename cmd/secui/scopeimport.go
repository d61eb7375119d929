package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/secui/secui/findings/ledger"
)

func newLedgerImportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import FILE [PATH...]",
		Short: "Import an ignore file (.trivyignore, .semgrepignore-style path list) as scope records",
		Long: `Import an ignore file as scoped suppressions, one ledger record per entry,
all with the reason and justification given here (and the author, expiry and
review rules of any suppression):

  .trivyignore    each id (CVE, GHSA, AVD-... check, secret rule) becomes a rule
                  scope of Trivy (--tool to change); "exp:YYYY-MM-DD" becomes the
                  record's expiry; entries already expired are not imported
  path list       (.semgrepignore, or --format paths) each gitignore-style pattern
                  becomes a path scope: of every tool, or of --tool; a pattern
                  without "/" matches at any depth, "/x" only at the root;
                  negations (!x) are refused

--format is guessed from the file name (.trivyignore, else a path list).
PATH arguments are SARIF inputs, used to say how many findings each entry
covers now (entries covering none are listed as stale). Nothing is written
when an entry is invalid (the errors name FILE:LINE).`,
		Example: `  secui ledger import .trivyignore --reason accepted-risk -j "reviewed by the platform team in SEC-88"
  secui ledger import .semgrepignore --reason wont-fix -j "vendored and generated code, not maintained here"`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := newEnv(cmd, args[1:])
			if err != nil {
				return err
			}
			return runLedgerImport(cmd, e, args[0])
		},
	}
	f := cmd.Flags()
	f.String("format", "", "trivyignore or paths (default: from the file name)")
	f.String("tool", "", "the tool the entries apply to (trivyignore: default Trivy; paths: default every tool)")
	f.String("reason", "", "why: false-positive, accepted-risk, used-in-tests, mitigated, wont-fix")
	f.StringP("justification", "j", "", "a real sentence saying why no fix is needed (recorded on every entry)")
	f.String("expires", "", "expiry of entries without their own: YYYY-MM-DD or a duration (90d, 12w, 6mo, 1y)")
	f.Bool("dry-run", false, "show what would be imported, write nothing")
	f.Bool("json", false, "print the result as JSON")
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletion([]string{"trivyignore", "paths"}))
	return cmd
}

type importEntry struct {
	Line    int    `json:"line"`
	Record  string `json:"record"`
	Kind    string `json:"kind"`
	Tool    string `json:"tool,omitempty"`
	Rule    string `json:"rule,omitempty"`
	Path    string `json:"path,omitempty"`
	Expires string `json:"expires,omitempty"`
	Covers  int    `json:"covers"` // -1: no scan results to count
	Skipped string `json:"skipped,omitempty"`
}

type importResult struct {
	File     string        `json:"file"`
	Format   string        `json:"format"`
	Ledger   string        `json:"ledger"`
	DryRun   bool          `json:"dry_run"`
	Imported int           `json:"imported"`
	Entries  []importEntry `json:"entries"`
}

func runLedgerImport(cmd *cobra.Command, e *env, file string) error {
	now := nowFunc()
	format := flagString(cmd, "format")
	if format == "" {
		format = "paths"
		if strings.HasPrefix(filepath.Base(file), ".trivyignore") {
			format = "trivyignore"
		}
	}
	tool := flagString(cmd, "tool")
	data, err := os.ReadFile(file)
	if err != nil {
		return usageErr("%v", err)
	}
	var entries []ledger.IgnoreEntry
	switch format {
	case "trivyignore":
		if strings.HasSuffix(file, ".yaml") || strings.HasSuffix(file, ".yml") {
			return usageErr("%s: the YAML form of .trivyignore is not supported (use the plain one: one id per line)", file)
		}
		if tool == "" {
			tool = "Trivy"
		}
		entries, err = ledger.ParseTrivyIgnore(file, data, tool)
	case "paths", "semgrepignore":
		format = "paths"
		entries, err = ledger.ParsePathList(file, data, tool)
	default:
		return usageErr("--format %q: want trivyignore or paths", format)
	}
	if err != nil {
		return usageErr("%v", err)
	}
	req := ledger.Request{Action: ledger.ActSuppress, Now: now, MaxTerm: e.Config.Check.MaxExpiry, Justification: flagString(cmd, "justification")}
	r := flagString(cmd, "reason")
	if r == "" {
		return usageErr("--reason is required (false-positive, accepted-risk, used-in-tests, mitigated, wont-fix)")
	}
	if req.Reason, err = ledger.ParseReason(r); err != nil {
		return usageErr("--reason: %v", err)
	}
	if s := flagString(cmd, "expires"); s != "" {
		t, err := ledger.ParseExpiry(s, now)
		if err != nil {
			return usageErr("--expires: %v", err)
		}
		req.Expires = &t
	}
	if err := req.Validate(); err != nil {
		return usageErr("%v", err)
	}
	dry := flagBool(cmd, "dry-run")
	author, err := decisionAuthor(e, dry)
	if err != nil {
		return err
	}
	req.Author = author
	res := importResult{File: file, Format: format, DryRun: dry, Entries: []importEntry{}}
	var items []ledger.ScopeRequest
	var itemEntry []int
	var problems []string
	for _, en := range entries {
		ie := importEntry{Line: en.Line, Record: en.Scope.ID(), Kind: string(en.Scope.Kind), Tool: en.Scope.Tool, Rule: en.Scope.Rule, Path: en.Scope.Path, Covers: -1}
		rq := req
		if en.Expires != nil {
			ie.Expires = en.Expires.Format(time.DateOnly)
			if !en.Expires.After(now) {
				ie.Skipped = "expired on " + ie.Expires
				res.Entries = append(res.Entries, ie)
				continue
			}
			rq.Expires = en.Expires
		}
		if err := rq.Validate(); err != nil {
			problems = append(problems, fmt.Sprintf("%s:%d: %v", file, en.Line, err))
			continue
		}
		itemEntry = append(itemEntry, len(res.Entries))
		res.Entries = append(res.Entries, ie)
		items = append(items, ledger.ScopeRequest{Scope: en.Scope, Request: rq})
	}
	if len(problems) > 0 {
		return usageErr("%s", strings.Join(problems, "\n"))
	}
	set, err := e.load(cmd.Context())
	if err != nil {
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != exitNoInput {
			return err
		}
		set = nil
	}
	l, err := openLedger(e)
	if l == nil {
		return configErr(err)
	}
	if lerr := l.Err(); lerr != nil {
		return configErr(fmt.Errorf("ledger %s is invalid; fix it first:\n%w", l.RelPath(), lerr))
	}
	res.Ledger = l.RelPath()
	var recs []*ledger.Decision
	if dry {
		for _, it := range items {
			r := it.Request
			recs = append(recs, previewScope(l, it.Scope, &r))
		}
	} else if len(items) > 0 {
		if recs, err = l.DecideScopes(items); err != nil {
			return &exitError{code: exitFailed, err: err}
		}
	}
	res.Imported = len(recs)
	if set != nil {
		ds := l.Decisions()
		if dry {
			for _, d := range recs {
				ds = append(withoutID(ds, d.ID), d)
			}
		}
		ov := ledger.BuildOverlay(ds, set.Findings, now, e.overlayOptions())
		covers := map[string]int{}
		for _, u := range ov.Scopes() {
			covers[u.Decision.ID] = u.Count
		}
		for i, d := range recs {
			res.Entries[itemEntry[i]].Covers = covers[d.ID]
		}
	}
	for i, d := range recs {
		res.Entries[itemEntry[i]].Record = d.ID
	}
	if e.JSON {
		enc := json.NewEncoder(e.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	writeImport(e, &res, set != nil)
	return nil
}

func writeImport(e *env, res *importResult, counted bool) {
	stale := 0
	for _, en := range res.Entries {
		sc := ledger.Scope{Kind: ledger.ScopeKind(en.Kind), Tool: en.Tool, Rule: en.Rule, Path: en.Path}
		line := fmt.Sprintf("  %s:%d  %s  %s", sanitize(res.File), en.Line, en.Record, sanitize(sc.String()))
		switch {
		case en.Skipped != "":
			line += "  not imported: " + en.Skipped
		case !counted:
		case en.Covers == 0:
			line += "  covers nothing now (stale)"
			stale++
		default:
			line += fmt.Sprintf("  covers %d finding(s)", en.Covers)
		}
		if en.Expires != "" && en.Skipped == "" {
			line += "  expires " + en.Expires
		}
		fmt.Fprintln(e.Out, line)
	}
	verb := "imported"
	if res.DryRun {
		verb = "dry run: would import"
	}
	fmt.Fprintf(e.Out, "%s %d scope record(s) from %s (%s) into %s", verb, res.Imported, sanitize(res.File), res.Format, res.Ledger)
	if counted && stale > 0 {
		fmt.Fprintf(e.Out, "; %d cover no current finding", stale)
	}
	if !counted {
		fmt.Fprint(e.Out, "; no scan results found to count what they cover")
	}
	fmt.Fprintln(e.Out)
}
