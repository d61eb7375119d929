package engine

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/internal/fakejira"
)

func jiraIssue(j *fakejira.Server, rule string) fakejira.Issue {
	for _, is := range j.Snapshot() {
		if strings.Contains(is.Summary, rule) {
			return is
		}
	}
	return fakejira.Issue{}
}

// The whole lifecycle on Jira Cloud (REST v3, ADF) and Data Center (v2,
// wiki markup): create once, nothing on the second run, close as Done when
// fixed, as Won't Do when suppressed, reopen when back. Cloud's removed
// /rest/api/2/search is never called.
func TestJiraLifecycle(t *testing.T) {
	for _, cloud := range []bool{true, false} {
		name := map[bool]string{true: "cloud", false: "datacenter"}[cloud]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			j := e.withJira(cloud)
			j.ResolutionRequired = !cloud
			e.decide(accept, "G401", "G114", "G204")
			r := e.mustSync()
			if kinds(r.plan)[Create] != 3 || len(j.Snapshot()) != 3 {
				t.Fatalf("plan %v, %d issues", kinds(r.plan), len(j.Snapshot()))
			}
			is := jiraIssue(j, "G401")
			if cloud {
				if _, isDoc := is.Description.(map[string]any); !isDoc {
					t.Fatalf("cloud description is not ADF: %T", is.Description)
				}
			} else if d, _ := is.Description.(string); !strings.Contains(d, "{anchor:secui-begin-secui-g-") || !strings.Contains(d, "{noformat}") {
				t.Fatalf("wiki description:\n%v", is.Description)
			}
			if !strings.Contains(strings.Join(is.Labels, " "), "secui secui-g-") || is.Properties["secui"] == nil || is.Priority != "Medium" && is.Priority != "High" {
				t.Errorf("markers/priority: %v %v %q", is.Labels, is.Properties, is.Priority)
			}
			// Past the search lag, a second run creates nothing.
			e.clk.Advance(3 * time.Minute)
			if r := e.mustSync(); r.plan.Writes() != 0 {
				t.Fatalf("second run %v", kinds(r.plan))
			}
			e.decide(ledger.Request{Action: ledger.ActFixed, Scan: &ledger.ScanEvidence{Scanner: "gosec", Version: "2.30.0", Time: t0}}, "G401")
			e.drop["G401:14"] = true
			e.decide(ledger.Request{Action: ledger.ActSuppress, Reason: ledger.WontFix, Justification: "the subprocess is a fixed admin tool path, not user input"}, "G204")
			r = e.mustSync()
			if c := kinds(r.plan); c[Close] != 2 {
				t.Fatalf("close plan %v", c)
			}
			if is := jiraIssue(j, "G401"); is.Status != "Done" || is.Resolution != "Done" || len(is.Comments) != 1 {
				t.Errorf("fixed: %s/%s %d comments", is.Status, is.Resolution, len(is.Comments))
			}
			if is := jiraIssue(j, "G204"); is.Status != "Done" || is.Resolution != "Won't Do" {
				t.Errorf("suppressed: %s/%s", is.Status, is.Resolution)
			}
			delete(e.drop, "G401:14")
			r = e.mustSync()
			if kinds(r.plan)[Reopen] != 1 || jiraIssue(j, "G401").Status != "To Do" {
				t.Errorf("reopen: %v %s", kinds(r.plan), jiraIssue(j, "G401").Status)
			}
			for _, q := range j.Recorded() {
				if cloud && regexp.MustCompile(`^/rest/api/(2|latest)/search$`).MatchString(q.Path) {
					t.Fatalf("Cloud: called the removed %s", q.Path)
				}
				if !cloud && strings.HasPrefix(q.Path, "/rest/api/3/") {
					t.Fatalf("Data Center: called %s", q.Path)
				}
				if strings.Contains(q.Body, `"author"`) {
					t.Errorf("go-jira's AddComment payload sent: %s", q.Body)
				}
			}
		})
	}
}

// A create Jira applied but answered 502: search lags, so secui neither
// creates again nor gives up; past the lag it finds the issue and records it.
func TestJiraLostCreateWaitsForSearch(t *testing.T) {
	e := newEnv(t)
	j := e.withJira(true)
	e.decide(accept, "G401")
	j.Inject(&fakejira.Fault{Method: "POST", Path: regexp.MustCompile(`/issue$`), Status: 502, Body: `<html>Bad Gateway</html>`, Apply: true})
	r := e.sync(context.Background())
	if r.err != nil || r.res.Outcomes[0].Status != "failed" || !strings.Contains(r.res.Outcomes[0].Msg, "outcome unknown") {
		t.Fatalf("lost create: %v %+v", r.err, r.res.Outcomes[0])
	}
	e.clk.Advance(time.Minute)
	r = e.mustSync()
	if kinds(r.plan)[Skip] != 1 || len(j.Snapshot()) != 1 {
		t.Fatalf("within the lag: %v, %d issues", kinds(r.plan), len(j.Snapshot()))
	}
	e.clk.Advance(5 * time.Minute)
	r = e.mustSync()
	if kinds(r.plan)[Adopt] != 1 || len(j.Snapshot()) != 1 {
		t.Fatalf("after the lag: %v, %d issues", kinds(r.plan), len(j.Snapshot()))
	}
	if ts := e.ledger().Tickets(); len(ts) != 1 || ts[0].ID != "SEC-1" || ts[0].State != ledger.TicketOpen {
		t.Errorf("records %+v", ts[0])
	}
	if r := e.mustSync(); r.plan.Writes() != 0 {
		t.Errorf("then: %v", kinds(r.plan))
	}
}

// Jira's 429 with Retry-After is waited out.
func TestJira429(t *testing.T) {
	e := newEnv(t)
	j := e.withJira(true)
	e.decide(accept, "G401")
	j.Inject(&fakejira.Fault{Method: "POST", Path: regexp.MustCompile(`/issue$`), Status: 429, Header: map[string]string{"Retry-After": "9", "RateLimit-Reason": "jira-burst-based"}, Body: `{"errorMessages":["Rate limit exceeded."],"errors":{}}`})
	if r := e.mustSync(); r.res.Created != 1 || len(j.Snapshot()) != 1 {
		t.Fatalf("created %d", r.res.Created)
	}
	found := false
	for _, d := range e.clk.Sleeps {
		found = found || d == 9*time.Second
	}
	if !found {
		t.Errorf("sleeps %v", e.clk.Sleeps)
	}
}

// A human edit inside the ADF panel: a comment, not a rewrite; outside: kept.
func TestJiraHumanEditADF(t *testing.T) {
	e := newEnv(t)
	j := e.withJira(true)
	e.grouping = ByRule
	e.decide(accept, "G104")
	e.mustSync()
	key := j.Snapshot()[0].Key
	j.EditDescription(key, func(d any) any {
		m := d.(map[string]any)
		m["content"] = append([]any{map[string]any{"type": "paragraph", "content": []any{map[string]any{"type": "text", "text": "Owner: payments team"}}}}, m["content"].([]any)...)
		return m
	})
	e.decide(ledger.Request{Action: ledger.ActFixed, Scan: &ledger.ScanEvidence{Scanner: "gosec", Version: "2.30.0", Time: t0}}, "G104")
	e.drop["G104:17"] = true
	e.clk.Advance(3 * time.Minute)
	r := e.mustSync()
	if kinds(r.plan)[Update] != 1 {
		t.Fatalf("plan %v", kinds(r.plan))
	}
	d, _ := json.Marshal(j.Snapshot()[0].Description)
	if !strings.Contains(string(d), "Owner: payments team") || !strings.Contains(string(d), "[fixed]") {
		t.Fatalf("description %s", d)
	}
}
