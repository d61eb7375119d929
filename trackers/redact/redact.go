// Package redact keeps secrets out of tickets. It is a gate, not an option:
//
//   - Collect gathers every secret value the scan revealed: the snippets and
//     regions of secrets-category findings (read from the working tree
//     through repofs), and the secret-bearing properties scanners add
//     (gitleaks' "offender", "secret", "match").
//   - Redact replaces any of them in text secui builds with
//     "[redacted N chars]" (what the plan shows).
//   - Gate wraps the HTTP transport: before any request leaves, its URL and
//     body (raw, JSON-escaped and JSON-decoded) are checked against every
//     value, and a match refuses the request. Nothing is sent.
package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/repofs"
)

// MinLen is the shortest value treated as a secret (shorter strings would
// match ordinary words).
const MinLen = 8

// maxFile bounds a file read to find a secret's region.
const maxFile = 4 << 20

// Secrets is the set of secret values known from a scan. The zero value
// (and nil) knows none. Its String never shows a value.
type Secrets struct {
	vals []string // longest first
}

// String says how many values are known, never what they are.
func (s *Secrets) String() string { return fmt.Sprintf("%d secret value(s)", s.Len()) }

// Len is the number of values known.
func (s *Secrets) Len() int {
	if s == nil {
		return 0
	}
	return len(s.vals)
}

// Add records values (each trimmed; each line of a multi-line value too).
func (s *Secrets) Add(vals ...string) {
	for _, v := range vals {
		for _, c := range append([]string{v}, strings.Split(v, "\n")...) {
			c = strings.TrimSpace(strings.TrimSuffix(c, "\r"))
			if utf8.RuneCountInString(c) >= MinLen && !slices.Contains(s.vals, c) {
				s.vals = append(s.vals, c)
			}
		}
	}
	slices.SortFunc(s.vals, func(a, b string) int {
		if d := len(b) - len(a); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
}

// secretProps are result properties scanners use for the matched secret.
var secretProps = map[string]bool{"offender": true, "secret": true, "match": true, "raw": true, "rawv2": true}

// Collect gathers the secret values of the secrets-category findings in set
// (root, when not nil, is used to read their regions from the working tree).
func Collect(set *findings.Set, root *repofs.Root) *Secrets {
	s := &Secrets{}
	if set == nil {
		return s
	}
	files := map[string][]string{}
	for _, f := range set.Findings {
		if f.Category != findings.CatSecrets {
			continue
		}
		s.Add(f.Loc.Snippet)
		if d, err := set.Details(f); err == nil && d != nil {
			for k, v := range d.Properties {
				if str, ok := v.(string); ok && secretProps[strings.ToLower(k)] {
					s.Add(str)
				}
			}
			for _, r := range d.Related {
				if r.Path == f.Loc.Path {
					s.Add(r.Snippet)
				}
			}
		}
		if root == nil || !f.Loc.InRepo || f.Loc.Path == "" || f.Loc.Line <= 0 {
			continue
		}
		lines, ok := files[f.Loc.Path]
		if !ok {
			if b, err := root.ReadFile(f.Loc.Path, maxFile); err == nil {
				lines = strings.Split(string(b), "\n")
			}
			files[f.Loc.Path] = lines
		}
		s.Add(region(lines, f.Loc))
		// Scanners' regions are often the whole "KEY = value" match, and
		// their columns are not always exact: the secret-looking tokens of
		// the finding's lines are secrets too.
		s.Add(tokens(wholeLines(lines, f.Loc))...)
	}
	return s
}

// wholeLines is the text of the lines loc's region spans.
func wholeLines(lines []string, loc findings.Location) string {
	if loc.Line > len(lines) {
		return ""
	}
	end := min(max(loc.EndLine, loc.Line), len(lines), loc.Line+200)
	return strings.Join(lines[loc.Line-1:end], "\n")
}

// tokens returns the secret-looking tokens of text: runs of letters,
// digits and "_-+/=.~" of at least MinTokenLen characters that mix letters
// and digits (API keys, passwords, base64), the way secret scanners' own
// entropy rules see them.
func tokens(text string) []string {
	var out []string
	isTok := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-+/=.~", r)
	}
	for _, t := range strings.FieldsFunc(text, func(r rune) bool { return !isTok(r) }) {
		t = strings.Trim(t, "=.")
		if len(t) < MinTokenLen {
			continue
		}
		letters, digits := 0, 0
		for _, r := range t {
			switch {
			case r >= '0' && r <= '9':
				digits++
			case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
				letters++
			}
		}
		if letters > 0 && digits > 0 {
			out = append(out, t)
		}
	}
	return out
}

// MinTokenLen is the shortest token of a secret's line treated as a secret
// on its own.
const MinTokenLen = 16

// region is the text of loc's region in lines (1-based lines and columns;
// whole lines when the columns are unknown).
func region(lines []string, loc findings.Location) string {
	if loc.Line > len(lines) {
		return ""
	}
	end := max(loc.EndLine, loc.Line)
	end = min(end, len(lines), loc.Line+200)
	if end == loc.Line && loc.Col > 0 && loc.EndCol > loc.Col {
		r := []rune(lines[loc.Line-1])
		if loc.EndCol-1 <= len(r) {
			return string(r[loc.Col-1 : loc.EndCol-1])
		}
	}
	return strings.Join(lines[loc.Line-1:end], "\n")
}

// Redact replaces every known value in text with "[redacted N chars]".
func (s *Secrets) Redact(text string) string {
	if s.Len() == 0 {
		return text
	}
	for _, v := range s.vals {
		if strings.Contains(text, v) {
			text = strings.ReplaceAll(text, v, fmt.Sprintf("[redacted %d chars]", utf8.RuneCountInString(v)))
		}
	}
	return text
}

// Contains reports whether text holds a known value.
func (s *Secrets) Contains(text string) bool {
	for _, v := range s.valsOrNil() {
		if strings.Contains(text, v) {
			return true
		}
	}
	return false
}

func (s *Secrets) valsOrNil() []string {
	if s == nil {
		return nil
	}
	return s.vals
}

// CheckPayload returns a *RefusedError when payload holds a known value:
// as is, JSON-escaped (with or without HTML escaping), URL-encoded, or in
// any string of the decoded JSON document.
func (s *Secrets) CheckPayload(payload []byte) error {
	if s.Len() == 0 || len(payload) == 0 {
		return nil
	}
	for _, v := range s.vals {
		forms := []string{v, url.QueryEscape(v), url.PathEscape(v)}
		if b, err := json.Marshal(v); err == nil {
			forms = append(forms, string(b[1:len(b)-1]))
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if enc.Encode(v) == nil {
			b := bytes.TrimSpace(buf.Bytes())
			forms = append(forms, string(b[1:len(b)-1]))
		}
		for _, f := range forms {
			if bytes.Contains(payload, []byte(f)) {
				return &RefusedError{Chars: utf8.RuneCountInString(v)}
			}
		}
	}
	var doc any
	if json.Unmarshal(payload, &doc) == nil {
		var found *RefusedError
		walk(doc, func(str string) {
			if found == nil {
				for _, v := range s.vals {
					if strings.Contains(str, v) {
						found = &RefusedError{Chars: utf8.RuneCountInString(v)}
						return
					}
				}
			}
		})
		if found != nil {
			return found
		}
	}
	return nil
}

func walk(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case []any:
		for _, e := range x {
			walk(e, fn)
		}
	case map[string]any:
		for k, e := range x {
			fn(k)
			walk(e, fn)
		}
	}
}

// RefusedError is a request the gate stopped because it held a secret.
type RefusedError struct {
	Method, Path string // the request (no query, no host credentials)
	Chars        int    // length of the matched value
}

func (e *RefusedError) Error() string {
	where := ""
	if e.Method != "" {
		where = " " + e.Method + " " + e.Path
	}
	return fmt.Sprintf("refused to send%s: the request contains a secret value from the scan (%d chars); nothing was sent", where, e.Chars)
}

// Gate returns a transport that refuses requests containing a known value.
func Gate(next http.RoundTripper, s *Secrets) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &gate{next: next, s: s}
}

type gate struct {
	next http.RoundTripper
	s    *Secrets
}

func (g *gate) RoundTrip(req *http.Request) (*http.Response, error) {
	refuse := func(err error) (*http.Response, error) {
		if req.Body != nil {
			req.Body.Close()
		}
		if re, ok := err.(*RefusedError); ok {
			re.Method, re.Path = req.Method, req.URL.Path
		}
		return nil, err
	}
	if err := g.s.CheckPayload([]byte(req.URL.String())); err != nil {
		return refuse(err)
	}
	if req.Body != nil && req.Body != http.NoBody {
		var body []byte
		var err error
		if req.GetBody != nil {
			rc, gerr := req.GetBody()
			if gerr != nil {
				return nil, gerr
			}
			body, err = io.ReadAll(rc)
			rc.Close()
		} else {
			body, err = io.ReadAll(req.Body)
			req.Body.Close()
			if err == nil {
				req = req.Clone(req.Context())
				req.Body = io.NopCloser(bytes.NewReader(body))
				req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
			}
		}
		if err != nil {
			return nil, err
		}
		if err := g.s.CheckPayload(body); err != nil {
			return refuse(err)
		}
	}
	return g.next.RoundTrip(req)
}
