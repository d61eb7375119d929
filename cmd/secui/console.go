package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// runConsole opens the interactive console. This is a stub: helper "tui"
// replaces this file with the real console (tui.Run).
func runConsole(cmd *cobra.Command, e *env) error {
	fmt.Fprintln(e.Out, "interactive console not built yet")
	return nil
}
