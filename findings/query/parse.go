package query

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/secui/secui/findings"
)

// ParseError is a syntax or value error in a query. Col is the 1-based
// column (in characters) of the offending part, Term the whole term it is in.
type ParseError struct {
	Col  int
	Term string
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("col %d: %s", e.Col, e.Msg) }

// field is the kind of a term.
type field uint8

const (
	fText field = iota
	fSev
	fStage
	fTool
	fRule
	fPath
	fCWE
	fState
	fCat
	fID
	fVuln
	fPkg
	fIs
	fHas
	fNew
	fKind
)

// fieldNames are the canonical names, indexed by field.
var fieldNames = [...]string{"", "sev", "stage", "tool", "rule", "path", "cwe", "state", "cat", "id", "vuln", "pkg", "is", "has", "new", "kind"}

var fieldAliases = map[string]field{
	"sev": fSev, "severity": fSev,
	"stage": fStage,
	"tool":  fTool,
	"rule":  fRule,
	"path":  fPath, "file": fPath,
	"cwe":   fCWE,
	"state": fState,
	"cat":   fCat, "category": fCat,
	"id":   fID,
	"vuln": fVuln, "cve": fVuln,
	"pkg": fPkg, "package": fPkg,
	"is":   fIs,
	"has":  fHas,
	"new":  fNew,
	"kind": fKind,
}

// is: and has: predicates.
const (
	isNew uint8 = iota
	isUnchanged
	isUpdated
	isAbsent
	isSarifSuppressed
	hasCWE
	hasVuln
	hasPkg
	newBranch
)

var isNames = map[string]uint8{
	"new": isNew, "unchanged": isUnchanged, "updated": isUpdated, "absent": isAbsent,
	"suppressed-in-sarif": isSarifSuppressed, "sarif-suppressed": isSarifSuppressed,
}

var isCanon = map[uint8]string{
	isNew: "new", isUnchanged: "unchanged", isUpdated: "updated", isAbsent: "absent",
	isSarifSuppressed: "suppressed-in-sarif", hasCWE: "cwe", hasVuln: "vuln", hasPkg: "pkg",
	newBranch: "branch",
}

var hasNames = map[string]uint8{
	"cwe": hasCWE, "vuln": hasVuln, "cve": hasVuln, "pkg": hasPkg, "package": hasPkg,
}

// patKind is how a pattern matches. Common globs compile to the cheap kinds.
type patKind uint8

const (
	pkExact    patKind = iota // s == v
	pkContains                // v contains s
	pkPrefix                  // v starts with s
	pkSuffix                  // v ends with s
	pkDir                     // v == s or v starts with s + "/"  (path "dir/**")
	pkTail                    // v == s or v ends with "/" + s  (path "**/name")
	pkSegment                 // v == s, starts with s + "/", or contains "/" + s + "/" (path "**/dir/**")
	pkGlob                    // doublestar glob (cached per value in Filter)
)

// pattern is one compiled string matcher (tool, rule, path, vuln, pkg).
// All strings are lower-case; matching folds case.
type pattern struct {
	kind patKind
	s    string // for pkGlob on non-path fields "/" is replaced by flatSep
	base bool   // pkGlob path glob without "/": also match the file name
}

// compilePattern compiles a lower-cased value of field f.
func compilePattern(f field, lv string) (pattern, error) {
	if !strings.ContainsAny(lv, globMeta) {
		if f == fRule || f == fVuln {
			return pattern{kind: pkExact, s: lv}, nil
		}
		return pattern{kind: pkContains, s: lv}, nil
	}
	if !doublestar.ValidatePattern(lv) {
		return pattern{}, fmt.Errorf("bad glob %q", lv)
	}
	plain := func(x string) bool { return x != "" && !strings.ContainsAny(x, globMeta+`\`) }
	if f == fPath {
		switch {
		case strings.HasSuffix(lv, "/**") && strings.HasPrefix(lv, "**/") && len(lv) > 6 && plain(lv[3:len(lv)-3]) && !strings.Contains(lv[3:len(lv)-3], "/"):
			return pattern{kind: pkSegment, s: lv[3 : len(lv)-3]}, nil
		case strings.HasSuffix(lv, "/**") && plain(lv[:len(lv)-3]):
			return pattern{kind: pkDir, s: lv[:len(lv)-3]}, nil
		case strings.HasPrefix(lv, "**/*") && plain(lv[4:]) && !strings.Contains(lv[4:], "/"):
			return pattern{kind: pkSuffix, s: lv[4:]}, nil
		case strings.HasPrefix(lv, "*") && plain(lv[1:]) && !strings.Contains(lv[1:], "/"):
			return pattern{kind: pkSuffix, s: lv[1:]}, nil // *.go: any file name ending in .go
		case strings.HasPrefix(lv, "**/") && plain(lv[3:]):
			return pattern{kind: pkTail, s: lv[3:]}, nil
		}
		return pattern{kind: pkGlob, s: lv, base: !strings.Contains(lv, "/")}, nil
	}
	// Flat fields: "*" matches anything, "/" included.
	if n := len(lv); n > 2 && lv[0] == '*' && lv[n-1] == '*' && plain(lv[1:n-1]) {
		return pattern{kind: pkContains, s: lv[1 : n-1]}, nil
	}
	if n := len(lv); n > 1 && lv[n-1] == '*' && plain(lv[:n-1]) {
		return pattern{kind: pkPrefix, s: lv[:n-1]}, nil
	}
	if n := len(lv); n > 1 && lv[0] == '*' && plain(lv[1:]) {
		return pattern{kind: pkSuffix, s: lv[1:]}, nil
	}
	return pattern{kind: pkGlob, s: strings.ReplaceAll(lv, "/", flatSep)}, nil
}

// flatSep stands in for "/" in globs on non-path fields, so "*" crosses it.
const flatSep = "\x1f"

// term is one parsed, compiled term.
type term struct {
	neg   bool
	field field
	items []string // canonical items (for String)

	text  string    // fText: lower-cased needle
	mask  uint8     // sev, stage, state, cat: bit per value
	pats  []pattern // tool, rule, path, vuln, pkg
	cwes  []string  // "CWE-79"
	ids   []string  // lower-case prefixes
	preds []uint8   // is:, has:, new:

	branch BranchFacts // new:branch, bound by WithBranch (nil: unbound)
}

// Query is a parsed query. It is immutable and safe for concurrent use.
// The nil *Query matches everything.
type Query struct {
	terms []term
	order []int // evaluation order of terms (cheapest first)
}

// newQuery builds a query from terms and works out the evaluation order.
func newQuery(terms []term) *Query {
	q := &Query{terms: terms, order: make([]int, len(terms))}
	for i := range q.order {
		q.order[i] = i
	}
	slices.SortStableFunc(q.order, func(a, b int) int { return terms[a].cost() - terms[b].cost() })
	return q
}

// Parse reads a query (see the package documentation for the grammar).
// The empty string (or only spaces) is the empty query, which matches everything.
func Parse(s string) (*Query, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	var terms []term
	for _, tk := range toks {
		t, err := compileToken(tk)
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
	}
	return newQuery(terms), nil
}

// qrune is a rune of a term with its column and whether it was quoted.
type qrune struct {
	r      rune
	col    int
	quoted bool
}

type token struct {
	runes []qrune
	col   int    // column of the first character of the term
	raw   string // the term as written
}

func tokenize(s string) ([]token, error) {
	rs := []rune(s)
	var toks []token
	i := 0
	for i < len(rs) {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		start := i
		tk := token{col: i + 1}
		inQuote, quoteCol, sawQuote := false, 0, false
		for i < len(rs) {
			r := rs[i]
			if !inQuote {
				if unicode.IsSpace(r) {
					break
				}
				if r == '"' {
					inQuote, quoteCol, sawQuote = true, i+1, true
					i++
					continue
				}
				tk.runes = append(tk.runes, qrune{r, i + 1, false})
				i++
				continue
			}
			switch {
			case r == '\\' && i+1 < len(rs) && (rs[i+1] == '"' || rs[i+1] == '\\'):
				tk.runes = append(tk.runes, qrune{rs[i+1], i + 1, true})
				i += 2
			case r == '"':
				inQuote = false
				i++
			default:
				tk.runes = append(tk.runes, qrune{r, i + 1, true})
				i++
			}
		}
		tk.raw = string(rs[start:i])
		if inQuote {
			return nil, &ParseError{Col: quoteCol, Term: tk.raw, Msg: fmt.Sprintf("unterminated quote in %s", tk.raw)}
		}
		if len(tk.runes) == 0 && sawQuote {
			return nil, &ParseError{Col: tk.col, Term: tk.raw, Msg: "empty quoted text"}
		}
		toks = append(toks, tk)
	}
	return toks, nil
}

func isWordRune(r rune) bool {
	return r == '-' || r == '_' || (r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)))
}

func runesString(rs []qrune) string {
	b := make([]rune, len(rs))
	for i, r := range rs {
		b[i] = r.r
	}
	return string(b)
}

func compileToken(tk token) (term, error) {
	rs := tk.runes
	var t term
	perr := func(col int, format string, a ...any) error {
		return &ParseError{Col: col, Term: tk.raw, Msg: fmt.Sprintf(format, a...)}
	}
	if len(rs) > 0 && rs[0].r == '-' && !rs[0].quoted {
		if len(rs) == 1 {
			return t, perr(rs[0].col, `"-" must be followed by a term`)
		}
		t.neg = true
		rs = rs[1:]
	}
	// field:value?
	colon := -1
	for i, r := range rs {
		if r.quoted {
			break
		}
		if r.r == ':' {
			colon = i
			break
		}
		if !isWordRune(r.r) {
			break
		}
	}
	if colon <= 0 {
		t.field = fText
		text := runesString(rs)
		t.text = strings.ToLower(text)
		t.items = []string{t.text}
		return t, nil
	}
	name := strings.ToLower(runesString(rs[:colon]))
	f, ok := fieldAliases[name]
	if !ok {
		return t, perr(rs[0].col, "unknown field %q", runesString(rs[:colon]))
	}
	t.field = f
	val := rs[colon+1:]
	if len(val) == 0 {
		return t, perr(rs[0].col, "empty value for %s:", name)
	}
	items, err := splitItems(val, tk)
	if err != nil {
		return t, err
	}
	for _, it := range items {
		if err := t.addItem(it.s); err != nil {
			return t, perr(it.col, "%s", err.Error())
		}
	}
	return t, nil
}

type item struct {
	s      string
	col    int
	quoted bool
}

// splitItems splits a value at commas that are not quoted and not inside
// {braces} or [brackets].
func splitItems(val []qrune, tk token) ([]item, error) {
	var items []item
	depthBrace, inBracket := 0, false
	start := 0
	flush := func(end int, commaCol int) error {
		part := val[start:end]
		if len(part) == 0 {
			col := commaCol
			return &ParseError{Col: col, Term: tk.raw, Msg: fmt.Sprintf("empty item in list %s", tk.raw)}
		}
		q := false
		for _, r := range part {
			q = q || r.quoted
		}
		items = append(items, item{runesString(part), part[0].col, q})
		return nil
	}
	for i, r := range val {
		if r.quoted {
			continue
		}
		switch {
		case inBracket:
			if r.r == ']' {
				inBracket = false
			}
		case r.r == '[':
			inBracket = true
		case r.r == '{':
			depthBrace++
		case r.r == '}':
			if depthBrace > 0 {
				depthBrace--
			}
		case r.r == ',' && depthBrace == 0:
			if err := flush(i, r.col); err != nil {
				return nil, err
			}
			start = i + 1
		}
	}
	endCol := val[len(val)-1].col + 1
	if err := flush(len(val), endCol); err != nil {
		return nil, err
	}
	return items, nil
}

const globMeta = "*?[{"

// addItem compiles one list item into t.
func (t *term) addItem(v string) error {
	lv := strings.ToLower(v)
	switch t.field {
	case fSev:
		base, suffix := lv, byte(0)
		if n := len(lv); n > 1 && (lv[n-1] == '+' || lv[n-1] == '-') {
			base, suffix = lv[:n-1], lv[n-1]
		}
		s, err := findings.ParseSeverity(base)
		if err != nil {
			return err
		}
		for x := findings.SevInfo; x <= findings.SevCritical; x++ {
			if (suffix == '+' && x >= s) || (suffix == '-' && x <= s) || (suffix == 0 && x == s) {
				t.mask |= 1 << x
			}
		}
		c := s.String()
		if suffix != 0 {
			c += string(suffix)
		}
		t.items = append(t.items, c)
	case fStage:
		s, err := findings.ParseStage(lv)
		if err != nil {
			return err
		}
		t.mask |= 1 << s
		t.items = append(t.items, s.String())
	case fState:
		s, err := findings.ParseState(lv)
		if err != nil {
			return err
		}
		t.mask |= 1 << s
		t.items = append(t.items, s.String())
	case fCat:
		c, err := findings.ParseCategory(lv)
		if err != nil {
			return err
		}
		t.mask |= 1 << c
		t.items = append(t.items, c.String())
	case fKind:
		k, err := findings.ParseKind(lv)
		if err != nil {
			return err
		}
		t.mask |= 1 << k
		t.items = append(t.items, k.String())
	case fCWE:
		n := strings.TrimPrefix(strings.TrimPrefix(lv, "cwe"), "-")
		if n == "" || strings.Trim(n, "0123456789") != "" {
			return fmt.Errorf("bad CWE %q (want a number such as 79 or CWE-79)", v)
		}
		n = strings.TrimLeft(n, "0")
		if n == "" {
			n = "0"
		}
		t.cwes = append(t.cwes, "CWE-"+n)
		t.items = append(t.items, n)
	case fID:
		if strings.Trim(lv, "0123456789abcdef") != "" {
			return fmt.Errorf("bad id %q (want hex digits)", v)
		}
		t.ids = append(t.ids, lv)
		t.items = append(t.items, lv)
	case fIs:
		p, ok := isNames[lv]
		if !ok {
			return fmt.Errorf("unknown is:%s (want new, unchanged, updated, absent or suppressed-in-sarif)", v)
		}
		t.preds = append(t.preds, p)
		t.items = append(t.items, isCanon[p])
	case fHas:
		if lv == "fix" || lv == "fixes" || lv == "flow" || lv == "flows" {
			return fmt.Errorf("has:%s is not supported (fixes and code flows are decoded only when a finding is opened)", v)
		}
		p, ok := hasNames[lv]
		if !ok {
			return fmt.Errorf("unknown has:%s (want cwe, vuln or pkg)", v)
		}
		t.preds = append(t.preds, p)
		t.items = append(t.items, isCanon[p])
	case fNew:
		if lv != "branch" {
			return fmt.Errorf("unknown new:%s (want new:branch)", v)
		}
		t.preds = append(t.preds, newBranch)
		t.items = append(t.items, isCanon[newBranch])
	case fTool, fRule, fPath, fVuln, fPkg:
		p, err := compilePattern(t.field, lv)
		if err != nil {
			return fmt.Errorf("bad glob %q", v)
		}
		t.pats = append(t.pats, p)
		t.items = append(t.items, lv)
	}
	return nil
}

// String returns the canonical form of the query: canonical field names,
// lower-case values, full severity/stage/state/category names, quotes where
// needed. Parse(q.String()) is equivalent to q.
func (q *Query) String() string {
	if q == nil {
		return ""
	}
	var b strings.Builder
	for i, t := range q.terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		if t.neg {
			b.WriteByte('-')
		}
		if t.field == fText {
			b.WriteString(quoteIf(t.text, true))
			continue
		}
		b.WriteString(fieldNames[t.field])
		b.WriteByte(':')
		for j, it := range t.items {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(quoteIf(it, false))
		}
	}
	return b.String()
}

// quoteIf quotes s when it would not read back as the same single item.
func quoteIf(s string, text bool) string {
	need := s == "" || strings.ContainsRune(s, '"') || strings.IndexFunc(s, unicode.IsSpace) >= 0 ||
		(!text && hasSplitComma(s))
	if text && !need {
		if s[0] == '-' {
			need = true
		} else if i := strings.IndexByte(s, ':'); i > 0 {
			need = true
			for _, r := range s[:i] {
				if !isWordRune(r) {
					need = false
					break
				}
			}
		}
	}
	if !need {
		return s // an unquoted backslash is literal
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// And returns the conjunction of q and o. Either may be nil.
func (q *Query) And(o *Query) *Query {
	var terms []term
	if q != nil {
		terms = append(terms, q.terms...)
	}
	if o != nil {
		terms = append(terms, o.terms...)
	}
	return newQuery(terms)
}

// BranchFacts says which findings are new on the current branch. The term
// new:branch is a lookup in it; findings/branch computes it (against a scan
// of the merge base, else from the lines changed since the merge base).
type BranchFacts interface {
	NewOnBranch(f *findings.Finding) bool
}

// ErrBranchUnbound is returned by Filter for a query with new:branch that
// was not given its facts with WithBranch.
var ErrBranchUnbound = errors.New("new:branch needs the branch's git context (computed from the merge base)")

// UsesBranch reports whether q has a new:branch term (the caller then
// computes the facts and binds them with WithBranch).
func (q *Query) UsesBranch() bool {
	if q == nil {
		return false
	}
	for i := range q.terms {
		if q.terms[i].field == fNew {
			return true
		}
	}
	return false
}

// WithBranch returns q with its new:branch terms bound to b. q itself is
// not changed (queries are immutable).
func (q *Query) WithBranch(b BranchFacts) *Query {
	if !q.UsesBranch() {
		return q
	}
	terms := append([]term(nil), q.terms...)
	for i := range terms {
		if terms[i].field == fNew {
			terms[i].branch = b
		}
	}
	return &Query{terms: terms, order: q.order}
}

// unbound reports whether q has a new:branch term without facts.
func (q *Query) unbound() bool {
	for i := range q.terms {
		if q.terms[i].field == fNew && q.terms[i].branch == nil {
			return true
		}
	}
	return false
}

// IsEmpty reports whether q has no terms (it matches everything).
func (q *Query) IsEmpty() bool { return q == nil || len(q.terms) == 0 }

// hasSplitComma reports whether s has a comma that would split a list item
// (one outside {braces} and [brackets]).
func hasSplitComma(s string) bool {
	depth, inBracket := 0, false
	for _, r := range s {
		switch {
		case inBracket:
			inBracket = r != ']'
		case r == '[':
			inBracket = true
		case r == '{':
			depth++
		case r == '}' && depth > 0:
			depth--
		case r == ',' && depth == 0:
			return true
		}
	}
	return false
}
