// Package tmuxenv hides $TMUX from the other packages' initialisation.
//
// charm.land/lipgloss/v2 builds its package variable Writer with
// colorprofile.NewWriter(os.Stdout, os.Environ()) at init. Under tmux, with
// a terminal on stdout, colorprofile runs `tmux info` to see whether tmux
// passes true colour: a fork and exec of the tmux client before main,
// 20-35 ms of every secui process in a tmux pane (issue 12 item 2: the
// console's first frame). secui never uses lipgloss.Writer (Bubble Tea
// detects the profile itself, tui.Run asks tmux in the background, fang
// builds its own writers when it prints help or an error).
//
// This package imports only os, so it is initialised before lipgloss: Go
// initialises packages in import-path order as soon as their imports are,
// and lipgloss (through colorprofile) waits for os/exec, which sorts after
// github.com/secui/... Its init removes TMUX from the environment, and
// package main's init puts it back (Restore) before anything else reads
// it. TestStartupNoTmuxExec checks that `secui version` runs no tmux.
package tmuxenv

import "os"

var (
	value string
	set   bool
)

func init() {
	value, set = os.LookupEnv("TMUX")
	if set {
		os.Unsetenv("TMUX")
	}
}

// Restore puts TMUX back as it was when the process started. Call it from
// package main's init (after every other package's).
func Restore() {
	if set {
		os.Setenv("TMUX", value)
		set = false
	}
}
