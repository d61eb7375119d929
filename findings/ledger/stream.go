package ledger

import (
	"bytes"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// A single-file ledger of streamMin bytes or more is read in chunks of
// about streamChunk bytes, each cut just before a record's "- " line, and
// the chunks are decoded by the fast decoder on GOMAXPROCS workers while the
// next ones are read (parseStream). The file is never in memory whole: at
// 100k decisions it is 61 MB that a whole read puts on the heap, and pages
// in, for nothing the records keep (they copy their strings). Variables so
// that tests can cut small files into many chunks.
var (
	streamMin   int64 = 4 << 20
	streamChunk       = 1 << 20
)

// chunkResult is one decoded chunk.
type chunkResult struct {
	ds   []*Decision
	offs []int // nil when the chunk's records were not sorted by id
	ver  int   // the first chunk's: the version the file declares
	ok   bool
}

// parseStream reads a ledger file from r in chunks and decodes them as
// fastDecodeSpans decodes the whole text: the same records, offsets, line
// numbers and version, or ok false for any text the fast decoder does not
// read in one piece either (another layout, a comment among the records, a
// tickets section, an invalid value, a duplicate id) — the caller then reads
// the file whole and parses it as before, so every file reads exactly as it
// did. Why chunks decode as the whole does: the fast decoder reads line by
// line and every line starting with "- " starts a record, with nothing
// carried over from the record before but caches of exact values; the first
// chunk holds the header and everything up to a record line, so each later
// chunk starts where the whole-text decoder would be past the header. err
// is a read error.
func parseStream(r io.Reader) (doc Doc, lay *layout, ok bool, err error) {
	workers := max(1, runtime.GOMAXPROCS(0))
	type job struct {
		idx            int
		buf            []byte
		n              int // the chunk is buf[:n]
		base, baseLine int
	}
	jobs := make(chan job, workers)
	free := make(chan []byte, workers+2) // the buffers: the reader's two and one per job in flight
	for range workers + 2 {
		free <- nil
	}
	var mu sync.Mutex
	var results []chunkResult
	var failed bool
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tab := &strTable{} // one copy of each repeated string per worker
			for j := range jobs {
				fd := &fastDecoder{s: sharedText(j.buf[:j.n]), spans: true, own: true, tab: tab,
					cont: j.idx > 0, base: j.base, line: j.baseLine}
				ds, ok := fd.run()
				res := chunkResult{ds: ds, ver: fd.ver, ok: ok}
				if ok && len(fd.offs) == len(ds) {
					res.offs = fd.offs
				}
				mu.Lock()
				for len(results) <= j.idx {
					results = append(results, chunkResult{})
				}
				results[j.idx] = res
				failed = failed || !ok
				mu.Unlock()
				free <- j.buf // nothing decoded keeps the text
			}
		}()
	}
	stop := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return failed
	}

	size, lines, chunks := 0, 0, 0
	var last byte
	buf := <-free
	eof := false
	for !eof && err == nil && !stop() {
		// Fill buf to at least streamChunk bytes (what the last chunk left
		// is at its front), then cut it before its last record line.
		want := max(streamChunk, 2*len(buf))
		if cap(buf) < want {
			buf = slices.Grow(buf, want-len(buf))
		}
		for len(buf) < want && err == nil {
			var n int
			n, err = r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
		}
		if err == io.EOF {
			eof, err = true, nil
		}
		if err != nil {
			break
		}
		cut := len(buf)
		if !eof {
			cut = bytes.LastIndex(buf, []byte("\n- ")) + 1
			if cut <= 0 {
				continue // no record line yet: read more into the same buffer
			}
		}
		next := append((<-free)[:0], buf[cut:]...)
		if cut > 0 {
			last = buf[cut-1]
		}
		jobs <- job{idx: chunks, buf: buf, n: cut, base: size, baseLine: lines}
		chunks++
		size += cut
		lines += bytes.Count(buf[:cut], []byte{'\n'})
		buf = next
	}
	close(jobs)
	wg.Wait()
	if err != nil || failed || chunks == 0 {
		return Doc{}, nil, false, err
	}

	n := 0
	for _, c := range results {
		n += len(c.ds)
	}
	all := make([]*Decision, 0, n)
	offs := make([]int, 0, n)
	sorted := true
	for _, c := range results {
		if len(c.ds) > 0 && len(all) > 0 && all[len(all)-1].ID >= c.ds[0].ID {
			sorted = false
		}
		if c.offs == nil && len(c.ds) > 0 {
			sorted = false
		}
		all = append(all, c.ds...)
		offs = append(offs, c.offs...)
	}
	if !sorted { // as fastDecoder.run: sorted, no offsets
		offs = nil
		slices.SortFunc(all, func(a, b *Decision) int { return strings.Compare(a.ID, b.ID) })
		for i := 1; i < len(all); i++ {
			if all[i].ID == all[i-1].ID {
				return Doc{}, nil, false, nil // duplicate: the validator reports it
			}
		}
	}
	if len(all) == 0 {
		return Doc{}, nil, false, nil // as parseLayoutWith would: no records, parse it the slow way
	}
	if last == '\n' && offs != nil {
		lay = &layout{list: all, offs: offs, end: size, endLine: lines + 1}
	}
	return Doc{Version: results[0].ver, Decisions: all}, lay, true, nil
}
