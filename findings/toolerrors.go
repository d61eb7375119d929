package findings

import (
	"fmt"
	"regexp"
	"strings"
)

// Tool errors. Some linters report their own configuration problems as
// results: ESLint's "Definition for rule 'x' was not found" (a rule named in
// an eslint-disable comment or a config whose plugin is not loaded), pylint's
// unknown or useless option values in a pylintrc or a "# pylint: disable="
// comment. They are not problems in the code: secui lists them with the input
// errors (Set.ToolErrors: shown, never counted as findings, not failing the
// gate, since the input itself was read completely).

var (
	eslintRuleNotFound   = regexp.MustCompile(`^Definition for rule '[^']*' was not found`)
	eslintPluginNotFound = regexp.MustCompile(`^(Failed to load plugin|Could not find plugin|ESLint couldn't find the plugin)`)
)

// pylintConfigRules are pylint messages about pylint's own configuration
// (symbolic names and codes).
var pylintConfigRules = map[string]bool{
	"bad-option-value": true, "E0011": true, "unrecognized-inline-option": true, "E0012": true,
	"unknown-option-value": true, "W0012": true, "useless-option-value": true, "R0022": true,
	"unrecognized-option": true, "E0015": true, "config-parse-error": true, "F0011": true,
	"bad-plugin-value": true, "E0013": true, "bad-configuration-section": true, "E0014": true,
}

// toolConfigError reports whether f is a linter's report about its own
// configuration, and why.
func toolConfigError(f *Finding) (string, bool) {
	return toolConfigErrorOf(f, configToolOf(f.ToolName()))
}

// Linters whose reports about their own configuration are known.
const (
	configToolNone = iota
	configToolESLint
	configToolPylint
)

// configToolOf says which of them the tool named name is.
func configToolOf(name string) int {
	tool := strings.ToLower(name)
	switch {
	case strings.Contains(tool, "eslint"):
		return configToolESLint
	case strings.Contains(tool, "pylint"):
		return configToolPylint
	}
	return configToolNone
}

// toolConfigErrorOf is toolConfigError for a finding of a tool of kind kind
// (configToolOf its name).
func toolConfigErrorOf(f *Finding, kind int) (string, bool) {
	switch kind {
	case configToolESLint:
		if eslintRuleNotFound.MatchString(f.Message) || eslintPluginNotFound.MatchString(f.Message) {
			return "ESLint configuration", true
		}
	case configToolPylint:
		if pylintConfigRules[f.RuleID()] || f.Rule != nil && pylintConfigRules[f.Rule.Name] {
			return "pylint configuration", true
		}
	}
	return "", false
}

type toolErr struct {
	LoadError
	at    string
	count int
}

// splitToolErrors removes tool configuration errors from fs (in place) and
// returns them as errors of file, one per distinct message.
func splitToolErrors(fs []*Finding, file string) ([]*Finding, []*LoadError) {
	var out []*toolErr
	var seen map[string]int
	keep := fs[:0]
	var tool *Tool // the tool of the finding before, and its kind: a run's findings share one
	kind := configToolOf("")
	for i, f := range fs {
		if i == 0 || f.Tool != tool {
			tool, kind = f.Tool, configToolOf(f.ToolName())
		}
		if kind == configToolNone {
			keep = append(keep, f)
			continue
		}
		what, ok := toolConfigErrorOf(f, kind)
		if !ok {
			keep = append(keep, f)
			continue
		}
		if seen == nil {
			seen = map[string]int{}
		}
		msg := what + ": " + f.Message
		if i, dup := seen[msg]; dup {
			out[i].count++
			continue
		}
		seen[msg] = len(out)
		out = append(out, &toolErr{LoadError: LoadError{File: file, Msg: msg}, at: f.Loc.String()})
	}
	errs := make([]*LoadError, len(out))
	for i, e := range out {
		e.Msg = fmt.Sprintf("%s (reported as a result at %s", e.Msg, e.at)
		if e.count > 0 {
			e.Msg += fmt.Sprintf(" and %d more", e.count)
		}
		e.Msg += "; not a finding)"
		errs[i] = &e.LoadError
	}
	clear(fs[len(keep):])
	return keep, errs
}
