package bench_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/secui/secui/internal/testutil"
)

// TestBenchScriptKeepsGoing runs the real `make bench` script on the 10k
// file with a jq that fails: the failure is printed with its reason, in the
// table and the JSON, the other tools and the console (real binary in tmux,
// beside less) are still measured, the machine line heads the report, and
// the exit status says a step failed.
func TestBenchScriptKeepsGoing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs secui, go-sarif and the console in tmux")
	}
	for _, tool := range []string{"jq", "tmux", "less", "/usr/bin/time"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	root := testutil.ModuleRoot(t)
	shared := testutil.SharedDir(t)
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "secui")
	if out, err := exec.Command("go", "build", "-o", bin, filepath.Join(root, "cmd", "secui")).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	realJQ, _ := exec.LookPath("jq")
	fake := filepath.Join(tmp, "fakebin")
	os.MkdirAll(fake, 0o755)
	script := "#!/bin/sh\ncase \"$*\" in *'.runs[]'*) echo 'jq: error: simulated failure' >&2; exit 2;; esac\nexec " + realJQ + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(fake, "jq"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	jsonPath := filepath.Join(tmp, "bench.json")
	cmd := exec.Command(filepath.Join(root, "internal", "bench", "bench.sh"))
	cmd.Env = append(os.Environ(),
		"PATH="+fake+string(os.PathListSeparator)+os.Getenv("PATH"),
		"BIN="+bin, "SHARED="+shared, "BENCH_DIR="+filepath.Join(tmp, "work"), "BENCH_JSON="+jsonPath,
		"BENCH_SIZES=10000", "BENCH_RUNS=1", "BENCH_LEDGER=0", "BENCH_GO=0")
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("bench.sh: want exit status 1 (a step failed), got %v\n%s", err, out)
	}
	report, err := os.ReadFile(filepath.Join(tmp, "work", "report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimLeft(string(report), "\n"), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "secui bench — ") || !strings.HasPrefix(lines[1], "machine: ") ||
		!strings.Contains(lines[1], "cores") || !strings.Contains(lines[1], "go1.") || !strings.Contains(lines[1], "load average") {
		t.Errorf("report does not start with the machine line:\n%s", report)
	}
	for _, want := range []string{"FAILED: jq 10k run 1: jq exited: jq: error: simulated failure", "  secui summary ", "  go-sarif sarif.Open ",
		"  secui / go-sarif ", "  less, 10k lines ", "1st row <= 0.2 s", "skipped: the ledger figures (BENCH_LEDGER=0)"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(string(report), "secui / jq") {
		t.Errorf("a ratio to jq without a jq figure:\n%s", report)
	}

	var got struct {
		Cores   int
		Figures []struct {
			Section, Row, Metric, Unit string
			Value                      any
		}
		Targets []struct {
			Section, Row, Target, Verdict string
			Value, Limit                  any
		}
		Failures []string
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("BENCH_JSON: %v\n%s", err, data)
	}
	if got.Cores < 1 {
		t.Errorf("cores = %d", got.Cores)
	}
	fig := map[string]float64{}
	for _, f := range got.Figures {
		if v, ok := f.Value.(float64); ok {
			fig[f.Section+"/"+f.Row+"/"+f.Metric] = v
		}
	}
	for _, k := range []string{"load/secui 10k/wall", "load/secui 10k/cpu", "load/secui 10k/rss", "load/gosarif 10k/cpu",
		"load/secui/go-sarif 10k/cpu", "console/secui 10k/first_frame", "console/secui 10k/first_row",
		"console/secui 10k/all_rows", "console/secui 10k/keys200", "console/secui 10k/less200", "console/secui/less 10k/keys200"} {
		if fig[k] <= 0 {
			t.Errorf("figure %s = %v, want > 0 (figures: %v)", k, fig[k], fig)
		}
	}
	if _, ok := fig["load/jq 10k/cpu"]; ok {
		t.Errorf("a jq figure from a jq that failed")
	}
	if fig["console/secui 10k/first_row"] < fig["console/secui 10k/first_frame"] ||
		fig["console/secui 10k/all_rows"] < fig["console/secui 10k/first_row"] {
		t.Errorf("console times out of order: %v", fig)
	}
	if len(got.Targets) != 1 || got.Targets[0].Target != "1st row" || (got.Targets[0].Verdict != "pass" && got.Targets[0].Verdict != "miss") {
		t.Errorf("targets: %+v", got.Targets)
	}
	if len(got.Targets) == 1 {
		v, _ := got.Targets[0].Value.(float64)
		if want := map[bool]string{true: "pass", false: "miss"}[v <= 0.2]; got.Targets[0].Verdict != want || v != fig["console/secui 10k/first_row"] {
			t.Errorf("1st row %v against 0.2 s: verdict %q, want %q", v, got.Targets[0].Verdict, want)
		}
	}
	if len(got.Failures) != 2 || !strings.Contains(got.Failures[0], "simulated failure") {
		t.Errorf("failures: %q", got.Failures)
	}
}

// TestBenchLedgerRows feeds the script's ledger section the output of a
// BenchmarkLedger100k with a second format (sub-benchmarks with a suffix,
// summary metrics with a prefix): every variant gets its own rows and
// targets, open+apply is not confused with open+apply-sharded, and the
// verdicts follow the figures.
func TestBenchLedgerRows(t *testing.T) {
	if _, err := exec.LookPath("jq"); err != nil {
		t.Skip("jq not installed")
	}
	root := testutil.ModuleRoot(t)
	tmp := t.TempDir()
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not in PATH")
	}
	out := `goos: linux
pkg: github.com/secui/secui/cmd/secui
BenchmarkLedger100k/open+apply-2         	       3	4456000000 ns/op	      1916 cpu-ms/op	        67.19 file-MB	      5459 in-review
BenchmarkLedger100k/decide-one-2         	       3	 288000000 ns/op	       74.0 cpu-ms/op
BenchmarkLedger100k/open+apply-sharded-2 	       3	 250000000 ns/op	       200 cpu-ms/op	      5459 in-review
BenchmarkLedger100k/decide-one-sharded-2 	       3	  50000000 ns/op	       30.0 cpu-ms/op
BenchmarkLedger100k/summary-rss-2        	       1	33389709334 ns/op	         2.266 RSS-ratio	       443.3 ledger-RSS-MB	         5.720 ledger-cpu-s	       195.6 noledger-RSS-MB	         2.850 noledger-cpu-s	       250.0 sharded-RSS-MB	         1.278 sharded-RSS-ratio	         3.100 sharded-cpu-s
PASS
`
	os.WriteFile(filepath.Join(tmp, "ledger.txt"), []byte(out), 0o644)
	fakeGo := filepath.Join(tmp, "go")
	script := "#!/bin/sh\ncase \"$*\" in *BenchmarkLedger100k*) cat " + filepath.Join(tmp, "ledger.txt") + "; exit 0;; esac\nexec " + realGo + " \"$@\"\n"
	if err := os.WriteFile(fakeGo, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	jsonPath := filepath.Join(tmp, "bench.json")
	cmd := exec.Command(filepath.Join(root, "internal", "bench", "bench.sh"))
	cmd.Env = append(os.Environ(), "GO="+fakeGo, "BIN=/bin/true", "BENCH_SIZES= ", "BENCH_GO=0",
		"BENCH_DIR="+filepath.Join(tmp, "work"), "BENCH_JSON="+jsonPath)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bench.sh: %v\n%s", err, b)
	}
	report, _ := os.ReadFile(filepath.Join(tmp, "work", "report.txt"))
	for _, re := range []string{
		`open \+ apply +4\.456 +1\.916 +open\+apply <= 0\.3 s +miss\n`,
		`one decision written +0\.288 +0\.074 +one decision <= 0\.2 s +miss \(CPU 0\.074 s within\)\n`,
		`open \+ apply \(sharded\) +0\.250 +0\.200 +open\+apply <= 0\.3 s +pass\n`,
		`one decision written \(sharded\) +0\.050 +0\.030 +one decision <= 0\.2 s +pass\n`,
		`secui summary, no ledger +2\.850 +195\.6\n`,
		`secui summary, ledger +5\.720 +443\.3\n +with / without +2\.01 +2\.266 +RSS with/without <= 1\.5x +miss\n`,
		`secui summary, ledger \(sharded\) +3\.100 +250\.0\n +with / without +1\.09 +1\.278 +RSS with/without <= 1\.5x +pass\n`,
		`ledger file 67\.19 MB; decisions left to review after matching: 5459\n`,
		`targets \(issue 12\): 3 pass, 3 miss`,
	} {
		if !regexp.MustCompile(re).Match(report) {
			t.Errorf("report lacks %s:\n%s", re, report)
		}
	}
	var got struct {
		Targets []struct{ Row, Verdict string }
	}
	data, _ := os.ReadFile(jsonPath)
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("BENCH_JSON: %v\n%s", err, data)
	}
	verdicts := map[string]string{}
	for _, tg := range got.Targets {
		verdicts[tg.Row] = tg.Verdict
	}
	want := map[string]string{"open+apply": "miss", "decide-one": "miss", "open+apply-sharded": "pass", "decide-one-sharded": "pass",
		"summary with/without ledger": "miss", "summary with/without ledger (sharded)": "pass"}
	if len(verdicts) != len(want) {
		t.Errorf("targets %v, want %v", verdicts, want)
	}
	for k, v := range want {
		if verdicts[k] != v {
			t.Errorf("target %s: %q, want %q", k, verdicts[k], v)
		}
	}
}
