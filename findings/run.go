package findings

import (
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

// runMeta is the per-run context needed to turn results into findings.
type runMeta struct {
	index        int
	tool         *Tool
	rules        []*Rule        // driver rules by index
	extRules     [][]*Rule      // extension rules by extension index
	extByName    map[string]int // extension name -> index
	extByGUID    map[string]int // extension guid -> index
	ruleByGUID   map[string]*Rule
	ruleByID     map[string]*Rule // all rules by raw (unsanitised) id, driver first
	adhoc        map[string]*Rule // rules made up for ruleIds without a descriptor
	bases        map[string]sarif.ArtifactLocation
	baseAbs      map[string]string   // uriBaseId -> resolved absolute/relative prefix
	artifacts    []string            // artifact index -> uri (with base resolved)
	taxa         map[string][]string // taxonomy name -> taxon ids by index
	automationID string
	// Read only when a finding's details are decoded (never by the workers
	// converting results), so they may be set while results stream.
	artHashes  []map[string]string // artifact index -> hashes (lower-case names and hex), nil when none
	columnKind string              // run.columnKind as written ("" absent)
	vcs        []vcsEntry          // run.versionControlProvenance
	mu         sync.Mutex          // guards adhoc
}

// vcsEntry is one versionControlProvenance entry: the revision scanned and
// the uriBaseId its repository root was mapped to.
type vcsEntry struct {
	repo, revision, base string
}

// clone copies the metadata for further changes while workers read the
// original. Maps and slices are replaced wholesale by the setters, never
// mutated, except adhoc, which the copy gets afresh.
func (rm *runMeta) clone() *runMeta {
	return &runMeta{
		index: rm.index, tool: rm.tool, rules: rm.rules, extRules: rm.extRules, extByName: rm.extByName,
		extByGUID: rm.extByGUID, ruleByGUID: rm.ruleByGUID,
		ruleByID: rm.ruleByID, adhoc: map[string]*Rule{}, bases: rm.bases, artifacts: rm.artifacts,
		taxa: rm.taxa, automationID: rm.automationID,
		artHashes: rm.artHashes, columnKind: rm.columnKind, vcs: rm.vcs,
	}
}

func (rm *runMeta) setTool(t *sarif.Tool) {
	tool := &Tool{Name: "unknown tool"}
	rm.ruleByID = map[string]*Rule{}
	rm.adhoc = map[string]*Rule{}
	rm.extByName = map[string]int{}
	rm.extByGUID = map[string]int{}
	rm.ruleByGUID = map[string]*Rule{}
	if t != nil && t.Driver != nil {
		if n := strOr(t.Driver.Name); strings.TrimSpace(n) != "" {
			tool.Name = sanitize(n)
		}
		tool.Version = sanitize(firstNonEmpty(strOr(t.Driver.SemanticVersion), strOr(t.Driver.Version)))
		tool.InformationURI = sanitize(strOr(t.Driver.InformationURI))
	}
	tool.prepare()
	rm.tool = tool
	if t == nil {
		return
	}
	if t.Driver != nil {
		rm.rules = makeRules(t.Driver.Rules, tool)
		for j, rd := range t.Driver.Rules {
			if rd != nil && strOr(rd.GuID) != "" && rm.rules[j] != nil {
				rm.ruleByGUID[strings.ToLower(*rd.GuID)] = rm.rules[j]
			}
		}
		for _, r := range rm.rules {
			if r != nil && r.rawID != "" {
				if _, dup := rm.ruleByID[r.rawID]; !dup {
					rm.ruleByID[r.rawID] = r
				}
			}
		}
	}
	for i, ext := range t.Extensions {
		if ext == nil {
			rm.extRules = append(rm.extRules, nil)
			continue
		}
		rs := makeRules(ext.Rules, tool)
		rm.extRules = append(rm.extRules, rs)
		if n := strOr(ext.Name); n != "" {
			rm.extByName[n] = i
		}
		if g := strOr(ext.GuID); g != "" {
			rm.extByGUID[strings.ToLower(g)] = i
		}
		for j, rd := range ext.Rules {
			if rd != nil && strOr(rd.GuID) != "" && rs[j] != nil {
				rm.ruleByGUID[strings.ToLower(*rd.GuID)] = rs[j]
			}
		}
		for _, r := range rs {
			if r != nil && r.rawID != "" {
				if _, dup := rm.ruleByID[r.rawID]; !dup {
					rm.ruleByID[r.rawID] = r
				}
			}
		}
	}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

var cweTagRe = regexp.MustCompile(`(?i)(?:^|[/:\s_-])cwe[-_/:\s]*0*(\d{1,5})\b`)

func makeRules(rds []*sarif.ReportingDescriptor, tool *Tool) []*Rule {
	out := make([]*Rule, len(rds))
	for i, rd := range rds {
		if rd == nil {
			continue
		}
		r := &Rule{
			rawID:   strOr(rd.ID),
			ID:      sanitize(strOr(rd.ID)),
			Name:    sanitize(strOr(rd.Name)),
			HelpURI: sanitize(strOr(rd.HelpURI)),
			Tool:    tool,
		}
		if rd.ShortDescription != nil {
			r.Short = sanitize(firstNonEmpty(strOr(rd.ShortDescription.Text), strOr(rd.ShortDescription.Markdown)))
		}
		if rd.FullDescription != nil {
			r.Full = sanitize(firstNonEmpty(strOr(rd.FullDescription.Text), strOr(rd.FullDescription.Markdown)))
		}
		if rd.Help != nil {
			r.HelpText = sanitize(strOr(rd.Help.Text))
			r.HelpMarkdown = sanitize(strOr(rd.Help.Markdown))
		}
		if rd.DefaultConfiguration != nil {
			r.DefaultLevel = sanitize(rd.DefaultConfiguration.Level)
		}
		if rd.Properties != nil {
			r.Tags = sanitizeAll(rd.Properties.Tags)
			if p := rd.Properties.Properties; p != nil {
				r.SecuritySeverity = sanitize(anyString(p["security-severity"]))
				r.ProblemSeverity = sanitize(anyString(p["problem.severity"]))
				if r.ProblemSeverity == "" {
					if m, ok := p["problem"].(map[string]any); ok {
						r.ProblemSeverity = sanitize(anyString(m["severity"]))
					}
				}
				r.toolSeverity = anyString(p["severity"])
				r.cweProp = cwesFromAny(p["cwe"])
			}
		}
		if len(rd.MessageStrings) > 0 {
			r.messages = map[string]string{}
			for k, v := range rd.MessageStrings {
				r.messages[k] = firstNonEmpty(strOr(v.Text), strOr(v.Markdown))
			}
		}
		var cwes []string
		for _, t := range r.Tags {
			cwes = addCWEs(cwes, t)
		}
		cwes = append(cwes, r.cweProp...)
		for _, rel := range rd.Relationships {
			if rel == nil || rel.Target == nil {
				continue
			}
			tc := ""
			if rel.Target.ToolComponent != nil {
				tc = strOr(rel.Target.ToolComponent.Name)
			}
			if strings.EqualFold(tc, "CWE") || strings.HasPrefix(strings.ToUpper(strOr(rel.Target.ID)), "CWE") {
				cwes = addCWEs(cwes, "cwe-"+strings.TrimPrefix(strings.ToUpper(strOr(rel.Target.ID)), "CWE-"))
			}
		}
		r.CWEs = dedupeStrs(cwes)
		out[i] = r
	}
	return out
}

func addCWEs(dst []string, s string) []string {
	for _, m := range cweTagRe.FindAllStringSubmatch(s, -1) {
		dst = append(dst, "CWE-"+m[1])
	}
	return dst
}

func cwesFromAny(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		out = addCWEs(out, "cwe-"+strings.TrimPrefix(strings.ToUpper(x), "CWE-"))
	case []any:
		for _, e := range x {
			out = append(out, cwesFromAny(e)...)
		}
	case map[string]any:
		if id, ok := x["cweId"]; ok {
			out = append(out, cwesFromAny(anyString(id))...)
		}
	case float64:
		out = addCWEs(out, "cwe-"+anyString(x))
	}
	return out
}

func dedupeStrs(ss []string) []string {
	if len(ss) < 2 {
		return ss
	}
	out := ss[:0]
	for _, s := range ss {
		if !containsStr(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func anyString(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		return strings.TrimRight(strings.TrimRight(strconvFormat(x), "0"), ".")
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	return ""
}

func (rm *runMeta) setArtifacts(arts []*sarif.Artifact) {
	rm.artifacts = make([]string, len(arts))
	rm.artHashes = nil
	for i, a := range arts {
		if a != nil && len(a.Hashes) > 0 {
			if rm.artHashes == nil {
				rm.artHashes = make([]map[string]string, len(arts))
			}
			h := make(map[string]string, len(a.Hashes))
			for k, v := range a.Hashes {
				h[strings.ToLower(strings.TrimSpace(k))] = strings.ToLower(strings.TrimSpace(v))
			}
			rm.artHashes[i] = h
		}
		if a == nil || a.Location == nil || a.Location.URI == nil {
			continue
		}
		u := *a.Location.URI
		if b := strOr(a.Location.URIBaseID); b != "" {
			u = "{" + b + "}" + u
		}
		rm.artifacts[i] = u
	}
}

func (rm *runMeta) setTaxonomies(tax []*sarif.ToolComponent) {
	rm.taxa = map[string][]string{}
	for _, t := range tax {
		if t == nil {
			continue
		}
		ids := make([]string, len(t.Taxa))
		for i, tx := range t.Taxa {
			if tx != nil {
				ids[i] = strOr(tx.ID)
			}
		}
		rm.taxa[strings.ToUpper(strOr(t.Name))] = ids
	}
}

// resolveBases resolves originalUriBaseIds chains into prefixes: absolute
// paths (from file: URIs) or relative prefixes.
func (rm *runMeta) resolveBases() {
	rm.baseAbs = map[string]string{}
	var resolve func(id string, depth int) (string, bool)
	resolve = func(id string, depth int) (string, bool) {
		if v, ok := rm.baseAbs[id]; ok {
			return v, true
		}
		b, ok := rm.bases[id]
		if !ok || depth > 10 {
			return "", false
		}
		u := strOr(b.URI)
		if pb := strOr(b.URIBaseID); pb != "" {
			if prefix, ok := resolve(pb, depth+1); ok {
				u = joinURI(prefix, u)
			}
		}
		rm.baseAbs[id] = u
		return u, true
	}
	for id := range rm.bases {
		resolve(id, 0)
	}
}

func joinURI(prefix, u string) string {
	if prefix == "" {
		return u
	}
	if isAbsURI(u) {
		return u
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return prefix + u
}

func isAbsURI(u string) bool {
	if strings.HasPrefix(u, "/") {
		return true
	}
	i := strings.Index(u, ":")
	if i <= 1 { // "c:" windows drive letters have i == 1 and are absolute too
		return i == 1
	}
	for _, c := range u[:i] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// resolvedURI is an artifact location resolved against the run's base ids:
// either an absolute filesystem path (abs), a path relative to an unknown root
// (rel), or a non-file URI (other).
type resolvedURI struct {
	abs, rel, other string
}

func (rm *runMeta) resolve(uri, baseID string, index int) resolvedURI {
	if uri == "" && index >= 0 && index < len(rm.artifacts) {
		a := rm.artifacts[index]
		if strings.HasPrefix(a, "{") {
			if j := strings.Index(a, "}"); j > 0 {
				baseID, uri = a[1:j], a[j+1:]
			}
		} else {
			uri = a
		}
	}
	if uri == "" {
		return resolvedURI{}
	}
	full := uri
	if baseID != "" && !isAbsURI(uri) {
		if prefix, ok := rm.baseAbs[baseID]; ok && prefix != "" {
			full = joinURI(prefix, uri)
			if isAbsURI(prefix) {
				// The base is the source root on the machine that ran the scan.
				// Keep the root-relative part too, in case that root is not this one.
				r := classifyURI(full)
				r.rel = unescape(strings.ReplaceAll(uri, `\`, "/"))
				return r
			}
		}
	}
	return classifyURI(full)
}

func classifyURI(u string) resolvedURI {
	if strings.HasPrefix(u, "file:") {
		p := strings.TrimPrefix(u, "file:")
		// file:///abs, file://host/abs, file:/abs
		if strings.HasPrefix(p, "//") {
			p = p[2:]
			if i := strings.Index(p, "/"); i > 0 {
				p = p[i:] // drop host
			} else if i < 0 {
				p = "/" + p
			}
		}
		for strings.HasPrefix(p, "//") {
			p = p[1:]
		}
		p = unescape(p)
		// Windows drive paths: /C:/x
		if len(p) > 3 && p[0] == '/' && p[2] == ':' {
			p = p[1:]
		}
		return resolvedURI{abs: p}
	}
	if isAbsURI(u) {
		if strings.HasPrefix(u, "/") {
			return resolvedURI{abs: unescape(u)}
		}
		if len(u) > 2 && u[1] == ':' {
			return resolvedURI{abs: unescape(strings.ReplaceAll(u, `\`, "/"))}
		}
		return resolvedURI{other: u}
	}
	return resolvedURI{rel: unescape(strings.ReplaceAll(u, `\`, "/"))}
}

func unescape(p string) string {
	if strings.Contains(p, "%") {
		if u, err := url.PathUnescape(p); err == nil {
			return u
		}
	}
	return p
}

// cleanRel cleans a relative path and reports whether it stays inside the root.
func cleanRel(p string) (string, bool) {
	c := path.Clean(strings.TrimPrefix(p, "./"))
	if c == "." || c == ".." || strings.HasPrefix(c, "../") || strings.HasPrefix(c, "/") {
		return c, false
	}
	return c, true
}

func strconvFormat(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

// rule finds the reporting descriptor for a result.
func (rm *runMeta) rule(r *liteResult) *Rule {
	id := strOr(r.RuleID)
	idx := intOr(r.RuleIndex, -1)
	rules := rm.rules
	if r.Rule != nil {
		if id == "" {
			id = strOr(r.Rule.ID)
		}
		if r.Rule.Index != nil && idx < 0 {
			idx = *r.Rule.Index
		}
		if tc := r.Rule.ToolComponent; tc != nil {
			ei := -1
			if tc.Index != nil {
				ei = *tc.Index
			} else if n := strOr(tc.Name); n != "" {
				if i, ok := rm.extByName[n]; ok {
					ei = i
				}
			} else if tc.GUID != "" {
				if i, ok := rm.extByGUID[strings.ToLower(tc.GUID)]; ok {
					ei = i
				}
			}
			if ei >= 0 && ei < len(rm.extRules) {
				rules = rm.extRules[ei]
			}
		}
	}
	if idx >= 0 && idx < len(rules) && rules[idx] != nil {
		if id == "" || rules[idx].rawID == id || strings.HasPrefix(id, rules[idx].rawID+"/") {
			return rules[idx]
		}
	}
	if r.Rule != nil && r.Rule.GUID != "" {
		if rr, ok := rm.ruleByGUID[strings.ToLower(r.Rule.GUID)]; ok {
			return rr
		}
	}
	if id != "" {
		if r, ok := rm.ruleByID[id]; ok {
			return r
		}
		// hierarchical rule ids: "CA2101/1" -> "CA2101"
		for p := id; strings.Contains(p, "/"); {
			p = p[:strings.LastIndex(p, "/")]
			if r, ok := rm.ruleByID[p]; ok {
				return r
			}
		}
	}
	if id == "" {
		id = "(no rule id)"
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	if r, ok := rm.adhoc[id]; ok {
		return r
	}
	nr := &Rule{rawID: id, ID: sanitize(id), Tool: rm.tool}
	rm.adhoc[id] = nr
	return nr
}
