package ledger

import (
	"bytes"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// fastParseV1 builds the YAML node tree of a ledger file written in the exact
// layout secui wrote for schema version 1, about 20x faster than the
// general YAML parser. It returns false for anything else (hand edits in
// another YAML style, comments inside records, block scalars ...), and the
// caller then falls back to the full YAML parser. Both paths feed the same
// validator, so errors and results are identical.
func fastParseV1(data []byte) (*yaml.Node, bool) {
	sl := &nodeSlab{}
	root := &yaml.Node{Kind: yaml.MappingNode, Line: 1, Column: 1}
	var decisions *yaml.Node // sequence
	var rec *yaml.Node       // current record mapping
	var list *yaml.Node      // current keys/tickets/history sequence
	var ev *yaml.Node        // current history event mapping
	listKind := ""
	line := 0
	for len(data) > 0 {
		line++
		var ln []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			ln, data = data[:i], data[i+1:]
		} else {
			ln, data = data, nil
		}
		if len(ln) == 0 || ln[0] == '#' {
			if rec != nil && len(ln) > 0 {
				return nil, false
			}
			continue
		}
		if bytes.IndexByte(ln, '\r') >= 0 || bytes.IndexByte(ln, '\t') >= 0 {
			return nil, false
		}
		s := string(ln)
		switch {
		case !strings.HasPrefix(s, " ") && !strings.HasPrefix(s, "-"):
			if rec != nil {
				return nil, false
			}
			k, v, ok := sl.splitKV(s, line, 1)
			if !ok {
				return nil, false
			}
			if len(root.Content) == 0 {
				root.Line = line
			}
			switch {
			case k.Value == "decisions" && v == nil:
				if decisions != nil {
					return nil, false
				}
				decisions = &yaml.Node{Kind: yaml.SequenceNode, Line: line + 1, Column: 1}
				root.Content = append(root.Content, k, decisions)
			case k.Value == "decisions" && v.Value == "[]" && v.Style == 0:
				root.Content = append(root.Content, k, &yaml.Node{Kind: yaml.SequenceNode, Line: line, Column: v.Column})
			case k.Value == "version" && (v == nil || v.Value != "1"):
				return nil, false // only for version 1 files
			case v != nil:
				root.Content = append(root.Content, k, v)
			default:
				return nil, false
			}
		case strings.HasPrefix(s, "- "):
			if decisions == nil {
				return nil, false
			}
			rec = sl.new(yaml.Node{Kind: yaml.MappingNode, Line: line, Column: 3})
			decisions.Content = append(decisions.Content, rec)
			list, ev = nil, nil
			k, v, ok := sl.splitKV(s[2:], line, 3)
			if !ok || v == nil {
				return nil, false
			}
			rec.Content = append(rec.Content, k, v)
		case strings.HasPrefix(s, "      ") && ev != nil:
			k, v, ok := sl.splitKV(s[6:], line, 7)
			if !ok || v == nil {
				return nil, false
			}
			ev.Content = append(ev.Content, k, v)
		case strings.HasPrefix(s, "    - ") && list != nil:
			if listKind == "history" {
				ev = sl.new(yaml.Node{Kind: yaml.MappingNode, Line: line, Column: 7})
				list.Content = append(list.Content, ev)
				k, v, ok := sl.splitKV(s[6:], line, 7)
				if !ok || v == nil {
					return nil, false
				}
				ev.Content = append(ev.Content, k, v)
			} else {
				v, ok := sl.scalar(s[6:], line, 7)
				if !ok {
					return nil, false
				}
				list.Content = append(list.Content, v)
			}
		case strings.HasPrefix(s, "  ") && !strings.HasPrefix(s, "   ") && rec != nil:
			k, v, ok := sl.splitKV(s[2:], line, 3)
			if !ok {
				return nil, false
			}
			list, ev = nil, nil
			if v == nil {
				list = sl.new(yaml.Node{Kind: yaml.SequenceNode, Line: line + 1, Column: 5})
				listKind = k.Value
				v = list
			}
			rec.Content = append(rec.Content, k, v)
		default:
			return nil, false
		}
	}
	if decisions == nil && len(root.Content) == 0 {
		return nil, false
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Line: root.Line, Column: 1, Content: []*yaml.Node{root}}, true
}

// nodeSlab hands out yaml.Nodes from chunks (one allocation per 1024 nodes).
type nodeSlab struct{ buf []yaml.Node }

func (s *nodeSlab) new(n yaml.Node) *yaml.Node {
	if len(s.buf) == cap(s.buf) {
		s.buf = make([]yaml.Node, 0, 1024)
	}
	s.buf = append(s.buf, n)
	return &s.buf[len(s.buf)-1]
}

func isKey(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && c != '-' {
			return false
		}
	}
	return true
}

// splitKV splits "key: value" (value nil for "key:").
func (sl *nodeSlab) splitKV(s string, line, col int) (*yaml.Node, *yaml.Node, bool) {
	i := strings.IndexByte(s, ':')
	if i <= 0 || !isKey(s[:i]) {
		return nil, nil, false
	}
	k := sl.new(yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s[:i], Line: line, Column: col})
	rest := s[i+1:]
	if rest == "" {
		return k, nil, true
	}
	if rest[0] != ' ' || len(rest) < 2 {
		return nil, nil, false
	}
	v, ok := sl.scalar(rest[1:], line, col+i+2)
	return k, v, ok
}

// isPlainV1 reports whether s is a plain scalar of the canonical layout:
// ^[A-Za-z0-9_./()@<>+][A-Za-z0-9 _./()@<>+=,:'-]*$ or "[]".
func isPlainV1(s string) bool {
	if s == "[]" {
		return true
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '_' || c == '.' || c == '/' || c == '(' || c == ')' || c == '@' || c == '<' || c == '>' || c == '+':
		case i > 0 && (c == ' ' || c == '=' || c == ',' || c == ':' || c == '\'' || c == '-'):
		default:
			return false
		}
	}
	return true
}

func (sl *nodeSlab) scalar(s string, line, col int) (*yaml.Node, bool) {
	n := sl.new(yaml.Node{Kind: yaml.ScalarNode, Line: line, Column: col})
	if strings.HasPrefix(s, `"`) {
		u, err := strconv.Unquote(s)
		if err != nil {
			return nil, false
		}
		n.Value, n.Style, n.Tag = u, yaml.DoubleQuotedStyle, "!!str"
		return n, true
	}
	if !isPlainV1(s) || strings.HasSuffix(s, " ") || strings.Contains(s, " #") || strings.Contains(s, ": ") || strings.HasSuffix(s, ":") {
		return nil, false
	}
	switch strings.ToLower(s) {
	case "null", "~":
		n.Tag = "!!null"
	}
	n.Value = s
	return n, true
}
