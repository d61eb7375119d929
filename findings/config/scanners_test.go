package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestScannersValues(t *testing.T) {
	isolate(t)
	f := write(t, filepath.Join(t.TempDir(), ".secui.yaml"), `scanners:
  - name: gosec
    stage: code
    run: [gosec, -fmt, sarif, -no-fail, ./...]
  - name: trivy-image
    stage: [build, release]
    run: [trivy, image, --format, sarif, acme/payments:latest]
    output: build/trivy.sarif
    results: scans/trivy-image.sarif
    timeout: 90s
    dir: ./services/api/
    paths: ["**/*.go", Dockerfile]
    env: {TRIVY_OFFLINE: "true"}
    exit-codes: [0, 1]
    partial-on: ["has type errors"]
    install: apt-get install trivy
`)
	c, err := LoadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Scanners) != 2 {
		t.Fatalf("scanners = %+v", c.Scanners)
	}
	g := c.Scanners[0]
	if g.Name != "gosec" || !reflect.DeepEqual(g.Stages, []string{"code"}) || g.Timeout != DefaultTimeout ||
		!reflect.DeepEqual(g.ExitCodes, []int{0}) || g.ResultsPath() != ".secui/scans/gosec.sarif" ||
		g.RecordPath() != ".secui/scans/gosec.json" || g.Dir != "" || g.Output != "" || !strings.HasSuffix(g.Origin, ".secui.yaml:2") {
		t.Errorf("gosec = %+v", g)
	}
	tr := c.Scanners[1]
	want := Scanner{Name: "trivy-image", Stages: []string{"build", "release"}, Run: []string{"trivy", "image", "--format", "sarif", "acme/payments:latest"},
		Output: "build/trivy.sarif", Results: "scans/trivy-image.sarif", Timeout: 90 * time.Second, Dir: "services/api",
		Paths: []string{"**/*.go", "Dockerfile"}, Env: map[string]string{"TRIVY_OFFLINE": "true"}, ExitCodes: []int{0, 1},
		PartialOn: []string{"has type errors"}, Install: "apt-get install trivy", Origin: tr.Origin}
	if !reflect.DeepEqual(tr, want) {
		t.Errorf("trivy-image =\n %+v\nwant\n %+v", tr, want)
	}
	if c.Scanner("GOSEC") != &c.Scanners[0] || c.Scanner("nope") != nil {
		t.Error("Scanner lookup")
	}
	if got := c.StoredResults(); !reflect.DeepEqual(got, []string{".secui/scans/gosec.sarif", "scans/trivy-image.sarif"}) {
		t.Errorf("StoredResults = %v", got)
	}
	if got := c.ScratchOutputs(); !reflect.DeepEqual(got, []string{"build/trivy.sarif"}) {
		t.Errorf("ScratchOutputs = %v", got)
	}
}

func TestScannersErrors(t *testing.T) {
	isolate(t)
	cases := []struct{ name, yaml, want string }{
		{"not a list", "scanners: {a: 1}\n", `1:11: scanners: want a list of scanners`},
		{"missing run", "scanners:\n  - name: gosec\n    stage: code\n", `2:5: scanners[0]: missing run`},
		{"shell string", "scanners:\n  - name: gosec\n    stage: code\n    run: gosec ./... | tee x\n", `4:10: scanners[0].run: want a list: the program and its arguments`},
		{"empty argv", "scanners:\n  - name: gosec\n    stage: code\n    run: []\n", `4:10: scanners[0].run: empty command`},
		{"bad stage", "scanners:\n  - name: gosec\n    stage: cod\n    run: [gosec]\n", `3:12: scanners[0].stage: unknown stage "cod"`},
		{"bad name", "scanners:\n  - name: Go Sec\n    stage: code\n    run: [gosec]\n", `2:11: scanners[0].name: bad scanner name "Go Sec"`},
		{"dup name", "scanners:\n  - {name: a, stage: code, run: [x]}\n  - {name: a, stage: code, run: [y]}\n", `3:12: scanners[1].name: duplicate scanner name "a"`},
		{"timeout", "scanners:\n  - {name: a, stage: code, run: [x], timeout: 10}\n", `2:47: scanners[0].timeout: bad duration "10"`},
		{"output escape", "scanners:\n  - {name: a, stage: code, run: [x], output: ../x.sarif}\n", `scanners[0].output: output "../x.sarif" must stay inside the repository`},
		{"output in git", "scanners:\n  - {name: a, stage: code, run: [x], output: .git/x.sarif}\n", `must not be inside .git`},
		{"results ext", "scanners:\n  - {name: a, stage: code, run: [x], results: scans/a.txt}\n", `must end in .sarif`},
		{"exit code", "scanners:\n  - {name: a, stage: code, run: [x], exit-codes: [0, 300]}\n", `scanners[0].exit-codes[1]: bad exit code "300"`},
		{"regexp", "scanners:\n  - {name: a, stage: code, run: [x], partial-on: [\"(\"]}\n", `scanners[0].partial-on[0]: bad regular expression`},
		{"unknown key", "scanners:\n  - {name: a, stage: code, run: [x], timeuot: 1m}\n", `scanners[0].timeuot: unknown key "timeuot"; did you mean "timeout"?`},
		{"output is results", "scanners:\n  - {name: a, stage: code, run: [x], output: .secui/scans/a.sarif}\n", `scanners[0].output: output ".secui/scans/a.sarif" is a file secui keeps`},
		{"output is ledger", "scanners:\n  - {name: a, stage: code, run: [x], output: .secui/ledger.yaml}\n", `is a file secui keeps`},
		{"same results", "scanners:\n  - {name: a, stage: code, run: [x], results: s.sarif}\n  - {name: b, stage: code, run: [x], results: s.sarif}\n", `stores its results in s.sarif like scanner "a"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := write(t, filepath.Join(t.TempDir(), ".secui.yaml"), tc.yaml)
			_, err := LoadFile(f)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v\nwant it to contain %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), f+":") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}
