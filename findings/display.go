package findings

import (
	"html"
	"regexp"
	"strings"
	"sync"
)

// How a finding reads on a row: the most specific title of its rule, its
// message without the boilerplate some scanners put first, a rule label that
// is not an opaque id, and its place said as what it is (a file, a container
// image, a package, a URL). These are presentation only: identity, queries
// and exports keep the values as the scanner wrote them (Message, Rule.ID,
// Loc.Path), so changing how a row reads never moves a decision.

// genericRuleNames are rule names that say which class of check a scanner
// ran, not what it found (Trivy names every rule after its result class;
// Trivy's old template named every rule "dockerfile_scan").
var genericRuleNames = map[string]bool{
	"misconfiguration": true, "ospackagevulnerability": true, "languagespecificpackagevulnerability": true,
	"secret": true, "license": true, "unknownissue": true, "dockerfile_scan": true, "vulnerability": true,
}

// GenericName reports whether name is a result-class name rather than a
// rule title ("Misconfiguration", "OsPackageVulnerability", ...).
func GenericName(name string) bool { return genericRuleNames[strings.ToLower(strings.TrimSpace(name))] }

var uuidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// OpaqueID reports whether a rule id carries no meaning for a reader: a UUID
// (KICS names its queries by UUID).
func OpaqueID(id string) bool { return len(id) == 36 && uuidRe.MatchString(id) }

// Title is the most specific title the rule has: its short description,
// else its name, else its id. A short description that only repeats the id
// (Trivy's old "CVE-… Package: …" template keeps the id in front) and a
// generic class name ("Misconfiguration") do not count as titles.
func (r *Rule) Title() string {
	if r == nil {
		return ""
	}
	// A short description that embeds the id ("Semgrep Finding: <id>",
	// Trivy's old "CVE-… Package: …") names nothing the id does not.
	if s := strings.TrimSpace(r.Short); s != "" && !GenericName(s) && (r.ID == "" || !strings.Contains(s, r.ID)) {
		return firstLine(s)
	}
	if n := strings.TrimSpace(r.Name); n != "" && n != r.ID && !GenericName(n) {
		return n
	}
	return r.ID
}

// Title is f's rule title ("" without a rule).
func (f *Finding) Title() string { return f.Rule.Title() }

// RuleLabel is what the rule column shows: the rule id, or the rule's name
// when the id is opaque (a KICS query UUID).
func (f *Finding) RuleLabel() string {
	id := f.RuleID()
	if OpaqueID(id) && f.Rule != nil {
		if t := f.Rule.Title(); t != "" && t != id {
			return t
		}
	}
	return id
}

// CompactID fits a rule id into w cells keeping it readable: a
// vulnerability id drops its "CVE-" prefix first ("2020-11022"), then keeps
// its end; other ids are cut at the end with "…". Ids that fit are returned
// unchanged. Width is counted in bytes: rule ids are sanitized, and a
// non-ASCII id is cut by the caller's own cell function.
func CompactID(id string, w int) string {
	if len(id) <= w || w <= 1 || !isASCIIStr(id) {
		return id
	}
	if vulnIDRe.MatchString(id) && vulnIDRe.FindString(id) == id {
		if rest, ok := strings.CutPrefix(id, "CVE-"); ok && len(rest) <= w {
			return rest
		}
		return "…" + id[len(id)-(w-1):]
	}
	return id[:w-1] + "…"
}

func isASCIIStr(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}

// Headline is f's message as a row shows it: without the "Artifact: …
// Type: …" header Trivy puts on every misconfiguration, secret and licence
// result, Trivy's vulnerability block read as "pkg version: title (fixed
// in …)", and without a leading copy of the rule id ("CVE-2015-9251 - …").
// Message itself stays as the scanner wrote it (it is an identity input).
func (f *Finding) Headline() string {
	m := f.Message
	if h, ok := trivyHeadline(f, m); ok {
		return h
	}
	if strings.Contains(m, "&") && strings.Contains(m, ";") {
		// HTML entities left in by converters (Cppcheck XML, Trivy's
		// old template): decoded, then sanitized again (an entity can
		// spell a control character).
		m = sanitize(html.UnescapeString(m))
	}
	if id := f.RuleID(); id != "" && len(m) > len(id) && strings.HasPrefix(m, id) {
		rest := strings.TrimLeft(m[len(id):], " ")
		// gitleaks 8: "<rule> has detected secret for file <path>." says
		// nothing the rule and location columns do not; the rule's
		// description says what was found.
		if strings.HasPrefix(rest, "has detected secret for file ") {
			if t := f.Title(); t != "" && t != id {
				return "secret: " + t
			}
			return "secret detected"
		}
		for _, sep := range []string{"- ", ": ", "— "} {
			if r, ok := strings.CutPrefix(rest, sep); ok && strings.TrimSpace(r) != "" {
				return strings.TrimSpace(r)
			}
		}
	}
	return m
}

// trivyFields splits Trivy's "Key: value" message lines. Only messages whose
// first line is one of Trivy's own headers are read this way.
func trivyFields(m string) (map[string]string, bool) {
	if !strings.HasPrefix(m, "Artifact: ") && !strings.HasPrefix(m, "Package: ") {
		return nil, false
	}
	fs := map[string]string{}
	for _, ln := range strings.Split(m, "\n") {
		ln = strings.TrimSpace(ln)
		if k, v, ok := strings.Cut(ln, ": "); ok {
			if _, dup := fs[k]; !dup {
				fs[k] = strings.TrimSpace(v)
			}
			continue
		}
		// "Vulnerability CVE-…", "Secret AWS Access Key ID", "License MIT"
		if k, v, ok := strings.Cut(ln, " "); ok {
			if _, dup := fs[k]; !dup {
				fs[k] = strings.TrimSpace(v)
			}
		}
	}
	return fs, true
}

func trivyHeadline(f *Finding, m string) (string, bool) {
	fs, ok := trivyFields(m)
	if !ok {
		return "", false
	}
	switch {
	case fs["Message"] != "": // misconfiguration
		return fs["Message"], true
	case fs["Secret"] != "" || fs["Match"] != "": // secret: Trivy masks the match
		h := fs["Secret"]
		if mt := fs["Match"]; mt != "" {
			if h != "" {
				h += ": "
			}
			h += mt
		}
		return h, true
	case fs["License"] != "":
		h := fs["License"]
		if p := fs["PkgName"]; p != "" {
			h += " in " + p
		}
		if c := fs["Classification"]; c != "" {
			h += " (" + c + ")"
		}
		return h, true
	case fs["Package"] != "" && fs["Installed Version"] != "":
		h := fs["Package"] + " " + fs["Installed Version"]
		if t := f.Title(); t != "" && t != f.RuleID() && !strings.HasPrefix(t, f.RuleID()+" ") {
			h += ": " + t
		}
		if fx := fs["Fixed Version"]; fx != "" {
			h += " (fixed in " + fx + ")"
		} else {
			h += " (no fix yet)"
		}
		return h, true
	}
	return "", false
}

// PlaceKind is what a location names.
type PlaceKind uint8

// Kinds of place.
const (
	PlaceFile    PlaceKind = iota // a file (in the repository or, when not InRepo, elsewhere)
	PlaceNone                     // no location at all
	PlaceImage                    // a container image (reference or archive)
	PlacePackage                  // a package URL (pkg:…)
	PlaceURL                      // a web address (DAST, remote modules)
	PlaceLogical                  // a logical location only (a function or class name)
)

var placeNames = [...]string{"file", "none", "image", "package", "url", "logical"}

func (k PlaceKind) String() string {
	if int(k) < len(placeNames) {
		return placeNames[k]
	}
	return "unknown"
}

// imageRefRe is a container image reference with a tag or a digest
// ("ghcr.io/acme/payments:1.4.2", "alpine:3.10", "repo@sha256:…").
// It compiles on first use: its bounded repetitions unroll into hundreds
// of states, a cost every process paid at start-up (issue 12).
var imageRefRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:[a-z0-9][a-z0-9.-]*(?::[0-9]+)?/)?[a-z0-9][a-z0-9._-]*(?:/[a-z0-9][a-z0-9._-]*)*(?:(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})|(@sha256:[0-9a-f]{64}))(@sha256:[0-9a-f]{64})?$`)
})

// looksLikeImage reports whether p names a container image: a reference
// with a tag or digest, or an image archive.
func looksLikeImage(p string) bool {
	// A reference needs a tag or a digest, and every archive prefix has a
	// colon: without ':' or '@' (most file paths) there is nothing to match.
	if strings.ContainsAny(p, " \\") || !strings.ContainsAny(p, ":@") {
		return false
	}
	if imageRefRe().MatchString(p) {
		return true
	}
	lp := strings.ToLower(p)
	return strings.HasPrefix(lp, "oci:") || strings.HasPrefix(lp, "docker://") || strings.HasPrefix(lp, "docker-archive:")
}

// Kind says what the location names. It looks at the text only (no I/O).
func (l Location) Kind() PlaceKind {
	p := l.Path
	switch {
	case p == "":
		return PlaceNone
	case strings.HasPrefix(p, "pkg:"):
		return PlacePackage
	case strings.Contains(p, "://") && !strings.HasPrefix(p, "file://") && !strings.HasPrefix(strings.ToLower(p), "docker://"):
		return PlaceURL
	case looksLikeImage(p):
		return PlaceImage
	case !l.InRepo && l.URI == "" && !strings.Contains(p, "/"):
		return PlaceLogical
	}
	return PlaceFile
}

// placeholderRegion reports whether the region is the 1:1–1:1 placeholder
// SCA, image and IaC scanners write when they have no line (Trivy writes it
// for every result without one).
func (l Location) placeholderRegion() bool {
	return l.Line == 1 && l.Col <= 1 && l.EndLine <= 1 && l.EndCol <= 1
}

// Place is the location as a row shows it: "path:line" for a file (just
// the path when there is no line or only the 1:1 placeholder), the image,
// package or URL as such (a line in an image name means nothing), and
// empty when there is no location. Never ":0".
func (l Location) Place() string {
	switch l.Kind() {
	case PlaceNone:
		return ""
	case PlaceFile:
		if l.Line > 0 && !l.placeholderRegion() {
			return l.String()
		}
	}
	return l.Path
}

// Place is f's location as a row shows it. A finding with no location
// from a container-image scanner (Dockle) says "(image)".
func (f *Finding) Place() string {
	if f.Loc.Kind() == PlaceNone {
		if f.Category == CatContainer {
			return "(image)"
		}
		return "(no location)"
	}
	return f.Loc.Place()
}
