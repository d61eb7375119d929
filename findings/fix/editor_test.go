package fix

import (
	"slices"
	"testing"
)

func TestEditorCommand(t *testing.T) {
	cases := []struct {
		editor    string
		line, col int
		want      []string
	}{
		{"", 12, 5, []string{"vi", "+12", "f.go"}},
		{"vim", 12, 5, []string{"vim", "+12", "f.go"}},
		{"/usr/bin/nvim -u NONE", 12, 5, []string{"/usr/bin/nvim", "-u", "NONE", "+12", "f.go"}},
		{"gvim", 3, 1, []string{"gvim", "-f", "+3", "f.go"}},
		{"nano", 12, 5, []string{"nano", "+12,5", "f.go"}},
		{"emacsclient -t", 12, 5, []string{"emacsclient", "-t", "+12:5", "f.go"}},
		{"code", 12, 5, []string{"code", "--wait", "--goto", "f.go:12:5"}},
		{"code -w", 12, 0, []string{"code", "-w", "--goto", "f.go:12:1"}},
		{"subl", 12, 5, []string{"subl", "--wait", "f.go:12:5"}},
		{"hx", 12, 5, []string{"hx", "f.go:12:5"}},
		{"ed", 12, 5, []string{"ed", "f.go"}},
		{"vim", 0, 0, []string{"vim", "f.go"}},
	}
	for _, c := range cases {
		if got := EditorCommand(c.editor, "f.go", c.line, c.col); !slices.Equal(got, c.want) {
			t.Errorf("EditorCommand(%q, %d, %d) = %q, want %q", c.editor, c.line, c.col, got, c.want)
		}
	}
}
