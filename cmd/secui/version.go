package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func init() { registerCommand(newVersionCmd) }

// buildInfo describes this binary.
type buildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date,omitempty"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

func currentBuild() buildInfo {
	b := buildInfo{Version: versionString(), Commit: commit, Date: date,
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if b.Commit == "" {
		if info, ok := debug.ReadBuildInfo(); ok {
			for _, s := range info.Settings {
				if s.Key == "vcs.revision" {
					b.Commit = s.Value
				}
			}
		}
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	return b
}

func newVersionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b := currentBuild()
			w := cmd.OutOrStdout()
			if flagBool(cmd, "json") {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(b)
			}
			fmt.Fprintf(w, "secui %s\ncommit: %s\n", b.Version, b.Commit)
			if b.Date != "" {
				fmt.Fprintf(w, "built:  %s\n", b.Date)
			}
			fmt.Fprintf(w, "go:     %s %s\n", b.GoVersion, b.Platform)
			return nil
		},
	}
	cmd.Flags().Bool("json", false, "print as JSON")
	return cmd
}
