package findings

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// evil holds every kind of character a terminal acts on: an OSC 52
// clipboard write, a CSI colour, an 8-bit CSI (C1), a right-to-left override
// and an isolate (Trojan Source), DEL, NEL, a line separator, a NUL.
const evil = "\x1b]52;c;cGFzdGU=\x07\x1b[31mred\u009b2J\u202eevil\u2066x\x7f\u0085\u2028\x00end"

// hostileFieldsSARIF puts evil in every field secui displays.
func hostileFieldsSARIF() string {
	e, _ := json.Marshal(evil)
	q := string(e)
	q2 := strings.Trim(q, `"`)
	r := strings.NewReplacer("EVIL", q2)
	return r.Replace(`{"version":"2.1.0","runs":[{
 "tool":{"driver":{"name":"EVIL tool","version":"EVIL","semanticVersion":"EVIL","informationUri":"https://x/EVIL",
  "rules":[{"id":"R1EVIL","name":"EVIL","shortDescription":{"text":"EVIL"},"fullDescription":{"text":"EVIL"},
   "help":{"text":"EVIL","markdown":"# EVIL"},"helpUri":"https://x/EVIL","defaultConfiguration":{"level":"errorEVIL"},
   "properties":{"tags":["EVIL","external/cwe/cwe-79"],"security-severity":"9.8","problem.severity":"EVIL","severity":"EVIL"},
   "messageStrings":{"m":{"text":"EVIL {0}"}}}]}},
 "automationDetails":{"id":"EVIL"},
 "results":[{"ruleId":"R1EVIL","ruleIndex":0,"message":{"text":"EVIL [link](1) {0}","arguments":["EVIL"]},
  "locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/EVIL.go"},"region":{"startLine":1,"snippet":{"text":"EVIL"}}},
   "logicalLocations":[{"name":"EVIL","fullyQualifiedName":"EVIL"}],"message":{"text":"EVIL"}}],
  "relatedLocations":[{"physicalLocation":{"artifactLocation":{"uri":"EVIL"}},"message":{"text":"EVIL"}}],
  "codeFlows":[{"message":{"text":"EVIL"},"threadFlows":[{"message":{"text":"EVIL"},"locations":[{"kinds":["EVIL"],"importance":"EVIL",
   "location":{"physicalLocation":{"artifactLocation":{"uri":"EVIL"},"region":{"startLine":2}},"message":{"text":"EVIL"}}}]}]}],
  "fixes":[{"description":{"text":"EVIL"},"artifactChanges":[{"artifactLocation":{"uri":"src/EVIL.go"},
   "replacements":[{"deletedRegion":{"startLine":1},"insertedContent":{"text":"EVIL"}}]}]}],
  "suppressions":[{"kind":"inSource","status":"rejected","justification":"EVIL"}],
  "baselineState":"EVIL","level":"EVIL","kind":"fail",
  "properties":{"tags":["EVIL"],"security-severity":"EVIL 9.8"},
  "partialFingerprints":{"k":"EVIL"}},
 {"ruleId":"R1EVIL","message":{"id":"m","arguments":["EVIL"]},"analysisTarget":{"uri":"EVIL"}}]}]}`)
}

// dirty reports a character no displayed string may keep.
func dirty(s string) (rune, bool) {
	for _, r := range s {
		switch {
		case r < 0x20 && r != '\n' && r != '\t', r == 0x7f, r >= 0x80 && r <= 0x9f, isBidi(r), r == 0x2028, r == 0x2029, r == utf8.RuneError && !strings.ContainsRune(s, '\uFFFD'):
			return r, true
		}
	}
	return 0, false
}

// walkStrings calls fn with every exported string reachable from v.
func walkStrings(v reflect.Value, path string, seen map[uintptr]bool, fn func(path, s string)) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		walkStrings(v.Elem(), path, seen, fn)
	case reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), path, seen, fn)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if f := v.Type().Field(i); f.IsExported() {
				walkStrings(v.Field(i), path+"."+f.Name, seen, fn)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walkStrings(v.Index(i), path+"[]", seen, fn)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			walkStrings(k, path+"{key}", seen, fn)
			walkStrings(v.MapIndex(k), path+"{}", seen, fn)
		}
	case reflect.String:
		fn(path, v.String())
	}
}

// rawByDesign are the fields kept exactly as the SARIF wrote them because
// they are not displayed but checked or written: fix planning compares
// snippets byte for byte, refuses inserted text with control or bidi
// characters (findings/fix TestUnsafeInsertedTextRefused) and opens Local
// only through repofs, which refuses paths with control characters.
var rawByDesign = map[string]bool{
	"Details.Fixes[].Changes[].Local":                   true,
	"Details.Fixes[].Changes[].Replacements[].Inserted": true,
	"Details.Fixes[].Changes[].Replacements[].Snippet":  true,
	"Details.Scanned[].Local":                           true,
	"Details.Scanned[].Snippet":                         true,
}

// Control and bidi characters in every displayed field are gone after
// ingest (findings, rules, tools, locations, details), in memory and
// streamed; and the rule id with a control character keeps its metadata.
func TestHostileFieldsSanitized(t *testing.T) {
	p := filepath.Join(t.TempDir(), "evil.sarif")
	writeFile(t, p, hostileFieldsSARIF())
	for _, th := range []int64{1, 1 << 40} {
		s := loadWithThreshold(t, p, th)
		if len(s.Errors) != 0 || len(s.Findings) != 2 {
			t.Fatalf("threshold %d: %d findings, errors %v", th, len(s.Findings), s.Errors)
		}
		check := func(what string, v any) {
			walkStrings(reflect.ValueOf(v), what, map[uintptr]bool{}, func(path, str string) {
				if rawByDesign[path] {
					return
				}
				if r, bad := dirty(str); bad {
					t.Errorf("threshold %d: %s = %q keeps %U", th, path, str, r)
				}
			})
		}
		for _, f := range s.Findings {
			check("Finding", f)
			d, err := s.Details(f)
			if err != nil {
				t.Fatal(err)
			}
			check("Details", d)
			// Looked up by the raw id: the rule's security-severity 9.8 holds.
			if f.Rule.Short == "" || f.Severity != SevCritical && f.Sources[0].Result == 1 {
				t.Errorf("threshold %d: rule metadata lost: rule %q short %q severity %v (%s)", th, f.Rule.ID, f.Rule.Short, f.Severity, f.SevFrom)
			}
			if !strings.HasPrefix(f.Rule.ID, "R1") || strings.ContainsRune(f.Rule.ID, 0x1b) {
				t.Errorf("rule id %q", f.Rule.ID)
			}
		}
	}
}

// A rule id with a control character keeps its metadata: looked up with
// the raw id, sanitised only for display.
func TestRuleLookupRawID(t *testing.T) {
	p := filepath.Join(t.TempDir(), "r.sarif")
	writeFile(t, p, `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t","rules":[
	 {"id":"CVE-1\u0007\u202e","shortDescription":{"text":"bell"},"properties":{"security-severity":"9.8"}},
	 {"id":"A/B\u001b[2J","shortDescription":{"text":"csi"},"defaultConfiguration":{"level":"error"}}]}},
	 "results":[{"ruleId":"CVE-1\u0007\u202e","message":{"text":"m"}},
	            {"ruleId":"A/B\u001b[2J/sub","message":{"text":"m"}},
	            {"ruleId":"CVE-1\u0007\u202e","ruleIndex":0,"message":{"text":"m2"}}]}]}`)
	for _, th := range []int64{1, 1 << 40} {
		s := loadWithThreshold(t, p, th)
		if len(s.Findings) != 3 {
			t.Fatalf("%d findings, errors %v", len(s.Findings), s.Errors)
		}
		for _, f := range s.Findings {
			switch f.Rule.Short {
			case "bell":
				if f.Severity != SevCritical || f.Rule.ID != "CVE-1" {
					t.Errorf("bell rule: severity %v (%s), id %q", f.Severity, f.SevFrom, f.Rule.ID)
				}
			case "csi":
				if f.Severity != SevHigh {
					t.Errorf("hierarchical id: severity %v", f.Severity)
				}
			default:
				t.Errorf("rule %q lost its descriptor", f.Rule.ID)
			}
		}
	}
}

// Every kind of path escape a SARIF log can write is refused by the one
// confinement: the content hash never reads outside the repository or
// inside .git (through a directory symlink it must not read /etc/passwd).
func TestPathEscapesNotHashed(t *testing.T) {
	repo := gitRepo(t)
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "passwd"), "root:x:0:0:root:/root:/bin/sh\n")
	writeFile(t, filepath.Join(repo, ".git", "config"), "[remote \"origin\"]\n\turl = https://user:token@example.com/x\n")
	writeFile(t, filepath.Join(repo, "src", "main.go"), "package main\n")
	if err := os.Symlink(outside, filepath.Join(repo, "etc")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "passwd"), filepath.Join(repo, "pw")); err != nil {
		t.Fatal(err)
	}
	uris := []string{
		"../../../../../../etc/passwd",    // ..
		"/etc/passwd",                     // absolute
		"file:///etc/passwd",              // file URI
		"etc/passwd",                      // directory symlink out
		"pw",                              // file symlink out
		".git/config",                     // .git
		".GIT/config",                     // .git, other case
		"src/../.git/config",              // .git after ..
		`..\..\..\etc\passwd`,             // backslashes
		`.git\config`,                     // backslash into .git
		"%2e%2e/%2e%2e/%2e%2e/etc/passwd", // percent-encoded ..
		".%67it/config",                   // percent-encoded .git
		"src%2f..%2f..%2f..%2fetc%2fpasswd",
		"file://" + filepath.ToSlash(filepath.Join(outside, "passwd")), // absolute outside, by file URI
	}
	var b strings.Builder
	b.WriteString(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[`)
	for i, u := range append(uris, "src/main.go") {
		if i > 0 {
			b.WriteString(",")
		}
		e, _ := json.Marshal(u)
		b.WriteString(`{"ruleId":"R","message":{"text":"m` + string(rune('a'+i)) + `"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":` + string(e) + `},"region":{"startLine":1}}}]}`)
	}
	b.WriteString("]}]}")
	p := filepath.Join(repo, "scan.sarif")
	writeFile(t, p, b.String())
	s := mustLoad(t, []string{p}, Options{Root: repo})
	if len(s.Findings) != len(uris)+1 {
		t.Fatalf("%d findings, errors %v", len(s.Findings), s.Errors)
	}
	hasher := newContentHasher(repo)
	hashed := 0
	for _, f := range s.Findings {
		h := hasher.hashFile(f.Loc.Path)
		if f.Loc.URI == "src/main.go" {
			if h == nil {
				t.Error("the file inside the repository is not hashed")
			}
			continue
		}
		if h != nil {
			hashed++
			t.Errorf("uri %q (path %q, in repo %v) was read for its content hash", f.Loc.URI, f.Loc.Path, f.Loc.InRepo)
		}
	}
	// The load itself fingerprinted nothing outside: the hashes it computed
	// are only those of src/main.go.
	for p := range newContentHasher(repo).hashes(s.Findings) {
		if p != "src/main.go" {
			t.Errorf("load hashed %q", p)
		}
	}
}
