package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/internal/fakegithub"
)

var accept = ledger.Request{Action: ledger.ActAccept, Note: "real, fix this sprint"}

// The first sync creates one issue per accepted finding; a second sync
// creates nothing and changes nothing.
func TestSecondSyncCreatesNothing(t *testing.T) {
	e := newEnv(t)
	e.decide(accept, "G401", "G204", "G114")
	r := e.mustSync()
	if c := kinds(r.plan); c[Create] != 3 || r.res.Created != 3 {
		t.Fatalf("first plan %v, created %d", c, r.res.Created)
	}
	is := e.fake.Snapshot()
	if len(is) != 3 {
		t.Fatalf("%d issues", len(is))
	}
	for _, i := range is {
		if !strings.Contains(i.Body, "<!-- secui:begin secui-g-") || !strings.Contains(strings.Join(i.Labels, ","), "security,secui,secui-g-") {
			t.Errorf("issue %d lacks its markers: %v\n%s", i.Number, i.Labels, i.Body)
		}
	}
	writes := len(e.fake.Recorded())
	ledgerBefore := readFile(t, e.ledger().Path())
	e.clk.Advance(time.Hour)
	r = e.mustSync()
	if readFile(t, e.ledger().Path()) != ledgerBefore {
		t.Error("a sync with nothing to do rewrote the ledger")
	}
	if c := kinds(r.plan); c[Unchanged] != 3 || r.plan.Writes() != 0 {
		t.Fatalf("second plan %v", c)
	}
	for _, q := range e.fake.Recorded()[writes:] {
		if q.Method != "GET" {
			t.Errorf("second sync sent %s %s", q.Method, q.Path)
		}
		if strings.HasPrefix(q.Path, "/search/") {
			t.Errorf("sync used the lagging search API: %s", q.Path)
		}
	}
	l := e.ledger()
	if ts := l.Tickets(); len(ts) != 3 || ts[0].ID == "" || ts[0].State != ledger.TicketOpen {
		t.Errorf("ledger records %+v", ts)
	}
}

// Kill the sync at request k (before it is sent, and after the tracker
// applied it but before the answer arrives), for every k; re-run until
// nothing is left: every group has exactly one issue, no comment twice.
func TestKilledAtAnyRequestNoDuplicates(t *testing.T) {
	scenario := func(t *testing.T) *env {
		e := newEnv(t)
		e.decide(accept, "G401")
		e.mustSync()
		// Changes for the run under test: two new acceptances (creates),
		// G401 fixed (comment + close), and a suppression of nothing ticketed.
		e.decide(accept, "G204", "G104")
		e.decide(ledger.Request{Action: ledger.ActFixed, Scan: &ledger.ScanEvidence{Scanner: "gosec", Version: "2.30.0", Commit: "abc", Time: t0}}, "G401")
		e.drop["G401:14"] = true
		return e
	}
	probe := scenario(t)
	before := int(probe.reqs.Load())
	probe.mustSync()
	total := int(probe.reqs.Load()) - before
	if total < 8 {
		t.Fatalf("only %d requests in the run", total)
	}
	want := probe.issuesByMarker()
	for k := 1; k <= total; k++ {
		for _, applied := range []bool{false, true} {
			t.Run(fmt.Sprintf("k=%d/applied=%v", k, applied), func(t *testing.T) {
				e := scenario(t)
				e.killAt, e.applied = int(e.reqs.Load())+k, applied
				e.sync(context.Background()) // killed somewhere
				if !e.killed.Load() {
					t.Fatalf("not killed at request %d", k)
				}
				e.killAt = 0
				e.killed.Store(false)
				for run := 0; ; run++ {
					e.clk.Advance(time.Minute)
					r := e.mustSync()
					if r.plan.Writes() == 0 {
						break
					}
					if run == 3 {
						t.Fatalf("still writing after %d re-runs: %v", run, kinds(r.plan))
					}
				}
				got := e.issuesByMarker()
				if len(got) != len(want) {
					t.Fatalf("groups %v, want %v", got, want)
				}
				for m, ns := range got {
					if len(ns) != 1 {
						t.Errorf("group %s has issues %v", m, ns)
					}
				}
				for _, is := range e.fake.Snapshot() {
					seen := map[string]bool{}
					for _, c := range is.Comments {
						if seen[c.Body] {
							t.Errorf("issue %d: the same comment twice", is.Number)
						}
						seen[c.Body] = true
					}
					if strings.Contains(is.Title, "G401") && is.State != "closed" {
						t.Errorf("fixed G401 issue not closed")
					}
				}
			})
		}
	}
}

// Two syncs planning at once, applying concurrently with separate Ledger
// instances on one ledger file: one issue per group.
func TestConcurrentSyncsCreateOnePerGroup(t *testing.T) {
	e := newEnv(t)
	e.decide(accept, "G401", "G204", "G114", "G104", "G501")
	a, b := e.plan(context.Background()), e.plan(context.Background())
	if a.err != nil || b.err != nil || kinds(a.plan)[Create] != 6 || kinds(b.plan)[Create] != 6 {
		t.Fatalf("plans: %v %v", a.err, b.err)
	}
	var wg sync.WaitGroup
	for _, r := range []*syncRun{&a, &b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.res, r.err = Apply(context.Background(), r.opts, r.plan)
		}()
	}
	wg.Wait()
	if a.err != nil || b.err != nil {
		t.Fatal(a.err, b.err)
	}
	for m, ns := range e.issuesByMarker() {
		if len(ns) != 1 {
			t.Errorf("group %s: issues %v", m, ns)
		}
	}
	if n := len(e.fake.Snapshot()); n != 6 {
		t.Errorf("%d issues, want 6", n)
	}
	if got := a.res.Created + b.res.Created; got != 6 {
		t.Errorf("created %d+%d", a.res.Created, b.res.Created)
	}
}

func issueWith(e *env, rule string) fakegithub.Issue {
	for _, is := range e.fake.Snapshot() {
		if strings.Contains(is.Title, rule) {
			return is
		}
	}
	return fakegithub.Issue{}
}

// fixed → comment with the evidence and close as completed; back → reopen
// with a comment; suppressed → comment with the justification and close as
// not planned.
func TestLifecycle(t *testing.T) {
	e := newEnv(t)
	e.decide(accept, "G401", "G114")
	e.mustSync()

	e.clk.Advance(time.Hour)
	e.decide(ledger.Request{Action: ledger.ActFixed, Scan: &ledger.ScanEvidence{Scanner: "gosec", Version: "2.30.0", Commit: "fedcba9876543210", Time: e.clk.Now()}}, "G401")
	e.drop["G401:14"] = true
	r := e.mustSync()
	if kinds(r.plan)[Close] != 1 {
		t.Fatalf("plan %v", kinds(r.plan))
	}
	is := issueWith(e, "G401")
	if is.State != "closed" || is.StateReason != "completed" || len(is.Comments) != 1 || !strings.Contains(is.Comments[0].Body, `\[fixed\]`) {
		t.Fatalf("fixed issue: %s/%s %+v", is.State, is.StateReason, is.Comments)
	}
	// The scan evidence is quoted when the ledger keeps it (schema v2).
	for _, d := range e.ledger().Decisions() {
		if d.Extra().Scan != nil && !strings.Contains(is.Comments[0].Body, "gone from a successful gosec 2.30.0 run at commit fedcba987654") {
			t.Errorf("closing comment lacks the scan evidence:\n%s", is.Comments[0].Body)
		}
	}

	// It comes back.
	e.clk.Advance(time.Hour)
	delete(e.drop, "G401:14")
	r = e.mustSync()
	if kinds(r.plan)[Reopen] != 1 {
		t.Fatalf("plan %v", kinds(r.plan))
	}
	is = issueWith(e, "G401")
	if is.State != "open" || len(is.Comments) != 2 || !strings.Contains(is.Comments[1].Body, "is back") {
		t.Fatalf("returned issue: %s %+v", is.State, is.Comments)
	}
	if r := e.mustSync(); r.plan.Writes() != 0 {
		t.Errorf("after the reopen: %v", kinds(r.plan))
	}

	// Suppressed after its ticket exists.
	e.decide(ledger.Request{Action: ledger.ActSuppress, Reason: ledger.AcceptedRisk, Justification: "the server only listens on the loopback interface in production"}, "G114")
	r = e.mustSync()
	is = issueWith(e, "G114")
	if kinds(r.plan)[Close] != 1 || is.State != "closed" || is.StateReason != "not_planned" ||
		!strings.Contains(is.Comments[len(is.Comments)-1].Body, "only listens on the loopback interface") {
		t.Fatalf("suppressed: %v %s/%s %+v", kinds(r.plan), is.State, is.StateReason, is.Comments)
	}
	if r := e.mustSync(); r.plan.Writes() != 0 {
		t.Errorf("after the close: %v", kinds(r.plan))
	}
	l := e.ledger()
	for _, tk := range l.Tickets() {
		if tk.State != ledger.TicketClosed && strings.Contains(tk.Key, "G114") {
			t.Errorf("record %+v", tk)
		}
	}
}

// A closed ticket is left closed when someone closed it by hand.
func TestHumanCloseIsRespected(t *testing.T) {
	e := newEnv(t)
	e.decide(accept, "G401")
	e.mustSync()
	e.fake.SetState(1, "closed", "not_planned")
	r := e.mustSync()
	if r.plan.Writes() != 0 || issueWith(e, "G401").State != "closed" {
		t.Errorf("plan %v", kinds(r.plan))
	}
}

// Human text outside the fence survives an update; an edit inside the
// fence turns the update into a comment.
func TestHumanEdits(t *testing.T) {
	e := newEnv(t)
	e.grouping = ByRule
	e.decide(accept, "G104")
	e.mustSync()
	e.fake.EditBody(1, func(b string) string {
		return "Owner: team payments. Planned for sprint 12.\n\n" + b + "\n\nSee also the runbook."
	})
	// A new finding joins the rule's group: the body must change.
	e.decide(accept, "G104")
	// make the group content change: mark one G104 fixed
	e.decide(ledger.Request{Action: ledger.ActFixed, Scan: &ledger.ScanEvidence{Scanner: "gosec", Version: "2.30.0", Time: t0}}, "G104")
	e.drop["G104:17"] = true
	r := e.mustSync()
	if kinds(r.plan)[Update] != 1 {
		t.Fatalf("plan %v (%s)", kinds(r.plan), r.plan.Actions[0].Why)
	}
	b := e.fake.Issue(1).Body
	if !strings.HasPrefix(b, "Owner: team payments. Planned for sprint 12.\r\n\r\n") || !strings.HasSuffix(b, "\r\n\r\nSee also the runbook.") || !strings.Contains(b, `\[fixed\]`) {
		t.Fatalf("human text lost or no update:\n%q", b)
	}
	// Now a human edits inside the fence.
	e.fake.EditBody(1, func(b string) string {
		return strings.Replace(b, "still present", "still present (Ann: WIP in #42)", 1)
	})
	edited := e.fake.Issue(1).Body
	delete(e.drop, "G104:17")
	e.decide(accept, "G104")
	r = e.mustSync()
	if kinds(r.plan)[Reopen]+kinds(r.plan)[Comment] == 0 {
		t.Fatalf("plan %v", kinds(r.plan))
	}
	if e.fake.Issue(1).Body != edited {
		t.Error("secui rewrote a body edited inside its section")
	}
	cs := e.fake.Issue(1).Comments
	if len(cs) == 0 || !strings.Contains(cs[len(cs)-1].Body+cs[0].Body, "secui") {
		t.Errorf("no comment: %+v", cs)
	}
	if r := e.mustSync(); r.plan.Writes() != 0 {
		t.Errorf("comment repeated: %v", kinds(r.plan))
	}
}

// Grouping per rule: one ticket lists its findings; it closes when all are
// fixed; regrouping to per-finding later does not orphan it.
func TestGroupingAndRegrouping(t *testing.T) {
	e := newEnv(t)
	e.grouping = ByRule
	e.decide(accept, "G104")
	r := e.mustSync()
	if kinds(r.plan)[Create] != 1 || len(r.plan.Actions[0].Findings) != 2 {
		t.Fatalf("plan %v %+v", kinds(r.plan), r.plan.Actions[0].Findings)
	}
	if b := e.fake.Issue(1).Body; strings.Count(b, `\[open\]`) != 2 {
		t.Errorf("group body does not list both findings:\n%s", b)
	}
	e.grouping = ByFinding
	e.decide(accept, "G401")
	r = e.mustSync()
	if c := kinds(r.plan); c[Create] != 1 || c[Unchanged] != 1 {
		t.Fatalf("regrouped plan %v", c)
	}
	e.decide(ledger.Request{Action: ledger.ActFixed, Scan: &ledger.ScanEvidence{Scanner: "gosec", Version: "2.30.0", Time: t0}}, "G104")
	e.drop["G104:17"], e.drop["G104:18"] = true, true
	r = e.mustSync()
	if is := e.fake.Issue(1); is.State != "closed" || is.StateReason != "completed" {
		t.Errorf("group ticket after all fixed: %s %s (%v)", is.State, is.StateReason, kinds(r.plan))
	}
}

// A finding not in the scan but not proven fixed closes nothing.
func TestNotSeenIsNotFixed(t *testing.T) {
	e := newEnv(t)
	e.decide(accept, "G401")
	e.mustSync()
	e.drop["G401:14"] = true
	r := e.mustSync()
	if r.plan.Writes() != 0 || issueWith(e, "G401").State != "open" {
		t.Errorf("closed on absence: %v", kinds(r.plan))
	}
}

// GitHub's secondary limit and 429 are waited out on the fake clock, with
// no duplicate.
func TestRateLimitsArePaced(t *testing.T) {
	e := newEnv(t)
	e.decide(accept, "G401", "G204", "G114")
	e.fake.Inject(&fakegithub.Fault{Method: "POST", Path: regexp.MustCompile(`/issues$`), Status: 403, Body: fakegithub.SecondaryLimit})
	e.fake.Inject(&fakegithub.Fault{Method: "POST", Path: regexp.MustCompile(`/issues$`), Status: 429, Header: map[string]string{"Retry-After": "17"}, Body: `{"message":"slow down"}`})
	r := e.mustSync()
	if r.res.Created != 3 || len(e.fake.Snapshot()) != 3 {
		t.Fatalf("created %d", r.res.Created)
	}
	var waited []time.Duration
	for _, d := range e.clk.Sleeps {
		if d >= 10*time.Second {
			waited = append(waited, d)
		}
	}
	if len(waited) != 2 || waited[0] != time.Minute || waited[1] != 17*time.Second {
		t.Errorf("waits %v, want [1m 17s]", waited)
	}
}

// A real gitleaks log (the corpus): its secrets reach no request, the plan
// shows [redacted N chars].
func TestGitleaksSecretIsNeverSent(t *testing.T) {
	e := newEnv(t)
	e.files = append(e.files, corpusGitleaks(t))
	set := e.load()
	var secretFs []*findings.Finding
	for _, f := range set.Findings {
		if f.Category == findings.CatSecrets {
			secretFs = append(secretFs, f)
		}
	}
	if len(secretFs) == 0 {
		t.Fatal("no secrets findings")
	}
	if err := e.ledger().Decide(secretFs, ledger.Request{Action: ledger.ActAccept, Note: "tracked as a ticket, fix in the next sprint", Author: "A <a@x>", Now: t0}); err != nil {
		t.Fatal(err)
	}
	r := e.mustSync()
	if r.res.Created == 0 {
		t.Fatalf("nothing created: %v", kinds(r.plan))
	}
	pj, _ := json.Marshal(r.plan)
	for _, v := range []string{"AKIAIOSFODNN7EXAMPLE", "raw_source_code_extract"} {
		for _, q := range e.fake.Recorded() {
			if strings.Contains(q.Body, v) || strings.Contains(q.Query, v) {
				t.Fatalf("%s sent in %s %s", v[:6], q.Method, q.Path)
			}
		}
		if strings.Contains(string(pj), v) {
			t.Errorf("plan shows %s", v[:6])
		}
	}
	if !strings.Contains(string(pj), "[redacted ") && !strings.Contains(string(pj), "not included") {
		t.Errorf("plan shows no redaction")
	}
}

// The token reaches the service's Authorization header and nothing else:
// not the ledger, not the plan, not errors.
func TestTokenIsNeverWritten(t *testing.T) {
	e := newEnv(t)
	e.decide(accept, "G401")
	r := e.mustSync()
	pj, _ := json.Marshal(r.plan)
	rj, _ := json.Marshal(r.res)
	led := readFile(t, e.ledger().Path())
	for what, s := range map[string]string{"plan": string(pj), "result": string(rj), "ledger": led} {
		if strings.Contains(s, token) {
			t.Errorf("token in the %s", what)
		}
	}
	delete(e.fake.Tokens, token)
	r = e.sync(context.Background())
	if r.err == nil || strings.Contains(r.err.Error(), token) || !strings.Contains(r.err.Error(), "GITHUB_TOKEN") {
		t.Errorf("401: %v", r.err)
	}
}

// ctrl+c between requests: the request on the wire finishes and is
// recorded, the rest is not run, and a re-run finishes without duplicates.
func TestCancelStopsBetweenRequests(t *testing.T) {
	e := newEnv(t)
	e.decide(accept, "G401", "G204", "G114")
	ctx, cancel := context.WithCancel(context.Background())
	r := e.plan(ctx)
	posts := 0
	e.fake.OnRequest = func(n int, q *http.Request) {
		if q.Method == "POST" && strings.HasSuffix(q.URL.Path, "/issues") {
			posts++
			if posts == 2 {
				cancel() // ctrl+c while the 2nd create is on the wire
			}
		}
	}
	res, err := Apply(ctx, r.opts, r.plan)
	e.fake.OnRequest = nil
	if err != nil || !res.Stopped {
		t.Fatalf("apply: %v stopped=%v", err, res.Stopped)
	}
	if got := len(e.fake.Snapshot()); got != 2 {
		t.Errorf("%d issues after ctrl+c during the 2nd create, want 2", got)
	}
	if ts := e.ledger().Tickets(); len(ts) != 2 || ts[0].ID == "" || ts[1].ID == "" {
		t.Errorf("records after cancel: %d", len(ts))
	}
	e.mustSync()
	if len(e.fake.Snapshot()) != 3 {
		t.Errorf("%d issues after the re-run", len(e.fake.Snapshot()))
	}
}

// The gate refuses a payload that still holds a known secret (here a label
// from the configuration): the plan says so and nothing is sent for it.
func TestGateRefusesPlannedPayload(t *testing.T) {
	e := newEnv(t)
	e.decide(accept, "G401")
	r := e.plan(context.Background())
	r.opts.Secrets.Add("leaked-label-value-123")
	r.opts.Labels = append(r.opts.Labels, "leaked-label-value-123")
	p, err := MakePlan(context.Background(), r.opts)
	if err != nil || kinds(p)[Refused] != 1 {
		t.Fatalf("plan %v %v", err, kinds(p))
	}
	res, err := Apply(context.Background(), r.opts, p)
	if err != nil || res.Outcomes[0].Status != "skipped" || len(e.fake.Snapshot()) != 0 {
		t.Fatalf("apply: %v %+v", err, res.Outcomes[0])
	}
	for _, q := range e.fake.Recorded() {
		if q.Method != "GET" {
			t.Errorf("sent %s %s", q.Method, q.Path)
		}
	}
}
