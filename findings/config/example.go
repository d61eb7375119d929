package config

// Example returns a complete, commented .secui.yaml. Every setting shown is
// valid; the discover, ledger, check, git and ui values are the defaults, and the
// stage rules are illustrations to adapt or delete.
func Example() string { return example }

const example = `# .secui.yaml — secui team configuration, committed at the repository root.
# A personal file ($SECUI_CONFIG, else $XDG_CONFIG_HOME/secui/config.yaml,
# else ~/.config/secui/config.yaml) has the same format. Settings in this file
# override personal ones, except ui.*, where the personal file wins.
# Unknown keys are errors. Lists replace earlier lists; check.stages and
# ui.keys are merged key by key.

# Which SARIF files to load from the repository (doublestar globs relative to
# the repository root; "**" matches any number of folders).
discover:
  include:
    - "**/*.sarif"
    - "**/*.sarif.json"
    - "**/*.sarif.gz"
    - "**/*.sarif.json.gz"
  exclude:
    - ".git/**"
    - "**/node_modules/**"
    - "**/vendor/**"
    - "**/.secui/**"

# Stage overrides: put findings in a DevSecOps stage (plan, code, build, test,
# release, deploy, operate, monitor) when every matcher given matches. The
# first matching rule wins; findings no rule matches keep the stage secui
# infers from the tool and rule. Matchers (at least one is required):
#   tool:     tool name glob, case-insensitive ("trivy", "check*")
#   rule:     rule id glob ("G1*", "CVE-*")
#   path:     file path glob relative to the repository root
#   category: only findings of this category (sast, secrets, sca, iac,
#             container, dast, license, lint)
# set-category optionally assigns a category as well.
stages:
  - path: "deploy/helm/**"
    stage: deploy
  - tool: trivy
    category: container
    stage: release
  - tool: gosec
    rule: "G101"
    stage: code
    set-category: secrets

# Kind overrides: every finding is "security" or "quality" (lint, code
# quality). secui decides from security-severity, CWEs, security tags, the
# category and the tool table (see README "Security and quality"); a rule
# here overrides that (same matchers as stages; first match wins).
kinds:
  - tool: semgrep
    rule: "*.best-practice.*"
    kind: quality

# Triage ledger (suppressions and acceptances with justifications). A path
# relative to the repository root; it must stay inside the repository.
ledger: .secui/ledger.yaml

# The CI gate, "secui check": fail when an open finding is at or above
# fail-on (critical, high, medium, low, info, or off to never fail).
check:
  fail-on: high
  # Quality findings (kind quality: lint, code quality) have their own
  # threshold, off by default: fail-on and stages apply to security findings.
  fail-on-quality: "off"
  # Per-stage thresholds override fail-on, e.g. be stricter where code ships.
  stages:
    deploy: medium
    monitor: "off"
  # Longest suppression expiry / acceptance due date after the decision
  # (90d, 12w, 6mo, 1y): longer ones are refused, and fail the check when
  # written by hand.
  max-expiry: 1y
  # true: also fail on decisions that need review (as secui check --strict).
  strict: false

# Git context: new:branch (findings introduced on this branch) compares with
# the merge base of HEAD and this branch; "" means the default branch
# (origin/HEAD, else origin/main, origin/master, main, master).
git:
  base: ""

# What one SARIF input may cost; an input over a limit is refused with
# "file: what limit" and the others still load. Sizes take KiB/MiB/GiB.
limits:
  max-input: 2GiB      # size once decompressed (.gz, stdin and FIFOs too)
  max-token: 16MiB     # longest JSON string or number
  max-depth: 1000      # deepest nesting of objects and arrays
  max-results: 1000000 # results in one input

# Scanners "secui scan" runs (and the console's re-scan key). Each runs as an
# argument vector, never through a shell, in the repository (or dir:). Only
# run secui scan in repositories you trust, as with make. A successful run
# replaces that scanner's stored results (results:, default
# .secui/scans/<name>.sarif, always discovered) and marks the findings it
# no longer reports, in files it covered, as fixed in the ledger. A failed,
# timed-out, cancelled or partial run stores and marks nothing.
#   name:       unique, lower-case; names the stored results
#   stage:      the stage(s) it feeds (secui scan --stage code)
#   run:        program and arguments; SARIF on standard output, or
#   output:     the file it writes (a scratch file, not discovered)
#   timeout:    default 10m; the whole process group is killed after it
#   exit-codes: statuses that mean "ran" (default [0]; gitleaks and
#               staticcheck exit 1 when they find something)
#   partial-on: regexps for standard-error lines that mean a partial run
#   paths:      globs of the files it covers (default: the SARIF run's
#               artifacts if listed, else everything under dir)
#   dir:        working directory (repository-relative)
#   env:        extra environment variables (secui's own SECUI_* tokens
#               and tracker tokens are never passed to scanners)
#   install:    a hint shown when the program is not installed
#   results:    where its latest results are stored
scanners:
  - name: gosec
    stage: code
    run: [gosec, -fmt, sarif, -no-fail, ./...]
    timeout: 10m
    paths: ["**/*.go"]
    partial-on: ["has type errors", "could not import"]
    env: {GOFLAGS: -mod=readonly}
    install: make scanners
  - name: gitleaks
    stage: code
    # --redact keeps the secrets out of the stored results; a .gitleaks.toml
    # allowlisting .secui/ keeps gitleaks from scanning secui's own files.
    run: [gitleaks, dir, --redact, --no-banner, -f, sarif, -r, .secui/tmp/gitleaks.sarif, .]
    output: .secui/tmp/gitleaks.sarif
    exit-codes: [0, 1]
    timeout: 5m
    dir: .
    results: .secui/scans/gitleaks.sarif

# Console appearance (personal settings usually live in the personal file).
ui:
  theme: auto       # auto | dark | light
  sort: severity    # severity | file | rule | tool | stage
  group: none       # none | stage | rule | file | tool | severity
  # Extra key bindings: action name -> keys, as listed in the console's help (?).
  keys: {}

# secui sync github|jira: accepted findings become tickets, exactly once.
# Tokens come from the environment only (GITHUB_TOKEN or GH_TOKEN;
# JIRA_URL, JIRA_USER, JIRA_API_TOKEN, JIRA_AUTH_TYPE), never from this file.
# grouping: one ticket per finding, rule, file or package (SCA).
trackers:
  github:
    # repo: acme/shop     # default: the origin remote
    grouping: finding
    labels: [security]    # besides secui's own markers (secui, secui-g-…)
    create-labels: true   # let GitHub create missing labels (push access)
    assignees: []         # GitHub logins for new tickets
  jira:
    project: SEC
    issue-type: Bug
    deployment: auto      # auto | cloud | datacenter
    api: auto             # auto (Cloud: 3, ADF; Data Center: 2, wiki) | 2 | 3
    grouping: finding
    labels: [security]
    components: []
    priorities: {critical: Highest, high: High, medium: Medium, low: Low, info: Lowest}
    transitions: {close: Done, wont-do: "Won't Do", reopen: Reopen}
    fields: {}            # custom fields set on create, e.g. customfield_10050: "AppSec"
    search-lag: 10m       # how long Jira's search may lag a create
`
