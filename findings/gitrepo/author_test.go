package gitrepo

import (
	"strings"
	"testing"
)

// DecisionAuthor records the configured git identity; the environment fills
// gaps silently but never replaces it silently.
func TestDecisionAuthor(t *testing.T) {
	isolate(t)
	dir := newRepo(t, false)
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a, w := r.DecisionAuthor(); a != "" || w != "" {
		t.Fatalf("no identity: %q %q", a, w)
	}
	// CI runner: only the environment.
	t.Setenv("GIT_AUTHOR_NAME", "CI Bot")
	t.Setenv("GIT_AUTHOR_EMAIL", "ci@example.com")
	if a, w := r.DecisionAuthor(); a != "CI Bot <ci@example.com>" || w != "" {
		t.Fatalf("env only: %q %q", a, w)
	}
	// Half a configured identity: the environment fills the gap, as git does.
	runGit(t, dir, "config", "user.name", "Jane Dev")
	if a, w := r.DecisionAuthor(); a != "CI Bot <ci@example.com>" || w != "" {
		t.Fatalf("name only configured: %q %q", a, w)
	}
	// A full identity: the environment overriding it is recorded and said.
	runGit(t, dir, "config", "user.email", "jane@example.com")
	a, w := r.DecisionAuthor()
	if a != "Jane Dev <jane@example.com> (GIT_AUTHOR_*: CI Bot <ci@example.com>)" || !strings.Contains(w, "differ from your git identity (Jane Dev <jane@example.com>)") {
		t.Fatalf("override: %q %q", a, w)
	}
	// Only the e-mail overridden: still both.
	t.Setenv("GIT_AUTHOR_NAME", "")
	if a, w := r.DecisionAuthor(); a != "Jane Dev <jane@example.com> (GIT_AUTHOR_*: Jane Dev <ci@example.com>)" || w == "" {
		t.Fatalf("e-mail override: %q %q", a, w)
	}
	// The environment agreeing with the configuration is no override.
	t.Setenv("GIT_AUTHOR_NAME", "Jane Dev")
	t.Setenv("GIT_AUTHOR_EMAIL", "jane@example.com")
	if a, w := r.DecisionAuthor(); a != "Jane Dev <jane@example.com>" || w != "" {
		t.Fatalf("same identity: %q %q", a, w)
	}
	// Author() keeps git's own precedence (environment first).
	t.Setenv("GIT_AUTHOR_NAME", "CI Bot")
	if n, _ := r.Author(); n != "CI Bot" {
		t.Fatalf("Author: %q", n)
	}
	if n, e := r.ConfiguredAuthor(); n != "Jane Dev" || e != "jane@example.com" {
		t.Fatalf("ConfiguredAuthor: %q %q", n, e)
	}
}
