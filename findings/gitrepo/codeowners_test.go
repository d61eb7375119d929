package gitrepo

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/secui/secui/findings/repofs"
)

// githubExample is the example CODEOWNERS file of GitHub's documentation
// ("About code owners", "Example of a CODEOWNERS file"), comments shortened.
const githubExample = `# This is a comment.
# Each line is a file pattern followed by one or more owners.

# These owners will be the default owners for everything in
# the repo. Unless a later match takes precedence,
# @global-owner1 and @global-owner2 will be requested for
# review when someone opens a pull request.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most
# precedence. When someone opens a pull request that only
# modifies JS files, only @js-owner and not the global
# owner(s) will be requested for a review.
*.js    @js-owner #This is an inline comment.

# You can also use email addresses if you prefer.
*.go docs@example.com

# Teams can be specified as code owners as well.
*.txt @octo-org/octocats

# @doctocat owns any files in the build/logs directory at the root of the
# repository and any of its subdirectories.
/build/logs/ @doctocat

# The docs/* pattern will match files like docs/getting-started.md but not
# further nested files like docs/build-app/troubleshooting.md.
docs/* docs@example.com

# @octocat owns any file in an apps directory anywhere in your repository.
apps/ @octocat

# @doctocat owns any file in the /docs directory in the root of your
# repository and any of its subdirectories.
/docs/ @doctocat

# Any change inside the /scripts directory will require approval from
# @doctocat or @octocat.
/scripts/ @doctocat @octocat

# @octocat owns any file in a /logs directory such as /build/logs,
# /scripts/logs, and /deeply/nested/logs.
**/logs @octocat

# @octocat owns any file in the /apps directory in the root of your
# repository except for the /apps/github subdirectory, as its owners are
# left empty.
/apps/ @octocat
/apps/github

# @octocat owns any file in the /apps directory in the root of your
# repository except for the /apps/github subdirectory, as this
# subdirectory has its own owner @doctocat
/apps/ @octocat
/apps/github @doctocat
`

func TestCodeownersGitHubExample(t *testing.T) {
	c := ParseCodeowners("CODEOWNERS", []byte(githubExample))
	if len(c.Problems) != 0 {
		t.Fatalf("problems: %v", c.Problems)
	}
	if len(c.Rules) != 14 {
		t.Fatalf("%d rules, want 14", len(c.Rules))
	}
	// The whole file: the last matching line wins.
	cases := map[string]string{
		"README.md":                         "@global-owner1 @global-owner2",
		"src/app.js":                        "@js-owner",
		"main.go":                           "docs@example.com",
		"notes/todo.txt":                    "@octo-org/octocats",
		"docs/getting-started.md":           "@doctocat", // docs/* then /docs/
		"docs/build-app/troubleshooting.md": "@doctocat",
		"web/apps/index.js":                 "@octocat",
		"scripts/deploy.sh":                 "@doctocat @octocat",
		"build/logs/today.log":              "@octocat", // /build/logs/ then **/logs
		"deeply/nested/logs/x.txt":          "@octocat",
		"apps/server.go":                    "@octocat",
		"apps/github/hook.go":               "@doctocat",
	}
	for p, want := range cases {
		if got := strings.Join(c.Owners(p), " "); got != want {
			r := c.Match(p)
			t.Errorf("Owners(%q) = %q (rule %+v), want %q", p, got, r, want)
		}
	}
	if r := c.Match("src/app.js"); r == nil || r.Line != 14 || r.Pattern != "*.js" {
		t.Errorf("Match(src/app.js) = %+v, want line 14 *.js", r)
	}
}

// Each line of the documented example, alone, does what its comment says.
func TestCodeownersDocumentedPatterns(t *testing.T) {
	cases := []struct {
		file  string
		yes   []string
		no    []string
		owner string
	}{
		{"/build/logs/ @doctocat", []string{"build/logs/a.log", "build/logs/deep/b.log"}, []string{"src/build/logs/a.log", "build/logs", "build/logsx/a"}, "@doctocat"},
		{"docs/* docs@example.com", []string{"docs/getting-started.md"}, []string{"docs/build-app/troubleshooting.md", "src/docs/a.md"}, "docs@example.com"},
		{"apps/ @octocat", []string{"apps/a.go", "web/apps/b.go", "a/b/apps/c/d.go"}, []string{"apps", "myapps/a.go"}, "@octocat"},
		{"/docs/ @doctocat", []string{"docs/a.md", "docs/a/b/c.md"}, []string{"src/docs/a.md"}, "@doctocat"},
		{"**/logs @octocat", []string{"logs/a", "build/logs/a", "scripts/logs/a", "deeply/nested/logs/a", "x/logs"}, []string{"logsx/a", "catalogs/a"}, "@octocat"},
		{"*.js @js-owner", []string{"a.js", "src/deep/b.js"}, []string{"a.jsx", "a.JS"}, "@js-owner"},
		{"* @all", []string{"a", "a/b/c.go", ".github/workflows/ci.yml"}, nil, "@all"},
		{"/README.md @root", []string{"README.md"}, []string{"docs/README.md"}, "@root"},
		{"README.md @any", []string{"README.md", "docs/README.md"}, []string{"README.mdx"}, "@any"},
		{"src/**/test/ @t", []string{"src/test/a.go", "src/a/b/test/c.go"}, []string{"lib/test/a.go", "src/test"}, "@t"},
		{"a/**/b @x", []string{"a/b", "a/x/b", "a/x/y/b/c"}, []string{"x/a/b"}, "@x"},
		{"src/** @s", []string{"src/a", "src/a/b"}, []string{"lib/src/a"}, "@s"},
		{"?.go @q", []string{"a.go", "x/b.go"}, []string{"ab.go"}, "@q"},
		{"[ab].go @lit", []string{"[ab].go"}, []string{"a.go"}, "@lit"}, // no character classes
		{`\#notes.md @hash`, []string{"#notes.md"}, []string{"notes.md"}, "@hash"},
		{`my\ file.txt @space`, []string{"my file.txt"}, []string{"my"}, "@space"},
		{"/a/b.go  @u1\t@org/team-1  me@example.co.uk  # trailing comment", []string{"a/b.go"}, nil, "@u1 @org/team-1 me@example.co.uk"},
	}
	for _, c := range cases {
		co := ParseCodeowners("CODEOWNERS", []byte(c.file+"\n"))
		if len(co.Problems) > 0 || len(co.Rules) != 1 {
			t.Errorf("%q: rules %v, problems %v", c.file, co.Rules, co.Problems)
			continue
		}
		for _, p := range c.yes {
			if got := strings.Join(co.Owners(p), " "); got != c.owner {
				t.Errorf("%q: Owners(%q) = %q, want %q", c.file, p, got, c.owner)
			}
		}
		for _, p := range c.no {
			if r := co.Match(p); r != nil {
				t.Errorf("%q: %q matched, want no match", c.file, p)
			}
		}
	}
}

func TestCodeownersPrecedenceAndUnowning(t *testing.T) {
	co := ParseCodeowners("CODEOWNERS", []byte("* @default\n/apps/ @octocat\n/apps/github\n*.md @writers\n"))
	check := func(p string, want []string, wantLine int) {
		t.Helper()
		r := co.Match(p)
		if r == nil || r.Line != wantLine || !reflect.DeepEqual(r.Owners, want) {
			t.Errorf("Match(%q) = %+v, want line %d owners %v", p, r, wantLine, want)
		}
	}
	check("main.go", []string{"@default"}, 1)
	check("apps/x.go", []string{"@octocat"}, 2)
	check("apps/github/x.go", nil, 3) // a pattern with no owners un-owns
	check("apps/github/README.md", []string{"@writers"}, 4)
	if o := co.Owners("apps/github/x.go"); o != nil {
		t.Errorf("un-owned path has owners %v", o)
	}
	if r := (&Codeowners{}).Match("a"); r != nil {
		t.Errorf("empty file matched %v", r)
	}
	var nilCO *Codeowners
	if nilCO.Owners("a") != nil {
		t.Error("nil Codeowners has owners")
	}
}

func TestCodeownersInvalidLinesSkipped(t *testing.T) {
	src := "* @default\n!secret.txt @nobody\n*.go @bad!owner\n*.go @gophers\n/ @root\n#comment @x\n\n   \n*.py @py\r\n"
	co := ParseCodeowners(".github/CODEOWNERS", []byte(src))
	var lines []int
	for _, p := range co.Problems {
		lines = append(lines, p.Line)
	}
	if !reflect.DeepEqual(lines, []int{2, 3, 5}) {
		t.Errorf("problem lines %v, want [2 3 5]: %v", lines, co.Problems)
	}
	if !strings.HasPrefix(co.Problems[0].Error(), ".github/CODEOWNERS:2: negation is not supported") {
		t.Errorf("problem text %q", co.Problems[0].Error())
	}
	if got := co.Owners("a.go"); !reflect.DeepEqual(got, []string{"@gophers"}) {
		t.Errorf("a.go owners %v", got)
	}
	if got := co.Owners("secret.txt"); !reflect.DeepEqual(got, []string{"@default"}) {
		t.Errorf("secret.txt owners %v (negation must not apply)", got)
	}
	if got := co.Owners("x.py"); !reflect.DeepEqual(got, []string{"@py"}) {
		t.Errorf("CRLF line: x.py owners %v", got)
	}
}

func TestLoadCodeownersLocations(t *testing.T) {
	dir := t.TempDir()
	if co, err := LoadCodeowners(dir); co != nil || err != nil {
		t.Fatalf("no file: %v, %v", co, err)
	}
	put := func(rel, s string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("docs/CODEOWNERS", "* @docs\n")
	co, err := LoadCodeowners(dir)
	if err != nil || co.File != "docs/CODEOWNERS" || co.Owners("a")[0] != "@docs" {
		t.Fatalf("docs only: %+v, %v", co, err)
	}
	put("CODEOWNERS", "* @root\n")
	if co, _ := LoadCodeowners(dir); co.File != "CODEOWNERS" || co.Owners("a")[0] != "@root" {
		t.Errorf("root beats docs: %+v", co)
	}
	put(".github/CODEOWNERS", "* @github\n")
	if co, _ := LoadCodeowners(dir); co.File != ".github/CODEOWNERS" || co.Owners("a")[0] != "@github" {
		t.Errorf(".github beats root: %+v", co)
	}
	// Over GitHub's size limit: not loaded, with the reason.
	put(".github/CODEOWNERS", "* @big\n"+strings.Repeat("# padding\n", MaxCodeownersSize/10+1))
	if _, err := LoadCodeowners(dir); err == nil || !strings.Contains(err.Error(), "3 MB limit") {
		t.Errorf("large file: err = %v", err)
	}
	// A symlink out of the repository is refused, not read.
	os.Remove(filepath.Join(dir, ".github", "CODEOWNERS"))
	outside := filepath.Join(t.TempDir(), "owners")
	os.WriteFile(outside, []byte("* @evil\n"), 0o644)
	if err := os.Symlink(outside, filepath.Join(dir, ".github", "CODEOWNERS")); err != nil {
		t.Skip(err)
	}
	if _, err := LoadCodeowners(dir); !repofs.IsRefused(err) {
		t.Errorf("symlink out: err = %v, want a refusal", err)
	}
}

func TestMatchSegmentsBounded(t *testing.T) {
	// Many "**" against a deep path stays polynomial.
	pat := strings.Split(strings.Repeat("**/a/", 30)+"b", "/")
	path := strings.Split(strings.Repeat("a/", 200)+"c", "/")
	if matchSegments(pat, path) {
		t.Error("matched")
	}
	if !matchSegment("*a*b*c", "xxaxxbxxc") || matchSegment("*a*b*c", "xxaxxbxx") || !matchSegment(`a\*`, "a*") || matchSegment(`a\*`, "ab") {
		t.Error("segment globs")
	}
}
