// Package fakegithub is an httptest server that behaves like GitHub's REST
// API for issues, as described in ../shared/docs/TRACKERS.md §1: Bearer or
// token auth (401 "Bad credentials"), private repositories answering 404,
// issues disabled answering 410, 422 validation bodies (missing title, body
// over 65,536 characters, non-assignable assignees), labels auto-created
// for push access and silently dropped without it, issue lists that include
// pull requests, default state=open, per_page ≤ 100 and one Link header,
// PATCH state/state_reason, comments, a search index that lags writes, and
// injected faults (429 + Retry-After, secondary limits, a write applied and
// then answered 502, a dropped connection).
package fakegithub

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Issue is a stored issue (or pull request).
type Issue struct {
	Number      int
	Title, Body string
	Labels      []string
	Assignees   []string
	State       string // open | closed
	StateReason string
	PR          bool
	User        string
	Created     time.Time
	Updated     time.Time
	Comments    []Comment
}

// Comment is a stored comment.
type Comment struct {
	ID   int64
	Body string
	User string
}

// Token is an accepted token.
type Token struct {
	Login string
	Push  bool // may set labels and assignees (else they are dropped)
	App   bool // an installation token: GET /user answers 403
}

// Request is a recorded request.
type Request struct {
	Method, Path, Query string
	Auth                string
	Body                string
	Accept              string
	APIVersion          string
}

// Fault is an injected failure for matching requests.
type Fault struct {
	Method string         // "" any
	Path   *regexp.Regexp // nil any (matched against the path without the /api/v3 prefix)
	Count  int            // how many requests it hits (0: 1)
	Status int            // answer with this status ...
	Header map[string]string
	Body   string
	// Apply: perform the request first, then answer Status (a lost
	// response). Drop: perform it (when Apply) and close the connection
	// without any answer.
	Apply, Drop bool
}

// Server is the fake.
type Server struct {
	*httptest.Server
	Owner, Repo string
	Prefix      string // "" for github.com, "/api/v3" for GHES

	mu         sync.Mutex
	Tokens     map[string]Token
	Private    bool // the repository is only visible to known tokens
	HasIssues  bool
	Assignable []string
	Labels     map[string]bool // repository labels
	Issues     []*Issue
	Requests   []Request
	Faults     []*Fault
	SearchLag  time.Duration
	Now        func() time.Time
	// OnRequest runs for every request before it is handled (n counts from 1).
	OnRequest func(n int, r *http.Request)
	nextCID   int64
}

// New starts a fake for owner/repo; prefix is "" or "/api/v3".
func New(owner, repo, prefix string) *Server {
	s := &Server{Owner: owner, Repo: repo, Prefix: prefix, HasIssues: true,
		Tokens: map[string]Token{}, Labels: map[string]bool{"bug": true}, Now: time.Now, nextCID: 1000}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// API is the base URL secui is given (GITHUB_API_URL).
func (s *Server) API() string { return s.URL + s.Prefix + "/" }

// AddPR adds a pull request (it shows in issue lists).
func (s *Server) AddPR(title string, labels ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Issues = append(s.Issues, &Issue{Number: len(s.Issues) + 1, Title: title, Labels: labels, State: "open", PR: true, User: "someone", Created: s.Now(), Updated: s.Now()})
}

// Snapshot returns copies of the stored issues (not pull requests).
func (s *Server) Snapshot() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Issue
	for _, is := range s.Issues {
		if !is.PR {
			c := *is
			c.Labels = slices.Clone(is.Labels)
			c.Comments = slices.Clone(is.Comments)
			out = append(out, c)
		}
	}
	return out
}

// Issue returns a copy of issue n.
func (s *Server) Issue(n int) Issue {
	for _, is := range s.Snapshot() {
		if is.Number == n {
			return is
		}
	}
	return Issue{}
}

// EditBody changes an issue's body as a human would in the web UI (CRLF).
func (s *Server) EditBody(n int, f func(string) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, is := range s.Issues {
		if is.Number == n {
			is.Body = strings.ReplaceAll(f(is.Body), "\n", "\r\n")
			is.Updated = s.Now()
		}
	}
}

// SetState changes an issue's state as a human would.
func (s *Server) SetState(n int, state, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, is := range s.Issues {
		if is.Number == n {
			is.State, is.StateReason, is.Updated = state, reason, s.Now()
		}
	}
}

// Recorded returns the recorded requests.
func (s *Server) Recorded() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.Requests)
}

// Inject adds a fault.
func (s *Server) Inject(f *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Count == 0 {
		f.Count = 1
	}
	s.Faults = append(s.Faults, f)
}

// SecondaryLimit is GitHub's secondary-rate-limit 403 body.
const SecondaryLimit = `{"message":"You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.","documentation_url":"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"403"}`

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func msg(w http.ResponseWriter, status int, m, doc string) {
	writeJSON(w, status, map[string]any{"message": m, "documentation_url": "https://docs.github.com/rest" + doc, "status": strconv.Itoa(status)})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.Requests = append(s.Requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"),
		Body: string(body), Accept: r.Header.Get("Accept"), APIVersion: r.Header.Get("X-GitHub-Api-Version")})
	n := len(s.Requests)
	hook := s.OnRequest
	s.mu.Unlock()
	if hook != nil {
		hook(n, r)
	}
	path := r.URL.Path
	if s.Prefix != "" {
		if !strings.HasPrefix(path, s.Prefix+"/") {
			msg(w, 404, "Not Found", "")
			return
		}
		path = strings.TrimPrefix(path, s.Prefix)
	}
	s.mu.Lock()
	var fault *Fault
	for _, f := range s.Faults {
		if f.Count > 0 && (f.Method == "" || f.Method == r.Method) && (f.Path == nil || f.Path.MatchString(path)) {
			f.Count--
			fault = f
			break
		}
	}
	s.mu.Unlock()
	if fault != nil && !fault.Apply {
		s.answerFault(w, fault)
		return
	}
	rec := httptest.NewRecorder()
	s.handle(rec, r, path, body)
	if fault != nil {
		s.answerFault(w, fault)
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

func (s *Server) answerFault(w http.ResponseWriter, f *Fault) {
	if f.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
	}
	for k, v := range f.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(f.Status)
	io.WriteString(w, f.Body)
}

var (
	reIssues   = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/issues$`)
	reIssue    = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/issues/(\d+)$`)
	reComments = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/issues/(\d+)/comments$`)
	reLabels   = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/issues/(\d+)/labels$`)
	reRepo     = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)$`)
	reRepoLbls = regexp.MustCompile(`^/repos/([^/]+)/([^/]+)/labels$`)
)

func (s *Server) handle(w http.ResponseWriter, r *http.Request, path string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	auth := r.Header.Get("Authorization")
	tokStr := strings.TrimPrefix(strings.TrimPrefix(auth, "Bearer "), "token ")
	tok, ok := s.Tokens[tokStr]
	if auth == "" || !ok {
		msg(w, 401, "Bad credentials", "")
		return
	}
	if path == "/user" {
		if tok.App {
			msg(w, 403, "Resource not accessible by integration", "/users/users#get-the-authenticated-user")
			return
		}
		writeJSON(w, 200, map[string]any{"login": tok.Login, "id": 1, "type": "User"})
		return
	}
	if strings.HasPrefix(path, "/search/issues") {
		s.search(w, r)
		return
	}
	repoOK := func(o, rp string) bool { return o == s.Owner && rp == s.Repo }
	if m := reRepo.FindStringSubmatch(path); m != nil && r.Method == "GET" {
		if !repoOK(m[1], m[2]) {
			msg(w, 404, "Not Found", "/repos/repos#get-a-repository")
			return
		}
		writeJSON(w, 200, map[string]any{"id": 1, "name": s.Repo, "full_name": s.Owner + "/" + s.Repo, "has_issues": s.HasIssues,
			"permissions": map[string]bool{"admin": false, "push": tok.Push, "triage": true, "pull": true}})
		return
	}
	for _, re := range []*regexp.Regexp{reIssues, reIssue, reComments, reLabels, reRepoLbls} {
		if m := re.FindStringSubmatch(path); m != nil && !repoOK(m[1], m[2]) {
			msg(w, 404, "Not Found", "")
			return
		}
	}
	if !s.HasIssues && (reIssues.MatchString(path) || reIssue.MatchString(path) || reComments.MatchString(path)) {
		msg(w, 410, "Issues are disabled for this repo", "/issues/issues#create-an-issue")
		return
	}
	now := s.Now()
	switch m := reIssues.FindStringSubmatch(path); {
	case m != nil && r.Method == "GET":
		s.list(w, r)
		return
	case m != nil && r.Method == "POST":
		var req struct {
			Title     *string  `json:"title"`
			Body      *string  `json:"body"`
			Labels    []string `json:"labels"`
			Assignees []string `json:"assignees"`
			Assignee  *string  `json:"assignee"`
		}
		if json.Unmarshal(body, &req) != nil {
			msg(w, 400, "Problems parsing JSON", "")
			return
		}
		if req.Title == nil || *req.Title == "" {
			validation(w, "title", "missing_field", "", nil)
			return
		}
		if req.Body != nil && len([]rune(*req.Body)) > 65536 {
			validation(w, "body", "custom", "body is too long (maximum is 65536 characters)", nil)
			return
		}
		for _, a := range req.Assignees {
			if !slices.Contains(s.Assignable, a) {
				validation(w, "assignees", "invalid", fmt.Sprintf("assignees %s cannot be assigned to this issue", a), []string{a})
				return
			}
		}
		is := &Issue{Number: len(s.Issues) + 1, Title: *req.Title, State: "open", User: tok.Login, Created: now, Updated: now}
		if req.Body != nil {
			is.Body = *req.Body
		}
		if tok.Push {
			for _, l := range req.Labels {
				s.Labels[l] = true // auto-created (#ededed)
			}
			is.Labels = slices.Compact(slices.Clone(req.Labels))
			is.Assignees = req.Assignees
		}
		s.Issues = append(s.Issues, is)
		w.Header().Set("Location", s.URL+s.Prefix+fmt.Sprintf("/repos/%s/%s/issues/%d", s.Owner, s.Repo, is.Number))
		writeJSON(w, 201, s.issueJSON(is))
		return
	}
	if m := reIssue.FindStringSubmatch(path); m != nil {
		is := s.find(m[3])
		if is == nil {
			msg(w, 404, "Not Found", "")
			return
		}
		switch r.Method {
		case "GET":
			writeJSON(w, 200, s.issueJSON(is))
		case "PATCH":
			var req map[string]any
			if json.Unmarshal(body, &req) != nil {
				msg(w, 400, "Problems parsing JSON", "")
				return
			}
			if v, ok := req["body"].(string); ok && len([]rune(v)) > 65536 {
				validation(w, "body", "custom", "body is too long (maximum is 65536 characters)", nil)
				return
			}
			if v, ok := req["state_reason"].(string); ok && !slices.Contains([]string{"completed", "not_planned", "reopened", "duplicate"}, v) {
				validation(w, "state_reason", "invalid", "state_reason is not included in the list", nil)
				return
			}
			if v, ok := req["title"].(string); ok {
				is.Title = v
			}
			if v, ok := req["body"].(string); ok {
				is.Body = v
			}
			if v, ok := req["state"].(string); ok && v != is.State {
				is.State = v
				is.StateReason = "" // "Ignored unless state is changed"
				if v, ok := req["state_reason"].(string); ok {
					is.StateReason = v
				}
			}
			if ls, ok := req["labels"].([]any); ok && tok.Push {
				is.Labels = nil // replaces the whole set
				for _, l := range ls {
					is.Labels = append(is.Labels, fmt.Sprint(l))
				}
			}
			is.Updated = now
			writeJSON(w, 200, s.issueJSON(is))
		default:
			msg(w, 404, "Not Found", "")
		}
		return
	}
	if m := reComments.FindStringSubmatch(path); m != nil {
		is := s.find(m[3])
		if is == nil {
			msg(w, 404, "Not Found", "")
			return
		}
		if r.Method == "POST" {
			var req struct {
				Body *string `json:"body"`
			}
			if json.Unmarshal(body, &req) != nil || req.Body == nil {
				validation(w, "body", "missing_field", "", nil)
				return
			}
			if len([]rune(*req.Body)) > 65536 {
				validation(w, "body", "custom", "body is too long (maximum is 65536 characters)", nil)
				return
			}
			s.nextCID++
			c := Comment{ID: s.nextCID, Body: *req.Body, User: tok.Login}
			is.Comments = append(is.Comments, c)
			is.Updated = now
			writeJSON(w, 201, map[string]any{"id": c.ID, "body": c.Body, "user": map[string]any{"login": c.User}, "html_url": fmt.Sprintf("https://github.com/%s/%s/issues/%d#issuecomment-%d", s.Owner, s.Repo, is.Number, c.ID)})
			return
		}
		items := make([]any, 0, len(is.Comments))
		for _, c := range is.Comments {
			items = append(items, map[string]any{"id": c.ID, "body": c.Body, "user": map[string]any{"login": c.User}})
		}
		s.page(w, r, items)
		return
	}
	if m := reLabels.FindStringSubmatch(path); m != nil && r.Method == "POST" {
		is := s.find(m[3])
		if is == nil {
			msg(w, 404, "Not Found", "")
			return
		}
		var add []string
		var obj struct {
			Labels []string `json:"labels"`
		}
		if json.Unmarshal(body, &obj) != nil || obj.Labels == nil {
			json.Unmarshal(body, &add)
		} else {
			add = obj.Labels
		}
		if tok.Push {
			for _, l := range add {
				s.Labels[l] = true
				if !slices.Contains(is.Labels, l) {
					is.Labels = append(is.Labels, l)
				}
			}
		} else {
			msg(w, 403, "Must have admin rights to Repository.", "")
			return
		}
		var out []any
		for _, l := range is.Labels {
			out = append(out, map[string]any{"name": l, "color": "ededed"})
		}
		writeJSON(w, 200, out)
		return
	}
	if reRepoLbls.MatchString(path) && r.Method == "GET" {
		var names []string
		for l := range s.Labels {
			names = append(names, l)
		}
		slices.Sort(names)
		items := make([]any, len(names))
		for i, l := range names {
			items[i] = map[string]any{"name": l, "color": "ededed"}
		}
		s.page(w, r, items)
		return
	}
	msg(w, 404, "Not Found", "")
}

func validation(w http.ResponseWriter, field, code, m string, value []string) {
	e := map[string]any{"resource": "Issue", "field": field, "code": code}
	if m != "" {
		e["message"] = m
	}
	if value != nil {
		e["value"] = value
	}
	writeJSON(w, 422, map[string]any{"message": "Validation Failed", "errors": []any{e},
		"documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue", "status": "422"})
}

func (s *Server) find(num string) *Issue {
	n, _ := strconv.Atoi(num)
	for _, is := range s.Issues {
		if is.Number == n {
			return is
		}
	}
	return nil
}

func (s *Server) issueJSON(is *Issue) map[string]any {
	labels := []any{}
	for _, l := range is.Labels {
		labels = append(labels, map[string]any{"id": 1, "name": l, "color": "ededed", "default": false, "description": nil})
	}
	as := []any{}
	for _, a := range is.Assignees {
		as = append(as, map[string]any{"login": a})
	}
	m := map[string]any{
		"id": is.Number, "node_id": fmt.Sprintf("I_%d", is.Number), "number": is.Number, "title": is.Title, "body": is.Body,
		"state": is.State, "state_reason": nil, "labels": labels, "assignees": as, "comments": len(is.Comments),
		"html_url":   fmt.Sprintf("https://github.com/%s/%s/issues/%d", s.Owner, s.Repo, is.Number),
		"url":        fmt.Sprintf("%s%s/repos/%s/%s/issues/%d", s.URL, s.Prefix, s.Owner, s.Repo, is.Number),
		"user":       map[string]any{"login": is.User, "id": 1, "type": "User"},
		"created_at": is.Created.UTC().Format(time.RFC3339), "updated_at": is.Updated.UTC().Format(time.RFC3339), "closed_at": nil,
	}
	if is.StateReason != "" {
		m["state_reason"] = is.StateReason
	}
	if is.PR {
		m["pull_request"] = map[string]any{"url": fmt.Sprintf("%s/repos/%s/%s/pulls/%d", s.URL, s.Owner, s.Repo, is.Number)}
		m["html_url"] = fmt.Sprintf("https://github.com/%s/%s/pull/%d", s.Owner, s.Repo, is.Number)
	}
	return m
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open" // the default
	}
	var want []string
	if l := q.Get("labels"); l != "" {
		want = strings.Split(l, ",")
	}
	var since time.Time
	if v := q.Get("since"); v != "" {
		since, _ = time.Parse(time.RFC3339, v)
	}
	var items []any
	for _, is := range s.Issues {
		if state != "all" && is.State != state {
			continue
		}
		if c := q.Get("creator"); c != "" && is.User != c {
			continue
		}
		if !since.IsZero() && is.Updated.Before(since) {
			continue
		}
		all := true
		for _, l := range want {
			if !slices.Contains(is.Labels, l) {
				all = false
			}
		}
		if all {
			items = append(items, s.issueJSON(is))
		}
	}
	s.page(w, r, items)
}

// page writes one page of items with GitHub's single Link header.
func (s *Server) page(w http.ResponseWriter, r *http.Request, items []any) {
	q := r.URL.Query()
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 {
		per = 30
	}
	per = min(per, 100)
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	last := max(1, (len(items)+per-1)/per)
	from := min((page-1)*per, len(items))
	to := min(from+per, len(items))
	link := func(p int, rel string) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(p))
		return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, s.URL, r.URL.Path, v.Encode(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	out := items[from:to]
	if out == nil {
		out = []any{}
	}
	writeJSON(w, 200, out)
}

// search answers /search/issues from an index that lags writes by SearchLag.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	cut := s.Now().Add(-s.SearchLag)
	items := []any{}
	for _, is := range s.Issues {
		if is.Created.After(cut) {
			continue // not indexed yet
		}
		ok := true
		for _, term := range strings.Fields(q) {
			if l, found := strings.CutPrefix(term, "label:"); found && !slices.Contains(is.Labels, strings.Trim(l, `"`)) {
				ok = false
			}
			if term == "is:issue" && is.PR {
				ok = false
			}
		}
		if ok {
			items = append(items, s.issueJSON(is))
		}
	}
	writeJSON(w, 200, map[string]any{"total_count": len(items), "incomplete_results": false, "items": items})
}
