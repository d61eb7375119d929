// Package query parses and evaluates secui's filter language, and sorts,
// groups and summarises findings.
//
// # Query language
//
// A query is a list of terms separated by spaces. A finding matches when it
// matches every term (terms are AND-ed). All matching is case-insensitive.
//
//	sql injection            free text: both words must occur (substring)
//	"sql injection"          quoted text: the phrase must occur
//	sev:high                 severity exactly high
//	sev:high+                high or worse (high, critical)
//	sev:medium-              medium or lower (medium, low, info)
//	sev:critical,high        a list: any of the values (OR)
//	stage:code,build         DevSecOps stage: plan code build test release
//	                         deploy operate monitor
//	tool:gosec               tool name contains "gosec" (or a glob: tool:go*)
//	rule:G101                rule id equals G101 (or a glob: rule:G1*, rule:*sql*)
//	path:internal/           path contains "internal/"
//	path:internal/**         doublestar glob on the path
//	path:*.go                a glob without "/" also matches the file name
//	cwe:79                   has CWE-79 (cwe:CWE-79 works too)
//	state:open,accepted      triage state: open accepted suppressed fixed
//	cat:secrets              category: sast secrets sca iac container dast
//	                         license lint
//	kind:security            security or quality (lint, code quality: the
//	                         gate's --fail-on-quality)
//	id:3fa9                  finding id starts with 3fa9
//	vuln:CVE-2021-1234       vulnerability id (CVE, GHSA, ...; globs allowed)
//	pkg:lodash               package (name@version) contains "lodash"
//	is:new                   SARIF baselineState new (also unchanged,
//	                         updated, absent)
//	is:suppressed-in-sarif   suppressed by the SARIF input itself
//	has:cwe has:vuln has:pkg the finding has a CWE / vulnerability id / package
//	new:branch               introduced on this branch: by identity against a
//	                         scan of the merge base when one exists, else by
//	                         its line being changed since the merge base
//	                         (findings/branch; the caller binds it)
//	-term -field:value       negation: the finding must NOT match the term
//
// Field aliases: severity = sev, file = path, category = cat, cve = vuln,
// package = pkg.
//
// Free text is matched against the tool, rule id and name, path, message,
// CWEs, vulnerability id and package of a finding. A word whose text before
// the first colon is a plain word (letters, digits, "-", "_") is a field term,
// and an unknown field is an error; to search for such text, quote it:
// "http://example.com".
//
// Quotes may also wrap values (path:"my dir/**") and list items
// (path:"a b","c d"). Inside quotes, \" is a quote and \\ a backslash; a comma
// inside quotes, {braces} or [brackets] does not split a list.
//
// In globs, "*" matches any run of characters; in paths it stops at "/" and
// "**" matches across directories (doublestar syntax). "?" matches one
// character, [abc] a class, {a,b} alternatives.
//
// has:fix and has:flow are not supported: fixes and code flows are decoded
// only when a finding is opened, so filtering on them would be slow.
//
// Errors name the 1-based column (in characters) and the offending part:
//
//	col 5: unknown field "sevv"
//	col 5: unknown severity "hgh" (want critical, high, medium, low or info)
package query
