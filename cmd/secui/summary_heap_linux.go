package main

import (
	"os"
	"strings"
	"syscall"
)

const populateSupported = true

const (
	// madvPopulateWrite is MADV_POPULATE_WRITE (Linux 5.14): fault the range
	// in writable without touching it. On older kernels madvise fails and
	// the pages fault in as the heap uses them, as without it.
	madvPopulateWrite = 23
	madvHugepage      = 14 // MADV_HUGEPAGE
)

// populate faults the n bytes of heap memory at base in, a chunk per call,
// lowest addresses first. The heap may use the memory meanwhile:
// populating changes none of its bytes. When the kernel has free 2 MiB
// blocks to spare, the range is backed by transparent huge pages first
// (one fault per 2 MiB instead of 512), never when that could make the
// kernel compact memory (see hugePagesFree).
func populate(base, n uintptr) {
	if hugePagesFree(n, readFileString("/proc/buddyinfo"), readFileString("/sys/kernel/mm/transparent_hugepage/enabled")) {
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, base, n, madvHugepage)
	}
	for n > 0 {
		c := min(n, heapPrepChunk)
		if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, base, c, madvPopulateWrite); e != 0 {
			return
		}
		base, n = base+c, n-c
	}
}

func readFileString(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return string(b)
}

// hugePagesFree reports whether transparent huge pages are on for regions
// that ask (thp: the "enabled" setting, "[always]" or "[madvise]") and the
// kernel's free blocks of 2 MiB and more (buddyinfo: /proc/buddyinfo, 4 KiB
// pages, orders 9 and up) cover four times n bytes: then huge pages for n
// bytes come from free memory, without the compaction that can stall a
// fault for seconds on a machine short of memory.
func hugePagesFree(n uintptr, buddyinfo, thp string) bool {
	if os.Getpagesize() != 4096 || !strings.Contains(thp, "[always]") && !strings.Contains(thp, "[madvise]") {
		return false
	}
	var free uint64 // bytes in free blocks of order 9 and more
	for _, line := range strings.Split(buddyinfo, "\n") {
		_, counts, ok := strings.Cut(line, "zone")
		if !ok {
			continue
		}
		f := strings.Fields(counts)
		if len(f) < 2 {
			continue
		}
		for order, s := range f[1:] { // f[0] is the zone's name
			c, ok := parseCount(s)
			if !ok {
				return false
			}
			if order >= 9 && order < 40 {
				free += uint64(c) << (order + 12)
			}
		}
	}
	return free/4 >= uint64(n)
}
