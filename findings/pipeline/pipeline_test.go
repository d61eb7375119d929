package pipeline

import (
	"fmt"
	"testing"
	"time"

	"github.com/secui/secui/findings"
)

type triage map[*findings.Finding]findings.State

func (t triage) State(f *findings.Finding) findings.State { return t[f] }
func (t triage) Expired(*findings.Finding) bool           { return false }

func mk(tool string, st findings.Stage, sev findings.Severity) *findings.Finding {
	return &findings.Finding{Tool: &findings.Tool{Name: tool}, Stage: st, Severity: sev}
}

func TestCompute(t *testing.T) {
	open1 := mk("gosec", findings.StageCode, findings.SevHigh)
	open2 := mk("gosec", findings.StageCode, findings.SevMedium)
	acc := mk("gosec", findings.StageCode, findings.SevHigh)
	sup := mk("Semgrep", findings.StageCode, findings.SevLow)
	inSup := mk("Semgrep", findings.StageCode, findings.SevLow)
	inSup.InputSup = findings.InAccepted
	pend := mk("gosec", findings.StageCode, findings.SevCritical)
	trivy := mk("Trivy", findings.StageBuild, findings.SevCritical)
	tr := triage{acc: findings.StateAccepted, sup: findings.StateSuppressed, pend: findings.StateFixed}
	gone := mk("gosec", findings.StageCode, findings.SevHigh)
	ran := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	gosec := &Scanner{Name: "gosec", Tools: []string{"GoSec"}, Stages: []findings.Stage{findings.StageCode}, Configured: true, LastRun: ran, From: "scan record"}
	gitleaks := &Scanner{Name: "gitleaks", Tools: []string{"gitleaks"}, Stages: []findings.Stage{findings.StageCode}, Configured: true}
	semgrep := &Scanner{Name: "Semgrep", Tools: []string{"Semgrep"}}
	rows := Compute([]*findings.Finding{open1, open2, acc, sup, inSup, pend, trivy}, tr, Options{
		Pending:  func(f *findings.Finding) bool { return f == pend },
		Gone:     []*findings.Finding{gone},
		Scanners: []*Scanner{semgrep, gitleaks, gosec},
	})
	if len(rows) != 8 || rows[0].Stage != findings.StagePlan || rows[7].Stage != findings.StageMonitor {
		t.Fatalf("rows %+v", rows)
	}
	code := rows[findings.StageCode]
	if code.Open != (Counts{findings.SevHigh: 1, findings.SevMedium: 1}) || code.Accepted.Total() != 1 ||
		code.Suppressed != (Counts{findings.SevLow: 2}) || code.Fixed != (Counts{findings.SevCritical: 1, findings.SevHigh: 1}) || code.Pending != 1 {
		t.Errorf("code row %+v", code)
	}
	if code.Total() != 7 || fmt.Sprintf("%.3f", code.Progress()) != "0.714" {
		t.Errorf("code total %d progress %v", code.Total(), code.Progress())
	}
	var names []string
	for _, f := range code.Feeds {
		names = append(names, fmt.Sprintf("%s:%d", f.Name, f.Open))
	}
	if fmt.Sprint(names) != "[gitleaks:0 gosec:2 Semgrep:0]" {
		t.Errorf("code feeds %v (configured first, then by name; open counts)", names)
	}
	build := rows[findings.StageBuild]
	if build.Open.Total() != 1 || len(build.Feeds) != 0 {
		t.Errorf("build row %+v (Trivy is no known scanner)", build)
	}
	if p := rows[findings.StageDeploy]; p.Total() != 0 || p.Progress() != 1 || len(p.Feeds) != 0 {
		t.Errorf("empty stage %+v", p)
	}
}

// The pipeline screen recomputes on a load or a decision, not per key; at
// 100k findings it stays well under a frame.
func BenchmarkCompute100k(b *testing.B) {
	fs := make([]*findings.Finding, 100000)
	tools := []*findings.Tool{{Name: "gosec"}, {Name: "Semgrep"}, {Name: "Trivy"}, {Name: "Checkov"}}
	tr := triage{}
	for i := range fs {
		fs[i] = &findings.Finding{Tool: tools[i%4], Stage: findings.Stages[i%8], Severity: findings.Severity(i % 5)}
		if i%7 == 0 {
			tr[fs[i]] = findings.State(i % 4)
		}
	}
	sc := []*Scanner{{Name: "gosec", Tools: []string{"gosec"}, Configured: true, Stages: []findings.Stage{findings.StageCode}}, {Name: "Trivy", Tools: []string{"Trivy"}}}
	b.ReportAllocs()
	for b.Loop() {
		Compute(fs, tr, Options{Scanners: sc})
	}
}
