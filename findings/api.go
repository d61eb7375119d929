package findings

import (
	"context"
	"errors"
	"fmt"
)

// LoadError is a problem with one input file (or one result in it). The other
// files, and the other results of the same file, still load.
type LoadError struct {
	File string
	Line int // 1-based; 0 when unknown
	Col  int // 1-based; 0 when unknown
	Msg  string
}

func (e *LoadError) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	default:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
}

// StageOverride places findings in a stage (and optionally a category) when all
// of its non-empty matchers match. Globs use doublestar syntax (`**`).
type StageOverride struct {
	Tool     string // tool name glob, case-insensitive
	Rule     string // rule id glob
	Path     string // repository-relative path glob
	Category string // category name to match (before override) — optional
	Stage    Stage
	SetCat   *Category // optional category to assign
	Origin   string    // where the override came from, e.g. ".secui.yaml:12"
}

// Options controls Load.
type Options struct {
	// Root is the repository root. Artifact URIs are mapped into it and content
	// fingerprints are computed from its working tree. Empty outside a repository.
	Root string
	// Overrides adjust category and stage classification (first match wins).
	Overrides []StageOverride
	// Workers is the number of decoding goroutines (0 = GOMAXPROCS).
	Workers int
	// OnFile, if set, is called after each input file is loaded, with the
	// findings it produced (already classified and identified, not yet merged
	// across files). It may be called from another goroutine. Load never
	// changes these findings afterwards (a finding that absorbs a duplicate
	// from another file is replaced by a copy in Set.Findings), so they can be
	// kept and read from other goroutines at once; only their SearchText is
	// built lazily (call it before sharing them).
	OnFile func(file string, fs []*Finding, err error)
}

// FileInfo describes one loaded input.
type FileInfo struct {
	Path    string
	Runs    int
	Results int // results read (before dropping pass/notApplicable and merging)
	Err     error
}

// Set is the merged result of loading one or more SARIF inputs.
type Set struct {
	Root     string
	Findings []*Finding
	Files    []FileInfo
	Errors   []*LoadError

	src map[string]*rawSource // lazily decoded details by file
}

// ErrNoInput is returned by Load when it is given no inputs.
var ErrNoInput = errors.New("no SARIF input")

// Load reads the given SARIF inputs (files, directories searched recursively for
// SARIF, "-" for stdin; ".gz" is decompressed), classifies, identifies and merges
// their findings. A bad file is reported in Set.Errors and the others still
// load; the error return is only for a cancelled context or no input at all.
func Load(ctx context.Context, paths []string, opts Options) (*Set, error) {
	return load(ctx, paths, opts)
}

// Discover finds scan results under root: files matching include globs
// (DefaultInclude when nil) that match no exclude glob (DefaultExclude when nil).
// Returned paths are absolute.
func Discover(root string, include, exclude []string) ([]string, error) {
	return discover(root, include, exclude)
}

// DefaultInclude are the globs Discover uses when none are configured.
var DefaultInclude = []string{"**/*.sarif", "**/*.sarif.json", "**/*.sarif.gz", "**/*.sarif.json.gz"}

// DefaultExclude are the globs Discover skips when none are configured.
var DefaultExclude = []string{".git/**", "**/node_modules/**", "**/vendor/**", "**/.secui/**"}

// Details are the bulky parts of a finding, decoded on demand.
type Details struct {
	Related []Location
	Flows   []Flow
	Fixes   []Fix
	// Properties of the result (result.properties), for display.
	Properties map[string]any
}

// Flow is one thread flow of a code flow: numbered steps from source to sink.
type Flow struct {
	Message string
	Steps   []FlowStep
}

// FlowStep is one location along a flow.
type FlowStep struct {
	Loc        Location
	Kinds      []string
	Nesting    int
	Importance string
}

// Fix is a proposed SARIF fix.
type Fix struct {
	Description string
	Changes     []FileChange
}

// FileChange is the set of replacements a fix makes in one file.
type FileChange struct {
	Path         string // repository-relative when InRepo
	InRepo       bool
	Replacements []Replacement
}

// Replacement replaces a region of the unmodified file with new text. Regions
// are either line/column based (StartLine > 0) or byte based (ByteOffset >= 0).
type Replacement struct {
	StartLine, StartCol, EndLine, EndCol int
	ByteOffset, ByteLength               int
	CharOffset, CharLength               int
	Inserted                             string
}

// Details decodes the bulky details of f (related locations, code flows, fixes)
// from its first source.
func (s *Set) Details(f *Finding) (*Details, error) {
	return s.details(f)
}
