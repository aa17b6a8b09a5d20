//! wasm-bindgen bindings of lncommando's protocol core: a [`Session`] behind a small class that
//! JavaScript drives (bytes in, bytes and events out), and rune decoding.
//!
//! This is a shell: no protocol logic here. The JavaScript API (promises, AbortSignal,
//! EventTarget, errors, the WebSocket) is `pkg-template/index.js`, which drives this class.
//! Events cross the boundary as small arrays, documented on [`WasmSession::event`].
//!
//! `no_std` in the browser build, as the core is: std's panic handler would format every panic
//! message (`core::fmt`, Debug impls, locations) into a module that can only abort. Here a panic
//! is the trap it would end in anyway, and the JS API replaces the instance after a trap.
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use js_sys::{Array, Uint8Array};
use lncommando::commando::Outcome;
use lncommando::hex;
use lncommando::rune::{Alternative, Op, Request, Restriction, Rune, Verdict};
use lncommando::transport::Keypair;
use lncommando::{CloseReason, Config, Event, GiveUp, Session, State};
use wasm_bindgen::prelude::*;

// The allocator: talc's is ~1 KB of wasm where Rust's default, dlmalloc, is ~8 KB (the package
// measured 6.8 KB smaller, 2.6 KB gzip). This module is single-threaded (no atomics).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

// A panic aborts: the trap the JS API recovers from (no message: nothing formats it).
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// A client session with one node.
#[wasm_bindgen]
pub struct WasmSession {
    inner: Session,
    /// The last reply piece's bytes, lent to JavaScript as a view until the next call to `event`.
    lent: Vec<u8>,
}

fn state_name(s: State) -> &'static str {
    match s {
        State::Handshake => "handshake",
        State::Init => "init",
        State::Ready => "ready",
        State::Closed => "closed",
    }
}

fn js_array(items: &[JsValue]) -> JsValue {
    let a = Array::new();
    for i in items {
        a.push(i);
    }
    a.into()
}

fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}

fn n(v: f64) -> JsValue {
    JsValue::from_f64(v)
}

fn close_event(kind: &str, reason: &CloseReason) -> JsValue {
    js_array(&[s(kind), s(reason.kind()), s(&reason.to_string())])
}

#[wasm_bindgen]
impl WasmSession {
    /// Starts a session with `node_id` (66 hex digits). `private_key` (64 hex digits) is ours;
    /// `None` makes a fresh random one. Throws a string naming the bad argument.
    #[wasm_bindgen(constructor)]
    pub fn new(
        node_id: &str,
        private_key: Option<String>,
        max_reply_len: f64,
        max_buffered: f64,
        keepalive_ms: f64,
        first_id: f64,
        now: f64,
    ) -> Result<WasmSession, JsValue> {
        let node: [u8; 33] = hex::decode_array(node_id)
            .map_err(|_| s("nodeId must be 66 hex digits (a 33-byte public key)"))?;
        let local = match private_key {
            Some(k) => {
                let bytes = hex::decode_array::<32>(&k)
                    .map_err(|_| s("privateKey must be 64 hex digits"))?;
                Keypair::from_secret(&bytes)
                    .map_err(|_| s("privateKey is not a valid secp256k1 key"))?
            }
            None => Keypair::random()
                .map_err(|_| s("no secure random source (crypto.getRandomValues)"))?,
        };
        let ephemeral =
            Keypair::random().map_err(|_| s("no secure random source (crypto.getRandomValues)"))?;
        let config = Config {
            max_reply_len: max_reply_len as usize,
            max_buffered: max_buffered as usize,
            keepalive_ms: (keepalive_ms > 0.0).then_some(keepalive_ms as u64),
            // Replies leave the wasm memory piece by piece ("part" events): it stays bounded
            // by a packet, whatever the reply's size.
            stream_replies: true,
            ..Config::default()
        };
        let inner = Session::new(config, local, &node, ephemeral, first_id as u64, now as u64)
            .map_err(|_| s("nodeId is not a valid secp256k1 public key"))?;
        Ok(WasmSession {
            inner,
            lent: Vec::new(),
        })
    }

    /// Queues a commando request; returns its id. `params` and `filter` are JSON text. Throws a
    /// string naming the bad argument.
    pub fn request(
        &mut self,
        method: &str,
        params: &str,
        rune: &str,
        filter: Option<String>,
    ) -> Result<f64, JsValue> {
        use lncommando::commando::RequestError as E;
        self.inner
            .request(method, params, rune, filter.as_deref())
            .map(|id| id as f64)
            .map_err(|e| {
                let arg = match e {
                    E::BadMethod => "method",
                    E::BadParams(_) => "params",
                    E::BadFilter(_) => "filter",
                    E::MissingRune => "rune",
                    E::TooLarge(_) => "params",
                    _ => "request",
                };
                s(&format!("{arg}: {e}"))
            })
    }

    /// The socket's unsent bytes (`bufferedAmount`); past the send-backlog cap the session
    /// closes (`["closed", "send-backlog", …]`).
    #[wasm_bindgen(js_name = socketBacklog)]
    pub fn socket_backlog(&mut self, bytes: f64) {
        self.inner.set_socket_backlog(bytes as usize);
    }

    /// Diagnostics: what the partial replies held cost in memory.
    // `&mut self` here and in `poll_timeout`, though they only read: wasm-bindgen then needs
    // one borrow shim, not two (~150 bytes).
    pub fn buffered(&mut self) -> f64 {
        self.inner.buffered() as f64
    }

    /// Gives up on a request: its late reply is dropped, and its `failed` event says why —
    /// `timeout` when `timeout_ms` is 0 or more, `aborted` when it is negative.
    #[wasm_bindgen(js_name = giveUp)]
    pub fn give_up(&mut self, id: f64, timeout_ms: f64) -> bool {
        let why = if timeout_ms >= 0.0 {
            GiveUp::Timeout {
                after_ms: timeout_ms as u64,
            }
        } else {
            GiveUp::Aborted
        };
        self.inner.give_up(id as u64, why)
    }

    /// Bytes received from the socket (any split).
    pub fn receive(&mut self, bytes: &[u8], now: f64) {
        self.inner.receive(bytes, now as u64);
    }

    /// Bytes to send as one binary frame, or `undefined`.
    pub fn transmit(&mut self) -> Option<Vec<u8>> {
        self.inner.poll_transmit()
    }

    /// The next event as an array, or `undefined`:
    /// - `["state", name]` — `handshake`, `init`, `ready`, `closed`;
    /// - `["ready", featuresHex]`;
    /// - `["part", id, bytes]` — the next piece of a reply (never empty). `bytes` is a view
    ///   into wasm memory, valid only until the next call into this module: copy it at once.
    ///   The reply is its pieces joined, and its `result`, `error` or `failed` follows the last;
    /// - `["result", id, start, end]` — the result is bytes `start..end` of the reply (JSON);
    /// - `["error", id, code, message, reason, dataStart, dataEnd]` — the node's or
    ///   commando's error, `reason` `not-authorised`, `rejected` or `node` (`dataStart` is -1
    ///   without `data`; else the data is bytes `dataStart..dataEnd` of the reply);
    /// - `["failed", id, reason, code, message]` — reason `too-large`, `bad-reply`, `timeout`,
    ///   `aborted`, or a close reason; code 19535 or -32600 (all decided in the core);
    /// - `["warning", text, isError]`; `["message", type, payload]`;
    /// - `["closed", reason, message]` — reason `handshake`, `transport`, `protocol`, `closed`,
    ///   `ping-timeout`, `connect-timeout`, `ping-flood` or `send-backlog`.
    #[allow(unsafe_code)]
    pub fn event(&mut self) -> JsValue {
        self.lent = Vec::new();
        let Some(e) = self.inner.poll_event() else {
            return JsValue::UNDEFINED;
        };
        match e {
            Event::State(st) => js_array(&[s("state"), s(state_name(st))]),
            Event::Ready { features, .. } => js_array(&[s("ready"), s(&hex::encode(&features))]),
            Event::ReplyChunk { id, chunk } => {
                self.lent = chunk;
                // SAFETY: the view aliases `self.lent`, which stays untouched until the next
                // call to `event` (or the session's drop); the JS API copies the view before
                // calling into the module again (pkg-template/index.js), and nothing here
                // allocates in wasm memory between creating the view and returning it.
                let view = unsafe { Uint8Array::view(&self.lent) };
                js_array(&[s("part"), n(id as f64), view.into()])
            }
            Event::Reply { id, outcome, .. } => match outcome {
                Outcome::Result { result } => js_array(&[
                    s("result"),
                    n(id as f64),
                    n(result.start as f64),
                    n(result.end as f64),
                ]),
                Outcome::Error {
                    code,
                    message,
                    data,
                    kind,
                } => {
                    let (ds, de) = data.map_or((-1.0, -1.0), |d| (d.start as f64, d.end as f64));
                    js_array(&[
                        s("error"),
                        n(id as f64),
                        n(code as f64),
                        s(&message),
                        s(kind.reason()),
                        n(ds),
                        n(de),
                    ])
                }
            },
            Event::Failed { id, failure } => js_array(&[
                s("failed"),
                n(id as f64),
                s(failure.kind()),
                n(failure.code() as f64),
                s(&failure.to_string()),
            ]),
            Event::Warning { text, is_error } => {
                js_array(&[s("warning"), s(&text), JsValue::from_bool(is_error)])
            }
            Event::Message { typ, payload } => js_array(&[
                s("message"),
                n(typ as f64),
                Uint8Array::from(payload.as_slice()).into(),
            ]),
            Event::Closed(reason) => close_event("closed", &reason),
            // A kind of event this shell does not know yet: the JS skips it.
            _ => js_array(&[s("unknown")]),
        }
    }

    /// When the session next needs `handleTimeout` (ms, the clock given as `now`), or -1 for
    /// never: the JS keeps one timer for it, rescheduled after every call.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&mut self) -> f64 {
        self.inner.poll_timeout().map_or(-1.0, |t| t as f64)
    }

    /// The timer of `pollTimeout` fired (keep-alive pings, the ping timeout).
    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(&mut self, now: f64) {
        self.inner.handle_timeout(now as u64);
    }

    /// The connect deadline passed (ignored once ready).
    #[wasm_bindgen(js_name = connectTimedOut)]
    pub fn connect_timed_out(&mut self) {
        self.inner.connect_timed_out();
    }

    /// The socket delivered a text message (Lightning is binary only: the session closes).
    #[wasm_bindgen(js_name = textReceived)]
    pub fn text_received(&mut self) {
        self.inner.text_received();
    }

    /// The socket closed or failed.
    pub fn lost(&mut self) {
        self.inner.connection_lost();
    }

    /// Closes the session on our side.
    pub fn close(&mut self) {
        self.inner.close(CloseReason::Local);
    }

    /// Sends a custom message (type ‖ payload); ignored unless ready.
    #[wasm_bindgen(js_name = sendMessage)]
    pub fn send_message(&mut self, msg: &[u8]) -> Result<(), JsValue> {
        self.inner.send_message(msg).map_err(|e| s(&e.to_string()))
    }
}

/// The size of this instance's linear memory in bytes (diagnostics; 0 outside wasm).
#[wasm_bindgen(js_name = memoryBytes)]
pub fn memory_bytes() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        (core::arch::wasm32::memory_size(0) * 65536) as f64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

/// For the tests of the JS API's trap handling only: panics, as a bug would, which the panic
/// handler above turns into a wasm trap (as an out-of-memory abort is).
#[doc(hidden)]
#[wasm_bindgen(js_name = __lncTrapForTests)]
pub fn trap_for_tests() {
    #[cfg(target_arch = "wasm32")]
    panic!("a trap for the tests");
}

/// A rune from JavaScript, or the error string the JS API turns into a TypeError (never quoting
/// the rune).
fn decode(rune: &str) -> Result<Rune, JsValue> {
    Rune::decode(rune).map_err(|e| s(&format!("rune: {e}")))
}

/// Decodes a rune: `{uniqueId, version, restrictions: [[{field, op, value}, …], …], text}` (the
/// unique-id restriction is reported as `uniqueId`/`version`, not in `restrictions`; `text` is
/// all of them as rune text). Throws a string saying what is wrong (never quoting the rune).
#[wasm_bindgen(js_name = decodeRune)]
pub fn decode_rune(rune: &str) -> Result<JsValue, JsValue> {
    let r = decode(rune)?;
    let out = js_sys::Object::new();
    let set = |o: &js_sys::Object, k: &str, v: JsValue| {
        let _ = js_sys::Reflect::set(o, &s(k), &v);
    };
    let opt = |v: Option<&str>| v.map_or(JsValue::NULL, s);
    set(&out, "uniqueId", opt(r.unique_id()));
    set(&out, "version", opt(r.version()));
    let restrictions = Array::new();
    for res in r.restrictions().iter().filter(|x| !x.is_unique_id()) {
        let alts = Array::new();
        for a in &res.alternatives {
            let o = js_sys::Object::new();
            set(&o, "field", s(&a.field));
            set(&o, "op", s(a.op.as_char().encode_utf8(&mut [0; 4])));
            set(&o, "value", s(&a.value));
            alts.push(&o);
        }
        restrictions.push(&alts);
    }
    set(&out, "restrictions", restrictions.into());
    set(&out, "text", s(&r.restrictions_text()));
    Ok(out.into())
}

// Narrows a rune: its restrictions plus `restrictions`, the tokens that the JS API builds from
// `createrune`'s form, separated by NUL (which no restriction may contain): `&` starts a
// restriction, `s` and a string is an alternative as `createrune` takes it (`method=getinfo`),
// `f` and field, operator, value is one given as parts, `readonly` appends `createrune`'s
// readonly pair. Returns the new rune (base64). Throws a string naming the restriction at
// fault (`restrictions[1][0]: …`), never quoting the rune. (`//`: wasm-bindgen copies doc
// comments into the shipped glue.)
/// Narrows a rune (see pkg-template/index.js).
#[wasm_bindgen(js_name = restrictRune)]
pub fn restrict_rune(rune: &str, restrictions: &str) -> Result<String, JsValue> {
    let mut r = decode(rune)?;
    let mut alts: Vec<Alternative> = Vec::new();
    let mut index = 0usize;
    let mut open = false;
    let at = |i: usize, j: Option<usize>, e: &dyn core::fmt::Display| match j {
        Some(j) => s(&format!("restrictions[{i}][{j}]: {e}")),
        None => s(&format!("restrictions[{i}]: {e}")),
    };
    if restrictions.is_empty() {
        return Ok(r.encode());
    }
    let mut tokens = restrictions.split('\0');
    let add = |r: &mut Rune, alts: &mut Vec<Alternative>, i: usize| {
        let restriction = Restriction::new(core::mem::take(alts)).map_err(|e| at(i, None, &e))?;
        r.add_restriction(restriction).map_err(|e| at(i, None, &e))
    };
    while let Some(t) = tokens.next() {
        let j = alts.len();
        match t {
            "&" => {
                if open {
                    add(&mut r, &mut alts, index)?;
                    index += 1;
                }
                open = true;
            }
            "readonly" => {
                for restriction in Restriction::readonly() {
                    r.add_restriction(restriction)
                        .map_err(|e| s(&format!("restrictions: {e}")))?;
                }
            }
            "s" => {
                let text = tokens.next().unwrap_or_default();
                alts.push(Alternative::parse(text).map_err(|e| at(index, Some(j), &e))?);
            }
            "f" => {
                let (field, op, value) = (
                    tokens.next().unwrap_or_default(),
                    tokens.next().unwrap_or_default(),
                    tokens.next().unwrap_or_default(),
                );
                let mut chars = op.chars();
                let op = match (chars.next().and_then(Op::from_char), chars.next()) {
                    (Some(op), None) => op,
                    _ => {
                        return Err(at(
                            index,
                            Some(j),
                            &"op must be one of ! = / ^ $ ~ < > { } #",
                        ));
                    }
                };
                alts.push(Alternative::new(field, op, value).map_err(|e| at(index, Some(j), &e))?);
            }
            _ => return Err(s("restrictions: malformed token list")),
        }
    }
    if open {
        add(&mut r, &mut alts, index)?;
    }
    Ok(r.encode())
}

// What `rune` allows for a call of `method` with `params` (JSON text, as the call would send
// it) from `node_id` (the caller's, if known) at `time` (unix seconds), as Core Lightning's
// `checkrune` decides: `["allowed", ""]`, `["refused", message]` (the node's message after
// `Invalid rune: `) or `["unknown", what it depends on]`. Throws a string for a malformed
// rune, params or node id.
/// Judges a call against a rune (see pkg-template/index.js).
#[wasm_bindgen(js_name = checkRune)]
pub fn check_rune(
    rune: &str,
    method: &str,
    params: &str,
    node_id: Option<String>,
    time: f64,
) -> Result<JsValue, JsValue> {
    let r = decode(rune)?;
    let request = Request::new(method, params, node_id.as_deref(), time as i64)
        .map_err(|e| s(&e.to_string()))?;
    let (verdict, why) = match r.check(&request) {
        Verdict::Allowed => ("allowed", String::new()),
        Verdict::Refused(why) => ("refused", why.node_message()),
        Verdict::Unknown(what) => ("unknown", what.to_string()),
        _ => ("unknown", String::new()),
    };
    Ok(js_array(&[s(verdict), s(&why)]))
}

// The error codes of the JS API's `CommandoError.code`, exported to JavaScript as `ErrorCode`
// (wasm-bindgen makes it a frozen object in the glue; no wasm code). The values are the core's
// `commando::CODE_*`, checked below at compile time: a literal is all wasm-bindgen accepts.
// (A `//` comment: wasm-bindgen copies doc comments into the shipped glue.)
/// `CommandoError.code` values.
#[wasm_bindgen]
#[allow(non_camel_case_types, missing_docs)]
pub enum ErrorCode {
    REJECTED = 19536,
    NOT_AUTHORISED = 19537,
    LOCAL = 19535,
    NOT_CONNECTED = -32600,
}

const _: () = {
    use lncommando::commando::{
        CODE_LOCAL_FAILURE, CODE_NOT_AUTHORISED, CODE_NOT_CONNECTED, CODE_REJECTED,
    };
    assert!(ErrorCode::REJECTED as i64 == CODE_REJECTED);
    assert!(ErrorCode::NOT_AUTHORISED as i64 == CODE_NOT_AUTHORISED);
    assert!(ErrorCode::LOCAL as i64 == CODE_LOCAL_FAILURE);
    assert!(ErrorCode::NOT_CONNECTED as i64 == CODE_NOT_CONNECTED);
};
