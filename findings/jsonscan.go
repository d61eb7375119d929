package findings

import (
	"bytes"
	"fmt"
)

// A tiny structural JSON scanner. It finds the byte ranges of values without
// decoding them, so that the big `results` arrays of a SARIF log can be split into
// elements and decoded in parallel, and so that a malformed file can be reported
// with a precise position. Full validation of each element is left to the decoder.

type scanError struct {
	off   int
	msg   string
	limit bool // a limit refused the input (not a syntax error)
}

func (e *scanError) Error() string { return fmt.Sprintf("offset %d: %s", e.off, e.msg) }

func errAt(off int, format string, a ...any) error {
	return &scanError{off: off, msg: fmt.Sprintf(format, a...)}
}

func isWS(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func skipWS(d []byte, i int) int {
	for i < len(d) && isWS(d[i]) {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at d[i] == '"'.
func skipString(d []byte, i int) (int, error) {
	start := i
	i++
	for {
		j := bytes.IndexByte(d[i:], '"')
		if j < 0 {
			return 0, errAt(start, "unterminated string")
		}
		i += j
		// count preceding backslashes
		k := i - 1
		for k > start && d[k] == '\\' {
			k--
		}
		if (i-1-k)%2 == 0 {
			return i + 1, nil
		}
		i++
	}
}

func describe(d []byte, i int) string {
	if i >= len(d) {
		return "end of input"
	}
	c := d[i]
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// skipValue returns the index just past the JSON value starting at d[i] (after
// whitespace).
func skipValue(d []byte, i int) (int, error) {
	i = skipWS(d, i)
	if i >= len(d) {
		return 0, errAt(i, "unexpected end of input, expected a value")
	}
	switch c := d[i]; c {
	case '"':
		return skipString(d, i)
	case '{', '[':
		return skipComposite(d, i)
	case 't':
		return skipLit(d, i, "true")
	case 'f':
		return skipLit(d, i, "false")
	case 'n':
		return skipLit(d, i, "null")
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			j := i + 1
			for j < len(d) && (d[j] >= '0' && d[j] <= '9' || d[j] == '.' || d[j] == 'e' || d[j] == 'E' || d[j] == '+' || d[j] == '-') {
				j++
			}
			return j, nil
		}
		return 0, errAt(i, "invalid character %s looking for beginning of value", describe(d, i))
	}
}

func skipLit(d []byte, i int, lit string) (int, error) {
	if bytes.HasPrefix(d[i:], []byte(lit)) {
		return i + len(lit), nil
	}
	return 0, errAt(i, "invalid literal, expected %s", lit)
}

// skipComposite skips an object or array, checking bracket nesting and the
// placement of commas and colons.
func skipComposite(d []byte, i int) (int, error) {
	const (
		wantFirst        = iota // just after '{' or '[': a member or the close
		wantCommaOrClose        // after a member
		wantKey
		wantColon
		wantValue
	)
	var stack []byte
	state := wantValue // d[i] is the opening bracket
	for ; i < len(d); i++ {
		c := d[i]
		if isWS(c) {
			continue
		}
		inObj := len(stack) > 0 && stack[len(stack)-1] == '{'
		member := wantValue
		closer, after := byte(']'), "array element"
		if inObj {
			member, closer, after = wantKey, '}', "object value"
		}
		if state == wantFirst || state == wantCommaOrClose {
			switch {
			case c == closer:
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return i + 1, nil
				}
				state = wantCommaOrClose
				continue
			case state == wantFirst:
				state = member // and read c as its start below
			case c == ',':
				state = member
				continue
			default:
				return 0, errAt(i, "invalid character %s after %s, expected ',' or '%c'", describe(d, i), after, closer)
			}
		}
		switch state {
		case wantKey:
			if c != '"' {
				return 0, errAt(i, "invalid character %s, expected a string key", describe(d, i))
			}
			j, err := skipString(d, i)
			if err != nil {
				return 0, err
			}
			i, state = j-1, wantColon
		case wantColon:
			if c != ':' {
				return 0, errAt(i, "invalid character %s after object key, expected ':'", describe(d, i))
			}
			state = wantValue
		case wantValue:
			switch c {
			case '{', '[':
				if len(stack) > 10000 {
					return 0, errAt(i, "nesting too deep")
				}
				stack = append(stack, c)
				state = wantFirst
			case '}', ']':
				return 0, errAt(i, "invalid character %s, expected a value", describe(d, i))
			default:
				j, err := skipValue(d, i)
				if err != nil {
					return 0, err
				}
				i, state = j-1, wantCommaOrClose
			}
		}
	}
	what := "an array"
	if len(stack) > 0 && stack[len(stack)-1] == '{' {
		what = "an object"
	}
	return 0, errAt(len(d), "unexpected end of input inside %s", what)
}

// skipFast skips an object or array by tracking only strings and bracket
// depth. It is used for result elements, which the decoder validates fully.
func skipFast(d []byte, i int) (int, error) {
	start := i
	depth := 0
	for i < len(d) {
		switch d[i] {
		case '"':
			j, err := skipString(d, i)
			if err != nil {
				return 0, err
			}
			i = j
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		}
		i++
	}
	return 0, errAt(start, "unexpected end of input inside %s", kindAt(d, start))
}

// eachKeyInline calls fn for each member of the object starting at d[i]
// (after whitespace) with the raw key (without quotes; escapes not decoded)
// and the value's range, and returns the index just past the object.
// inline(key, vs) may consume a value itself and return its end (or -1 to
// let eachKeyInline skip it and call fn).
func eachKeyInline(d []byte, i int, inline func(key []byte, vs int) (int, error), fn func(key []byte, vs, ve int) error) (int, error) {
	i = skipWS(d, i)
	if i >= len(d) || d[i] != '{' {
		return 0, errAt(i, "expected an object, found %s", kindAt(d, i))
	}
	i = skipWS(d, i+1)
	if i < len(d) && d[i] == '}' {
		return i + 1, nil
	}
	for {
		i = skipWS(d, i)
		if i >= len(d) || d[i] != '"' {
			return 0, errAt(i, "invalid character %s, expected a string key", describe(d, i))
		}
		ke, err := skipString(d, i)
		if err != nil {
			return 0, err
		}
		key := d[i+1 : ke-1]
		i = skipWS(d, ke)
		if i >= len(d) || d[i] != ':' {
			return 0, errAt(i, "invalid character %s after object key, expected ':'", describe(d, i))
		}
		vs := skipWS(d, i+1)
		ve := -1
		if inline != nil {
			if ve, err = inline(key, vs); err != nil {
				return 0, err
			}
		}
		if ve < 0 {
			if ve, err = skipValue(d, vs); err != nil {
				return 0, err
			}
			if err := fn(key, vs, ve); err != nil {
				return 0, err
			}
		}
		var done bool
		if i, done, err = afterMember(d, ve, '}'); done || err != nil {
			return i, err
		}
	}
}

// eachElemInline calls fn for each element of the array starting at d[i];
// fn consumes the element itself and returns its end, so it is scanned once.
func eachElemInline(d []byte, i int, fn func(idx, vs int) (int, error)) (int, error) {
	i = skipWS(d, i)
	if i >= len(d) || d[i] != '[' {
		return 0, errAt(i, "expected an array, found %s", kindAt(d, i))
	}
	i = skipWS(d, i+1)
	if i < len(d) && d[i] == ']' {
		return i + 1, nil
	}
	for n := 0; ; n++ {
		vs := skipWS(d, i)
		ve, err := fn(n, vs)
		if err != nil {
			return 0, err
		}
		var done bool
		if i, done, err = afterMember(d, ve, ']'); done || err != nil {
			return i, err
		}
	}
}

// afterMember reads what follows an object member or array element ending at
// ve: the closing bracket (done, with the index past it) or a comma (the index
// of the next member).
func afterMember(d []byte, ve int, closer byte) (int, bool, error) {
	what, after := "an object", "object value"
	if closer == ']' {
		what, after = "an array", "array element"
	}
	i := skipWS(d, ve)
	switch {
	case i >= len(d):
		return 0, false, errAt(i, "unexpected end of input inside %s", what)
	case d[i] == closer:
		return i + 1, true, nil
	case d[i] != ',':
		return 0, false, errAt(i, "invalid character %s after %s, expected ',' or '%c'", describe(d, i), after, closer)
	}
	return i + 1, false, nil
}

// eachElemOpt calls fn with each element's range; with fast, composite elements are skipped with
// skipFast (their content is validated later by the decoder).
func eachElemOpt(d []byte, i int, fast bool, fn func(idx, vs, ve int) error) (int, error) {
	return eachElemInline(d, i, func(n, vs int) (int, error) {
		var ve int
		var err error
		if fast && vs < len(d) && (d[vs] == '{' || d[vs] == '[') {
			ve, err = skipFast(d, vs)
		} else {
			ve, err = skipValue(d, vs)
		}
		if err != nil {
			return 0, err
		}
		return ve, fn(n, vs, ve)
	})
}

// kindAt names the kind of JSON value at d[i].
func kindAt(d []byte, i int) string {
	i = skipWS(d, i)
	if i >= len(d) {
		return "end of input"
	}
	switch c := d[i]; {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "a number"
	}
	return describe(d, i)
}

// lineCol converts a byte offset to a 1-based line and column (in bytes).
func lineCol(d []byte, off int) (int, int) {
	if off > len(d) {
		off = len(d)
	}
	line := 1 + bytes.Count(d[:off], []byte{'\n'})
	last := bytes.LastIndexByte(d[:off], '\n')
	return line, off - last
}

// checkLimits checks an in-memory document against the token and depth
// limits before it is parsed (the streaming scanner checks them as it goes).
// It returns the offset of the first violation and what it is.
func checkLimits(d []byte, maxToken int64, maxDepth int) (int, string, bool) {
	if int64(len(d)) <= maxToken && len(d) <= maxDepth {
		return 0, "", true
	}
	depth := 0
	tok := -1 // start of the current number or literal
	for i := 0; i < len(d); i++ {
		c := d[i]
		switch c {
		case '"':
			tok = -1
			j, err := skipString(d, i)
			if err != nil {
				return 0, "", true // the parser reports it
			}
			if int64(j-i-2) > maxToken {
				return i, limitMsg("a string longer than", maxToken, "max-token"), false
			}
			i = j - 1
			continue
		case '{', '[':
			depth++
			if depth > maxDepth {
				return i, fmt.Sprintf("nesting deeper than %d levels (limits.max-depth)", maxDepth), false
			}
		case '}', ']':
			depth--
		}
		switch c {
		case ' ', '\n', '\r', '\t', ':', ',', '{', '[', '}', ']':
			tok = -1
		default:
			if tok < 0 {
				tok = i
			} else if int64(i-tok+1) > maxToken {
				return tok, limitMsg("a number or literal longer than", maxToken, "max-token"), false
			}
		}
	}
	return 0, "", true
}
