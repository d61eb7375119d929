package triagescreen

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/policy"
	"github.com/secui/secui/findings/query"
	"github.com/secui/secui/findings/repofs"
	"github.com/secui/secui/internal/trace"
	"github.com/secui/secui/tui/detail"
	"github.com/secui/secui/tui/findingtable"
	"github.com/secui/secui/tui/safe"
)

// LoadFunc loads findings, calling onFile after each input file (see Options.Load).
type LoadFunc func(ctx context.Context, onFile func(file string, fs []*findings.Finding, err error)) (*findings.Set, error)

// overlaySeq orders overlays by when they were built: a later one saw every
// ledger write an earlier one saw (the console keeps the latest).
var overlaySeq atomic.Uint64

// buildOverlay matches the ledger to fs (I/O: it may read the working tree
// and git, so it runs in a Cmd).
func buildOverlay(l *ledger.Ledger, fs []*findings.Finding, now time.Time, opt ledger.OverlayOptions) (*ledger.Overlay, uint64) {
	seq := overlaySeq.Add(1)
	return l.Overlay(fs, now, opt), seq
}

// waitCmd waits for the next loading message.
func waitCmd(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

// filterJob is everything a filter run needs, captured by value.
type filterJob struct {
	gen        int
	fs         []*findings.Finding
	q          *query.Query
	suppressed bool // show the suppressed lanes instead of the live findings
	sort       query.SortKey
	group      query.GroupBy
	keep       bool // keep the cursor on the selected finding
	// perm is every index of fs in sort order, cached across runs (nil = compute).
	perm []int32
	// tri is the ledger overlay the states come from (immutable, shared).
	tri *ledger.Overlay
}

// permFor returns the indices of all of fs in key order.
func permFor(fs []*findings.Finding, key query.SortKey) []int32 {
	perm := make([]int32, len(fs))
	for i := range perm {
		perm[i] = int32(i)
	}
	query.Sort(fs, perm, key)
	return perm
}

// runFilter filters, sorts and groups job.fs. It runs in a Cmd goroutine.
func runFilter(ctx context.Context, job filterJob) filterDoneMsg {
	trace.Once("filter-run")
	start := time.Now()
	var tri findings.Triage
	if job.tri != nil {
		tri = job.tri
	}
	out := filterDoneMsg{gen: job.gen, fs: job.fs, keep: job.keep, tri: job.tri}
	for _, f := range job.fs { // one pass for the ribbon and the counts
		hidden := policy.HiddenByDefault(tri, f)
		if hidden {
			out.hidden++
		} else if policy.CountsOpen(tri, f) { // summary's open column counts the same
			out.ribbon[min(f.Stage, findings.StageMonitor)][min(f.Severity, findings.SevCritical)]++
		}
		if job.suppressed && policy.LaneOf(tri, f) != policy.LaneNone || !job.suppressed && !hidden {
			out.total++
		}
	}
	idx, err := query.Filter(ctx, job.fs, job.q, tri)
	if err != nil {
		out.err = err
		return out
	}
	n := 0
	for _, i := range idx {
		f := job.fs[i]
		var keep bool
		if job.suppressed {
			keep = policy.LaneOf(tri, f) != policy.LaneNone
		} else {
			keep = !policy.HiddenByDefault(tri, f)
		}
		if keep {
			idx[n] = i
			n++
		}
	}
	idx = idx[:n]
	if ctx.Err() != nil {
		out.err = ctx.Err()
		return out
	}
	// Sorting is done once per (findings, sort key): the matches are picked
	// out of the cached sorted permutation, so a new filter costs O(n).
	perm := job.perm
	if len(perm) != len(job.fs) {
		perm = permFor(job.fs, job.sort)
	}
	out.perm = perm
	if len(idx) == len(perm) {
		idx = append(idx[:0], perm...)
	} else {
		match := make([]bool, len(job.fs))
		for _, i := range idx {
			match[i] = true
		}
		idx = idx[:0]
		for _, i := range perm {
			if match[i] {
				idx = append(idx, i)
			}
		}
	}
	out.idx = idx
	switch {
	case job.suppressed:
		out.groups = laneGroups(tri, job.fs, idx)
	case job.group != query.GroupNone:
		for _, g := range query.GroupFindings(job.fs, idx, job.group) {
			out.groups = append(out.groups, findingtable.Group{Key: g.Key, Label: groupLabel(job.group, g.Label), Idx: g.Idx, Counts: g.Counts})
		}
	}
	out.elapsed = time.Since(start)
	return out
}

func groupLabel(by query.GroupBy, label string) string {
	return by.String() + ": " + label
}

func laneGroups(tri findings.Triage, fs []*findings.Finding, idx []int32) []findingtable.Group {
	by := map[policy.Lane]*findingtable.Group{}
	for _, i := range idx {
		k := policy.LaneOf(tri, fs[i])
		g := by[k]
		if g == nil {
			g = &findingtable.Group{Key: string(k), Label: k.Label()}
			by[k] = g
		}
		g.Idx = append(g.Idx, i)
		g.Counts[min(fs[i].Severity, findings.SevCritical)]++
	}
	groups := []findingtable.Group{}
	for _, k := range policy.Lanes {
		if g := by[k]; g != nil {
			groups = append(groups, *g)
		}
	}
	return groups
}

// filterCmd runs job in the background under ctx (cancelled when superseded).
func filterCmd(ctx context.Context, job filterJob) tea.Cmd {
	return func() tea.Msg { return runFilter(ctx, job) }
}

// detailCmd loads the details, code and fix diffs of f.
func detailCmd(gen int, details func(*findings.Finding) (*findings.Details, error), f *findings.Finding, root, chroma string) tea.Cmd {
	return func() tea.Msg {
		msg := detailLoadedMsg{gen: gen, f: f}
		msg.code = detail.ReadCode(root, f.Loc, 3, chroma)
		if details == nil {
			return msg
		}
		msg.details, msg.err = details(f)
		if msg.details != nil {
			for _, fx := range msg.details.Fixes {
				msg.fixes = append(msg.fixes, detail.FixDiff(root, fx))
			}
		}
		return msg
	}
}

// stepCodeCmd loads the code of one flow step.
func stepCodeCmd(gen, flow, step int, root string, loc findings.Location, chroma string) tea.Cmd {
	return func() tea.Msg {
		return stepCodeMsg{gen: gen, flow: flow, step: step, code: detail.ReadCode(root, loc, 2, chroma)}
	}
}

// ruleHelp is the help text of a rule, markdown preferred.
func ruleHelp(r *findings.Rule) string {
	if r == nil {
		return ""
	}
	for _, s := range []string{r.HelpMarkdown, r.HelpText, r.Full} {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// helpKey identifies rendered help in the cache.
func helpKey(r *findings.Rule, width int, style string) string {
	return fmt.Sprintf("%p/%d/%s", r, width, style)
}

// helpCmd renders rule help markdown (detail.RenderMarkdown sanitizes it:
// untrusted, no escape sequences but its own colours in the output).
func helpCmd(key, md string, width int, style string) tea.Cmd {
	return func() tea.Msg {
		return helpRenderedMsg{key: key, text: detail.RenderMarkdown(md, width, style)}
	}
}

// editorCmd opens loc in $VISUAL/$EDITOR (vi by default) at its line, using
// the +LINE convention; Bubble Tea releases and restores the terminal.
func editorCmd(root string, loc findings.Location) (tea.Cmd, error) {
	switch k := loc.Kind(); {
	case k == findings.PlaceNone:
		return nil, fmt.Errorf("this finding has no location to open")
	case k != findings.PlaceFile: // an image, package or URL: not "is not a file"
		art := "a"
		if k == findings.PlaceImage {
			art = "an"
		}
		return nil, fmt.Errorf("the location is %s %s (%s), not a file to open", art, k, safe.Line(loc.Path))
	case !loc.InRepo:
		return nil, fmt.Errorf("%s is not a file in this repository", safe.Line(loc.Path))
	}
	// The same confinement as every read: inside the repository, symlinks
	// resolved, never .git.
	rfs, err := repofs.Open(root)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: file not found (%v)", safe.Line(loc.Path), err)
	}
	defer rfs.Close()
	real, err := rfs.Resolve(loc.Path)
	if err != nil {
		var re *repofs.Error
		if errors.As(err, &re) {
			return nil, fmt.Errorf("cannot open %s: refused: %s", safe.Line(loc.Path), re.Reason)
		}
		return nil, fmt.Errorf("cannot open %s: %v", safe.Line(loc.Path), err)
	}
	path := filepath.Join(rfs.Dir(), filepath.FromSlash(real))
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("cannot open %s: file not found", safe.Line(loc.Path))
	}
	editor := os.Getenv("VISUAL")
	if editor == "" {
		editor = os.Getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	parts := strings.Fields(editor)
	args := append([]string{}, parts[1:]...)
	if loc.Line > 0 {
		args = append(args, fmt.Sprintf("+%d", loc.Line))
	}
	args = append(args, path)
	c := exec.Command(parts[0], args...)
	c.Dir = root
	return tea.ExecProcess(c, func(err error) tea.Msg { return editorDoneMsg{err: err} }), nil
}
