package findings

import (
	"strings"
	"testing"
)

// TestKeyMemHoldsKeysOnce: a finding's first keys are written into its own
// bytes (keyMem), and a key handed out is never rewritten: keys computed
// again for the same finding (its place changed) leave the earlier strings
// as they were.
func TestKeyMemHoldsKeysOnce(t *testing.T) {
	var kb keyBuf
	f := &Finding{Tool: &Tool{Name: "gosec"}, Rule: &Rule{ID: "G101"}, Message: "hard-coded credential",
		Loc: Location{Path: "main.go", Line: 3, Col: 1, InRepo: true}}
	f.Keys = f.keyArr[:0:len(f.keyArr)]
	strongKeys(f, nil, fpMap{"primaryLocationLineHash:abc:1"}, &kb)
	if len(f.Keys) != 1 || f.fallback1 == "" {
		t.Fatalf("keys %q, fallback %q", f.Keys, f.fallback1)
	}
	inMem := func(s string) bool {
		return strings.Contains(string(f.keyMem[:]), s)
	}
	if !inMem(f.Keys[0]) || !inMem(f.fallback1) {
		t.Fatalf("keys %q and %q are not held in the finding (keyMem %q)", f.Keys[0], f.fallback1, f.keyMem[:])
	}
	k0, fb := strings.Clone(f.Keys[0]), strings.Clone(f.fallback1)
	held0, heldFB := f.Keys[0], f.fallback1
	f.Loc.Line = 9
	strongKeys(f, nil, fpMap{"primaryLocationLineHash:def:1"}, &kb)
	if f.fallback1 == fb {
		t.Fatalf("the fallback key did not change with the line: %q", fb)
	}
	if held0 != k0 || heldFB != fb {
		t.Fatalf("keys handed out were rewritten: %q -> %q, %q -> %q", k0, held0, fb, heldFB)
	}
}
