package testutil

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// LongHistory builds, with git fast-import, a repository (branch main,
// checked out) whose big.txt has lines lines and is rewritten in commits
// commits by "Ana Lima <ana@example.com>": a share of its lines changes
// each time and line 1 never does, so blaming line 1 walks and diffs the
// whole history. 100000 lines × 40 commits (a 5 MB file) takes git blame
// seconds — long enough to show that a UI keeps answering while blame runs
// and that cancellation is prompt. The test is skipped without git.
func LongHistory(t testing.TB, lines, commits int) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not available")
	}
	dir := t.TempDir()
	run := func(stdin func(*bufio.Writer) error, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1")
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if stdin == nil {
			if err := cmd.Run(); err != nil {
				t.Fatalf("git %v: %v\n%s", args, err, out.String())
			}
			return
		}
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriterSize(in, 1<<20)
		werr := stdin(w)
		if werr == nil {
			werr = w.Flush()
		}
		in.Close()
		if err := cmd.Wait(); err != nil || werr != nil {
			t.Fatalf("git %v: %v %v\n%s", args, err, werr, out.String())
		}
	}
	run(nil, "init", "-q")
	run(func(w *bufio.Writer) error {
		cur := make([]string, lines)
		for i := range cur {
			cur[i] = fmt.Sprintf("line %d of a long file, unchanged since the start", i+1)
		}
		var body strings.Builder
		for c := 0; c < commits; c++ {
			if c > 0 {
				for i := 1 + c%5; i < lines; i += 3 + c%4 {
					cur[i] = fmt.Sprintf("line %d rewritten in commit %d", i+1, c)
				}
			}
			body.Reset()
			for _, l := range cur {
				body.WriteString(l)
				body.WriteByte('\n')
			}
			msg := fmt.Sprintf("commit %d", c)
			ts := 1600000000 + c*3600
			fmt.Fprintf(w, "commit refs/heads/main\nauthor Ana Lima <ana@example.com> %d +0000\ncommitter Ana Lima <ana@example.com> %d +0000\ndata %d\n%s\n", ts, ts, len(msg), msg)
			if _, err := fmt.Fprintf(w, "M 644 inline big.txt\ndata %d\n%s\n", body.Len(), body.String()); err != nil {
				return err
			}
		}
		return nil
	}, "fast-import", "--quiet")
	run(nil, "checkout", "-q", "-f", "main")
	return dir
}
