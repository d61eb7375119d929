// Package keys is the console's key map: every action as a key.Binding,
// the defaults, overrides from the configuration (ui.keys) and help groups.
package keys

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
)

// KeyMap holds one binding per action.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Expand, Collapse                        key.Binding
	FocusDetail, Back, SwitchPane           key.Binding
	Filter, ClearFilter                     key.Binding
	SevFloor, Stage, Sort, Group            key.Binding
	ShowSuppressed, ToggleQuality           key.Binding
	NextStep, PrevStep                      key.Binding
	Open, CopyLoc, CopyID                   key.Binding
	Accept, Suppress, Reopen                key.Binding
	Select, SelectAll, Undo                 key.Binding
	Pipeline, Fix, Edit, Rescan, Sync       key.Binding
	Errors, Help, Quit                      key.Binding
}

// Default returns the default key map.
func Default() KeyMap {
	b := func(keys []string, helpKey, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKey, desc))
	}
	return KeyMap{
		Up:             b([]string{"k", "up"}, "↑/k", "up"),
		Down:           b([]string{"j", "down"}, "↓/j", "down"),
		PageUp:         b([]string{"pgup", "ctrl+u", "ctrl+b"}, "pgup", "page up"),
		PageDown:       b([]string{"pgdown", "ctrl+d", "ctrl+f"}, "pgdn", "page down"),
		Top:            b([]string{"g", "home"}, "g", "top"),
		Bottom:         b([]string{"G", "end"}, "G", "bottom"),
		Expand:         b([]string{"l", "right"}, "→/l", "expand group"),
		Collapse:       b([]string{"h", "left"}, "←/h", "collapse group"),
		FocusDetail:    b([]string{"enter"}, "enter", "details"),
		Back:           b([]string{"esc"}, "esc", "back"),
		SwitchPane:     b([]string{"tab", "shift+tab"}, "tab", "switch pane"),
		Filter:         b([]string{"/"}, "/", "filter"),
		ClearFilter:    b([]string{"ctrl+l"}, "ctrl+l", "clear filters"),
		SevFloor:       b([]string{"f"}, "f", "severity floor"),
		Stage:          b([]string{"t"}, "t/1-8", "stage"),
		Sort:           b([]string{"S"}, "S", "sort"),
		Group:          b([]string{"b"}, "b", "group by"),
		ShowSuppressed: b([]string{"H"}, "H", "suppressed lanes"),
		ToggleQuality:  b([]string{"Q"}, "Q", "hide quality findings"),
		NextStep:       b([]string{"n", "]"}, "n/]", "next flow step"),
		PrevStep:       b([]string{"p", "["}, "p/[", "prev flow step"),
		Open:           b([]string{"o"}, "o", "open in $EDITOR"),
		CopyLoc:        b([]string{"y"}, "y", "copy location"),
		CopyID:         b([]string{"Y"}, "Y", "copy ID"),
		Accept:         b([]string{"a"}, "a", "accept"),
		Suppress:       b([]string{"s"}, "s", "suppress"),
		Reopen:         b([]string{"r"}, "r", "reopen"),
		Select:         b([]string{"space"}, "space", "select"),
		SelectAll:      b([]string{"V", "*"}, "V/*", "select all shown"),
		Undo:           b([]string{"u"}, "u", "undo decision"),
		Pipeline:       b([]string{"P"}, "P", "pipeline"),
		Fix:            b([]string{"F"}, "F", "fix preview"),
		Edit:           b([]string{"E"}, "E", "edit by hand"),
		Rescan:         b([]string{"R"}, "R", "re-scan stage"),
		Sync:           b([]string{"T"}, "T", "tracker sync"),
		Errors:         b([]string{"!"}, "!", "input errors"),
		Help:           b([]string{"?"}, "?", "help"),
		Quit:           b([]string{"q", "ctrl+c"}, "q", "quit"),
	}
}

// actions maps configuration action names to bindings.
func (k *KeyMap) actions() map[string]*key.Binding {
	return map[string]*key.Binding{
		"up": &k.Up, "down": &k.Down, "page-up": &k.PageUp, "page-down": &k.PageDown,
		"top": &k.Top, "bottom": &k.Bottom, "expand": &k.Expand, "collapse": &k.Collapse,
		"focus-detail": &k.FocusDetail, "back": &k.Back, "switch-pane": &k.SwitchPane,
		"filter": &k.Filter, "clear-filter": &k.ClearFilter, "severity-floor": &k.SevFloor,
		"stage": &k.Stage, "sort": &k.Sort, "group": &k.Group, "show-suppressed": &k.ShowSuppressed, "toggle-quality": &k.ToggleQuality,
		"next-step": &k.NextStep, "prev-step": &k.PrevStep, "open": &k.Open,
		"copy-location": &k.CopyLoc, "copy-id": &k.CopyID, "accept": &k.Accept,
		"suppress": &k.Suppress, "reopen": &k.Reopen, "select": &k.Select,
		"select-all": &k.SelectAll, "undo": &k.Undo,
		"pipeline": &k.Pipeline, "fix": &k.Fix, "edit": &k.Edit, "rescan": &k.Rescan, "sync": &k.Sync, "errors": &k.Errors, "help": &k.Help, "quit": &k.Quit,
	}
}

// Actions lists the action names accepted in the configuration (ui.keys), sorted.
func Actions() []string {
	k := Default()
	var out []string
	for name := range k.actions() {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// WithOverrides returns a copy of k with the bindings of the named actions
// replaced (config ui.keys: action name → keys). An unknown action name or an
// empty key list is an error naming it.
func (k KeyMap) WithOverrides(over map[string][]string) (KeyMap, error) {
	acts := k.actions()
	names := make([]string, 0, len(over))
	for n := range over {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		b, ok := acts[strings.ToLower(name)]
		if !ok {
			return k, fmt.Errorf("ui.keys: unknown action %q (want one of %s)", name, strings.Join(Actions(), ", "))
		}
		ks := over[name]
		if len(ks) == 0 {
			return k, fmt.Errorf("ui.keys.%s: no keys given", name)
		}
		for _, s := range ks {
			if strings.TrimSpace(s) == "" {
				return k, fmt.Errorf("ui.keys.%s: empty key", name)
			}
		}
		b.SetKeys(ks...)
		b.SetHelp(strings.Join(ks, "/"), b.Help().Desc)
	}
	return k, nil
}

// ShortHelp is the one-line help footer.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Filter, k.SevFloor, k.Stage, k.FocusDetail, k.Suppress, k.Help, k.Quit}
}

// FullHelp is the `?` overlay, one column per group.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Expand, k.Collapse},
		{k.FocusDetail, k.SwitchPane, k.Back, k.NextStep, k.PrevStep, k.Open, k.CopyLoc, k.CopyID},
		{k.Filter, k.ClearFilter, k.SevFloor, k.Stage, k.Sort, k.Group, k.ShowSuppressed, k.ToggleQuality, k.Errors},
		{k.Accept, k.Suppress, k.Reopen, k.Select, k.SelectAll, k.Undo, k.Help, k.Quit},
		{k.Pipeline, k.Fix, k.Edit, k.Rescan, k.Sync},
	}
}
