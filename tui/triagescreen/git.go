package triagescreen

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/tui/detail"
)

// blameMsg carries the blame of the selected finding's line (gen).
type blameMsg struct {
	gen int
	f   *findings.Finding
	b   *gitrepo.Blame
	err error
}

// ownersMsg carries the repository's CODEOWNERS (loaded once).
type ownersMsg struct {
	co  *gitrepo.Codeowners
	err error
}

func blameable(f *findings.Finding) bool {
	return f != nil && f.Loc.InRepo && f.Loc.Path != "" && f.Loc.Line > 0
}

// fillGit sets the git part of the detail pane's data for d.F: the owners at
// once (a pure match), the blame as pending (blameCmd fills it).
func (m *Model) fillGit(d *detail.Data) {
	if m.blame != nil && blameable(d.F) {
		d.Blame = "blaming…"
	}
	if m.owners != nil && d.F != nil && d.F.Loc.InRepo {
		if r := m.owners.Match(d.F.Loc.Path); r != nil {
			if len(r.Owners) == 0 {
				d.Owners = fmt.Sprintf("none (%s:%d %s unassigns it)", m.owners.File, r.Line, r.Pattern)
			} else {
				d.Owners = strings.Join(r.Owners, " ") + fmt.Sprintf("  (%s:%d %s)", m.owners.File, r.Line, r.Pattern)
			}
		}
	}
}

// stopBlame cancels the blame in flight, if any.
func (m *Model) stopBlame() {
	if m.blameStop != nil {
		m.blameStop()
		m.blameStop = nil
	}
}

// blameCmd blames f's line in the background, under a context that the
// next selection cancels. Keys never wait for it.
func (m *Model) blameCmd(f *findings.Finding) tea.Cmd {
	if m.blame == nil || !blameable(f) {
		return nil
	}
	m.stopBlame()
	ctx, cancel := context.WithCancel(m.ctx)
	m.blameStop = cancel
	m.blameGen++
	gen, blame, path, line := m.blameGen, m.blame, f.Loc.Path, f.Loc.Line
	return func() tea.Msg {
		b, err := blame(ctx, path, line)
		return blameMsg{gen: gen, f: f, b: b, err: err}
	}
}

func (m *Model) onBlame(msg blameMsg) {
	d := m.det.Data()
	if msg.gen != m.blameGen || msg.f != d.F {
		return // superseded
	}
	m.blameStop = nil
	switch {
	case errors.Is(msg.err, context.Canceled):
		return
	case msg.err != nil:
		d.Blame = "unavailable: " + firstLine(msg.err.Error())
	default:
		d.Blame = BlameText(msg.b, m.now())
	}
	m.det.SetData(d)
}

// BlameText is one line about a blame: author, age, commit and summary (or
// why it is not known). The caller sanitises it.
func BlameText(b *gitrepo.Blame, now time.Time) string {
	if b == nil {
		return ""
	}
	switch b.Status {
	case gitrepo.BlameUncommitted:
		if b.Reason != "" {
			return "not committed yet (" + b.Reason + ")"
		}
		return "not committed yet"
	case gitrepo.BlameUnknown:
		return "unknown (" + b.Reason + ")"
	}
	var s strings.Builder
	s.WriteString(b.Author)
	if b.Email != "" {
		s.WriteString(" <" + b.Email + ">")
	}
	if !b.AuthorTime.IsZero() {
		fmt.Fprintf(&s, ", %s (%s)", gitrepo.AgeText(b.Age(now)), b.AuthorTime.Format(time.DateOnly))
	}
	fmt.Fprintf(&s, ", %s %q", b.Short(), b.Summary)
	return s.String()
}

// loadOwnersCmd reads CODEOWNERS (GitHub's locations) once.
func (m *Model) loadOwnersCmd() tea.Cmd {
	if m.opts.Repo == nil {
		return nil
	}
	root := m.opts.Repo.Root
	return func() tea.Msg {
		co, err := gitrepo.LoadCodeowners(root)
		return ownersMsg{co: co, err: err}
	}
}

func (m *Model) onOwners(msg ownersMsg) {
	if msg.co == nil || msg.err != nil && len(msg.co.Rules) == 0 {
		return
	}
	m.owners = msg.co
	d := m.det.Data()
	if d.F != nil {
		b := d.Blame
		d.Owners = ""
		m.fillGit(&d)
		d.Blame = b
		m.det.SetData(d)
	}
}
