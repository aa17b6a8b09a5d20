# lncommando's entry points. `make demo` and `make test` work on a fresh machine: they install
# what they need first (scripts/setup.sh).

CARGO ?= cargo

.PHONY: demo demo-native test setup check wasm-check testnode pkg js-test bench soak fuzz cln cln-test

# Passed to the scripts only when given (an empty LNC_URL must not mean "a real node").
$(foreach v,HEADLESS LNC_URL LNC_NODE_ID LNC_RUNE LNC_READONLY_RUNE LNC_NODES,$(if $($(v)),$(eval export $(v))))

## demo: the admin panel (www/) against the test node, on loopback, with the connection details
##   prefilled in the printed URL. HEADLESS=1 drives it in headless Chromium, prints getinfo as
##   shown, saves target/demo.png and exits. A real node:
##   make demo LNC_URL=ws://host:port LNC_NODE_ID=02… LNC_RUNE=…
demo: SETUP_JOB = demo
demo: pkg
	@$(CARGO) build --quiet --release -p lncommando-testnode
	@node scripts/demo.mjs

## demo-native: the protocol core alone, natively over loopback TCP (or a real node's port 9735:
##   make demo-native NODE=host:9735 NODE_ID=02… RUNE=… [METHOD=getinfo PARAMS='{}'])
demo-native:
	@$(CARGO) build --quiet --release --example demo
	@if [ -n "$(NODE)" ]; then \
	  ./target/release/examples/demo "$(NODE)" "$(NODE_ID)" "$(RUNE)" "$(or $(METHOD),getinfo)" '$(or $(PARAMS),{})'; \
	else \
	  ./target/release/examples/demo; \
	fi

## test: every test: the setup script against stand-ins, the Rust workspace (vectors,
## properties, sessions, pyln-proto interop, the test node, every fuzz corpus input replayed),
## the wasm build, then the JS suites, against the test node and a real Core Lightning
## (built once into ~/.cache/lncommando; LIGHTNINGD=path uses an installed one).
test: setup
	node --test tests/setup/
	$(CARGO) test --workspace
	$(MAKE) wasm-check
	$(MAKE) js-test

## fuzz: every cargo-fuzz target for FUZZ_SECONDS each (default 600), looking for new inputs
##   (nightly + cargo-fuzz, installed when missing). Not part of `make test`, which replays the
##   committed corpus deterministically instead.
fuzz:
	./scripts/fuzz.sh $(or $(FUZZ_SECONDS),600)

## pkg: the npm package in pkg/ (wasm core + JS API + types), with its shipped size.
pkg: setup
	./scripts/build-pkg.sh

## js-test: the generated method types (fresh against the schemas, every recorded example and
## the typed API through tsc --strict); then against the test node and a real Core Lightning
## (LNC_NODES=test or cln for one; LNC_URL/LNC_NODE_ID/LNC_RUNE for a node of yours): the JS API in Node 20 (ws) and in
## headless Chromium, the package's consumers (npm pack, static page, Vite app, Node script,
## Node's built-in WebSocket), the admin panel, the deploy paths (Core Lightning's wss-proxy,
## nginx over https hosting the panel, websockify; the errors a browser gives on the way), the
## faults a real node can produce; then the
## test node's own fault and hostile modes, the differential suites (the same raw requests to
## both nodes; 600 generated rune/request pairs: checkRune's prediction against the node's
## answer and its checkrune RPC), real responses validated against their schemas, large requests through Core Lightning's WebSocket reader (directly, through a
## segmenting proxy, through websockify), a short soak and the benchmarks' smoke runs.
js-test: pkg
	$(CARGO) build --quiet --release -p lncommando-testnode
	$(CARGO) build --quiet --release --example probe
	@./scripts/cln/build.sh >/dev/null
	@./scripts/cln/build.sh wss-proxy >/dev/null
	node tests/types/run.mjs
	node tests/js/node.mjs
	node tests/js/browser.mjs
	node tests/consumers/run.mjs
	node tests/js/panel.mjs
	node tests/js/deploy.mjs
	node tests/js/faults.mjs
	node tests/js/hostile.mjs
	node tests/differential/run.mjs
	node tests/differential/runes.mjs
	node tests/types/cln-responses.mjs
	node tests/js/cln-large.mjs
	LNC_SOAK_CALLS=5000 node tests/js/soak.mjs
	LNC_BENCH_QUICK=1 $(CARGO) bench --quiet --bench core
	LNC_BENCH_QUICK=1 node scripts/bench.mjs

## soak: 100 000 calls over one connection in Chromium, memory measured (LNC_SOAK_CALLS=N).
soak: pkg
	$(CARGO) build --quiet --release -p lncommando-testnode
	node tests/js/soak.mjs

## bench: lncommando against lnmessage in one Chromium run (alternating), and the native core
##   against the raw AEAD; a table on stdout and target/bench/results.json.
bench: pkg
	$(CARGO) build --quiet --release -p lncommando-testnode
	$(CARGO) build --quiet --release --example probe
	$(CARGO) bench --quiet --bench core
	node scripts/bench.mjs

## cln: a real Core Lightning (regtest, no bitcoind) on loopback for building a UI against:
##   builds it once from ../shared/cln into ~/.cache/lncommando (LIGHTNINGD=path: an installed
##   one), prints its WebSocket URL, node id and runes; Ctrl-C stops it.
cln:
	@node scripts/cln/run.mjs

## cln-test: the real-node suites alone: large requests (300 KB / 900 KB) and mixed calls
##   directly, through a proxy that delivers MSS-sized TCP segments and through websockify,
##   from Node and Chromium, the differential suites (raw requests; runes), real responses
##   validated against their schemas, and the deploy paths (wss-proxy, nginx, websockify).
cln-test: pkg
	$(CARGO) build --quiet --release -p lncommando-testnode
	$(CARGO) build --quiet --release --example probe
	node tests/differential/run.mjs
	LNC_NODES=cln node tests/differential/runes.mjs
	node tests/types/cln-responses.mjs
	node tests/js/cln-large.mjs
	node tests/js/deploy.mjs

## testnode: run the local test node (WebSocket 127.0.0.1:9736, TCP 127.0.0.1:9735);
##   make testnode ARGS='--split random --ping-ms 5000'
testnode:
	$(CARGO) run --release -p lncommando-testnode -- $(ARGS)

# What to install: `test` (everything) unless a target says otherwise (demo: its own needs).
SETUP_JOB ?= test
setup:
	@./scripts/setup.sh $(SETUP_JOB)

## wasm-check: the core builds for browsers.
wasm-check:
	$(CARGO) build --profile wasm --target wasm32-unknown-unknown -p lncommando --lib

## check: formatting and lints, as CI runs them.
check:
	$(CARGO) fmt --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
