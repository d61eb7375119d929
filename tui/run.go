package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"
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
