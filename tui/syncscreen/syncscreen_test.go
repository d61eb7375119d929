package syncscreen

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/internal/fakegithub"
	"github.com/secui/secui/internal/fakejira"
	"github.com/secui/secui/internal/testutil"
	"github.com/secui/secui/tui/internal/screentest"
	"github.com/secui/secui/tui/screen"
)

const token = "ghp_screenTOKEN_never_shown_77"

var testNow = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// demo is the bundled demo in a fresh git repository, configured for
// GitHub sync (and Jira), with the gitleaks finding and two gosec findings
// accepted. It returns the deps for a fake GitHub.
func demo(t *testing.T, yaml string) (string, Deps, *fakegithub.Server) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "payments")
	testutil.CopyDir(t, filepath.Join(testutil.ModuleRoot(t), "demo"), dir)
	screentest.Write(t, dir, map[string]string{".secui.yaml": yaml})
	screentest.Git(t, dir, "init", "-q", "-b", "main")
	screentest.Git(t, dir, "config", "user.name", "Ann Dev")
	screentest.Git(t, dir, "config", "user.email", "ann@example.com")
	screentest.Git(t, dir, "add", "-A")
	screentest.Git(t, dir, "commit", "-q", "-m", "demo")
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := cfg.Inputs(dir)
	if err != nil {
		t.Fatal(err)
	}
	set, err := findings.Load(context.Background(), paths, findings.Options{Root: dir, Overrides: cfg.Overrides()})
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(dir, cfg.Ledger)
	if err != nil {
		t.Fatal(err)
	}
	var accept []*findings.Finding
	gosec := 0
	for _, f := range set.Findings {
		switch f.ToolName() {
		case "gitleaks":
			accept = append(accept, f)
		case "gosec":
			if gosec < 2 {
				accept = append(accept, f)
				gosec++
			}
		}
	}
	if len(accept) != 3 {
		t.Fatalf("demo: %d findings to accept", len(accept))
	}
	if err := l.Decide(accept, ledger.Request{Action: ledger.ActAccept, Note: "tracked as a ticket", Author: "Ann Dev <ann@example.com>", Now: testNow}); err != nil {
		t.Fatal(err)
	}
	repo, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	fake := fakegithub.New("acme", "payments", "/api/v3")
	t.Cleanup(fake.Close)
	fake.Tokens[token] = fakegithub.Token{Login: "secbot", Push: true}
	env := map[string]string{"GITHUB_TOKEN": token, "GITHUB_API_URL": fake.API()}
	d := Deps{Root: dir, Repo: repo, Config: cfg, Set: set, Ledger: l, Now: func() time.Time { return testNow },
		Getenv: func(k string) string { return env[k] }}
	return dir, d, fake
}

const githubYAML = "trackers:\n  github:\n    repo: acme/payments\n    labels: [security]\n"

func writes(fake *fakegithub.Server) int {
	n := 0
	for _, q := range fake.Recorded() {
		if q.Method != "GET" {
			n++
		}
	}
	return n
}

func planned(t *testing.T, m *Model) *Model {
	t.Helper()
	s, pop := screentest.Loop(t, m, m.Init(), time.Minute, nil)
	if pop != nil {
		t.Fatalf("popped: %+v", pop.Result)
	}
	if m.Err() != nil {
		t.Fatalf("plan: %v", m.Err())
	}
	return s.(*Model)
}

// The plan is shown (three creates, the secret redacted), nothing is sent
// until y; y applies exactly the plan with progress; the result pops.
func TestConfirmThenApply(t *testing.T) {
	_, d, fake := demo(t, githubYAML)
	if got := Configured(d); len(got) != 1 || got[0] != "github" {
		t.Errorf("Configured = %v", got)
	}
	m := New(d, "github")
	m.SetSize(120, 60)
	m = planned(t, m)
	p := m.Plan()
	if p == nil || p.Counts()["create"] != 3 || p.Writes() != 3 {
		t.Fatalf("plan: %+v", p)
	}
	v := m.View()
	screentest.Contains(t, "view", v, "sync github → ", "acme/payments (grouping: finding", "3 create", "Apply 3 change(s) to ", "POST /repos/{owner}/{repo}/issues", "body:")
	if writes(fake) != 0 {
		t.Fatal("planning wrote to the tracker")
	}
	if !m.Capturing() {
		t.Error("the confirmation does not capture keys")
	}
	// the gitleaks ticket: its payload says what was redacted, never the secret
	redacted := false
	for i := range p.Actions {
		m.choose(i)
		all := strings.Join(m.Payload(i), "\n") + m.View()
		if strings.Contains(all, "acme_live_7Hq2Lm9Xv4Tz8Rb1Nc6Wd3Kf5Pg0Ys") {
			t.Fatal("the secret is on screen")
		}
		// a secrets finding's ticket says its value is not included; a
		// snippet holding a known secret shows [redacted N chars]
		if strings.Contains(all, "[redacted ") || strings.Contains(all, "The matched value is not included") {
			redacted = true
		}
	}
	if !redacted {
		t.Error("no payload shows [redacted N chars]")
	}
	if strings.Contains(m.View(), token) {
		t.Fatal("the token is on screen")
	}
	// expanding a payload, moving between tickets
	s, _, _ := screentest.Press(t, m, "enter")
	s, _, _ = screentest.Press(t, s, "k")
	// y applies
	s, cmd := s.Update(screentest.Key("y"))
	s, pop := screentest.Loop(t, s, cmd, time.Minute, nil)
	if pop != nil {
		t.Fatalf("popped while applying: %+v", pop.Result)
	}
	m = s.(*Model)
	if !m.Done() || len(fake.Snapshot()) != 3 {
		t.Fatalf("done %v, %d issues", m.Done(), len(fake.Snapshot()))
	}
	screentest.Contains(t, "progress", strings.Join(m.Progress(), "\n"), "[1/3] create", "[3/3] create", "done")
	screentest.Contains(t, "view", m.View(), "3 done, 0 failed, 0 not run; 3 ticket(s) created")
	for _, q := range fake.Recorded() {
		if strings.Contains(q.Body, "acme_live_7Hq2Lm9Xv4Tz8Rb1Nc6Wd3Kf5Pg0Ys") {
			t.Fatalf("secret sent in %s %s", q.Method, q.Path)
		}
	}
	_, pop, _ = screentest.Press(t, m, "esc")
	r := pop.Result.(ResultMsg)
	if !r.Applied || r.Created != 3 || r.Done != 3 || r.Failed != 0 || r.Stopped || r.Err != nil {
		t.Fatalf("result %+v", r)
	}
	if _, ok := r.Changed(); !ok {
		t.Error("an applied sync says nothing changed")
	}

	// a second sync: nothing to do, nothing created
	m = planned(t, New(d, "github"))
	if m.Plan().Writes() != 0 || m.Plan().Counts()["unchanged"] != 3 {
		t.Fatalf("second plan: %v", Summary(m.Plan()))
	}
	screentest.Contains(t, "view", m.View(), "nothing to send")
}

// n and esc leave without sending anything.
func TestDeclineSendsNothing(t *testing.T) {
	_, d, fake := demo(t, githubYAML)
	for _, k := range []string{"n", "esc"} {
		m := planned(t, New(d, "github"))
		_, pop, _ := screentest.Press(t, m, k)
		if pop == nil {
			t.Fatalf("%s did not pop", k)
		}
		r := pop.Result.(ResultMsg)
		if r.Applied || r.Writes != 3 {
			t.Fatalf("%s: %+v", k, r)
		}
		if _, ok := r.Changed(); ok {
			t.Errorf("%s: declined sync says changed", k)
		}
	}
	if writes(fake) != 0 || len(fake.Snapshot()) != 0 {
		t.Fatalf("%d writes after declining", writes(fake))
	}
}

// ctrl+c while applying stops between requests: the ticket being created
// is finished and recorded, the rest not run; a second sync creates only
// the rest (exactly once).
func TestCtrlCStopsBetweenRequests(t *testing.T) {
	_, d, fake := demo(t, githubYAML)
	m := planned(t, New(d, "github"))
	m.SetSize(200, 40)
	var once sync.Once
	stop := make(chan struct{})
	fake.OnRequest = func(n int, r *http.Request) {
		if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/issues") {
			once.Do(func() { close(stop) })
		}
	}
	s, cmd := m.Update(screentest.Key("y"))
	pressed := false
	s, pop := screentest.Loop(t, s, cmd, time.Minute, func(s screen.Screen, msg tea.Msg) tea.Msg {
		select {
		case <-stop:
			if !pressed {
				pressed = true
				return screentest.Key("ctrl+c")
			}
		default:
		}
		return nil
	})
	if pop != nil {
		t.Fatalf("popped: %+v", pop.Result)
	}
	m = s.(*Model)
	r := m.result()
	if !pressed || !r.Stopped || r.NotRun == 0 || r.Created == 0 || r.Created >= 3 {
		t.Fatalf("pressed %v result %+v", pressed, r)
	}
	if n := len(fake.Snapshot()); n != r.Created {
		t.Fatalf("%d issues, %d created", n, r.Created)
	}
	screentest.Contains(t, "view", m.View(), "stopped: run it again to finish")
	// again: creates only the rest
	d2 := d
	m = planned(t, New(d2, "github"))
	if c := m.Plan().Counts()["create"]; c != 3-r.Created {
		t.Fatalf("second plan creates %d, want %d (%s)", c, 3-r.Created, Summary(m.Plan()))
	}
}

// A bad token: the plan cannot be computed, the reason names the setting;
// the token is not shown.
func TestAuthFailure(t *testing.T) {
	_, d, fake := demo(t, githubYAML)
	d.Getenv = func(k string) string {
		return map[string]string{"GITHUB_TOKEN": "ghp_wrong_token_123", "GITHUB_API_URL": fake.API()}[k]
	}
	m := New(d, "github")
	m.SetSize(60, 20)
	screentest.Loop(t, m, m.Init(), time.Minute, nil)
	if m.Err() == nil {
		t.Fatal("no error with a bad token")
	}
	v := m.View()
	screentest.Contains(t, "view", v, "cannot plan", "GITHUB_TOKEN")
	if strings.Contains(v, "ghp_wrong_token_123") {
		t.Fatal("token shown")
	}
	_, pop, _ := screentest.Press(t, m, "esc")
	if r := pop.Result.(ResultMsg); r.Applied || r.Err == nil {
		t.Fatalf("result %+v", r)
	}
}

// Jira (the fake Jira Cloud): the plan is computed and applied the same way.
func TestJira(t *testing.T) {
	_, d, _ := demo(t, "trackers:\n  jira:\n    project: SEC\n")
	fj := fakejira.New(true, "SEC")
	t.Cleanup(fj.Close)
	fj.Users["bot@example.com"] = "jira-token-xyz"
	d.Getenv = func(k string) string {
		return map[string]string{"JIRA_URL": fj.URL, "JIRA_USER": "bot@example.com", "JIRA_API_TOKEN": "jira-token-xyz", "JIRA_AUTH_TYPE": "basic"}[k]
	}
	if got := Configured(d); len(got) != 1 || got[0] != "jira" {
		t.Errorf("Configured = %v", got)
	}
	m := planned(t, New(d, "jira"))
	if m.Plan().Counts()["create"] != 3 {
		t.Fatalf("plan %s", Summary(m.Plan()))
	}
	s, cmd := m.Update(screentest.Key("y"))
	s, _ = screentest.Loop(t, s, cmd, time.Minute, nil)
	if r := s.(*Model).result(); r.Created != 3 || len(fj.Snapshot()) != 3 {
		t.Fatalf("result %+v, %d issues", r, len(fj.Snapshot()))
	}
}
