package query

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/secui/secui/findings"
)

// GroupBy is how findings are grouped for display.
type GroupBy int

// Groupings.
const (
	GroupNone     GroupBy = iota // one group with everything
	GroupStage                   // by DevSecOps stage, in loop order
	GroupRule                    // by tool and rule, most findings first
	GroupFile                    // by path, most findings first
	GroupTool                    // by tool, most findings first
	GroupSeverity                // by severity, worst first
)

var groupNames = [...]string{"none", "stage", "rule", "file", "tool", "severity"}

// String is the grouping's name, as ParseGroupBy reads it.
func (g GroupBy) String() string {
	if g >= 0 && int(g) < len(groupNames) {
		return groupNames[g]
	}
	return fmt.Sprintf("GroupBy(%d)", int(g))
}

// ParseGroupBy reads a grouping name: none, stage, rule, file (path), tool,
// severity (sev).
func ParseGroupBy(s string) (GroupBy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "none", "":
		return GroupNone, nil
	case "stage":
		return GroupStage, nil
	case "rule":
		return GroupRule, nil
	case "file", "path":
		return GroupFile, nil
	case "tool":
		return GroupTool, nil
	case "severity", "sev":
		return GroupSeverity, nil
	}
	return 0, fmt.Errorf("unknown grouping %q (want none, stage, rule, file, tool or severity)", s)
}

// Group is a set of findings shown under one heading.
type Group struct {
	// Key identifies the group stably across reloads (for remembering which
	// groups are folded): the stage or severity name, the path, the lower-case
	// tool name, or "tool\x1frule" for rules. It is not meant for display.
	Key string
	// Label is the heading, with control characters removed.
	Label string
	// Idx are the group's findings, in the order they had in the input idx.
	Idx []int32
	// Counts are the group's findings by severity, indexed by findings.Severity.
	Counts [5]int
}

// GroupFindings splits idx (indices into fs, usually already sorted) into
// groups. Stages come in loop order and severities worst first, with empty
// ones left out; rules, files and tools come by count (most first), then by
// name. GroupNone gives one group (Key "all"). An empty idx gives no groups.
func GroupFindings(fs []*findings.Finding, idx []int32, by GroupBy) []Group {
	if len(idx) == 0 {
		return nil
	}
	switch by {
	case GroupStage:
		var gs [8]Group
		for _, i := range idx {
			s := min(fs[i].Stage, findings.StageMonitor)
			gs[s].add(i, fs[i].Severity)
		}
		var out []Group
		for s, g := range gs {
			if len(g.Idx) > 0 {
				st := findings.Stage(s)
				g.Key, g.Label = st.String(), title(st.String())
				out = append(out, g)
			}
		}
		return out
	case GroupSeverity:
		var gs [5]Group
		for _, i := range idx {
			s := min(fs[i].Severity, findings.SevCritical)
			gs[s].add(i, s)
		}
		var out []Group
		for _, s := range findings.Severities {
			if g := gs[s]; len(g.Idx) > 0 {
				g.Key, g.Label = s.String(), title(s.String())
				out = append(out, g)
			}
		}
		return out
	case GroupRule, GroupFile, GroupTool:
		return groupByString(fs, idx, by)
	default:
		g := Group{Key: "all", Label: "All findings", Idx: slices.Clone(idx)}
		for _, i := range idx {
			g.Counts[min(fs[i].Severity, findings.SevCritical)]++
		}
		return []Group{g}
	}
}

func (g *Group) add(i int32, s findings.Severity) {
	g.Idx = append(g.Idx, i)
	g.Counts[min(s, findings.SevCritical)]++
}

func groupByString(fs []*findings.Finding, idx []int32, by GroupBy) []Group {
	pos := make(map[string]int)
	var out []Group
	var sample []*findings.Finding // first finding of each group, for labels
	prevKey, prevPos := "", -1
	for _, i := range idx {
		f := fs[i]
		var k string
		switch by {
		case GroupRule:
			k = strings.ToLower(f.ToolName()) + "\x1f" + f.RuleID()
		case GroupFile:
			k = f.Loc.Path
		default:
			k = strings.ToLower(f.ToolName())
		}
		p := prevPos
		if p < 0 || k != prevKey {
			var ok bool
			if p, ok = pos[k]; !ok {
				p = len(out)
				pos[k] = p
				out = append(out, Group{Key: k})
				sample = append(sample, f)
			}
			prevKey, prevPos = k, p
		}
		out[p].add(i, f.Severity)
	}
	for p := range out {
		out[p].Label = groupLabel(sample[p], by)
	}
	slices.SortStableFunc(out, func(a, b Group) int {
		if c := cmp.Compare(len(b.Idx), len(a.Idx)); c != 0 {
			return c
		}
		if c := strings.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

func groupLabel(f *findings.Finding, by GroupBy) string {
	switch by {
	case GroupRule:
		id := f.RuleID()
		if id == "" {
			id = "(no rule)"
		}
		l := id
		if f.Rule != nil {
			t := f.Rule.Short
			if t == "" && f.Rule.Name != "" && f.Rule.Name != f.Rule.ID {
				t = f.Rule.Name
			}
			if t != "" {
				l += " · " + t
			}
		}
		if n := f.ToolName(); n != "" {
			l += " · " + n
		}
		return clean(l)
	case GroupFile:
		if f.Loc.Path == "" {
			return "(no location)"
		}
		return clean(f.Loc.Path)
	default:
		if f.ToolName() == "" {
			return "(unknown tool)"
		}
		return clean(f.ToolName())
	}
}

// clean drops control characters (SARIF text is untrusted) and folds
// newlines and tabs into spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		}
		return r
	}, s)
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
