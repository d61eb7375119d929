package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/repofs"
)

func init() { registerCommand(newMergeDriverCmd) }

const mergeDriverLong = `Git merge driver for the triage ledger: merges two branches' ledgers record by
record and writes the result to OURS (git's %A).

Set it up once per clone (the attribute line is committed):

  echo '.secui/ledger.yaml merge=secui' >> .gitattributes
  echo '.secui/ledger/*.yaml merge=secui' >> .gitattributes   # sharded ledger (v3)
  git config merge.secui.name "secui triage ledger"
  git config merge.secui.driver "secui merge-driver %O %A %B"

It never trusts a clock: what each branch did is read from its record and
history compared with the common ancestor, not from the times written in them.
Records added, changed or removed on one side are taken (a removal against a
change keeps the change). When both branches changed the same finding's
decision differently, both histories are kept, the record is marked "needs
review" (its decision does not apply: the finding counts as open and
` + "`secui check`" + ` fails) and it is listed on stderr; decide again with
` + "`secui suppress|accept|reopen ID`" + ` to resolve it.

On a sharded ledger (schema v3, secui ledger --upgrade) git runs it once per
shard; the result is a shard again.

Exit codes: 0 merged (also with records marked needs review), 2 a file is not
a valid ledger (OURS is left unchanged; git marks the file conflicted).`

func newMergeDriverCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "merge-driver BASE OURS THEIRS",
		Short: "Git merge driver for .secui/ledger.yaml and its shards (record by record)",
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
			mode := os.FileMode(0o644)
			if st, err := os.Stat(args[1]); err == nil {
				mode = st.Mode().Perm()
			}
			// The path comes from git (%A, a temporary file it chose), not
			// from untrusted input: no confinement, but the same atomic write.
			if err := repofs.WriteAtomic(args[1], out, mode); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			for _, c := range conflicts {
				fmt.Fprintf(cmd.ErrOrStderr(), "secui merge-driver: needs review: %s\n", sanitize(c))
			}
			if len(conflicts) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "secui merge-driver: %d record(s) need review: `secui check` fails until each is decided again (secui ledger lists them)\n", len(conflicts))
			}
			return nil
		},
	}
}
