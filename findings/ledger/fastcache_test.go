package ledger

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/findings"
)

// cachedLedger is a ledger whose records repeat what the fast decoder
// caches by text (history lines, plain scalars, timestamps), with the
// traps a cache could fall into: a quoted value whose text is that of a
// plain one elsewhere (and a plain one that YAML would not read plainly),
// a history line that differs from the others in one byte, a record with
// two events where the first is a shared one, a record whose history line
// is invalid after many valid ones.
func cachedLedger() string {
	var b strings.Builder
	b.WriteString("version: 2\ndecisions:\n")
	ev := "    - {time: 2026-11-28T12:00:00Z, author: Test <test@example.com>, action: suppress, state: suppressed, reason: accepted-risk, justification: bulk}\n"
	for i, id := range []string{"0a00000000000001", "0a00000000000002", "0a00000000000003", "0a00000000000004", "0a00000000000005", "0a00000000000006"} {
		b.WriteString("- id: " + id + "\n  state: suppressed\n  reason: accepted-risk\n")
		switch i {
		case 1:
			b.WriteString("  justification: \"a: b\"\n") // quoted: "a: b" is not plain
		case 2:
			b.WriteString("  justification: \"bulk\"\n") // quoted text of a plain value
		default:
			b.WriteString("  justification: bulk\n")
		}
		b.WriteString("  author: Test <test@example.com>\n  time: 2026-11-28T12:00:00Z\n  tool: CodeQL\n  rule: r1\n  path: a/b.go\n")
		b.WriteString("  keys: [fallback:" + id + "]\n  evidence:\n    path: a/b.go\n    line: 3\n    commit: f5745e3ee1af36754fcf9f7d74e678be14f77fdc\n  history:\n")
		switch i {
		case 3:
			b.WriteString(strings.Replace(ev, "bulk}", "bulk2}", 1))
		case 4:
			b.WriteString(ev)
			b.WriteString("    - {time: 2026-11-29T12:00:00Z, author: Ann <a@x>, action: reopen, state: open, note: again}\n")
		default:
			b.WriteString(ev)
		}
	}
	return b.String()
}

// TestFastDecodeCachesExact: the decoder's caches change nothing: the fast
// path reads what the YAML path reads, a plain-looking value that YAML
// refuses still makes the fast path refuse the file (the cache never
// vouches for it), a bad history line after good ones is refused, and a
// history shared by several records is never changed through another one.
func TestFastDecodeCachesExact(t *testing.T) {
	data := []byte(cachedLedger())
	back := checkBothPaths(t, data)
	if len(back) != 6 || back[1].Justification != "a: b" || back[2].Justification != "bulk" || len(back[4].History) != 2 ||
		back[3].History[0].Justification != "bulk2" || back[5].History[0].Justification != "bulk" {
		t.Fatalf("decoded: %+v", back)
	}
	// "a: b" was read quoted; the same text plain is not a plain scalar.
	bad := strings.Replace(string(data), "- id: 0a00000000000006\n  state: suppressed\n  reason: accepted-risk\n  justification: bulk\n",
		"- id: 0a00000000000006\n  state: suppressed\n  reason: accepted-risk\n  justification: a: b\n", 1)
	if bad == string(data) {
		t.Fatal("setup: nothing replaced")
	}
	if _, ok := fastDecode([]byte(bad)); ok {
		t.Fatalf("fast path accepted a plain `a: b` after the quoted one")
	}
	// A history line valid except for a bad time, after the shared ones.
	badEv := strings.Replace(string(data), "note: again}", "note: again, time: x}", 1)
	if _, ok := fastDecode([]byte(badEv)); ok {
		t.Fatal("fast path accepted a repeated history field")
	}
	badT := strings.Replace(string(data), "  time: 2026-11-28T12:00:00Z\n  tool: CodeQL\n  rule: r1\n  path: a/b.go\n  keys: [fallback:0a00000000000006]",
		"  time: 2026-11-28T12:00:00\n  tool: CodeQL\n  rule: r1\n  path: a/b.go\n  keys: [fallback:0a00000000000006]", 1)
	if badT == string(data) {
		t.Fatal("setup: time not replaced")
	}
	if _, ok := fastDecode([]byte(badT)); ok {
		t.Fatal("fast path accepted a bad time after good ones")
	}
	// Shared histories: appending to one record's history (as Decide does)
	// leaves the others as they were.
	if &back[0].History[0] != &back[1].History[0] {
		t.Log("histories not shared (allowed, only slower)")
	}
	before := back[1].History[0]
	back[0].History = append(back[0].History, Event{Time: time.Unix(0, 0).UTC(), Action: ActReopen, State: findings.StateOpen})
	if !reflect.DeepEqual(back[1].History, []Event{before}) || len(back[0].History) != 2 {
		t.Fatalf("append through one record changed another's history: %+v", back[1].History)
	}
}
