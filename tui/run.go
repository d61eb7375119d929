package tui

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/secui/secui/internal/trace"
)

// Run opens the console and blocks until the user quits (or ctx ends). It
// returns configuration errors before opening, and any fatal error after the
// terminal has been restored.
func Run(ctx context.Context, opts Options) error {
	m, err := New(ctx, opts)
	if err != nil {
		return err
	}
	m.triage.Prepare()
	defer m.triage.Close()
	popts := []tea.ProgramOption{tea.WithContext(ctx)}
	if opts.Input != nil {
		popts = append(popts, tea.WithInput(opts.Input))
	}
	if trace.On() {
		popts = append(popts, tea.WithOutput(traceOutput{os.Stdout}))
	}
	trace.Mark("program")
	if os.Getenv("TMUX") != "" {
		// Under tmux, Bubble Tea's colour detection runs `tmux info`
		// (13–22 ms here, before the first frame). The console starts
		// with what the environment and terminfo say, asks tmux in the
		// background, and repaints if tmux says more (true colour).
		env := os.Environ()
		fast := colorprofile.Detect(os.Stdout, withoutEnv(env, "TMUX"))
		popts = append(popts, tea.WithColorProfile(fast))
		// Not at once: `tmux info` is a fork and exec of the tmux client
		// that would compete with the first batch and the first rows for
		// the machine; the repaint in true colour comes a little later.
		m.profileCheck = tea.Tick(profileDelay, func(time.Time) tea.Msg {
			if p := colorprofile.Detect(os.Stdout, env); p != fast {
				return profileMsg{p}
			}
			return nil
		})
	}
	p := tea.NewProgram(m, popts...)
	final, err := p.Run()
	if err != nil {
		return err
	}
	if fm, ok := final.(*Model); ok {
		return fm.Err()
	}
	return nil
}

// profileDelay is how long after the start the console asks tmux for its
// colour profile (after the first rows, on the 2-core VM under load).
const profileDelay = 400 * time.Millisecond

// profileMsg is the colour profile detected in the background (Run).
type profileMsg struct{ p colorprofile.Profile }

// withoutEnv is env without the variable name.
func withoutEnv(env []string, name string) []string {
	out := make([]string, 0, len(env))
	for _, e := range env {
		if !strings.HasPrefix(e, name+"=") {
			out = append(out, e)
		}
	}
	return out
}

// traceOutput is the terminal with SECUI_TRACE on: it marks the first
// write (the first frame) and the first write of a finding row's stage.
type traceOutput struct{ *os.File }

var writes atomic.Int64

func (t traceOutput) Write(p []byte) (int, error) {
	trace.Once("write-first")
	if n := writes.Add(1); n <= 8 {
		trace.Mark("write-" + strconv.Itoa(int(n)) + "-" + strconv.Itoa(len(p)))
	}
	if bytes.Contains(p, []byte("secui: starting")) {
		trace.Once("write-starting")
	}
	if bytes.Contains(p, []byte(" code ")) || bytes.Contains(p, []byte(" build ")) {
		trace.Once("write-row")
	}
	return t.File.Write(p)
}
