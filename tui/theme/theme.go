// Package theme holds secui's colour palette and the Styles built from it.
// Styles are built once (New) and rebuilt only when the terminal background
// changes; components never create styles while rendering.
package theme

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"

	"github.com/secui/secui/findings"
)

// Palette is the set of named colours a theme is made of. Each pair is
// (light background, dark background).
type Palette struct {
	Sev      [5][2]string // indexed by findings.Severity: info, low, medium, high, critical
	Accent   [2]string
	Muted    [2]string
	Text     [2]string
	SelBg    [2]string
	MarkFg   [2]string
	Border   [2]string
	Info     [2]string
	Warn     [2]string
	Error    [2]string
	Added    [2]string
	Removed  [2]string
	Highlite [2]string // background of the highlighted code region
}

// DefaultPalette is secui's palette. Severity colours follow a colour-blind
// friendly ramp (Okabe–Ito inspired: purple, vermilion, orange, blue, grey) and
// the UI always shows a letter next to the colour, so colour is never the only cue.
func DefaultPalette() Palette {
	return Palette{
		Sev: [5][2]string{
			findings.SevInfo:     {"#6B6B6B", "#9E9E9E"},
			findings.SevLow:      {"#0060A8", "#56B4E9"},
			findings.SevMedium:   {"#9A6700", "#F0E442"},
			findings.SevHigh:     {"#C24E00", "#E69F00"},
			findings.SevCritical: {"#A0006A", "#FF5FD7"},
		},
		Accent:   [2]string{"#5A3FC0", "#9D8CFF"},
		Muted:    [2]string{"#707070", "#8A8A8A"},
		Text:     [2]string{"#1A1A1A", "#E4E4E4"},
		SelBg:    [2]string{"#D8D4F5", "#3A3458"},
		MarkFg:   [2]string{"#0060A8", "#56B4E9"},
		Border:   [2]string{"#B0B0B0", "#4A4A4A"},
		Info:     [2]string{"#0060A8", "#56B4E9"},
		Warn:     [2]string{"#9A6700", "#F0E442"},
		Error:    [2]string{"#B00020", "#FF6B6B"},
		Added:    [2]string{"#006B3C", "#5FD787"},
		Removed:  [2]string{"#B00020", "#FF6B6B"},
		Highlite: [2]string{"#FFF3B0", "#4A3F00"},
	}
}

// Styles are all the styles the console uses, built once from a Palette.
type Styles struct {
	IsDark  bool
	NoColor bool

	Sev      [5]lipgloss.Style // severity text colour (bold for high and critical)
	SevBadge [5]lipgloss.Style // severity letter badge

	App        lipgloss.Style
	Title      lipgloss.Style // pane titles, app name
	Header     lipgloss.Style // header line
	HeaderKey  lipgloss.Style // labels in the header
	Muted      lipgloss.Style
	Bold       lipgloss.Style
	Accent     lipgloss.Style
	Link       lipgloss.Style
	Border     lipgloss.Style // separator lines between panes
	FocusTitle lipgloss.Style // title of the focused pane
	BlurTitle  lipgloss.Style // title of an unfocused pane

	TableHeader lipgloss.Style
	Row         lipgloss.Style
	RowSel      lipgloss.Style // cursor row
	RowSelBlur  lipgloss.Style // cursor row when the table is not focused
	Mark        lipgloss.Style // selection mark (bulk)
	Group       lipgloss.Style // group header rows
	State       [4]lipgloss.Style

	RibbonStage  lipgloss.Style
	RibbonActive lipgloss.Style
	RibbonArrow  lipgloss.Style
	RibbonZero   lipgloss.Style

	FilterPrompt lipgloss.Style
	FilterError  lipgloss.Style
	FilterCount  lipgloss.Style
	FacetOn      lipgloss.Style

	StatusInfo  lipgloss.Style
	StatusWarn  lipgloss.Style
	StatusError lipgloss.Style

	Section    lipgloss.Style // detail section headings
	LineNo     lipgloss.Style
	LineNoHL   lipgloss.Style
	CodeHL     lipgloss.Style // highlighted region lines
	Gutter     lipgloss.Style // region marker in the gutter
	DiffAdd    lipgloss.Style
	DiffDel    lipgloss.Style
	DiffHunk   lipgloss.Style
	StepActive lipgloss.Style

	Overlay lipgloss.Style // help / form overlay box
	Help    help.Styles

	// ChromaStyle names the code colours (detail.highlight: chroma's "monokai"
	// or "friendly" palettes; "" = none).
	ChromaStyle string
	// GlamourStyle is the rule help look (detail.RenderMarkdown: dark, light,
	// notty), named as glamour's standard styles were.
	GlamourStyle string
}

// New builds Styles from p for a dark or light background. With noColor the
// styles use no colours at all (only bold, underline and reverse).
func New(p Palette, isDark, noColor bool) *Styles {
	ld := lipgloss.LightDark(isDark)
	c := func(pair [2]string) color.Color {
		if noColor {
			return lipgloss.NoColor{}
		}
		return ld(lipgloss.Color(pair[0]), lipgloss.Color(pair[1]))
	}
	s := &Styles{IsDark: isDark, NoColor: noColor}
	base := lipgloss.NewStyle()
	for i := range p.Sev {
		st := base.Foreground(c(p.Sev[i]))
		if findings.Severity(i) >= findings.SevHigh {
			st = st.Bold(true)
		}
		s.Sev[i] = st
		badgeFg := lipgloss.Color("#000000")
		if !isDark {
			badgeFg = lipgloss.Color("#FFFFFF")
		}
		if noColor {
			s.SevBadge[i] = base.Bold(findings.Severity(i) >= findings.SevHigh)
		} else {
			s.SevBadge[i] = base.Foreground(badgeFg).Background(c(p.Sev[i])).Bold(true)
		}
	}
	s.App = base
	s.Title = base.Bold(true).Foreground(c(p.Accent))
	s.Header = base
	s.HeaderKey = base.Foreground(c(p.Muted))
	s.Muted = base.Foreground(c(p.Muted))
	s.Bold = base.Bold(true)
	s.Accent = base.Foreground(c(p.Accent))
	s.Link = base.Foreground(c(p.Info))
	s.Border = base.Foreground(c(p.Border))
	s.FocusTitle = base.Bold(true).Foreground(c(p.Accent))
	s.BlurTitle = base.Foreground(c(p.Muted))

	s.TableHeader = base.Bold(true).Foreground(c(p.Muted))
	s.Row = base
	if noColor {
		s.RowSel = base.Reverse(true)
		s.RowSelBlur = base.Underline(true)
	} else {
		s.RowSel = base.Background(c(p.SelBg)).Bold(true)
		s.RowSelBlur = base.Background(c(p.SelBg))
	}
	s.Mark = base.Foreground(c(p.MarkFg)).Bold(true)
	s.Group = base.Bold(true).Foreground(c(p.Accent))
	s.State[findings.StateOpen] = base
	s.State[findings.StateAccepted] = base.Foreground(c(p.Info))
	s.State[findings.StateSuppressed] = base.Foreground(c(p.Muted)).Italic(true)
	s.State[findings.StateFixed] = base.Foreground(c(p.Added))

	s.RibbonStage = base.Foreground(c(p.Text))
	s.RibbonActive = base.Bold(true).Underline(true).Foreground(c(p.Accent))
	s.RibbonArrow = base.Foreground(c(p.Border))
	s.RibbonZero = base.Foreground(c(p.Muted))

	s.FilterPrompt = base.Bold(true).Foreground(c(p.Accent))
	s.FilterError = base.Foreground(c(p.Error))
	s.FilterCount = base.Foreground(c(p.Muted))
	s.FacetOn = base.Bold(true).Foreground(c(p.Accent))

	s.StatusInfo = base.Foreground(c(p.Info))
	s.StatusWarn = base.Foreground(c(p.Warn)).Bold(true)
	s.StatusError = base.Foreground(c(p.Error)).Bold(true)

	s.Section = base.Bold(true).Foreground(c(p.Accent))
	s.LineNo = base.Foreground(c(p.Muted))
	s.LineNoHL = base.Bold(true).Foreground(c(p.Text))
	if noColor {
		s.CodeHL = base.Bold(true)
	} else {
		s.CodeHL = base.Background(c(p.Highlite))
	}
	s.Gutter = base.Bold(true).Foreground(c(p.Accent))
	s.DiffAdd = base.Foreground(c(p.Added))
	s.DiffDel = base.Foreground(c(p.Removed))
	s.DiffHunk = base.Foreground(c(p.Info))
	s.StepActive = base.Bold(true).Foreground(c(p.Accent))

	s.Overlay = base.Border(lipgloss.RoundedBorder()).BorderForeground(c(p.Accent)).Padding(0, 1)
	if noColor {
		s.Help = help.Styles{
			ShortKey: base.Bold(true), ShortDesc: base, ShortSeparator: base,
			Ellipsis: base, FullKey: base.Bold(true), FullDesc: base, FullSeparator: base,
		}
		s.ChromaStyle = ""
		s.GlamourStyle = "notty"
	} else {
		s.Help = help.DefaultStyles(isDark)
		if isDark {
			s.ChromaStyle, s.GlamourStyle = "monokai", "dark"
		} else {
			s.ChromaStyle, s.GlamourStyle = "friendly", "light"
		}
	}
	return s
}

// SevGlyph is a shape per severity, so severities differ in shape as well as
// colour and letter.
var SevGlyph = [5]string{
	findings.SevInfo:     "·",
	findings.SevLow:      "▽",
	findings.SevMedium:   "◆",
	findings.SevHigh:     "▲",
	findings.SevCritical: "✖",
}

// Styled renders text in the style a screen names by one letter: 't' title,
// 'm' muted, 'e' error, 's' selected row, '+', '-' and '@' a diff's added,
// deleted and hunk lines. Another letter, or a nil Styles (a screen built
// without a theme), leaves the text plain.
func (s *Styles) Styled(text string, kind byte) string {
	if s == nil {
		return text
	}
	switch kind {
	case 't':
		return s.Title.Render(text)
	case 'm':
		return s.Muted.Render(text)
	case 'e':
		return s.StatusError.Render(text)
	case 's':
		return s.RowSel.Render(text)
	case '+':
		return s.DiffAdd.Render(text)
	case '-':
		return s.DiffDel.Render(text)
	case '@':
		return s.DiffHunk.Render(text)
	}
	return text
}
