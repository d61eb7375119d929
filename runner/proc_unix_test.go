//go:build unix

package runner

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secui/secui/findings/config"
)

// A timeout kills the scanner's whole process group, not only its leader.
func TestTimeoutKillsProcessGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	s := &config.Scanner{Name: "sleepy", Stages: []string{"code"}, ExitCodes: []int{0}, Timeout: 300 * time.Millisecond,
		Run: []string{"sh", "-c", "sleep 60 & echo $! > " + pidFile + "; echo started >&2; wait"}}
	var lines []string
	x := Execute(context.Background(), s, Options{Root: dir, Grace: 200 * time.Millisecond, Progress: func(e Event) {
		if e.Kind == EventLine {
			lines = append(lines, e.Line)
		}
	}})
	defer x.Discard()
	if x.Status != StatusTimeout {
		t.Fatalf("status %s %s", x.Status, x.Reason)
	}
	if len(lines) != 1 || lines[0] != "started" {
		t.Errorf("progress lines %q, want the scanner's stderr line", lines)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the scanner's child %d survived the timeout", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if d := x.End.Sub(x.Start); d > 3*time.Second {
		t.Errorf("took %v to stop", d)
	}
}
