// Package engine plans and applies the sync of triaged findings to a
// tracker (trackers.Tracker), exactly once.
//
// Plan reads the ledger (decisions and `tickets:` records), the scan and
// the tracker's tickets (by LISTING them by label), and computes per group
// of findings one Action: create, adopt, update, comment, close, reopen,
// unchanged or skip, with the exact payloads. Apply performs exactly those
// actions and nothing else:
//
//   - before a create it writes an intent (owner, time) under the ledger
//     lock; another run that finds a live intent leaves the group alone, a
//     stale one is reconciled by listing the tracker for the group's marker
//     before anything is created again; the ticket's id is recorded as soon
//     as the tracker confirms it;
//   - before a body edit it records the hash being written, before a
//     comment the comment's ref, so a run killed in between is recognised;
//   - it re-reads a ticket before editing it and skips the edit when the
//     ticket changed since the plan;
//   - it stops cleanly between requests when ctx is cancelled (ctrl+c).
//
// secui owns only the fenced section of a body (trackers/content); text
// outside it, and fields it does not manage, are never rewritten, and an
// edit inside it turns an update into a comment.
package engine

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/trackers"
	"github.com/secui/secui/trackers/content"
	"github.com/secui/secui/trackers/httpx"
	"github.com/secui/secui/trackers/redact"
)

// Store is the ledger as the engine uses it (*ledger.Ledger).
type Store interface {
	Get(id string) *ledger.Decision
	Tickets() []*ledger.Ticket
	UpdateTickets(func(map[string]*ledger.Ticket) error) error
}

// Code says where the scanned code lives, for links to file and line.
type Code struct {
	Host, Owner, Repo string // the origin remote
	Commit            string // the scanned commit (HEAD)
}

// Grouping policies.
const (
	ByFinding = "finding"
	ByRule    = "rule"
	ByFile    = "file"
	ByPackage = "package"
)

// Groupings lists the policies.
var Groupings = []string{ByFinding, ByRule, ByFile, ByPackage}

// Options configure Plan and Apply.
type Options struct {
	Tracker  trackers.Tracker
	Store    Store
	Set      *findings.Set
	Triage   *ledger.Overlay
	Secrets  *redact.Secrets
	Grouping string   // ByFinding (default), ByRule, ByFile, ByPackage
	Labels   []string // extra labels on created tickets
	// Assignees for created tickets (GitHub logins).
	Assignees []string
	Code      Code
	Clock     httpx.Clock // nil: the wall clock
	// Lease is how long another run's intent counts as in progress (default
	// 10 minutes; longer than any request with its retries).
	Lease time.Duration
	// Progress, when set, is told about each step as Apply runs.
	Progress func(Progress)
	// Nonce names this run in intents (default: random).
	Nonce string
}

// Progress is one step of Apply.
type Progress struct {
	Index, Total int // action number (1-based) and count
	Action       *Action
	Step         string // "create", "edit", "comment", "close" ...
	Done         bool
	Err          error
}

// Kinds of action.
const (
	Create    = "create"
	Adopt     = "adopt" // record a ticket found by listing (a lost response, a lost ledger)
	Update    = "update"
	Comment   = "comment"
	Close     = "close"
	Reopen    = "reopen"
	Unchanged = "unchanged"
	Skip      = "skip"
	Refused   = "refused" // the secrets gate refused a payload
)

// Step is one request (or ledger write) of an action.
type Step struct {
	Op string `json:"op"` // create, adopt, edit, labels, comment, close, reopen
	// Payload is the exact request body (create, close, reopen), or what is
	// sent (edit: title/body; labels; comment: body).
	Payload any `json:"payload,omitempty"`
	// Edit: the ticket's body at plan time and the new one.
	OldBody string `json:"old_body,omitempty"`
	NewBody string `json:"new_body,omitempty"`
	// Edit: new title; labels: labels to add; comment: body and ref.
	Title   *string              `json:"title,omitempty"`
	Labels  []string             `json:"labels,omitempty"`
	Body    string               `json:"body,omitempty"`
	Ref     string               `json:"ref,omitempty"`
	Reason  trackers.CloseReason `json:"reason,omitempty"`
	Ticket  *trackers.NewTicket  `json:"-"`
	adopted *trackers.Ticket
}

// Action is what the plan does for one group.
type Action struct {
	Kind     string   `json:"action"`
	Group    string   `json:"group"` // marker
	Key      string   `json:"key"`   // grouping key
	Ticket   string   `json:"ticket,omitempty"`
	URL      string   `json:"url,omitempty"`
	Title    string   `json:"title"`
	Why      string   `json:"why"`
	Findings []string `json:"findings"`
	Steps    []*Step  `json:"steps"`
	// Redacted counts secret values replaced by "[redacted N chars]".
	Redacted int `json:"redacted,omitempty"`

	// bookkeeping for Apply
	rec         *ledger.Ticket // the record as it will be after the action
	planBody    string         // hash of the body seen at plan time
	managedHash string
	contentHash string
	titleHash   string
	closed      string // ledger close reason after a close
}

// Plan is the list of actions for one tracker target.
type Plan struct {
	Tracker  string    `json:"tracker"`
	Target   string    `json:"target"`
	Grouping string    `json:"grouping"`
	Format   string    `json:"format"`
	Time     time.Time `json:"time"`
	Actions  []*Action `json:"actions"`
	Warnings []string  `json:"warnings"`
}

// Counts returns how many actions of each kind the plan has.
func (p *Plan) Counts() map[string]int {
	m := map[string]int{}
	for _, a := range p.Actions {
		m[a.Kind]++
	}
	return m
}

// Writes is the number of actions that write to the tracker or the ledger.
func (p *Plan) Writes() int {
	n := 0
	for _, a := range p.Actions {
		if a.Kind != Unchanged && a.Kind != Skip && a.Kind != Refused {
			n++
		}
	}
	return n
}

// Group marker: stable per tracker, target and grouping key.
func Marker(tracker, target, key string) string {
	h := sha256.Sum256([]byte(tracker + "\x00" + target + "\x00" + key))
	return "secui-g-" + hex.EncodeToString(h[:6])
}

// groupKey is f's grouping key under policy (decision id for per-finding).
func groupKey(policy, id string, f *findings.Finding) string {
	switch policy {
	case ByRule:
		return "rule:" + f.ToolName() + "/" + f.RuleID()
	case ByFile:
		if f.Loc.Path != "" {
			return "file:" + f.Loc.Path
		}
	case ByPackage:
		if f.Package != "" {
			return "package:" + f.Package
		}
	}
	return "finding:" + id
}

type desire int

const (
	desKeep desire = iota // unknown members: leave the state
	desOpen
	desClosedFixed
	desClosedSuppressed
)

type group struct {
	marker, key string
	rec         *ledger.Ticket // nil: none yet
	live        *trackers.Ticket
	members     []*member
	desired     desire
	returned    bool
	partial     bool // some members are neither present nor proven fixed
}

type planner struct {
	opts       Options
	now        time.Time
	redactions int
	owner      string
}

func (o *Options) clock() httpx.Clock {
	if o.Clock == nil {
		return httpx.RealClock{}
	}
	return o.Clock
}

// live runs of this process (intent owners that are alive here).
var liveRuns sync.Map

func newNonce() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ownerAlive reports whether the run that wrote an intent may still be
// running: the same process (a live run of it), another live process on this
// host, or any run on another host (within the lease).
func ownerAlive(owner string) bool {
	parts := strings.Split(owner, "/")
	if len(parts) != 3 {
		return true
	}
	host, _ := os.Hostname()
	if parts[0] != host {
		return true
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil {
		return true
	}
	if pid == os.Getpid() {
		_, ok := liveRuns.Load(parts[2])
		return ok
	}
	return processAlive(pid)
}

// held reports whether rec is an intent another live run holds.
func (p *planner) held(rec *ledger.Ticket) bool {
	if rec == nil || rec.State != ledger.TicketIntent || rec.Owner == p.owner {
		return false
	}
	return p.now.Sub(rec.Claimed) < p.opts.Lease && ownerAlive(rec.Owner)
}

// MakePlan computes what a sync would do. It only reads: the ledger, the scan
// and the tracker (GET requests).
func MakePlan(ctx context.Context, opts Options) (*Plan, error) {
	if opts.Tracker == nil || opts.Store == nil {
		return nil, errors.New("engine: no tracker or ledger")
	}
	if opts.Grouping == "" {
		opts.Grouping = ByFinding
	}
	if !slices.Contains(Groupings, opts.Grouping) {
		return nil, fmt.Errorf("unknown grouping %q (want finding, rule, file or package)", opts.Grouping)
	}
	if opts.Lease == 0 {
		opts.Lease = 10 * time.Minute
	}
	if opts.Nonce == "" {
		opts.Nonce = newNonce()
	}
	if opts.Secrets == nil {
		opts.Secrets = &redact.Secrets{}
	}
	tr := opts.Tracker
	p := &planner{opts: opts, now: opts.clock().Now(), owner: ledger.IntentOwner(opts.Nonce)}
	plan := &Plan{Tracker: tr.Kind(), Target: tr.Target(), Grouping: opts.Grouping, Time: p.now}

	live, err := tr.Managed(ctx)
	if err != nil {
		return nil, err
	}
	plan.Format = tr.Format().String() // known once the tracker answered (Jira: v2 wiki or v3 ADF)
	byMarker := map[string]*trackers.Ticket{}
	byID := map[string]*trackers.Ticket{}
	for _, t := range live {
		byID[t.ID] = t
		for _, m := range t.Markers {
			if prev, dup := byMarker[m]; dup {
				plan.Warnings = append(plan.Warnings, fmt.Sprintf("tickets %s and %s carry the same group marker %s; secui uses %s", prev.ID, t.ID, m, minID(prev.ID, t.ID)))
				if minID(prev.ID, t.ID) == prev.ID {
					continue
				}
			}
			byMarker[m] = t
		}
	}

	groups := map[string]*group{}
	var order []string
	add := func(marker, key string) *group {
		if g := groups[marker]; g != nil {
			return g
		}
		g := &group{marker: marker, key: key}
		groups[marker] = g
		order = append(order, marker)
		return g
	}
	memberOf := map[string]*group{}
	for _, rec := range opts.Store.Tickets() {
		if rec.Tracker != tr.Kind() || rec.Target != tr.Target() {
			continue
		}
		g := add(rec.Group, rec.Key)
		g.rec = rec
		for _, id := range rec.Findings {
			if memberOf[id] == nil {
				memberOf[id] = g
				g.members = append(g.members, &member{id: id})
			}
		}
	}
	// Accepted findings join their ticket, or the group of the policy.
	for _, f := range opts.Set.Findings {
		m, ok := opts.Triage.Match(f)
		if !ok || m.Expired || m.Decision.State != findings.StateAccepted {
			continue
		}
		id := m.Decision.ID
		if memberOf[id] != nil {
			continue
		}
		key := groupKey(opts.Grouping, id, f)
		g := add(Marker(tr.Kind(), tr.Target(), key), key)
		memberOf[id] = g
		g.members = append(g.members, &member{id: id})
	}

	for _, mk := range order {
		g := groups[mk]
		p.resolve(g)
		if g.rec != nil && g.rec.ID != "" {
			g.live = byID[g.rec.ID]
			if g.live == nil {
				t, err := tr.Get(ctx, g.rec.ID)
				if err != nil {
					var te *trackers.Error
					if errors.As(err, &te) && te.Status == 404 {
						plan.Actions = append(plan.Actions, &Action{Kind: Skip, Group: g.marker, Key: g.key, Ticket: g.rec.ID, URL: g.rec.URL,
							Why: "the ticket no longer exists on the tracker; delete its record from the ledger's tickets: section to create a new one", Findings: ids(g)})
						continue
					}
					return nil, err
				}
				g.live = t
			}
		} else {
			g.live = byMarker[g.marker]
		}
		a, err := p.action(ctx, g)
		if err != nil {
			return nil, err
		}
		if a != nil {
			a.Redacted = p.redactions
			p.redactions = 0
			p.gate(a)
			plan.Actions = append(plan.Actions, a)
		}
	}
	slices.SortStableFunc(plan.Actions, func(a, b *Action) int { return kindOrder(a.Kind) - kindOrder(b.Kind) })
	return plan, nil
}

func minID(a, b string) string {
	x, _ := strconv.Atoi(strings.TrimLeft(a[strings.LastIndexByte(a, '-')+1:], "#"))
	y, _ := strconv.Atoi(strings.TrimLeft(b[strings.LastIndexByte(b, '-')+1:], "#"))
	if y < x {
		return b
	}
	return a
}

func kindOrder(k string) int {
	return slices.Index([]string{Refused, Create, Adopt, Update, Comment, Reopen, Close, Skip, Unchanged}, k)
}

func ids(g *group) []string {
	out := make([]string, len(g.members))
	for i, m := range g.members {
		out[i] = m.id
	}
	slices.Sort(out)
	return out
}

// resolve fills each member's decision, finding and status and the group's
// desired state.
func (p *planner) resolve(g *group) {
	o := p.opts
	slices.SortFunc(g.members, func(a, b *member) int { return strings.Compare(a.id, b.id) })
	anyActive, anyUnknown, anyFixed := false, false, false
	for _, m := range g.members {
		m.d = o.Store.Get(m.id)
		m.f = o.Triage.FindingOf(m.id)
		if m.f == nil && m.d == nil {
			m.status = stUnknown
			anyUnknown = true
			continue
		}
		switch {
		case m.d != nil && m.d.State == findings.StateSuppressed && !m.d.Expired(p.now):
			m.status = stSuppressed
		case m.f != nil && m.d != nil && m.d.State == findings.StateFixed:
			m.status = stReturned
		case m.f != nil:
			m.status = stActive
			if g.rec != nil && slices.Contains(g.rec.Fixed, m.id) {
				m.status = stReturned
			}
		case m.d != nil && m.d.State == findings.StateFixed && !m.d.Pending:
			// Fixed in the ledger and not pending a re-scan: the runner
			// records it after a successful run of the finding's scanner
			// (with Scan evidence); a fix awaiting its re-scan is Pending.
			m.status = stFixed
		default:
			m.status = stUnknown
		}
		switch m.status {
		case stActive, stReturned:
			anyActive = true
			if m.status == stReturned {
				g.returned = true
			}
		case stUnknown:
			anyUnknown = true
		case stFixed:
			anyFixed = true
		}
	}
	switch {
	case anyActive && !anyUnknown:
		g.desired = desOpen
	case anyActive:
		g.desired = desOpen
		g.partial = true
	case anyUnknown || len(g.members) == 0:
		g.desired = desKeep
	case anyFixed:
		g.desired = desClosedFixed
	default:
		g.desired = desClosedSuppressed
	}
	slices.SortStableFunc(g.members, func(a, b *member) int {
		return slices.Index([]string{stReturned, stActive, stUnknown, stFixed, stSuppressed}, a.status) -
			slices.Index([]string{stReturned, stActive, stUnknown, stFixed, stSuppressed}, b.status)
	})
}

// managed renders the group's managed section within the body budget.
func (p *planner) managed(g *group, budget int) string {
	f := p.opts.Tracker.Format()
	for lvl := lvlFull; lvl >= lvlList; lvl-- {
		s := content.Wrap(f, g.marker, p.groupDoc(g, lvl, 200))
		if content.Len(s) <= budget {
			return s
		}
	}
	for n := 100; n >= 1; n /= 2 {
		s := content.Wrap(f, g.marker, p.groupDoc(g, lvlList, n))
		if content.Len(s) <= budget {
			return s
		}
	}
	return content.Wrap(f, g.marker, content.Doc{content.P(content.T(fmt.Sprintf("%d findings; the list is too long for this tracker.", len(g.members))))})
}

func (p *planner) labels(g *group) []string {
	ls := append(slices.Clone(p.opts.Labels), trackers.SystemLabel, g.marker)
	var out []string
	for _, l := range ls {
		l = strings.Join(strings.Fields(l), "-") // Jira: no spaces in labels
		if l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

func maxSeverity(g *group) string {
	best := findings.SevInfo
	seen := false
	for _, m := range g.members {
		if m.f != nil && (!seen || m.f.Severity > best) {
			best, seen = m.f.Severity, true
		}
	}
	return best.String()
}

func (p *planner) ref(g *group, kind, body string) string {
	return content.Hash(g.marker + "\x00" + kind + "\x00" + body)[:12]
}

// action decides what to do for g.
func (p *planner) action(ctx context.Context, g *group) (*Action, error) {
	tr := p.opts.Tracker
	f := tr.Format()
	a := &Action{Group: g.marker, Key: g.key, Findings: ids(g)}
	if g.rec != nil {
		a.rec = g.rec.Clone()
	} else {
		a.rec = &ledger.Ticket{Tracker: tr.Kind(), Target: tr.Target(), Group: g.marker, Key: g.key, State: ledger.TicketIntent}
	}
	a.rec.Findings = a.Findings
	title := p.title(g, tr.TitleLimit())
	a.Title = title
	limit := tr.BodyLimit() - 512 // room for the fence and the tracker's own counting

	// No ticket yet (or only an intent).
	if g.rec == nil || g.rec.ID == "" {
		if g.live != nil {
			a.Kind, a.Ticket, a.URL = Adopt, g.live.ID, g.live.URL
			a.Why = "a ticket with this group's marker exists (an earlier run's response was lost, or the ledger record is missing): record it"
			a.Steps = append(a.Steps, &Step{Op: "adopt", adopted: g.live})
			a.rec.ID, a.rec.URL, a.rec.State = g.live.ID, g.live.URL, ledger.TicketOpen
			if g.live.Closed {
				a.rec.State = ledger.TicketClosed
			}
			b := content.Split(f, g.live.Body)
			a.rec.Managed = content.ManagedHash(f, b.Managed)
			a.rec.Title = content.Hash(g.live.Title)
			// then treat it like a recorded ticket
			g.rec = a.rec.Clone()
			more, err := p.existing(ctx, g, a, title, limit)
			if err != nil {
				return nil, err
			}
			if more {
				a.Kind = Adopt
			}
			return a, nil
		}
		if g.desired != desOpen {
			return nil, nil // nothing open to ticket (all fixed or suppressed before a ticket existed)
		}
		if p.held(g.rec) {
			a.Kind = Skip
			a.Why = fmt.Sprintf("another sync (%s) is creating this ticket (claimed %s ago)", g.rec.Owner, p.now.Sub(g.rec.Claimed).Round(time.Second))
			return a, nil
		}
		if g.rec != nil && !tr.Consistent() && p.now.Sub(g.rec.Claimed) < tr.SearchLag() {
			a.Kind = Skip
			a.Why = fmt.Sprintf("an earlier create may have succeeded and the tracker's search can lag %s: waiting until %s before creating again", tr.SearchLag(), g.rec.Claimed.Add(tr.SearchLag()).UTC().Format("15:04:05 UTC"))
			return a, nil
		}
		body := content.Join(tr.Format(), "", p.managed(g, limit), "")
		nt := &trackers.NewTicket{Marker: g.marker, Title: title, Body: body, Labels: p.labels(g), Assignees: p.opts.Assignees, Severity: maxSeverity(g)}
		a.Kind = Create
		a.Why = fmt.Sprintf("%d accepted finding(s) without a ticket", len(g.members))
		if g.rec != nil {
			a.Why = "an earlier run's create was not confirmed and no ticket carries the marker: create it"
		}
		a.Steps = append(a.Steps, &Step{Op: "create", Payload: tr.CreatePayload(*nt), Ticket: nt, NewBody: body})
		a.managedHash = content.ManagedHash(f, content.Split(f, body).Managed)
		a.contentHash = a.managedHash
		a.titleHash = content.Hash(title)
		return a, nil
	}
	a.Ticket, a.URL = g.rec.ID, g.rec.URL
	if _, err := p.existing(ctx, g, a, title, limit); err != nil {
		return nil, err
	}
	return a, nil
}

// existing plans the changes to a recorded ticket; it reports whether any
// step beyond an adopt was added.
func (p *planner) existing(ctx context.Context, g *group, a *Action, title string, limit int) (bool, error) {
	tr := p.opts.Tracker
	f := tr.Format()
	t := g.live
	rec := g.rec
	var why []string
	n0 := len(a.Steps)
	kind := Unchanged

	// Content: only secui's fenced section, and only when it is still secui's.
	b := content.Split(f, t.Body)
	cur := content.ManagedHash(f, b.Managed)
	budget := limit - content.Len(b.Pre) - content.Len(b.Post)
	newManaged := p.managed(g, budget)
	newHash := content.ManagedHash(f, newManaged)
	a.planBody = content.Hash(t.Body)
	ours := b.Found && (cur == rec.Managed || (rec.Writing != "" && cur == rec.Writing))
	// The title follows the findings only while they are all in the scan
	// and secui's title was not changed by hand.
	humanTitle := (rec.Title != "" && content.Hash(t.Title) != rec.Title) || g.partial || g.desired != desOpen
	switch {
	case b.Found && newHash == cur:
		a.managedHash = cur
	case g.partial || g.desired == desKeep:
		// Some findings are not in this scan and not proven fixed (a partial
		// or failed scan): leave the body as it is.
		a.managedHash = rec.Managed
		why = append(why, "some findings are not in this scan and not proven fixed: body left as is")
	case ours:
		body := content.Join(f, b.Pre, newManaged, b.Post)
		st := &Step{Op: "edit", OldBody: t.Body, NewBody: body}
		st.Body = body
		if title != t.Title && !humanTitle {
			st.Title = &title
		}
		a.Steps = append(a.Steps, st)
		a.managedHash, a.contentHash = newHash, newHash
		if st.Title != nil {
			a.titleHash = content.Hash(title)
		}
		kind = Update
		why = append(why, "the findings changed: rewrite secui's section of the body")
	default:
		// Edited inside the fence (or the fence removed): comment instead.
		a.managedHash = rec.Managed
		if newHash != rec.Content {
			doc := append(content.Doc{content.P(content.T("The description's secui section was edited on the tracker, so secui posts its update as a comment instead of rewriting it."))},
				p.groupDoc(g, lvlBasic, 100)...)
			body := content.Comment(f, p.ref(g, "update", newHash), doc)
			if content.Len(body) > limit {
				body = content.Comment(f, p.ref(g, "update", newHash), p.groupDoc(g, lvlList, 50))
			}
			a.Steps = append(a.Steps, &Step{Op: "comment", Body: body, Ref: p.ref(g, "update", newHash)})
			a.contentHash = newHash
			kind = Comment
			why = append(why, "someone edited inside secui's section: post the update as a comment")
		}
	}
	if len(a.Steps) == n0 || a.Steps[len(a.Steps)-1].Op != "edit" {
		if title != t.Title && !humanTitle && rec.Title != "" && (kind != Comment) {
			a.Steps = append(a.Steps, &Step{Op: "edit", Title: &title, OldBody: t.Body, NewBody: t.Body})
			a.titleHash = content.Hash(title)
			if kind == Unchanged {
				kind = Update
				why = append(why, "new title")
			}
		}
	}
	var missing []string
	for _, l := range p.labels(g) {
		if !slices.Contains(t.Labels, l) {
			missing = append(missing, l)
		}
	}
	if len(missing) > 0 && !t.LabelsDropped {
		a.Steps = append(a.Steps, &Step{Op: "labels", Labels: missing, Payload: map[string][]string{"labels": missing}})
		if kind == Unchanged {
			kind = Update
			why = append(why, "add missing labels")
		}
	}

	// State.
	switch g.desired {
	case desOpen:
		a.rec.Closed = ""
		if t.Closed {
			if rec.Closed != "" || g.returned {
				doc := p.stateDoc(g, false)
				body := content.Comment(f, p.ref(g, "reopen", content.Hash(content.Render(f, doc))), doc)
				a.Steps = append(a.Steps, &Step{Op: "comment", Body: body, Ref: p.ref(g, "reopen", content.Hash(content.Render(f, doc)))},
					&Step{Op: "reopen", Payload: tr.StatePayload(false, "")})
				kind = Reopen
				why = append(why, "a finding it tracks is back (or no longer suppressed): reopen with a comment")
			} else {
				why = append(why, "closed on the tracker by someone else while its findings are open: left closed")
				a.rec.State = ledger.TicketClosed
			}
		}
	case desClosedFixed, desClosedSuppressed:
		reason, lr := trackers.Completed, ledger.TicketFixed
		if g.desired == desClosedSuppressed {
			reason, lr = trackers.NotPlanned, ledger.TicketSuppressed
		}
		a.closed = lr
		if !t.Closed {
			doc := p.stateDoc(g, true)
			r := p.ref(g, "close", content.Hash(content.Render(f, doc)))
			a.Steps = append(a.Steps, &Step{Op: "comment", Body: content.Comment(f, r, doc), Ref: r},
				&Step{Op: "close", Reason: reason, Payload: tr.StatePayload(true, reason)})
			kind = Close
			if reason == trackers.Completed {
				why = append(why, "every finding is fixed (or suppressed): comment with the evidence and close as completed")
			} else {
				why = append(why, "its findings were suppressed: comment with the justification and close as not planned")
			}
		} else if rec.State != ledger.TicketClosed {
			a.rec.State, a.rec.Closed = ledger.TicketClosed, lr
		}
	}
	var fixed []string
	for _, m := range g.members {
		if m.status == stFixed {
			fixed = append(fixed, m.id)
		}
	}
	slices.Sort(fixed)
	a.rec.Fixed = fixed
	if kind == Unchanged {
		if a.Kind == "" {
			a.Kind = Unchanged
		}
		if len(why) == 0 {
			why = append(why, "up to date")
		}
	} else if a.Kind == "" {
		a.Kind = kind
	}
	a.Why = strings.Join(why, "; ")
	return len(a.Steps) > n0, nil
}

// gate checks every payload of a against the scan's secret values.
func (p *planner) gate(a *Action) {
	for _, st := range a.Steps {
		for _, v := range []any{st.Payload, st.Body, st.NewBody, st.Title, st.Labels} {
			b, _ := json.Marshal(v)
			if err := p.opts.Secrets.CheckPayload(b); err != nil {
				a.Kind = Refused
				a.Why = "a payload contains a secret value from the scan; nothing will be sent for this group (" + err.Error() + ")"
				return
			}
		}
	}
	if a.Title != "" && p.opts.Secrets.Contains(a.Title) {
		a.Kind, a.Why = Refused, "the title contains a secret value from the scan"
	}
}
