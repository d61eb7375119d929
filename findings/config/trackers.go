package config

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// Trackers configures `secui sync` (trackers: in .secui.yaml). Tokens are
// never configured here: they come from the environment (GITHUB_TOKEN /
// GH_TOKEN, JIRA_API_TOKEN).
type Trackers struct {
	GitHub GitHubTracker `yaml:"github"`
	Jira   JiraTracker   `yaml:"jira"`
}

// GitHubTracker configures GitHub Issues.
type GitHubTracker struct {
	Repo         string   `yaml:"repo"`          // owner/name; "" = the origin remote
	Grouping     string   `yaml:"grouping"`      // finding | rule | file | package
	Labels       []string `yaml:"labels"`        // added to every ticket (besides secui's markers)
	CreateLabels bool     `yaml:"create-labels"` // let GitHub create missing labels (needs push access)
	Assignees    []string `yaml:"assignees"`     // logins assigned to new tickets
}

// JiraTracker configures Jira.
type JiraTracker struct {
	Project     string            `yaml:"project"`
	IssueType   string            `yaml:"issue-type"`
	Deployment  string            `yaml:"deployment"` // auto | cloud | datacenter
	API         string            `yaml:"api"`        // auto | 2 | 3
	Grouping    string            `yaml:"grouping"`
	Labels      []string          `yaml:"labels"`
	Components  []string          `yaml:"components"`
	Priorities  map[string]string `yaml:"priorities"` // severity -> priority name
	Transitions JiraTransitions   `yaml:"transitions"`
	Fields      map[string]any    `yaml:"fields"`     // custom fields set on create (customfield_NNNNN: value)
	SearchLag   time.Duration     `yaml:"search-lag"` // how long Jira's search may lag a create
}

// JiraTransitions names the workflow transitions secui uses.
type JiraTransitions struct {
	Close  string `yaml:"close"`   // fixed
	WontDo string `yaml:"wont-do"` // suppressed
	Reopen string `yaml:"reopen"`
}

// Groupings are the trackers.*.grouping values.
var Groupings = []string{"finding", "rule", "file", "package"}

func defaultTrackers() Trackers {
	return Trackers{
		GitHub: GitHubTracker{Grouping: "finding", CreateLabels: true, Labels: []string{"security"}},
		Jira: JiraTracker{IssueType: "Bug", Deployment: "auto", API: "auto", Grouping: "finding", Labels: []string{"security"},
			Priorities:  map[string]string{"critical": "Highest", "high": "High", "medium": "Medium", "low": "Low", "info": "Lowest"},
			Transitions: JiraTransitions{Close: "Done", WontDo: "Won't Do", Reopen: "Reopen"},
			Fields:      map[string]any{}, SearchLag: 10 * time.Minute},
	}
}

var (
	repoRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	// compiled on first use: the bounded repetition unrolls into ~255
	// states, ≈3 ms and 3,800 allocations at every process start
	projectRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,254}$`) })
	fieldRE   = regexp.MustCompile(`^customfield_[0-9]+$`)
)

func (d *decoder) labels(v *yaml.Node, f string) ([]string, bool) {
	return d.strList(v, f, func(n *yaml.Node, field, s string) (string, bool) {
		if strings.TrimSpace(s) == "" || strings.ContainsAny(s, " \t\n,") {
			d.errorf(n, field, "label %q: labels cannot be empty or contain spaces or commas", s)
			return "", false
		}
		return s, true
	})
}

func (d *decoder) trackers(n *yaml.Node, out *Trackers) {
	d.mapping(n, "trackers", []string{"github", "jira"}, func(key string, k, v *yaml.Node) {
		if key == "github" {
			d.github(v, &out.GitHub)
		} else {
			d.jira(v, &out.Jira)
		}
	})
}

func (d *decoder) github(n *yaml.Node, out *GitHubTracker) {
	d.mapping(n, "trackers.github", []string{"repo", "grouping", "labels", "create-labels", "assignees"}, func(key string, k, v *yaml.Node) {
		f := "trackers.github." + key
		switch key {
		case "repo":
			if s, ok := d.str(v, f); ok {
				if !repoRE.MatchString(s) {
					d.errorf(resolve(v), f, "want owner/name, got %q", s)
				} else {
					out.Repo = s
				}
			}
		case "grouping":
			if s, ok := d.enum(v, f, "grouping", Groupings); ok {
				out.Grouping = s
			}
		case "labels":
			if l, ok := d.labels(v, f); ok {
				out.Labels = l
			}
		case "create-labels":
			if b, ok := d.boolean(v, f); ok {
				out.CreateLabels = b
			}
		case "assignees":
			if l, ok := d.strList(v, f, nil); ok {
				out.Assignees = l
			}
		}
	})
}

func (d *decoder) boolean(n *yaml.Node, f string) (bool, bool) {
	s, ok := d.str(n, f)
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	d.errorf(resolve(n), f, "want true or false, got %q", s)
	return false, false
}

var severityNames = []string{"critical", "high", "medium", "low", "info"}

func (d *decoder) jira(n *yaml.Node, out *JiraTracker) {
	known := []string{"project", "issue-type", "deployment", "api", "grouping", "labels", "components", "priorities", "transitions", "fields", "search-lag"}
	d.mapping(n, "trackers.jira", known, func(key string, k, v *yaml.Node) {
		f := "trackers.jira." + key
		switch key {
		case "project":
			if s, ok := d.str(v, f); ok {
				if !projectRE().MatchString(s) {
					d.errorf(resolve(v), f, "want a project key such as SEC (upper-case letters, digits, _), got %q", s)
				} else {
					out.Project = s
				}
			}
		case "issue-type":
			if s, ok := d.str(v, f); ok && strings.TrimSpace(s) != "" {
				out.IssueType = s
			}
		case "deployment":
			if s, ok := d.enum(v, f, "deployment", []string{"auto", "cloud", "datacenter"}); ok {
				out.Deployment = s
			}
		case "api":
			if s, ok := d.enum(v, f, "API version", []string{"auto", "2", "3"}); ok {
				out.API = s
			}
		case "grouping":
			if s, ok := d.enum(v, f, "grouping", Groupings); ok {
				out.Grouping = s
			}
		case "labels":
			if l, ok := d.labels(v, f); ok {
				out.Labels = l
			}
		case "components":
			if l, ok := d.strList(v, f, nil); ok {
				out.Components = l
			}
		case "priorities":
			d.mapping(v, f, severityNames, func(sev string, k, pv *yaml.Node) {
				if s, ok := d.str(pv, f+"."+sev); ok {
					if out.Priorities == nil {
						out.Priorities = map[string]string{}
					}
					out.Priorities[sev] = s
				}
			})
		case "transitions":
			d.mapping(v, f, []string{"close", "wont-do", "reopen"}, func(tk string, k, tv *yaml.Node) {
				if s, ok := d.str(tv, f+"."+tk); ok {
					switch tk {
					case "close":
						out.Transitions.Close = s
					case "wont-do":
						out.Transitions.WontDo = s
					default:
						out.Transitions.Reopen = s
					}
				}
			})
		case "fields":
			d.mapping(v, f, nil, func(name string, k, fv *yaml.Node) {
				if !fieldRE.MatchString(name) {
					d.errorf(k, f+"."+name, "want a custom field id such as customfield_10050 (secui sets summary, description, labels, priority and components itself)")
					return
				}
				var val any
				if err := fv.Decode(&val); err != nil {
					d.errorf(fv, f+"."+name, "%v", err)
					return
				}
				if out.Fields == nil {
					out.Fields = map[string]any{}
				}
				out.Fields[name] = val
			})
		case "search-lag":
			if s, ok := d.str(v, f); ok {
				dur, err := time.ParseDuration(s)
				if err != nil || dur < 0 || dur > 24*time.Hour {
					d.errorf(resolve(v), f, "want a duration such as 10m (at most 24h), got %q", s)
				} else {
					out.SearchLag = dur
				}
			}
		}
	})
}

// JiraAPI returns the configured Jira REST version (0: auto).
func (t JiraTracker) JiraAPI() int {
	switch t.API {
	case "2":
		return 2
	case "3":
		return 3
	}
	return 0
}

func (t JiraTracker) String() string { return fmt.Sprintf("jira %s", t.Project) }
