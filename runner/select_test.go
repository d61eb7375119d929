package runner

import (
	"errors"
	"strings"
	"testing"

	"github.com/secui/secui/findings/config"
)

func TestSelect(t *testing.T) {
	cfg := config.Default()
	cfg.Scanners = []config.Scanner{
		{Name: "gosec", Stages: []string{"code"}},
		{Name: "gitleaks", Stages: []string{"code"}},
		{Name: "trivy", Stages: []string{"build"}},
	}
	names := func(ss []*config.Scanner) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Name)
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct {
		names, stages []string
		want, err     string
	}{
		{nil, nil, "gosec,gitleaks,trivy", ""},
		{nil, []string{"code"}, "gosec,gitleaks", ""},
		{[]string{"GOSEC"}, nil, "gosec", ""},
		{[]string{"gosec,trivy"}, []string{"build"}, "trivy", ""},
		{nil, []string{"code,build"}, "gosec,gitleaks,trivy", ""},
		{[]string{"semgrep"}, nil, "", `no scanner "semgrep" is configured (have gosec, gitleaks, trivy)`},
		{nil, []string{"nope"}, "", "--stage: "},
		{nil, []string{"deploy"}, "", "no configured scanner matches --stage deploy"},
		{[]string{"gosec"}, []string{"build"}, "", "no configured scanner matches --stage build --scanner gosec"},
	} {
		got, err := Select(cfg, c.names, c.stages)
		if c.err != "" {
			var se *SelectError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Select(%v, %v) error %v, want %q", c.names, c.stages, err, c.err)
			}
			continue
		}
		if err != nil || names(got) != c.want {
			t.Errorf("Select(%v, %v) = %s, %v; want %s", c.names, c.stages, names(got), err, c.want)
		}
	}
	if _, err := Select(config.Default(), nil, nil); !errors.Is(err, ErrNoScanners) {
		t.Errorf("no scanners: %v", err)
	}
}
