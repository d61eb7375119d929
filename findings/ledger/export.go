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
	usedIDs := map[string]bool{}
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
					if d.Extra().Review != "" {
						sup["status"] = "underReview"
						props["secui/review"] = d.Extra().Review
					}
					if m.Expired {
						sup["status"] = "rejected"
						sup["justification"] = "expired on " + d.Expires.Format(time.DateOnly) + " — " + string(d.Reason) + ": " + d.Justification
					}
					sup["properties"] = props
					old, _ := r["suppressions"].([]any)
					r["suppressions"] = append(old, sup)
				}
				uris := d.Extra().Tickets
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
			markRun(run, name, ri, usedIDs)
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
		Schema     string            `json:"$schema"`
		Version    string            `json:"version"`
		Properties map[string]any    `json:"properties"` // before runs: discovery reads only the head
		Runs       []json.RawMessage `json:"runs"`
	}{SARIFSchemaURI, "2.1.0", map[string]any{findings.ExportMarker: true}, runs}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// markRun marks an exported run as secui's (findings.ExportMarker in its
// property bag) and gives it an automationDetails.id when it has none, or
// one another exported run already uses: GitHub code scanning refuses an
// upload with several runs of one tool in one category, and the category is
// the id up to its last "/". The made-up id is "secui/<tool>/<input file>/"
// (lower case, [a-z0-9._-]), stable from one export to the next so each
// upload replaces the alerts of the one before in that category.
func markRun(run map[string]any, file string, ri int, used map[string]bool) {
	props, _ := run["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	props[findings.ExportMarker] = true
	run["properties"] = props
	ad, _ := run["automationDetails"].(map[string]any)
	id, _ := ad["id"].(string)
	if id == "" || used[id] {
		tool := "tool"
		if t, ok := run["tool"].(map[string]any); ok {
			if d, ok := t["driver"].(map[string]any); ok {
				if n, ok := d["name"].(string); ok && n != "" {
					tool = n
				}
			}
		}
		stem := filepath.Base(filepath.FromSlash(file))
		for _, ext := range []string{".gz", ".json", ".sarif", ".golden"} {
			stem = strings.TrimSuffix(stem, ext)
		}
		base := "secui/" + categoryPart(tool) + "/" + categoryPart(stem)
		id = base + "/"
		for n := ri + 1; used[id]; n++ {
			id = fmt.Sprintf("%s-%d/", base, n)
		}
		nad := map[string]any{}
		for k, v := range ad {
			nad[k] = v
		}
		nad["id"] = id
		run["automationDetails"] = nad
	}
	used[id] = true
}

// categoryPart lower-cases s and replaces every run of characters outside
// [a-z0-9._-] with one "-".
func categoryPart(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if ok {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		return "x"
	}
	return out
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
		if d.Extra().Note != "" {
			s += ": " + d.Extra().Note
		}
		if d.Extra().Due != nil {
			s += " (due " + d.Extra().Due.Format(time.DateOnly) + ")"
		}
		return "affected", "", s
	case findings.StateFixed:
		return "fixed", "", d.Extra().Note
	}
	return "under_investigation", "", ""
}

// productKey is a product's @id and its subcomponents' (sorting, hashing).
func productKey(p map[string]any) string {
	k, _ := p["@id"].(string)
	if subs, ok := p["subcomponents"].([]map[string]any); ok {
		for _, s := range subs {
			id, _ := s["@id"].(string)
			k += " " + id
		}
	}
	return k
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
		if m, ok := ov.Match(f); ok && m.Decision.Extra().Review == "" {
			d = m.Decision // a record that needs review says nothing yet
		}
		prod, pk, ok := vexProduct(f)
		if !ok { // no package named: no product a consumer could match
			continue
		}
		k := f.VulnID + "\x00" + pk
		if seen[k] {
			continue
		}
		seen[k] = true
		status, just, text := VEXStatus(d, now)
		s := stmt{Vulnerability: map[string]any{"name": f.VulnID}, Products: []map[string]any{prod}, Status: status}
		switch status {
		case "not_affected":
			// The OpenVEX schema takes a justification or an impact
			// statement, not both: the reason is the justification and
			// the engineer's text goes to the status notes.
			s.Justification, s.StatusNotes = just, text
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
		return productKey(a.Products[0]) < productKey(b.Products[0])
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
		fmt.Fprintf(h, "%v|%v|%s|%s\n", s.Vulnerability["name"], productKey(s.Products[0]), s.Status, s.Justification)
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
