package query

import (
	"context"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/secui/secui/findings"
)

// synth builds n realistic findings: 5 tools, ~500 rules, ~3000 paths,
// skewed so a few rules and files have most findings, like real scans.
func synth(n int, seed uint64) []*findings.Finding {
	r := rand.New(rand.NewPCG(seed, 42))
	tools := []*findings.Tool{{Name: "gosec"}, {Name: "Semgrep OSS"}, {Name: "CodeQL"}, {Name: "Trivy"}, {Name: "gitleaks"}}
	cats := []findings.Category{findings.CatSAST, findings.CatSAST, findings.CatSAST, findings.CatSCA, findings.CatSecrets}
	stages := []findings.Stage{findings.StageCode, findings.StageCode, findings.StageCode, findings.StageBuild, findings.StageCode}
	words := []string{"injection", "credentials", "overflow", "traversal", "deserialization", "redirect", "xss", "weak hash", "tls", "race"}
	rules := make([]*findings.Rule, 500)
	for i := range rules {
		t := tools[i%len(tools)]
		id := fmt.Sprintf("G%03d", i)
		switch t.Name {
		case "Semgrep OSS":
			id = fmt.Sprintf("go.lang.security.audit.%s-%d", words[i%len(words)], i)
		case "CodeQL":
			id = fmt.Sprintf("go/%s-%d", words[i%len(words)], i)
		case "Trivy":
			id = fmt.Sprintf("CVE-202%d-%05d", i%5, i*37)
		case "gitleaks":
			id = fmt.Sprintf("generic-api-key-%d", i)
		}
		rules[i] = &findings.Rule{ID: id, Name: "Rule " + words[i%len(words)], Tool: t,
			CWEs: []string{fmt.Sprintf("CWE-%d", 20+i%80)}}
	}
	dirs := []string{"internal", "cmd", "pkg", "web/src", "vendor/github.com/x", "test", "api/v1", "services/billing"}
	paths := make([]string, 3000)
	for i := range paths {
		ext := []string{".go", ".go", ".go", ".js", ".ts", ".py", ".yaml"}[i%7]
		paths[i] = fmt.Sprintf("%s/mod%d/sub%d/File_%d%s", dirs[i%len(dirs)], i%37, i%11, i, ext)
	}
	fs := make([]*findings.Finding, n)
	for i := range fs {
		ri := int(r.ExpFloat64()*80) % len(rules)
		pi := int(r.ExpFloat64()*600) % len(paths)
		rule := rules[ri]
		ti := ri % len(tools)
		f := &findings.Finding{
			ID:       fmt.Sprintf("%016x", r.Uint64()),
			Tool:     tools[ti],
			Rule:     rule,
			Severity: findings.Severity(r.IntN(5)),
			Score:    float32(r.IntN(4)) * 2.5,
			Category: cats[ti],
			Stage:    stages[ti],
			Message:  fmt.Sprintf("Possible %s in handler %d: value flows from request to sink", words[ri%len(words)], r.IntN(1000)),
			Loc:      findings.Location{Path: paths[pi], Line: 1 + r.IntN(2000), Col: 1 + r.IntN(80), InRepo: true},
			CWEs:     rule.CWEs,
		}
		if tools[ti].Name == "Trivy" {
			f.VulnID = rule.ID
			f.Package = fmt.Sprintf("github.com/lib%d@v1.%d.0", ri, r.IntN(9))
		}
		fs[i] = f
		if st := findings.State(r.IntN(10) / 7); st != findings.StateOpen {
			tri[f] = st
		}
	}
	return fs
}

var benchSink []int32

func benchFilter(b *testing.B, n int, q string) {
	fs := synth(n, 7)
	for _, f := range fs {
		f.SearchText() // as findings.Load does
	}
	pq, err := Parse(q)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	c := startCPU()
	for b.Loop() {
		benchSink, err = Filter(ctx, fs, pq, tri)
		if err != nil {
			b.Fatal(err)
		}
	}
	c.report(b)
	b.ReportMetric(float64(len(benchSink)), "matches")
}

const benchQuery = `sev:high+ stage:code -path:vendor/** tool:gosec,semgrep*,codeql -state:suppressed`

func BenchmarkFilter1k(b *testing.B)   { benchFilter(b, 1000, benchQuery) }
func BenchmarkFilter10k(b *testing.B)  { benchFilter(b, 10000, benchQuery) }
func BenchmarkFilter100k(b *testing.B) { benchFilter(b, 100000, benchQuery) }

// BenchmarkFilterText100k is a typed free-text search (the TUI's "/").
func BenchmarkFilterText100k(b *testing.B) { benchFilter(b, 100000, `injection -"handler 12"`) }

// BenchmarkFilterGlob100k uses general globs (cached per distinct value).
func BenchmarkFilterGlob100k(b *testing.B) {
	benchFilter(b, 100000, `path:{internal,cmd}/**/file_1*.go rule:go/*-1?,g1[0-5]?`)
}

func BenchmarkSort100k(b *testing.B) {
	fs := synth(100000, 7)
	base := make([]int32, len(fs))
	for i := range base {
		base[i] = int32(i)
	}
	idx := make([]int32, len(fs))
	for _, key := range []SortKey{BySeverity, ByFile, ByRule, ByTool, ByStage} {
		b.Run(key.String(), func(b *testing.B) {
			c := startCPU()
			for b.Loop() {
				copy(idx, base)
				Sort(fs, idx, key)
			}
			c.report(b)
		})
	}
}

func BenchmarkGroup100k(b *testing.B) {
	fs := synth(100000, 7)
	idx := make([]int32, len(fs))
	for i := range idx {
		idx[i] = int32(i)
	}
	Sort(fs, idx, BySeverity)
	for _, by := range []GroupBy{GroupStage, GroupRule, GroupFile, GroupTool, GroupSeverity} {
		b.Run(by.String(), func(b *testing.B) {
			c := startCPU()
			for b.Loop() {
				GroupFindings(fs, idx, by)
			}
			c.report(b)
		})
	}
}

func BenchmarkSummarize100k(b *testing.B) {
	fs := synth(100000, 7)
	c := startCPU()
	for b.Loop() {
		Summarize(fs, nil, tri)
	}
	c.report(b)
}

func BenchmarkParse(b *testing.B) {
	c := startCPU()
	defer c.report(b)
	for b.Loop() {
		if _, err := Parse(`sev:high+ stage:code,build -path:vendor/** tool:gosec "sql injection" cwe:79 -state:suppressed,accepted`); err != nil {
			b.Fatal(err)
		}
	}
}

// cpuClock measures process CPU time (user+system), which, unlike ns/op, is
// not inflated when the machine is shared. cpu-ns/op is the CPU cost of one
// operation summed over all cores; on an idle machine ns/op is about
// cpu-ns/op divided by the cores a parallel operation keeps busy.
type cpuClock struct{ start time.Duration }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuClock { return cpuClock{cpuNow()} }

func (c cpuClock) report(b *testing.B) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuNow()-c.start)/float64(b.N), "cpu-ns/op")
	}
}
