# lncommando's entry points. `make demo` and `make test` work on a fresh machine: they install
# what they need first (scripts/setup.sh).

CARGO ?= cargo

.PHONY: demo test setup check wasm-check

## demo: the protocol core end to end against an embedded node on loopback, or a real node:
##   make demo NODE=host:port NODE_ID=02… RUNE=…  [METHOD=getinfo PARAMS='{}']
demo:
	@$(CARGO) build --quiet --release --example demo
	@if [ -n "$(NODE)" ]; then \
	  ./target/release/examples/demo "$(NODE)" "$(NODE_ID)" "$(RUNE)" "$(or $(METHOD),getinfo)" '$(or $(PARAMS),{})'; \
	else \
	  ./target/release/examples/demo; \
	fi

## test: every test (vectors, properties, sessions, pyln-proto interop) and the wasm build.
test: setup
	$(CARGO) test
	$(MAKE) wasm-check

setup:
	@./scripts/setup.sh

## wasm-check: the core builds for browsers.
wasm-check:
	$(CARGO) build --release --target wasm32-unknown-unknown --lib

## check: formatting and lints, as CI runs them.
check:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings
