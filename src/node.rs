//! The node's side of a connection, as Core Lightning behaves on the wire: responder handshake,
//! its `init` first, pings answered (and sent to an idle peer), commando requests reassembled
//! with commando's limits and replies framed in 65000-byte chunks.
//!
//! [`Commando`] checks complete requests as Core Lightning's commando plugin does (same order,
//! codes and texts, rune fields `method`, `id`, `time`, `pnum`, `pnameX`, `parrN`, `rate`,
//! `per`); running the method is the caller's.
//!
//! It serves the test node, interop tests and anyone building a commando server. It is behind
//! the cargo feature `node`, which the browser (wasm) build never enables.

use crate::prelude::*;

use crate::commando::{self, MAX_REQUEST_LEN};
use crate::json;
use crate::rune::{Alternative, MasterRune, Pending, Refusal, Request, Rune};
use crate::session::{Keepalive, KeepaliveAction};
use crate::transport::{
    Connection, ConnectionError, HandshakeError, Keypair, Responder, TransportError,
};
use crate::wire::{self, Init, Message, MsgClass, WireError, msg_type};
use std::collections::{HashMap, VecDeque};

/// What a [`NodeSession`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NodeEvent {
    /// The handshake finished; `peer` is the client's static key (its node id).
    Connected {
        /// The client's node id.
        peer: [u8; 33],
    },
    /// The client's `init` arrived.
    Ready(Init),
    /// A complete commando request.
    Request {
        /// Its request id, to answer with [`NodeSession::reply`].
        id: u64,
        /// Its JSON bytes (not yet validated).
        body: Vec<u8>,
    },
    /// A request dropped without reply, as commando does: it grew past the size limit, or a
    /// chunk of another id replaced it.
    RequestDropped {
        /// The id of the dropped request.
        id: u64,
        /// Why it was dropped.
        why: &'static str,
    },
    /// Any other message after `init` that is not handled here (pongs, custom messages).
    Message {
        /// Its type.
        typ: u16,
        /// Its payload.
        payload: Vec<u8>,
    },
    /// The connection ended.
    Closed(NodeClosed),
}

/// The node side of one connection.
pub struct NodeSession {
    conn: Connection,
    ready: bool,
    closed: bool,
    max_request_len: usize,
    /// The one partial request this peer may have: its id and bytes so far.
    partial: Option<(u64, Option<Vec<u8>>)>,
    events: VecDeque<NodeEvent>,
    init: Init,
    keepalive: Keepalive,
}

impl NodeSession {
    /// Waits for a client's handshake as the node `local`, with `ephemeral` for this connection.
    /// `init` is the node's own `init`, sent first once the handshake completes.
    /// `keepalive_ms` pings an idle client and drops it if the ping is not answered in time.
    pub fn new(
        local: Keypair,
        ephemeral: Keypair,
        init: Init,
        keepalive_ms: Option<u64>,
        now_ms: u64,
    ) -> NodeSession {
        NodeSession {
            conn: Connection::responder(Responder::new(local, ephemeral), 65536),
            ready: false,
            closed: false,
            max_request_len: MAX_REQUEST_LEN,
            partial: None,
            events: VecDeque::new(),
            init,
            keepalive: Keepalive::new(keepalive_ms, now_ms),
        }
    }

    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<NodeEvent> {
        self.events.pop_front()
    }

    /// Bytes to send.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.conn.poll_transmit()
    }

    /// Takes bytes from the client, in pieces of any size.
    pub fn receive(&mut self, bytes: &[u8], now_ms: u64) {
        if self.closed {
            return;
        }
        self.keepalive.received(now_ms);
        match self.conn.push(bytes) {
            Ok(true) => {
                let peer = self.conn.remote().copied().unwrap_or([0; 33]);
                self.events.push_back(NodeEvent::Connected { peer });
                let _ = self.conn.send(&[self.init.encode()]);
            }
            Ok(false) => {}
            Err(e) => return self.close(e.into()),
        }
        loop {
            match self.conn.next_message() {
                Ok(Some(msg)) => {
                    if let Err(reason) = self.handle(&msg) {
                        // Like Core Lightning: say why, then hang up.
                        let _ = self
                            .conn
                            .send(&[wire::encode_warning(&[0; 32], &reason.to_string())]);
                        return self.close(reason);
                    }
                }
                Ok(None) => return,
                Err(e) => return self.close(e.into()),
            }
        }
    }

    fn handle(&mut self, bytes: &[u8]) -> Result<(), NodeClosed> {
        let msg = Message::decode(bytes).map_err(NodeClosed::Malformed)?;
        if !self.ready {
            let Message::Init(init) = msg else {
                return Err(NodeClosed::NoInit(msg.typ()));
            };
            self.ready = true;
            self.events.push_back(NodeEvent::Ready(init));
            return Ok(());
        }
        match msg {
            Message::Ping(ping) => {
                if let Some(pong) = wire::pong_for(&ping) {
                    self.send(&pong).map_err(NodeClosed::Transport)?;
                }
            }
            Message::Commando(c)
                if c.typ == msg_type::COMMANDO_REQUEST_CONTINUES
                    || c.typ == msg_type::COMMANDO_REQUEST_TERMINATES =>
            {
                self.request_chunk(c.id, c.body, c.typ == msg_type::COMMANDO_REQUEST_TERMINATES);
            }
            Message::Unknown { typ, .. } if wire::classify(typ) == MsgClass::UnknownEven => {
                return Err(NodeClosed::UnknownEvenMessage(typ));
            }
            Message::Init(_) => {}
            other => self.events.push_back(NodeEvent::Message {
                typ: other.typ(),
                payload: bytes[2..].to_vec(),
            }),
        }
        Ok(())
    }

    fn request_chunk(&mut self, id: u64, chunk: &[u8], last: bool) {
        // As Core Lightning's commando: one partial request per peer; a chunk of another id
        // replaces it; past the size limit the request is poisoned (`None`): its later chunks,
        // the terminating one included, are ignored, and it stays until another id comes.
        let mut body = match self.partial.take() {
            Some((pid, body)) if pid == id => body,
            Some((pid, body)) => {
                if body.is_some() {
                    self.events.push_back(NodeEvent::RequestDropped {
                        id: pid,
                        why: "a chunk of another request arrived",
                    });
                }
                Some(Vec::new())
            }
            None => Some(Vec::new()),
        };
        if body
            .as_ref()
            .is_some_and(|b| b.len() + chunk.len() > self.max_request_len)
        {
            self.events.push_back(NodeEvent::RequestDropped {
                id,
                why: "request larger than 1 MiB",
            });
            body = None;
        }
        match body {
            Some(mut b) => {
                b.extend_from_slice(chunk);
                if last {
                    self.events.push_back(NodeEvent::Request { id, body: b });
                } else {
                    self.partial = Some((id, Some(b)));
                }
            }
            None => self.partial = Some((id, None)),
        }
    }

    /// Sends the reply to request `id`, in chunks of at most 65000 bytes.
    pub fn reply(&mut self, id: u64, body: &[u8]) {
        // Commando chunks fit in a BOLT 8 message: send cannot fail.
        let _ = self.conn.send(&commando::frame_reply(id, body));
    }

    /// Sends one message (type ‖ payload).
    pub fn send(&mut self, msg: &[u8]) -> Result<(), TransportError> {
        self.conn.send(&[msg])
    }

    /// When [`NodeSession::handle_timeout`] next has something to do (ms), if ever.
    pub fn poll_timeout(&self) -> Option<u64> {
        if !self.ready || self.closed {
            return None;
        }
        self.keepalive.next_wakeup()
    }

    /// The timer of [`NodeSession::poll_timeout`] fired (early calls do nothing): pings an idle
    /// client, drops it if the ping goes unanswered.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        if !self.ready || self.closed {
            return;
        }
        match self.keepalive.on_timeout(now_ms) {
            KeepaliveAction::Wait => {}
            KeepaliveAction::Ping => {
                let _ = self.send(&wire::encode_ping(4, 0));
            }
            KeepaliveAction::TimedOut => self.close(NodeClosed::PingTimeout),
        }
    }

    /// The client's stream ended.
    pub fn connection_lost(&mut self) {
        let reason = match self.conn.eof_error() {
            Some(e) => NodeClosed::Handshake(e),
            None => NodeClosed::ClientClosed,
        };
        self.close(reason);
    }

    /// Ends the connection; bytes already queued (a warning) can still be transmitted.
    pub fn close(&mut self, reason: NodeClosed) {
        if self.closed {
            return;
        }
        self.closed = true;
        self.partial = None;
        self.events.push_back(NodeEvent::Closed(reason));
    }
}

/// Why a node-side connection ended (the client's side has [`crate::session::CloseReason`]).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeClosed {
    /// The client's stream ended after the handshake.
    ClientClosed,
    /// The handshake failed (a client that is not who it says, or not BOLT 8).
    Handshake(HandshakeError),
    /// A packet failed authentication, or a message could not be encrypted.
    Transport(TransportError),
    /// The client sent a malformed message.
    Malformed(WireError),
    /// The client's first message was not `init` (its type).
    NoInit(u16),
    /// The client sent an unknown even message type.
    UnknownEvenMessage(u16),
    /// The client did not answer the keep-alive ping in time.
    PingTimeout,
    /// The node closed it.
    Local,
}

impl From<ConnectionError> for NodeClosed {
    fn from(e: ConnectionError) -> NodeClosed {
        match e {
            ConnectionError::Handshake(e) => NodeClosed::Handshake(e),
            ConnectionError::Transport(e) => NodeClosed::Transport(e),
        }
    }
}

impl NodeClosed {
    /// A short name: `closed`, `handshake`, `transport`, `protocol`, `ping-timeout` or `local`.
    pub fn kind(&self) -> &'static str {
        match self {
            NodeClosed::ClientClosed => "closed",
            NodeClosed::Handshake(_) => "handshake",
            NodeClosed::Transport(_) => "transport",
            NodeClosed::Malformed(_)
            | NodeClosed::NoInit(_)
            | NodeClosed::UnknownEvenMessage(_) => "protocol",
            NodeClosed::PingTimeout => "ping-timeout",
            NodeClosed::Local => "local",
        }
    }
}

impl core::fmt::Display for NodeClosed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            NodeClosed::ClientClosed => f.write_str("the client closed the connection"),
            NodeClosed::Handshake(e) => write!(f, "handshake failed: {e}"),
            NodeClosed::Transport(e) => write!(f, "transport: {e}"),
            NodeClosed::Malformed(e) => write!(f, "malformed message from the client: {e}"),
            NodeClosed::NoInit(t) => write!(f, "the client's first message was type {t}, not init"),
            NodeClosed::UnknownEvenMessage(t) => write!(f, "unknown even message type {t}"),
            NodeClosed::PingTimeout => f.write_str("the client did not answer our ping"),
            NodeClosed::Local => f.write_str("closed by the node"),
        }
    }
}

/// Commando's own error reply: a bare `{"error":{"code":…,"message":…}}` with no `jsonrpc`.
pub fn commando_error(code: i64, message: &str) -> Vec<u8> {
    let mut out = format!("{{\"error\":{{\"code\":{code},\"message\":").into_bytes();
    json::write_string(&mut out, message);
    out.extend_from_slice(b"}}");
    out
}

/// A request that passed commando's checks, ready for the method to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRequest {
    /// The method name.
    pub method: String,
    /// The params as JSON text: an array or an object (`{}` when the request had none).
    pub params: Vec<u8>,
    /// The request's `id` token, verbatim (echoed in the reply).
    pub json_id: Vec<u8>,
    /// The `filter` object, verbatim, if any.
    pub filter: Option<Vec<u8>>,
}

impl CheckedRequest {
    fn envelope(&self, member: &str, value: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(value.len() + self.json_id.len() + 40);
        out.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":");
        out.extend_from_slice(&self.json_id);
        out.extend_from_slice(b",\"");
        out.extend_from_slice(member.as_bytes());
        out.extend_from_slice(b"\":");
        out.extend_from_slice(value);
        out.push(b'}');
        out
    }

    /// The JSON-RPC response carrying `result` (JSON text), as lightningd answers.
    pub fn result_reply(&self, result: &[u8]) -> Vec<u8> {
        self.envelope("result", result)
    }

    /// The JSON-RPC response carrying the method's error (`data` is JSON text).
    pub fn error_reply(&self, code: i64, message: &str, data: Option<&[u8]>) -> Vec<u8> {
        let mut err = format!("{{\"code\":{code},\"message\":").into_bytes();
        json::write_string(&mut err, message);
        if let Some(data) = data {
            err.extend_from_slice(b",\"data\":");
            err.extend_from_slice(data);
        }
        err.push(b'}');
        self.envelope("error", &err)
    }
}

/// Commando's request checks and rune authorisation, as Core Lightning's plugin and its
/// `checkrune` do them: the same order, codes and texts. Time is an argument.
pub struct Commando {
    master: MasterRune,
    /// Last authorised use of each rune unique id, in ms, for `rate` and `per`.
    last_use: HashMap<String, u64>,
}

impl Commando {
    /// Checks requests against runes derived from `master`.
    pub fn new(master: MasterRune) -> Commando {
        Commando {
            master,
            last_use: HashMap::new(),
        }
    }

    /// The master secret the runes are checked against (to mint more).
    pub fn master(&self) -> &MasterRune {
        &self.master
    }

    /// Checks a complete request from the peer `peer_id` (hex) at `unix_secs` (the rune field
    /// `time`) and `now_ms` (for `rate`/`per`). `Err` is the reply to send instead.
    pub fn check(
        &mut self,
        body: &[u8],
        peer_id: &str,
        unix_secs: u64,
        now_ms: u64,
    ) -> Result<CheckedRequest, Vec<u8>> {
        let rejected = |m: &str| commando_error(commando::CODE_REJECTED, m);
        let members = match json::members(body) {
            Ok(m) => m,
            Err(json::JsonError::WrongKind) if json::validate(body).is_ok() => {
                return Err(rejected("Not a JSON object"));
            }
            Err(_) => return Err(rejected("Invalid JSON")),
        };
        let get = |k: &str| json::get(body, &members, k);
        let method_tok = get("method").ok_or_else(|| rejected("No method"))?;
        let params = match get("params") {
            None => b"{}".to_vec(),
            Some(p) if matches!(p.first(), Some(b'{' | b'[')) => p.to_vec(),
            Some(_) => return Err(rejected("Params must be object or array")),
        };
        let json_id = get("id")
            .ok_or_else(|| rejected("missing id field"))?
            .to_vec();
        let rune_tok = get("rune").ok_or_else(|| rejected("Missing rune"))?;
        let rune = json::parse_string(rune_tok)
            .ok()
            .and_then(|r| Rune::decode(&r).ok())
            .ok_or_else(|| rejected("Invalid rune"))?;
        let not_authorised =
            |m: &str| commando_error(commando::CODE_NOT_AUTHORISED, &format!("Invalid rune: {m}"));
        if !rune.has_valid_unique_id() {
            return Err(not_authorised(&Refusal::BadUniqueId.node_message()));
        }
        let unique_id = rune.unique_id().unwrap_or_default().to_string();
        if !self.master.is_derived(&rune) {
            return Err(not_authorised(&Refusal::NotDerived.node_message()));
        }
        // The rune's fields, derived as in the browser (`rune::Request`); only the node knows
        // when the rune was last used (`rate`, `per`).
        let params_text = core::str::from_utf8(&params).unwrap_or("{}");
        let request = Request::received(method_tok, params_text, peer_id, unix_secs as i64);
        let last = self.last_use.get(&unique_id).copied();
        let mut check = |alt: &Alternative| -> Result<(), Refusal> {
            match request.test(alt) {
                Ok(verdict) => verdict,
                Err(Pending::RateLimit { interval_ns, .. }) => {
                    rate_limit(interval_ns, last, now_ms)
                }
                Err(_) => Err(Refusal::Other(format!(
                    "{}: not supported by the test node",
                    alt.field
                ))),
            }
        };
        rune.evaluate_with(&mut check)
            .map_err(|why| not_authorised(&why.node_message()))?;
        self.last_use.insert(unique_id, now_ms);
        let method = match json::parse_string(method_tok) {
            Ok(m) => m,
            Err(_) => request.method_text().to_owned(),
        };
        Ok(CheckedRequest {
            method,
            params,
            json_id,
            filter: get("filter").map(<[u8]>::to_vec),
        })
    }
}

/// A `rate`/`per` limit (`interval_ns` between two uses, its form already checked by
/// `rune::Request`) against the rune's last authorised use (`last_ms`).
fn rate_limit(interval_ns: u64, last_ms: Option<u64>, now_ms: u64) -> Result<(), Refusal> {
    match last_ms {
        Some(last)
            if u128::from(now_ms.saturating_sub(last)) * 1_000_000 < u128::from(interval_ns) =>
        {
            Err(Refusal::Other("too soon".into()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rune::Restriction;

    const PEER: &str = "02aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    fn master() -> MasterRune {
        MasterRune::new(&[7; 16]).unwrap()
    }

    fn rune(restrictions: &[&str]) -> String {
        let r: Vec<Restriction> = restrictions
            .iter()
            .map(|r| Restriction::parse(r).unwrap())
            .collect();
        master().mint(Some("3"), None, &r).unwrap().encode()
    }

    fn req(method: &str, params: &str, rune: &str) -> Vec<u8> {
        format!(r#"{{"method":"{method}","params":{params},"rune":"{rune}","id":"t#1"}}"#)
            .into_bytes()
    }

    fn err(c: &mut Commando, body: &[u8]) -> String {
        String::from_utf8(c.check(body, PEER, 1_700_000_000, 0).unwrap_err()).unwrap()
    }

    #[test]
    fn refusals_in_core_lightnings_words() {
        let mut c = Commando::new(master());
        let cases = [
            (
                rune(&["pnamelabel=x"]),
                r#"{"label":"y"}"#,
                "Not permitted: parameter label is not equal to x",
            ),
            (
                rune(&["pnamelabel=x"]),
                "{}",
                "Not permitted: parameter label not present",
            ),
            (
                rune(&["parr0=x"]),
                r#"["y"]"#,
                "Not permitted: parameter #0 is not equal to x",
            ),
            (
                rune(&["pnum=1"]),
                "{}",
                "Not permitted: number of parameters is not equal to 1",
            ),
            (
                rune(&["method=getinfo"]),
                "{}",
                "Not permitted: method is not equal to getinfo",
            ),
            // As lightningd: the explanation is JSON-escaped before it goes into the message.
            (
                rune(&[r#"pnamelabel=a"b\\c"#]),
                r#"{"label":"y"}"#,
                r#"Not permitted: parameter label is not equal to a\\\"b\\\\c"#,
            ),
        ];
        for (r, params, want) in cases {
            let got = err(&mut c, &req("m", params, &r));
            assert!(got.contains(want), "{got} lacks {want}");
        }
    }

    #[test]
    fn checks_in_core_lightnings_order() {
        let mut c = Commando::new(master());
        let r = rune(&[]);
        assert_eq!(
            err(&mut c, b"{"),
            r#"{"error":{"code":19536,"message":"Invalid JSON"}}"#
        );
        assert_eq!(
            err(&mut c, b"[1]"),
            r#"{"error":{"code":19536,"message":"Not a JSON object"}}"#
        );
        assert_eq!(
            err(&mut c, b"{}"),
            r#"{"error":{"code":19536,"message":"No method"}}"#
        );
        assert_eq!(
            err(&mut c, br#"{"method":"x","params":1}"#),
            r#"{"error":{"code":19536,"message":"Params must be object or array"}}"#
        );
        assert_eq!(
            err(&mut c, br#"{"method":"x","rune":"r"}"#),
            r#"{"error":{"code":19536,"message":"missing id field"}}"#
        );
        assert_eq!(
            err(&mut c, br#"{"method":"x","id":1}"#),
            r#"{"error":{"code":19536,"message":"Missing rune"}}"#
        );
        assert_eq!(
            err(&mut c, br#"{"method":"x","id":1,"rune":"!!"}"#),
            r#"{"error":{"code":19536,"message":"Invalid rune"}}"#
        );
        let other = MasterRune::new(&[8; 16])
            .unwrap()
            .mint(Some("0"), None, &[])
            .unwrap()
            .encode();
        assert_eq!(
            err(&mut c, &req("getinfo", "{}", &other)),
            r#"{"error":{"code":19537,"message":"Invalid rune: Not authorized: Not derived from master"}}"#
        );
        let ok = c.check(&req("getinfo", "{}", &r), PEER, 0, 0).unwrap();
        assert_eq!(ok.method, "getinfo");
        assert_eq!(ok.json_id, br#""t#1""#);
        assert_eq!(
            ok.result_reply(b"{}"),
            br#"{"jsonrpc":"2.0","id":"t#1","result":{}}"#
        );
        assert_eq!(
            ok.error_reply(-32601, "Unknown command 'x'", Some(b"[1]")),
            br#"{"jsonrpc":"2.0","id":"t#1","error":{"code":-32601,"message":"Unknown command 'x'","data":[1]}}"#
        );
        let no_params = format!(r#"{{"method":"m","id":5,"rune":"{r}"}}"#);
        let none = c.check(no_params.as_bytes(), PEER, 0, 0).unwrap();
        assert_eq!(none.params, b"{}");
        assert_eq!(none.json_id, b"5");
    }

    #[test]
    fn rune_fields() {
        let mut c = Commando::new(master());
        let readonly = rune(&["method^list|method^get"]);
        assert!(
            c.check(&req("listfunds", "{}", &readonly), PEER, 0, 0)
                .is_ok()
        );
        assert_eq!(
            err(&mut c, &req("pay", "{}", &readonly)),
            r#"{"error":{"code":19537,"message":"Invalid rune: Not permitted: method does not start with list AND method does not start with get"}}"#
        );
        let named = rune(&["pnameamountmsat<1000", "pnum=2"]);
        assert!(
            c.check(
                &req("invoice", r#"{"amount_msat":999,"label":"a"}"#, &named),
                PEER,
                0,
                0
            )
            .is_ok()
        );
        assert!(
            err(
                &mut c,
                &req("invoice", r#"{"amount_msat":1000,"label":"a"}"#, &named)
            )
            .contains("is greater or equal to 1000")
        );
        assert!(
            err(&mut c, &req("invoice", r#"{"amount_msat":1}"#, &named))
                .contains("number of parameters is not equal to 2")
        );
        let arr = rune(&["parr0=abc", "parr1=7"]);
        assert!(c.check(&req("m", r#"["abc",7]"#, &arr), PEER, 0, 0).is_ok());
        assert!(err(&mut c, &req("m", r#"["abc"]"#, &arr)).contains("parameter #1 not present"));
        let peer = rune(&[&format!("id={PEER}")]);
        assert!(c.check(&req("m", "[]", &peer), PEER, 0, 0).is_ok());
        assert!(c.check(&req("m", "[]", &peer), "03bb", 0, 0).is_err());
        let before = rune(&["time<1700000000"]);
        assert!(
            c.check(&req("m", "[]", &before), PEER, 1_699_999_999, 0)
                .is_ok()
        );
        assert!(
            c.check(&req("m", "[]", &before), PEER, 1_700_000_000, 0)
                .is_err()
        );
    }

    #[test]
    fn rate_and_per() {
        let mut c = Commando::new(master());
        let rate = rune(&["rate=2"]); // one use per 30 s
        assert!(c.check(&req("m", "[]", &rate), PEER, 0, 1_000).is_ok());
        assert!(err(&mut c, &req("m", "[]", &rate)).contains("Not permitted: too soon"));
        assert!(c.check(&req("m", "[]", &rate), PEER, 0, 31_000).is_ok());
        let per = rune(&["per=1min"]);
        let mut c = Commando::new(master());
        assert!(c.check(&req("m", "[]", &per), PEER, 0, 0).is_ok());
        assert!(c.check(&req("m", "[]", &per), PEER, 0, 59_999).is_err());
        assert!(c.check(&req("m", "[]", &per), PEER, 0, 60_000).is_ok());
        let bad = rune(&["per=5weeks"]);
        assert!(err(&mut c, &req("m", "[]", &bad)).contains("malformed suffix"));
    }
}
