package match_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/match"
	"github.com/secui/secui/findings/match/internal/reference"
	"github.com/secui/secui/findings/repofs"
	"github.com/secui/secui/internal/testutil"
)

// The optimised matcher gives exactly the assignment of the reference
// matcher (findings/match as it was before the speed work of issue 12): the
// same finding for every decision, the same review items with the same
// candidates in the same order and the same reasons, the same orphans.
//
// Inputs are random but shaped like real ones: files edited between the
// decision's commit and now (lines inserted, deleted, edited, duplicated,
// a file renamed), findings with keys computed from their line the way
// scanners do (strong fingerprints for one tool, weak line hashes and
// location fallbacks for the others), correlated findings, files outside
// the tree (no code to compare), decisions with and without evidence and
// commits, and git line tracking through a tracker that diffs the two
// versions.
func TestAssignSameAsReference(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 400
	}
	seen := map[string]int{} // what the inputs exercised
	for seed := range uint64(n) {
		in := randomInput(seed)
		opts := []match.Options{{}, {Tracker: in.tracker}}
		fss := [][]match.Finding{in.fs, in.fs}
		if seed%8 == 0 { // evidence captured from a working tree, lazily
			opts = append(opts, match.Options{Work: in.work(t), Tracker: in.tracker})
			lazy := slices.Clone(in.fs)
			for i := range lazy {
				if i%3 != 0 {
					lazy[i].Evidence = evidence.Evidence{}
				}
			}
			fss = append(fss, lazy)
		}
		for i, opt := range opts {
			fs := fss[i]
			want := reference.Assign(in.ds, fs, opt)
			got := match.Assign(in.ds, fs, opt)
			if i == 0 {
				fsp := make([]*findings.Finding, len(fs))
				for j := range fs {
					fsp[j] = fs[j].F
				}
				ev := map[*findings.Finding]evidence.Evidence{}
				for j := range fs {
					ev[fs[j].F] = fs[j].Evidence
				}
				got := match.AssignFindings(in.ds, fsp, func(f *findings.Finding) evidence.Evidence { return ev[f] }, opt)
				if !reflect.DeepEqual(norm(got), norm(want)) {
					t.Fatalf("seed %d AssignFindings:\ngot  %s\nwant %s", seed, dump(got), dump(want))
				}
			}
			for _, l := range want.Links {
				seen[fmt.Sprintf("link %s git=%v", l.How, l.Git)]++
			}
			for _, rv := range want.Review {
				seen["review: "+rv.Why]++
			}
			for _, w := range want.OrphanWhy {
				seen["orphan: "+strings.Fields(w)[1]]++
			}
			if !reflect.DeepEqual(norm(got), norm(want)) {
				t.Fatalf("seed %d (tracker %v): %d decisions on %d findings\ngot  %s\nwant %s",
					seed, opt.Tracker != nil, len(in.ds), len(in.fs), dump(got), dump(want))
			}
			// The legacy round on two goroutines (from legacyParMin open
			// decisions; here always) gives the same, down to the order.
			old := match.SetLegacyParMin(1)
			par := match.Assign(in.ds, fs, opt)
			match.SetLegacyParMin(old)
			if !reflect.DeepEqual(par, got) {
				t.Fatalf("seed %d (tracker %v): the parallel legacy round differs\ngot  %s\nwant %s",
					seed, opt.Tracker != nil, dump(par), dump(got))
			}
		}
	}
	// The inputs must reach every way of placing, reviewing and orphaning
	// a decision, or the comparison proves little.
	for _, how := range []string{"link id git=false", "link key git=false", "link location git=false",
		"link same git=true", "link moved git=true", "link similar git=true", "link rename git=true",
		"link same git=false", "link moved git=false"} {
		if seen[how] == 0 {
			t.Errorf("no input placed a decision as %q", how)
		}
	}
	nReview, nOrphan := 0, 0
	for k, v := range seen {
		if strings.HasPrefix(k, "review") {
			nReview += v
		} else if strings.HasPrefix(k, "orphan") {
			nOrphan += v
		}
	}
	if nReview == 0 || nOrphan == 0 {
		t.Errorf("reviews %d, orphans %d", nReview, nOrphan)
	}
	if testing.Verbose() {
		for _, k := range slices.Sorted(maps.Keys(seen)) {
			t.Logf("%6d %s", seen[k], k)
		}
	}
}

// The same on real logs: every corpus file decided on and matched to
// itself, to its findings in reverse order, and to half of them.
func TestAssignSameAsReferenceOnCorpus(t *testing.T) {
	files := []string{codeqlDojo, "snyk-cli/test-sarif.json", "github-codeql-action/valid-sarif.sarif"}
	for _, rel := range files {
		s, err := findings.Load(context.Background(), []string{testutil.CorpusFile(t, rel)}, findings.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ds := decisionsOf(s.Findings)
		rev := asFindings(s.Findings)
		for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
			rev[i], rev[j] = rev[j], rev[i]
		}
		for name, fs := range map[string][]match.Finding{
			"same": asFindings(s.Findings), "reversed": rev, "half": asFindings(s.Findings[:len(s.Findings)/2]),
		} {
			want := reference.Assign(ds, fs, match.Options{})
			got := match.Assign(ds, fs, match.Options{})
			if !reflect.DeepEqual(norm(got), norm(want)) {
				t.Errorf("%s %s:\ngot  %s\nwant %s", rel, name, dump(got), dump(want))
			}
		}
	}
}

// norm makes empty and nil slices alike (the only freedom either matcher
// has).
func norm(r match.Result) match.Result {
	if len(r.Links) == 0 {
		r.Links = nil
	}
	if len(r.Review) == 0 {
		r.Review = nil
	}
	for i := range r.Review {
		if len(r.Review[i].Candidates) == 0 {
			r.Review[i].Candidates = nil
		}
	}
	if len(r.Orphans) == 0 {
		r.Orphans = nil
	}
	if len(r.OrphanWhy) == 0 {
		r.OrphanWhy = nil
	}
	return r
}

func dump(r match.Result) string {
	var b strings.Builder
	for _, l := range r.Links {
		fmt.Fprintf(&b, "\n  link d%d→f%d %s key=%q layer=%q from=%q moved=%d score=%.3f git=%v", l.Decision, l.Finding, l.How, l.Key, l.Layer, l.From, l.Moved, l.Score, l.Git)
	}
	for _, rv := range r.Review {
		fmt.Fprintf(&b, "\n  review d%d %v %q", rv.Decision, rv.Candidates, rv.Why)
	}
	for i, o := range r.Orphans {
		fmt.Fprintf(&b, "\n  orphan d%d %q", o, r.OrphanWhy[i])
	}
	return b.String()
}

type propInput struct {
	ds      []match.Decision
	fs      []match.Finding
	tracker propTracker
}

// work writes the working tree's files and reads them back through a
// capturer.
func (in propInput) work(t *testing.T) *evidence.Capturer {
	dir := t.TempDir()
	for p, f := range in.tracker.new {
		var lines []string
		for l := range f.Lines() {
			lines = append(lines, in.tracker.text[p][l])
		}
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root, err := repofs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return evidence.NewCapturer(root, "c1")
}

// propTracker diffs a file's version at commit "c1" with the working tree.
type propTracker struct {
	old, new map[string]*evidence.File
	renamed  map[string]string   // old path → working-tree path
	text     map[string][]string // working-tree lines
}

func (t propTracker) Map(commit, path string, _ []string) *evidence.LineMap {
	if commit != "c1" {
		return nil
	}
	o := t.old[path]
	np := path
	if r, ok := t.renamed[path]; ok {
		np = r
	}
	n := t.new[np]
	if o == nil || n == nil {
		return nil
	}
	return evidence.Diff(o, n)
}

var propLines = []string{
	"rows, err := db.Query(q)", "rows, err := db.Query(query)", "return err", "}", "if err != nil {",
	"x := md5.New()", "x := sha1.New()", "password := \"hunter2\"", "password := \"hunter3\"",
	"exec.Command(name, args...)", "exec.Command(name)", "log.Println(secret)", "f, _ := os.Open(p)",
	"http.ListenAndServe(addr, nil)", "tok := os.Getenv(\"TOKEN\")", "// comment", "defer f.Close()",
}

func hash16(parts ...string) string {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

func randomInput(seed uint64) propInput {
	r := rand.New(rand.NewPCG(seed, 0x5ec))
	tools := []*findings.Tool{{Name: "gosec"}, {Name: "semgrep"}, {Name: "snyk"}}
	rules := []*findings.Rule{{ID: "R1"}, {ID: "R2"}, {ID: "R3"}}
	nPaths := 1 + r.IntN(4)
	paths := make([]string, nPaths)
	for i := range paths {
		paths[i] = fmt.Sprintf("pkg/f%d.go", i)
	}
	old := map[string]*evidence.File{}
	cur := map[string]*evidence.File{}
	oldText := map[string][]string{}
	curText := map[string][]string{}
	renamed := map[string]string{}
	for _, p := range paths {
		n := 4 + r.IntN(20)
		lines := make([]string, n)
		for i := range lines {
			lines[i] = propLines[r.IntN(len(propLines))]
		}
		nl := edit(r, lines)
		np := p
		if r.IntN(8) == 0 {
			np = strings.Replace(p, "pkg/", "moved/", 1)
			renamed[p] = np
		}
		oldText[p], curText[np] = lines, nl
		old[p] = evidence.NewFile(p, []byte(strings.Join(lines, "\n")+"\n"))
		cur[np] = evidence.NewFile(np, []byte(strings.Join(nl, "\n")+"\n"))
	}
	// A file outside the tree: findings there have no code to compare.
	absent := "web/outside.js"

	type site struct {
		path string
		line int
		col  int
		text string
		tool *findings.Tool
		rule *findings.Rule
	}
	keysOf := func(s site, occurrence int) (id string, layer findings.IDLayer, keys []string) {
		fb := "fallback:" + hash16(s.tool.Name, s.rule.ID, s.path, fmt.Sprint(s.line), fmt.Sprint(s.col))
		lh := "linehash:" + hash16(s.tool.Name, s.rule.ID, s.text, fmt.Sprint(occurrence))
		switch s.tool.Name {
		case "snyk": // strong fingerprints
			fp := "fingerprint:" + hash16(s.rule.ID, s.text, fmt.Sprint(occurrence))
			if s.rule.ID == "R3" { // an id of the place, a fingerprint of the code
				return fb[len("fallback:"):], findings.LayerFallback, []string{fp, lh, fb}
			}
			return fp[len("fingerprint:"):], findings.LayerFingerprint, []string{fp, lh, fb}
		case "semgrep": // a weak line hash first, like CodeQL and gensarif
			return lh[len("linehash:"):], findings.LayerLineHash, []string{lh, fb}
		}
		return fb[len("fallback:"):], findings.LayerFallback, []string{fb}
	}
	// A rule fires on the code of a line: the same code, the same findings.
	sites := func(text map[string][]string, extra bool) []site {
		var out []site
		for _, p := range slices.Sorted(maps.Keys(text)) {
			for i, l := range text[p] {
				for _, tool := range tools {
					for _, rule := range rules {
						if h := hash16(l, tool.Name, rule.ID); h[0] < '5' {
							out = append(out, site{p, i + 1, 1 + int(h[1]%2)*4, l, tool, rule})
						}
					}
				}
			}
		}
		if extra {
			for range r.IntN(5) {
				out = append(out, site{absent, 1 + r.IntN(6), 3, "", tools[r.IntN(len(tools))], rules[r.IntN(len(rules))]})
			}
		}
		return out
	}

	var in propInput
	in.tracker = propTracker{old: old, new: cur, renamed: renamed, text: curText}
	// Current findings.
	seen := map[string]int{}
	for _, s := range sites(curText, true) {
		occ := seen[s.tool.Name+s.rule.ID+s.text]
		seen[s.tool.Name+s.rule.ID+s.text]++
		id, layer, keys := keysOf(s, occ)
		f := &findings.Finding{ID: id, IDLayer: layer, Keys: keys, Tool: s.tool, Rule: s.rule,
			Message: "m " + s.rule.ID, Loc: findings.Location{Path: s.path, Line: s.line, Col: s.col, InRepo: s.path != absent || s.line%2 == 0}}
		if r.IntN(10) == 0 { // correlated with another tool's finding here
			mt, mr := tools[r.IntN(len(tools))], rules[r.IntN(len(rules))]
			f.Members = []findings.Member{{ID: id, Tool: s.tool, Rule: s.rule, Loc: f.Loc}, {ID: hash16(id), Tool: mt, Rule: mr, Loc: f.Loc}}
		}
		mf := match.Finding{F: f}
		if file := cur[s.path]; file != nil && r.IntN(6) != 0 {
			mf.Evidence = file.At(s.line)
			mf.Evidence.Col = s.col
		} else {
			mf.Evidence = evidence.Evidence{Path: s.path, Line: s.line, Col: s.col}
		}
		in.fs = append(in.fs, mf)
	}
	r.Shuffle(len(in.fs), func(i, j int) { in.fs[i], in.fs[j] = in.fs[j], in.fs[i] })
	// Decisions made at commit c1 (or without history, or as v1 records).
	seen = map[string]int{}
	for _, s := range sites(oldText, true) {
		if r.IntN(3) == 0 {
			continue
		}
		occ := seen[s.tool.Name+s.rule.ID+s.text]
		seen[s.tool.Name+s.rule.ID+s.text]++
		id, _, keys := keysOf(s, occ)
		d := match.Decision{ID: id, Tool: s.tool.Name, Rule: s.rule.ID, Keys: keys}
		if file := old[s.path]; file != nil {
			d.Evidence = file.At(s.line)
		}
		d.Evidence.Path, d.Evidence.Line, d.Evidence.Col = s.path, s.line, s.col
		switch r.IntN(6) {
		case 0: // v1: no evidence
			d.Evidence = evidence.Evidence{}
		case 1: // no history to follow (a shallow clone)
		case 2:
			d.Evidence.Commit = "c2" // unknown commit
		default:
			d.Evidence.Commit = "c1"
		}
		if r.IntN(12) == 0 { // a decision on another tool's finding here
			d.Tool = tools[r.IntN(len(tools))].Name
		}
		in.ds = append(in.ds, d)
	}
	// Hand-written and duplicate records.
	for range r.IntN(3) {
		if len(in.fs) > 0 {
			f := in.fs[r.IntN(len(in.fs))].F
			in.ds = append(in.ds, match.Decision{ID: f.ID, Tool: f.ToolName(), Rule: f.RuleID(), Keys: f.Keys})
		}
	}
	r.Shuffle(len(in.ds), func(i, j int) { in.ds[i], in.ds[j] = in.ds[j], in.ds[i] })
	return in
}

// edit changes lines the way a developer does between a decision and now.
func edit(r *rand.Rand, lines []string) []string {
	out := append([]string(nil), lines...)
	for range r.IntN(5) {
		if len(out) == 0 {
			break
		}
		i := r.IntN(len(out))
		switch r.IntN(5) {
		case 0: // insert
			out = append(out[:i], append([]string{propLines[r.IntN(len(propLines))]}, out[i:]...)...)
		case 1: // delete
			out = append(out[:i], out[i+1:]...)
		case 2: // edit the line
			out[i] = strings.Replace(out[i], "err", "e", 1) + " // edited"
		case 3: // paste a copy above
			out = append(out[:i], append([]string{out[i]}, out[i:]...)...)
		case 4: // move a line to the end
			l := out[i]
			out = append(append(out[:i], out[i+1:]...), l)
		}
	}
	return out
}
