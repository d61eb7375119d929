package query

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unsafe"

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
		gof := make([]int32, len(idx))
		for p, i := range idx {
			s := min(fs[i].Stage, findings.StageMonitor)
			gs[s].Counts[min(fs[i].Severity, findings.SevCritical)]++
			gof[p] = int32(s)
		}
		fill(gs[:], idx, gof)
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
		gof := make([]int32, len(idx))
		for p, i := range idx {
			s := min(fs[i].Severity, findings.SevCritical)
			gs[s].Counts[s]++
			gof[p] = int32(s)
		}
		fill(gs[:], idx, gof)
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

// fill sets the Idx of every group from gof, the group of each position of
// idx, carving all of them from one array (each with its capacity capped, so
// appending to one cannot overwrite another). Counts must already be set.
func fill(gs []Group, idx []int32, gof []int32) {
	back := make([]int32, len(idx))
	off := 0
	for g := range gs {
		n := 0
		for _, c := range gs[g].Counts {
			n += c
		}
		gs[g].Idx = back[off : off : off+n]
		off += n
	}
	for p, i := range idx {
		g := &gs[gof[p]]
		g.Idx = append(g.Idx, i)
	}
}

// groupRef is a cheap identity for a group, looked up before the string key
// is built: the rule pointer (GroupRule; a rule belongs to one tool's run),
// the tool pointer (GroupTool), or the address and length of the path's
// bytes (GroupFile; the loader interns paths).
type groupRef struct {
	pos int // group
	n   int // length of the path, for GroupFile
}

func groupByString(fs []*findings.Finding, idx []int32, by GroupBy) []Group {
	pos := make(map[string]int)                // string key -> group
	byRef := make(map[unsafe.Pointer]groupRef) // cheap identity -> group
	var out []Group
	var sample []*findings.Finding // first finding of each group, for labels
	// Gather the identities first: independent loads from the findings
	// overlap their cache misses; the loop after them has dependencies.
	refs := make([]unsafe.Pointer, len(idx))
	lens := make([]int, len(idx))
	sevs := make([]findings.Severity, len(idx))
	for ip, i := range idx {
		f := fs[i]
		switch by {
		case GroupRule:
			refs[ip] = unsafe.Pointer(f.Rule) // nil: no cheap identity
		case GroupFile:
			refs[ip], lens[ip] = unsafe.Pointer(unsafe.StringData(f.Loc.Path)), len(f.Loc.Path)
		default:
			refs[ip] = unsafe.Pointer(f.Tool)
		}
		sevs[ip] = min(f.Severity, findings.SevCritical)
	}
	var prevRef unsafe.Pointer
	prevN, prevPos := 0, -1
	gof := make([]int32, len(idx))
	for ip, i := range idx {
		ref, n := refs[ip], lens[ip]
		var p int
		r, ok := groupRef{}, false
		switch {
		case ref != nil && ref == prevRef && n == prevN && prevPos >= 0:
			p, ok = prevPos, true
		case ref != nil:
			if r, ok = byRef[ref]; ok && r.n == n {
				p = r.pos
			} else {
				ok = false
			}
		}
		if !ok {
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
			if p, ok = pos[k]; !ok {
				p = len(out)
				pos[k] = p
				out = append(out, Group{Key: k})
				sample = append(sample, f)
			}
			if ref != nil {
				byRef[ref] = groupRef{pos: p, n: n}
			}
		}
		prevRef, prevN, prevPos = ref, n, p
		out[p].Counts[sevs[ip]]++
		gof[ip] = int32(p)
	}
	fill(out, idx, gof)
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
