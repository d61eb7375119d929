package findings

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// LoadError is a problem with one input file (or one result in it). The other
// files, and the other results of the same file, still load.
type LoadError struct {
	File string
	Line int // 1-based; 0 when unknown
	Col  int // 1-based; 0 when unknown
	Msg  string
	// Limit names the limit that refused the input ("max-input",
	// "max-token", "max-depth", "max-results"), "" for other errors.
	Limit string
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

// KindOverride makes matching findings security or quality (.secui.yaml
// `kinds:`), first match wins. Empty fields match anything.
type KindOverride struct {
	Tool     string // tool name glob, case-insensitive
	Rule     string // rule id glob
	Path     string // repository-relative path glob
	Category string // category name to match — optional
	Kind     Kind
	Origin   string // where the override came from, e.g. ".secui.yaml:12"
}

// Options controls Load.
type Options struct {
	// Root is the repository root. Artifact URIs are mapped into it and content
	// fingerprints are computed from its working tree. Empty outside a repository.
	Root string
	// Overrides adjust category and stage classification (first match wins).
	Overrides []StageOverride
	// KindOverrides adjust the security/quality split (first match wins).
	KindOverrides []KindOverride
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
	// OnPartial, if set, is called while a large (streamed) input file is
	// read, with provisional findings of the results decoded so far, in
	// input order, from one goroutine (at most every ~250 ms after the
	// first). They are copies carrying every display field (sanitized
	// message, location, severity, stage, kind, tool, rule; SearchText
	// built) but no identity: ID is "" and Keys nil (see
	// Finding.Provisional), so no decision can be matched to them. Their
	// first source names the file, run and result (Finding.SameResult).
	// All calls for a file happen before its OnFile, which hands out the
	// final findings of the same results in the same order (a run whose
	// metadata follows its results is decoded again: its provisional
	// findings may then differ or have no final counterpart). Load never
	// changes them afterwards.
	OnPartial func(file string, fs []*Finding)
	// Limits bound what one input may cost (zero fields: DefaultLimits).
	Limits Limits
	// FIFOWait is how long to wait for a writer to open a named pipe given
	// as an input (0: DefaultFIFOWait).
	FIFOWait time.Duration
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
	// ToolErrors are problems a tool reported about itself as results (a
	// linter's unknown rule or option): shown with the input errors, not
	// findings, and they do not fail the gate (the input was read).
	ToolErrors []*LoadError
	// Skipped are inputs discovery did not load, with the reason (a symlink
	// leading out of the repository, a FIFO named *.sarif, ...).
	Skipped []*LoadError

	src map[string]*rawSource // lazily decoded details by file
}

// Close releases the temporary files that hold spooled inputs (large stdin,
// FIFO or compressed inputs); details of their findings cannot be decoded
// afterwards. Without Close they are released when the Set is collected.
func (s *Set) Close() error {
	for _, rs := range s.src {
		if rs.spool != nil {
			rs.spool.Close()
			rs.spool = nil
		}
	}
	return nil
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

// DiscoverAll is Discover that also returns the matching entries it did not
// load, each with its reason ("skipped: symlink leads out of the
// repository", "skipped: a FIFO ..."), for the caller to report: symlinks
// are followed only to regular files inside root, outside .git.
func DiscoverAll(root string, include, exclude []string) ([]string, []*LoadError, error) {
	return discoverAll(root, include, exclude)
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
	// ColumnKind is the unit of the run's columns and character offsets
	// (run.columnKind): how a fix's regions are measured.
	ColumnKind ColumnKind
	// Scanned are the regions of the result's locations that carry a snippet
	// (region and contextRegion): what the scanned file held there, used to
	// check that a file still matches the scan before a fix is applied.
	Scanned []ScannedRegion
}

// ColumnKind is how a run counts columns and characters (SARIF §3.14.17).
type ColumnKind uint8

// Column kinds.
const (
	ColumnUTF16      ColumnKind = iota // utf16CodeUnits: the SARIF default
	ColumnCodePoints                   // unicodeCodePoints
	ColumnUnknown                      // a value SARIF does not define: regions in characters cannot be placed
)

func (k ColumnKind) String() string {
	switch k {
	case ColumnUTF16:
		return "utf16CodeUnits"
	case ColumnCodePoints:
		return "unicodeCodePoints"
	}
	return "unknown"
}

// ParseColumnKind reads run.columnKind ("" is the default, utf16CodeUnits).
func ParseColumnKind(s string) ColumnKind {
	switch s {
	case "", "utf16CodeUnits":
		return ColumnUTF16
	case "unicodeCodePoints":
		return ColumnCodePoints
	}
	return ColumnUnknown
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
	Path   string // repository-relative when InRepo (for display)
	InRepo bool
	// URI is the artifact URI as written (sanitized, for messages).
	URI string
	// Local is the file the SARIF names, as a fix would open it: a path
	// relative to the repository root as the log writes it (not checked:
	// it may climb out with "..", name .git, or lead through a symlink), or
	// an absolute path for an absolute path or file: URI outside the
	// repository. Unlike Path it is never a guess (Path may map a foreign
	// absolute path into the repository by its suffix). Empty for non-file
	// URIs (Scheme set) and missing locations.
	Local  string
	Scheme string // the URI scheme of a non-file URI ("https"), else ""
	// Hashes are the artifact's hashes from run.artifacts[] (lower-case
	// algorithm name such as "sha-256" -> lower-case hex), when listed.
	Hashes map[string]string
	// Revision is the commit the run says it scanned
	// (versionControlProvenance.revisionId) for this artifact, with its
	// repository URI; "" when the run names none.
	Revision, RepositoryURI string
	Replacements            []Replacement
}

// Replacement replaces a region of the unmodified file with new text
// (SARIF §3.57). Regions are line/column based (StartLine > 0), character
// based (CharOffset >= 0) or byte based (ByteOffset >= 0); a region may give
// more than one form. Zero means absent for the line/column fields: a
// missing StartCol is 1, a missing EndLine is StartLine and a missing EndCol
// is the end of EndLine. Columns and character offsets are in the run's
// ColumnKind.
type Replacement struct {
	StartLine, StartCol, EndLine, EndCol int
	ByteOffset, ByteLength               int // ByteOffset -1: absent
	CharOffset, CharLength               int // CharOffset -1: absent
	// Inserted is insertedContent (text, or binary decoded), raw and
	// untrusted: sanitize it before display. Empty for a pure deletion.
	Inserted string
	// Snippet is deletedRegion.snippet.text as written (raw, untrusted);
	// HasSnippet tells an empty snippet from none.
	Snippet    string
	HasSnippet bool
	// Bad is set when the replacement cannot be used as written (e.g.
	// insertedContent.binary is not base64).
	Bad string
}

// ScannedRegion is a region of one of a result's locations together with
// its snippet: what the scanned file held there. Fields are as in
// Replacement; Snippet is raw and untrusted.
type ScannedRegion struct {
	Local, Path, Scheme                  string // as in FileChange
	StartLine, StartCol, EndLine, EndCol int
	ByteOffset, ByteLength               int
	CharOffset, CharLength               int
	Snippet                              string
	Context                              bool // from contextRegion
}

// Details decodes the bulky details of f (related locations, code flows, fixes)
// from its first source.
func (s *Set) Details(f *Finding) (*Details, error) {
	return s.details(f)
}
