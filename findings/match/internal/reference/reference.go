// Package reference is the matcher as it was before issue 12's speed work
// (findings/match at a1f1efa), kept verbatim as the oracle of
// findings/match's property test: the optimised match.Assign must give
// exactly the same Result (the same finding for every decision, the same
// review items with the same candidates, the same orphans) on any input.
// When the matcher's rules change on purpose, change them here the same way.
package reference

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/match"
)

type (
	Decision = match.Decision
	Finding  = match.Finding
	Link     = match.Link
	Review   = match.Review
	Result   = match.Result
	Options  = match.Options
	How      = match.How
)

const (
	ByID       = match.ByID
	ByKey      = match.ByKey
	ByRename   = match.ByRename
	ByMove     = match.ByMove
	BySimilar  = match.BySimilar
	BySame     = match.BySame
	ByLocation = match.ByLocation
)

// Thresholds (see the package comment and docs/engine.md).
const (
	margin     = 0.1  // the best candidate must beat the next by this much
	minContext = 0.5  // context agreement for the same line elsewhere
	minTokens  = 0.6  // token agreement for an edited line
	strongTok  = 0.85 // an edited line this similar needs little context
)

type tier uint8

const (
	tierStrong tier = iota
	tierGit
	tierEvidence
	tierLegacy
)

type proposal struct {
	link  Link
	tier  tier
	cands []int // other candidates, for a review if this one loses
}

type groupKey struct{ tool, rule, path string }

type matcher struct {
	ds  []Decision
	fs  []Finding
	opt Options

	ev     []evidence.Evidence
	haveEv []bool
	taken  []bool // finding already placed
	done   []bool // decision placed, reviewed or orphaned
	groups map[groupKey][]int
	win    map[int][]uint32       // window tokens by finding
	buf    []int                  // cands' result
	paths  map[[2]string][]string // (tool, rule) → paths with findings

	res Result
}

// Assign places ds on fs.
func Assign(ds []Decision, fs []Finding, opt Options) Result {
	m := &matcher{ds: ds, fs: fs, opt: opt, taken: make([]bool, len(fs)), done: make([]bool, len(ds))}
	m.strong()
	if m.remaining() {
		m.index()
		m.round(tierGit, m.tracked)
		m.round(tierEvidence, m.byEvidence)
		m.round(tierLegacy, m.legacy)
	}
	for di := range ds {
		if !m.done[di] {
			m.orphan(di, "no finding of this tool and rule to compare with")
		}
	}
	slices.SortFunc(m.res.Links, func(a, b Link) int { return cmp.Compare(a.Decision, b.Decision) })
	slices.SortFunc(m.res.Review, func(a, b Review) int { return cmp.Compare(a.Decision, b.Decision) })
	type ow struct {
		d   int
		why string
	}
	ows := make([]ow, len(m.res.Orphans))
	for i := range ows {
		ows[i] = ow{m.res.Orphans[i], m.res.OrphanWhy[i]}
	}
	slices.SortFunc(ows, func(a, b ow) int { return cmp.Compare(a.d, b.d) })
	for i := range ows {
		m.res.Orphans[i], m.res.OrphanWhy[i] = ows[i].d, ows[i].why
	}
	return m.res
}

func (m *matcher) remaining() bool { return slices.Contains(m.done, false) }

func (m *matcher) orphan(di int, why string) {
	m.done[di] = true
	m.res.Orphans = append(m.res.Orphans, di)
	m.res.OrphanWhy = append(m.res.OrphanWhy, why)
}

func (m *matcher) review(di int, cands []int, why string) {
	m.done[di] = true
	m.res.Review = append(m.res.Review, Review{Decision: di, Candidates: cands, Why: why})
}

func (m *matcher) link(l Link) {
	m.done[l.Decision] = true
	m.taken[l.Finding] = true
	m.res.Links = append(m.res.Links, l)
}

// strong places decisions by strong keys.
func (m *matcher) strong() {
	const ambiguous = -1
	byID := make(map[string]int, len(m.fs))
	byKey := make(map[string]int, len(m.fs))
	for i, f := range m.fs {
		if f.F.IDLayer.Strong() {
			if _, dup := byID[f.F.ID]; dup {
				byID[f.F.ID] = ambiguous
			} else {
				byID[f.F.ID] = i
			}
		}
		for _, k := range f.F.Keys {
			if !findings.StrongKey(k) {
				continue
			}
			if j, dup := byKey[k]; dup && j != i {
				byKey[k] = ambiguous
			} else {
				byKey[k] = i
			}
		}
	}
	props := make([]proposal, 0, len(m.ds))
	var hit []int
	for di, d := range m.ds {
		hit = hit[:0]
		how, key := ByKey, ""
		weakID := len(d.Keys) > 0 && !findings.StrongKey(d.Keys[0])
		if fi, ok := byID[d.ID]; ok && !weakID && (fi == ambiguous || m.sameRule(d, fi)) {
			if fi == ambiguous {
				hit = append(hit, ambiguous)
			} else {
				hit = append(hit, fi)
				how = ByID
				if ks := m.fs[fi].F.Keys; len(ks) > 0 {
					key = ks[0]
				}
			}
		}
		for _, k := range d.Keys {
			if !findings.StrongKey(k) {
				continue
			}
			if fi, ok := byKey[k]; ok {
				if fi != ambiguous && !m.sameRule(d, fi) {
					if l, _ := findings.KeyLayer(k); l != findings.LayerVuln {
						continue // never across tools or rules, but a CVE is one finding whichever tool reports it
					}
				}
				if !slices.Contains(hit, fi) {
					hit = append(hit, fi)
				}
				if key == "" {
					key = k
				}
			}
		}
		switch {
		case len(hit) == 0:
			continue
		case len(hit) == 1 && hit[0] != ambiguous:
			props = append(props, proposal{tier: tierStrong, link: Link{Decision: di, Finding: hit[0], How: how, Key: key, Layer: layer(key), Score: 1}})
		default:
			var cands []int
			for _, fi := range hit {
				if fi != ambiguous {
					cands = append(cands, fi)
				}
			}
			m.review(di, cands, "its identity keys are shared by several findings")
			hit = nil
		}
	}
	m.resolve(props, func(a, b proposal) bool { return a.link.How == ByID && b.link.How != ByID })
}

// sameRule: f is of d's tool and rule (unknown on the decision: any).
func (m *matcher) sameRule(d Decision, fi int) bool {
	f := m.fs[fi].F
	return f.Reports(d.Tool, d.Rule) // a correlated finding: any of its tools and rules
}

// resolve applies proposals, one decision per finding: a finding wanted by
// several decisions goes to the clearly best one; the others, and ties, are
// reviewed.
func (m *matcher) resolve(props []proposal, better func(a, b proposal) bool) {
	// claims[f]: 0 none, i+1 the only proposal i, -1 several.
	claims := make([]int32, len(m.fs))
	multi := false
	for i, p := range props {
		switch c := &claims[p.link.Finding]; *c {
		case 0:
			*c = int32(i + 1)
		default:
			*c, multi = -1, true
		}
	}
	if cap(m.res.Links)-len(m.res.Links) < len(props) {
		m.res.Links = slices.Grow(m.res.Links, len(props))
	}
	var byF map[int][]proposal
	var order []int
	for i, p := range props {
		fi := p.link.Finding
		if claims[fi] > 0 {
			m.link(props[i].link)
			continue
		}
		if _, ok := byF[fi]; !ok {
			if byF == nil {
				byF = map[int][]proposal{}
			}
			order = append(order, fi)
		}
		byF[fi] = append(byF[fi], p)
	}
	if !multi {
		return
	}
	for _, fi := range order {
		ps := byF[fi]
		slices.SortStableFunc(ps, func(a, b proposal) int {
			switch {
			case better(a, b):
				return -1
			case better(b, a):
				return 1
			}
			return cmp.Compare(b.link.Score, a.link.Score)
		})
		win := -1
		if better(ps[0], ps[1]) || ps[0].link.Score-ps[1].link.Score >= margin {
			win = 0
			m.link(ps[0].link)
		}
		for i, p := range ps {
			if i == win {
				continue
			}
			cands := append([]int{fi}, p.cands...)
			m.review(p.link.Decision, cands, "another decision claims the same finding")
		}
	}
}

func (m *matcher) index() {
	m.ev = make([]evidence.Evidence, len(m.fs))
	m.haveEv = make([]bool, len(m.fs))
	m.groups = map[groupKey][]int{}
	m.paths = map[[2]string][]string{}
	add := func(i int, g groupKey) {
		if _, ok := m.groups[g]; !ok {
			tr := [2]string{g.tool, g.rule}
			m.paths[tr] = append(m.paths[tr], g.path)
		}
		m.groups[g] = append(m.groups[g], i)
	}
	for i, f := range m.fs {
		add(i, groupKey{f.F.ToolName(), f.F.RuleID(), f.F.Loc.Path})
		// A correlated finding is a candidate for decisions made on any
		// of its members (each tool's own finding before correlation).
		for _, mb := range f.F.Members {
			g := groupKey{mb.ToolName(), mb.RuleID(), mb.Loc.Path}
			if g.tool == f.F.ToolName() && g.rule == f.F.RuleID() && g.path == f.F.Loc.Path {
				continue
			}
			add(i, g)
		}
	}
}

// evidence of finding fi, captured on first use.
func (m *matcher) evOf(fi int) evidence.Evidence {
	if !m.haveEv[fi] {
		e := m.fs[fi].Evidence
		if e.Empty() && e.Path == "" && m.opt.Work != nil {
			e = m.opt.Work.ForFinding(m.fs[fi].F)
		}
		m.ev[fi] = e
		m.haveEv[fi] = true
	}
	return m.ev[fi]
}

// cands are the untaken findings of d's tool and rule in path (any path
// when path is ""), without those the tool itself tells apart from d: both
// have strong keys and share none. The slice is reused: valid until the
// next call.
func (m *matcher) cands(d Decision, path string) []int {
	out := m.buf[:0]
	add := func(fis []int) {
		for _, fi := range fis {
			if !m.taken[fi] && !m.strongConflict(d, fi) {
				out = append(out, fi)
			}
		}
	}
	if path != "" {
		add(m.groups[groupKey{d.Tool, d.Rule, path}])
	} else {
		for _, p := range m.paths[[2]string{d.Tool, d.Rule}] {
			add(m.groups[groupKey{d.Tool, d.Rule, p}])
		}
	}
	m.buf = out
	return out
}

func (m *matcher) strongConflict(d Decision, fi int) bool {
	dk := 0
	for _, k := range d.Keys {
		if findings.StrongKey(k) {
			dk++
		}
	}
	if dk == 0 {
		return false
	}
	fk := 0
	for _, k := range m.fs[fi].F.Keys {
		if findings.StrongKey(k) {
			fk++
			if slices.Contains(d.Keys, k) {
				return false
			}
		}
	}
	return fk > 0
}

// round proposes for every open decision with fn, then resolves.
func (m *matcher) round(t tier, fn func(di int) *proposal) {
	var props []proposal
	for di := range m.ds {
		if m.done[di] {
			continue
		}
		if p := fn(di); p != nil {
			p.tier = t
			props = append(props, *p)
		}
	}
	m.resolve(props, func(a, b proposal) bool { return false })
}

func short(c string) string {
	if len(c) > 7 {
		return c[:7]
	}
	return c
}

// tracked follows d's line through git. nil with d left open: not
// trackable, try evidence.
func (m *matcher) tracked(di int) *proposal {
	d := m.ds[di]
	e := d.Evidence
	if m.opt.Tracker == nil || e.Commit == "" || e.Line <= 0 || e.LineHash == 0 || e.Path == "" {
		return nil
	}
	var others []string
	for _, p := range m.paths[[2]string{d.Tool, d.Rule}] {
		if p != e.Path {
			others = append(others, p)
		}
	}
	lm := m.opt.Tracker.Map(e.Commit, e.Path, others)
	if lm == nil || lm.Old == nil || lm.New == nil || !sameCode(lm.Old.At(e.Line), e) {
		return nil // commit or file unknown, or decided on an uncommitted edit
	}
	from := ""
	if lm.Path != e.Path {
		from = e.Path
	}
	cands := m.cands(d, lm.Path)
	fol := lm.Follow(e.Line)
	at := func(line int) []int {
		var out []int
		for _, fi := range cands {
			if m.fs[fi].F.Loc.Line == line {
				out = append(out, fi)
			}
		}
		return out
	}
	place := func(fi int, how How, score float64) *proposal {
		if from != "" && how != BySimilar {
			how = ByRename
		}
		return &proposal{link: Link{Decision: di, Finding: fi, How: how, From: from,
			Moved: m.fs[fi].F.Loc.Line - e.Line, Score: score, Git: true}}
	}
	since := " since " + short(e.Commit)
	ambiguous := len(fol.Alt) > 0
	switch {
	case fol.Status == evidence.Unchanged && !ambiguous:
		here := at(fol.Line)
		if len(here) > 1 && e.Col > 0 {
			var sameCol []int
			for _, fi := range here {
				if m.fs[fi].F.Loc.Col == e.Col {
					sameCol = append(sameCol, fi)
				}
			}
			if len(sameCol) == 1 {
				here = sameCol
			}
		}
		switch {
		case len(here) == 1:
			if lm.Approx && evidence.ContextSimilarity(e, m.evOf(here[0])) < minContext {
				m.review(di, here, "the file changed too much for an exact diff; confirm the candidate")
				return nil
			}
			how := ByMove
			if fol.Line == e.Line {
				how = BySame
			}
			return place(here[0], how, 1)
		case len(here) > 1:
			m.review(di, here, fmt.Sprintf("several findings of %s on line %d", d.Rule, fol.Line))
			return nil
		}
		m.orphan(di, fmt.Sprintf("the line is unchanged%s (now line %d) but %s is no longer reported there", since, fol.Line, d.Rule))
		return nil
	case ambiguous:
		var lines []int
		canBeGone := fol.Status != evidence.Unchanged
		if fol.Status == evidence.Unchanged {
			lines = append(lines, fol.Line)
		}
		for _, a := range fol.Alt {
			if a == 0 {
				canBeGone = true
			} else {
				lines = append(lines, a)
			}
		}
		var here []int
		for _, l := range lines {
			here = append(here, at(l)...)
		}
		if len(here) == 0 {
			m.orphan(di, "the line and its identical twin are gone"+since)
			return nil
		}
		if canBeGone {
			m.review(di, here, "one of two identical lines was removed"+since+"; it may be this one")
			return nil
		}
		return m.pick(di, here, from, true, "identical copies of the line were added next to it"+since)
	case fol.Status == evidence.Modified:
		var in []int
		for _, fi := range cands {
			if l := m.fs[fi].F.Loc.Line; l >= fol.From && l <= fol.To {
				in = append(in, fi)
			}
		}
		if p := m.similar(di, in, lm.New, fol.To, from); p != nil || m.done[di] {
			return p
		}
	}
	// Deleted, or modified with nothing similar left: has the code moved
	// into lines added since?
	// The context may differ (sorted imports, a statement moved within
	// its function) when, in a Go file, the line is the only one of its
	// kind in both versions and stays in the same declaration.
	unique := strings.HasSuffix(lm.Path, ".go") && lm.Old.Count(e.LineHash) == 1 && lm.New.Count(e.LineHash) == 1
	var moved []int
	for _, fi := range cands {
		f := m.fs[fi].F
		if ce := m.evOf(fi); lm.Origin(f.Loc.Line) == 0 && lm.New.Hash(f.Loc.Line) == e.LineHash &&
			!symbolConflict(e, ce) && (evidence.ContextSimilarity(e, ce) >= minContext || (unique && e.Symbol == ce.Symbol)) {
			moved = append(moved, fi)
		}
	}
	switch {
	case len(moved) == 1:
		return place(moved[0], ByMove, evidence.ContextSimilarity(e, m.evOf(moved[0])))
	case len(moved) > 1:
		m.review(di, moved, "the code moved and was copied"+since)
		return nil
	}
	if fol.Status == evidence.Modified {
		m.orphan(di, fmt.Sprintf("the line was changed%s and %s is no longer reported there (fixed or gone)", since, d.Rule))
	} else {
		m.orphan(di, "the line was deleted"+since+" (fixed or gone)")
	}
	return nil
}

// similar picks, among the findings inside a changed block, the one whose
// line and context are like the decision's (a renamed variable, a
// re-wrapped or re-formatted line). It reviews weak or tied candidates.
// nil with the decision open: nothing similar.
func (m *matcher) similar(di int, in []int, file *evidence.File, blockEnd int, from string) *proposal {
	d := m.ds[di]
	e := d.Evidence
	type sc struct {
		fi    int
		score float64
		ok    bool
	}
	var scored []sc
	for _, fi := range in {
		ce := m.evOf(fi)
		line := m.fs[fi].F.Loc.Line
		tok := evidence.Jaccard(e.Tokens, ce.Tokens)
		if len(e.Tokens) >= 3 && file != nil {
			n := min(max(blockEnd-line+1, 1), 5)
			tok = max(tok, evidence.Containment(e.Tokens, file.WindowTokens(line, n)))
		}
		if len(ce.Tokens) >= 3 {
			tok = max(tok, evidence.Containment(ce.Tokens, e.Tokens))
		}
		ctx := evidence.ContextSimilarity(e, ce)
		symEq := e.Symbol != "" && e.Symbol == ce.Symbol
		symDiff := e.Symbol != "" && ce.Symbol != "" && e.Symbol != ce.Symbol
		// Inside the changed block a symbol may differ (the function was
		// renamed), but then the line must be nearly the same.
		ok := (!symDiff && (tok >= strongTok || (tok >= minTokens && (ctx >= 0.34 || symEq)))) ||
			(symDiff && tok >= strongTok && ctx >= minContext)
		s := 0.6*tok + 0.4*ctx
		if symEq {
			s += 0.1
		}
		if tok >= 0.4 || ok {
			scored = append(scored, sc{fi, s, ok})
		}
	}
	if len(scored) == 0 {
		return nil
	}
	slices.SortStableFunc(scored, func(a, b sc) int { return cmp.Compare(b.score, a.score) })
	cands := make([]int, len(scored))
	for i, s := range scored {
		cands[i] = s.fi
	}
	best := scored[0]
	if best.ok && (len(scored) == 1 || best.score-scored[1].score >= margin) {
		return &proposal{link: Link{Decision: di, Finding: best.fi, How: BySimilar, From: from,
			Moved: m.fs[best.fi].F.Loc.Line - e.Line, Score: best.score, Git: true}, cands: cands[1:]}
	}
	why := "the line was edited; the candidates are only somewhat similar"
	if best.ok {
		why = "the line was edited; several candidates are equally similar"
	}
	m.review(di, cands, why)
	return nil
}

// pick decides among candidates by evidence (context, symbol, distance);
// a tie goes to review with why.
func (m *matcher) pick(di int, cands []int, from string, git bool, why string) *proposal {
	e := m.ds[di].Evidence
	type sc struct {
		fi    int
		score float64
	}
	var scored []sc
	for _, fi := range cands {
		ce := m.evOf(fi)
		if symbolConflict(e, ce) {
			continue // another function's copy
		}
		s := evidence.ContextSimilarity(e, ce)
		if e.Symbol != "" && e.Symbol == ce.Symbol {
			s += 0.1
		}
		scored = append(scored, sc{fi, s})
	}
	if len(scored) == 0 {
		m.review(di, cands, why)
		return nil
	}
	slices.SortStableFunc(scored, func(a, b sc) int { return cmp.Compare(b.score, a.score) })
	out := make([]int, len(scored))
	for i, s := range scored {
		out[i] = s.fi
	}
	if len(scored) == 1 || scored[0].score-scored[1].score >= margin {
		fi := scored[0].fi
		how := ByMove
		if from != "" {
			how = ByRename
		} else if m.fs[fi].F.Loc.Line == e.Line {
			how = BySame
		}
		return &proposal{link: Link{Decision: di, Finding: fi, How: how, From: from,
			Moved: m.fs[fi].F.Loc.Line - e.Line, Score: scored[0].score, Git: git}, cands: out[1:]}
	}
	m.review(di, out, why)
	return nil
}

// byEvidence places a decision by evidence alone, in its own file.
func (m *matcher) byEvidence(di int) *proposal {
	d := m.ds[di]
	e := d.Evidence
	if e.Empty() || e.Path == "" {
		return nil
	}
	var file *evidence.File
	if m.opt.Work != nil {
		file = m.opt.Work.File(e.Path)
	}
	type sc struct {
		fi        int
		score     float64
		confident bool
	}
	var scored []sc // the best maxScored, best first
	var unknown []int
	cands := m.cands(d, e.Path)
	crowded := len(cands) > crowdedGroup
	for _, fi := range cands {
		ce := m.evOf(fi)
		if ce.Empty() {
			unknown = append(unknown, fi)
			continue
		}
		line := m.fs[fi].F.Loc.Line
		exact := ce.LineHash == e.LineHash
		if crowded && !exact && absInt(line-e.Line) > crowdedGroup {
			continue // bounded cost: in a crowded file, edited lines are looked for nearby only
		}
		tok := 1.0
		if !exact {
			tok = evidence.Jaccard(e.Tokens, ce.Tokens)
			if len(e.Tokens) >= 3 && file != nil {
				tok = max(tok, evidence.Containment(e.Tokens, m.window(fi, file)))
			}
			if len(ce.Tokens) >= 3 {
				tok = max(tok, evidence.Containment(ce.Tokens, e.Tokens))
			}
		}
		ctx := evidence.ContextSimilarity(e, ce)
		symEq := e.Symbol != "" && e.Symbol == ce.Symbol
		symDiff := e.Symbol != "" && ce.Symbol != "" && e.Symbol != ce.Symbol
		confident := !symDiff && ((exact && (ctx >= minContext || (symEq && ctx >= 0.25))) ||
			(!exact && tok >= minTokens && ctx >= 0.6))
		if !exact && tok < 0.5 && ctx < minContext {
			continue // not like it at all
		}
		s := 0.5*tok + 0.4*ctx
		if symEq {
			s += 0.1
		}
		s -= math.Min(float64(absInt(line-e.Line)), 1000) / 1e6 // closest position breaks exact ties only
		i, _ := slices.BinarySearchFunc(scored, s, func(x sc, s float64) int { return cmp.Compare(s, x.score) })
		if i < maxScored {
			scored = slices.Insert(scored, i, sc{fi, s, confident})
			if len(scored) > maxScored {
				scored = scored[:maxScored]
			}
		}
	}
	if len(scored) == 0 {
		if len(unknown) > 0 {
			m.review(di, unknown, "the file cannot be read to compare the code")
			return nil
		}
		m.orphan(di, fmt.Sprintf("no finding of %s in %s has this code (fixed or gone)", d.Rule, e.Path))
		return nil
	}
	cands = make([]int, len(scored))
	for i, s := range scored {
		cands[i] = s.fi
	}
	best := scored[0]
	if best.confident && (len(scored) == 1 || best.score-scored[1].score >= margin) {
		fi := best.fi
		ce := m.evOf(fi)
		how := BySimilar
		switch {
		case ce.LineHash == e.LineHash && m.fs[fi].F.Loc.Line == e.Line:
			how = BySame
		case ce.LineHash == e.LineHash:
			how = ByMove
		}
		return &proposal{link: Link{Decision: di, Finding: fi, How: how, Moved: m.fs[fi].F.Loc.Line - e.Line, Score: best.score}, cands: cands[1:]}
	}
	why := "no git history to follow the line; the candidates are only somewhat similar"
	if best.confident {
		why = "no git history to follow the line; several candidates look the same"
	}
	m.review(di, cands, why)
	return nil
}

// Bounds of evidence matching.
const (
	maxScored    = 8   // candidates kept (and shown in a review) per decision
	crowdedGroup = 500 // findings of one rule in one file beyond which edited lines are looked for within this many lines
)

// window is the tokens of finding fi's line and the next two (cached).
func (m *matcher) window(fi int, file *evidence.File) []uint32 {
	if m.win == nil {
		m.win = map[int][]uint32{}
	}
	w, ok := m.win[fi]
	if !ok {
		w = file.WindowTokens(m.fs[fi].F.Loc.Line, 3)
		m.win[fi] = w
	}
	return w
}

// legacy handles decisions without code evidence (ledger v1, or findings
// outside the repository's files).
func (m *matcher) legacy(di int) *proposal {
	d := m.ds[di]
	e := d.Evidence
	var shared []int
	var sharedKey []string
	var fbFirst []bool // the finding's first shared key is the fallback key
	for _, fi := range m.cands(d, e.Path) {
		// The fallback key, when shared, says "same place" (below); else
		// any shared key makes the finding a candidate.
		pick, first := "", false
		for _, k := range m.fs[fi].F.Keys {
			if !slices.Contains(d.Keys, k) {
				continue
			}
			if l, _ := findings.KeyLayer(k); l == findings.LayerFallback {
				first = pick == ""
				pick = k
				break
			}
			if pick == "" {
				pick = k
			}
		}
		if pick != "" {
			shared = append(shared, fi)
			sharedKey = append(sharedKey, pick)
			fbFirst = append(fbFirst, first)
		}
	}
	// A place that has no code on either side (a URL, an image, a file
	// not in the working tree): same fallback key = same tool, rule, path,
	// line, column, message and snippet, and the only finding sharing a
	// key.
	//
	// A finding that also shares a weak positional key (CodeQL's
	// primaryLocationLineHash, listed before the fallback key) is placed
	// so only on an exact hit: the decision was recorded by secui with its
	// commit (not ledger v1) on this very finding (same id, path, line and
	// column), and no other finding in the file has the same text. A copy
	// pasted above the original takes the original's place, ":1" line hash
	// and fallback key; without the code only the original's twin text,
	// one line down, gives it away, and then the decision is reviewed.
	if len(shared) == 1 {
		fi, k := shared[0], sharedKey[0]
		f := m.fs[fi].F
		if l, _ := findings.KeyLayer(k); l == findings.LayerFallback && m.evOf(fi).Empty() {
			if fbFirst[0] {
				return &proposal{link: Link{Decision: di, Finding: fi, How: ByLocation, Key: k, Layer: layer(k), Score: 1}}
			}
			if e.Commit != "" && f.ID == d.ID && f.Loc.Path == e.Path && f.Loc.Line == e.Line && f.Loc.Col == e.Col {
				if twins := m.twins(d, fi); len(twins) > 0 {
					m.review(di, append(shared, twins...), "no code to compare and another finding here has the same text (a copy?); confirm the candidate")
					return nil
				}
				return &proposal{link: Link{Decision: di, Finding: fi, How: ByLocation, Key: k, Layer: layer(k), Score: 1}}
			}
		}
	}
	if len(shared) > 0 {
		m.review(di, shared, "decided before secui recorded evidence (ledger v1): only a weak key matches; confirm the candidate")
		return nil
	}
	return nil
}

// twins are the other findings of d's tool and rule in fi's file with fi's
// text (tool, rule, path, message, snippet), taken or not.
func (m *matcher) twins(d Decision, fi int) []int {
	f := m.fs[fi].F
	var out []int
	for _, fj := range m.groups[groupKey{d.Tool, d.Rule, f.Loc.Path}] {
		if fj != fi && f.SameText(m.fs[fj].F) {
			out = append(out, fj)
		}
	}
	return out
}

// symbolConflict: both enclosing symbols are known and differ.
func symbolConflict(a, b evidence.Evidence) bool {
	return a.Symbol != "" && b.Symbol != "" && a.Symbol != b.Symbol
}

// sameCode reports whether the commit's line is the code the decision was
// made on: the same normalised line, context window and symbol. A decision
// made on an edit not committed yet can name a line that holds the same
// text at the commit (a pasted copy); its context tells them apart.
func sameCode(at, e evidence.Evidence) bool {
	return at.LineHash == e.LineHash && slices.Equal(at.Context, e.Context) && at.Symbol == e.Symbol
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func layer(k string) string {
	l, ok := findings.KeyLayer(k)
	if !ok {
		if i := strings.IndexByte(k, ':'); i > 0 {
			return k[:i]
		}
		return "key"
	}
	return l.String()
}
