package query

import "github.com/secui/secui/findings"

// Summary counts findings along the dimensions the dashboard shows. Every
// [5]int is indexed by findings.Severity; stages, categories and states by
// their findings values.
type Summary struct {
	Total      int
	ByStageSev [8][5]int
	ByTool     map[string][5]int // by tool name as reported
	ByCategory [8][5]int
	ByState    [4]int
	ByKind     [2][5]int // by findings.Kind (security, quality)
	// OpenByStage counts, per stage, the findings the predicate given to
	// SummarizeOpen says are open (zero from Summarize).
	OpenByStage [8]int
}

// Summarize counts the findings fs[idx], with triage states from t (nil:
// every finding is open). A nil idx means all of fs.
func Summarize(fs []*findings.Finding, idx []int32, t findings.Triage) Summary {
	return SummarizeOpen(fs, idx, t, nil)
}

// SummarizeOpen is Summarize that also counts OpenByStage with open (the
// caller's policy, e.g. policy.CountsOpen) in the same pass over the
// findings; open may be nil.
func SummarizeOpen(fs []*findings.Finding, idx []int32, t findings.Triage, open func(findings.Triage, *findings.Finding) bool) Summary {
	s := Summary{ByTool: make(map[string][5]int)}
	// Counted by tool value first (a run's findings share one, so the
	// previous finding's counts are nearly always the ones), by name after.
	type toolCount struct {
		tool *findings.Tool
		c    [5]int
	}
	var tools []*toolCount // in first-seen order
	byTool := map[*findings.Tool]*toolCount{}
	var last *toolCount
	add := func(f *findings.Finding) {
		if f == nil {
			return
		}
		sev := min(f.Severity, findings.SevCritical)
		s.Total++
		stage := min(f.Stage, findings.StageMonitor)
		s.ByStageSev[stage][sev]++
		if open != nil && open(t, f) {
			s.OpenByStage[stage]++
		}
		s.ByCategory[min(f.Category, findings.CatLint)][sev]++
		s.ByKind[min(f.Kind, findings.KindQuality)][sev]++
		s.ByState[min(findings.StateOf(t, f), findings.StateFixed)]++
		if last == nil || last.tool != f.Tool {
			if last = byTool[f.Tool]; last == nil {
				last = &toolCount{tool: f.Tool}
				byTool[f.Tool] = last
				tools = append(tools, last)
			}
		}
		last.c[sev]++
	}
	if idx == nil {
		for _, f := range fs {
			add(f)
		}
	} else {
		for _, i := range idx {
			add(fs[i])
		}
	}
	for _, tc := range tools {
		name := ""
		if tc.tool != nil {
			name = tc.tool.Name
		}
		c := s.ByTool[name]
		for i, n := range tc.c {
			c[i] += n
		}
		s.ByTool[name] = c
	}
	return s
}
