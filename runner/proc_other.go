//go:build !unix

package runner

import (
	"os/exec"
	"time"
)

func setGroup(*exec.Cmd) {}

// killGroup kills the scanner process (no process groups here).
func killGroup(cmd *exec.Cmd, done <-chan error, grace time.Duration) error {
	_ = cmd.Process.Kill()
	return <-done
}
