package config

// Example returns a complete, commented .secui.yaml. Every setting shown is
// valid; the discover, ledger, check and ui values are the defaults, and the
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

# Triage ledger (suppressions and acceptances with justifications). A path
# relative to the repository root; it must stay inside the repository.
ledger: .secui/ledger.yaml

# The CI gate, "secui check": fail when an open finding is at or above
# fail-on (critical, high, medium, low, info, or off to never fail).
check:
  fail-on: high
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

# Console appearance (personal settings usually live in the personal file).
ui:
  theme: auto       # auto | dark | light
  sort: severity    # severity | file | rule | tool | stage
  group: none       # none | stage | rule | file | tool | severity
  # Extra key bindings: action name -> keys, as listed in the console's help (?).
  keys: {}
`
