package ledger

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/secui/secui/findings"
)

// setStream sets streamMin and streamChunk and returns a func restoring them.
func setStream(min int64, chunk int) func() {
	oldMin, oldChunk := streamMin, streamChunk
	streamMin, streamChunk = min, chunk
	return func() { streamMin, streamChunk = oldMin, oldChunk }
}

// streamTexts are ledger texts the fast decoder reads and texts it refuses:
// random records as Marshal writes them, and edits of them (records out of
// order, a duplicate id in another chunk, a comment among the records, a
// tickets section, no final line end, an empty list, CRLF, a bad value in
// the last record).
func streamTexts(t *testing.T) map[string]string {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 12))
	out := map[string]string{"cached": cachedLedger()}
	for round := range 40 {
		var ds []*Decision
		for i := range 1 + r.IntN(60) {
			ds = append(ds, randDecision(r, i))
		}
		text := string(Marshal(ds))
		name := func(s string) string { return s + "-" + string(rune('A'+round%26)) + strings.Repeat("'", round/26) }
		out[name("random")] = text
		recs := strings.SplitAfter(text, "\n- ")
		if len(recs) > 3 { // swap two records: not sorted
			swapped := strings.Join(recs[:1], "") + recs[2] + recs[1] + strings.Join(recs[3:], "")
			if strings.HasSuffix(swapped, "\n- ") || !strings.HasSuffix(recs[2], "\n- ") {
				swapped = text
			}
			out[name("swapped")] = swapped
			// the first record again at the end: a duplicate id
			first := text[strings.Index(text, "\n- ")+1:]
			first = first[:strings.Index(first[1:]+"\n- ", "\n- ")+2]
			out[name("duplicate")] = text + first
		}
		out[name("comment")] = strings.Replace(text, "\n- ", "\n# a comment\n- ", 1+r.IntN(3))
		out[name("tickets")] = text + "tickets:\n- tracker: github\n  id: \"1\"\n  members: [abc]\n"
		out[name("noeol")] = strings.TrimSuffix(text, "\n")
		out[name("crlf")] = strings.ReplaceAll(text, "\n", "\r\n")
		out[name("badlast")] = strings.TrimSuffix(text, "\n") + "\n  state: bogus\n"
	}
	out["empty-list"] = "version: 2\ndecisions: []\n"
	out["header-only"] = "# secui triage ledger\nversion: 2\ndecisions:\n"
	return out
}

// TestStreamReadsAsWhole: a file read in chunks (of 1 byte to 1 MiB, so
// records and lines are cut everywhere) gives exactly what the fast decoder
// gives on the whole text: the same records (ids, lines, every field), the
// same offsets and layout, the same version; and it gives up (the caller
// then reads the file whole, as before) on exactly the texts the fast
// decoder refuses or where the file would be parsed the slow way.
func TestStreamReadsAsWhole(t *testing.T) {
	defer setStream(0, 1)()
	read, refused := 0, 0
	for name, text := range streamTexts(t) {
		wantDs, _, wantVer, fastOK := fastDecodeSpans(text, nil)
		wantDoc, wantLay, _ := parseLayout(name, text)
		fastOK = fastOK && len(wantDs) > 0
		if fastOK {
			read++
		} else {
			refused++
		}
		for _, chunk := range []int{1, 2, 7, 64, 333, 4096, 1 << 20} {
			streamChunk = chunk
			doc, lay, ok, err := parseStream(strings.NewReader(text))
			if err != nil {
				t.Fatalf("%s, chunks of %d: %v", name, chunk, err)
			}
			if ok != fastOK {
				t.Fatalf("%s, chunks of %d: streamed %v, whole text fast %v\n%s", name, chunk, ok, fastOK, text)
			}
			if !ok {
				continue
			}
			if doc.Version != wantVer || !reflect.DeepEqual(doc, wantDoc) {
				t.Fatalf("%s, chunks of %d: records differ\ngot  %+v\nwant %+v", name, chunk, doc, wantDoc)
			}
			if !reflect.DeepEqual(lay, wantLay) {
				t.Fatalf("%s, chunks of %d: layout differs\ngot  %+v\nwant %+v", name, chunk, lay, wantLay)
			}
		}
	}
	// Both kinds, or the comparison proves little: random, swapped and
	// noeol texts are read, the others refused.
	if read < 80 || refused < 150 {
		t.Fatalf("%d texts read, %d refused", read, refused)
	}
}

// TestOpenStreamedSameAsWhole: a ledger opened in chunks is the ledger
// opened whole (records, layout, version, tickets, validation error), and
// a decision written into it gives the same file, byte for byte; a file the
// chunks cannot read (a tickets section, a hand edit) is read whole.
func TestOpenStreamedSameAsWhole(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var ds []*Decision
	for i := range 400 {
		d := randDecision(r, i)
		ds = append(ds, d)
	}
	base := string(Marshal(ds))
	texts := map[string]string{
		"plain":   base,
		"tickets": base + "tickets:\n- tracker: github\n  id: \"1\"\n  members: [abc]\n",
		"comment": strings.Replace(base, "\n- ", "\n# hand edit\n- ", 3),
	}
	for name, text := range texts {
		open := func(min int64, chunk int) (*Ledger, string) {
			defer setStream(min, chunk)()
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, ".secui"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, DefaultPath), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			l, _ := Open(dir, "")
			return l, dir
		}
		whole, wdir := open(1<<62, 1<<20)
		streamed, sdir := open(1, 513)
		if !reflect.DeepEqual(streamed.list, whole.list) || !reflect.DeepEqual(streamed.lay, whole.lay) ||
			streamed.version != whole.version || !reflect.DeepEqual(streamed.tickets, whole.tickets) ||
			!reflect.DeepEqual(streamed.readErr, whole.readErr) || !reflect.DeepEqual(streamed.recMap(), whole.recMap()) {
			t.Fatalf("%s: opened in chunks differs from opened whole", name)
		}
		if whole.readErr != nil {
			continue
		}
		f := mk(1)
		now := t0.Add(time.Hour)
		for _, c := range []struct {
			l   *Ledger
			dir string
		}{{whole, wdir}, {streamed, sdir}} {
			if err := c.l.Decide([]*findings.Finding{f}, Request{Action: ActAccept, Note: "tracked in SEC-1 by the owner", Author: "A <a@x>", Now: now}); err != nil {
				t.Fatal(err)
			}
		}
		a, _ := os.ReadFile(filepath.Join(wdir, DefaultPath))
		b, _ := os.ReadFile(filepath.Join(sdir, DefaultPath))
		if string(a) != string(b) {
			t.Fatalf("%s: a decision written after a read in chunks gives another file", name)
		}
	}
}

// The fast decoder keeps one copy of an ID that a key repeats
// ("linehash:<id>"): the ID is the key's tail. (Without such a key it is a
// copy of its own: TestStreamReadsAsWhole reuses the buffers.)
func TestStreamIDSharesKey(t *testing.T) {
	defer setStream(0, 64)()
	text := "version: 2\ndecisions:\n" +
		"- id: 00000000000000aa\n  state: open\n  time: 2026-11-28T12:00:00Z\n  keys: [fingerprint:ff, linehash:00000000000000aa]\n" +
		"- id: 00000000000000bb\n  state: open\n  time: 2026-11-28T12:00:00Z\n  keys: [fingerprint:00000000000000bc]\n"
	doc, _, ok, err := parseStream(strings.NewReader(text))
	if err != nil || !ok || len(doc.Decisions) != 2 {
		t.Fatalf("parseStream: ok %v, %v, %d records", ok, err, len(doc.Decisions))
	}
	a, b := doc.Decisions[0], doc.Decisions[1]
	if a.ID != "00000000000000aa" || b.ID != "00000000000000bb" {
		t.Fatalf("ids %q %q", a.ID, b.ID)
	}
	if k := a.Keys[1]; unsafe.StringData(a.ID) != unsafe.StringData(k[len(k)-16:]) {
		t.Errorf("id %s is not the tail of its key %s", a.ID, k)
	}
}
