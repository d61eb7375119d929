package runner

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/config"
)

// ErrNoScanners is returned by Select when .secui.yaml configures none.
var ErrNoScanners = errors.New("no scanners configured: add a scanners: section to .secui.yaml (see `secui scan --help` and the README's configuration example)")

// SelectError is a selection that names no configured scanner or stage.
type SelectError struct{ Msg string }

func (e *SelectError) Error() string { return e.Msg }

// Select picks the configured scanners named in names and feeding one of
// stages (all of them when both are empty). Each element may be a
// comma-separated list. Used by `secui scan --stage/--scanner` and the
// console's re-scan screen.
func Select(cfg *config.Config, names, stages []string) ([]*config.Scanner, error) {
	if cfg == nil || len(cfg.Scanners) == 0 {
		return nil, ErrNoScanners
	}
	var sts []findings.Stage
	for _, s := range stages {
		for _, p := range strings.Split(s, ",") {
			st, err := findings.ParseStage(p)
			if err != nil {
				return nil, &SelectError{Msg: fmt.Sprintf("--stage: %v", err)}
			}
			sts = append(sts, st)
		}
	}
	var want []string
	for _, n := range names {
		for _, p := range strings.Split(n, ",") {
			p = strings.TrimSpace(p)
			if cfg.Scanner(p) == nil {
				have := make([]string, len(cfg.Scanners))
				for i := range cfg.Scanners {
					have[i] = cfg.Scanners[i].Name
				}
				return nil, &SelectError{Msg: fmt.Sprintf("--scanner: no scanner %q is configured (have %s)", p, strings.Join(have, ", "))}
			}
			want = append(want, strings.ToLower(p))
		}
	}
	var out []*config.Scanner
	for i := range cfg.Scanners {
		s := &cfg.Scanners[i]
		if len(want) > 0 && !slices.Contains(want, strings.ToLower(s.Name)) {
			continue
		}
		if len(sts) > 0 && !slices.ContainsFunc(sts, s.Feeds) {
			continue
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		msg := "no configured scanner matches --stage " + strings.Join(stages, ",")
		if len(names) > 0 {
			msg += " --scanner " + strings.Join(names, ",")
		}
		return nil, &SelectError{Msg: msg}
	}
	return out, nil
}
