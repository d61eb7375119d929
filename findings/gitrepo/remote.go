package gitrepo

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// ParseRemoteURL splits a git remote URL into its host, owner and repository
// name. It understands the scp-like form (`git@host:owner/repo.git`), and
// ssh://, git+ssh://, https://, http:// and git:// URLs, with or without a
// `.git` suffix, trailing slashes, ports and user info. The host is lower-cased
// and has no port or credentials; owner is every path segment but the last
// (so GitLab-style nested groups give "group/subgroup"); repo is the last
// segment without ".git". `ssh.github.com` (GitHub's ssh-over-443 host) is
// reported as `github.com`.
//
// Local paths and file:// URLs are rejected: they have no host.
func ParseRemoteURL(raw string) (host, owner, repo string, err error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", "", "", errors.New("empty remote URL")
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == ' ' {
			return "", "", "", fmt.Errorf("remote URL %q: contains spaces or control characters", RedactURL(s))
		}
	}
	var p string
	if i := strings.Index(s, "://"); i > 0 {
		u, perr := url.Parse(s)
		if perr != nil {
			return "", "", "", fmt.Errorf("remote URL %q: %v", RedactURL(s), unwrapURLErr(perr))
		}
		switch strings.ToLower(u.Scheme) {
		case "https", "http", "ssh", "git", "git+ssh", "ssh+git":
		case "file":
			return "", "", "", fmt.Errorf("remote URL %q: local file URL has no host", RedactURL(s))
		default:
			return "", "", "", fmt.Errorf("remote URL %q: unsupported scheme %q", RedactURL(s), u.Scheme)
		}
		host = u.Hostname()
		p = u.Path
	} else {
		// scp-like syntax: [user@]host:path. Git only treats it as such when
		// the colon comes before any slash.
		colon := strings.Index(s, ":")
		slash := strings.Index(s, "/")
		if colon <= 0 || (slash >= 0 && slash < colon) {
			return "", "", "", fmt.Errorf("remote URL %q: local path, not a hosted remote", RedactURL(s))
		}
		hostPart := s[:colon]
		if at := strings.LastIndex(hostPart, "@"); at >= 0 {
			hostPart = hostPart[at+1:]
		}
		if first, _, _ := strings.Cut(s[colon+1:], "/"); strings.Contains(first, "@") {
			return "", "", "", fmt.Errorf("remote URL %q: malformed user info", RedactURL(s))
		}
		if len(hostPart) == 1 && (s[colon+1:] == "" || s[colon+1] == '\\' || s[colon+1] == '/') {
			return "", "", "", fmt.Errorf("remote URL %q: local path, not a hosted remote", RedactURL(s))
		}
		host = strings.Trim(hostPart, "[]")
		p = s[colon+1:]
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" {
		return "", "", "", fmt.Errorf("remote URL %q: no host", RedactURL(s))
	}
	if host == "ssh.github.com" {
		host = "github.com"
	}
	if i := strings.IndexAny(p, "?#"); i >= 0 && !strings.Contains(s, "://") {
		p = p[:i]
	}
	p = strings.Trim(p, "/")
	segs := strings.Split(p, "/")
	clean := segs[:0]
	for _, sg := range segs {
		if sg == "" {
			continue // tolerate doubled slashes
		}
		if sg == "." || sg == ".." {
			return "", "", "", fmt.Errorf("remote URL %q: path has %q segment", RedactURL(s), sg)
		}
		clean = append(clean, sg)
	}
	if n := len(clean); n > 0 {
		clean[n-1] = strings.TrimSuffix(clean[n-1], ".git")
		if clean[n-1] == "" {
			clean = clean[:n-1]
		}
	}
	if len(clean) < 2 {
		return "", "", "", fmt.Errorf("remote URL %q: want host/owner/repo, got path %q", RedactURL(s), p)
	}
	// A leading "~user" (ssh home-relative path) is part of the owner path
	// as git hosts see it; keep it as is.
	return host, strings.Join(clean[:len(clean)-1], "/"), clean[len(clean)-1], nil
}

func unwrapURLErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// IsGitHubHost reports whether host looks like GitHub or GitHub Enterprise:
// github.com (and www./ssh. variants), any *.ghe.com (GitHub Enterprise Cloud
// with data residency) and hosts whose first label is "github"
// (github.mycorp.com, a common GitHub Enterprise Server name), except
// lookalikes that start with "github.com." (github.com.evil.io). Callers
// should still send a token only to a host the user configured it for.
func IsGitHubHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if i := strings.LastIndex(h, ":"); i >= 0 && !strings.Contains(h[i:], "]") && strings.Count(h, ":") == 1 {
		h = h[:i]
	}
	switch h {
	case "github.com", "www.github.com", "ssh.github.com":
		return true
	}
	if strings.HasSuffix(h, ".ghe.com") {
		return true
	}
	if strings.HasPrefix(h, "github.com.") {
		return false // lookalike such as github.com.evil.io
	}
	first, _, found := strings.Cut(h, ".")
	return found && first == "github"
}

// RedactURL returns the remote URL without credentials: for http(s) and
// git:// URLs all user info is dropped (a token may sit in the user name);
// for ssh URLs the user name is kept (it is "git" in practice) but any
// password is dropped. scp-like forms (git@host:o/r) cannot carry a password
// and are returned unchanged, except that a malformed "user:pw@host:path"
// loses everything up to the '@'.
func RedactURL(raw string) string {
	return dropPasswords(redactAuthority(strings.TrimSpace(raw)))
}

// dropPasswords is the backstop behind redactAuthority for input whose
// authority cannot be found (a leading "://", a nested "://://", an '@' in
// what parses as the path): every "x:y@" run, taken back to the previous
// '/', '?', '#' or '@', is removed. It may cut text that was never a
// credential; it never leaves a "user:password@" in place.
func dropPasswords(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	start := 0 // start of the current segment in s
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '/', '?', '#':
			b.WriteString(s[start : i+1])
			start = i + 1
		case '@':
			if seg := s[start:i]; !strings.Contains(seg, ":") {
				b.WriteString(s[start : i+1])
			}
			start = i + 1
		}
	}
	b.WriteString(s[start:])
	return b.String()
}

func redactAuthority(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		// Not URL syntax. scp-like forms cannot carry a password, but a
		// malformed "user:pw@host:path" can: drop anything up to an '@'
		// that follows a ':' in the first path segment.
		seg := s
		if j := strings.Index(seg, "/"); j >= 0 {
			seg = seg[:j]
		}
		if at := strings.LastIndex(seg, "@"); at >= 0 && strings.Contains(seg[:at], ":") {
			return s[at+1:]
		}
		return s
	}
	// Find the authority without relying on url.Parse (which rejects some
	// odd-but-seen forms); userinfo ends at the last '@' before the path.
	rest := s[i+3:]
	end := strings.IndexAny(rest, "/?#")
	auth := rest
	if end >= 0 {
		auth = rest[:end]
	}
	at := strings.LastIndex(auth, "@")
	if at < 0 {
		return s
	}
	user := auth[:at]
	scheme := strings.ToLower(s[:i])
	keep := ""
	if scheme == "ssh" || scheme == "git+ssh" || scheme == "ssh+git" {
		if u, _, _ := strings.Cut(user, ":"); u != "" {
			keep = u + "@"
		}
	}
	return s[:i+3] + keep + rest[at+1:]
}
