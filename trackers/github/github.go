// Package github is secui's GitHub Issues tracker (github.com, GHE.com and
// GitHub Enterprise Server) over go-github v75.
//
// Markers: every ticket carries the label "secui", its group's label
// "secui-g-<hex>" and the same marker hidden in the body's fence, so tickets
// are found by LISTING the repository's issues by label (state=all,
// consistent) — never through the lagging search index. Pull requests in the
// listing are skipped. A create or comment whose response is lost is
// reconciled by listing before it is sent again.
package github

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v75/github"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/trackers"
	"github.com/secui/secui/trackers/content"
	"github.com/secui/secui/trackers/httpx"
)

// BodyLimit is GitHub's issue and comment body limit (characters).
const BodyLimit = 65536

// DefaultAPI is github.com's REST API.
const DefaultAPI = "https://api.github.com/"

// Config configures a Client.
type Config struct {
	Owner, Repo string
	// API is the REST base URL (GITHUB_API_URL): https://api.github.com/,
	// https://HOST/api/v3/ for GitHub Enterprise Server. Used as given.
	API   string
	Token string // GITHUB_TOKEN or GH_TOKEN; never logged
	// HTTP carries the transport chain (secrets gate, pacing); nil: default.
	HTTP *http.Client
	// CreateLabels: let GitHub create missing labels (it does for tokens
	// with push access). When false, configured labels that do not exist
	// are left out (the marker labels are always sent).
	CreateLabels bool
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Client is a trackers.Tracker for one repository.
type Client struct {
	c           *gh.Client
	owner, repo string
	host        string
	createLbls  bool
	existing    map[string]bool // repository labels (create-labels off), lazily
	login       string          // authenticated user, lazily
	now         func() time.Time
}

// New returns a client. It makes no request.
func New(cfg Config) (*Client, error) {
	if cfg.Owner == "" || cfg.Repo == "" {
		return nil, errors.New("no GitHub repository: set trackers.github.repo (owner/name) or add an origin remote on GitHub")
	}
	if cfg.Token == "" {
		return nil, errors.New("no GitHub token: set GITHUB_TOKEN or GH_TOKEN (a token with Issues: read and write on " + cfg.Owner + "/" + cfg.Repo + ")")
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{}
	}
	c := gh.NewClient(hc).WithAuthToken(cfg.Token)
	api := cfg.API
	if api == "" {
		api = DefaultAPI
	}
	if !strings.HasSuffix(api, "/") {
		api += "/"
	}
	u, err := url.Parse(api)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("GITHUB_API_URL %q is not an http(s) URL", api)
	}
	c.BaseURL = u
	// secui paces itself (httpx); go-github's local block would refuse
	// requests without asking the server.
	c.DisableRateLimitCheck = true
	host := u.Hostname()
	if host == "api.github.com" {
		host = "github.com"
	} else if strings.HasPrefix(host, "api.") {
		host = strings.TrimPrefix(host, "api.")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Client{c: c, owner: cfg.Owner, repo: cfg.Repo, host: host, createLbls: cfg.CreateLabels, now: now}, nil
}

// Kind implements trackers.Tracker.
func (c *Client) Kind() string { return "github" }

// Target implements trackers.Tracker.
func (c *Client) Target() string { return c.host + "/" + c.owner + "/" + c.repo }

// Format implements trackers.Tracker.
func (c *Client) Format() content.Format { return content.Markdown }

// BodyLimit implements trackers.Tracker.
func (c *Client) BodyLimit() int { return BodyLimit }

// TitleLimit implements trackers.Tracker (GitHub shows about 256).
func (c *Client) TitleLimit() int { return 256 }

// Consistent implements trackers.Tracker: the repository issue list is.
func (c *Client) Consistent() bool { return true }

// SearchLag implements trackers.Tracker.
func (c *Client) SearchLag() time.Duration { return 0 }

var markerRE = regexp.MustCompile(`^secui-g-[0-9a-f]{12}$`)

func (c *Client) ticket(is *gh.Issue) *trackers.Ticket {
	t := &trackers.Ticket{
		ID: strconv.Itoa(is.GetNumber()), URL: is.GetHTMLURL(), Title: is.GetTitle(), Body: is.GetBody(),
		Closed: is.GetState() == "closed", Reason: is.GetStateReason(), Updated: is.GetUpdatedAt().Time,
	}
	for _, l := range is.Labels {
		t.Labels = append(t.Labels, l.GetName())
		if markerRE.MatchString(l.GetName()) && !t.HasMarker(l.GetName()) {
			t.Markers = append(t.Markers, l.GetName())
		}
	}
	if b := content.Split(content.Markdown, t.Body); b.Found && b.Marker != "" && !t.HasMarker(b.Marker) {
		t.Markers = append(t.Markers, b.Marker)
	}
	return t
}

func (c *Client) list(ctx context.Context, opt *gh.IssueListByRepoOptions) ([]*trackers.Ticket, error) {
	opt.State = "all"
	opt.ListOptions.PerPage = 100
	var out []*trackers.Ticket
	for {
		is, resp, err := c.c.Issues.ListByRepo(ctx, c.owner, c.repo, opt)
		if err != nil {
			return nil, c.explain(err, "list issues")
		}
		for _, i := range is {
			if i.IsPullRequest() {
				continue // the issues list includes pull requests
			}
			out = append(out, c.ticket(i))
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opt.ListOptions.Page = resp.NextPage
	}
}

// Managed implements trackers.Tracker.
func (c *Client) Managed(ctx context.Context) ([]*trackers.Ticket, error) {
	return c.list(ctx, &gh.IssueListByRepoOptions{Labels: []string{trackers.SystemLabel}})
}

// Find implements trackers.Tracker: by the group label, then (labels may
// have been dropped) among the caller's issues updated since the intent, by
// the hidden body marker.
func (c *Client) Find(ctx context.Context, marker string, since time.Time) ([]*trackers.Ticket, error) {
	ts, err := c.list(ctx, &gh.IssueListByRepoOptions{Labels: []string{marker}})
	if err != nil || len(ts) > 0 || since.IsZero() {
		return ts, err
	}
	login, err := c.me(ctx)
	if err != nil || login == "" {
		return nil, err
	}
	mine, err := c.list(ctx, &gh.IssueListByRepoOptions{Creator: login, Since: since.Add(-time.Minute)})
	if err != nil {
		return nil, err
	}
	var out []*trackers.Ticket
	for _, t := range mine {
		if t.HasMarker(marker) {
			out = append(out, t)
		}
	}
	return out, nil
}

func (c *Client) me(ctx context.Context) (string, error) {
	if c.login != "" {
		return c.login, nil
	}
	u, _, err := c.c.Users.Get(ctx, "")
	if err != nil {
		var er *gh.ErrorResponse
		if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == 403 {
			return "", nil // GitHub App tokens cannot read /user
		}
		return "", c.explain(err, "read the token's user")
	}
	c.login = u.GetLogin()
	return c.login, nil
}

func (c *Client) number(id string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "#"))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad GitHub issue number %q", id)
	}
	return n, nil
}

// Get implements trackers.Tracker.
func (c *Client) Get(ctx context.Context, id string) (*trackers.Ticket, error) {
	n, err := c.number(id)
	if err != nil {
		return nil, err
	}
	is, _, err := c.c.Issues.Get(ctx, c.owner, c.repo, n)
	if err != nil {
		return nil, c.explain(err, "read issue #"+id)
	}
	return c.ticket(is), nil
}

func (c *Client) request(t trackers.NewTicket) *gh.IssueRequest {
	r := &gh.IssueRequest{Title: gh.Ptr(t.Title), Body: gh.Ptr(t.Body)}
	labels := slices.Clone(t.Labels)
	if !c.createLbls && c.existing != nil {
		labels = slices.DeleteFunc(labels, func(l string) bool {
			return !c.existing[strings.ToLower(l)] && l != trackers.SystemLabel && l != t.Marker
		})
	}
	r.Labels = &labels
	if len(t.Assignees) > 0 {
		as := slices.Clone(t.Assignees)
		r.Assignees = &as // never the singular assignee (removed in API 2026-03-10)
	}
	return r
}

// CreatePayload implements trackers.Tracker.
func (c *Client) CreatePayload(t trackers.NewTicket) any { return c.request(t) }

// StatePayload implements trackers.Tracker.
func (c *Client) StatePayload(closed bool, why trackers.CloseReason) any {
	if !closed {
		return &gh.IssueRequest{State: gh.Ptr("open"), StateReason: gh.Ptr("reopened")}
	}
	return &gh.IssueRequest{State: gh.Ptr("closed"), StateReason: gh.Ptr(string(why))}
}

func (c *Client) loadLabels(ctx context.Context) error {
	if c.createLbls || c.existing != nil {
		return nil
	}
	c.existing = map[string]bool{}
	opt := &gh.ListOptions{PerPage: 100}
	for {
		ls, resp, err := c.c.Issues.ListLabels(ctx, c.owner, c.repo, opt)
		if err != nil {
			return c.explain(err, "list labels")
		}
		for _, l := range ls {
			c.existing[strings.ToLower(l.GetName())] = true
		}
		if resp.NextPage == 0 {
			return nil
		}
		opt.Page = resp.NextPage
	}
}

// lost reports whether err leaves a write's outcome unknown.
func lost(err error) bool {
	if err == nil {
		return false
	}
	var er *gh.ErrorResponse
	if errors.As(err, &er) {
		return er.Response != nil && er.Response.StatusCode >= 500
	}
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, context.DeadlineExceeded)
}

// Create implements trackers.Tracker.
func (c *Client) Create(ctx context.Context, t trackers.NewTicket) (*trackers.Ticket, error) {
	if err := c.loadLabels(ctx); err != nil {
		return nil, err
	}
	req := c.request(t)
	for attempt := 0; ; attempt++ {
		is, _, err := c.c.Issues.Create(ctx, c.owner, c.repo, req)
		if err == nil {
			tk := c.ticket(is)
			tk.LabelsDropped = !slices.Contains(tk.Labels, t.Marker)
			return tk, nil
		}
		if field := rejected(err); field == "assignees" && req.Assignees != nil {
			req.Assignees = nil // not assignable: create without them (the plan said so)
			continue
		}
		if !lost(err) {
			return nil, c.explain(err, "create issue")
		}
		// The issue may exist: list before sending again.
		found, ferr := c.Find(ctx, t.Marker, c.now().Add(-time.Hour))
		if ferr != nil {
			return nil, fmt.Errorf("%w (%v; listing to reconcile failed: %v)", trackers.ErrOutcomeUnknown, c.explain(err, "create issue"), ferr)
		}
		if len(found) > 0 {
			return found[0], nil
		}
		if attempt >= 2 || httpx.Stopped(ctx) {
			return nil, fmt.Errorf("%w: %v", trackers.ErrOutcomeUnknown, c.explain(err, "create issue"))
		}
	}
}

func rejected(err error) string {
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == 422 {
		for _, e := range er.Errors {
			if e.Field != "" {
				return e.Field
			}
		}
	}
	return ""
}

// Edit implements trackers.Tracker.
func (c *Client) Edit(ctx context.Context, id string, u trackers.Update) error {
	n, err := c.number(id)
	if err != nil {
		return err
	}
	_, _, err = c.c.Issues.Edit(httpx.Idempotent(ctx), c.owner, c.repo, n, &gh.IssueRequest{Title: u.Title, Body: u.Body})
	return c.explain(err, "edit issue #"+id)
}

// AddLabels implements trackers.Tracker (adds; never replaces the set).
func (c *Client) AddLabels(ctx context.Context, id string, labels []string) error {
	n, err := c.number(id)
	if err != nil {
		return err
	}
	_, _, err = c.c.Issues.AddLabelsToIssue(httpx.Idempotent(ctx), c.owner, c.repo, n, labels)
	return c.explain(err, "add labels to #"+id)
}

// Comment implements trackers.Tracker.
func (c *Client) Comment(ctx context.Context, id, body, ref string) error {
	n, err := c.number(id)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		_, _, err := c.c.Issues.CreateComment(ctx, c.owner, c.repo, n, &gh.IssueComment{Body: gh.Ptr(body)})
		if !lost(err) {
			return c.explain(err, "comment on #"+id)
		}
		done, lerr := c.hasComment(ctx, n, ref)
		if lerr != nil {
			return fmt.Errorf("%w (%v; listing comments failed: %v)", trackers.ErrOutcomeUnknown, c.explain(err, "comment"), lerr)
		}
		if done {
			return nil
		}
		if attempt >= 2 || httpx.Stopped(ctx) {
			return fmt.Errorf("%w: %v", trackers.ErrOutcomeUnknown, c.explain(err, "comment on #"+id))
		}
	}
}

// Commented implements trackers.Tracker.
func (c *Client) Commented(ctx context.Context, id, ref string) (bool, error) {
	n, err := c.number(id)
	if err != nil {
		return false, err
	}
	return c.hasComment(ctx, n, ref)
}

func (c *Client) hasComment(ctx context.Context, n int, ref string) (bool, error) {
	opt := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		cs, resp, err := c.c.Issues.ListComments(ctx, c.owner, c.repo, n, opt)
		if err != nil {
			return false, c.explain(err, "list comments")
		}
		for _, cm := range cs {
			if content.HasCommentRef(content.Markdown, cm.GetBody(), ref) {
				return true, nil
			}
		}
		if resp.NextPage == 0 {
			return false, nil
		}
		opt.Page = resp.NextPage
	}
}

// Close implements trackers.Tracker (state_reason completed / not_planned).
func (c *Client) Close(ctx context.Context, id string, why trackers.CloseReason) error {
	return c.state(ctx, id, true, why)
}

// Reopen implements trackers.Tracker.
func (c *Client) Reopen(ctx context.Context, id string) error { return c.state(ctx, id, false, "") }

func (c *Client) state(ctx context.Context, id string, closed bool, why trackers.CloseReason) error {
	n, err := c.number(id)
	if err != nil {
		return err
	}
	_, _, err = c.c.Issues.Edit(httpx.Idempotent(ctx), c.owner, c.repo, n, c.StatePayload(closed, why).(*gh.IssueRequest))
	return c.explain(err, map[bool]string{true: "close", false: "reopen"}[closed]+" issue #"+id)
}

// Check implements trackers.Tracker: token, repository, issues enabled,
// permissions. It writes nothing.
func (c *Client) Check(ctx context.Context) (*trackers.CheckReport, error) {
	r := &trackers.CheckReport{Target: c.Target()}
	u, _, err := c.c.Users.Get(ctx, "")
	switch {
	case err == nil:
		c.login = u.GetLogin()
		r.Add(true, "token", "accepted (user %s)", findings.SanitizeLine(u.GetLogin()))
	default:
		var er *gh.ErrorResponse
		if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == 403 {
			r.Add(true, "token", "accepted (an app or Actions token: no user)")
		} else {
			r.Add(false, "token", "%v", c.explain(err, "read the token's user"))
			return r, nil
		}
	}
	repo, _, err := c.c.Repositories.Get(ctx, c.owner, c.repo)
	if err != nil {
		r.Add(false, "repository", "%v", c.explain(err, "read repository"))
		return r, nil
	}
	r.Add(true, "repository", "%s/%s visible", c.owner, c.repo)
	if !repo.GetHasIssues() {
		r.Add(false, "issues", "issues are disabled for %s/%s: enable them in the repository settings, or set trackers.github.repo", c.owner, c.repo)
	} else {
		r.Add(true, "issues", "enabled")
	}
	p := repo.GetPermissions()
	switch {
	case p == nil:
		r.Add(true, "permission", "not reported (assuming the token may write issues)")
	case p["push"] || p["admin"] || p["maintain"]:
		r.Add(true, "permission", "push: labels and assignees apply")
	case p["triage"] || p["pull"]:
		r.Add(true, "permission", "no push access: GitHub will drop labels and assignees; secui finds its issues by the hidden body marker")
	default:
		r.Add(false, "permission", "the token cannot write issues in %s/%s", c.owner, c.repo)
	}
	if _, _, err := c.c.Issues.ListByRepo(ctx, c.owner, c.repo, &gh.IssueListByRepoOptions{Labels: []string{trackers.SystemLabel}, State: "all", ListOptions: gh.ListOptions{PerPage: 1}}); err != nil {
		r.Add(false, "list", "%v", c.explain(err, "list issues"))
	} else {
		r.Add(true, "list", "issues labelled %q can be listed", trackers.SystemLabel)
	}
	return r, nil
}

// explain turns a go-github error into a *trackers.Error naming the setting
// to fix. The token never appears (go-github errors carry method and URL
// only; secui's URLs hold no credentials).
func (c *Client) explain(err error, op string) error {
	if err == nil {
		return nil
	}
	var rl *httpx.RateLimitError
	if errors.As(err, &rl) || errors.Is(err, httpx.ErrStopped) {
		return err
	}
	var er *gh.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		var ar *gh.AcceptedError
		if errors.As(err, &ar) {
			return nil
		}
		return fmt.Errorf("GitHub %s: %w", op, err)
	}
	e := &trackers.Error{Service: "GitHub", Op: op, Status: er.Response.StatusCode, Msg: findings.SanitizeLine(er.Message)}
	repo := c.owner + "/" + c.repo
	switch e.Status {
	case 401:
		e.Fix = "the token was refused: check GITHUB_TOKEN / GH_TOKEN (expired, revoked or mistyped?)"
	case 403:
		e.Fix = "the token may not do this in " + repo + ": it needs Issues: read and write (fine-grained) or the repo scope (classic); check GITHUB_TOKEN / GH_TOKEN"
	case 404:
		e.Fix = "repository " + repo + " not found, or not visible to the token: check trackers.github.repo (or the origin remote), GITHUB_API_URL and the token's repository access"
	case 410:
		e.Fix = "issues are disabled for " + repo + ": enable Issues in the repository settings, or set trackers.github.repo"
	case 422:
		var parts []string
		for _, fe := range er.Errors {
			m := findings.SanitizeLine(fe.Message)
			if m == "" {
				m = fe.Code
			}
			parts = append(parts, strings.TrimSpace(fe.Field+" "+m))
			if e.Field == "" {
				e.Field = fe.Field
			}
		}
		if len(parts) > 0 {
			e.Msg += " (" + strings.Join(parts, "; ") + ")"
		}
		switch e.Field {
		case "assignees", "assignee":
			e.Fix = "check trackers.github.assignees (every login must be assignable in " + repo + ")"
		case "labels":
			e.Fix = "check trackers.github.labels"
		default:
			e.Fix = "GitHub refused the content"
		}
	}
	return e
}
