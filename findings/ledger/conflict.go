package ledger

import (
	"bytes"
	"fmt"
)

// conflictMarkers finds git's conflict markers in a ledger file (left by
// git's line merge when the secui merge driver is not configured) and
// returns one issue saying how to resolve them, or nil.
func conflictMarkers(name string, data []byte) *Issue {
	line, first, blocks := 0, 0, 0
	firstMarker := ""
	for len(data) > 0 {
		line++
		var ln []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			ln, data = data[:i], data[i+1:]
		} else {
			ln, data = data, nil
		}
		ln = bytes.TrimRight(ln, "\r")
		m := ""
		switch {
		case bytes.Equal(ln, []byte("<<<<<<<")) || bytes.HasPrefix(ln, []byte("<<<<<<< ")):
			m = "<<<<<<<"
			blocks++
		case bytes.Equal(ln, []byte("=======")):
			m = "======="
		case bytes.Equal(ln, []byte(">>>>>>>")) || bytes.HasPrefix(ln, []byte(">>>>>>> ")):
			m = ">>>>>>>"
		case bytes.Equal(ln, []byte("|||||||")) || bytes.HasPrefix(ln, []byte("||||||| ")):
			m = "|||||||"
		}
		if m != "" && first == 0 {
			first, firstMarker = line, m
		}
	}
	if first == 0 {
		return nil
	}
	if blocks == 0 {
		blocks = 1
	}
	return &Issue{File: name, Line: first, Col: 1, Field: "merge", Msg: fmt.Sprintf(
		"git conflict marker %q (%d conflicted block(s)): git merged this ledger line by line. "+
			"Let secui merge it record by record: configure the merge driver once "+
			"(see `secui merge-driver --help`: a .gitattributes line and two `git config` settings), "+
			"then run `git checkout -m -- %s` to redo this file's merge with it. "+
			"Or pick a side (`git checkout --ours -- %s` or `--theirs`) and re-run the other side's "+
			"secui decisions", firstMarker, blocks, name, name)}
}
