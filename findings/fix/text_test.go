package fix

import (
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/secui/secui/findings"
)

// naiveCol walks the line from its start (the definition), for checking
// the checkpointed placement on long non-ASCII files.
func naiveCol(data []byte, kind findings.ColumnKind, lines []string, ln, col int) (int, bool) {
	off := 0
	for i := 0; i < ln-1; i++ {
		off += len(lines[i]) + 1
	}
	u, i, line := 1, 0, lines[ln-1]
	for u < col {
		if i >= len(line) {
			return 0, false
		}
		r, n := utf8.DecodeRuneInString(line[i:])
		w := 1
		if kind == findings.ColumnUTF16 && r >= 0x10000 {
			w = 2
		}
		if u+w > col {
			return 0, false
		}
		u += w
		i += n
	}
	return off + i, true
}

func TestPlacementMatchesDefinition(t *testing.T) {
	rnd := rand.New(rand.NewSource(3))
	pieces := []string{"a", "b", " ", "名", "前", "😀", "é", "\t", "𝄞"}
	var b strings.Builder
	for b.Len() < 5*markEvery {
		if rnd.Intn(40) == 0 && b.Len() > 2*markEvery { // long lines first, then short ones
			b.WriteByte('\n')
			continue
		}
		b.WriteString(pieces[rnd.Intn(len(pieces))])
	}
	data := []byte(b.String())
	lines := strings.Split(b.String(), "\n")
	for _, kind := range []findings.ColumnKind{findings.ColumnUTF16, findings.ColumnCodePoints} {
		tx := newText(data, kind)
		for n := 0; n < 3000; n++ {
			ln := 1 + rnd.Intn(len(lines))
			col := 1 + rnd.Intn(utf8.RuneCountInString(lines[ln-1])*2+2)
			want, ok := naiveCol(data, kind, lines, ln, col)
			got, err := tx.col(ln, col)
			if ok != (err == nil) || (ok && got != want) {
				t.Fatalf("%v line %d col %d: got %d, %v; want %d, %v", kind, ln, col, got, err, want, ok)
			}
		}
		// Character offsets: the byte offset after k runes (code points).
		if kind == findings.ColumnCodePoints {
			off, k := 0, 0
			for off <= len(data) {
				got, err := tx.char(k)
				if err != nil || got != off {
					t.Fatalf("char %d: %d, %v; want %d", k, got, err, off)
				}
				if off == len(data) {
					break
				}
				_, n := utf8.DecodeRune(data[off:])
				off += n
				k += 1 + rnd.Intn(1)
			}
		}
	}
}

// Planning stays cheap on a large file: one replacement near the end of a
// 200,000-line file.
func BenchmarkPlanLargeFile(b *testing.B) {
	var sb strings.Builder
	for i := 0; i < 200000; i++ {
		sb.WriteString("x := fmt.Sprintf(\"名前 %d\", i) // 😀\n")
	}
	data := []byte(sb.String())
	for b.Loop() {
		tx := newText(data, findings.ColumnUTF16)
		if _, err := tx.col(199990, 5); err != nil {
			b.Fatal(err)
		}
		nw := append(append([]byte{}, data[:len(data)-100]...), "changed\n"...)
		if len(hunks(data, nw)) != 1 {
			b.Fatal("hunks")
		}
	}
}
