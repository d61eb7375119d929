package config

import (
	"os"
	"strings"
	"testing"
)

// The README shows the example configuration verbatim.
func TestReadmeShowsExample(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Skip("README.md not found")
	}
	if !strings.Contains(string(b), "```yaml\n"+Example()+"```") {
		t.Error("README.md's configuration section differs from config.Example(); paste the new example")
	}
}
