// Package checkmap knows which check ids of different scanners name the
// same check. Today: tfsec and Trivy's misconfiguration scanner, which run
// the same check library (github.com/aquasecurity/trivy-checks) under two id
// schemes. The table is generated from that library's own metadata
// (gen.go); nothing here is written by hand.
package checkmap

//go:generate go run gen.go -version v1.10.0 -o table_gen.go

import "strings"

// Canonical returns the canonical check id ("AWS-0026") for a tfsec id
// ("aws-ebs-enable-volume-encryption") or a Trivy id ("AVD-AWS-0026",
// "AWS-0026"), and false when the id is neither.
func Canonical(id string) (string, bool) {
	if c, ok := legacy[strings.ToLower(id)]; ok {
		return c, true
	}
	u := strings.ToUpper(id)
	u = strings.TrimPrefix(u, "AVD-")
	if i := strings.IndexByte(u, '-'); i > 0 && i < len(u)-1 && strings.IndexByte(u[i+1:], '-') < 0 && isDigits(u[i+1:]) {
		if knownCanon[u] {
			return u, true
		}
	}
	return "", false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// knownCanon are the canonical ids the table names.
var knownCanon = func() map[string]bool {
	m := make(map[string]bool, len(legacy))
	for _, c := range legacy {
		m[c] = true
	}
	return m
}()

// Len is the number of tfsec ids in the table.
func Len() int { return len(legacy) }
