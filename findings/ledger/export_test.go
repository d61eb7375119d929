package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/match"
	"github.com/secui/secui/findings/repofs"
	"github.com/secui/secui/internal/testutil"
)

func corpusFile(t *testing.T, rel string) string { return testutil.CorpusFile(t, rel) }

func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const id = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validateSARIF(t *testing.T, s *jsonschema.Schema, data []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(inst); err != nil {
		t.Fatalf("exported SARIF is not valid SARIF 2.1.0: %v", err)
	}
}

func TestExportSARIFValidAndRoundTrips(t *testing.T) {
	schema := sarifSchema(t)
	// The schema really rejects a bad suppression.
	bad := []byte(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"suppressions":[{"kind":"sidecar"}]}]}]}`)
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if schema.Validate(inst) == nil {
		t.Fatal("schema accepted a bad suppression kind")
	}

	src := corpusFile(t, "DefectDojo-django-DefectDojo/codeQL-output.sarif")
	dir := t.TempDir()
	data, _ := os.ReadFile(src)
	in := filepath.Join(dir, "scan.sarif")
	os.WriteFile(in, data, 0o644)
	ctx := context.Background()
	set, err := findings.Load(ctx, []string{in}, findings.Options{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Findings) < 3 {
		t.Fatalf("only %d findings loaded from %s", len(set.Findings), src)
	}
	// The scanned sources (the corpus has only the SARIF): distinct lines, so
	// the decisions record real evidence and find their findings again.
	for _, f := range set.Findings {
		p := filepath.Join(dir, filepath.FromSlash(f.Loc.Path))
		if _, err := os.Stat(p); err == nil || f.Loc.Path == "" {
			continue
		}
		os.MkdirAll(filepath.Dir(p), 0o755)
		var b strings.Builder
		for i := 1; i <= 200; i++ {
			fmt.Fprintf(&b, "line_%d = handler(%q, %d)\n", i, f.Loc.Path, i)
		}
		os.WriteFile(p, []byte(b.String()), 0o644)
	}
	if set, err = findings.Load(ctx, []string{in}, findings.Options{Root: dir}); err != nil {
		t.Fatal(err)
	}
	l, _ := Open(dir, "")
	sup := set.Findings[:2]
	req := suppress("Jane <j@x>")
	req.Tickets = []string{"https://github.com/o/r/issues/7"}
	root, err := repofs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	work := evidence.NewCapturer(root, "")
	req.Evidence = work.ForFinding // as the CLI records it
	if err := l.Decide(sup, req); err != nil {
		t.Fatal(err)
	}
	exp := t0.AddDate(0, 0, -1) // already expired at t0
	if err := l.Decide(set.Findings[2:3], Request{Action: ActSuppress, Reason: Mitigated, Justification: "covered by the WAF until the upgrade", Expires: &exp, Author: "B <b@example.com>", Now: t0.AddDate(0, 0, -30), Evidence: work.ForFinding}); err != nil {
		t.Fatal(err)
	}
	ov := l.Overlay(set.Findings, t0, OverlayOptions{Match: match.Options{Work: work}})
	var out bytes.Buffer
	if err := ExportSARIF(&out, set, ov, l, ExportOptions{Root: dir, Now: t0}); err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, schema, out.Bytes())

	// The suppression points at the ledger record.
	var log struct {
		Runs []struct {
			Results []struct {
				Suppressions []struct {
					Kind, Status, Justification string
					Location                    struct {
						PhysicalLocation struct {
							ArtifactLocation struct{ URI string }
							Region           struct{ StartLine int }
						}
					}
				}
				WorkItemUris []string
			}
		}
	}
	json.Unmarshal(out.Bytes(), &log)
	nAcc, nRej := 0, 0
	for _, r := range log.Runs[0].Results {
		for _, s := range r.Suppressions {
			if s.Kind != "external" || s.Location.PhysicalLocation.ArtifactLocation.URI != ".secui/ledger.yaml" || s.Location.PhysicalLocation.Region.StartLine < 4 {
				t.Errorf("suppression %+v", s)
			}
			switch s.Status {
			case "accepted":
				nAcc++
				if len(r.WorkItemUris) != 1 {
					t.Errorf("workItemUris %v", r.WorkItemUris)
				}
			case "rejected":
				nRej++
			}
		}
	}
	if nAcc != 2 || nRej != 1 {
		t.Fatalf("accepted %d rejected %d suppressions", nAcc, nRej)
	}

	// Round trip through the loader: same findings, input suppression lanes set.
	outPath := filepath.Join(dir, "exported.sarif")
	os.WriteFile(outPath, out.Bytes(), 0o644)
	set2, err := findings.Load(ctx, []string{outPath}, findings.Options{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(set2.Errors) > 0 {
		t.Fatalf("reload errors: %v", set2.Errors[0])
	}
	if len(set2.Findings) != len(set.Findings) {
		t.Fatalf("round trip: %d findings, want %d", len(set2.Findings), len(set.Findings))
	}
	byID := map[string]*findings.Finding{}
	for _, f := range set2.Findings {
		byID[f.ID] = f
	}
	for i, f := range set.Findings {
		g := byID[f.ID]
		if g == nil {
			t.Fatalf("finding %s lost in the round trip", f.ID)
		}
		want := findings.InNone
		switch i {
		case 0, 1:
			want = findings.InAccepted
		case 2:
			want = findings.InRejected
		}
		if g.InputSup != want {
			t.Errorf("finding %d: input suppression %v, want %v", i, g.InputSup, want)
		}
	}
	// The ledger still applies to the exported results.
	ov2 := l.Overlay(set2.Findings, t0, OverlayOptions{Match: match.Options{Work: evidence.NewCapturer(root, "")}})
	if ov2.State(byID[sup[0].ID]) != findings.StateSuppressed || len(ov2.Orphans()) != 0 {
		t.Fatalf("ledger on exported results: state %v, orphans %d", ov2.State(byID[sup[0].ID]), len(ov2.Orphans()))
	}
}

func TestExportOpenVEX(t *testing.T) {
	src := corpusFile(t, "aquasecurity-trivy/alpine-310.sarif.golden")
	dir := t.TempDir()
	set, err := findings.Load(context.Background(), []string{src}, findings.Options{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	var sca []*findings.Finding
	for _, f := range set.Findings {
		if (f.Category == findings.CatSCA || f.Category == findings.CatContainer) && f.VulnID != "" {
			sca = append(sca, f)
		}
	}
	if len(sca) < 3 {
		t.Fatalf("only %d SCA findings with a vulnerability id", len(sca))
	}
	l, _ := Open(dir, "")
	if err := l.Decide(sca[:1], Request{Action: ActSuppress, Reason: UsedInTests, Justification: "only in the test image, never shipped", Author: "A <a@example.com>", Now: t0}); err != nil {
		t.Fatal(err)
	}
	if err := l.Decide(sca[1:2], Request{Action: ActAccept, Note: "upgrade openssl in the next base image", Author: "A <a@example.com>", Now: t0}); err != nil {
		t.Fatal(err)
	}
	ov := l.Overlay(set.Findings, t0)
	var out bytes.Buffer
	if err := ExportOpenVEX(&out, set, ov, ExportOptions{Now: t0, Author: "Jane"}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Context    string `json:"@context"`
		Statements []struct {
			Vulnerability   struct{ Name string }
			Products        []map[string]string
			Status          string
			Justification   string
			ImpactStatement string `json:"impact_statement"`
			StatusNotes     string `json:"status_notes"`
			ActionStatement string `json:"action_statement"`
		}
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Context != "https://openvex.dev/ns/v0.2.0" {
		t.Fatal(doc.Context)
	}
	st := map[string]int{}
	for _, s := range doc.Statements {
		st[s.Status]++
		switch s.Status {
		case "not_affected":
			if s.Justification != VEXVulnerableCodeNotInExecPath || s.StatusNotes == "" || s.ImpactStatement != "" {
				t.Errorf("not_affected: %+v", s)
			}
		case "affected":
			if s.ActionStatement == "" {
				t.Errorf("affected without action: %+v", s)
			}
		}
		if len(s.Products) != 1 || s.Products[0]["@id"] == "" {
			t.Errorf("products %v", s.Products)
		}
	}
	if st["not_affected"] < 1 || st["affected"] < 1 || st["under_investigation"] < 1 {
		t.Fatalf("statuses %v\n%s", st, out.String())
	}
}
