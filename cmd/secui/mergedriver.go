package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/secui/secui/findings/ledger"
)

func init() { registerCommand(newMergeDriverCmd) }

const mergeDriverLong = `Git merge driver for the triage ledger: merges two branches' ledgers record by
record and writes the result to OURS (git's %A). Exit 0 when the merge is
clean, 1 when some record could not be reconciled (ours is kept for it and the
conflict is listed on stderr; git then marks the file as conflicted), 2 when
a file is not a valid ledger (OURS is left unchanged).

Set it up once per clone (the attribute line is committed):

  echo '.secui/ledger.yaml merge=secui' >> .gitattributes
  git config merge.secui.name "secui triage ledger"
  git config merge.secui.driver "secui merge-driver %O %A %B"

Records added or changed on one side are taken; when both sides changed the
same finding, the later decision wins and both histories are kept.`

func newMergeDriverCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "merge-driver BASE OURS THEIRS",
		Short: "Git merge driver for .secui/ledger.yaml (record by record)",
		Long:  mergeDriverLong,
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			read := func(p string) ([]byte, error) {
				b, err := os.ReadFile(p)
				if errors.Is(err, os.ErrNotExist) {
					return nil, nil
				}
				return b, err
			}
			var data [3][]byte
			for i, p := range args {
				b, err := read(p)
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				data[i] = b
			}
			out, conflicts, err := ledger.Merge(data[0], data[1], data[2])
			if err != nil {
				return &exitError{code: exitUsage, err: fmt.Errorf("secui merge-driver: %w", err)}
			}
			if err := writeFileAtomic(args[1], out); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if len(conflicts) > 0 {
				for _, c := range conflicts {
					fmt.Fprintf(cmd.ErrOrStderr(), "secui merge-driver: conflict: %s\n", c)
				}
				return &exitError{code: exitFailed}
			}
			return nil
		},
	}
}

func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if st, err := os.Stat(path); err == nil {
		_ = tmp.Chmod(st.Mode().Perm())
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
