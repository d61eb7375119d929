package findings

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/secui/secui/internal/testutil"
)

// fastDecodeEdges are results on the edges of the hand-written decoder: each
// must decode exactly as json v2 does, or be left to it.
var fastDecodeEdges = []string{
	`{}`, ` { } `, `{"RuleId":"x"}`, `{"locations":[]}`, `{"locations":null}`, `{"locations":[null,{}]}`,
	`{"properties":{"tags":[]}}`, `{"properties":{"tags":["a",null]}}`, `{"properties":null}`,
	`{"taxa":[{}]}`, `{"taxa":[{"id":"CWE-79","toolComponent":{"name":"CWE","index":2,"guid":"g"}}]}`,
	`{"ruleIndex":1.0}`, `{"ruleIndex":1e2}`, `{"ruleIndex":-0}`, `{"ruleIndex":-12}`, `{"ruleIndex":"1"}`,
	`{"ruleIndex":99999999999999999999}`, `{"ruleIndex":01}`, `{"ruleIndex":-}`, `{"ruleIndex":null}`,
	`{"message":{"arguments":[]}}`, `{"message":{"text":"a","arguments":["x",null,"y"]}}`, `{"message":"text"}`,
	`{"fingerprints":{}}`, `{"fingerprints":null}`, `{"fingerprints":{"a":"1","a":"2"}}`, `{"fingerprints":{"a":{"b":1}}}`,
	`{"fingerprints":[]}`, `{"partialFingerprints":{"k\u0041":"v\n"}}`,
	`{"codeFlows":[ ]}`, `{"codeFlows":[]}`, `{"codeFlows":0}`, `{"codeFlows":1}`, `{"codeFlows":null}`, `{"fixes":[{}]}`,
	`{"properties":{"security-severity":7.50}}`, `{"properties":{"security-severity":{"a":1}}}`,
	`{"properties":{"security-severity":"8.8","problem.severity":"error","problem":{"severity":true},"severity":false}}`,
	`{"properties":{"security-severity":[1,2]}}`, `{"properties":{"security-severity":null}}`,
	`{"ruleId":"\ud800"}`, `{"ruleId":"\udc00\ud800"}`, `{"ruleId":"\ud83d\ude00"}`, `{"ruleId":"a\u00e9\/\b\f\n\r\t\\\""}`,
	`{"ruleId":"\x"}`, `{"ruleId":"\u12"}`, "{\"ruleId\":\"a\x01\"}", "{\"ruleId\":\"\xff\"}", "{\"ruleId\":\"é\xc3\"}",
	`{"level":"x","level":"y"}`, `{"unknown":1,"unknown":2}`, `{"ruleId":"a",}`, `{"ruleId":"a"`, `{"ruleId" "a"}`,
	`{"ruleId":"a"} x`, `{"x":tru}`, `{"x":truex}`, `{"x":[1,]}`, `{"x":{"a":1,}}`, `{"x":1.}`, `{"x":1e}`, `{"x":-01}`,
	`{"x":[{"y":[true,false,null,-1.5e+3,"s\u0000"]}]}`, `[]`, `"s"`, ``, `{"ruleId":5}`, `{"kind":null,"level":null}`,
	`{"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a","uriBaseId":"B","index":3},"region":{"startLine":1,"startColumn":2,"endLine":3,"endColumn":4,"charOffset":5,"byteOffset":6,"byteLength":7,"charLength":8,"snippet":{"text":"s"}}},"logicalLocations":[{"name":"n","fullyQualifiedName":"f"},null],"message":{"text":"m"}}]}`,
	`{"locations":[{"physicalLocation":null,"logicalLocations":null,"message":null}]}`,
	`{"locations":[{"physicalLocation":{"artifactLocation":null,"region":null}}]}`,
	`{"locations":[{"physicalLocation":{"region":{"snippet":null,"startLine":2.5}}}]}`,
	`{"suppressions":[{"kind":"inSource","status":"accepted","justification":"ok"},null,{}],"baselineState":"new"}`,
	`{"analysisTarget":{"uri":"x"}}`, `{"analysisTarget":null}`, `{"rule":{"id":"r","index":1}}`, `{"rule":null}`,
	`{"ruleId":"a","ruleId":"b"}`, `{"message":{"text":"a","text":"b"}}`,
}

// fastDecodeInputs returns result objects to check: the edge cases, the
// fuzz seeds' results, generated results, and every result in the public
// corpus (when it is there).
func fastDecodeInputs(t testing.TB) (edges, real []string) {
	edges = append(edges, fastDecodeEdges...)
	logs := append([]string(nil), fuzzSeeds...)
	logs = append(logs, genSARIF(200, true), genSARIF(50, false))
	if dir, ok := testutil.OptionalCorpusDir(t); ok {
		filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() && (strings.HasSuffix(p, ".sarif") || strings.HasSuffix(p, ".json")) {
				if b, err := os.ReadFile(p); err == nil {
					logs = append(logs, string(b))
				}
			}
			return nil
		})
	}
	for _, l := range logs {
		var doc struct {
			Runs []struct {
				Results []json.RawMessage `json:"results"`
			} `json:"runs"`
		}
		if json.Unmarshal([]byte(strings.TrimPrefix(l, "\ufeff")), &doc) != nil {
			continue
		}
		for _, r := range doc.Runs {
			for _, res := range r.Results {
				real = append(real, string(res))
			}
		}
	}
	return edges, real
}

// checkFastDecode holds the hand-written decoder to json v2's: when it
// decodes a result, json v2 decodes it too, to the same value.
func checkFastDecode(t *testing.T, data []byte) bool {
	t.Helper()
	var fast liteResult
	ok := fastDecodeResult(data, &fast, testDecCache)
	var want liteResult
	err := jsonv2.Unmarshal(data, &want, liteOpts)
	if ok && err != nil {
		t.Fatalf("fast decoder accepted what json v2 refuses (%v): %q", err, data)
	}
	if ok {
		clearURIEnts(t, &fast)
	}
	if ok && !reflect.DeepEqual(fast, want) {
		t.Fatalf("fast decoder differs from json v2 on %q:\n fast %s\n want %s", data, dumpLite(fast), dumpLite(want))
	}
	return ok
}

// clearURIEnts checks the fast decoder's URI cache hints (each names its
// location's URI) and clears them: json v2 knows nothing of them.
func clearURIEnts(t testing.TB, r *liteResult) {
	t.Helper()
	check := func(a *liteArtLoc) {
		if a.ent != nil && a.ent.s != a.URI {
			t.Fatalf("URI entry %q on a location of URI %q", a.ent.s, a.URI)
		}
		a.ent = nil
	}
	for i := range r.Locations {
		check(&r.Locations[i].PhysicalLocation.ArtifactLocation)
	}
	if r.AnalysisTarget != nil {
		check(r.AnalysisTarget)
	}
}

// testDecCache is shared by every check, as a worker shares it between results.
var testDecCache = newDecCache()

func dumpLite(r liteResult) string {
	b, _ := json.Marshal(r)
	return fmt.Sprintf("%s suppressions=%#v", b, r.Suppressions)
}

func TestFastDecodeAgreesWithJSONv2(t *testing.T) {
	edges, real := fastDecodeInputs(t)
	for _, e := range edges {
		checkFastDecode(t, []byte(e))
	}
	fast := 0
	for _, r := range real {
		if checkFastDecode(t, []byte(r)) {
			fast++
		}
	}
	// The fast path must be the one taken on real results (else loading is
	// slow again without any test noticing).
	if len(real) < 100 || fast < len(real)*95/100 {
		t.Errorf("fast decoder took %d of %d real results, want ≥ 95%%", fast, len(real))
	}
	t.Logf("fast decoder: %d of %d real results", fast, len(real))
}

// The streamed copy of a result has bulky members replaced by 1 (or 0 when
// empty): the fast path reads those too.
func TestFastDecodeStreamPlaceholders(t *testing.T) {
	for _, s := range []string{`{"ruleId":"a","codeFlows":1,"fixes":0}`, `{"ruleId":"a","relatedLocations":1,"codeFlows":0,"fixes":1}`} {
		var r liteResult
		if !fastDecodeResult([]byte(s), &r, nil) {
			t.Fatalf("fast path refused %s", s)
		}
		checkFastDecode(t, []byte(s))
	}
}

func FuzzFastDecode(f *testing.F) {
	edges, real := fastDecodeInputs(f)
	for _, s := range edges {
		f.Add([]byte(s))
	}
	for i, s := range real {
		if i%10 == 0 {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkFastDecode(t, data) })
}

// TestPlainRunWordAtATime checks plainRun's eight-byte path against a byte
// loop, with one byte of every kind at every offset from every start.
func TestPlainRunWordAtATime(t *testing.T) {
	specials := []byte{0x00, 0x1f, 0x20, '"', '\\', '!', '#', '[', ']', 0x7e, 0x7f, 0x80, 0xc3, 0xff}
	base := []byte("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH")
	n := 0
	for l := 0; l <= len(base); l++ {
		for p := -1; p < l; p++ {
			for _, c := range specials {
				d := append([]byte(nil), base[:l]...)
				if p >= 0 {
					d[p] = c
				}
				for from := 0; from <= l; from++ {
					want := from
					for want < len(d) && !(d[want] == '"' || d[want] == '\\' || d[want] < 0x20 || d[want] >= 0x80) {
						want++
					}
					if got := plainRun(d, from); got != want {
						t.Fatalf("plainRun(%q, %d) = %d, want %d", d, from, got, want)
					}
					n++
				}
			}
		}
	}
	if n < 10000 {
		t.Fatalf("only %d cases checked", n)
	}
	// Two specials in one word: the word path takes the lowest flagged
	// byte as the run's end, so a false flag above a true one (a borrow)
	// must never come first.
	m := 0
	for l := 0; l <= 20; l++ {
		for p1 := 0; p1 < l; p1++ {
			for p2 := p1 + 1; p2 < l; p2++ {
				for _, c1 := range specials {
					for _, c2 := range specials {
						d := append([]byte(nil), base[:l]...)
						d[p1], d[p2] = c1, c2
						want := 0
						for want < len(d) && !(d[want] == '"' || d[want] == '\\' || d[want] < 0x20 || d[want] >= 0x80) {
							want++
						}
						if got := plainRun(d, 0); got != want {
							t.Fatalf("plainRun(%q, 0) = %d, want %d", d, got, want)
						}
						m++
					}
				}
			}
		}
	}
	if m < 10000 {
		t.Fatalf("only %d two-special cases checked", m)
	}
}

// BenchmarkFastDecode decodes the results of a generated log with the
// hand-written decoder, as the streamed path hands them over (the members
// isSkipMember names cut to a placeholder): the workers' share of a load.
func BenchmarkFastDecode(b *testing.B) {
	var log struct {
		Runs []struct {
			Results []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(genSARIF(2000, false)), &log); err != nil {
		b.Fatal(err)
	}
	var rs [][]byte
	size := 0
	for _, r := range log.Runs {
		for _, x := range r.Results {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(x, &m); err != nil {
				b.Fatal(err)
			}
			for k := range m {
				if isSkipMember([]byte(k)) {
					m[k] = json.RawMessage("1")
				}
			}
			x, err := json.Marshal(m)
			if err != nil {
				b.Fatal(err)
			}
			rs = append(rs, x)
			size += len(x)
		}
	}
	dc := newDecCache()
	b.SetBytes(int64(size))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range rs {
			var lr liteResult
			if !fastDecodeResult(r, &lr, dc) {
				b.Fatal("a generated result did not decode")
			}
		}
	}
}
