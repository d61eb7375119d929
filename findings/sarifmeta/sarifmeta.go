// Package sarifmeta reads what a SARIF log says about its runs — the tool
// and its version, whether each invocation succeeded and when it ran, which
// artifacts it analysed, the revision scanned, how many results — without
// decoding the results: a streaming pass that skips them, so memory stays
// bounded however large the log is.
//
// Findings come from package findings; this is for deciding whether a run
// can prove anything (secui scan) and when each scanner last ran (secui
// stages).
package sarifmeta

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// Log is the metadata of one SARIF log.
type Log struct {
	Version string
	Runs    []Run
}

// Run is the metadata of one run.
type Run struct {
	Tool            string // tool.driver.name
	Version         string // tool.driver.version
	SemanticVersion string // tool.driver.semanticVersion
	Results         int    // number of results
	// Artifacts are the run's artifacts[].location (uri, uriBaseId), as given.
	Artifacts []ArtifactLocation
	// Bases are originalUriBaseIds: id -> uri (as given).
	Bases       map[string]ArtifactLocation
	Invocations []Invocation
	RevisionID  string // versionControlProvenance[0].revisionId
}

// ArtifactLocation is a SARIF artifactLocation (uri and uriBaseId).
type ArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
}

// Invocation is what a run says about one invocation of the tool.
type Invocation struct {
	ExecutionSuccessful *bool
	ExitCode            *int
	Start, End          time.Time // zero when absent or unparsable
	// Errors counts toolExecutionNotifications of level "error".
	Errors int
	// FirstError is the text of the first error notification.
	FirstError string
}

// ToolVersion is the driver's semantic version, else its version.
func (r *Run) ToolVersion() string {
	if r.SemanticVersion != "" {
		return r.SemanticVersion
	}
	return r.Version
}

// Successful reports whether no invocation says executionSuccessful: false
// (a run without invocations is taken as successful).
func (r *Run) Successful() bool {
	for _, inv := range r.Invocations {
		if inv.ExecutionSuccessful != nil && !*inv.ExecutionSuccessful {
			return false
		}
	}
	return true
}

// LastRun is the latest invocation end (else start) time; zero when none.
func (r *Run) LastRun() time.Time {
	var t time.Time
	for _, inv := range r.Invocations {
		for _, c := range []time.Time{inv.End, inv.Start} {
			if c.After(t) {
				t = c
			}
		}
	}
	return t
}

// Read reads the metadata of the SARIF log in r. Errors name the byte
// offset where the log stops being valid JSON or SARIF-shaped.
func Read(r io.Reader) (*Log, error) {
	dec := jsontext.NewDecoder(r, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	fail := func(err error) error {
		return fmt.Errorf("offset %d: %w", dec.InputOffset(), err)
	}
	if k := dec.PeekKind(); k != '{' {
		if _, err := dec.ReadToken(); err != nil {
			return nil, fail(err)
		}
		return nil, fail(errors.New("a SARIF log must be a JSON object"))
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, fail(err)
	}
	lg := &Log{}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return nil, fail(err)
		}
		switch name.String() {
		case "version":
			v, err := dec.ReadValue()
			if err != nil {
				return nil, fail(err)
			}
			_ = json.Unmarshal(v, &lg.Version)
		case "runs":
			if dec.PeekKind() != '[' {
				return nil, fail(errors.New("runs must be an array"))
			}
			if _, err := dec.ReadToken(); err != nil {
				return nil, fail(err)
			}
			for dec.PeekKind() != ']' {
				run, err := readRun(dec)
				if err != nil {
					return nil, fail(err)
				}
				lg.Runs = append(lg.Runs, run)
			}
			if _, err := dec.ReadToken(); err != nil {
				return nil, fail(err)
			}
		default:
			if err := dec.SkipValue(); err != nil {
				return nil, fail(err)
			}
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, fail(err)
	}
	return lg, nil
}

func readRun(dec *jsontext.Decoder) (Run, error) {
	var run Run
	if dec.PeekKind() != '{' {
		return run, errors.New("a run must be an object")
	}
	if _, err := dec.ReadToken(); err != nil {
		return run, err
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return run, err
		}
		switch name.String() {
		case "tool":
			var t struct {
				Driver struct {
					Name            string `json:"name"`
					Version         string `json:"version"`
					SemanticVersion string `json:"semanticVersion"`
				} `json:"driver"`
			}
			if err := readInto(dec, &t); err != nil {
				return run, fmt.Errorf("tool: %w", err)
			}
			run.Tool, run.Version, run.SemanticVersion = t.Driver.Name, t.Driver.Version, t.Driver.SemanticVersion
		case "results":
			if dec.PeekKind() == 'n' {
				_, err = dec.ReadToken()
				if err != nil {
					return run, err
				}
				continue
			}
			if dec.PeekKind() != '[' {
				return run, errors.New("results must be an array")
			}
			if _, err := dec.ReadToken(); err != nil {
				return run, err
			}
			for dec.PeekKind() != ']' {
				if err := dec.SkipValue(); err != nil {
					return run, err
				}
				run.Results++
			}
			if _, err := dec.ReadToken(); err != nil {
				return run, err
			}
		case "artifacts":
			var arts []struct {
				Location *ArtifactLocation `json:"location"`
			}
			if err := readInto(dec, &arts); err != nil {
				return run, fmt.Errorf("artifacts: %w", err)
			}
			for _, a := range arts {
				if a.Location != nil && a.Location.URI != "" {
					run.Artifacts = append(run.Artifacts, *a.Location)
				}
			}
		case "originalUriBaseIds":
			if err := readInto(dec, &run.Bases); err != nil {
				return run, fmt.Errorf("originalUriBaseIds: %w", err)
			}
		case "invocations":
			var invs []struct {
				ExecutionSuccessful *bool  `json:"executionSuccessful"`
				ExitCode            *int   `json:"exitCode"`
				Start               string `json:"startTimeUtc"`
				End                 string `json:"endTimeUtc"`
				Notes               []struct {
					Level   string `json:"level"`
					Message struct {
						Text string `json:"text"`
					} `json:"message"`
				} `json:"toolExecutionNotifications"`
			}
			if err := readInto(dec, &invs); err != nil {
				return run, fmt.Errorf("invocations: %w", err)
			}
			for _, in := range invs {
				inv := Invocation{ExecutionSuccessful: in.ExecutionSuccessful, ExitCode: in.ExitCode, Start: parseTime(in.Start), End: parseTime(in.End)}
				for _, n := range in.Notes {
					if n.Level == "error" {
						if inv.Errors == 0 {
							inv.FirstError = n.Message.Text
						}
						inv.Errors++
					}
				}
				run.Invocations = append(run.Invocations, inv)
			}
		case "versionControlProvenance":
			var vcs []struct {
				RevisionID string `json:"revisionId"`
			}
			if err := readInto(dec, &vcs); err != nil {
				return run, fmt.Errorf("versionControlProvenance: %w", err)
			}
			if len(vcs) > 0 {
				run.RevisionID = vcs[0].RevisionID
			}
		default:
			if err := dec.SkipValue(); err != nil {
				return run, err
			}
		}
	}
	_, err := dec.ReadToken()
	return run, err
}

// readInto decodes the next value into v; a value of the wrong shape is an
// error, a null leaves v unchanged.
func readInto(dec *jsontext.Decoder, v any) error {
	raw, err := dec.ReadValue()
	if err != nil {
		return err
	}
	if string(raw) == "null" {
		return nil
	}
	return json.Unmarshal(raw, v)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// RepoPaths maps the run's artifact locations to repository-relative slash
// paths: a relative URI (with its uriBaseId resolved through
// originalUriBaseIds when the base is relative) is taken relative to dir
// (the scanner's working directory, repository-relative, "" for the root);
// a file:// URI is kept when it lies under root. Anything else — another
// scheme, a path leaving the repository — is dropped.
func (r *Run) RepoPaths(root, dir string) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range r.Artifacts {
		p, ok := r.repoPath(a, root, dir, 0)
		if ok && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

func (r *Run) repoPath(a ArtifactLocation, root, dir string, depth int) (string, bool) {
	p, ok := r.resolve(a, root, dir, depth)
	if !ok {
		return "", false
	}
	return clean(p)
}

// resolve returns a's path relative to root ("." for root itself).
func (r *Run) resolve(a ArtifactLocation, root, dir string, depth int) (string, bool) {
	u := a.URI
	if strings.HasPrefix(u, "file:") {
		pu, err := url.Parse(u)
		if err != nil || (pu.Host != "" && pu.Host != "localhost") {
			return "", false
		}
		rel, err := filepath.Rel(root, filepath.FromSlash(pu.Path))
		if err != nil {
			return "", false
		}
		return filepath.ToSlash(rel), true
	}
	if strings.Contains(u, "://") || strings.HasPrefix(u, "/") {
		return "", false
	}
	if a.URIBaseID != "" {
		b, ok := r.Bases[a.URIBaseID]
		if !ok || depth >= 8 {
			// An unknown base (%SRCROOT%): the scanner's working directory.
			return path.Join(dir, unescape(u)), true
		}
		base, ok := r.resolve(b, root, dir, depth+1)
		if !ok {
			return "", false
		}
		return path.Join(base, unescape(u)), true
	}
	return path.Join(dir, unescape(u)), true
}

func unescape(s string) string {
	if v, err := url.PathUnescape(s); err == nil {
		return v
	}
	return s
}

func clean(p string) (string, bool) {
	c := path.Clean(p)
	if c == "." || c == ".." || strings.HasPrefix(c, "../") || strings.HasPrefix(c, "/") {
		return "", false
	}
	for _, seg := range strings.Split(c, "/") {
		if strings.EqualFold(seg, ".git") {
			return "", false
		}
	}
	return c, true
}
