package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/query"
	"github.com/secui/secui/findings/repofs"
)

func init() { registerCommand(newExportCmd) }

func newExportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export [PATH...]",
		Short: "Export results with triage decisions as SARIF (suppressions) or OpenVEX",
		Long: `Export the scan results with the ledger's decisions.

--format sarif (default): the input results, every property preserved, as one
SARIF 2.1.0 log. Suppressed findings carry a suppression {kind: external,
status: accepted, justification "<reason>: <text>", location: the ledger
record}; an expired suppression is written with status rejected; tracker
links go to workItemUris. GitHub code scanning, the SARIF viewers and secui
itself then see the decisions.

--format openvex: an OpenVEX 0.2.0 document for SCA findings (one statement
per vulnerability and package): false-positive → not_affected
(vulnerable_code_not_present), used-in-tests → not_affected
(vulnerable_code_not_in_execute_path), mitigated → not_affected
(inline_mitigations_already_exist), accepted-risk / wont-fix / accepted →
affected with an action statement, fixed → fixed, open or expired →
under_investigation.

The shared filter flags narrow what is exported.`,
		Example: `  secui export -o results.sarif && gh code-scanning upload ... (or codeql-action/upload-sarif)
  secui export --format openvex --category sca -o vex.json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := newEnv(cmd, args)
			if err != nil {
				return err
			}
			return runExport(cmd.Context(), cmd, e)
		},
	}
	addFilterFlags(cmd)
	f := cmd.Flags()
	f.String("format", "sarif", "Output format: sarif or openvex")
	f.StringP("output", "o", "", "write to FILE (atomically) instead of stdout")
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletion([]string{"sarif", "openvex"}))
	return cmd
}

func runExport(ctx context.Context, cmd *cobra.Command, e *env) error {
	format := flagString(cmd, "format")
	if format != "sarif" && format != "openvex" {
		return usageErr("--format %q: want sarif or openvex", format)
	}
	set, err := e.load(ctx)
	if err != nil {
		return err
	}
	l, ov, err := applyLedger(e, set)
	if err != nil {
		return err
	}
	opts := ledger.ExportOptions{Root: e.Root, Now: nowFunc(), Limits: e.Config.Limits}
	if e.Repo != nil {
		opts.Author, _ = e.Repo.DecisionAuthor()
	}
	if e.Query != nil && !e.Query.IsEmpty() {
		idx, err := query.Filter(ctx, set.Findings, e.Query, ov)
		if err != nil {
			return err
		}
		keep := make(map[*findings.Finding]bool, len(idx))
		for _, i := range idx {
			keep[set.Findings[i]] = true
		}
		opts.Keep = func(f *findings.Finding) bool { return keep[f] }
	}
	write := func(w io.Writer) error {
		if format == "openvex" {
			return ledger.ExportOpenVEX(w, set, ov, opts)
		}
		return ledger.ExportSARIF(w, set, ov, l, opts)
	}
	out := flagString(cmd, "output")
	if out == "" || out == "-" {
		bw := bufio.NewWriterSize(e.Out, 1<<16)
		if err := write(bw); err != nil {
			return &exitError{code: exitFailed, err: err}
		}
		return bw.Flush()
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return usageErr("-o: %v", err)
	}
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	// Inside the repository the one confinement applies (never .git, no
	// symlink leading out); a path outside it is the user's explicit choice.
	// Either way the write is atomic: the old file or the new one.
	if rel, ok := insideRoot(e.Root, abs); ok {
		rfs, err := repofs.Open(e.Root)
		if err != nil {
			return &exitError{code: exitFailed, err: err}
		}
		defer rfs.Close()
		if err := rfs.WriteFileAtomic(rel, buf.Bytes(), 0o644); err != nil {
			return &exitError{code: exitFailed, err: fmt.Errorf("-o %s: %w", out, err)}
		}
		return nil
	}
	if err := repofs.WriteAtomic(abs, buf.Bytes(), 0o644); err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("-o %s: %w", out, err)}
	}
	return nil
}

// insideRoot returns abs relative to root when it lies inside root (by its
// real location: a symlinked folder on the way counts where it leads).
func insideRoot(root, abs string) (string, bool) {
	if root == "" {
		return "", false
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", false
	}
	if rel, ok := relUnder(root, abs); ok {
		return rel, true
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		return relUnder(realRoot, filepath.Join(dir, filepath.Base(abs)))
	}
	return relUnder(realRoot, abs)
}

func relUnder(base, p string) (string, bool) {
	rel, err := filepath.Rel(base, p)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}
