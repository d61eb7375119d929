package findings

import (
	"math/rand/v2"
	"testing"
)

// isCleanByRune is what isClean decides, said rune by rune (a range over
// the string yields utf8.RuneError for each invalid byte, as DecodeRune does).
func isCleanByRune(s string, mode sanMode) bool {
	for _, r := range s {
		switch {
		case r == '\n' && mode != sanLine, r == '\t' && mode == sanKeep:
		case r < 0x20, r == 0x7f, r >= 0x80 && badRune(r):
			return false
		}
	}
	return true
}

// TestIsCleanWordAtATime checks isClean's eight-byte path against a rune
// loop on strings where one byte of every kind sits at every offset.
func TestIsCleanWordAtATime(t *testing.T) {
	specials := []byte{0x00, 0x09, 0x0a, 0x1b, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0x9b, 0xc2, 0xe2, 0xff}
	base := "abcdefghijklmnopqrstuvwxyz 0123456789~!" // printable ASCII
	rng := rand.New(rand.NewPCG(1, 2))
	n := 0
	for _, mode := range []sanMode{sanLine, sanText, sanKeep} {
		for l := 0; l <= len(base); l++ {
			for p := 0; p < l; p++ {
				for _, c := range specials {
					b := []byte(base[:l])
					b[p] = c
					if rng.IntN(3) == 0 && l > 1 { // a second special byte elsewhere
						b[rng.IntN(l)] = specials[rng.IntN(len(specials))]
					}
					s := string(b)
					if got, want := isClean(s, mode), isCleanByRune(s, mode); got != want {
						t.Fatalf("isClean(%q, %v) = %v, the rune loop says %v", s, mode, got, want)
					}
					n++
				}
			}
		}
		for _, s := range []string{"", "plain ascii text, long enough for words", "é at the end é", "tab\there and a newline\nthere", "bidi \u202e inside a long enough string"} {
			if got, want := isClean(s, mode), isCleanByRune(s, mode); got != want {
				t.Fatalf("isClean(%q, %v) = %v, the rune loop says %v", s, mode, got, want)
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d strings checked", n)
	}
}
