// Package connect builds a tracker client and the sync engine's options
// from the configuration, the repository and the environment: shared by
// `secui sync` and the console's sync screen. Tokens are read from the
// environment here and go nowhere but the client.
package connect

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/trackers"
	"github.com/secui/secui/trackers/engine"
	"github.com/secui/secui/trackers/github"
	"github.com/secui/secui/trackers/httpx"
	"github.com/secui/secui/trackers/jira"
	"github.com/secui/secui/trackers/redact"
)

// Kinds are the tracker kinds secui syncs to.
var Kinds = []string{"github", "jira"}

// Env is what a tracker connection is made from.
type Env struct {
	Config *config.Config // nil: defaults
	Repo   *gitrepo.Repo  // the origin remote names the GitHub repository
	// Getenv reads GITHUB_TOKEN, GH_TOKEN, GITHUB_API_URL, JIRA_* (nil: os.Getenv).
	Getenv func(string) string
	// Secrets are the secret values of the scan: a request holding one is refused.
	Secrets *redact.Secrets
	// Progress receives pacing and retry messages (nil: none).
	Progress func(string)
	// Transport is the base HTTP transport (nil: http.DefaultTransport).
	Transport http.RoundTripper
}

// ConfigError is a problem with the settings (environment or .secui.yaml).
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

func (e *Env) getenv(k string) string {
	if e.Getenv != nil {
		return e.Getenv(k)
	}
	return os.Getenv(k)
}

func (e *Env) config() *config.Config {
	if e.Config == nil {
		return config.Default()
	}
	return e.Config
}

// Tracker returns the client for kind ("github" or "jira"). Every request
// goes through the secrets gate, pacing and retries (httpx).
func Tracker(kind string, e Env) (trackers.Tracker, error) {
	base := e.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	secrets := e.Secrets
	if secrets == nil {
		secrets = &redact.Secrets{}
	}
	cfgAll := e.config()
	switch kind {
	case "github":
		tok := e.getenv("GITHUB_TOKEN")
		if tok == "" {
			tok = e.getenv("GH_TOKEN")
		}
		cfg := cfgAll.Trackers.GitHub
		owner, repo := "", ""
		origin := (*gitrepo.Remote)(nil)
		if e.Repo != nil {
			origin = e.Repo.Origin
		}
		api := e.getenv("GITHUB_API_URL")
		if cfg.Repo != "" {
			owner, repo, _ = strings.Cut(cfg.Repo, "/")
		} else if origin != nil && origin.Owner != "" {
			if !origin.GitHub && api == "" {
				return nil, &ConfigError{fmt.Errorf("the origin remote (%s) is not on GitHub: set trackers.github.repo, and GITHUB_API_URL for GitHub Enterprise Server", origin.Host)}
			}
			owner, repo = origin.Owner, origin.Repo
		}
		if api == "" && origin != nil && cfg.Repo == "" && origin.GitHub && origin.Host != "github.com" && !strings.HasSuffix(origin.Host, ".ghe.com") {
			api = "https://" + origin.Host + "/api/v3/" // GitHub Enterprise Server
		}
		p := httpx.GitHubPolicy()
		p.Progress = e.Progress
		c, err := github.New(github.Config{Owner: owner, Repo: repo, API: api, Token: tok, CreateLabels: cfg.CreateLabels,
			HTTP: &http.Client{Transport: redact.Gate(httpx.New(base, p, nil), secrets), Timeout: 60 * time.Second}})
		if err != nil {
			return nil, &ConfigError{err}
		}
		return c, nil
	case "jira":
		cfg := cfgAll.Trackers.Jira
		p := httpx.JiraPolicy()
		p.Progress = e.Progress
		c, err := jira.New(jira.Config{URL: e.getenv("JIRA_URL"), User: e.getenv("JIRA_USER"), Token: e.getenv("JIRA_API_TOKEN"),
			AuthType: e.getenv("JIRA_AUTH_TYPE"), Deployment: cfg.Deployment, API: cfg.JiraAPI(), Project: cfg.Project,
			IssueType: cfg.IssueType, Components: cfg.Components, Priorities: cfg.Priorities, Fields: cfg.Fields,
			Close: cfg.Transitions.Close, WontDo: cfg.Transitions.WontDo, Reopen: cfg.Transitions.Reopen, SearchLag: cfg.SearchLag,
			HTTP: &http.Client{Transport: redact.Gate(httpx.New(base, p, nil), secrets), Timeout: 60 * time.Second}})
		if err != nil {
			return nil, &ConfigError{err}
		}
		return c, nil
	}
	return nil, &ConfigError{fmt.Errorf("unknown tracker %q (want github or jira)", kind)}
}

// Options are the sync engine's options for kind: the tracker, the ledger
// as store, the findings and their triage, the grouping, labels and
// assignees configured, and the code links from the origin remote.
func Options(kind string, e Env, tr trackers.Tracker, l *ledger.Ledger, set *findings.Set, ov *ledger.Overlay) engine.Options {
	cfg := e.config()
	opts := engine.Options{Tracker: tr, Store: l, Set: set, Triage: ov, Secrets: e.Secrets}
	switch kind {
	case "github":
		opts.Grouping, opts.Labels, opts.Assignees = cfg.Trackers.GitHub.Grouping, cfg.Trackers.GitHub.Labels, cfg.Trackers.GitHub.Assignees
	default:
		opts.Grouping, opts.Labels = cfg.Trackers.Jira.Grouping, cfg.Trackers.Jira.Labels
	}
	if e.Repo != nil && e.Repo.Origin != nil {
		o := e.Repo.Origin
		opts.Code = engine.Code{Host: o.Host, Owner: o.Owner, Repo: o.Repo, Commit: e.Repo.Head}
	}
	return opts
}

// Configured returns the tracker kinds that are set up: jira when
// trackers.jira.project is set; github when trackers.github.repo is set or
// the origin remote is on GitHub (or GITHUB_API_URL names a server).
func Configured(e Env) []string {
	cfg := e.config()
	var out []string
	if cfg.Trackers.GitHub.Repo != "" || (e.Repo != nil && e.Repo.Origin != nil && e.Repo.Origin.Owner != "" && (e.Repo.Origin.GitHub || e.getenv("GITHUB_API_URL") != "")) {
		out = append(out, "github")
	}
	if cfg.Trackers.Jira.Project != "" {
		out = append(out, "jira")
	}
	return out
}
