package findings

// The hostile-input suite, bounded reading: bombs, endless streams, huge
// tokens, deep nesting, FIFOs. Every input is generated here (nothing large
// is committed; big files are sparse or streamed). Each case loads a hostile
// input next to a good one in a child process (this test binary, re-run) and
// asserts: a clear refusal naming the file (and the limit), the good file's
// findings still loaded, and the child's peak RSS bounded.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// goodSARIF is a valid log with two findings.
const goodSARIF = `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"gosec","rules":[{"id":"G101","properties":{"security-severity":"9.8"}}]}},"results":[` +
	`{"ruleId":"G101","level":"error","message":{"text":"hard-coded credential"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"main.go"},"region":{"startLine":3}}}]},` +
	`{"ruleId":"G101","level":"error","message":{"text":"another credential"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"main.go"},"region":{"startLine":9}}}]}]}]}`

// hostileHead opens a log up to the point where a result's message string starts.
const hostileHead = `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"bomb"}},"results":[{"ruleId":"X","message":{"text":"`

// childSpec is what the child process loads.
type childSpec struct {
	Paths    []string
	Limits   Limits
	FIFOWait time.Duration
}

// childResult is what it reports.
type childResult struct {
	Findings map[string]int // per file
	Errors   []string
	Limits   []string // LoadError.Limit of each error
	Elapsed  time.Duration
}

// TestHostileChild is the child side: it runs only when re-executed by runChild.
func TestHostileChild(t *testing.T) {
	spec := os.Getenv("SECUI_HOSTILE_CHILD")
	if spec == "" {
		t.Skip("child process of the hostile-input suite")
	}
	var cs childSpec
	if err := json.Unmarshal([]byte(spec), &cs); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s, err := Load(context.Background(), cs.Paths, Options{Limits: cs.Limits, FIFOWait: cs.FIFOWait, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	res := childResult{Findings: map[string]int{}, Elapsed: time.Since(start)}
	for _, f := range s.Findings {
		res.Findings[filepath.Base(f.Sources[0].File)]++
	}
	for _, e := range s.Errors {
		res.Errors = append(res.Errors, e.Error())
		res.Limits = append(res.Limits, e.Limit)
	}
	b, _ := json.Marshal(res)
	fmt.Printf("CHILD-RESULT %s\n", b)
}

// runChild loads spec in a child process with stdin from stdin (nil: none)
// and returns its report and peak RSS in bytes.
func runChild(t *testing.T, spec childSpec, stdin io.Reader) (childResult, int64) {
	t.Helper()
	b, _ := json.Marshal(spec)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostileChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "SECUI_HOSTILE_CHILD="+string(b), "GOMAXPROCS=2")
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s\n%s", err, out.String(), errb.String())
	}
	var res childResult
	for _, line := range strings.Split(out.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "CHILD-RESULT "); ok {
			if err := json.Unmarshal([]byte(rest), &res); err != nil {
				t.Fatal(err)
			}
		}
	}
	if res.Findings == nil {
		t.Fatalf("child reported nothing:\n%s", out.String())
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = int64(ru.Maxrss) * 1024 // kilobytes on Linux
		if runtime.GOOS == "darwin" {
			rss = int64(ru.Maxrss)
		}
	}
	return res, rss
}

// rssBound is the peak RSS every hostile case must stay under: the test
// binary's own footprint plus a few chunk buffers and one maximal token —
// not the gigabytes these inputs cost before they were bounded.
const rssBound = 200 << 20

// repeatReader yields head, then body forever (or n bytes of it when n > 0).
type repeatReader struct {
	head []byte
	body []byte
	pos  int
	n    int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if len(r.head) > 0 {
		n := copy(p, r.head)
		r.head = r.head[n:]
		return n, nil
	}
	if r.n < 0 {
		return 0, io.EOF
	}
	w := 0
	for w < len(p) {
		c := copy(p[w:], r.body[r.pos:])
		w += c
		r.pos = (r.pos + c) % len(r.body)
	}
	if r.n > 0 {
		if int64(w) >= r.n {
			w = int(r.n)
			r.n = -1
			return w, nil
		}
		r.n -= int64(w)
	}
	return w, nil
}

// gzipBomb writes a .gz of head followed by copies of block (as many gzip
// members as needed for about total decompressed bytes), then tail. Members
// concatenate into one stream; compressing the block once keeps this fast.
func gzipBomb(t *testing.T, path string, head string, block []byte, copies int, tail string) {
	t.Helper()
	member := func(b []byte) []byte {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(member([]byte(head)))
	m := member(block)
	for i := 0; i < copies; i++ {
		f.Write(m)
	}
	if tail != "" {
		f.Write(member([]byte(tail)))
	}
}

// sparseFile writes head and extends the file to size with a hole (zero
// bytes that take no disk).
func sparseFile(t *testing.T, path, head string, size int64) {
	t.Helper()
	if err := os.WriteFile(path, []byte(head), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

type hostileCase struct {
	name   string
	setup  func(t *testing.T, dir string) (path string, stdin io.Reader)
	limits Limits
	want   string // in the error naming the hostile file
	limit  string // LoadError.Limit expected ("" = not a limit refusal)
}

func hostileCases() []hostileCase {
	mib := int64(1 << 20)
	aBlock := bytes.Repeat([]byte("A"), 32<<20)
	return []hostileCase{
		{
			// 8 MB on disk, 8 GB decompressed: one endless string.
			name: "gzip bomb: one huge string",
			setup: func(t *testing.T, dir string) (string, io.Reader) {
				p := filepath.Join(dir, "bomb.sarif.gz")
				gzipBomb(t, p, hostileHead, aBlock, 250, `"}}]}]}`)
				return p, nil
			},
			want: "a string longer than 16 MiB (limits.max-token)", limit: "max-token",
		},
		{
			// Whitespace compresses best of all: only the size limit stops it.
			name: "gzip bomb: whitespace past max-input",
			setup: func(t *testing.T, dir string) (string, io.Reader) {
				p := filepath.Join(dir, "spaces.sarif.gz")
				gzipBomb(t, p, `{"version":"2.1.0","runs":[`, bytes.Repeat([]byte(" "), 16<<20), 64, "]}")
				return p, nil
			},
			limits: Limits{MaxInput: 96 * mib},
			want:   "input is larger than 96 MiB once decompressed (limits.max-input)", limit: "max-input",
		},
		{
			// A few KB of gzip holding a million empty results: reported, not kept.
			name: "gzip: a million empty results",
			setup: func(t *testing.T, dir string) (string, io.Reader) {
				p := filepath.Join(dir, "empty.sarif.gz")
				body := bytes.Repeat([]byte("{},"), 100_000)
				gzipBomb(t, p, `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[`, body, 10, "{}]}]}")
				if st, _ := os.Stat(p); st.Size() > 64<<10 {
					t.Fatalf("bomb is %d bytes", st.Size())
				}
				return p, nil
			},
			limits: Limits{MaxResults: 2_000_000},
			want:   "empty result (no rule, message or location); skipped",
		},
		{
			// The same trick with results that do decode: max-results stops it.
			name: "gzip: more results than max-results",
			setup: func(t *testing.T, dir string) (string, io.Reader) {
				p := filepath.Join(dir, "many.sarif.gz")
				body := bytes.Repeat([]byte(`{"ruleId":"X","message":{"text":"m"}},`), 10_000)
				gzipBomb(t, p, `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[`, body, 100, `{"ruleId":"X"}]}]}`)
				return p, nil
			},
			limits: Limits{MaxResults: 50_000},
			want:   "more than 50000 results (limits.max-results)", limit: "max-results",
		},
		{
			name: "/dev/zero",
			setup: func(t *testing.T, dir string) (string, io.Reader) {
				if _, err := os.Stat("/dev/zero"); err != nil {
					t.Skip("no /dev/zero")
				}
				return "/dev/zero", nil
			},
			want: "not a SARIF log: expected an object, found byte 0x00",
		},
		{
			name: "endless stdin: an endless array of results",
			setup: func(t *testing.T, dir string) (string, io.Reader) {
				return "-", &repeatReader{head: []byte(`{"version":"2.1.0","runs":[{"results":[`), body: bytes.Repeat([]byte("    "), 1<<16)}
			},
			limits: Limits{MaxInput: 64 * mib},
			want:   "input is larger than 64 MiB once decompressed (limits.max-input)", limit: "max-input",
		},
		{
			name: "endless stdin: not JSON",
			setup: func(t *testing.T, dir string) (string, io.Reader) {
				return "-", &repeatReader{body: []byte("y\n")}
			},
			want: `not a SARIF log: expected an object, found 'y'`,
		},
		{
			// A sparse 1 GB file: one string of NUL bytes that never ends.
			name: "one 1 GB string (plain file, streamed)",
			setup: func(t *testing.T, dir string) (string, io.Reader) {
				p := filepath.Join(dir, "string.sarif")
				sparseFile(t, p, hostileHead, 1<<30)
				return p, nil
			},
			want: "a string longer than 16 MiB (limits.max-token)", limit: "max-token",
		},
		{
			name: "a 2 GB number on stdin",
			setup: func(t *testing.T, dir string) (string, io.Reader) {
				head := `{"version":"2.1.0","runs":[{"results":[{"ruleId":"X","locations":[{"physicalLocation":{"region":{"startLine":`
				return "-", &repeatReader{head: []byte(head), body: bytes.Repeat([]byte("9"), 1<<16), n: 2 << 30}
			},
			want: "a number or literal longer than 16 MiB (limits.max-token)", limit: "max-token",
		},
		{
			name: "a 24 MB number in a plain file (max-token 1 MiB)",
			setup: func(t *testing.T, dir string) (string, io.Reader) {
				p := filepath.Join(dir, "number.sarif")
				writeFileBytes(t, p, append([]byte(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x","version":`), bytes.Repeat([]byte("7"), 24<<20)...))
				return p, nil
			},
			limits: Limits{MaxToken: mib},
			want:   "a number or literal longer than 1 MiB (limits.max-token)", limit: "max-token",
		},
		{
			name: "deep nesting (streamed, 20M levels)",
			setup: func(t *testing.T, dir string) (string, io.Reader) {
				p := filepath.Join(dir, "deep.sarif")
				writeFileBytes(t, p, append([]byte(`{"version":"2.1.0","runs":[{"results":[{"properties":`), bytes.Repeat([]byte("["), 20<<20)...))
				return p, nil
			},
			want: "nesting deeper than 1000 levels (limits.max-depth)", limit: "max-depth",
		},
		{
			name: "deep nesting (in memory)",
			setup: func(t *testing.T, dir string) (string, io.Reader) {
				p := filepath.Join(dir, "deep-small.sarif")
				writeFileBytes(t, p, append([]byte(`{"version":"2.1.0","runs":[{"results":[{"properties":`), bytes.Repeat([]byte(`{"a":`), 5000)...))
				return p, nil
			},
			want: "nesting deeper than 1000 levels (limits.max-depth)", limit: "max-depth",
		},
		{
			name: "deep nesting in gzip",
			setup: func(t *testing.T, dir string) (string, io.Reader) {
				p := filepath.Join(dir, "deep.sarif.gz")
				gzipBomb(t, p, `{"version":"2.1.0","runs":[`, bytes.Repeat([]byte("[{\"x\":"), 4<<20), 4, "")
				return p, nil
			},
			limits: Limits{MaxDepth: 64},
			want:   "nesting deeper than 64 levels (limits.max-depth)", limit: "max-depth",
		},
	}
}

func writeFileBytes(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestHostileInputBounded(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("rusage and FIFOs")
	}
	if testing.Short() {
		// make test runs it in full; its -race -short pass would measure
		// the race detector's memory, not the loader's.
		t.Skip("child processes with RSS bounds: not in -short")
	}
	for _, c := range hostileCases() {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			good := filepath.Join(dir, "good.sarif")
			writeFile(t, good, goodSARIF)
			hostile, stdin := c.setup(t, dir)
			res, rss := runChild(t, childSpec{Paths: []string{hostile, good}, Limits: c.limits}, stdin)
			if res.Findings["good.sarif"] != 2 {
				t.Errorf("the good file beside it did not load: %v, errors %v", res.Findings, res.Errors)
			}
			name := filepath.Base(hostile)
			if hostile == "-" {
				name = "<stdin>"
			}
			found := false
			for i, e := range res.Errors {
				if strings.Contains(e, name) && strings.Contains(e, c.want) {
					found = true
					if c.limit != "" && res.Limits[i] != c.limit {
						t.Errorf("error %q: Limit = %q, want %q", e, res.Limits[i], c.limit)
					}
				}
			}
			if !found {
				t.Errorf("no error naming %s with %q; errors: %v", name, c.want, res.Errors)
			}
			for f, n := range res.Findings {
				if f != "good.sarif" && c.limit != "" {
					t.Errorf("a refused input kept %d findings (%s)", n, f)
				}
			}
			if rss == 0 || rss > rssBound {
				t.Errorf("peak RSS %d MiB, want under %d MiB", rss>>20, rssBound>>20)
			}
			t.Logf("peak RSS %d MiB, load %v (2-core shared VM, noisy)", rss>>20, res.Elapsed.Round(time.Millisecond))
		})
	}
}
