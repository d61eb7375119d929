package sarifmeta

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/internal/testutil"
)

// Real gosec output (the demo's committed run): tool, version, result count.
func TestReadRealGosec(t *testing.T) {
	f, err := os.Open(filepath.Join(testutil.ModuleRoot(t), "demo", "scans", "gosec.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lg, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if lg.Version != "2.1.0" || len(lg.Runs) != 1 {
		t.Fatalf("log = %+v", lg)
	}
	r := lg.Runs[0]
	if r.Tool != "gosec" || r.Results != 10 || !r.Successful() || !r.LastRun().IsZero() {
		t.Errorf("run = %+v", r)
	}
}

func TestReadMetadata(t *testing.T) {
	doc := `{"$schema":"x","version":"2.1.0","runs":[
	 {"tool":{"driver":{"name":"CodeQL","semanticVersion":"2.19.0","rules":[{"id":"a"}]}},
	  "originalUriBaseIds":{"SRC":{"uri":"file:///work/repo/"},"SUB":{"uri":"pkg/","uriBaseId":"SRC"}},
	  "artifacts":[{"location":{"uri":"main.go","uriBaseId":"SRC"}},{"location":{"uri":"a%20b.go","uriBaseId":"SUB"}},
	    {"location":{"uri":"file:///work/repo/x/y.go"}},{"location":{"uri":"file:///etc/passwd"}},{"location":{"uri":"../up.go"}},{"location":{"uri":"../../out.go"}},
	    {"location":{"uri":"https://example.com/z.go"}},{"location":{"uri":".git/config"}},{"location":{"uri":"rel.go"}}],
	  "invocations":[{"executionSuccessful":true,"startTimeUtc":"2026-03-01T10:00:00Z","endTimeUtc":"2026-03-01T10:05:00.5Z"}],
	  "versionControlProvenance":[{"repositoryUri":"r","revisionId":"abc123"}],
	  "results":[{"ruleId":"a"},{"ruleId":"b","message":{"text":"]}"}}]},
	 {"tool":{"driver":{"name":"t2","version":"1"}},"results":null,
	  "invocations":[{"executionSuccessful":false,"exitCode":2,"toolExecutionNotifications":[{"level":"warning","message":{"text":"w"}},{"level":"error","message":{"text":"boom"}}]}]}
	]}`
	lg, err := Read(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	r := lg.Runs[0]
	if r.Tool != "CodeQL" || r.ToolVersion() != "2.19.0" || r.Results != 2 || r.RevisionID != "abc123" || !r.Successful() {
		t.Errorf("run 0 = %+v", r)
	}
	if want := time.Date(2026, 3, 1, 10, 5, 0, 5e8, time.UTC); !r.LastRun().Equal(want) {
		t.Errorf("LastRun = %v, want %v", r.LastRun(), want)
	}
	got := r.RepoPaths("/work/repo", "svc")
	want := []string{"main.go", "pkg/a b.go", "x/y.go", "up.go", "svc/rel.go"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RepoPaths = %q, want %q", got, want)
	}
	r2 := lg.Runs[1]
	if r2.Successful() || r2.Results != 0 || r2.Invocations[0].Errors != 1 || r2.Invocations[0].FirstError != "boom" || *r2.Invocations[0].ExitCode != 2 {
		t.Errorf("run 1 = %+v", r2)
	}
}

func TestReadErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`[]`, "must be a JSON object"},
		{`{"runs": {}}`, "runs must be an array"},
		{`{"runs": [1]}`, "a run must be an object"},
		{`{"runs": [{"results": 5}]}`, "results must be an array"},
		{`{"runs": [{"tool": []}]}`, "tool:"},
		{`{"runs": [{"results": [1,`, "offset"},
		{`not json`, "offset"},
	} {
		if _, err := Read(strings.NewReader(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Read(%q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}

// Results are skipped, not decoded: a large log is read in bounded memory.
func BenchmarkReadLargeLog(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"big"}},"results":[`)
	for i := 0; i < 100000; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"ruleId":"R1","message":{"text":"a finding with some text"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/file.go"},"region":{"startLine":12}}}]}`)
	}
	sb.WriteString(`]}]}`)
	doc := sb.String()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		lg, err := Read(strings.NewReader(doc))
		if err != nil || lg.Runs[0].Results != 100000 {
			b.Fatal(err)
		}
	}
}
