package triagescreen

// Rect is a screen rectangle (cells).
type Rect struct{ X, Y, W, H int }

// Contains reports whether the cell (x, y) is inside r.
func (r Rect) Contains(x, y int) bool {
	return x >= r.X && x < r.X+r.W && y >= r.Y && y < r.Y+r.H
}

// LayoutMode says how the table and the detail pane share the screen.
type LayoutMode int

// Layout modes.
const (
	SideBySide LayoutMode = iota // wide windows: table left, detail right
	Stacked                      // tall windows: table above detail
	Toggled                      // small windows: one pane at a time (tab switches)
)

// String names the mode.
func (m LayoutMode) String() string {
	return [...]string{"side-by-side", "stacked", "toggled"}[m]
}

// Layout is where every part of the console goes.
type Layout struct {
	Mode     LayoutMode
	Header   Rect
	Ribbon   Rect
	Filter   Rect
	Table    Rect // zero when hidden (toggled, showing detail)
	Detail   Rect // zero when hidden
	Sep      Rect // separator column between side-by-side panes
	Status   Rect
	Footer   Rect
	Body     Rect // the area the panes (or the help overlay) use
	TooSmall bool
}

// Layout thresholds.
const (
	WideMin    = 140 // from this width the panes sit side by side
	StackedMin = 30  // body height from which narrow windows stack the panes
	MinWidth   = 40
	MinHeight  = 8
)

// ComputeLayout places the console's parts in a w×h window. filterH is the
// query bar's height (1, or 2 with an error line); showDetail picks the pane in
// toggled mode. It is a pure function of its arguments.
func ComputeLayout(w, h, filterH int, showDetail bool) Layout {
	var l Layout
	if w < MinWidth || h < MinHeight {
		l.TooSmall = true
		l.Body = Rect{0, 0, w, h}
		return l
	}
	y := 0
	take := func(n int) Rect {
		r := Rect{0, y, w, n}
		y += n
		return r
	}
	l.Header = take(1)
	if h >= 14 {
		l.Ribbon = take(1)
	}
	l.Filter = take(filterH)
	footerH := 1
	bodyH := h - y - 1 - footerH
	l.Body = take(bodyH)
	l.Status = take(1)
	l.Footer = take(footerH)

	b := l.Body
	switch {
	case w >= WideMin:
		l.Mode = SideBySide
		tw := w * 55 / 100
		l.Table = Rect{b.X, b.Y, tw, b.H}
		l.Sep = Rect{b.X + tw, b.Y, 1, b.H}
		l.Detail = Rect{b.X + tw + 1, b.Y, w - tw - 1, b.H}
	case b.H >= StackedMin:
		l.Mode = Stacked
		th := b.H * 45 / 100
		l.Table = Rect{b.X, b.Y, w, th}
		l.Detail = Rect{b.X, b.Y + th, w, b.H - th}
	default:
		l.Mode = Toggled
		if showDetail {
			l.Detail = b
		} else {
			l.Table = b
		}
	}
	return l
}
