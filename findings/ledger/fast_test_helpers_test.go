package ledger

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

type yamlNode = yaml.Node

func unmarshalYAML(b []byte, n *yaml.Node) error { return yaml.Unmarshal(b, n) }

func dumpNode(n *yaml.Node) string {
	var b strings.Builder
	var rec func(n *yaml.Node, d int)
	rec = func(n *yaml.Node, d int) {
		fmt.Fprintf(&b, "%s%d %d:%d %q\n", strings.Repeat(" ", d), n.Kind, n.Line, n.Column, n.Value)
		for _, c := range n.Content {
			rec(c, d+1)
		}
	}
	rec(n, 0)
	return b.String()
}
