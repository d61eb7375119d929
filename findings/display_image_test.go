package findings

import (
	"strings"
	"testing"
)

// looksLikeImage's colon/at pre-check changes no answer: the same as the
// regular expression and the archive prefixes alone, on file paths, image
// references and near misses.
func TestLooksLikeImagePrecheck(t *testing.T) {
	full := func(p string) bool {
		if strings.ContainsAny(p, " \\") {
			return false
		}
		if imageRefRe().MatchString(p) {
			return true
		}
		lp := strings.ToLower(p)
		return strings.HasPrefix(lp, "oci:") || strings.HasPrefix(lp, "docker://") || strings.HasPrefix(lp, "docker-archive:")
	}
	cases := []string{
		"", "main.go", "cmd/api/file_0377.java", "alpine", "library/alpine", "a/b/c",
		"alpine:3.10", "ghcr.io/acme/payments:1.4.2", "localhost:5000/app:v1",
		"repo@sha256:" + strings.Repeat("ab", 32), "app:v1@sha256:" + strings.Repeat("0f", 32),
		"OCI:layout", "oci:/tmp/img", "docker://alpine", "docker-archive:img.tar", "Docker-Archive:x",
		"src/a:b.go", "C:\\x", "file:///a/b", "a@b", "@", ":", "x:", "name@", "ALPINE:3",
	}
	for _, p := range cases {
		if got, want := looksLikeImage(p), full(p); got != want {
			t.Errorf("looksLikeImage(%q) = %v, want %v", p, got, want)
		}
	}
}
