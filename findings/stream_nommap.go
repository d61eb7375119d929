//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package findings

import (
	"context"
	"os"
)

// scanMapped does nothing where files are not mapped: the read loop reads
// the whole file (see stream_mmap.go).
func (s *streamState) scanMapped(context.Context, *os.File) {}
