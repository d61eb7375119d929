package findings

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSkipValueAgreesWithEncodingJSON(t *testing.T) {
	cases := []struct{ in, err string }{
		{`{}`, ""}, {`[]`, ""}, {`{"a":[1,{"b":null}],"c":"x\"y"}`, ""}, {`[[[]],{}]`, ""},
		{`{ , "a":1}`, "invalid character ',', expected a string key"},
		{`{"a" 1}`, "after object key, expected ':'"},
		{`{"a":1 "b":2}`, "after object value, expected ',' or '}'"},
		{`[1 2]`, "after array element, expected ',' or ']'"},
		{`[1,]`, "expected a value"},
		{`{"a":1]`, "after object value, expected ',' or '}'"},
		{`[{"a":1}`, "unexpected end of input inside an array"},
		{`{"a":[1}`, "after array element"},
	}
	for _, c := range cases {
		end, err := skipValue([]byte(c.in), 0)
		valid := json.Valid([]byte(c.in))
		if c.err == "" {
			if err != nil || end != len(c.in) || !valid {
				t.Errorf("%s: end %d err %v (encoding/json valid: %v)", c.in, end, err, valid)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.err) || valid {
			t.Errorf("%s: err %v, want %q", c.in, err, c.err)
		}
	}
}
