// Package branch decides which findings are new on the current branch, for
// the query term new:branch.
//
// Two methods, best first:
//
//   - base scan: when `secui scan --base` stored a scan of the merge base
//     (.secui/scans/base, with a record naming that commit), a finding of a
//     scanned tool is new unless a finding of the base scan is the same
//     finding: a shared strong identity key (fingerprint, partial
//     fingerprint, vulnerability id + package), or the same tool, rule,
//     file (following renames since the base), message and snippet — one
//     base finding for one current finding, so a pasted copy is new while
//     its original is not. Moving code inside a file does not make it new.
//   - changed lines: for tools the base scan does not cover, a finding is
//     new when its line is among the lines changed since the merge base
//     (committed on the branch, staged, unstaged, untracked files; renamed
//     files only for their edited lines). A finding about a whole file
//     (no line) is new when the file is.
//
// Findings outside the repository (container images, URLs) are new only by
// a base scan. Facts says which method decided each tool, and why a base
// scan was not used.
package branch

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/gitrepo"
)

// Method is how new:branch was decided for a finding.
type Method uint8

// Methods.
const (
	MethodNone         Method = iota // undecided: outside the repository, no base scan
	MethodBaseScan                   // by identity against the scan of the merge base
	MethodChangedLines               // by its line among those changed since the merge base
)

var methodNames = [...]string{"none", "base-scan", "changed-lines"}

func (m Method) String() string { return methodNames[m] }

// Options tune Compute.
type Options struct {
	Base    gitrepo.BaseOptions    // the base branch (git.base)
	Changed gitrepo.ChangedOptions // the changed-lines computation
	// Load configures loading the base scan (stage overrides); Root is
	// always the repository's.
	Load findings.Options
	// NoBaseScan ignores any base scan (changed lines only).
	NoBaseScan bool
}

// Facts are the precomputed answer for one set of findings. It implements
// query.BranchFacts.
type Facts struct {
	MergeBase *gitrepo.MergeBase
	Changed   *gitrepo.ChangedLines
	// BaseScan is the record of the base scan used, nil when none was.
	BaseScan *BaseRecord
	// ScanTools are the tools (lower-case) decided by the base scan.
	ScanTools []string
	// Note says why a base scan was not (fully) used, "" when it was or
	// there is none to speak of.
	Note string
	// BaseErrors are load errors of the base scan's files.
	BaseErrors []*findings.LoadError

	New       int            // findings new on the branch
	ByMethod  map[Method]int // findings decided by each method (new or not)
	NewBy     map[Method]int // new findings by method
	LineTools []string       // tools (lower-case) decided by changed lines

	isNew     map[*findings.Finding]struct{}
	scanTools map[string]bool
}

// NewOnBranch reports whether f is new on this branch.
func (fa *Facts) NewOnBranch(f *findings.Finding) bool {
	if fa == nil {
		return false
	}
	_, ok := fa.isNew[f]
	return ok
}

// MethodOf is how f was decided.
func (fa *Facts) MethodOf(f *findings.Finding) Method {
	switch {
	case fa == nil || f == nil:
		return MethodNone
	case fa.scanTools[strings.ToLower(f.ToolName())]:
		return MethodBaseScan
	case f.Loc.InRepo && fa.Changed != nil:
		return MethodChangedLines
	}
	return MethodNone
}

// Method is the overall method: base-scan or changed-lines when one
// decided every finding, "mixed" when both did, "none" when neither.
func (fa *Facts) Method() string {
	s, l := fa.ByMethod[MethodBaseScan] > 0, fa.ByMethod[MethodChangedLines] > 0
	switch {
	case s && l:
		return "mixed"
	case s:
		return MethodBaseScan.String()
	case l:
		return MethodChangedLines.String()
	}
	if len(fa.ScanTools) > 0 {
		return MethodBaseScan.String()
	}
	return MethodChangedLines.String()
}

// Summary is one line for a footer or status bar, e.g. "new on this branch
// (vs origin/main at 1a2b3c4): 3 by base scan (gosec), 2 by changed lines
// (gitleaks)". Tool names come from SARIF: sanitise before display.
func (fa *Facts) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "new on this branch (vs %s at %s): %d", fa.MergeBase.Ref, fa.MergeBase.Short(), fa.New)
	var parts []string
	if fa.ByMethod[MethodBaseScan] > 0 || len(fa.ScanTools) > 0 {
		parts = append(parts, fmt.Sprintf("%d by base scan (%s)", fa.NewBy[MethodBaseScan], strings.Join(fa.ScanTools, ", ")))
	}
	if fa.ByMethod[MethodChangedLines] > 0 {
		what := "by lines changed since the merge base"
		if len(fa.ScanTools) > 0 {
			what = "by changed lines"
		}
		parts = append(parts, fmt.Sprintf("%d %s (%s)", fa.NewBy[MethodChangedLines], what, strings.Join(fa.LineTools, ", ")))
	}
	if len(parts) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(parts, "; "))
	}
	if fa.MergeBase.OnBase {
		b.WriteString("; HEAD is on the base branch: only uncommitted changes count")
	}
	if n := fa.ByMethod[MethodNone]; n > 0 {
		fmt.Fprintf(&b, "; %d outside the repository undecided", n)
	}
	if fa.Note != "" {
		b.WriteString("; ")
		b.WriteString(fa.Note)
	}
	return b.String()
}

// Compute decides, for every finding of fs, whether it is new on the
// current branch of repo. It runs git (merge base, diff) and loads the base
// scan, so call it off the UI goroutine; it is cancellable.
func Compute(ctx context.Context, repo *gitrepo.Repo, fs []*findings.Finding, opts Options) (*Facts, error) {
	if repo == nil {
		return nil, fmt.Errorf("new:branch needs a git repository")
	}
	mb, err := repo.MergeBase(ctx, opts.Base)
	if err != nil {
		return nil, fmt.Errorf("new:branch: %w", err)
	}
	cl, err := repo.ChangedSince(ctx, mb.Commit, opts.Changed)
	if err != nil {
		return nil, fmt.Errorf("new:branch: lines changed since %s: %w", mb.Short(), err)
	}
	fa := &Facts{MergeBase: mb, Changed: cl, isNew: map[*findings.Finding]struct{}{},
		scanTools: map[string]bool{}, ByMethod: map[Method]int{}, NewBy: map[Method]int{}}

	var base []*findings.Finding
	if !opts.NoBaseScan {
		base, err = fa.loadBase(ctx, repo, opts.Load)
		if err != nil {
			return nil, err
		}
	}
	var scanned []*findings.Finding
	lineTools := map[string]bool{}
	for _, f := range fs {
		if f == nil {
			continue
		}
		m := fa.MethodOf(f)
		fa.ByMethod[m]++
		switch m {
		case MethodBaseScan:
			scanned = append(scanned, f)
		case MethodChangedLines:
			lineTools[strings.ToLower(f.ToolName())] = true
			if cl.Changed(f.Loc.Path, f.Loc.Line) {
				fa.mark(f, m)
			}
		}
	}
	for t := range lineTools {
		fa.LineTools = append(fa.LineTools, t)
	}
	sort.Strings(fa.LineTools)
	if len(scanned) > 0 {
		fa.matchBase(ctx, base, scanned, cl)
	}
	return fa, ctx.Err()
}

func (fa *Facts) mark(f *findings.Finding, m Method) {
	if _, ok := fa.isNew[f]; !ok {
		fa.isNew[f] = struct{}{}
		fa.New++
		fa.NewBy[m]++
	}
}

// loadBase loads the base scan when its record names the current merge
// base, and sets the tools it covers. Problems become fa.Note.
func (fa *Facts) loadBase(ctx context.Context, repo *gitrepo.Repo, lo findings.Options) ([]*findings.Finding, error) {
	rec, err := ReadBaseRecord(repo.Root)
	if err != nil {
		fa.Note = fmt.Sprintf("base scan not used: %v", err)
		return nil, nil
	}
	if rec == nil {
		return nil, nil
	}
	if rec.Commit != fa.MergeBase.Commit {
		fa.Note = fmt.Sprintf("base scan not used: it is of %s, the merge base is now %s (run secui scan --base)", rec.Commit[:7], fa.MergeBase.Short())
		return nil, nil
	}
	if len(rec.Scanners) == 0 {
		return nil, nil
	}
	lo.Root = repo.Root
	lo.OnFile = nil
	rels := rec.Files()
	var paths []string
	for _, f := range rels {
		paths = append(paths, filepath.Join(repo.Root, filepath.FromSlash(f)))
	}
	set, err := findings.Load(ctx, paths, lo)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		fa.Note = fmt.Sprintf("base scan not used: %v", err)
		return nil, nil
	}
	fa.BaseErrors = set.Errors
	bad := map[string]bool{}
	for _, le := range set.Errors {
		bad[le.File] = true
	}
	var failed []string
	ok := map[string]bool{} // loaded files (as the loader names them)
	for _, fi := range set.Files {
		if fi.Err == nil && !bad[fi.Path] {
			ok[fi.Path] = true
		}
	}
	for i, s := range rec.Scanners {
		if ok[rels[i]] || ok[paths[i]] {
			fa.scanTools[strings.ToLower(s)] = true
		} else {
			failed = append(failed, s)
		}
	}
	var base []*findings.Finding
	for _, f := range set.Findings {
		if !fromLoaded(f, ok) {
			continue
		}
		base = append(base, f)
		fa.scanTools[strings.ToLower(f.ToolName())] = true
	}
	for t := range fa.scanTools {
		fa.ScanTools = append(fa.ScanTools, t)
	}
	sort.Strings(fa.ScanTools)
	if len(fa.ScanTools) > 0 {
		fa.BaseScan = rec
	}
	if len(failed) > 0 {
		fa.Note = fmt.Sprintf("base scan of %s did not load; those tools use changed lines", strings.Join(failed, ", "))
	}
	return base, nil
}

func fromLoaded(f *findings.Finding, ok map[string]bool) bool {
	for _, s := range f.Sources {
		if ok[s.File] {
			return true
		}
	}
	return false
}

// strongKey reports whether an identity key is from a strong layer.
func strongKey(k string) bool {
	return strings.HasPrefix(k, "fingerprint:") || strings.HasPrefix(k, "partial:") || strings.HasPrefix(k, "vulnerability:")
}

// tempDirRE finds the temporary worktree's directory in paths and text of
// the base scan (absolute URIs, messages naming files).
var tempDirRE = regexp.MustCompile(`(?:file://)?/[^\s"']*?/` + regexp.QuoteMeta(gitrepo.TempWorktreePrefix) + `[^/\s"']+/`)

// basePath is a base finding's repository path: absolute paths into the
// temporary worktree are cut to the part inside it.
func basePath(f *findings.Finding) string {
	p := f.Loc.Path
	if !f.Loc.InRepo {
		if loc := tempDirRE.FindStringIndex(p); loc != nil && loc[0] == 0 {
			return p[loc[1]:]
		}
	}
	return p
}

// looseKey is a finding's identity without its position: tool, rule, path,
// and message and snippet with digit runs and blanks folded.
func looseKey(tool, rule, path, msg, snippet string) string {
	return strings.ToLower(tool) + "\x00" + rule + "\x00" + path + "\x00" + fold(msg) + "\x00" + fold(snippet)
}

// fold folds runs of digits to "#" and runs of blanks to one space, and
// drops the temporary worktree's directory.
func fold(s string) string {
	s = tempDirRE.ReplaceAllString(s, "")
	var b strings.Builder
	inDigits, inSpace := false, true
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if !inDigits {
				b.WriteByte('#')
			}
			inDigits, inSpace = true, false
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if !inSpace {
				b.WriteByte(' ')
			}
			inDigits, inSpace = false, true
		default:
			b.WriteRune(r)
			inDigits, inSpace = false, false
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// matchBase marks the scanned findings that no base finding is: first by
// strong keys, then by loose key, one base finding for one current one
// (current findings on unchanged lines take a base finding first).
func (fa *Facts) matchBase(ctx context.Context, base, cur []*findings.Finding, cl *gitrepo.ChangedLines) {
	renamed := map[string]string{} // base path -> working path
	for p, fc := range cl.Files {
		if fc.Status == gitrepo.ChangeRenamed && fc.OldPath != "" {
			renamed[fc.OldPath] = p
		}
	}
	used := make([]bool, len(base))
	strong := map[string][]int{}
	for i, bf := range base {
		for _, k := range bf.Keys {
			if strongKey(k) {
				strong[k] = append(strong[k], i)
			}
		}
	}
	sortFindings(cur, cl)
	var rest []*findings.Finding
next:
	for _, f := range cur {
		for _, k := range f.Keys {
			if !strongKey(k) {
				continue
			}
			for _, bi := range strong[k] {
				if !used[bi] {
					used[bi] = true
					continue next
				}
			}
		}
		rest = append(rest, f)
	}
	if ctx.Err() != nil {
		return
	}
	loose := map[string]int{}
	for i, bf := range base {
		if used[i] {
			continue
		}
		p := basePath(bf)
		if np, ok := renamed[p]; ok {
			p = np
		}
		loose[looseKey(bf.ToolName(), bf.RuleID(), p, bf.Message, bf.Loc.Snippet)]++
	}
	for _, f := range rest {
		k := looseKey(f.ToolName(), f.RuleID(), f.Loc.Path, f.Message, f.Loc.Snippet)
		if loose[k] > 0 {
			loose[k]--
			continue
		}
		fa.mark(f, MethodBaseScan)
	}
}

// sortFindings orders findings so that, among equals, those on unchanged
// lines come first, then by path, line and column: the findings left
// without a base finding are the ones the branch most likely added.
func sortFindings(fs []*findings.Finding, cl *gitrepo.ChangedLines) {
	changed := make(map[*findings.Finding]bool, len(fs))
	for _, f := range fs {
		changed[f] = f.Loc.InRepo && cl.Changed(f.Loc.Path, f.Loc.Line)
	}
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if changed[a] != changed[b] {
			return !changed[a]
		}
		if a.Loc.Path != b.Loc.Path {
			return a.Loc.Path < b.Loc.Path
		}
		if a.Loc.Line != b.Loc.Line {
			return a.Loc.Line < b.Loc.Line
		}
		return a.Loc.Col < b.Loc.Col
	})
}
