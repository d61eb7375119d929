package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/match"
	"github.com/secui/secui/findings/repofs"
	"github.com/secui/secui/findings/rescan"
	"github.com/secui/secui/findings/sarifmeta"
)

// ScanOptions configures Scan.
type ScanOptions struct {
	Options
	Config   *config.Config
	Scanners []*config.Scanner // the scanners to run, in order
	// Ledger records fixed and reopened findings; nil classifies only.
	Ledger *ledger.Ledger
	// Before are the findings as loaded before the run (every discovered
	// file); nil: Scan loads them itself (Config.Inputs).
	Before *findings.Set
	Commit string // HEAD ("" unknown): recorded as the scanned commit
	Author string // ledger author ("" : "secui scan")
}

// ScanResult is the outcome of one scanner.
type ScanResult struct {
	Scanner *config.Scanner
	Exec    *Exec
	Tool    string // SARIF driver name(s)
	Version string
	Binary  string // Go module and version of the executable, when known
	Stored  bool   // the results replaced the scanner's stored results
	Results string // stored results, repository-relative
	Record  *Record
	// Before are the scanner's findings before the run, Class what
	// happened to them and which findings are new (nil when the run did
	// not succeed).
	Before []rescan.Before
	Class  *rescan.Result
	// Fixed and Reopened are the ledger records written (ids).
	Fixed, Reopened []string
	// Err is a problem after a successful run (storing, the ledger).
	Err error
}

// Success reports whether the run succeeded and everything was recorded.
func (r *ScanResult) Success() bool { return r.Exec.OK() && r.Err == nil }

// Scan runs each scanner in turn; for each successful run it stores the
// results, classifies the scanner's earlier findings and records fixed and
// reopened findings in the ledger. A cancelled context stops after the
// running scanner (which is killed); the results so far are returned.
func Scan(ctx context.Context, o ScanOptions) ([]*ScanResult, error) {
	if o.Ledger != nil {
		if err := o.Ledger.Err(); err != nil {
			return nil, fmt.Errorf("ledger %s is invalid; fix it before scanning (nothing would be recorded):\n%w", o.Ledger.RelPath(), err)
		}
	}
	if o.Config == nil {
		o.Config = config.Default()
	}
	before := o.Before
	if before == nil {
		paths, err := o.Config.Inputs(o.Root)
		if err != nil {
			return nil, err
		}
		before = &findings.Set{}
		if len(paths) > 0 {
			if before, err = findings.Load(ctx, paths, findings.Options{Root: o.Root, Overrides: o.Config.Overrides(), KindOverrides: o.Config.KindOverrides()}); err != nil {
				return nil, err
			}
		}
	}
	var out []*ScanResult
	for _, s := range o.Scanners {
		if ctx.Err() != nil {
			break
		}
		out = append(out, scanOne(ctx, &o, s, before))
	}
	return out, ctx.Err()
}

func scanOne(ctx context.Context, o *ScanOptions, s *config.Scanner, before *findings.Set) *ScanResult {
	r := &ScanResult{Scanner: s, Results: s.ResultsPath()}
	prev, prevErr := ReadRecord(o.Root, s)
	x := Execute(ctx, s, o.Options)
	r.Exec = x
	defer x.Discard()
	root, err := repofs.Open(o.Root)
	if err != nil {
		r.Err = err
		return r
	}
	defer root.Close()
	if !x.OK() {
		noteAttempt(root, s, prev, x, o.Commit)
		return r
	}
	if prevErr != nil {
		prev = nil // an unreadable record: compare without its snapshot
	}

	// Validate: the SARIF must load without errors and say nothing failed.
	meta, err := readMeta(x.sarif)
	if err != nil {
		x.Status, x.Reason = StatusBadSARIF, "the SARIF does not load: "+err.Error()
		noteAttempt(root, s, prev, x, o.Commit)
		return r
	}
	if len(meta.Runs) == 0 {
		x.Status, x.Reason = StatusBadSARIF, "the SARIF has no runs"
		noteAttempt(root, s, prev, x, o.Commit)
		return r
	}
	var tools []string
	for i := range meta.Runs {
		run := &meta.Runs[i]
		if !run.Successful() {
			x.Status, x.Reason = StatusUnsuccessful, fmt.Sprintf("runs[%d] says executionSuccessful: false", i)
			for _, inv := range run.Invocations {
				if inv.FirstError != "" {
					x.Reason += ": " + findings.SanitizeLine(inv.FirstError)
					break
				}
			}
			noteAttempt(root, s, prev, x, o.Commit)
			return r
		}
		if t := strings.TrimSpace(run.Tool); t != "" && !slices.Contains(tools, t) {
			tools = append(tools, t)
		}
	}
	after, err := findings.Load(ctx, []string{x.sarif}, findings.Options{Root: o.Root, Overrides: o.Config.Overrides(), KindOverrides: o.Config.KindOverrides()})
	if err == nil && len(after.Errors) > 0 {
		err = errors.New(strings.Replace(after.Errors[0].Error(), filepath.Base(x.sarif), filepath.Base(r.Results), 1))
	}
	if err != nil {
		if ctx.Err() != nil {
			x.Status, x.Reason = StatusCancelled, "cancelled while loading the results"
		} else {
			x.Status, x.Reason = StatusBadSARIF, "the SARIF does not load: "+err.Error()
		}
		noteAttempt(root, s, prev, x, o.Commit)
		return r
	}
	r.Tool = strings.Join(tools, ", ")
	r.Version = toolVersion(meta.Runs[0].ToolVersion(), x.Program)
	r.Binary = binaryVersion(x.Program)

	// Coverage: configured paths, else the runs' artifacts, else the dir.
	var arts []string
	for i := range meta.Runs {
		arts = append(arts, meta.Runs[i].RepoPaths(root.Dir(), s.Dir)...)
	}
	cov := rescan.NewCoverage(s.Dir, s.Paths, arts)

	// Evidence of the new findings, captured from the tree just scanned.
	capt := evidence.NewCapturer(root, o.Commit)
	afterEv := make([]evidence.Evidence, len(after.Findings))
	for i, f := range after.Findings {
		if f.Loc.InRepo {
			afterEv[i], _ = capt.Capture(f.Loc.Path, f.Loc.Line)
		}
	}

	// The scanner's earlier findings and their triage.
	now := o.now()
	var ov *ledger.Overlay
	if o.Ledger != nil {
		if err := o.Ledger.Reload(); err != nil {
			r.Err = err
			return r
		}
		// The earlier findings are matched on the evidence stored with
		// their scan (the working tree has changed since).
		ov = o.Ledger.Overlay(before.Findings, now, ledger.OverlayOptions{Evidence: storedEvidence(s, prev)})
	}
	r.Before = earlier(before, s, tools, prev, ov)
	mo := match.Options{Work: capt}
	if repo, err := gitrepo.Open(root.Dir()); err == nil {
		mo.Tracker = repo.Tracker(capt) // the earlier findings' lines followed through git
	}
	res := rescan.Classify(rescan.Input{Before: r.Before, After: after.Findings, AfterEv: afterEv, Covers: cov, Success: true, Match: mo})
	r.Class = &res

	// Record in the ledger first: stored results without their fixed
	// records would lose the proof (the next run no longer sees them).
	ev := &ledger.ScanEvidence{Scanner: s.Name, Version: r.Version, Commit: o.Commit, Time: x.End.UTC()}
	if o.Ledger != nil {
		if r.Err = record(o, r, ev); r.Err != nil {
			return r
		}
	}

	// Store the results (a rename over the previous ones) and the record.
	if err := storeSARIF(root, x, r.Results); err != nil {
		r.Err = fmt.Errorf("storing %s: %w", r.Results, err)
		return r
	}
	r.Stored = true
	rec := &Record{Scanner: s.Name, Tool: r.Tool, Version: r.Version, Binary: r.Binary, Argv: x.Argv, Dir: s.Dir, Commit: o.Commit,
		Start: x.Start.UTC(), End: x.End.UTC(), ExitCode: x.ExitCode, Status: x.Status, Success: true,
		Results: r.Results, Coverage: cov.Mode.String()}
	for _, run := range meta.Runs {
		rec.Findings += run.Results
	}
	for i, f := range after.Findings {
		for _, src := range f.Sources {
			e := afterEv[i]
			rec.Identity = append(rec.Identity, Ident{Run: src.Run, Result: src.Result, ID: f.ID, Keys: f.Keys,
				Path: f.Loc.Path, Line: f.Loc.Line, Hash: e.LineHash, Tokens: e.Tokens, Context: e.Context, Symbol: e.Symbol})
		}
	}
	slices.SortFunc(rec.Identity, func(a, b Ident) int {
		if a.Run != b.Run {
			return a.Run - b.Run
		}
		return a.Result - b.Result
	})
	rec.Fixed = fixedEntries(o, prev, r, ev)
	if err := writeRecord(root, s, rec); err != nil {
		r.Err = fmt.Errorf("writing %s: %w", s.RecordPath(), err)
		return r
	}
	r.Record = rec
	return r
}

func readMeta(p string) (*sarifmeta.Log, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return sarifmeta.Read(f)
}

// earlier selects the findings the scanner reported before: those of its
// stored results and those of the same tool from any other file, with the
// identity they had when scanned (the previous record's snapshot) where it
// is known.
// storedEvidence returns the evidence the scan record kept for each earlier
// finding of s (zero when there is none).
func storedEvidence(s *config.Scanner, prev *Record) func(*findings.Finding) evidence.Evidence {
	if prev == nil {
		return nil
	}
	stored := s.ResultsPath()
	snap := map[[2]int]*Ident{}
	for i := range prev.Identity {
		id := &prev.Identity[i]
		snap[[2]int{id.Run, id.Result}] = id
	}
	return func(f *findings.Finding) evidence.Evidence {
		for _, src := range f.Sources {
			if filepath.ToSlash(src.File) == stored {
				if id := snap[[2]int{src.Run, src.Result}]; id != nil {
					return id.Evidence(prev.Commit)
				}
			}
		}
		return evidence.Evidence{}
	}
}

func earlier(set *findings.Set, s *config.Scanner, tools []string, prev *Record, ov *ledger.Overlay) []rescan.Before {
	stored := s.ResultsPath()
	snap := map[[2]int]*Ident{}
	if prev != nil {
		for i := range prev.Identity {
			id := &prev.Identity[i]
			snap[[2]int{id.Run, id.Result}] = id
		}
	}
	var out []rescan.Before
	for _, f := range set.Findings {
		var src *findings.Source
		for i := range f.Sources {
			if filepath.ToSlash(f.Sources[i].File) == stored {
				src = &f.Sources[i]
				break
			}
		}
		same := false
		for _, t := range tools {
			if strings.EqualFold(f.ToolName(), t) {
				same = true
			}
		}
		if src == nil && !same {
			continue
		}
		b := rescan.Before{F: f, State: findings.StateOf(ov, f), InputSuppressed: f.InputSup.Hidden()}
		var d *ledger.Decision
		if m, ok := ov.Match(f); ok {
			d = m.Decision
			b.Decision = d.ID
			b.Pending = d.Pending && d.State == findings.StateFixed
		}
		if src != nil && prev != nil {
			if id := snap[[2]int{src.Run, src.Result}]; id != nil {
				b.ID, b.Keys, b.Evidence = id.ID, id.Keys, id.Evidence(prev.Commit)
			}
		}
		if b.Keys == nil {
			// No snapshot: content keys hash today's working tree, not the
			// code that was scanned, so they are left out; the decision's
			// evidence (recorded when it was made) stands in for the scan's.
			for _, k := range f.Keys {
				if l, ok := findings.KeyLayer(k); !ok || l != findings.LayerContent {
					b.Keys = append(b.Keys, k)
				}
			}
			if b.Keys == nil {
				b.Keys = []string{}
			}
			if d != nil && !d.Evidence.Empty() {
				b.Evidence = d.Evidence
			} else {
				b.Evidence = evidence.Evidence{Path: f.Loc.Path, Line: f.Loc.Line}
			}
			if f.IDLayer == findings.LayerContent {
				b.ID = "-" // today's content hash says nothing about the scanned code
			}
		}
		out = append(out, b)
	}
	// Findings this scanner proved fixed that no scan reports any more:
	// if one comes back, its fixed record must be reopened.
	if prev != nil && ov != nil {
		for i := range prev.Fixed {
			e := &prev.Fixed[i]
			if ov.FindingOf(e.ID) != nil {
				continue // reported again by some file: already among the findings above
			}
			var d *ledger.Decision
			for _, o := range ov.Orphans() {
				if o.ID == e.ID {
					d = o
					break
				}
			}
			if d == nil || d.State != findings.StateFixed {
				continue
			}
			f := e.Finding()
			f.Keys = d.Keys
			out = append(out, rescan.Before{F: f, State: findings.StateFixed, Decision: d.ID, Keys: d.Keys,
				Evidence: evidence.Evidence{Path: e.Path, Line: e.Line, Commit: e.Commit}})
			if !d.Evidence.Empty() {
				out[len(out)-1].Evidence = d.Evidence
			}
		}
	}
	return out
}

// record writes the fixed and reopened findings to the ledger.
func record(o *ScanOptions, r *ScanResult, ev *ledger.ScanEvidence) error {
	author := o.Author
	if author == "" {
		author = "secui scan"
	}
	short := ev.Commit
	if len(short) > 7 {
		short = short[:7]
	}
	at := ""
	if short != "" {
		at = " at " + short
	}
	tool := r.Scanner.Name
	if ev.Version != "" {
		tool += " " + ev.Version
	}
	bySource := map[string][]*findings.Finding{}
	var reopenFix, reopenBack []*findings.Finding
	// A fixed record keeps the evidence of the code as last scanned, so the
	// matcher recognises the finding if it ever comes back.
	lastSeen := map[*findings.Finding]evidence.Evidence{}
	for _, it := range r.Class.Items {
		b := r.Before[it.Before]
		switch it.Outcome {
		case rescan.Fixed:
			src := ""
			if d := o.Ledger.Get(b.Decision); d != nil && d.State == findings.StateFixed {
				src = d.Extra().FixSource
			}
			f := onRecord(b)
			if !b.Evidence.Empty() {
				lastSeen[f] = b.Evidence
			} else if d := o.Ledger.Get(b.Decision); d != nil {
				lastSeen[f] = d.Evidence
			}
			bySource[src] = append(bySource[src], f)
			r.Fixed = append(r.Fixed, f.ID)
		case rescan.Reopened:
			if b.Pending {
				reopenFix = append(reopenFix, onRecord(b))
			} else {
				reopenBack = append(reopenBack, onRecord(b))
			}
			r.Reopened = append(r.Reopened, onRecord(b).ID)
		}
	}
	srcs := make([]string, 0, len(bySource))
	for k := range bySource {
		srcs = append(srcs, k)
	}
	slices.Sort(srcs)
	for _, src := range srcs {
		req := ledger.Request{Action: ledger.ActFixed, Author: author, Now: o.now(), FixSource: src, Scan: ev,
			Note:     fmt.Sprintf("not reported by %s any more (scan%s)", tool, at),
			Evidence: func(f *findings.Finding) evidence.Evidence { return lastSeen[f] }}
		if err := o.Ledger.Decide(bySource[src], req); err != nil {
			return fmt.Errorf("recording fixed findings: %w", err)
		}
	}
	for _, g := range []struct {
		fs   []*findings.Finding
		note string
	}{
		{reopenFix, fmt.Sprintf("still reported by %s after the fix (scan%s)", tool, at)},
		{reopenBack, fmt.Sprintf("reported again by %s (scan%s): the fix regressed", tool, at)},
	} {
		if len(g.fs) == 0 {
			continue
		}
		req := ledger.Request{Action: ledger.ActReopen, Author: author, Now: o.now(), Note: g.note}
		if err := o.Ledger.Decide(g.fs, req); err != nil {
			return fmt.Errorf("reopening findings: %w", err)
		}
	}
	return nil
}

// onRecord is the finding as the ledger should record it: under the id of
// the decision that applies to it, so that decision is updated instead of
// a second record being made for the same finding.
// A finding without a decision is recorded under the id it had when it was
// scanned (the one the user saw), with its keys as scanned.
func onRecord(b rescan.Before) *findings.Finding {
	id := b.Decision
	if id == "" && b.ID != "" && b.ID != "-" {
		id = b.ID
	}
	if id == "" || id == b.F.ID {
		return b.F
	}
	c := *b.F
	c.ID = id
	if b.Decision == "" && len(b.Keys) > 0 {
		c.Keys = b.Keys
	}
	return &c
}

// fixedEntries keeps the previous record's fixed findings whose ledger
// records still say fixed, and adds those fixed now.
func fixedEntries(o *ScanOptions, prev *Record, r *ScanResult, ev *ledger.ScanEvidence) []FixedEntry {
	var out []FixedEntry
	seen := map[string]bool{}
	for _, it := range r.Class.Items {
		if it.Outcome != rescan.Fixed {
			continue
		}
		b := r.Before[it.Before]
		f := onRecord(b)
		if seen[f.ID] {
			continue
		}
		seen[f.ID] = true
		out = append(out, FixedEntry{ID: f.ID, Tool: f.ToolName(), Rule: f.RuleID(), Severity: f.Severity.String(),
			Stage: f.Stage.String(), Category: f.Category.String(), Path: f.Loc.Path, Line: f.Loc.Line, Commit: ev.Commit, Time: ev.Time})
	}
	if prev != nil {
		for _, e := range prev.Fixed {
			if seen[e.ID] {
				continue
			}
			if o.Ledger != nil {
				if d := o.Ledger.Get(e.ID); d == nil || d.State != findings.StateFixed {
					continue
				}
			}
			seen[e.ID] = true
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b FixedEntry) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// storeSARIF renames the run's temporary SARIF over the stored results.
func storeSARIF(root *repofs.Root, x *Exec, rel string) error {
	real, err := root.Resolve(rel)
	if err != nil {
		return err
	}
	dst := filepath.Join(root.Dir(), filepath.FromSlash(real))
	if st, err := os.Lstat(dst); err == nil && !st.Mode().IsRegular() {
		return &repofs.Error{Path: rel, Reason: repofs.ReasonNotFile}
	}
	f, err := os.OpenFile(x.sarif, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	serr := f.Sync()
	if err := f.Chmod(0o644); err != nil && serr == nil {
		serr = err
	}
	f.Close()
	if serr != nil {
		return serr
	}
	if err := os.Rename(x.sarif, dst); err != nil {
		return err
	}
	x.sarif = ""
	if d, err := os.Open(filepath.Dir(dst)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// noteAttempt records a run that did not succeed in the scanner's record
// (the stored results and the rest of the record stay as they were).
func noteAttempt(root *repofs.Root, s *config.Scanner, prev *Record, x *Exec, commit string) {
	rec := prev
	if rec == nil {
		rec = &Record{Scanner: s.Name, Argv: x.Argv, Dir: s.Dir, Results: s.ResultsPath(), Status: x.Status}
	}
	c := *rec
	c.LastAttempt = &Attempt{Start: x.Start.UTC(), End: x.End.UTC(), Status: x.Status, Reason: x.Reason, ExitCode: x.ExitCode, Commit: commit}
	_ = writeRecord(root, s, &c)
}

// RecordID is the id under which the ledger records (or would record) b:
// its decision's, else the id it had when it was scanned.
func RecordID(b rescan.Before) string { return onRecord(b).ID }
