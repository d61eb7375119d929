package config

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/secui/secui/findings"
)

// ScansDir is where `secui scan` keeps each scanner's latest results and
// scan record, relative to the repository root.
const ScansDir = ".secui/scans"

// DefaultTimeout is a scanner's timeout when none is configured.
const DefaultTimeout = 10 * time.Minute

// Scanner is one configured scanner (`scanners:` in .secui.yaml), run by
// `secui scan` as an argument vector, never through a shell.
type Scanner struct {
	Name   string   // unique; names the stored results (.secui/scans/<name>.sarif)
	Stages []string // stages it feeds (canonical names; at least one)
	Run    []string // argv: program and arguments
	// Output is the repository-relative file the scanner writes its SARIF
	// to; "" means SARIF on standard output. It is a scratch file: secui
	// removes it before the run, copies it to Results after, and does not
	// discover it.
	Output  string
	Timeout time.Duration
	// Dir is the working directory, repository-relative ("" = the root).
	Dir string
	// Paths are doublestar globs (repository-relative) of the files the
	// scanner covers. Empty: coverage comes from the SARIF run's artifacts
	// when it lists them, else every file under Dir.
	Paths []string
	Env   map[string]string // extra environment variables
	// ExitCodes are the exit statuses that mean the scan ran (some tools
	// exit 1 when they find something). Default [0].
	ExitCodes []int
	// PartialOn are regular expressions matched against each line the
	// scanner writes to standard error; a match makes the run partial (e.g.
	// gosec skipping a package with type errors), so it proves nothing.
	PartialOn []string
	// Install is shown when the program is not installed.
	Install string
	// Results is where the latest results are stored (repository-relative,
	// .sarif); default .secui/scans/<name>.sarif.
	Results string
	// Origin is where the scanner was written, "file:line".
	Origin string
}

// ResultsPath is the repository-relative path of the scanner's stored results.
func (s *Scanner) ResultsPath() string {
	if s.Results != "" {
		return s.Results
	}
	return ScansDir + "/" + s.Name + ".sarif"
}

// RecordPath is the repository-relative path of the scanner's scan record.
func (s *Scanner) RecordPath() string { return ScansDir + "/" + s.Name + ".json" }

// Feeds reports whether the scanner feeds stage st.
func (s *Scanner) Feeds(st findings.Stage) bool { return slices.Contains(s.Stages, st.String()) }

// Scanner returns the configured scanner called name (nil when none).
func (c *Config) Scanner(name string) *Scanner {
	for i := range c.Scanners {
		if strings.EqualFold(c.Scanners[i].Name, name) {
			return &c.Scanners[i]
		}
	}
	return nil
}

// StoredResults returns the repository-relative stored results of every
// configured scanner. Discovery adds them even though the default exclude
// skips .secui/.
func (c *Config) StoredResults() []string {
	out := make([]string, 0, len(c.Scanners))
	for i := range c.Scanners {
		out = append(out, c.Scanners[i].ResultsPath())
	}
	return out
}

// ScratchOutputs returns the scanners' output files (repository-relative),
// which discovery skips: their stored copies are loaded instead.
func (c *Config) ScratchOutputs() []string {
	var out []string
	for i := range c.Scanners {
		if o := c.Scanners[i].Output; o != "" {
			out = append(out, o)
		}
	}
	return out
}

// compiled on first use (the bounded repetition is costly at every start)
var scannerNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`) })

var scannerKeys = []string{"name", "stage", "run", "output", "timeout", "dir", "paths", "env", "exit-codes", "partial-on", "install", "results"}

// checkRepoPath validates a repository-relative file or folder path: not
// absolute, no "..", not inside .git. It returns the cleaned slash form.
func checkRepoPath(p, what string) (string, error) {
	s := strings.TrimSpace(p)
	if s == "" {
		return "", fmt.Errorf("%s is empty", what)
	}
	sl := strings.ReplaceAll(s, "\\", "/")
	if strings.HasPrefix(sl, "/") || (len(sl) >= 2 && sl[1] == ':') || strings.HasPrefix(sl, "~") {
		return "", fmt.Errorf("%s %q must be relative to the repository root", what, p)
	}
	for _, seg := range strings.Split(sl, "/") {
		if seg == ".." {
			return "", fmt.Errorf("%s %q must stay inside the repository (no \"..\")", what, p)
		}
	}
	c := path.Clean(sl)
	if first, _, _ := strings.Cut(c, "/"); strings.EqualFold(first, ".git") {
		return "", fmt.Errorf("%s %q must not be inside .git", what, p)
	}
	return c, nil
}

func (d *decoder) scanners(n *yaml.Node, c *Config) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "scanners", "want a list of scanners (- name: ... run: [...]), got %s", kindName(n))
		return
	}
	out := make([]Scanner, 0, len(n.Content))
	names := map[string]bool{}
	results := map[string]string{}
	for i, it := range n.Content {
		it = resolve(it)
		field := fmt.Sprintf("scanners[%d]", i)
		if isNull(it) {
			d.errorf(it, field, "empty scanner")
			continue
		}
		s := Scanner{Timeout: DefaultTimeout}
		before := len(d.errs)
		set := map[string]bool{}
		d.mapping(it, field, scannerKeys, func(key string, k, v *yaml.Node) {
			f := field + "." + key
			set[key] = true
			switch key {
			case "name":
				if v, ok := d.str(v, f); ok {
					s.Name = v
				}
			case "stage":
				l, ok := d.strList(v, f, func(n *yaml.Node, field, v string) (string, bool) {
					st, err := findings.ParseStage(v)
					if err != nil {
						d.errorf(n, field, "%s", withSuggestion(err, v, stageNames()))
						return "", false
					}
					return st.String(), true
				})
				if ok && len(l) == 0 {
					d.errorf(resolve(v), f, "no stage given")
				}
				s.Stages = l
			case "run":
				rv := resolve(v)
				if rv.Kind != yaml.SequenceNode {
					d.errorf(rv, f, "want a list: the program and its arguments, e.g. [gosec, -fmt, sarif, ./...] (secui never runs a shell)")
					return
				}
				l, ok := d.strList(v, f, nil)
				if ok && (len(l) == 0 || strings.TrimSpace(l[0]) == "") {
					d.errorf(rv, f, "empty command")
					return
				}
				s.Run = l
			case "output", "results":
				v2, ok := d.str(v, f)
				if !ok {
					return
				}
				p, err := checkRepoPath(v2, key)
				if err == nil && key == "results" && !strings.HasSuffix(p, ".sarif") && !strings.HasSuffix(p, ".sarif.json") {
					err = fmt.Errorf("results %q must end in .sarif or .sarif.json (it is discovered like any scan result)", v2)
				}
				if err != nil {
					d.errorf(resolve(v), f, "%v", err)
					return
				}
				if key == "output" {
					s.Output = p
				} else {
					s.Results = p
				}
			case "dir":
				v2, ok := d.str(v, f)
				if !ok {
					return
				}
				p, err := checkRepoPath(v2, "dir")
				if err != nil {
					d.errorf(resolve(v), f, "%v", err)
					return
				}
				if p == "." {
					p = ""
				}
				s.Dir = p
			case "timeout":
				v2, ok := d.str(v, f)
				if !ok {
					return
				}
				t, err := time.ParseDuration(strings.TrimSpace(v2))
				if err != nil || t <= 0 {
					d.errorf(resolve(v), f, "bad duration %q (want e.g. 90s, 10m, 1h)", v2)
					return
				}
				s.Timeout = t
			case "paths":
				if l, ok := d.strList(v, f, d.glob); ok {
					s.Paths = l
				}
			case "env":
				d.mapping(v, f, nil, func(name string, k, ev *yaml.Node) {
					ef := f + "." + name
					if name == "" || strings.ContainsAny(name, "= \t\x00") {
						d.errorf(k, ef, "bad variable name %q", name)
						return
					}
					val, ok := d.str(ev, ef)
					if !ok {
						return
					}
					if s.Env == nil {
						s.Env = map[string]string{}
					}
					s.Env[name] = val
				})
			case "exit-codes":
				l, ok := d.strList(v, f, func(n *yaml.Node, field, v string) (string, bool) {
					c, err := strconv.Atoi(strings.TrimSpace(v))
					if err != nil || c < 0 || c > 255 {
						d.errorf(n, field, "bad exit code %q (want 0-255)", v)
						return "", false
					}
					return strconv.Itoa(c), true
				})
				if !ok {
					return
				}
				s.ExitCodes = s.ExitCodes[:0]
				for _, x := range l {
					c, _ := strconv.Atoi(x)
					s.ExitCodes = append(s.ExitCodes, c)
				}
			case "partial-on":
				l, ok := d.strList(v, f, func(n *yaml.Node, field, v string) (string, bool) {
					if _, err := regexp.Compile(v); err != nil {
						d.errorf(n, field, "bad regular expression %q: %v", v, err)
						return "", false
					}
					return v, true
				})
				if ok {
					s.PartialOn = l
				}
			case "install":
				if v, ok := d.str(v, f); ok {
					s.Install = v
				}
			}
		})
		if it.Kind != yaml.MappingNode {
			continue
		}
		if set["name"] && s.Name != "" && !scannerNameRE().MatchString(s.Name) {
			d.errorf(nodeFor(it, "name"), field+".name", "bad scanner name %q (lower-case letters, digits, '.', '_', '-'; it names the stored results)", s.Name)
		}
		for _, req := range []string{"name", "stage", "run"} {
			if !set[req] && len(d.errs) == before {
				d.errorf(it, field, "missing %s", req)
			}
		}
		if len(d.errs) > before {
			continue
		}
		if names[s.Name] {
			d.errorf(nodeFor(it, "name"), field+".name", "duplicate scanner name %q", s.Name)
			continue
		}
		names[s.Name] = true
		if other, dup := results[s.ResultsPath()]; dup {
			d.errorf(it, field, "stores its results in %s like scanner %q; give one of them another results path", s.ResultsPath(), other)
			continue
		}
		results[s.ResultsPath()] = s.Name
		if s.Output != "" && slices.ContainsFunc([]string{s.ResultsPath(), s.RecordPath(), c.Ledger, DefaultLedger}, func(kept string) bool { return strings.EqualFold(s.Output, kept) }) {
			// secui removes the output file before each run: it must not be
			// anything secui keeps.
			d.errorf(nodeFor(it, "output"), field+".output", "output %q is a file secui keeps (removed before every run): use a scratch path such as .secui/tmp/%s.sarif", s.Output, s.Name)
			continue
		}
		if s.ExitCodes == nil {
			s.ExitCodes = []int{0}
		}
		s.Origin = fmt.Sprintf("%s:%d", d.file, it.Line)
		out = append(out, s)
	}
	kept := make([]Scanner, 0, len(out))
	for i := range out {
		bad := false
		for j := range out {
			if o := out[i].Output; o != "" && i != j && strings.EqualFold(o, out[j].ResultsPath()) {
				d.errorf(n, "scanners", "scanner %q's output %q is scanner %q's stored results (removed before every run)", out[i].Name, o, out[j].Name)
				bad = true
			}
		}
		if !bad {
			kept = append(kept, out[i])
		}
	}
	c.Scanners = kept
}

// nodeFor returns the value node of key in mapping m (m itself when absent).
func nodeFor(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return resolve(m.Content[i+1])
		}
	}
	return m
}

// Inputs returns the SARIF files secui loads from the repository at root:
// those discovery finds (discover.include / exclude), plus every configured
// scanner's stored results (even under .secui/, which the default exclude
// skips), minus the scanners' scratch output files. Paths are absolute,
// sorted, without duplicates. A stored result that is not a regular file
// (a symlink, say) is not loaded.
func (c *Config) Inputs(root string) ([]string, error) {
	paths, _, err := c.InputsAll(root)
	return paths, err
}

// InputsAll is Inputs that also returns the matching entries it did not
// load, each with its reason (findings.DiscoverAll), for the caller to
// report: nothing is skipped silently.
func (c *Config) InputsAll(root string) ([]string, []*findings.LoadError, error) {
	paths, skipped, err := findings.DiscoverAll(root, c.Discover.Include, c.Discover.Exclude)
	if err != nil {
		return nil, nil, err
	}
	if len(c.Scanners) == 0 {
		return paths, skipped, nil
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, nil, err
	}
	skip := map[string]bool{}
	for _, o := range c.ScratchOutputs() {
		skip[filepath.Join(abs, filepath.FromSlash(o))] = true
	}
	seen := map[string]bool{}
	out := paths[:0]
	for _, p := range paths {
		if !skip[p] && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, r := range c.StoredResults() {
		p := filepath.Join(abs, filepath.FromSlash(r))
		if seen[p] || skip[p] {
			continue
		}
		if st, err := os.Lstat(p); err == nil && st.Mode().IsRegular() {
			seen[p] = true
			out = append(out, p)
		} else if err == nil {
			skipped = append(skipped, &findings.LoadError{File: r, Msg: "skipped: stored scan results are not a regular file"})
		}
	}
	slices.Sort(out)
	return out, skipped, nil
}
