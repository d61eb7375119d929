package gitrepo

import (
	"strings"
	"testing"
)

// FuzzParseRemoteURL checks that parsing never panics and that a password
// planted in the user info never comes back in any field or in RedactURL.
func FuzzParseRemoteURL(f *testing.F) {
	for _, s := range []string{"github.com/o/r.git", "host:22/o/r", "[::1]/o/r", "h/o/r/", "h:o/r?x#y"} {
		f.Add("https", s)
		f.Add("ssh", s)
	}
	f.Fuzz(func(t *testing.T, scheme, rest string) {
		const pw = "Zq9SECRETpw"
		in := scheme + "://user:" + pw + "@" + rest
		h, o, r, err := ParseRemoteURL(in)
		for _, s := range []string{h, o, r, RedactURL(in)} {
			if strings.Contains(s, pw) {
				t.Fatalf("%q leaked the password: %q", in, s)
			}
		}
		if err != nil && strings.Contains(err.Error(), pw) {
			t.Fatalf("%q: error leaks the password: %v", in, err)
		}
		ParseRemoteURL(rest)
		RedactURL(rest)
	})
}
