package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

type corrRecord struct {
	ID         string `json:"id"`
	Tool       string `json:"tool"`
	Rule       string `json:"rule"`
	Path       string `json:"path"`
	Line       int    `json:"line"`
	Severity   string `json:"severity"`
	State      string `json:"state"`
	Review     string `json:"review"`
	Correlated *struct {
		By      string `json:"by"`
		Members []struct {
			ID, Tool, Rule, Severity string
		} `json:"members"`
	} `json:"correlated"`
}

// secretRepo: terragoat's terraform/aws/ec2.tf in a git repository with the
// real gitleaks and secretlint logs of terragoat (testdata/realworld).
func secretRepo(t *testing.T, logs ...string) string {
	t.Helper()
	dir := t.TempDir()
	rw := filepath.Join(moduleRoot(t), "testdata", "realworld", "terragoat")
	os.MkdirAll(filepath.Join(dir, "terraform", "aws"), 0o755)
	// The two lines the scanners flag, at their lines (15 and 16), are
	// what matters to identity; the rest of the file is not needed.
	lines := make([]byte, 0, 1024)
	for i := 1; i < 15; i++ {
		lines = append(lines, "# line\n"...)
	}
	lines = append(lines, "  AWS_ACCESS_KEY_ID = AKIAIOSFODNN7EXAMAAA\n"...)
	lines = append(lines, "  AWS_SECRET_ACCESS_KEY = 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\n"...)
	os.WriteFile(filepath.Join(dir, "terraform", "aws", "ec2.tf"), lines, 0o644)
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "infra")
	for _, l := range logs {
		addLog(t, dir, filepath.Join(rw, l))
	}
	return dir
}

func addLog(t *testing.T, dir, src string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "scans"), 0o755)
	os.WriteFile(filepath.Join(dir, "scans", filepath.Base(src)), data, 0o644)
}

func corrList(t *testing.T, dir string) []corrRecord {
	t.Helper()
	r := runIn(t, dir, nil, "list", "--json", "--all")
	if r.code != 0 {
		t.Fatalf("list: exit %d\n%s", r.code, r.stderr)
	}
	var doc struct{ Findings []corrRecord }
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Findings
}

func at(fs []corrRecord, path string, line int) []corrRecord {
	var out []corrRecord
	for _, f := range fs {
		if f.Path == path && f.Line == line {
			out = append(out, f)
		}
	}
	return out
}

// TestCorrelationKeepsDecisions: a ledger decided before correlation (one
// tool's scan) still applies when a second secret scanner reports the same
// secret and the two become one finding — whichever tool the decision was
// made on (the primary, gitleaks, or the other, secretlint).
func TestCorrelationKeepsDecisions(t *testing.T) {
	for _, first := range []string{"gitleaks.sarif", "secretlint.sarif"} {
		t.Run(first, func(t *testing.T) {
			dir := secretRepo(t, first)
			single := at(corrList(t, dir), "terraform/aws/ec2.tf", 16)
			if len(single) != 1 || single[0].Correlated != nil {
				t.Fatalf("before: %+v", single)
			}
			r := runIn(t, dir, nil, "suppress", single[0].ID, "--reason", "false-positive",
				"--justification", "documented AWS example key from the AWS docs, not a live credential")
			if r.code != 0 {
				t.Fatalf("suppress: %d %s%s", r.code, r.stdout, r.stderr)
			}
			other := "secretlint.sarif"
			if first == other {
				other = "gitleaks.sarif"
			}
			addLog(t, dir, filepath.Join(moduleRoot(t), "testdata", "realworld", "terragoat", other))
			after := at(corrList(t, dir), "terraform/aws/ec2.tf", 16)
			if len(after) != 1 || after[0].Correlated == nil || len(after[0].Correlated.Members) != 2 {
				t.Fatalf("after: %+v, want one correlated finding", after)
			}
			g := after[0]
			if g.State != "suppressed" || g.Review != "" {
				t.Errorf("correlated finding: state %s review %q, want the decision made on %s", g.State, g.Review, first)
			}
			if g.Severity != "high" || g.Tool != "gitleaks" || g.ID != g.Correlated.Members[0].ID {
				t.Errorf("correlated finding %+v", g)
			}
			// The member the decision was made on is one of them, by ID.
			found := false
			for _, m := range g.Correlated.Members {
				found = found || m.ID == single[0].ID
			}
			if !found {
				t.Errorf("decided finding %s not among members %+v", single[0].ID, g.Correlated.Members)
			}
			// The other secret (line 15, gitleaks only) is untouched.
			if l15 := at(corrList(t, dir), "terraform/aws/ec2.tf", 15); len(l15) == 1 && l15[0].State != "open" {
				t.Errorf("line 15: %+v", l15)
			}
			// The gate agrees: the suppressed secret does not fail it,
			// the line-15 key (when gitleaks ran) does.
			c := runIn(t, dir, nil, "check", "--json")
			var cd struct {
				Problems []struct{ ID, Kind string }
			}
			json.Unmarshal([]byte(c.stdout), &cd)
			for _, p := range cd.Problems {
				if p.ID == g.ID {
					t.Errorf("check reports the suppressed correlated finding: %+v", p)
				}
			}
		})
	}
}
