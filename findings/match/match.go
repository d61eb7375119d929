// Package match assigns triage decisions to findings. It is pure: it reads
// the decisions' identity keys and evidence and the findings' keys and
// evidence, and returns an assignment; nothing is mutated.
//
// The assignment is one-to-one: each decision goes to at most one finding and
// each finding takes at most one decision. A decision that cannot be placed
// with confidence is not guessed: it is returned in Review with its
// candidates.
//
// STATUS: the types are the interface fixed for issue 7 (the ledger builds
// its Overlay from a Result). Assign below is the first version — exact id,
// then a shared key — that the identity work replaces with the evidence-based
// assignment described in docs/engine.md.
package match

import (
	"cmp"
	"slices"
	"strings"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/evidence"
)

// Decision is what the matcher needs of one ledger record.
type Decision struct {
	ID       string   // the finding id the decision was made on
	Tool     string   // tool name
	Rule     string   // rule id
	Keys     []string // identity keys of the finding when decided ("<layer>:<hex>")
	Evidence evidence.Evidence
}

// Finding is what the matcher needs of one current finding.
type Finding struct {
	F        *findings.Finding
	Evidence evidence.Evidence // captured from the working tree (may be location-only)
}

// How says how a decision found its finding.
type How uint8

// Ways a decision can match (strongest first).
const (
	ByID      How = iota // same finding id, from a strong identity layer
	ByKey                // a shared strong identity key (fingerprint, partial fingerprint, vulnerability)
	ByRename             // the same code in a file git reports as renamed
	ByMove               // the same code elsewhere in the same file (moved Lines lines)
	BySimilar            // similar context and finding line (an edit on or around the line)
)

var howNames = [...]string{"id", "key", "rename", "moved", "similar"}

func (h How) String() string {
	if int(h) < len(howNames) {
		return howNames[h]
	}
	return "unknown"
}

// Link is one placed decision.
type Link struct {
	Decision int    // index into the decisions
	Finding  int    // index into the findings
	How      How    // how it matched
	Key      string // the key that matched (ByID, ByKey), "" otherwise
	Layer    string // the identity layer of Key ("fingerprint", "partial-fingerprint", ...)
	From     string // ByRename: the path the decision was made on
	Moved    int    // lines moved (new line - old line), any How
	Score    float64
}

// Review is a decision that could not be placed with confidence: it is
// applied to no finding and is shown as "needs review" with its candidates.
type Review struct {
	Decision   int
	Candidates []int // finding indices, best first
	Why        string
}

// Result is the assignment.
type Result struct {
	Links   []Link   // sorted by Decision
	Review  []Review // sorted by Decision
	Orphans []int    // decisions that match nothing (fixed, gone, or scan missing)
}

// Assign places ds on fs. renames maps a path at the decision's commit to
// its path in the working tree (git rename detection); nil when unknown.
func Assign(ds []Decision, fs []Finding, renames map[string]string) Result {
	var res Result
	byID := make(map[string]int, len(fs))
	for i, f := range fs {
		if _, dup := byID[f.F.ID]; !dup {
			byID[f.F.ID] = i
		}
	}
	byKey := map[string]int{}
	for i, f := range fs {
		for _, k := range f.F.Keys {
			if _, dup := byKey[k]; !dup {
				byKey[k] = i
			}
		}
	}
	usedF := make([]bool, len(fs))
	placed := make([]bool, len(ds))
	for di, d := range ds {
		if fi, ok := byID[d.ID]; ok && !usedF[fi] {
			usedF[fi], placed[di] = true, true
			res.Links = append(res.Links, Link{Decision: di, Finding: fi, How: ByID, Key: fs[fi].F.Keys[0], Layer: layer(fs[fi].F.Keys[0])})
		}
	}
	for di, d := range ds {
		if placed[di] {
			continue
		}
		for _, k := range d.Keys {
			if fi, ok := byKey[k]; ok && !usedF[fi] {
				usedF[fi], placed[di] = true, true
				res.Links = append(res.Links, Link{Decision: di, Finding: fi, How: ByKey, Key: k, Layer: layer(k)})
				break
			}
		}
		if !placed[di] {
			res.Orphans = append(res.Orphans, di)
		}
	}
	sortLinks(res.Links)
	return res
}

func layer(k string) string {
	l, ok := findings.KeyLayer(k)
	if !ok {
		if i := strings.IndexByte(k, ':'); i > 0 {
			return k[:i]
		}
		return "key"
	}
	return l.String()
}

func sortLinks(ls []Link) {
	slices.SortFunc(ls, func(a, b Link) int { return cmp.Compare(a.Decision, b.Decision) })
}
