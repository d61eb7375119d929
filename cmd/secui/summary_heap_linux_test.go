package main

import "testing"

func TestHugePagesFree(t *testing.T) {
	const buddy = `Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3
Node 0, zone    DMA32      4      1      2      2      2      2      1      4      4      2    752
Node 0, zone   Normal  12080   5025   3315   6372   4194   3148   1629    732    300    145    285
`
	// Orders 9 and 10 (2 and 4 MiB): DMA 1+3, DMA32 2+752, Normal 145+285 blocks.
	free := uint64(1*2+3*4+2*2+752*4+145*2+285*4) << 20
	on := "always [madvise] never"
	for _, c := range []struct {
		n           uint64
		buddy, thp  string
		want        bool
		description string
	}{
		{free / 4, buddy, on, true, "a quarter of the free 2 MiB blocks"},
		{free/4 + 1, buddy, on, false, "more than a quarter"},
		{1 << 20, buddy, "always madvise [never]", false, "huge pages off"},
		{1 << 20, buddy, "[always] madvise never", true, "huge pages always on"},
		{1 << 20, "", on, false, "no buddyinfo"},
		{1 << 20, "Node 0, zone Normal 1 2 x 4\n", on, false, "unreadable counts"},
		{1 << 20, "Node 0, zone Normal 100 100 100 100 100 100 100 100 100\n", on, false, "nothing of order 9 and up"},
	} {
		if got := hugePagesFree(uintptr(c.n), c.buddy, c.thp); got != c.want {
			t.Errorf("%s: hugePagesFree(%d) = %v, want %v", c.description, c.n, got, c.want)
		}
	}
}
