//! The client's session: BOLT 8 handshake, BOLT 1 `init` exchange, pings, and commando requests
//! and replies, as one state machine with no I/O and no clock.
//!
//! The shell (the wasm bindings, a native client, a test) moves bytes and time:
//! - bytes received go to [`Session::receive`]; [`Session::poll_transmit`] gives bytes to send;
//! - [`Session::poll_event`] gives what happened (ready, replies, warnings, close);
//! - the time, in milliseconds from any origin, is an argument of [`Session::receive`] and
//!   [`Session::handle_timeout`], for keep-alive pings; per-request timeouts are the caller's, who calls
//!   [`Session::cancel`] when one expires.

use crate::prelude::*;

use crate::commando::{self, Outcome, Reassembled, Reassembler, Request, RequestError};
use crate::transport::{
    Connection, ConnectionError, HandshakeError, Initiator, InvalidKey, Keypair, TransportError,
};
use crate::wire::{self, Init, Message, MsgClass, WireError, msg_type};
use alloc::collections::VecDeque;

/// Tunables of a session.
#[derive(Debug, Clone)]
pub struct Config {
    /// Cap on one reply's size; a larger reply fails its request with
    /// [`RequestFailure::TooLarge`].
    pub max_reply_len: usize,
    /// Send a ping after this many milliseconds without receiving anything, and close with
    /// [`CloseReason::PingTimeout`] if nothing arrives for as long again. `None`: never ping.
    pub keepalive_ms: Option<u64>,
    /// Largest number of bytes handed out by one [`Session::poll_transmit`] call (one WebSocket
    /// frame): packets are coalesced up to it, and with [`Config::align_frames`] requests are
    /// cut into chunks that fit in it whole. The default, 61 440, keeps a frame within one TCP
    /// segment on loopback (MSS ~65 483), where Core Lightning's reader sees it in one piece.
    pub max_transmit: usize,
    /// Shape the stream for Core Lightning's WebSocket reader (on by default): every frame is
    /// whole packets followed by a padding ping, so that the frame is a multiple of 4 bytes and
    /// at least [`MIN_FRAME`]. The ping asks for a pong, and the next frame waits for it, when
    /// more is waiting behind the frame or when the bytes sent since the node last answered such
    /// a ping would pass `max_transmit` (then a ping alone goes first); a call on a quiet
    /// connection asks for none (Core Lightning leaves Nagle on for its ws port, so a pong
    /// written before the reply would hold the reply back by a delayed ACK). What the node has
    /// not yet confirmed thus stays within one loopback segment, and each larger run starts on
    /// an idle connection: the sender's TCP cuts it at MSS multiples from its own start, and the
    /// reader, which unmasks each `read()` from mask byte 0, sees pieces at 4-aligned offsets.
    /// The README says why.
    pub align_frames: bool,
    /// Budget for everything received and not yet handed out: all partial replies together,
    /// counted at their real memory cost. Past it the largest partial reply fails with
    /// [`RequestFailure::TooLarge`].
    pub max_buffered: usize,
    /// Hand each reply out in pieces as it arrives ([`Event::ReplyChunk`], then an
    /// [`Event::Reply`] with an empty `reply` and its outcome), instead of holding it whole (the
    /// wasm build's setting; off by default). What the session holds of a reply is then bounded
    /// by a piece (small chunks gathered to 16 KiB, see [`commando::Reassembler`]), plus the
    /// pieces waiting in the event queue: the caller bounds those by the bytes it gives each
    /// [`Session::receive`] before draining the events (the JS API: 64 KiB).
    /// [`Config::max_buffered`] then counts what the caller holds.
    pub stream_replies: bool,
    /// Pings the node may send in a burst before the rate limit applies.
    pub ping_burst: u32,
    /// One more ping allowed per this many milliseconds (BOLT 1 asks for at most one per 30 s;
    /// a node pinging far faster is dropped with [`CloseReason::PingFlood`]).
    pub ping_refill_ms: u64,
    /// Cap on bytes queued to send: the session's own queue plus what the shell reports its
    /// socket still holds ([`Session::set_socket_backlog`]). Past it the session closes with
    /// [`CloseReason::SendBacklog`] (a node that stops reading while making us send).
    pub max_send_backlog: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_reply_len: commando::DEFAULT_MAX_REPLY_LEN,
            keepalive_ms: None,
            max_transmit: 61440,
            align_frames: true,
            max_buffered: 2 * commando::DEFAULT_MAX_REPLY_LEN,
            stream_replies: false,
            ping_burst: 10,
            ping_refill_ms: 3000,
            max_send_backlog: 64 * 1024 * 1024,
        }
    }
}

/// The smallest frame [`Config::align_frames`] sends: a WebSocket frame of 126 bytes or more
/// has the 8-byte masked header (a multiple of 4); 128 is the next multiple of 4.
pub const MIN_FRAME: usize = 128;

/// What a packet adds to its message: the encrypted length and the two MACs (BOLT 8).
const PACKET_OVERHEAD: usize = 2 + 16 + 16;

/// The ping that ends a frame: `num_pong_bytes` 0 (a pong of no bytes), and up to 3 + 88 bytes
/// of padding; with its packet, 40 bytes before padding.
const ACK_PING_LEN: usize = PACKET_OVERHEAD + 6;

/// `num_pong_bytes` of a ping that pads a frame and asks for no pong (BOLT 1: a node MUST
/// ignore a ping asking for 65532 or more; Core Lightning pads its own frames so).
const NO_PONG: u16 = 65535;

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// The BOLT 8 handshake is under way.
    Handshake,
    /// The handshake is done; waiting for the node's `init`.
    Init,
    /// Ready: requests flow.
    Ready,
    /// Closed: see the [`Event::Closed`] reason.
    Closed,
}

/// Why a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The handshake failed (wrong node id, not a Lightning node, cut short).
    Handshake(HandshakeError),
    /// A packet failed authentication.
    Transport(TransportError),
    /// The peer sent a malformed message.
    Malformed(WireError),
    /// The peer sent a message type we must not ignore.
    UnknownEvenMessage(u16),
    /// The node's `init` requires a feature we do not support.
    UnknownRequiredFeature(u32),
    /// The peer sent something other than `init` first.
    NoInit(u16),
    /// The connection ended after the handshake (`during_init`: before the node's `init`).
    PeerClosed {
        /// True when the node's `init` had not arrived.
        during_init: bool,
    },
    /// Keep-alive: nothing arrived for two intervals, ping unanswered.
    PingTimeout,
    /// The handshake and `init` did not complete within the shell's connect deadline (the shell
    /// owns that timer and calls [`Session::connect_timed_out`]).
    ConnectTimeout,
    /// The node sent pings far faster than BOLT 1 allows (past [`Config::ping_burst`] and
    /// [`Config::ping_refill_ms`]).
    PingFlood,
    /// More than [`Config::max_send_backlog`] bytes were waiting to be sent: the node stopped
    /// reading.
    SendBacklog {
        /// Bytes waiting when the cap was passed.
        bytes: usize,
    },
    /// The server sent a WebSocket text message (the shell says so through
    /// [`Session::text_received`]): Lightning over a WebSocket is binary only, so whatever
    /// answered is not a Lightning node nor a ws→tcp proxy in front of one.
    TextMessage,
    /// Closed by our side.
    Local,
}

impl core::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CloseReason::Handshake(e) => write!(f, "handshake failed: {e}"),
            CloseReason::Transport(e) => write!(f, "connection corrupted: {e}"),
            CloseReason::Malformed(e) => write!(f, "malformed message from peer: {e}"),
            CloseReason::UnknownEvenMessage(t) => {
                write!(f, "peer sent unknown even message type {t}")
            }
            CloseReason::UnknownRequiredFeature(b) => {
                write!(f, "peer requires unsupported feature bit {b}")
            }
            CloseReason::NoInit(t) => write!(f, "peer sent message type {t} before init"),
            CloseReason::PeerClosed { during_init: true } => {
                f.write_str("connection closed before the peer's init")
            }
            CloseReason::PeerClosed { during_init: false } => f.write_str("connection closed"),
            CloseReason::PingTimeout => f.write_str("peer stopped answering (ping timeout)"),
            CloseReason::ConnectTimeout => {
                f.write_str("no handshake and init within the connect deadline")
            }
            CloseReason::PingFlood => {
                f.write_str("peer sent pings far faster than BOLT 1 allows (ping flood)")
            }
            CloseReason::SendBacklog { bytes } => write!(
                f,
                "peer stopped reading: {bytes} bytes waiting to be sent (send backlog cap)"
            ),
            CloseReason::TextMessage => f.write_str(
                "the server sent a WebSocket text message: Lightning is binary only, so this is \
                 not a Lightning node's WebSocket port (nor a ws→tcp proxy in front of one)",
            ),
            CloseReason::Local => f.write_str("closed by the client"),
        }
    }
}

impl CloseReason {
    /// A short machine-readable name: `handshake`, `transport`, `protocol`, `closed` (the node
    /// hung up, or we closed: [`CloseReason::Local`]), `ping-timeout`, `connect-timeout`,
    /// `ping-flood` or `send-backlog`.
    pub fn kind(&self) -> &'static str {
        match self {
            CloseReason::Handshake(_) => "handshake",
            CloseReason::Transport(_) => "transport",
            CloseReason::Malformed(_)
            | CloseReason::UnknownEvenMessage(_)
            | CloseReason::UnknownRequiredFeature(_)
            | CloseReason::NoInit(_)
            | CloseReason::TextMessage => "protocol",
            CloseReason::PeerClosed { .. } => "closed",
            CloseReason::PingTimeout => "ping-timeout",
            CloseReason::ConnectTimeout => "connect-timeout",
            CloseReason::PingFlood => "ping-flood",
            CloseReason::SendBacklog { .. } => "send-backlog",
            CloseReason::Local => "closed",
        }
    }
}

/// Why one request failed locally (the node's own answers, errors included, are replies).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestFailure {
    /// The reply grew past [`Config::max_reply_len`].
    TooLarge {
        /// Size reached when it was cut off.
        size: usize,
    },
    /// All partial replies together passed [`Config::max_buffered`], and this one was the
    /// largest: it was given up to stay within the budget.
    OverBudget {
        /// Size it had reached.
        size: usize,
    },
    /// The reply is not a JSON-RPC response.
    BadReply(commando::BadReply),
    /// The caller's timeout passed first ([`Session::give_up`]).
    TimedOut {
        /// The timeout, in milliseconds.
        after_ms: u64,
    },
    /// The caller aborted it ([`Session::give_up`]).
    Aborted,
    /// The session closed before the reply arrived.
    Closed(CloseReason),
}

impl RequestFailure {
    /// The short name the JS API reports as `reason`: `too-large`, `bad-reply`, `timeout`,
    /// `aborted`, or the close reason's [`CloseReason::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            RequestFailure::TooLarge { .. } | RequestFailure::OverBudget { .. } => "too-large",
            RequestFailure::BadReply(_) => "bad-reply",
            RequestFailure::TimedOut { .. } => "timeout",
            RequestFailure::Aborted => "aborted",
            RequestFailure::Closed(r) => r.kind(),
        }
    }

    /// Its JSON-RPC code, as commando's clients use them: 19535 for a local failure (too large,
    /// bad reply, timeout, aborted), -32600 when the connection is gone.
    pub fn code(&self) -> i64 {
        match self {
            RequestFailure::Closed(_) => commando::CODE_NOT_CONNECTED,
            _ => commando::CODE_LOCAL_FAILURE,
        }
    }
}

impl core::fmt::Display for RequestFailure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RequestFailure::TooLarge { size } => {
                write!(f, "reply exceeded the size cap ({size} bytes received)")
            }
            RequestFailure::OverBudget { size } => write!(
                f,
                "replies in flight exceeded the memory budget (maxBufferedBytes); this one, the largest, had {size} bytes"
            ),
            RequestFailure::BadReply(e) => write!(f, "{e}"),
            RequestFailure::TimedOut { after_ms } => write!(f, "no reply within {after_ms} ms"),
            RequestFailure::Aborted => f.write_str("call aborted"),
            RequestFailure::Closed(r) => write!(f, "{r}"),
        }
    }
}

/// Why the caller gives up on a request ([`Session::give_up`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GiveUp {
    /// Its timeout passed (after this many milliseconds).
    Timeout {
        /// The timeout, for the message.
        after_ms: u64,
    },
    /// The caller aborted it.
    Aborted,
}

/// What happened, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The state changed.
    State(State),
    /// The node's `init` arrived; the session is ready.
    Ready {
        /// The node's features (global and local combined).
        features: Vec<u8>,
        /// The node's `networks`, if it listed any.
        networks: Option<Vec<[u8; 32]>>,
    },
    /// A piece of a request's reply, in order, with [`Config::stream_replies`]: the reply is
    /// these pieces joined, and its [`Event::Reply`] follows the last. An [`Event::Failed`] for
    /// the request may follow any piece (too large, over the budget, not JSON, given up,
    /// closed): the pieces received are then to be dropped.
    ReplyChunk {
        /// The request id from [`Session::request`].
        id: u64,
        /// The next bytes of the reply (never empty).
        chunk: Vec<u8>,
    },
    /// A request's complete reply.
    Reply {
        /// The request id from [`Session::request`].
        id: u64,
        /// The whole JSON-RPC response (empty with [`Config::stream_replies`]: it came in
        /// [`Event::ReplyChunk`]s).
        reply: Vec<u8>,
        /// What it says, with byte ranges into `reply`.
        outcome: Outcome,
    },
    /// A request failed locally.
    Failed {
        /// The request id.
        id: u64,
        /// Why.
        failure: RequestFailure,
    },
    /// The node sent a `warning` (`is_error` false) or an `error` (true).
    Warning {
        /// Printable text of the message.
        text: String,
        /// True for an `error` message.
        is_error: bool,
    },
    /// An unknown odd message (a custom message), for the caller.
    Message {
        /// Its type.
        typ: u16,
        /// Its payload.
        payload: Vec<u8>,
    },
    /// The session ended; every pending request has had its [`Event::Failed`].
    Closed(CloseReason),
}

/// Keep-alive timing shared by both sides: ping after `interval` ms of silence, give up after
/// as long again with the ping unanswered.
#[derive(Debug, Clone)]
pub(crate) struct Keepalive {
    interval: Option<u64>,
    last_rx: u64,
    ping_sent: bool,
}

/// What [`Keepalive::on_timeout`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeepaliveAction {
    /// Nothing to do.
    Wait,
    /// Send a ping now.
    Ping,
    /// The peer is gone.
    TimedOut,
}

impl Keepalive {
    /// Keep-alive every `interval` ms (`None`: off), starting at `now_ms`.
    pub fn new(interval: Option<u64>, now_ms: u64) -> Keepalive {
        Keepalive {
            interval,
            last_rx: now_ms,
            ping_sent: false,
        }
    }

    /// Something arrived from the peer.
    pub fn received(&mut self, now_ms: u64) {
        self.last_rx = now_ms;
        self.ping_sent = false;
    }

    /// When [`Keepalive::on_timeout`] next has something to do (ms, the same clock), if ever.
    pub fn next_wakeup(&self) -> Option<u64> {
        let interval = self.interval?;
        let after = if self.ping_sent {
            interval.saturating_mul(2)
        } else {
            interval
        };
        Some(self.last_rx.saturating_add(after))
    }

    /// What to do at `now_ms`.
    pub fn on_timeout(&mut self, now_ms: u64) -> KeepaliveAction {
        let Some(interval) = self.interval else {
            return KeepaliveAction::Wait;
        };
        let idle = now_ms.saturating_sub(self.last_rx);
        if self.ping_sent && idle >= interval.saturating_mul(2) {
            KeepaliveAction::TimedOut
        } else if !self.ping_sent && idle >= interval {
            self.ping_sent = true;
            KeepaliveAction::Ping
        } else {
            KeepaliveAction::Wait
        }
    }
}

/// The client state machine. See the module documentation.
pub struct Session {
    conn: Connection,
    state: State,
    reassembler: Reassembler,
    /// Requests made before ready: id and messages.
    queued: Vec<(u64, Vec<Vec<u8>>)>,
    events: VecDeque<Event>,
    next_id: u64,
    keepalive: Keepalive,
    closed: Option<CloseReason>,
    /// Ping rate limit: a token bucket of `ping_burst`, refilled one per `ping_refill_ms`.
    ping_tokens: u32,
    ping_refilled_at: u64,
    ping_burst: u32,
    ping_refill_ms: u64,
    /// Shape frames for Core Lightning's reader ([`Config::align_frames`]).
    align_frames: bool,
    max_transmit: usize,
    /// With `align_frames`: messages waiting for the next frame (encrypted when it is cut), and
    /// their total length.
    unsent: VecDeque<Vec<u8>>,
    unsent_len: usize,
    /// Pings we sent whose pong has not come back, oldest first: `true` for the ping that ends
    /// a frame (its pong lets the next frame go), `false` for a keep-alive ping.
    pings_out: VecDeque<bool>,
    /// A frame asking for a pong is out and its pong has not come back.
    frame_in_flight: bool,
    /// Bytes of frames sent since the node last proved it had read everything (a frame's pong):
    /// frames go without asking for a pong only while this stays within `max_transmit`.
    unconfirmed: usize,
    /// Bytes the shell's socket holds unsent, and the cap on everything waiting to be sent.
    socket_backlog: usize,
    max_send_backlog: usize,
}

impl From<ConnectionError> for CloseReason {
    fn from(e: ConnectionError) -> CloseReason {
        match e {
            ConnectionError::Handshake(e) => CloseReason::Handshake(e),
            ConnectionError::Transport(e) => CloseReason::Transport(e),
        }
    }
}

impl Session {
    /// Starts a session with the node `node_id` as `local`, with `ephemeral` for the handshake
    /// (use [`Keypair::random`] for both in production). Act one is ready in
    /// [`Session::poll_transmit`]. `first_id` is the first request id (random is best, so that
    /// ids are not reused across reconnections); `now_ms` the current time.
    pub fn new(
        config: Config,
        local: Keypair,
        node_id: &[u8; 33],
        ephemeral: Keypair,
        first_id: u64,
        now_ms: u64,
    ) -> Result<Session, InvalidKey> {
        let init = Initiator::new(local, node_id, ephemeral)?;
        let conn = Connection::initiator(init, config.max_transmit);
        Ok(Session {
            align_frames: config.align_frames,
            max_transmit: config.max_transmit.max(MIN_FRAME),
            unsent: VecDeque::new(),
            unsent_len: 0,
            pings_out: VecDeque::new(),
            frame_in_flight: false,
            unconfirmed: 0,
            conn,
            state: State::Handshake,
            reassembler: if config.stream_replies {
                Reassembler::streaming(config.max_reply_len, config.max_buffered)
            } else {
                Reassembler::with_budget(config.max_reply_len, config.max_buffered)
            },
            queued: Vec::new(),
            events: VecDeque::new(),
            next_id: first_id,
            keepalive: Keepalive::new(config.keepalive_ms, now_ms),
            closed: None,
            ping_tokens: config.ping_burst,
            ping_refilled_at: now_ms,
            ping_burst: config.ping_burst,
            ping_refill_ms: config.ping_refill_ms.max(1),
            socket_backlog: 0,
            max_send_backlog: config.max_send_backlog,
        })
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Why the session closed, once it has.
    pub fn close_reason(&self) -> Option<&CloseReason> {
        self.closed.as_ref()
    }

    /// Requests awaiting a reply (sent or queued).
    pub fn pending(&self) -> usize {
        self.reassembler.expected().count()
    }

    /// What the partial replies held cost in memory (bounded by [`Config::max_buffered`]).
    pub fn buffered(&self) -> usize {
        self.reassembler.cost()
    }

    /// Bytes waiting to be sent: the session's queue plus the socket's reported backlog
    /// (bounded by [`Config::max_send_backlog`]).
    pub fn send_backlog(&self) -> usize {
        self.conn
            .transmit_pending()
            .saturating_add(self.unsent_len)
            .saturating_add(self.socket_backlog)
    }

    /// The shell reports how many bytes its socket still holds unsent (a WebSocket's
    /// `bufferedAmount`); past [`Config::max_send_backlog`] in all, the session closes with
    /// [`CloseReason::SendBacklog`].
    pub fn set_socket_backlog(&mut self, bytes: usize) {
        self.socket_backlog = bytes;
        self.check_backlog();
    }

    fn check_backlog(&mut self) {
        let bytes = self.send_backlog();
        if bytes > self.max_send_backlog {
            self.close(CloseReason::SendBacklog { bytes });
        }
    }

    /// Takes one ping from the rate limit; false when the node pings too often.
    fn allow_ping(&mut self, now_ms: u64) -> bool {
        let earned = now_ms.saturating_sub(self.ping_refilled_at) / self.ping_refill_ms;
        if earned > 0 {
            let tokens = u64::from(self.ping_tokens).saturating_add(earned);
            self.ping_tokens = tokens.min(u64::from(self.ping_burst)) as u32;
            self.ping_refilled_at = self
                .ping_refilled_at
                .saturating_add(earned.saturating_mul(self.ping_refill_ms));
        }
        if self.ping_tokens == 0 {
            return false;
        }
        self.ping_tokens -= 1;
        true
    }

    fn set_state(&mut self, state: State) {
        self.state = state;
        self.events.push_back(Event::State(state));
    }

    /// Sends a commando request (queued until the session is ready) and returns its id, which
    /// its [`Event::Reply`] or [`Event::Failed`] will carry. `params` and `filter` are JSON
    /// text; the JSON-RPC `id` is made from the method and the request id. On a closed session
    /// the request fails at once with [`RequestFailure::Closed`].
    pub fn request(
        &mut self,
        method: &str,
        params: &str,
        rune: &str,
        filter: Option<&str>,
    ) -> Result<u64, RequestError> {
        let id = self.next_id;
        let mut short = method.len().min(64);
        while !method.is_char_boundary(short) {
            short -= 1;
        }
        // `get`, not indexing: the loop above makes it `Some`, and no panic path (with its
        // formatting code, ~3 kB of wasm) is compiled in.
        let json_id = format!(
            "lncommando:{}#{id}",
            method.get(..short).unwrap_or_default()
        );
        // Written straight into its messages: a large request takes its size once.
        let msgs = Request {
            method,
            params,
            rune,
            json_id: &json_id,
            filter,
        }
        .to_messages(id, self.request_chunk_len())?;
        self.next_id = self.next_id.wrapping_add(1);
        match self.state {
            State::Closed => {
                let reason = self.closed.clone().unwrap_or(CloseReason::Local);
                self.events.push_back(Event::Failed {
                    id,
                    failure: RequestFailure::Closed(reason),
                });
            }
            State::Ready => {
                self.reassembler.expect(id);
                self.send_request(msgs);
                self.check_backlog();
            }
            State::Handshake | State::Init => {
                self.reassembler.expect(id);
                self.queued.push((id, msgs));
            }
        }
        Ok(id)
    }

    /// How long a request's chunks are: with frame shaping, each fits in a frame with the
    /// ping that ends it.
    fn request_chunk_len(&self) -> usize {
        if self.align_frames {
            (self.max_transmit - PACKET_OVERHEAD - 10 - ACK_PING_LEN - 3)
                .clamp(1, commando::CHUNK_LEN)
        } else {
            commando::CHUNK_LEN
        }
    }

    fn send_request(&mut self, msgs: Vec<Vec<u8>>) {
        // Chunks are at most 65010 bytes, within BOLT 8's limit: sending cannot fail.
        let _ = self.enqueue(msgs);
    }

    /// Queues messages to send: encrypted now, or with frame shaping when the next frame is cut.
    fn enqueue(&mut self, msgs: Vec<Vec<u8>>) -> Result<(), TransportError> {
        if !self.align_frames {
            return self.conn.send(&msgs);
        }
        for m in msgs {
            if m.len() > crate::transport::MAX_MESSAGE_LEN {
                return Err(TransportError::MessageTooLong(m.len()));
            }
            self.unsent_len += m.len() + PACKET_OVERHEAD;
            self.unsent.push_back(m);
        }
        Ok(())
    }

    /// Sends request chunks exactly as given, for testing what a node does with requests this
    /// library would never make (bad JSON, a chunk of another id in between, oversize): each
    /// `(last, bytes)` goes as one commando message for request `id` (terminating when `last`).
    /// With `expect`, a reply for `id` is awaited and comes as for [`Session::request`]. Only
    /// once ready; chunks over the BOLT 8 limit are refused.
    pub fn send_chunks(
        &mut self,
        id: u64,
        chunks: &[(bool, &[u8])],
        expect: bool,
    ) -> Result<(), TransportError> {
        if self.state != State::Ready {
            return Ok(());
        }
        let msgs = chunks
            .iter()
            .map(|&(last, c)| {
                let typ = if last {
                    msg_type::COMMANDO_REQUEST_TERMINATES
                } else {
                    msg_type::COMMANDO_REQUEST_CONTINUES
                };
                commando::encode_chunk(typ, id, c)
            })
            .collect();
        self.enqueue(msgs)?;
        if expect {
            self.reassembler.expect(id);
        }
        self.check_backlog();
        Ok(())
    }

    /// Gives up on request `id` (a timeout or an abort): its reply, if it comes, is dropped.
    /// Returns whether it was pending.
    pub fn cancel(&mut self, id: u64) -> bool {
        self.queued.retain(|(q, _)| *q != id);
        self.reassembler.forget(id)
    }

    /// [`Session::cancel`], and when `id` was pending its [`Event::Failed`] says why
    /// ([`RequestFailure::TimedOut`] or [`RequestFailure::Aborted`]), so that the caller settles
    /// it like any other failure. Returns whether it was pending.
    pub fn give_up(&mut self, id: u64, why: GiveUp) -> bool {
        let pending = self.cancel(id);
        if pending {
            let failure = match why {
                GiveUp::Timeout { after_ms } => RequestFailure::TimedOut { after_ms },
                GiveUp::Aborted => RequestFailure::Aborted,
            };
            self.events.push_back(Event::Failed { id, failure });
        }
        pending
    }

    /// Sends a custom message (type ‖ payload; an odd type ≥ 32768 is safe with any node).
    /// Ignored unless the session is ready.
    pub fn send_message(&mut self, msg: &[u8]) -> Result<(), TransportError> {
        if self.state == State::Ready {
            self.enqueue(vec![msg.to_vec()])?;
            self.check_backlog();
        }
        Ok(())
    }

    /// Bytes to send, if any: one WebSocket frame's worth, about [`Config::max_transmit`] bytes
    /// at most. With [`Config::align_frames`], `None` while a frame's pong is awaited.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if !self.align_frames || !self.conn.is_open() {
            return self.conn.poll_transmit();
        }
        if !self.frame_in_flight && !self.unsent.is_empty() {
            self.cut_frame();
        }
        self.conn.take_transmit()
    }

    /// With [`Config::align_frames`]: encrypts the next frame: what the handshake left queued
    /// (act three), whole messages up to [`Config::max_transmit`] (at least one), and a ping
    /// that pads it to a multiple of 4 bytes and at least [`MIN_FRAME`].
    ///
    /// The ping asks for a pong (and the next frame waits for it) when more is waiting behind
    /// this frame, or when the frames sent since the last pong would pass `max_transmit`: then
    /// the stream since the node last caught up stays within one loopback segment, and each
    /// larger run starts on an idle connection. Otherwise (a call made on a quiet connection,
    /// the usual case) the ping asks for none (`num_pong_bytes` 65535, which BOLT 1 says to
    /// ignore): Core Lightning's ws port does not set TCP_NODELAY, so a pong written before the
    /// reply would hold the reply back until this side's delayed ACK (~40 ms a call, measured).
    fn cut_frame(&mut self) {
        let pending = self.conn.transmit_pending();
        let mut size = pending;
        let mut take = 0;
        for m in &self.unsent {
            let cost = m.len() + PACKET_OVERHEAD;
            if take > 0 && size + cost + ACK_PING_LEN + 3 > self.max_transmit {
                break;
            }
            size += cost;
            take += 1;
        }
        // Past the budget, the frame is a ping alone, whose pong says the node caught up.
        if self.unconfirmed > 0
            && self.unconfirmed + size + ACK_PING_LEN + 3 + MIN_FRAME > self.max_transmit
        {
            take = 0;
            size = pending;
        }
        let mut msgs = Vec::with_capacity(take + 1);
        for _ in 0..take {
            let m = self.unsent.pop_front().unwrap_or_default();
            self.unsent_len -= m.len() + PACKET_OVERHEAD;
            if m.starts_with(&wire::msg_type::PING.to_be_bytes()) {
                self.pings_out.push_back(false);
            }
            msgs.push(m);
        }
        let mut pad = (4 - (size + ACK_PING_LEN) % 4) % 4;
        if size + ACK_PING_LEN + pad < MIN_FRAME {
            pad += MIN_FRAME - (size + ACK_PING_LEN + pad);
        }
        let ask = !self.unsent.is_empty();
        msgs.push(wire::encode_ping(if ask { 0 } else { NO_PONG }, pad as u16));
        if ask {
            self.pings_out.push_back(true);
            self.frame_in_flight = true;
        }
        self.unconfirmed += size + ACK_PING_LEN + pad;
        // Every message was checked against BOLT 8's limit when queued: sending cannot fail.
        let _ = self.conn.send(&msgs);
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Takes bytes received from the node, in pieces of any size.
    pub fn receive(&mut self, bytes: &[u8], now_ms: u64) {
        if self.state == State::Closed {
            return;
        }
        self.keepalive.received(now_ms);
        match self.conn.push(bytes) {
            Ok(true) => {
                // Our init: no features, no networks (optional, and every chain is fine).
                let _ = self.enqueue(vec![Init::client_default().encode()]);
                self.set_state(State::Init);
            }
            Ok(false) => {}
            Err(e) => return self.close(e.into()),
        }
        loop {
            match self.conn.next_message() {
                Ok(Some(msg)) => {
                    if let Err(reason) = self.handle(&msg, now_ms) {
                        return self.close(reason);
                    }
                    if self.state == State::Closed {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) => return self.close(e.into()),
            }
        }
    }

    fn handle(&mut self, bytes: &[u8], now_ms: u64) -> Result<(), CloseReason> {
        let msg = Message::decode(bytes).map_err(CloseReason::Malformed)?;
        if self.state == State::Init {
            let Message::Init(init) = msg else {
                return Err(CloseReason::NoInit(msg.typ()));
            };
            init.check_client_features().map_err(|e| match e {
                WireError::UnknownRequiredFeature(bit) => CloseReason::UnknownRequiredFeature(bit),
                e => CloseReason::Malformed(e),
            })?;
            for (_, msgs) in core::mem::take(&mut self.queued) {
                self.send_request(msgs);
            }
            self.set_state(State::Ready);
            self.events.push_back(Event::Ready {
                features: init.combined_features(),
                networks: init.networks,
            });
            return Ok(());
        }
        match msg {
            Message::Init(_) => {} // A second init: harmless, ignored.
            Message::Ping(ping) => {
                if !self.allow_ping(now_ms) {
                    return Err(CloseReason::PingFlood);
                }
                if let Some(pong) = wire::pong_for(&ping) {
                    self.send_message(&pong).map_err(CloseReason::Transport)?;
                }
            }
            Message::Pong(_) => {
                // Pongs come back in the order of the pings.
                if self.pings_out.pop_front() == Some(true) {
                    // The node has read everything up to that ping, and nothing was sent after.
                    self.frame_in_flight = false;
                    self.unconfirmed = 0;
                }
            }
            Message::Warning(w) => self.events.push_back(Event::Warning {
                text: w.text(),
                is_error: false,
            }),
            Message::Error(e) => self.events.push_back(Event::Warning {
                text: e.text(),
                is_error: true,
            }),
            Message::Commando(c) => match c.typ {
                msg_type::COMMANDO_REPLY_CONTINUES | msg_type::COMMANDO_REPLY_TERMINATES => {
                    let last = c.typ == msg_type::COMMANDO_REPLY_TERMINATES;
                    let pushed = self.reassembler.push(c.id, c.body, last);
                    // Streaming: the pieces this chunk completed, before what follows them.
                    while let Some((id, chunk)) = self.reassembler.take_piece() {
                        self.events.push_back(Event::ReplyChunk { id, chunk });
                    }
                    let event = match pushed {
                        Reassembled::Partial => {
                            while let Some((id, size)) = self.reassembler.shed() {
                                self.events.push_back(Event::Failed {
                                    id,
                                    failure: RequestFailure::OverBudget { size },
                                });
                            }
                            return Ok(());
                        }
                        Reassembled::Ignored { .. } => return Ok(()),
                        Reassembled::Complete { id, reply, outcome } => match outcome {
                            Ok(outcome) => Event::Reply { id, reply, outcome },
                            Err(e) => Event::Failed {
                                id,
                                failure: RequestFailure::BadReply(e),
                            },
                        },
                        Reassembled::Bad { id, error } => Event::Failed {
                            id,
                            failure: RequestFailure::BadReply(error),
                        },
                        Reassembled::TooLarge { id, size } => Event::Failed {
                            id,
                            failure: RequestFailure::TooLarge { size },
                        },
                    };
                    self.events.push_back(event);
                }
                // A node sending us requests: odd types, surfaced like any custom message.
                typ => self.events.push_back(Event::Message {
                    typ,
                    payload: bytes[2..].to_vec(),
                }),
            },
            Message::Unknown { typ, payload } => match wire::classify(typ) {
                MsgClass::UnknownOdd => self.events.push_back(Event::Message {
                    typ,
                    payload: payload.to_vec(),
                }),
                MsgClass::UnknownEven => return Err(CloseReason::UnknownEvenMessage(typ)),
                // Gossip and other known types: nothing for a client.
                MsgClass::Handled | MsgClass::Ignorable => {}
            },
        }
        Ok(())
    }

    /// When the session next needs [`Session::handle_timeout`] (ms, the clock of `now_ms`), if
    /// ever: the shell keeps one timer for it and asks again after every call (quinn-proto's
    /// shape). `None` before ready, after close, or without keep-alive.
    pub fn poll_timeout(&self) -> Option<u64> {
        if self.state != State::Ready {
            return None;
        }
        self.keepalive.next_wakeup()
    }

    /// The timer of [`Session::poll_timeout`] fired (or any time: early calls do nothing):
    /// sends a keep-alive ping or closes on a ping timeout (see [`Config::keepalive_ms`]).
    pub fn handle_timeout(&mut self, now_ms: u64) {
        if self.state != State::Ready {
            return;
        }
        match self.keepalive.on_timeout(now_ms) {
            KeepaliveAction::Wait => {}
            KeepaliveAction::Ping => {
                let _ = self.send_message(&wire::encode_ping(1, 0));
            }
            KeepaliveAction::TimedOut => self.close(CloseReason::PingTimeout),
        }
    }

    /// The shell's connect deadline passed: closes with [`CloseReason::ConnectTimeout`] unless
    /// the session is already ready (or closed).
    pub fn connect_timed_out(&mut self) {
        if matches!(self.state, State::Handshake | State::Init) {
            self.close(CloseReason::ConnectTimeout);
        }
    }

    /// The WebSocket delivered a text message: nothing Lightning sends one, so the session
    /// closes with [`CloseReason::TextMessage`] (before or after the handshake alike).
    pub fn text_received(&mut self) {
        self.close(CloseReason::TextMessage);
    }

    /// The transport closed under us (the WebSocket closed or failed).
    pub fn connection_lost(&mut self) {
        let reason = match self.conn.eof_error() {
            Some(e) => CloseReason::Handshake(e),
            None => CloseReason::PeerClosed {
                during_init: self.state == State::Init,
            },
        };
        self.close(reason);
    }

    /// Ends the session: every pending request fails with the reason, then [`Event::Closed`].
    /// Nothing more is sent; the shell closes the socket. Closing twice keeps the first reason.
    pub fn close(&mut self, reason: CloseReason) {
        if self.state == State::Closed {
            return;
        }
        self.conn.shutdown();
        self.queued.clear();
        self.unsent.clear();
        self.unsent_len = 0;
        let ids: Vec<u64> = self.reassembler.expected().collect();
        for id in ids {
            self.reassembler.forget(id);
            self.events.push_back(Event::Failed {
                id,
                failure: RequestFailure::Closed(reason.clone()),
            });
        }
        self.set_state(State::Closed);
        self.events.push_back(Event::Closed(reason.clone()));
        self.closed = Some(reason);
    }
}
