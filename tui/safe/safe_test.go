package safe

import "testing"

func TestLine(t *testing.T) {
	cases := map[string]string{
		"plain":                         "plain",
		"a\nb\tc":                       "a b c",
		"red \x1b[31mtext\x1b[0m":       "red text",
		"title \x1b]0;pwned\x07 done":   "title  done",
		"osc52 \x1b]52;c;ZXZpbA==\x07!": "osc52 !",
		"c1 \u009b31m x":                "c1 31m x", // control dropped, text kept
		"bidi \u202eevil\u202c":         "bidi evil",
		"bell\x07":                      "bell ",
		"unicode ✓ é":                   "unicode ✓ é",
	}
	for in, want := range cases {
		if got := Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestText(t *testing.T) {
	if got := Text("a\n\tb\x1b[2Jc\r\n"); got != "a\n    bc\n" {
		t.Errorf("Text = %q", got)
	}
	s := "clean\ntext"
	if got := Text(s); got != s {
		t.Errorf("Text(clean) = %q", got)
	}
}
