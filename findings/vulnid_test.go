package findings

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestMayHaveVulnID holds mayHaveVulnID to the five strings.Contains it
// stands for, on random strings made of the prefixes' pieces.
func TestMayHaveVulnID(t *testing.T) {
	pieces := []string{"CVE", "GHSA", "GO", "PYSEC", "RUSTSEC", "-", "--", "C", "VE", "SEC", "G", "O", "x", " ", "2024", "é"}
	rng := rand.New(rand.NewPCG(3, 4))
	hits := 0
	for n := 0; n < 20000; n++ {
		var b strings.Builder
		for k := rng.IntN(8); k >= 0; k-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		want := strings.Contains(s, "CVE-") || strings.Contains(s, "GHSA-") || strings.Contains(s, "GO-") ||
			strings.Contains(s, "PYSEC-") || strings.Contains(s, "RUSTSEC-")
		if got := mayHaveVulnID(s); got != want {
			t.Fatalf("mayHaveVulnID(%q) = %v, want %v", s, got, want)
		}
		if want {
			hits++
		}
	}
	if hits < 1000 || hits > 19000 {
		t.Fatalf("%d of 20000 strings hold a prefix: the test says little", hits)
	}
}
