package ledger

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/secui/secui/findings"
)

// The decision validity rules, in one place: Request.Validate applies them
// when secui writes a decision, Decision.Problems when the gate reads the
// ledger (so a hand-written record is held to the same rules), and the
// console's form calls ValidateText. A record that breaks one is
// "unjustified" and fails `secui check`, whoever wrote it.
//
//   - author: "Name <email>" (an e-mail is required);
//   - time: set, and not in the future (ClockSkew of tolerance between machines);
//     every history event likewise;
//   - suppressed: a known reason and a justification that passes ValidateText;
//   - accepted: a note that passes ValidateText;
//   - fixed: scan evidence, a fix source, or a note that passes ValidateText;
//   - expiry (suppress) and due date (accept): at most Rules.MaxTerm after the
//     decision (config check.max-expiry, default DefaultMaxTerm).

// MinJustification is the minimum length, in letters and digits, of a
// justification or note.
const MinJustification = 10

// MinWords is the minimum number of distinct words of a justification or note.
const MinWords = 3

// DefaultMaxTerm is the default longest expiry / due date after a decision.
const DefaultMaxTerm = "1y"

// ClockSkew is how far ahead of the checking clock a decision time may be
// (machines' clocks differ a little) before it counts as in the future.
const ClockSkew = 10 * time.Minute

// Rules are the configurable limits of the validity rules.
type Rules struct {
	// MaxTerm is the longest expiry or due date after the decision, as a
	// duration ("90d", "12w", "6mo", "1y"); "" is DefaultMaxTerm.
	MaxTerm string
}

func (r Rules) maxTerm() string {
	if r.MaxTerm == "" {
		return DefaultMaxTerm
	}
	return r.MaxTerm
}

// placeholders are whole texts that say nothing (compared after lower-casing
// and collapsing punctuation to spaces).
var placeholders = map[string]bool{
	"fp": true, "n/a": true, "na": true, "todo": true, "tbd": true, "test": true, "tests": true,
	"false positive": true, "falsepositive": true, "not an issue": true, "no issue": true,
	"wip": true, "fixme": true, "xxx": true, "none": true, "ok": true, "okay": true, "ignore": true,
	"ignored": true, "whatever": true, "asdf": true, "nothing": true, "later": true, "fix later": true,
	"accepted risk": true, "accepted": true, "wont fix": true, "won't fix": true, "mitigated": true,
	"used in tests": true, "safe": true, "not applicable": true, "no": true, "yes": true, "lorem ipsum": true,
	"see above": true, "see ticket": true, "trust me": true, "it is fine": true, "its fine": true, "it's fine": true,
	"this is fine": true, "not a bug": true, "fixed": true, "done": true, "risk": true, "accept": true,
	"will fix": true, "will fix later": true, "to do": true, "as discussed": true, "per discussion": true,
}

// markers are words that mark a text as not written yet, wherever they occur.
var markers = map[string]bool{
	"todo": true, "tbd": true, "tba": true, "fixme": true, "xxx": true, "wip": true, "placeholder": true,
	"lorem": true, "ipsum": true, "asdf": true, "qwerty": true, "changeme": true, "foobar": true,
}

// markerPhrases mark a text as a promise of a justification, not one.
var markerPhrases = []string{
	"justify later", "justification later", "justify this later", "explain later", "fill in later",
	"fill in", "fill me", "to be filled", "to be decided", "to be determined", "to be written", "to be justified",
	"change me",
}

// ValidateJustification checks a suppression's justification (ValidateText).
func ValidateJustification(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("justification is required for a suppression")
	}
	return ValidateText("justification", s)
}

// ValidateText is THE quality rule for a justification or a note (what names
// it in messages): at least MinJustification letters and digits and
// MinWords distinct words, not a placeholder ("fp", "n/a", "false
// positive", ...), no marker of unwritten text ("TODO", "TBD", "FIXME",
// "xxx", "lorem ipsum", "justify later", ...), not only placeholder words
// ("N/A N/A N/A N/A"), no word that is one letter repeated ("xxxxxxxx").
func ValidateText(what, s string) error {
	t := strings.TrimSpace(s)
	say := "say why the finding does not need a fix"
	if what == "note" {
		say = "say what happens next (ticket, plan, owner)"
	}
	if t == "" {
		return fmt.Errorf("a %s is required: %s", what, say)
	}
	lower := strings.ToLower(t)
	words := textWords(lower)
	norm := strings.Join(words, " ")
	if placeholders[norm] {
		return fmt.Errorf("%s %q is a placeholder: %s", what, clip(t), say)
	}
	onlyPlaceholders := len(words) > 0
	distinct := map[string]bool{}
	for _, w := range words {
		distinct[w] = true
		if markers[w] || markers[strings.Trim(w, "0123456789")] {
			return fmt.Errorf("%s %q contains %q: write the real %s (%s)", what, clip(t), w, what, say)
		}
		if repeatedLetter(w) {
			return fmt.Errorf("%s %q contains the filler %q: %s", what, clip(t), w, say)
		}
		if !placeholders[w] {
			onlyPlaceholders = false
		}
	}
	padded := " " + norm + " "
	for _, p := range markerPhrases {
		if strings.Contains(padded, " "+p+" ") {
			return fmt.Errorf("%s %q promises a %s instead of giving one: %s", what, clip(t), what, say)
		}
	}
	if onlyPlaceholders {
		return fmt.Errorf("%s %q is only placeholder words: %s", what, clip(t), say)
	}
	n := 0
	for _, r := range t {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	if n < MinJustification {
		return fmt.Errorf("%s %q is too short (at least %d letters): %s", what, clip(t), MinJustification, say)
	}
	if len(distinct) < MinWords {
		return fmt.Errorf("%s %q says too little (at least %d different words): %s", what, clip(t), MinWords, say)
	}
	return nil
}

// textWords splits lower-cased text into words: runs of non-space characters
// with surrounding punctuation trimmed ("SEC-123:" -> "sec-123", "N/A" ->
// "n/a"); pieces without a letter or digit are dropped.
func textWords(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == ';' || r == '!' || r == '?' || r == '(' || r == ')' || r == '"'
	}) {
		f = strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' })
		f = strings.Trim(f, "'")
		if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0 {
			continue
		}
		out = append(out, f)
	}
	return out
}

// repeatedLetter reports a word of three or more copies of one letter ("xxx", "aaaa").
func repeatedLetter(w string) bool {
	if utf8.RuneCountInString(w) < 3 {
		return false
	}
	first, _ := utf8.DecodeRuneInString(w)
	if !unicode.IsLetter(first) {
		return false
	}
	for _, r := range w {
		if r != first {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	r := []rune(s)
	return string(r[:59]) + "…"
}

// ValidateAuthor checks an author: "Name <email>" (or "<email>"), optionally
// followed by what secui adds ("... (GIT_AUTHOR_*: ...)").
func ValidateAuthor(a string) error {
	a = strings.TrimSpace(a)
	if a == "" {
		return errors.New("no author: set git config user.name and user.email")
	}
	i := strings.IndexByte(a, '<')
	j := strings.IndexByte(a, '>')
	if i < 0 || j < i || !strings.Contains(a[i:j], "@") {
		return fmt.Errorf("author %q has no e-mail (want \"Name <email>\"): set git config user.email", clip(a))
	}
	return nil
}

// ValidateTerm checks that an expiry or due date (what names it) is at most
// maxTerm ("1y"; "" = DefaultMaxTerm) after the decision time.
func ValidateTerm(what string, until time.Time, decided time.Time, maxTerm string) error {
	if maxTerm == "" {
		maxTerm = DefaultMaxTerm
	}
	limit, err := ParseTerm(maxTerm, decided)
	if err != nil {
		return err
	}
	if until.After(limit) {
		return fmt.Errorf("%s %s is more than %s after the decision (latest %s; the limit is check.max-expiry in .secui.yaml)",
			what, until.Format(time.DateOnly), maxTerm, limit.Format(time.DateOnly))
	}
	return nil
}

// ParseTerm reads a maximum term ("90d", "12w", "6mo", "1y"; a duration, not
// a date) and returns the last allowed date after from.
func ParseTerm(s string, from time.Time) (time.Time, error) {
	if _, err := time.Parse(time.DateOnly, strings.TrimSpace(s)); err == nil {
		return time.Time{}, fmt.Errorf("max-expiry %q: want a duration (90d, 12w, 6mo, 1y), not a date", s)
	}
	t, err := ParseExpiry(s, from)
	if err != nil {
		return time.Time{}, fmt.Errorf("max-expiry: %v", err)
	}
	return t, nil
}

// Problems returns why d does not count as a decision (nil when it does),
// at time now: the validity rules above. Review (needs review) is not one of
// them: the gate reports it separately.
func (d *Decision) Problems(now time.Time, r Rules) []string {
	var p []string
	add := func(err error) {
		if err != nil {
			p = append(p, err.Error())
		}
	}
	add(ValidateAuthor(d.Author))
	future := now.Add(ClockSkew)
	switch {
	case d.Time.IsZero():
		p = append(p, "no decision time")
	case d.Time.After(future):
		p = append(p, fmt.Sprintf("decided in the future (time %s, now %s): a hand-edited time counts for nothing",
			d.Time.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)))
	}
	for i, e := range d.History {
		if e.Time.After(future) {
			p = append(p, fmt.Sprintf("history[%d] is in the future (%s)", i, e.Time.UTC().Format(time.RFC3339)))
			break
		}
	}
	switch d.State {
	case findings.StateSuppressed:
		if d.Reason == "" {
			p = append(p, "suppression without a reason ("+reasonList()+")")
		}
		add(ValidateJustification(d.Justification))
		if d.Expires != nil && !d.Time.IsZero() {
			add(ValidateTerm("expiry", *d.Expires, d.Time, r.maxTerm()))
		}
	case findings.StateAccepted:
		if err := ValidateText("note", d.Extra().Note); err != nil {
			p = append(p, "acceptance: "+err.Error())
		}
		if d.Extra().Due != nil && !d.Time.IsZero() {
			add(ValidateTerm("due date", *d.Extra().Due, d.Time, r.maxTerm()))
		}
	case findings.StateFixed:
		if d.Extra().Scan == nil && d.Extra().FixSource == "" {
			if err := ValidateText("note", d.Extra().Note); err != nil {
				p = append(p, "fixed without scan evidence or fix source, and "+err.Error())
			}
		}
	}
	return p
}
