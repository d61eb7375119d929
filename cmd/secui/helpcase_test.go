package main

import (
	"strings"
	"testing"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The help renderer (fang) title-cases the first word of every command
// summary and flag description, lower-casing the rest of that word: "CI
// gate" printed as "Ci gate", "sarif or openvex" as "Sarif or openvex".
// No summary or flag description may start with a word that this mangles.
func TestHelpTextsSurviveTitleCase(t *testing.T) {
	mangled := func(s string) bool {
		f := strings.Fields(s)
		if len(f) == 0 {
			return false
		}
		w := []rune(f[0])
		for _, r := range w[1:] {
			if unicode.IsUpper(r) {
				return true // "CI", "SARIF", "OpenVEX", "JSON" lose their capitals
			}
		}
		// A lower-case name that must stay lower-case (a format, a command).
		switch strings.ToLower(strings.Trim(f[0], ",.:;")) {
		case "sarif", "openvex", "json", "jsonl", "csv", "git", "secui", "gosec", "trivy":
			return unicode.IsLower(w[0])
		}
		return false
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if mangled(c.Short) {
			t.Errorf("%s: summary %q is mangled by title-casing its first word", c.CommandPath(), c.Short)
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if mangled(f.Usage) {
				t.Errorf("%s --%s: description %q is mangled by title-casing its first word", c.CommandPath(), f.Name, f.Usage)
			}
		})
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(newRootCmd())
}
