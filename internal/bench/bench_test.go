package bench_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
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
