package findings

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// genSARIF writes a realistic multi-run log (the shape of shared/tools/gensarif:
// rules by index, uriBaseIds, code flows, fixes, partial fingerprints). With
// resultsFirst the results come before the tool and base ids in each run.
func genSARIF(n int, resultsFirst bool) string {
	r := rand.New(rand.NewSource(7))
	var b strings.Builder
	b.WriteString(`{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[`)
	tools := []string{"CodeQL", "Semgrep OSS", "Trivy", "gitleaks", "Checkov"}
	for ti, tool := range tools {
		if ti > 0 {
			b.WriteString(",")
		}
		meta := fmt.Sprintf(`"tool":{"driver":{"name":%q,"rules":[`, tool)
		for i := 0; i < 20; i++ {
			if i > 0 {
				meta += ","
			}
			meta += fmt.Sprintf(`{"id":"%s/rule-%03d","name":"Rule%03d","shortDescription":{"text":"Issue %d"},"help":{"text":"Fix it","markdown":"## Fix\n\n**Validate** input"},"defaultConfiguration":{"level":"warning"},"properties":{"tags":["security","external/cwe/cwe-%d"],"security-severity":"%d.5"}}`, tool, i, i, i, 20+i, i%10)
		}
		meta += `]}},"originalUriBaseIds":{"%SRCROOT%":{"uri":"file:///src/repo/"}}`
		var res strings.Builder
		res.WriteString(`"results":[`)
		for i := 0; i < n/len(tools); i++ {
			if i > 0 {
				res.WriteString(",\n")
			}
			ri := r.Intn(20)
			line := 1 + r.Intn(500)
			file := fmt.Sprintf("pkg/f%03d.go", r.Intn(300))
			fmt.Fprintf(&res, `{"ruleId":"%s/rule-%03d","ruleIndex":%d,"level":"error","message":{"text":"Flow at line %d \"quoted\" \\ back"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":%q,"uriBaseId":"%%SRCROOT%%"},"region":{"startLine":%d,"startColumn":3,"snippet":{"text":"x := y"}}}}],"partialFingerprints":{"primaryLocationLineHash":"%016x:1"}`, tool, ri, ri, line, file, line, r.Uint64())
			if ti == 0 {
				fmt.Fprintf(&res, `,"codeFlows":[{"threadFlows":[{"locations":[{"location":{"physicalLocation":{"artifactLocation":{"uri":"src/a.go","uriBaseId":"%%SRCROOT%%"},"region":{"startLine":%d}}}},{"location":{"physicalLocation":{"artifactLocation":{"uri":%q,"uriBaseId":"%%SRCROOT%%"},"region":{"startLine":%d}}}}]}]}]`, line+1, file, line)
			}
			if ti == 1 && i%3 == 0 {
				fmt.Fprintf(&res, `,"fixes":[{"description":{"text":"Sanitize"},"artifactChanges":[{"artifactLocation":{"uri":%q,"uriBaseId":"%%SRCROOT%%"},"replacements":[{"deletedRegion":{"startLine":%d,"startColumn":3,"endColumn":9},"insertedContent":{"text":"x := clean(y)"}}]}]}]`, file, line)
			}
			res.WriteString("}")
		}
		res.WriteString("]")
		if resultsFirst {
			b.WriteString("{" + res.String() + "," + meta + "}")
		} else {
			b.WriteString("{" + meta + "," + res.String() + "}")
		}
	}
	b.WriteString("]}\n")
	return b.String()
}

func loadWithThreshold(t testing.TB, p string, threshold int64) *Set {
	old := streamThreshold
	streamThreshold = threshold
	defer func() { streamThreshold = old }()
	return mustLoad(t, []string{p}, Options{})
}

func summaryOf(t testing.TB, s *Set) string {
	var b strings.Builder
	for _, f := range s.Findings {
		d, err := s.Details(f)
		if err != nil {
			t.Fatalf("details: %v", err)
		}
		fmt.Fprintf(&b, "%s|%s|%s|%s|%s|%s|%d|%s|%d|%d|%d\n", f.ID, f.Keys, f.ToolName(), f.RuleID(), f.Severity, f.Loc.Path, f.Loc.Line, f.Message, len(d.Flows), len(d.Fixes), f.Sources[0].Length)
	}
	return b.String()
}

func TestStreamMatchesInMemory(t *testing.T) {
	for _, resultsFirst := range []bool{false, true} {
		p := filepath.Join(t.TempDir(), "gen.sarif")
		writeFile(t, p, genSARIF(2000, resultsFirst))
		streamed := loadWithThreshold(t, p, 1)
		inMem := loadWithThreshold(t, p, 1<<40)
		if len(streamed.Findings) != 2000 || len(streamed.Errors) != 0 {
			t.Fatalf("resultsFirst=%v: streamed %d findings, errors %v", resultsFirst, len(streamed.Findings), streamed.Errors)
		}
		if a, b := summaryOf(t, streamed), summaryOf(t, inMem); a != b {
			t.Fatalf("resultsFirst=%v: streamed and in-memory loads differ", resultsFirst)
		}
		if streamed.Findings[0].Loc.Path != "pkg/"+strings.TrimPrefix(streamed.Findings[0].Loc.Path, "pkg/") || !streamed.Findings[0].Loc.InRepo {
			t.Errorf("path %q", streamed.Findings[0].Loc.Path)
		}
	}
}

func TestStreamBadResultPosition(t *testing.T) {
	log := genSARIF(50, false)
	// Break one result's ruleIndex type on a known line.
	lines := strings.Split(log, "\n")
	lines[5] = strings.Replace(lines[5], `"ruleIndex":`, `"ruleIndex":"x`, 1)
	lines[5] = strings.Replace(lines[5], `,"level"`, `","level"`, 1)
	p := filepath.Join(t.TempDir(), "bad.sarif")
	writeFile(t, p, strings.Join(lines, "\n"))
	for _, th := range []int64{1, 1 << 40} {
		s := loadWithThreshold(t, p, th)
		if len(s.Findings) != 49 || len(s.Errors) != 1 {
			t.Fatalf("threshold %d: %d findings, errors %v", th, len(s.Findings), s.Errors)
		}
		e := s.Errors[0]
		if e.Line != 6 || !strings.Contains(e.Msg, "ruleIndex") {
			t.Errorf("threshold %d: error %v, want line 6 naming ruleIndex", th, e)
		}
	}
	// A truncated file: the streaming scanner gives up and the validating
	// parser reports where.
	writeFile(t, p, log[:len(log)/2])
	s := loadWithThreshold(t, p, 1)
	if len(s.Errors) != 1 || s.Errors[0].Line == 0 || !strings.Contains(s.Errors[0].Msg, "end of input") {
		t.Errorf("truncated: %v", s.Errors)
	}
}

func TestLoadCancelled(t *testing.T) {
	p := filepath.Join(t.TempDir(), "gen.sarif")
	writeFile(t, p, genSARIF(500, false))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Load(ctx, []string{p}, Options{}); err == nil {
		t.Error("Load with a cancelled context returned no error")
	}
}

// benchFile returns a SARIF file with n results made by ../shared/tools/gensarif
// (the project's reference generator), cached in the temp dir.
func benchFile(b *testing.B, n int) string {
	p := filepath.Join(os.TempDir(), fmt.Sprintf("secui-bench-%d.sarif", n))
	if _, err := os.Stat(p); err == nil {
		return p
	}
	gen := filepath.Join(filepath.Dir(corpusDir(b)), "..", "tools", "gensarif")
	out, err := os.Create(p + ".tmp")
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command("go", "run", ".", "-n", fmt.Sprint(n))
	cmd.Dir = gen
	cmd.Stdout = out
	if err := cmd.Run(); err != nil {
		b.Skipf("gensarif: %v", err)
	}
	out.Close()
	os.Rename(p+".tmp", p)
	return p
}

func benchLoad(b *testing.B, n int) {
	p := benchFile(b, n)
	st, _ := os.Stat(p)
	b.SetBytes(st.Size())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := Load(context.Background(), []string{p}, Options{})
		if err != nil || len(s.Findings) != n {
			b.Fatalf("loaded %d findings, err %v", len(s.Findings), err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "findings/s")
}

// BenchmarkLoad10k and BenchmarkLoad100k: load, classify and fingerprint a
// gensarif log (100k ≈ 130 MB in 5 runs). Linear scaling: 100k ≈ 10 × 10k.
func BenchmarkLoad10k(b *testing.B)  { benchLoad(b, 10000) }
func BenchmarkLoad100k(b *testing.B) { benchLoad(b, 100000) }

func TestStreamMalformedDetailsReportedWhenOpened(t *testing.T) {
	log := genSARIF(50, false)
	lines := strings.Split(log, "\n")
	// Break a code flow (a member the streaming scanner leaves unread) in a
	// way the JSON grammar allows: a thread flow that is a number.
	lines[3] = strings.Replace(lines[3], `"threadFlows":[{`, `"threadFlows":[7,{`, 1)
	p := filepath.Join(t.TempDir(), "flows.sarif")
	writeFile(t, p, strings.Join(lines, "\n"))
	s := loadWithThreshold(t, p, 1)
	if len(s.Findings) != 50 {
		t.Fatalf("streamed: %d findings, errors %v", len(s.Findings), s.Errors)
	}
	var broken *Finding
	for _, f := range s.Findings {
		if f.Sources[0].Run == 0 && f.Sources[0].Result == 3 {
			broken = f
		}
	}
	_, err := s.Details(broken)
	var le *LoadError
	if !errors.As(err, &le) || le.Line != 4 || !strings.Contains(le.Msg, "runs[0].results[3]") {
		t.Fatalf("details error = %v, want flows.sarif:4:…: runs[0].results[3]: …", err)
	}
	// In memory the result loads too (a thread flow's shape is not needed
	// for the list), and opening it reports the same place.
	mem := loadWithThreshold(t, p, 1<<40)
	if len(mem.Errors) != 0 || len(mem.Findings) != 50 {
		t.Fatalf("in memory: %d findings, errors %v", len(mem.Findings), mem.Errors)
	}
	for _, f := range mem.Findings {
		if f.Sources[0].Run == 0 && f.Sources[0].Result == 3 {
			if _, err := mem.Details(f); !errors.As(err, &le) || le.Line != 4 {
				t.Errorf("in memory, details error = %v, want line 4", err)
			}
		}
	}
}

// TestStreamChunkSizesAgree: the streamed scanner keeps its state across
// reads, so cutting the file anywhere (inside a string, an escape, a number,
// between a key and its colon, deep in a code flow) changes nothing: the
// same findings, the same errors at the same positions, as one read of the
// whole file. The inputs are the fuzz seeds, a generated log with code flows
// and fixes, and each seed with a structural byte deleted.
func TestStreamChunkSizesAgree(t *testing.T) {
	inputs := append([]string(nil), fuzzSeeds...)
	inputs = append(inputs, genSARIF(40, false), genSARIF(20, true),
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"r","message":{"text":"a \"q\" \\\\"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.go"},"region":{"startLine":1,"snippet":{"text":"\\\\\""}}}}],"codeFlows":[{"threadFlows":[{"locations":[{"location":{"message":{"text":"x\\\\\\\"y\\\\"},"physicalLocation":{"region":{"startLine":12,"endLine":13},"properties":{"w":-0.5e+3,"b":[true,false,null]}}}}]}]}]}]}]}`)
	for _, s := range fuzzSeeds {
		for _, i := range []int{len(s) / 3, len(s) / 2, 2 * len(s) / 3, len(s) - 40} {
			if i > 0 && i < len(s) && strings.IndexByte(":,\"{}[]", s[i]) >= 0 {
				inputs = append(inputs, s[:i]+s[i+1:])
			}
		}
	}
	dir := t.TempDir()
	old := streamChunk
	defer func() { streamChunk = old }()
	for k, in := range inputs {
		p := filepath.Join(dir, fmt.Sprintf("in%d.sarif", k))
		writeFile(t, p, in)
		streamChunk = 4 << 20
		want := loadWithThreshold(t, p, 1)
		wantSum, wantErrs := summaryOf(t, want), fmt.Sprint(want.Errors)
		for _, size := range []int{1, 2, 3, 5, 8, 13, 64, 1000} {
			streamChunk = size
			got := loadWithThreshold(t, p, 1)
			if g := summaryOf(t, got); g != wantSum {
				t.Fatalf("input %d, chunks of %d bytes: findings differ\n got %s\nwant %s", k, size, g, wantSum)
			}
			if g := fmt.Sprint(got.Errors); g != wantErrs {
				t.Fatalf("input %d, chunks of %d bytes: errors differ\n got %s\nwant %s", k, size, g, wantErrs)
			}
		}
	}
}
