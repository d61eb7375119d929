// Package jira is secui's Jira tracker (Cloud and Data Center) over go-jira
// v1.17, wrapping what the library lacks or gets wrong (TRACKERS.md §2):
//
//   - search: Cloud's removed /rest/api/2/search (410) is never used; Cloud
//     searches /rest/api/3/search/jql (or /2/search/jql on API v2) with
//     nextPageToken; Data Center keeps /rest/api/2/search with startAt;
//   - bodies: ADF on REST v3 (Cloud's default), wiki markup on v2 (Data
//     Center's only API);
//   - comments are posted as {"body": …} (go-jira's AddComment payload is
//     rejected by Cloud); errors are decoded with NewJiraError;
//   - markers: the labels "secui" and "secui-g-<hex>" set at create, and the
//     issue property "secui" ({group, findings}) written right after;
//   - transitions are found by configured name (else by status category)
//     and a required resolution is filled in.
//
// Jira's search is eventually consistent: Consistent is false and SearchLag
// tells the engine how long an unconfirmed create must stay unanswered
// before it is created again.
package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	gojira "github.com/andygrunwald/go-jira"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/trackers"
	"github.com/secui/secui/trackers/content"
	"github.com/secui/secui/trackers/httpx"
)

// BodyLimit is Jira's limit for description and comment text.
const BodyLimit = 32767

// Deployments.
const (
	Cloud      = "cloud"
	DataCenter = "datacenter"
)

// Config configures a Client.
type Config struct {
	URL      string // JIRA_URL: https://SITE.atlassian.net/ or https://jira.corp/ (context path allowed)
	User     string // JIRA_USER (basic auth: the account's email on Cloud)
	Token    string // JIRA_API_TOKEN (Cloud API token, or Data Center personal access token)
	AuthType string // JIRA_AUTH_TYPE: basic (default with a user) or bearer
	// Deployment is cloud, datacenter or "" (auto: *.atlassian.net and
	// api.atlassian.com are Cloud, else serverInfo decides).
	Deployment string
	API        int // 2 or 3; 0: 3 on Cloud, 2 on Data Center
	Project    string
	IssueType  string
	Components []string
	Priorities map[string]string // severity -> priority name
	Fields     map[string]any    // custom fields set on create
	// Transitions by name: close (fixed), wont-do (suppressed), reopen.
	Close, WontDo, Reopen string
	SearchLag             time.Duration
	HTTP                  *http.Client // transport chain (gate, pacing); auth is added here
	Now                   func() time.Time
}

// Client is a trackers.Tracker for one Jira project.
type Client struct {
	cfg    Config
	c      *gojira.Client
	base   *url.URL
	deploy string
	api    int
	inited bool
}

// DefaultPriorities maps severities to Jira's default priority scheme.
var DefaultPriorities = map[string]string{"critical": "Highest", "high": "High", "medium": "Medium", "low": "Low", "info": "Lowest"}

// New returns a client; it makes no request.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		return nil, errors.New("no Jira site: set JIRA_URL (https://SITE.atlassian.net, or your Data Center URL)")
	}
	if cfg.Project == "" {
		return nil, errors.New("no Jira project: set trackers.jira.project in .secui.yaml")
	}
	if cfg.Token == "" {
		return nil, errors.New("no Jira token: set JIRA_API_TOKEN (Cloud: an API token with JIRA_USER = your email; Data Center: a personal access token with JIRA_AUTH_TYPE=bearer)")
	}
	u, err := url.Parse(strings.TrimRight(cfg.URL, "/") + "/")
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("JIRA_URL %q is not an http(s) URL without credentials", findings.SanitizeLine(cfg.URL))
	}
	auth := strings.ToLower(cfg.AuthType)
	if auth == "" {
		auth = "basic"
		if cfg.User == "" {
			auth = "bearer"
		}
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{}
	}
	next := hc.Transport
	var rt http.RoundTripper
	switch auth {
	case "basic":
		if cfg.User == "" {
			return nil, errors.New("JIRA_AUTH_TYPE=basic needs JIRA_USER (on Cloud, the account's email)")
		}
		rt = &gojira.BasicAuthTransport{Username: cfg.User, Password: cfg.Token, Transport: next}
	case "bearer":
		rt = &gojira.PATAuthTransport{Token: cfg.Token, Transport: next}
	default:
		return nil, fmt.Errorf("JIRA_AUTH_TYPE %q: want basic or bearer", cfg.AuthType)
	}
	jc, err := gojira.NewClient(&http.Client{Transport: rt, Timeout: hc.Timeout}, u.String())
	if err != nil {
		return nil, err
	}
	if cfg.IssueType == "" {
		cfg.IssueType = "Bug"
	}
	if cfg.Priorities == nil {
		cfg.Priorities = DefaultPriorities
	}
	if cfg.Close == "" {
		cfg.Close = "Done"
	}
	if cfg.WontDo == "" {
		cfg.WontDo = "Won't Do"
	}
	if cfg.Reopen == "" {
		cfg.Reopen = "Reopen"
	}
	if cfg.SearchLag == 0 {
		cfg.SearchLag = 10 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Client{cfg: cfg, c: jc, base: u}
	switch strings.ToLower(cfg.Deployment) {
	case Cloud, DataCenter:
		c.deploy = strings.ToLower(cfg.Deployment)
	case "", "auto":
		if h := u.Hostname(); strings.HasSuffix(h, ".atlassian.net") || h == "api.atlassian.com" {
			c.deploy = Cloud
		}
	default:
		return nil, fmt.Errorf("trackers.jira.deployment %q: want auto, cloud or datacenter", cfg.Deployment)
	}
	if cfg.API != 0 && cfg.API != 2 && cfg.API != 3 {
		return nil, fmt.Errorf("trackers.jira.api %d: want 2 or 3", cfg.API)
	}
	return c, nil
}

// init settles the deployment (serverInfo) and the API version.
func (c *Client) init(ctx context.Context) error {
	if c.inited {
		return nil
	}
	if c.deploy == "" {
		var info struct {
			DeploymentType string `json:"deploymentType"`
			Version        string `json:"version"`
		}
		if err := c.do(ctx, "GET", "rest/api/2/serverInfo", nil, &info, "read serverInfo"); err != nil {
			return err
		}
		c.deploy = DataCenter
		if strings.EqualFold(info.DeploymentType, "Cloud") {
			c.deploy = Cloud
		}
	}
	c.api = c.cfg.API
	if c.api == 0 {
		c.api = 2
		if c.deploy == Cloud {
			c.api = 3
		}
	}
	if c.api == 3 && c.deploy != Cloud {
		return errors.New("trackers.jira.api 3 needs Jira Cloud; Data Center has REST v2 only (set trackers.jira.api: 2)")
	}
	c.inited = true
	return nil
}

// Deployment returns cloud or datacenter (after the first request).
func (c *Client) Deployment() string { return c.deploy }

// API returns the REST version in use (after the first request).
func (c *Client) API() int { return c.api }

// Kind implements trackers.Tracker.
func (c *Client) Kind() string { return "jira" }

// Target implements trackers.Tracker.
func (c *Client) Target() string {
	return strings.TrimSuffix(c.base.Host+c.base.Path, "/") + "/" + c.cfg.Project
}

// Format implements trackers.Tracker.
func (c *Client) Format() content.Format {
	if c.api == 3 || (c.api == 0 && c.cfg.API == 3) || (c.api == 0 && c.cfg.API == 0 && c.deploy == Cloud) {
		return content.ADF
	}
	return content.JiraWiki
}

// BodyLimit implements trackers.Tracker.
func (c *Client) BodyLimit() int { return BodyLimit }

// TitleLimit implements trackers.Tracker (summary: 255).
func (c *Client) TitleLimit() int { return 255 }

// Consistent implements trackers.Tracker: Jira's search lags writes.
func (c *Client) Consistent() bool { return false }

// SearchLag implements trackers.Tracker.
func (c *Client) SearchLag() time.Duration { return c.cfg.SearchLag }

func (c *Client) v(path string) string { return fmt.Sprintf("rest/api/%d/%s", c.api, path) }

// do sends one request through go-jira and decodes the answer into out.
func (c *Client) do(ctx context.Context, method, path string, body, out any, op string) error {
	req, err := c.c.NewRequestWithContext(ctx, method, path, body)
	if err != nil {
		return err
	}
	resp, err := c.c.Do(req, out)
	if err != nil {
		if resp == nil {
			return err
		}
		return c.explain(resp.StatusCode, gojira.NewJiraError(resp, err), op)
	}
	return nil
}

type issueJSON struct {
	ID     string `json:"id"`
	Key    string `json:"key"`
	Fields struct {
		Summary     string          `json:"summary"`
		Description json.RawMessage `json:"description"`
		Labels      []string        `json:"labels"`
		Updated     string          `json:"updated"`
		Status      *struct {
			Name           string `json:"name"`
			StatusCategory struct {
				Key string `json:"key"`
			} `json:"statusCategory"`
		} `json:"status"`
		Resolution *struct {
			Name string `json:"name"`
		} `json:"resolution"`
	} `json:"fields"`
}

const fieldList = "summary,description,labels,status,resolution,updated"

var markerRE = regexp.MustCompile(`^secui-g-[0-9a-f]{12}$`)

func (c *Client) ticket(is *issueJSON) *trackers.Ticket {
	t := &trackers.Ticket{ID: is.Key, URL: c.base.String() + "browse/" + is.Key, Title: is.Fields.Summary, Labels: is.Fields.Labels}
	if d := is.Fields.Description; len(d) > 0 && string(d) != "null" {
		var s string
		if json.Unmarshal(d, &s) == nil {
			t.Body = s
		} else {
			t.Body = string(d) // ADF
		}
	}
	if st := is.Fields.Status; st != nil {
		t.Closed = st.StatusCategory.Key == "done"
	}
	if r := is.Fields.Resolution; r != nil {
		t.Reason = r.Name
	}
	t.Updated, _ = time.Parse("2006-01-02T15:04:05.000-0700", is.Fields.Updated)
	for _, l := range t.Labels {
		if markerRE.MatchString(l) {
			t.Markers = append(t.Markers, l)
		}
	}
	return t
}

func jqlQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// search runs jql over every page: Cloud /search/jql with nextPageToken,
// Data Center /search with startAt.
func (c *Client) search(ctx context.Context, jql string) ([]*trackers.Ticket, error) {
	if err := c.init(ctx); err != nil {
		return nil, err
	}
	var out []*trackers.Ticket
	if c.deploy == Cloud {
		token := ""
		for range 1000 {
			q := url.Values{"jql": {jql}, "fields": {fieldList}, "maxResults": {"100"}}
			if token != "" {
				q.Set("nextPageToken", token)
			}
			var page struct {
				Issues        []*issueJSON `json:"issues"`
				NextPageToken string       `json:"nextPageToken"`
				IsLast        bool         `json:"isLast"`
			}
			if err := c.do(ctx, "GET", c.v("search/jql")+"?"+q.Encode(), nil, &page, "search issues"); err != nil {
				return nil, err
			}
			for _, is := range page.Issues {
				out = append(out, c.ticket(is))
			}
			if page.IsLast || page.NextPageToken == "" {
				return out, nil
			}
			token = page.NextPageToken
		}
		return out, nil
	}
	start := 0
	for range 1000 {
		q := url.Values{"jql": {jql}, "fields": {fieldList}, "maxResults": {"100"}, "startAt": {fmt.Sprint(start)}}
		var page struct {
			StartAt, MaxResults, Total int
			Issues                     []*issueJSON `json:"issues"`
		}
		if err := c.do(ctx, "GET", "rest/api/2/search?"+q.Encode(), nil, &page, "search issues"); err != nil {
			return nil, err
		}
		for _, is := range page.Issues {
			out = append(out, c.ticket(is))
		}
		start += max(page.MaxResults, len(page.Issues))
		if len(page.Issues) == 0 || start >= page.Total {
			return out, nil
		}
	}
	return out, nil
}

// Managed implements trackers.Tracker.
func (c *Client) Managed(ctx context.Context) ([]*trackers.Ticket, error) {
	return c.search(ctx, fmt.Sprintf("project = %s AND labels = %s ORDER BY key ASC", jqlQuote(c.cfg.Project), jqlQuote(trackers.SystemLabel)))
}

// Find implements trackers.Tracker (by the group label; lags writes).
func (c *Client) Find(ctx context.Context, marker string, _ time.Time) ([]*trackers.Ticket, error) {
	return c.search(ctx, fmt.Sprintf("project = %s AND labels = %s ORDER BY key ASC", jqlQuote(c.cfg.Project), jqlQuote(marker)))
}

// Get implements trackers.Tracker.
func (c *Client) Get(ctx context.Context, id string) (*trackers.Ticket, error) {
	if err := c.init(ctx); err != nil {
		return nil, err
	}
	var is issueJSON
	if err := c.do(ctx, "GET", c.v("issue/"+url.PathEscape(id))+"?fields="+fieldList, nil, &is, "read issue "+id); err != nil {
		return nil, err
	}
	return c.ticket(&is), nil
}

func (c *Client) richText(s string) any {
	if c.Format() == content.ADF {
		var doc any
		if json.Unmarshal([]byte(s), &doc) == nil {
			return doc
		}
	}
	return s
}

func (c *Client) fields(t trackers.NewTicket) map[string]any {
	f := map[string]any{
		"project":   map[string]string{"key": c.cfg.Project},
		"issuetype": map[string]string{"name": c.cfg.IssueType},
		"summary":   strings.Join(strings.Fields(t.Title), " "),
		"labels":    t.Labels,
	}
	if t.Body != "" {
		f["description"] = c.richText(t.Body)
	}
	if p := c.cfg.Priorities[t.Severity]; p != "" {
		f["priority"] = map[string]string{"name": p}
	}
	if len(c.cfg.Components) > 0 {
		var cs []map[string]string
		for _, n := range c.cfg.Components {
			cs = append(cs, map[string]string{"name": n})
		}
		f["components"] = cs
	}
	for k, v := range c.cfg.Fields {
		f[k] = v
	}
	return f
}

// CreatePayload implements trackers.Tracker.
func (c *Client) CreatePayload(t trackers.NewTicket) any {
	return map[string]any{"fields": c.fields(t)}
}

// StatePayload implements trackers.Tracker: the transition secui looks for.
func (c *Client) StatePayload(closed bool, why trackers.CloseReason) any {
	switch {
	case !closed:
		return map[string]string{"transition": c.cfg.Reopen + " (or the first to a To Do / In Progress status)"}
	case why == trackers.NotPlanned:
		return map[string]string{"transition": c.cfg.WontDo + " (or " + c.cfg.Close + ")", "resolution": "Won't Do / Won't Fix when the transition asks for one"}
	}
	return map[string]string{"transition": c.cfg.Close + " (or the first to a Done status)", "resolution": "Done / Fixed when the transition asks for one"}
}

func lost(err error) bool {
	var te *trackers.Error
	if errors.As(err, &te) {
		return te.Status >= 500
	}
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &ne) || errors.As(err, &ue)
}

// Create implements trackers.Tracker. A lost response is reconciled by
// search; when the search does not show it (yet), the outcome is unknown
// and nothing is sent again (the engine waits out the search lag).
func (c *Client) Create(ctx context.Context, t trackers.NewTicket) (*trackers.Ticket, error) {
	if err := c.init(ctx); err != nil {
		return nil, err
	}
	var out struct {
		ID, Key, Self string
	}
	err := c.do(ctx, "POST", c.v("issue"), c.CreatePayload(t), &out, "create issue")
	if err != nil {
		if !lost(err) {
			return nil, err
		}
		found, ferr := c.Find(ctx, t.Marker, time.Time{})
		if ferr == nil && len(found) > 0 {
			return found[0], nil
		}
		return nil, fmt.Errorf("%w: %v", trackers.ErrOutcomeUnknown, err)
	}
	// The back-pointer property (idempotent PUT; the label is the marker
	// secui lists by, so a failure here is not fatal).
	_ = c.do(ctx, "PUT", c.v("issue/"+out.Key+"/properties/secui"), map[string]any{"group": t.Marker, "version": 1}, nil, "set issue property")
	return &trackers.Ticket{ID: out.Key, URL: c.base.String() + "browse/" + out.Key, Title: t.Title, Body: t.Body, Labels: t.Labels, Markers: []string{t.Marker}}, nil
}

// Edit implements trackers.Tracker.
func (c *Client) Edit(ctx context.Context, id string, u trackers.Update) error {
	if err := c.init(ctx); err != nil {
		return err
	}
	f := map[string]any{}
	if u.Title != nil {
		f["summary"] = strings.Join(strings.Fields(*u.Title), " ")
	}
	if u.Body != nil {
		f["description"] = c.richText(*u.Body)
	}
	if len(f) == 0 {
		return nil
	}
	return c.do(httpx.Idempotent(ctx), "PUT", c.v("issue/"+url.PathEscape(id)), map[string]any{"fields": f}, nil, "edit issue "+id)
}

// AddLabels implements trackers.Tracker ("update": add, never a replace).
func (c *Client) AddLabels(ctx context.Context, id string, labels []string) error {
	if err := c.init(ctx); err != nil {
		return err
	}
	var ops []map[string]string
	for _, l := range labels {
		ops = append(ops, map[string]string{"add": l})
	}
	return c.do(httpx.Idempotent(ctx), "PUT", c.v("issue/"+url.PathEscape(id)), map[string]any{"update": map[string]any{"labels": ops}}, nil, "add labels to "+id)
}

// Comment implements trackers.Tracker.
func (c *Client) Comment(ctx context.Context, id, body, ref string) error {
	if err := c.init(ctx); err != nil {
		return err
	}
	err := c.do(ctx, "POST", c.v("issue/"+url.PathEscape(id)+"/comment"), map[string]any{"body": c.richText(body)}, nil, "comment on "+id)
	if !lost(err) {
		return err
	}
	done, lerr := c.Commented(ctx, id, ref)
	if lerr == nil && done {
		return nil
	}
	if lerr == nil {
		// Comments are read consistently: it was not applied; send it again.
		return c.do(ctx, "POST", c.v("issue/"+url.PathEscape(id)+"/comment"), map[string]any{"body": c.richText(body)}, nil, "comment on "+id)
	}
	return fmt.Errorf("%w: %v", trackers.ErrOutcomeUnknown, err)
}

// Commented implements trackers.Tracker.
func (c *Client) Commented(ctx context.Context, id, ref string) (bool, error) {
	if err := c.init(ctx); err != nil {
		return false, err
	}
	for start := 0; start < 100000; {
		var page struct {
			StartAt, MaxResults, Total int
			Comments                   []struct {
				Body json.RawMessage `json:"body"`
			} `json:"comments"`
		}
		if err := c.do(ctx, "GET", c.v(fmt.Sprintf("issue/%s/comment?startAt=%d&maxResults=100", url.PathEscape(id), start)), nil, &page, "list comments"); err != nil {
			return false, err
		}
		for _, cm := range page.Comments {
			var s string
			if json.Unmarshal(cm.Body, &s) != nil {
				s = string(cm.Body)
			}
			if content.HasCommentRef(c.Format(), s, ref) {
				return true, nil
			}
		}
		start += len(page.Comments)
		if len(page.Comments) == 0 || start >= page.Total {
			return false, nil
		}
	}
	return false, nil
}

type transition struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	To   struct {
		Name           string `json:"name"`
		StatusCategory struct {
			Key string `json:"key"`
		} `json:"statusCategory"`
	} `json:"to"`
	Fields map[string]struct {
		Required      bool `json:"required"`
		AllowedValues []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"allowedValues"`
	} `json:"fields"`
}

// Close implements trackers.Tracker: the configured transition (close or
// wont-do), else any transition to a done status; a required resolution is
// set (Won't Do / Won't Fix for not planned, Done / Fixed otherwise).
func (c *Client) Close(ctx context.Context, id string, why trackers.CloseReason) error {
	names := []string{c.cfg.Close}
	res := []string{"Done", "Fixed"}
	if why == trackers.NotPlanned {
		names = []string{c.cfg.WontDo, "Won't Fix", c.cfg.Close}
		res = []string{"Won't Do", "Won't Fix", "Declined"}
	}
	return c.transition(ctx, id, names, []string{"done"}, res)
}

// Reopen implements trackers.Tracker.
func (c *Client) Reopen(ctx context.Context, id string) error {
	return c.transition(ctx, id, []string{c.cfg.Reopen, "Reopen Issue", "To Do", "Open"}, []string{"new", "indeterminate"}, nil)
}

func (c *Client) transition(ctx context.Context, id string, names, categories, resolutions []string) error {
	if err := c.init(ctx); err != nil {
		return err
	}
	var tr struct {
		Transitions []transition `json:"transitions"`
	}
	if err := c.do(ctx, "GET", c.v("issue/"+url.PathEscape(id)+"/transitions?expand=transitions.fields"), nil, &tr, "list transitions of "+id); err != nil {
		return err
	}
	var pick *transition
	for _, n := range names {
		for i, t := range tr.Transitions {
			if strings.EqualFold(t.Name, n) || strings.EqualFold(t.To.Name, n) {
				pick = &tr.Transitions[i]
				break
			}
		}
		if pick != nil {
			break
		}
	}
	if pick == nil {
		for i, t := range tr.Transitions {
			if slices.Contains(categories, t.To.StatusCategory.Key) {
				pick = &tr.Transitions[i]
				break
			}
		}
	}
	if pick == nil {
		var have []string
		for _, t := range tr.Transitions {
			have = append(have, t.Name)
		}
		return &trackers.Error{Service: "Jira", Op: "transition " + id, Msg: fmt.Sprintf("no transition named %q (available: %s)", names[0], strings.Join(have, ", ")),
			Fix: "set trackers.jira.transitions in .secui.yaml to one of the available names"}
	}
	payload := map[string]any{"transition": map[string]string{"id": pick.ID}}
	if f, ok := pick.Fields["resolution"]; ok && f.Required {
		name := ""
		for _, want := range resolutions {
			for _, av := range f.AllowedValues {
				if name == "" && strings.EqualFold(av.Name, want) {
					name = av.Name
				}
			}
		}
		if name == "" && len(f.AllowedValues) > 0 {
			name = f.AllowedValues[0].Name
		}
		if name != "" {
			payload["fields"] = map[string]any{"resolution": map[string]string{"name": name}}
		}
	}
	return c.do(httpx.Idempotent(ctx), "POST", c.v("issue/"+url.PathEscape(id)+"/transitions"), payload, nil, "transition "+id+" ("+pick.Name+")")
}

// Check implements trackers.Tracker: credentials, deployment, project,
// permissions, issue type and search. It writes nothing.
func (c *Client) Check(ctx context.Context) (*trackers.CheckReport, error) {
	r := &trackers.CheckReport{Target: c.Target()}
	var me struct {
		Name, EmailAddress, DisplayName, AccountID string
	}
	if err := c.do(ctx, "GET", "rest/api/2/myself", nil, &me, "read the current user"); err != nil {
		r.Add(false, "credentials", "%v", err)
		return r, nil
	}
	r.Add(true, "credentials", "accepted (%s)", findings.SanitizeLine(me.DisplayName))
	if err := c.init(ctx); err != nil {
		r.Add(false, "deployment", "%v", err)
		return r, nil
	}
	r.Add(true, "deployment", "%s, REST v%d (%s bodies)", c.deploy, c.api, c.Format())
	if err := c.do(ctx, "GET", "rest/api/2/project/"+url.PathEscape(c.cfg.Project), nil, nil, "read project"); err != nil {
		r.Add(false, "project", "%v", err)
		return r, nil
	}
	r.Add(true, "project", "%s visible", c.cfg.Project)
	var perms struct {
		Permissions map[string]struct {
			HavePermission bool `json:"havePermission"`
		} `json:"permissions"`
	}
	need := []string{"BROWSE_PROJECTS", "CREATE_ISSUES", "EDIT_ISSUES", "ADD_COMMENTS", "TRANSITION_ISSUES", "RESOLVE_ISSUES"}
	if err := c.do(ctx, "GET", "rest/api/2/mypermissions?projectKey="+url.QueryEscape(c.cfg.Project)+"&permissions="+strings.Join(need, ","), nil, &perms, "read permissions"); err != nil {
		r.Add(false, "permissions", "%v", err)
	} else {
		var missing []string
		for _, p := range need {
			if !perms.Permissions[p].HavePermission {
				missing = append(missing, p)
			}
		}
		if len(missing) > 0 {
			r.Add(false, "permissions", "missing in %s: %s (ask a Jira admin)", c.cfg.Project, strings.Join(missing, ", "))
		} else {
			r.Add(true, "permissions", "browse, create, edit, comment, transition, resolve")
		}
	}
	var types struct {
		Values    []struct{ ID, Name string } `json:"values"`
		IssueType []struct{ ID, Name string } `json:"issueTypes"`
	}
	if err := c.do(ctx, "GET", "rest/api/2/issue/createmeta/"+url.PathEscape(c.cfg.Project)+"/issuetypes", nil, &types, "read issue types"); err != nil {
		r.Add(false, "issue type", "%v", err)
	} else {
		var names []string
		for _, t := range append(types.Values, types.IssueType...) {
			names = append(names, t.Name)
		}
		if slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, c.cfg.IssueType) }) {
			r.Add(true, "issue type", "%s", c.cfg.IssueType)
		} else {
			r.Add(false, "issue type", "%q is not an issue type of %s (have: %s): set trackers.jira.issue-type", c.cfg.IssueType, c.cfg.Project, strings.Join(names, ", "))
		}
	}
	if _, err := c.Managed(ctx); err != nil {
		r.Add(false, "search", "%v", err)
	} else {
		r.Add(true, "search", "issues labelled %q can be listed", trackers.SystemLabel)
	}
	return r, nil
}

var fieldSetting = map[string]string{
	"priority": "trackers.jira.priorities", "components": "trackers.jira.components", "issuetype": "trackers.jira.issue-type",
	"project": "trackers.jira.project", "labels": "trackers.jira.labels", "summary": "", "description": "",
}

// explain turns a go-jira error into a *trackers.Error naming the setting.
func (c *Client) explain(status int, err error, op string) error {
	var rl *httpx.RateLimitError
	if errors.As(err, &rl) || errors.Is(err, httpx.ErrStopped) {
		return err
	}
	e := &trackers.Error{Service: "Jira", Op: op, Status: status}
	var je *gojira.Error
	if errors.As(err, &je) {
		var parts []string
		for _, m := range je.ErrorMessages {
			parts = append(parts, findings.SanitizeLine(m))
		}
		keys := make([]string, 0, len(je.Errors))
		for k := range je.Errors {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			parts = append(parts, findings.SanitizeLine(k+": "+je.Errors[k]))
			if _, mapped := fieldSetting[k]; e.Field == "" || (fieldSetting[e.Field] == "" && (mapped && fieldSetting[k] != "" || strings.HasPrefix(k, "customfield_"))) {
				e.Field = k
			}
		}
		e.Msg = strings.Join(parts, "; ")
	} else {
		m := findings.SanitizeLine(err.Error())
		if len(m) > 300 {
			m = m[:300] + "…" // an HTML error page (proxy, SSO, CAPTCHA)
		}
		e.Msg = m
	}
	switch status {
	case 401:
		e.Fix = "check JIRA_USER and JIRA_API_TOKEN (Cloud: your email and an API token, JIRA_AUTH_TYPE=basic; scoped tokens need JIRA_URL=https://api.atlassian.com/ex/jira/<cloudId>; Data Center: a personal access token with JIRA_AUTH_TYPE=bearer)"
	case 403:
		e.Fix = "the account lacks a permission in project " + c.cfg.Project + " (browse, create, edit, comment, transition): check trackers.jira.project and the account's permissions"
	case 404:
		e.Fix = "not found or not visible to the account: check JIRA_URL and trackers.jira.project"
	case 410:
		e.Fix = "this Jira removed the API (Cloud removed /rest/api/2/search): set trackers.jira.deployment: cloud"
	case 400, 422:
		if s, ok := fieldSetting[e.Field]; ok && s != "" {
			e.Fix = "check " + s
		} else if strings.HasPrefix(e.Field, "customfield_") {
			e.Fix = "check trackers.jira.fields." + e.Field + " (the field must be on the create screen)"
		} else {
			e.Fix = "Jira refused the content"
		}
	}
	return e
}
