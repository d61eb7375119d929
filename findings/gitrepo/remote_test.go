package gitrepo

import (
	"strings"
	"testing"
)

func TestParseRemoteURL(t *testing.T) {
	cases := []struct {
		in                string
		host, owner, repo string
		github            bool
	}{
		{"git@github.com:o/r.git", "github.com", "o", "r", true},
		{"git@github.com:o/r", "github.com", "o", "r", true},
		{"github.com:o/r.git", "github.com", "o", "r", true},
		{"ssh://git@github.com:22/o/r.git", "github.com", "o", "r", true},
		{"ssh://git@github.com/o/r.git", "github.com", "o", "r", true},
		{"ssh://git@ssh.github.com:443/o/r.git", "github.com", "o", "r", true},
		{"git+ssh://git@github.com/o/r.git", "github.com", "o", "r", true},
		{"https://github.com/o/r", "github.com", "o", "r", true},
		{"https://github.com/o/r.git", "github.com", "o", "r", true},
		{"https://github.com/o/r/", "github.com", "o", "r", true},
		{"https://github.com/o/r.git/", "github.com", "o", "r", true},
		{"https://GitHub.COM/Owner/Repo.git", "github.com", "Owner", "Repo", true},
		{"https://www.github.com/o/r", "www.github.com", "o", "r", true},
		{"https://user:tok@ghe.example.com/o/r.git", "ghe.example.com", "o", "r", false},
		{"https://x-access-token:ghp_abc@github.com/o/r.git", "github.com", "o", "r", true},
		{"https://ghp_onlytoken@github.com/o/r", "github.com", "o", "r", true},
		{"http://github.mycorp.com/team/svc.git", "github.mycorp.com", "team", "svc", true},
		{"https://github.mycorp.com:8443/team/svc", "github.mycorp.com", "team", "svc", true},
		{"git@github.mycorp.com:team/svc.git", "github.mycorp.com", "team", "svc", true},
		{"https://acme.ghe.com/o/r.git", "acme.ghe.com", "o", "r", true},
		{"git@acme.ghe.com:o/r.git", "acme.ghe.com", "o", "r", true},
		{"git://github.com/o/r.git", "github.com", "o", "r", true},
		{"git://git.kernel.org/pub/scm/git/git.git", "git.kernel.org", "pub/scm/git", "git", false},
		{"https://gitlab.com/group/sub/deeper/proj.git", "gitlab.com", "group/sub/deeper", "proj", false},
		{"git@gitlab.com:group/sub/proj.git", "gitlab.com", "group/sub", "proj", false},
		{"https://gitlab.example.org/group/sub/proj/", "gitlab.example.org", "group/sub", "proj", false},
		{"https://bitbucket.org/o/r.git", "bitbucket.org", "o", "r", false},
		{"https://dev.azure.com/org/proj/_git/repo", "dev.azure.com", "org/proj/_git", "repo", false},
		{"git@ssh.dev.azure.com:v3/org/proj/repo", "ssh.dev.azure.com", "v3/org/proj", "repo", false},
		{"ssh://git@[::1]:2222/o/r.git", "::1", "o", "r", false},
		{"https://github.com//o//r.git", "github.com", "o", "r", true},
		{"  git@github.com:o/r.git\n", "github.com", "o", "r", true},
		{"https://githubusercontent.com/o/r", "githubusercontent.com", "o", "r", false},
		{"https://notgithub.com/o/r", "notgithub.com", "o", "r", false},
		{"https://github.com.evil.io/o/r", "github.com.evil.io", "o", "r", false}, // lookalike
		{"https://evil.io/github.com/o/r", "evil.io", "github.com/o", "r", false},
		{"https://ghe.com.evil.io/o/r", "ghe.com.evil.io", "o", "r", false},
	}
	for _, c := range cases {
		h, o, r, err := ParseRemoteURL(c.in)
		if err != nil {
			t.Errorf("ParseRemoteURL(%q): unexpected error %v", c.in, err)
			continue
		}
		if h != c.host || o != c.owner || r != c.repo {
			t.Errorf("ParseRemoteURL(%q) = %q, %q, %q; want %q, %q, %q", c.in, h, o, r, c.host, c.owner, c.repo)
		}
		if g := IsGitHubHost(h); g != c.github {
			t.Errorf("IsGitHubHost(%q) = %v, want %v", h, g, c.github)
		}
		for _, field := range []string{h, o, r} {
			if strings.Contains(field, "tok") || strings.Contains(field, "ghp_") || strings.Contains(field, "@") {
				t.Errorf("ParseRemoteURL(%q): credentials leaked into %q", c.in, field)
			}
		}
	}
}

func TestParseRemoteURLErrors(t *testing.T) {
	bad := []string{
		"",
		"/srv/git/repo.git",
		"../other/repo",
		"./repo",
		"file:///srv/git/o/r.git",
		"C:\\src\\repo",
		"C:/src/repo",
		"https://github.com/onlyowner",
		"https://github.com/",
		"https:///o/r",
		"git@github.com:r.git",
		"ftp://host/o/r",
		"https://github.com/o/../r",
		"https://github.com/o/r\x1b[31m",
		"https://user:secret@github.com:notaport/o/r",
		"user:secret@github.com:o/r.git",
	}
	for _, b := range bad {
		if h, o, r, err := ParseRemoteURL(b); err == nil {
			t.Errorf("ParseRemoteURL(%q) = %q, %q, %q; want error", b, h, o, r)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseRemoteURL(%q) error leaks credentials: %v", b, err)
		}
	}
}

func TestRedactURL(t *testing.T) {
	cases := map[string]string{
		"https://user:tok@ghe.example.com/o/r.git": "https://ghe.example.com/o/r.git",
		"https://ghp_x@github.com/o/r":             "https://github.com/o/r",
		"http://a:b@h:8080/o/r?x=1":                "http://h:8080/o/r?x=1",
		"ssh://git:pw@github.com:22/o/r.git":       "ssh://git@github.com:22/o/r.git",
		"ssh://git@github.com/o/r.git":             "ssh://git@github.com/o/r.git",
		"git@github.com:o/r.git":                   "git@github.com:o/r.git",
		"https://github.com/o/r":                   "https://github.com/o/r",
		"https://u:p@ss@host/o/r":                  "https://host/o/r",
		"https://host/o/r@v1":                      "https://host/o/r@v1",
		"git://tok@host/o/r":                       "git://host/o/r",
		// no authority to be found: the backstop still drops "user:pw@"
		"://://user:pw@\x7f":    "://://\x7f",
		"://user:pw@host/o/r":   "://host/o/r",
		"https://host/a/u:pw@b": "https://host/a/b",
	}
	for in, want := range cases {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsGitHubHost(t *testing.T) {
	yes := []string{"github.com", "GitHub.com", "github.com.", "github.mycorp.com", "acme.ghe.com", "ssh.github.com", "github.internal", "github.com:443"}
	no := []string{"gitlab.com", "example.com", "githubx.com", "mygithub.com", "ghe.com", "localhost", "github", "github.com.evil.io"}
	for _, h := range yes {
		if !IsGitHubHost(h) {
			t.Errorf("IsGitHubHost(%q) = false, want true", h)
		}
	}
	for _, h := range no {
		if IsGitHubHost(h) {
			t.Errorf("IsGitHubHost(%q) = true, want false", h)
		}
	}
}
