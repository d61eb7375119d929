package findings

import (
	"errors"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unsafe"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/secui/secui/findings/repofs"
)

// liteOpts decodes leniently: duplicate names and invalid UTF-8 (seen in real
// tool output) do not cost the whole result.
var liteOpts = jsonv2.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// decodeErr turns a decoder error into a message and a byte offset within the
// decoded value.
func decodeErr(err error) (string, int) {
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		return "invalid JSON: " + strings.TrimPrefix(se.Err.Error(), "jsontext: "), int(se.ByteOffset)
	}
	var me *jsonv2.SemanticError
	if errors.As(err, &me) {
		where := string(me.JSONPointer)
		msg := "value of the wrong type"
		if me.JSONKind != 0 && me.GoType != nil {
			msg = "cannot use JSON " + me.JSONKind.String() + " as " + goTypeName(me.GoType.String())
		}
		if me.Err != nil {
			msg += ": " + me.Err.Error()
		}
		if where != "" {
			msg = where[1:] + ": " + msg
		}
		return strings.ReplaceAll(msg, "/", "."), int(me.ByteOffset)
	}
	return err.Error(), 0
}

func goTypeName(t string) string {
	t = strings.TrimPrefix(t, "*")
	switch {
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case strings.HasPrefix(t, "map[") || strings.HasPrefix(t, "findings."):
		return "an object"
	case t == "string" || t == "findings.flexString":
		return "a string"
	case t == "int" || t == "float64":
		return "a number"
	}
	return t
}

// converter turns decoded results into findings. One per worker goroutine: its
// caches are not shared.
type converter struct {
	fl        *fileLoad
	root      string
	paths     map[resolvedURI]mappedPath
	intern    map[string]string
	classes   map[*Rule]classification
	kindTags  map[*Rule]tagSignal
	sevs      map[string]map[string]string // by prefix, then value
	arts      map[artKey]Location
	artsByURI map[string][]artEntry
	nArts     int
	dc        *decCache
	kb        keyBuf     // identity keys
	res       liteResult // the result being converted (one per worker: it would escape as a local)

	rfsDone bool
	rfs     *repofs.Root // the repository, for path mapping (opened on first use)
}

// isRepoFile reports whether rel is a regular file in the repository that
// secui may read (repofs: no symlink out, nothing in .git).
func (cv *converter) isRepoFile(rel string) bool {
	if !cv.rfsDone {
		cv.rfsDone = true
		if cv.fl != nil && cv.fl.ld.rfs != nil {
			cv.rfs = cv.fl.ld.rfs
		} else if r, err := repofs.Open(cv.root); err == nil {
			cv.rfs = r // details: one per converter, released with it
		}
	}
	return cv.rfs != nil && cv.rfs.IsFile(rel)
}

type mappedPath struct {
	path   string
	inRepo bool
}

func newConverter(fl *fileLoad) *converter {
	return &converter{fl: fl, root: fl.ld.opts.Root, paths: map[resolvedURI]mappedPath{}, intern: map[string]string{}, classes: map[*Rule]classification{}, kindTags: map[*Rule]tagSignal{}, sevs: map[string]map[string]string{}, arts: map[artKey]Location{}, artsByURI: map[string][]artEntry{}, dc: newDecCache()}
}

func (cv *converter) in(s string) string {
	if v, ok := cv.intern[s]; ok {
		return v
	}
	if len(cv.intern) < 1<<16 {
		cv.intern[s] = s
	}
	return s
}

// decodeFailed reports a result the decoder refused. A streamed copy had
// bulky members left out: the original is decoded to report the error where
// it is in the file (or to recover).
func (cv *converter) decodeFailed(j resultJob, f *Finding, err error) *Finding {
	if j.orig > 0 && cv.fl.reread != nil {
		if orig, rerr := cv.fl.reread(j.off, j.orig); rerr == nil {
			j.data, j.orig = orig, 0
			return cv.convert(j, f)
		}
	}
	msg, off := decodeErr(err)
	cv.fl.jobErrorAt(j, off, "runs[%d].results[%d]: %s", j.run.index, j.index, msg)
	return nil
}

func (cv *converter) convert(j resultJob, f *Finding) *Finding {
	r := &cv.res
	*r = liteResult{}
	if !fastDecodeResult(j.data, r, cv.dc) {
		*r = liteResult{}
		if err := jsonv2.Unmarshal(j.data, r, liteOpts); err != nil {
			return cv.decodeFailed(j, f, err)
		}
	}
	switch r.Kind {
	case "pass", "notApplicable":
		return nil
	}
	if r.RuleID == nil && r.Rule == nil && r.Message == nil && len(r.Locations) == 0 && r.AnalysisTarget == nil {
		// Nothing to triage, and a cheap way to make a small compressed
		// file cost a finding per result: reported, not kept.
		cv.fl.jobErrorAt(j, 0, "runs[%d].results[%d]: empty result (no rule, message or location); skipped", j.run.index, j.index)
		return nil
	}
	rm := j.run
	rule := rm.rule(r)
	f.Tool = rm.tool
	f.Rule = rule
	src := Source{File: cv.fl.name, Run: rm.index, Result: j.index, Tool: rm.tool, Offset: j.off, Length: int32(max(len(j.data), j.orig))}
	if cap(f.Sources) > 0 { // a slot in the worker's batch slab
		f.Sources = append(f.Sources[:0], src)
	} else {
		f.Sources = []Source{src}
	}

	// Locations
	if len(r.Locations) > 0 {
		f.Loc = cv.location(rm, &r.Locations[0])
	} else if r.AnalysisTarget != nil {
		f.Loc = cv.artifact(rm, r.AnalysisTarget)
	}

	f.Message = cv.message(r.Message, rule)
	if within(f.Message, j.data) { // the decoder's view of the result's bytes (recycled after the batch): keep a copy
		f.Message = strings.Clone(f.Message)
	}
	f.Level = resolveLevel(r, rule)
	sev, from, val := resolveSeverity(r, rule, f.Level)
	f.Severity, f.SevFrom = sev, cv.sevFrom(from, val)
	if strings.HasSuffix(from, "security-severity ") {
		if v, ok := parseFloat(val); ok {
			f.Score = float32(min(max(v, 0), 10))
		}
	}

	// Input suppressions (SARIF §3.35): hidden unless every one is rejected;
	// a suppression without status counts as accepted.
	if len(r.Suppressions) > 0 {
		acc, review, rej := 0, 0, 0
		for _, s := range r.Suppressions {
			switch s.Status {
			case "rejected":
				rej++
			case "underReview":
				review++
			default:
				acc++
			}
			if f.InputSupReason == "" && s.Justification != nil {
				f.InputSupReason = sanitize(*s.Justification)
			}
		}
		switch {
		case acc > 0:
			f.InputSup = InAccepted
		case review > 0:
			f.InputSup = InUnderReview
		case rej > 0:
			f.InputSup = InRejected
		}
	}
	f.BaselineState = cv.in(sanitize(r.BaselineState))

	// CWEs: rule tags/relationships, result taxa, result tags.
	cwes := rule.CWEs
	extra := false
	for _, t := range r.Taxa {
		id := strOr(t.ID)
		tc := ""
		if t.ToolComponent != nil {
			tc = strings.ToUpper(strOr(t.ToolComponent.Name))
			if id == "" && t.Index != nil {
				if ids := rm.taxa[tc]; *t.Index >= 0 && *t.Index < len(ids) {
					id = ids[*t.Index]
				}
			}
		}
		if tc == "CWE" || strings.HasPrefix(strings.ToUpper(id), "CWE") {
			n := strings.TrimPrefix(strings.ToUpper(id), "CWE-")
			if _, err := strconv.Atoi(n); err == nil {
				if !extra {
					cwes = append([]string(nil), cwes...)
					extra = true
				}
				cwes = append(cwes, "CWE-"+strings.TrimLeft(n, "0"))
			}
		}
	}
	if r.Properties != nil {
		for _, t := range r.Properties.Tags {
			if m := cweTagRe.FindAllStringSubmatch(t, -1); m != nil {
				if !extra {
					cwes = append([]string(nil), cwes...)
					extra = true
				}
				cwes = addCWEs(cwes, t)
			}
		}
	}
	if extra {
		cwes = dedupeStrs(cwes)
	}
	f.CWEs = cwes

	f.VulnID, f.Package = cv.vuln(r, rule, f)
	cv.fl.ld.cls.classifyCached(f, r, cv.classes)
	cv.fl.ld.cls.classifyKind(f, r, cv.kindTags)

	strongKeys(f, r.Fingerprints, r.PartialFingerprints, &cv.kb)
	return f
}

// sevFrom returns the interned "prefix value" severity source text. The
// prefixes are resolveSeverity's few literals: the cache is looked up by the
// value alone, within the prefix's own map (a short string hashes faster
// than a pair).
func (cv *converter) sevFrom(prefix, val string) string {
	m := cv.sevs[prefix]
	if s, ok := m[val]; ok {
		return s
	}
	s := prefix + sanitize(val)
	if m == nil && len(cv.sevs) < 64 {
		m = map[string]string{}
		cv.sevs[prefix] = m
	}
	if m != nil && len(m) < 4096 {
		m[val] = s
	}
	return s
}

type artKey struct {
	rm        *runMeta
	uri, base string
	index     int
}

// artEntry caches an artifact location by URI (a string key hashes much
// faster than artKey): the URI's entries, one per run, base and index it was
// seen with, are a short slice. Past the cache's bound, the artKey map.
type artEntry struct {
	rm        *runMeta
	base      string
	index     int
	path, uri string // the Location artifact returns (nothing else is set)
	inRepo    bool
}

func (e *artEntry) loc() Location { return Location{Path: e.path, URI: e.uri, InRepo: e.inRepo} }

func (cv *converter) artifact(rm *runMeta, a *liteArtLoc) Location {
	index := intOr(a.Index, -1)
	var es []artEntry
	if a.ent != nil {
		es = a.ent.arts
	} else {
		es = cv.artsByURI[a.URI]
	}
	for i := range es {
		if e := &es[i]; e.rm == rm && e.base == a.URIBaseID && e.index == index {
			return e.loc()
		}
	}
	k := artKey{rm, a.URI, a.URIBaseID, index}
	full := cv.nArts >= 1<<16
	if full {
		if l, ok := cv.arts[k]; ok {
			return l
		}
	}
	ru := rm.resolve(a.URI, a.URIBaseID, index)
	mp := cv.mapPath(ru)
	l := Location{Path: mp.path, URI: cv.in(sanitize(a.URI)), InRepo: mp.inRepo}
	switch {
	case !full && a.ent != nil:
		a.ent.arts = append(es, artEntry{rm: rm, base: a.URIBaseID, index: index, path: l.Path, uri: l.URI, inRepo: l.InRepo})
		cv.nArts++
	case !full:
		cv.artsByURI[a.URI] = append(es, artEntry{rm: rm, base: a.URIBaseID, index: index, path: l.Path, uri: l.URI, inRepo: l.InRepo})
		cv.nArts++
	case len(cv.arts) < 1<<16:
		cv.arts[k] = l
	}
	return l
}

func (cv *converter) location(rm *runMeta, l *liteLoc) Location {
	var loc Location
	pl := &l.PhysicalLocation
	if pl.ArtifactLocation.URI != "" || pl.ArtifactLocation.Index != nil {
		loc = cv.artifact(rm, &pl.ArtifactLocation)
	}
	rg := &pl.Region
	loc.Line, loc.Col = max(rg.StartLine, 0), max(rg.StartColumn, 0)
	loc.EndLine, loc.EndCol = max(rg.EndLine, loc.Line), max(rg.EndColumn, 0)
	if rg.Snippet.Text != "" {
		loc.Snippet = cv.in(sanitize(rg.Snippet.Text))
	}
	if loc.Path == "" {
		for _, ll := range l.LogicalLocations {
			if n := firstNonEmpty(strOr(ll.FullyQualifiedName), strOr(ll.Name)); n != "" {
				loc.Path = cv.in(sanitize(n))
				break
			}
		}
	}
	if l.Message != nil {
		loc.Message = sanitize(renderMessage(l.Message.Text, l.Message.Arguments))
	}
	return loc
}

// mapPath maps a resolved artifact URI to a repository-relative path when it
// falls inside the repository: directly, or — for absolute paths from another
// machine (CI) — by the longest suffix that exists in the repository.
func (cv *converter) mapPath(ru resolvedURI) mappedPath {
	if mp, ok := cv.paths[ru]; ok {
		return mp
	}
	mp := cv.mapPathUncached(ru)
	mp.path = cv.in(sanitize(mp.path))
	cv.paths[ru] = mp
	return mp
}

func (cv *converter) mapPathUncached(ru resolvedURI) mappedPath {
	switch {
	case ru.other != "":
		return mappedPath{path: ru.other}
	case ru.abs == "" && ru.rel != "":
		c, ok := cleanRel(ru.rel)
		return mappedPath{path: c, inRepo: ok}
	case ru.abs == "":
		return mappedPath{}
	}
	abs := filepath.Clean(filepath.FromSlash(ru.abs))
	if cv.root != "" {
		if rel, err := filepath.Rel(cv.root, abs); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			return mappedPath{path: filepath.ToSlash(rel), inRepo: true}
		}
	}
	if ru.rel != "" { // relative to the scanning machine's source root
		if c, ok := cleanRel(ru.rel); ok {
			return mappedPath{path: c, inRepo: true}
		}
	}
	if cv.root != "" {
		parts := strings.Split(strings.Trim(filepath.ToSlash(abs), "/"), "/")
		for i := 1; i < len(parts); i++ {
			cand := strings.Join(parts[i:], "/")
			if cv.isRepoFile(cand) {
				return mappedPath{path: cand, inRepo: true}
			}
		}
	}
	return mappedPath{path: filepath.ToSlash(ru.abs)}
}

func (cv *converter) message(m *liteMsg, rule *Rule) string {
	if m == nil {
		return rule.Short
	}
	text := m.Text
	if text == "" {
		text = m.Markdown
	}
	if text == "" && m.ID != "" && rule.messages != nil {
		text = rule.messages[m.ID]
	}
	if text == "" {
		text = rule.Short
	}
	return sanitize(renderMessage(text, m.Arguments))
}

// within reports whether s's bytes lie in b.
func within(s string, b []byte) bool {
	if len(s) == 0 || len(b) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return p >= lo && p < lo+uintptr(len(b))
}

// renderMessage substitutes {n} placeholders, then reduces embedded links
// ("[text](1)", "[text](https://…)") to their text; "\[" and "\]" are literal.
func renderMessage(s string, args []string) string {
	if len(args) > 0 && strings.IndexByte(s, '{') >= 0 {
		var b strings.Builder
		b.Grow(len(s) + 16*len(args))
		for i := 0; i < len(s); i++ {
			if s[i] == '{' {
				if j := strings.IndexByte(s[i:], '}'); j > 1 {
					if n, err := strconv.Atoi(s[i+1 : i+j]); err == nil && n >= 0 && n < len(args) {
						b.WriteString(args[n])
						i += j
						continue
					}
				}
			}
			b.WriteByte(s[i])
		}
		s = b.String()
	}
	if strings.IndexByte(s, '[') < 0 && strings.IndexByte(s, '\\') < 0 { // not ContainsAny: a byte loop
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		// Copy up to the next '[' or '\\' in one go.
		k := i
		for k < len(s) && s[k] != '[' && s[k] != '\\' {
			k++
		}
		if k == len(s) {
			b.WriteString(s[i:])
			break
		}
		b.WriteString(s[i:k])
		i = k
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '[' || s[i+1] == ']'):
			b.WriteByte(s[i+1])
			i++
		case c == '[':
			j := strings.IndexByte(s[i:], ']')
			if j > 0 && i+j+1 < len(s) && s[i+j+1] == '(' {
				if k := strings.IndexByte(s[i+j+1:], ')'); k > 0 {
					b.WriteString(s[i+1 : i+j])
					i += j + 1 + k
					continue
				}
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func resolveLevel(r *liteResult, rule *Rule) string {
	if r.Kind != "" && r.Kind != "fail" {
		return "none"
	}
	switch r.Level { // literals, so no finding keeps the decoded copy alive
	case "error":
		return "error"
	case "warning":
		return "warning"
	case "note":
		return "note"
	case "none":
		return "none"
	}
	switch rule.DefaultLevel {
	case "error", "warning", "note", "none":
		return rule.DefaultLevel
	}
	return "warning"
}

// resolveSeverity normalises severity: GitHub's security-severity thresholds
// when present, else the explicit SARIF level (result, then rule default),
// else problem.severity, else a tool's own severity property, else the
// spec's default level (warning).
func resolveSeverity(r *liteResult, rule *Rule, level string) (Severity, string, string) {
	ss := rule.SecuritySeverity
	from := "rule security-severity "
	if r.Properties != nil && r.Properties.SecSev != "" {
		ss, from = string(r.Properties.SecSev), "result security-severity "
	}
	if ss != "" {
		if v, ok := parseFloat(ss); ok {
			return cvssSeverity(v), from, ss
		}
	}
	if r.Kind != "" && r.Kind != "fail" {
		return SevInfo, "kind ", r.Kind
	}
	explicit := r.Level
	src := "level "
	if explicit == "" {
		explicit, src = rule.DefaultLevel, "rule default level "
	}
	if sv, ok := levelSeverity(explicit); ok {
		return sv, src, explicit
	}
	ps := rule.ProblemSeverity
	if r.Properties != nil {
		if r.Properties.ProblemSeverity != "" {
			ps = string(r.Properties.ProblemSeverity)
		} else if r.Properties.Problem != nil && r.Properties.Problem.Severity != "" {
			ps = string(r.Properties.Problem.Severity)
		}
	}
	switch strings.ToLower(ps) {
	case "error":
		return SevHigh, "problem.severity ", "error"
	case "warning":
		return SevMedium, "problem.severity ", "warning"
	case "recommendation":
		return SevLow, "problem.severity ", "recommendation"
	case "":
	default:
		if sv, err := ParseSeverity(ps); err == nil {
			return sv, "problem.severity ", ps
		}
	}
	ts := rule.toolSeverity
	if r.Properties != nil && r.Properties.Severity != "" {
		ts = string(r.Properties.Severity)
	}
	if ts != "" {
		if sv, err := ParseSeverity(ts); err == nil {
			return sv, "tool severity ", ts
		}
	}
	return SevMedium, "default level ", "warning"
}

func levelSeverity(l string) (Severity, bool) {
	switch l {
	case "error":
		return SevHigh, true
	case "warning":
		return SevMedium, true
	case "note":
		return SevLow, true
	case "none":
		return SevInfo, true
	}
	return 0, false
}

// cvssSeverity applies GitHub's security-severity thresholds.
func cvssSeverity(v float64) Severity {
	switch {
	case v >= 9.0:
		return SevCritical
	case v >= 7.0:
		return SevHigh
	case v >= 4.0:
		return SevMedium
	case v > 0:
		return SevLow
	}
	return SevInfo
}

var (
	vulnIDRe    = regexp.MustCompile(`\b(CVE-\d{4}-\d{4,}|GHSA(?:-[0-9a-z]{4}){3}|GO-\d{4}-\d{4,}|PYSEC-\d{4}-\d+|RUSTSEC-\d{4}-\d{4})\b`)
	trivyPkgRe  = regexp.MustCompile(`Package: ([^\s]+)\s*\n\s*Installed Version: ([^\s]+)`)
	grypePkgRe  = regexp.MustCompile(`package: ([^\s,]+), version ([^\s,]+)`)
	atVersionRe = regexp.MustCompile(`(?:^|[\s:])((?:@?[A-Za-z0-9._/+-]+))@([0-9A-Za-z][^\s@,;]*)\s*$`)
	purlRe      = regexp.MustCompile(`^pkg:[a-z]+/(.+)@([^?#]+)`)
)

// vuln extracts a vulnerability id and "package@version" for SCA-like findings.
func (cv *converter) vuln(r *liteResult, rule *Rule, f *Finding) (string, string) {
	id := ""
	if mayHaveVulnID(rule.ID) {
		id = vulnIDRe.FindString(rule.ID)
	}
	if id == "" && len(f.Message) < 4000 && mayHaveVulnID(f.Message) {
		id = vulnIDRe.FindString(f.Message)
	}
	if id == "" {
		return "", ""
	}
	pkg := ""
	if m := trivyPkgRe.FindStringSubmatch(f.Message); m != nil {
		pkg = m[1] + "@" + m[2]
	} else if m := grypePkgRe.FindStringSubmatch(f.Message); m != nil {
		pkg = m[1] + "@" + m[2]
	} else if m := atVersionRe.FindStringSubmatch(f.Loc.Message); m != nil {
		pkg = strings.TrimPrefix(m[1], ":") + "@" + m[2]
	} else if m := purlRe.FindStringSubmatch(f.Loc.Path); m != nil {
		pkg = m[1] + "@" + m[2]
	}
	return cv.in(id), cv.in(pkg)
}

// mayHaveVulnID reports whether s holds "CVE-", "GHSA-", "GO-", "PYSEC-" or
// "RUSTSEC-": one pass from '-' to '-' (most messages have few), not five.
func mayHaveVulnID(s string) bool {
	for i := strings.IndexByte(s, '-'); i >= 0; {
		p := s[:i]
		if strings.HasSuffix(p, "CVE") || strings.HasSuffix(p, "GHSA") || strings.HasSuffix(p, "GO") ||
			strings.HasSuffix(p, "PYSEC") || strings.HasSuffix(p, "RUSTSEC") {
			return true
		}
		j := strings.IndexByte(s[i+1:], '-')
		if j < 0 {
			break
		}
		i += j + 1
	}
	return false
}
