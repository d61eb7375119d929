package main

import "syscall"

const populateSupported = true

// madvPopulateWrite is MADV_POPULATE_WRITE (Linux 5.14): fault the range in
// writable without touching it. On older kernels madvise fails and the
// pages fault in as the heap uses them, as without it.
const madvPopulateWrite = 23

// populate faults the n bytes of heap memory at base in, a chunk per call,
// lowest addresses first. The heap may use the memory meanwhile:
// populating changes none of its bytes.
func populate(base, n uintptr) {
	for n > 0 {
		c := min(n, heapPrepChunk)
		if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, base, c, madvPopulateWrite); e != 0 {
			return
		}
		base, n = base+c, n-c
	}
}
