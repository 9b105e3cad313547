# fiskaldesk — two commands: `make run` and `make test`. Every set-up step
# is a stamp-guarded target, so a second run does nothing and says nothing.

SHELL        := /bin/bash
.SHELLFLAGS  := -euo pipefail -c
MAKEFLAGS    += --no-print-directory
.DEFAULT_GOAL := run

export PATH  := /usr/local/go/bin:$(PATH)
CACHE        := .cache
GOBIN_LOCAL  := $(CURDIR)/$(CACHE)/bin
WAILS_VERSION := v2.15.0
WAILS        := $(GOBIN_LOCAL)/wails

VERSION      ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT       ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS      := -X github.com/fiskaldesk/fiskaldesk/backend/buildinfo.Version=$(VERSION) \
                -X github.com/fiskaldesk/fiskaldesk/backend/buildinfo.Commit=$(COMMIT)

GO_SRC       := $(shell find . -name '*.go' -not -path './frontend/*' -not -path './$(CACHE)/*') go.mod go.sum
FRONT_SRC    := $(shell find frontend/src frontend/public -type f) frontend/index.html \
                frontend/vite.config.ts frontend/tsconfig.json frontend/package.json

HEADLESS_BIN := bin/fiskaldesk
DESKTOP_BIN  := build/bin/fiskaldesk

.PHONY: run serve build setup test test-go test-fuzz test-frontend test-e2e test-desktop lint openapi clean bench-profile bench-table

## run: set up, build the desktop app and start it (headless with the URL printed when there is no display)
run: build
	@$(DESKTOP_BIN) $(ARGS)

## serve: set up, build and start headless
serve: $(HEADLESS_BIN)
	@$(HEADLESS_BIN) serve $(ARGS)

## build: the desktop binary (Wails, WebKitGTK 4.1)
build: $(DESKTOP_BIN)

## setup: everything the build and the tests need (idempotent)
setup: $(CACHE)/system.stamp $(CACHE)/gomod.stamp frontend/node_modules/.stamp

$(CACHE)/system.stamp: scripts/setup-system.sh
	@mkdir -p $(CACHE)
	@scripts/setup-system.sh
	@touch $@

$(WAILS): | $(CACHE)/system.stamp
	@echo "setup: installing Wails CLI $(WAILS_VERSION)"
	@GOBIN=$(GOBIN_LOCAL) go install github.com/wailsapp/wails/v2/cmd/wails@$(WAILS_VERSION)

$(CACHE)/gomod.stamp: go.mod go.sum
	@mkdir -p $(CACHE)
	@go mod download
	@touch $@

frontend/node_modules/.stamp: frontend/package.json frontend/package-lock.json | $(CACHE)/system.stamp
	@echo "setup: installing npm packages"
	@cd frontend && npm install --no-audit --no-fund --loglevel=error
	@touch $@

frontend/dist/index.html: $(FRONT_SRC) frontend/node_modules/.stamp
	@echo "build: frontend"
	@cd frontend && npm run --silent build >/dev/null

$(HEADLESS_BIN): $(GO_SRC) frontend/dist/index.html $(CACHE)/gomod.stamp
	@echo "build: $@ (headless)"
	@CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o $@ .

# What `wails build -s -skipbindings` runs on Linux, without the Wails CLI:
# the CLI is only needed for the Windows installer (make dist), and
# compiling it cost a cold machine minutes of every make test.
$(DESKTOP_BIN): $(GO_SRC) frontend/dist/index.html $(CACHE)/gomod.stamp
	@echo "build: $@ (desktop)"
	@mkdir -p $(dir $@)
	@go build -tags desktop,production,webkit2_41 -trimpath -ldflags "$(LDFLAGS) -w -s" -o $@ . >$(CACHE)/desktop-build.log 2>&1 \
		|| { cat $(CACHE)/desktop-build.log; exit 1; }

## test: set up, then every check and test: vet, gofmt, go test -race, a short fuzz run, tsc, Vitest, Playwright, desktop smoke
# Each stage is timed and the times are printed at the end (and for a stage
# that fails): CI shows only the tail of the output, and a run that grows
# slower has to say where.
TEST_STAGES := setup lint test-go test-fuzz test-frontend test-e2e test-desktop
test:
	@all=$$(date +%s); times=""; \
	for t in $(TEST_STAGES); do \
		s=$$(date +%s); \
		if ! $(MAKE) $$t; then echo "make test: $$t FAILED after $$(( $$(date +%s) - s )) s;$$times"; exit 1; fi; \
		echo "make test: $$t done in $$(( $$(date +%s) - s )) s"; \
		times="$$times $$t $$(( $$(date +%s) - s )) s,"; \
	done; \
	echo "make test: all checks passed in $$(( $$(date +%s) - all )) s:$${times%,}"

lint: $(CACHE)/gomod.stamp frontend/node_modules/.stamp
	@go vet ./...
	@go vet -tags desktop,production,webkit2_41 .
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
		if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	@cd frontend && npm run --silent typecheck

# Under a throwaway PostgreSQL cluster (scripts/pg-test-cluster.sh): the
# store's conformance suite, the sync tests with a PostgreSQL central and
# the two-node central test run on it; FISKALDESK_REQUIRE_POSTGRES makes a
# missing database a failure, never a skip.
test-go: $(CACHE)/gomod.stamp $(HEADLESS_BIN)
	@FISKALDESK_TEST_BIN=$(HEADLESS_BIN) FISKALDESK_REQUIRE_POSTGRES=1 scripts/pg-test-cluster.sh go test -race -count=1 -timeout 30m ./...

# Every parser of outside input; FUZZTIME=10m for a long run.
FUZZTIME ?= 5s
FUZZ_TARGETS := FuzzParseLog:./backend/tse FuzzSchemaProcess:./backend/tse FuzzVerify:./backend/verify \
                FuzzSniffLogo:./backend/org FuzzAPIBodies:./backend/api FuzzAPIQuery:./backend/api \
                FuzzSyncBatch:./backend/sync

test-fuzz: $(CACHE)/gomod.stamp
	@for t in $(FUZZ_TARGETS); do \
		name=$${t%%:*}; pkg=$${t#*:}; \
		go test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) $$pkg >$(CACHE)/fuzz-$$name.log 2>&1 \
			|| { cat $(CACHE)/fuzz-$$name.log; exit 1; }; \
		echo "fuzz: $$name ok ($(FUZZTIME))"; \
	done

test-frontend: frontend/node_modules/.stamp
	@cd frontend && npx vitest run

test-e2e: $(HEADLESS_BIN)
	@cd frontend && FISKALDESK_BIN=../$(HEADLESS_BIN) npx playwright test

test-desktop: $(DESKTOP_BIN)
	@scripts/desktop-smoke.sh $(DESKTOP_BIN) test-output/desktop

## openapi: regenerate frontend/src/api/openapi.json from the Go types (commit it)
openapi:
	@FISKALDESK_UPDATE_OPENAPI=1 go test -count=1 -run '^TestOpenAPIFileIsCurrent$$' ./backend/api
	@cd frontend && npm run --silent gen:api

## bench-profile: the signing benchmark with the server in its own process (BENCH_TSS=8 BENCH_WORKERS=64 BENCH_SECS=15), its CPU profile in test-output/bench/
BENCH_TSS ?= 8
BENCH_WORKERS ?= 64
BENCH_SECS ?= 15
bench-profile: $(HEADLESS_BIN)
	@mkdir -p test-output/bench
	@SERVER_PROFILE=test-output/bench/server.pprof FISKALDESK_BIN=$(HEADLESS_BIN) \
		scripts/bench-server.sh --tss $(BENCH_TSS) --workers $(BENCH_WORKERS) --duration $(BENCH_SECS)s
	@go tool pprof -top -cum -ignore 'argon2|secret\.(Hash|Verify)' $(HEADLESS_BIN) test-output/bench/server.pprof 2>/dev/null | head -60
	@echo "profile: go tool pprof -http=: $(HEADLESS_BIN) test-output/bench/server.pprof"

## bench-table: the signing table of docs/BENCHMARKS.md (scripts/bench-table.sh; BENCH_SECS per point)
bench-table: $(HEADLESS_BIN)
	@FISKALDESK_BIN=$(HEADLESS_BIN) scripts/bench-table.sh $(BENCH_SECS)

clean:
	rm -rf bin build/bin test-output frontend/test-output frontend/dist/assets frontend/dist/index.html frontend/dist/favicon.svg

## ---- release artifacts (docs/release.md) ------------------------------------
# make dist: every artifact into dist/ with SHA256SUMS; make test-dist: checks
# what ships (the .debs unpacked and run, the Windows .exe under Wine, the
# installer installed and uninstalled under Wine, the systemd unit verified).
NFPM_VERSION := v2.45.2
# Fixed once per make run: VERSION and COMMIT are expanded at each use, and
# test-dist must check against what dist stamped even if the tree changed since.
DIST_VERSION := $(VERSION)
DIST_COMMIT  := $(COMMIT)
NFPM         := $(GOBIN_LOCAL)/nfpm
DIST         := dist

.PHONY: dist test-dist setup-dist

setup-dist: setup $(CACHE)/dist-system.stamp $(WAILS) $(NFPM)

$(CACHE)/dist-system.stamp: scripts/setup-dist.sh
	@mkdir -p $(CACHE)
	@scripts/setup-dist.sh
	@touch $@

$(NFPM): | $(CACHE)/system.stamp
	@echo "setup: installing nfpm $(NFPM_VERSION)"
	@GOBIN=$(GOBIN_LOCAL) go install github.com/goreleaser/nfpm/v2/cmd/nfpm@$(NFPM_VERSION)

## dist: release artifacts with version and commit stamped, into dist/ with SHA-256 sums
dist: setup-dist frontend/dist/index.html
	@VERSION="$(DIST_VERSION)" COMMIT="$(DIST_COMMIT)" WAILS="$(WAILS)" NFPM="$(NFPM)" DIST="$(DIST)" scripts/dist.sh

## test-dist: build dist/, then check what ships
test-dist: dist
	@VERSION="$(DIST_VERSION)" COMMIT="$(DIST_COMMIT)" scripts/test-dist.sh $(DIST)
