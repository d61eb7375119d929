package ledger

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/secui/secui/findings"
)

// TestFindingIndexRadix holds newFindingIndex's radix sort to the
// comparison sort it replaced (by address, then link; the last link of a
// finding kept), on real heap addresses: findings in one slab, separate
// allocations, repeats, and sizes on both sides of the radix threshold.
func TestFindingIndexRadix(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	slab := make([]findings.Finding, 5000)
	var loose []*findings.Finding
	for range 3000 {
		loose = append(loose, &findings.Finding{})
	}
	for _, n := range []int{0, 1, 2, 7, 1023, 1024, 1500, 20000} {
		for _, repeats := range []bool{false, true} {
			linkF := make([]*findings.Finding, n)
			for i := range linkF {
				switch {
				case repeats && i > 0 && r.IntN(4) == 0:
					linkF[i] = linkF[r.IntN(i)]
				case r.IntN(3) == 0:
					linkF[i] = loose[r.IntN(len(loose))]
				default:
					linkF[i] = &slab[r.IntN(len(slab))]
				}
			}
			want := make([]addrLink, n)
			for i, f := range linkF {
				want[i] = addrLink{addrOf(f), int32(i)}
			}
			slices.SortFunc(want, func(a, b addrLink) int {
				if c := cmp.Compare(a.addr, b.addr); c != 0 {
					return c
				}
				return cmp.Compare(a.link, b.link)
			})
			out := want[:0]
			for i, e := range want {
				if i+1 < len(want) && want[i+1].addr == e.addr {
					continue
				}
				out = append(out, e)
			}
			got := newFindingIndex(linkF)
			if !slices.Equal(got, findingIndex(out)) {
				t.Fatalf("n=%d repeats=%v: the radix index differs from the comparison sort's", n, repeats)
			}
			for i, f := range linkF {
				l, ok := got.get(f)
				if !ok || linkF[l] != f {
					t.Fatalf("n=%d: link %d's finding maps to link %d (%v)", n, i, l, ok)
				}
			}
		}
	}
	// every link on one finding: the last one wins
	one := &findings.Finding{}
	linkF := slices.Repeat([]*findings.Finding{one}, 3000)
	if l, ok := newFindingIndex(linkF).get(one); !ok || l != 2999 {
		t.Fatalf("3000 links on one finding: got link %d, %v; want 2999", l, ok)
	}
}
