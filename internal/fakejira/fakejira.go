// Package fakejira is an httptest server that behaves like Jira Cloud or
// Jira Data Center as described in ../shared/docs/TRACKERS.md §2: Basic
// (email:token) or Bearer (PAT) auth, Cloud's removed /rest/api/2/search
// answering 410 with the CHANGE-2046 body, /search/jql with nextPageToken
// (no total; default fields id only) on Cloud and /rest/api/2/search with
// startAt/total on Data Center (which has no /search/jql and no REST v3),
// a search index that lags writes, the {"errorMessages","errors"} error
// shape (labels with spaces, ADF required on v3, summary and description
// limits, unknown priority, fields not on the screen), comments (go-jira's
// AddComment payload rejected on Cloud), transitions with a required
// resolution, issue properties, and injected faults (429 + Retry-After, a
// write applied then answered 502).
package fakejira

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Issue is a stored issue.
type Issue struct {
	ID, Key     string
	Summary     string
	Description any // string (v2 / wiki) or ADF map (v3)
	Labels      []string
	Priority    string
	Components  []string
	Status      string // "To Do", "Done"
	Resolution  string
	Created     time.Time
	Comments    []any
	Properties  map[string]any
	Fields      map[string]any
}

// Request is a recorded request.
type Request struct {
	Method, Path, Query, Auth, Body string
}

// Fault is an injected failure (see fakegithub.Fault).
type Fault struct {
	Method string
	Path   *regexp.Regexp
	Count  int
	Status int
	Header map[string]string
	Body   string
	Apply  bool
}

// Server is the fake.
type Server struct {
	*httptest.Server
	Cloud   bool
	Project string

	mu           sync.Mutex
	Users        map[string]string // Cloud basic: email -> API token
	PATs         map[string]bool   // Data Center bearer tokens
	Issues       []*Issue
	Requests     []Request
	Faults       []*Fault
	SearchLag    time.Duration
	Now          func() time.Time
	Priorities   []string
	Components   []string
	CustomFields []string
	IssueTypes   []string
	// ResolutionRequired makes the Done and Won't Do transitions require a
	// resolution field.
	ResolutionRequired bool
	next               int
}

// New starts a fake Jira (Cloud or Data Center) with project key.
func New(cloud bool, project string) *Server {
	s := &Server{Cloud: cloud, Project: project, Users: map[string]string{}, PATs: map[string]bool{}, Now: time.Now,
		Priorities: []string{"Highest", "High", "Medium", "Low", "Lowest"}, IssueTypes: []string{"Bug", "Task"}, next: 10000}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Snapshot returns copies of the issues.
func (s *Server) Snapshot() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Issue
	for _, is := range s.Issues {
		c := *is
		c.Labels = slices.Clone(is.Labels)
		c.Comments = slices.Clone(is.Comments)
		out = append(out, c)
	}
	return out
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

// EditDescription changes an issue's description as a human would.
func (s *Server) EditDescription(key string, f func(any) any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, is := range s.Issues {
		if is.Key == key {
			is.Description = f(is.Description)
		}
	}
}

func jerr(w http.ResponseWriter, status int, msgs []string, errs map[string]string) {
	if msgs == nil {
		msgs = []string{}
	}
	if errs == nil {
		errs = map[string]string{}
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errorMessages": msgs, "errors": errs})
}

func ok(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	if v != nil {
		json.NewEncoder(w).Encode(v)
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.Requests = append(s.Requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"), Body: string(body)})
	var fault *Fault
	for _, f := range s.Faults {
		if f.Count > 0 && (f.Method == "" || f.Method == r.Method) && (f.Path == nil || f.Path.MatchString(r.URL.Path)) {
			f.Count--
			fault = f
			break
		}
	}
	s.mu.Unlock()
	answer := func() {
		for k, v := range fault.Header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(fault.Status)
		io.WriteString(w, fault.Body)
	}
	if fault != nil && !fault.Apply {
		answer()
		return
	}
	rec := httptest.NewRecorder()
	s.handle(rec, r, body)
	if fault != nil {
		answer()
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

func (s *Server) authed(r *http.Request) bool {
	a := r.Header.Get("Authorization")
	if t, found := strings.CutPrefix(a, "Bearer "); found {
		return !s.Cloud && s.PATs[t]
	}
	if b, found := strings.CutPrefix(a, "Basic "); found {
		raw, err := base64.StdEncoding.DecodeString(b)
		if err != nil {
			return false
		}
		u, p, _ := strings.Cut(string(raw), ":")
		return s.Users[u] != "" && s.Users[u] == p
	}
	return false
}

var (
	reIssue      = regexp.MustCompile(`^/rest/api/(2|3)/issue/([A-Z]+-\d+)$`)
	reComment    = regexp.MustCompile(`^/rest/api/(2|3)/issue/([A-Z]+-\d+)/comment$`)
	reTrans      = regexp.MustCompile(`^/rest/api/(2|3)/issue/([A-Z]+-\d+)/transitions$`)
	reProp       = regexp.MustCompile(`^/rest/api/(2|3)/issue/([A-Z]+-\d+)/properties/([^/]+)$`)
	reCreate     = regexp.MustCompile(`^/rest/api/(2|3)/issue$`)
	reSearchJQL  = regexp.MustCompile(`^/rest/api/(2|3)/search/jql$`)
	reSearchOld  = regexp.MustCompile(`^/rest/api/(2|3|latest)/search$`)
	reJQL        = regexp.MustCompile(`^project = "([^"]+)" AND labels = "([^"]+)"(?: ORDER BY key ASC)?$`)
	removedOld   = "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
	statusByName = map[string]string{"To Do": "new", "In Progress": "indeterminate", "Done": "done"}
)

func (s *Server) handle(w http.ResponseWriter, r *http.Request, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := r.URL.Path
	if strings.HasPrefix(p, "/rest/api/3/") && !s.Cloud {
		w.WriteHeader(404) // Data Center has no REST v3 (an HTML page in real life)
		io.WriteString(w, "<html>Not Found</html>")
		return
	}
	if !s.authed(r) {
		w.Header().Set("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
		jerr(w, 401, []string{"You are not authenticated. Authentication required to perform this operation."}, nil)
		return
	}
	api := "2"
	if strings.HasPrefix(p, "/rest/api/3/") {
		api = "3"
	}
	switch {
	case p == "/rest/api/2/serverInfo":
		dt := "DataCenter"
		if s.Cloud {
			dt = "Cloud"
		}
		ok(w, 200, map[string]any{"baseUrl": s.URL, "version": "9.12.0", "deploymentType": dt})
	case p == "/rest/api/2/myself":
		ok(w, 200, map[string]any{"displayName": "Sec Bot", "accountId": "5b10a2844c20165700ede21g", "emailAddress": "bot@acme.test"})
	case p == "/rest/api/2/project/"+s.Project:
		ok(w, 200, map[string]any{"id": "10000", "key": s.Project, "name": "Security"})
	case strings.HasPrefix(p, "/rest/api/2/project/"):
		jerr(w, 404, []string{"No project could be found with key '" + strings.TrimPrefix(p, "/rest/api/2/project/") + "'."}, nil)
	case p == "/rest/api/2/mypermissions":
		perms := map[string]any{}
		for _, k := range strings.Split(r.URL.Query().Get("permissions"), ",") {
			perms[k] = map[string]any{"havePermission": true}
		}
		ok(w, 200, map[string]any{"permissions": perms})
	case p == "/rest/api/2/issue/createmeta/"+s.Project+"/issuetypes":
		var vs []any
		for i, n := range s.IssueTypes {
			vs = append(vs, map[string]any{"id": strconv.Itoa(10001 + i), "name": n})
		}
		ok(w, 200, map[string]any{"values": vs, "total": len(vs)})
	case reSearchOld.MatchString(p):
		if s.Cloud {
			jerr(w, 410, []string{removedOld}, nil)
			return
		}
		s.searchDC(w, r)
	case reSearchJQL.MatchString(p):
		if !s.Cloud {
			w.WriteHeader(404)
			io.WriteString(w, "<html>Not Found</html>")
			return
		}
		s.searchCloud(w, r, api)
	case reCreate.MatchString(p) && r.Method == "POST":
		s.create(w, body, api)
	default:
		if m := reProp.FindStringSubmatch(p); m != nil {
			is := s.find(m[2])
			if is == nil {
				jerr(w, 404, []string{"Issue does not exist or you do not have permission to see it."}, nil)
				return
			}
			if r.Method == "PUT" {
				var v any
				json.Unmarshal(body, &v)
				_, had := is.Properties[m[3]]
				is.Properties[m[3]] = v
				if had {
					ok(w, 200, nil)
				} else {
					ok(w, 201, nil)
				}
				return
			}
			v, had := is.Properties[m[3]]
			if !had {
				jerr(w, 404, []string{"The property was not found."}, nil)
				return
			}
			ok(w, 200, map[string]any{"key": m[3], "value": v})
			return
		}
		if m := reComment.FindStringSubmatch(p); m != nil {
			s.comment(w, r, body, m[2], api)
			return
		}
		if m := reTrans.FindStringSubmatch(p); m != nil {
			s.transitions(w, r, body, m[2])
			return
		}
		if m := reIssue.FindStringSubmatch(p); m != nil {
			is := s.find(m[2])
			if is == nil {
				jerr(w, 404, []string{"Issue does not exist or you do not have permission to see it."}, nil)
				return
			}
			switch r.Method {
			case "GET":
				ok(w, 200, s.issueJSON(is, api, []string{"*all"}))
			case "PUT":
				s.edit(w, body, is, api)
			}
			return
		}
		jerr(w, 404, []string{"null for uri: " + p}, nil)
	}
}

func (s *Server) find(key string) *Issue {
	for _, is := range s.Issues {
		if is.Key == key {
			return is
		}
	}
	return nil
}

func (s *Server) statusCat(is *Issue) string { return statusByName[is.Status] }

// toWire renders a rich text value for the API version asked.
func toWire(v any, api string) any {
	if v == nil {
		return nil
	}
	if api == "3" {
		if str, isStr := v.(string); isStr {
			// v3 always answers ADF
			return map[string]any{"type": "doc", "version": 1, "content": []any{map[string]any{"type": "paragraph", "content": []any{map[string]any{"type": "text", "text": str}}}}}
		}
		return v
	}
	if _, isStr := v.(string); !isStr {
		b, _ := json.Marshal(v) // v2 renders ADF as wiki markup in real life; keep it visible
		return string(b)
	}
	return v
}

func (s *Server) issueJSON(is *Issue, api string, fields []string) map[string]any {
	all := slices.Contains(fields, "*all")
	f := map[string]any{}
	want := func(n string) bool { return all || slices.Contains(fields, n) }
	if want("summary") {
		f["summary"] = is.Summary
	}
	if want("description") {
		f["description"] = toWire(is.Description, api)
	}
	if want("labels") {
		f["labels"] = is.Labels
	}
	if want("status") {
		f["status"] = map[string]any{"name": is.Status, "statusCategory": map[string]any{"key": s.statusCat(is)}}
	}
	if want("resolution") {
		if is.Resolution != "" {
			f["resolution"] = map[string]any{"name": is.Resolution}
		} else {
			f["resolution"] = nil
		}
	}
	if want("updated") {
		f["updated"] = is.Created.Format("2006-01-02T15:04:05.000-0700")
	}
	m := map[string]any{"id": is.ID, "key": is.Key, "self": s.URL + "/rest/api/" + api + "/issue/" + is.ID}
	if len(f) > 0 {
		m["fields"] = f
	}
	return m
}

func (s *Server) match(jql string, reconcile []string) ([]*Issue, bool) {
	m := reJQL.FindStringSubmatch(strings.TrimSpace(jql))
	if m == nil {
		return nil, false
	}
	cut := s.Now().Add(-s.SearchLag)
	var out []*Issue
	for _, is := range s.Issues {
		if m[1] != s.Project || !slices.Contains(is.Labels, m[2]) {
			continue
		}
		if is.Created.After(cut) && !slices.Contains(reconcile, is.ID) {
			continue // not in the search index yet
		}
		out = append(out, is)
	}
	return out, true
}

func (s *Server) searchCloud(w http.ResponseWriter, r *http.Request, api string) {
	q := r.URL.Query()
	jql := q.Get("jql")
	if strings.TrimSpace(jql) == "" {
		jerr(w, 400, []string{"Unbounded JQL queries are not allowed here. Please add a search restriction to your query."}, nil)
		return
	}
	var rec []string
	if v := q.Get("reconcileIssues"); v != "" {
		rec = strings.Split(v, ",")
	}
	hits, good := s.match(jql, rec)
	if !good {
		jerr(w, 400, []string{"Error in the JQL Query: " + jql}, nil)
		return
	}
	max := 50
	if v, err := strconv.Atoi(q.Get("maxResults")); err == nil && v > 0 {
		max = min(v, 100)
	}
	start := 0
	if t := q.Get("nextPageToken"); t != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(t, "tok-"))
		if err != nil {
			jerr(w, 400, []string{"Invalid nextPageToken"}, nil)
			return
		}
		start = n
	}
	fields := []string{"id"}
	if f := q.Get("fields"); f != "" {
		fields = strings.Split(f, ",")
	}
	end := min(start+max, len(hits))
	items := []any{}
	for _, is := range hits[start:end] {
		items = append(items, s.issueJSON(is, api, fields))
	}
	resp := map[string]any{"issues": items, "isLast": end >= len(hits)}
	if end < len(hits) {
		resp["nextPageToken"] = fmt.Sprintf("tok-%d", end)
	}
	ok(w, 200, resp)
}

func (s *Server) searchDC(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	hits, good := s.match(q.Get("jql"), nil)
	if !good {
		jerr(w, 400, []string{"Error in the JQL Query"}, nil)
		return
	}
	max := 50
	if v, err := strconv.Atoi(q.Get("maxResults")); err == nil && v > 0 {
		max = min(v, 40) // the server caps maxResults; clients must follow it
	}
	start, _ := strconv.Atoi(q.Get("startAt"))
	start = min(max0(start), len(hits))
	end := min(start+max, len(hits))
	fields := []string{"*navigable"}
	if f := q.Get("fields"); f != "" {
		fields = strings.Split(f, ",")
	}
	items := []any{}
	for _, is := range hits[start:end] {
		items = append(items, s.issueJSON(is, "2", fields))
	}
	ok(w, 200, map[string]any{"expand": "schema,names", "startAt": start, "maxResults": max, "total": len(hits), "issues": items})
}

func max0(n int) int { return max(n, 0) }

func isADF(v any) bool {
	m, okm := v.(map[string]any)
	return okm && m["type"] == "doc"
}

func textLen(v any) int {
	switch x := v.(type) {
	case string:
		return len([]rune(x))
	default:
		b, _ := json.Marshal(x)
		return len([]rune(string(b)))
	}
}

// validate checks create/edit fields; it returns the errors map.
func (s *Server) validate(f map[string]any, api string, creating bool) map[string]string {
	errs := map[string]string{}
	if creating {
		if pr, _ := f["project"].(map[string]any); pr == nil || pr["key"] != s.Project {
			errs["project"] = "valid project is required"
		}
		if it, _ := f["issuetype"].(map[string]any); it == nil || !slices.Contains(s.IssueTypes, fmt.Sprint(it["name"])) {
			errs["issuetype"] = "The issue type selected is invalid."
		}
		if sm, _ := f["summary"].(string); sm == "" {
			errs["summary"] = "You must specify a summary of the issue."
		}
	}
	if sm, has := f["summary"].(string); has {
		if strings.ContainsAny(sm, "\r\n") {
			errs["summary"] = "The summary is invalid because it contains newline characters."
		} else if len([]rune(sm)) > 255 {
			errs["summary"] = "Summary must be less than 255 characters."
		}
	}
	if d, has := f["description"]; has && d != nil {
		if api == "3" && !isADF(d) {
			errs["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
		} else if api == "2" && isADF(d) {
			errs["description"] = "Operation value must be a string"
		} else if textLen(d) > 32767 {
			errs["description"] = "The entered text is too long. It exceeds the allowed limit of 32,767 characters."
		}
	}
	if ls, has := f["labels"].([]any); has {
		for _, l := range ls {
			if strings.ContainsAny(fmt.Sprint(l), " \t") {
				errs["labels"] = fmt.Sprintf("The label '%s' contains spaces which is invalid.", l)
			}
		}
	}
	if pr, has := f["priority"].(map[string]any); has && !slices.Contains(s.Priorities, fmt.Sprint(pr["name"])) {
		errs["priority"] = "Specify the Priority (name) in the string format"
	}
	if cs, has := f["components"].([]any); has {
		for _, c := range cs {
			if m, _ := c.(map[string]any); m == nil || !slices.Contains(s.Components, fmt.Sprint(m["name"])) {
				errs["components"] = fmt.Sprintf("Component name '%v' is not valid", m["name"])
			}
		}
	}
	for k := range f {
		if strings.HasPrefix(k, "customfield_") && !slices.Contains(s.CustomFields, k) {
			errs[k] = fmt.Sprintf("Field '%s' cannot be set. It is not on the appropriate screen, or unknown.", k)
		}
	}
	return errs
}

func (s *Server) create(w http.ResponseWriter, body []byte, api string) {
	var req struct {
		Fields map[string]any `json:"fields"`
	}
	if json.Unmarshal(body, &req) != nil || req.Fields == nil {
		jerr(w, 400, []string{"Invalid request payload. Refer to the REST API documentation and try again."}, nil)
		return
	}
	if errs := s.validate(req.Fields, api, true); len(errs) > 0 {
		jerr(w, 400, nil, errs)
		return
	}
	s.next++
	is := &Issue{ID: strconv.Itoa(s.next), Key: fmt.Sprintf("%s-%d", s.Project, len(s.Issues)+1), Summary: req.Fields["summary"].(string),
		Description: req.Fields["description"], Status: "To Do", Created: s.Now(), Properties: map[string]any{}, Fields: map[string]any{}}
	if ls, has := req.Fields["labels"].([]any); has {
		for _, l := range ls {
			is.Labels = append(is.Labels, fmt.Sprint(l))
		}
	}
	if pr, has := req.Fields["priority"].(map[string]any); has {
		is.Priority = fmt.Sprint(pr["name"])
	}
	for k, v := range req.Fields {
		if strings.HasPrefix(k, "customfield_") {
			is.Fields[k] = v
		}
	}
	s.Issues = append(s.Issues, is)
	ok(w, 201, map[string]any{"id": is.ID, "key": is.Key, "self": s.URL + "/rest/api/" + api + "/issue/" + is.ID})
}

func (s *Server) edit(w http.ResponseWriter, body []byte, is *Issue, api string) {
	var req struct {
		Fields map[string]any              `json:"fields"`
		Update map[string][]map[string]any `json:"update"`
	}
	if json.Unmarshal(body, &req) != nil {
		jerr(w, 400, []string{"Invalid request payload. Refer to the REST API documentation and try again."}, nil)
		return
	}
	if errs := s.validate(req.Fields, api, false); len(errs) > 0 {
		jerr(w, 400, nil, errs)
		return
	}
	if v, has := req.Fields["summary"].(string); has {
		is.Summary = v
	}
	if v, has := req.Fields["description"]; has {
		is.Description = v
	}
	for _, op := range req.Update["labels"] {
		if l, has := op["add"]; has {
			ls := fmt.Sprint(l)
			if strings.ContainsAny(ls, " \t") {
				jerr(w, 400, nil, map[string]string{"labels": fmt.Sprintf("The label '%s' contains spaces which is invalid.", ls)})
				return
			}
			if !slices.Contains(is.Labels, ls) {
				is.Labels = append(is.Labels, ls)
			}
		}
		if l, has := op["remove"]; has {
			is.Labels = slices.DeleteFunc(is.Labels, func(x string) bool { return x == fmt.Sprint(l) })
		}
	}
	w.WriteHeader(204)
}

func (s *Server) comment(w http.ResponseWriter, r *http.Request, body []byte, key, api string) {
	is := s.find(key)
	if is == nil {
		jerr(w, 404, []string{"Issue does not exist or you do not have permission to see it."}, nil)
		return
	}
	if r.Method == "GET" {
		q := r.URL.Query()
		start, _ := strconv.Atoi(q.Get("startAt"))
		max := 50
		if v, err := strconv.Atoi(q.Get("maxResults")); err == nil && v > 0 {
			max = min(v, 50)
		}
		start = min(max0(start), len(is.Comments))
		end := min(start+max, len(is.Comments))
		items := []any{}
		for i, c := range is.Comments[start:end] {
			items = append(items, map[string]any{"id": strconv.Itoa(start + i + 1), "body": toWire(c, api)})
		}
		ok(w, 200, map[string]any{"startAt": start, "maxResults": max, "total": len(is.Comments), "comments": items})
		return
	}
	var req map[string]any
	if json.Unmarshal(body, &req) != nil {
		jerr(w, 400, []string{"Invalid request payload. Refer to the REST API documentation and try again."}, nil)
		return
	}
	if s.Cloud {
		for _, k := range []string{"author", "updateAuthor"} {
			if _, bad := req[k]; bad {
				jerr(w, 400, []string{"Invalid request payload. Refer to the REST API documentation and try again."}, nil)
				return
			}
		}
		if v, has := req["visibility"].(map[string]any); has && len(v) == 0 {
			jerr(w, 400, []string{"Invalid request payload. Refer to the REST API documentation and try again."}, nil)
			return
		}
	}
	b := req["body"]
	if api == "3" && !isADF(b) {
		jerr(w, 400, nil, map[string]string{"comment": "Comment body must be an Atlassian Document"})
		return
	}
	if textLen(b) > 32767 {
		jerr(w, 400, nil, map[string]string{"comment": "The entered text is too long. It exceeds the allowed limit of 32,767 characters."})
		return
	}
	is.Comments = append(is.Comments, b)
	ok(w, 201, map[string]any{"id": strconv.Itoa(len(is.Comments)), "body": b, "created": s.Now().Format("2006-01-02T15:04:05.000-0700")})
}

type trans struct{ id, name, to string }

func (s *Server) available(is *Issue) []trans {
	if s.statusCat(is) == "done" {
		return []trans{{"11", "Reopen", "To Do"}}
	}
	return []trans{{"21", "Start Progress", "In Progress"}, {"31", "Done", "Done"}, {"41", "Won't Do", "Done"}}
}

func (s *Server) transitions(w http.ResponseWriter, r *http.Request, body []byte, key string) {
	is := s.find(key)
	if is == nil {
		jerr(w, 404, []string{"Issue does not exist or you do not have permission to see it."}, nil)
		return
	}
	av := s.available(is)
	if r.Method == "GET" {
		var out []any
		for _, t := range av {
			fields := map[string]any{}
			if s.ResolutionRequired && t.to == "Done" {
				fields["resolution"] = map[string]any{"required": true, "name": "Resolution",
					"allowedValues": []any{map[string]any{"id": "1", "name": "Done"}, map[string]any{"id": "2", "name": "Won't Do"}, map[string]any{"id": "3", "name": "Duplicate"}}}
			}
			out = append(out, map[string]any{"id": t.id, "name": t.name, "hasScreen": false, "isGlobal": true,
				"to": map[string]any{"id": "1000" + t.id, "name": t.to, "statusCategory": map[string]any{"key": statusByName[t.to]}}, "fields": fields})
		}
		ok(w, 200, map[string]any{"expand": "transitions", "transitions": out})
		return
	}
	var req struct {
		Transition struct {
			ID string `json:"id"`
		} `json:"transition"`
		Fields map[string]map[string]any `json:"fields"`
	}
	json.Unmarshal(body, &req)
	for _, t := range av {
		if t.id != req.Transition.ID {
			continue
		}
		res := ""
		if rf, has := req.Fields["resolution"]; has {
			res = fmt.Sprint(rf["name"])
		}
		if s.ResolutionRequired && t.to == "Done" && res == "" {
			jerr(w, 400, nil, map[string]string{"resolution": "Resolution is required."})
			return
		}
		if t.to == "Done" && res == "" {
			res = map[string]string{"31": "Done", "41": "Won't Do"}[t.id]
		}
		is.Status = t.to
		is.Resolution = res
		if t.to != "Done" {
			is.Resolution = ""
		}
		w.WriteHeader(204)
		return
	}
	jerr(w, 400, []string{fmt.Sprintf("Transition id '%s' is not valid for this issue.", req.Transition.ID)}, nil)
}
