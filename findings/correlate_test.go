package findings

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/secui/secui/findings/checkmap"
)

// loadProject loads every SARIF file of testdata/realworld/<name>.
func loadProject(t *testing.T, name string) (*Set, int) {
	t.Helper()
	dir := realworld(t, name)
	files, _ := filepath.Glob(filepath.Join(dir, "*.sarif"))
	if len(files) == 0 {
		t.Skipf("no logs in %s", dir)
	}
	sort.Strings(files)
	s := mustLoad(t, files, Options{})
	if len(s.Errors) > 0 {
		t.Fatalf("%s: %v", name, s.Errors)
	}
	before := 0
	for _, f := range s.Findings {
		before += max(len(f.Members), 1)
	}
	return s, before
}

// checkCorrelated asserts what a correlated finding promises: two or more
// tools, each once; one place; one known equivalence; the highest severity;
// the primary member's ID; every member's keys and sources.
func checkCorrelated(t *testing.T, f *Finding) {
	t.Helper()
	if len(f.Members) < 2 {
		t.Fatalf("%s: %d members", f.ID, len(f.Members))
	}
	tools := map[string]bool{}
	sev, srcs := SevInfo, 0
	canon := ""
	for i, m := range f.Members {
		lt := strings.ToLower(m.ToolName())
		if tools[lt] {
			t.Errorf("%s: tool %s twice", f.ID, lt)
		}
		tools[lt] = true
		if m.Loc.Path != f.Loc.Path || m.Loc.Line != f.Loc.Line {
			t.Errorf("%s: member %s at %s, finding at %s", f.ID, m.ToolName(), m.Loc, f.Loc)
		}
		sev = max(sev, m.Severity)
		srcs += m.Sources
		switch {
		case strings.HasPrefix(f.CorrelatedBy, "same check "):
			c, ok := checkmap.Canonical(m.RuleID())
			if !ok || canon != "" && c != canon {
				t.Errorf("%s: member %s rule %s → %q, want %q", f.ID, m.ToolName(), m.RuleID(), c, canon)
			}
			canon = c
		case strings.HasPrefix(f.CorrelatedBy, "same secret place"):
			for _, o := range f.Members[i+1:] {
				if !colsOverlap(m.Loc, o.Loc) {
					t.Errorf("%s: %s %v and %s %v do not overlap", f.ID, m.ToolName(), m.Loc, o.ToolName(), o.Loc)
				}
			}
		default:
			t.Errorf("%s: unknown correlation %q", f.ID, f.CorrelatedBy)
		}
	}
	if f.Severity != sev {
		t.Errorf("%s: severity %s, members' highest %s", f.ID, f.Severity, sev)
	}
	if f.ID != f.Members[0].ID {
		t.Errorf("%s: ID is not the primary member's (%s)", f.ID, f.Members[0].ID)
	}
	if srcs != len(f.Sources) {
		t.Errorf("%s: %d sources, members have %d", f.ID, len(f.Sources), srcs)
	}
}

// TestCorrelateRealworld measures correlation on the real multi-tool logs
// and checks every merged group (go test -v prints them, for a look by hand).
func TestCorrelateRealworld(t *testing.T) {
	for _, p := range []string{"terragoat", "nodegoat", "pygoat", "govwa"} {
		t.Run(p, func(t *testing.T) {
			s, before := loadProject(t, p)
			merged := 0
			for _, f := range s.Findings {
				if len(f.Members) == 0 {
					continue
				}
				merged++
				checkCorrelated(t, f)
				var who []string
				for _, m := range f.Members {
					who = append(who, m.ToolName()+" "+m.RuleID()+" ("+m.Severity.String()+")")
				}
				t.Logf("merged %s %s: %s — %s", f.ID, f.Loc, strings.Join(who, " + "), f.CorrelatedBy)
			}
			t.Logf("%s: %d findings before correlation, %d after (%d correlated groups)", p, before, len(s.Findings), merged)
			if len(s.Findings) > before {
				t.Fatal("correlation added findings")
			}
		})
	}
}

// TestCorrelateSecretsTerragoat: the AWS secret key at terraform/aws/ec2.tf:16
// is reported by gitleaks (generic-api-key) and secretlint (aws rule): one
// finding; the access key id on line 15 (gitleaks only) stays apart.
func TestCorrelateSecretsTerragoat(t *testing.T) {
	dir := realworld(t, "terragoat")
	s := mustLoad(t, []string{filepath.Join(dir, "gitleaks.sarif"), filepath.Join(dir, "secretlint.sarif")}, Options{})
	var at15, at16 []*Finding
	for _, f := range s.Findings {
		if f.Loc.Path == "terraform/aws/ec2.tf" {
			switch f.Loc.Line {
			case 15:
				at15 = append(at15, f)
			case 16:
				at16 = append(at16, f)
			}
		}
	}
	if len(at16) != 1 || len(at16[0].Members) != 2 {
		t.Fatalf("ec2.tf:16: %d findings (%v), want one correlated", len(at16), at16)
	}
	checkCorrelated(t, at16[0])
	if at16[0].ToolName() != "gitleaks" || at16[0].Members[1].ToolName() != "secretlint" {
		t.Errorf("members %s, %s", at16[0].Members[0].ToolName(), at16[0].Members[1].ToolName())
	}
	if len(at15) != 1 || len(at15[0].Members) != 0 {
		t.Fatalf("ec2.tf:15: %v, want the access key id alone", at15)
	}
}

// TestCorrelateNeverWithinATool: a tool reporting two findings at one key
// means two problems, and nothing at that key is merged — checked on the
// real tfsec log loaded twice under two tool names (a worst case: every key
// is shared) and on a log with itself.
func TestCorrelateNeverWithinATool(t *testing.T) {
	f := realworld(t, "terragoat/tfsec.sarif")
	s := mustLoad(t, []string{f}, Options{})
	for _, x := range s.Findings {
		if len(x.Members) > 0 {
			t.Fatalf("one tool's log correlated with itself: %s %s", x.ID, x.CorrelatedBy)
		}
	}
	// tfsec reports several checks per line: where one tool has two
	// findings with the same canonical check at one line, none merges.
	fs := s.Findings
	twice := append(append([]*Finding(nil), fs...), fs...)
	if out := correlate(twice); len(out) != len(twice) {
		t.Fatalf("same tool twice: %d → %d findings", len(twice), len(out))
	}
}
