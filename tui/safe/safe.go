// Package safe makes untrusted text (everything read from SARIF, file contents,
// tool output) safe to put on a terminal. It is the console's name for the
// engine's sanitizers (findings.SanitizeLine and findings.SanitizeText).
package safe

import "github.com/secui/secui/findings"

// Line returns s for display on one line: escape sequences are stripped, control
// characters (newlines and tabs included) become single spaces, and bidi
// overrides (Trojan Source) are dropped. Clean input is returned without copying.
func Line(s string) string { return findings.SanitizeLine(s) }

// Text is like Line but keeps newlines; tabs become four spaces.
func Text(s string) string { return findings.SanitizeText(s) }
