package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/trackers"
	"github.com/secui/secui/trackers/content"
	"github.com/secui/secui/trackers/httpx"
)

// Outcome is what Apply did with one action.
type Outcome struct {
	Action *Action `json:"-"`
	Group  string  `json:"group"`
	Kind   string  `json:"action"`
	Ticket string  `json:"ticket,omitempty"`
	URL    string  `json:"url,omitempty"`
	Status string  `json:"status"` // done, skipped, failed, not-run
	Msg    string  `json:"message,omitempty"`
}

// Result is what Apply did.
type Result struct {
	Outcomes []*Outcome `json:"outcomes"`
	Stopped  bool       `json:"stopped"` // ctx was cancelled: the rest was not run
	Created  int        `json:"created"`
}

// Failed counts failed outcomes.
func (r *Result) Failed() int {
	n := 0
	for _, o := range r.Outcomes {
		if o.Status == "failed" {
			n++
		}
	}
	return n
}

// errSkip ends an action early without failing it.
type errSkip struct{ msg string }

func (e *errSkip) Error() string { return e.msg }

// Apply performs plan's actions (only those) and records every step in the
// ledger. It stops between requests when ctx is cancelled; a request on the
// wire is let finish so its result is recorded. It returns an error only
// when the ledger cannot be written (then nothing more is sent).
func Apply(ctx context.Context, opts Options, plan *Plan) (*Result, error) {
	if opts.Nonce == "" {
		opts.Nonce = newNonce()
	}
	if opts.Lease == 0 {
		opts.Lease = 10 * time.Minute
	}
	liveRuns.Store(opts.Nonce, true)
	defer liveRuns.Delete(opts.Nonce)
	p := &planner{opts: opts, owner: ledger.IntentOwner(opts.Nonce)}
	// Requests finish even when ctx is cancelled; waits stop.
	rctx := httpx.WithStop(context.WithoutCancel(ctx), ctx.Done())
	res := &Result{}
	total := 0
	for _, a := range plan.Actions {
		if len(a.Steps) > 0 && a.Kind != Refused && a.Kind != Skip {
			total++
		}
	}
	i := 0
	for _, a := range plan.Actions {
		o := &Outcome{Action: a, Group: a.Group, Kind: a.Kind, Ticket: a.Ticket, URL: a.URL}
		res.Outcomes = append(res.Outcomes, o)
		switch {
		case a.Kind == Refused:
			o.Status, o.Msg = "skipped", a.Why
			continue
		case a.Kind == Skip || len(a.Steps) == 0 && a.Kind == Unchanged:
			o.Status = "skipped"
			if a.Kind == Unchanged {
				o.Status = "done"
				// Only a record that changed (closed by hand, members fixed)
				// is written: a sync with nothing to do leaves the ledger alone.
				if cur := currentRecord(opts.Store, a.rec); cur == nil || !sameRecord(cur, a.rec) {
					if err := p.record(a, nil); err != nil {
						return res, err
					}
				}
			} else {
				o.Msg = a.Why
			}
			continue
		}
		if ctx.Err() != nil {
			o.Status = "not-run"
			res.Stopped = true
			continue
		}
		i++
		p.now = opts.clock().Now()
		err := p.run(rctx, a, o, i, total)
		var sk *errSkip
		var le *ledgerError
		switch {
		case err == nil:
			o.Status = "done"
			if a.Kind == Create && o.Ticket != "" {
				res.Created++
			}
		case errors.As(err, &le):
			o.Status, o.Msg = "failed", err.Error()
			return res, le.err
		case errors.As(err, &sk):
			o.Status, o.Msg = "skipped", sk.msg
		case errors.Is(err, httpx.ErrStopped):
			o.Status, o.Msg = "not-run", "stopped"
			res.Stopped = true
		default:
			o.Status, o.Msg = "failed", err.Error()
			if trackers.Permanent(err) {
				// Auth, permission, missing repository: the rest would fail the same way.
				for _, b := range plan.Actions[slices.Index(plan.Actions, a)+1:] {
					res.Outcomes = append(res.Outcomes, &Outcome{Action: b, Group: b.Group, Kind: b.Kind, Ticket: b.Ticket, Status: "not-run", Msg: "stopped after: " + err.Error()})
				}
				return res, nil
			}
		}
		if opts.Progress != nil {
			opts.Progress(Progress{Index: i, Total: total, Action: a, Step: "done", Done: true, Err: err})
		}
	}
	return res, nil
}

type ledgerError struct{ err error }

func (e *ledgerError) Error() string { return "writing the ledger: " + e.err.Error() }

// update changes a's record in the ledger under the lock (fn gets the
// current record, nil when none, and returns the new one; nil deletes).
func (p *planner) update(a *Action, fn func(cur *ledger.Ticket) (*ledger.Ticket, error)) error {
	err := p.opts.Store.UpdateTickets(func(m map[string]*ledger.Ticket) error {
		k := a.rec.RecordKey()
		cur := m[k]
		if cur != nil {
			cur = cur.Clone()
		}
		nt, err := fn(cur)
		if err != nil {
			return err
		}
		if nt == nil {
			delete(m, k)
		} else {
			m[k] = nt
		}
		return nil
	})
	var sk *errSkip
	if err != nil && !errors.As(err, &sk) {
		return &ledgerError{err}
	}
	return err
}

// record writes the action's final record (fields of the plan plus what
// the tracker answered).
func (p *planner) record(a *Action, t *trackers.Ticket) error {
	if a.rec.ID == "" && t == nil {
		return nil // nothing to record (no ticket)
	}
	return p.update(a, func(cur *ledger.Ticket) (*ledger.Ticket, error) {
		r := a.rec.Clone()
		if cur != nil {
			r.Findings = union(cur.Findings, a.rec.Findings)
		}
		if t != nil {
			r.ID, r.URL = t.ID, t.URL
			if r.State == ledger.TicketIntent {
				r.State = ledger.TicketOpen
			}
		}
		if a.managedHash != "" {
			r.Managed = a.managedHash
		}
		if a.contentHash != "" {
			r.Content = a.contentHash
		}
		if a.titleHash != "" {
			r.Title = a.titleHash
		}
		r.Owner, r.Claimed, r.Writing, r.Posting = "", time.Time{}, "", ""
		r.Synced = p.now.UTC().Truncate(1e9)
		return r, nil
	})
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

func (p *planner) progress(a *Action, i, n int, step string) {
	if p.opts.Progress != nil {
		p.opts.Progress(Progress{Index: i, Total: n, Action: a, Step: step})
	}
}

// run performs one action's steps.
func (p *planner) run(ctx context.Context, a *Action, o *Outcome, i, n int) error {
	tr := p.opts.Tracker
	id := a.Ticket
	var created *trackers.Ticket
	for _, st := range a.Steps {
		if httpx.Stopped(ctx) {
			return httpx.ErrStopped
		}
		p.progress(a, i, n, st.Op)
		switch st.Op {
		case "adopt":
			created = st.adopted
			id = created.ID
			if err := p.record(a, created); err != nil {
				return err
			}
		case "create":
			t, err := p.create(ctx, a, st)
			if err != nil {
				return err
			}
			created, id = t, t.ID
			o.Ticket, o.URL = t.ID, t.URL
		case "edit":
			cur, err := tr.Get(ctx, id)
			if err != nil {
				return err
			}
			if content.Hash(cur.Body) != a.planBody {
				return &errSkip{"the ticket changed since the plan was made; run sync again to see the new plan"}
			}
			u := trackers.Update{Title: st.Title}
			if st.NewBody != st.OldBody {
				b := st.NewBody
				u.Body = &b
				if err := p.update(a, func(cur *ledger.Ticket) (*ledger.Ticket, error) {
					if cur == nil {
						return nil, &errSkip{"the ledger record disappeared"}
					}
					cur.Writing = a.managedHash
					return cur, nil
				}); err != nil {
					return err
				}
			}
			if err := tr.Edit(ctx, id, u); err != nil {
				return err
			}
		case "labels":
			if err := tr.AddLabels(ctx, id, st.Labels); err != nil {
				return err
			}
		case "comment":
			rec := currentRecord(p.opts.Store, a.rec)
			if rec != nil && rec.Posting == st.Ref {
				// An earlier run was stopped while posting this very comment.
				done, err := tr.Commented(ctx, id, st.Ref)
				if err != nil {
					return err
				}
				if done {
					continue
				}
			}
			if err := p.update(a, func(cur *ledger.Ticket) (*ledger.Ticket, error) {
				if cur == nil {
					return nil, &errSkip{"the ledger record disappeared"}
				}
				cur.Posting = st.Ref
				return cur, nil
			}); err != nil {
				return err
			}
			if err := tr.Comment(ctx, id, st.Body, st.Ref); err != nil {
				return err
			}
		case "close":
			if err := tr.Close(ctx, id, st.Reason); err != nil {
				return err
			}
			a.rec.State, a.rec.Closed = ledger.TicketClosed, a.closed
		case "reopen":
			if err := tr.Reopen(ctx, id); err != nil {
				return err
			}
			a.rec.State, a.rec.Closed = ledger.TicketOpen, ""
		}
	}
	if a.rec.ID == "" && created == nil {
		return nil
	}
	if created != nil {
		a.rec.ID, a.rec.URL = created.ID, created.URL
		if a.rec.State == ledger.TicketIntent {
			a.rec.State = ledger.TicketOpen
		}
	}
	if a.closed != "" && a.rec.State == ledger.TicketClosed && a.rec.Closed == "" {
		a.rec.Closed = a.closed
	}
	return p.record(a, created)
}

func currentRecord(s Store, r *ledger.Ticket) *ledger.Ticket {
	for _, t := range s.Tickets() {
		if t.RecordKey() == r.RecordKey() {
			return t
		}
	}
	return nil
}

// create claims the group's intent under the ledger lock, reconciles by
// listing when the tracker can, creates, and records the ticket at once.
func (p *planner) create(ctx context.Context, a *Action, st *Step) (*trackers.Ticket, error) {
	tr := p.opts.Tracker
	var prior *ledger.Ticket
	err := p.update(a, func(cur *ledger.Ticket) (*ledger.Ticket, error) {
		if cur != nil && cur.ID != "" {
			return nil, &errSkip{fmt.Sprintf("another sync created it meanwhile (%s)", cur.ID)}
		}
		if p.held(cur) {
			return nil, &errSkip{fmt.Sprintf("another sync (%s) is creating it", cur.Owner)}
		}
		prior = cur
		r := a.rec.Clone()
		if cur != nil {
			r.Findings = union(cur.Findings, r.Findings)
		}
		r.State, r.ID, r.URL = ledger.TicketIntent, "", ""
		r.Owner, r.Claimed = p.owner, p.now.UTC().Truncate(1e9)
		return r, nil
	})
	if err != nil {
		return nil, err
	}
	// Reconcile by listing before creating (always on a consistent
	// tracker: a run on another machine, a lost ledger; on a lagging one when
	// an earlier intent existed).
	if tr.Consistent() || prior != nil {
		since := p.now
		if prior != nil {
			since = prior.Claimed
		}
		found, err := tr.Find(ctx, a.Group, since.Add(-time.Minute))
		if err != nil {
			return nil, p.release(a, err)
		}
		if len(found) > 0 {
			t := found[0]
			if err := p.record(a, t); err != nil {
				return nil, err
			}
			a.Kind = Adopt
			return t, nil
		}
	}
	t, err := tr.Create(ctx, *st.Ticket)
	if err != nil {
		if errors.Is(err, trackers.ErrOutcomeUnknown) {
			return nil, err // keep the intent: the next run reconciles it
		}
		return nil, p.release(a, err)
	}
	a.rec.ID, a.rec.URL, a.rec.State = t.ID, t.URL, ledger.TicketOpen
	if err := p.record(a, t); err != nil {
		return nil, err
	}
	if t.LabelsDropped {
		a.Why += " (the tracker dropped the labels: no push access; secui finds it by the hidden body marker)"
	}
	return t, nil
}

// release drops this run's intent after a create that certainly did not
// happen, and returns err.
func (p *planner) release(a *Action, err error) error {
	if uerr := p.update(a, func(cur *ledger.Ticket) (*ledger.Ticket, error) {
		if cur == nil || cur.Owner != p.owner || cur.ID != "" {
			return cur, nil
		}
		return nil, nil
	}); uerr != nil {
		return uerr
	}
	return err
}

// sameRecord compares what a sync decides about a ticket (not when).
func sameRecord(a, b *ledger.Ticket) bool {
	return a.ID == b.ID && a.URL == b.URL && a.State == b.State && a.Closed == b.Closed && a.Key == b.Key &&
		slices.Equal(a.Findings, b.Findings) && slices.Equal(a.Fixed, b.Fixed) && a.Writing == "" && a.Posting == "" && a.Owner == ""
}
