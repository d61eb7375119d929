package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/secui/secui/findings"
	"go.yaml.in/yaml/v3"
)

// maxFileSize bounds a configuration file; anything bigger is a mistake.
const maxFileSize = 1 << 20

// FieldError is one configuration problem at a position in a file.
type FieldError struct {
	File      string
	Line, Col int    // 1-based
	Field     string // dotted path such as "stages[2].stage"; "" for syntax errors
	Msg       string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", e.File, e.Line, e.Col, e.Field, e.Msg)
}

// Errors are all the problems found while loading; Error joins them with
// newlines.
type Errors []*FieldError

func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap lets errors.As find the individual *FieldError values.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func fileError(name string, err error) *FieldError {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &FieldError{File: name, Line: 1, Col: 1, Msg: err.Error()}
}

// source is one parsed file.
type source struct {
	name string
	doc  *yaml.Node // the document's top node; nil for an empty file
	errs Errors
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

func readSource(file, name string) (*source, error) {
	// Stat before opening: opening a FIFO would block.
	st, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		if st.IsDir() {
			return nil, fmt.Errorf("is a directory")
		}
		return nil, fmt.Errorf("not a regular file")
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	return parseSource(name, b), nil
}

// parseSource parses file contents b (named name in errors).
func parseSource(name string, b []byte) *source {
	s := &source{name: name}
	if len(b) > maxFileSize {
		s.errs = Errors{{File: name, Line: 1, Col: 1, Msg: fmt.Sprintf("file is larger than %d bytes", maxFileSize)}}
		return s
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return s // empty file
		}
		s.errs = Errors{syntaxError(name, err)}
		return s
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		line := 1
		if err == nil {
			line = extra.Line
		}
		s.errs = Errors{{File: name, Line: line, Col: 1, Msg: "more than one YAML document (remove the extra ---)"}}
		return s
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 && !isNull(resolve(doc.Content[0])) {
		s.doc = doc.Content[0]
	}
	return s
}

func syntaxError(name string, err error) *FieldError {
	msg := err.Error()
	line := 1
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = "invalid YAML: " + msg[len(m[0]):]
	} else {
		msg = "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")
	}
	return &FieldError{File: name, Line: line, Col: 1, Msg: msg}
}

type decoder struct {
	file string
	errs Errors
}

func (d *decoder) errorf(n *yaml.Node, field, format string, args ...any) {
	line, col := 1, 1
	if n != nil {
		line, col = n.Line, n.Column
	}
	d.errs = append(d.errs, &FieldError{File: d.file, Line: line, Col: col, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return "a scalar"
	}
	return "something else"
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// mapping walks a mapping node, reporting non-mappings, duplicate and
// unknown keys; fn gets each known key with a non-null value.
func (d *decoder) mapping(n *yaml.Node, field string, known []string, fn func(key string, k, v *yaml.Node)) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(n, field, "want a mapping of %s, got %s", strings.Join(known, ", "), kindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		key := k.Value
		f := join(field, key)
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, field, "keys must be plain names")
			continue
		}
		if seen[key] {
			d.errorf(k, f, "duplicate key %q", key)
			continue
		}
		seen[key] = true
		if known != nil && !slices.Contains(known, key) {
			msg := fmt.Sprintf("unknown key %q", key)
			if s := suggest(key, known); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else {
				msg += fmt.Sprintf(" (known keys: %s)", strings.Join(known, ", "))
			}
			d.errorf(k, f, "%s", msg)
			continue
		}
		if isNull(v) {
			continue // "key:" with no value leaves the setting as it was
		}
		fn(key, k, v)
	}
}

func (d *decoder) str(n *yaml.Node, field string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.errorf(n, field, "want a string, got %s", kindName(n))
		return "", false
	}
	return n.Value, true
}

// strList accepts a list of strings or a single string.
func (d *decoder) strList(n *yaml.Node, field string, check func(n *yaml.Node, field, v string) (string, bool)) ([]string, bool) {
	n = resolve(n)
	items := []*yaml.Node{n}
	scalar := true
	if n.Kind == yaml.SequenceNode {
		items, scalar = n.Content, false
	}
	out := make([]string, 0, len(items))
	ok := true
	for i, it := range items {
		f := field
		if !scalar {
			f = fmt.Sprintf("%s[%d]", field, i)
		}
		v, good := d.str(it, f)
		if good && check != nil {
			v, good = check(resolve(it), f, v)
		}
		if !good {
			ok = false
			continue
		}
		out = append(out, v)
	}
	return out, ok
}

// sections limits which top-level keys are applied (nil = all).
func (d *decoder) config(doc *yaml.Node, c *Config, sections map[string]bool) {
	known := []string{"discover", "stages", "kinds", "ledger", "check", "git", "ui", "trackers", "limits", "scanners"}
	d.mapping(doc, "", known, func(key string, k, v *yaml.Node) {
		if sections != nil && !sections[key] {
			return
		}
		switch key {
		case "discover":
			d.discover(v, &c.Discover)
		case "stages":
			d.stages(v, c)
		case "kinds":
			d.kinds(v, c)
		case "ledger":
			if s, ok := d.str(v, "ledger"); ok {
				if p, err := CheckLedgerPath(s); err != nil {
					d.errorf(v, "ledger", "%v", err)
				} else {
					c.Ledger = p
				}
			}
		case "check":
			d.check(v, &c.Check)
		case "git":
			d.git(v, &c.Git)
		case "ui":
			d.ui(v, &c.UI)
		case "trackers":
			d.trackers(v, &c.Trackers)
		case "limits":
			d.limits(v, &c.Limits)
		case "scanners":
			d.scanners(v, c)
		}
	})
}

// limits reads the limits section: sizes as bytes or with a unit (KiB, MiB,
// GiB binary; KB, MB, GB decimal), counts as plain numbers.
func (d *decoder) limits(n *yaml.Node, out *findings.Limits) {
	d.mapping(n, "limits", []string{"max-input", "max-token", "max-depth", "max-results"}, func(key string, k, v *yaml.Node) {
		f := "limits." + key
		s, ok := d.str(v, f)
		if !ok {
			return
		}
		switch key {
		case "max-input", "max-token":
			b, err := ParseSize(s)
			if err != nil {
				d.errorf(resolve(v), f, "%v", err)
				return
			}
			if key == "max-input" {
				out.MaxInput = b
			} else {
				out.MaxToken = b
			}
		default:
			c, err := strconv.Atoi(strings.ReplaceAll(strings.TrimSpace(s), "_", ""))
			if err != nil || c <= 0 {
				d.errorf(resolve(v), f, "want a positive whole number, got %q", s)
				return
			}
			if key == "max-depth" {
				out.MaxDepth = c
			} else {
				out.MaxResults = c
			}
		}
	})
}

// ParseSize reads a byte size: "1048576", "16MiB", "2 GiB", "500MB".
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '_') {
		i++
	}
	num, unit := strings.ReplaceAll(t[:i], "_", ""), strings.TrimSpace(t[i:])
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("want a positive size such as 16MiB or 2GiB, got %q", s)
	}
	mult := map[string]int64{"": 1, "b": 1, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
		"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12}[strings.ToLower(unit)]
	if mult == 0 {
		return 0, fmt.Errorf("unknown size unit %q in %q (want KiB, MiB, GiB, KB, MB or GB)", unit, s)
	}
	if n > (1<<62)/mult {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n * mult, nil
}

func (d *decoder) glob(n *yaml.Node, field, v string) (string, bool) {
	if err := checkGlob(v); err != nil {
		d.errorf(n, field, "%v", err)
		return "", false
	}
	return v, true
}

// checkGlob validates a repository-relative doublestar glob.
func checkGlob(v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("empty glob")
	}
	if !doublestar.ValidatePattern(v) {
		return fmt.Errorf("invalid glob %q (unbalanced [ ] or { }, or a trailing \\)", v)
	}
	if strings.HasPrefix(v, "/") || (len(v) >= 2 && v[1] == ':') {
		return fmt.Errorf("glob %q must be relative to the repository root", v)
	}
	for _, seg := range strings.Split(v, "/") {
		if seg == ".." {
			return fmt.Errorf("glob %q must stay inside the repository (no \"..\")", v)
		}
	}
	return nil
}

func (d *decoder) discover(n *yaml.Node, out *Discover) {
	d.mapping(n, "discover", []string{"include", "exclude"}, func(key string, k, v *yaml.Node) {
		l, ok := d.strList(v, "discover."+key, d.glob)
		if !ok {
			return
		}
		if key == "include" {
			if len(l) == 0 {
				d.errorf(resolve(v), "discover.include", "empty list would load nothing (remove the key to use the defaults)")
				return
			}
			out.Include = l
		} else {
			out.Exclude = l
		}
	})
}

var ruleKeys = []string{"tool", "rule", "path", "category", "stage", "set-category"}

func (d *decoder) stages(n *yaml.Node, c *Config) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "stages", "want a list of rules (- tool: ... stage: ...), got %s", kindName(n))
		return
	}
	rules := make([]StageRule, 0, len(n.Content))
	for i, it := range n.Content {
		it = resolve(it)
		field := fmt.Sprintf("stages[%d]", i)
		if isNull(it) {
			d.errorf(it, field, "empty rule")
			continue
		}
		var r StageRule
		ok := true
		before := len(d.errs)
		set := map[string]bool{}
		d.mapping(it, field, ruleKeys, func(key string, k, v *yaml.Node) {
			f := field + "." + key
			s, good := d.str(v, f)
			if !good {
				ok = false
				return
			}
			set[key] = true
			switch key {
			case "tool", "rule", "path":
				if _, good := d.glob(v, f, s); !good {
					ok = false
					return
				}
				switch key {
				case "tool":
					r.Tool = s
				case "rule":
					r.Rule = s
				default:
					r.Path = s
				}
			case "category", "set-category":
				cat, err := findings.ParseCategory(s)
				if err != nil {
					d.errorf(v, f, "%s", withSuggestion(err, s, catNames()))
					ok = false
					return
				}
				if key == "category" {
					r.Category = cat.String()
				} else {
					r.SetCategory = cat.String()
				}
			case "stage":
				st, err := findings.ParseStage(s)
				if err != nil {
					d.errorf(v, f, "%s", withSuggestion(err, s, stageNames()))
					ok = false
					return
				}
				r.Stage = st.String()
			}
		})
		if it.Kind != yaml.MappingNode || len(d.errs) > before {
			continue // already reported
		}
		if !set["stage"] && ok {
			d.errorf(it, field, "missing stage (one of %s)", strings.Join(stageNames(), ", "))
			ok = false
		}
		if !set["tool"] && !set["rule"] && !set["path"] && !set["category"] && ok {
			d.errorf(it, field, "needs at least one of tool, rule, path, category (a rule without them would match everything)")
			ok = false
		}
		if !ok {
			continue
		}
		r.Origin = fmt.Sprintf("%s:%d", d.file, it.Line)
		rules = append(rules, r)
	}
	c.Stages = rules
}

var kindKeys = []string{"tool", "rule", "path", "category", "kind"}

// kinds reads the kinds section: rules making findings security or quality.
func (d *decoder) kinds(n *yaml.Node, c *Config) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "kinds", "want a list of rules (- tool: ... kind: quality), got %s", kindName(n))
		return
	}
	rules := make([]KindRule, 0, len(n.Content))
	for i, it := range n.Content {
		it = resolve(it)
		field := fmt.Sprintf("kinds[%d]", i)
		if isNull(it) {
			d.errorf(it, field, "empty rule")
			continue
		}
		var r KindRule
		before := len(d.errs)
		set := map[string]bool{}
		d.mapping(it, field, kindKeys, func(key string, k, v *yaml.Node) {
			f := field + "." + key
			s, good := d.str(v, f)
			if !good {
				return
			}
			switch key {
			case "tool", "rule", "path":
				if _, good := d.glob(v, f, s); !good {
					return
				}
				switch key {
				case "tool":
					r.Tool = s
				case "rule":
					r.Rule = s
				default:
					r.Path = s
				}
			case "category":
				cat, err := findings.ParseCategory(s)
				if err != nil {
					d.errorf(v, f, "%s", withSuggestion(err, s, catNames()))
					return
				}
				r.Category = cat.String()
			case "kind":
				kd, err := findings.ParseKind(s)
				if err != nil {
					d.errorf(v, f, "%s", withSuggestion(err, s, []string{"security", "quality"}))
					return
				}
				r.Kind = kd.String()
			}
			set[key] = true
		})
		if it.Kind != yaml.MappingNode || len(d.errs) > before {
			continue
		}
		if !set["kind"] {
			d.errorf(it, field, "missing kind (security or quality)")
			continue
		}
		if !set["tool"] && !set["rule"] && !set["path"] && !set["category"] {
			d.errorf(it, field, "needs at least one of tool, rule, path, category (a rule without them would match everything)")
			continue
		}
		r.Origin = fmt.Sprintf("%s:%d", d.file, it.Line)
		rules = append(rules, r)
	}
	c.Kinds = rules
}

func (d *decoder) severity(n *yaml.Node, field string) (string, bool) {
	s, ok := d.str(n, field)
	if !ok {
		return "", false
	}
	if isOff(s) {
		return "off", true
	}
	sev, err := findings.ParseSeverity(s)
	if err != nil {
		d.errorf(resolve(n), field, "%s", withSuggestion(fmt.Errorf("unknown severity %q (want critical, high, medium, low, info or off)", s), s, []string{"critical", "high", "medium", "low", "info", "off"}))
		return "", false
	}
	return sev.String(), true
}

// termRE is a maximum term: a positive number of days, weeks, months or years.
var termRE = regexp.MustCompile(`^[1-9][0-9]{0,4}(d|w|mo|y)$`)

func (d *decoder) check(n *yaml.Node, out *Check) {
	d.mapping(n, "check", []string{"fail-on", "fail-on-quality", "stages", "max-expiry", "strict"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "fail-on-quality":
			if s, ok := d.severity(v, "check.fail-on-quality"); ok {
				out.FailOnQuality = s
			}
		case "max-expiry":
			if s, ok := d.str(v, "check.max-expiry"); ok {
				t := strings.ToLower(strings.TrimSpace(s))
				if !termRE.MatchString(t) {
					d.errorf(resolve(v), "check.max-expiry", "bad duration %q (want a number and d, w, mo or y, e.g. 90d, 6mo, 1y)", s)
					return
				}
				out.MaxExpiry = t
			}
		case "strict":
			switch t := strings.ToLower(strings.TrimSpace(resolve(v).Value)); {
			case resolve(v).Kind == yaml.ScalarNode && (t == "true" || t == "false"):
				out.Strict = t == "true"
			default:
				d.errorf(resolve(v), "check.strict", "want true or false")
			}
		case "fail-on":
			if s, ok := d.severity(v, "check.fail-on"); ok {
				out.FailOn = s
			}
		case "stages":
			d.mapping(v, "check.stages", nil, func(stage string, k, sv *yaml.Node) {
				f := "check.stages." + stage
				st, err := findings.ParseStage(stage)
				if err != nil {
					d.errorf(k, f, "%s", withSuggestion(err, stage, stageNames()))
					return
				}
				if s, ok := d.severity(sv, f); ok {
					if out.Stages == nil {
						out.Stages = map[string]string{}
					}
					out.Stages[st.String()] = s
				}
			})
		}
	})
}

func (d *decoder) git(n *yaml.Node, out *Git) {
	d.mapping(n, "git", []string{"base"}, func(key string, k, v *yaml.Node) {
		s, ok := d.str(v, "git.base")
		if !ok {
			return
		}
		s = strings.TrimSpace(s)
		if strings.HasPrefix(s, "-") || strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
			d.errorf(v, "git.base", "%q is not a branch or revision name", s)
			return
		}
		out.Base = s
	})
}

func (d *decoder) enum(n *yaml.Node, field, what string, allowed []string) (string, bool) {
	s, ok := d.str(n, field)
	if !ok {
		return "", false
	}
	l := strings.ToLower(strings.TrimSpace(s))
	if slices.Contains(allowed, l) {
		return l, true
	}
	d.errorf(resolve(n), field, "%s", withSuggestion(fmt.Errorf("unknown %s %q (want one of %s)", what, s, strings.Join(allowed, ", ")), s, allowed))
	return "", false
}

func (d *decoder) ui(n *yaml.Node, out *UI) {
	d.mapping(n, "ui", []string{"theme", "keys", "group", "sort"}, func(key string, k, v *yaml.Node) {
		f := "ui." + key
		switch key {
		case "theme":
			if s, ok := d.enum(v, f, "theme", Themes); ok {
				out.Theme = s
			}
		case "group":
			if s, ok := d.enum(v, f, "grouping", GroupBys); ok {
				out.Group = s
			}
		case "sort":
			if s, ok := d.enum(v, f, "sort order", SortNames); ok {
				out.Sort = s
			}
		case "keys":
			d.mapping(v, f, nil, func(action string, k, kv *yaml.Node) {
				af := f + "." + action
				keys, ok := d.strList(kv, af, func(n *yaml.Node, field, v string) (string, bool) {
					if strings.TrimSpace(v) == "" {
						d.errorf(n, field, "empty key name")
						return "", false
					}
					return v, true
				})
				if !ok {
					return
				}
				if len(keys) == 0 {
					d.errorf(resolve(kv), af, "no keys given")
					return
				}
				if out.Keys == nil {
					out.Keys = map[string][]string{}
				}
				out.Keys[action] = keys
			})
		}
	})
}

func stageNames() []string {
	out := make([]string, len(findings.Stages))
	for i, s := range findings.Stages {
		out[i] = s.String()
	}
	return out
}

func catNames() []string {
	out := make([]string, len(findings.Categories))
	for i, c := range findings.Categories {
		out[i] = c.String()
	}
	return out
}

func withSuggestion(err error, got string, options []string) string {
	if s := suggest(got, options); s != "" {
		return fmt.Sprintf("%v; did you mean %q?", err, s)
	}
	return err.Error()
}

// suggest returns the option closest to got when it is plausibly a typo.
func suggest(got string, options []string) string {
	g := strings.ToLower(strings.ReplaceAll(got, "_", "-"))
	type cand struct {
		s string
		d int
	}
	var cs []cand
	for _, o := range options {
		ol := strings.ToLower(o)
		if ol == g || strings.ReplaceAll(ol, "-", "") == strings.ReplaceAll(g, "-", "") {
			return o
		}
		dist := levenshtein(g, ol)
		max := 2
		if len(ol) <= 4 {
			max = 1
		}
		if dist <= max || (len(g) >= 3 && strings.HasPrefix(ol, g)) {
			cs = append(cs, cand{o, dist})
		}
	}
	if len(cs) == 0 {
		return ""
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	return cs[0].s
}

// levenshtein is the optimal-string-alignment edit distance (insertions,
// deletions, substitutions and adjacent transpositions each cost 1).
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
