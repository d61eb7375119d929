# secui — build, demo, tests and benchmarks. `make help` lists the targets.

GO        ?= go
BIN       ?= bin/secui
SHARED    ?= ../shared
DEMO_REPO ?= build/demo-repo
FUZZTIME  ?= 10s
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DATE      ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS   := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

export SECUI_SHARED := $(abspath $(SHARED))

# Scanners `secui scan` runs, pinned (they build with go1.26 and run offline).
# govulncheck is left out: it needs its vulnerability database, which is
# online (vuln.go.dev) and has no cheap offline copy here.
GOSEC_VERSION       ?= v2.30.0
GITLEAKS_VERSION    ?= v8.30.1
STATICCHECK_VERSION ?= v0.8.2
GOSEC_PKG           := github.com/securego/gosec/v2/cmd/gosec
GITLEAKS_PKG        := github.com/zricethezav/gitleaks/v8
STATICCHECK_PKG     := honnef.co/go/tools/cmd/staticcheck

.PHONY: help build install scanners gosec demo demo-repo demo-list test vet fmt-check layering fuzz-short fuzz bench pgo lint clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build bin/secui (version, commit and date via -ldflags)
	$(GO) build -buildvcs=false -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/secui

install: ## go install ./cmd/secui with version information
	$(GO) install -buildvcs=false -trimpath -ldflags '$(LDFLAGS)' ./cmd/secui

scanners: ## install the pinned scanners secui scan runs: gosec, gitleaks, staticcheck (into GOPATH/bin)
	$(GO) install $(GOSEC_PKG)@$(GOSEC_VERSION)
	$(GO) install $(GITLEAKS_PKG)@$(GITLEAKS_VERSION)
	$(GO) install $(STATICCHECK_PKG)@$(STATICCHECK_VERSION)

gosec: ## install the pinned gosec unless it is already installed (the tests run it)
	@bin="$$(command -v gosec || echo "$$($(GO) env GOPATH)/bin/gosec")"; \
	if $(GO) version -m "$$bin" 2>/dev/null | grep -q "mod[[:space:]]*github.com/securego/gosec/v2[[:space:]]*$(GOSEC_VERSION)[[:space:]]"; then \
		echo "gosec $(GOSEC_VERSION): $$bin"; \
	else \
		echo "installing gosec $(GOSEC_VERSION)"; $(GO) install $(GOSEC_PKG)@$(GOSEC_VERSION); \
	fi

demo-repo: $(if $(NO_BUILD),,build) ## (re)create the demo git repository in build/demo-repo, with two triage decisions
	rm -rf $(DEMO_REPO)
	mkdir -p $(DEMO_REPO)
	cp -R demo/. $(DEMO_REPO)/
	cd $(DEMO_REPO) && git init -q -b main \
		&& git config user.name 'ACME Dev' && git config user.email dev@acme.example \
		&& git config commit.gpgsign false \
		&& git remote add origin git@github.com:acme/payments.git \
		&& git add -A \
		&& git commit -q -m 'ACME payments: initial import with scan results'
	cd $(DEMO_REPO) && $(abspath $(BIN)) suppress --tool gosec --rule G104 --reason accepted-risk \
			-j 'Write errors on an HTTP response cannot be reported to the client; the server logs them' >/dev/null \
		&& $(abspath $(BIN)) accept --rule py/sql-injection --note 'Tracked in SEC-142: move to parameterised queries' >/dev/null \
		&& git add -A && git commit -q -m 'secui: first triage decisions'

demo: demo-repo ## build and open the console on the bundled demo
	cd $(DEMO_REPO) && $(abspath $(BIN))

demo-list: demo-repo ## build and run `secui list` on the bundled demo
	cd $(DEMO_REPO) && $(abspath $(BIN)) list
	cd $(DEMO_REPO) && $(abspath $(BIN)) summary

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './build/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

layering: ## check package layering (findings <- trackers <- tui <- cmd; only tui imports bubbletea)
	$(GO) test -count=1 -run '^TestLayering' ./cmd/secui

fuzz-short: ## run every Fuzz target for FUZZTIME (default 10s)
	FUZZTIME=$(FUZZTIME) GO=$(GO) .ci/fuzz.sh

fuzz: ## long fuzzing by hand: make fuzz FUZZTIME=10m
	FUZZTIME=$(if $(filter 10s,$(FUZZTIME)),5m,$(FUZZTIME)) GO=$(GO) .ci/fuzz.sh

test: vet fmt-check ## vet, gofmt, all tests, the concurrent packages again under -race, short fuzz runs
	$(GO) test -count=1 -timeout=14m ./...
	$(GO) test -race -short -count=1 ./findings/... ./tui/...
	$(MAKE) --no-print-directory fuzz-short

lint: vet fmt-check layering ## vet, gofmt and layering

bench: build ## issue 12's figures in one table, each beside its target: load at 10k/100k/1M vs jq and go-sarif, console in tmux (vs less), the 100k ledger, Go benchmarks (BENCH_JSON=path, BENCH_RUNS=3, BENCH_1M=0)
	GO=$(GO) BIN=$(BIN) SHARED=$(SHARED) internal/bench/bench.sh

# The profile `go build` optimises cmd/secui with (PGO, on by default for a
# main package's default.pgo): six `secui summary` runs on the 100k gensarif
# file `make bench` writes. Refresh it after changing the load path.
PGO_INPUT ?= $(or $(TMPDIR),/tmp)/secui-bench-100000.sarif
pgo: build ## refresh cmd/secui/default.pgo from six 100k summaries (PGO_INPUT, made by make bench)
	@test -s $(PGO_INPUT) || { echo "pgo: $(PGO_INPUT) missing: run make bench first (or set PGO_INPUT)"; exit 1; }
	@d=$$(mktemp -d) && git -C $$d init -q && for i in 1 2 3 4 5 6; do \
		(cd $$d && SECUI_CPUPROFILE=$$d/cpu$$i.prof $(abspath $(BIN)) summary $(abspath $(PGO_INPUT)) >/dev/null) || exit 1; \
	done && $(GO) tool pprof -proto $$d/cpu*.prof > cmd/secui/default.pgo.tmp && mv cmd/secui/default.pgo.tmp cmd/secui/default.pgo && rm -rf $$d
	@echo "pgo: cmd/secui/default.pgo refreshed; rebuild with make build"

clean: ## remove build outputs
	rm -rf bin build
