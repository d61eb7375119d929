package theme

import (
	"strings"
	"testing"

	"github.com/secui/secui/findings"
)

func TestNoColor(t *testing.T) {
	st := New(DefaultPalette(), true, true)
	for _, s := range []string{
		st.Sev[findings.SevCritical].Render("x"), st.SevBadge[findings.SevHigh].Render("x"),
		st.RowSel.Render("x"), st.Link.Render("x"), st.StatusError.Render("x"), st.CodeHL.Render("x"),
	} {
		if strings.Contains(s, "38;") || strings.Contains(s, "48;") {
			t.Errorf("colour in NO_COLOR style: %q", s)
		}
	}
	if st.ChromaStyle != "" || st.GlamourStyle != "notty" {
		t.Errorf("syntax colour on under NO_COLOR: %q %q", st.ChromaStyle, st.GlamourStyle)
	}
	// the cursor row is still visible without colour
	if !strings.Contains(st.RowSel.Render("x"), "7") {
		t.Errorf("selection not reversed: %q", st.RowSel.Render("x"))
	}
}

func TestLightAndDarkDiffer(t *testing.T) {
	dark, light := New(DefaultPalette(), true, false), New(DefaultPalette(), false, false)
	if dark.Sev[findings.SevMedium].Render("x") == light.Sev[findings.SevMedium].Render("x") {
		t.Error("medium severity has the same colour on light and dark backgrounds")
	}
	if dark.ChromaStyle == light.ChromaStyle || dark.GlamourStyle != "dark" || light.GlamourStyle != "light" {
		t.Error("code and markdown styles do not follow the background")
	}
}

func TestSeveritiesDifferBeyondColour(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range findings.Severities {
		k := SevGlyph[s] + s.Letter()
		if seen[k] {
			t.Errorf("severity %v shares glyph and letter", s)
		}
		seen[k] = true
	}
}
