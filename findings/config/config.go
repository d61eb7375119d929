// Package config reads secui's YAML configuration: the team file committed
// at the repository root (.secui.yaml) and the user's personal file
// ($SECUI_CONFIG, else $XDG_CONFIG_HOME/secui/config.yaml, else
// ~/.config/secui/config.yaml).
//
// Decoding is strict: unknown keys, wrong types and invalid values are
// errors that name the file, line, column and field path, e.g.
//
//	.secui.yaml:12:12: stages[2].stage: unknown stage "deploi" (want one of plan, code, ...); did you mean "deploy"?
//
// See Example for the full schema with comments.
package config

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/secui/secui/findings"
)

// RepoFile is the name of the team configuration file at the repository root.
const RepoFile = ".secui.yaml"

// DefaultLedger is the ledger path used when none is configured.
const DefaultLedger = ".secui/ledger.yaml"

// Config is secui's merged configuration. Default, Load and LoadFile always
// fill every field; an empty Discover.Exclude means "exclude nothing".
type Config struct {
	Discover Discover    `yaml:"discover"`
	Stages   []StageRule `yaml:"stages"` // stage/category overrides, first match wins
	Kinds    []KindRule  `yaml:"kinds"`  // security/quality overrides, first match wins
	Ledger   string      `yaml:"ledger"` // repository-relative, slash-separated; default ".secui/ledger.yaml"
	Check    Check       `yaml:"check"`
	Git      Git         `yaml:"git"`
	UI       UI          `yaml:"ui"`
	Trackers Trackers    `yaml:"trackers"` // secui sync (trackers.go)
	// Limits bound what one SARIF input may cost (limits.max-input,
	// max-token, max-depth, max-results); always filled.
	Limits findings.Limits `yaml:"limits"`
	// Scanners are the scanners `secui scan` runs (none by default).
	Scanners []Scanner `yaml:"scanners"`
	// Sources are the files that were read, in order, for display
	// ("~/.config/secui/config.yaml", ".secui.yaml").
	Sources []string `yaml:"-"`
}

// Discover selects the SARIF files secui loads from the repository.
type Discover struct {
	Include []string `yaml:"include"` // doublestar globs, repository-relative
	Exclude []string `yaml:"exclude"`
}

// Check configures the CI gate (`secui check`).
type Check struct {
	// FailOn is the lowest severity of an open finding that fails the
	// check: critical, high, medium, low, info, or "off" (never fail; "none"
	// and "never" are read as "off"). Stored canonical.
	FailOn string `yaml:"fail-on"`
	// Stages overrides FailOn per stage: stage name -> severity or "off".
	Stages map[string]string `yaml:"stages"`
	// FailOnQuality is the threshold of quality findings (lint, code
	// quality), "off" by default: FailOn and Stages apply to security
	// findings only.
	FailOnQuality string `yaml:"fail-on-quality"`
	// MaxExpiry is the longest --expires / --due after a decision ("90d",
	// "12w", "6mo", "1y"; default "1y"): longer ones are refused when written
	// and fail the check when hand-written.
	MaxExpiry string `yaml:"max-expiry"`
	// Strict makes the check fail on decisions that need review (as --strict).
	Strict bool `yaml:"strict"`
}

// Git configures the git context (new:branch).
type Git struct {
	// Base is the branch new:branch compares with, e.g. "origin/main" (any
	// revision git understands). "" picks the default branch: origin/HEAD,
	// else origin/main, origin/master, main, master.
	Base string `yaml:"base"`
}

// UI holds personal presentation settings. In Load, ui.* from the personal
// file overrides the repository's.
type UI struct {
	Theme string              `yaml:"theme"` // auto | dark | light
	Keys  map[string][]string `yaml:"keys"`  // action -> key names (interpreted by the TUI)
	Group string              `yaml:"group"` // none | stage | rule | file | tool | severity
	Sort  string              `yaml:"sort"`  // severity | file | rule | tool | stage
}

// StageRule places matching findings in a stage (and optionally a category).
// Values are canonical after loading (lower-case stage/category names).
type StageRule struct {
	Tool        string `yaml:"tool"`         // tool name glob, case-insensitive
	Rule        string `yaml:"rule"`         // rule id glob
	Path        string `yaml:"path"`         // repository-relative path glob
	Category    string `yaml:"category"`     // match only findings of this category
	Stage       string `yaml:"stage"`        // required
	SetCategory string `yaml:"set-category"` // optional category to assign
	// Origin is where the rule was written, "file:line".
	Origin string `yaml:"-"`
}

// KindRule makes matching findings security or quality. Values are
// canonical after loading.
type KindRule struct {
	Tool     string `yaml:"tool"`     // tool name glob, case-insensitive
	Rule     string `yaml:"rule"`     // rule id glob
	Path     string `yaml:"path"`     // repository-relative path glob
	Category string `yaml:"category"` // match only findings of this category
	Kind     string `yaml:"kind"`     // required: security or quality
	// Origin is where the rule was written, "file:line".
	Origin string `yaml:"-"`
}

// KindOverrides converts the kind rules for findings.Load.
func (c *Config) KindOverrides() []findings.KindOverride {
	if c == nil {
		return nil
	}
	out := make([]findings.KindOverride, 0, len(c.Kinds))
	for _, r := range c.Kinds {
		k, err := findings.ParseKind(r.Kind)
		if err != nil {
			continue
		}
		out = append(out, findings.KindOverride{Tool: r.Tool, Rule: r.Rule, Path: r.Path, Category: r.Category, Kind: k, Origin: r.Origin})
	}
	return out
}

// Enumerations accepted by the ui section.
var (
	Themes    = []string{"auto", "dark", "light"}
	SortNames = []string{"severity", "file", "rule", "tool", "stage"}
	GroupBys  = []string{"none", "stage", "rule", "file", "tool", "severity"}
)

// Default returns the built-in configuration.
func Default() *Config {
	return &Config{
		Discover: Discover{
			Include: append([]string(nil), findings.DefaultInclude...),
			Exclude: append([]string(nil), findings.DefaultExclude...),
		},
		Ledger:   DefaultLedger,
		Check:    Check{FailOn: "high", Stages: map[string]string{}, FailOnQuality: "off", MaxExpiry: "1y"},
		UI:       UI{Theme: "auto", Keys: map[string][]string{}, Group: "none", Sort: "severity"},
		Trackers: defaultTrackers(),
		Limits:   findings.DefaultLimits(),
	}
}

// PersonalPath returns the personal configuration file and whether it was
// named explicitly by $SECUI_CONFIG.
func PersonalPath() (file string, explicit bool) {
	if p := os.Getenv("SECUI_CONFIG"); p != "" {
		return p, true
	}
	if x := os.Getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "secui", "config.yaml"), false
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return "", false
	}
	return filepath.Join(home, ".config", "secui", "config.yaml"), false
}

// Load returns the defaults, overridden by the personal file, overridden by
// <repoRoot>/.secui.yaml — except ui.*, where the personal file wins. A
// missing personal or repository file is fine, but a missing file named by
// $SECUI_CONFIG is an error. repoRoot "" skips the repository file.
// Within a section, a file overrides only the keys it sets; lists are
// replaced, maps (check.stages, ui.keys) are merged key by key.
//
// On error the returned Config is still usable: every valid setting is
// applied and invalid ones keep their previous value. The error is an
// Errors listing every problem found, each as file:line:col: field: message.
func Load(repoRoot string) (*Config, error) {
	c := Default()
	var errs Errors
	var personal, repo *source

	if p, explicit := PersonalPath(); p != "" {
		s, err := readSource(p, displayName(p))
		switch {
		case err == nil:
			personal = s
		case os.IsNotExist(err) && !explicit:
		default:
			errs = append(errs, fileError(displayName(p), err))
		}
	}
	if repoRoot != "" {
		s, err := readRepoSource(repoRoot)
		switch {
		case err == nil:
			repo = s
		case os.IsNotExist(err):
		default:
			errs = append(errs, fileError(RepoFile, err))
		}
	}
	for _, s := range []*source{personal, repo} {
		if s == nil {
			continue
		}
		errs = append(errs, s.errs...)
		if s.doc != nil {
			d := &decoder{file: s.name}
			d.config(s.doc, c, nil)
			errs = append(errs, d.errs...)
		}
		c.Sources = append(c.Sources, s.name)
	}
	if personal != nil && personal.doc != nil && repo != nil {
		// Personal ui.* wins over the repository's: apply it again
		// (its errors were already reported above).
		d := &decoder{file: personal.name}
		d.config(personal.doc, c, map[string]bool{"ui": true})
	}
	if len(errs) > 0 {
		return c, errs
	}
	return c, nil
}

// LoadFile reads one configuration file over the defaults (no personal
// file, no merging). Errors are reported as in Load, with the file named as
// given.
func LoadFile(file string) (*Config, error) {
	c := Default()
	s, err := readSource(file, file)
	if err != nil {
		return c, Errors{fileError(file, err)}
	}
	errs := s.errs
	if s.doc != nil {
		d := &decoder{file: s.name}
		d.config(s.doc, c, nil)
		errs = append(errs, d.errs...)
	}
	c.Sources = []string{s.name}
	if len(errs) > 0 {
		return c, errs
	}
	return c, nil
}

// Overrides converts the stage rules for findings.Load.
func (c *Config) Overrides() []findings.StageOverride {
	if c == nil {
		return nil
	}
	out := make([]findings.StageOverride, 0, len(c.Stages))
	for _, r := range c.Stages {
		st, err := findings.ParseStage(r.Stage)
		if err != nil {
			continue // cannot happen for loaded rules; skip hand-built bad ones
		}
		o := findings.StageOverride{Tool: r.Tool, Rule: r.Rule, Path: r.Path, Category: r.Category, Stage: st, Origin: r.Origin}
		if r.SetCategory != "" {
			cat, err := findings.ParseCategory(r.SetCategory)
			if err != nil {
				continue
			}
			o.SetCat = &cat
		}
		out = append(out, o)
	}
	return out
}

// FailOn returns the check threshold for findings in stage: the per-stage
// setting when there is one, else check.fail-on. enabled is false when the
// threshold is "off".
func (c *Config) FailOn(stage findings.Stage) (threshold findings.Severity, enabled bool) {
	v := c.Check.FailOn
	if s, ok := c.Check.Stages[stage.String()]; ok {
		v = s
	}
	if v == "" {
		v = "high"
	}
	if isOff(v) {
		return 0, false
	}
	sev, err := findings.ParseSeverity(v)
	if err != nil {
		return findings.SevHigh, true
	}
	return sev, true
}

// LedgerPath returns the absolute ledger file for the repository root.
func (c *Config) LedgerPath(repoRoot string) string {
	l := c.Ledger
	if l == "" {
		l = DefaultLedger
	}
	return filepath.Join(repoRoot, filepath.FromSlash(l))
}

func isOff(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "off", "none", "never", "false", "no":
		return true
	}
	return false
}

// CheckLedgerPath validates a ledger path: relative, inside the repository
// (no ".." segments), not inside .git, naming a file. It returns the cleaned
// slash-separated path.
func CheckLedgerPath(p string) (string, error) {
	s := strings.TrimSpace(p)
	if s == "" {
		return "", fmt.Errorf("ledger path is empty")
	}
	sl := strings.ReplaceAll(s, "\\", "/")
	if strings.HasPrefix(sl, "/") || filepath.IsAbs(s) || (len(sl) >= 2 && sl[1] == ':') || strings.HasPrefix(sl, "~") {
		return "", fmt.Errorf("ledger path %q must be relative to the repository root", p)
	}
	for _, seg := range strings.Split(sl, "/") {
		if seg == ".." {
			return "", fmt.Errorf("ledger path %q must stay inside the repository (no \"..\")", p)
		}
	}
	if strings.HasSuffix(sl, "/") {
		return "", fmt.Errorf("ledger path %q names a folder, want a file", p)
	}
	c := path.Clean(sl)
	if c == "." {
		return "", fmt.Errorf("ledger path %q names a folder, want a file", p)
	}
	if first, _, _ := strings.Cut(c, "/"); strings.EqualFold(first, ".git") {
		return "", fmt.Errorf("ledger path %q must not be inside .git", p)
	}
	return c, nil
}

// readRepoSource reads <root>/.secui.yaml, refusing a symlink that leads
// outside the repository (a cloned repository must not make secui read, and
// echo parts of, files elsewhere on the machine).
func readRepoSource(root string) (*source, error) {
	file := filepath.Join(root, RepoFile)
	if _, err := os.Lstat(file); err != nil {
		return nil, err
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(file)
	if err != nil {
		return nil, err
	}
	if rel, err := filepath.Rel(realRoot, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("is a symlink to a file outside the repository; refusing to read it")
	}
	return readSource(file, RepoFile)
}

func displayName(p string) string {
	home, err := os.UserHomeDir()
	if err == nil && home != "" {
		if rel, err := filepath.Rel(home, p); err == nil && rel != "." && !strings.HasPrefix(rel, "..") && !filepath.IsAbs(rel) {
			return "~/" + filepath.ToSlash(rel)
		}
	}
	return p
}
