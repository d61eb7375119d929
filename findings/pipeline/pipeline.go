// Package pipeline computes the DevSecOps pipeline view — per stage, the
// open / accepted / suppressed / fixed findings by severity and the
// scanners that feed it with when each last ran — once, for `secui stages`
// and the console's pipeline screen alike.
//
// States are read through findings.Triage (the ledger overlay). A finding
// the SARIF input itself suppresses counts as suppressed. Fixed findings
// that no scan reports any more (they are gone from the results: that is
// what proved them fixed) come from the scan records and are passed as
// Gone.
package pipeline

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/secui/secui/findings"
)

// Counts are numbers of findings by severity (index findings.Severity).
type Counts [5]int

// Total is the sum over severities.
func (c Counts) Total() int { return c[0] + c[1] + c[2] + c[3] + c[4] }

// Scanner is a source of findings: a configured scanner or a tool seen in
// the SARIF files.
type Scanner struct {
	Name       string           // configured name, else the tool name
	Tools      []string         // SARIF driver names its findings carry (case-insensitive)
	Stages     []findings.Stage // configured stages
	Configured bool             // in .secui.yaml scanners:
	LastRun    time.Time        // zero: never (or unknown)
	From       string           // where LastRun comes from: "scan record", "sarif invocation", ""
	Status     string           // last run's status ("ok", "timeout", ...); "" unknown
	Version    string
}

// Feed is a scanner that feeds a stage.
type Feed struct {
	*Scanner
	Open int // open findings of this stage from it
}

// Row is one stage.
type Row struct {
	Stage                             findings.Stage
	Open, Accepted, Suppressed, Fixed Counts
	Pending                           int // fixed findings waiting for a scan (included in Fixed)
	Feeds                             []Feed
}

// Total is every finding of the stage.
func (r *Row) Total() int {
	return r.Open.Total() + r.Accepted.Total() + r.Suppressed.Total() + r.Fixed.Total()
}

// Progress is the share of the stage's findings that are no longer open
// (1 for a stage without findings).
func (r *Row) Progress() float64 {
	t := r.Total()
	if t == 0 {
		return 1
	}
	return float64(t-r.Open.Total()) / float64(t)
}

// Options for Compute.
type Options struct {
	// Pending reports whether a fixed finding waits for a scan (nil: never).
	Pending func(*findings.Finding) bool
	// Gone are fixed findings no scan reports any more (fixed in the ledger,
	// Severity and Stage set); they count as fixed, not pending.
	Gone []*findings.Finding
	// Scanners are the configured scanners and the tools seen in SARIF.
	Scanners []*Scanner
}

// Compute builds the eight rows, plan to monitor.
func Compute(fs []*findings.Finding, t findings.Triage, o Options) []Row {
	rows := make([]Row, len(findings.Stages))
	for i, st := range findings.Stages {
		rows[i].Stage = st
	}
	// Scanner of a tool name, memoised by the name as given (no lower-casing
	// per finding).
	byLower := map[string]int{}
	for i, s := range o.Scanners {
		for _, tl := range s.Tools {
			if _, dup := byLower[strings.ToLower(tl)]; !dup {
				byLower[strings.ToLower(tl)] = i
			}
		}
	}
	memo := map[string]int{}
	scannerOf := func(f *findings.Finding) int {
		name := f.ToolName()
		if i, ok := memo[name]; ok {
			return i
		}
		i, ok := byLower[strings.ToLower(name)]
		if !ok {
			i = -1
		}
		memo[name] = i
		return i
	}
	nst := len(findings.Stages)
	open := make([]int, len(o.Scanners)*nst)
	fed := make([]bool, len(o.Scanners)*nst)
	for _, f := range fs {
		if int(f.Stage) >= len(rows) || int(f.Severity) >= 5 {
			continue
		}
		r := &rows[f.Stage]
		si := scannerOf(f)
		switch st := findings.StateOf(t, f); {
		case st == findings.StateFixed:
			r.Fixed[f.Severity]++
			if o.Pending != nil && o.Pending(f) {
				r.Pending++
			}
		case st == findings.StateSuppressed, st == findings.StateOpen && f.InputSup.Hidden():
			r.Suppressed[f.Severity]++
		case st == findings.StateAccepted:
			r.Accepted[f.Severity]++
		default:
			r.Open[f.Severity]++
			if si >= 0 {
				open[si*nst+int(f.Stage)]++
			}
		}
		if si >= 0 {
			fed[si*nst+int(f.Stage)] = true
		}
	}
	for _, f := range o.Gone {
		if int(f.Stage) < len(rows) && int(f.Severity) < 5 {
			rows[f.Stage].Fixed[f.Severity]++
		}
	}
	for i, s := range o.Scanners {
		for _, st := range s.Stages {
			if int(st) < nst {
				fed[i*nst+int(st)] = true
			}
		}
	}
	for i := range rows {
		st := int(rows[i].Stage)
		for si, s := range o.Scanners {
			if fed[si*nst+st] {
				rows[i].Feeds = append(rows[i].Feeds, Feed{Scanner: s, Open: open[si*nst+st]})
			}
		}
		slices.SortStableFunc(rows[i].Feeds, func(a, b Feed) int {
			if a.Configured != b.Configured {
				if a.Configured {
					return -1
				}
				return 1
			}
			return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		})
	}
	return rows
}

// Ago is a scanner's last run as a short age ("3m ago", "2d ago"; "never
// run" for the zero time; a time after now as the date), as `secui stages`
// and the console's pipeline screen show it.
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return "never run"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return t.UTC().Format("2006-01-02 15:04")
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}
