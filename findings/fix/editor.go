package fix

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// EditorCommand returns the argv that opens file at line and column (both
// 1-based; 0: unknown) in editor, the value of $VISUAL or $EDITOR (split on
// white space, never run through a shell; "" means vi). The position is
// passed the way each editor takes it:
//
//	vi, vim, nvim, view, ex, elvis, joe, ne, mg, jed   +LINE file
//	nano, pico                                         +LINE,COL file
//	emacs, emacsclient, kak, micro                     +LINE:COL file
//	code, codium, code-insiders, cursor                --wait --goto file:LINE:COL
//	subl, sublime_text                                 --wait file:LINE:COL
//	hx, helix                                          file:LINE:COL
//	anything else                                      file
//
// GUI editors get their "wait until the file is closed" flag, so secui sees
// the edit when the command returns.
func EditorCommand(editor, file string, line, col int) []string {
	argv := strings.Fields(editor)
	if len(argv) == 0 {
		argv = []string{"vi"}
	}
	name := strings.TrimSuffix(strings.ToLower(filepath.Base(argv[0])), ".exe")
	l, c := strconv.Itoa(max(line, 1)), strconv.Itoa(max(col, 1))
	has := func(flags ...string) bool {
		return slices.ContainsFunc(argv[1:], func(a string) bool { return slices.Contains(flags, a) })
	}
	if line <= 0 {
		return append(argv, file)
	}
	switch name {
	case "vi", "vim", "nvim", "view", "ex", "elvis", "joe", "ne", "mg", "jed", "gvim", "mvim":
		if (name == "gvim" || name == "mvim") && !has("-f", "--nofork") {
			argv = append(argv, "-f")
		}
		return append(argv, "+"+l, file)
	case "nano", "pico":
		return append(argv, "+"+l+","+c, file)
	case "emacs", "emacsclient", "kak", "micro":
		return append(argv, "+"+l+":"+c, file)
	case "code", "codium", "code-insiders", "cursor", "vscodium":
		if !has("-w", "--wait") {
			argv = append(argv, "--wait")
		}
		return append(argv, "--goto", file+":"+l+":"+c)
	case "subl", "sublime_text":
		if !has("-w", "--wait") {
			argv = append(argv, "--wait")
		}
		return append(argv, file+":"+l+":"+c)
	case "hx", "helix":
		return append(argv, file+":"+l+":"+c)
	}
	return append(argv, file)
}
