// lncommando: talk to a Core Lightning node from a web page (or Node) over WebSocket.
//
// This file is the Web-platform API (Promise, AbortSignal, EventTarget, Error subclasses) over
// the wasm protocol core: it owns the WebSocket, timers and promises, and moves bytes and events
// between them and the core. Every protocol decision (BOLT 8, BOLT 1, commando, runes) is made
// in the wasm.

import init, { WasmSession, ErrorCode as WasmErrorCode, decodeRune as wasmDecodeRune, restrictRune as wasmRestrictRune, checkRune as wasmCheckRune, memoryBytes, __wbg_reset_state as resetWasm } from './lncommando_wasm.js';

/** Error codes, as Core Lightning's `commando` uses them: the wasm core's table (its glue object
 * also maps each value back to its name; only the names are kept). Documented in index.d.ts. */
export const ErrorCode = Object.freeze(Object.fromEntries(
  Object.entries(WasmErrorCode).filter(([name]) => !/^-?\d+$/.test(name))));

/** A failed call or connection: `code` (numeric), `reason` (a short name), optional `data`. */
export class CommandoError extends Error {
  constructor(code, message, reason, data) {
    super(message);
    this.name = 'CommandoError';
    this.code = code;
    this.reason = reason;
    if (data !== undefined) this.data = data;
  }
}

// Methods of Connection that only this module calls (not part of the API): keyed by symbols
// that are not exported.
const FIRST_CONNECT = Symbol('firstConnect');
const CONNECTED = Symbol('connected');
const INTERNAL = Symbol('internal');

let loading;
let loaded = false;
// The error that broke the wasm instance (a trap: out of memory, a bug), until a fresh instance
// replaces it; and the connections whose sessions live in the current instance.
let broken = null;
const live = new Set();
const FAILED = Symbol('wasm failed');

/** The wasm instance failed: every connection on it ends with reason `internal`. */
function wasmFailed(e) {
  if (broken) return;
  broken = e ?? new Error('unknown failure');
  for (const c of [...live]) c[INTERNAL](broken);
}

/** Calls into the wasm; on a trap (anything but the strings our bindings throw) marks the
 * instance broken and returns FAILED. */
function guard(f) {
  try {
    return f();
  } catch (e) {
    if (typeof e === 'string') throw e;
    wasmFailed(e);
    return FAILED;
  }
}

// A wasm memory never shrinks. Past this size, once the last connection is gone, the instance
// is replaced by a fresh one (~1 MiB), so that a burst (requests waiting for a slow node, a
// large reply) does not keep the page's memory up.
const RELEASE_ABOVE = 16 * 1024 * 1024;
let releaseQueued = false;

function releaseMemorySoon() {
  if (live.size > 0 || releaseQueued) return;
  releaseQueued = true;
  // Once the current call stack is done (no closed session's code runs after that), and before
  // a connection opened meanwhile makes a session (that would keep the instance).
  queueMicrotask(() => {
    releaseQueued = false;
    if (live.size > 0 || !loaded || broken) return;
    const bytes = guard(() => memoryBytes());
    if (typeof bytes === 'number' && bytes > RELEASE_ABOVE) resetWasm();
  });
}

// Where the wasm comes from: `ready({wasm})` / `connect({wasm})`, else next to this module.
let wasmSource;
// A variable, not a literal: bundlers leave a Node-only import alone (esbuild would fail on it).
const NODE_FS = 'node:fs/promises';

/** Loads and instantiates the wasm once; `connect` and the rune functions call it for you.
 * `wasm` (the first call's counts): a URL, a Response, the bytes or a WebAssembly.Module, for
 * bundles that do not put the .wasm next to this file. After the instance has failed, the next
 * call replaces it with a fresh one (the old one's memory goes). */
export function ready(options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('ready() takes an options object: {wasm?}');
  if (options.wasm !== undefined && wasmSource === undefined) wasmSource = checkWasm(options.wasm);
  if (broken && loaded) {
    resetWasm();
    broken = null;
  }
  if (!loading) {
    loading = (async () => {
      let source = wasmSource;
      if (source === undefined) {
        try {
          source = new URL('./lncommando_wasm_bg.wasm', import.meta.url);
        } catch {
          throw new TypeError('cannot find lncommando_wasm_bg.wasm: this bundle has no import.meta.url (an IIFE or CommonJS build?). Pass its location or bytes: ready({ wasm }) or connect({ wasm })');
        }
      }
      if ((source instanceof URL || typeof source === 'string') && new URL(source, globalThis.location?.href).protocol === 'file:') {
        // Node: fetch() cannot read files.
        const fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ NODE_FS);
        source = await fs.readFile(new URL(source));
      }
      await init({ module_or_path: source });
      loaded = true;
    })();
    loading.catch(() => { loading = undefined; });
  }
  return loading;
}

/** `wasm` as ready() takes it, or a TypeError naming what it may be. */
function checkWasm(w) {
  const ok = typeof w === 'string' || w instanceof URL || w instanceof ArrayBuffer || ArrayBuffer.isView(w)
    || (typeof WebAssembly !== 'undefined' && w instanceof WebAssembly.Module)
    || (typeof Response !== 'undefined' && w instanceof Response) || typeof w?.then === 'function';
  if (!ok) throw new TypeError('wasm must be a URL (or string), a Response (or a promise of one), the bytes, or a WebAssembly.Module');
  return w;
}

/** Diagnostics: the size of the wasm linear memory in bytes (0 before the wasm is loaded). */
export function wasmMemoryBytes() {
  if (!loaded) return 0;
  const n = guard(() => memoryBytes());
  return n === FAILED ? 0 : n;
}

/**
 * Decodes a rune into what it allows: `{uniqueId, version, restrictions}` where restrictions is
 * `[[{field, op, value}, …], …]` (all restrictions must pass; one alternative of each).
 */
export function decodeRune(rune) {
  return runeTool(rune, () => wasmDecodeRune(rune));
}

/** Runs a rune function of the wasm: a malformed argument is a TypeError. */
async function runeTool(rune, f) {
  if (typeof rune !== 'string' || rune === '') throw new TypeError('rune must be a non-empty string');
  await ready();
  let r;
  try {
    r = guard(f);
  } catch (e) {
    throw new TypeError(String(e));
  }
  if (r === FAILED) throw new CommandoError(ErrorCode.NOT_CONNECTED, internalMessage(broken), 'internal');
  return r;
}

/**
 * Narrows a rune offline: its restrictions plus `restrictions`, as Core Lightning's `createrune`
 * takes them (an array of restrictions, each an array of alternatives: strings such as
 * `'method=getinfo'` or `{field, op, value}` objects; or `'readonly'`). Documented in index.d.ts.
 */
export async function restrictRune(rune, restrictions) {
  const tokens = [];
  if (restrictions === 'readonly') tokens.push('readonly');
  else if (!Array.isArray(restrictions)) {
    throw new TypeError("restrictions must be an array of restrictions (e.g. [['method=getinfo']]) or 'readonly'");
  } else {
    restrictions.forEach((alts, i) => {
      if (!Array.isArray(alts)) throw new TypeError(`restrictions[${i}] must be an array of alternatives (e.g. ['method=getinfo', 'method=listfunds'])`);
      if (alts.length === 0) throw new TypeError(`restrictions[${i}] is empty: a restriction needs at least one alternative`);
      tokens.push('&');
      alts.forEach((a, j) => {
        if (typeof a === 'string') tokens.push('s', a);
        else if (a !== null && typeof a === 'object' && typeof a.field === 'string' && typeof a.op === 'string'
          && (typeof a.value === 'string' || Number.isSafeInteger(a.value))) {
          tokens.push('f', a.field, a.op, String(a.value));
        } else {
          throw new TypeError(`restrictions[${i}][${j}] must be a string such as 'method=getinfo' or {field, op, value} with string field and op and a string or integer value`);
        }
      });
    });
  }
  // NUL separates the tokens for the wasm; no restriction may contain it.
  if (tokens.some((t) => t.includes('\0'))) throw new TypeError('restrictions must not contain NUL characters');
  return runeTool(rune, () => wasmRestrictRune(rune, tokens.join('\0')));
}

/**
 * Predicts the node's answer to a call made with `rune`, as Core Lightning's `checkrune` decides:
 * `{allowed: true}`, `{allowed: false, reason}` or `{allowed: 'unknown', reason}`. Documented in
 * index.d.ts.
 */
export async function checkRune(rune, request) {
  if (request === null || typeof request !== 'object') throw new TypeError('request must be an object: {method, params?, nodeId?, time?}');
  const { method, params, nodeId } = request;
  if (typeof method !== 'string' || method === '') throw new TypeError('method must be a non-empty string');
  const paramsJson = encodeParams(params);
  if (nodeId !== undefined && (typeof nodeId !== 'string' || !HEX_NODE_ID.test(nodeId))) {
    throw new TypeError('nodeId must be 66 hex digits (the caller\'s node id)');
  }
  let time = request.time ?? Math.floor(Date.now() / 1000);
  if (time instanceof Date) time = Math.floor(time.getTime() / 1000);
  if (!Number.isSafeInteger(time)) throw new TypeError('time must be whole unix seconds (or a Date)');
  const [verdict, reason] = await runeTool(rune, () => wasmCheckRune(rune, method, paramsJson, nodeId, time));
  if (verdict === 'allowed') return { allowed: true };
  return { allowed: verdict === 'refused' ? false : 'unknown', reason };
}

// A JSON number (groups: fraction, exponent) or keyword, at a given index.
const LITERAL = /-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null/y;

/**
 * JSON.parse, except that an integer beyond Number's exact range (±(2^53 − 1): amounts past
 * ~90 000 BTC in msat, u64 fields) becomes a BigInt instead of a rounded Number. Only called
 * for calls with `bigint: true`, on replies the wasm core has checked are JSON; strings and
 * other numbers are read by JSON.parse itself. Nesting is capped as the core caps it.
 */
function parseWithBigints(text) {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const value = (depth) => {
    if (depth > 512) throw new SyntaxError('nested too deeply');
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const object = c === '{';
      const out = object ? {} : [];
      i++;
      ws();
      if (text[i] === (object ? '}' : ']')) {
        i++;
        return out;
      }
      for (;;) {
        if (object) {
          ws();
          const k = string();
          ws();
          if (text[i++] !== ':') throw new SyntaxError(`expected ':' at ${i - 1}`);
          // As JSON.parse: a later duplicate key wins; `__proto__` is an own property.
          Object.defineProperty(out, k, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
        } else out.push(value(depth + 1));
        ws();
        const sep = text[i++];
        if (sep === ',') continue;
        if (sep === (object ? '}' : ']')) return out;
        throw new SyntaxError(`unexpected ${JSON.stringify(sep ?? 'end')} at ${i - 1}`);
      }
    }
    if (c === '"') return string();
    LITERAL.lastIndex = i;
    const m = LITERAL.exec(text);
    if (!m) throw new SyntaxError(`unexpected ${JSON.stringify(c ?? 'end')} at ${i}`);
    i += m[0].length;
    const v = JSON.parse(m[0]);
    return typeof v === 'number' && !m[1] && !m[2] && !Number.isSafeInteger(v) ? BigInt(m[0]) : v;
  };
  const string = () => {
    const start = i;
    if (text[i] !== '"') throw new SyntaxError(`expected a string at ${i}`);
    for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const v = value(0);
  ws();
  if (i !== text.length) throw new SyntaxError(`unexpected data at ${i}`);
  return v;
}

/** `params` of a call as the JSON text sent (TypeError if it is not an object or array). */
function encodeParams(params) {
  if (params !== undefined && (params === null || typeof params !== 'object')) {
    throw new TypeError('params must be an object or an array');
  }
  try {
    let big = false;
    const mark = `\u0000lnc-bigint-${Math.random().toString(36).slice(2)}:`;
    const text = JSON.stringify(params ?? {}, (_, v) => {
      if (typeof v !== 'bigint') return v;
      big = true;
      return `${mark}${v}`;
    });
    if (!big) return text;
    // A bigint goes as the integer literal it is (JSON.stringify alone refuses bigints).
    const quoted = JSON.stringify(mark).slice(1, -1).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return text.replace(new RegExp(`"${quoted}(-?\\d+)"`, 'g'), '$1');
  } catch (e) {
    throw new TypeError(`params must be JSON-serialisable: ${e.message}`);
  }
}

/** 19535 `aborted`, with the signal's reason as its `cause` (as fetch rejects with it). */
function abortError(message, signal) {
  const err = new CommandoError(ErrorCode.LOCAL, message, 'aborted');
  err.cause = signal?.reason;
  return err;
}

function internalMessage(e) {
  return `the protocol core failed (${e?.message ?? e}); call again: a fresh core is loaded for the next call`;
}

/** Ends a socket now: `ws`'s terminate() where there is one (Core Lightning never answers a
 * close frame), else close() (a browser then finishes the closing on its own). */
function dropSocket(ws) {
  if (!ws) return;
  try {
    if (typeof ws.terminate === 'function') ws.terminate();
    else if (ws.readyState <= 1) ws.close();
  } catch { /* already closing */ }
}

const HEX_NODE_ID = /^0[23][0-9a-fA-F]{64}$/;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());
const decoder = new TextDecoder();
// Bytes from the socket go to the core this many at a time, each piece's events handled
// before the next: the wasm memory then holds about a packet, whatever a WebSocket message's size.
const RECEIVE_PIECE = 65536;

/** Bytes `start..end` of a reply that came in `parts` (the core hands replies out piece by
 * piece, keeping none), as text: a range within one part is decoded in place, else the range is
 * copied together once. */
function replyText(parts, start, end) {
  let out;
  let at = 0;
  let written = 0;
  for (const p of parts) {
    const from = Math.max(start - at, 0);
    const to = Math.min(end - at, p.length);
    at += p.length;
    if (from >= to) continue;
    if (!out) {
      if (to - from === end - start) return decoder.decode(p.subarray(from, to));
      out = new Uint8Array(end - start);
    }
    out.set(p.subarray(from, to), written);
    written += to - from;
    if (at >= end) break;
  }
  return decoder.decode(out ?? new Uint8Array(0));
}

function unrefTimer(t) {
  if (t && typeof t.unref === 'function') t.unref();
  return t;
}

function checkOptions(o) {
  if (o === null || typeof o !== 'object') throw new TypeError('connect() needs an options object');
  let url;
  try {
    url = new URL(o.url);
  } catch {
    throw new TypeError('url must be a ws:// or wss:// URL');
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new TypeError('url must be a ws:// or wss:// URL');
  if (typeof o.nodeId !== 'string' || !HEX_NODE_ID.test(o.nodeId)) {
    throw new TypeError('nodeId must be 66 hex digits (the node\'s 33-byte public key, starting 02 or 03)');
  }
  if (o.privateKey !== undefined && (typeof o.privateKey !== 'string' || !HEX_KEY.test(o.privateKey))) {
    throw new TypeError('privateKey must be 64 hex digits');
  }
  if (o.rune !== undefined && (typeof o.rune !== 'string' || o.rune === '')) throw new TypeError('rune must be a non-empty string');
  for (const k of ['timeoutMs', 'callTimeoutMs', 'keepaliveMs', 'maxReplyBytes', 'maxBufferedBytes']) {
    if (o[k] !== undefined && !(typeof o[k] === 'number' && o[k] >= 0 && Number.isFinite(o[k]))) {
      throw new TypeError(`${k} must be a non-negative number`);
    }
  }
  const WS = o.WebSocket;
  if (WS !== undefined && typeof WS !== 'function') {
    throw new TypeError('options.WebSocket must be a WebSocket class (in Node, the "ws" package\'s default export)');
  }
  if (o.signal !== undefined && !(o.signal && typeof o.signal.aborted === 'boolean')) throw new TypeError('signal must be an AbortSignal');
  const rc = o.reconnect === true ? {} : o.reconnect || null;
  return {
    url: url.href,
    nodeId: o.nodeId.toLowerCase(),
    privateKey: o.privateKey,
    rune: o.rune,
    timeoutMs: o.timeoutMs ?? 10000,
    callTimeoutMs: o.callTimeoutMs ?? 0,
    keepaliveMs: o.keepaliveMs ?? 30000,
    maxReplyBytes: o.maxReplyBytes ?? 64 * 1024 * 1024,
    maxBufferedBytes: o.maxBufferedBytes ?? 2 * (o.maxReplyBytes ?? 64 * 1024 * 1024),
    WebSocket: WS,
    reconnect: rc && {
      initialDelayMs: rc.initialDelayMs ?? 500,
      maxDelayMs: rc.maxDelayMs ?? 30000,
      maxAttempts: rc.maxAttempts ?? Infinity,
    },
  };
}

const inNode = typeof globalThis.process?.versions?.node === 'string' && typeof globalThis.document === 'undefined';
let nodeWs; // the "ws" package's WebSocket, once looked for: a class, or null when not installed

/**
 * The WebSocket to use when none was passed: in a browser the page's own; in Node the "ws"
 * package's when it is installed (Core Lightning refuses Node's built-in one), else the
 * built-in one (Node 22+), whose refusal {@link Connection} then explains.
 */
async function findWebSocket() {
  if (inNode) {
    if (nodeWs === undefined) {
      // A computed name, so that bundlers building for browsers do not try to resolve it.
      const name = 'ws';
      try {
        const m = await import(/* webpackIgnore: true */ /* @vite-ignore */ name);
        nodeWs = m.WebSocket ?? m.default ?? null;
      } catch {
        nodeWs = null;
      }
    }
    if (nodeWs) return nodeWs;
  }
  if (typeof globalThis.WebSocket === 'function') return globalThis.WebSocket;
  throw new TypeError(inNode
    ? 'no WebSocket here: run `npm install ws` (lncommando then uses it by itself) or pass options.WebSocket'
    : 'no WebSocket here: pass options.WebSocket');
}

/** Whether `WS` is a WebSocket that Core Lightning refuses: Node's built-in one (undici). */
function isUndici(WS) {
  return inNode && (WS === globalThis.WebSocket || !('on' in WS.prototype));
}

/** Node's TLS verification failures (the `ws` package's error, or fetch's cause): the certificate. */
const CERT_CODES = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED', 'CERT_REVOKED', 'CERT_SIGNATURE_FAILURE', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/** The reason phrase of Core Lightning's HTTP 400 to an upgrade it does not accept. */
const CLN_REFUSAL = 'I only speak websocket';

/** `https://host:port/` for a `wss://` URL: what to open in a tab to see the certificate. */
const httpsOf = (url) => `https://${new URL(url).host}/`;

/**
 * The error for a WebSocket that never opened. Browsers do not say why, so for a `wss://` URL a
 * plain no-cors request to the same address tells an HTTPS server that refused the upgrade from
 * nothing reachable (nothing listening, or a certificate this browser does not trust). In Node,
 * the `ws` package says why (the HTTP status, or the TLS error's code); with another WebSocket
 * (undici) the same plain request does.
 */
async function openFailure(o, detail, status, code, statusText = '') {
  const wss = /^wss:/i.test(o.url);
  const probe = status === undefined && code === undefined && typeof fetch === 'function'
    && (inNode ? isUndici(o.WebSocket) : wss);
  if (probe) {
    try {
      const res = await fetch(o.url.replace(/^ws/i, 'http'), inNode
        ? { signal: AbortSignal.timeout(2000), redirect: 'manual' }
        : { signal: AbortSignal.timeout(2000), mode: 'no-cors', credentials: 'omit', cache: 'no-store' }); // no-cors must follow redirects
      status = res.status; // 0 in a browser for another origin: an opaque answer, but an answer
      statusText = res.statusText;
      await res.body?.cancel();
    } catch (e) {
      code = e?.cause?.code; // Node: why fetch failed (a browser does not say)
    }
  }
  if (code !== undefined && CERT_CODES.has(code)) {
    return new CommandoError(ErrorCode.NOT_CONNECTED,
      `${o.url}'s TLS certificate is not trusted (${code}). A self-signed certificate, such as the one Core Lightning's`
      + ' wss-proxy makes (its ca.pem, in the wss-certs directory), must be trusted explicitly: run Node with'
      + ' NODE_EXTRA_CA_CERTS=/path/to/ca.pem, or pass a WebSocket that trusts it, e.g.'
      + ' options.WebSocket = class extends WebSocket { constructor(u) { super(u, { ca }); } } with ws', 'certificate');
  }
  if (status === undefined) {
    const why = wss && !inNode
      ? ': nothing answered there, or this browser does not trust its TLS certificate. Open '
        + `${httpsOf(o.url)} in a tab to see which: a certificate warning means the certificate needs trusting`
        + ' (Core Lightning\'s wss-proxy makes a self-signed one: import its ca.pem) or replacing by one from a public CA'
      : `${detail} (is anything listening there? Check the host and port, that the node has bind-addr=ws:… or the proxy runs)`;
    return new CommandoError(ErrorCode.NOT_CONNECTED, `could not open a WebSocket to ${o.url}${why}`, 'unreachable');
  }
  if (statusText === CLN_REFUSAL && !isUndici(o.WebSocket)) {
    return new CommandoError(ErrorCode.NOT_CONNECTED,
      `Core Lightning's WebSocket port answered ${o.url} with HTTP ${status} ${statusText}: it refused the upgrade's`
      + ' headers. It wants "Upgrade: websocket" and "Connection: Upgrade" with a capital U, so a proxy in front of it'
      + ' must send them so (nginx: proxy_set_header Connection "Upgrade")', 'upgrade-refused');
  }
  if (!inNode) {
    // In a browser only the probe answered (its status is 0 for another origin).
    return new CommandoError(ErrorCode.NOT_CONNECTED,
      `an HTTPS server answered at ${httpsOf(o.url)}${status ? ` (HTTP ${status})` : ''} but did not accept the WebSocket:`
      + ' an ordinary web server, or a reverse proxy whose location for this path lacks the Upgrade and Connection'
      + ' headers or cannot reach the node. Use the node\'s wss-proxy port, or the path your proxy forwards to the'
      + ' node\'s ws port', 'upgrade-refused');
  }
  const fix = isUndici(o.WebSocket)
    ? ': Node\'s built-in WebSocket (undici) is refused by Core Lightning, which matches header names case-sensitively.'
      + ' Run `npm install ws`; lncommando uses it by itself (or pass it as options.WebSocket)'
    : ' (is this Core Lightning\'s WebSocket port, bind-addr=ws:…, its wss-proxy, or a proxy\'s WebSocket location?)';
  return new CommandoError(ErrorCode.NOT_CONNECTED,
    `${o.url} answered the WebSocket upgrade with HTTP ${status} instead of 101${fix}`, 'upgrade-refused');
}

/** The error for a WebSocket the constructor refused (a bad URL, mixed content, a blocked port). */
function constructFailure(o, e) {
  if (e?.name === 'SecurityError' && /^ws:/i.test(o.url) && globalThis.location?.protocol === 'https:') {
    return new CommandoError(ErrorCode.NOT_CONNECTED,
      `this page is served over https, so the browser refuses the unencrypted ${o.url} (mixed content) before`
      + ' connecting. Use a wss:// URL: TLS in front of the node\'s WebSocket port (Core Lightning\'s wss-proxy'
      + ' plugin, or a reverse proxy such as nginx)', 'mixed-content');
  }
  return new CommandoError(ErrorCode.NOT_CONNECTED, `cannot open a WebSocket to ${o.url}: ${e?.message ?? e}`, 'unreachable');
}

/**
 * Connects to a node: opens the WebSocket, runs the BOLT 8 handshake and the `init` exchange,
 * and resolves with a ready {@link Connection}.
 */
export async function connect(options) {
  const o = checkOptions(options);
  o.WebSocket ??= await findWebSocket();
  if (options.signal?.aborted) throw abortError('connect aborted', options.signal);
  // In a browser, while the wasm is still loading, the WebSocket opens at once: the node's
  // upgrade (TCP, TLS and HTTP round trips) overlaps the wasm's fetch and compile. Nothing arrives on it before act
  // one is sent, so the connection takes it over as it is once the core is ready. (In Node the
  // wasm is read from disk, and a `ws` refusal's details need its listeners from the start.)
  let early = null;
  if (!loaded && !inNode) {
    try {
      early = new o.WebSocket(o.url);
      early.binaryType = 'arraybuffer';
    } catch {
      early = null; // the connection's own attempt makes the specific error
    }
  }
  try {
    await ready(options.wasm === undefined ? {} : { wasm: options.wasm });
    if (o.rune !== undefined) await decodeRune(o.rune); // A malformed rune is a TypeError now, not a 19536 later.
    if (options.signal?.aborted) throw abortError('connect aborted', options.signal);
  } catch (e) {
    dropSocket(early);
    throw e;
  }
  const conn = new Connection(o, early);
  await conn[FIRST_CONNECT](options.signal);
  conn[CONNECTED]();
  return conn;
}

/** A connection to one node. Events: `statechange`, `warning`, `message`, `close`. */
export class Connection extends EventTarget {
  #o;
  #session = null;
  #ws = null;
  #pending = new Map();
  #state = 'connecting';
  #timer = null;
  #timerAt = Infinity;
  #attempt = 0;
  #reconnectTimer = null;
  #closedByUser = false;
  #onReady = null;
  #onFail = null;
  #attemptTimer = null;
  // 'warning' and 'message' events dispatched before connect() resolved (no listener could
  // exist yet): replayed to the first listener of their type.
  #early = new Map();
  #buffering = true;
  // A WebSocket connect() opened while the wasm loaded: the first attempt's, if it came.
  #opened;

  constructor(o, opened = null) {
    super();
    this.#o = o;
    this.#opened = opened;
  }

  /** `'connecting' | 'ready' | 'reconnecting' | 'closed'`. */
  get state() {
    return this.#state;
  }

  #setState(s) {
    if (this.#state === s) return;
    this.#state = s;
    this.dispatchEvent(new CustomEvent('statechange', { detail: { state: s } }));
  }

  #emit(type, detail) {
    if (this.#buffering) {
      const q = this.#early.get(type) ?? [];
      if (q.length < 32) q.push(detail);
      this.#early.set(type, q);
    }
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  addEventListener(type, listener, options) {
    super.addEventListener(type, listener, options);
    const q = this.#early.get(type);
    if (q && listener) {
      this.#early.delete(type);
      queueMicrotask(() => {
        for (const detail of q) this.dispatchEvent(new CustomEvent(type, { detail }));
      });
    }
  }

  /** connect() has resolved: events from now on go to the listeners as they come. */
  [CONNECTED]() {
    this.#buffering = false;
  }

  /** Diagnostics: what the partial replies held by this connection cost in memory. */
  get bufferedBytes() {
    const s = this.#session;
    if (!s) return 0;
    const n = guard(() => s.buffered());
    return n === FAILED ? 0 : n;
  }

  /** The wasm instance failed (under this connection or another): end now, reason `internal`. */
  [INTERNAL](e) {
    this.#session = null; // never call into the failed instance again (#shutdown skips it)
    const message = `the protocol core failed (${e?.message ?? e}); the connection was closed. Connect again: a new connection gets a fresh core.`;
    const err = new CommandoError(ErrorCode.NOT_CONNECTED, message, 'internal');
    for (const id of [...this.#pending.keys()]) this.#settle(id, err);
    if (this.#state !== 'closed') {
      this.dispatchEvent(new CustomEvent('close', { detail: { reason: 'internal', message, willReconnect: false } }));
    }
    if (this.#onFail) {
      const fail = this.#onFail;
      this.#onFail = this.#onReady = null;
      fail(err);
    }
    this.#shutdown();
  }

  [FIRST_CONNECT](signal) {
    return new Promise((resolve, reject) => {
      let timer = null;
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const fail = (err) => {
        cleanup();
        this.#shutdown();
        reject(err);
      };
      const onAbort = () => fail(abortError('connect aborted', signal));
      this.#onReady = () => {
        cleanup();
        resolve();
      };
      this.#onFail = fail;
      if (this.#o.timeoutMs > 0) {
        timer = unrefTimer(setTimeout(() => fail(new CommandoError(ErrorCode.LOCAL, `connect timed out after ${this.#o.timeoutMs} ms${
          this.#ws?.readyState === 1
            ? ': the WebSocket opened, but the handshake did not finish. A wrong node id behind a proxy that does not pass on'
              + ' the node\'s hang-up (Core Lightning\'s wss-proxy does not), or a server that is not a Lightning node'
            : ': the WebSocket did not open in time'}`, 'timeout')), this.#o.timeoutMs));
      }
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort);
      try {
        this.#open();
      } catch (e) {
        fail(e);
      }
    });
  }

  /** A fresh session (fresh keys unless privateKey was given); calls queue in it until ready. */
  #newSession() {
    const o = this.#o;
    // Request ids stay below 2^53 so that they are exact JavaScript numbers.
    const firstId = Math.floor(Math.random() * 2 ** 20) * 2 ** 32;
    let s;
    try {
      s = guard(() => new WasmSession(o.nodeId, o.privateKey, o.maxReplyBytes, o.maxBufferedBytes, o.keepaliveMs, firstId, now()));
    } catch (e) {
      throw new TypeError(String(e));
    }
    if (s === FAILED) throw new CommandoError(ErrorCode.NOT_CONNECTED, internalMessage(broken), 'internal');
    this.#session = s;
    live.add(this);
  }

  #open() {
    if (!this.#session) this.#newSession();
    const o = this.#o;
    let ws = this.#opened;
    this.#opened = null;
    try {
      ws ??= new o.WebSocket(o.url);
    } catch (e) {
      throw constructFailure(o, e);
    }
    this.#ws = ws;
    const session = this.#session;
    let opened = false;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      opened = true;
      this.#pump();
    };
    ws.onmessage = (e) => {
      if (this.#session !== session) return;
      // Lightning is binary only: the core closes on a text message (not a Lightning node).
      if (typeof e.data === 'string') {
        if (guard(() => session.textReceived()) === FAILED) return;
        this.#pump();
        return;
      }
      const bytes = new Uint8Array(e.data);
      let i = 0;
      do {
        const piece = bytes.subarray(i, i + RECEIVE_PIECE);
        if (guard(() => session.receive(piece, now())) === FAILED) return;
        this.#pump();
        i += RECEIVE_PIECE;
      } while (i < bytes.length && this.#session === session);
    };
    let failing = false;
    const gone = (detail, status, code, statusText) => {
      if (this.#ws === ws) this.#ws = null;
      if (this.#session !== session || failing) return;
      if (!opened) {
        // The socket never opened: nothing listening, refused upgrade, bad TLS, …
        failing = true;
        if (guard(() => session.close()) === FAILED) return;
        openFailure(o, detail, status, code, statusText).then((err) => {
          if (this.#session === session) this.#drain(err);
        });
      } else {
        if (guard(() => session.lost()) === FAILED) return;
        this.#pump();
      }
    };
    // The "ws" package's error event carries the error (a TLS failure's code among them).
    ws.onerror = (e) => gone(e?.message ? `: ${e.message}` : '', undefined, e?.error?.code);
    ws.onclose = () => gone('');
    if (typeof ws.on === 'function') {
      // The "ws" package: a refused upgrade says why (Node's own WebSocket is refused by Core
      // Lightning: its header names are lower-case).
      ws.on('unexpected-response', (_req, res) => {
        gone('', res.statusCode, undefined, res.statusMessage);
        ws.terminate?.();
      });
    }
    // Opened early (connect()), its events may have come before these handlers.
    if (ws.readyState === 1) ws.onopen();
    else if (ws.readyState === 3) gone('');
  }

  /** Keeps the one timer the core asks for (`pollTimeout`): keep-alive pings, ping timeouts. */
  #schedule() {
    const session = this.#session;
    if (!session) return;
    const at = guard(() => session.pollTimeout());
    if (at === FAILED) return;
    if (at < 0) {
      clearTimeout(this.#timer);
      this.#timer = null;
      this.#timerAt = Infinity;
      return;
    }
    // A wake-up at or before `at` is set already: it asks again when it fires.
    if (this.#timer && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = unrefTimer(setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Infinity;
      const s = this.#session;
      if (!s || guard(() => s.handleTimeout(now())) === FAILED) return;
      this.#pump();
    }, Math.max(0, at - now())));
  }

  /** Sends what the core has to send, then handles its events. */
  #pump() {
    const session = this.#session;
    if (!session) return;
    const ws = this.#ws;
    if (ws && ws.readyState === 1) {
      for (;;) {
        const bytes = guard(() => session.transmit());
        if (bytes === FAILED) return;
        if (bytes === undefined) break;
        ws.send(bytes);
      }
      // The core bounds what waits to be sent, the socket's backlog included.
      if (guard(() => session.socketBacklog(ws.bufferedAmount ?? 0)) === FAILED) return;
    }
    while (this.#session === session) {
      const ev = guard(() => session.event());
      if (ev === FAILED) return;
      if (ev === undefined) {
        this.#schedule();
        return;
      }
      this.#handle(ev);
    }
  }

  #handle(ev) {
    switch (ev[0]) {
      case 'ready':
        clearTimeout(this.#attemptTimer);
        this.#attemptTimer = null;
        this.#attempt = 0;
        this.#setState('ready');
        this.#onReady?.();
        this.#onReady = this.#onFail = null;
        break;
      case 'part': {
        // A view into wasm memory: copied before the next call into the module.
        const p = this.#pending.get(ev[1]);
        if (p) p.parts.push(ev[2].slice());
        break;
      }
      case 'result': {
        const [, id, start, end] = ev;
        const p = this.#pending.get(id);
        if (!p) break;
        let value;
        try {
          const text = replyText(p.parts, start, end);
          p.parts = [];
          value = p.bigint ? parseWithBigints(text) : JSON.parse(text);
        } catch (e) {
          this.#settle(id, new CommandoError(ErrorCode.LOCAL, `reply is not JSON: ${e.message}`, 'bad-reply'));
          break;
        }
        this.#settle(id, null, value);
        break;
      }
      case 'error': {
        const [, id, code, message, reason, ds, de] = ev;
        let data;
        if (ds >= 0) {
          try {
            data = JSON.parse(replyText(this.#pending.get(id)?.parts ?? [], ds, de));
          } catch {
            data = undefined;
          }
        }
        this.#settle(id, new CommandoError(code, message, reason, data));
        break;
      }
      case 'failed': {
        const [, id, reason, code, message] = ev;
        const err = new CommandoError(code, message, reason);
        const signal = this.#pending.get(id)?.signal;
        if (reason === 'aborted' && signal) err.cause = signal.reason;
        this.#settle(id, err);
        break;
      }
      case 'warning':
        this.#emit('warning', { message: ev[1], isError: ev[2] });
        break;
      case 'message':
        this.#emit('message', { type: ev[1], payload: ev[2] });
        break;
      case 'closed':
        this.#closed(ev[1], ev[2]);
        break;
      default:
        break; // 'state': our own state names are derived above and below.
    }
  }

  /**
   * Node: the reconnection timers are unref()'d so that a dropped connection does not keep a
   * process alive on its own; while calls wait for the reconnection, they hold it open (a
   * script awaiting a call must not exit during the backoff).
   */
  #holdOpen() {
    const waiting = this.#pending.size > 0;
    for (const t of [this.#reconnectTimer, this.#attemptTimer]) {
      if (t && typeof t.ref === 'function') {
        if (waiting) t.ref();
        else t.unref();
      }
    }
  }

  #settle(id, err, value) {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#holdOpen();
    p.cleanup();
    if (err) p.reject(err);
    else p.resolve(value);
  }

  /** Rejects every pending call with `err` (used when the socket never opened). */
  #drain(err) {
    for (const id of [...this.#pending.keys()]) this.#settle(id, err);
    this.#closed(err.reason, err.message, err);
  }

  /** The connection ended: the close event, then a first connect's failure, a reconnection,
   * or the end. */
  #closed(reason, message, err) {
    const ws = this.#ws;
    this.#ws = null;
    dropSocket(ws);
    const error = err ?? new CommandoError(ErrorCode.NOT_CONNECTED, message, reason);
    const retry = !this.#closedByUser && !!this.#o.reconnect && (this.#state === 'ready' || this.#state === 'reconnecting')
      && this.#attempt < this.#o.reconnect.maxAttempts;
    this.dispatchEvent(new CustomEvent('close', { detail: { reason: error.reason, message, willReconnect: retry } }));
    if (this.#onFail) {
      const fail = this.#onFail;
      this.#onFail = this.#onReady = null;
      fail(error);
    } else if (retry) {
      this.#reconnect();
    } else {
      this.#shutdown();
    }
  }

  /** The next reconnection attempt, after the backoff delay. */
  #reconnect() {
    this.#setState('reconnecting');
    const rc = this.#o.reconnect;
    const delay = Math.min(rc.maxDelayMs, rc.initialDelayMs * 2 ** this.#attempt);
    this.#attempt += 1;
    // A fresh session right away: calls made while reconnecting queue in it and go out once it
    // is ready. Nothing that was in flight is re-sent.
    this.#session = null;
    this.#newSession();
    this.#reconnectTimer = unrefTimer(setTimeout(() => {
      this.#reconnectTimer = null;
      try {
        this.#open();
      } catch (e) {
        this.#closed(e?.reason ?? 'unreachable', String(e?.message ?? e), e instanceof CommandoError ? e : undefined);
        return;
      }
      // Each attempt has the connect deadline: a node that accepts and then stalls the
      // handshake fails this attempt (reason connect-timeout), and the backoff goes on.
      const session = this.#session;
      if (this.#o.timeoutMs > 0 && session) {
        this.#attemptTimer = unrefTimer(setTimeout(() => {
          this.#attemptTimer = null;
          if (this.#session !== session) return;
          if (guard(() => session.connectTimedOut()) === FAILED) return;
          this.#pump();
        }, this.#o.timeoutMs));
        this.#holdOpen();
      }
    }, delay));
    this.#holdOpen();
  }

  #shutdown() {
    dropSocket(this.#opened);
    this.#opened = null;
    clearTimeout(this.#timer);
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#attemptTimer);
    this.#timer = this.#reconnectTimer = this.#attemptTimer = null;
    this.#timerAt = Infinity;
    const session = this.#session;
    if (session) {
      if (guard(() => session.close()) !== FAILED) {
        for (;;) {
          const ev = guard(() => session.event());
          if (ev === FAILED || ev === undefined) break;
          if (ev[0] === 'failed') this.#handle(ev);
        }
      }
    }
    this.#session = null;
    live.delete(this);
    releaseMemorySoon();
    const ws = this.#ws;
    this.#ws = null;
    dropSocket(ws);
    for (const id of [...this.#pending.keys()]) {
      this.#settle(id, new CommandoError(ErrorCode.NOT_CONNECTED, 'connection closed', 'closed'));
    }
    this.#setState('closed');
  }

  /**
   * Runs `method` on the node with `params` (an object or an array) and resolves with its
   * result. Rejects with a {@link CommandoError}; bad arguments throw a `TypeError`.
   */
  commando(method, params, options = {}) {
    return new Promise((resolve, reject) => {
      if (typeof method !== 'string' || method === '') throw new TypeError('method must be a non-empty string');
      if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
      const paramsJson = encodeParams(params);
      let filterJson;
      try {
        filterJson = options.filter === undefined ? undefined : JSON.stringify(options.filter);
      } catch (e) {
        throw new TypeError(`filter must be JSON-serialisable: ${e.message}`);
      }
      const rune = options.rune ?? this.#o.rune;
      if (typeof rune !== 'string' || rune === '') throw new TypeError('rune is required: pass it to connect() or to commando()');
      const timeoutMs = options.timeoutMs ?? this.#o.callTimeoutMs;
      if (!(typeof timeoutMs === 'number' && timeoutMs >= 0)) throw new TypeError('timeoutMs must be a non-negative number');
      const signal = options.signal;
      if (signal?.aborted) {
        reject(abortError('call aborted', signal));
        return;
      }
      if (!this.#session) {
        reject(new CommandoError(ErrorCode.NOT_CONNECTED, 'not connected', 'closed'));
        return;
      }
      const session = this.#session;
      let id;
      try {
        id = guard(() => session.request(method, paramsJson, rune, filterJson));
      } catch (e) {
        throw new TypeError(String(e));
      }
      if (id === FAILED) {
        reject(new CommandoError(ErrorCode.NOT_CONNECTED, internalMessage(broken), 'internal'));
        return;
      }
      let timer = null;
      // Giving up goes through the core, whose `failed` event (timeout or aborted) settles it.
      const giveUp = (ms) => {
        if (guard(() => session.giveUp(id, ms)) !== FAILED && this.#session === session) this.#pump();
      };
      const onAbort = () => giveUp(-1);
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.#pending.set(id, { resolve, reject, cleanup, signal, bigint: options.bigint === true, parts: [] });
      // The first waiting call holds Node open through a reconnection (the last lets it go).
      if (this.#pending.size === 1) this.#holdOpen();
      if (timeoutMs > 0) timer = setTimeout(() => giveUp(timeoutMs), timeoutMs);
      signal?.addEventListener('abort', onAbort);
      this.#pump();
    });
  }

  /**
   * Sends a custom message (`type` should be odd and ≥ 32768) with a payload.
   */
  sendMessage(type, payload) {
    if (!Number.isInteger(type) || type < 0 || type > 65535) throw new TypeError('type must be an integer in 0..65535');
    if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array');
    if (this.#state !== 'ready') throw new CommandoError(ErrorCode.NOT_CONNECTED, 'not connected', 'closed');
    const msg = new Uint8Array(2 + payload.length);
    msg[0] = type >> 8;
    msg[1] = type & 255;
    msg.set(payload, 2);
    const session = this.#session;
    let r;
    try {
      r = guard(() => session.sendMessage(msg));
    } catch (e) {
      throw new CommandoError(ErrorCode.NOT_CONNECTED, String(e), 'transport');
    }
    if (r === FAILED) throw new CommandoError(ErrorCode.NOT_CONNECTED, internalMessage(broken), 'internal');
    this.#pump();
  }

  /**
   * Closes the connection: pending calls reject with -32600 `closed`, the state is `closed`,
   * and the socket is ended (in Node with `ws`, destroyed at once; a browser finishes the
   * WebSocket closing on its own, which against Core Lightning, which ignores close frames,
   * can take it a while in the background). Resolves once all that is done; never rejects.
   */
  close() {
    this.#closedByUser = true;
    if (this.#state === 'closed') return Promise.resolve();
    const session = this.#session;
    if (session && guard(() => session.close()) !== FAILED) this.#pump();
    this.#shutdown();
    return Promise.resolve();
  }
}
