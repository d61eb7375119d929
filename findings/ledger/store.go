package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/match"
	"github.com/secui/secui/findings/repofs"
)

// Ledger is an open ledger file. It is safe for concurrent use.
type Ledger struct {
	root, rel, path string

	mu      sync.Mutex
	recs    map[string]*Decision
	list    []*Decision // recs sorted by id (nil: build on demand)
	version int         // schema version of the file as last read (0: no file)
	// tickets are the records of the tickets: section (tickets.go), by RecordKey.
	tickets map[string]*Ticket
	// stat of the file as last read or written, to skip re-parsing an unchanged file.
	stat os.FileInfo
	// readOnly is set when the file failed validation: writing would lose records.
	readErr error
	// lay is where list's records are in the file as last read or written
	// (nil: unknown, the next write renders every record; see splice.go).
	lay *layout
	// shd is the state of a sharded (version 3) ledger: nil while the
	// ledger is one file (shard.go).
	shd *sharded

	undo []undoEntry // pre-images of the last Decide batch of this process
}

// undoEntry is one record id a Decide batch touched: what it was before
// (nil: absent) and what the batch left (nil: removed, e.g. moved away).
type undoEntry struct {
	id          string
	prev, after *Decision
}

// Open opens the ledger at relPath (default DefaultPath) under repoRoot. A
// missing file is an empty ledger. relPath must stay inside repoRoot. When
// the file fails validation, Open returns a read-only ledger with the valid
// records and a *ValidationError (Decide then refuses to write).
func Open(repoRoot, relPath string) (*Ledger, error) {
	if relPath == "" {
		relPath = DefaultPath
	}
	rel := filepath.ToSlash(filepath.Clean(filepath.FromSlash(relPath)))
	if filepath.IsAbs(relPath) || rel == ".." || strings.HasPrefix(rel, "../") || rel == "." {
		return nil, fmt.Errorf("ledger path %q must be a file inside the repository", relPath)
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		return nil, err
	}
	l := &Ledger{root: root, rel: rel, path: filepath.Join(root, filepath.FromSlash(rel)), recs: map[string]*Decision{}, tickets: map[string]*Ticket{}}
	if err := l.reload(); err != nil {
		return l, err
	}
	return l, nil
}

// Path returns the absolute path of the ledger file, or of its directory
// when it is sharded.
func (l *Ledger) Path() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shd != nil {
		return filepath.Join(l.root, filepath.FromSlash(l.shd.dir))
	}
	return l.path
}

// RelPath returns the ledger path relative to the repository root (slash
// form): the file, or its directory with a trailing slash when it is
// sharded.
func (l *Ledger) RelPath() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shd != nil {
		return l.shd.dir + "/"
	}
	return l.rel
}

// Sharded reports whether the ledger is a directory of shards (version 3).
func (l *Ledger) Sharded() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.shd != nil
}

// FileOf returns the repository-relative file that holds (or would hold)
// the record with id: the ledger file, or its shard.
func (l *Ledger) FileOf(id string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shd != nil {
		return l.shardRel(ShardName(id))
	}
	return l.rel
}

// WatchPaths are the absolute paths whose change may change the ledger:
// the file, and, for a sharded ledger, every shard it may have (existing
// or not) and its tickets file.
func (l *Ledger) WatchPaths() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []string{l.path}
	if l.shd != nil {
		dir := filepath.Join(l.root, filepath.FromSlash(l.shd.dir))
		for i := range 256 {
			out = append(out, filepath.Join(dir, fmt.Sprintf("%02x.yaml", i)))
		}
		out = append(out, filepath.Join(dir, ticketsName))
	}
	return out
}

// Err returns the validation error of the file as last read (nil when valid).
func (l *Ledger) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.readErr
}

// Reload re-reads the file from disk (cheap when it has not changed).
func (l *Ledger) Reload() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reload()
}

func (l *Ledger) reload() error {
	root, err := repofs.Open(l.root)
	if err != nil {
		return err
	}
	isDir, err := l.dirExists(root)
	if err == nil && isDir {
		err = l.reloadShards(root)
	}
	root.Close()
	if err != nil || isDir {
		if err != nil && repofs.IsRefused(err) {
			l.recs, l.stat, l.readErr, l.version, l.list, l.lay, l.shd = map[string]*Decision{}, nil, err, 0, nil, nil, nil
		}
		return err
	}
	if l.shd != nil { // the directory is gone: the file is read again
		l.shd, l.stat, l.lay = nil, nil, nil
	}
	last := l.stat
	if l.readErr != nil {
		last = nil
	}
	st, data, parsed, changed, err := l.readLedgerStream(last, true)
	if err != nil {
		if repofs.IsRefused(err) { // e.g. .secui is a symlink out of the repository
			l.recs, l.stat, l.readErr, l.version, l.list, l.lay = map[string]*Decision{}, nil, err, 0, nil, nil
		}
		return err
	}
	if !changed {
		return nil
	}
	if st == nil { // no file: an empty ledger
		l.recs, l.stat, l.readErr, l.version, l.list, l.lay = map[string]*Decision{}, nil, nil, 0, nil, nil
		l.tickets = map[string]*Ticket{}
		return nil
	}
	var doc Doc
	var lay *layout
	var verr error
	var tix map[string]*Ticket
	if parsed != nil { // read in chunks: no tickets section (the fast decoder refuses one)
		doc, lay, tix = parsed.doc, parsed.lay, map[string]*Ticket{}
	} else {
		doc, lay, verr = parseLayout(l.rel, sharedText(data))
		var tissues []Issue
		tix, tissues = loadTickets(l.rel, data)
		verr = withTicketIssues(verr, tissues)
	}
	l.lay = lay
	l.tickets = tix
	l.recs = nil           // built from the list when first needed (recMap)
	l.list = doc.Decisions // sorted by id
	l.version = doc.Version
	l.stat, l.readErr = st, verr
	return verr
}

// Version is the schema version of the ledger as last read: 1 or 2 (one
// file), 3 (sharded), 0 when there is no ledger yet. A write to a single
// file makes it FileVersion.
func (l *Ledger) Version() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.version
}

// Upgrade rewrites the ledger in the current schema: a single file (version
// 1 or 2, or none yet) becomes a sharded ledger (version 3, see shard.go);
// a sharded ledger is rewritten where backfill changes it. backfill, when
// set, may give evidence to records that have none (version 1 records): it
// is called for each of them and its result is kept when ok. It returns the
// number of records that got evidence.
func (l *Ledger) Upgrade(backfill func(*Decision) (evidence.Evidence, bool)) (int, error) {
	n := 0
	keep := l.undoBatch()
	fill := func(recs map[string]*Decision) ([]undoEntry, error) {
		n = 0
		if backfill == nil {
			return nil, nil
		}
		for id, d := range recs {
			if !evidenceZero(d.Evidence) {
				continue
			}
			if ev, ok := backfill(d); ok {
				c := d.clone()
				c.Evidence = ev
				recs[id] = c
				n++
			}
		}
		return nil, nil
	}
	err := l.upgradeShards(fill)
	if errors.Is(err, errSharded) {
		err = l.update(fill)
	}
	l.mu.Lock()
	l.undo = keep // an upgrade is not a decision: undo still reverts the last one
	l.mu.Unlock()
	return n, err
}

func (l *Ledger) undoBatch() []undoEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.undo
}

// sharedText is the file's bytes as a string without a copy, for the
// decoders: they copy every string they keep (the fast decoder into arenas,
// the YAML path by itself), so the buffer is free once parsed (and a sharded
// read reuses it for the next shard).
func sharedText(data []byte) string {
	if len(data) == 0 {
		return ""
	}
	return unsafe.String(&data[0], len(data))
}

// Get returns the decision recorded for a finding ID (nil when none). The
// returned value must not be modified.
func (l *Ledger) Get(id string) *Decision {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.recs == nil { // the list is sorted by id: no map to build for a read
		if i, ok := slices.BinarySearchFunc(l.list, id, func(d *Decision, id string) int { return strings.Compare(d.ID, id) }); ok {
			return l.list[i]
		}
		return nil
	}
	return l.recs[id]
}

// recMap returns the records by id (l.mu held), built from l.list when a
// read left it nil: a command that only reads the ledger (list, summary,
// check) never builds it (~4 MB at 100k records).
func (l *Ledger) recMap() map[string]*Decision {
	if l.recs == nil {
		l.recs = make(map[string]*Decision, len(l.list))
		for _, d := range l.list {
			l.recs[d.ID] = d
		}
	}
	return l.recs
}

// Decisions returns every decision, sorted by id.
func (l *Ledger) Decisions() []*Decision {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sorted()
}

func (l *Ledger) sorted() []*Decision { return slices.Clone(l.sortedList()) }

// sortedList returns l.list, sorted by id, built when missing or stale
// (l.mu held); its capacity is cut, so an append copies.
func (l *Ledger) sortedList() []*Decision {
	if l.recs != nil && (l.list == nil || len(l.list) != len(l.recs)) {
		l.list = l.sortRecs()
	}
	return l.list[:len(l.list):len(l.list)]
}

// records is Decisions without the copy, for the overlay (100k records:
// 0.8 MB less allocated per open and apply). l.list is never changed in
// place, only replaced, so the overlay keeps the records as they were
// when it was built; the overlay only reads them.
func (l *Ledger) records() []*Decision {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sortedList()
}

func (l *Ledger) sortRecs() []*Decision {
	out := make([]*Decision, 0, len(l.recs))
	for _, d := range l.recs {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b *Decision) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Request is one triage decision applied to one or more findings.
type Request struct {
	Action        string // suppress | accept | reopen | fixed | link
	Reason        Reason // suppress: required
	Justification string // suppress: required, validated by ValidateJustification
	Note          string // accept: required (ValidateText); reopen: optional; fixed: required without Scan/FixSource
	// MaxTerm is the longest --expires / --due after Now ("1y" style;
	// "" = DefaultMaxTerm; config check.max-expiry).
	MaxTerm      string
	Expires, Due *time.Time
	Author       string // "Name <email>"
	Now          time.Time
	Tickets      []string // link (and optionally any action): tracker URLs to add

	// Evidence, when set, returns the evidence of a finding as it is now in
	// the working tree (evidence.Capturer.ForFinding); Decide records it.
	// It is called before the ledger is locked.
	Evidence func(*findings.Finding) evidence.Evidence
	// Overlay, when set, is the overlay the findings were matched with
	// (what the user saw). Decide then updates the decision placed on each
	// finding — also when it matched by a move, a rename or similarity — and
	// gives it the finding's current id; a record that has the finding's id
	// but belongs to another finding (or to none) is moved to another id,
	// never overwritten. Without it, records are found by finding id only.
	Overlay *Overlay
	// fixed only: Pending marks a fix awaiting a re-scan; FixSource is
	// FixFromTool or FixByHand; Scan is the proving scan's evidence.
	Pending   bool
	FixSource string
	Scan      *ScanEvidence
}

// Validate checks a request without writing anything, with the validity
// rules of validity.go (the author is checked by Decide: a form validates
// before it knows who decides).
func (r *Request) Validate() error {
	now := r.Now
	if now.IsZero() {
		now = time.Now()
	}
	term := func(what string, t *time.Time) error {
		if t == nil {
			return nil
		}
		if !t.After(now) {
			return fmt.Errorf("%s %s is not in the future", what, t.Format(time.DateOnly))
		}
		return ValidateTerm(what, *t, now, r.MaxTerm)
	}
	switch r.Action {
	case ActSuppress:
		if r.Reason == "" {
			return fmt.Errorf("a suppression needs a reason (%s)", reasonList())
		}
		if _, err := ParseReason(string(r.Reason)); err != nil {
			return err
		}
		if err := ValidateJustification(r.Justification); err != nil {
			return err
		}
		if r.Due != nil {
			return errors.New("--due applies to accept, not suppress")
		}
		if err := term("--expires", r.Expires); err != nil {
			return err
		}
	case ActAccept:
		if r.Expires != nil {
			return errors.New("--expires applies to suppress, not accept (use --due)")
		}
		if err := ValidateText("note", r.Note); err != nil {
			return fmt.Errorf("accepting needs --note: %w", err)
		}
		if err := term("--due", r.Due); err != nil {
			return err
		}
	case ActReopen, ActFixed:
		if r.Expires != nil || r.Due != nil {
			return fmt.Errorf("%s takes no --expires or --due", r.Action)
		}
		if r.Action == ActFixed && r.Scan == nil && r.FixSource == "" {
			if err := ValidateText("note", r.Note); err != nil {
				return fmt.Errorf("marking fixed without scan evidence or fix source needs a note: %w", err)
			}
		}
	case ActLink:
		if len(r.Tickets) == 0 {
			return errors.New("link needs at least one ticket URL")
		}
	default:
		return fmt.Errorf("unknown action %q (want suppress, accept, reopen, fixed or link)", r.Action)
	}
	if r.Action != ActSuppress && r.Reason != "" {
		return fmt.Errorf("--reason applies to suppress only")
	}
	return nil
}

// Decide records one decision for every finding in fs and writes the ledger
// at once (see the package doc). It validates the request first; nothing is
// written on error. It starts a new undo batch.
func (l *Ledger) Decide(fs []*findings.Finding, req Request) error {
	if req.Now.IsZero() {
		req.Now = time.Now()
	}
	req.Now = req.Now.UTC().Truncate(time.Second)
	if err := req.Validate(); err != nil {
		return err
	}
	if err := ValidateAuthor(req.Author); err != nil {
		return err
	}
	if req.Reason != "" {
		req.Reason, _ = ParseReason(string(req.Reason))
	}
	req.Justification = strings.TrimSpace(req.Justification)
	req.Note = strings.TrimSpace(req.Note)
	for _, f := range fs {
		if !idRE.MatchString(f.ID) {
			return fmt.Errorf("finding has a bad id %q", f.ID)
		}
	}
	var evs map[*findings.Finding]evidence.Evidence
	var backfill map[string]evidence.Evidence // v1 records → evidence of their finding
	if req.Evidence != nil {
		evs = make(map[*findings.Finding]evidence.Evidence, len(fs))
		for _, f := range fs {
			evs[f] = req.Evidence(f)
		}
		backfill = v1Evidence(req.Overlay, req.Evidence)
	}
	return l.update(func(recs map[string]*Decision) ([]undoEntry, error) {
		// The in-place upgrade: v1 records placed by their id or a strong key
		// get the evidence of the finding they are on.
		for id, ev := range backfill {
			if d := recs[id]; d != nil && evidenceZero(d.Evidence) {
				c := d.clone()
				c.Evidence = ev
				recs[id] = c
			}
		}
		b := &batch{recs: recs, ov: req.Overlay, req: &req, pre: make(map[string]*Decision, len(fs)), renamed: map[string]string{}}
		seen := make(map[string]bool, len(fs))
		for _, f := range fs {
			if seen[f.ID] {
				continue
			}
			seen[f.ID] = true
			d := b.recordFor(f)
			if d == nil {
				d = &Decision{ID: f.ID}
			} else {
				d = d.clone()
			}
			if ev, ok := evs[f]; ok {
				d.Evidence = ev
			}
			applyRequest(d, f, &req)
			b.put(d)
		}
		return b.undo(), nil
	})
}

// v1Evidence returns, for the version 1 records (no evidence) that ov
// placed by their id or a strong key, the evidence of their finding now.
func v1Evidence(ov *Overlay, capture func(*findings.Finding) evidence.Evidence) map[string]evidence.Evidence {
	var out map[string]evidence.Evidence
	for _, p := range ov.Placements() {
		if p.Finding == nil || !evidenceZero(p.Decision.Evidence) || (p.Match.How != match.ByID && p.Match.How != match.ByKey) {
			continue
		}
		ev := capture(p.Finding)
		if ev.Empty() && ev.Path == "" {
			continue
		}
		if out == nil {
			out = map[string]evidence.Evidence{}
		}
		out[p.Decision.ID] = ev
	}
	return out
}

// batch is one Decide's change to the records, with the pre-images of every
// id it touched (for Undo).
type batch struct {
	recs    map[string]*Decision
	ov      *Overlay
	req     *Request
	pre     map[string]*Decision // id → record before the batch (nil: absent)
	order   []string
	renamed map[string]string // old id → new id, for records moved in this batch
}

func (b *batch) touch(id string) {
	if _, ok := b.pre[id]; !ok {
		b.pre[id] = b.recs[id]
		b.order = append(b.order, id)
	}
}

func (b *batch) put(d *Decision) {
	b.touch(d.ID)
	b.recs[d.ID] = d
}

func (b *batch) remove(id string) {
	b.touch(id)
	delete(b.recs, id)
}

func (b *batch) undo() []undoEntry {
	out := make([]undoEntry, len(b.order))
	for i, id := range b.order {
		out[i] = undoEntry{id: id, prev: b.pre[id], after: b.recs[id]}
	}
	return out
}

// current follows the moves made earlier in this batch.
func (b *batch) current(id string) string {
	for n := 0; n < 64; n++ {
		to, ok := b.renamed[id]
		if !ok {
			break
		}
		id = to
	}
	return id
}

// recordFor returns the record that holds f's decision (nil: none) and, with
// an overlay, puts it under f's id, moving whatever record had that id out
// of the way.
func (b *batch) recordFor(f *findings.Finding) *Decision {
	if b.ov == nil {
		return b.recs[f.ID]
	}
	if m, ok := b.ov.Own(f); ok { // never a scope's record: deciding one finding overrides its scope
		if d := b.take(m.Decision.ID, f, "the finding's id changed ("+m.Describe()+")"); d != nil {
			return d
		}
	}
	// A decision in review with f among its candidates (and f a candidate
	// of no other): deciding on f says it is f's.
	if items := b.ov.ReviewsFor(f); len(items) == 1 {
		if d := b.take(items[0].Decision.ID, f, "confirmed on this finding (it needed review)"); d != nil {
			return d
		}
	}
	if b.recs[f.ID] != nil {
		b.makeRoom(f.ID)
	}
	return nil
}

// take returns the record with id (following moves in this batch) under
// f's id, moving whatever had f's id out of the way (nil: no such record).
func (b *batch) take(id string, f *findings.Finding, why string) *Decision {
	src := b.current(id)
	d := b.recs[src]
	if d == nil || src == f.ID {
		return d
	}
	b.remove(src)
	b.makeRoom(f.ID)
	c := d.clone()
	c.ID = f.ID
	c.History = append(c.History, Event{Time: b.req.Now, Author: b.req.Author, Action: ActMove, State: c.State,
		Note: fmt.Sprintf("id %s -> %s: %s", src, f.ID, why)})
	b.renamed[src] = f.ID
	b.put(c)
	return c
}

// makeRoom moves the record with id (if any) to another id: the id of the
// finding the overlay placed it on when that is free, else an id derived from
// its own. Its history says so.
func (b *batch) makeRoom(id string) {
	x := b.recs[id]
	if x == nil {
		return
	}
	to := ""
	if g := b.ov.FindingOf(x.ID); g != nil && g.ID != id && b.recs[g.ID] == nil {
		to = g.ID
	}
	if to == "" {
		to = derivedID(x.ID, func(c string) bool { return b.recs[c] != nil })
	}
	b.remove(id)
	c := x.clone()
	c.ID = to
	c.History = append(c.History, Event{Time: b.req.Now, Author: b.req.Author, Action: ActMove, State: c.State,
		Note: fmt.Sprintf("id %s -> %s: %s is now the id of another finding", id, to, id)})
	b.renamed[id] = to
	b.put(c)
}

// derivedID is a new record id derived from id, not taken.
func derivedID(id string, taken func(string) bool) string {
	for n := 1; ; n++ {
		h := sha256.Sum256([]byte("secui/moved/" + id + "/" + strconv.Itoa(n)))
		if c := hex.EncodeToString(h[:8]); !taken(c) {
			return c
		}
	}
}

func applyRequest(d *Decision, f *findings.Finding, req *Request) {
	d.Keys = slices.Clone(f.Keys)
	if len(d.Keys) == 0 {
		d.Keys = nil
	}
	d.Tool, d.Rule, d.Path = f.ToolName(), f.RuleID(), f.Loc.Path
	for _, t := range req.Tickets {
		if !slices.Contains(d.Extra().Tickets, t) {
			d.Edit().Tickets = append(d.Extra().Tickets, t)
		}
	}
	ev := Event{Time: req.Now, Author: req.Author, Action: req.Action}
	if req.Action != ActLink {
		d.Author, d.Time = req.Author, req.Now
		x := d.Edit() // one copy for all of them (see Edit)
		d.Reason, d.Justification, x.Note, d.Expires, x.Due = "", "", "", nil, nil
		switch req.Action {
		case ActSuppress:
			d.State, d.Reason, d.Justification, d.Expires = findings.StateSuppressed, req.Reason, req.Justification, req.Expires
		case ActAccept:
			d.State, x.Note, x.Due = findings.StateAccepted, req.Note, req.Due
		case ActReopen:
			d.State, x.Note = findings.StateOpen, req.Note
		case ActFixed:
			d.State, x.Note = findings.StateFixed, req.Note
			d.Pending, x.FixSource, x.Scan = req.Pending, req.FixSource, req.Scan
		}
		if req.Action != ActFixed {
			d.Pending, x.FixSource, x.Scan = false, "", nil
		}
		x.Review = "" // a new decision is the review
		if x.empty() {
			d.extra = nil
		}
		ev.Reason, ev.Justification, ev.Note, ev.Expires, ev.Due = d.Reason, d.Justification, x.Note, d.Expires, x.Due
	} else {
		if d.Time.IsZero() {
			d.Author, d.Time = req.Author, req.Now
		}
		ev.Note = strings.Join(req.Tickets, " ")
	}
	ev.State = d.State
	d.History = append(d.History, ev)
}

// Undo reverts the last Decide batch made through this Ledger: every record
// it touched goes back to what it was before (removed when it did not exist,
// back under its old id when it was moved). If any of them changed since
// (someone else decided meanwhile), nothing is undone: their decision
// stands. It returns the IDs reverted.
func (l *Ledger) Undo(author string, now time.Time) ([]string, error) {
	l.mu.Lock()
	batch := l.undo
	l.mu.Unlock()
	if len(batch) == 0 {
		return nil, errors.New("nothing to undo")
	}
	var done []string
	err := l.update(func(recs map[string]*Decision) ([]undoEntry, error) {
		// All or nothing: if any record the batch touched changed since,
		// someone else decided meanwhile; their decisions stand.
		for _, u := range batch {
			if cur := recs[u.id]; (cur == nil) != (u.after == nil) || cur != nil && !same(cur, u.after) {
				return nil, fmt.Errorf("cannot undo: %s changed since (someone else decided on it)", u.id)
			}
		}
		for _, u := range batch {
			if u.prev == nil {
				delete(recs, u.id)
			} else {
				recs[u.id] = u.prev
			}
			if u.after != nil || u.prev != nil {
				done = append(done, u.id)
			}
		}
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	return done, nil
}

// CanUndo reports whether there is a batch to undo.
func (l *Ledger) CanUndo() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.undo) > 0
}

// update runs change under the file lock on a freshly read copy of the
// records and writes the result atomically.
func (l *Ledger) update(change func(map[string]*Decision) ([]undoEntry, error)) error {
	return l.updateWith(change, nil, false)
}

// lockAndReload takes the ledger's file lock (l.mu held) and reads the
// ledger again, so a write starts from what is on disk; an invalid ledger is
// never written over ("refusing to <verb> it").
func (l *Ledger) lockAndReload(verb string) (unlock func(), err error) {
	unlock, err = l.lockLedger()
	if err != nil {
		return nil, err
	}
	if err := l.reload(); err != nil {
		unlock()
		if repofs.IsRefused(err) {
			return nil, err
		}
		return nil, fmt.Errorf("%s is not valid, refusing to %s it:\n%w", l.rel, verb, err)
	}
	return unlock, nil
}

// updateWith is update that may also change the ticket records (tickets.go);
// ticketsOnly keeps the undo batch.
func (l *Ledger) updateWith(change func(map[string]*Decision) ([]undoEntry, error), changeTickets func(map[string]*Ticket) error, ticketsOnly bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	unlock, err := l.lockAndReload("overwrite")
	if err != nil {
		return err
	}
	defer unlock()
	recs := maps.Clone(l.recMap())
	undo, err := change(recs)
	if err != nil {
		return err
	}
	tix := make(map[string]*Ticket, len(l.tickets)+1)
	for k, v := range l.tickets {
		tix[k] = v
	}
	if changeTickets != nil {
		if err := changeTickets(tix); err != nil {
			return err
		}
	}
	if l.shd != nil {
		root, err := repofs.Open(l.root)
		if err != nil {
			return err
		}
		err = l.updateShards(root, recs, tix)
		root.Close()
		if err != nil {
			for _, sh := range l.shd.shards { // read every shard again
				sh.stat = nil
			}
			return err
		}
		l.recs, l.readErr, l.version, l.tickets = recs, nil, ShardedVersion, tix
		if !ticketsOnly {
			l.undo = undo
		}
		return nil
	}
	// Published decisions are immutable (readers hold them without the
	// lock): a record whose line moved is replaced by a copy. Only the
	// records that changed are rendered (splice.go).
	p, lay := render(l.lay, l.recMap(), recs)
	p.add(func(b []byte) []byte { return appendTickets(b, tix) })
	st, err := l.writePlan(p, time.Now())
	if errors.Is(err, errStale) {
		// The file is not the one last read although its size and time
		// are: nothing was written; the next attempt reads it again.
		l.stat, l.lay = nil, nil
		return fmt.Errorf("%s changed on disk while secui was writing it (nothing written; try again)", l.rel)
	}
	if err != nil {
		return err
	}
	sorted := []*Decision(nil)
	if lay != nil {
		sorted = lay.list
	}
	l.recs, l.stat, l.readErr, l.version, l.list, l.tickets, l.lay = recs, st, nil, FileVersion, sorted, tix, lay
	if ticketsOnly {
		return nil
	}
	if undo != nil {
		l.undo = undo
	} else {
		l.undo = nil
	}
	return nil
}

// errSharded: the ledger is already sharded (upgradeShards did nothing).
var errSharded = errors.New("ledger already sharded")

// upgradeShards turns a single-file ledger (or none) into a sharded one,
// with fill applied to its records first (errSharded when it is sharded
// already).
func (l *Ledger) upgradeShards(fill func(map[string]*Decision) ([]undoEntry, error)) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	unlock, err := l.lockAndReload("rewrite")
	if err != nil {
		return err
	}
	defer unlock()
	if l.shd != nil {
		return errSharded
	}
	recs := maps.Clone(l.recMap())
	if _, err := fill(recs); err != nil {
		return err
	}
	root, err := repofs.Open(l.root)
	if err != nil {
		return err
	}
	defer root.Close()
	if err := l.toShards(root, recs, l.tickets); err != nil {
		return err
	}
	l.stat, l.lay, l.list = nil, nil, nil
	return l.reload()
}
