package main

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/secui/secui/cmd/secui/internal/tmuxenv"
	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/internal/trace"
	"github.com/secui/secui/tui"
	"github.com/secui/secui/tui/keys"
)

// TMUX was hidden from the packages' init (tmuxenv: lipgloss ran `tmux info`
// at init, 20-35 ms before main); package main's init runs after all of them.
func init() { tmuxenv.Restore() }

// runConsole opens the interactive console (tui.Run) on the environment's
// findings. Loading happens inside the console, file by file, so it opens at
// once; load errors are shown in its status line instead of on stderr.
func runConsole(cmd *cobra.Command, e *env) error {
	trace.Mark("console")
	if _, err := keys.Default().WithOverrides(e.Config.UI.Keys); err != nil {
		return configErr(err) // a bad ui.keys is a configuration error (exit 2)
	}
	if !term.IsTerminal(os.Stdout.Fd()) {
		return usageErr("the console needs a terminal; use `secui list` (or --json) for scripts")
	}
	input, err := consoleInput(e.Paths)
	if err != nil {
		return err
	}
	if input != nil {
		defer input.Close()
	}
	// The ledger opens in the background while the findings load (a large
	// one takes seconds), once: a load that needs it (GoneFixed) waits for
	// the same open. An invalid ledger is passed read-only: the console
	// says so on a triage key.
	var ledgerOnce sync.Once
	var led *ledger.Ledger
	open := func() *ledger.Ledger {
		ledgerOnce.Do(func() { led, _ = openLedger(e) })
		return led
	}
	needsLedger := e.Repo != nil && len(e.Paths) == 0 && len(e.Config.Scanners) > 0
	quiet := *e
	quiet.Err = io.Discard // the console shows load errors itself
	quiet.noLedger = true  // the console matches the ledger itself (once)
	if needsLedger {
		// the same ledger the console matches, asked for when the load
		// needs it (after the findings are read: the first rows never wait)
		quiet.ledgerOpen = open
	}
	loadPartial := func(ctx context.Context, onPartial func(string, []*findings.Finding), onFile func(string, []*findings.Finding, error)) (*findings.Set, error) {
		trace.Mark("load-start")
		if onPartial != nil && trace.On() {
			inner := onPartial
			onPartial = func(file string, fs []*findings.Finding) {
				trace.Once("engine-partial")
				inner(file, fs)
			}
		}
		set, err := quiet.loadPartial(ctx, onPartial, onFile)
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
	// The collector is off until the first rows are on screen: before
	// them, a 10k or 100k load ran 4-5 collections of a 4-16 MB heap, each
	// with its stop-the-world phases on a machine whose two cores the
	// decoding holds. Back on a little after the first rows (not in the
	// middle of their frame), or when the load ends, or when the limit
	// forces a collection.
	restoreGC := consoleGCOff()
	firstRows := func() { time.AfterFunc(gcBackAfterRows, restoreGC) }
	loadFirst := loadPartial
	loadPartial = func(ctx context.Context, onPartial func(string, []*findings.Finding), onFile func(string, []*findings.Finding, error)) (*findings.Set, error) {
		defer restoreGC()
		return loadFirst(ctx, onPartial, onFile)
	}
	load := func(ctx context.Context, onFile func(string, []*findings.Finding, error)) (*findings.Set, error) {
		return loadPartial(ctx, nil, onFile)
	}
	return tui.Run(ctx, tui.Options{
		FirstRows: firstRows,
		Root:      e.Root,
		Repo:      e.Repo,
		Config:    e.Config,
		Paths:     e.Paths,
		Load:      load,
		// rows of a big file show while it is read (provisional, no identity)
		LoadPartial: loadPartial,
		Query:       e.QueryText,
		NoColor:     e.NoColor,
		OpenLedger:  open,
		Now:         nowFunc,
		WorkTree:    e.overlayOptions,
		Input:       input,
		Watch:       watchPaths(e),
	})
}

// consoleInput is the terminal the console reads keys from: stdin, or, when
// SARIF is piped in (`cat x.sarif | secui -`), /dev/tty while the loader
// reads the pipe. nil means stdin.
func consoleInput(paths []string) (*os.File, error) {
	stdin := slices.Contains(paths, "-")
	if term.IsTerminal(os.Stdin.Fd()) {
		if stdin {
			return nil, usageErr("- reads SARIF from stdin, but stdin is the terminal; pipe a file into it: cat scan.sarif | secui -")
		}
		return nil, nil
	}
	if !stdin {
		return nil, usageErr("the console needs a terminal; use `secui list` (or --json) for scripts, or pass - to read SARIF from stdin")
	}
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return nil, usageErr("reading SARIF from stdin, the console needs the terminal for keys: %v", err)
	}
	return tty, nil
}

// watchPaths says whether the console watches its scan files and ledger
// (SECUI_NO_WATCH=1 turns it off). With stdin or a pipe among the inputs
// only the ledger is watched: a pipe cannot be read twice.
func watchPaths(e *env) func() tui.WatchList {
	return func() tui.WatchList {
		wl := tui.WatchList{Off: os.Getenv("SECUI_NO_WATCH") != ""}
		for _, p := range e.Paths {
			if p == "-" {
				wl.NoScans = true
				continue
			}
			if st, err := os.Stat(p); err == nil && !st.IsDir() && !st.Mode().IsRegular() {
				wl.NoScans = true
			}
		}
		return wl
	}
}

// gcBackAfterRows is how long after the View with the first rows the
// collector is turned back on (its first cycle then marks the heap the
// first rows left while their frame is flushed).
const gcBackAfterRows = 100 * time.Millisecond

// consoleGCLimit bounds the memory while the collector is off at the
// console's start: the first rows come with a heap of 15-30 MB; a load that
// grows past this without showing a row collects as usual from there on.
const consoleGCLimit = 512 << 20

// consoleGCOff turns the collector off until the returned function is
// called (safe to call more than once), under a memory limit
// (consoleGCLimit, or a lower one already set): reaching it, the runtime
// collects and armGCNotice restores the collector.
func consoleGCOff() func() {
	gcPercent := debug.SetGCPercent(-1)
	limit := debug.SetMemoryLimit(-1)
	debug.SetMemoryLimit(min(limit, consoleGCLimit))
	var once sync.Once
	restore := func() {
		once.Do(func() {
			debug.SetGCPercent(gcPercent)
			debug.SetMemoryLimit(limit)
		})
	}
	armGCNotice(restore)
	return restore
}
