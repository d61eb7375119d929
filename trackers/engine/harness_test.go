package engine

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/repofs"
	"github.com/secui/secui/internal/fakegithub"
	"github.com/secui/secui/internal/fakejira"
	"github.com/secui/secui/internal/faketime"
	"github.com/secui/secui/internal/testutil"
	"github.com/secui/secui/trackers"
	"github.com/secui/secui/trackers/github"
	"github.com/secui/secui/trackers/httpx"
	"github.com/secui/secui/trackers/jira"
	"github.com/secui/secui/trackers/redact"
)

const token = "ghp_SECRETtoken_never_shown_0123456789"

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

const shopMain = `package main

import (
	"crypto/md5"
	"fmt"
	"net/http"
	"os"
	"os/exec"
)

var dbPassword = "s3cr3t-hunter2-XYZ"

func main() {
	h := md5.Sum([]byte(dbPassword))
	fmt.Println(h)
	cmd := exec.Command(os.Args[1])
	cmd.Run()
	http.ListenAndServe(":8080", nil)
}
`

var (
	gosecOnce sync.Once
	gosecOut  []byte
	gosecErr  error
)

// gosecSARIF runs the real gosec over the shop module once.
func gosecSARIF(t *testing.T) []byte {
	t.Helper()
	gosecOnce.Do(func() {
		bin, err := exec.LookPath("gosec")
		if err != nil {
			home, _ := os.UserHomeDir()
			bin = filepath.Join(home, "go", "bin", "gosec")
		}
		if _, err := os.Stat(bin); err != nil {
			gosecErr = errors.New("gosec not installed (make scanners)")
			return
		}
		dir, _ := os.MkdirTemp("", "secui-gosec")
		defer os.RemoveAll(dir)
		os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/shop\n\ngo 1.22\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "main.go"), []byte(shopMain), 0o644)
		cmd := exec.Command(bin, "-fmt", "sarif", "-out", "gosec.sarif", "-no-fail", "-quiet", "./...")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			gosecErr = errors.New("gosec: " + err.Error() + ": " + string(out))
			return
		}
		gosecOut, gosecErr = os.ReadFile(filepath.Join(dir, "gosec.sarif"))
	})
	if gosecErr != nil {
		t.Skip(gosecErr)
	}
	return gosecOut
}

// env is a repository with real gosec results, a ledger and a fake GitHub.
type env struct {
	t     *testing.T
	root  string
	fake  *fakegithub.Server
	clk   *faketime.Clock
	files []string // SARIF inputs
	drop  map[string]bool
	// kill simulation
	killAt   int // request number that kills the run (0: never)
	applied  bool
	killed   atomic.Bool
	reqs     atomic.Int32
	wrap     func(http.RoundTripper) http.RoundTripper
	grouping string
	jira     *fakejira.Server // when set, sync to Jira instead
	jiraAPI  int
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@x", "GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@x")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func newEnv(t *testing.T) *env {
	t.Helper()
	sarif := gosecSARIF(t)
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/shop\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(root, "main.go"), []byte(shopMain), 0o644)
	os.WriteFile(filepath.Join(root, "gosec.sarif"), sarif, 0o644)
	git(t, root, "init", "-q")
	git(t, root, "add", ".")
	git(t, root, "commit", "-qm", "shop")
	fake := fakegithub.New("acme", "shop", "")
	t.Cleanup(fake.Close)
	clk := faketime.New(t0)
	fake.Now = clk.Now
	fake.Tokens[token] = fakegithub.Token{Login: "secbot", Push: true}
	return &env{t: t, root: root, fake: fake, clk: clk, files: []string{filepath.Join(root, "gosec.sarif")}, drop: map[string]bool{}}
}

func (e *env) load() *findings.Set {
	set, err := findings.Load(context.Background(), e.files, findings.Options{Root: e.root})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(e.drop) > 0 {
		set.Findings = slices.DeleteFunc(set.Findings, func(f *findings.Finding) bool { return e.drop[f.RuleID()+":"+strconv.Itoa(f.Loc.Line)] })
	}
	return set
}

func (e *env) ledger() *ledger.Ledger {
	l, err := ledger.Open(e.root, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

// decide records a decision for the findings whose rule is in rules.
func (e *env) decide(req ledger.Request, rules ...string) {
	e.t.Helper()
	set := e.load()
	var fs []*findings.Finding
	for _, f := range set.Findings {
		if slices.Contains(rules, f.RuleID()) {
			fs = append(fs, f)
		}
	}
	if len(fs) == 0 {
		e.t.Fatalf("no findings of %v", rules)
	}
	if req.Author == "" {
		req.Author = "Ann <ann@acme.test>"
	}
	if req.Now.IsZero() {
		req.Now = e.clk.Now()
	}
	if err := e.ledger().Decide(fs, req); err != nil {
		e.t.Fatal(err)
	}
}

// killStore is the ledger until the run is killed; then every write fails
// (a killed process writes nothing more).
type killStore struct {
	*ledger.Ledger
	e *env
}

func (k killStore) UpdateTickets(fn func(map[string]*ledger.Ticket) error) error {
	if k.e.killed.Load() {
		return errors.New("killed")
	}
	return k.Ledger.UpdateTickets(fn)
}

type killTransport struct {
	next http.RoundTripper
	e    *env
}

func (k *killTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if k.e.killed.Load() {
		return nil, errors.New("killed")
	}
	n := int(k.e.reqs.Add(1))
	if n == k.e.killAt {
		if k.e.applied {
			resp, err := k.next.RoundTrip(r)
			if err == nil {
				resp.Body.Close()
			}
		}
		k.e.killed.Store(true)
		return nil, errors.New("killed")
	}
	return k.next.RoundTrip(r)
}

type syncRun struct {
	plan *Plan
	res  *Result
	err  error
	opts Options
}

// options builds one run's engine options: a fresh Ledger instance (as a
// new process would), the overlay, the secrets and a GitHub client.
func (e *env) options() Options {
	l := e.ledger()
	set := e.load()
	rf, err := repofs.Open(e.root)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { rf.Close() })
	secrets := redact.Collect(set, rf)
	var rt http.RoundTripper = &killTransport{next: http.DefaultTransport, e: e}
	if e.wrap != nil {
		rt = e.wrap(rt)
	}
	var c trackers.Tracker
	if e.jira != nil {
		rt = redact.Gate(httpx.New(rt, httpx.JiraPolicy(), e.clk), secrets)
		jc, err := jira.New(jira.Config{URL: e.jira.URL, User: "bot@acme.test", Token: token, Project: "SEC", API: e.jiraAPI,
			HTTP: &http.Client{Transport: rt}, Now: e.clk.Now, SearchLag: 5 * time.Minute})
		if err != nil {
			e.t.Fatal(err)
		}
		c = jc
	} else {
		rt = redact.Gate(httpx.New(rt, httpx.GitHubPolicy(), e.clk), secrets)
		gc, err := github.New(github.Config{Owner: "acme", Repo: "shop", API: e.fake.API(), Token: token, CreateLabels: true,
			HTTP: &http.Client{Transport: rt}, Now: e.clk.Now})
		if err != nil {
			e.t.Fatal(err)
		}
		c = gc
	}
	return Options{Tracker: c, Store: killStore{l, e}, Set: set, Triage: l.Overlay(set.Findings, e.clk.Now()), Secrets: secrets,
		Grouping: e.grouping, Labels: []string{"security"}, Clock: e.clk,
		Code: Code{Host: "github.com", Owner: "acme", Repo: "shop", Commit: "0123456789abcdef0123456789abcdef01234567"}}
}

func (e *env) plan(ctx context.Context) syncRun {
	o := e.options()
	p, err := MakePlan(ctx, o)
	return syncRun{plan: p, err: err, opts: o}
}

func (e *env) sync(ctx context.Context) syncRun {
	e.t.Helper()
	r := e.plan(ctx)
	if r.err != nil {
		return r
	}
	r.res, r.err = Apply(ctx, r.opts, r.plan)
	return r
}

func (e *env) mustSync() syncRun {
	e.t.Helper()
	r := e.sync(context.Background())
	if r.err != nil {
		e.t.Fatalf("sync: %v", r.err)
	}
	for _, o := range r.res.Outcomes {
		if o.Status == "failed" {
			e.t.Fatalf("%s %s failed: %s", o.Kind, o.Group, o.Msg)
		}
	}
	return r
}

// posts counts recorded requests of method whose path ends with suffix.
func (e *env) count(method, suffix string) int {
	n := 0
	for _, r := range e.fake.Recorded() {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

// issuesByMarker maps each group marker to the issues carrying it.
func (e *env) issuesByMarker() map[string][]int {
	m := map[string][]int{}
	for _, is := range e.fake.Snapshot() {
		for _, l := range is.Labels {
			if strings.HasPrefix(l, "secui-g-") {
				m[l] = append(m[l], is.Number)
			}
		}
	}
	return m
}

func kinds(p *Plan) map[string]int { return p.Counts() }

// withJira switches e to a fake Jira (Cloud or Data Center).
func (e *env) withJira(cloud bool) *fakejira.Server {
	j := fakejira.New(cloud, "SEC")
	e.t.Cleanup(j.Close)
	j.Now = e.clk.Now
	j.SearchLag = 2 * time.Minute
	if cloud {
		j.Users["bot@acme.test"] = token
	} else {
		j.Users["bot@acme.test"] = token
		j.PATs[token] = true
	}
	e.jira = j
	return j
}

func corpusGitleaks(t *testing.T) string {
	return testutil.CorpusFile(t, "DefectDojo-django-DefectDojo/gitleaks_7.5.0.sarif")
}

func readFile(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
