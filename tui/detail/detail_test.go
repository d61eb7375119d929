package detail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/tui/internal/golden"
	"github.com/secui/secui/tui/keys"
	"github.com/secui/secui/tui/theme"
)

const goSrc = `package main

import "os/exec"

func run(user string) {
	cmd := exec.Command("sh", "-c", user)
	_ = cmd.Run()
}

func main() {
	run(os.Args[1])
}
`

func repo(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "main.go"), []byte(goSrc), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func finding() *findings.Finding {
	tool := &findings.Tool{Name: "gosec", Version: "2.21"}
	return &findings.Finding{
		ID: "0123456789abcdef", Tool: tool,
		Rule:     &findings.Rule{ID: "G204", Name: "Subprocess launched with variable", CWEs: []string{"CWE-78"}, Tool: tool},
		Severity: findings.SevHigh, SevFrom: "security-severity 8.1", Stage: findings.StageCode,
		StageReason: "sast tool", Message: "Subprocess launched with a potential tainted input \x1b]0;pwn\x07or cmd arguments",
		Loc:     findings.Location{Path: "main.go", InRepo: true, Line: 6, Col: 9, EndLine: 6, EndCol: 41, Snippet: `cmd := exec.Command("sh", "-c", user)`},
		CWEs:    []string{"CWE-78"},
		Sources: []findings.Source{{File: "gosec.sarif", Tool: tool}},
	}
}

func TestReadCode(t *testing.T) {
	root := repo(t)
	f := finding()
	c := ReadCode(root, f.Loc, 2, "")
	if c.Note != "" || c.First != 4 || len(c.Plain) != 5 || c.HLStart != 6 || !strings.Contains(c.Plain[2], "exec.Command") {
		t.Fatalf("code = %+v", c)
	}
	// lines inserted above: the snippet moved
	if err := os.WriteFile(filepath.Join(root, "main.go"), []byte("// a\n// b\n"+goSrc), 0o644); err != nil {
		t.Fatal(err)
	}
	if c := ReadCode(root, f.Loc, 2, ""); !strings.Contains(c.Note, "now at line 8") {
		t.Fatalf("moved note = %q", c.Note)
	}
	loc := f.Loc
	loc.Path = "gone.go"
	if c := ReadCode(root, loc, 2, ""); !strings.Contains(c.Note, "not found") {
		t.Fatalf("missing note = %q", c.Note)
	}
	loc.Path = "../etc/passwd"
	if c := ReadCode(root, loc, 2, ""); c.Err == nil || len(c.Plain) != 0 {
		t.Fatalf("read outside root: %+v", c)
	}
	outside := t.TempDir()
	_ = os.WriteFile(filepath.Join(outside, "secret"), []byte("s3cret\n"), 0o644)
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "link.go")); err != nil {
		t.Fatal(err)
	}
	loc.Path = "link.go"
	if c := ReadCode(root, loc, 2, ""); c.Err == nil || len(c.Plain) != 0 {
		t.Fatalf("followed a symlink out of the repo: %+v", c)
	}
	// Through the one confinement (repofs): never .git, with the reason shown.
	if err := os.MkdirAll(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(root, ".git", "config"), []byte("[remote \"origin\"]\n\turl = https://user:token@example.com/x\n"), 0o644)
	if err := os.Symlink(outside, filepath.Join(root, "etc")); err != nil {
		t.Fatal(err)
	}
	for path, note := range map[string]string{
		".git/config":        "refused: path is inside .git",
		`.git\config`:        "refused: path is inside .git",
		"src/../.git/config": "refused: path is inside .git",
		"etc/secret":         "refused: symlink leads out of the repository",
		"link.go":            "refused: symlink leads out of the repository",
		"/etc/passwd":        "refused: absolute path",
	} {
		loc.Path = path
		c := ReadCode(root, loc, 2, "")
		if !strings.HasPrefix(c.Note, note) || len(c.Plain) != 0 {
			t.Errorf("%s: note %q, %d lines shown; want %q", path, c.Note, len(c.Plain), note)
		}
	}
	fifo := filepath.Join(root, "pipe.go")
	if mkfifo(fifo) == nil { // a FIFO must not block the pane
		loc.Path = "pipe.go"
		if c := ReadCode(root, loc, 2, ""); !strings.Contains(c.Note, "not a regular file") {
			t.Errorf("fifo: note %q", c.Note)
		}
	}
	if c := ReadCode(root, f.Loc, 2, "monokai"); len(c.Colored) != len(c.Plain) || !strings.Contains(strings.Join(c.Colored, "\n"), "\x1b[") {
		t.Fatalf("no syntax colour: %q", c.Colored)
	} else if got := ansi.Strip(strings.Join(c.Colored, "\n")); got != strings.Join(c.Plain, "\n") {
		t.Fatalf("colouring changed the text: %q, want %q", got, c.Plain)
	}
}

func TestFixDiff(t *testing.T) {
	root := repo(t)
	got := FixDiff(root, findings.Fix{Changes: []findings.FileChange{{Path: "main.go", InRepo: true, Replacements: []findings.Replacement{
		{StartLine: 6, StartCol: 34, EndLine: 6, EndCol: 38, Inserted: `shellescape(user)`, ByteOffset: -1},
	}}}})
	want := []string{"--- main.go", "@@ line 6 @@", "- cmd := exec.Command(\"sh\", \"-c\", user)", "+ cmd := exec.Command(\"sh\", \"-c\", shellescape(user))"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("diff:\n%s", strings.Join(got, "\n"))
	}
}

func data(t *testing.T) Data {
	root := repo(t)
	f := finding()
	return Data{
		F:    f,
		Code: ReadCode(root, f.Loc, 2, ""),
		Details: &findings.Details{
			Related: []findings.Location{{Path: "main.go", Line: 11, Message: "caller"}},
			Flows: []findings.Flow{{Steps: []findings.FlowStep{
				{Loc: findings.Location{Path: "main.go", InRepo: true, Line: 11, Message: "os.Args read"}},
				{Loc: findings.Location{Path: "main.go", InRepo: true, Line: 5, Message: "parameter user"}},
				{Loc: findings.Location{Path: "main.go", InRepo: true, Line: 6, Message: "reaches exec.Command"}},
			}}},
		},
		Step: -1,
		Help: "Do not pass user input to a shell.",
	}
}

func TestView(t *testing.T) {
	st := theme.New(theme.DefaultPalette(), true, false)
	m := New(st, keys.Default())
	m.SetSize(70, 40)
	m.Focus()
	m.SetData(data(t))
	v := m.View()
	if strings.Contains(v, "\x1b]0;") || strings.Contains(v, "pwn\x07") {
		t.Fatal("control sequence from SARIF reached the screen")
	}
	for i, l := range strings.Split(v, "\n") {
		if w := ansi.StringWidth(l); w > 70 {
			t.Errorf("line %d too wide (%d)", i, w)
		}
	}
	golden.RequireEqual(t, v)
}

func TestWalkFlow(t *testing.T) {
	st := theme.New(theme.DefaultPalette(), true, true)
	m := New(st, keys.Default())
	m.SetSize(70, 20)
	m.SetData(data(t))
	if !m.StepBy(1) || m.Data().Flow != 0 || m.Data().Step != 0 {
		t.Fatalf("first step: %+v", m.Data())
	}
	m.StepBy(1)
	m.StepBy(1)
	if m.StepBy(1) || m.Data().Step != 2 {
		t.Fatalf("stepped past the end: %d", m.Data().Step)
	}
	if m.YOffset() == 0 {
		t.Fatal("did not scroll to the step")
	}
	if !strings.Contains(ansi.Strip(m.View()), "▶  3. main.go:6") {
		t.Fatalf("current step not marked:\n%s", ansi.Strip(m.View()))
	}
	m.StepBy(-1)
	if m.Data().Step != 1 {
		t.Fatalf("back: %d", m.Data().Step)
	}
	m, _ = m.Update(tea.KeyPressMsg{Code: 'g', Text: "g"})
	if m.YOffset() != 0 {
		t.Fatal("g did not scroll to top")
	}
	m, _ = m.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
	m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	if m.YOffset() != 2 {
		t.Fatalf("j/down offset %d", m.YOffset())
	}
	m, _ = m.Update(tea.KeyPressMsg{Code: 'G', Text: "G"})
	bottom := m.YOffset()
	m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyPgUp})
	if m.YOffset() >= bottom {
		t.Fatal("pgup did not scroll")
	}
	m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyPgDown})
	m, _ = m.Update(tea.KeyPressMsg{Code: 'k', Text: "k"})
	if m.YOffset() != bottom-1 {
		t.Fatalf("pgdown/k offset %d want %d", m.YOffset(), bottom-1)
	}
}

func TestCWEURL(t *testing.T) {
	if CWEURL("CWE-79") != "https://cwe.mitre.org/data/definitions/79.html" || CWEURL("CWE-x") != "" || CWEURL("79") != "" {
		t.Fatal("CWEURL")
	}
}

// The pane's View re-used from its memo is what rendering it afresh gives,
// after every change it depends on.
func TestViewMemoMatchesFreshView(t *testing.T) {
	st := theme.New(theme.DefaultPalette(), true, false)
	m := New(st, keys.Default())
	check := func(step string) {
		t.Helper()
		if got, want := m.View(), m.view(); got != want {
			t.Fatalf("%s: memo differs from a fresh view\nmemo:\n%s\nfresh:\n%s", step, ansi.Strip(got), ansi.Strip(want))
		}
	}
	check("no size")
	m.SetSize(70, 20)
	check("sized")
	d := data(t)
	m.SetData(d)
	check("data")
	_ = m.View()
	m.Focus()
	check("focused")
	m.StepBy(1)
	check("step")
	m.SetSize(70, 8)
	check("short")
	y := m.YOffset()
	m, _ = m.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
	if m.YOffset() == y {
		t.Fatal("j did not scroll")
	}
	check("scrolled")
	m.Blur()
	check("blurred")
	m.SetSize(60, 25)
	check("resized")
	m.SetStyles(theme.New(theme.DefaultPalette(), false, false))
	check("light")
	d.Loading = false
	d.Help = "Validate input."
	m.SetData(d)
	check("help")
	m.SetData(Data{Step: -1})
	check("no finding")
}
