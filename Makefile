# lncommando's entry points. `make demo` and `make test` work on a fresh machine: they install
# what they need first (scripts/setup.sh).

CARGO ?= cargo

.PHONY: demo test setup check wasm-check testnode pkg js-test

## demo: the protocol core end to end against an embedded node on loopback, or a real node:
##   make demo NODE=host:port NODE_ID=02… RUNE=…  [METHOD=getinfo PARAMS='{}']
demo:
	@$(CARGO) build --quiet --release --example demo
	@if [ -n "$(NODE)" ]; then \
	  ./target/release/examples/demo "$(NODE)" "$(NODE_ID)" "$(RUNE)" "$(or $(METHOD),getinfo)" '$(or $(PARAMS),{})'; \
	else \
	  ./target/release/examples/demo; \
	fi

## test: every test (vectors, properties, sessions, pyln-proto interop, the test node) and
## the wasm build.
test: setup
	$(CARGO) test --workspace
	$(MAKE) wasm-check
	$(MAKE) js-test

## pkg: the npm package in pkg/ (wasm core + JS API + types), with its shipped size.
pkg: setup
	./scripts/build-pkg.sh

## js-test: the JS API in Node 20 (ws) and in headless Chromium, against the test node.
js-test: pkg
	$(CARGO) build --quiet --release -p lncommando-testnode
	node tests/js/node.mjs
	node tests/js/browser.mjs

## testnode: run the local test node (WebSocket 127.0.0.1:9736, TCP 127.0.0.1:9735);
##   make testnode ARGS='--split random --ping-ms 5000'
testnode:
	$(CARGO) run --release -p lncommando-testnode -- $(ARGS)

setup:
	@./scripts/setup.sh

## wasm-check: the core builds for browsers.
wasm-check:
	$(CARGO) build --release --target wasm32-unknown-unknown -p lncommando --lib

## check: formatting and lints, as CI runs them.
check:
	$(CARGO) fmt --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
