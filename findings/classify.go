package findings

import (
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// classification is a finding's category and stage with the reason.
type classification struct {
	cat    Category
	stage  Stage
	reason string
}

// ToolClass is one row of the built-in classification table: tools whose
// lower-cased name contains Match get Category, and Stage when set (else the
// category's default stage).
type ToolClass struct {
	Match    string
	Category Category
	Stage    *Stage
}

func stagePtr(s Stage) *Stage { return &s }

// CategoryStage is the default stage of each category, following the
// DevSecOps lifecycle (docs: code = SAST, secrets, SCA, linting; build = DAST,
// IAST, container images; release = licence and compliance; deploy = IaC).
var CategoryStage = map[Category]Stage{
	CatSAST:      StageCode,
	CatSecrets:   StageCode,
	CatSCA:       StageCode,
	CatLint:      StageCode,
	CatDAST:      StageBuild,
	CatContainer: StageBuild,
	CatLicense:   StageRelease,
	CatIaC:       StageDeploy,
}

// ToolTable is the built-in tool → category (→ stage) table, first match wins.
// It is documented in the README; .secui.yaml `stages:` overrides it.
var ToolTable = []ToolClass{
	// secrets
	{"gitleaks", CatSecrets, nil}, {"trufflehog", CatSecrets, nil}, {"detect-secrets", CatSecrets, nil},
	{"secretlint", CatSecrets, nil}, {"ggshield", CatSecrets, nil}, {"gitguardian", CatSecrets, nil},
	{"secret", CatSecrets, nil},
	// IaC and configuration before deploy
	{"checkov", CatIaC, nil}, {"tfsec", CatIaC, nil}, {"kics", CatIaC, nil}, {"terrascan", CatIaC, nil},
	{"snyk iac", CatIaC, nil}, {"kube-score", CatIaC, nil}, {"kubesec", CatIaC, nil}, {"kube-linter", CatIaC, nil},
	{"tflint", CatIaC, nil}, {"cfn-lint", CatIaC, nil}, {"cfn_nag", CatIaC, nil}, {"polaris", CatIaC, nil},
	{"datree", CatIaC, nil},
	// running infrastructure: assessments while operating
	{"prowler", CatIaC, stagePtr(StageOperate)}, {"scoutsuite", CatIaC, stagePtr(StageOperate)},
	{"kube-bench", CatIaC, stagePtr(StageOperate)}, {"docker-bench", CatContainer, stagePtr(StageOperate)},
	{"lynis", CatIaC, stagePtr(StageOperate)},
	// runtime detection: monitor
	{"falco", CatContainer, stagePtr(StageMonitor)}, {"tracee", CatContainer, stagePtr(StageMonitor)},
	{"wazuh", CatDAST, stagePtr(StageMonitor)}, {"guardduty", CatDAST, stagePtr(StageMonitor)},
	// assessments and penetration tests: test
	{"nessus", CatDAST, stagePtr(StageTest)}, {"openvas", CatDAST, stagePtr(StageTest)},
	{"qualys", CatDAST, stagePtr(StageTest)}, {"pentest", CatDAST, stagePtr(StageTest)},
	{"penetration", CatDAST, stagePtr(StageTest)},
	// containers
	{"dockle", CatContainer, nil}, {"hadolint", CatContainer, nil}, {"clair", CatContainer, nil},
	{"snyk container", CatContainer, nil}, {"anchore", CatContainer, nil},
	// dynamic / interactive testing
	{"zap", CatDAST, nil}, {"burp", CatDAST, nil}, {"nuclei", CatDAST, nil}, {"nikto", CatDAST, nil},
	{"arachni", CatDAST, nil}, {"mayhem", CatDAST, nil}, {"mapi", CatDAST, nil}, {"wapiti", CatDAST, nil},
	{"stackhawk", CatDAST, nil}, {"contrast", CatDAST, nil},
	// licences and policy: release
	{"scancode", CatLicense, nil}, {"licensee", CatLicense, nil}, {"fossa", CatLicense, nil},
	{"license", CatLicense, nil}, {"licence", CatLicense, nil}, {"conftest", CatLicense, nil},
	{"open policy agent", CatLicense, nil},
	// dependencies
	{"grype", CatSCA, nil}, {"osv-scanner", CatSCA, nil}, {"govulncheck", CatSCA, nil},
	{"dependency-check", CatSCA, nil}, {"dependency-track", CatSCA, nil}, {"snyk open source", CatSCA, nil},
	{"npm audit", CatSCA, nil}, {"yarn audit", CatSCA, nil}, {"pip-audit", CatSCA, nil}, {"safety", CatSCA, nil},
	{"retire", CatSCA, nil}, {"bundler-audit", CatSCA, nil}, {"cargo-audit", CatSCA, nil}, {"nancy", CatSCA, nil},
	{"dependabot", CatSCA, nil}, {"mend", CatSCA, nil}, {"whitesource", CatSCA, nil}, {"black duck", CatSCA, nil},
	{"blackduck", CatSCA, nil},
	// linters
	{"eslint", CatLint, nil}, {"tslint", CatLint, nil}, {"pylint", CatLint, nil}, {"flake8", CatLint, nil},
	{"ruff", CatLint, nil}, {"staticcheck", CatLint, nil}, {"golangci", CatLint, nil}, {"shellcheck", CatLint, nil},
	{"shell script analysis", CatLint, nil}, {"rubocop", CatLint, nil}, {"stylelint", CatLint, nil},
	{"markdownlint", CatLint, nil},
	// static analysis
	{"codeql", CatSAST, nil}, {"semmle", CatSAST, nil}, {"lgtm", CatSAST, nil}, {"semgrep", CatSAST, nil},
	{"gosec", CatSAST, nil}, {"bandit", CatSAST, nil}, {"brakeman", CatSAST, nil}, {"spotbugs", CatSAST, nil},
	{"findsecbugs", CatSAST, nil}, {"devskim", CatSAST, nil}, {"fortify", CatSAST, nil}, {"sonar", CatSAST, nil},
	{"snyk code", CatSAST, nil}, {"cppcheck", CatSAST, nil}, {"flawfinder", CatSAST, nil}, {"njsscan", CatSAST, nil},
	{"mobsfscan", CatSAST, nil}, {"security code scan", CatSAST, nil}, {"horusec", CatSAST, nil},
	{"psalm", CatSAST, nil}, {"infer", CatSAST, nil},
}

type classifier struct {
	overrides []compiledOverride
	pathDep   bool // some override looks at paths: no per-rule caching
	kinds     []KindOverride
}

type compiledOverride struct {
	StageOverride
	tool string
}

func newClassifier(ovs []StageOverride, kinds []KindOverride) *classifier {
	c := &classifier{kinds: kinds}
	for _, o := range ovs {
		c.overrides = append(c.overrides, compiledOverride{StageOverride: o, tool: strings.ToLower(o.Tool)})
		if o.Path != "" {
			c.pathDep = true
		}
	}
	return c
}

// cacheable reports whether a finding's built-in class depends only on its
// rule (so it can be computed once per rule).
func cacheable(f *Finding, r *liteResult) bool {
	return !f.Tool.multi && (r == nil || r.Properties == nil || len(r.Properties.Tags) == 0) && f.VulnID == ""
}

// classifyCached sets f.Category, f.Stage and f.StageReason, with a
// per-worker cache of rule classes (nil: no cache).
func (c *classifier) classifyCached(f *Finding, r *liteResult, cache map[*Rule]classification) {
	if cache != nil && !c.pathDep && cacheable(f, r) {
		if cl, ok := cache[f.Rule]; ok {
			f.Category, f.Stage, f.StageReason = cl.cat, cl.stage, cl.reason
			return
		}
		c.classifyCached(f, r, nil)
		cache[f.Rule] = classification{cat: f.Category, stage: f.Stage, reason: f.StageReason}
		return
	}
	base := builtinClass(f, r)
	cl := base
	for _, o := range c.overrides {
		if o.tool != "" && !globMatchFold(o.tool, strings.ToLower(f.ToolName())) {
			continue
		}
		if o.Rule != "" && !globMatchFold(o.Rule, f.RuleID()) {
			continue
		}
		if o.Path != "" {
			if ok, _ := doublestar.Match(o.Path, f.Loc.Path); !ok {
				continue
			}
		}
		if o.Category != "" && o.Category != base.cat.String() {
			continue
		}
		cl.stage = o.Stage
		if o.SetCat != nil {
			cl.cat = *o.SetCat
		}
		cl.reason = "override " + o.Origin
		break
	}
	f.Category, f.Stage, f.StageReason = cl.cat, cl.stage, cl.reason
}

// classifyKind sets f.Kind and f.KindReason (after the category is known).
// ruleTags caches, per rule, what the rule's own tags say (nil: no cache).
func (c *classifier) classifyKind(f *Finding, r *liteResult, ruleTags map[*Rule]tagSignal) {
	for _, o := range c.kinds {
		if o.Tool != "" && !globMatchFold(o.Tool, f.ToolName()) {
			continue
		}
		if o.Rule != "" && !globMatchFold(o.Rule, f.RuleID()) {
			continue
		}
		if o.Path != "" {
			if ok, _ := doublestar.Match(o.Path, f.Loc.Path); !ok {
				continue
			}
		}
		if o.Category != "" && o.Category != f.Category.String() {
			continue
		}
		f.Kind, f.KindReason = o.Kind, "override "+o.Origin
		return
	}
	var sig tagSignal
	if ruleTags != nil {
		s, ok := ruleTags[f.Rule]
		if !ok {
			s = tagsSignal(f.Rule.Tags)
			ruleTags[f.Rule] = s
		}
		sig = s
	} else {
		sig = tagsSignal(f.Rule.Tags)
	}
	if r != nil && r.Properties != nil && len(r.Properties.Tags) > 0 {
		rs := tagsSignal(r.Properties.Tags)
		sig.security = sig.security || rs.security
		if sig.quality == "" {
			sig.quality = rs.quality
		}
	}
	f.Kind, f.KindReason = builtinKind(f, r, sig)
}

// tagSignal is what a rule's tags say about its kind.
type tagSignal struct {
	security bool   // a security tag (security, vulnerability, secret, owasp…)
	quality  string // the first quality tag (maintainability, correctness, style, …), "" none
}

// qualityTags are rule tags that mark a code-quality rule (CodeQL's
// maintainability/reliability suites, Semgrep's categories, SonarQube's
// types): they make a static-analysis finding quality unless a security
// signal says otherwise.
var qualityTags = map[string]bool{
	"maintainability": true, "reliability": true, "correctness": true, "best-practice": true,
	"best-practices": true, "bestpractice": true, "style": true, "performance": true, "portability": true,
	"readability": true, "complexity": true, "code-quality": true, "quality": true, "code_smell": true,
	"code-smell": true, "bug": true, "useless-code": true, "convention": true, "refactor": true,
	"formatting": true, "maintenance": true, "efficiency": true, "typo": true, "usability": true,
}

func tagsSignal(tags []string) tagSignal {
	var s tagSignal
	for _, t := range tags {
		lt := strings.ToLower(strings.TrimSpace(t))
		switch {
		case lt == "security" || lt == "vulnerability" || lt == "secret" || lt == "secrets" ||
			strings.HasPrefix(lt, "owasp") ||
			strings.HasPrefix(lt, "security/") || strings.HasPrefix(lt, "security-"):
			s.security = true
		case s.quality == "" && qualityTags[lt]:
			s.quality = lt
		}
	}
	return s
}

// builtinKind decides security or quality, first rule that applies:
//
//  1. a security-severity (rule or result): security — the property GitHub
//     code scanning reads for its security severity;
//  2. a security tag (security, vulnerability, secret, owasp…): security;
//  3. static analysis or lint with a quality tag (maintainability,
//     reliability, correctness, style, …) and neither of the above:
//     quality, even with a CWE (CodeQL tags py/unused-local-variable
//     CWE-563 and files it under maintainability);
//  4. a CWE (rule, taxa or tags): security;
//  5. the category: secrets, sca, iac, container, dast and license are
//     security (supply chain, configuration, compliance), sast is security;
//  6. lint (linters in the tool table, or no security signal): quality.
func builtinKind(f *Finding, r *liteResult, sig tagSignal) (Kind, string) {
	switch {
	case f.Rule != nil && f.Rule.SecuritySeverity != "":
		return KindSecurity, "rule security-severity"
	case r != nil && r.Properties != nil && r.Properties.SecSev != "":
		return KindSecurity, "result security-severity"
	case sig.security:
		return KindSecurity, "security tag"
	case sig.quality != "" && (f.Category == CatSAST || f.Category == CatLint):
		return KindQuality, "tag " + sig.quality
	case len(f.CWEs) > 0:
		return KindSecurity, f.CWEs[0]
	}
	switch f.Category {
	case CatLint:
		return KindQuality, "category lint"
	case CatSAST:
		return KindSecurity, "category sast"
	}
	return KindSecurity, "category " + f.Category.String()
}

func globMatchFold(pattern, s string) bool {
	p := strings.ToLower(pattern)
	s = strings.ToLower(s)
	if !strings.ContainsAny(p, "*?[{") {
		return p == s
	}
	ok, _ := doublestar.Match(p, s)
	return ok
}

func hasTag(tags []string, want ...string) bool {
	for _, t := range tags {
		lt := strings.ToLower(t)
		for _, w := range want {
			if lt == w {
				return true
			}
		}
	}
	return false
}

func isImagePath(p string) bool {
	lp := strings.ToLower(p)
	return strings.HasSuffix(lp, ".tar") || strings.HasSuffix(lp, ".tar.gz") || strings.HasSuffix(lp, ".tgz") ||
		strings.HasPrefix(lp, "docker") || strings.HasPrefix(lp, "library/") || strings.Contains(lp, "@sha256:") ||
		strings.HasPrefix(lp, "oci:") || strings.HasPrefix(lp, "registry")
}

func (t *Tool) prepare() {
	t.lname = strings.ToLower(t.Name)
	t.multi = strings.Contains(t.lname, "trivy") || strings.Contains(t.lname, "grype") || strings.HasPrefix(t.lname, "snyk") ||
		strings.Contains(t.lname, "eslint") || strings.Contains(t.lname, "golangci")
	for i := range ToolTable {
		if strings.Contains(t.lname, ToolTable[i].Match) {
			t.class = &ToolTable[i]
			break
		}
	}
}

func builtinClass(f *Finding, r *liteResult) classification {
	if f.Tool.lname == "" && f.Tool.Name != "" {
		f.Tool.prepare()
	}
	tool := f.Tool.lname
	rule := f.Rule
	tags := rule.Tags
	var rtags []string
	if r != nil && r.Properties != nil {
		rtags = r.Properties.Tags
	}
	mk := func(cat Category, why string) classification {
		return classification{cat: cat, stage: CategoryStage[cat], reason: why + " → " + cat.String() + " → " + CategoryStage[cat].String()}
	}
	// Multi-purpose scanners: decide by what the rule is about.
	if !f.Tool.multi {
		// fast path below
	} else if strings.Contains(tool, "trivy") || strings.Contains(tool, "grype") || strings.HasPrefix(tool, "snyk") {
		switch {
		case hasTag(tags, "secret", "secrets") || hasTag(rtags, "secret", "secrets"):
			return mk(CatSecrets, "tool "+f.ToolName()+" secret rule")
		case hasTag(tags, "misconfiguration", "iac", "config") || strings.Contains(strings.ToLower(rule.Name), "misconfig"):
			return mk(CatIaC, "tool "+f.ToolName()+" misconfiguration rule")
		case rule.Name == "OsPackageVulnerability" || isImagePath(f.Loc.Path):
			return mk(CatContainer, "tool "+f.ToolName()+" image/OS package")
		case f.VulnID != "" || hasTag(tags, "vulnerability"):
			return mk(CatSCA, "tool "+f.ToolName()+" dependency vulnerability")
		case !strings.HasPrefix(tool, "snyk"):
			return mk(CatSCA, "tool "+f.ToolName()+" (dependency scanner)")
		}
	}
	if f.Tool.multi && (strings.Contains(tool, "eslint") || strings.Contains(tool, "golangci")) {
		rid := strings.ToLower(rule.ID)
		if strings.HasPrefix(rid, "security/") || strings.Contains(rid, "security") || strings.HasPrefix(rid, "gosec") ||
			strings.Contains(rid, "no-unsanitized") || hasTag(tags, "security") {
			return mk(CatSAST, "tool "+f.ToolName()+" security rule")
		}
	}
	if tc := f.Tool.class; tc != nil {
		{
			cl := mk(tc.Category, "tool "+f.ToolName()+" (table: "+tc.Match+")")
			if tc.Stage != nil {
				cl.stage = *tc.Stage
				cl.reason = "tool " + f.ToolName() + " (table: " + tc.Match + ") → " + tc.Category.String() + " → " + tc.Stage.String()
			}
			return cl
		}
	}
	all := append(append([]string(nil), tags...), rtags...)
	switch {
	case hasTag(all, "secret", "secrets", "credentials"):
		return mk(CatSecrets, "rule tag secret")
	case hasTag(all, "misconfiguration", "iac", "terraform", "kubernetes", "cloudformation"):
		return mk(CatIaC, "rule tag iac")
	case hasTag(all, "license", "licence", "compliance"):
		return mk(CatLicense, "rule tag license")
	case f.VulnID != "" || hasTag(all, "vulnerability", "dependency", "sca"):
		return mk(CatSCA, "vulnerability id or tag")
	case hasTag(all, "security") || rule.SecuritySeverity != "" || len(f.CWEs) > 0:
		return mk(CatSAST, "security rule")
	}
	return mk(CatLint, "no security signal")
}
