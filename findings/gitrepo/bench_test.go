package gitrepo

import (
	"os/exec"
	"testing"
)

func runGitB(b *testing.B, dir string, args ...string) {
	b.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=T", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Skipf("git %v: %v %s", args, err, out)
	}
}

func BenchmarkOpen(b *testing.B) {
	dir := b.TempDir()
	runGitB(b, dir, "init", "-q")
	runGitB(b, dir, "commit", "-q", "--allow-empty", "-m", "x")
	runGitB(b, dir, "remote", "add", "origin", "git@github.com:o/r.git")
	for b.Loop() {
		if _, err := Open(dir); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseRemoteURL(b *testing.B) {
	for b.Loop() {
		ParseRemoteURL("https://user:tok@github.mycorp.com:8443/group/sub/repo.git/")
	}
}
