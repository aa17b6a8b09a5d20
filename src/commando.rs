//! Commando: JSON-RPC requests to a Core Lightning node carried in custom messages, authorised by
//! a rune (Core Lightning's `plugins/commando.c`).
//!
//! A request is a JSON object sent in chunks of at most 65000 bytes, each a BOLT 1 message of
//! type 0x4c4d (more follow) or 0x4c4f (last), carrying an 8-byte request id. Replies come back
//! the same way as 0x594b / 0x594d and may interleave between ids; [`Reassembler`] puts each back
//! together, bounded by a size cap. [`classify_reply`] tells a result from the node's JSON-RPC
//! error and from commando's own errors.

use crate::prelude::*;

use crate::json;
use crate::wire::msg_type;
use alloc::collections::VecDeque;

/// Largest JSON chunk in one message.
pub const CHUNK_LEN: usize = 65000;
/// The largest request Core Lightning's commando reassembles (larger ones are dropped silently).
pub const MAX_REQUEST_LEN: usize = 1024 * 1024;
/// The default cap on one reply's size.
pub const DEFAULT_MAX_REPLY_LEN: usize = 64 * 1024 * 1024;

/// Commando's own error: the node's commando plugin rejected the request.
pub const CODE_REJECTED: i64 = 19536;
/// Commando's own error: the rune does not authorise the request.
pub const CODE_NOT_AUTHORISED: i64 = 19537;
/// A local failure on the caller's side (timeout, cancellation, oversize or malformed reply).
pub const CODE_LOCAL_FAILURE: i64 = 19535;
/// Not connected to the peer.
pub const CODE_NOT_CONNECTED: i64 = -32600;

/// Why a request could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// The method name is empty or too long.
    BadMethod,
    /// `params` is not a JSON array or object.
    BadParams(json::JsonError),
    /// `filter` is not a JSON object.
    BadFilter(json::JsonError),
    /// The rune is empty.
    MissingRune,
    /// The request is larger than a node accepts.
    TooLarge(usize),
}

impl core::fmt::Display for RequestError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RequestError::BadMethod => {
                f.write_str("method must be a non-empty string of at most 1024 bytes")
            }
            RequestError::BadParams(e) => write!(f, "params must be a JSON array or object: {e}"),
            RequestError::BadFilter(e) => write!(f, "filter must be a JSON object: {e}"),
            RequestError::MissingRune => f.write_str("a rune is required"),
            RequestError::TooLarge(n) => write!(
                f,
                "request of {n} bytes exceeds the node's {MAX_REQUEST_LEN}-byte limit"
            ),
        }
    }
}

impl core::error::Error for RequestError {}

/// What a request carries. `params` and `filter` are JSON text.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// The JSON-RPC method, e.g. `getinfo`.
    pub method: &'a str,
    /// A JSON array or object; `"[]"` for none.
    pub params: &'a str,
    /// The rune, base64url.
    pub rune: &'a str,
    /// The JSON-RPC `id` string the node echoes back (required by Core Lightning ≥ 24.05).
    pub json_id: &'a str,
    /// An optional JSON object telling lightningd which fields of the result to keep.
    pub filter: Option<&'a str>,
}

impl core::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The rune is a secret: never printed.
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("json_id", &self.json_id)
            .field("params_len", &self.params.len())
            .finish_non_exhaustive()
    }
}

fn container(text: &str, want: u8) -> Result<(), json::JsonError> {
    json::validate(text.as_bytes())?;
    if json::first_byte(text.as_bytes()) == Some(want) {
        Ok(())
    } else {
        Err(json::JsonError::WrongKind)
    }
}

impl Request<'_> {
    /// The request's JSON in pieces, checked: params an array or object, filter an object, at
    /// most [`MAX_REQUEST_LEN`] bytes. Returns the two pieces it writes (around the params)
    /// and the total length; the pieces in order are [`Request::pieces`].
    fn parts(&self) -> Result<(Vec<u8>, Vec<u8>, usize), RequestError> {
        if self.method.is_empty() || self.method.len() > 1024 {
            return Err(RequestError::BadMethod);
        }
        if self.rune.is_empty() {
            return Err(RequestError::MissingRune);
        }
        container(self.params, b'{')
            .or_else(|_| container(self.params, b'['))
            .map_err(RequestError::BadParams)?;
        if let Some(filter) = self.filter {
            container(filter, b'{').map_err(RequestError::BadFilter)?;
        }
        let mut head = Vec::with_capacity(self.method.len() + 24);
        head.extend_from_slice(b"{\"method\":");
        json::write_string(&mut head, self.method);
        head.extend_from_slice(b",\"params\":");
        let mut tail = Vec::with_capacity(self.rune.len() + self.json_id.len() + 32);
        tail.extend_from_slice(b",\"rune\":");
        json::write_string(&mut tail, self.rune);
        tail.extend_from_slice(b",\"id\":");
        json::write_string(&mut tail, self.json_id);
        if self.filter.is_some() {
            tail.extend_from_slice(b",\"filter\":");
        }
        let len = head.len()
            + self.params.trim().len()
            + tail.len()
            + self.filter.map_or(0, |f| f.trim().len())
            + 1;
        if len > MAX_REQUEST_LEN {
            return Err(RequestError::TooLarge(len));
        }
        Ok((head, tail, len))
    }

    /// The request's JSON, piece by piece, around the two pieces [`Request::parts`] wrote.
    fn pieces<'s>(&'s self, head: &'s [u8], tail: &'s [u8]) -> [&'s [u8]; 5] {
        let filter = self.filter.map_or(&b""[..], |f| f.trim().as_bytes());
        [head, self.params.trim().as_bytes(), tail, filter, b"}"]
    }

    /// The request's JSON body, checked: params an array or object, filter an object, at most
    /// [`MAX_REQUEST_LEN`] bytes.
    pub fn to_json(&self) -> Result<Vec<u8>, RequestError> {
        let (head, tail, len) = self.parts()?;
        let mut out = Vec::with_capacity(len);
        for p in self.pieces(&head, &tail) {
            out.extend_from_slice(p);
        }
        Ok(out)
    }

    /// The request as the commando messages of request `id`, chunks of at most `chunk_len`
    /// bytes (1 to [`CHUNK_LEN`]), as [`frame_request_in`] makes of [`Request::to_json`]'s body,
    /// but written straight into them: a large request takes its size once, not twice.
    pub fn to_messages(&self, id: u64, chunk_len: usize) -> Result<Vec<Vec<u8>>, RequestError> {
        let (head, tail, len) = self.parts()?;
        let chunk_len = chunk_len.clamp(1, CHUNK_LEN);
        let count = len.div_ceil(chunk_len);
        let mut pieces = self.pieces(&head, &tail).into_iter();
        let mut piece: &[u8] = &[];
        let mut left = len;
        let mut msgs = Vec::with_capacity(count);
        for i in 0..count {
            let typ = if i + 1 == count {
                msg_type::COMMANDO_REQUEST_TERMINATES
            } else {
                msg_type::COMMANDO_REQUEST_CONTINUES
            };
            let size = chunk_len.min(left);
            left -= size;
            let mut msg = Vec::with_capacity(10 + size);
            msg.extend_from_slice(&typ.to_be_bytes());
            msg.extend_from_slice(&id.to_be_bytes());
            let mut need = size;
            while need > 0 {
                if piece.is_empty() {
                    // The pieces add up to `len`: they run out only with `need` at 0.
                    let Some(next) = pieces.next() else { break };
                    piece = next;
                    continue;
                }
                let (now, later) = piece.split_at(need.min(piece.len()));
                msg.extend_from_slice(now);
                need -= now.len();
                piece = later;
            }
            msgs.push(msg);
        }
        Ok(msgs)
    }
}

/// Splits a request body into BOLT 1 messages (type ‖ id ‖ chunk), to be sent back to back.
/// An empty body still makes one (terminating) message.
pub fn frame_request(id: u64, body: &[u8]) -> Vec<Vec<u8>> {
    frame(
        id,
        body,
        msg_type::COMMANDO_REQUEST_CONTINUES,
        msg_type::COMMANDO_REQUEST_TERMINATES,
        CHUNK_LEN,
    )
}

/// [`frame_request`] with chunks of at most `chunk_len` bytes (1 to [`CHUNK_LEN`]; the node
/// joins the chunks whatever their sizes).
pub fn frame_request_in(id: u64, body: &[u8], chunk_len: usize) -> Vec<Vec<u8>> {
    frame(
        id,
        body,
        msg_type::COMMANDO_REQUEST_CONTINUES,
        msg_type::COMMANDO_REQUEST_TERMINATES,
        chunk_len.clamp(1, CHUNK_LEN),
    )
}

/// Splits a reply into BOLT 1 messages, as a node does (used by the test node and tests).
pub fn frame_reply(id: u64, body: &[u8]) -> Vec<Vec<u8>> {
    frame(
        id,
        body,
        msg_type::COMMANDO_REPLY_CONTINUES,
        msg_type::COMMANDO_REPLY_TERMINATES,
        CHUNK_LEN,
    )
}

/// One commando message: `typ` (one of the four commando types) ‖ `id` ‖ `chunk`.
pub fn encode_chunk(typ: u16, id: u64, chunk: &[u8]) -> Vec<u8> {
    let mut msg = Vec::with_capacity(10 + chunk.len());
    msg.extend_from_slice(&typ.to_be_bytes());
    msg.extend_from_slice(&id.to_be_bytes());
    msg.extend_from_slice(chunk);
    msg
}

fn frame(id: u64, body: &[u8], more: u16, last: u16, chunk_len: usize) -> Vec<Vec<u8>> {
    let chunks: Vec<&[u8]> = if body.is_empty() {
        vec![&[][..]]
    } else {
        body.chunks(chunk_len).collect()
    };
    let n = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| encode_chunk(if i + 1 == n { last } else { more }, id, chunk))
        .collect()
}

/// Splits a commando message payload (after the 2-byte type) into its id and chunk.
pub fn parse_chunk(payload: &[u8]) -> Option<(u64, &[u8])> {
    let (id, chunk) = payload.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*id), chunk))
}

/// What [`Reassembler::push`] made of a reply chunk.
#[derive(Debug, PartialEq, Eq)]
pub enum Reassembled {
    /// More chunks are needed.
    Partial,
    /// The reply for `id` is complete.
    Complete {
        /// The request id.
        id: u64,
        /// The whole reply (empty from a [`Reassembler::streaming`] one, whose caller kept the
        /// chunks).
        reply: Vec<u8>,
        /// What it says ([`ReplyScan`]).
        outcome: Result<Outcome, BadReply>,
    },
    /// The reply for `id` cannot be JSON (checked as its chunks come): the request is forgotten
    /// and its later chunks ignored.
    Bad {
        /// The request id.
        id: u64,
        /// Why.
        error: BadReply,
    },
    /// The reply for `id` grew past the cap: the request is forgotten and its later chunks
    /// ignored.
    TooLarge {
        /// The request id.
        id: u64,
        /// The size the reply had reached.
        size: usize,
    },
    /// A chunk for an id not awaited (never requested, cancelled, or already failed): dropped.
    Ignored {
        /// The id it carried.
        id: u64,
    },
}

/// Puts replies back together per request id; chunks of different ids may interleave.
///
/// Pending replies sit in a small vector: a client has tens, rarely thousands, of calls in
/// flight, and a linear scan of ids costs less than a hash map's code in every browser's wasm.
/// A reply's chunks are kept as they come (small ones appended to the previous piece, up to
/// [`PIECE_LEN`]) and joined once, at their exact total size, when the last one arrives: memory
/// peaks at twice the reply, not at the three to four times a doubling buffer reaches (in wasm,
/// memory once grown is never given back).
///
/// Memory is bounded twice: each reply by `max_reply` bytes of content, and all partial replies
/// together by a budget counted at their real cost (each piece's allocated capacity plus
/// [`PIECE_OVERHEAD`]), so that a node sending millions of tiny or empty chunks cannot hold more
/// than the budget either. Empty non-final chunks store nothing.
///
/// Each reply is classified as its chunks come ([`ReplyScan`]). A [`Reassembler::streaming`]
/// one keeps no reply: it hands the reply out in pieces ([`Reassembler::take_piece`]; the wasm
/// build passes them to JavaScript, so that the wasm memory is bounded by a packet, not by a
/// reply). A chunk of [`STREAM_PIECE`] bytes or more goes out as it came; smaller ones are
/// gathered until they make that much (or the reply ends), so that a node sending millions of
/// tiny chunks makes few pieces. The budget then counts what the caller holds, each piece plus
/// [`HELD_PIECE_OVERHEAD`], with what is still gathered here.
pub struct Reassembler {
    max_reply: usize,
    budget: usize,
    cost: usize,
    keep: bool,
    pending: Vec<Partial>,
    /// Pieces handed out by the last push, for [`Reassembler::take_piece`].
    out: VecDeque<(u64, Vec<u8>)>,
}

/// Chunks smaller than this are appended to the previous piece of their reply.
pub const PIECE_LEN: usize = 65536;
/// What one stored piece costs beyond its bytes (its `Vec` header and the allocator's).
pub const PIECE_OVERHEAD: usize = 32;
/// A streaming reassembler hands out pieces of at least this many bytes (but the last).
pub const STREAM_PIECE: usize = 16384;
/// What one piece handed out costs its holder beyond its bytes: a JavaScript `Uint8Array` and
/// its buffer take ~200 bytes more than their contents (measured in V8).
pub const HELD_PIECE_OVERHEAD: usize = 256;

struct Partial {
    id: u64,
    /// Stored pieces (storing), and their cost.
    chunks: Vec<Vec<u8>>,
    stored: usize,
    /// Small chunks gathered before they are handed out (streaming), and what the pieces
    /// handed out cost their holder.
    tail: Vec<u8>,
    handed: usize,
    size: usize,
    cost: usize,
    scan: ReplyScan,
}

impl Partial {
    fn join(&mut self, last: &[u8]) -> Vec<u8> {
        let chunks = core::mem::take(&mut self.chunks);
        if chunks.is_empty() {
            return last.to_vec();
        }
        let mut out = Vec::with_capacity(self.size + last.len());
        for c in &chunks {
            out.extend_from_slice(c);
        }
        out.extend_from_slice(last);
        out
    }

    /// Stores a non-final chunk.
    fn store(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        match self.chunks.last_mut() {
            Some(prev) if prev.len() + chunk.len() <= PIECE_LEN => {
                let cap = prev.capacity();
                prev.extend_from_slice(chunk);
                self.stored = self.stored - cap + prev.capacity();
            }
            _ => {
                let cap = self.chunks.capacity();
                self.chunks.push(chunk.to_vec());
                let grown = self.chunks.capacity() - cap;
                self.stored +=
                    chunk.len() + PIECE_OVERHEAD + grown * core::mem::size_of::<Vec<u8>>();
            }
        }
    }

    /// Streaming: the piece to hand out after `chunk`, if any (see [`Reassembler`]).
    fn hand_out(&mut self, chunk: &[u8], last: bool) -> Option<Vec<u8>> {
        if self.tail.is_empty() && chunk.len() >= STREAM_PIECE {
            return Some(chunk.to_vec());
        }
        self.tail.extend_from_slice(chunk);
        if self.tail.is_empty() || !(last || self.tail.len() >= STREAM_PIECE) {
            return None;
        }
        Some(core::mem::take(&mut self.tail))
    }

    /// What it costs, as counted against the budget.
    fn cost(&self) -> usize {
        self.stored + self.handed + self.tail.capacity() + self.scan.held()
    }
}

impl Reassembler {
    /// A reassembler capping each reply at `max_reply` bytes, with no budget for all of them
    /// together beyond that (see [`Reassembler::with_budget`]).
    pub fn new(max_reply: usize) -> Reassembler {
        Reassembler::with_budget(max_reply, usize::MAX)
    }

    /// A reassembler capping each reply at `max_reply` bytes and the cost of all partial
    /// replies together at `budget` bytes (see [`Reassembler::shed`]).
    pub fn with_budget(max_reply: usize, budget: usize) -> Reassembler {
        Reassembler {
            max_reply,
            budget,
            cost: 0,
            keep: true,
            pending: Vec::new(),
            out: VecDeque::new(),
        }
    }

    /// As [`Reassembler::with_budget`], but keeping no reply: after each [`Reassembler::push`],
    /// the pieces to pass on are [`Reassembler::take_piece`]'s (the last before `Complete`,
    /// whose `reply` is then empty), and together they are the reply.
    pub fn streaming(max_reply: usize, budget: usize) -> Reassembler {
        Reassembler {
            keep: false,
            ..Reassembler::with_budget(max_reply, budget)
        }
    }

    fn position(&self, id: u64) -> Option<usize> {
        self.pending.iter().position(|p| p.id == id)
    }

    fn remove(&mut self, i: usize) -> Partial {
        let p = self.pending.remove(i);
        self.cost -= p.cost;
        p
    }

    /// Starts awaiting a reply for `id`.
    pub fn expect(&mut self, id: u64) {
        if self.position(id).is_none() {
            self.pending.push(Partial {
                id,
                chunks: Vec::new(),
                stored: 0,
                tail: Vec::new(),
                handed: 0,
                size: 0,
                cost: 0,
                scan: ReplyScan::new(),
            });
        }
    }

    /// Stops awaiting `id` (cancelled or timed out): its chunks are dropped from now on.
    /// Returns whether it was awaited.
    pub fn forget(&mut self, id: u64) -> bool {
        match self.position(id) {
            Some(i) => {
                self.remove(i);
                true
            }
            None => false,
        }
    }

    /// Whether a reply for `id` is awaited.
    pub fn is_expected(&self, id: u64) -> bool {
        self.position(id).is_some()
    }

    /// Ids awaited, in the order they were requested.
    pub fn expected(&self) -> impl Iterator<Item = u64> + '_ {
        self.pending.iter().map(|p| p.id)
    }

    /// Bytes of content held in partial replies.
    pub fn buffered(&self) -> usize {
        self.pending.iter().map(|p| p.size).sum()
    }

    /// What the partial replies cost in memory, as counted against the budget.
    pub fn cost(&self) -> usize {
        self.cost
    }

    /// Takes one reply chunk: `last` for 0x594d, the id and the chunk's bytes.
    pub fn push(&mut self, id: u64, chunk: &[u8], last: bool) -> Reassembled {
        let Some(i) = self.position(id) else {
            return Reassembled::Ignored { id };
        };
        let size = self.pending[i].size.saturating_add(chunk.len());
        if size > self.max_reply {
            self.remove(i);
            return Reassembled::TooLarge { id, size };
        }
        let p = &mut self.pending[i];
        if let Err(error) = p.scan.feed(chunk) {
            self.remove(i);
            return Reassembled::Bad { id, error };
        }
        if last {
            let mut p = self.remove(i);
            let reply = if self.keep {
                p.join(chunk)
            } else {
                if let Some(piece) = p.hand_out(chunk, true) {
                    self.out.push_back((id, piece));
                }
                Vec::new()
            };
            return Reassembled::Complete {
                id,
                reply,
                outcome: p.scan.finish(),
            };
        }
        p.size += chunk.len();
        if self.keep {
            p.store(chunk);
        } else if let Some(piece) = p.hand_out(chunk, false) {
            p.handed += piece.len() + HELD_PIECE_OVERHEAD;
            self.out.push_back((id, piece));
        }
        let (before, after) = (p.cost, p.cost());
        p.cost = after;
        self.cost = self.cost - before + after;
        Reassembled::Partial
    }

    /// A piece of a reply to pass on (streaming; none when storing), in order: take them all
    /// after each [`Reassembler::push`].
    pub fn take_piece(&mut self) -> Option<(u64, Vec<u8>)> {
        self.out.pop_front()
    }

    /// While the partial replies cost more than the budget, gives up the largest of them
    /// (forgotten like a reply past its cap): returns its id and size, or `None` once within
    /// the budget. Call after each [`Reassembler::push`] until it returns `None`.
    pub fn shed(&mut self) -> Option<(u64, usize)> {
        if self.cost <= self.budget {
            return None;
        }
        let i = (0..self.pending.len()).max_by_key(|&i| self.pending[i].cost)?;
        let p = self.remove(i);
        Some((p.id, p.size))
    }
}

/// What a complete reply says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Success: the method's result is `reply[result]` (JSON).
    Result {
        /// Byte range of the `result` value in the reply.
        result: core::ops::Range<usize>,
    },
    /// An error, from the method (the node's JSON-RPC error, passed through) or from commando
    /// itself (19536 rejected, 19537 not authorised by the rune).
    Error {
        /// The JSON-RPC error code.
        code: i64,
        /// The error message.
        message: String,
        /// Byte range of the error's `data` value (JSON), if it has one.
        data: Option<core::ops::Range<usize>>,
        /// Who refused the call: commando (the rune, or the request itself) or the method.
        kind: ErrorKind,
    },
}

/// Who refused a call, decided from the reply alone: the `reason` the JS API reports.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The rune does not allow the call (commando's 19537, `Invalid rune: Not permitted: …`).
    NotAuthorised,
    /// commando refused the request itself (19536, or any bare error object without
    /// `jsonrpc`): malformed, no rune, an undecodable rune.
    Rejected,
    /// The method's own JSON-RPC error, passed through (its code, e.g. -32601).
    Node,
}

impl ErrorKind {
    /// The short name the JS API gives it: `not-authorised`, `rejected` or `node`.
    pub fn reason(self) -> &'static str {
        match self {
            ErrorKind::NotAuthorised => "not-authorised",
            ErrorKind::Rejected => "rejected",
            ErrorKind::Node => "node",
        }
    }
}

/// Why a reply could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BadReply {
    /// The reply is not JSON.
    NotJson(json::JsonError),
    /// The reply is a JSON object with neither `result` nor a well-formed `error`.
    NoResultOrError,
}

impl core::fmt::Display for BadReply {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            BadReply::NotJson(e) => write!(f, "reply is not a JSON object: {e}"),
            BadReply::NoResultOrError => f.write_str("reply has neither a result nor an error"),
        }
    }
}

impl core::error::Error for BadReply {}

/// Tells what a complete reply holds, validating it as JSON on the way (a [`ReplyScan`] given
/// it whole).
pub fn classify_reply(reply: &[u8]) -> Result<Outcome, BadReply> {
    let mut scan = ReplyScan::new();
    scan.feed(reply)?;
    scan.finish()
}

/// The top-level members a [`ReplyScan`] watches, by index.
const WATCHED: [&str; 3] = ["jsonrpc", "error", "result"];
const JSONRPC: usize = 0;
const ERROR: usize = 1;
const RESULT: usize = 2;

/// Classifies a reply as its chunks arrive, without holding it: the one home of what a reply
/// means ([`classify_reply`] is this, given the reply whole). The JSON is checked as it comes
/// ([`json::ObjectStream`]: a malformed reply fails at its first bad byte); only the `error`
/// value, if there is one, is kept (to read its code and message). A `result` is reported as
/// its byte range in the whole reply, which the caller keeps or passes on.
pub struct ReplyScan {
    json: json::ObjectStream<3>,
    error: Vec<u8>,
}

impl Default for ReplyScan {
    fn default() -> ReplyScan {
        ReplyScan::new()
    }
}

impl ReplyScan {
    /// A scan at the start of a reply.
    pub fn new() -> ReplyScan {
        ReplyScan {
            json: json::ObjectStream::new(WATCHED),
            error: Vec::new(),
        }
    }

    /// Bytes of the reply fed so far.
    pub fn len(&self) -> usize {
        self.json.offset()
    }

    /// Whether nothing has been fed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Memory held: the `error` value's bytes so far.
    pub fn held(&self) -> usize {
        self.error.capacity()
    }

    /// The next chunk of the reply; an error as soon as it cannot be JSON (and from then on,
    /// that error again).
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), BadReply> {
        if let Some(e) = self.json.failed() {
            return Err(BadReply::NotJson(e));
        }
        let at = self.json.offset();
        let fed = self.json.feed(chunk);
        if let Some((start, end)) = self.json.found(ERROR) {
            let from = start.saturating_sub(at);
            let to = end.map_or(chunk.len(), |e| e.saturating_sub(at).min(chunk.len()));
            if let Some(part) = chunk.get(from..to) {
                self.error.extend_from_slice(part);
            }
        }
        fed.map_err(BadReply::NotJson)
    }

    /// The reply has ended: what it says.
    pub fn finish(self) -> Result<Outcome, BadReply> {
        self.json.finish().map_err(BadReply::NotJson)?;
        let has_jsonrpc = self.json.found(JSONRPC).is_some();
        if let Some((offset, _)) = self.json.found(ERROR) {
            return classify_error(&self.error, offset, has_jsonrpc);
        }
        match self.json.found(RESULT) {
            Some((start, Some(end))) => Ok(Outcome::Result { result: start..end }),
            _ => Err(BadReply::NoResultOrError),
        }
    }
}

/// An `error` value (`err`, found at `offset` in the reply) and whether the reply has
/// `jsonrpc`: the error's code, message, data and who refused.
fn classify_error(err: &[u8], offset: usize, has_jsonrpc: bool) -> Result<Outcome, BadReply> {
    let em = json::members(err).map_err(|_| BadReply::NoResultOrError)?;
    let code = json::get(err, &em, "code")
        .and_then(json::parse_i64)
        .ok_or(BadReply::NoResultOrError)?;
    let message = match json::get(err, &em, "message") {
        Some(m) => json::parse_string(m).map_err(|_| BadReply::NoResultOrError)?,
        None => String::new(),
    };
    let data = em
        .iter()
        .find(|m| err.get(m.key.clone()) == Some(b"data"))
        .map(|m| m.value.start + offset..m.value.end + offset);
    let kind = if code == CODE_NOT_AUTHORISED {
        ErrorKind::NotAuthorised
    } else if !has_jsonrpc || code == CODE_REJECTED {
        ErrorKind::Rejected
    } else {
        ErrorKind::Node
    };
    Ok(Outcome::Error {
        code,
        message,
        data,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(params: &'a str, filter: Option<&'a str>) -> Request<'a> {
        Request {
            method: "getinfo",
            params,
            rune: "abc=",
            json_id: "lncommando:getinfo#1",
            filter,
        }
    }

    #[test]
    fn request_json() {
        let body = req("{}", None).to_json().unwrap();
        assert_eq!(
            body,
            br#"{"method":"getinfo","params":{},"rune":"abc=","id":"lncommando:getinfo#1"}"#
        );
        let body = req(" [1, \"a\"] ", Some("{\"id\":true}"))
            .to_json()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["params"], serde_json::json!([1, "a"]));
        assert_eq!(v["filter"], serde_json::json!({"id": true}));
        let odd = Request {
            method: "we\"ird\n",
            ..req("[]", None)
        };
        let v: serde_json::Value = serde_json::from_slice(&odd.to_json().unwrap()).unwrap();
        assert_eq!(v["method"], "we\"ird\n");
    }

    #[test]
    fn request_messages_are_its_body_framed() {
        let big = format!("{{\"s\":\"{}\"}}", "é".repeat(100_000));
        for (params, filter) in [
            ("{}", None),
            ("[1, 2]", Some(" {\"id\": true} ")),
            (&big[..], None),
        ] {
            let r = req(params, filter);
            let body = r.to_json().unwrap();
            for chunk_len in [1, 7, 61_000, CHUNK_LEN, CHUNK_LEN + 1] {
                if chunk_len == 1 && body.len() > 1000 {
                    continue;
                }
                assert_eq!(
                    r.to_messages(9, chunk_len).unwrap(),
                    frame_request_in(9, &body, chunk_len),
                    "{chunk_len}"
                );
            }
        }
        assert!(matches!(
            req("[", None).to_messages(1, 100),
            Err(RequestError::BadParams(_))
        ));
    }

    #[test]
    fn request_errors() {
        assert!(matches!(
            req("1", None).to_json(),
            Err(RequestError::BadParams(_))
        ));
        assert!(matches!(
            req("{", None).to_json(),
            Err(RequestError::BadParams(_))
        ));
        assert!(matches!(
            req("{} {}", None).to_json(),
            Err(RequestError::BadParams(_))
        ));
        assert!(matches!(
            req("{}", Some("[]")).to_json(),
            Err(RequestError::BadFilter(_))
        ));
        assert_eq!(
            Request {
                method: "",
                ..req("{}", None)
            }
            .to_json(),
            Err(RequestError::BadMethod)
        );
        assert_eq!(
            Request {
                rune: "",
                ..req("{}", None)
            }
            .to_json(),
            Err(RequestError::MissingRune)
        );
        let big = format!("[\"{}\"]", "x".repeat(MAX_REQUEST_LEN));
        assert!(matches!(
            req(&big, None).to_json(),
            Err(RequestError::TooLarge(_))
        ));
        // The rune never shows in Debug output.
        assert!(!format!("{:?}", req("{}", None)).contains("abc="));
    }

    #[test]
    fn framing() {
        let msgs = frame_request(7, b"");
        assert_eq!(msgs, vec![[0x4c, 0x4f, 0, 0, 0, 0, 0, 0, 0, 7].to_vec()]);
        let body = vec![b'x'; CHUNK_LEN * 2 + 1];
        let msgs = frame_request(1, &body);
        assert_eq!(msgs.len(), 3);
        assert_eq!(
            &msgs[0][..2],
            &msg_type::COMMANDO_REQUEST_CONTINUES.to_be_bytes()
        );
        assert_eq!(
            &msgs[1][..2],
            &msg_type::COMMANDO_REQUEST_CONTINUES.to_be_bytes()
        );
        assert_eq!(
            &msgs[2][..2],
            &msg_type::COMMANDO_REQUEST_TERMINATES.to_be_bytes()
        );
        assert_eq!(msgs[0].len(), 10 + CHUNK_LEN);
        assert_eq!(msgs[2].len(), 11);
        assert_eq!(frame_request(1, &body[..CHUNK_LEN]).len(), 1);
        assert_eq!(parse_chunk(&msgs[2][2..]), Some((1, &b"x"[..])));
        assert_eq!(parse_chunk(&[0; 7]), None);
    }

    #[test]
    fn reassembly_cap_and_unknown_ids() {
        let mut r = Reassembler::new(16);
        r.expect(1);
        r.expect(2);
        assert_eq!(r.push(3, b"x", true), Reassembled::Ignored { id: 3 });
        assert_eq!(r.push(1, br#"{"result""#, false), Reassembled::Partial);
        assert_eq!(r.push(2, br#"{"x":"#, false), Reassembled::Partial);
        assert_eq!(
            r.push(1, b":1}", true),
            Reassembled::Complete {
                id: 1,
                reply: br#"{"result":1}"#.to_vec(),
                outcome: Ok(Outcome::Result { result: 10..11 }),
            }
        );
        assert_eq!(
            r.push(2, br#""12345678901""#, false),
            Reassembled::TooLarge { id: 2, size: 18 }
        );
        assert_eq!(r.push(2, b"1", true), Reassembled::Ignored { id: 2 });
        assert_eq!(r.buffered(), 0);
        r.expect(4);
        assert!(r.forget(4));
        assert_eq!(r.push(4, b"late", true), Reassembled::Ignored { id: 4 });
        // Not JSON: the reply fails at its first bad byte, its later chunks are dropped.
        r.expect(5);
        assert_eq!(r.push(5, b"{", false), Reassembled::Partial);
        assert_eq!(
            r.push(5, b" ]", false),
            Reassembled::Bad {
                id: 5,
                error: BadReply::NotJson(json::JsonError::Unexpected(2)),
            }
        );
        assert_eq!(r.push(5, b"}", true), Reassembled::Ignored { id: 5 });
        // Whole JSON, but no result or error: known at the end.
        r.expect(6);
        assert_eq!(
            r.push(6, b"{}", true),
            Reassembled::Complete {
                id: 6,
                reply: b"{}".to_vec(),
                outcome: Err(BadReply::NoResultOrError),
            }
        );
        assert_eq!((r.buffered(), r.cost()), (0, 0));
    }

    #[test]
    fn budget_counts_real_cost_and_sheds_the_largest() {
        let head = br#"{"result":""#;
        let filled = |c: u8, n: usize| [&head[..], &vec![c; n - head.len()]].concat();
        let mut r = Reassembler::with_budget(1 << 20, 10_000);
        for id in 1..=3 {
            r.expect(id);
        }
        assert_eq!(r.push(1, head, false), Reassembled::Partial);
        let base = r.cost();
        // Empty non-final chunks store nothing; tiny ones share a piece.
        for _ in 0..1000 {
            assert_eq!(r.push(1, b"", false), Reassembled::Partial);
        }
        assert_eq!((r.buffered(), r.cost()), (head.len(), base));
        for _ in 0..1000 {
            assert_eq!(r.push(1, b"x", false), Reassembled::Partial);
        }
        assert_eq!(r.buffered(), 1000 + head.len());
        assert!(
            // One piece: its doubled capacity, its overhead and the piece list's slots.
            r.cost() >= 1000 && r.cost() <= 2048 + PIECE_OVERHEAD + 4 * 24,
            "{}",
            r.cost()
        );
        assert_eq!(r.shed(), None);
        assert_eq!(r.push(2, &filled(b'y', 3000), false), Reassembled::Partial);
        assert_eq!(r.push(3, &filled(b'z', 7000), false), Reassembled::Partial);
        assert!(r.cost() > 10_000);
        // The largest goes first, and only as many as needed.
        assert_eq!(r.shed(), Some((3, 7000)));
        assert_eq!(r.shed(), None);
        assert!(!r.is_expected(3) && r.is_expected(1) && r.is_expected(2));
        assert_eq!(r.push(3, b"late", true), Reassembled::Ignored { id: 3 });
        let whole = [&head[..], &[b'x'; 1000], b"\"}"].concat();
        assert_eq!(
            r.push(1, b"\"}", true),
            Reassembled::Complete {
                id: 1,
                outcome: Ok(Outcome::Result {
                    result: head.len() - 1..whole.len() - 1
                }),
                reply: whole,
            }
        );
        assert!(r.forget(2));
        assert_eq!(r.cost(), 0);
    }

    #[test]
    fn streaming_keeps_nothing_but_counts_what_the_caller_holds() {
        let mut r = Reassembler::streaming(1 << 20, 30_000);
        let pieces =
            |r: &mut Reassembler| core::iter::from_fn(|| r.take_piece()).collect::<Vec<_>>();
        r.expect(1);
        r.expect(2);
        // Small chunks are gathered, and counted as what they hold here.
        let head = br#"{"jsonrpc":"2.0","result":""#;
        assert_eq!(r.push(1, head, false), Reassembled::Partial);
        assert_eq!(r.push(1, b"", false), Reassembled::Partial);
        assert_eq!(r.buffered(), head.len());
        assert!(
            r.cost() >= head.len() && r.cost() < head.len() + 64,
            "{}",
            r.cost()
        );
        assert_eq!(pieces(&mut r), vec![]);
        // Past STREAM_PIECE they go out as one piece, then counted as the caller holds it.
        assert_eq!(r.push(2, b"{", false), Reassembled::Partial);
        assert_eq!(r.push(2, &[b' '; 40_000], false), Reassembled::Partial);
        assert_eq!(
            pieces(&mut r),
            vec![(2, [&b"{"[..], &[b' '; 40_000]].concat())]
        );
        let after = r.cost();
        assert!(after >= 40_001 + HELD_PIECE_OVERHEAD, "{after}");
        assert_eq!(r.shed(), Some((2, 40_001)));
        assert_eq!(r.shed(), None);
        // A chunk of STREAM_PIECE or more with nothing gathered goes out as it came.
        r.expect(3);
        let big = [&br#"{"result":""#[..], &[b'z'; STREAM_PIECE]].concat();
        assert_eq!(r.push(3, &big, false), Reassembled::Partial);
        assert_eq!(pieces(&mut r), vec![(3, big.clone())]);
        // The last piece before Complete: what was gathered and the last chunk.
        assert_eq!(
            r.push(1, b"x\"}", true),
            Reassembled::Complete {
                id: 1,
                reply: Vec::new(),
                outcome: Ok(Outcome::Result {
                    result: head.len() - 1..head.len() + 2
                }),
            }
        );
        assert_eq!(pieces(&mut r), vec![(1, [&head[..], b"x\"}"].concat())]);
        // A million one-byte chunks make pieces of STREAM_PIECE, not a million.
        r.expect(4);
        let mut got = Vec::new();
        assert_eq!(r.push(4, br#"{"result":""#, false), Reassembled::Partial);
        for _ in 0..1_000_000 {
            assert_eq!(r.push(4, b"y", false), Reassembled::Partial);
            got.extend(pieces(&mut r));
        }
        assert!(matches!(
            r.push(4, b"\"}", true),
            Reassembled::Complete { outcome: Ok(_), .. }
        ));
        got.extend(pieces(&mut r));
        assert!(got.len() <= 1_000_000 / STREAM_PIECE + 2, "{}", got.len());
        assert!(
            got[..got.len() - 1]
                .iter()
                .all(|(id, p)| *id == 4 && p.len() == STREAM_PIECE)
        );
        let joined: Vec<u8> = got.into_iter().flat_map(|(_, p)| p).collect();
        assert_eq!(joined.len(), 11 + 1_000_000 + 2);
        assert!(r.forget(3));
        assert_eq!(r.cost(), 0);
        // An error's value is what a streaming reassembler holds, and it is counted.
        r.expect(5);
        let err = br#"{"jsonrpc":"2.0","error":{"code":-1,"message":"no","data":[1]}}"#;
        let (a, b) = err.split_at(30);
        assert_eq!(r.push(5, a, false), Reassembled::Partial);
        // The 30 bytes gathered, and the error value's first 5 bytes kept to read it.
        assert!(r.cost() >= a.len() + 5, "{}", r.cost());
        assert_eq!(
            r.push(5, b, true),
            Reassembled::Complete {
                id: 5,
                reply: Vec::new(),
                outcome: classify_reply(err),
            }
        );
        let Ok(Outcome::Error { data: Some(d), .. }) = classify_reply(err) else {
            panic!()
        };
        assert_eq!(&err[d], b"[1]");
    }

    #[test]
    fn classify() {
        let ok = br#"{"jsonrpc":"2.0","id":"x","result":{"id":"02ab"}}"#;
        let Outcome::Result { result } = classify_reply(ok).unwrap() else {
            panic!()
        };
        assert_eq!(&ok[result], br#"{"id":"02ab"}"#);

        let node_err = br#"{"jsonrpc":"2.0","id":"x","error":{"code":-32601,"message":"Unknown command 'nosuchmethod'"}}"#;
        assert_eq!(
            classify_reply(node_err).unwrap(),
            Outcome::Error {
                code: -32601,
                message: "Unknown command 'nosuchmethod'".into(),
                data: None,
                kind: ErrorKind::Node
            }
        );
        let with_data =
            br#"{"jsonrpc":"2.0","id":"x","error":{"code":205,"message":"m","data":{"a":[1]}}}"#;
        let Outcome::Error {
            data: Some(d),
            kind: ErrorKind::Node,
            ..
        } = classify_reply(with_data).unwrap()
        else {
            panic!()
        };
        assert_eq!(&with_data[d], br#"{"a":[1]}"#);

        let rune_err = br#"{"error":{"code":19537,"message":"Invalid rune: Not permitted: method is not equal to getinfo"}}"#;
        assert!(matches!(
            classify_reply(rune_err).unwrap(),
            Outcome::Error {
                code: 19537,
                kind: ErrorKind::NotAuthorised,
                ..
            }
        ));
        let bare = br#"{"error":{"code":19536,"message":"missing id field"}}"#;
        assert!(matches!(
            classify_reply(bare).unwrap(),
            Outcome::Error {
                code: 19536,
                kind: ErrorKind::Rejected,
                ..
            }
        ));

        for bad in [
            &b"not json"[..],
            b"[1]",
            b"{}",
            b"{\"error\":{\"message\":\"no code\"}}",
            b"{\"error\":1}",
            b"{\"result\":1",
        ] {
            assert!(
                classify_reply(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
