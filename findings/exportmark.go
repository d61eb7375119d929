package findings

import (
	"bytes"
	"context"
)

// ExportMarker is the property secui writes on every SARIF log it exports
// (the log's property bag, written before "runs", and each run's), so that
// discovery never loads secui's own output again as scan results: an export
// inside the repository (`secui export -o results.sarif`) would otherwise
// bring every result back a second time, and a finding reopened in the
// ledger would stay hidden behind the export's old suppression.
const ExportMarker = "secui-export"

// exportHead is how much of a file discovery reads to recognise an export:
// the marker comes right after "$schema" and "version".
const exportHead = 4096

// IsExport reports whether the SARIF file at p (gzip or not) is a secui
// export: its log property bag carries ExportMarker. It reads at most the
// first few kilobytes (decompressed); an unreadable file is not an export
// (loading it reports the error).
func IsExport(p string) bool {
	rc, err := OpenInput(context.Background(), p, Limits{})
	if err != nil {
		return false
	}
	defer rc.Close()
	head, _, err := readHead(rc, exportHead)
	if err != nil && len(head) == 0 {
		return false
	}
	i := bytes.Index(head, []byte(`"runs"`))
	if i < 0 {
		i = len(head)
	}
	return bytes.Contains(head[:i], []byte(`"`+ExportMarker+`"`))
}
