package ledger

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/secui/secui/findings"
)

// Value conversions shared by the two readers of a ledger file (the fast
// decoder of the canonical layout and the validator of the YAML tree), so
// both accept exactly the same values and say the same thing about bad ones.

func parseID(s string) (string, error) {
	if len(s) != 16 || !isHexLower(s) {
		return "", fmt.Errorf("bad id %q (want 16 lower-case hex digits)", s)
	}
	return s, nil
}

func parseStateName(s string) (findings.State, error) {
	st, err := findings.ParseState(s)
	if err != nil || s != st.String() {
		return 0, fmt.Errorf("unknown state %q (want open, accepted, suppressed or fixed)", s)
	}
	return st, nil
}

func parseReasonName(s string) (Reason, error) {
	i := slices.Index(Reasons, Reason(s))
	if i < 0 {
		return "", fmt.Errorf("unknown reason %q (want one of %s)", s, reasonList())
	}
	return Reasons[i], nil // the constant: no reference to the file's text
}

// parseTimestamp reads an RFC 3339 time. The canonical form
// (2026-11-28T09:30:00Z) is decoded by hand; anything else goes through
// time.Parse, so the result is the same either way.
func parseTimestamp(s string) (time.Time, error) {
	if t, ok := fastUTC(s); ok {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad time %q (want RFC 3339, e.g. 2026-11-28T09:30:00Z)", s)
	}
	return t.UTC(), nil
}

// fastUTC decodes exactly YYYY-MM-DDTHH:MM:SSZ with valid fields.
func fastUTC(s string) (time.Time, bool) {
	if len(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 2)
	d, ok3 := num(8, 2)
	h, ok4 := num(11, 2)
	mi, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > daysIn(time.Month(mo), y) || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC), true
}

func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func parseDate(s string) (*time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil, fmt.Errorf("bad date %q (want YYYY-MM-DD)", s)
	}
	return &t, nil
}

func parseAction(s string) (string, error) {
	for _, a := range [...]string{ActSuppress, ActAccept, ActReopen, ActFixed, ActLink, ActMove, "undo", "merge"} {
		if s == a {
			return a, nil // the constant: no reference to the file's text
		}
	}
	return "", fmt.Errorf("unknown action %q (want suppress, accept, reopen, fixed, link or move)", s)
}

func parseBool(s string) (bool, error) {
	switch s {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("want true or false, not %q", s)
}

func parseLine(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1<<30 || (len(s) > 1 && s[0] == '0') || s[0] == '+' {
		return 0, fmt.Errorf("bad line %q (want a line number)", s)
	}
	return n, nil
}

func parseFixSource(s string) (string, error) {
	switch s {
	case FixFromTool:
		return FixFromTool, nil
	case FixByHand:
		return FixByHand, nil
	}
	return "", fmt.Errorf("unknown fix source %q (want %s or %s)", s, FixFromTool, FixByHand)
}

func isHexLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// parseCommit reads a commit id: up to 64 lower-case hex digits.
func parseCommit(s string) (string, error) {
	if len(s) < 1 || len(s) > 64 || !isHexLower(s) {
		return "", fmt.Errorf("bad commit %q (want hex digits)", s)
	}
	return s, nil
}

// parseHash reads one evidence hash: 8 lower-case hex digits.
func parseHash(s string) (uint32, error) {
	if len(s) != 8 || !isHexLower(s) {
		return 0, fmt.Errorf("bad hash %q (want 8 lower-case hex digits)", s)
	}
	var v uint32
	for i := 0; i < 8; i++ {
		c := s[i]
		if c <= '9' {
			v = v<<4 | uint32(c-'0')
		} else {
			v = v<<4 | uint32(c-'a'+10)
		}
	}
	return v, nil
}

func hashHex(b []byte, v uint32) []byte {
	const digits = "0123456789abcdef"
	for i := 7; i >= 0; i-- {
		b = append(b, digits[(v>>(uint(i)*4))&15])
	}
	return b
}

// recordProblem is a rule on a whole record, with the field it names.
type recordProblem struct{ field, msg string }

// checkRecord applies the rules that span fields of one record. The caller
// reports a missing id, state and time itself (it knows the positions).
func checkRecord(d *Decision) []recordProblem {
	var out []recordProblem
	if d.State == findings.StateSuppressed {
		if d.Reason == "" {
			out = append(out, recordProblem{"reason", "a suppression needs a reason (" + reasonList() + ")"})
		}
		if strings.TrimSpace(d.Justification) == "" {
			out = append(out, recordProblem{"justification", "a suppression needs a justification"})
		}
	}
	if d.Extra().Scope != ScopeFinding {
		if err := d.ScopeOf().Validate(); err != nil {
			out = append(out, recordProblem{"scope", err.Error()})
		}
		if d.State == findings.StateFixed {
			out = append(out, recordProblem{"state", "a scope record cannot be fixed (only its findings can)"})
		}
		if len(d.Keys) > 0 {
			out = append(out, recordProblem{"keys", "a scope record has no identity keys (it is not one finding's)"})
		}
		if !evidenceZero(d.Evidence) {
			out = append(out, recordProblem{"evidence", "a scope record has no evidence (it is not one finding's)"})
		}
	}
	if d.State != findings.StateFixed {
		if d.Pending {
			out = append(out, recordProblem{"pending", "only a fixed record can be pending a scan"})
		}
		if d.Extra().FixSource != "" {
			out = append(out, recordProblem{"fix-source", "only a fixed record has a fix source"})
		}
		if d.Extra().Scan != nil {
			out = append(out, recordProblem{"scan", "only a fixed record has a proving scan"})
		}
	}
	return out
}

// Helpers for other sections of the file (tickets.go).

func (v *validator) timestamp(n *yaml.Node, field string) (time.Time, bool) {
	return conv(v, n, field, parseTimestamp)
}
