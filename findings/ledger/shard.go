package ledger

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/secui/secui/findings/repofs"
)

// The sharded ledger (schema version 3). A ledger of many records is a
// directory next to where the single file would be (".secui/ledger/" for
// ".secui/ledger.yaml") holding up to 256 shards, "<2 hex>.yaml": shard
// "ab.yaml" has the records whose id starts with "ab", in the same layout
// as a version 2 file (header, "version: 3", "decisions:", records sorted by
// id). The ticket records live in "tickets.yaml" (a ledger file with no
// decisions). So one decision rewrites one shard (~260 KB at 100k records,
// not the whole 67 MB), shards are decoded in parallel, and git diffs and
// merges (the merge driver runs per shard) stay per record.
//
// The directory is written only by `secui ledger --upgrade`: the shards are
// written into a temporary directory, which is renamed into place, then the
// single file is removed. A crash before the rename leaves the file (the
// temporary directory is ignored and removed by the next upgrade); a crash
// after it leaves both, and the directory is read with the records of the
// file folded in (a record in both is merged as a three-way merge with no
// common ancestor would: the same decision gives the directory's record, two
// different decisions a record in review). The next write removes the file.
// The same happens when a merge with a branch that still had the single
// file brings it back.
//
// Both formats take the same lock ("<ledger file>.lock").

// MayExist reports whether a ledger may be at relPath (default DefaultPath)
// under repoRoot, in either format: its file or its shard directory exists,
// or either cannot be checked. False only when both are known to be absent.
func MayExist(repoRoot, relPath string) bool {
	if relPath == "" {
		relPath = DefaultPath
	}
	for _, p := range []string{relPath, ShardDir(relPath)} {
		if _, err := os.Lstat(filepath.Join(repoRoot, filepath.FromSlash(p))); !errors.Is(err, fs.ErrNotExist) {
			return true
		}
	}
	return false
}

// ShardDir returns the directory of the sharded ledger for the ledger path
// rel (slash form): rel without its ".yaml" or ".yml" extension (".d"
// appended when it has neither).
func ShardDir(rel string) string {
	switch ext := path.Ext(rel); ext {
	case ".yaml", ".yml":
		return strings.TrimSuffix(rel, ext)
	}
	return rel + ".d"
}

// ShardName is the file, in the shard directory, of the record with id.
func ShardName(id string) string {
	if len(id) < 2 {
		return "00.yaml"
	}
	return id[:2] + ".yaml"
}

// ticketsName is the file of the ticket records in the shard directory.
const ticketsName = "tickets.yaml"

// shardGitignore keeps the shards' temporary files out of git status.
const shardGitignore = "# secui: temporary files of the triage ledger's shards\n.*.tmp*\n"

func isShardName(name string) bool {
	if len(name) != len("ab.yaml") || !strings.HasSuffix(name, ".yaml") {
		return false
	}
	for _, c := range name[:2] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// shard is one file of a sharded ledger as last read or written.
type shard struct {
	name  string // base name in the shard directory
	stat  os.FileInfo
	list  []*Decision // its records, sorted by id
	lay   *layout     // nil: unknown (the next write renders it whole)
	issue []Issue     // validation problems (the ledger is then read-only)
	tix   map[string]*Ticket
}

// sharded is the state of a sharded ledger (nil for a single file).
type sharded struct {
	dir    string            // repository-relative directory (slash form)
	shards map[string]*shard // by name (tickets.yaml included)
	// legacy is set while the single file exists next to the directory
	// (a crash after the upgrade, or a merge brought it back): its stat
	// as last read, folded into the records; dirty lists the shards that
	// must be written for what the file added. The next write removes it.
	legacy os.FileInfo
	dirty  map[string]bool
}

func (l *Ledger) shardRel(name string) string { return l.shd.dir + "/" + name }

// isSharded reports whether the ledger is (now) a directory. A path that is
// refused (a symlink out of the tree) is an error.
func (l *Ledger) dirExists(root *repofs.Root) (bool, error) {
	dir := ShardDir(l.rel)
	st, err := root.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		if repofs.IsRefused(err) {
			return false, fmt.Errorf("ledger %w", err)
		}
		return false, err
	}
	return st.IsDir(), nil
}

// reloadShards re-reads the shards that changed since they were last read
// (all of them the first time, in parallel) and rebuilds the records.
func (l *Ledger) reloadShards(root *repofs.Root) error {
	if l.shd == nil {
		l.shd = &sharded{dir: ShardDir(l.rel), shards: map[string]*shard{}}
		l.stat, l.lay = nil, nil
	}
	s := l.shd
	ents, err := root.ReadDir(s.dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range ents {
		if n := e.Name(); isShardName(n) || n == ticketsName {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	next := make(map[string]*shard, len(names))
	var todo []string
	for _, n := range names {
		st, err := root.Stat(l.shardRel(n))
		if err != nil {
			return err
		}
		if old := s.shards[n]; old != nil && l.readErr == nil && sameFile(old.stat, st) {
			next[n] = old
			continue
		}
		next[n] = &shard{name: n, stat: st}
		todo = append(todo, n)
	}
	// The single file next to the directory.
	lst, err := root.Stat(l.rel)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err != nil {
		lst = nil
	}
	legacyChanged := (lst == nil) != (s.legacy == nil) || lst != nil && !sameFile(lst, s.legacy)
	if len(todo) == 0 && len(next) == len(s.shards) && !legacyChanged && l.version == ShardedVersion {
		return nil
	}
	if err := l.readShards(root, next, todo); err != nil {
		return err
	}
	s.shards = next
	var issues []Issue
	total := 0
	for _, n := range names {
		sh := next[n]
		issues = append(issues, sh.issue...)
		total += len(sh.list)
	}
	list := make([]*Decision, 0, total)
	for _, n := range names {
		list = append(list, next[n].list...)
	}
	// The records by id are built on first write (recMap), as for a single
	// file, when the shards' lists make one list sorted by id without
	// duplicates and no single file is folded in; else here, as the list
	// is then rebuilt from them.
	var recs map[string]*Decision
	if lst != nil || !strictlyByID(list) {
		recs = make(map[string]*Decision, total)
		for _, d := range list {
			recs[d.ID] = d
		}
	}
	tix := map[string]*Ticket{}
	if t := next[ticketsName]; t != nil {
		tix = t.tix
	}
	s.legacy, s.dirty = nil, nil
	if lst != nil {
		fold, err := l.foldLegacy(root, recs, tix)
		if err != nil {
			return err
		}
		issues = append(issues, fold.issues...)
		s.legacy, s.dirty = lst, fold.dirty
		if fold.added {
			list = nil // sorted again on demand
		}
	}
	l.recs, l.list, l.tickets, l.version = recs, list, tix, ShardedVersion
	l.readErr = nil
	if len(issues) > 0 {
		l.readErr = &ValidationError{Issues: issues}
	}
	return l.readErr
}

// strictlyByID reports whether ds is sorted by id with no id twice.
func strictlyByID(ds []*Decision) bool {
	for i := 1; i < len(ds); i++ {
		if ds[i-1].ID >= ds[i].ID {
			return false
		}
	}
	return true
}

func sameFile(a, b os.FileInfo) bool {
	return a != nil && b != nil && os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// readShards reads and parses the shards named todo (into next), a few at a
// time in parallel.
func (l *Ledger) readShards(root *repofs.Root, next map[string]*shard, todo []string) error {
	if len(todo) == 0 {
		return nil
	}
	workers := min(runtime.GOMAXPROCS(0), len(todo))
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	work := make(chan *shard)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte     // reused: decoded records never reference the text
			tab := &strTable{} // one copy of each repeated string per worker
			for sh := range work {
				var err error
				if buf, err = l.readShard(root, sh, buf, tab); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, n := range todo {
		work <- next[n]
	}
	close(work)
	wg.Wait()
	return firstErr
}

// readShard reads one shard: its records (each must belong to it) or, for
// tickets.yaml, its ticket records (and no decisions). The file is read
// into buf (grown as needed and returned): nothing decoded keeps it.
func (l *Ledger) readShard(root *repofs.Root, sh *shard, buf []byte, tab *strTable) ([]byte, error) {
	rel := l.shardRel(sh.name)
	data, err := root.ReadFileInto(rel, 0, buf)
	if err != nil {
		return buf, err
	}
	buf = data[:0]
	tickets := hasTickets(sharedText(data))
	doc, lay, verr := parseLayoutWith(rel, sharedText(data), tab, tickets)
	var issues []Issue
	var ve *ValidationError
	if errors.As(verr, &ve) {
		issues = append(issues, ve.Issues...)
	} else if verr != nil {
		return buf, verr
	}
	var tix map[string]*Ticket
	var tissues []Issue
	if sh.name == ticketsName || tickets { // else none: the common case, one scan less
		tix, tissues = loadTickets(rel, data)
	}
	if sh.name == ticketsName {
		sh.tix = tix
		issues = append(issues, tissues...)
		for _, d := range doc.Decisions {
			issues = append(issues, Issue{File: rel, Line: d.Line, Col: 1, Field: "decisions",
				Msg: fmt.Sprintf("record %s belongs in %s, not in %s (the ticket records' file)", d.ID, l.shardRel(ShardName(d.ID)), rel)})
		}
		sh.issue = issues
		return buf, nil
	}
	if len(tix) > 0 || len(tissues) > 0 {
		issues = append(issues, Issue{File: rel, Line: 1, Col: 1, Field: "tickets",
			Msg: fmt.Sprintf("ticket records belong in %s, not in a shard", l.shardRel(ticketsName))})
	}
	list := doc.Decisions
	for _, d := range doc.Decisions {
		if ShardName(d.ID) != sh.name {
			issues = append(issues, Issue{File: rel, Line: d.Line, Col: 1, Field: "id",
				Msg: fmt.Sprintf("record %s belongs in %s (the shard of the first two digits of its id), not in %s; move it there", d.ID, l.shardRel(ShardName(d.ID)), rel)})
			list, lay = nil, nil
		}
	}
	if list == nil && len(doc.Decisions) > 0 { // keep the records that are in their place
		for _, d := range doc.Decisions {
			if ShardName(d.ID) == sh.name {
				list = append(list, d)
			}
		}
	}
	sh.list, sh.lay, sh.issue = list, lay, issues
	return buf, nil
}

type folded struct {
	dirty  map[string]bool
	added  bool
	issues []Issue
}

// foldLegacy adds the records of the single file that exists next to the
// directory to recs (and its tickets to tix): a record only in the file is
// taken; a record in both is the directory's, merged with the file's when
// they differ (see the top of this file). dirty names the shards that must be
// written for it.
func (l *Ledger) foldLegacy(root *repofs.Root, recs map[string]*Decision, tix map[string]*Ticket) (folded, error) {
	var out folded
	data, err := root.ReadFile(l.rel, 0)
	if err != nil {
		return out, err
	}
	doc, verr := parseText(l.rel, sharedText(data))
	var ve *ValidationError
	if errors.As(verr, &ve) {
		out.issues = append(out.issues, ve.Issues...)
	} else if verr != nil {
		return out, verr
	}
	ltix, tissues := loadTickets(l.rel, data)
	out.issues = append(out.issues, tissues...)
	out.dirty = map[string]bool{}
	for _, d := range doc.Decisions {
		cur := recs[d.ID]
		switch {
		case cur == nil:
			recs[d.ID] = d
			out.added = true
		case same(cur, d):
			continue
		default:
			m, _ := mergeRecord(nil, cur, d)
			if same(m, cur) {
				continue
			}
			m.Line = cur.Line
			recs[d.ID] = m
		}
		out.dirty[ShardName(d.ID)] = true
	}
	for k, t := range ltix {
		if tix[k] == nil {
			tix[k] = t
			out.dirty[ticketsName] = true
		}
	}
	return out, nil
}

// updateShards writes what changed from l.recs to recs (and the tickets) to
// the shards it concerns, each atomically. When records move between shards
// (a record moved to another id), every shard first gets its new and changed
// records with the removed ones still in place, and only then loses the
// removed ones: a crash in between leaves a record under both ids, never
// under none. Then the single file next to the directory, if any, is
// removed. Call it under the lock, after reloadShards.
func (l *Ledger) updateShards(root *repofs.Root, recs map[string]*Decision, tix map[string]*Ticket) error {
	s := l.shd
	dirty := maps.Clone(s.dirty)
	if dirty == nil {
		dirty = map[string]bool{}
	}
	// One pass over the records (this is most of a one-decision write's
	// CPU at 100k records): what was added or modified, and whether
	// anything was removed.
	removed := map[string]bool{} // shards that lose a record
	var changed []string         // ids added or modified
	kept := 0
	oldRecs := l.recMap()
	for id, d := range recs {
		old, ok := oldRecs[id]
		if ok {
			kept++
		}
		if old != d {
			changed = append(changed, id)
			dirty[ShardName(id)] = true
		}
	}
	if kept < len(oldRecs) {
		for id := range oldRecs {
			if recs[id] == nil {
				dirty[ShardName(id)] = true
				removed[ShardName(id)] = true
			}
		}
	}
	ticketsChanged := dirty[ticketsName] || !sameTickets(l.tickets, tix)
	delete(dirty, ticketsName)
	// The records of each dirty shard, after the change: its records as
	// last read that remain, and the changed ones.
	after := make(map[string]map[string]*Decision, len(dirty))
	for n := range dirty {
		m := map[string]*Decision{}
		if sh := s.shards[n]; sh != nil {
			for _, d := range sh.list {
				if c := recs[d.ID]; c != nil {
					m[d.ID] = c
				}
			}
		}
		after[n] = m
	}
	for _, id := range changed {
		after[ShardName(id)][id] = recs[id]
	}
	if len(s.dirty) > 0 { // records folded in from the single file are in no shard yet
		for id, d := range recs {
			if m := after[ShardName(id)]; m != nil && s.dirty[ShardName(id)] {
				m[id] = d
			}
		}
	}
	names := slices.Sorted(maps.Keys(dirty))
	now := time.Now()
	removeStaleShardTemps(root, s.dir, now)
	if len(removed) > 0 && len(names) > 1 {
		// Phase 1: the removed records stay.
		for _, n := range names {
			if !removed[n] {
				continue
			}
			keep := maps.Clone(after[n])
			for _, d := range s.shards[n].list {
				if recs[d.ID] == nil {
					keep[d.ID] = d
				}
			}
			if err := l.writeShard(root, n, keep, nil); err != nil {
				return err
			}
		}
		for _, n := range names {
			if removed[n] {
				continue
			}
			if err := l.writeShard(root, n, after[n], recs); err != nil {
				return err
			}
		}
		if betweenShardPhases != nil {
			if err := betweenShardPhases(); err != nil {
				return err
			}
		}
		for _, n := range names {
			if removed[n] {
				if err := l.writeShard(root, n, after[n], recs); err != nil {
					return err
				}
			}
		}
	} else {
		for _, n := range names {
			if err := l.writeShard(root, n, after[n], recs); err != nil {
				return err
			}
		}
	}
	if ticketsChanged {
		if err := l.writeTicketsShard(root, tix); err != nil {
			return err
		}
	}
	if s.legacy != nil {
		if err := root.Remove(l.rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		s.legacy, s.dirty = nil, nil
	}
	list := make([]*Decision, 0, len(recs))
	for _, n := range slices.Sorted(maps.Keys(s.shards)) {
		list = append(list, s.shards[n].list...)
	}
	if len(list) != len(recs) { // cannot happen: every record is in its shard
		list = nil
	}
	l.list = list
	return nil
}

// writeShard replaces shard n with the records of m (removes it when m is
// empty), splicing the blocks of the records that did not change. Records
// whose line changed are replaced by copies, in m and, when pub is set, in
// pub (the records being published).
func (l *Ledger) writeShard(root *repofs.Root, n string, m map[string]*Decision, pub map[string]*Decision) error {
	s := l.shd
	old := s.shards[n]
	rel := l.shardRel(n)
	if len(m) == 0 {
		if old != nil {
			if err := root.Remove(rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			delete(s.shards, n)
		}
		return nil
	}
	var oldLay *layout
	oldRecs := map[string]*Decision{}
	if old != nil {
		oldLay = old.lay
		for _, d := range old.list {
			oldRecs[d.ID] = d
		}
	}
	p, lay := renderVersion(oldLay, oldRecs, m, ShardedVersion)
	st, err := l.writePlanAt(root, rel, p)
	if errors.Is(err, errStale) {
		for _, sh := range s.shards { // read everything again next time
			sh.stat = nil
		}
		return fmt.Errorf("%s changed on disk while secui was writing it (nothing written; try again)", rel)
	}
	if err != nil {
		return err
	}
	var list []*Decision
	if lay != nil {
		list = lay.list
	} else {
		list = slices.SortedFunc(maps.Values(m), func(a, b *Decision) int { return strings.Compare(a.ID, b.ID) })
	}
	if pub != nil {
		for _, d := range list {
			pub[d.ID] = d
		}
	}
	s.shards[n] = &shard{name: n, stat: st, list: list, lay: lay}
	return nil
}

func (l *Ledger) writeTicketsShard(root *repofs.Root, tix map[string]*Ticket) error {
	s := l.shd
	rel := l.shardRel(ticketsName)
	if len(tix) == 0 {
		if s.shards[ticketsName] != nil {
			if err := root.Remove(rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			delete(s.shards, ticketsName)
		}
		return nil
	}
	data, _, _, _ := marshalVersion(nil, ShardedVersion)
	data = appendTickets(data, tix)
	if err := root.WriteFileAtomic(rel, data, 0o644); err != nil {
		return err
	}
	st, err := root.Stat(rel)
	if err != nil {
		return err
	}
	s.shards[ticketsName] = &shard{name: ticketsName, stat: st, tix: tix}
	return nil
}

func sameTickets(a, b map[string]*Ticket) bool {
	if len(a) != len(b) {
		return false
	}
	for k, t := range a {
		if b[k] != t {
			return false
		}
	}
	return true
}

// writePlanAt is writePlan for the file rel (resolved in root).
func (l *Ledger) writePlanAt(root *repofs.Root, rel string, p *plan) (os.FileInfo, error) {
	var old *os.File
	if p.hasOld() {
		f, err := root.Open(rel)
		if err != nil {
			return nil, errStale
		}
		defer f.Close()
		old = f
	}
	if err := root.WriteFileAtomicWith(rel, 0o644, func(w *os.File) error { return p.writeTo(w, old) }); err != nil {
		return nil, err
	}
	return root.Stat(rel)
}

// removeStaleShardTemps removes the temporary files killed writes left in
// the shard directory (see RemoveStaleTemps).
func removeStaleShardTemps(root *repofs.Root, dir string, now time.Time) {
	real, err := root.Resolve(dir)
	if err != nil {
		return
	}
	abs := path.Join(root.Dir(), real)
	ents, err := os.ReadDir(abs)
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, ".") {
			continue
		}
		if base, _, ok := strings.Cut(name[1:], repofs.TempPrefix); ok && (isShardName(base) || base == ticketsName) {
			RemoveStaleTemps(abs, base, now)
		}
	}
}

// toShards writes recs and tix as a new sharded ledger: into a temporary
// directory next to the shard directory, renamed into place once complete,
// then the single file is removed (see the top of this file). Call it under
// the lock; the shard directory must not exist.
func (l *Ledger) toShards(root *repofs.Root, recs map[string]*Decision, tix map[string]*Ticket) error {
	dir := ShardDir(l.rel)
	tmp := path.Join(path.Dir(dir), "."+path.Base(dir)+".upgrade")
	if err := root.RemoveAll(tmp); err != nil { // a crashed upgrade's
		return err
	}
	if err := root.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	by := map[string][]*Decision{}
	for id, d := range recs {
		by[ShardName(id)] = append(by[ShardName(id)], d)
	}
	for n, ds := range by {
		data, _, _, _ := marshalVersion(ds, ShardedVersion)
		if err := root.WriteFileAtomic(tmp+"/"+n, data, 0o644); err != nil {
			return err
		}
	}
	if len(tix) > 0 {
		data, _, _, _ := marshalVersion(nil, ShardedVersion)
		if err := root.WriteFileAtomic(tmp+"/"+ticketsName, appendTickets(data, tix), 0o644); err != nil {
			return err
		}
	}
	if err := root.WriteFileAtomic(tmp+"/.gitignore", []byte(shardGitignore), 0o644); err != nil {
		return err
	}
	if err := root.Rename(tmp, dir); err != nil {
		return err
	}
	if afterUpgradeRename != nil {
		if err := afterUpgradeRename(); err != nil {
			return err
		}
	}
	if err := root.Remove(l.rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// afterUpgradeRename, when set (tests), runs between the rename of the new
// directory and the removal of the single file: an error stops the upgrade
// there, as a crash would.
var afterUpgradeRename func() error

// betweenShardPhases, when set (tests), runs after the first phase of a
// write that moves records between shards: an error stops it there, as a
// crash would.
var betweenShardPhases func() error
