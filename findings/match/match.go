// Package match assigns triage decisions to findings. It is pure: it reads
// the decisions' identity keys and evidence, the findings' keys and (lazily)
// their evidence in the working tree, and returns an assignment; nothing is
// mutated.
//
// The assignment is one-to-one: each decision goes to at most one finding and
// each finding takes at most one decision. A decision that cannot be placed
// with confidence is not guessed: it is returned in Review with its
// candidates. A decision is only ever placed on a finding of the same tool
// and rule, in the same file or the file git says it was renamed to.
//
// In order:
//
//  1. Strong keys: an equal finding ID from a strong layer, or a shared
//     vulnerability, fingerprint or partial-fingerprint key (findings.StrongKey).
//     Weak keys (line-hash, content, fallback) never decide a match.
//  2. Git line tracking (Options.Tracker): the decision records the commit
//     it was made at; the file at that commit is diffed against the working
//     tree (following renames) and the decision's line is followed:
//     unchanged → the finding on its new line; modified → the most similar
//     finding inside the changed block (tokens and context: a renamed
//     variable, a re-wrapped or re-formatted line); deleted → orphaned (fixed
//     or gone), even if an identical copy is elsewhere, unless the same code
//     reappears in lines added since (code moved). A line a diff could align
//     with either of two identical copies is decided by evidence or reviewed.
//     The commit's line must hash to the recorded line (a decision made on an
//     uncommitted edit falls back to evidence).
//  3. Evidence alone (no commit, commit unknown or unreachable: a shallow CI
//     clone): the same normalised line with an agreeing context window and
//     enclosing symbol, or a similar line with a very similar context; the
//     best candidate must be clearly better than the next.
//  4. Decisions without evidence (ledger v1): a finding that shares a weak
//     key is a candidate for review, never applied.
package match

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
)

// Decision is what the matcher needs of one ledger record.
type Decision struct {
	ID       string   // the finding id the decision was made on
	Tool     string   // tool name
	Rule     string   // rule id
	Keys     []string // identity keys of the finding when decided ("<layer>:<hex>")
	Evidence evidence.Evidence
}

// Finding is what the matcher needs of one current finding.
type Finding struct {
	F *findings.Finding
	// Evidence as captured from the working tree; leave it zero to have
	// Assign capture it through Options.Work when (and only when) needed.
	Evidence evidence.Evidence
}

// How says how a decision found its finding.
type How uint8

// Ways a decision can match (strongest first).
const (
	ByID       How = iota // same finding id, from a strong identity layer
	ByKey                 // a shared strong identity key (fingerprint, partial fingerprint, vulnerability)
	ByRename              // the same code in a file git reports as renamed (From)
	ByMove                // the same code elsewhere in the same file (moved Lines lines)
	BySimilar             // similar context and finding line (an edit on or around the line)
	BySame                // the same code on the same line
	ByLocation            // no code to compare on either side (not a file of the repository): same tool, rule, place and message
	// ByScope is never returned by Assign: the ledger's overlay uses it for a
	// finding decided by a scope record (a rule or a path glob).
	ByScope
)

var howNames = [...]string{"id", "key", "rename", "moved", "similar", "same", "location", "scope"}

func (h How) String() string {
	if int(h) < len(howNames) {
		return howNames[h]
	}
	return "unknown"
}

// Link is one placed decision.
type Link struct {
	Decision int    // index into the decisions
	Finding  int    // index into the findings
	How      How    // how it matched
	Git      bool   // placed by following the line through git history (next to How: one word for both)
	Key      string // the key that matched (ByID, ByKey, ByLocation), "" otherwise
	Layer    string // the identity layer of Key ("fingerprint", "partial-fingerprint", ...)
	From     string // the path the decision was made on, when the file was renamed since
	Moved    int    // lines moved (new line - old line), any How
	Score    float64
}

// Review is a decision that could not be placed with confidence: it is
// applied to no finding and is shown as "needs review" with its candidates.
type Review struct {
	Decision   int
	Candidates []int // finding indices, best first
	Why        string
}

// Result is the assignment.
type Result struct {
	Links   []Link   // sorted by Decision
	Review  []Review // sorted by Decision
	Orphans []int    // decisions that match nothing (fixed, gone, or scan missing), ascending
	// OrphanWhy says, for each of Orphans (same index), why nothing matched.
	OrphanWhy []string
}

// Tracker follows lines through git history. gitrepo.Tracker implements it.
type Tracker interface {
	// Map returns how the lines of path at commit map to the working tree,
	// following a rename (candidates are working-tree paths that may be the
	// file's new name, for moves not committed yet). nil when the commit or
	// the file at it is unknown.
	Map(commit, path string, candidates []string) *evidence.LineMap
}

// Options are the optional inputs of Assign.
type Options struct {
	// Work reads the working tree: evidence of current findings is captured
	// through it, lazily. nil: only Finding.Evidence is used.
	Work *evidence.Capturer
	// Tracker follows decisions' lines through git. nil: evidence only.
	Tracker Tracker
}

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

// gkey is a group's key: its (tool, rule) and its path as
// numbers (groups.trs, groups.names): 8 bytes a group, no string to keep.
type gkey struct {
	tr, path int32
}

type matcher struct {
	ds  []*Decision
	f   []*findings.Finding
	opt Options
	// given is the evidence of finding fi known without the working tree
	// (Finding.Evidence); nil: none.
	given func(fi int) evidence.Evidence

	ev      []evidence.Evidence
	haveEv  []bool
	taken   []bool // finding already placed
	done    []bool // decision placed, reviewed or orphaned
	dStrong []bool // decision has a strong key
	fStrong []bool // finding has a strong key
	groups  groups
	win     map[int][]uint32       // window tokens by finding
	buf     []int                  // cands' result
	shared  []int                  // legacy's scratch
	paths   map[[2]string][]string // (tool, rule) → paths with findings, built on first use
	prop    proposal               // the proposal a round's fn returns (copied at once)
	claims  []int32                // resolve's scratch, len(fs)
	layers  [2]struct {            // strongKey's cache: the last key layers seen
		name   string
		strong bool
	}
	own    []int32 // each finding's own group
	lastG  int32   // the group cands read last (-1: none, or several)
	noFile []int8  // by path number (groups.names): not a file of the working tree (1), is (2), unknown (0)

	// parent is the matcher a legacyRound worker proposes for (nil: this
	// is no worker); evMu serialises the workers' evidence lookups on it.
	parent *matcher
	evMu   *sync.Mutex

	res Result
}

// groups are the findings of each (tool, rule, path), in finding order, as
// one flat array: group g is at[start[g]:start[g+1]].
//
// A group is found by two numbers: its (tool, rule)'s and its path's (a
// log has far fewer paths than findings: the path table stays in cache),
// then among its path's groups by a binary search on the first (no
// strings to compare, no hash of a table as big as the log).
type groups struct {
	tr    map[[2]string]int32 // (tool, rule) → its number
	trs   [][2]string         // by number
	path  map[string]int32    // path → its number
	names []string            // paths by number
	// The groups of path number p: their (tool, rule) numbers, ascending,
	// ptr[pstart[p]:pstart[p+1]], each one's group in pid.
	pstart []int32
	ptr    []int32
	pid    []int32
	keys   []gkey // by group, in the order first seen
	start  []int32
	at     []int32
}

func (g *groups) of(k groupKey) []int32 {
	_, at := g.find(k)
	return at
}

// find is the group of k and its findings; -1 and nil when there is none.
func (g *groups) find(k groupKey) (int32, []int32) {
	tr, ok := g.tr[[2]string{k.tool, k.rule}]
	if !ok {
		return -1, nil
	}
	p, ok := g.path[k.path]
	if !ok {
		return -1, nil
	}
	i, ok := g.idOf(tr, p)
	if !ok {
		return -1, nil
	}
	return i, g.at[g.start[i]:g.start[i+1]]
}

// idOf is the group of (tool, rule) number tr and path number p.
func (g *groups) idOf(tr, p int32) (int32, bool) {
	lo, hi := g.pstart[p], g.pstart[p+1]
	if i, ok := slices.BinarySearch(g.ptr[lo:hi], tr); ok {
		return g.pid[int(lo)+i], true
	}
	return -1, false
}

// trOf numbers (tool, rule), adding it when new.
func (g *groups) trOf(tool, rule string) int32 {
	k := [2]string{tool, rule}
	n, ok := g.tr[k]
	if !ok {
		n = int32(len(g.trs))
		g.tr[k] = n
		g.trs = append(g.trs, k)
	}
	return n
}

// Assign places ds on fs.
func Assign(ds []Decision, fs []Finding, opt Options) Result {
	f := make([]*findings.Finding, len(fs))
	for i := range fs {
		f[i] = fs[i].F
	}
	return assign(ptrs(ds), f, func(fi int) evidence.Evidence { return fs[fi].Evidence }, opt)
}

func ptrs(ds []Decision) []*Decision {
	p := make([]*Decision, len(ds))
	for i := range ds {
		p[i] = &ds[i]
	}
	return p
}

// AssignFindings is Assign on the findings themselves (no []Finding to
// build): ev, when not nil, gives the evidence of a finding known without
// reading the working tree, as Finding.Evidence does.
func AssignFindings(ds []Decision, fs []*findings.Finding, ev func(*findings.Finding) evidence.Evidence, opt Options) Result {
	return AssignPtrs(ptrs(ds), fs, ev, opt)
}

// AssignPtrs is AssignFindings on decisions kept elsewhere (no
// []Decision to build: the ledger's records are read in place). The
// decisions are only read.
func AssignPtrs(ds []*Decision, fs []*findings.Finding, ev func(*findings.Finding) evidence.Evidence, opt Options) Result {
	var given func(int) evidence.Evidence
	if ev != nil {
		given = func(fi int) evidence.Evidence { return ev(fs[fi]) }
	}
	return assign(ds, fs, given, opt)
}

func assign(ds []*Decision, fs []*findings.Finding, given func(int) evidence.Evidence, opt Options) Result {
	m := &matcher{ds: ds, f: fs, given: given, opt: opt, taken: make([]bool, len(fs)), done: make([]bool, len(ds)),
		dStrong: make([]bool, len(ds)), fStrong: make([]bool, len(fs))}
	m.strong()
	if m.remaining() {
		m.index()
		m.round(tierGit, m.tracked)
		m.round(tierEvidence, m.byEvidence)
		m.legacyRound()
	}
	for di := range ds {
		if !m.done[di] {
			m.orphan(di, "no finding of this tool and rule to compare with")
		}
	}
	// Each decision is in one of the lists once, so any sort gives the same
	// order; most often a list is already sorted (one round placed it).
	if byD := func(a, b Link) int { return cmp.Compare(a.Decision, b.Decision) }; !slices.IsSortedFunc(m.res.Links, byD) {
		slices.SortFunc(m.res.Links, byD)
	}
	if byD := func(a, b Review) int { return cmp.Compare(a.Decision, b.Decision) }; !slices.IsSortedFunc(m.res.Review, byD) {
		slices.SortFunc(m.res.Review, byD)
	}
	if slices.IsSorted(m.res.Orphans) {
		return m.res
	}
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
	// Count first: a log without strong identities (most weak-keyed
	// scanners) builds no map.
	nID, nKey := 0, 0
	for i := range m.f {
		f := m.f[i]
		if f.IDLayer.Strong() {
			nID++
		}
		for _, k := range f.Keys {
			if m.strongKey(k) {
				nKey++
				m.fStrong[i] = true
			}
		}
	}
	var byID, byKey map[string]int
	if nID > 0 {
		byID = make(map[string]int, nID)
	}
	if nKey > 0 {
		byKey = make(map[string]int, nKey)
	}
	for i := range m.f {
		f := m.f[i]
		if f.IDLayer.Strong() {
			if _, dup := byID[f.ID]; dup {
				byID[f.ID] = ambiguous
			} else {
				byID[f.ID] = i
			}
		}
		if !m.fStrong[i] {
			continue
		}
		for _, k := range f.Keys {
			if !m.strongKey(k) {
				continue
			}
			if j, dup := byKey[k]; dup && j != i {
				byKey[k] = ambiguous
			} else {
				byKey[k] = i
			}
		}
	}
	var props []proposal
	if byID != nil || byKey != nil {
		props = make([]proposal, 0, len(m.ds))
	}
	var hit []int
	for di := range m.ds {
		d := m.ds[di]
		for _, k := range d.Keys {
			if m.strongKey(k) {
				m.dStrong[di] = true
				break
			}
		}
		if byID == nil && byKey == nil {
			continue
		}
		hit = hit[:0]
		how, key := ByKey, ""
		weakID := len(d.Keys) > 0 && !m.strongKey(d.Keys[0])
		if fi, ok := byID[d.ID]; ok && !weakID && (fi == ambiguous || m.sameRule(d, fi)) {
			if fi == ambiguous {
				hit = append(hit, ambiguous)
			} else {
				hit = append(hit, fi)
				how = ByID
				if ks := m.f[fi].Keys; len(ks) > 0 {
					key = ks[0]
				}
			}
		}
		for _, k := range d.Keys {
			if byKey == nil || !m.strongKey(k) {
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

// strongKey is findings.StrongKey(k), which depends only on k's layer
// (before the ':'): the last two layers' answers are kept (a log has a few).
func (m *matcher) strongKey(k string) bool {
	i := strings.IndexByte(k, ':')
	if i < 0 {
		return findings.StrongKey(k)
	}
	name := k[:i]
	for _, l := range m.layers {
		if l.name == name && name != "" {
			return l.strong
		}
	}
	strong := findings.StrongKey(k)
	m.layers[1], m.layers[0].name, m.layers[0].strong = m.layers[0], name, strong
	return strong
}

// sameRule: f is of d's tool and rule (unknown on the decision: any).
func (m *matcher) sameRule(d *Decision, fi int) bool {
	f := m.f[fi]
	return f.Reports(d.Tool, d.Rule) // a correlated finding: any of its tools and rules
}

// resolve applies proposals, one decision per finding: a finding wanted by
// several decisions goes to the clearly best one; the others, and ties, are
// reviewed.
func (m *matcher) resolve(props []proposal, better func(a, b proposal) bool) {
	if len(props) == 0 {
		return
	}
	// claims[f]: 0 none, i+1 the only proposal i, -1 several. Reset below
	// for the next round.
	if m.claims == nil {
		m.claims = make([]int32, len(m.f))
	}
	claims := m.claims
	defer func() {
		for _, p := range props {
			claims[p.link.Finding] = 0
		}
	}()
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
	if multi {
		m.contested(byF, order, better)
	}
}

// contested gives each finding several proposals claim (byF, in order) to
// the clearly best one; the others, and ties, are reviewed.
func (m *matcher) contested(byF map[int][]proposal, order []int, better func(a, b proposal) bool) {
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
	g := &m.groups
	g.tr = make(map[[2]string]int32)
	g.path = make(map[string]int32)
	// Each finding's (tool, rule) and path numbered first (the two maps
	// are small: a log has few rules and far fewer paths than findings),
	// in the order groups are first seen; then the groups of those pairs.
	seen := make([]gkey, 0, len(m.f))
	var extra [][2]int32 // members' groups: (index into own before which, index into seen, then the group), finding
	var extraF []int32
	num := func(gk groupKey) gkey {
		tr := g.trOf(gk.tool, gk.rule)
		p, ok := g.path[gk.path]
		if !ok {
			p = int32(len(g.path))
			g.path[gk.path] = p
			g.names = append(g.names, gk.path)
		}
		return gkey{tr, p}
	}
	own := make([]int32, 0, len(m.f)) // each finding's own pair, an index into seen
	var last groupKey
	lastAt := int32(-1)
	for i := range m.f {
		f := m.f[i]
		k := groupKey{f.ToolName(), f.RuleID(), f.Loc.Path}
		if lastAt < 0 || k != last { // findings of one file and rule come in runs
			last, lastAt = k, int32(len(seen))
			seen = append(seen, num(k))
		}
		own = append(own, lastAt)
		// A correlated finding is a candidate for decisions made on any
		// of its members (each tool's own finding before correlation).
		for _, mb := range f.Members {
			mk := groupKey{mb.ToolName(), mb.RuleID(), mb.Loc.Path}
			if mk == k {
				continue
			}
			extra = append(extra, [2]int32{int32(len(own)), int32(len(seen))})
			extraF = append(extraF, int32(i))
			seen = append(seen, num(mk))
		}
	}
	// The groups: each distinct pair, numbered in the order first seen,
	// listed by path (a counting sort), each path's by (tool, rule) number,
	// for a binary search among a path's few (no hashing).
	np := len(g.names)
	g.pstart = make([]int32, np+1)
	for _, k := range seen {
		g.pstart[k.path+1]++
	}
	for p := 1; p <= np; p++ {
		g.pstart[p] += g.pstart[p-1]
	}
	byPath := make([]int32, len(seen)) // indexes into seen, by path, each path's in order
	fill := slices.Clone(g.pstart[:np])
	for i, k := range seen {
		byPath[fill[k.path]] = int32(i)
		fill[k.path]++
	}
	cell := make([]int32, len(seen)) // each pair's distinct pair, an index into g.ptr
	g.ptr = make([]int32, 0, len(seen))
	for p := range np {
		run := byPath[g.pstart[p]:g.pstart[p+1]]
		slices.SortStableFunc(run, func(a, b int32) int { return cmp.Compare(seen[a].tr, seen[b].tr) })
		g.pstart[p] = int32(len(g.ptr))
		for j, at := range run {
			if j == 0 || seen[at].tr != seen[run[j-1]].tr {
				g.ptr = append(g.ptr, seen[at].tr)
			}
			cell[at] = int32(len(g.ptr) - 1)
		}
	}
	g.pstart[np] = int32(len(g.ptr))
	g.pid = make([]int32, len(g.ptr))
	for i := range g.pid {
		g.pid[i] = -1
	}
	g.keys = make([]gkey, 0, len(g.ptr))
	for i, k := range seen {
		if c := cell[i]; g.pid[c] < 0 {
			g.pid[c] = int32(len(g.keys))
			g.keys = append(g.keys, k)
		}
	}
	// (group, finding) pairs in finding order, then counted into place:
	// each group lists its findings in finding order.
	gof := own
	for i, at := range own {
		gof[i] = g.pid[cell[at]]
	}
	for x := range extra {
		extra[x][1] = g.pid[cell[extra[x][1]]]
	}
	g.start = make([]int32, len(g.keys)+1)
	for _, id := range gof {
		g.start[id+1]++
	}
	for _, e := range extra {
		g.start[e[1]+1]++
	}
	for i := 1; i < len(g.start); i++ {
		g.start[i] += g.start[i-1]
	}
	m.own = gof
	g.at = make([]int32, g.start[len(g.keys)])
	next := slices.Clone(g.start[:len(g.keys)])
	put := func(id, fi int32) {
		g.at[next[id]] = fi
		next[id]++
	}
	x := 0
	for i, id := range gof {
		put(id, int32(i))
		for x < len(extra) && extra[x][0] == int32(i+1) {
			put(extra[x][1], extraF[x])
			x++
		}
	}
}

// pathsOf are the paths with findings of tool and rule, in the order first
// seen.
func (m *matcher) pathsOf(tool, rule string) []string {
	if m.paths == nil {
		m.paths = map[[2]string][]string{}
		for _, k := range m.groups.keys {
			tr := m.groups.trs[k.tr]
			m.paths[tr] = append(m.paths[tr], m.groups.names[k.path])
		}
	}
	return m.paths[[2]string{tool, rule}]
}

// evidence of finding fi, captured on first use.
func (m *matcher) evOf(fi int) evidence.Evidence {
	if m.haveEv == nil { // on first use: a ledger placed by location alone needs none
		m.ev = make([]evidence.Evidence, len(m.f))
		m.haveEv = make([]bool, len(m.f))
	}
	if !m.haveEv[fi] {
		var e evidence.Evidence
		if m.given != nil {
			e = m.given(fi)
		}
		if e.Empty() && e.Path == "" && m.opt.Work != nil {
			e = m.opt.Work.ForFinding(m.f[fi])
		}
		m.ev[fi] = e
		m.haveEv[fi] = true
	}
	return m.ev[fi]
}

// evEmpty is evOf(fi).Empty(), without capturing the evidence: a finding
// outside the repository, or in a file the working tree does not have, has
// none (Capturer.ForFinding gives its location only).
func (m *matcher) evEmpty(fi int) bool {
	// A legacyRound worker (parent set) keeps its own noFile and asks the
	// parent, under its lock, for what may capture (given, evOf); it does
	// not read the parent's evidence cache, so it answers from given and
	// the working tree, which is what the cache holds.
	q := m.parent
	if q == nil && m.haveEv != nil && m.haveEv[fi] {
		return m.ev[fi].Empty()
	}
	var e evidence.Evidence
	if m.given != nil {
		if q != nil {
			q.evMu.Lock()
			e = m.given(fi)
			q.evMu.Unlock()
		} else {
			e = m.given(fi)
		}
	}
	if !e.Empty() || e.Path != "" || m.opt.Work == nil {
		return e.Empty()
	}
	f := m.f[fi]
	if !f.Loc.InRepo {
		return true
	}
	if m.noFile == nil {
		m.noFile = make([]int8, len(m.groups.names))
	}
	p := m.groups.keys[m.own[fi]].path // f's own group's path is f.Loc.Path
	if m.noFile[p] == 0 {
		m.noFile[p] = 2
		if m.opt.Work.File(f.Loc.Path) == nil { // Capturer is safe for concurrent use
			m.noFile[p] = 1
		}
	}
	if m.noFile[p] == 1 {
		return true
	}
	if q != nil {
		q.evMu.Lock()
		defer q.evMu.Unlock()
		return q.evOf(fi).Empty()
	}
	return m.evOf(fi).Empty()
}

// cands are the untaken findings of d's tool and rule in path (any path
// when path is ""), without those the tool itself tells apart from d: both
// have strong keys and share none. The slice is reused: valid until the
// next call.
func (m *matcher) cands(di int, path string) []int {
	d := m.ds[di]
	out := m.buf[:0]
	add := func(fis []int32) {
		for _, fi := range fis {
			if !m.taken[fi] && !m.strongConflict(di, int(fi)) {
				out = append(out, int(fi))
			}
		}
	}
	m.lastG = -1
	if path != "" {
		g, at := m.groups.find(groupKey{d.Tool, d.Rule, path})
		add(at)
		m.lastG = g
	} else {
		for _, p := range m.pathsOf(d.Tool, d.Rule) {
			add(m.groups.of(groupKey{d.Tool, d.Rule, p}))
		}
	}
	m.buf = out
	return out
}

func (m *matcher) strongConflict(di, fi int) bool {
	if !m.dStrong[di] || !m.fStrong[fi] {
		return false
	}
	d := m.ds[di]
	for _, k := range m.f[fi].Keys {
		if m.strongKey(k) && slices.Contains(d.Keys, k) {
			return false
		}
	}
	return true
}

// propose is fn's result in a round: one proposal, reused (round copies it
// before the next call).
func (m *matcher) propose(l Link, cands []int) *proposal {
	m.prop = proposal{link: l, cands: cands}
	return &m.prop
}

// round proposes for every open decision with fn, then resolves.
func (m *matcher) round(t tier, fn func(di int) *proposal) {
	// The proposals go straight into Links (nothing is taken before the
	// round ends, so no proposal sees another); settle then keeps those
	// alone on their finding and resolves the others as resolve does.
	start := len(m.res.Links)
	if t == tierGit { // room for every decision still open
		m.res.Links = slices.Grow(m.res.Links, len(m.ds)-len(m.res.Links)-len(m.res.Review)-len(m.res.Orphans))
	}
	var cands map[int][]int // index into the round's proposals → its other candidates
	for di := range m.ds {
		if m.done[di] {
			continue
		}
		if p := fn(di); p != nil {
			if p.cands != nil {
				if cands == nil {
					cands = map[int][]int{}
				}
				cands[len(m.res.Links)-start] = p.cands
			}
			m.res.Links = append(m.res.Links, p.link)
		}
	}
	m.settle(t, start, cands)
}

// legacyParMin is the number of open decisions from which legacyRound
// proposes on two goroutines.
var legacyParMin = 8192

// legacyRound is round(tierLegacy, m.legacy), its proposals made on two
// goroutines when many decisions are open: legacy reads the findings and
// the index, writes only its worker's scratch, results and its own
// decisions' done, and looks evidence up through the parent under a lock.
// Each worker takes a contiguous half of the decisions and the halves are
// joined in order, so settle sees exactly the proposals, in the order, the
// serial round gives (TestAssignSameAsReference forces it on every input).
func (m *matcher) legacyRound() {
	open, anyPath := 0, false
	for di, d := range m.done {
		if !d {
			open++
			anyPath = anyPath || m.ds[di].Evidence.Path == ""
		}
	}
	if open < legacyParMin || runtime.GOMAXPROCS(0) < 2 {
		m.round(tierLegacy, m.legacy)
		return
	}
	if anyPath { // a decision without a path reads every path of its rule (cands)
		m.pathsOf("", "") // built before the workers share it
	}
	mid, seen := 0, 0
	for di, d := range m.done {
		if !d {
			if seen++; seen > open/2 {
				mid = di
				break
			}
		}
	}
	type part struct {
		w     *matcher
		links []Link
		cands map[int][]int
	}
	m.evMu = &sync.Mutex{}
	defer func() { m.evMu = nil }()
	var parts [2]part
	for i := range parts { // copied before either starts (the parent's caches then change)
		w := *m
		w.parent, w.evMu = m, nil
		w.res, w.buf, w.shared, w.prop = Result{}, nil, nil, proposal{}
		w.noFile = slices.Clone(m.noFile)
		parts[i].w = &w
	}
	// The links go straight into Links' room (reserved by the git round),
	// each half's after the other's reserved part, then are closed up.
	start := len(m.res.Links)
	m.res.Links = slices.Grow(m.res.Links, open)
	room := m.res.Links[start : start+open]
	parts[0].links, parts[1].links = room[:0:open/2], room[open/2:open/2:open]
	work := func(p *part, from, to int) {
		for di := from; di < to; di++ {
			if m.done[di] {
				continue
			}
			if pr := p.w.legacy(di); pr != nil {
				if pr.cands != nil {
					if p.cands == nil {
						p.cands = map[int][]int{}
					}
					p.cands[len(p.links)] = pr.cands
				}
				p.links = append(p.links, pr.link)
			}
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { work(&parts[1], mid, len(m.ds)) })
	work(&parts[0], 0, mid)
	wg.Wait()
	var cands map[int][]int
	for _, p := range parts {
		for k, c := range p.cands {
			if cands == nil {
				cands = map[int][]int{}
			}
			cands[len(m.res.Links)-start+k] = c
		}
		m.res.Links = append(m.res.Links, p.links...) // in place: within the room
		m.res.Review = append(m.res.Review, p.w.res.Review...)
		m.res.Orphans = append(m.res.Orphans, p.w.res.Orphans...)
		m.res.OrphanWhy = append(m.res.OrphanWhy, p.w.res.OrphanWhy...)
	}
	m.settle(tierLegacy, start, cands)
}

// settle applies the proposals of a round, Links[start:] (see round).
func (m *matcher) settle(t tier, start int, cands map[int][]int) {
	props := m.res.Links[start:]
	if len(props) == 0 {
		return
	}
	if m.claims == nil {
		m.claims = make([]int32, len(m.f))
	}
	claims := m.claims
	multi := false
	for i := range props {
		switch c := &claims[props[i].Finding]; *c {
		case 0:
			*c = int32(i + 1)
		default:
			*c, multi = -1, true
		}
	}
	keep := props[:0]
	var byF map[int][]proposal
	var order []int
	for i, l := range props {
		fi := l.Finding
		if claims[fi] > 0 {
			m.done[l.Decision] = true
			m.taken[fi] = true
			keep = append(keep, l)
			continue
		}
		if _, ok := byF[fi]; !ok {
			if byF == nil {
				byF = map[int][]proposal{}
			}
			order = append(order, fi)
		}
		byF[fi] = append(byF[fi], proposal{link: l, tier: t, cands: cands[i]})
	}
	for _, l := range keep { // ready for the next round (props is compacted: keep and order hold every finding claimed)
		claims[l.Finding] = 0
	}
	for _, fi := range order {
		claims[fi] = 0
	}
	m.res.Links = m.res.Links[:start+len(keep)]
	if multi {
		m.contested(byF, order, func(a, b proposal) bool { return false })
	}
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
	for _, p := range m.pathsOf(d.Tool, d.Rule) {
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
	cands := m.cands(di, lm.Path)
	fol := lm.Follow(e.Line)
	at := func(line int) []int {
		var out []int
		for _, fi := range cands {
			if m.f[fi].Loc.Line == line {
				out = append(out, fi)
			}
		}
		return out
	}
	place := func(fi int, how How, score float64) *proposal {
		if from != "" && how != BySimilar {
			how = ByRename
		}
		return m.propose(Link{Decision: di, Finding: fi, How: how, From: from,
			Moved: m.f[fi].Loc.Line - e.Line, Score: score, Git: true}, nil)
	}
	since := " since " + short(e.Commit)
	ambiguous := len(fol.Alt) > 0
	switch {
	case fol.Status == evidence.Unchanged && !ambiguous:
		here := at(fol.Line)
		if len(here) > 1 && e.Col > 0 {
			var sameCol []int
			for _, fi := range here {
				if m.f[fi].Loc.Col == e.Col {
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
			if l := m.f[fi].Loc.Line; l >= fol.From && l <= fol.To {
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
		f := m.f[fi]
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
		line := m.f[fi].Loc.Line
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
		return m.propose(Link{Decision: di, Finding: best.fi, How: BySimilar, From: from,
			Moved: m.f[best.fi].Loc.Line - e.Line, Score: best.score, Git: true}, cands[1:])
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
		} else if m.f[fi].Loc.Line == e.Line {
			how = BySame
		}
		return m.propose(Link{Decision: di, Finding: fi, How: how, From: from,
			Moved: m.f[fi].Loc.Line - e.Line, Score: scored[0].score, Git: git}, out[1:])
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
	cands := m.cands(di, e.Path)
	crowded := len(cands) > crowdedGroup
	for _, fi := range cands {
		ce := m.evOf(fi)
		if ce.Empty() {
			unknown = append(unknown, fi)
			continue
		}
		line := m.f[fi].Loc.Line
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
		case ce.LineHash == e.LineHash && m.f[fi].Loc.Line == e.Line:
			how = BySame
		case ce.LineHash == e.LineHash:
			how = ByMove
		}
		return m.propose(Link{Decision: di, Finding: fi, How: how, Moved: m.f[fi].Loc.Line - e.Line, Score: best.score}, cands[1:])
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
		w = file.WindowTokens(m.f[fi].Loc.Line, 3)
		m.win[fi] = w
	}
	return w
}

// legacy handles decisions without code evidence (ledger v1, or findings
// outside the repository's files).
func (m *matcher) legacy(di int) *proposal {
	d := m.ds[di]
	e := d.Evidence
	shared := m.shared[:0]
	var key0 string   // the first shared finding's key
	var fbFirst0 bool // its first shared key is the fallback key
	cands := m.cands(di, e.Path)
	g := m.lastG // the group of e.Path
	for _, fi := range cands {
		// The fallback key, when shared, says "same place" (below); else
		// any shared key makes the finding a candidate.
		pick, first := "", false
		for _, k := range m.f[fi].Keys {
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
			if len(shared) == 0 {
				key0, fbFirst0 = pick, first
			}
			shared = append(shared, fi)
		}
	}
	m.shared = shared
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
		fi, k := shared[0], key0
		f := m.f[fi]
		if l, _ := findings.KeyLayer(k); l == findings.LayerFallback && m.evEmpty(fi) {
			if fbFirst0 {
				return m.propose(Link{Decision: di, Finding: fi, How: ByLocation, Key: k, Layer: layer(k), Score: 1}, nil)
			}
			if e.Commit != "" && f.ID == d.ID && f.Loc.Path == e.Path && f.Loc.Line == e.Line && f.Loc.Col == e.Col {
				if twins := m.twins(d, fi, g); len(twins) > 0 {
					m.review(di, append([]int{fi}, twins...), "no code to compare and another finding here has the same text (a copy?); confirm the candidate")
					return nil
				}
				return m.propose(Link{Decision: di, Finding: fi, How: ByLocation, Key: k, Layer: layer(k), Score: 1}, nil)
			}
		}
	}
	if len(shared) > 0 {
		m.review(di, slices.Clone(shared), "decided before secui recorded evidence (ledger v1): only a weak key matches; confirm the candidate")
		return nil
	}
	return nil
}

// twins are the other findings of d's tool and rule in fi's file with fi's
// text (tool, rule, path, message, snippet), taken or not. g is that group
// when legacy has it (the decision's path, which is fi's), else -1: a
// decision without a path read every path's group, so fi's is looked up.
func (m *matcher) twins(d *Decision, fi int, g int32) []int {
	f := m.f[fi]
	var out []int
	var at []int32
	if g >= 0 {
		at = m.groups.at[m.groups.start[g]:m.groups.start[g+1]]
	} else {
		at = m.groups.of(groupKey{d.Tool, d.Rule, f.Loc.Path})
	}
	for _, fj := range at {
		if int(fj) != fi && f.SameText(m.f[fj]) {
			out = append(out, int(fj))
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
