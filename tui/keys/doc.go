package keys

import (
	"fmt"
	"sort"
	"strings"
)

// Markdown documents the default key map and the action names accepted in
// the configuration (ui.keys). keys/keybindings.md is generated from it
// (go test ./tui/keys -update) and a test fails when it is stale.
func Markdown() string {
	k := Default()
	names := map[string]string{} // help desc -> action name
	for name, b := range k.actions() {
		names[b.Help().Desc] = name
	}
	var b strings.Builder
	b.WriteString("# secui console keys\n\n")
	b.WriteString("Generated from `tui/keys` (do not edit). Rebind any action in the configuration:\n\n")
	b.WriteString("```yaml\nui:\n  keys:\n    down: [j, down, ctrl+n]\n    quit: [Q]\n```\n\n")
	titles := []string{"Move", "Panes and actions", "Filter, sort, group", "Triage and general", "Fix, re-scan, sync (open a screen)"}
	for i, col := range k.FullHelp() {
		fmt.Fprintf(&b, "## %s\n\n| keys | does | action name |\n|---|---|---|\n", titles[i])
		for _, kb := range col {
			fmt.Fprintf(&b, "| `%s` | %s | `%s` |\n", strings.Join(kb.Keys(), "` `"), kb.Help().Desc, names[kb.Help().Desc])
		}
		b.WriteString("\n")
	}
	b.WriteString("Digits `1`–`8` pick a stage (plan … monitor), `0` clears it; pressing the selected stage's digit again clears it too.\n")
	b.WriteString("In the query bar `enter` applies, `esc` closes; in the triage form `tab` moves between fields, `ctrl+s` saves, `esc` cancels.\n\n")
	b.WriteString("Screens above the triage screen have their own keys (`?` lists them; not rebindable yet): the pipeline screen `j`/`k`, `1`–`8`, `enter` focus mode, `R` re-scan, `esc` back; ")
	b.WriteString("focus mode `f` fix, `e` edit, `a` accept, `s` suppress, `n`/`space` skip, `p` previous, `r` re-scan the stage, `esc` back.\n\n")
	all := Actions()
	sort.Strings(all)
	b.WriteString("Action names: " + strings.Join(all, ", ") + ".\n")
	return b.String()
}
