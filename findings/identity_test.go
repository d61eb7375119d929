package findings

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"hash/fnv"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sarifFor builds a SARIF log for one tool with results given as
// (rule, uri, line, message, snippet) rows, without fingerprints, the way
// gosec or Semgrep emit them.
type row struct {
	rule, uri string
	line      int
	msg       string
	snippet   string
}

func sarifFor(tool string, rows []row, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":%q,"rules":[{"id":"G101","properties":{"tags":["security","CWE-798"],"security-severity":"7.5"}}]}},%s"results":[`, tool, extra)
	for i, r := range rows {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"ruleId":%q,"level":"error","message":{"text":%q},"locations":[{"physicalLocation":{"artifactLocation":{"uri":%q},"region":{"startLine":%d,"snippet":{"text":%q}}}}]}`, r.rule, r.msg, r.uri, r.line, r.snippet)
	}
	b.WriteString("]}]}")
	return b.String()
}

const goSrc = `package main

import "fmt"

func main() {
	password := "hunter2"
	fmt.Println(password)
	password := "hunter2"
}
`

func TestIdentitySurvivesInsertedLines(t *testing.T) {
	repo := gitRepo(t)
	writeFile(t, filepath.Join(repo, "cmd/app/main.go"), goSrc)
	git(t, repo, "add", ".")
	git(t, repo, "commit", "-qm", "init")
	scan := filepath.Join(repo, "scan.sarif")
	writeFile(t, scan, sarifFor("gosec", []row{
		{"G101", "cmd/app/main.go", 6, "Potential hardcoded credentials", `password := "hunter2"`},
		{"G101", "cmd/app/main.go", 8, "Potential hardcoded credentials", `password := "hunter2"`},
	}, ""))
	s1 := mustLoad(t, []string{scan}, Options{Root: repo})
	if len(s1.Findings) != 2 {
		t.Fatalf("findings = %d", len(s1.Findings))
	}
	a, b := s1.Findings[0], s1.Findings[1]
	if a.ID == b.ID {
		t.Fatalf("two identical findings at two places share ID %s", a.ID)
	}
	if a.IDLayer != LayerContent {
		t.Errorf("layer = %s, want content", a.IDLayer)
	}

	// Insert lines above both findings; the scanner now reports lines 9 and 11.
	writeFile(t, filepath.Join(repo, "cmd/app/main.go"), "// Copyright\n// SPDX-License-Identifier: MIT\n\n"+goSrc)
	writeFile(t, scan, sarifFor("gosec", []row{
		{"G101", "cmd/app/main.go", 9, "Potential hardcoded credentials", `password := "hunter2"`},
		{"G101", "cmd/app/main.go", 11, "Potential hardcoded credentials", `password := "hunter2"`},
	}, ""))
	s2 := mustLoad(t, []string{scan}, Options{Root: repo})
	if s2.Findings[0].ID != a.ID || s2.Findings[1].ID != b.ID {
		t.Errorf("IDs changed after inserting lines: %s,%s -> %s,%s", a.ID, b.ID, s2.Findings[0].ID, s2.Findings[1].ID)
	}
}

func TestIdentityWithoutWorkingTree(t *testing.T) {
	dir := t.TempDir()
	scan := filepath.Join(dir, "scan.sarif")
	writeFile(t, scan, sarifFor("gosec", []row{
		{"G101", "a.go", 6, "Potential hardcoded credentials on line 6", "x"},
		{"G101", "a.go", 8, "Potential hardcoded credentials on line 8", "x"},
	}, ""))
	s1 := mustLoad(t, []string{scan}, Options{})
	if s1.Findings[0].ID == s1.Findings[1].ID || s1.Findings[0].IDLayer != LayerFallback {
		t.Fatalf("fallback IDs: %s %s (%s)", s1.Findings[0].ID, s1.Findings[1].ID, s1.Findings[0].IDLayer)
	}
	// Without the file there is no evidence of the code, so the fallback ID
	// includes the position: a label only (decisions are placed by the
	// matcher on evidence, never on a weak ID). Line numbers in messages are
	// ignored.
	writeFile(t, scan, sarifFor("gosec", []row{
		{"G101", "a.go", 6, "Potential hardcoded credentials on line 16", "x"},
		{"G101", "a.go", 8, "Potential hardcoded credentials on line 18", "x"},
	}, ""))
	s2 := mustLoad(t, []string{scan}, Options{})
	if s2.Findings[0].ID != s1.Findings[0].ID || s2.Findings[1].ID != s1.Findings[1].ID {
		t.Error("fallback IDs changed with the line numbers quoted in messages")
	}
}

func TestIdentitySameCVEFromTwoTools(t *testing.T) {
	repo := gitRepo(t)
	writeFile(t, filepath.Join(repo, "go.mod"), "module example.com/app\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.7\n")
	trivy := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Trivy","rules":[{"id":"CVE-2022-32149","name":"LanguageSpecificPackageVulnerability","properties":{"tags":["vulnerability","security","HIGH"],"security-severity":"7.5"}}]}},"results":[{"ruleId":"CVE-2022-32149","ruleIndex":0,"level":"error","message":{"text":"Package: golang.org/x/text\nInstalled Version: v0.3.7\nVulnerability CVE-2022-32149\nSeverity: HIGH\nFixed Version: 0.3.8"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"go.mod","uriBaseId":"ROOTPATH"},"region":{"startLine":5}}}]}],"originalUriBaseIds":{"ROOTPATH":{"uri":"file:///home/runner/work/app/app/"}}}]}`
	grype := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"grype","rules":[{"id":"CVE-2022-32149-golang.org/x/text","properties":{"security-severity":"7.5"}}]}},"results":[{"ruleId":"CVE-2022-32149-golang.org/x/text","message":{"text":"A high vulnerability in go-module package: golang.org/x/text, version v0.3.7 was found at: /go.mod"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"file:///tmp/build/go.mod"},"region":{"startLine":1}}}]}]}]}`
	writeFile(t, filepath.Join(repo, "trivy.sarif"), trivy)
	writeFile(t, filepath.Join(repo, "grype.sarif"), grype)
	s := mustLoad(t, []string{filepath.Join(repo, "trivy.sarif"), filepath.Join(repo, "grype.sarif")}, Options{Root: repo})
	if len(s.Findings) != 1 {
		for _, f := range s.Findings {
			t.Logf("%s %s %s %s %q %q %s", f.ID, f.IDLayer, f.ToolName(), f.Category, f.VulnID, f.Package, f.Loc)
		}
		t.Fatalf("findings = %d, want 1 merged finding", len(s.Findings))
	}
	f := s.Findings[0]
	if len(f.Sources) != 2 || f.Sources[0].Tool.Name == f.Sources[1].Tool.Name {
		t.Errorf("sources = %+v, want one from each tool", f.Sources)
	}
	if f.IDLayer != LayerVuln || f.Category != CatSCA || f.Loc.Path != "go.mod" {
		t.Errorf("merged finding: layer %s cat %s loc %s", f.IDLayer, f.Category, f.Loc)
	}
}

func TestPathMapping(t *testing.T) {
	repo := gitRepo(t)
	writeFile(t, filepath.Join(repo, "internal/auth/login.go"), "package auth\n")
	log := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"CodeQL"}},
	"originalUriBaseIds":{"SRCROOT":{"uri":"file:///github/workspace/"}},
	"artifacts":[{"location":{"uri":"web/app.js","uriBaseId":"SRCROOT"}}],
	"results":[
	 {"ruleId":"a","message":{"text":"abs from CI"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"file:///home/runner/work/x/x/internal/auth/login.go"},"region":{"startLine":1}}}]},
	 {"ruleId":"b","message":{"text":"base id"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"internal/auth/login.go","uriBaseId":"SRCROOT"},"region":{"startLine":1}}}]},
	 {"ruleId":"c","message":{"text":"escape"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"../../etc/passwd"},"region":{"startLine":1}}}]},
	 {"ruleId":"d","message":{"text":"artifact index"},"locations":[{"physicalLocation":{"artifactLocation":{"index":0},"region":{"startLine":3}}}]},
	 {"ruleId":"e","message":{"text":"spaces"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"docs/my%20file.md"}}}]},
	 {"ruleId":"f","message":{"text":"other scheme"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"https://example.com/x.js"}}}]}
	]}]}`
	writeFile(t, filepath.Join(repo, "scan.sarif"), log)
	s := mustLoad(t, []string{filepath.Join(repo, "scan.sarif")}, Options{Root: repo})
	want := map[string]struct {
		path   string
		inRepo bool
	}{
		"a": {"internal/auth/login.go", true},
		"b": {"internal/auth/login.go", true},
		"c": {"../../etc/passwd", false},
		"d": {"web/app.js", true},
		"e": {"docs/my file.md", true},
		"f": {"https://example.com/x.js", false},
	}
	for _, f := range s.Findings {
		w := want[f.RuleID()]
		if f.Loc.Path != w.path || f.Loc.InRepo != w.inRepo {
			t.Errorf("rule %s: path %q inRepo %v, want %q %v", f.RuleID(), f.Loc.Path, f.Loc.InRepo, w.path, w.inRepo)
		}
	}
}

func TestMessagesLevelsAndKinds(t *testing.T) {
	log := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x","rules":[
	  {"id":"R0","messageStrings":{"m":{"text":"Value {0} flows to {1}."}},"defaultConfiguration":{"level":"error"}},
	  {"id":"R1"}]}},
	"results":[
	 {"ruleIndex":0,"message":{"id":"m","arguments":["q","[sink](2)"]}},
	 {"ruleId":"R1","message":{"text":"See [the docs](https://x) and \\[literal\\] \u001b[31mred\u001b]52;c;aGk=\u0007"}},
	 {"ruleId":"R1","kind":"pass","message":{"text":"passed"}},
	 {"ruleId":"R1","kind":"notApplicable","message":{"text":"n/a"}},
	 {"ruleId":"R1","kind":"review","message":{"text":"look"}}
	]}]}`
	p := filepath.Join(t.TempDir(), "x.sarif")
	writeFile(t, p, log)
	s := mustLoad(t, []string{p}, Options{})
	if len(s.Findings) != 3 {
		t.Fatalf("findings = %d, want 3 (pass and notApplicable are not findings)", len(s.Findings))
	}
	f0, f1, f2 := s.Findings[0], s.Findings[1], s.Findings[2]
	if f0.RuleID() != "R0" || f0.Message != "Value q flows to sink." || f0.Level != "error" || f0.Severity != SevHigh {
		t.Errorf("ruleIndex without ruleId / messageStrings / default level: %s %q %s %s", f0.RuleID(), f0.Message, f0.Level, f0.Severity)
	}
	if f1.Message != "See the docs and [literal] red" || f1.Level != "warning" || f1.Severity != SevMedium {
		t.Errorf("message %q level %s sev %s", f1.Message, f1.Level, f1.Severity)
	}
	if f2.Level != "none" || f2.Severity != SevInfo {
		t.Errorf("kind review: level %s sev %s", f2.Level, f2.Severity)
	}
}

func TestSecuritySeverityThresholds(t *testing.T) {
	for v, want := range map[float64]Severity{10: SevCritical, 9.0: SevCritical, 8.9: SevHigh, 7.0: SevHigh, 6.9: SevMedium, 4.0: SevMedium, 3.9: SevLow, 0.1: SevLow, 0: SevInfo} {
		if got := cvssSeverity(v); got != want {
			t.Errorf("cvssSeverity(%v) = %s, want %s", v, got, want)
		}
	}
}

// Expected values from github/codeql-action's fingerprint tests.
func TestLineHashesMatchCodeQLAction(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", []string{"c129715d7a2bc9a3:1"}},
		{" a\nb\n  \t\tc\n d", []string{"271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"}},
		{" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End", []string{"8b7cf3e952e7aeb2:1", "b1ae1287ec4718d9:1", "bff680108adb0fcc:1", "c6805c5e1288b612:1", "b86d3392aea1be30:1", "e6ceba753e1a442:1"}},
		{" hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n", []string{"e9496ae3ebfced30:1", "fb7c023a8b9ccb3f:1", "ce8ba1a563dcdaca:1", "e20e36e16fcb0cc8:1", "b3edc88f2938467e:1", "c8e28b0b4002a3a0:1", "c129715d7a2bc9a3:1"}},
		{" hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r", []string{"e9496ae3ebfced30:1", "fb7c023a8b9ccb3f:1", "ce8ba1a563dcdaca:1", "e20e36e16fcb0cc8:1", "b3edc88f2938467e:1", "c8e28b0b4002a3a0:1", "c129715d7a2bc9a3:1"}},
		{strings.Repeat("Lorem ipsum dolor sit amet.\n", 10), []string{"a7f2ff13bc495cf2:1", "a7f2ff13bc495cf2:2", "a7f2ff13bc495cf2:3", "a7f2ff13bc495cf2:4", "a7f2ff13bc495cf2:5", "a7f2ff13bc495cf2:6", "a7f2ff1481e87703:1", "a9cf91f7bbf1862b:1", "55ec222b86bcae53:1", "cc97dc7b1d7d8f7b:1", "c129715d7a2bc9a3:1"}},
	}
	for _, c := range cases {
		got := LineHashes([]byte(c.in))
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("LineHashes(%q) =\n %v\nwant\n %v", c.in, got, c.want)
		}
	}
}

func TestGzipAndBOM(t *testing.T) {
	data, err := os.ReadFile(corpus(t, "microsoft-sarif-sdk/elfie-arriba-utf8-bom.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	p := filepath.Join(t.TempDir(), "scan.sarif.gz")
	writeFile(t, p, buf.String())
	s := mustLoad(t, []string{p}, Options{})
	if len(s.Findings) != 5 || len(s.Errors) != 0 {
		t.Fatalf("gz: %d findings, errors %v", len(s.Findings), s.Errors)
	}
	if _, err := s.Details(s.Findings[0]); err != nil {
		t.Errorf("details from a gz source: %v", err)
	}
}

func TestDiscover(t *testing.T) {
	repo := gitRepo(t)
	for _, p := range []string{"scans/a.sarif", "b.sarif.json", "deep/x/c.sarif.gz", "node_modules/pkg/d.sarif", "vendor/e.sarif", ".git/f.sarif", "notes.json"} {
		writeFile(t, filepath.Join(repo, p), "{}")
	}
	got, err := Discover(repo, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var rel []string
	for _, g := range got {
		r, _ := filepath.Rel(repo, g)
		rel = append(rel, filepath.ToSlash(r))
	}
	if strings.Join(rel, ",") != "b.sarif.json,deep/x/c.sarif.gz,scans/a.sarif" {
		t.Errorf("discovered %v", rel)
	}
}

func TestStageOverrides(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.sarif")
	writeFile(t, p, sarifFor("gosec", []row{{"G101", "deploy/k8s/a.go", 1, "m", ""}, {"G101", "cmd/a.go", 1, "m", ""}}, ""))
	iac := CatIaC
	s := mustLoad(t, []string{p}, Options{Overrides: []StageOverride{{Path: "deploy/**", Stage: StageDeploy, SetCat: &iac, Origin: ".secui.yaml:4"}}})
	if f := s.Findings[0]; f.Stage != StageDeploy || f.Category != CatIaC || f.StageReason != "override .secui.yaml:4" {
		t.Errorf("override: %s/%s %q", f.Category, f.Stage, f.StageReason)
	}
	if f := s.Findings[1]; f.Stage != StageCode || f.Category != CatSAST {
		t.Errorf("not overridden: %s/%s %q", f.Category, f.Stage, f.StageReason)
	}
}

func TestInlineFNVMatchesStdlib(t *testing.T) {
	msgs := []string{"", "  Value 12 flows\tto  line 3 \n", "abc", "x 1 2 3  ", "ünïcode 42"}
	for _, m := range msgs {
		h := fnv.New64a()
		for _, p := range []string{"tool", m} {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
		if got := uint64(fnvOffset.part("tool").part(m)); got != h.Sum64() {
			t.Errorf("part(%q) = %x, want %x", m, got, h.Sum64())
		}
		n := fnv.New64a()
		n.Write([]byte(normMessage(m)))
		n.Write([]byte{0})
		if got := uint64(fnvOffset.normPart(m)); got != n.Sum64() {
			t.Errorf("normPart(%q) = %x, want %x (norm %q)", m, got, n.Sum64(), normMessage(m))
		}
	}
	// Random messages over the bytes normalisation treats apart (digits,
	// the four spaces, bytes next to them, multi-byte text).
	r := rand.New(rand.NewSource(12))
	alphabet := []byte("09 \t\n\r/:a#Z\x00\x1f\x7f\xc3\xa9\xff")
	for n := 0; n < 20000; n++ {
		b := make([]byte, r.Intn(40))
		for i := range b {
			b[i] = alphabet[r.Intn(len(alphabet))]
		}
		m := string(b)
		h := fnv.New64a()
		h.Write([]byte(normMessage(m)))
		h.Write([]byte{0})
		if got := uint64(fnvOffset.normPart(m)); got != h.Sum64() {
			t.Fatalf("normPart(%q) = %x, want %x (norm %q)", m, got, h.Sum64(), normMessage(m))
		}
	}
	if k := hashKey("partial", "a", "b"); len(k) != len("partial:")+16 || !strings.HasPrefix(k, "partial:") {
		t.Errorf("hashKey = %q", k)
	}
}

func TestSanitize(t *testing.T) {
	in := "a\tb\nc\x1b[31mred\x1b]52;c;aGk=\x07 \u202etxt.exe\r\x00\u0085end"
	if got, want := Sanitize(in), "a\tb\ncred txt.exeend"; got != want {
		t.Errorf("Sanitize = %q, want %q", got, want)
	}
	if got, want := SanitizeText(in), "a    b\ncred txt.exeend"; got != want {
		t.Errorf("SanitizeText = %q, want %q", got, want)
	}
	if got, want := SanitizeLine(in), "a b cred txt.exe  end"; got != want {
		t.Errorf("SanitizeLine = %q, want %q", got, want)
	}
	if s := "plain text, ünïcode"; Sanitize(s) != s {
		t.Error("clean text changed")
	}
}
