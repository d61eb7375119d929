package gitrepo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/findings/repofs"
)

var engines = []string{"git", "go-git"}

// twoAuthorRepo: Ana writes main.go (three lines) on 2020-01-02, Bob
// rewrites line 2 on 2021-03-04.
func twoAuthorRepo(t *testing.T) (dir, anaSHA, bobSHA string) {
	t.Helper()
	isolate(t)
	dir = initMainRepo(t)
	putFile(t, dir, "main.go", "package main\nvar key = \"old\"\nfunc main() {}\n")
	anaSHA = commitBy(t, dir, ana, utcDay(2020, 1, 2), "add main.go\n\nwith a body")
	putFile(t, dir, "main.go", "package main\nvar key = os.Getenv(\"KEY\")\nfunc main() {}\n")
	bobSHA = commitBy(t, dir, bob, utcDay(2021, 3, 4), "read the key from the environment")
	return dir, anaSHA, bobSHA
}

func TestBlameLineTwoAuthors(t *testing.T) {
	dir, anaSHA, bobSHA := twoAuthorRepo(t)
	r := openTestRepo(t, dir)
	now := utcDay(2021, 3, 7)
	for _, eng := range engines {
		t.Run(eng, func(t *testing.T) {
			want := []struct {
				who     person
				sha     string
				summary string
				when    time.Time
				age     string
			}{
				{ana, anaSHA, "add main.go", utcDay(2020, 1, 2), "14 months ago"},
				{bob, bobSHA, "read the key from the environment", utcDay(2021, 3, 4), "3 days ago"},
				{ana, anaSHA, "add main.go", utcDay(2020, 1, 2), "14 months ago"},
			}
			for i, w := range want {
				b, err := r.BlameLine(context.Background(), "main.go", i+1, BlameOptions{Engine: eng})
				if err != nil {
					t.Fatalf("line %d: %v", i+1, err)
				}
				if b.Status != BlameCommitted || b.Author != w.who.name || b.Email != w.who.email ||
					b.Commit != w.sha || b.Summary != w.summary || !b.AuthorTime.Equal(w.when) || b.Via != eng {
					t.Errorf("line %d = %+v, want %s <%s> %s %q at %v", i+1, b, w.who.name, w.who.email, w.sha[:7], w.summary, w.when)
				}
				if got := AgeText(b.Age(now)); got != w.age {
					t.Errorf("line %d age = %q, want %q", i+1, got, w.age)
				}
				if eng == "git" && (b.OrigPath != "main.go" || b.OrigLine != i+1) {
					t.Errorf("line %d orig = %s:%d", i+1, b.OrigPath, b.OrigLine)
				}
			}
		})
	}
}

func TestBlameLineUncommitted(t *testing.T) {
	dir, anaSHA, _ := twoAuthorRepo(t)
	r := openTestRepo(t, dir)
	// Insert a line above line 3 and edit nothing else: line 3 is new, Ana's
	// line 3 is now line 4.
	putFile(t, dir, "main.go", "package main\nvar key = os.Getenv(\"KEY\")\nvar debug = true\nfunc main() {}\n")
	putFile(t, dir, "new.go", "package main\n")
	for _, eng := range engines {
		t.Run(eng, func(t *testing.T) {
			b, err := r.BlameLine(context.Background(), "main.go", 3, BlameOptions{Engine: eng})
			if err != nil {
				t.Fatal(err)
			}
			if b.Status != BlameUncommitted || b.Commit != "" || b.Author != "" {
				t.Errorf("edited line = %+v, want not committed yet", b)
			}
			b, err = r.BlameLine(context.Background(), "main.go", 4, BlameOptions{Engine: eng})
			if err != nil {
				t.Fatal(err)
			}
			if b.Status != BlameCommitted || b.Commit != anaSHA || (eng == "git" && b.OrigLine != 3) {
				t.Errorf("moved line = %+v, want Ana's line 3", b)
			}
			b, err = r.BlameLine(context.Background(), "new.go", 1, BlameOptions{Engine: eng})
			if err != nil {
				t.Fatal(err)
			}
			if b.Status != BlameUncommitted || b.Reason != "the file is not committed yet" {
				t.Errorf("untracked file = %+v", b)
			}
		})
	}
}

func TestBlameLineRenamedFile(t *testing.T) {
	dir, anaSHA, bobSHA := twoAuthorRepo(t)
	if err := os.MkdirAll(filepath.Join(dir, "cmd"), 0o755); err != nil {
		t.Fatal(err)
	}
	gitBy(t, dir, bob, utcDay(2021, 4, 1), "mv", "main.go", "cmd/server.go")
	mv := commitBy(t, dir, bob, utcDay(2021, 4, 1), "move main.go to cmd/")
	r := openTestRepo(t, dir)
	for _, eng := range engines {
		t.Run(eng, func(t *testing.T) {
			b, err := r.BlameLine(context.Background(), "cmd/server.go", 1, BlameOptions{Engine: eng})
			if err != nil {
				t.Fatal(err)
			}
			if b.Commit == mv {
				t.Fatalf("line 1 blamed on the rename commit, want Ana's original commit")
			}
			if b.Commit != anaSHA || b.Author != ana.name || b.Path != "cmd/server.go" || (eng == "git" && b.OrigPath != "main.go") {
				t.Errorf("renamed line = %+v, want Ana's commit on main.go", b)
			}
			b, err = r.BlameLine(context.Background(), "cmd/server.go", 2, BlameOptions{Engine: eng})
			if err != nil {
				t.Fatal(err)
			}
			if b.Commit != bobSHA || b.Author != bob.name {
				t.Errorf("line 2 = %+v, want Bob's edit", b)
			}
		})
	}
}

func TestBlameLineBounds(t *testing.T) {
	dir, _, _ := twoAuthorRepo(t)
	r := openTestRepo(t, dir)
	ctx := context.Background()
	for _, eng := range engines {
		t.Run(eng, func(t *testing.T) {
			b, err := r.BlameLine(ctx, "main.go", 1, BlameOptions{Engine: eng, MaxFileSize: 10})
			if err != nil {
				t.Fatal(err)
			}
			if b.Status != BlameUnknown || !strings.HasPrefix(b.Reason, "too large: main.go is ") {
				t.Errorf("over the size limit = %+v", b)
			}
			if _, err := r.BlameLine(ctx, "main.go", 99, BlameOptions{Engine: eng}); err == nil || !strings.Contains(err.Error(), "past the end") {
				t.Errorf("line 99: err = %v, want past the end", err)
			}
			if _, err := r.BlameLine(ctx, "missing.go", 1, BlameOptions{Engine: eng}); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("missing file: err = %v", err)
			}
		})
	}
	// Paths come from SARIF: confined like every other read.
	for _, p := range []string{"../outside.go", "/etc/passwd", ".git/config", "sub/../../x"} {
		_, err := r.BlameLine(ctx, p, 1, BlameOptions{})
		if !repofs.IsRefused(err) {
			t.Errorf("BlameLine(%q): err = %v, want a repofs refusal", p, err)
		}
	}
	if err := os.Symlink("/etc/hostname", filepath.Join(dir, "link")); err == nil {
		if _, err := r.BlameLine(ctx, "link", 1, BlameOptions{}); !repofs.IsRefused(err) {
			t.Errorf("symlink out: err = %v, want a refusal", err)
		}
	}
}

func TestBlameLineNoCommits(t *testing.T) {
	isolate(t)
	dir := initMainRepo(t)
	putFile(t, dir, "a.go", "package a\n")
	b, err := openTestRepo(t, dir).BlameLine(context.Background(), "a.go", 1, BlameOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != BlameUncommitted {
		t.Errorf("no commits: %+v", b)
	}
}

// A blame that walks a long history of a large file returns promptly when
// its context is cancelled, and gives "timed out" past its time budget —
// never a hang. (The console runs blame in the background with this.)
func TestBlameLineCancelLargeHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a large history")
	}
	isolate(t)
	dir := bigHistory(t, 100000, 40)
	r := openTestRepo(t, dir)

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(150*time.Millisecond, cancel)
	start := time.Now()
	b, err := r.BlameLine(ctx, "big.txt", 1, BlameOptions{})
	took := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled blame = %+v, %v; want context.Canceled (was the history long enough?)", b, err)
	}
	if took > 3*time.Second {
		t.Errorf("cancelled blame returned after %v, want promptly after 150ms", took)
	}

	start = time.Now()
	b, err = r.BlameLine(context.Background(), "big.txt", 1, BlameOptions{Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != BlameUnknown || !strings.HasPrefix(b.Reason, "timed out after 200ms") {
		t.Errorf("over the time budget = %+v", b)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("timed-out blame returned after %v", took)
	}

	// A size limit keeps this 5 MB file out before any work is done.
	b, err = r.BlameLine(context.Background(), "big.txt", 1, BlameOptions{MaxFileSize: 1 << 20})
	if err != nil || b.Status != BlameUnknown || !strings.HasPrefix(b.Reason, "too large") {
		t.Errorf("default limit: %+v, %v", b, err)
	}
}

func TestParsePorcelain(t *testing.T) {
	out := "1234567890123456789012345678901234567890 7 9 1\n" +
		"author Zoë \x1b[31mRed\n" +
		"author-mail <z@example.com>\n" +
		"author-time 1700000000\n" +
		"author-tz -0130\n" +
		"committer C\n" +
		"summary fix: the thing\n" +
		"boundary\n" +
		"filename old/name.go\n" +
		"\tpassword = \"hunter2\"\n"
	var b Blame
	if err := parsePorcelain([]byte(out), &b); err != nil {
		t.Fatal(err)
	}
	if b.Commit != "1234567890123456789012345678901234567890" || b.OrigLine != 7 || b.Email != "z@example.com" ||
		b.Summary != "fix: the thing" || !b.Boundary || b.OrigPath != "old/name.go" || b.Status != BlameCommitted {
		t.Errorf("parsed %+v", b)
	}
	if _, off := b.AuthorTime.Zone(); off != -(3600+1800) || b.AuthorTime.Unix() != 1700000000 {
		t.Errorf("time = %v", b.AuthorTime)
	}
	if b.Author != "Zoë \x1b[31mRed" {
		t.Errorf("author = %q (kept raw: sanitised when shown)", b.Author)
	}
	for _, bad := range []string{"", "short 1 1 1\n"} {
		if err := parsePorcelain([]byte(bad), &Blame{}); err == nil {
			t.Errorf("parsePorcelain(%q): no error", bad)
		}
	}
}

func TestAgeText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second: "just now", time.Minute: "1 minute ago", 5 * time.Hour: "5 hours ago",
		36 * time.Hour: "1 day ago", 90 * 24 * time.Hour: "3 months ago", 800 * 24 * time.Hour: "2 years ago",
	} {
		if got := AgeText(d); got != want {
			t.Errorf("AgeText(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestMapLine(t *testing.T) {
	old := "a\nb\nc\nd\n"
	cases := []struct {
		new  string
		n    int
		want int
		ok   bool
	}{
		{old, 3, 3, true},
		{"x\na\nb\nc\nd\n", 1, 0, false},
		{"x\na\nb\nc\nd\n", 4, 3, true},
		{"a\nB\nc\nd\n", 2, 0, false},
		{"a\nB\nc\nd\n", 3, 3, true},
		{"a\nc\nd\n", 3, 4, true},
		{"a\nc\nd", 3, 0, false}, // a newline removed at the end changes the line, as in git
	}
	for _, c := range cases {
		got, ok := mapLine(old, c.new, c.n)
		if got != c.want || ok != c.ok {
			t.Errorf("mapLine(%q, %d) = %d, %v; want %d, %v", c.new, c.n, got, ok, c.want, c.ok)
		}
	}
}

func TestBlamerCaches(t *testing.T) {
	dir, anaSHA, bobSHA := twoAuthorRepo(t)
	r := openTestRepo(t, dir)
	bl := r.NewBlamer(BlameOptions{})
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		b, err := bl.Blame(ctx, "main.go", 1)
		if err != nil || b.Commit != anaSHA {
			t.Fatalf("blame: %+v, %v", b, err)
		}
		b.Author = "changed by the caller" // the cache keeps its own copy
	}
	if bl.runs != 1 {
		t.Errorf("3 blames of one line ran git %d times, want 1", bl.runs)
	}
	if b, _ := bl.Blame(ctx, "main.go", 1); b.Author != ana.name {
		t.Errorf("cached copy was changed: %q", b.Author)
	}
	// An edit of the file (size/mtime) and a new commit (HEAD) invalidate.
	putFile(t, dir, "main.go", "package main // edited\nvar key = os.Getenv(\"KEY\")\nfunc main() {}\n")
	if b, _ := bl.Blame(ctx, "main.go", 1); b.Status != BlameUncommitted || bl.runs != 2 {
		t.Errorf("after an edit: %+v, runs %d", b, bl.runs)
	}
	c := commitBy(t, dir, bob, utcDay(2021, 5, 5), "edit line 1")
	if b, _ := bl.Blame(ctx, "main.go", 1); b.Commit != c || bl.runs != 3 {
		t.Errorf("after a commit: %+v, runs %d", b, bl.runs)
	}
	if b, _ := bl.Blame(ctx, "main.go", 2); b.Commit != bobSHA {
		t.Errorf("line 2: %+v", b)
	}
	if _, err := bl.Blame(ctx, "../x", 1); !repofs.IsRefused(err) {
		t.Errorf("refused path: %v", err)
	}
	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := bl.Blame(ctx2, "main.go", 3); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if b, err := bl.Blame(ctx, "main.go", 3); err != nil || b.Commit != anaSHA {
		t.Errorf("a cancelled blame was cached: %+v, %v", b, err)
	}
}
