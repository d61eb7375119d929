package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"testing"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/query"
)

// synthetic builds n findings shaped like a mixed scan (hand-made, no ingest).
func synthetic(n int) *findings.Set {
	tools := []*findings.Tool{{Name: "gosec", Version: "2.21.4"}, {Name: "Semgrep OSS"}, {Name: "Trivy"}, {Name: "Checkov"}}
	rules := make([]*findings.Rule, 50)
	for i := range rules {
		rules[i] = &findings.Rule{ID: fmt.Sprintf("R%03d", i), Name: fmt.Sprintf("rule number %d", i), Tool: tools[i%len(tools)]}
	}
	set := &findings.Set{Findings: make([]*findings.Finding, n)}
	for i := range set.Findings {
		r := rules[i%len(rules)]
		set.Findings[i] = &findings.Finding{
			ID: fmt.Sprintf("%016x", i*2654435761), Tool: r.Tool, Rule: r,
			Severity: findings.Severity(i % 5), Stage: findings.Stages[i%8], Category: findings.Categories[i%8],
			Message: fmt.Sprintf("finding %d: user input reaches a dangerous sink without sanitisation", i),
			Loc:     findings.Location{Path: fmt.Sprintf("pkg/mod%03d/file%02d.go", i%300, i%17), Line: i%900 + 1, InRepo: true},
			CWEs:    []string{"CWE-89"}, Keys: []string{"content:0123456789abcdef"},
			Sources: []findings.Source{{File: "scans/x.sarif", Run: 0, Result: i, Tool: r.Tool}},
		}
	}
	return set
}

func allIdx(n int) []int32 {
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	return idx
}

func benchOutput(b *testing.B, n int, write func(*findings.Set, []int32)) {
	set := synthetic(n)
	idx := allIdx(n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		write(set, idx)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/finding")
}

func BenchmarkListTable10k(b *testing.B) {
	benchOutput(b, 10_000, func(s *findings.Set, idx []int32) { writeTable(io.Discard, s.Findings, idx, nil, 160, false) })
}

func BenchmarkListJSON10k(b *testing.B) {
	benchOutput(b, 10_000, func(s *findings.Set, idx []int32) { _ = writeJSON(io.Discard, s, idx, nil) })
}

func BenchmarkListJSONL10k(b *testing.B) {
	benchOutput(b, 10_000, func(s *findings.Set, idx []int32) { _ = writeJSONL(io.Discard, s, idx, nil) })
}

func BenchmarkSummary100k(b *testing.B) {
	benchOutput(b, 100_000, func(s *findings.Set, idx []int32) {
		sum := query.Summarize(s.Findings, idx, nil)
		sel := &selection{set: s, idx: idx, all: idx}
		writeSummary(io.Discard, sel, sum, sum, false)
	})
}

// The table must fit the width whatever the content.
func TestFitWidths(t *testing.T) {
	set := synthetic(50)
	for _, w := range []int{60, 80, 120, 250} {
		cells := make([][]string, len(set.Findings))
		for k, f := range set.Findings {
			row := make([]string, len(tableColumns))
			for c, col := range tableColumns {
				row[c] = col.cell(f, nil)
			}
			cells[k] = row
		}
		ws := fitWidths(cells, w)
		total := tableGap(w) * (len(ws) - 1)
		for _, x := range ws {
			total += x
		}
		minTotal := tableGap(w) * (len(ws) - 1)
		for _, c := range tableColumns {
			minTotal += c.min
		}
		if total > max(w, minTotal) {
			t.Errorf("width %d: columns take %d (%v)", w, total, ws)
		}
	}
}

// The streamed document is exactly what encoding the whole document with
// two-space indentation (no HTML escaping) gives.
func TestWriteJSONMatchesIndent(t *testing.T) {
	set := synthetic(7)
	set.Findings[2].Message = `<h1>Hello " + name + "</h1> & more`
	set.Errors = []*findings.LoadError{{File: "bad.sarif", Line: 3, Col: 9, Msg: "invalid JSON"}}
	for _, idx := range [][]int32{allIdx(7), {3}, {}} {
		var got bytes.Buffer
		if err := writeJSON(&got, set, idx, nil); err != nil {
			t.Fatal(err)
		}
		doc := jsonDoc{Schema: listSchema, Findings: []jsonFinding{}, Errors: jsonErrors(set), ToolErrors: jsonToolErrors(set)}
		for _, i := range idx {
			doc.Findings = append(doc.Findings, toJSON(set.Findings[i], nil))
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("idx %v: streamed JSON differs:\n--- got\n%s\n--- want\n%s", idx, got.String(), want.String())
		}
	}
}
