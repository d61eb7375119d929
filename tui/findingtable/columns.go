package findingtable

// Column kinds, in display order.
const (
	ColSev = iota
	ColStage
	ColTool
	ColRule
	ColLoc
	ColMsg
	ColState
	numCols
)

// Titles are the column headings.
var Titles = [numCols]string{"SEV", "STAGE", "TOOL", "RULE", "LOCATION", "MESSAGE", "STATE"}

// GutterWidth is the width of the cursor and selection marks left of the columns.
const GutterWidth = 2

// Widths are the widths of the columns; 0 means the column is hidden.
type Widths [numCols]int

// FitColumns fits the columns into width cells (gutter and one-space separators
// included). Narrow windows first lose the state, stage and tool columns; extra
// room goes to location, message, rule, tool, stage and state up to their ideal
// widths, then to the message.
func FitColumns(width int) Widths {
	type spec struct{ min, ideal int }
	specs := [numCols]spec{
		ColSev:   {3, 3},
		ColStage: {5, 7},
		ColTool:  {6, 12},
		ColRule:  {8, 24},
		ColLoc:   {14, 40},
		ColMsg:   {12, 1 << 30},
		ColState: {5, 10},
	}
	var w Widths
	shown := [numCols]bool{true, true, true, true, true, true, true}
	used := func() int {
		n := GutterWidth
		for c := range w {
			if shown[c] {
				n += w[c] + 1
			}
		}
		return n - 1
	}
	for c := range w {
		w[c] = specs[c].min
	}
	for _, drop := range []int{ColState, ColStage, ColTool, ColRule} {
		if used() <= width {
			break
		}
		shown[drop], w[drop] = false, 0
	}
	if used() > width { // tiny window: shrink location and message
		over := used() - width
		for _, c := range []int{ColLoc, ColMsg} {
			cut := min(over, w[c]-1)
			w[c] -= cut
			over -= cut
		}
	}
	extra := width - used()
	grow := func(c, upto int) {
		if !shown[c] || extra <= 0 {
			return
		}
		add := min(extra, max(0, upto-w[c]))
		w[c] += add
		extra -= add
	}
	grow(ColLoc, 22)
	grow(ColMsg, 22)
	grow(ColRule, 12)
	grow(ColTool, 8)
	grow(ColStage, specs[ColStage].ideal)
	grow(ColLoc, 30)
	grow(ColMsg, 36)
	grow(ColRule, 20)
	grow(ColTool, specs[ColTool].ideal)
	grow(ColState, specs[ColState].ideal)
	grow(ColLoc, specs[ColLoc].ideal)
	grow(ColRule, specs[ColRule].ideal)
	grow(ColMsg, specs[ColMsg].ideal)
	for c := range w {
		if !shown[c] {
			w[c] = 0
		}
	}
	return w
}
