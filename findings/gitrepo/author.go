package gitrepo

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	format "github.com/go-git/go-git/v5/plumbing/format/config"
)

// maxIncludeDepth bounds [include] chains (git uses 10 as well).
const maxIncludeDepth = 10

// Author returns the identity git would put on a commit: GIT_AUTHOR_NAME /
// GIT_AUTHOR_EMAIL first, then the configured identity (ConfiguredAuthor).
// Name and e-mail are looked up independently; either may be "". secui
// records decisions with DecisionAuthor, which does not let the environment
// replace the configured identity silently.
// Author works on a nil *Repo (global and system config only).
func (r *Repo) Author() (name, email string) {
	name = os.Getenv("GIT_AUTHOR_NAME")
	email = os.Getenv("GIT_AUTHOR_EMAIL")
	if name != "" && email != "" {
		return name, email
	}
	cn, ce := r.ConfiguredAuthor()
	if name == "" {
		name = cn
	}
	if email == "" {
		email = ce
	}
	return name, email
}

// ConfiguredAuthor returns the identity from git configuration only, the way
// git looks it up after the environment: author.* or user.* from the
// repository's config, then the global config ($GIT_CONFIG_GLOBAL, or
// ~/.gitconfig then $XDG_CONFIG_HOME/git/config — ~/.config/git/config when
// XDG_CONFIG_HOME is unset), then the system config (/etc/gitconfig unless
// GIT_CONFIG_NOSYSTEM is set), and finally $EMAIL for the e-mail.
//
// `[include] path = ...` and `[includeIf "gitdir:..."]` (also gitdir/i:) are
// followed; an included file takes precedence over the file including it
// (git applies it where the directive appears, usually at the end).
func (r *Repo) ConfiguredAuthor() (name, email string) {
	var files []string
	gitDir := ""
	if r != nil && r.commonDir != "" {
		files = append(files, filepath.Join(r.commonDir, "config"))
		gitDir = r.gitDir
	}
	files = append(files, globalConfigFiles()...)
	for _, f := range files {
		n, e := identityFrom(f, gitDir, 0)
		if name == "" {
			name = n
		}
		if email == "" {
			email = e
		}
		if name != "" && email != "" {
			return name, email
		}
	}
	if email == "" {
		email = os.Getenv("EMAIL")
	}
	return name, email
}

// DecisionAuthor is the author secui records for a triage decision, and a
// warning to show when the environment overrides the configured identity.
//
// A security engineer reading the ledger expects the author to be the
// person whose git identity made the decision, and expects to learn when it
// was not. So: the configured git identity (ConfiguredAuthor) is recorded.
// When GIT_AUTHOR_NAME / GIT_AUTHOR_EMAIL are set and differ from it, both
// are recorded — "Jane Dev <jane@example.com> (GIT_AUTHOR_*: Bob
// <bob@example.com>)" — and warning says so (print it on stderr). When no
// complete identity is configured (a CI runner, say), the environment fills
// the gaps field by field, as git does, without a warning: there is nothing
// it overrides. author is "" when there is no identity at all.
func (r *Repo) DecisionAuthor() (author, warning string) {
	cn, ce := r.ConfiguredAuthor()
	en, ee := r.Author() // environment over configuration, field by field
	if cn == "" || ce == "" || (en == cn && ee == ce) {
		return formatAuthor(en, ee), ""
	}
	conf, env := formatAuthor(cn, ce), formatAuthor(en, ee)
	author = conf + " (GIT_AUTHOR_*: " + env + ")"
	warning = fmt.Sprintf("GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL (%s) differ from your git identity (%s); recording both: %s", env, conf, author)
	return author, warning
}

// formatAuthor is "Name <email>", "<email>" or "Name".
func formatAuthor(name, email string) string {
	switch {
	case name != "" && email != "":
		return name + " <" + email + ">"
	case email != "":
		return "<" + email + ">"
	}
	return name
}

// identityFrom reads author/user name and email from one config file and the
// files it includes (includes first: they override).
func identityFrom(file, gitDir string, depth int) (name, email string) {
	if depth > maxIncludeDepth {
		return "", ""
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", ""
	}
	cfg := format.New()
	if err := format.NewDecoder(strings.NewReader(string(b))).Decode(cfg); err != nil {
		return "", ""
	}
	var includes []string
	for _, s := range cfg.Sections {
		switch {
		case s.IsName("include"):
			includes = append(includes, s.Options.GetAll("path")...)
		case s.IsName("includeIf"):
			for _, ss := range s.Subsections {
				if includeIfMatches(ss.Name, gitDir, file) {
					includes = append(includes, ss.Options.GetAll("path")...)
				}
			}
		}
	}
	for i := len(includes) - 1; i >= 0; i-- { // the last include wins
		p := expandPath(includes[i], filepath.Dir(file))
		if p == "" {
			continue
		}
		n, e := identityFrom(p, gitDir, depth+1)
		if name == "" {
			name = n
		}
		if email == "" {
			email = e
		}
	}
	if name == "" {
		name = firstNonEmpty(sectionValue(cfg, "author", "name"), sectionValue(cfg, "user", "name"))
	}
	if email == "" {
		email = firstNonEmpty(sectionValue(cfg, "author", "email"), sectionValue(cfg, "user", "email"))
	}
	return name, email
}

// sectionValue is the last value of section.key over all same-named sections.
func sectionValue(cfg *format.Config, section, key string) string {
	v := ""
	for _, s := range cfg.Sections {
		if s.IsName(section) {
			if x := s.Options.Get(key); x != "" {
				v = x
			}
		}
	}
	return v
}

// includeIfMatches implements the gitdir: and gitdir/i: conditions of
// git-config(1); other conditions (onbranch:, hasconfig:) never match.
func includeIfMatches(cond, gitDir, file string) bool {
	if gitDir == "" {
		return false
	}
	var pat string
	fold := false
	switch {
	case strings.HasPrefix(cond, "gitdir:"):
		pat = strings.TrimPrefix(cond, "gitdir:")
	case strings.HasPrefix(cond, "gitdir/i:"):
		pat, fold = strings.TrimPrefix(cond, "gitdir/i:"), true
	default:
		return false
	}
	if pat == "" {
		return false
	}
	switch {
	case strings.HasPrefix(pat, "~/"):
		home, _ := os.UserHomeDir()
		if home == "" {
			return false
		}
		pat = filepath.ToSlash(home) + pat[1:]
	case strings.HasPrefix(pat, "./"):
		pat = filepath.ToSlash(filepath.Dir(file)) + pat[1:]
	case !strings.HasPrefix(pat, "/"):
		pat = "**/" + pat
	}
	if strings.HasSuffix(pat, "/") {
		pat += "**"
	}
	dirs := []string{filepath.ToSlash(gitDir)}
	if real, err := filepath.EvalSymlinks(gitDir); err == nil && real != gitDir {
		dirs = append(dirs, filepath.ToSlash(real))
	}
	for _, d := range dirs {
		p, s := pat, d
		if fold {
			p, s = strings.ToLower(p), strings.ToLower(s)
		}
		if ok, _ := doublestar.Match(p, s); ok {
			return true
		}
	}
	return false
}

// expandPath resolves an include path: ~/ is the home folder, relative paths
// are relative to the including file's folder.
func expandPath(p, base string) string {
	p = strings.TrimSpace(p)
	switch {
	case p == "":
		return ""
	case strings.HasPrefix(p, "~/"):
		home, _ := os.UserHomeDir()
		if home == "" {
			return ""
		}
		return filepath.Join(home, p[2:])
	case filepath.IsAbs(p):
		return p
	}
	return filepath.Join(base, p)
}

// globalConfigFiles lists global then system git config files, highest
// precedence first.
func globalConfigFiles() []string {
	var files []string
	if g, ok := os.LookupEnv("GIT_CONFIG_GLOBAL"); ok {
		if g != "" {
			files = append(files, g)
		}
	} else {
		home, _ := os.UserHomeDir()
		if home != "" {
			files = append(files, filepath.Join(home, ".gitconfig"))
		}
		if xdg := os.Getenv("XDG_CONFIG_HOME"); xdg != "" {
			files = append(files, filepath.Join(xdg, "git", "config"))
		} else if home != "" {
			files = append(files, filepath.Join(home, ".config", "git", "config"))
		}
	}
	if !envTrue("GIT_CONFIG_NOSYSTEM") {
		if s, ok := os.LookupEnv("GIT_CONFIG_SYSTEM"); ok {
			if s != "" {
				files = append(files, s)
			}
		} else {
			files = append(files, "/etc/gitconfig")
		}
	}
	return files
}

func envTrue(k string) bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv(k))) {
	case "", "0", "false", "no", "off":
		return false
	}
	return true
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
