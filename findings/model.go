// Package findings is secui's engine: the finding model, SARIF ingest, identity,
// classification, queries and the triage ledger. It has no UI or tracker code.
package findings

import (
	"fmt"
	"strings"
)

// Severity is a normalised severity. The zero value is Info; higher is worse.
type Severity uint8

// Severities, ordered from least to most severe.
const (
	SevInfo Severity = iota
	SevLow
	SevMedium
	SevHigh
	SevCritical
)

// Severities lists every severity from most to least severe (display order).
var Severities = []Severity{SevCritical, SevHigh, SevMedium, SevLow, SevInfo}

var sevNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if int(s) < len(sevNames) {
		return sevNames[s]
	}
	return "unknown"
}

// Letter is a one-letter tag for the severity (C, H, M, L, I); the UI shows it next
// to the colour so severity is never told by colour alone.
func (s Severity) Letter() string { return strings.ToUpper(s.String()[:1]) }

// ParseSeverity reads a severity name (case-insensitive; "note" and "informational"
// mean info, "moderate" means medium).
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical", "crit", "c":
		return SevCritical, nil
	case "high", "h", "error":
		return SevHigh, nil
	case "medium", "med", "m", "moderate", "warning":
		return SevMedium, nil
	case "low", "l":
		return SevLow, nil
	case "info", "informational", "note", "none", "i":
		return SevInfo, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want critical, high, medium, low or info)", s)
}

// Stage is a DevSecOps lifecycle stage, in loop order.
type Stage uint8

// Stages of the DevSecOps loop, left (plan) to right (monitor).
const (
	StagePlan Stage = iota
	StageCode
	StageBuild
	StageTest
	StageRelease
	StageDeploy
	StageOperate
	StageMonitor
)

// Stages lists every stage in loop order.
var Stages = []Stage{StagePlan, StageCode, StageBuild, StageTest, StageRelease, StageDeploy, StageOperate, StageMonitor}

var stageNames = [...]string{"plan", "code", "build", "test", "release", "deploy", "operate", "monitor"}

func (s Stage) String() string {
	if int(s) < len(stageNames) {
		return stageNames[s]
	}
	return "unknown"
}

// ParseStage reads a stage name.
func ParseStage(s string) (Stage, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	for i, n := range stageNames {
		if n == l {
			return Stage(i), nil
		}
	}
	return 0, fmt.Errorf("unknown stage %q (want one of %s)", s, strings.Join(stageNames[:], ", "))
}

// Category is the kind of analysis that produced a finding.
type Category uint8

// Categories of findings.
const (
	CatSAST Category = iota
	CatSecrets
	CatSCA
	CatIaC
	CatContainer
	CatDAST
	CatLicense
	CatLint
)

// Categories lists every category.
var Categories = []Category{CatSAST, CatSecrets, CatSCA, CatIaC, CatContainer, CatDAST, CatLicense, CatLint}

var catNames = [...]string{"sast", "secrets", "sca", "iac", "container", "dast", "license", "lint"}

func (c Category) String() string {
	if int(c) < len(catNames) {
		return catNames[c]
	}
	return "unknown"
}

// ParseCategory reads a category name ("compliance" is an alias of license).
func ParseCategory(s string) (Category, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	if l == "compliance" || l == "license/compliance" {
		return CatLicense, nil
	}
	for i, n := range catNames {
		if n == l {
			return Category(i), nil
		}
	}
	return 0, fmt.Errorf("unknown category %q (want one of %s)", s, strings.Join(catNames[:], ", "))
}

// Kind says whether a finding is about security or about code quality. The
// CI gate keeps a threshold for each (check --fail-on, --fail-on-quality).
type Kind uint8

// Kinds of findings.
const (
	KindSecurity Kind = iota // a weakness, vulnerability, secret, misconfiguration
	KindQuality              // style, correctness, maintainability: a linter's business
)

// Kinds lists every kind.
var Kinds = []Kind{KindSecurity, KindQuality}

var kindNames = [...]string{"security", "quality"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// ParseKind reads a kind name ("sec" and "qual" are accepted).
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "security", "sec":
		return KindSecurity, nil
	case "quality", "qual":
		return KindQuality, nil
	}
	return 0, fmt.Errorf("unknown kind %q (want security or quality)", s)
}

// State is the triage state of a finding, decided in the ledger.
type State uint8

// Triage states.
const (
	StateOpen State = iota
	StateAccepted
	StateSuppressed
	StateFixed
)

// States lists every state.
var States = []State{StateOpen, StateAccepted, StateSuppressed, StateFixed}

var stateNames = [...]string{"open", "accepted", "suppressed", "fixed"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// ParseState reads a state name.
func ParseState(s string) (State, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	for i, n := range stateNames {
		if n == l {
			return State(i), nil
		}
	}
	return 0, fmt.Errorf("unknown state %q (want one of %s)", s, strings.Join(stateNames[:], ", "))
}

// InputSuppression is what the SARIF input itself says about suppression
// (result.suppressions, SARIF §3.27.23 / §3.35), read as the SARIF authors intend:
// a result is suppressed unless every suppression is rejected; a suppression
// without status counts as accepted.
type InputSuppression uint8

// Input suppression lanes.
const (
	InNone        InputSuppression = iota // no suppressions (absent, null or empty)
	InAccepted                            // at least one accepted (or status-less) suppression
	InUnderReview                         // under review, none accepted
	InRejected                            // every suppression rejected: shown as a normal finding
)

var inSupNames = [...]string{"", "accepted", "underReview", "rejected"}

func (s InputSuppression) String() string { return inSupNames[s] }

// Hidden reports whether the SARIF input suppresses the finding (accepted or under review).
func (s InputSuppression) Hidden() bool { return s == InAccepted || s == InUnderReview }

// IDLayer says which identity layer produced a finding's ID (strongest first).
type IDLayer uint8

// Identity layers.
const (
	LayerFingerprint IDLayer = iota // result.fingerprints
	LayerPartial                    // result.partialFingerprints (all values, tool-namespaced)
	LayerContent                    // our line-content hash of the working tree
	LayerFallback                   // tool + rule + path + normalised message + occurrence
	LayerVuln                       // vulnerability id + package (cross-tool SCA identity)
	LayerLineHash                   // partialFingerprints holding GitHub's positional primaryLocationLineHash
)

var layerNames = [...]string{"fingerprint", "partial-fingerprint", "content", "fallback", "vulnerability", "line-hash"}

func (l IDLayer) String() string {
	if int(l) < len(layerNames) {
		return layerNames[l]
	}
	return "unknown"
}

// Strong reports whether the layer identifies a finding on its own (a
// vulnerability, a valid unique fingerprint or partial fingerprint). IDs from
// weak layers (line-hash, content, fallback) are labels: positional or
// content hashes that a pasted copy or an edit can take over.
func (l IDLayer) Strong() bool {
	return l == LayerVuln || l == LayerFingerprint || l == LayerPartial
}

// Tool is the scanner that produced a run.
type Tool struct {
	Name           string
	Version        string
	InformationURI string

	lname string     // lower-cased name
	class *ToolClass // built-in table row, nil when none matches
	multi bool       // multi-purpose scanner: classify per rule
}

// Rule is a reporting descriptor (SARIF rule), shared by all its findings.
type Rule struct {
	ID               string
	Name             string
	Short            string
	Full             string
	HelpText         string
	HelpMarkdown     string
	HelpURI          string
	Tags             []string
	CWEs             []string // "CWE-79" form
	DefaultLevel     string   // defaultConfiguration.level, "" when absent
	SecuritySeverity string   // properties["security-severity"], "" when absent
	ProblemSeverity  string   // properties["problem.severity"], "" when absent
	Tool             *Tool

	rawID        string            // id as written: results are matched on it (ID is sanitised for display)
	messages     map[string]string // messageStrings, for results that cite a message id
	toolSeverity string            // properties["severity"] (tool-specific wording)
	cweProp      []string
	cls          *classification // cached classification (no path overrides)
}

// Location is a place in an artifact. Path is repository-relative with forward
// slashes when the artifact maps into the repository (InRepo), otherwise the URI
// as given. Lines and columns are 1-based; 0 means unknown.
type Location struct {
	Path    string
	URI     string
	InRepo  bool
	Line    int
	Col     int
	EndLine int
	EndCol  int
	Snippet string
	Message string // for related locations and flow steps
}

// String is "path:line" (or just path).
func (l Location) String() string {
	if l.Line > 0 {
		return fmt.Sprintf("%s:%d", l.Path, l.Line)
	}
	return l.Path
}

// Source says where one report of a finding came from: the SARIF file, run and
// result index, and the result's byte range in the (decompressed) file, which is
// how details are decoded lazily.
type Source struct {
	File   string // as given or discovered (relative to the repo root when inside it)
	Run    int
	Result int
	Tool   *Tool
	Offset int64
	Length int32
}

// Member is one tool's finding merged into a correlated finding: who said
// what.
type Member struct {
	ID       string // the single-tool finding's ID
	Tool     *Tool
	Rule     *Rule
	Severity Severity
	SevFrom  string
	Message  string
	Loc      Location
	Sources  int // how many of the correlated finding's Sources are this member's
}

// ToolName is the member's tool name.
func (m Member) ToolName() string {
	if m.Tool == nil {
		return ""
	}
	return m.Tool.Name
}

// RuleID is the member's rule id.
func (m Member) RuleID() string {
	if m.Rule == nil {
		return ""
	}
	return m.Rule.ID
}

// Reports reports whether f, or a finding correlated into f, is of tool and
// rule ("" matches any): decisions made on a single tool's finding still
// find the correlated one.
func (f *Finding) Reports(tool, rule string) bool {
	if (tool == "" || tool == f.ToolName()) && (rule == "" || rule == f.RuleID()) {
		return true
	}
	for _, m := range f.Members {
		if (tool == "" || tool == m.ToolName()) && (rule == "" || rule == m.RuleID()) {
			return true
		}
	}
	return false
}

// Finding is one security finding, possibly reported several times (Sources).
//
// The one-byte fields sit together: a 100k-result load keeps 100k of these.
type Finding struct {
	ID   string   // stable ID (16 hex digits)
	Keys []string // every identity key, strongest first (for ledger matching)

	// The first keys, and their bytes, held in the finding itself: a
	// ledger's matcher reads a finding's keys in the ledger's order, not
	// the log's, and finds them in the cache lines it loaded for the
	// finding instead of two other places (a cache miss each).
	keyArr [3]string
	keyMem [keyMemSize]byte

	Tool    *Tool
	Rule    *Rule
	Level   string // resolved SARIF level: error, warning, note, none
	SevFrom string // where the severity came from, e.g. "security-severity 9.8"

	Score    float32 // security-severity (0–10) when the scanner gave one, else 0: orders findings within a severity
	IDLayer  IDLayer // which layer produced ID
	Severity Severity
	Category Category
	Stage    Stage
	Kind     Kind             // security or quality
	InputSup InputSuppression // what the SARIF input says about suppression

	StageReason string // which mapping rule placed it
	KindReason  string // why (security-severity, CWE, category, tool table, override)

	Message string
	Loc     Location
	CWEs    []string
	VulnID  string // CVE/GHSA id for SCA findings
	Package string // package@version for SCA findings

	InputSupReason string // justification from the SARIF input, if any
	BaselineState  string

	Sources []Source

	// Members is set on a correlated finding only (nil otherwise): each
	// tool's finding merged into it, this finding's own first (see
	// correlate.go). CorrelatedBy says which equivalence merged them.
	Members      []Member
	CorrelatedBy string

	// The triage state is not a field: findings are shared read-only values
	// (the console reads them while the ledger changes). Ask a Triage
	// (ledger.Overlay) for it.

	search    string // lower-cased search blob, built once
	fbase     uint64 // hash of the fallback identity inputs
	fallback1 string // fallback key for the first occurrence (computed on a worker)
}

// Gone reports whether no current scan result reports f: it was rebuilt
// from a scan record (a finding a re-scan proved fixed), so it has no
// sources to decode details from.
func (f *Finding) Gone() bool { return len(f.Sources) == 0 }

// RuleID returns the rule id ("" when none).
func (f *Finding) RuleID() string {
	if f.Rule == nil {
		return ""
	}
	return f.Rule.ID
}

// ToolName returns the tool name.
func (f *Finding) ToolName() string {
	if f.Tool == nil {
		return ""
	}
	return f.Tool.Name
}

// SearchText is the lower-cased text free-text queries match against
// (tool, rule id and name, path, message, CWEs, vulnerability and package).
// It is built on first use and cached: Load does not build it (most runs
// never search text), and query.Filter builds it on its workers, each for its
// own findings. Code that may run two filters over the same findings at once
// (the console) calls SearchText on every finding once beforehand.
func (f *Finding) SearchText() string {
	if f.search == "" {
		f.search = f.buildSearch()
	}
	return f.search
}

// buildSearch lower-cases the searchable fields into one buffer (one
// allocation; ASCII is folded in place, other text through strings.ToLower).
func (f *Finding) buildSearch() string {
	parts := [8]string{f.ToolName(), f.RuleID(), "", f.Loc.Path, f.Message, f.VulnID, f.Package}
	if f.Rule != nil {
		parts[2] = f.Rule.Name
	}
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	for _, c := range f.CWEs {
		n += len(c) + 1
	}
	var b strings.Builder
	b.Grow(n)
	add := func(s string) {
		if s == "" {
			return
		}
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				b.WriteString(strings.ToLower(s))
				b.WriteByte(0)
				return
			}
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
		}
		b.WriteByte(0)
	}
	for _, p := range parts {
		add(p)
	}
	for _, c := range f.CWEs {
		add(c)
	}
	return b.String()
}
