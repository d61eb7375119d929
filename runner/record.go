package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/config"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/repofs"
)

// RecordSchema is the schema of a scan record (.secui/scans/<name>.json).
const RecordSchema = "secui.scan/v1"

// Record is what secui keeps about a scanner's latest successful run (next
// to its stored results), and about its latest attempt.
type Record struct {
	Schema  string `json:"schema"`
	Scanner string `json:"scanner"`
	Tool    string `json:"tool"`    // SARIF driver name(s), comma-separated
	Version string `json:"version"` // tool version (SARIF driver, else the Go binary's module version)
	// Binary is the Go module and version the executable was built from,
	// when it is a Go binary (gitleaks' SARIF says v8.0.0 whatever the
	// release; this is what ran).
	Binary   string    `json:"binary,omitempty"`
	Argv     []string  `json:"argv"`
	Dir      string    `json:"dir,omitempty"`
	Commit   string    `json:"commit,omitempty"` // HEAD when it ran
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	ExitCode int       `json:"exit_code"`
	Status   Status    `json:"status"`
	Success  bool      `json:"success"`
	Results  string    `json:"results"`  // stored SARIF, repository-relative
	Findings int       `json:"findings"` // results in it
	Coverage string    `json:"coverage"` // dir | paths | artifacts
	// Identity is how each stored result was identified when it was
	// scanned (hashes only, never source text): the next run compares
	// against this, not against a working tree that has changed since.
	Identity []Ident `json:"identity"`
	// Fixed are the findings this scanner proved fixed that are no longer
	// reported, kept while their ledger records say fixed: counts of fixed
	// findings by severity and stage need them.
	Fixed []FixedEntry `json:"fixed"`
	// LastAttempt is the latest run when it did not succeed (nil when the
	// latest run is the one above).
	LastAttempt *Attempt `json:"last_attempt,omitempty"`
}

// Attempt is a run that did not succeed.
type Attempt struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Status   Status    `json:"status"`
	Reason   string    `json:"reason"`
	ExitCode int       `json:"exit_code"`
	Commit   string    `json:"commit,omitempty"`
}

// Ident is the identity of one stored result as scanned.
type Ident struct {
	Run     int      `json:"run"`
	Result  int      `json:"result"`
	ID      string   `json:"id"`
	Keys    []string `json:"keys"`
	Path    string   `json:"path,omitempty"`
	Line    int      `json:"line,omitempty"`
	Hash    uint32   `json:"line_hash,omitempty"`
	Tokens  []uint32 `json:"tokens,omitempty"`
	Context []uint32 `json:"context,omitempty"`
	Symbol  string   `json:"symbol,omitempty"`
}

// Evidence returns the evidence recorded for the result.
func (id *Ident) Evidence(commit string) evidence.Evidence {
	return evidence.Evidence{Path: id.Path, Line: id.Line, Commit: commit, LineHash: id.Hash, Tokens: id.Tokens, Context: id.Context, Symbol: id.Symbol}
}

// FixedEntry is a finding a scan proved fixed.
type FixedEntry struct {
	ID       string    `json:"id"` // the ledger record's id
	Tool     string    `json:"tool"`
	Rule     string    `json:"rule"`
	Severity string    `json:"severity"`
	Stage    string    `json:"stage"`
	Category string    `json:"category"`
	Path     string    `json:"path,omitempty"`
	Line     int       `json:"line,omitempty"`
	Commit   string    `json:"commit,omitempty"`
	Time     time.Time `json:"time"`
}

// Finding returns a finding value describing the entry (for counting and
// listing fixed findings no scan reports any more). It has no sources; the
// ledger overlay places its fixed record on it by id (ledger.BuildOverlay).
func (e *FixedEntry) Finding() *findings.Finding {
	f := &findings.Finding{ID: e.ID, Tool: &findings.Tool{Name: e.Tool}, Rule: &findings.Rule{ID: e.Rule},
		Loc: findings.Location{Path: e.Path, Line: e.Line, InRepo: e.Path != ""}}
	f.Severity, _ = findings.ParseSeverity(e.Severity)
	f.Stage, _ = findings.ParseStage(e.Stage)
	f.Category, _ = findings.ParseCategory(e.Category)
	return f
}

// maxRecord bounds a scan record file.
const maxRecord = 256 << 20

// ReadRecord reads the scan record of s under root; (nil, nil) when there
// is none.
func ReadRecord(root string, s *config.Scanner) (*Record, error) {
	r, err := repofs.Open(root)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := r.ReadFile(s.RecordPath(), maxRecord)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("%s: %v", s.RecordPath(), err)
	}
	if rec.Schema != RecordSchema {
		return nil, fmt.Errorf("%s: unknown schema %q (want %s)", s.RecordPath(), rec.Schema, RecordSchema)
	}
	return &rec, nil
}

func writeRecord(root *repofs.Root, s *config.Scanner, rec *Record) error {
	rec.Schema = RecordSchema
	if rec.Identity == nil {
		rec.Identity = []Ident{}
	}
	if rec.Fixed == nil {
		rec.Fixed = []FixedEntry{}
	}
	data, err := json.MarshalIndent(rec, "", " ")
	if err != nil {
		return err
	}
	return root.WriteFileAtomic(s.RecordPath(), append(data, '\n'), 0o644)
}
