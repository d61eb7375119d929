package main

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/tui"
	"github.com/secui/secui/tui/keys"
)

// runConsole opens the interactive console (tui.Run) on the environment's
// findings. Loading happens inside the console, file by file, so it opens at
// once; load errors are shown in its status line instead of on stderr.
func runConsole(cmd *cobra.Command, e *env) error {
	if _, err := keys.Default().WithOverrides(e.Config.UI.Keys); err != nil {
		return configErr(err) // a bad ui.keys is a configuration error (exit 2)
	}
	if !term.IsTerminal(os.Stdout.Fd()) || !term.IsTerminal(os.Stdin.Fd()) {
		return usageErr("the console needs a terminal; use `secui list` (or --json) for scripts")
	}
	// An invalid ledger is passed read-only: the console says so on a triage key.
	// Opened once: the load (GoneFixed) shares it through quiet.
	l, _ := openLedger(e)
	quiet := *e
	quiet.Err = io.Discard // the console shows load errors itself
	quiet.noLedger = true  // the console matches the ledger itself (once)
	load := func(ctx context.Context, onFile func(string, []*findings.Finding, error)) (*findings.Set, error) {
		set, err := quiet.loadWith(ctx, onFile)
		var xe *exitError
		if set != nil && errors.As(err, &xe) && xe.code == exitNoInput {
			// every file failed: the console lists the errors and stays open
			return set, nil
		}
		return set, err
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return tui.Run(ctx, tui.Options{
		Root:     e.Root,
		Repo:     e.Repo,
		Config:   e.Config,
		Paths:    e.Paths,
		Load:     load,
		Query:    e.QueryText,
		NoColor:  e.NoColor,
		Ledger:   l,
		Now:      nowFunc,
		WorkTree: e.overlayOptions,
	})
}
