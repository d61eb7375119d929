package gitrepo

import (
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/config"
)

// Author returns the identity to record in the ledger, the way git picks a
// commit author: GIT_AUTHOR_NAME / GIT_AUTHOR_EMAIL first, then author.* or
// user.* from the repository's config, then the global config
// ($GIT_CONFIG_GLOBAL, or ~/.gitconfig then $XDG_CONFIG_HOME/git/config —
// ~/.config/git/config when XDG_CONFIG_HOME is unset), then the system config
// (/etc/gitconfig unless GIT_CONFIG_NOSYSTEM is set), and finally $EMAIL for
// the e-mail. Name and e-mail are looked up independently; either may be "".
// `include` directives in config files are not followed.
// Author works on a nil *Repo (global config only).
func (r *Repo) Author() (name, email string) {
	name = os.Getenv("GIT_AUTHOR_NAME")
	email = os.Getenv("GIT_AUTHOR_EMAIL")
	if name != "" && email != "" {
		return name, email
	}
	var cfgs []*config.Config
	if r != nil && r.repo != nil {
		if c, err := r.repo.Config(); err == nil {
			cfgs = append(cfgs, c)
		}
	}
	for _, f := range globalConfigFiles() {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		c := config.NewConfig()
		if err := c.Unmarshal(b); err != nil {
			continue
		}
		cfgs = append(cfgs, c)
	}
	for _, c := range cfgs {
		if name == "" {
			name = firstNonEmpty(c.Author.Name, c.User.Name)
		}
		if email == "" {
			email = firstNonEmpty(c.Author.Email, c.User.Email)
		}
	}
	if email == "" {
		email = os.Getenv("EMAIL")
	}
	return name, email
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
	if os.Getenv("GIT_CONFIG_NOSYSTEM") == "" {
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

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
