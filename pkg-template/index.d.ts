/**
 * lncommando: talk to a Core Lightning node from a web page (or Node 20+) over WebSocket:
 * BOLT 8 handshake, BOLT 1 init and pings, and commando RPCs authorised by a rune.
 *
 * @example
 * ```js
 * import { connect } from 'lncommando';
 * const node = await connect({ url: 'ws://127.0.0.1:9736', nodeId: '02…', rune: '…' });
 * const info = await node.commando('getinfo');
 * await node.close();
 * ```
 * @packageDocumentation
 */

import type { Methods } from './methods.js';
export type * from './methods.js';

/** A method's params and call options: by name as its schema says (or positional, unchecked). */
export type CommandoArgs<M extends string> = M extends keyof Methods
  ? {} extends Methods[M]['request']
    ? [params?: Methods[M]['request'] | unknown[], options?: CallOptions]
    : [params: Methods[M]['request'] | unknown[], options?: CallOptions]
  : [params?: object | unknown[], options?: CallOptions];

/** Error codes of {@link CommandoError}, as Core Lightning's `commando` uses them. */
export declare const ErrorCode: {
  /** The node's commando plugin rejected the request (bad JSON, missing id, undecodable rune). */
  readonly REJECTED: 19536;
  /** The rune does not authorise this call (`Invalid rune: Not permitted: …`). */
  readonly NOT_AUTHORISED: 19537;
  /** A local failure: reason `timeout`, `aborted`, `too-large` or `bad-reply`. */
  readonly LOCAL: 19535;
  /** Not connected: the connection failed, was lost or closed (reason says how). */
  readonly NOT_CONNECTED: -32600;
};

/**
 * Why a call or a connection failed.
 *
 * - `reason`: `not-authorised` (19537), `rejected` (19536), `node` (the node's own JSON-RPC
 *   error for the method, any other code), `timeout` / `aborted` / `too-large` / `bad-reply`
 *   (19535), or for -32600: `unreachable` (the WebSocket did not open: nothing listening, or
 *   in a browser a `wss://` certificate it does not trust; the message says how to tell),
 *   `mixed-content` (an https page given a `ws://` URL: the browser refused it before
 *   connecting; use `wss://`), `certificate` (Node: the `wss://` server's TLS certificate is not
 *   trusted; the message names `NODE_EXTRA_CA_CERTS`), `upgrade-refused` (a server answered
 *   the WebSocket upgrade with HTTP instead: an ordinary web site, a proxy location without the
 *   Upgrade headers, or in Node the built-in WebSocket, which Core Lightning refuses; the
 *   message names the fix), `handshake` (the BOLT 8 handshake failed: wrong node id, a proxy
 *   that could not reach its node, not a Lightning node), `closed` (the connection ended),
 *   `transport` (a corrupted packet), `protocol` (the node broke BOLT 1, or a text message:
 *   not a Lightning node), `ping-timeout`,
 *   `ping-flood` (the node pinged far faster than BOLT 1 allows), `send-backlog` (the node
 *   stopped reading: more than the send cap waited), `connect-timeout` (a reconnection attempt's
 *   handshake did not finish in `timeoutMs`), `internal` (the wasm core failed, e.g. out of
 *   memory: the connection ended, and the next connection gets a fresh core).
 * - `data`: the node's error `data`, when it sent some.
 *
 * Messages never contain the rune or the private key.
 */
export declare class CommandoError extends Error {
  readonly name: 'CommandoError';
  /** 19537, 19536, 19535, -32600, or the node's own code (e.g. -32601 unknown command). */
  readonly code: number;
  /** A short machine-readable name for the failure (see the class documentation). */
  readonly reason: CommandoErrorReason;
  /** The node's error data, if any. */
  readonly data?: unknown;
  /** For reason `aborted`: the AbortSignal's `reason`. */
  readonly cause?: unknown;
}

/** The short names of {@link CommandoError.reason}. */
export type CommandoErrorReason =
  | 'not-authorised' | 'rejected' | 'node'
  | 'timeout' | 'aborted' | 'too-large' | 'bad-reply'
  | 'unreachable' | 'mixed-content' | 'certificate' | 'upgrade-refused' | 'handshake' | 'closed' | 'transport' | 'protocol'
  | 'ping-timeout' | 'ping-flood' | 'send-backlog' | 'connect-timeout' | 'internal';

/**
 * What lncommando needs of a WebSocket: the page's, the `ws` package's and Node's built-in one
 * (undici) all have it.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount?: number;
  send(data: Uint8Array): void;
  close(): void;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
}

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** `ws://` or `wss://` URL: the node's WebSocket port (`bind-addr=ws:…`) or a ws→tcp proxy. */
  url: string;
  /** The node's id: its 33-byte public key as 66 hex digits. */
  nodeId: string;
  /** The default rune for {@link Connection.commando}. */
  rune?: string;
  /**
   * Our private key (64 hex digits). Default: a fresh random key per connection. Two tabs with
   * the same key kick each other off the node.
   */
  privateKey?: string;
  /** Give up connecting after this many ms (default 10000; 0: never). */
  timeoutMs?: number;
  /** Default per-call timeout in ms (default 0: none, as Core Lightning). */
  callTimeoutMs?: number;
  /** Ping the node after this many ms of silence; close if it stays silent as long again (default 30000; 0: off). */
  keepaliveMs?: number;
  /** Cap on one reply's size in bytes (default 64 MiB): a larger reply fails its call with 19535 `too-large`. */
  maxReplyBytes?: number;
  /**
   * Memory budget in bytes for all replies being received at once, counted at their real cost
   * (default twice `maxReplyBytes`): past it the largest fails with 19535 `too-large`. The
   * replies' pieces are held in JavaScript as they arrive; the wasm memory stays about a packet.
   */
  maxBufferedBytes?: number;
  /** Aborts the connection attempt. */
  signal?: AbortSignal;
  /** Where the wasm is, as {@link ready} takes it (for bundles without the .wasm next to them). */
  wasm?: WasmSource;
  /**
   * A WebSocket constructor. Default: in a browser, the page's `WebSocket`; in Node, the `ws`
   * package's when it is installed (Core Lightning refuses Node's built-in one, undici, with
   * HTTP 400), else the built-in one (Node 22+).
   */
  WebSocket?: new (url: string) => WebSocketLike;
  /**
   * Reconnect with backoff and a fresh handshake after the connection drops. Calls in flight at
   * the drop still reject (nothing is re-sent); calls made while reconnecting wait for it.
   */
  reconnect?: boolean | { initialDelayMs?: number; maxDelayMs?: number; maxAttempts?: number };
}

/** Options of one {@link Connection.commando} call. */
export interface CallOptions {
  /** The rune for this call (default: the one given to {@link connect}). */
  rune?: string;
  /** Which fields of the result to keep, as lightningd's `filter` (e.g. `{id: true}`). */
  filter?: object;
  /** Reject with 19535 `timeout` after this many ms (the connection stays usable). */
  timeoutMs?: number;
  /** Aborts the call (19535 `aborted`); its late reply is dropped. */
  signal?: AbortSignal;
  /**
   * Integers past 2^53 as `bigint`. JSON numbers are read into JavaScript numbers, which are
   * exact only up to 2^53 − 1 (9 007 199 254 740 991: ~90 000 BTC in msat; `u64` fields such as
   * some ids and feature bits can be larger). With `bigint: true` such integers come back as
   * `bigint` (all others stay numbers), and the result's type says `number | bigint` for its
   * numeric fields. Default false: larger integers are rounded, as JSON.parse rounds them.
   */
  bigint?: boolean;
}

/** A result with `bigint: true`: every number may be a `bigint` (those past 2^53 are). */
export type WithBigints<T> = T extends number
  ? number | bigint
  : T extends readonly (infer U)[]
    ? WithBigints<U>[]
    : T extends object
      ? { [K in keyof T]: WithBigints<T[K]> }
      : T;

/** The connection's state. */
export type ConnectionState = 'connecting' | 'ready' | 'reconnecting' | 'closed';

/** An event of a {@link Connection} (a `CustomEvent`): its `detail`. */
export interface LncEvent<T> extends Event {
  readonly detail: T;
}
/** addEventListener's options (declared here, so that no `dom` lib is needed). */
export interface ListenerOptions {
  capture?: boolean;
  once?: boolean;
  passive?: boolean;
  signal?: AbortSignal;
}

/** Event details. */
export interface StateChangeDetail { state: ConnectionState }
/** The node's `warning` (or `error`) message text. */
export interface WarningDetail { message: string; isError: boolean }
/** A custom or unknown odd message. */
export interface MessageDetail { type: number; payload: Uint8Array }
/** Why the connection closed. */
export interface CloseDetail { reason: string; message: string; willReconnect: boolean }

/**
 * A connection to one node. Events (`CustomEvent` with `detail`): `statechange`, `warning`,
 * `message`, `close`. `warning` and `message` events that arrived before {@link connect}
 * resolved (e.g. a warning in the same packet as the node's `init`) are delivered to the first
 * listener added for their type.
 */
export declare class Connection extends EventTarget {
  /** `'connecting' | 'ready' | 'reconnecting' | 'closed'`. */
  readonly state: ConnectionState;
  /**
   * Runs `method` on the node and resolves with its `result`. `params` is an object or an array
   * (default `{}`); large params go as a multi-part request. Many calls may be in flight.
   * Rejects with {@link CommandoError}; throws `TypeError` on bad arguments.
   *
   * Typed for every Core Lightning method (`methods.d.ts`, generated from its schemas):
   * `commando('invoice', {amount_msat, label, description})` checks the params by name (required
   * ones too) and resolves to `InvoiceResponse`. Positional (array) params are accepted
   * unchecked. Any other method (a plugin's) is untyped: its result is `unknown` (cast it to
   * the shape you expect).
   */
  commando<M extends string>(method: M, params: CommandoArgs<M>[0], options: CallOptions & { bigint: true }): Promise<M extends keyof Methods ? WithBigints<Methods[M]['response']> : unknown>;
  commando<M extends string>(method: M, ...args: CommandoArgs<M>): Promise<M extends keyof Methods ? Methods[M]['response'] : unknown>;
  /** Sends a custom message (use an odd type ≥ 32768). */
  sendMessage(type: number, payload: Uint8Array): void;
  /**
   * Closes the connection: pending calls reject with -32600 `closed`, `state` becomes `closed`
   * and the socket is ended (destroyed at once with `ws` in Node; a browser finishes the
   * WebSocket close in the background). Resolves when that is done; never rejects.
   */
  close(): Promise<void>;
  /** Diagnostics: the memory, in bytes, that replies being received hold now (bounded by `maxBufferedBytes`). */
  readonly bufferedBytes: number;
  addEventListener(type: 'statechange', listener: (e: LncEvent<StateChangeDetail>) => void, options?: boolean | ListenerOptions): void;
  addEventListener(type: 'warning', listener: (e: LncEvent<WarningDetail>) => void, options?: boolean | ListenerOptions): void;
  addEventListener(type: 'message', listener: (e: LncEvent<MessageDetail>) => void, options?: boolean | ListenerOptions): void;
  addEventListener(type: 'close', listener: (e: LncEvent<CloseDetail>) => void, options?: boolean | ListenerOptions): void;
  addEventListener(type: string, listener: ((e: Event) => void) | { handleEvent(e: Event): void } | null, options?: boolean | ListenerOptions): void;
}

/**
 * Opens a WebSocket, runs the BOLT 8 handshake and the init exchange, and resolves with a
 * ready connection. Loads the wasm by itself. Rejects with {@link CommandoError} (-32600
 * `unreachable` / `handshake` / `closed`, 19535 `timeout` / `aborted`); throws `TypeError` on
 * bad options (naming the option, never echoing secrets).
 */
export declare function connect(options: ConnectOptions): Promise<Connection>;

/** One alternative of a rune restriction: `field op value`. */
export interface RuneAlternative {
  field: string;
  /** One of `!` `=` `/` `^` `$` `~` `<` `>` `{` `}` `#`. */
  op: string;
  value: string;
}

/** What a rune allows. */
export interface DecodedRune {
  uniqueId: string | null;
  version: string | null;
  /** Every restriction must pass; a restriction passes when one of its alternatives does. */
  restrictions: RuneAlternative[][];
  /** The restrictions as rune text, unique id first: `=0&method^list|method^get` (`&`, `|` and `\` in values escaped). */
  text: string;
}

/** Decodes a rune (throws `TypeError` if it is malformed, without quoting it). */
export declare function decodeRune(rune: string): Promise<DecodedRune>;

/**
 * One alternative for {@link restrictRune}: a string as Core Lightning's `createrune` takes it
 * (`'method=getinfo'`, `'time<1767225600'`, `'pnameamount_msat<100000'`, `'rate=10'`: the field
 * name runs to the first punctuation other than `_`, which must be an operator; the rest is the
 * value, verbatim), or its parts (`{field: 'pnameamount_msat', op: '<', value: 100000}`).
 */
export type RestrictionAlternative = string | { field: string; op: string; value: string | number };

/**
 * Narrows a rune offline, without the node or its secret: the result carries `rune`'s
 * restrictions and then `restrictions` (every restriction must pass; a restriction passes when
 * one of its alternatives does), and the node accepts it exactly when it accepts `rune`. The
 * same as `createrune rune=… restrictions=…` on the node, with no connection. `'readonly'` adds
 * `createrune`'s readonly pair (`method^list|method^get|method=summary`, `method/listdatastore`).
 *
 * Throws `TypeError` naming the restriction at fault (`restrictions[0][1]: invalid operator '@'
 * at offset 6`): an unknown operator, a field name with punctuation, an empty restriction, a
 * malformed rune (never quoted).
 *
 * @example
 * ```js
 * // Read-only, for one day, at most 10 calls a minute:
 * const tomorrow = Math.floor(Date.now() / 1000) + 86400;
 * const narrow = await restrictRune(rune, [
 *   ['method^list', 'method^get', 'method=summary'],
 *   [`time<${tomorrow}`],
 *   ['rate=10'],
 * ]);
 * ```
 */
export declare function restrictRune(rune: string, restrictions: RestrictionAlternative[][] | 'readonly'): Promise<string>;

/** A call for {@link checkRune} to judge. */
export interface RuneCheckRequest {
  /** The method, as it would be called. */
  method: string;
  /** Its params, as they would be sent (default `{}`). */
  params?: object | unknown[];
  /** The caller's node id (66 hex digits), for `id` restrictions; without it they are `'unknown'`. */
  nodeId?: string;
  /** When: unix seconds or a Date (default now), for `time` restrictions. */
  time?: number | Date;
}

/** {@link checkRune}'s answer. */
export type RuneCheck =
  | { allowed: true }
  /** `reason`: the node's message after `Invalid rune: `, e.g. `Not permitted: method is not equal to getinfo`. */
  | { allowed: false; reason: string }
  /** `reason`: what the answer depends on (a `rate` or `per` limit: when the node last accepted the rune; an invoice's fields; the caller's node id). */
  | { allowed: 'unknown'; reason: string };

/**
 * Predicts what the node answers to a call made with `rune`, offline, with Core Lightning's own
 * evaluation (the code the node's `checkrune` runs, ported and held to a real node by the
 * tests): `{allowed: false, reason}` carries its exact message. Field values are derived as the
 * node derives them from the request this package sends: a string parameter is its JSON text
 * without quotes (escapes kept: `a\"b`), a JSON integer is an integer, anything else is its
 * JSON text; `pnameX` matches a parameter named `X` as written or without punctuation.
 *
 * Only the node can check that the rune is its own (derived from its secret) and not
 * blacklisted: `allowed: true` means its restrictions allow the call.
 *
 * @example
 * ```js
 * const r = await checkRune(rune, { method: 'listfunds' });
 * if (r.allowed === false) console.log(r.reason); // "Not permitted: method is not equal to getinfo"
 * ```
 */
export declare function checkRune(rune: string, request: RuneCheckRequest): Promise<RuneCheck>;

/**
 * Where the wasm is: its URL, a (promised) Response, its bytes, or a compiled
 * `WebAssembly.Module` (typed as `object`, so that no `dom` lib is needed; checked at run time).
 */
export type WasmSource = string | URL | Response | PromiseLike<Response> | ArrayBuffer | ArrayBufferView | object;

/**
 * Loads the wasm ahead of time (optional: {@link connect} and the rune functions do it).
 * `wasm`: where it is, when a bundler does not put `lncommando_wasm_bg.wasm` next to the
 * bundle (esbuild, Rollup: copy the file and pass its URL; an IIFE bundle: the URL or the bytes).
 * The first `wasm` given is used. Default: next to this module (`import.meta.url`), read from
 * disk in Node.
 */
export declare function ready(options?: { wasm?: WasmSource }): Promise<void>;

/** Diagnostics: the size of the wasm linear memory in bytes (0 before the wasm is loaded). */
export declare function wasmMemoryBytes(): number;
