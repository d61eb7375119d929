package ledger

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/secui/secui/findings"
)

// SARIFSchemaURI is the $schema written in exported SARIF.
const SARIFSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// ExportOptions controls ExportSARIF and ExportOpenVEX.
type ExportOptions struct {
	// Root resolves relative Source.File paths (the repository root).
	Root string
	// Keep selects the findings to export (nil = all). With a Keep function,
	// SARIF results that belong to no kept finding are dropped.
	Keep func(*findings.Finding) bool
	// Now is the export time (expiry is judged against it).
	Now time.Time
	// Author is the document author (OpenVEX).
	Author string
	// Limits bound the inputs read again (as findings.Load bounds them).
	Limits findings.Limits
}

// suppressionGUID derives a stable version-5-style GUID from a decision id.
func suppressionGUID(id string) string {
	h := sha1.Sum([]byte("secui-ledger:" + id))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// ExportSARIF writes the SARIF results the findings came from (re-read from
// their input files, every property preserved) as one SARIF 2.1.0 log, with
// the ledger's decisions added:
//
//   - a suppressed finding gets a suppression {kind: external, status:
//     accepted, justification "<reason>: <text>", guid, location: the ledger
//     record (file + line)}, properties secui.reason/author/time/expires;
//   - an expired suppression is written with status rejected (the finding is
//     open again), so SARIF consumers show it; a record that needs review
//     (Decision.Review) with status underReview;
//   - tracker links of any decision go to workItemUris.
//
// Within a run, results without suppressions / workItemUris get empty arrays
// when others have them (SARIF requires all-or-none per run). Inputs read
// from stdin cannot be re-read and are reported as an error.
//
// The output goes through findings.SafeJSON: C1 controls, bidi overrides and
// the like in the inputs are written as \uXXXX escapes, never raw.
func ExportSARIF(w io.Writer, set *findings.Set, ov *Overlay, l *Ledger, opts ExportOptions) error {
	w = findings.SafeJSON(w)
	type key struct {
		file        string
		run, result int
	}
	owner := map[key]*findings.Finding{}
	var files []string
	seenFile := map[string]bool{}
	for _, fi := range set.Files {
		if !seenFile[fi.Path] && fi.Err == nil {
			seenFile[fi.Path] = true
			files = append(files, fi.Path)
		}
	}
	for _, f := range set.Findings {
		for _, s := range f.Sources {
			owner[key{s.File, s.Run, s.Result}] = f
			if !seenFile[s.File] {
				seenFile[s.File] = true
				files = append(files, s.File)
			}
		}
	}
	ledgerURI := l.RelPath()
	var runs []json.RawMessage
	for _, name := range files {
		if name == "-" || name == "<stdin>" {
			return errors.New("cannot export results read from stdin: pass the SARIF files instead")
		}
		p := name
		if !filepath.IsAbs(p) {
			p = filepath.Join(opts.Root, filepath.FromSlash(p))
		}
		log, err := readSARIF(p, opts.Limits)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rawRuns, _ := log["runs"].([]any)
		for ri, rr := range rawRuns {
			run, ok := rr.(map[string]any)
			if !ok {
				continue
			}
			results, _ := run["results"].([]any)
			var kept []any
			anySup, anyWI := false, false
			for ji, res := range results {
				r, ok := res.(map[string]any)
				if !ok {
					continue
				}
				f := owner[key{name, ri, ji}]
				if opts.Keep != nil && (f == nil || !opts.Keep(f)) {
					continue
				}
				kept = append(kept, r)
				if f == nil {
					continue
				}
				m, ok := ov.Match(f)
				if !ok {
					continue
				}
				d := m.Decision
				if d.State == findings.StateSuppressed {
					sup := map[string]any{
						"kind":          "external",
						"status":        "accepted",
						"guid":          suppressionGUID(d.ID),
						"justification": string(d.Reason) + ": " + d.Justification,
						"location": map[string]any{
							"physicalLocation": map[string]any{
								"artifactLocation": map[string]any{"uri": ledgerURI},
								"region":           map[string]any{"startLine": max(d.Line, 1)},
							},
						},
					}
					props := map[string]any{"secui/reason": string(d.Reason), "secui/author": d.Author,
						"secui/time": d.Time.UTC().Format(time.RFC3339), "secui/id": d.ID, "secui/match": m.Layer,
						"secui/match-how": m.Describe()}
					if d.Expires != nil {
						props["secui/expires"] = d.Expires.Format(time.DateOnly)
					}
					if d.Review != "" {
						sup["status"] = "underReview"
						props["secui/review"] = d.Review
					}
					if m.Expired {
						sup["status"] = "rejected"
						sup["justification"] = "expired on " + d.Expires.Format(time.DateOnly) + " — " + string(d.Reason) + ": " + d.Justification
					}
					sup["properties"] = props
					old, _ := r["suppressions"].([]any)
					r["suppressions"] = append(old, sup)
				}
				uris := d.Tickets
				for _, t := range l.TicketsFor(d.ID) { // tickets of secui sync
					if t.URL != "" && !slices.Contains(uris, t.URL) {
						uris = append(slices.Clone(uris), t.URL)
					}
				}
				if len(uris) > 0 {
					old, _ := r["workItemUris"].([]any)
					for _, t := range uris {
						dup := false
						for _, o := range old {
							if o == t {
								dup = true
							}
						}
						if !dup {
							old = append(old, t)
						}
					}
					r["workItemUris"] = old
				}
			}
			for _, res := range kept {
				r := res.(map[string]any)
				if r["suppressions"] != nil {
					anySup = true
				}
				if r["workItemUris"] != nil {
					anyWI = true
				}
			}
			for _, res := range kept {
				r := res.(map[string]any)
				if anySup && r["suppressions"] == nil {
					r["suppressions"] = []any{}
				}
				if anyWI && r["workItemUris"] == nil {
					r["workItemUris"] = []any{}
				}
			}
			if kept == nil {
				kept = []any{}
			}
			if _, had := run["results"]; had || len(kept) > 0 {
				run["results"] = kept
			}
			b, err := json.Marshal(run)
			if err != nil {
				return err
			}
			runs = append(runs, b)
		}
	}
	if runs == nil {
		runs = []json.RawMessage{}
	}
	doc := struct {
		Schema  string            `json:"$schema"`
		Version string            `json:"version"`
		Runs    []json.RawMessage `json:"runs"`
	}{SARIFSchemaURI, "2.1.0", runs}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

func readSARIF(p string, lim findings.Limits) (map[string]any, error) {
	// Through the loader's opener: gzip by content, the same size limit.
	rc, err := findings.OpenInput(context.Background(), p, lim)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	br := bufio.NewReader(rc)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	dec := json.NewDecoder(br)
	dec.UseNumber()
	var log map[string]any
	if err := dec.Decode(&log); err != nil {
		return nil, err
	}
	return log, nil
}

// VEX justifications (OpenVEX 0.2.0) for not_affected statements.
const (
	VEXComponentNotPresent         = "component_not_present"
	VEXVulnerableCodeNotPresent    = "vulnerable_code_not_present"
	VEXVulnerableCodeNotInExecPath = "vulnerable_code_not_in_execute_path"
	VEXCannotBeControlled          = "vulnerable_code_cannot_be_controlled_by_adversary"
	VEXInlineMitigations           = "inline_mitigations_already_exist"
)

// VEXStatus maps a decision to an OpenVEX status and justification:
//
//	suppressed false-positive → not_affected, vulnerable_code_not_present
//	suppressed used-in-tests  → not_affected, vulnerable_code_not_in_execute_path
//	suppressed mitigated      → not_affected, inline_mitigations_already_exist
//	suppressed accepted-risk  → affected (action: risk accepted)
//	suppressed wont-fix       → affected (action: will not fix)
//	accepted                  → affected (action: the note and due date)
//	fixed                     → fixed
//	open, expired, no decision → under_investigation
func VEXStatus(d *Decision, now time.Time) (status, justification, statement string) {
	if d == nil || d.Expired(now) {
		return "under_investigation", "", ""
	}
	switch d.State {
	case findings.StateSuppressed:
		switch d.Reason {
		case FalsePositive:
			return "not_affected", VEXVulnerableCodeNotPresent, d.Justification
		case UsedInTests:
			return "not_affected", VEXVulnerableCodeNotInExecPath, d.Justification
		case Mitigated:
			return "not_affected", VEXInlineMitigations, d.Justification
		case AcceptedRisk:
			return "affected", "", "Risk accepted: " + d.Justification
		case WontFix:
			return "affected", "", "Will not fix: " + d.Justification
		}
	case findings.StateAccepted:
		s := "Accepted for remediation"
		if d.Note != "" {
			s += ": " + d.Note
		}
		if d.Due != nil {
			s += " (due " + d.Due.Format(time.DateOnly) + ")"
		}
		return "affected", "", s
	case findings.StateFixed:
		return "fixed", "", d.Note
	}
	return "under_investigation", "", ""
}

// purl returns a product identifier for an SCA package ("name@version" or
// already a purl).
func purl(pkg, tool string) string {
	if strings.HasPrefix(pkg, "pkg:") {
		return pkg
	}
	name, ver, _ := strings.Cut(pkg, "@")
	if strings.HasPrefix(name, "@") { // npm scoped "@scope/name@1.0"
		n2, v2, _ := strings.Cut(pkg[1:], "@")
		name, ver = "%40"+n2, v2
	}
	s := "pkg:generic/" + strings.ReplaceAll(name, " ", "%20")
	if ver != "" {
		s += "@" + ver
	}
	return s
}

// ExportOpenVEX writes an OpenVEX 0.2.0 document with one statement per
// (vulnerability, package) of the SCA and container findings with a VulnID,
// mapped by VEXStatus.
func ExportOpenVEX(w io.Writer, set *findings.Set, ov *Overlay, opts ExportOptions) error {
	w = findings.SafeJSON(w)
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	type stmt struct {
		Vulnerability   map[string]any   `json:"vulnerability"`
		Products        []map[string]any `json:"products"`
		Status          string           `json:"status"`
		Justification   string           `json:"justification,omitempty"`
		ImpactStatement string           `json:"impact_statement,omitempty"`
		ActionStatement string           `json:"action_statement,omitempty"`
		StatusNotes     string           `json:"status_notes,omitempty"`
		Timestamp       string           `json:"timestamp,omitempty"`
	}
	seen := map[string]bool{}
	var stmts []stmt
	for _, f := range set.Findings {
		if (f.Category != findings.CatSCA && f.Category != findings.CatContainer) || f.VulnID == "" {
			continue
		}
		if opts.Keep != nil && !opts.Keep(f) {
			continue
		}
		var d *Decision
		if m, ok := ov.Match(f); ok && m.Decision.Review == "" {
			d = m.Decision // a record that needs review says nothing yet
		}
		prod := purl(f.Package, f.ToolName())
		if f.Package == "" {
			prod = "pkg:generic/unknown"
		}
		k := f.VulnID + "\x00" + prod
		if seen[k] {
			continue
		}
		seen[k] = true
		status, just, text := VEXStatus(d, now)
		s := stmt{Vulnerability: map[string]any{"name": f.VulnID}, Products: []map[string]any{{"@id": prod}}, Status: status}
		switch status {
		case "not_affected":
			s.Justification, s.ImpactStatement = just, text
		case "affected":
			s.ActionStatement = text
		case "fixed":
			s.StatusNotes = text
		}
		if d != nil {
			s.Timestamp = d.Time.UTC().Format(time.RFC3339)
			if d.Expired(now) {
				s.StatusNotes = "suppression expired on " + d.Expires.Format(time.DateOnly)
			}
		}
		stmts = append(stmts, s)
	}
	sort.SliceStable(stmts, func(i, j int) bool {
		a, b := stmts[i], stmts[j]
		if a.Vulnerability["name"] != b.Vulnerability["name"] {
			return a.Vulnerability["name"].(string) < b.Vulnerability["name"].(string)
		}
		return a.Products[0]["@id"].(string) < b.Products[0]["@id"].(string)
	})
	if stmts == nil {
		stmts = []stmt{}
	}
	author := opts.Author
	if author == "" {
		author = "secui"
	}
	h := sha1.New()
	for _, s := range stmts {
		fmt.Fprintf(h, "%v|%v|%s|%s\n", s.Vulnerability["name"], s.Products[0]["@id"], s.Status, s.Justification)
	}
	doc := map[string]any{
		"@context":   "https://openvex.dev/ns/v0.2.0",
		"@id":        fmt.Sprintf("https://openvex.dev/docs/secui/vex-%x", h.Sum(nil)[:8]),
		"author":     author,
		"timestamp":  now.UTC().Format(time.RFC3339),
		"version":    1,
		"tooling":    "secui",
		"statements": stmts,
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
