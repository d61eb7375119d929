//go:build linux || darwin || freebsd || netbsd || openbsd

package findings

import (
	"context"
	"io"
	"os"
	"runtime/debug"
	"syscall"
)

// A regular file is scanned where the kernel keeps it (mapped a window at a
// time) rather than copied into a buffer by read: on the 100k gensarif log
// the copy was most of the load's system time (paired runs on the 2-core VM:
// 62 ms of system time mapped, 89 ms read; task-clock -1.8 %). The scanner
// sees the same bytes in pieces of streamChunk at most, as from read;
// whatever it keeps it copies (captures, keys, tokens cut by a piece's end),
// so nothing refers to a window once it is unmapped. A file cut short while
// it is mapped would fault (SIGBUS) where its bytes are gone: the scan then
// stops with an error instead of crashing (debug.SetPanicOnFault). A file
// that grew is read on from where the mapping ended.

// mapWindow is the size of the file windows mapped (a multiple of any page
// size).
const mapWindow = 8 << 20

// mappedHook, when set (tests), runs after each window is mapped.
var mappedHook func(f *os.File, off int64)

// scanMapped scans f from s.off to the size it has now, window by window,
// and leaves f's offset at s.off for the read loop to go on from. It does
// nothing (the file is then read) when f cannot be mapped.
func (s *streamState) scanMapped(ctx context.Context, f *os.File) {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return
	}
	size := st.Size()
	for s.off < size && !s.bad {
		if ctx.Err() != nil {
			s.bad = true
			return
		}
		if !s.scanWindow(f, size) {
			break
		}
	}
	if !s.bad {
		if _, err := f.Seek(s.off, io.SeekStart); err != nil {
			s.failNoPos("reading: " + err.Error())
		}
	}
}

// scanWindow maps the window of f holding s.off (up to size) and scans it;
// false when it could not be mapped.
func (s *streamState) scanWindow(f *os.File, size int64) (mapped bool) {
	base := s.off &^ (mapWindow - 1)
	n := min(int64(mapWindow), size-base)
	m, err := syscall.Mmap(int(f.Fd()), base, int(n), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return false
	}
	defer syscall.Munmap(m)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if _, fault := r.(interface{ Addr() uintptr }); !fault {
				panic(r)
			}
			s.failNoPos("reading: the file was cut short while it was read")
		}
	}()
	if mappedHook != nil {
		mappedHook(f, base)
	}
	for p := s.off - base; p < n && !s.bad; p = s.off - base {
		s.scan(m[p:min(p+int64(streamChunk), n)])
	}
	return true
}
