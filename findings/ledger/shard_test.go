package ledger

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secui/secui/findings"
)

// spread builds a finding whose id starts with i%256 in hex: n of them
// cover every shard.
func spread(i int) *findings.Finding {
	f := mk(i)
	f.ID = fmt.Sprintf("%02x%014x", i%256, 0x3000000+i)
	f.Keys = []string{"fingerprint:" + f.ID, fmt.Sprintf("content:%016x", 0xd0000000+i)}
	return f
}

func spreadAll(n int) []*findings.Finding {
	fs := make([]*findings.Finding, n)
	for i := range fs {
		fs[i] = spread(i)
	}
	return fs
}

type fileState struct {
	data []byte
	ino  uint64
}

// shardFiles reads every file of the shard directory of dir's default ledger.
func shardFiles(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	sd := filepath.Join(dir, filepath.FromSlash(ShardDir(DefaultPath)))
	ents, err := os.ReadDir(sd)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]fileState{}
	for _, e := range ents {
		p := filepath.Join(sd, e.Name())
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(p)
		out[e.Name()] = fileState{data: data, ino: st.Sys().(*syscall.Stat_t).Ino}
	}
	return out
}

func sameRecords(t *testing.T, what string, got, want []*Decision) {
	t.Helper()
	g, w := stripLines(cloneAll(got)), stripLines(cloneAll(want))
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s: %d records, want %d (first difference below)\n%s", what, len(g), len(w), firstDiff(g, w))
	}
}

func firstDiff(a, b []*Decision) string {
	for i := range min(len(a), len(b)) {
		if !reflect.DeepEqual(a[i], b[i]) {
			return fmt.Sprintf("%+v\n%+v", a[i], b[i])
		}
	}
	return "(one is a prefix of the other)"
}

// checkShards checks every shard against its records: each record is in
// the shard of its id, the shard is what marshalVersion writes for them
// (canonical, so diffs stay per record), and lines are true.
func checkShards(t *testing.T, dir string, l *Ledger) {
	t.Helper()
	files := shardFiles(t, dir)
	by := map[string][]*Decision{}
	for _, d := range l.Decisions() {
		by[ShardName(d.ID)] = append(by[ShardName(d.ID)], d)
	}
	for name, ds := range by {
		f, ok := files[name]
		if !ok {
			t.Fatalf("no shard %s for %d records", name, len(ds))
		}
		want, _, lines, _ := marshalVersion(ds, ShardedVersion)
		if !bytes.Equal(f.data, want) {
			t.Fatalf("shard %s is not canonical:\n%s\nwant\n%s", name, f.data, want)
		}
		for i, d := range ds {
			if d.Line != lines[i] {
				t.Fatalf("%s in %s: line %d, file has it on %d", d.ID, name, d.Line, lines[i])
			}
		}
	}
	for name := range files {
		if isShardName(name) && by[name] == nil {
			t.Fatalf("shard %s has no records but exists", name)
		}
	}
}

// A ledger upgraded to v3 reads back the same records, a decision rewrites
// only the shard of its record (the other files keep their bytes and their
// inode), undo and new records keep every shard canonical, and another
// process sees each change.
func TestShardedRoundTripAndOneShardWritten(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, "")
	fs := spreadAll(700)
	if err := l.Decide(fs, suppress("Ann <ann@example.com>")); err != nil {
		t.Fatal(err)
	}
	before := l.Decisions()
	if l.Version() != FileVersion || l.Sharded() {
		t.Fatalf("a new ledger is one file: version %d", l.Version())
	}
	if _, err := l.Upgrade(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, DefaultPath)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the single file is still there after the upgrade: %v", err)
	}
	if l.Version() != ShardedVersion || !l.Sharded() || l.RelPath() != ".secui/ledger/" {
		t.Fatalf("after upgrade: version %d, %s", l.Version(), l.RelPath())
	}
	sameRecords(t, "after upgrade", l.Decisions(), before)
	checkShards(t, dir, l)
	files := shardFiles(t, dir)
	if n := len(files); n != 256+1 { // 256 shards and the .gitignore
		t.Fatalf("%d files in the shard directory", n)
	}
	re, err := Open(dir, "")
	if err != nil || re.Version() != ShardedVersion {
		t.Fatalf("reopen: %v (version %d)", err, re.Version())
	}
	sameRecords(t, "reopened", re.Decisions(), before)

	// One decision: one shard.
	f := fs[300]
	req := Request{Action: ActAccept, Note: "tracked in SEC-9", Author: "Bo <bo@example.com>", Now: t0.Add(time.Hour)}
	if err := l.Decide([]*findings.Finding{f}, req); err != nil {
		t.Fatal(err)
	}
	after := shardFiles(t, dir)
	for name, st := range files {
		changed := !bytes.Equal(after[name].data, st.data) || after[name].ino != st.ino
		if changed != (name == ShardName(f.ID)) {
			t.Errorf("%s changed=%v after a decision on %s", name, changed, f.ID)
		}
	}
	checkShards(t, dir, l)
	if err := re.Reload(); err != nil {
		t.Fatal(err)
	}
	if d := re.Get(f.ID); d == nil || d.State != findings.StateAccepted {
		t.Fatalf("another reader sees %+v", d)
	}
	sameRecords(t, "reader after one decision", re.Decisions(), l.Decisions())

	// A new record in an existing shard, then undo: canonical each time.
	g := spread(1000)
	if err := l.Decide([]*findings.Finding{g}, suppress("Ann <ann@example.com>")); err != nil {
		t.Fatal(err)
	}
	checkShards(t, dir, l)
	if _, err := l.Undo("Ann <ann@example.com>", t0); err != nil {
		t.Fatal(err)
	}
	checkShards(t, dir, l)
	if l.Get(g.ID) != nil {
		t.Fatal("undo kept the new record")
	}
	re.Reload()
	sameRecords(t, "reader after undo", re.Decisions(), l.Decisions())

	// Tickets go to tickets.yaml only.
	files = shardFiles(t, dir)
	tk := &Ticket{Tracker: "github", Target: "github.com/acme/shop", Group: "secui-g-0123456789ab", State: TicketIntent, Findings: []string{f.ID}}
	if err := l.UpdateTickets(func(m map[string]*Ticket) error { m[tk.RecordKey()] = tk; return nil }); err != nil {
		t.Fatal(err)
	}
	after = shardFiles(t, dir)
	for name, st := range files {
		if !bytes.Equal(after[name].data, st.data) {
			t.Errorf("a ticket write changed %s", name)
		}
	}
	if _, ok := after[ticketsName]; !ok {
		t.Fatal("no tickets.yaml")
	}
	re2, err := Open(dir, "")
	if err != nil || len(re2.Tickets()) != 1 || re2.Tickets()[0].Group != tk.Group {
		t.Fatalf("tickets reopened: %v %+v", err, re2.Tickets())
	}
	sameRecords(t, "reopened with tickets", re2.Decisions(), l.Decisions())
}

// Upgrading a real v1 ledger (testdata) and a v2 ledger to v3 keeps every
// value, and the shards round-trip through both decoders.
func TestUpgradeV1AndV2ToV3(t *testing.T) {
	v1, err := os.ReadFile(filepath.Join("testdata", "v1-ledger.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	doc1, err := ParseDoc("v1", v1)
	if err != nil || doc1.Version != 1 || len(doc1.Decisions) == 0 {
		t.Fatalf("v1 testdata: %v %d", err, doc1.Version)
	}
	var ds []*Decision
	for i := range 300 {
		ds = append(ds, &Decision{ID: spread(i).ID, State: findings.StateSuppressed, Reason: WontFix, Justification: "legacy code path, removal planned",
			Author: "Cy <cy@example.com>", Time: t0, Tool: "gosec", Rule: "G101", Path: "a.go",
			History: []Event{{Time: t0, Author: "Cy <cy@example.com>", Action: ActSuppress, State: findings.StateSuppressed, Reason: WontFix, Justification: "legacy code path, removal planned"}}})
	}
	for _, c := range []struct {
		name string
		data []byte
		want []*Decision
	}{{"v1", v1, doc1.Decisions}, {"v2", Marshal(ds), ds}} {
		slicesSortByID(c.want)
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, ".secui"), 0o755)
			os.WriteFile(filepath.Join(dir, DefaultPath), c.data, 0o644)
			l, err := Open(dir, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.Upgrade(nil); err != nil {
				t.Fatal(err)
			}
			re, err := Open(dir, "")
			if err != nil || re.Version() != ShardedVersion {
				t.Fatalf("reopen: %v, version %d", err, re.Version())
			}
			sameRecords(t, "upgraded", re.Decisions(), c.want)
			checkShards(t, dir, re)
			for name, f := range shardFiles(t, dir) {
				if !isShardName(name) {
					continue
				}
				got := checkBothPathsVersion(t, f.data, ShardedVersion)
				if len(got) == 0 {
					t.Fatalf("%s: no records", name)
				}
			}
		})
	}
}

// A crash between the upgrade's steps loses nothing: before the rename the
// single file is the ledger (the temporary directory is ignored, and the
// next upgrade replaces it); after it, both exist, the directory is read
// (with the file folded in) and the next write removes the file.
func TestUpgradeCrashBetweenSteps(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, "")
	fs := spreadAll(400)
	if err := l.Decide(fs, suppress("Ann <ann@example.com>")); err != nil {
		t.Fatal(err)
	}
	want := l.Decisions()
	file := filepath.Join(dir, DefaultPath)
	sdir := filepath.Join(dir, ".secui", "ledger")

	// Crash before the rename: a half-written temporary directory.
	tmp := filepath.Join(dir, ".secui", ".ledger.upgrade")
	os.MkdirAll(tmp, 0o755)
	os.WriteFile(filepath.Join(tmp, "00.yaml"), []byte("# torn"), 0o644)
	re, err := Open(dir, "")
	if err != nil || re.Sharded() || re.Version() != FileVersion {
		t.Fatalf("with a leftover temporary directory: %v, version %d", err, re.Version())
	}
	sameRecords(t, "before the rename", re.Decisions(), want)

	// Crash after the rename, before the file is removed.
	crash := errors.New("killed")
	afterUpgradeRename = func() error { return crash }
	_, err = l.Upgrade(nil)
	afterUpgradeRename = nil
	if !errors.Is(err, crash) {
		t.Fatalf("upgrade: %v", err)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the temporary directory is still there")
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatal("the crash did not leave the file")
	}
	if _, err := os.Stat(sdir); err != nil {
		t.Fatal("the crash did not leave the directory")
	}
	re, err = Open(dir, "")
	if err != nil || !re.Sharded() {
		t.Fatalf("after the crash: %v, sharded %v", err, re.Sharded())
	}
	sameRecords(t, "after the crash", re.Decisions(), want)
	files := shardFiles(t, dir)
	// The next write removes the file and changes only its own shard.
	f := fs[17]
	if err := re.Decide([]*findings.Finding{f}, Request{Action: ActReopen, Note: "not a fixture", Author: "Bo <bo@example.com>", Now: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the next write left the single file: %v", err)
	}
	after := shardFiles(t, dir)
	for name, st := range files {
		if changed := !bytes.Equal(after[name].data, st.data); changed != (name == ShardName(f.ID)) {
			t.Errorf("%s changed=%v", name, changed)
		}
	}
	re2, _ := Open(dir, "")
	if d := re2.Get(f.ID); d == nil || d.State != findings.StateOpen || len(re2.Decisions()) != len(want) {
		t.Fatalf("after the write: %+v, %d records", d, len(re2.Decisions()))
	}
	checkShards(t, dir, re2)
}

// A single file that comes back next to the directory (a merge with a
// branch that still had it) is folded in: its new records are kept, a record
// both changed differently is kept in review, and the next write stores
// them in their shards and removes the file.
func TestLegacyFileFoldedIn(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, "")
	fs := spreadAll(50)
	if err := l.Decide(fs[:40], suppress("Ann <ann@example.com>")); err != nil {
		t.Fatal(err)
	}
	old := l.Decisions()
	if _, err := l.Upgrade(nil); err != nil {
		t.Fatal(err)
	}
	// The old branch: one new record, one record decided differently.
	b := cloneAll(old)
	extra := &Decision{
		ID:      fs[45].ID,
		State:   findings.StateAccepted,
		Author:  "Old <old@example.com>",
		Time:    t0.Add(2 * time.Hour),
		History: []Event{{Time: t0.Add(2 * time.Hour), Author: "Old <old@example.com>", Action: ActAccept, State: findings.StateAccepted, Note: "tracked in SEC-4"}},
		extra: &Extra{
			Note: "tracked in SEC-4",
		},
	}
	b = append(b, extra)
	var changed *Decision
	for _, d := range b {
		if d.ID == fs[3].ID {
			d.State, d.Reason, d.Justification, d.Edit().Note = findings.StateAccepted, "", "", "fix in sprint 3"
			d.History = append(d.History, Event{Time: t0.Add(3 * time.Hour), Author: "Old <old@example.com>", Action: ActAccept, State: findings.StateAccepted, Note: "fix in sprint 3"})
			changed = d
		}
	}
	os.WriteFile(filepath.Join(dir, DefaultPath), Marshal(b), 0o644)

	re, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if d := re.Get(extra.ID); d == nil || d.State != findings.StateAccepted {
		t.Fatalf("the file's new record: %+v", d)
	}
	if d := re.Get(changed.ID); d == nil || d.Extra().Review == "" || len(d.History) != 2 {
		t.Fatalf("a record decided differently on both sides: %+v", d)
	}
	if len(re.Decisions()) != 41 {
		t.Fatalf("%d records", len(re.Decisions()))
	}
	if err := re.Decide([]*findings.Finding{fs[49]}, suppress("Ann <ann@example.com>")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, DefaultPath)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the file was not removed")
	}
	re2, _ := Open(dir, "")
	sameRecords(t, "after the fold", re2.Decisions(), re.Decisions())
	checkShards(t, dir, re2)
	if d := re2.Get(changed.ID); d == nil || d.Extra().Review == "" {
		t.Fatalf("review lost: %+v", d)
	}
}

// A record in the wrong shard, and decisions in tickets.yaml, are
// positioned errors naming the file; the ledger is then read-only.
func TestShardMisplacedRecord(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, "")
	fs := spreadAll(20)
	l.Decide(fs, suppress("Ann <ann@example.com>"))
	l.Upgrade(nil)
	sd := filepath.Join(dir, ".secui", "ledger")
	d := l.Get(fs[5].ID)
	wrong := ShardName(fs[6].ID)
	merged, _, _, _ := marshalVersion(append(slices.Clone(cloneAll(l.Decisions()[6:7])), d), ShardedVersion)
	os.WriteFile(filepath.Join(sd, wrong), merged, 0o644)
	re, err := Open(dir, "")
	var ve *ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), ".secui/ledger/"+wrong+":") || !strings.Contains(err.Error(), "belongs in .secui/ledger/"+ShardName(d.ID)) {
		t.Fatalf("misplaced record: %v", err)
	}
	if err := re.Decide([]*findings.Finding{fs[1]}, suppress("Ann <ann@example.com>")); err == nil {
		t.Fatal("a write to an invalid sharded ledger was accepted")
	}
}

// A decision that moves a record to another id in another shard (its
// finding's id changed) writes both shards; a crash between the two phases
// leaves the record under both ids, never under none.
func TestShardedMoveAcrossShards(t *testing.T) {
	for _, crash := range []bool{false, true} {
		t.Run(fmt.Sprintf("crash=%v", crash), func(t *testing.T) {
			dir := t.TempDir()
			l, _ := Open(dir, "")
			f := spread(0x11)
			others := spreadAll(40)
			if err := l.Decide(append([]*findings.Finding{f}, others[:3]...), suppress("Ann <ann@example.com>")); err != nil {
				t.Fatal(err)
			}
			l.Upgrade(nil)
			// The same finding, now with another id (in another shard), and
			// its fingerprint.
			g := *f
			g.ID = "ee" + f.ID[2:]
			ov := l.Overlay([]*findings.Finding{&g, others[0], others[1], others[2]}, t0)
			if m, ok := ov.Own(&g); !ok || m.Decision.ID != f.ID {
				t.Fatalf("setup: the decision is not placed on the renamed finding: %+v %v", m, ok)
			}
			if ShardName(g.ID) == ShardName(f.ID) {
				t.Fatal("setup: same shard")
			}
			stop := errors.New("killed")
			if crash {
				betweenShardPhases = func() error { return stop }
				defer func() { betweenShardPhases = nil }()
			}
			err := l.Decide([]*findings.Finding{&g}, Request{Action: ActAccept, Note: "tracked in SEC-77", Author: "Bo <bo@example.com>", Now: t0.Add(time.Hour), Overlay: ov})
			re, rerr := Open(dir, "")
			if rerr != nil {
				t.Fatal(rerr)
			}
			if crash {
				if !errors.Is(err, stop) {
					t.Fatalf("decide: %v", err)
				}
				if re.Get(f.ID) == nil || re.Get(g.ID) == nil {
					t.Fatalf("a crash between the phases lost the record: old %v, new %v", re.Get(f.ID) != nil, re.Get(g.ID) != nil)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if re.Get(f.ID) != nil || re.Get(g.ID) == nil || re.Get(g.ID).State != findings.StateAccepted || len(re.Decisions()) != 4 {
				t.Fatalf("after the move: old %+v, new %+v, %d records", re.Get(f.ID), re.Get(g.ID), len(re.Decisions()))
			}
			checkShards(t, dir, re)
		})
	}
}

// A shard that is a FIFO (a hostile commit) is refused at once: opening it
// must not wait for a writer, and nothing is written over it.
func TestShardFIFORefused(t *testing.T) {
	dir := t.TempDir()
	l, _ := Open(dir, "")
	fs := spreadAll(20)
	if err := l.Decide(fs, suppress("Ann <ann@example.com>")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Upgrade(nil); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, ".secui", "ledger", ShardName(fs[3].ID))
	os.Remove(p)
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := Open(dir, ""); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), ShardName(fs[3].ID)) {
			t.Fatalf("a FIFO shard: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("opening a ledger with a FIFO shard waits for a writer")
	}
}
