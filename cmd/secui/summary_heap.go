package main

import (
	"context"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
)

// One-shot heap preparation for `secui summary` on big inputs (issue 12).
//
// Before loading, summary sizes the heap it will need from the inputs'
// sizes and has the runtime map it (one large allocation, freed at once), so
// the heap grows once. Garbage collection is off for the load, bounded by a
// memory limit: nothing the load allocates is garbage for long (the
// findings are the heap). The first collection the limit forces puts the
// collector back as it was, as does the end of the load (the load hook
// below).
//
// Until 2026-12-03 it also faulted the prepared heap in ahead of the load
// (madvise MADV_POPULATE_WRITE from a goroutine of its own, backed by
// transparent huge pages when free 2 MiB blocks were there). Measured that
// day on the development VM, in pairs: it saved nothing on warm memory
// (100k, back to back: 0.52–0.62 s of CPU with it, 0.55–0.62 s without)
// and cost much on memory the VM had handed back to the host (free page
// reporting takes exactly the 2 MiB blocks huge pages are made of): 100k
// right after jq 0.75–0.79 s of CPU and 0.43–0.45 s wall with it, 0.56–0.59
// s and 0.31–0.34 s without; 1M 4.1–4.3 s wall (2.7 s of system time) with
// it, 2.8–3.0 s (0.6 s) and 90 MB less RSS without. See docs/engine.md.

const (
	heapPrepMin = 8 << 20 // inputs smaller than this load fast enough as they are
	heapPrepMax = 2 << 30 // never prepare more than this
	// heapPerInputByte is the heap a streamed load allocates per input
	// byte with the collector off (gensarif 100k: 129 MB of SARIF, ~100 MB).
	heapPerInputByte = 0.75
	heapPrepChunk    = 4 << 20
)

// heapPrepSize returns the heap to prepare for loading inputs of size total
// (0: none), given avail bytes of available memory (<0: unknown).
func heapPrepSize(total, avail int64) int64 {
	if total < heapPrepMin {
		return 0
	}
	n := int64(float64(total) * heapPerInputByte)
	n = min(n, heapPrepMax)
	if avail >= 0 && n > avail/4 { // memory is short: leave the kernel alone
		return 0
	}
	return n &^ (heapPrepChunk - 1)
}

// heapLimit is the memory limit while the collector is off: room for the
// prepared heap and a margin; past it the collector runs once and is back
// to normal.
func heapLimit(n int64) int64 { return n + n/4 + 64<<20 }

// heapPrepDone is the restore function of the preparation under way (nil
// when none). The load hook below runs as soon as the findings are loaded,
// before the ledger is opened and matched (triage.go's hook runs after this
// file's). When the repository has a ledger it calls it: from there on the
// collector runs as it would have (its first collection marks the loaded
// heap once, concurrently with the rest of the command); lowering the
// memory limit instead made the collector run back to back once the heap a
// ledger leaves passed it, and a GC goal in its place let the ledger's
// garbage pile up (~12 MB more RSS). Without a ledger the collector stays
// off under a limit with room (loadedHeapLimit): that collection of the
// whole loaded heap would be the only one.
var heapPrepDone atomic.Pointer[func()]

// heapReserve holds the prepared heap's one allocation until it is freed
// (a global, so that the allocation is not optimised away).
var heapReserve []byte

func init() { registerLoadHook(heapLoadHook) }

func heapLoadHook(_ context.Context, e *env, _ *findings.Set) error {
	f := heapPrepDone.Load()
	if f == nil {
		return nil
	}
	if e != nil && !e.noLedger && !ledgerPresent(e) && loadedHeapLimit() {
		return nil
	}
	(*f)()
	return nil
}

// ledgerPresent reports whether e's repository may have a ledger (its file
// or its shard directory exists, or cannot be checked).
func ledgerPresent(e *env) bool {
	return e.Root == "" || e.Config == nil || ledger.MayExist(e.Root, e.Config.Ledger)
}

// loadedHeapLimit keeps the collector off for the rest of a command that
// has no ledger to match (what is left allocates little), under a memory
// limit of the memory in use plus half of it and 64 MB: reaching it, the
// collector runs once, with the loaded heap well under the limit, and its
// notice restores the collector. It reports false when it cannot tell the
// memory in use.
func loadedHeapLimit() bool {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return false
	}
	inUse := int64(s[0].Value.Uint64() - s[1].Value.Uint64())
	if l := inUse + inUse/2 + 64<<20; l < debug.SetMemoryLimit(-1) {
		debug.SetMemoryLimit(l)
	}
	return true
}

// prepareHeap prepares the heap for loading the regular files among paths
// and turns the collector off; call the returned function when the load is
// done (it restores the collector's settings and is safe to call twice).
func prepareHeap(paths []string) (done func()) {
	var total int64
	for _, p := range paths {
		if p == "-" {
			continue
		}
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		total += st.Size()
	}
	n := heapPrepSize(total, memAvailable())
	if n == 0 || !heapPrepSupported {
		return func() {}
	}
	gcPercent := debug.SetGCPercent(-1)
	limit := debug.SetMemoryLimit(heapLimit(n))
	var once sync.Once
	restore := func() {
		once.Do(func() {
			debug.SetGCPercent(gcPercent)
			debug.SetMemoryLimit(limit)
			heapPrepDone.Store(nil)
		})
	}
	heapPrepDone.Store(&restore)
	// Fresh memory: mapped, not touched, not zeroed (the runtime never
	// unmaps heap memory): the collection frees it, and the load's
	// allocations take its pages as they fault in.
	heapReserve = make([]byte, n)
	heapReserve = nil
	runtime.GC()
	armGCNotice(restore) // the limit was reached: collect as usual from then on
	return restore
}

// armGCNotice calls f once the collector has run (from a finalizer).
func armGCNotice(f func()) {
	type sentinel struct{ _ [16]byte }
	runtime.SetFinalizer(new(sentinel), func(*sentinel) { f() })
}

// memAvailable returns the memory available to the process in bytes, or -1
// when unknown: MemAvailable from /proc/meminfo, less when the cgroup the
// process sees as its own (a container's; v2 or v1) has less room left.
func memAvailable() int64 {
	avail := int64(-1)
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemAvailable:"); ok {
				if f := strings.Fields(rest); len(f) == 2 && f[1] == "kB" {
					if kb, ok := parseCount(f[0]); ok && kb <= math.MaxInt64>>10 {
						avail = kb << 10
					}
				}
				break
			}
		}
	}
	for _, cg := range [][2]string{
		{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"},
		{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"},
	} {
		limit, ok1 := readCount(cg[0])
		used, ok2 := readCount(cg[1])
		if ok1 && ok2 && limit < 1<<60 { // "max", or v1's "no limit" (a page short of 2^63)
			room := max(limit-used, 0)
			if avail < 0 || room < avail {
				avail = room
			}
		}
	}
	return avail
}

// readCount reads a file holding one decimal count (a cgroup's), or false.
func readCount(p string) (int64, bool) {
	data, err := os.ReadFile(p)
	if err != nil {
		return 0, false
	}
	return parseCount(strings.TrimSpace(string(data)))
}

// parseCount parses a non-negative decimal int64.
func parseCount(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' || n > (math.MaxInt64-9)/10 {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
