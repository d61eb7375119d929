package ledger

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Importers of the ignore files users already have: each entry becomes a
// scope record (secui ledger import).

// IgnoreEntry is one entry of an ignore file.
type IgnoreEntry struct {
	Line    int // 1-based line in the file
	Scope   Scope
	Expires *time.Time // .trivyignore "exp:YYYY-MM-DD"
}

// IgnoreError lists the problems of an ignore file, each as file:line: msg.
type IgnoreError struct{ Issues []Issue }

func (e *IgnoreError) Error() string {
	s := make([]string, len(e.Issues))
	for i, is := range e.Issues {
		s[i] = fmt.Sprintf("%s:%d: %s", is.File, is.Line, is.Msg)
	}
	return strings.Join(s, "\n")
}

// ParseTrivyIgnore reads a .trivyignore file: one id per line (a CVE, GHSA
// or other vulnerability id, a misconfiguration check id such as
// AVD-AWS-0086, or a secret rule id), optionally followed by
// "exp:YYYY-MM-DD"; "#" starts a comment. Each id becomes a rule scope of
// tool (normally "Trivy"). The YAML form (.trivyignore.yaml) is not read.
func ParseTrivyIgnore(name string, data []byte, tool string) ([]IgnoreEntry, error) {
	if strings.TrimSpace(tool) == "" {
		return nil, errors.New("a .trivyignore import needs the tool its ids belong to")
	}
	var out []IgnoreEntry
	var issues []Issue
	for i, ln := range strings.Split(string(data), "\n") {
		if j := strings.IndexByte(ln, '#'); j >= 0 {
			ln = ln[:j]
		}
		fs := strings.Fields(ln)
		if len(fs) == 0 {
			continue
		}
		e := IgnoreEntry{Line: i + 1, Scope: Scope{Kind: ScopeRule, Tool: tool, Rule: fs[0]}}
		bad := func(msg string) {
			issues = append(issues, Issue{File: name, Line: i + 1, Col: 1, Field: "entry", Msg: msg})
		}
		ok := true
		for _, f := range fs[1:] {
			v, isExp := strings.CutPrefix(f, "exp:")
			if !isExp {
				bad(fmt.Sprintf("unexpected %q after the id (want exp:YYYY-MM-DD)", f))
				ok = false
				break
			}
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				bad(fmt.Sprintf("bad expiry %q (want exp:YYYY-MM-DD)", f))
				ok = false
				break
			}
			e.Expires = &t
		}
		if !ok {
			continue
		}
		if err := e.Scope.Validate(); err != nil {
			bad(err.Error())
			continue
		}
		out = append(out, e)
	}
	if issues != nil {
		return out, &IgnoreError{Issues: issues}
	}
	return out, nil
}

// ParsePathList reads a .semgrepignore-style list of paths (gitignore
// syntax, one pattern per line, "#" comments) as path scopes, of tool when
// set (else of every tool). A pattern without a slash matches at any depth
// ("*.min.js", "node_modules"); a leading "/" anchors it at the root; a
// trailing "/" is dropped (a scope on a directory covers what is under it).
// Negations ("!keep.js") and semgrep's ":include" are refused: a scope
// cannot un-scope.
func ParsePathList(name string, data []byte, tool string) ([]IgnoreEntry, error) {
	var out []IgnoreEntry
	var issues []Issue
	for i, ln := range strings.Split(string(data), "\n") {
		p := strings.TrimSpace(strings.TrimSuffix(ln, "\r"))
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		bad := func(msg string) {
			issues = append(issues, Issue{File: name, Line: i + 1, Col: 1, Field: "pattern", Msg: msg})
		}
		switch {
		case strings.HasPrefix(p, "!"):
			bad(fmt.Sprintf("negated pattern %q is not supported (a scope cannot exclude; decide those findings one by one)", p))
			continue
		case strings.HasPrefix(p, ":"):
			bad(fmt.Sprintf("directive %q is not supported (list its patterns here instead)", p))
			continue
		}
		g := strings.TrimRight(p, "/")
		anchored := strings.HasPrefix(g, "/")
		g = strings.TrimLeft(g, "/")
		if g == "" {
			bad(fmt.Sprintf("pattern %q covers the whole repository", p))
			continue
		}
		if !anchored && !strings.Contains(g, "/") && !strings.HasPrefix(g, "**") {
			g = "**/" + g
		}
		e := IgnoreEntry{Line: i + 1, Scope: Scope{Kind: ScopePath, Tool: tool, Path: g}}
		if err := e.Scope.Validate(); err != nil {
			bad(err.Error())
			continue
		}
		out = append(out, e)
	}
	if issues != nil {
		return out, &IgnoreError{Issues: issues}
	}
	return out, nil
}
