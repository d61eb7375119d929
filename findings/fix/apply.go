package fix

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/ledger"
	"github.com/secui/secui/findings/repofs"
)

// Apply writes the plan: every file or none (repofs.WriteFilesAtomic). A
// file edited since it was planned refuses the whole plan (RefuseChanged)
// and nothing is written. A refused plan returns its Refusal.
func (p *Plan) Apply(root *repofs.Root) error {
	if p.Refusal != nil {
		return p.Refusal
	}
	ws := make([]repofs.FileWrite, len(p.Files))
	for i, f := range p.Files {
		ws[i] = repofs.FileWrite{Path: f.Path, Data: f.new, Expect: f.old}
	}
	err := root.WriteFilesAtomic(ws)
	if errors.Is(err, repofs.ErrChanged) {
		return refuse(RefuseChanged, "", "%v (plan the fix again)", err)
	}
	return err
}

// Request is the ledger decision for an applied plan: fixed, pending the
// re-scan that proves it, from a fix the tool proposed. commit is the fix
// commit ("" when not committed).
func (p *Plan) Request(author string, now time.Time, commit string) ledger.Request {
	note := fmt.Sprintf("applied fix %d of %d proposed by %s to %s", p.Index, p.Of, findings.SanitizeLine(p.Tool), strings.Join(p.Paths(), ", "))
	if commit != "" {
		note += "; commit " + short(commit)
	}
	return ledger.Request{Action: ledger.ActFixed, Author: author, Now: now, Note: note, Pending: true, FixSource: ledger.FixFromTool}
}

// HandEditRequest is the ledger decision for a finding whose file was
// changed in an editor: fixed, pending a re-scan, by hand.
func HandEditRequest(path, author string, now time.Time) ledger.Request {
	return ledger.Request{Action: ledger.ActFixed, Author: author, Now: now, Pending: true, FixSource: ledger.FixByHand,
		Note: "edited " + findings.SanitizeLine(path) + " by hand"}
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
