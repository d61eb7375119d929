package tui

import (
	"bytes"
	"context"
	"os"

	tea "charm.land/bubbletea/v2"

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

// traceOutput is the terminal with SECUI_TRACE on: it marks the first
// write (the first frame) and the first write of a finding row's stage.
type traceOutput struct{ *os.File }

func (t traceOutput) Write(p []byte) (int, error) {
	trace.Once("write-first")
	if bytes.Contains(p, []byte("secui: starting")) {
		trace.Once("write-starting")
	}
	if bytes.Contains(p, []byte(" code ")) || bytes.Contains(p, []byte(" build ")) {
		trace.Once("write-row")
	}
	return t.File.Write(p)
}
