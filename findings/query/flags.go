package query

import (
	"fmt"
	"strings"
)

// Flags are the shared command-line filters (--stage, --severity, --tool,
// --rule, --path, --state, --category, and --query for Text). Each slice is a
// list of values OR-ed together (an element may itself be a comma list);
// different flags are AND-ed. Values have the same meaning as in the query
// language: severities accept "high+" (high or worse), "medium-" (medium or
// lower) or exact names. Text is parsed as a query.
type Flags struct {
	Stages, Severities, Tools, Rules, Paths, States, Categories []string
	Text                                                        string
}

// FromFlags turns command-line filters into a Query. Errors name the flag:
// `--severity: unknown severity "hgh" (want ...)`; errors in Text are
// prefixed with "--query: ".
func FromFlags(fl Flags) (*Query, error) {
	var terms []term
	lists := []struct {
		flag string
		f    field
		vals []string
	}{
		{"--stage", fStage, fl.Stages},
		{"--severity", fSev, fl.Severities},
		{"--tool", fTool, fl.Tools},
		{"--rule", fRule, fl.Rules},
		{"--path", fPath, fl.Paths},
		{"--state", fState, fl.States},
		{"--category", fCat, fl.Categories},
	}
	for _, l := range lists {
		t := term{field: l.f}
		for _, v := range l.vals {
			for _, it := range splitFlag(v, l.f) {
				if it == "" {
					continue
				}
				if err := t.addItem(it); err != nil {
					return nil, fmt.Errorf("%s: %w", l.flag, err)
				}
			}
		}
		if len(t.items) > 0 {
			terms = append(terms, t)
		}
	}
	q := newQuery(terms)
	if strings.TrimSpace(fl.Text) != "" {
		tq, err := Parse(fl.Text)
		if err != nil {
			return nil, fmt.Errorf("--query: %w", err)
		}
		q = q.And(tq)
	}
	return q, nil
}

// splitFlag splits a flag value at commas, except in paths, where a comma
// may be part of a file name or a {a,b} glob.
func splitFlag(v string, f field) []string {
	v = strings.TrimSpace(v)
	if f == fPath {
		return []string{v}
	}
	parts := strings.Split(v, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}
