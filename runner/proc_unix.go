//go:build unix

package runner

import (
	"os/exec"
	"syscall"
	"time"
)

// setGroup starts the scanner in a process group of its own: the terminal's
// ctrl+c reaches secui, which then ends the scanner and everything it
// started (gosec runs `go list`, for example) as one.
func setGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup sends SIGTERM to the scanner's process group, SIGKILL after
// grace if it has not exited, and returns Wait's error.
func killGroup(cmd *exec.Cmd, done <-chan error, grace time.Duration) error {
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case err := <-done:
		_ = syscall.Kill(-pgid, syscall.SIGKILL) // children that outlived the leader
		return err
	case <-t.C:
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	return <-done
}
