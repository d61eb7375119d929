package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/match"
)

// ledgerSchema is the schema name of `secui ledger --json` (docs/json-schema.md).
const ledgerSchema = "secui.ledger/v2"

func newLedgerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ledger [PATH...]",
		Short: "List triage decisions and how sure secui is of each match (moved, renamed, needs review, orphaned)",
		Long: `List the decisions in the ledger (.secui/ledger.yaml by default) and how each
one found its finding in the current scan:

  exact id              the finding's own, stable id
  exact key (LAYER)     a shared fingerprint, partial fingerprint or vulnerability id
  same line             the same code at the same place
  moved +N lines        the same code, N lines further down (or up)
  rename from PATH      the same code in a file git reports as renamed
  similar context 0.83  an edit on or around the line (a renamed variable, a re-wrap)
  needs review          it could be one of several findings: it applies to none of
                        them until someone decides (the candidates are listed)
  orphaned              it matches no current finding: fixed or gone (or the scan
                        that reported it is missing)

Expired suppressions (the finding is open again) and acceptances past their
due date are flagged. --moved lists every decision that is not on its own id
at the place it was decided; --review every decision that needs a human.

Without SARIF results every decision is listed as orphaned.

Exit codes: 0 listed, 2 the ledger is invalid (its problems are printed on
stderr as file:line:col: field: message, git conflict markers with how to
resolve them; the valid records are still listed).

--upgrade rewrites the ledger as schema v3: a directory (.secui/ledger/ for
.secui/ledger.yaml) of shards, "<2 hex>.yaml" holding the records whose id
starts with those digits, and tickets.yaml, so that one decision rewrites one
small file and a large ledger opens fast. The directory is written completely,
renamed into place, then the single file is removed (a crash in between is
harmless: the directory is read with the file folded in, and the next write
removes the file). Commit both changes; the merge driver's .gitattributes line
becomes '.secui/ledger/*.yaml merge=secui'. It also records evidence for v1
decisions that are on a finding with their own id (or a shared fingerprint),
so later edits can be followed. Until then a v1 decision applies to the one
finding that has its id, as before v2, and goes to review otherwise. Any
decision on a v1 file rewrites it as v2 (still one file).`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := newEnv(cmd, args)
			if err != nil {
				return err
			}
			return runLedger(cmd.Context(), cmd, e)
		},
	}
	cmd.AddCommand(newLedgerImportCmd())
	f := cmd.Flags()
	f.Bool("orphans", false, "only decisions matching no current finding (fixed or gone)")
	f.Bool("expired", false, "only expired suppressions")
	f.Bool("moved", false, "only decisions placed on a finding that moved, was renamed, changed id or matched by similarity")
	f.Bool("review", false, "only decisions that need review")
	f.Bool("scopes", false, "only scope records (rule or path), with the findings each covers")
	f.Bool("stale", false, "only scope records that match no current finding")
	f.Bool("upgrade", false, "rewrite the ledger in the current schema: v3, a directory of shards (.secui/ledger/), with evidence for v1 decisions that match by a strong identity")
	f.Bool("json", false, "print JSON (schema "+ledgerSchema+")")
	return cmd
}

type ledgerEvidence struct {
	Path   string `json:"path,omitempty"`
	Line   int    `json:"line,omitempty"`
	Commit string `json:"commit,omitempty"`
	Symbol string `json:"symbol,omitempty"`
	Hashes bool   `json:"hashes"` // the line and context hashes are recorded
}

type ledgerCandidate struct {
	Finding  string `json:"finding"`
	Rule     string `json:"rule"`
	Location string `json:"location"`
}

// ledgerMatch is how a decision stands in the current scan.
type ledgerMatch struct {
	// Kind: id, key, same, moved, rename, similar, location (placed),
	// review, orphan.
	Kind       string            `json:"kind"`
	Text       string            `json:"text"` // the words secui ledger prints
	Layer      string            `json:"layer,omitempty"`
	Key        string            `json:"key,omitempty"`
	From       string            `json:"from,omitempty"`
	Moved      int               `json:"moved"`
	Score      float64           `json:"score,omitempty"`
	Git        bool              `json:"git"`
	Finding    string            `json:"finding,omitempty"`  // current id of the finding it is on
	Location   string            `json:"location,omitempty"` // its current location
	Why        string            `json:"why,omitempty"`      // review / orphan: why
	Candidates []ledgerCandidate `json:"candidates,omitempty"`
	// Kind scope (a rule or path scope record): the findings it decides
	// now, and those it matches that a finding's own decision or a
	// narrower scope decides instead; stale when it matches none.
	Covers   int  `json:"covers,omitempty"`
	Shadowed int  `json:"shadowed,omitempty"`
	Stale    bool `json:"stale,omitempty"`
}

type ledgerRow struct {
	ID            string          `json:"id"`
	State         string          `json:"state"`
	Reason        string          `json:"reason,omitempty"`
	Justification string          `json:"justification,omitempty"`
	Note          string          `json:"note,omitempty"`
	Author        string          `json:"author"`
	Time          string          `json:"time"`
	Expires       string          `json:"expires,omitempty"`
	Due           string          `json:"due,omitempty"`
	Tool          string          `json:"tool,omitempty"`
	Rule          string          `json:"rule,omitempty"`
	Path          string          `json:"path,omitempty"`
	Evidence      *ledgerEvidence `json:"evidence,omitempty"`
	Match         ledgerMatch     `json:"match"`
	Moved         bool            `json:"moved"`            // not on its own id at the place decided
	Review        string          `json:"review,omitempty"` // the record itself is marked for review
	Expired       bool            `json:"expired"`
	Overdue       bool            `json:"overdue"`
	Tickets       []string        `json:"tickets,omitempty"`
	Events        int             `json:"events"`
	Line          int             `json:"line"`
	// Scope is what a scope record covers (nil: one finding's record).
	Scope *jsonScope `json:"scope,omitempty"`
}

func (r ledgerRow) needsReview() bool { return r.Match.Kind == "review" || r.Review != "" }

type ledgerDoc struct {
	Schema    string      `json:"schema"`
	Ledger    string      `json:"ledger"`
	Version   int         `json:"version"` // schema version of the file (0: no file yet)
	Decisions []ledgerRow `json:"decisions"`
	Counts    struct {
		Total   int `json:"total"`
		Placed  int `json:"placed"`
		Moved   int `json:"moved"`
		Review  int `json:"review"`
		Orphans int `json:"orphans"`
		Expired int `json:"expired"`
		Scopes  int `json:"scopes"` // scope records (rule or path)
		Stale   int `json:"stale"`  // scope records matching no current finding
	} `json:"counts"`
}

func runLedger(ctx context.Context, cmd *cobra.Command, e *env) error {
	now := nowFunc()
	var l *ledger.Ledger
	var ov *ledger.Overlay
	set, err := e.load(ctx)
	if err == nil {
		l, ov, err = applyLedger(e, set)
		if err != nil {
			return err
		}
	} else {
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != exitNoInput {
			return err
		}
		fmt.Fprintf(e.Err, "secui: %v; matching skipped\n", err)
		l, err = openLedger(e)
		if l == nil {
			return configErr(err)
		}
		if err != nil {
			fmt.Fprintf(e.Err, "secui: ledger %s is invalid:\n%v\n", l.RelPath(), err)
		}
		ov = l.Overlay(nil, now)
	}
	if flagBool(cmd, "upgrade") {
		if err := upgradeLedger(e, l, ov); err != nil {
			return err
		}
		ov = l.Overlay(setFindings(set), now, e.overlayOptions())
	} else if l.Version() == 1 {
		fmt.Fprintf(e.Err, "secui: %s is schema v1; the next decision rewrites it as v2 (or run secui ledger --upgrade)\n", l.RelPath())
	}
	rows := ledgerRows(ov)
	var out []ledgerRow
	for _, r := range rows {
		if (flagBool(cmd, "orphans") && r.Match.Kind != "orphan") || (flagBool(cmd, "scopes") && r.Scope == nil) ||
			(flagBool(cmd, "stale") && !r.Match.Stale) || (flagBool(cmd, "expired") && !r.Expired) ||
			(flagBool(cmd, "moved") && !r.Moved) || (flagBool(cmd, "review") && !r.needsReview()) {
			continue
		}
		out = append(out, r)
	}
	doc := ledgerDoc{Schema: ledgerSchema, Ledger: l.RelPath(), Version: l.Version(), Decisions: out}
	if doc.Decisions == nil {
		doc.Decisions = []ledgerRow{}
	}
	c := &doc.Counts
	for _, r := range rows {
		c.Total++
		switch r.Match.Kind {
		case "review":
			c.Review++
		case "orphan":
			c.Orphans++
		case "scope":
			c.Scopes++
			if r.Match.Stale {
				c.Stale++
			}
		default:
			c.Placed++
			if r.Review != "" {
				c.Review++
			}
		}
		if r.Moved {
			c.Moved++
		}
		if r.Expired {
			c.Expired++
		}
	}
	if e.JSON {
		enc := json.NewEncoder(e.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return err
		}
		return ledgerInvalid(l)
	}
	writeLedgerTable(e, &doc, len(rows))
	return ledgerInvalid(l)
}

// ledgerInvalid is the exit of `secui ledger` on an invalid ledger: 2, after
// listing the valid records (the problems were printed on stderr).
func ledgerInvalid(l *ledger.Ledger) error {
	if l.Err() != nil {
		return &exitError{code: exitUsage}
	}
	return nil
}

func setFindings(set *findings.Set) []*findings.Finding {
	if set == nil {
		return nil
	}
	return set.Findings
}

// upgradeLedger rewrites the ledger as v3 (sharded: .secui/ledger/), giving
// evidence to v1 records that match their finding by a strong identity.
func upgradeLedger(e *env, l *ledger.Ledger, ov *ledger.Overlay) error {
	if err := l.Err(); err != nil {
		return configErr(fmt.Errorf("ledger %s is invalid; fix it first:\n%w", l.RelPath(), err))
	}
	from, file := l.Version(), l.RelPath()
	work := e.capturer()
	n, err := l.Upgrade(func(d *ledger.Decision) (evidence.Evidence, bool) {
		f := ov.FindingOf(d.ID)
		m, ok := ov.Match(f)
		if f == nil || !ok || (m.How != match.ByID && m.How != match.ByKey) || !f.Loc.InRepo { // strong, or a v1 record on its own id
			return evidence.Evidence{}, false
		}
		ev := work.ForFinding(f)
		return ev, !ev.Empty()
	})
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	switch from {
	case 0:
		fmt.Fprintf(e.Err, "secui: created %s, an empty schema v%d ledger (one shard per first two hex digits of the ids); decisions are written there\n", l.RelPath(), ledger.SchemaVersion)
	case ledger.SchemaVersion:
		fmt.Fprintf(e.Err, "secui: %s is schema v%d already; evidence recorded for %d decision(s) matched by a strong identity\n", l.RelPath(), from, n)
	default:
		fmt.Fprintf(e.Err, "secui: %s (schema v%d) rewritten as %s, schema v%d (one shard per first two hex digits of the ids; commit the directory and the removal of %s, and see README for the merge driver line); evidence recorded for %d decision(s) matched by a strong identity\n",
			file, from, l.RelPath(), ledger.SchemaVersion, file, n)
	}
	return nil
}

func ledgerRows(ov *ledger.Overlay) []ledgerRow {
	now := ov.Now()
	var rows []ledgerRow
	for _, p := range ov.Placements() {
		d := p.Decision
		r := ledgerRow{ID: d.ID, State: d.State.String(), Reason: string(d.Reason), Justification: d.Justification,
			Note: d.Extra().Note, Author: d.Author, Time: d.Time.UTC().Format(time.RFC3339), Tool: d.Tool, Rule: d.Rule, Path: d.Path,
			Review: d.Extra().Review, Expired: d.Expired(now), Overdue: d.Overdue(now), Tickets: d.Extra().Tickets, Events: len(d.History), Line: d.Line,
			Moved: p.Moved()}
		if d.Expires != nil {
			r.Expires = d.Expires.Format(time.DateOnly)
		}
		if d.Extra().Due != nil {
			r.Due = d.Extra().Due.Format(time.DateOnly)
		}
		if ev := d.Evidence; ev.Path != "" || ev.Commit != "" || !ev.Empty() {
			r.Evidence = &ledgerEvidence{Path: ev.Path, Line: ev.Line, Commit: ev.Commit, Symbol: ev.Symbol, Hashes: !ev.Empty()}
		}
		switch {
		case p.Scope != nil:
			u := p.Scope
			sc := u.Scope
			r.Scope = scopeJSON(&sc)
			r.Match = ledgerMatch{Kind: "scope", Covers: u.Count, Shadowed: u.Shadowed, Stale: u.Stale()}
			switch {
			case d.State == findings.StateOpen:
				r.Match.Text = "scope " + sc.String() + ": reopened, covers nothing"
			case u.Stale():
				r.Match.Text = "stale scope " + sc.String() + ": matches no current finding"
			default:
				r.Match.Text = fmt.Sprintf("scope %s: %d finding(s)", sc.String(), u.Count)
				if u.Shadowed > 0 {
					r.Match.Text += fmt.Sprintf(" (+%d decided otherwise)", u.Shadowed)
				}
			}
		case p.Finding != nil:
			m := p.Match
			r.Match = ledgerMatch{Kind: m.How.String(), Text: m.Describe(), Layer: m.Layer, Key: m.Key, From: m.From, Moved: m.Moved,
				Score: m.Score, Git: m.Git, Finding: p.Finding.ID, Location: p.Finding.Loc.String()}
		case p.Review != nil:
			r.Match = ledgerMatch{Kind: "review", Why: p.Review.Why,
				Text: fmt.Sprintf("needs review: %d candidate(s)", len(p.Review.Candidates))}
			for _, f := range p.Review.Candidates {
				r.Match.Candidates = append(r.Match.Candidates, ledgerCandidate{Finding: f.ID, Rule: f.RuleID(), Location: f.Loc.String()})
			}
		default:
			r.Match = ledgerMatch{Kind: "orphan", Text: "orphaned (fixed or gone)", Why: p.Why}
		}
		rows = append(rows, r)
	}
	return rows
}

func writeLedgerTable(e *env, doc *ledgerDoc, total int) {
	if len(doc.Decisions) == 0 {
		fmt.Fprintf(e.Out, "no decisions to show in %s (%d in total)\n", doc.Ledger, total)
		return
	}
	tw := tabwriter.NewWriter(e.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tREASON\tMATCH\tRULE\tLOCATION\tAUTHOR\tDATE\tFLAGS")
	var review, orphans, stale []ledgerRow
	for _, r := range doc.Decisions {
		loc := r.Match.Location
		if loc == "" {
			loc = r.Path
			if r.Evidence != nil && r.Evidence.Line > 0 {
				loc = fmt.Sprintf("%s:%d", r.Evidence.Path, r.Evidence.Line)
			}
		}
		var flags []string
		if r.Review != "" {
			flags = append(flags, "REVIEW")
		}
		if r.Expired {
			flags = append(flags, "EXPIRED "+r.Expires)
		} else if r.Expires != "" {
			flags = append(flags, "expires "+r.Expires)
		}
		if r.Overdue {
			flags = append(flags, "OVERDUE "+r.Due)
		} else if r.Due != "" {
			flags = append(flags, "due "+r.Due)
		}
		text := r.Match.Text
		if r.Match.Finding != "" && r.Match.Finding != r.ID {
			text += " -> " + r.Match.Finding
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.State, r.Reason, sanitize(text),
			sanitize(r.Rule), sanitize(loc), sanitize(r.Author), r.Time[:10], strings.Join(flags, ", "))
		switch {
		case r.needsReview():
			review = append(review, r)
		case r.Match.Kind == "orphan":
			orphans = append(orphans, r)
		case r.Match.Stale:
			stale = append(stale, r)
		}
	}
	tw.Flush()
	if len(review) > 0 {
		fmt.Fprintf(e.Out, "\nNeeds review (applies to no finding until decided again on the right one):\n")
		for _, r := range review {
			why := r.Match.Why
			if r.Review != "" {
				why = r.Review
			}
			fmt.Fprintf(e.Out, "  %s  %s %s: %s\n", r.ID, r.State, sanitize(r.Rule), sanitize(why))
			for _, c := range r.Match.Candidates {
				fmt.Fprintf(e.Out, "      candidate %s  %s  %s\n", c.Finding, sanitize(c.Rule), sanitize(c.Location))
			}
		}
	}
	if len(orphans) > 0 {
		fmt.Fprintf(e.Out, "\nOrphaned (fixed or gone):\n")
		for _, r := range orphans {
			why := r.Match.Why
			if why == "" {
				why = "no current finding matches"
			}
			fmt.Fprintf(e.Out, "  %s  %s %s in %s: %s\n", r.ID, r.State, sanitize(r.Rule), sanitize(r.Path), sanitize(why))
		}
	}
	if len(stale) > 0 {
		fmt.Fprintf(e.Out, "\nStale scopes (match no current finding: the rule is fixed everywhere, renamed, or its scan is missing):\n")
		for _, r := range stale {
			fmt.Fprintf(e.Out, "  %s  %s %s\n", r.ID, r.State, sanitize(strings.TrimPrefix(r.Match.Text, "stale ")))
		}
	}
	c := doc.Counts
	fmt.Fprintf(e.Out, "%d decision(s) in %s: %d placed (%d moved), %d need review, %d orphaned, %d expired",
		c.Total, doc.Ledger, c.Placed, c.Moved, c.Review, c.Orphans, c.Expired)
	if c.Scopes > 0 {
		fmt.Fprintf(e.Out, "; %d scope(s), %d stale", c.Scopes, c.Stale)
	}
	fmt.Fprintln(e.Out)
}
