package query

import (
	"slices"
	"testing"
)

// Merging a sorted batch into a sorted list gives exactly what sorting the
// whole list gives, for every sort key and batch split.
func TestMergeSortedMatchesSort(t *testing.T) {
	fs := synth(5000, 7)
	for key := BySeverity; key <= ByStage; key++ {
		all := make([]int32, len(fs))
		for i := range all {
			all[i] = int32(i)
		}
		Sort(fs, all, key)
		for _, cut := range []int{0, 1, 1234, 4999, 5000} {
			a := make([]int32, cut)
			for i := range a {
				a[i] = int32(i)
			}
			b := make([]int32, len(fs)-cut)
			for i := range b {
				b[i] = int32(cut + i)
			}
			Sort(fs, a, key)
			Sort(fs, b, key)
			got := MergeSorted(nil, fs, a, b, key)
			if !slices.Equal(got, all) {
				t.Fatalf("key %v cut %d: merge differs from a full sort", key, cut)
			}
		}
		// Compare agrees with Sort on every adjacent pair
		for p := 1; p < len(all); p++ {
			if c := Compare(key, fs[all[p-1]], fs[all[p]]); c > 0 {
				t.Fatalf("key %v: Compare says %d > %d but Sort put it first", key, all[p-1], all[p])
			}
		}
	}
}

func BenchmarkMergeSorted100kBatch1k(b *testing.B) {
	fs := synth(101000, 3)
	a := make([]int32, 100000)
	for i := range a {
		a[i] = int32(i)
	}
	Sort(fs, a, BySeverity)
	nb := make([]int32, 1000)
	for i := range nb {
		nb[i] = int32(100000 + i)
	}
	Sort(fs, nb, BySeverity)
	var dst []int32
	b.ReportAllocs()
	for b.Loop() {
		dst = MergeSorted(dst, fs, a, nb, BySeverity)
	}
}
