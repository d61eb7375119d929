package config

import (
	"strings"
	"testing"
)

// FuzzDecode checks that no input makes the decoder panic and that every
// error carries a position.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(Example()))
	f.Add([]byte("stages:\n  - &a {tool: x, stage: code}\n  - *a\n"))
	f.Add([]byte("ui: {keys: {q: [a, *b]}}\n"))
	f.Add([]byte("check: {stages: {build: off}}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := parseSource("f.yaml", b)
		c := Default()
		d := &decoder{file: "f.yaml"}
		if s.doc != nil {
			d.config(s.doc, c, nil)
		}
		for _, e := range append(s.errs, d.errs...) {
			if e.Line < 1 || e.Col < 1 || !strings.HasPrefix(e.Error(), "f.yaml:") {
				t.Fatalf("bad error %q", e.Error())
			}
		}
		_ = c.Overrides()
	})
}
