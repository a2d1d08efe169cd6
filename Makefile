# tshost: the two commands a newcomer needs.
#   make run   builds tshost and its example plugins and runs it with examples/config
#   make test  installs what the tests need (Debian packages) if missing, builds, runs every test
SHELL := /bin/bash
CARGO ?= cargo
CC ?= gcc
BUILD := build
PLUGIN_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -fPIC -shared -Iinclude
PLUGINS := $(patsubst plugins-c/%.c,$(BUILD)/plugins/%.so,$(wildcard plugins-c/*.c))
# Debian packages: what `make run` needs, and what `make test` needs on top.
RUN_PACKAGES := gcc make pkg-config libssl-dev libhiredis-dev
TEST_PACKAGES := $(RUN_PACKAGES) binutils trafficserver-dev curl openssl nghttp2-client python3-pip \
  redis-server trafficserver dpkg-dev g++
# ATS's gold tests (tests/gold/README.md): Debian's ATS (reference and plugin binaries), its
# source (dpkg-source), g++ for ATS's test plugins, unshare/mount for bash as /bin/sh, netcat for
# the tests that script it (tls_forward_nonhttp).
GOLD_PACKAGES := $(TEST_PACKAGES) trafficserver dpkg-dev g++ util-linux mount netcat-traditional
HEADERS := include/ts/ts.h include/ts/remap.h include/tshost.h

.PHONY: all build plugins run test deps deps-run check-header clean \
  fuzz-deps fuzz-build fuzz fuzz-smoke mutants-deps mutants gold gold-ratchet deps-gold

all: build plugins

# Install the Debian packages the build and tests use, when any is missing.
deps-run: PACKAGES = $(RUN_PACKAGES)
deps: PACKAGES = $(TEST_PACKAGES)
deps-gold: PACKAGES = $(GOLD_PACKAGES)
deps deps-run deps-gold:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@if [ "$@" = deps ]; then python3 -c 'import h2' 2>/dev/null || python3 -m pip install -q h2 2>/dev/null \
	  || python3 -m pip install -q --break-system-packages h2; fi

# traffic_server beside tshost: started under that name, tshost takes traffic_server's command
# line and layout (README: "Running as traffic_server").
build:
	$(CARGO) build --release
	@ln -sf tshost target/release/traffic_server

$(BUILD)/plugins/%.so: plugins-c/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(PLUGIN_CFLAGS) -o $@ $< -lpthread

# ssl_session_share talks to Redis (hiredis) and seals its messages with libcrypto.
$(BUILD)/plugins/ssl_session_share.so: plugins-c/ssl_session_share.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(PLUGIN_CFLAGS) -o $@ $< -lhiredis -lcrypto -lpthread

# The headers come from build.rs; plugins are built against the committed copies.
$(HEADERS): build

plugins: $(PLUGINS)

run: deps-run all
	@mkdir -p $(BUILD)/run
	@echo "tshost on 127.0.0.1:8080 (and :8443 TLS) -> example origin on 127.0.0.1:8081, with"
	@echo "hook_trace (events in $(BUILD)/run/hook_trace.log) and session_count. Try:"
	@echo "  curl -v http://127.0.0.1:8080/echo      curl -vk https://127.0.0.1:8443/size/100"
	@echo "Ctrl-C stops both."
	@./target/release/tshost-origin 127.0.0.1:8081 & origin=$$!; \
	  trap 'kill $$origin 2>/dev/null' EXIT INT TERM; \
	  ./target/release/tshost --config-dir examples/config

# The committed headers must be what build.rs generates from the Rust source.
check-header:
	@git diff --exit-code -- $(HEADERS) || { echo "include/ headers are stale: commit the regenerated files"; exit 1; }

test: deps
	@mkdir -p $(BUILD)
	$(CARGO) build --all-targets
	$(MAKE) check-header
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings
	@# Every test binary runs even when one fails; the summary comes either way (tests/summary.py:
	@# counts, failed tests by name, binaries that printed no result), then the fuzz smoke.
	@set -o pipefail; status=0; \
	  $(CARGO) test --all-targets --no-fail-fast 2>&1 | tee $(BUILD)/test.log || status=$$?; \
	  python3 tests/summary.py $(BUILD)/test.log || status=1; \
	  exit $$status
	$(MAKE) fuzz-smoke

# Fuzzing (docs/fuzzing.md): cargo-fuzz + libFuzzer on the stable toolchain (RUSTC_BOOTSTRAP=1
# lets cargo-fuzz pass its nightly flags). The fuzz crate is its own workspace in fuzz/; what the
# runs find grows in fuzz/target/corpus/<target> (not committed), seeded from fuzz/corpus/<target>.
FUZZ_TARGETS := request_head response_head chunked records_config remap_config session_buffer
FUZZ_SECONDS ?= 1200
FUZZ_SMOKE_SECONDS ?= 15
# The targets are Rust parsers: no sanitizer (panics, overflow checks and the targets' own
# assertions are the oracle); FUZZ_SANITIZER=address for an ASan build.
FUZZ_SANITIZER ?= none
# The smoke builds unoptimised (cheaper to build from scratch than it is slower to run).
FUZZ_SMOKE_BUILD := --dev --sanitizer none
FUZZ_BUILD = --sanitizer $(FUZZ_SANITIZER) --codegen-units 16
CARGO_FUZZ := RUSTC_BOOTSTRAP=1 $(CARGO) fuzz

fuzz-deps:
	@$(CARGO) fuzz --version >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked

fuzz-build: fuzz-deps
	$(CARGO_FUZZ) build --fuzz-dir fuzz $(FUZZ_BUILD)

# Every target for FUZZ_SECONDS, one after the other (one process: libFuzzer's -workers/-jobs
# are not used).
fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/target/corpus/$$t fuzz/target/artifacts/$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  $(CARGO_FUZZ) run --fuzz-dir fuzz $(FUZZ_BUILD) $$t fuzz/target/corpus/$$t fuzz/corpus/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=fuzz/target/artifacts/$$t/ \
	    2>&1 | tee fuzz/target/fuzz-$$t.log | grep -aE '^(#[0-9]+[[:space:]]+DONE|Done [0-9]+ runs)'; \
	  test $${PIPESTATUS[0]} -eq 0; \
	done

# What `make test` runs: every target for FUZZ_SMOKE_SECONDS from the committed seeds (a fresh
# corpus each time).
fuzz-smoke: fuzz-deps
	$(CARGO_FUZZ) build --fuzz-dir fuzz $(FUZZ_SMOKE_BUILD)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  rm -rf fuzz/target/smoke-corpus/$$t; mkdir -p fuzz/target/smoke-corpus/$$t fuzz/target/artifacts/$$t; \
	  $(CARGO_FUZZ) run --fuzz-dir fuzz $(FUZZ_SMOKE_BUILD) $$t fuzz/target/smoke-corpus/$$t fuzz/corpus/$$t -- \
	    -max_total_time=$(FUZZ_SMOKE_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=fuzz/target/artifacts/$$t/ >fuzz/target/smoke-$$t.log 2>&1 \
	    || { tail -n 40 fuzz/target/smoke-$$t.log; echo "fuzz-smoke: $$t failed"; exit 1; }; \
	  echo "fuzz-smoke: $$t ok, $$(grep -o 'number_of_executed_units: [0-9]*' fuzz/target/smoke-$$t.log | grep -o '[0-9]*$$') runs"; \
	done

# ATS's own end-to-end tests (autest) against tshost: `make gold` runs tests/gold/plugins.list
# (GOLD_LIST=FILE for another list, GOLD_TESTS="a/b c/d" for some tests), `make gold ATS=/usr/bin`
# the same against Debian's ATS. `make gold-ratchet` (CI) fails when a test of
# tests/gold/passing.list stops passing.
ATS ?=
GOLD_LIST ?= tests/gold/plugins.list
GOLD_TESTS ?=
gold: deps-gold build
	tests/gold/run --list $(GOLD_LIST) $(if $(ATS),--ats $(ATS)) $(if $(GOLD_TESTS),--tests $(GOLD_TESTS))
# The ratchet runs the debug build `make test` has just built (a release build would add minutes).
# `--all-targets` as in `make test`: the same features, so nothing is built twice (`--bin tshost`
# alone unifies features without the dev-dependencies and rebuilt serde and the crate).
gold-ratchet: deps-gold
	$(CARGO) build --all-targets
	tests/gold/run --tshost target/debug/tshost --list tests/gold/passing.list --ratchet tests/gold/passing.list

clean:
	$(CARGO) clean
	rm -rf $(BUILD)

# Mutation testing (tests/README.md): cargo-mutants on the modules that carry the laws, each group
# against the test binaries that cover it. Slow (about a minute per mutant on 2 cores, some 900
# mutants in all): `make mutants MUTANTS=cache` runs one group (`tests/mutants --list`).
MUTANTS ?=
mutants-deps:
	@$(CARGO) mutants --version >/dev/null 2>&1 || $(CARGO) install cargo-mutants --locked
mutants: deps mutants-deps
	tests/mutants $(MUTANTS)
