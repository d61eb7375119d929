package ledger

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/repofs"
)

// Ledger is an open ledger file. It is safe for concurrent use.
type Ledger struct {
	root, rel, path string

	mu   sync.Mutex
	recs map[string]*Decision
	// tickets are the records of the tickets: section (tickets.go), by RecordKey.
	tickets map[string]*Ticket
	// stat of the file as last read or written, to skip re-parsing an unchanged file.
	stat os.FileInfo
	// readOnly is set when the file failed validation: writing would lose records.
	readErr error

	undo []undoEntry // pre-images of the last Decide batch of this process
}

type undoEntry struct {
	id    string
	prev  *Decision // nil: the record did not exist
	after time.Time // time of the event we added
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

// Path returns the absolute path of the ledger file.
func (l *Ledger) Path() string { return l.path }

// RelPath returns the ledger path relative to the repository root (slash form).
func (l *Ledger) RelPath() string { return l.rel }

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
	last := l.stat
	if l.readErr != nil {
		last = nil
	}
	st, data, changed, err := l.readLedger(last)
	if err != nil {
		if repofs.IsRefused(err) { // e.g. .secui is a symlink out of the repository
			l.recs, l.stat, l.readErr = map[string]*Decision{}, nil, err
		}
		return err
	}
	if !changed {
		return nil
	}
	if st == nil { // no file: an empty ledger
		l.recs, l.stat, l.readErr = map[string]*Decision{}, nil, nil
		l.tickets = map[string]*Ticket{}
		return nil
	}
	ds, verr := Parse(l.rel, data)
	tix, tissues := loadTickets(l.rel, data)
	verr = withTicketIssues(verr, tissues)
	l.tickets = tix
	l.recs = make(map[string]*Decision, len(ds))
	for _, d := range ds {
		l.recs[d.ID] = d
	}
	l.stat, l.readErr = st, verr
	return verr
}

// Get returns the decision recorded for a finding ID (nil when none). The
// returned value must not be modified.
func (l *Ledger) Get(id string) *Decision {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.recs[id]
}

// Decisions returns every decision, sorted by id.
func (l *Ledger) Decisions() []*Decision {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sorted()
}

func (l *Ledger) sorted() []*Decision {
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
	// the working tree (see findings/evidence); Decide records it.
	Evidence func(*findings.Finding) evidence.Evidence
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
	return l.update(func(recs map[string]*Decision) ([]undoEntry, error) {
		undo := make([]undoEntry, 0, len(fs))
		seen := make(map[string]bool, len(fs))
		for _, f := range fs {
			if seen[f.ID] {
				continue
			}
			seen[f.ID] = true
			prev := recs[f.ID]
			var d *Decision
			if prev != nil {
				d = prev.clone()
			} else {
				d = &Decision{ID: f.ID}
			}
			undo = append(undo, undoEntry{id: f.ID, prev: prev, after: req.Now})
			applyRequest(d, f, &req)
			recs[f.ID] = d
		}
		return undo, nil
	})
}

func applyRequest(d *Decision, f *findings.Finding, req *Request) {
	d.Keys = slices.Clone(f.Keys)
	if len(d.Keys) == 0 {
		d.Keys = nil
	}
	d.Tool, d.Rule, d.Path = f.ToolName(), f.RuleID(), f.Loc.Path
	for _, t := range req.Tickets {
		if !slices.Contains(d.Tickets, t) {
			d.Tickets = append(d.Tickets, t)
		}
	}
	ev := Event{Time: req.Now, Author: req.Author, Action: req.Action}
	if req.Action != ActLink {
		d.Author, d.Time = req.Author, req.Now
		d.Reason, d.Justification, d.Note, d.Expires, d.Due = "", "", "", nil, nil
		switch req.Action {
		case ActSuppress:
			d.State, d.Reason, d.Justification, d.Expires = findings.StateSuppressed, req.Reason, req.Justification, req.Expires
		case ActAccept:
			d.State, d.Note, d.Due = findings.StateAccepted, req.Note, req.Due
		case ActReopen:
			d.State, d.Note = findings.StateOpen, req.Note
		case ActFixed:
			d.State, d.Note = findings.StateFixed, req.Note
			d.Pending, d.FixSource, d.Scan = req.Pending, req.FixSource, req.Scan
		}
		if req.Action != ActFixed {
			d.Pending, d.FixSource, d.Scan = false, "", nil
		}
		d.Review = "" // a new decision is the review
		if req.Evidence != nil {
			d.Evidence = req.Evidence(f)
		}
		ev.Reason, ev.Justification, ev.Note, ev.Expires, ev.Due = d.Reason, d.Justification, d.Note, d.Expires, d.Due
	} else {
		if d.Time.IsZero() {
			d.Author, d.Time = req.Author, req.Now
		}
		ev.Note = strings.Join(req.Tickets, " ")
	}
	ev.State = d.State
	d.History = append(d.History, ev)
}

// Undo reverts the last Decide batch made through this Ledger: each record
// goes back to what it was before (removed when it did not exist), unless
// someone changed it since. It returns the IDs reverted.
func (l *Ledger) Undo(author string, now time.Time) ([]string, error) {
	l.mu.Lock()
	batch := l.undo
	l.mu.Unlock()
	if len(batch) == 0 {
		return nil, errors.New("nothing to undo")
	}
	var done []string
	err := l.update(func(recs map[string]*Decision) ([]undoEntry, error) {
		for _, u := range batch {
			cur := recs[u.id]
			if cur == nil || len(cur.History) == 0 || !cur.History[len(cur.History)-1].Time.Equal(u.after) {
				continue // changed by someone else since (or already gone): keep theirs
			}
			if u.prev == nil {
				delete(recs, u.id)
			} else {
				recs[u.id] = u.prev
			}
			done = append(done, u.id)
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

// updateWith is update that may also change the ticket records (tickets.go);
// ticketsOnly keeps the undo batch.
func (l *Ledger) updateWith(change func(map[string]*Decision) ([]undoEntry, error), changeTickets func(map[string]*Ticket) error, ticketsOnly bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	unlock, err := l.lockLedger()
	if err != nil {
		return err
	}
	defer unlock()
	if err := l.reload(); err != nil {
		if repofs.IsRefused(err) {
			return err
		}
		return fmt.Errorf("%s is not valid, refusing to overwrite it:\n%w", l.rel, err)
	}
	recs := make(map[string]*Decision, len(l.recs)+1)
	for k, v := range l.recs {
		recs[k] = v
	}
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
	ds := make([]*Decision, 0, len(recs))
	for _, d := range recs {
		ds = append(ds, d)
	}
	// Published decisions are immutable (readers hold them without the
	// lock): a record whose line moved is replaced by a copy.
	data, sorted, lines := marshal(ds)
	for i, d := range sorted {
		if d.Line != lines[i] {
			c := *d
			c.Line = lines[i]
			recs[d.ID] = &c
		}
	}
	data = appendTickets(data, tix)
	st, err := l.writeLedger(data, time.Now())
	if err != nil {
		return err
	}
	l.recs, l.stat, l.readErr, l.tickets = recs, st, nil, tix
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
