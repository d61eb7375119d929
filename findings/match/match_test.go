package match_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
	"github.com/secui/secui/findings/match"
	"github.com/secui/secui/internal/testutil"
)

func loadCorpus(t *testing.T, rel string) []*findings.Finding {
	t.Helper()
	s, err := findings.Load(context.Background(), []string{testutil.CorpusFile(t, rel)}, findings.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s.Findings
}

func asFindings(fs []*findings.Finding) []match.Finding {
	out := make([]match.Finding, len(fs))
	for i, f := range fs {
		out[i] = match.Finding{F: f}
	}
	return out
}

// decisionsOf decides on fs with the evidence a capturer without a working
// tree gives (location only).
func decisionsOf(fs []*findings.Finding) []match.Decision {
	c := evidence.NewCapturer(nil, "")
	ds := make([]match.Decision, len(fs))
	for i, f := range fs {
		ds[i] = match.Decision{ID: f.ID, Tool: f.ToolName(), Rule: f.RuleID(), Keys: slices.Clone(f.Keys), Evidence: c.ForFinding(f)}
	}
	return ds
}

// Snyk Code's fingerprints are strong: every decision matches by ID, in
// any order of findings.
func TestStrongIDs(t *testing.T) {
	before := loadCorpus(t, "snyk-cli/test-sarif.json")
	after := loadCorpus(t, "snyk-cli/test-sarif.json")
	slices.Reverse(after)
	res := match.Assign(decisionsOf(before), asFindings(after), match.Options{})
	checkInvariants(t, res, len(before), len(after))
	if len(res.Links) != len(before) {
		t.Fatalf("links %d of %d; review %v orphans %v", len(res.Links), len(before), res.Review, res.Orphans)
	}
	for _, l := range res.Links {
		if l.How != match.ByID || after[l.Finding] != findByID(after, before[l.Decision].ID) || l.Layer != "fingerprint" {
			t.Errorf("decision %s: %s via %s (%s)", before[l.Decision].ID, after[l.Finding].ID, l.How, l.Layer)
		}
	}
}

func findByID(fs []*findings.Finding, id string) *findings.Finding {
	for _, f := range fs {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// CodeQL's primaryLocationLineHash is weak: a v1 decision (no evidence)
// that only shares it is reviewed, never applied.
func TestWeakIDNeverDecides(t *testing.T) {
	before := loadCorpus(t, "github-codeql-action/valid-sarif.sarif")
	after := loadCorpus(t, "github-codeql-action/valid-sarif.sarif")
	ds := decisionsOf(before)
	res := match.Assign(ds, asFindings(after), match.Options{})
	checkInvariants(t, res, len(before), len(after))
	if len(res.Links) != 0 || len(res.Review) != len(before) {
		t.Fatalf("links %v review %v: weak IDs must not decide", res.Links, res.Review)
	}
	for _, rv := range res.Review {
		if len(rv.Candidates) != 1 || after[rv.Candidates[0]].ID != before[rv.Decision].ID || !strings.Contains(rv.Why, "ledger v1") {
			t.Errorf("review %+v", rv)
		}
	}
}

// Findings with no code (a DAST scan of URLs) match on their place and
// message.
func TestByLocationWithoutCode(t *testing.T) {
	before := loadCorpus(t, "DefectDojo-django-DefectDojo/mayhem_api_many_vulns.sarif")
	after := loadCorpus(t, "DefectDojo-django-DefectDojo/mayhem_api_many_vulns.sarif")
	res := match.Assign(decisionsOf(before), asFindings(after), match.Options{})
	checkInvariants(t, res, len(before), len(after))
	for _, l := range res.Links {
		if after[l.Finding].ID != before[l.Decision].ID {
			t.Errorf("decision %s landed on %s", before[l.Decision].ID, after[l.Finding].ID)
		}
	}
	if len(res.Links) != len(before) {
		t.Errorf("%d of %d placed; review %v", len(res.Links), len(before), res.Review)
	}
}

func synth(id string, layer findings.IDLayer, keys ...string) *findings.Finding {
	return &findings.Finding{ID: id, IDLayer: layer, Keys: keys, Tool: &findings.Tool{Name: "t"},
		Rule: &findings.Rule{ID: "R"}, Loc: findings.Location{Path: "a.go", InRepo: true, Line: 1}}
}

// Two records claiming one finding by strong key: the exact ID wins; two
// equal claims are both reviewed.
func TestStrongClaimsOneToOne(t *testing.T) {
	f := synth("00000000000000aa", findings.LayerFingerprint, "fingerprint:00000000000000aa", "fingerprint:00000000000000bb")
	d1 := match.Decision{ID: "00000000000000aa", Tool: "t", Rule: "R", Keys: []string{"fingerprint:00000000000000aa"}}
	d2 := match.Decision{ID: "00000000000000cc", Tool: "t", Rule: "R", Keys: []string{"fingerprint:00000000000000bb"}}
	res := match.Assign([]match.Decision{d2, d1}, []match.Finding{{F: f}}, match.Options{})
	checkInvariants(t, res, 2, 1)
	if len(res.Links) != 1 || res.Links[0].Decision != 1 || res.Links[0].How != match.ByID {
		t.Errorf("links %+v", res.Links)
	}
	if len(res.Review) != 1 || res.Review[0].Decision != 0 {
		t.Errorf("review %+v", res.Review)
	}
	d3 := d2
	d3.ID = "00000000000000dd"
	res = match.Assign([]match.Decision{d2, d3}, []match.Finding{{F: f}}, match.Options{})
	if len(res.Links) != 0 || len(res.Review) != 2 {
		t.Errorf("a tie was decided: links %+v review %+v", res.Links, res.Review)
	}
}

// A decision made on an edit not committed yet: the commit's line does not
// hash to the recorded one, so it falls back to evidence, and still lands
// on its finding after more edits.
func TestDecidedOnUncommittedEdit(t *testing.T) {
	r := fixtureRepo(t)
	r.edit("app/hash.go", "// Signature signs", copyOfSignature+"// Signature signs")
	before := r.scan()
	ds := r.decide(before) // HEAD is the fixture commit; Token is not in it
	r.commit("token")
	r.edit("app/hash.go", "package app\n", "// Package app is a demo.\npackage app\n")
	r.commit("doc")
	after := r.scan()
	res := r.assign(ds, after, true)
	expect(t, res, before, after, map[string]string{
		"G501 app/hash.go:4":  "G501 app/hash.go:5",
		"G505 app/hash.go:5":  "G505 app/hash.go:6",
		"G401 app/hash.go:10": "G401 app/hash.go:11",
		"G401 app/hash.go:17": "G401 app/hash.go:18",
		"G401 app/hash.go:24": "G401 app/hash.go:25",
		"G401 app/hash.go:31": "G401 app/hash.go:32",
	})
	for _, l := range res.Links {
		if p := place(before[l.Decision]); p == "G401 app/hash.go:17" && l.Git {
			t.Errorf("%s was decided on an uncommitted line but placed by git tracking", p)
		}
	}
}

// gitleaks: rotating one user's secrets out orphans their decisions; no
// decision moves to another secret of the same rule; splitting the log in
// two files changes nothing.
func TestGitleaksRotateSecret(t *testing.T) {
	r := newRepo(t)
	r.write("users.yml", readFile(t, "../testdata/gitleaks/users.yml"))
	r.commit("users")
	before := r.scanWith("gitleaks")
	if len(before) != 12 {
		t.Fatalf("%d findings, want 12", len(before))
	}
	ds := r.decide(before)
	y := r.read("users.yml")
	lines := strings.Split(y, "\n")
	// bob's entry: lines 8-11 (name, role, key id, secret)
	if !strings.Contains(lines[7], "bob") {
		t.Fatalf("line 8 is %q", lines[7])
	}
	lines[9] = "    aws_access_key_id: ${BOB_KEY_ID}"
	lines[10] = "    aws_secret_access_key: ${BOB_SECRET}"
	r.write("users.yml", strings.Join(lines, "\n"))
	r.commit("rotate bob")
	after := r.scanWith("gitleaks")
	res := r.assign(ds, after, true)
	want := map[string]string{}
	for _, f := range before {
		if f.Loc.Line == 10 || f.Loc.Line == 11 {
			want[place(f)] = "orphan"
		}
	}
	if len(want) != 2 {
		t.Fatalf("bob's secrets: %v", want)
	}
	expect(t, res, before, after, want)
	noWrong(t, r.assign(ds, after, false), before, after, want)
}

// BenchmarkAssignStrong: every decision matches by strong key or ID; the
// cost must grow linearly (compare 10k and 100k).
func BenchmarkAssignStrong(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			fs := make([]match.Finding, n)
			ds := make([]match.Decision, n)
			tool := &findings.Tool{Name: "t"}
			rule := &findings.Rule{ID: "R"}
			for i := range fs {
				id := fmt.Sprintf("%016x", i)
				k := "fingerprint:" + id
				fs[i] = match.Finding{F: &findings.Finding{ID: id, IDLayer: findings.LayerFingerprint, Keys: []string{k}, Tool: tool, Rule: rule}}
				ds[n-1-i] = match.Decision{ID: id, Tool: "t", Rule: "R", Keys: []string{k}}
				if i%2 == 1 { // half by a key only
					ds[n-1-i].ID = fmt.Sprintf("%016x", n+i)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				res := match.Assign(ds, fs, match.Options{})
				if len(res.Links) != n {
					b.Fatal(len(res.Links))
				}
			}
		})
	}
}

// A strong key never carries a decision to another rule or tool, except a
// vulnerability (one CVE in one package, whichever tool reports it).
func TestStrongKeyNeverAcrossRules(t *testing.T) {
	f := synth("00000000000000aa", findings.LayerFingerprint, "fingerprint:00000000000000aa")
	other := match.Decision{ID: "00000000000000aa", Tool: "t", Rule: "OTHER", Keys: []string{"fingerprint:00000000000000aa"}}
	res := match.Assign([]match.Decision{other}, []match.Finding{{F: f}}, match.Options{})
	if len(res.Links) != 0 {
		t.Errorf("a fingerprint carried a decision across rules: %+v", res.Links)
	}
	v := synth("00000000000000bb", findings.LayerVuln, "vulnerability:00000000000000bb")
	v.Tool = &findings.Tool{Name: "grype"}
	fromTrivy := match.Decision{ID: "00000000000000bb", Tool: "trivy", Rule: "R", Keys: []string{"vulnerability:00000000000000bb"}}
	res = match.Assign([]match.Decision{fromTrivy}, []match.Finding{{F: v}}, match.Options{})
	if len(res.Links) != 1 || res.Links[0].How != match.ByKey {
		t.Errorf("the same CVE from another tool: %+v", res)
	}
}

// A decision whose commit is unknown (a shallow clone, a rewritten
// history) is placed by evidence alone.
func TestUnknownCommitFallsBackToEvidence(t *testing.T) {
	r := fixtureRepo(t)
	before := r.scan()
	ds := r.decide(before)
	for i := range ds {
		ds[i].Evidence.Commit = strings.Repeat("0", 39) + "1"
	}
	r.edit("app/db.go", "var db *sql.DB\n", "var db *sql.DB\n\n// Ping checks the database.\nfunc Ping() error {\n\treturn db.Ping()\n}\n")
	r.commit("ping")
	after := r.scan()
	res := r.assign(ds, after, true)
	expect(t, res, before, after, map[string]string{
		"G701 app/db.go:14": "G701 app/db.go:19",
		"G202 app/db.go:14": "G202 app/db.go:19",
		"G201 app/db.go:26": "G201 app/db.go:31",
		"G701 app/db.go:27": "G701 app/db.go:32",
	})
	for _, l := range res.Links {
		if l.Git {
			t.Errorf("decision %d placed by git with an unknown commit", l.Decision)
		}
	}
}

// BenchmarkAssignEvidence: n decisions without history on n findings of
// one rule in one file, every line moved (the worst case: each decision
// compares every candidate).
func BenchmarkAssignEvidence(b *testing.B) {
	for _, n := range []int{200, 2000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			tool := &findings.Tool{Name: "t"}
			rule := &findings.Rule{ID: "R"}
			fs := make([]match.Finding, n)
			ds := make([]match.Decision, n)
			for i := range fs {
				ev := evidence.Evidence{Path: "a.go", Line: 10 + 5*i, LineHash: uint32(1000 + i),
					Tokens:  []uint32{1, 2, uint32(3 + i)},
					Context: []uint32{uint32(5000 + i), uint32(6000 + i), 7, 8, uint32(9000 + i), 10}}
				moved := ev
				moved.Line += 3
				fs[i] = match.Finding{F: &findings.Finding{ID: fmt.Sprintf("%016x", i), IDLayer: findings.LayerContent,
					Tool: tool, Rule: rule, Loc: findings.Location{Path: "a.go", InRepo: true, Line: moved.Line}}, Evidence: moved}
				ds[i] = match.Decision{ID: fmt.Sprintf("%016x", n+i), Tool: "t", Rule: "R", Evidence: ev}
			}
			b.ReportAllocs()
			for b.Loop() {
				if res := match.Assign(ds, fs, match.Options{}); len(res.Links) != n {
					b.Fatalf("%d links, %d review", len(res.Links), len(res.Review))
				}
			}
		})
	}
}

// BenchmarkAssignLocation: the 100k-decision ledger of issue 12, matcher
// only: every finding of a gensarif log (weak line-hash ids, files not in
// the tree) decided with the location evidence a bulk suppression records
// (path, line, column, commit), the decisions sorted by id as the ledger
// keeps them, matched back to the log. Nearly all land by location; those
// with a same-text twin in their file are reviewed.
func BenchmarkAssignLocation(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			p := filepath.Join(os.TempDir(), fmt.Sprintf("secui-bench-%d.sarif", n))
			if _, err := os.Stat(p); err != nil {
				gen := filepath.Join(testutil.SharedDir(b), "tools", "gensarif")
				out, err := os.Create(p + ".tmp")
				if err != nil {
					b.Fatal(err)
				}
				cmd := exec.Command("go", "run", ".", "-n", fmt.Sprint(n))
				cmd.Dir, cmd.Stdout = gen, out
				if err := cmd.Run(); err != nil {
					b.Skipf("gensarif: %v", err)
				}
				out.Close()
				os.Rename(p+".tmp", p)
			}
			s, err := findings.Load(context.Background(), []string{p}, findings.Options{})
			if err != nil {
				b.Fatal(err)
			}
			ds := decisionsOf(s.Findings)
			for i := range ds {
				ds[i].Evidence.Commit = "2884316de65ba23710c147d66999d0ed19944c2f"
			}
			slices.SortFunc(ds, func(a, b match.Decision) int { return strings.Compare(a.ID, b.ID) })
			fs := asFindings(s.Findings)
			b.ReportAllocs()
			c0 := cpuNow()
			for b.Loop() {
				if res := match.Assign(ds, fs, match.Options{}); len(res.Orphans) != 0 || len(res.Links) < n*9/10 {
					b.Fatalf("%d links, %d review, %d orphans", len(res.Links), len(res.Review), len(res.Orphans))
				}
			}
			b.ReportMetric(float64((cpuNow()-c0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuNow is the CPU time (user + system, all threads) this process used so
// far: the figure that holds on a machine shared with other work.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
