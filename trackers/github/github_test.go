package github

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/internal/fakegithub"
	"github.com/secui/secui/internal/faketime"
	"github.com/secui/secui/trackers"
	"github.com/secui/secui/trackers/content"
	"github.com/secui/secui/trackers/httpx"
)

const tok = "ghp_testtoken0123456789"

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func setup(t *testing.T, prefix string) (*fakegithub.Server, *Client, *faketime.Clock) {
	t.Helper()
	fake := fakegithub.New("acme", "shop", prefix)
	t.Cleanup(fake.Close)
	clk := faketime.New(t0)
	fake.Now = clk.Now
	fake.Tokens[tok] = fakegithub.Token{Login: "secbot", Push: true}
	c, err := New(Config{Owner: "acme", Repo: "shop", API: fake.API(), Token: tok, CreateLabels: true, Now: clk.Now,
		HTTP: &http.Client{Transport: httpx.New(nil, httpx.GitHubPolicy(), clk)}})
	if err != nil {
		t.Fatal(err)
	}
	return fake, c, clk
}

func marker(i int) string { return "secui-g-00000000000" + string(rune('0'+i)) }

func newTicket(i int) trackers.NewTicket {
	m := marker(i)
	return trackers.NewTicket{Marker: m, Title: "t", Body: content.Wrap(content.Markdown, m, content.Doc{content.P(content.T("x"))}), Labels: []string{"security", trackers.SystemLabel, m}}
}

// Listing pages through Link headers, asks for state=all and skips pull requests.
func TestManagedPaginatesAndSkipsPullRequests(t *testing.T) {
	fake, c, _ := setup(t, "")
	ctx := context.Background()
	for i := range 230 {
		if i%10 == 0 {
			fake.AddPR("pr", trackers.SystemLabel)
		}
		if _, err := c.Create(ctx, newTicket(i%10)); err != nil {
			t.Fatal(err)
		}
	}
	fake.SetState(5, "closed", "not_planned")
	got, err := c.Managed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 230 {
		t.Fatalf("listed %d issues, want 230 (no pull requests, closed included)", len(got))
	}
	pages := 0
	for _, r := range fake.Recorded() {
		if r.Method == "GET" && strings.HasSuffix(r.Path, "/issues") {
			pages++
			if !strings.Contains(r.Query, "state=all") || !strings.Contains(r.Query, "per_page=100") {
				t.Errorf("list query %q", r.Query)
			}
		}
	}
	if pages != 3 {
		t.Errorf("%d list pages, want 3 (253 items / 100)", pages)
	}
}

// GitHub Enterprise Server: the API lives under /api/v3.
func TestEnterpriseServerPrefix(t *testing.T) {
	fake, c, _ := setup(t, "/api/v3")
	tk, err := c.Create(context.Background(), newTicket(1))
	if err != nil || tk.ID != "1" {
		t.Fatalf("create on GHES: %v", err)
	}
	for _, r := range fake.Recorded() {
		if !strings.HasPrefix(r.Path, "/api/v3/") || r.Auth != "Bearer "+tok || r.APIVersion != "2022-11-28" {
			t.Errorf("request %s %s auth set %v version %q", r.Method, r.Path, r.Auth != "", r.APIVersion)
		}
	}
	if !strings.HasPrefix(c.Target(), "127.0.0.1/acme/shop") {
		t.Errorf("target %s", c.Target())
	}
}

// A create applied by GitHub and answered 502 is found by listing, not sent again.
func TestLostCreateIsReconciledByListing(t *testing.T) {
	fake, c, _ := setup(t, "")
	fake.Inject(&fakegithub.Fault{Method: "POST", Path: regexp.MustCompile(`/issues$`), Status: 502, Body: `{"message":"Server Error"}`, Apply: true})
	tk, err := c.Create(context.Background(), newTicket(3))
	if err != nil || tk.ID != "1" {
		t.Fatalf("create: %v %+v", err, tk)
	}
	if n := len(fake.Snapshot()); n != 1 {
		t.Fatalf("%d issues, want 1", n)
	}
	// A dropped connection after the write: the same.
	fake.Inject(&fakegithub.Fault{Method: "POST", Path: regexp.MustCompile(`/issues$`), Apply: true, Drop: true})
	tk, err = c.Create(context.Background(), newTicket(4))
	if err != nil || tk.ID != "2" || len(fake.Snapshot()) != 2 {
		t.Fatalf("dropped connection: %v %+v (%d issues)", err, tk, len(fake.Snapshot()))
	}
	// Not applied and 502: created once, by the retry.
	fake.Inject(&fakegithub.Fault{Method: "POST", Path: regexp.MustCompile(`/issues$`), Status: 502})
	if _, err := c.Create(context.Background(), newTicket(5)); err != nil || len(fake.Snapshot()) != 3 {
		t.Fatalf("unapplied 502: %v (%d issues)", err, len(fake.Snapshot()))
	}
	// A lost comment is found by its ref.
	fake.Inject(&fakegithub.Fault{Method: "POST", Path: regexp.MustCompile(`/comments$`), Status: 502, Apply: true})
	body := content.Comment(content.Markdown, "ref12345", content.Doc{content.P(content.T("hello"))})
	if err := c.Comment(context.Background(), "1", body, "ref12345"); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Issue(1).Comments); n != 1 {
		t.Errorf("%d comments, want 1", n)
	}
}

// Without push access GitHub drops labels silently; the hidden body marker
// still finds the issue.
func TestDroppedLabelsFoundByBodyMarker(t *testing.T) {
	fake, c, _ := setup(t, "")
	fake.Tokens[tok] = fakegithub.Token{Login: "secbot", Push: false}
	tk, err := c.Create(context.Background(), newTicket(7))
	if err != nil || !tk.LabelsDropped {
		t.Fatalf("create: %v dropped=%v", err, tk != nil && tk.LabelsDropped)
	}
	found, err := c.Find(context.Background(), marker(7), t0)
	if err != nil || len(found) != 1 || found[0].ID != tk.ID {
		t.Fatalf("find by body marker: %v %v", err, found)
	}
}

func TestErrorsNameTheSetting(t *testing.T) {
	ctx := context.Background()
	fake, c, _ := setup(t, "")
	cases := []struct {
		prep func()
		want string
		code int
	}{
		{func() { delete(fake.Tokens, tok) }, "check GITHUB_TOKEN / GH_TOKEN", 401},
		{func() { fake.Tokens[tok] = fakegithub.Token{Login: "x", Push: true}; fake.Owner = "other" }, "check trackers.github.repo", 404},
		{func() { fake.Owner = "acme"; fake.HasIssues = false }, "enable Issues", 410},
		{func() {
			fake.HasIssues = true
			fake.Assignable = nil
		}, "", 0},
	}
	for i, cs := range cases[:3] {
		cs.prep()
		_, err := c.Create(ctx, newTicket(1))
		var te *trackers.Error
		if !errors.As(err, &te) || te.Status != cs.code || !strings.Contains(err.Error(), cs.want) {
			t.Errorf("case %d: %v", i, err)
		}
		if strings.Contains(err.Error(), tok) {
			t.Errorf("case %d: the token is in the error", i)
		}
	}
	cases[3].prep()
	// 422 body too long, with the field named.
	nt := newTicket(1)
	nt.Body = strings.Repeat("x", 70000)
	_, err := c.Create(ctx, nt)
	var te *trackers.Error
	if !errors.As(err, &te) || te.Status != 422 || te.Field != "body" || !strings.Contains(err.Error(), "maximum is 65536") {
		t.Errorf("422: %v", err)
	}
	// Non-assignable assignees: created without them.
	nt = newTicket(2)
	nt.Assignees = []string{"ghost"}
	tk, err := c.Create(ctx, nt)
	if err != nil || len(fake.Issue(mustAtoi(tk.ID)).Assignees) != 0 {
		t.Errorf("assignees: %v", err)
	}
}

func mustAtoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestCheckWritesNothing(t *testing.T) {
	fake, c, _ := setup(t, "")
	r, err := c.Check(context.Background())
	if err != nil || !r.OK() {
		t.Fatalf("check: %v %+v", err, r)
	}
	for _, q := range fake.Recorded() {
		if q.Method != "GET" {
			t.Errorf("check sent %s %s", q.Method, q.Path)
		}
	}
	fake.HasIssues = false
	if r, _ := c.Check(context.Background()); r.OK() {
		t.Error("check passed with issues disabled")
	}
}

// create-labels: false sends only labels that exist (and secui's markers).
func TestCreateLabelsOff(t *testing.T) {
	fake, _, clk := setup(t, "")
	c, err := New(Config{Owner: "acme", Repo: "shop", API: fake.API(), Token: tok, CreateLabels: false, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	n := newTicket(1)
	n.Labels = append(n.Labels, "bug")
	tk, err := c.Create(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	is := fake.Issue(mustAtoi(tk.ID))
	if strings.Join(is.Labels, ",") != "secui,"+marker(1)+",bug" {
		t.Errorf("labels %v (security does not exist and must not be created)", is.Labels)
	}
}
