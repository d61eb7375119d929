package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
)

// Scoped decisions: one record that applies to every finding of a tool's
// rule (optionally under a path glob), or to every finding under a path
// glob (optionally of one tool). A scope record is a Decision with Scope
// set; its Tool, Rule and Path say what it covers (Path is a glob), and it
// is held to the same validity rules as a finding's record (reason,
// justification, author, expiry, due date, review).
//
// Precedence, for each finding (the first that applies wins):
//
//  1. a decision on the finding itself (placed by the matcher), whatever
//     its state: reopening one finding inside a suppressed scope shows it;
//  2. a rule scope with a path glob (tool + rule + path);
//  3. a rule scope (tool + rule, everywhere);
//  4. a path scope of one tool (tool + path);
//  5. a path scope (path, every tool).
//
// Between two scopes of the same kind the more specific glob wins (more
// literal characters), then the lower record id. A scope whose suppression
// expired makes its findings open again (expired) and does not fall back to
// a broader scope. A scope in state open (reopened) covers nothing.

// ScopeKind is what a record applies to.
type ScopeKind string

// Scope kinds (Decision.Scope).
const (
	ScopeFinding ScopeKind = ""     // one finding: the record's id (the default)
	ScopeRule    ScopeKind = "rule" // a tool's rule, optionally under a path glob
	ScopePath    ScopeKind = "path" // a path glob, optionally of one tool
)

// ParseScopeKind reads a scope kind name ("finding", "rule", "path").
func ParseScopeKind(s string) (ScopeKind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "finding":
		return ScopeFinding, nil
	case "rule":
		return ScopeRule, nil
	case "path":
		return ScopePath, nil
	}
	return "", fmt.Errorf("unknown scope %q (want finding, rule or path)", s)
}

func parseScopeName(s string) (ScopeKind, error) {
	switch ScopeKind(s) {
	case ScopeRule:
		return ScopeRule, nil // the constant: no reference to the file's text
	case ScopePath:
		return ScopePath, nil
	}
	return "", fmt.Errorf("unknown scope %q (want rule or path; a record without scope is one finding's)", s)
}

// Scope is what a scope record covers.
type Scope struct {
	Kind ScopeKind
	Tool string // tool name (case-insensitive); required for a rule scope
	Rule string // rule id (exact); rule scopes only
	Path string // doublestar glob on the repository-relative path ("" everywhere; required for a path scope)
}

// Scope returns what d covers (Kind ScopeFinding for a finding's record).
func (d *Decision) ScopeOf() Scope {
	if d.Extra().Scope == ScopeFinding {
		return Scope{}
	}
	return Scope{Kind: d.Extra().Scope, Tool: d.Tool, Rule: d.Rule, Path: d.Path}
}

// IsScope reports whether d is a scope record (not one finding's).
func (d *Decision) IsScope() bool { return d.extra != nil && d.extra.Scope != ScopeFinding }

// Validate checks a scope: a rule scope names a tool and a rule, a path
// scope a path glob and no rule; the glob is a valid doublestar pattern,
// relative, without "..".
func (s Scope) Validate() error {
	switch s.Kind {
	case ScopeRule:
		if strings.TrimSpace(s.Tool) == "" || strings.TrimSpace(s.Rule) == "" {
			return errors.New("a rule scope needs a tool and a rule (--tool, --rule)")
		}
	case ScopePath:
		if strings.TrimSpace(s.Path) == "" {
			return errors.New("a path scope needs a path glob (--path)")
		}
		if s.Rule != "" {
			return errors.New("a path scope has no rule (use a rule scope with a path)")
		}
	case ScopeFinding:
		return errors.New("not a scope")
	default:
		return fmt.Errorf("unknown scope %q", s.Kind)
	}
	if s.Path != "" {
		return validGlob(s.Path)
	}
	return nil
}

func validGlob(g string) error {
	if !doublestar.ValidatePattern(g) {
		return fmt.Errorf("bad path glob %q", g)
	}
	if strings.HasPrefix(g, "/") || g == ".." || strings.HasPrefix(g, "../") || strings.Contains(g, "/../") || strings.HasSuffix(g, "/..") || strings.Contains(g, "\\") {
		return fmt.Errorf("path glob %q must be relative to the repository root, with / separators and no ..", g)
	}
	return nil
}

// ID is the record id of the scope: derived from what it covers, so the
// same scope decided twice (or on two branches) is one record.
func (s Scope) ID() string {
	h := sha256.Sum256([]byte("secui/scope/" + string(s.Kind) + "\x00" + strings.ToLower(s.Tool) + "\x00" + s.Rule + "\x00" + s.Path))
	return hex.EncodeToString(h[:8])
}

// Same reports whether two scopes cover the same findings (tool names
// compare case-insensitively).
func (s Scope) Same(o Scope) bool {
	return s.Kind == o.Kind && strings.EqualFold(s.Tool, o.Tool) && s.Rule == o.Rule && s.Path == o.Path
}

// String describes the scope: "rule ESLint no-undef", "rule gosec G101 in
// internal/**", "path vendor/**", "path vendor/** (Trivy)".
func (s Scope) String() string {
	switch s.Kind {
	case ScopeRule:
		out := "rule " + s.Tool + " " + s.Rule
		if s.Path != "" {
			out += " in " + s.Path
		}
		return out
	case ScopePath:
		out := "path " + s.Path
		if s.Tool != "" {
			out += " (" + s.Tool + ")"
		}
		return out
	}
	return "finding"
}

// rank orders scopes, narrowest first (see the precedence above).
func (s Scope) rank() int {
	switch {
	case s.Kind == ScopeRule && s.Path != "":
		return 0
	case s.Kind == ScopeRule:
		return 1
	case s.Kind == ScopePath && s.Tool != "":
		return 2
	}
	return 3
}

// literal is the number of non-wildcard characters of the glob.
func literal(g string) int {
	n := 0
	for i := 0; i < len(g); i++ {
		switch g[i] {
		case '*', '?', '[', ']', '{', '}', ',':
		default:
			n++
		}
	}
	return n
}

// Matches reports whether the scope covers f.
func (s Scope) Matches(f *findings.Finding) bool {
	if s.Tool != "" && !strings.EqualFold(f.ToolName(), s.Tool) {
		return false
	}
	if s.Rule != "" && f.RuleID() != s.Rule {
		return false
	}
	return s.Path == "" || MatchGlob(s.Path, f.Loc.Path)
}

// MatchGlob reports whether path, or one of its leading directories,
// matches the doublestar glob g (so "vendor" and "vendor/**" both cover
// vendor/a/b.js, as in ignore files).
func MatchGlob(g, path string) bool {
	if path == "" {
		return false
	}
	for p := path; ; {
		if ok, _ := doublestar.Match(g, p); ok {
			return true
		}
		i := strings.LastIndexByte(p, '/')
		if i <= 0 {
			return false
		}
		p = p[:i]
	}
}

// scopeSet applies the scope records of a ledger to findings.
type scopeSet struct {
	ds     []*Decision // active scope records, narrowest first
	sc     []Scope     // what each covers
	idx    []int32     // index of each in the overlay's decisions
	byRule map[string][]int32
	others []int32 // scopes without a rule (path scopes), narrowest first
}

func newScopeSet(ds []*Decision, idx []int32) *scopeSet {
	type sc struct {
		d *Decision
		i int32
	}
	var list []sc
	for k, d := range ds {
		if d.State == findings.StateOpen {
			continue // reopened: covers nothing
		}
		list = append(list, sc{d, idx[k]})
	}
	slices.SortStableFunc(list, func(a, b sc) int {
		sa, sb := a.d.ScopeOf(), b.d.ScopeOf()
		if r := sa.rank() - sb.rank(); r != 0 {
			return r
		}
		if l := literal(sb.Path) - literal(sa.Path); l != 0 {
			return l
		}
		return strings.Compare(a.d.ID, b.d.ID)
	})
	s := &scopeSet{byRule: map[string][]int32{}}
	for k, x := range list {
		s.ds = append(s.ds, x.d)
		s.sc = append(s.sc, x.d.ScopeOf())
		s.idx = append(s.idx, x.i)
		if x.d.Rule != "" {
			s.byRule[x.d.Rule] = append(s.byRule[x.d.Rule], int32(k))
		} else {
			s.others = append(s.others, int32(k))
		}
	}
	return s
}

// each calls fn with every scope covering f (index into s.ds), narrowest
// first.
func (s *scopeSet) each(f *findings.Finding, fn func(int)) {
	if len(s.byRule) > 0 && f.Rule != nil {
		for _, k := range s.byRule[f.Rule.ID] {
			if s.sc[k].Matches(f) {
				fn(int(k)) // rule scopes rank before path scopes
			}
		}
	}
	for _, k := range s.others {
		if s.sc[k].Matches(f) {
			fn(int(k))
		}
	}
}

// ---- writing scope records

// DecideScope records one decision for a scope (a rule or a path glob) as
// a single record, with the same validation and history as Decide. Deciding
// the same scope again updates its record.
func (l *Ledger) DecideScope(s Scope, req Request) (*Decision, error) {
	ds, err := l.DecideScopes([]ScopeRequest{{Scope: s, Request: req}})
	if err != nil {
		return nil, err
	}
	return ds[0], nil
}

// ScopeRequest is one scope decision of a DecideScopes batch.
type ScopeRequest struct {
	Scope   Scope
	Request Request
}

// DecideScopes records several scope decisions in one write (an import):
// all are validated first, and nothing is written if one fails (the error
// names its index). It starts a new undo batch.
func (l *Ledger) DecideScopes(items []ScopeRequest) ([]*Decision, error) {
	reqs := make([]Request, len(items))
	for i, it := range items {
		req := it.Request
		fail := func(err error) error {
			if len(items) > 1 {
				return fmt.Errorf("scope %d (%s): %w", i+1, it.Scope, err)
			}
			return err
		}
		if err := it.Scope.Validate(); err != nil {
			return nil, fail(err)
		}
		if req.Action == ActFixed || req.Action == ActLink {
			return nil, fail(fmt.Errorf("a scope cannot be %s (decide its findings)", map[string]string{ActFixed: "marked fixed", ActLink: "linked to a ticket"}[req.Action]))
		}
		if req.Now.IsZero() {
			req.Now = time.Now()
		}
		req.Now = req.Now.UTC().Truncate(time.Second)
		if err := req.Validate(); err != nil {
			return nil, fail(err)
		}
		if err := ValidateAuthor(req.Author); err != nil {
			return nil, fail(err)
		}
		if req.Reason != "" {
			req.Reason, _ = ParseReason(string(req.Reason))
		}
		req.Justification = strings.TrimSpace(req.Justification)
		req.Note = strings.TrimSpace(req.Note)
		reqs[i] = req
	}
	out := make([]*Decision, len(items))
	err := l.update(func(recs map[string]*Decision) ([]undoEntry, error) {
		b := &batch{recs: recs, pre: map[string]*Decision{}, renamed: map[string]string{}}
		for i, it := range items {
			req := &reqs[i]
			b.req = req
			s := it.Scope
			var d *Decision
			for _, x := range recs {
				if x.IsScope() && x.ScopeOf().Same(s) {
					d = x.clone()
					break
				}
			}
			if d == nil {
				if req.Action == ActReopen {
					return nil, fmt.Errorf("no %s in the ledger to reopen", s)
				}
				id := s.ID()
				if recs[id] != nil {
					id = derivedID(id, func(c string) bool { return recs[c] != nil })
				}
				d = &Decision{ID: id}
			}
			applyScope(d, s, req)
			b.put(d)
			out[i] = d
		}
		return b.undo(), nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func applyScope(d *Decision, s Scope, req *Request) {
	f := &findings.Finding{Loc: findings.Location{Path: s.Path}}
	if s.Tool != "" {
		f.Tool = &findings.Tool{Name: s.Tool}
	}
	if s.Rule != "" {
		f.Rule = &findings.Rule{ID: s.Rule}
	}
	applyRequest(d, f, req)
	d.Edit().Scope, d.Keys, d.Evidence = s.Kind, nil, evidence.Evidence{}
}

// ScopeUse is one scope record and the findings it covers now.
type ScopeUse struct {
	Decision *Decision
	Scope    Scope
	Count    int // findings it decides now (not overridden by a finding's own or a narrower decision)
	// Shadowed counts the findings it matches that a finding's own
	// decision or a narrower scope decides instead.
	Shadowed int
}

// Stale reports a scope that matches no current finding (a reopened scope,
// state open, covers nothing by design and is not stale).
func (u ScopeUse) Stale() bool {
	return u.Count == 0 && u.Shadowed == 0 && u.Decision.State != findings.StateOpen
}
