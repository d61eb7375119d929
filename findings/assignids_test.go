package findings

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestAssignIDsFastAgrees: the one-map ID pass gives exactly the IDs, first
// keys and layers of the per-run pass, says the IDs are distinct only when
// they are, and hands every other case back with the keys as they were.
func TestAssignIDsFastAgrees(t *testing.T) {
	fp := func(s string) string { return fnvOffset.part(s).key("fingerprint") }
	a, b, c := fp("a"), fp("b"), fp("c")
	fbA := "fallback:" + a[strings.IndexByte(a, ':')+1:] // a's ID under another layer
	renamedA2 := hashKey("fingerprint", a, "#2")         // what a's second result in a run becomes
	type res struct {
		run int
		k0  string
	}
	cases := []struct {
		name     string
		in       []res
		distinct bool
	}{
		{"all new", []res{{0, a}, {0, b}, {1, c}}, true},
		{"repeat in one run", []res{{0, a}, {0, b}, {0, a}, {0, a}, {1, c}}, true},
		{"same key in two runs", []res{{0, a}, {1, a}, {1, b}}, false},
		{"same key in two runs after a repeat", []res{{0, a}, {0, a}, {1, a}}, false},
		{"same ID under two layers", []res{{0, a}, {0, fbA}}, false},
		{"numbered key meets a later first key", []res{{0, a}, {0, a}, {0, renamedA2}}, false},
		{"numbered key meets an earlier first key", []res{{0, renamedA2}, {0, a}, {0, a}}, false},
		{"numbered key in another run", []res{{1, renamedA2}, {0, a}, {0, a}}, false},
	}
	build := func(in []res) []*Finding {
		fs := make([]*Finding, len(in))
		for i, r := range in {
			fs[i] = &Finding{Keys: []string{r.k0, "fallback:" + fmt.Sprintf("%016x", i)}, Sources: []Source{{Run: r.run, Result: i}}}
		}
		return fs
	}
	for _, tc := range cases {
		want, got := build(tc.in), build(tc.in)
		assignIDs(want)
		distinct := assignIDsFast(got)
		if !distinct {
			for i, f := range got {
				if f.Keys[0] != tc.in[i].k0 {
					t.Fatalf("%s: gave up with result %d's first key changed to %s", tc.name, i, f.Keys[0])
				}
			}
			assignIDs(got)
		}
		if distinct != tc.distinct {
			t.Errorf("%s: distinct = %v, want %v", tc.name, distinct, tc.distinct)
		}
		ids := map[string]bool{}
		for i := range want {
			w, g := want[i], got[i]
			if w.ID != g.ID || w.IDLayer != g.IDLayer || !slices.Equal(w.Keys, g.Keys) {
				t.Errorf("%s: result %d: got %s %v %v, want %s %v %v", tc.name, i, g.ID, g.IDLayer, g.Keys, w.ID, w.IDLayer, w.Keys)
			}
			ids[w.ID] = true
		}
		if distinct && len(ids) != len(want) {
			t.Errorf("%s: reported distinct, but %d IDs for %d findings", tc.name, len(ids), len(want))
		}
	}
}

// TestSameFindingInTwoRunsStillMerged: a single file whose two runs report
// the same results (one tool run twice) still gives one finding per result
// with two sources, streamed and in memory (the ID pass hands such a file to
// the merge it skips for files whose IDs are distinct).
func TestSameFindingInTwoRunsStillMerged(t *testing.T) {
	run := `{"tool":{"driver":{"name":"gosec","rules":[{"id":"G101"}]}},"results":[` +
		`{"ruleId":"G101","message":{"text":"secret one"},"partialFingerprints":{"primaryLocationLineHash":"aa11:1"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.go"},"region":{"startLine":3}}}]},` +
		`{"ruleId":"G101","message":{"text":"secret two"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"b.go"},"region":{"startLine":9}}}]}]}`
	p := filepath.Join(t.TempDir(), "twice.sarif")
	writeFile(t, p, `{"version":"2.1.0","runs":[`+run+`,`+run+`]}`)
	for _, threshold := range []int64{1, 1 << 40} {
		s := loadWithThreshold(t, p, threshold)
		if len(s.Errors) != 0 || len(s.Findings) != 2 {
			t.Fatalf("threshold %d: %d findings, errors %v", threshold, len(s.Findings), s.Errors)
		}
		for _, f := range s.Findings {
			if len(f.Sources) != 2 || f.Sources[0].Run == f.Sources[1].Run {
				t.Errorf("threshold %d: %s (%s) has sources %+v, want one from each run", threshold, f.ID, f.Message, f.Sources)
			}
		}
	}
}

// TestContentHashesSkipMissingDirs: paths under directories the tree does
// not have get no line hashes, without a stat each, and every other path
// gets what hashing it alone gives (present files, a missing file in a
// present directory, a file where a directory is expected, a symlinked
// directory, a path that is not clean).
func TestContentHashesSkipMissingDirs(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "src", "a.go"), "package a\n\nfunc A() {}\n")
	writeFile(t, filepath.Join(root, "src", "deep", "b.go"), "package deep\n")
	writeFile(t, filepath.Join(root, "file"), "not a directory\n")
	if err := os.Symlink("src", filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	paths := []string{"src/a.go", "gone/x.go", "gone/deep/y.go", "gone/z.go", "src/missing.go", "src/deep/b.go",
		"src/gone/c.go", "file/x.go", "link/a.go", "gone/../src/a.go", "top.go"}
	var fs []*Finding
	for _, p := range paths {
		fs = append(fs, &Finding{Loc: Location{Path: p, InRepo: true}})
	}
	got := newContentHasher(root).hashes(fs)
	one := newContentHasher(root)
	for _, p := range paths {
		want := one.hashFile(p)
		if !slices.Equal(got[p], want) || (want == nil) == (got[p] != nil) {
			t.Errorf("%s: hashes %v, hashed alone %v", p, got[p], want)
		}
	}
	if len(got["src/a.go"]) != 4 || len(got["src/deep/b.go"]) != 2 {
		t.Fatalf("present files not hashed: %v", got)
	}
}

// TestStreamedMessagesOutliveArenas: the decoder reads a result's message
// as a view of the read buffers, which are reused once a batch is decoded;
// every message a streamed load keeps must still read as the in-memory load
// reads it after many buffers were reused.
func TestStreamedMessagesOutliveArenas(t *testing.T) {
	// Plain messages (no escapes, links or placeholders): the ones kept as
	// decoded; Trivy-like ones, whose vulnerability and package are cut
	// from the message.
	var b strings.Builder
	b.WriteString(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Trivy","rules":[{"id":"CVE-2024-0001","properties":{"tags":["vulnerability"]}}]}},"results":[`)
	for i := 0; i < 6000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"ruleId":"CVE-2024-0001","level":"error","message":{"text":"Package: pkg%d\nInstalled Version: 1.%d.0\nVulnerability CVE-2024-%04d plain message number %d"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"go.mod"},"region":{"startLine":%d}}}]},`, i, i, i%10000, i, i+1)
		fmt.Fprintf(&b, `{"ruleId":"CVE-2024-0001","level":"warning","message":{"text":"plain message number %d at file %d"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/f%d.go"},"region":{"startLine":%d}}}]}`, i, i, i%50, i+1)
	}
	b.WriteString(`]}]}`)
	p := filepath.Join(t.TempDir(), "many.sarif")
	writeFile(t, p, b.String())
	streamed := loadWithThreshold(t, p, 1)
	inMemory := loadWithThreshold(t, p, 1<<40)
	if len(streamed.Findings) != len(inMemory.Findings) || len(streamed.Findings) < 6000 {
		t.Fatalf("%d streamed, %d in memory", len(streamed.Findings), len(inMemory.Findings))
	}
	for i, f := range streamed.Findings {
		g := inMemory.Findings[i]
		if f.Message != g.Message || f.VulnID != g.VulnID || f.Package != g.Package || f.ID != g.ID {
			t.Fatalf("finding %d: streamed %q %q %q %s, in memory %q %q %q %s", i, f.Message, f.VulnID, f.Package, f.ID, g.Message, g.VulnID, g.Package, g.ID)
		}
	}
}

// TestAssignDistinctIDsAgrees: the sorting ID pass succeeds exactly when
// every first key's ID is distinct, then gives the IDs and layers of the
// per-run pass; otherwise it changes nothing. Small cases (one goroutine)
// and large ones (split in two) alike.
func TestAssignDistinctIDsAgrees(t *testing.T) {
	fp := func(s string) string { return fnvOffset.part(s).key("fingerprint") }
	build := func(keys []string, runs []int) []*Finding {
		fs := make([]*Finding, len(keys))
		for i, k := range keys {
			run := 0
			if runs != nil {
				run = runs[i]
			}
			fs[i] = &Finding{Keys: []string{k, fmt.Sprintf("fallback:%016x", i)}, Sources: []Source{{Run: run, Result: i}}}
		}
		return fs
	}
	check := func(name string, keys []string, runs []int, wantOK bool) {
		t.Helper()
		want, got := build(keys, runs), build(keys, runs)
		assignIDs(want)
		hs := make([]uint64, len(got))
		ok := true
		for i, f := range got {
			var hexOK bool
			if hs[i], hexOK = idBits(f.Keys[0]); !hexOK {
				ok = false // identify does not call it then
			}
		}
		ok = ok && assignDistinctIDs(got, hs)
		if ok != wantOK {
			t.Fatalf("%s: assignDistinctIDs = %v, want %v", name, ok, wantOK)
		}
		for i, g := range got {
			if !ok {
				if g.ID != "" || g.IDLayer != 0 || g.Keys[0] != keys[i] {
					t.Fatalf("%s: gave up but changed result %d: %s %v %v", name, i, g.ID, g.IDLayer, g.Keys)
				}
				continue
			}
			w := want[i]
			if w.ID != g.ID || w.IDLayer != g.IDLayer || !slices.Equal(w.Keys, g.Keys) {
				t.Fatalf("%s: result %d: got %s %v %v, want %s %v %v", name, i, g.ID, g.IDLayer, g.Keys, w.ID, w.IDLayer, w.Keys)
			}
		}
	}
	a, b, c := fp("a"), fp("b"), fp("c")
	check("empty", nil, nil, true)
	check("one", []string{a}, nil, true)
	check("all new", []string{a, b, c}, []int{0, 0, 1}, true)
	check("repeat in one run", []string{a, b, a}, nil, false)
	check("same key in two runs", []string{a, b, a}, []int{0, 1, 1}, false)
	check("same ID under two layers", []string{a, "fallback:" + a[strings.IndexByte(a, ':')+1:]}, nil, false)
	check("not hex", []string{a, "fingerprint:0123456789abcdeX"}, nil, false)
	check("short", []string{a, "fingerprint:abc"}, nil, false)
	check("no colon", []string{"0123456789abcdef", a}, nil, true)

	sizes := []int{parallelMinIDs - 1, parallelMinIDs + 1, 3 * parallelMinIDs}
	if testing.Short() {
		sizes = sizes[1:2]
	}
	for _, n := range sizes {
		keys := make([]string, n)
		for i := range keys {
			keys[i] = fp(fmt.Sprint("result ", i))
		}
		check(fmt.Sprint(n, " distinct"), keys, nil, true)
		for _, at := range [][2]int{{0, n - 1}, {n/2 - 1, n / 2}, {n - 2, n - 1}, {1, n / 2}} {
			dup := slices.Clone(keys)
			dup[at[1]] = dup[at[0]]
			check(fmt.Sprint(n, " repeat ", at), dup, nil, false)
		}
		bad := slices.Clone(keys)
		bad[n-1] = "fingerprint:not-a-hash"
		check(fmt.Sprint(n, " bad key last"), bad, nil, false)
		bad = slices.Clone(keys)
		bad[0] = "fingerprint:not-a-hash"
		check(fmt.Sprint(n, " bad key first"), bad, nil, false)
	}
}

func TestRadixSort64(t *testing.T) {
	for _, a := range [][]uint64{nil, {1}, {2, 1}, {5, 5, 5}, {1 << 63, 0, 1<<63 - 1, 1 << 8, 255, 256, 1<<56 + 1}} {
		got, want := slices.Clone(a), slices.Clone(a)
		radixSort64(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("radixSort64(%v) = %v, want %v", a, got, want)
		}
	}
	a := make([]uint64, 5000)
	h := fnvOffset
	for i := range a {
		h = h.part("x")
		a[i] = uint64(h) >> (i % 64) // values that differ in a few bytes only, too
	}
	got, want := slices.Clone(a), slices.Clone(a)
	radixSort64(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Error("radixSort64 disagrees with slices.Sort")
	}
}
