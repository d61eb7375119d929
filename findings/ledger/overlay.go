package ledger

import (
	"cmp"
	"fmt"
	"math/bits"
	"reflect"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/match"
)

// Overlay is the result of matching the ledger's decisions to a set of
// findings: which decision applies to which finding, how it matched, and the
// decisions that matched nothing or need review. It implements
// findings.Triage and is read-only once built, so the CLI, the gate and the
// console share it without locks. Findings are never modified.
//
// It is built by match.Assign (see findings/match): each decision goes to at
// most one finding and each finding takes at most one decision; a decision
// that cannot be placed with confidence is in Review with its candidates
// and applies to no finding.
type Overlay struct {
	now time.Time
	ds  []*Decision // sorted by id

	byFinding findingIndex // → index into links
	// links are the matcher's links (Decision: index into ds); the Match
	// of each is made when asked for (matchAt), not kept: 100k Match values
	// were ~10 MB more at the peak of a command.
	links  []match.Link
	legacy map[int]bool        // decision index → placed as a v1 record (keepV1)
	linkF  []*findings.Finding // the finding of each link
	// where is, per decision (index into ds): >= 0 its link, -1 orphan,
	// <= -2 its review item -(where+2).
	where []int32

	orphans   []*Decision
	orphanWhy map[int32]string // decision index → why
	review    []ReviewItem
	reviewOf  map[*findings.Finding][]int32 // finding → review items naming it
	expired   []*Decision
	overdue   []*Decision

	// Scope records (scope.go): the match of each active scope, the scope
	// deciding each finding that has no decision of its own, and per
	// decision index the findings each scope decides and shadows.
	scopeMatch []Match
	scopeOf    map[*findings.Finding]int32 // → index into scopeMatch
	scopeUse   map[int32]*ScopeUse         // decision index → use
}

// Match says which decision applies to a finding and how it was found.
type Match struct {
	Decision *Decision
	How      match.How
	// Layer is the identity layer of the key that matched ("fingerprint",
	// "partial-fingerprint", "vulnerability" ...) for How id and key, else
	// How's name ("rename", "moved", "similar", "same", "location").
	Layer string
	Key   string  // the key that matched (id, key, location), "" otherwise
	From  string  // the path the decision was made on, when the file was renamed since
	Moved int     // lines moved since the decision (new line - old line)
	Score float64 // similarity of context and line, for How similar
	Git   bool    // placed by following the line through git history
	// Exact is set for a match by the finding's own (strong) id.
	Exact bool
	// Legacy is set for a record without evidence (version 1) placed on the
	// one finding with its id or sharing a key with it, as secui placed it
	// before schema v2: the matcher alone would ask for a review, having no
	// code to compare. The
	// next write records the finding's evidence in it (see Decide, Upgrade).
	Legacy bool
	// Expired is set when the decision is a suppression past its expiry
	// (the finding is open again).
	Expired bool
	// Scope is set when the decision is a scope record (How match.ByScope):
	// what it covers.
	Scope *Scope
}

// Describe says in words how the decision found its finding: "exact id",
// "key (partial-fingerprint)", "rename from a/b.go", "moved +3 lines",
// "similar context 0.83", "same line", "same location"; a move is added to
// the others ("rename from a/b.go, moved -2 lines").
func (m Match) Describe() string {
	var s string
	switch m.How {
	case match.ByID:
		s = "exact id"
		if m.Legacy {
			s = "same id (v1 record, no evidence yet)"
		}
	case match.ByKey:
		s = "exact key (" + m.Layer + ")"
		if m.Legacy {
			s = "shared key (" + m.Layer + "; v1 record, no evidence yet)"
		}
	case match.ByRename:
		s = "rename from " + m.From
	case match.ByMove:
		s = "moved " + signed(m.Moved) + " lines"
	case match.BySimilar:
		s = fmt.Sprintf("similar context %.2f", m.Score)
	case match.BySame:
		s = "same line"
	case match.ByLocation:
		s = "same location"
	case match.ByScope:
		s = "scope"
		if m.Scope != nil {
			s += " " + m.Scope.String()
		}
	default:
		s = m.How.String()
	}
	if m.How != match.ByRename && m.From != "" {
		s += ", renamed from " + m.From
	}
	if m.How != match.ByMove && m.Moved != 0 {
		s += ", moved " + signed(m.Moved) + " lines"
	}
	if m.Git {
		s += " (git)"
	}
	return s
}

func signed(n int) string {
	if n > 0 {
		return fmt.Sprintf("+%d", n)
	}
	return fmt.Sprint(n)
}

// ReviewItem is a decision that could not be placed with confidence: it
// applies to no finding until someone confirms one of the candidates (or
// removes it). `secui check --strict` fails on these.
type ReviewItem struct {
	Decision   *Decision
	Candidates []*findings.Finding // best first
	Why        string
}

// OverlayOptions are the optional inputs of an overlay.
type OverlayOptions struct {
	// Match reads the working tree (lazy evidence of the current findings)
	// and follows lines through git. Zero: strong keys and the findings'
	// recorded locations only.
	Match match.Options
	// Evidence, when set, gives the evidence of a finding known without
	// reading the working tree (e.g. stored with the scan that reported it);
	// a zero result leaves it to Match.Work.
	Evidence func(*findings.Finding) evidence.Evidence
}

// Overlay matches the ledger's decisions to fs at time now.
func (l *Ledger) Overlay(fs []*findings.Finding, now time.Time, opts ...OverlayOptions) *Overlay {
	var opt OverlayOptions
	if len(opts) > 0 {
		opt = opts[0]
	}
	return BuildOverlay(l.records(), fs, now, opt)
}

// BuildOverlay matches ds to fs at time now (see Overlay).
func BuildOverlay(ds []*Decision, fs []*findings.Finding, now time.Time, opt OverlayOptions) *Overlay {
	byID := func(a, b *Decision) int { return strings.Compare(a.ID, b.ID) }
	if !slices.IsSortedFunc(ds, byID) {
		ds = slices.Clone(ds)
		slices.SortFunc(ds, byID)
	}
	fds, fidx := ds, []int(nil) // the records of one finding each
	var sds []*Decision
	var sidx []int32
	for i, d := range ds {
		if d.IsScope() {
			if sds == nil {
				fds = make([]*Decision, 0, len(ds))
				fidx = make([]int, 0, len(ds))
				for j := range i {
					fds, fidx = append(fds, ds[j]), append(fidx, j)
				}
			}
			sds, sidx = append(sds, d), append(sidx, int32(i))
		} else if sds != nil {
			fds, fidx = append(fds, d), append(fidx, i)
		}
	}
	var res match.Result
	var legacy map[int]bool
	if len(fds) > 0 { // nothing to place (no ledger, or scopes only): no matcher
		res = assign(fds, fs, opt)
		legacy = keepV1(fds, fs, &res)
	}
	if fidx != nil { // back to indices into ds
		for i := range res.Links {
			res.Links[i].Decision = fidx[res.Links[i].Decision]
		}
		for i := range res.Review {
			res.Review[i].Decision = fidx[res.Review[i].Decision]
		}
		for i := range res.Orphans {
			res.Orphans[i] = fidx[res.Orphans[i]]
		}
		if legacy != nil {
			m := make(map[int]bool, len(legacy))
			for k, v := range legacy {
				m[fidx[k]] = v
			}
			legacy = m
		}
	}

	o := &Overlay{now: now, ds: ds,
		links:  res.Links,
		legacy: legacy,
		linkF:  make([]*findings.Finding, len(res.Links)),
		where:  make([]int32, len(ds)),
	}
	for i := range o.where {
		o.where[i] = -1
	}
	for i, l := range res.Links {
		f := fs[l.Finding]
		o.where[l.Decision] = int32(i)
		o.linkF[i] = f
	}
	o.byFinding = newFindingIndex(o.linkF)
	if len(res.Orphans) > 0 {
		o.orphanWhy = make(map[int32]string, len(res.Orphans))
		for i, di := range res.Orphans {
			o.orphans = append(o.orphans, ds[di])
			if i < len(res.OrphanWhy) {
				o.orphanWhy[int32(di)] = res.OrphanWhy[i]
			}
		}
	}
	if len(res.Review) > 0 {
		o.reviewOf = map[*findings.Finding][]int32{}
		for _, r := range res.Review {
			it := ReviewItem{Decision: ds[r.Decision], Why: r.Why}
			for _, fi := range r.Candidates {
				f := fs[fi]
				it.Candidates = append(it.Candidates, f)
				o.reviewOf[f] = append(o.reviewOf[f], int32(len(o.review)))
			}
			o.where[r.Decision] = -int32(len(o.review)) - 2
			o.review = append(o.review, it)
		}
	}
	if len(sds) > 0 {
		o.applyScopes(sds, sidx, fs)
	}
	for _, d := range ds {
		if d.Expired(now) {
			o.expired = append(o.expired, d)
		}
		if d.Overdue(now) {
			o.overdue = append(o.overdue, d)
		}
	}
	return o
}

// matchAt is the Match of link i.
func (o *Overlay) matchAt(i int32) Match {
	l, f := &o.links[i], o.linkF[i]
	d := o.ds[l.Decision]
	lg := o.legacy[l.Decision]
	m := Match{Decision: d, How: l.How, Layer: l.Layer, Key: l.Key, From: l.From, Moved: l.Moved, Score: l.Score, Git: l.Git,
		Exact: l.How == match.ByID && !lg, Legacy: lg, Expired: d.Expired(o.now)}
	if m.Layer == "" || (l.How != match.ByID && l.How != match.ByKey) {
		m.Layer = l.How.String()
	}
	if m.Moved == 0 && d.Evidence.Line > 0 && f.Loc.Line > 0 && (d.Evidence.Path == f.Loc.Path || l.From != "") {
		m.Moved = f.Loc.Line - d.Evidence.Line
	}
	return m
}

// matchView is d as the matcher reads it: the first fields of a Decision
// are a match.Decision (checked by init). The matcher only reads it.
func (d *Decision) matchView() *match.Decision {
	return (*match.Decision)(unsafe.Pointer(d))
}

// The layout matchView relies on: every field of match.Decision at the
// same offset, of the same type, in a Decision. A change to either struct
// that breaks it stops every program and test at start, never misreads.
func init() {
	mt, lt := reflect.TypeFor[match.Decision](), reflect.TypeFor[Decision]()
	for i := range mt.NumField() {
		mf := mt.Field(i)
		lf, ok := lt.FieldByName(mf.Name)
		if !ok || len(lf.Index) != 1 || lf.Offset != mf.Offset || lf.Type != mf.Type {
			panic(fmt.Sprintf("ledger.Decision does not start with match.Decision's field %s (offset %d, %s)", mf.Name, mf.Offset, mf.Type))
		}
	}
	if lt.Size() < mt.Size() {
		panic("ledger.Decision is smaller than match.Decision")
	}
}

// assign runs the matcher on ds and fs. A finding without sources that has
// the id of a fixed record stands for it (runner.GoneFixed: a finding a
// re-scan proved fixed, kept so it is still listed) and is placed on that
// record directly; the matcher sees the others.
func assign(ds []*Decision, fs []*findings.Finding, opt OverlayOptions) match.Result {
	dsel := make([]int, 0, len(ds))
	fsel := make([]int, 0, len(fs))
	var stand []match.Link
	var used map[int]bool
	for fi, f := range fs {
		if len(f.Sources) == 0 {
			if di, ok := slices.BinarySearchFunc(ds, f.ID, func(d *Decision, id string) int { return strings.Compare(d.ID, id) }); ok &&
				ds[di].State == findings.StateFixed && !used[di] {
				if used == nil {
					used = map[int]bool{}
				}
				used[di] = true
				stand = append(stand, match.Link{Decision: di, Finding: fi, How: match.ByID, Key: f.ID, Layer: "record"})
				continue
			}
		}
		fsel = append(fsel, fi)
	}
	for di := range ds {
		if !used[di] {
			dsel = append(dsel, di)
		}
	}
	md := make([]*match.Decision, len(dsel))
	for i, di := range dsel {
		d := ds[di]
		md[i] = d.matchView()
		if d.Evidence.Path == "" && d.Path != "" {
			// A v1 record: the path it was decided on, nothing else (a
			// copy: the record itself is not changed).
			c := *md[i]
			c.Evidence.Path = d.Path
			md[i] = &c
		}
	}
	mf := fs // the matcher reads the findings in place
	if len(stand) > 0 {
		mf = make([]*findings.Finding, len(fsel))
		for i, fi := range fsel {
			mf[i] = fs[fi]
		}
	}
	res := match.AssignPtrs(md, mf, opt.Evidence, opt.Match)
	if len(stand) == 0 {
		return res // the indices are the caller's
	}
	for i := range res.Links {
		res.Links[i].Decision, res.Links[i].Finding = dsel[res.Links[i].Decision], fsel[res.Links[i].Finding]
	}
	for i := range res.Review {
		r := &res.Review[i]
		r.Decision = dsel[r.Decision]
		for j, c := range r.Candidates {
			r.Candidates[j] = fsel[c]
		}
	}
	for i, di := range res.Orphans {
		res.Orphans[i] = dsel[di]
	}
	res.Links = append(res.Links, stand...)
	slices.SortFunc(res.Links, func(a, b match.Link) int { return a.Decision - b.Decision })
	return res
}

// keepV1 keeps version 1 ledgers working: a v1 record (no evidence) that
// the matcher could only send to review, with one candidate (its own id, or
// the one finding that shares a key with it, nothing else claiming it), is
// placed there, as secui did before schema v2. Records
// with evidence, several candidates, or a candidate with another id stay in
// review. A record naming only its id (hand-written) is placed on the finding
// with that id. It returns the decisions so placed.
func keepV1(ds []*Decision, fs []*findings.Finding, res *match.Result) map[int]bool {
	var placed map[int]bool
	if len(res.Review) == 0 && len(res.Orphans) == 0 {
		return nil
	}
	taken := make([]bool, len(fs))
	for _, l := range res.Links {
		taken[l.Finding] = true
	}
	keep := res.Review[:0]
	for _, r := range res.Review {
		d := ds[r.Decision]
		if len(r.Candidates) == 1 && !taken[r.Candidates[0]] && evidenceZero(d.Evidence) {
			fi := r.Candidates[0]
			f := fs[fi]
			taken[fi] = true
			if placed == nil {
				placed = map[int]bool{}
			}
			placed[r.Decision] = true
			l := match.Link{Decision: r.Decision, Finding: fi, How: match.ByID, Key: d.ID, Layer: f.IDLayer.String()}
			if f.ID != d.ID { // the one finding sharing a key with it
				l.How, l.Key, l.Layer = match.ByKey, sharedKey(d, f), ""
				if ly, ok := findings.KeyLayer(l.Key); ok {
					l.Layer = ly.String()
				}
			}
			res.Links = append(res.Links, l)
			continue
		}
		keep = append(keep, r)
	}
	res.Review = keep
	// A record that names nothing but its id (hand-written: no tool, rule,
	// keys or evidence) gives the matcher nothing to compare; it means the
	// finding with that id.
	if len(res.Orphans) > 0 {
		byID := make(map[string]int, len(fs))
		for fi, f := range fs {
			if _, dup := byID[f.ID]; dup {
				byID[f.ID] = -1
			} else {
				byID[f.ID] = fi
			}
		}
		orph, why := res.Orphans[:0], res.OrphanWhy[:0]
		for i, di := range res.Orphans {
			d := ds[di]
			if fi, ok := byID[d.ID]; ok && fi >= 0 && !taken[fi] && d.Tool == "" && d.Rule == "" && len(d.Keys) == 0 && evidenceZero(d.Evidence) {
				taken[fi] = true
				if placed == nil {
					placed = map[int]bool{}
				}
				placed[di] = true
				res.Links = append(res.Links, match.Link{Decision: di, Finding: fi, How: match.ByID, Key: d.ID, Layer: fs[fi].IDLayer.String()})
				continue
			}
			orph = append(orph, di)
			if i < len(res.OrphanWhy) {
				why = append(why, res.OrphanWhy[i])
			}
		}
		res.Orphans, res.OrphanWhy = orph, why
	}
	if placed != nil {
		slices.SortFunc(res.Links, func(a, b match.Link) int { return a.Decision - b.Decision })
	}
	return placed
}

func sharedKey(d *Decision, f *findings.Finding) string {
	for _, k := range f.Keys {
		if slices.Contains(d.Keys, k) {
			return k
		}
	}
	return ""
}

// State implements findings.Triage: the state of the decision placed on f;
// open when there is none, when its suppression expired, or when the record
// itself needs review (Decision.Review: it counts only once resolved).
func (o *Overlay) State(f *findings.Finding) findings.State {
	m, ok := o.Match(f)
	if !ok || m.Expired || m.Decision.Extra().Review != "" {
		return findings.StateOpen
	}
	return m.Decision.State
}

// Expired implements findings.Triage.
func (o *Overlay) Expired(f *findings.Finding) bool {
	m, ok := o.Match(f)
	return ok && m.Expired
}

// NeedsReview reports why f needs a human look before its state can be
// trusted ("" when it does not): a decision that may belong to f could not
// be placed with confidence, or the record placed on f is marked for review
// (e.g. both branches of a merge changed it differently).
func (o *Overlay) NeedsReview(f *findings.Finding) string {
	if o == nil {
		return ""
	}
	if m, ok := o.Match(f); ok && m.Decision.Extra().Review != "" {
		return m.Decision.Extra().Review
	}
	if is := o.reviewOf[f]; len(is) > 0 {
		it := o.review[is[0]]
		why := fmt.Sprintf("decision %s (%s) may be this finding's", it.Decision.ID, it.Decision.State)
		if len(it.Candidates) > 1 {
			why += fmt.Sprintf(" or one of %d other candidates", len(it.Candidates)-1)
		}
		if it.Why != "" {
			why += ": " + it.Why
		}
		return why
	}
	return ""
}

// Match returns the decision that applies to f and how it matched: the
// decision placed on f, else the narrowest scope covering f (How
// match.ByScope, Scope set).
func (o *Overlay) Match(f *findings.Finding) (Match, bool) {
	if o == nil {
		return Match{}, false
	}
	i, ok := o.byFinding.get(f)
	if !ok {
		if j, ok := o.scopeOf[f]; ok {
			return o.scopeMatch[j], true
		}
		return Match{}, false
	}
	return o.matchAt(i), true
}

// Own returns the decision placed on f itself (not a scope's).
func (o *Overlay) Own(f *findings.Finding) (Match, bool) {
	if o == nil {
		return Match{}, false
	}
	i, ok := o.byFinding.get(f)
	if !ok {
		return Match{}, false
	}
	return o.matchAt(i), true
}

// applyScopes gives each finding without a decision of its own the
// narrowest scope covering it, and counts what each scope covers.
func (o *Overlay) applyScopes(sds []*Decision, sidx []int32, fs []*findings.Finding) {
	o.scopeUse = make(map[int32]*ScopeUse, len(sds))
	for k, d := range sds {
		o.scopeUse[sidx[k]] = &ScopeUse{Decision: d, Scope: d.ScopeOf()}
	}
	set := newScopeSet(sds, sidx)
	if len(set.ds) == 0 {
		return
	}
	o.scopeMatch = make([]Match, len(set.ds))
	for k, d := range set.ds {
		sc := d.ScopeOf()
		o.scopeMatch[k] = Match{Decision: d, How: match.ByScope, Layer: "scope", Key: sc.String(), Expired: d.Expired(o.now), Scope: &sc}
	}
	o.scopeOf = map[*findings.Finding]int32{}
	for _, f := range fs {
		_, own := o.byFinding.get(f)
		first := true
		set.each(f, func(k int) {
			u := o.scopeUse[set.idx[k]]
			if first && !own {
				o.scopeOf[f] = int32(k)
				u.Count++
			} else {
				u.Shadowed++
			}
			first = false
		})
	}
}

// Scopes lists every scope record with the findings it covers now, sorted
// by id. A scope with Stale() matches no current finding.
func (o *Overlay) Scopes() []ScopeUse {
	if o == nil || len(o.scopeUse) == 0 {
		return nil
	}
	out := make([]ScopeUse, 0, len(o.scopeUse))
	for i, d := range o.ds {
		if u := o.scopeUse[int32(i)]; u != nil && u.Decision == d {
			out = append(out, *u)
		}
	}
	return out
}

// StaleScopes are the scope records that match no current finding.
func (o *Overlay) StaleScopes() []*Decision {
	var out []*Decision
	for _, u := range o.Scopes() {
		if u.Stale() {
			out = append(out, u.Decision)
		}
	}
	return out
}

// ScopeUseOf returns what scope record d covers (false: d is not one).
func (o *Overlay) ScopeUseOf(d *Decision) (ScopeUse, bool) {
	i := o.index(d.ID)
	if i < 0 || o.ds[i] != d {
		return ScopeUse{}, false
	}
	u := o.scopeUse[int32(i)]
	if u == nil {
		return ScopeUse{}, false
	}
	return *u, true
}

// FindingOf returns the finding decision id was placed on (nil: none).
func (o *Overlay) FindingOf(id string) *findings.Finding {
	if i := o.index(id); i >= 0 && o.where[i] >= 0 {
		return o.linkF[o.where[i]]
	}
	return nil
}

// index is the index of the decision with id in ds (-1: none).
func (o *Overlay) index(id string) int {
	if o == nil {
		return -1
	}
	i, ok := slices.BinarySearchFunc(o.ds, id, func(d *Decision, id string) int { return strings.Compare(d.ID, id) })
	if !ok {
		return -1
	}
	return i
}

// Decisions are the decisions the overlay was built from (sorted by id).
func (o *Overlay) Decisions() []*Decision {
	if o == nil {
		return nil
	}
	return o.ds
}

// Orphans are the decisions that match no current finding (sorted by id):
// the finding was fixed or is gone, or the scan that reported it is missing.
func (o *Overlay) Orphans() []*Decision {
	if o == nil {
		return nil
	}
	return o.orphans
}

// OrphanWhy says why d matched nothing ("" when it is not an orphan or the
// matcher gave no reason).
func (o *Overlay) OrphanWhy(d *Decision) string {
	i := o.index(d.ID)
	if i < 0 || o.ds[i] != d {
		return ""
	}
	return o.orphanWhy[int32(i)]
}

// ExpiredDecisions are the suppressions past their expiry (matched or not).
func (o *Overlay) ExpiredDecisions() []*Decision {
	if o == nil {
		return nil
	}
	return o.expired
}

// Overdue are the acceptances past their due date.
func (o *Overlay) Overdue() []*Decision {
	if o == nil {
		return nil
	}
	return o.overdue
}

// Review lists the decisions the matcher could not place with confidence
// (sorted by id). Records marked for review (Decision.Review) are not here
// unless the matcher could not place them either: see NeedsReview.
func (o *Overlay) Review() []ReviewItem {
	if o == nil {
		return nil
	}
	return o.review
}

// ReviewOf returns the review item of the decision with id (false: it was
// placed or is an orphan).
func (o *Overlay) ReviewOf(id string) (ReviewItem, bool) {
	i := o.index(id)
	if i < 0 || o.where[i] > -2 {
		return ReviewItem{}, false
	}
	return o.review[-o.where[i]-2], true
}

// ReviewsFor lists the review items that name f as a candidate.
func (o *Overlay) ReviewsFor(f *findings.Finding) []ReviewItem {
	if o == nil {
		return nil
	}
	var out []ReviewItem
	for _, i := range o.reviewOf[f] {
		out = append(out, o.review[i])
	}
	return out
}

// Placement is where one decision stands in the overlay.
type Placement struct {
	Decision *Decision
	Finding  *findings.Finding // nil unless placed
	Match    Match             // when placed
	Review   *ReviewItem       // when the matcher could not place it
	Orphan   bool              // matched nothing
	Why      string            // orphan: why nothing matched
	Scope    *ScopeUse         // a scope record: what it covers now
}

// Kind is "placed", "review" or "orphan".
func (p Placement) Kind() string {
	switch {
	case p.Scope != nil:
		return "scope"
	case p.Finding != nil:
		return "placed"
	case p.Review != nil:
		return "review"
	}
	return "orphan"
}

// Moved reports whether the decision is placed on a finding that is not at
// the place it was decided on with the same id: it moved, its file was
// renamed, it matched by similarity, or a shared key found it under a new id.
func (p Placement) Moved() bool {
	if p.Finding == nil {
		return false
	}
	switch p.Match.How {
	case match.ByRename, match.ByMove, match.BySimilar:
		return true
	case match.ByKey:
		if p.Finding.ID != p.Decision.ID {
			return true
		}
	}
	return p.Match.Moved != 0 || p.Match.From != ""
}

// Placements lists every decision with where it stands, sorted by id.
func (o *Overlay) Placements() []Placement {
	if o == nil {
		return nil
	}
	out := make([]Placement, len(o.ds))
	for i, d := range o.ds {
		p := Placement{Decision: d}
		if u := o.scopeUse[int32(i)]; u != nil {
			c := *u
			p.Scope = &c
			out[i] = p
			continue
		}
		switch w := o.where[i]; {
		case w >= 0:
			p.Finding, p.Match = o.linkF[w], o.matchAt(w)
		case w <= -2:
			it := o.review[-w-2]
			p.Review = &it
		default:
			p.Orphan = true
			p.Why = o.orphanWhy[int32(i)]
		}
		out[i] = p
	}
	return out
}

// Now is the time the overlay was computed for (expiry and due dates).
func (o *Overlay) Now() time.Time { return o.now }

// String summarises the overlay (for logs and tests).
func (o *Overlay) String() string {
	if o == nil {
		return "overlay(nil)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d decisions: %d placed, %d review, %d orphaned", len(o.ds), len(o.links), len(o.review), len(o.orphans))
	if len(o.scopeUse) > 0 {
		fmt.Fprintf(&b, ", %d scopes deciding %d findings", len(o.scopeUse), len(o.scopeOf))
	}
	return b.String()
}

var _ findings.Triage = (*Overlay)(nil)

// findingIndex maps each linked finding to its link: the findings'
// addresses in order, each beside its link index. 16 bytes a link where a
// map[*findings.Finding]int32 took ~46 (4.6 MB of a 100k-decision apply),
// for a binary search in place of a hash. An address names its finding for
// the overlay's life: Go's heap objects do not move (a map keyed by
// pointers hashes their addresses on the same ground), and o.linkF keeps
// every one of them alive.
type findingIndex []addrLink

type addrLink struct {
	addr uintptr
	link int32
}

// newFindingIndex indexes linkF (the finding of each link). A finding
// linked twice maps to its last link, as a map filled in order would.
func newFindingIndex(linkF []*findings.Finding) findingIndex {
	x := make(findingIndex, len(linkF))
	for i, f := range linkF {
		x[i] = addrLink{addrOf(f), int32(i)}
	}
	x = sortAddrs(x)
	// keep the last of equal addresses
	out := x[:0]
	for i, e := range x {
		if i+1 < len(x) && x[i+1].addr == e.addr {
			continue
		}
		out = append(out, e)
	}
	return out
}

func addrOf(f *findings.Finding) uintptr { return uintptr(unsafe.Pointer(f)) }

// sortAddrs sorts x by address, equal addresses in link order (x comes in
// link order: the sort is stable), and returns it (it may be a new slice).
// A 100k-link index is sorted by radix, a digit of the addresses' offsets
// from the lowest at a time (2-3 passes: the findings sit in a few tens of
// MB): a fifth of a comparison sort's time.
func sortAddrs(x findingIndex) findingIndex {
	if len(x) < 1024 {
		slices.SortStableFunc(x, func(a, b addrLink) int { return cmp.Compare(a.addr, b.addr) })
		return x
	}
	lo, hi, set := x[0].addr, x[0].addr, uintptr(0)
	for _, e := range x {
		lo, hi = min(lo, e.addr), max(hi, e.addr)
	}
	for _, e := range x {
		set |= e.addr - lo
	}
	if set == 0 {
		return x // one address
	}
	shift := uint(bits.TrailingZeros64(uint64(set))) // bits every offset has 0 (alignment)
	width := uint(bits.Len64(uint64(hi-lo) >> shift))
	const digit = 11
	var count [1 << digit]int32
	tmp := make(findingIndex, len(x))
	for at := shift; at < shift+width; at += digit {
		clear(count[:])
		for _, e := range x {
			count[((e.addr-lo)>>at)&(1<<digit-1)]++
		}
		sum := int32(0)
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, e := range x {
			d := ((e.addr - lo) >> at) & (1<<digit - 1)
			tmp[count[d]] = e
			count[d]++
		}
		x, tmp = tmp, x
	}
	return x
}

func (x findingIndex) get(f *findings.Finding) (int32, bool) {
	a := addrOf(f)
	i, ok := slices.BinarySearchFunc(x, a, func(e addrLink, a uintptr) int { return cmp.Compare(e.addr, a) })
	if !ok {
		return 0, false
	}
	return x[i].link, true
}
