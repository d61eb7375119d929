package engine

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/internal/fakegithub"
	"github.com/secui/secui/internal/faketime"
	"github.com/secui/secui/trackers/github"
	"github.com/secui/secui/trackers/httpx"
	"github.com/secui/secui/trackers/redact"
)

// BenchmarkPlanUnchanged: the plan of a second sync over n accepted
// findings that all have their ticket (listing n issues in pages of 100,
// comparing every managed section). Reported per ticket.
func BenchmarkPlanUnchanged(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			root := b.TempDir()
			rule := &findings.Rule{ID: "G101", Name: "Hard-coded credentials", Tool: &findings.Tool{Name: "gosec", Version: "2.30.0"}}
			set := &findings.Set{Findings: make([]*findings.Finding, n)}
			for i := range set.Findings {
				set.Findings[i] = &findings.Finding{ID: fmt.Sprintf("%016x", i+1), Tool: rule.Tool, Rule: rule, Severity: findings.SevHigh,
					Message: "a hard-coded credential", Loc: findings.Location{Path: fmt.Sprintf("pkg/f%04d.go", i), Line: 10 + i%50, InRepo: true}}
			}
			l, _ := ledger.Open(root, "")
			if err := l.Decide(set.Findings, ledger.Request{Action: ledger.ActAccept, Note: "tracked as a ticket, fix in the next sprint", Author: "A <a@x>", Now: t0}); err != nil {
				b.Fatal(err)
			}
			fake := fakegithub.New("acme", "shop", "")
			defer fake.Close()
			clk := faketime.New(t0)
			fake.Now = clk.Now
			fake.Tokens[token] = fakegithub.Token{Login: "bot", Push: true}
			c, _ := github.New(github.Config{Owner: "acme", Repo: "shop", API: fake.API(), Token: token, CreateLabels: true,
				HTTP: &http.Client{Transport: httpx.New(nil, httpx.GitHubPolicy(), clk)}, Now: clk.Now})
			opts := Options{Tracker: c, Store: l, Set: set, Triage: l.Overlay(set.Findings, t0), Secrets: &redact.Secrets{}, Clock: clk}
			p, err := MakePlan(context.Background(), opts)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := Apply(context.Background(), opts, p); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				p, err := MakePlan(context.Background(), opts)
				if err != nil || p.Writes() != 0 {
					b.Fatalf("%v %v", err, p.Counts())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n)/1e3, "µs/ticket")
		})
	}
}
