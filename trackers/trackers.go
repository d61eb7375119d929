// Package trackers is what secui's sync engine (trackers/engine) needs from
// an issue tracker, and the types both sides share. trackers/github and
// trackers/jira implement Tracker over go-github and go-jira; a later
// target (GitHub code scanning alerts: dismiss / reopen, with dismissals
// read back) implements the same interface: its "ticket" is an alert, its
// marker the alert's identity, Close dismisses with the ledger's reason.
package trackers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/secui/secui/trackers/content"
)

// SystemLabel is carried by every ticket secui manages.
const SystemLabel = "secui"

// Ticket is a ticket as the tracker has it now.
type Ticket struct {
	ID      string // "7", "SEC-12"
	URL     string // web address
	Title   string
	Body    string // Markdown, wiki markup or ADF JSON (the tracker's Format)
	Labels  []string
	Closed  bool
	Reason  string   // why it is closed: completed, not_planned, a Jira resolution
	Markers []string // secui group markers it carries (labels or fence)
	Updated time.Time
	// LabelsDropped is set on a created ticket whose labels the tracker
	// silently dropped (GitHub, without push access).
	LabelsDropped bool
}

// HasMarker reports whether t carries marker.
func (t *Ticket) HasMarker(marker string) bool {
	for _, m := range t.Markers {
		if m == marker {
			return true
		}
	}
	return false
}

// NewTicket is a ticket to create.
type NewTicket struct {
	Marker    string // group marker (also in Labels and in the body's fence)
	Title     string
	Body      string
	Labels    []string
	Assignees []string
	Severity  string // highest severity of the group (Jira maps it to a priority)
}

// Update changes a ticket's title and/or body (nil: unchanged).
type Update struct {
	Title, Body *string
}

// CloseReason is why secui closes a ticket.
type CloseReason string

// Close reasons.
const (
	Completed  CloseReason = "completed"   // fixed
	NotPlanned CloseReason = "not_planned" // suppressed: accepted risk, false positive, ...
)

// Tracker is one target: a GitHub repository's issues, a Jira project.
// Implementations must be safe for sequential use; the engine never calls
// them concurrently.
type Tracker interface {
	Kind() string   // "github", "jira"
	Target() string // "github.com/acme/shop", "acme.atlassian.net/SEC"
	Format() content.Format
	// BodyLimit is the longest body (and comment) the tracker accepts, in
	// characters.
	BodyLimit() int
	// TitleLimit is the longest title.
	TitleLimit() int

	// Managed lists every ticket carrying SystemLabel, open or closed.
	Managed(ctx context.Context) ([]*Ticket, error)
	// Find lists the tickets carrying marker. since (when not zero) is when
	// the caller's intent was written: trackers that can list recent tickets
	// by author use it to find tickets whose labels were dropped.
	Find(ctx context.Context, marker string, since time.Time) ([]*Ticket, error)
	// Consistent reports whether Find sees every write the tracker has
	// acknowledged (GitHub's issue list: yes; Jira's search: not at once).
	Consistent() bool
	// SearchLag is how long a write may stay invisible to Find (0 when
	// Consistent).
	SearchLag() time.Duration
	Get(ctx context.Context, id string) (*Ticket, error)

	// Create creates a ticket. A response lost on the way (5xx, network) is
	// reconciled by Find before anything is sent again; when it cannot be
	// settled Create returns an error wrapping ErrOutcomeUnknown.
	Create(ctx context.Context, t NewTicket) (*Ticket, error)
	Edit(ctx context.Context, id string, u Update) error
	AddLabels(ctx context.Context, id string, labels []string) error
	// Comment posts body, which carries ref (content.Comment); a lost
	// response is reconciled by listing the ticket's comments for ref.
	Comment(ctx context.Context, id, body, ref string) error
	// Commented reports whether a comment carrying ref exists (after a run
	// was killed while posting it).
	Commented(ctx context.Context, id, ref string) (bool, error)
	// Close and Reopen change the ticket's state (Jira: a transition).
	Close(ctx context.Context, id string, why CloseReason) error
	Reopen(ctx context.Context, id string) error

	// CreatePayload is the exact request body Create sends for t (for the
	// plan); StatePayload describes a close or reopen request.
	CreatePayload(t NewTicket) any
	StatePayload(closed bool, why CloseReason) any

	// Check verifies the connection and permissions without writing.
	Check(ctx context.Context) (*CheckReport, error)
}

// CheckReport is what `secui sync --check` prints.
type CheckReport struct {
	Target string
	Lines  []CheckLine
}

// CheckLine is one verified item.
type CheckLine struct {
	OK   bool
	What string // "token", "repository", "issues", "permission" ...
	Msg  string
}

// OK reports whether every line passed.
func (r *CheckReport) OK() bool {
	for _, l := range r.Lines {
		if !l.OK {
			return false
		}
	}
	return true
}

// Add appends a line.
func (r *CheckReport) Add(ok bool, what, format string, a ...any) {
	r.Lines = append(r.Lines, CheckLine{OK: ok, What: what, Msg: fmt.Sprintf(format, a...)})
}

// ErrOutcomeUnknown: a create whose response was lost and that listing could
// not settle (yet). The engine keeps the intent and reconciles it later.
var ErrOutcomeUnknown = errors.New("outcome unknown: the response was lost and the ticket is not visible yet")

// Error is a tracker refusal explained: which service, the HTTP status, what
// it said, and which setting to fix.
type Error struct {
	Service string // "GitHub", "Jira"
	Op      string // "create issue", "list issues" ...
	Status  int
	Msg     string // the service's message (sanitized)
	Fix     string // what to change, naming the setting
	Field   string // the request field the service rejected, when it said
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Service)
	if e.Op != "" {
		b.WriteString(" " + e.Op)
	}
	if e.Status > 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Msg != "" {
		b.WriteString(" " + e.Msg)
	}
	if e.Fix != "" {
		b.WriteString(": " + e.Fix)
	}
	return b.String()
}

// Permanent reports whether err is a refusal that repeating will not cure
// (auth, permission, validation), so the engine stops instead of trying the
// next ticket.
func Permanent(err error) bool {
	var te *Error
	if errors.As(err, &te) {
		return te.Status == 401 || te.Status == 403 || te.Status == 404 || te.Status == 410
	}
	return false
}
