package match_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/match"
)

// Each scenario: decide on every gosec finding of the fixture, make one
// kind of edit, re-scan with gosec and check the exact finding (rule, path,
// line) every decision lands on. Decisions not named land on their own,
// unchanged place.

const (
	copyOfSignature = "// Token hashes a token.\nfunc Token(sid string) []byte {\n\th := md5.New()\n\th.Write([]byte(sid))\n\treturn h.Sum(nil)\n}\n\n"
	copyOfClean     = "// Tidy runs the cleaner too.\nfunc Tidy() {\n\texec.Command(\"make\", \"clean\").Run()\n}\n\n"
	copyOfChecksum  = "// Digest hashes b for the index.\nfunc Digest(b []byte) []byte {\n\th := md5.New()\n\th.Write(b)\n\treturn h.Sum(nil)\n}\n\n"
)

// scenario runs edit on a fresh fixture after deciding on every finding,
// and checks the outcome with git line tracking, and without it (evidence
// only: a shallow clone) that nothing lands on a wrong finding.
func scenario(t *testing.T, setup func(r *gitRepo), edit func(r *gitRepo), want map[string]string) {
	t.Helper()
	r := fixtureRepo(t)
	if setup != nil {
		setup(r)
		r.commit("setup")
	}
	before := r.scan()
	ds := r.decide(before)
	edit(r)
	after := r.scan()
	res := r.assign(ds, after, true)
	expect(t, res, before, after, want)
	noWrong(t, r.assign(ds, after, false), before, after, want)
}

// noWrong: evidence alone may review or orphan, but never place a decision
// on another finding than the expected one, nor place a fixed one.
func noWrong(t *testing.T, res match.Result, before, after []*findings.Finding, want map[string]string) {
	t.Helper()
	checkInvariants(t, res, len(before), len(after))
	right := 0
	for i, f := range before {
		w, ok := want[place(f)]
		if !ok {
			w = place(f)
		}
		got := outcome(res, after, i)
		switch {
		case got == w:
			right++
		case got == "review" || got == "orphan":
		default:
			t.Errorf("evidence only: decision made on %s landed on %s, want %s%s", place(f), got, w, why(res, i, after))
		}
	}
	t.Logf("evidence only: %d/%d decisions as with git", right, len(before))
}

func TestInsertLinesAbove(t *testing.T) {
	scenario(t, nil, func(r *gitRepo) {
		r.edit("app/db.go", "var db *sql.DB\n", "var db *sql.DB\n\n// Ping checks the database.\nfunc Ping() error {\n\treturn db.Ping()\n}\n")
		r.commit("ping")
	}, map[string]string{
		"G701 app/db.go:14": "G701 app/db.go:19",
		"G202 app/db.go:14": "G202 app/db.go:19",
		"G201 app/db.go:26": "G201 app/db.go:31",
		"G701 app/db.go:27": "G701 app/db.go:32",
	})
}

// A pasted copy is a new open finding; the original keeps its decision.
func TestCopyAbove(t *testing.T) {
	scenario(t, nil, func(r *gitRepo) {
		r.edit("app/hash.go", "// Signature signs", copyOfSignature+"// Signature signs")
		r.edit("app/files.go", "// Clean runs", copyOfClean+"// Clean runs")
		// not committed: the working tree is what was scanned
	}, map[string]string{
		"G401 app/hash.go:17":  "G401 app/hash.go:24",
		"G401 app/hash.go:24":  "G401 app/hash.go:31",
		"G104 app/files.go:22": "G104 app/files.go:27",
		"G104 app/files.go:27": "G104 app/files.go:32",
		"G104 app/files.go:32": "G104 app/files.go:37",
		"G104 app/files.go:33": "G104 app/files.go:38",
	})
}

func TestCopyBelow(t *testing.T) {
	scenario(t, nil, func(r *gitRepo) {
		r.edit("app/hash.go", "// Signature signs", copyOfChecksum+"// Signature signs")
		r.commit("digest")
	}, map[string]string{
		"G401 app/hash.go:17": "G401 app/hash.go:24",
		"G401 app/hash.go:24": "G401 app/hash.go:31",
	})
}

// Fixing the original orphans its decision; the identical copy keeps its
// own decision and does not take the original's.
func TestFixOriginalCopyLeft(t *testing.T) {
	scenario(t, func(r *gitRepo) {
		r.edit("app/hash.go", "// Signature signs", copyOfSignature+"// Signature signs")
		r.edit("app/files.go", "// Clean runs", copyOfClean+"// Clean runs")
	}, func(r *gitRepo) {
		// Signature (hash.go:24) moves to SHA-256; Clean (files.go:27)
		// checks its error. The copies Token and Tidy are left.
		r.edit("app/hash.go", "\"crypto/sha1\"\n", "\"crypto/sha1\"\n\t\"crypto/sha256\"\n")
		r.edit("app/hash.go", "func Signature(sid string) []byte {\n\th := md5.New()", "func Signature(sid string) []byte {\n\th := sha256.New()")
		r.edit("app/files.go", "func Clean() {\n\texec.Command(\"make\", \"clean\").Run()", "func Clean() {\n\t_ = exec.Command(\"make\", \"clean\").Run()")
		r.commit("fix")
	}, map[string]string{
		"G401 app/hash.go:10":  "G401 app/hash.go:11",
		"G401 app/hash.go:17":  "G401 app/hash.go:18",
		"G401 app/hash.go:24":  "orphan",
		"G401 app/hash.go:31":  "G401 app/hash.go:32",
		"G104 app/files.go:27": "orphan",
	})
}

// One of several identical lines is fixed, another deleted: their
// decisions are orphaned, not moved onto the identical lines left.
func TestIdenticalLines(t *testing.T) {
	scenario(t, nil, func(r *gitRepo) {
		r.edit("app/files.go", "func Build() {\n\texec.Command(\"make\", \"build\").Run()\n", "func Build() {\n")
		r.edit("app/files.go", "func Rebuild() {\n\texec.Command(\"make\", \"clean\").Run()", "func Rebuild() {\n\t_ = exec.Command(\"make\", \"clean\").Run()")
		r.commit("fix two")
	}, map[string]string{
		"G104 app/files.go:27": "orphan",
		"G104 app/files.go:32": "orphan",
		"G104 app/files.go:33": "G104 app/files.go:32",
	})
}

func renamed(from, to string) map[string]string {
	m := map[string]string{}
	for _, spec := range []struct {
		rule string
		line int
	}{{"G501", 4}, {"G505", 5}, {"G401", 10}, {"G401", 17}, {"G401", 24}} {
		m[spec.rule+" "+from+":"+itoa(spec.line)] = spec.rule + " " + to + ":" + itoa(spec.line)
	}
	return m
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestGitMvUncommitted(t *testing.T) {
	scenario(t, nil, func(r *gitRepo) {
		r.git("mv", "app/hash.go", "app/digest.go")
	}, renamed("app/hash.go", "app/digest.go"))
}

func TestMoveToNewFolderCommitted(t *testing.T) {
	scenario(t, nil, func(r *gitRepo) {
		if err := os.MkdirAll(filepath.Join(r.dir, "app/crypto"), 0o755); err != nil {
			t.Fatal(err)
		}
		r.git("mv", "app/hash.go", "app/crypto/hash.go")
		r.commit("move")
	}, renamed("app/hash.go", "app/crypto/hash.go"))
}

func TestMoveToNewFolderUntracked(t *testing.T) {
	scenario(t, nil, func(r *gitRepo) {
		if err := os.MkdirAll(filepath.Join(r.dir, "internal/sums"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(r.dir, "app/hash.go"), filepath.Join(r.dir, "internal/sums/hash.go")); err != nil {
			t.Fatal(err)
		}
	}, renamed("app/hash.go", "internal/sums/hash.go"))
}

// A statement re-wrapped over three lines, a function joined onto one
// line, then gofmt over everything.
func TestRewrapAndGofmt(t *testing.T) {
	scenario(t, nil, func(r *gitRepo) {
		r.edit("app/db.go", "rows, err := db.Query(\"SELECT name, city FROM profile WHERE id = '\" + id + \"'\")",
			"rows, err := db.Query(\n\t\t\"SELECT name, city FROM profile WHERE id = '\" +\n\t\t\tid + \"'\")")
		r.edit("app/files.go", "func Clean() {\n\texec.Command(\"make\", \"clean\").Run()\n}", "func Clean() { exec.Command(\"make\",\"clean\").Run() }")
		gofmt := filepath.Join(runtime.GOROOT(), "bin", "gofmt")
		if out, err := exec.Command(gofmt, "-w", r.dir).CombinedOutput(); err != nil {
			t.Fatalf("gofmt: %v\n%s", err, out)
		}
		r.commit("rewrap")
	}, map[string]string{
		"G202 app/db.go:14":    "G202 app/db.go:15",
		"G201 app/db.go:26":    "G201 app/db.go:28",
		"G701 app/db.go:27":    "G701 app/db.go:29",
		"G104 app/files.go:22": "G104 app/files.go:21",
		"G104 app/files.go:27": "G104 app/files.go:25",
		"G104 app/files.go:32": "G104 app/files.go:30",
		"G104 app/files.go:33": "G104 app/files.go:31",
	})
}

func TestVariableRenameOnTheLine(t *testing.T) {
	scenario(t, nil, func(r *gitRepo) {
		r.edit("app/db.go", "query := fmt.Sprintf(", "stmt := fmt.Sprintf(")
		r.edit("app/db.go", "db.Query(query)", "db.Query(stmt)")
		r.edit("app/db.go", "id := r.URL.Query().Get(\"id\")", "profileID := r.URL.Query().Get(\"id\")")
		r.edit("app/db.go", "+ id + \"'\")", "+ profileID + \"'\")")
		r.commit("rename")
	}, nil)
}

// A rename committed together with edits: go-git's rename detection (by
// similarity) still pairs the files, and the lines are followed inside.
func TestRenameWithEditsCommitted(t *testing.T) {
	scenario(t, nil, func(r *gitRepo) {
		r.git("mv", "app/hash.go", "app/sums.go")
		r.edit("app/sums.go", "// Checksum hashes", "// Version is the format version.\nconst Version = 2\n\n// Checksum hashes")
		r.edit("app/sums.go", "func Signature(sid string) []byte {\n\th := md5.New()\n\th.Write([]byte(sid))", "func Signature(sessionID string) []byte {\n\th := md5.New()\n\th.Write([]byte(sessionID))")
		r.commit("rename and edit")
	}, map[string]string{
		"G501 app/hash.go:4":  "G501 app/sums.go:4",
		"G505 app/hash.go:5":  "G505 app/sums.go:5",
		"G401 app/hash.go:10": "G401 app/sums.go:13",
		"G401 app/hash.go:17": "G401 app/sums.go:20",
		"G401 app/hash.go:24": "G401 app/sums.go:27",
	})
}

// gofmt sorting imports moves an import line away from its neighbours: the
// same import (unique in the file) keeps its decision.
func TestSortedImports(t *testing.T) {
	scenario(t, func(r *gitRepo) {
		r.edit("app/hash.go", "import (\n\t\"crypto/md5\"\n\t\"crypto/sha1\"\n)", "import (\n\t\"crypto/sha1\"\n\t\"errors\"\n\t\"fmt\"\n\t\"os\"\n\t\"strings\"\n\t\"crypto/md5\"\n)\n\nvar _, _, _, _ = os.Args, fmt.Sprint, strings.ToLower, errors.New")
	}, func(r *gitRepo) {
		gofmt := filepath.Join(runtime.GOROOT(), "bin", "gofmt")
		if out, err := exec.Command(gofmt, "-w", filepath.Join(r.dir, "app/hash.go")).CombinedOutput(); err != nil {
			t.Fatalf("gofmt: %v\n%s", err, out)
		}
		if !strings.Contains(r.read("app/hash.go"), "import (\n\t\"crypto/md5\"\n\t\"crypto/sha1\"\n\t\"errors\"") {
			t.Fatalf("gofmt did not sort:\n%s", r.read("app/hash.go"))
		}
		r.commit("gofmt")
	}, map[string]string{
		"G501 app/hash.go:9": "G501 app/hash.go:4",
		"G505 app/hash.go:4": "G505 app/hash.go:5",
	})
}
