package findings

import (
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unsafe"

	"github.com/secui/secui/findings/repofs"
)

// Identity. A finding's ID must survive re-scans (lines inserted above it) and
// must differ for two identical findings at two places in one file. Keys are
// computed per layer, strongest first; the ID is the hash of the first key.
//
//	vulnerability: vulnerability id + package@version (+ manifest path): SCA
//	               findings, so the same CVE from two tools is one finding   STRONG
//	fingerprint:   result.fingerprints (each valid entry; highest version first) STRONG
//	partial:       tool + rule + every valid partialFingerprints entry          STRONG
//	linehash:      the same, when an entry is GitHub's positional
//	               primaryLocationLineHash (":n" occurrence suffix)            weak
//	content:       tool + rule + path + GitHub's primaryLocationLineHash computed
//	               from the working tree (when the file is in the repository)  weak
//	fallback:      tool + rule + path + normalised message + snippet + line
//	               and column (when the file cannot be read)                  weak
//
// A fingerprint value counts only when it is not a placeholder (empty, "0",
// all-zero hex, null, none, n/a, unknown, ...: see placeholderValue), and a
// strong key shared by two results of one run that are not the same finding
// (another location or message) is dropped from those results: such a layer
// does not tell them apart (gitleaks writes empty partialFingerprints, a
// secret hash is shared by every copy of the secret). The same holds across
// files: findings sharing a strong ID at different places are not merged,
// they fall back to their next key. Weak IDs are labels: the matcher
// (findings/match) never places a decision on an equal weak ID alone.
//
// Keys have the form "<layer>:<16 hex digits>".

// fnv64 is FNV-1a (64 bit) over strings without conversions or interface
// calls; identical to hash/fnv's New64a on the same bytes.
type fnv64 uint64

const (
	fnvOffset fnv64 = 14695981039346656037
	fnvPrime  fnv64 = 1099511628211
)

// part hashes s followed by a 0 separator.
func (h fnv64) part(s string) fnv64 {
	for i := 0; i < len(s); i++ {
		h ^= fnv64(s[i])
		h *= fnvPrime
	}
	return h * fnvPrime // ^= 0 is a no-op
}

// normPart hashes normMessage(s) followed by a 0 separator, without building
// the normalised string.
func (h fnv64) normPart(s string) fnv64 {
	inDigits, inSpace, pending := false, true, false
	for i := 0; i < len(s); {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			if !inSpace {
				pending = true
			}
			inDigits, inSpace = false, true
			i++
			continue
		}
		digit := c >= '0' && c <= '9'
		if digit && inDigits { // a run of digits is one '#'
			i++
			continue
		}
		if pending { // a run of spaces before a kept byte is one ' '
			h ^= ' '
			h *= fnvPrime
			pending = false
		}
		inSpace, inDigits = false, digit
		if digit {
			h ^= '#'
			h *= fnvPrime
			i++
			continue
		}
		// A run of bytes that are kept as they are, hashed in one loop
		// (most of a message: its words).
		for {
			h ^= fnv64(c)
			h *= fnvPrime
			if i++; i == len(s) {
				break
			}
			if c = s[i]; c <= '9' && (c >= '0' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
				break
			}
		}
	}
	return h * fnvPrime
}

func (h fnv64) key(layer string) string {
	const hexd = "0123456789abcdef"
	b := make([]byte, len(layer)+1+16)
	n := copy(b, layer)
	b[n] = ':'
	for i := 0; i < 16; i++ {
		b[n+1+i] = hexd[(uint64(h)>>(60-4*i))&0xf]
	}
	return unsafe.String(&b[0], len(b)) // b is not used again: one allocation, not two
}

// keyBuf hands out identity keys from shared blocks: one allocation per
// block instead of one per key, and no rounding up to a size class. The
// bytes of a key are never written again; a block lives as long as any of
// its keys (all of a batch's keys live as long as its findings). A nil
// keyBuf allocates each key.
type keyBuf struct {
	b  []byte
	in []byte // the current finding's keyMem, written first (nil: none)
}

const keyBlock = 16 << 10

// keyMemSize is the bytes a Finding holds its first keys' text in: two
// keys of 24-30 bytes (a third, most often the fallback key, goes to the
// worker's key blocks: 24 bytes a finding more would add 2.4 MB to a 100k
// load, and twice that to the heap goal a ledger is matched under).
const keyMemSize = 56

func (kb *keyBuf) key(h fnv64, layer string) string {
	n := len(layer) + 1 + 16
	if kb == nil || n > keyBlock/4 {
		return h.key(layer)
	}
	dst := &kb.b
	switch {
	case cap(kb.in)-len(kb.in) >= n: // in the finding's own bytes
		dst = &kb.in
	case cap(kb.b)-len(kb.b) < n:
		kb.b = make([]byte, 0, keyBlock)
	}
	s := len(*dst)
	*dst = appendKey(*dst, h, layer) // within capacity: never moves
	return unsafe.String(&(*dst)[s], n)
}

// appendKey appends the key "layer:hash" (16 hex digits).
func appendKey(b []byte, h fnv64, layer string) []byte {
	const hexd = "0123456789abcdef"
	b = append(append(b, layer...), ':')
	for i := 0; i < 16; i++ {
		b = append(b, hexd[(uint64(h)>>(60-4*i))&0xf])
	}
	return b
}

func hashKey(layer string, parts ...string) string {
	h := fnvOffset
	for _, p := range parts {
		h = h.part(p)
	}
	return h.key(layer)
}

var layerByName = map[string]IDLayer{
	"fingerprint": LayerFingerprint, "partial": LayerPartial, "content": LayerContent,
	"fallback": LayerFallback, "vulnerability": LayerVuln, "linehash": LayerLineHash,
}

// StrongKey reports whether an identity key is from a strong layer
// (vulnerability, fingerprint, partial fingerprint): one the matcher may
// place a decision on without looking at the code.
func StrongKey(key string) bool {
	l, ok := KeyLayer(key)
	return ok && l.Strong()
}

// placeholderValue reports whether a fingerprint value is a constant that
// tells nothing apart: empty or blank, null/none/nil, n/a, unknown,
// undefined, "-", "0", all-zero hex or a zero UUID, an empty JSON value,
// Semgrep's "requires login".
func placeholderValue(v string) bool {
	for i := 0; i < len(v); i++ { // a digit other than 0 is in no placeholder (most values: hex hashes)
		if c := v[i]; c >= '1' && c <= '9' {
			return false
		}
	}
	v = strings.ToLower(strings.TrimSpace(v))
	switch v {
	case "", "null", "none", "nil", "n/a", "na", "unknown", "undefined", "-", "--", "?", "todo", "tbd",
		"[]", "{}", `""`, "requires login", "false", "0x":
		return true
	}
	return strings.Trim(strings.TrimPrefix(v, "0x"), "0-:. ") == ""
}

// validPairs drops "key=value" pairs whose value is a placeholder (in
// place when there is one).
func validPairs(m fpMap) fpMap {
	bad := 0
	for _, kv := range m {
		if placeholderValue(pairValue(kv)) {
			bad++
		}
	}
	if bad == 0 {
		return m
	}
	out := make(fpMap, 0, len(m)-bad)
	for _, kv := range m {
		if !placeholderValue(pairValue(kv)) {
			out = append(out, kv)
		}
	}
	return out
}

func pairValue(kv string) string {
	if i := strings.IndexByte(kv, '='); i >= 0 {
		return kv[i+1:]
	}
	return kv
}

// positionalPartial reports whether partial fingerprints carry GitHub's
// primaryLocationLineHash, whose ":n" suffix counts identical lines in text
// order: a copy pasted above a finding takes its ":1".
func positionalPartial(m fpMap) bool {
	for _, kv := range m {
		if strings.HasPrefix(kv, "primaryLocationLineHash=") {
			return true
		}
	}
	return false
}

// KeyLayer returns the layer of an identity key ("partial:…" → LayerPartial).
func KeyLayer(key string) (IDLayer, bool) {
	i := strings.IndexByte(key, ':')
	if i < 0 {
		return 0, false
	}
	switch key[:i] { // layerByName without a map lookup (once per finding in a load)
	case "fallback":
		return LayerFallback, true
	case "fingerprint":
		return LayerFingerprint, true
	case "partial":
		return LayerPartial, true
	case "content":
		return LayerContent, true
	case "vulnerability":
		return LayerVuln, true
	case "linehash":
		return LayerLineHash, true
	}
	return 0, false
}

// normMessage folds runs of digits to "#" and runs of white space to one
// space, so line numbers quoted in messages do not change identity.
func normMessage(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	inDigits, inSpace := false, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if !inDigits {
				b.WriteByte('#')
			}
			inDigits, inSpace = true, false
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if !inSpace {
				b.WriteByte(' ')
			}
			inDigits, inSpace = false, true
		default:
			b.WriteByte(c)
			inDigits, inSpace = false, false
		}
	}
	return strings.TrimRight(b.String(), " ")
}

func sortedPairs(m fpMap, desc bool) []string {
	if len(m) > 1 {
		sort.Strings(m)
		if desc {
			sort.Sort(sort.Reverse(sort.StringSlice(m)))
		}
	}
	return m
}

// strongKeys computes the keys that need nothing but the result itself
// (vulnerability, fingerprint, partial) and the fallback base hash. It runs on
// the decoding workers. fps and pfps are the result's fingerprints and
// partial fingerprints; kb (may be nil) holds the keys.
func strongKeys(f *Finding, fps, pfps fpMap, kb *keyBuf) {
	tool, rule := f.ToolName(), f.RuleID()
	keys := f.Keys[:0] // f.keyArr when f is in a worker's batch slab
	if cap(keys) == 0 {
		keys = make([]string, 0, 4)
	}
	if kb != nil && len(f.Keys) == 0 && f.fallback1 == "" { // keyMem unused: never rewrite a key's bytes
		kb.in = f.keyMem[:0]
	}
	if f.VulnID != "" && f.Package != "" && (f.Category == CatSCA || f.Category == CatContainer) {
		p := ""
		if f.Loc.InRepo {
			p = f.Loc.Path
		}
		keys = append(keys, kb.key(fnvOffset.part(f.VulnID).part(f.Package).part(p), "vulnerability"))
	}
	for _, kv := range sortedPairs(validPairs(fps), true) {
		keys = append(keys, kb.key(fnvOffset.part(tool).part(kv), "fingerprint"))
	}
	toolRule := fnvOffset.part(tool).part(rule) // hashed once for both keys below
	if pf := validPairs(pfps); len(pf) > 0 {
		layer := "partial"
		if positionalPartial(pf) {
			layer = "linehash"
		}
		h := toolRule // hashKey(layer, tool, rule, pairs...)
		for _, kv := range sortedPairs(pf, false) {
			h = h.part(kv)
		}
		keys = append(keys, kb.key(h, layer))
	}
	f.Keys = keys
	f.fbase = uint64(toolRule.part(f.Loc.Path).normPart(f.Message).part(strings.TrimSpace(f.Loc.Snippet)))
	f.fallback1 = fallbackKey(f.fbase, f.Loc.Line, f.Loc.Col, kb)
	if kb != nil {
		kb.in = nil
	}
}

// fallbackKey is the fallback layer: the inputs' hash and the position. The
// position (not an occurrence count in result order) keeps two identical
// results apart however a log is split into files.
func fallbackKey(base uint64, line, col int, kb *keyBuf) string {
	h := fnvOffset
	for _, v := range [3]uint64{base, uint64(line), uint64(col)} {
		for k := 0; k < 8; k++ {
			h ^= fnv64(byte(v >> (56 - 8*k)))
			h *= fnvPrime
		}
		h *= fnvPrime
	}
	return kb.key(h, "fallback")
}

// sameResult reports whether two results are the same finding reported
// twice: same place and message.
func sameResult(a, b *Finding) bool {
	return a.Loc.Path == b.Loc.Path && a.Loc.Line == b.Loc.Line && a.Loc.Col == b.Loc.Col && a.Message == b.Message
}

// dropSharedStrongKeys removes, per run, the strong keys that two results of
// the run share without being the same finding: that layer is no identity
// for them.
func dropSharedStrongKeys(fs []*Finding) {
	type runKey struct {
		run int
		key string
	}
	var first map[runKey]*Finding
	var bad map[runKey]bool
	for _, f := range fs {
		for _, k := range f.Keys {
			if len(k) < 8 || (k[0] != 'f' && k[0] != 'p' && k[0] != 'v') { // fast path: fingerprint, partial, vulnerability
				continue
			}
			if !StrongKey(k) {
				continue
			}
			if first == nil {
				first = make(map[runKey]*Finding, len(fs))
			}
			rk := runKey{f.Sources[0].Run, k}
			if g, ok := first[rk]; !ok {
				first[rk] = f
			} else if !sameResult(f, g) {
				if bad == nil {
					bad = map[runKey]bool{}
				}
				bad[rk] = true
			}
		}
	}
	if bad == nil {
		return
	}
	for _, f := range fs {
		keep := f.Keys[:0]
		for _, k := range f.Keys {
			if !bad[runKey{f.Sources[0].Run, k}] {
				keep = append(keep, k)
			}
		}
		f.Keys = keep
	}
}

// identify completes Keys (content, fallback with occurrence) and sets ID for
// the findings of one file. It reports whether their IDs are certainly
// distinct (then merging the file's findings with themselves changes
// nothing).
func (ld *loader) identify(fs []*Finding) bool {
	dropSharedStrongKeys(fs)
	lines := ld.fp.hashes(fs)
	// One walk over the findings, split between two goroutines: the content
	// and fallback keys complete each finding's keys (reading lines only),
	// and its first key's ID bits are read for assignDistinctIDs.
	hs := make([]uint64, len(fs))
	hexOK := inHalves(len(fs), func(lo, hi int) bool {
		ok := true
		for i := lo; i < hi; i++ {
			f := fs[i]
			if lh, in := lines[f.Loc.Path]; in && f.Loc.InRepo {
				ln := max(f.Loc.Line, 1)
				if ln <= len(lh) && lh[ln-1] != "" {
					f.Keys = append(f.Keys, hashKey("content", f.ToolName(), f.RuleID(), f.Loc.Path, lh[ln-1]))
				}
			}
			f.Keys = append(f.Keys, f.fallback1)
			f.fallback1 = ""
			if ok {
				hs[i], ok = idBits(f.Keys[0])
			}
		}
		return ok
	})
	if hexOK && assignDistinctIDs(fs, hs) || assignIDsFast(fs) {
		return true
	}
	assignIDs(fs)
	return false
}

// idBits returns the 64 bits of the ID key k0 gives ("<layer>:<16 hex
// digits>").
func idBits(k0 string) (uint64, bool) { return hex16(k0[strings.IndexByte(k0, ':')+1:]) }

// parallelMinIDs is how many findings make identify split its walks over
// the findings between two goroutines.
const parallelMinIDs = 1 << 14

// assignDistinctIDs is assignIDs for a file whose first keys' IDs are all
// distinct (most files), given those IDs' 64 bits (hs[i]: idBits of
// fs[i].Keys[0]; hs is sorted in place): it checks that they are distinct
// by sorting them (a radix sort: no map, no hashing) and only then sets
// every ID and layer, the walk over the findings split between two
// goroutines. It reports false, having changed nothing, when two IDs are
// equal; assignIDsFast and assignIDs then decide as always. When it
// succeeds the IDs are those assignIDs gives (no first key repeats, so
// none is numbered) and they are distinct.
func assignDistinctIDs(fs []*Finding, hs []uint64) bool {
	radixSort64(hs)
	for i := 1; i < len(hs); i++ {
		if hs[i] == hs[i-1] {
			return false
		}
	}
	inHalves(len(fs), func(lo, hi int) bool {
		for _, f := range fs[lo:hi] {
			k0 := f.Keys[0]
			f.IDLayer, _ = KeyLayer(k0)
			f.ID = k0[strings.IndexByte(k0, ':')+1:]
		}
		return true
	})
	return true
}

// inHalves runs part over [0, n) — on two goroutines, one half each, from
// parallelMinIDs on — and reports whether every call returned true.
func inHalves(n int, part func(lo, hi int) bool) bool {
	if n < parallelMinIDs {
		return part(0, n)
	}
	mid := n / 2
	var first bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		first = part(0, mid)
	}()
	second := part(mid, n)
	wg.Wait()
	return first && second
}

// radixSort64 sorts a in place, a byte at a time from the lowest (a pass
// is skipped when every value has the same byte there).
func radixSort64(a []uint64) {
	if len(a) < 2 {
		return
	}
	tmp := make([]uint64, len(a))
	src, dst := a, tmp
	for shift := uint(0); shift < 64; shift += 8 {
		var count [256]int
		for _, v := range src {
			count[byte(v>>shift)]++
		}
		if count[byte(src[0]>>shift)] == len(src) {
			continue
		}
		pos := 0
		for d := range count {
			c := count[d]
			count[d] = pos
			pos += c
		}
		for _, v := range src {
			d := byte(v >> shift)
			dst[count[d]] = v
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &a[0] {
		copy(a, src)
	}
}

// assignIDs sets ID and IDLayer from each finding's first key, keeping two
// results of one run distinct even if a tool gave them the same fingerprint:
// the n-th result of a run with the same first key gets that key hashed
// with "#n".
func assignIDs(fs []*Finding) {
	type runKey struct {
		run int
		key string
	}
	seen := make(map[runKey]int, len(fs))
	for _, f := range fs {
		k0 := f.Keys[0]
		f.IDLayer, _ = KeyLayer(k0)
		rk := runKey{f.Sources[0].Run, k0}
		seen[rk]++
		if n := seen[rk]; n > 1 {
			k0 = hashKey(k0[:strings.IndexByte(k0, ':')], k0, "#"+strconv.Itoa(n))
			f.Keys[0] = k0
		}
		f.ID = k0[strings.IndexByte(k0, ':')+1:]
	}
}

// assignIDsFast is assignIDs with one map for the whole file, keyed by the
// ID's 64 bits (the 16 hex digits, one to one), for the common case: every
// ID new, or repeated only by the same first key within one run. It gives
// up (restoring every key it changed, reporting false) as soon as an ID
// comes back any other way — from another run, another layer, or a
// numbered key meeting another ID — or a key is not "<layer>:<16 hex
// digits>", and the caller runs assignIDs. When it succeeds the IDs are
// those assignIDs gives, and they are distinct.
func assignIDsFast(fs []*Finding) bool {
	// ids: ID bits → 1 + index of the finding whose first key made it, or
	// -(1 + index) when a numbered key made it.
	ids := make(map[uint64]int32, len(fs))
	var count map[int32]int // by first finding: results of its run with its first key
	type renamed struct {
		f  *Finding
		k0 string
	}
	var undo []renamed
	giveUp := func() bool {
		for _, u := range undo {
			u.f.Keys[0] = u.k0
		}
		return false
	}
	if len(fs) >= 1<<31-1 {
		return false
	}
	for i, f := range fs {
		k0 := f.Keys[0]
		colon := strings.IndexByte(k0, ':')
		id := k0[colon+1:]
		h, ok := hex16(id)
		if !ok {
			return giveUp()
		}
		f.IDLayer, _ = KeyLayer(k0)
		run := f.Sources[0].Run
		e, seen := ids[h]
		if !seen {
			ids[h] = int32(i + 1)
			f.ID = id
			continue
		}
		if e < 0 {
			return giveUp() // a numbered key's ID
		}
		g := fs[e-1]
		if g.Keys[0] != k0 || g.Sources[0].Run != run {
			return giveUp()
		}
		if count == nil {
			count = map[int32]int{}
		}
		n := count[e] + 1
		if n == 1 {
			n = 2
		}
		count[e] = n
		k := hashKey(k0[:colon], k0, "#"+strconv.Itoa(n))
		nid := k[colon+1:]
		nh, ok := hex16(nid)
		if !ok {
			return giveUp()
		}
		if _, dup := ids[nh]; dup {
			return giveUp()
		}
		ids[nh] = -int32(i + 1)
		undo = append(undo, renamed{f, k0})
		f.Keys[0] = k
		f.ID = nid
	}
	return true
}

// hex16 reads 16 lower-case hex digits (how keys print their hash).
func hex16(s string) (uint64, bool) {
	if len(s) != 16 {
		return 0, false
	}
	var h uint64
	for i := 0; i < 16; i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		default:
			return 0, false
		}
		h = h<<4 | uint64(c)
	}
	return h, true
}

// contentHasher computes line hashes of working-tree files, once per file.
type contentHasher struct {
	root  string
	mu    sync.Mutex
	cache map[string][]string

	rfsOnce sync.Once    // hashFile reads through one confinement (bounds)
	rfs     *repofs.Root // nil when root cannot be opened
}

func newContentHasher(root string) *contentHasher {
	return &contentHasher{root: root, cache: map[string][]string{}}
}

// maxHashedFile bounds the size of files read for content fingerprints.
const maxHashedFile = 8 << 20

// hashes returns line hashes for every in-repository path the findings name.
func (c *contentHasher) hashes(fs []*Finding) map[string][]string {
	out := map[string][]string{}
	if c.root == "" {
		return out
	}
	var todo []string
	c.mu.Lock()
	for _, f := range fs {
		if !f.Loc.InRepo {
			continue
		}
		p := f.Loc.Path
		if _, ok := out[p]; ok {
			continue
		}
		if h, ok := c.cache[p]; ok {
			out[p] = h
			continue
		}
		out[p] = nil
		todo = append(todo, p)
	}
	c.mu.Unlock()
	todo = c.dropMissingDirs(todo)
	if len(todo) == 0 {
		c.forget(out)
		return out
	}
	res := make([][]string, len(todo))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res[i] = c.hashFile(todo[i])
			}
		}()
	}
	for i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()
	c.mu.Lock()
	for i, p := range todo {
		c.cache[p] = res[i]
		out[p] = res[i]
	}
	c.mu.Unlock()
	c.forget(out)
	return out
}

// forget deletes the paths without hashes from out.
func (c *contentHasher) forget(out map[string][]string) {
	for p, h := range out {
		if h == nil {
			delete(out, p)
		}
	}
}

// dropMissingDirs removes from todo the paths whose directory is not in the
// tree (their hashes stay nil, cached as such), with one stat per
// directory instead of one per path: SARIF from CI names many files of
// checkouts that are not this one.
func (c *contentHasher) dropMissingDirs(todo []string) []string {
	c.rfsOnce.Do(c.openRoot)
	if c.rfs == nil || len(todo) < 2 {
		return todo
	}
	missing := map[string]bool{} // directory → certainly not in the tree
	var gone func(dir string) bool
	gone = func(dir string) bool { // from the top: one stat per directory
		m, ok := missing[dir]
		if !ok {
			if up := parentDir(dir); up != "" && gone(up) {
				m = true
			} else {
				m = c.rfs.Missing(dir)
			}
			missing[dir] = m
		}
		return m
	}
	keep := todo[:0]
	var dropped []string
	for _, p := range todo {
		if dir := parentDir(p); dir != "" && isCleanRel(p) && gone(dir) {
			dropped = append(dropped, p)
			continue
		}
		keep = append(keep, p)
	}
	if len(dropped) > 0 {
		c.mu.Lock()
		for _, p := range dropped {
			c.cache[p] = nil
		}
		c.mu.Unlock()
	}
	return keep
}

// isCleanRel: p is a clean relative slash path without "..", so that its
// directories are prefixes of it.
func isCleanRel(p string) bool {
	return !strings.HasPrefix(p, "/") && path.Clean(p) == p && !strings.Contains(p, "..") && !strings.Contains(p, "\\")
}

// parentDir is the directory part of a slash-separated relative path ("" at the top).
func parentDir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return ""
}

func (c *contentHasher) openRoot() {
	if r, err := repofs.Open(c.root); err == nil {
		c.rfs = r
	}
}

// hashFile hashes the lines of the working-tree file rel, read through
// repofs: inside the repository (symlinks resolved, so a directory symlink
// cannot make it hash /etc/passwd into the ledger), never inside .git,
// regular files of at most maxHashedFile bytes. Refused or unreadable: nil.
func (c *contentHasher) hashFile(rel string) []string {
	c.rfsOnce.Do(c.openRoot)
	if c.rfs == nil || c.rfs.Missing(rel) {
		// Missing first: one stat, where ReadFile's symlink resolution
		// walks every parent of a path that is not there (SARIF from CI
		// often names files this checkout does not have).
		return nil
	}
	data, err := c.rfs.ReadFile(rel, maxHashedFile)
	if err != nil {
		return nil
	}
	return LineHashes(data)
}

// LineHashes computes, for every line of a file, the value GitHub's
// codeql-action stores as partialFingerprints.primaryLocationLineHash: a
// base-37 rolling hash (mod 2^64) over the 100 non-space, non-tab characters
// (UTF-16 code units) that start at the line, with CR and CRLF read as LF,
// printed in hex and suffixed ":n" where n counts identical hashes so far.
// Index 0 is line 1.
func LineHashes(data []byte) []string {
	const block = 100
	var (
		window    [block]uint64
		lineNums  [block]int
		hashRaw   uint64
		firstMod  uint64 = 1
		index     int
		lineNo    int
		lineStart = true
		prevCR    = false
		counts    = map[uint64]int{}
		out       []string
	)
	for i := range lineNums {
		lineNums[i] = -1
	}
	for i := 0; i < block; i++ {
		firstMod *= 37
	}
	output := func() {
		h := hashRaw
		counts[h]++
		ln := lineNums[index]
		for len(out) < ln {
			out = append(out, "")
		}
		out[ln-1] = strconv.FormatUint(h, 16) + ":" + strconv.Itoa(counts[h])
		lineNums[index] = -1
	}
	update := func(cur uint64) {
		begin := window[index]
		window[index] = cur
		hashRaw = 37*hashRaw + cur - firstMod*begin
		index = (index + 1) % block
	}
	process := func(cur uint64) {
		if cur == ' ' || cur == '\t' || (prevCR && cur == '\n') {
			prevCR = false
			return
		}
		if cur == '\r' {
			cur = '\n'
			prevCR = true
		} else {
			prevCR = false
		}
		if lineNums[index] != -1 {
			output()
		}
		if lineStart {
			lineStart = false
			lineNo++
			lineNums[index] = lineNo
		}
		if cur == '\n' {
			lineStart = true
		}
		update(cur)
	}
	s := string(data)
	for _, r := range s {
		if r >= 0x10000 {
			a, b := utf16.EncodeRune(r)
			process(uint64(a))
			process(uint64(b))
		} else {
			process(uint64(r))
		}
	}
	process(65535)
	for i := 0; i < block; i++ {
		if lineNums[index] != -1 {
			output()
		}
		update(0)
	}
	return out
}

// SameText reports whether f and g report the same text: tool, rule, path,
// normalised message and snippet (the fallback key's inputs without the
// position). Two such findings in one file are identical copies of one
// finding as far as the log can tell (a pasted copy and its original).
func (f *Finding) SameText(g *Finding) bool {
	if f.fbase != 0 && g.fbase != 0 {
		return f.fbase == g.fbase
	}
	return f.ToolName() == g.ToolName() && f.RuleID() == g.RuleID() && f.Loc.Path == g.Loc.Path &&
		normMessage(f.Message) == normMessage(g.Message) &&
		strings.TrimSpace(f.Loc.Snippet) == strings.TrimSpace(g.Loc.Snippet)
}
