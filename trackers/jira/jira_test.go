package jira

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/internal/fakejira"
	"github.com/secui/secui/internal/faketime"
	"github.com/secui/secui/trackers"
	"github.com/secui/secui/trackers/content"
	"github.com/secui/secui/trackers/httpx"
)

const tok = "jira-api-token-0123456789"

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func setup(t *testing.T, cloud bool, mod func(*Config)) (*fakejira.Server, *Client) {
	t.Helper()
	j := fakejira.New(cloud, "SEC")
	t.Cleanup(j.Close)
	clk := faketime.New(t0)
	j.Now = clk.Now
	j.Users["bot@acme.test"] = tok
	j.PATs[tok] = true
	cfg := Config{URL: j.URL, User: "bot@acme.test", Token: tok, Project: "SEC", HTTP: &http.Client{Transport: httpx.New(nil, httpx.JiraPolicy(), clk)}, Now: clk.Now}
	if !cloud {
		cfg.User, cfg.AuthType = "", "bearer"
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Token == tok && cfg.Deployment == "" {
		if err := c.init(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return j, c
}

func nt(c *Client, i int) trackers.NewTicket {
	m := fmt.Sprintf("secui-g-%012d", i)
	body := content.Join(c.Format(), "", content.Wrap(c.Format(), m, content.Doc{content.P(content.T("x"))}), "")
	return trackers.NewTicket{Marker: m, Title: "finding", Body: body, Labels: []string{"secui", m}, Severity: "high"}
}

// Cloud pages /search/jql by nextPageToken; Data Center pages /search by
// startAt with the server's own maxResults cap.
func TestSearchPaginationCloudAndDC(t *testing.T) {
	for _, cloud := range []bool{true, false} {
		j, c := setup(t, cloud, nil)
		ctx := context.Background()
		if _, err := c.Managed(ctx); err != nil { // settles the deployment
			t.Fatal(err)
		}
		for i := range 130 {
			if _, err := c.Create(ctx, nt(c, i)); err != nil {
				t.Fatal(err)
			}
		}
		got, err := c.Managed(ctx)
		if err != nil || len(got) != 130 {
			t.Fatalf("cloud=%v: %d issues, %v", cloud, len(got), err)
		}
		pages := 0
		for _, q := range j.Recorded() {
			if strings.Contains(q.Path, "/search") {
				pages++
				if cloud && (q.Path != "/rest/api/3/search/jql") {
					t.Errorf("cloud searched %s", q.Path)
				}
				if !cloud && q.Path != "/rest/api/2/search" {
					t.Errorf("DC searched %s", q.Path)
				}
			}
		}
		want := map[bool]int{true: 1 + 2, false: 1 + 4}[cloud] // first empty run + pages (100 / 40 per page)
		if pages != want {
			t.Errorf("cloud=%v: %d search requests, want %d", cloud, pages, want)
		}
		if cloud && c.Format() != content.ADF || !cloud && c.Format() != content.JiraWiki {
			t.Errorf("cloud=%v: format %v", cloud, c.Format())
		}
	}
}

// A site taken for Data Center although it is Cloud meets the 410 of the
// removed search, and the message says which setting to fix.
func TestRemovedSearchAnswers410(t *testing.T) {
	_, c := setup(t, true, func(c *Config) { c.Deployment = DataCenter; c.API = 2 })
	_, err := c.Managed(context.Background())
	var te *trackers.Error
	if !errors.As(err, &te) || te.Status != 410 || !strings.Contains(err.Error(), "CHANGE-2046") || !strings.Contains(err.Error(), "trackers.jira.deployment: cloud") {
		t.Fatalf("err = %v", err)
	}
}

func TestErrorsNameTheSetting(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		mod  func(*Config)
		prep func(*fakejira.Server)
		want string
	}{
		{func(c *Config) { c.Token = "wrong" }, nil, "check JIRA_USER and JIRA_API_TOKEN"},
		{func(c *Config) { c.Priorities = map[string]string{"high": "Urgent"} }, nil, "check trackers.jira.priorities"},
		{func(c *Config) { c.Components = []string{"backend"} }, nil, "check trackers.jira.components"},
		{func(c *Config) { c.IssueType = "Bogus" }, nil, "check trackers.jira.issue-type"},
		{func(c *Config) { c.Fields = map[string]any{"customfield_10050": "x"} }, nil, "trackers.jira.fields.customfield_10050"},
	}
	for i, cs := range cases {
		_, c := setup(t, true, cs.mod)
		_, err := c.Create(ctx, nt(c, 1))
		if err == nil || !strings.Contains(err.Error(), cs.want) || strings.Contains(err.Error(), tok) {
			t.Errorf("case %d: %v", i, err)
		}
	}
	// Labels with spaces: the engine joins them; a raw one is refused with the field named.
	_, c := setup(t, false, nil)
	n := nt(c, 2)
	n.Labels = append(n.Labels, "Test Application")
	_, err := c.Create(ctx, n)
	if err == nil || !strings.Contains(err.Error(), "contains spaces") || !strings.Contains(err.Error(), "trackers.jira.labels") {
		t.Errorf("labels: %v", err)
	}
}

// Transitions are found by name; a required resolution is filled in.
func TestTransitions(t *testing.T) {
	j, c := setup(t, false, nil)
	j.ResolutionRequired = true
	ctx := context.Background()
	tk, err := c.Create(ctx, nt(c, 3))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx, tk.ID, trackers.NotPlanned); err != nil {
		t.Fatal(err)
	}
	if is := j.Snapshot()[0]; is.Status != "Done" || is.Resolution != "Won't Do" {
		t.Errorf("not planned: %s %s", is.Status, is.Resolution)
	}
	if err := c.Reopen(ctx, tk.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx, tk.ID, trackers.Completed); err != nil {
		t.Fatal(err)
	}
	if is := j.Snapshot()[0]; is.Status != "Done" || is.Resolution != "Done" {
		t.Errorf("completed: %s %s", is.Status, is.Resolution)
	}
	_, c2 := setup(t, false, func(c *Config) { c.Close = "Ship It" })
	tk, _ = c2.Create(ctx, nt(c2, 4))
	// falls back to a transition into a done status
	if err := c2.Close(ctx, tk.ID, trackers.Completed); err != nil {
		t.Errorf("fallback: %v", err)
	}
}

func TestCheck(t *testing.T) {
	j, c := setup(t, true, nil)
	r, err := c.Check(context.Background())
	if err != nil || !r.OK() {
		t.Fatalf("%v %+v", err, r)
	}
	for _, q := range j.Recorded() {
		if q.Method != "GET" {
			t.Errorf("check sent %s %s", q.Method, q.Path)
		}
	}
	_, c = setup(t, true, func(c *Config) { c.IssueType = "Epic" })
	if r, _ := c.Check(context.Background()); r.OK() {
		t.Error("check passed with a missing issue type")
	}
}
