package triagescreen

import "testing"

func TestComputeLayout(t *testing.T) {
	cases := []struct {
		w, h       int
		filterH    int
		showDetail bool
		mode       LayoutMode
		table      Rect
		detail     Rect
	}{
		{80, 24, 1, false, Toggled, Rect{0, 3, 80, 19}, Rect{}},
		{80, 24, 1, true, Toggled, Rect{}, Rect{0, 3, 80, 19}},
		{80, 24, 2, false, Toggled, Rect{0, 4, 80, 18}, Rect{}},
		{100, 60, 1, false, Stacked, Rect{0, 3, 100, 24}, Rect{0, 27, 100, 31}},
		{200, 50, 1, false, SideBySide, Rect{0, 3, 110, 45}, Rect{111, 3, 89, 45}},
		{250, 70, 1, true, SideBySide, Rect{0, 3, 137, 65}, Rect{138, 3, 112, 65}},
	}
	for _, c := range cases {
		l := ComputeLayout(c.w, c.h, c.filterH, c.showDetail)
		if l.Mode != c.mode || l.Table != c.table || l.Detail != c.detail {
			t.Errorf("%dx%d filter %d detail %v: mode %v table %v detail %v, want %v %v %v",
				c.w, c.h, c.filterH, c.showDetail, l.Mode, l.Table, l.Detail, c.mode, c.table, c.detail)
		}
		// every row is used exactly once
		if got := l.Header.H + l.Ribbon.H + l.Filter.H + l.Body.H + l.Status.H + l.Footer.H; got != c.h {
			t.Errorf("%dx%d: rows add up to %d", c.w, c.h, got)
		}
		if l.Status.Y != c.h-2 || l.Footer.Y != c.h-1 {
			t.Errorf("%dx%d: status at %d footer at %d", c.w, c.h, l.Status.Y, l.Footer.Y)
		}
		if l.Mode == SideBySide && l.Table.W+l.Sep.W+l.Detail.W != c.w {
			t.Errorf("%dx%d: columns add up to %d", c.w, c.h, l.Table.W+l.Sep.W+l.Detail.W)
		}
	}
	if l := ComputeLayout(30, 5, 1, false); !l.TooSmall {
		t.Error("30x5 should be too small")
	}
	if l := ComputeLayout(80, 12, 1, false); l.Ribbon.H != 0 || l.Mode != Toggled {
		t.Errorf("short window keeps the ribbon: %+v", l)
	}
}
