package ledger

import (
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/secui/secui/findings"
)

// The package URL (purl, github.com/package-url/purl-spec) of an SCA or
// image finding's package, so that VEX consumers (Trivy's and Grype's
// --vex) can match the statements: they compare the product with the purl
// of the package they found. The ecosystem comes from what the scanner
// said: the manifest or lockfile the package was found in, grype's "npm
// package:" wording, the distribution Trivy names for an image's OS
// packages ("(debian 10.13)"). When none says it, the purl is
// pkg:generic/… (no consumer matches it: better than a wrong ecosystem).

// manifestType maps a manifest or lockfile name to its purl type.
var manifestType = map[string]string{
	"package-lock.json": "npm", "npm-shrinkwrap.json": "npm", "yarn.lock": "npm", "pnpm-lock.yaml": "npm",
	"package.json": "npm", "bun.lock": "npm",
	"go.mod": "golang", "go.sum": "golang",
	"requirements.txt": "pypi", "pipfile.lock": "pypi", "poetry.lock": "pypi", "uv.lock": "pypi",
	"pyproject.toml": "pypi", "setup.py": "pypi", "setup.cfg": "pypi", "pdm.lock": "pypi",
	"gemfile.lock": "gem", "cargo.lock": "cargo", "composer.lock": "composer", "composer.json": "composer",
	"pom.xml": "maven", "gradle.lockfile": "maven", "build.gradle": "maven",
	"packages.lock.json": "nuget", "packages.config": "nuget", "pubspec.lock": "pub", "mix.lock": "hex",
	"conan.lock": "conan", "podfile.lock": "cocoapods", "package.resolved": "swift",
}

// grypeType maps grype's package types ("in npm package:") to purl types.
var grypeType = map[string]string{
	"npm": "npm", "go-module": "golang", "python": "pypi", "gem": "gem", "rust-crate": "cargo",
	"java-archive": "maven", "php-composer": "composer", "dotnet": "nuget", "deb": "deb", "apk": "apk", "rpm": "rpm",
}

var (
	grypeTypeRe = regexp.MustCompile(`\bin ([a-z-]+) package: `)
	distroRe    = regexp.MustCompile(`\((alpine|debian|ubuntu|redhat|centos|rocky|alma|amazon|oracle|fedora|photon|wolfi|chainguard|opensuse[a-z.-]*|sles|cbl-mariner|azurelinux) ([0-9][^)\s]*)\)`)
)

// pkgType says the purl type of f's package ("" when nothing says it), and
// for OS packages the distribution namespace and qualifier value.
func pkgType(f *findings.Finding) (typ, namespace, distro string) {
	for _, s := range []string{f.Loc.Message, f.Message} {
		if m := distroRe.FindStringSubmatch(s); m != nil {
			d := m[1]
			switch d {
			case "alpine", "wolfi", "chainguard":
				return "apk", d, d + "-" + m[2]
			case "debian", "ubuntu":
				return "deb", d, d + "-" + m[2]
			default:
				return "rpm", d, d + "-" + m[2]
			}
		}
	}
	if m := grypeTypeRe.FindStringSubmatch(f.Message); m != nil {
		if t, ok := grypeType[m[1]]; ok {
			return t, "", ""
		}
	}
	for _, p := range []string{f.Loc.Path, manifestOf(f.Loc.Message)} {
		base := strings.ToLower(path.Base(p))
		if t, ok := manifestType[base]; ok {
			return t, "", ""
		}
		switch {
		case strings.HasPrefix(base, "requirements") && strings.HasSuffix(base, ".txt"):
			return "pypi", "", ""
		case strings.HasSuffix(base, ".jar") || strings.HasSuffix(base, ".war") || strings.HasSuffix(base, ".ear"):
			return "maven", "", ""
		case strings.HasSuffix(base, ".deps.json") || strings.HasSuffix(base, ".csproj"):
			return "nuget", "", ""
		case strings.HasSuffix(base, ".gemspec"):
			return "gem", "", ""
		}
	}
	return "", "", ""
}

// manifestOf is the file part of Trivy's location message "path: pkg@ver".
func manifestOf(s string) string {
	if i := strings.Index(s, ": "); i > 0 {
		return s[:i]
	}
	return ""
}

// packagePURL is the purl of f's package ("name@version"), or "" when f
// names none.
func packagePURL(f *findings.Finding) string {
	pkg := f.Package
	if pkg == "" {
		return ""
	}
	if strings.HasPrefix(pkg, "pkg:") {
		return pkg
	}
	name, ver := pkg, ""
	if i := strings.LastIndexByte(pkg, '@'); i > 0 {
		name, ver = pkg[:i], pkg[i+1:]
	}
	typ, ns, distro := pkgType(f)
	var p string
	switch typ {
	case "":
		p = "pkg:generic/" + escSeg(name)
	case "npm":
		if strings.HasPrefix(name, "@") { // "@scope/name"
			scope, n, _ := strings.Cut(name[1:], "/")
			p = "pkg:npm/" + escSeg("@"+scope) + "/" + escSeg(n)
		} else {
			p = "pkg:npm/" + escSeg(name)
		}
	case "golang":
		p = "pkg:golang/" + escPath(name)
		if ver != "" && !strings.HasPrefix(ver, "v") { // Go module versions start with v
			ver = "v" + ver
		}
	case "pypi": // names are case-insensitive, "_" and "." fold to "-" (PEP 503)
		p = "pkg:pypi/" + escSeg(strings.NewReplacer("_", "-", ".", "-").Replace(strings.ToLower(name)))
	case "maven": // "group:artifact"
		if g, a, ok := strings.Cut(name, ":"); ok {
			p = "pkg:maven/" + escSeg(g) + "/" + escSeg(a)
		} else {
			p = "pkg:maven/" + escSeg(name)
		}
	case "deb", "apk", "rpm":
		p = "pkg:" + typ + "/" + ns + "/" + escSeg(name)
		if e, v, ok := strings.Cut(ver, ":"); ok && typ != "apk" && isDigits(e) {
			// The epoch is a qualifier, not part of the version (as
			// Trivy writes deb and rpm purls): 1:1.2.11 → 1.2.11?epoch=1.
			ver = v
			distro += "&epoch=" + e
		}
	default:
		p = "pkg:" + typ + "/" + escPath(name)
	}
	if ver != "" {
		p += "@" + escSeg(ver)
	}
	if distro != "" {
		d, epoch, _ := strings.Cut(distro, "&")
		p += "?distro=" + url.QueryEscape(d)
		if epoch != "" {
			p += "&" + epoch
		}
	}
	return p
}

// imagePURL is the OCI purl of an image reference ("ghcr.io/acme/payments:1.4.2"
// → pkg:oci/payments?repository_url=ghcr.io%2Facme%2Fpayments): without a
// version, so it covers every build of the image (the subcomponent names the
// package version), as in Trivy's own VEX examples.
func imagePURL(ref string) string {
	repo := ref
	if i := strings.Index(repo, "@sha256:"); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
		repo = repo[:i]
	}
	name := path.Base(repo)
	p := "pkg:oci/" + escSeg(name)
	if repo != name {
		p += "?repository_url=" + url.QueryEscape(repo)
	}
	return p
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func escSeg(s string) string { return strings.ReplaceAll(url.PathEscape(s), "+", "%2B") }

func escPath(s string) string {
	parts := strings.Split(s, "/")
	for i, p := range parts {
		parts[i] = escSeg(p)
	}
	return strings.Join(parts, "/")
}

// vexProduct is the OpenVEX product of f: the package purl, or for a
// package found in a container image the image with the package as its
// subcomponent. ok is false when f names no package.
func vexProduct(f *findings.Finding) (product map[string]any, key string, ok bool) {
	pp := packagePURL(f)
	if pp == "" {
		return nil, "", false
	}
	if f.Loc.Kind() == findings.PlaceImage {
		ip := imagePURL(f.Loc.Path)
		return map[string]any{"@id": ip, "subcomponents": []map[string]any{{"@id": pp}}}, ip + " " + pp, true
	}
	return map[string]any{"@id": pp}, pp, true
}
