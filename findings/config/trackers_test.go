package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestTrackersDefaultsAndExample(t *testing.T) {
	isolate(t)
	d := Default().Trackers
	if d.GitHub.Grouping != "finding" || !d.GitHub.CreateLabels || d.Jira.IssueType != "Bug" || d.Jira.SearchLag != 10*time.Minute || d.Jira.JiraAPI() != 0 {
		t.Errorf("defaults %+v", d)
	}
	c, err := LoadFile(write(t, filepath.Join(t.TempDir(), ".secui.yaml"), Example()))
	if err != nil {
		t.Fatal(err)
	}
	if c.Trackers.Jira.Project != "SEC" || !reflect.DeepEqual(c.Trackers.Jira.Priorities, d.Jira.Priorities) || c.Trackers.Jira.Transitions != d.Jira.Transitions {
		t.Errorf("example trackers %+v", c.Trackers)
	}
}

func TestTrackersParse(t *testing.T) {
	isolate(t)
	src := `trackers:
  github:
    repo: acme/shop
    grouping: rule
    labels: [security, appsec]
    create-labels: false
    assignees: [octocat]
  jira:
    project: SEC
    api: "3"
    deployment: cloud
    priorities: {critical: P1}
    transitions: {close: Resolve}
    fields:
      customfield_10050: AppSec
      customfield_10060: {value: High}
    search-lag: 2m
`
	c, err := LoadFile(write(t, filepath.Join(t.TempDir(), ".secui.yaml"), src))
	if err != nil {
		t.Fatal(err)
	}
	g, j := c.Trackers.GitHub, c.Trackers.Jira
	if g.Repo != "acme/shop" || g.Grouping != "rule" || g.CreateLabels || !reflect.DeepEqual(g.Labels, []string{"security", "appsec"}) || g.Assignees[0] != "octocat" {
		t.Errorf("github %+v", g)
	}
	if j.JiraAPI() != 3 || j.Deployment != "cloud" || j.Priorities["critical"] != "P1" || j.Priorities["high"] != "High" || j.Transitions.Close != "Resolve" || j.Transitions.WontDo != "Won't Do" ||
		j.Fields["customfield_10050"] != "AppSec" || j.SearchLag != 2*time.Minute {
		t.Errorf("jira %+v", j)
	}
	if m, ok := j.Fields["customfield_10060"].(map[string]any); !ok || m["value"] != "High" {
		t.Errorf("select field %#v", j.Fields["customfield_10060"])
	}
}

func TestTrackersErrors(t *testing.T) {
	isolate(t)
	src := `trackers:
  github:
    repo: not-a-repo
    grouping: team
    labels: ["two words"]
  jira:
    project: sec
    priorities: {severe: P1}
    fields: {summary: x}
    search-lag: soon
    tokn: x
`
	_, err := LoadFile(write(t, filepath.Join(t.TempDir(), ".secui.yaml"), src))
	if err == nil {
		t.Fatal("want errors")
	}
	for _, w := range []string{
		"3:11: trackers.github.repo: want owner/name",
		"4:15: trackers.github.grouping: unknown grouping \"team\"",
		"5:14: trackers.github.labels[0]: label \"two words\"",
		"7:14: trackers.jira.project: want a project key",
		"8:18: trackers.jira.priorities.severe: unknown key",
		"9:14: trackers.jira.fields.summary: want a custom field id",
		"10:17: trackers.jira.search-lag: want a duration",
		"11:5: trackers.jira.tokn: unknown key",
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in:\n%v", w, err)
		}
	}
}
