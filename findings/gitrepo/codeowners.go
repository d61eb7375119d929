package gitrepo

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"

	"github.com/secui/secui/findings/repofs"
)

// CODEOWNERS, as GitHub reads it (docs.github.com, "About code owners"):
//
//   - the file is the first of .github/CODEOWNERS, CODEOWNERS,
//     docs/CODEOWNERS that exists; files over 3 MB are not loaded;
//   - each line is a pattern followed by owners (@user, @org/team or an
//     e-mail address); "#" starts a comment at the start of a line or
//     before an owner; blank lines are ignored;
//   - the last matching pattern wins; a matching line with no owners makes
//     the file un-owned;
//   - patterns follow gitignore: "*" (not across "/"), "?", "**" (any number
//     of folders), a leading "/" or a "/" inside anchors the pattern at the
//     root (else it matches at any depth), a trailing "/" matches folders
//     only (so everything below them); a pattern whose last part is "*"
//     matches files directly in the folder, not deeper ("docs/*" owns
//     docs/a.md but not docs/build/b.md); "\" escapes the next character
//     ("\#x" is a pattern, "my\ file" has a space);
//   - no negation ("!"), no character classes ("[" is literal); paths are
//     case-sensitive;
//   - a line with invalid syntax (negation, a bad owner) is skipped and the
//     rest still applies; secui lists skipped lines as Problems.

// CodeownersLocations are where GitHub looks for CODEOWNERS, in order.
var CodeownersLocations = []string{".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"}

// MaxCodeownersSize is GitHub's limit: larger files are not loaded.
const MaxCodeownersSize = 3 << 20

// Codeowners is a parsed CODEOWNERS file.
type Codeowners struct {
	File     string // repository-relative path of the file read
	Rules    []CodeownersRule
	Problems []CodeownersProblem // skipped lines
}

// CodeownersRule is one valid line.
type CodeownersRule struct {
	Line    int      // 1-based line in File
	Pattern string   // as written
	Owners  []string // "@user", "@org/team" or an e-mail; empty: un-owns

	segs     []string // pattern segments (escapes kept), "**" = any folders
	dirOnly  bool     // trailing "/": matches folders only
	lastStar bool     // last segment is "*": matches files only
}

// CodeownersProblem is a line GitHub skips.
type CodeownersProblem struct {
	File string
	Line int
	Msg  string
}

func (p CodeownersProblem) Error() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg) }

// LoadCodeowners reads the repository's CODEOWNERS from the working tree at
// root (confined: a CODEOWNERS symlink leading out of the repository is
// refused). It returns nil and no error when there is none.
func LoadCodeowners(root string) (*Codeowners, error) {
	rfs, err := repofs.Open(root)
	if err != nil {
		return nil, err
	}
	defer rfs.Close()
	for _, loc := range CodeownersLocations {
		st, err := rfs.Stat(loc)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if st.Size() > MaxCodeownersSize {
			return nil, fmt.Errorf("%s: %s is over GitHub's 3 MB limit; GitHub does not load it", loc, sizeText(st.Size()))
		}
		data, err := rfs.ReadFile(loc, MaxCodeownersSize)
		if err != nil {
			return nil, err
		}
		return ParseCodeowners(loc, data), nil
	}
	return nil, nil
}

// ParseCodeowners parses CODEOWNERS text. Invalid lines are skipped and
// listed in Problems.
func ParseCodeowners(file string, data []byte) *Codeowners {
	c := &Codeowners{File: file}
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		line = strings.TrimRight(line, "\r")
		r, msg := parseCodeownersLine(line)
		switch {
		case msg != "":
			c.Problems = append(c.Problems, CodeownersProblem{File: file, Line: n, Msg: msg})
		case r != nil:
			r.Line = n
			c.Rules = append(c.Rules, *r)
		}
	}
	return c
}

var (
	ownerUser  = regexp.MustCompile(`^@[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$`)
	ownerTeam  = regexp.MustCompile(`^@[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?/[A-Za-z0-9_.-]+$`)
	ownerEmail = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// parseCodeownersLine returns the rule of one line, nil for a blank or
// comment line, or a problem message.
func parseCodeownersLine(line string) (*CodeownersRule, string) {
	s := strings.TrimLeft(line, " \t")
	if s == "" || s[0] == '#' {
		return nil, ""
	}
	// The pattern runs to the first unescaped blank.
	end := 0
	for end < len(s) {
		if s[end] == '\\' && end+1 < len(s) {
			end += 2
			continue
		}
		if s[end] == ' ' || s[end] == '\t' {
			break
		}
		end++
	}
	pat := s[:end]
	rest := s[end:]
	r := &CodeownersRule{Pattern: pat}
	for _, tok := range strings.Fields(rest) {
		if strings.HasPrefix(tok, "#") {
			break // inline comment
		}
		if !ownerUser.MatchString(tok) && !ownerTeam.MatchString(tok) && !ownerEmail.MatchString(tok) {
			return nil, fmt.Sprintf("invalid owner %q (want @user, @org/team or an e-mail address); line skipped", tok)
		}
		r.Owners = append(r.Owners, tok)
	}
	if strings.HasPrefix(pat, "!") {
		return nil, fmt.Sprintf("negation is not supported in CODEOWNERS: %q; line skipped", pat)
	}
	if err := r.compile(); err != "" {
		return nil, err + "; line skipped"
	}
	return r, ""
}

func (r *CodeownersRule) compile() string {
	p := r.Pattern
	if strings.HasSuffix(p, "/") && !strings.HasSuffix(p, `\/`) {
		r.dirOnly = true
		p = strings.TrimRight(p, "/")
	}
	anchored := strings.HasPrefix(p, "/")
	p = strings.TrimLeft(p, "/")
	if p == "" {
		return fmt.Sprintf("pattern %q matches nothing", r.Pattern)
	}
	if strings.Contains(p, "/") {
		anchored = true
	}
	segs := strings.Split(p, "/")
	for _, sg := range segs {
		if sg == "" {
			return fmt.Sprintf("pattern %q has an empty folder name", r.Pattern)
		}
	}
	if !anchored && segs[0] != "**" {
		segs = append([]string{"**"}, segs...)
	}
	// Collapse runs of "**".
	out := segs[:0]
	for _, sg := range segs {
		if sg == "**" && len(out) > 0 && out[len(out)-1] == "**" {
			continue
		}
		out = append(out, sg)
	}
	r.segs = out
	r.lastStar = out[len(out)-1] == "*"
	return ""
}

// matches reports whether the rule matches the file at path (slash-separated,
// repository-relative): the file itself, or a folder above it.
func (r *CodeownersRule) matches(parts []string) bool {
	n := len(parts)
	for k := 1; k <= n; k++ {
		isDir := k < n
		if r.dirOnly && !isDir {
			continue
		}
		if r.lastStar && isDir && !r.dirOnly {
			continue
		}
		if matchSegments(r.segs, parts[:k]) {
			return true
		}
	}
	return false
}

// Match returns the rule that decides path's owners (the last matching
// one), or nil when no rule matches. A rule with no Owners means the path
// is explicitly un-owned.
func (c *Codeowners) Match(path string) *CodeownersRule {
	if c == nil {
		return nil
	}
	path = strings.TrimPrefix(strings.ReplaceAll(path, `\`, "/"), "./")
	path = strings.Trim(path, "/")
	if path == "" {
		return nil
	}
	parts := strings.Split(path, "/")
	for i := len(c.Rules) - 1; i >= 0; i-- {
		if c.Rules[i].matches(parts) {
			return &c.Rules[i]
		}
	}
	return nil
}

// Owners returns path's owners (nil when un-owned or no rule matches).
func (c *Codeowners) Owners(path string) []string {
	if r := c.Match(path); r != nil {
		return r.Owners
	}
	return nil
}

// matchSegments matches pattern segments ("**" = zero or more path
// segments) against path segments, in O(len(pat)·len(path)).
func matchSegments(pat, path []string) bool {
	// cur[j]: pat[:i] matches path[:j].
	cur := make([]bool, len(path)+1)
	next := make([]bool, len(path)+1)
	cur[0] = true
	for _, p := range pat {
		for j := range next {
			next[j] = false
		}
		if p == "**" {
			seen := false
			for j := 0; j <= len(path); j++ {
				seen = seen || cur[j]
				next[j] = seen
			}
		} else {
			for j := 1; j <= len(path); j++ {
				next[j] = cur[j-1] && matchSegment(p, path[j-1])
			}
		}
		cur, next = next, cur
	}
	return cur[len(path)]
}

// matchSegment matches one segment glob: "*" any run, "?" one character,
// "\x" a literal x; everything else (including "[") is literal.
func matchSegment(pat, s string) bool {
	pr, sr := []rune(pat), []rune(s)
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(sr) {
		if pi < len(pr) {
			switch c := pr[pi]; {
			case c == '*':
				starP, starS = pi, si
				pi++
				continue
			case c == '?':
				pi++
				si++
				continue
			case c == '\\' && pi+1 < len(pr):
				if pr[pi+1] == sr[si] {
					pi += 2
					si++
					continue
				}
			case c == sr[si]:
				pi++
				si++
				continue
			}
		}
		if starP < 0 {
			return false
		}
		starS++
		si = starS
		pi = starP + 1
	}
	for pi < len(pr) && pr[pi] == '*' {
		pi++
	}
	return pi == len(pr)
}
