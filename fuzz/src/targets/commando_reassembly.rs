//! Commando replies: the reassembler against a model, reply classification and the JSON scanner
//! on arbitrary bytes, and the whole client session fed arbitrary messages by a peer.
//!
//! Input: `mode` (1 byte), then:
//! - `mode % 3 == 0`, reassembler: `arbitrary` ops (expect / forget / chunk of an id from a small
//!   set, with a last flag) into a `Reassembler` with a cap under 1 KiB, storing or streaming,
//!   checked op by op against a model: the result of every push, `buffered()` (≤ cap × pending),
//!   the ids awaited; a complete reply is the concatenation of its id's chunks since its
//!   `expect` (empty when streaming), classified as `classify_reply` does it whole; a reply fails
//!   as `Bad` at the chunk where its bytes so far stop being a JSON prefix, with the error the
//!   whole of them gets; `TooLarge` sizes exceed the cap.
//! - `1`, JSON: the rest is bytes for `json::validate`, `members`, `elements`, `parse_string`,
//!   `parse_i64` and `commando::classify_reply`, checked against each other and against
//!   `serde_json`.
//! - `2`, session: see [`session`].
use crate::{Input, keys, responder, split};
use arbitrary::{Arbitrary, Unstructured};
use lncommando::commando::{self, Outcome, Reassembled, Reassembler};
use lncommando::json;
use lncommando::transport::Connection;
use lncommando::wire::{self, Init, Message, msg_type};
use lncommando::{Config, Event, RequestFailure, Session, State};
use std::collections::{HashMap, HashSet};

/// Runs one input (the fuzz target's body; replayed over the corpus by `cargo test`).
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => reassembler(rest),
        1 => json_bytes(rest),
        _ => session(rest),
    }
}

// ---------------------------------------------------------------------------------------------
// Reassembler
// ---------------------------------------------------------------------------------------------

/// Request ids used: a few, with the edges of u64.
const IDS: [u64; 5] = [0, 1, 2, u64::MAX, 0x594d_0000_0000_0001];

#[derive(Arbitrary, Debug)]
enum Op {
    Expect(u8),
    Forget(u8),
    /// `len` copies of `fill` (long chunks cheaply).
    Fill {
        id: u8,
        len: u16,
        fill: u8,
        last: bool,
    },
    Chunk {
        id: u8,
        bytes: Vec<u8>,
        last: bool,
    },
}

#[derive(Arbitrary, Debug)]
struct Plan {
    cap: u16,
    streaming: bool,
    ops: Vec<Op>,
}

fn reassembler(data: &[u8]) {
    let Ok(plan) = Plan::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let cap = usize::from(plan.cap % 1024);
    let mut r = if plan.streaming {
        Reassembler::streaming(cap, usize::MAX)
    } else {
        Reassembler::new(cap)
    };
    let keep = !plan.streaming;
    // The model: ids awaited, in order, with their bytes so far (and, streaming, what was
    // handed out of them).
    let mut model: Vec<(u64, Vec<u8>, Vec<u8>)> = Vec::new();
    let id = |b: u8| IDS[usize::from(b) % IDS.len()];
    for op in plan.ops {
        match op {
            Op::Expect(b) => {
                r.expect(id(b));
                if !model.iter().any(|(m, ..)| *m == id(b)) {
                    model.push((id(b), Vec::new(), Vec::new()));
                }
            }
            Op::Forget(b) => {
                let pos = model.iter().position(|(m, ..)| *m == id(b));
                assert_eq!(r.forget(id(b)), pos.is_some());
                if let Some(p) = pos {
                    model.remove(p);
                }
            }
            Op::Fill {
                id: b,
                len,
                fill,
                last,
            } => {
                let chunk = vec![fill; usize::from(len % 2048)];
                push(&mut r, &mut model, (cap, keep), id(b), &chunk, last);
            }
            Op::Chunk { id: b, bytes, last } => {
                push(&mut r, &mut model, (cap, keep), id(b), &bytes, last);
            }
        }
        let buffered: usize = model.iter().map(|(_, b, _)| b.len()).sum();
        assert_eq!(r.buffered(), buffered);
        assert!(r.buffered() <= cap * model.len());
        assert!(model.iter().all(|(_, b, _)| b.len() <= cap));
        let ids: Vec<u64> = model.iter().map(|(m, ..)| *m).collect();
        assert_eq!(r.expected().collect::<Vec<_>>(), ids);
        for i in IDS {
            assert_eq!(r.is_expected(i), ids.contains(&i));
        }
    }
}

fn push(
    r: &mut Reassembler,
    model: &mut Vec<(u64, Vec<u8>, Vec<u8>)>,
    (cap, keep): (usize, bool),
    id: u64,
    chunk: &[u8],
    last: bool,
) {
    let got = r.push(id, chunk, last);
    // Pieces handed out: only streaming, only of this id, all but the last of a reply at least
    // STREAM_PIECE long.
    let pieces: Vec<(u64, Vec<u8>)> = std::iter::from_fn(|| r.take_piece()).collect();
    assert!(!keep || pieces.is_empty());
    assert!(pieces.iter().all(|(i, p)| *i == id && !p.is_empty()));
    let Some(p) = model.iter().position(|(m, ..)| *m == id) else {
        assert_eq!(got, Reassembled::Ignored { id });
        assert!(pieces.is_empty());
        return;
    };
    let size = model[p].1.len() + chunk.len();
    if size > cap {
        model.remove(p);
        assert_eq!(got, Reassembled::TooLarge { id, size });
        assert!(pieces.is_empty());
        return;
    }
    model[p].1.extend_from_slice(chunk);
    // The bytes so far, scanned in one piece.
    let mut scan = commando::ReplyScan::new();
    if let Err(error) = scan.feed(&model[p].1) {
        model.remove(p);
        assert_eq!(got, Reassembled::Bad { id, error });
        assert!(pieces.is_empty());
        return;
    }
    for (_, piece) in &pieces {
        if !last {
            assert!(piece.len() >= commando::STREAM_PIECE);
        }
        model[p].2.extend_from_slice(piece);
    }
    // What went out is the start of the reply.
    assert!(model[p].1.starts_with(&model[p].2));
    if last {
        let (_, reply, handed) = model.remove(p);
        let outcome = commando::classify_reply(&reply);
        assert_eq!(outcome, scan.finish());
        if !keep {
            // Streaming: the pieces are the whole reply.
            assert_eq!(handed, reply);
        }
        let reply = if keep { reply } else { Vec::new() };
        assert_eq!(got, Reassembled::Complete { id, reply, outcome });
    } else {
        assert_eq!(got, Reassembled::Partial);
    }
}

// ---------------------------------------------------------------------------------------------
// JSON and reply classification
// ---------------------------------------------------------------------------------------------

fn json_bytes(b: &[u8]) {
    let valid = json::validate(b);
    let first = json::first_byte(b);
    let members = json::members(b);
    let elements = json::elements(b);

    // members/elements agree with validate and with the kind of the value.
    match &members {
        Ok(ms) => {
            assert_eq!(valid, Ok(()));
            assert_eq!(first, Some(b'{'));
            for m in ms {
                assert!(m.key.start >= 1 && m.key.end < b.len());
                assert_eq!(b[m.key.start - 1], b'"');
                assert_eq!(b[m.key.end], b'"');
                json::parse_string(&b[m.key.start - 1..m.key.end + 1]).expect("a key is a string");
                assert_eq!(json::validate(&b[m.value.clone()]), Ok(()), "member value");
                assert_eq!(
                    json::get(b, ms, "").is_some(),
                    ms.iter().any(|m| m.key.is_empty())
                );
            }
        }
        Err(_) if valid.is_ok() => {
            assert_ne!(first, Some(b'{'));
            assert_eq!(members, Err(json::JsonError::WrongKind));
        }
        Err(_) => {}
    }
    match &elements {
        Ok(es) => {
            assert_eq!(valid, Ok(()));
            assert_eq!(first, Some(b'['));
            for e in es {
                assert_eq!(json::validate(&b[e.clone()]), Ok(()), "element");
            }
        }
        Err(_) if valid.is_ok() => assert_ne!(first, Some(b'[')),
        Err(_) => {}
    }
    // The streaming validator, fed byte by byte and in two halves, says what `members` says,
    // with the same error, and finds the same first `result` (split anywhere, it must agree).
    for pieces in [b.chunks(1).collect::<Vec<_>>(), {
        let (x, y) = b.split_at(b.len() / 2);
        vec![x, y]
    }] {
        let mut stream = json::ObjectStream::new(["result"]);
        let fed = pieces
            .iter()
            .try_for_each(|p| stream.feed(p))
            .and(stream.finish());
        assert_eq!(fed, members.as_ref().map(|_| ()).map_err(|e| *e));
        if let Ok(ms) = &members {
            let want = ms
                .iter()
                .find(|m| b.get(m.key.clone()) == Some(&b"result"[..]));
            let got = stream.found(0).map(|(s, e)| s..e.unwrap_or(usize::MAX));
            assert_eq!(got, want.map(|m| m.value.clone()));
        }
    }
    if let Ok(()) = valid {
        // skip_value stops exactly at the end of the value.
        let end = json::skip_value(b, 0).expect("valid");
        assert!(b[end..].iter().all(|c| b" \t\r\n".contains(c)));
    }

    // A second opinion: serde_json, except where it is stricter by design (its recursion
    // limit of 128 against our 512, lone surrogates in escapes, numbers beyond f64).
    let theirs = serde_json::from_slice::<serde_json::Value>(b);
    match (&valid, &theirs) {
        (Ok(()), Err(e)) => {
            let e = e.to_string();
            assert!(
                e.contains("recursion limit")
                    || e.contains("surrogate")
                    || e.contains("number out of range"),
                "we accept what serde_json refuses ({e}): {:?}",
                String::from_utf8_lossy(b)
            );
        }
        (Err(e), Ok(_)) => panic!(
            "we refuse ({e}) what serde_json accepts: {:?}",
            String::from_utf8_lossy(b)
        ),
        _ => {}
    }

    // Strings: decode, re-encode, decode again.
    if let Ok(s) = json::parse_string(b) {
        if let Ok(serde_json::Value::String(t)) = &theirs {
            assert_eq!(&s, t, "string decoding differs from serde_json");
        }
        let mut out = Vec::new();
        json::write_string(&mut out, &s);
        assert_eq!(json::validate(&out), Ok(()));
        assert_eq!(json::parse_string(&out).as_deref(), Ok(s.as_str()));
    }
    if let Some(n) = json::parse_i64(b) {
        assert_eq!(
            core::str::from_utf8(b).ok().and_then(|s| s.parse().ok()),
            Some(n)
        );
    }

    reply(b);
}

/// `classify_reply` on `b`, checked for consistency with the scanner.
fn reply(b: &[u8]) -> Option<Outcome> {
    let outcome = commando::classify_reply(b);
    match &outcome {
        Ok(Outcome::Result { result }) => {
            let ms = json::members(b).expect("a result reply is an object");
            assert!(
                ms.iter()
                    .any(|m| &b[m.key.clone()] == b"result" && m.value == *result)
            );
            assert!(json::get(b, &ms, "error").is_none());
            assert_eq!(json::validate(&b[result.clone()]), Ok(()));
        }
        Ok(Outcome::Error {
            code, data, kind, ..
        }) => {
            let ms = json::members(b).expect("an error reply is an object");
            let err = json::get(b, &ms, "error").expect("an error member");
            assert_eq!(json::validate(err), Ok(()));
            if let Some(d) = data {
                assert_eq!(json::validate(&b[d.clone()]), Ok(()));
            }
            // The data's range is the error's own `data` member, placed in the reply.
            let offset = err.as_ptr() as usize - b.as_ptr() as usize;
            let em = json::members(err).expect("the error is an object");
            let want_data = em
                .iter()
                .find(|m| &err[m.key.clone()] == b"data")
                .map(|m| m.value.start + offset..m.value.end + offset);
            assert_eq!(*data, want_data);
            let has_jsonrpc = json::get(b, &ms, "jsonrpc").is_some();
            let want = if *code == commando::CODE_NOT_AUTHORISED {
                commando::ErrorKind::NotAuthorised
            } else if !has_jsonrpc || *code == commando::CODE_REJECTED {
                commando::ErrorKind::Rejected
            } else {
                commando::ErrorKind::Node
            };
            assert_eq!(*kind, want);
        }
        Err(commando::BadReply::NotJson(e)) => {
            assert_eq!(json::members(b), Err(*e));
        }
        Err(commando::BadReply::NoResultOrError) => {
            assert!(json::members(b).is_ok());
        }
        Err(other) => panic!("a BadReply the model does not know: {other:?}"),
    }
    outcome.ok()
}

// ---------------------------------------------------------------------------------------------
// The client session
// ---------------------------------------------------------------------------------------------

const METHODS: [&str; 4] = [
    "getinfo",
    "",
    "listpeers",
    "a-very-long-method-name-that-exceeds-sixty-four-bytes-of-json-id-prefix-é",
];
const PARAMS: [&str; 5] = ["{}", "[]", "1", " {\"a\": [1, {\"b\": null}]} ", "{"];
const RUNES: [&str; 2] = ["cnVuZQ==", ""];
const REPLIES: [&str; 6] = [
    r#"{"jsonrpc":"2.0","id":"x","result":{"id":"02aa"}}"#,
    r#"{"jsonrpc":"2.0","id":"x","error":{"code":-32601,"message":"Unknown command","data":[1]}}"#,
    r#"{"error":{"code":19537,"message":"Invalid rune: Not permitted: method is not equal to getinfo"}}"#,
    r#"{"jsonrpc":"2.0","id":"x"}"#,
    r#"not json"#,
    r#"{"jsonrpc":"2.0","id":"x","result":"#,
];

/// The session's request bookkeeping and the expected end of each request.
#[derive(Default)]
struct Model {
    /// Ids returned by `request`, in order.
    ids: Vec<u64>,
    /// Ids cancelled while pending (no event may follow).
    cancelled: HashSet<u64>,
    /// Ids with their final event (`Reply` or `Failed`).
    done: HashSet<u64>,
    /// Reply chunks delivered to the client for each requested id, in order.
    chunks: HashMap<u64, Vec<(Vec<u8>, bool)>>,
    /// Reply chunks the peer has queued but not yet delivered.
    in_flight: Vec<(u64, Vec<u8>, bool)>,
    /// Ids cancelled while still queued (before the session was ready): never sent.
    cancelled_queued: HashSet<u64>,
    state: Option<State>,
    closed: bool,
    /// Whether bytes were injected into the stream (then nothing is promised about delivery).
    corrupted: bool,
    cap: usize,
}

/// What a request's reply chunks amount to: `Ok(reply)` once complete, `Err(size)` once over
/// the cap, `None` while incomplete.
fn expected(chunks: &[(Vec<u8>, bool)], cap: usize) -> Option<Result<Vec<u8>, usize>> {
    let mut acc = Vec::new();
    for (c, last) in chunks {
        if acc.len() + c.len() > cap {
            return Some(Err(acc.len() + c.len()));
        }
        acc.extend_from_slice(c);
        if *last {
            return Some(Ok(acc));
        }
    }
    None
}

/// Why the reply made of `chunks` (until the last, within `cap`) is bad, as `classify_reply`
/// of its bytes so far says once they stop being a JSON prefix (or, complete, once it ends).
fn bad_reply(chunks: &[(Vec<u8>, bool)], cap: usize) -> Option<commando::BadReply> {
    let mut acc = Vec::new();
    for (c, last) in chunks {
        if acc.len() + c.len() > cap {
            return None;
        }
        acc.extend_from_slice(c);
        let mut scan = commando::ReplyScan::new();
        if let Err(e) = scan.feed(&acc) {
            assert_eq!(commando::classify_reply(&acc), Err(e.clone()));
            return Some(e);
        }
        if *last {
            return commando::classify_reply(&acc).err();
        }
    }
    None
}

/// The client session against a bare `Connection` responder whose messages come from the input.
///
/// Input: `max_reply_len` (u16), `keepalive` (u8: 0 off, else ×10 ms), `flags` (bit 0: the peer
/// sends a default `init` as soon as the handshake is done; bit 1: it answers pings),
/// `first_id` (u64), then operations (1 byte each, then their arguments):
/// 0 request (method, params, rune, filter selectors), 1 cancel (index of a request),
/// 2 the peer sends a u16-prefixed message, 3 the peer sends an `init` with u16-prefixed
/// features, 4 the peer sends a u16-prefixed reply chunk for a request (index, last flag),
/// 5 the peer sends a canned reply to a request (index, which), 6 pump both ways, the peer's bytes
/// split by u16-prefixed sizes, 7 time passes (u16 ms) and `tick`, 8 raw u16-prefixed bytes
/// straight into the client's stream, 9 the connection is lost, 10 the client closes.
///
/// Checked: no panic; state changes in order; every request ends in exactly one `Reply` or
/// `Failed` (none after `cancel`), with the reply equal to its chunks and `TooLarge` at the right
/// size; `pending()` counts the rest; a request cancelled while queued never reaches the wire;
/// with an undamaged stream and an open session, every completed reply has been delivered.
fn session(data: &[u8]) {
    let mut input = Input::new(data);
    let cap = usize::from(input.u16());
    let keepalive = match input.u8() {
        0 => None,
        n => Some(u64::from(n) * 10),
    };
    let flags = input.u8();
    let (auto_init, auto_pong) = (flags & 1 == 1, flags & 2 == 2);
    let first_id = input.u64();
    // The budget for all partial replies: sometimes tight (shedding happens), else roomy.
    let budget = match flags >> 2 {
        0 => usize::MAX,
        n => usize::from(n) * 256,
    };
    let config = Config {
        max_reply_len: cap,
        keepalive_ms: keepalive,
        max_transmit: 1000,
        max_buffered: budget,
        ..Config::default()
    };
    let k = keys();
    let mut c = Session::new(
        config,
        k.initiator_static.clone(),
        k.responder_static.public_key(),
        k.initiator_ephemeral.clone(),
        first_id,
        0,
    )
    .expect("vector node id");
    let mut peer = Connection::responder(responder(), 1000);
    let mut m = Model {
        cap,
        ..Model::default()
    };
    let mut now = 0u64;
    let mut sizes: Vec<u8> = Vec::new();
    let mut ops = 0;
    while !input.is_empty() && ops < 256 {
        ops += 1;
        match input.u8() % 11 {
            0 => {
                let method = METHODS[usize::from(input.u8()) % METHODS.len()];
                let params = PARAMS[usize::from(input.u8()) % PARAMS.len()];
                let rune = RUNES[usize::from(input.u8()) % RUNES.len()];
                let filter = match input.u8() % 3 {
                    0 => None,
                    1 => Some("{\"id\":true}"),
                    _ => Some("[]"),
                };
                if let Ok(id) = c.request(method, params, rune, filter) {
                    assert!(!m.ids.contains(&id), "request id reused");
                    m.ids.push(id);
                }
            }
            1 => {
                let id = pick(&m, input.u8());
                let pending =
                    m.ids.contains(&id) && !m.done.contains(&id) && !m.cancelled.contains(&id);
                assert_eq!(c.cancel(id), pending, "cancel({id})");
                if pending {
                    m.cancelled.insert(id);
                    if matches!(c.state(), State::Handshake | State::Init) {
                        m.cancelled_queued.insert(id);
                    }
                }
            }
            2 => {
                let msg = input.prefixed().to_vec();
                peer_send(&mut peer, &mut m, msg);
            }
            3 => {
                let init = Init {
                    features: input.prefixed().to_vec(),
                    ..Init::default()
                };
                peer_send(&mut peer, &mut m, init.encode());
            }
            4 => {
                let id = pick(&m, input.u8());
                let last = input.bool();
                let body = input.prefixed();
                let typ = if last {
                    msg_type::COMMANDO_REPLY_TERMINATES
                } else {
                    msg_type::COMMANDO_REPLY_CONTINUES
                };
                let msg = wire::CommandoParts { typ, id, body }.encode();
                peer_send(&mut peer, &mut m, msg);
            }
            5 => {
                let id = pick(&m, input.u8());
                let reply = REPLIES[usize::from(input.u8()) % REPLIES.len()];
                for msg in commando::frame_reply(id, reply.as_bytes()) {
                    peer_send(&mut peer, &mut m, msg);
                }
            }
            6 => {
                sizes = input.prefixed().to_vec();
                pump(&mut c, &mut peer, &mut m, &sizes, now, auto_init, auto_pong);
            }
            7 => {
                now += u64::from(input.u16());
                c.handle_timeout(now);
            }
            8 => {
                let raw = input.prefixed();
                if !raw.is_empty() {
                    m.corrupted = true;
                }
                c.receive(raw, now);
            }
            9 => c.connection_lost(),
            _ => c.close(lncommando::CloseReason::Local),
        }
        events(&mut c, &mut m);
        check_pending(&c, &m);
        assert!(
            c.buffered() <= budget,
            "{} buffered, budget {budget}",
            c.buffered()
        );
    }
    pump(&mut c, &mut peer, &mut m, &sizes, now, auto_init, auto_pong);
    events(&mut c, &mut m);
    check_pending(&c, &m);
    if !m.closed && !m.corrupted && c.state() == State::Ready {
        // Everything the peer sent has been processed: every reply the chunks complete has
        // been reported.
        for id in &m.ids {
            if m.cancelled.contains(id) {
                continue;
            }
            let chunks = m.chunks.get(id).map_or(&[][..], Vec::as_slice);
            if expected(chunks, m.cap).is_some() {
                assert!(
                    m.done.contains(id),
                    "request {id}: its reply was never reported"
                );
            }
        }
    }
    // Closing ends every request.
    c.close(lncommando::CloseReason::Local);
    events(&mut c, &mut m);
    check_pending(&c, &m);
    for id in &m.ids {
        assert!(
            m.done.contains(id) != m.cancelled.contains(id),
            "request {id}: no final event after close"
        );
    }
    assert!(m.closed);
    assert_eq!(c.state(), State::Closed);
    assert_eq!(c.pending(), 0);
    assert!(c.poll_transmit().is_none(), "bytes to send after close");
}

/// A request id: one of those made (by index), or one never made.
fn pick(m: &Model, b: u8) -> u64 {
    match m.ids.len() {
        0 => u64::from(b),
        n if usize::from(b) < 2 * n => m.ids[usize::from(b) % n],
        _ => m.ids.last().map_or(0, |l| l.wrapping_add(1 + u64::from(b))),
    }
}

/// The peer sends one message (once its handshake is done; a `Connection` drops it before).
fn peer_send(peer: &mut Connection, m: &mut Model, msg: Vec<u8>) {
    if !peer.is_open() {
        return;
    }
    if let Ok(Message::Commando(cm)) = Message::decode(&msg)
        && (cm.typ == msg_type::COMMANDO_REPLY_CONTINUES
            || cm.typ == msg_type::COMMANDO_REPLY_TERMINATES)
    {
        m.in_flight.push((
            cm.id,
            cm.body.to_vec(),
            cm.typ == msg_type::COMMANDO_REPLY_TERMINATES,
        ));
    }
    peer.send(&[msg]).expect("a message within 65535 bytes");
}

/// Moves bytes both ways until both sides are quiet.
fn pump(
    c: &mut Session,
    peer: &mut Connection,
    m: &mut Model,
    sizes: &[u8],
    now: u64,
    auto_init: bool,
    auto_pong: bool,
) {
    loop {
        let mut moved = false;
        while let Some(b) = c.poll_transmit() {
            moved = true;
            match peer.push(&b) {
                Ok(true) if auto_init => peer_send(peer, m, Init::default().encode()),
                Ok(_) => {}
                Err(e) => panic!("the client sent bytes its peer refused: {e:?}"),
            }
            loop {
                match peer.next_message() {
                    Ok(Some(msg)) => {
                        let decoded =
                            Message::decode(&msg).expect("the client sent a malformed message");
                        match decoded {
                            Message::Commando(cm) => {
                                assert!(
                                    cm.typ == msg_type::COMMANDO_REQUEST_CONTINUES
                                        || cm.typ == msg_type::COMMANDO_REQUEST_TERMINATES
                                );
                                assert!(m.ids.contains(&cm.id), "a request id never returned");
                                assert!(
                                    !m.cancelled_queued.contains(&cm.id),
                                    "a request cancelled while queued was sent"
                                );
                            }
                            Message::Ping(p) if auto_pong => {
                                if let Some(pong) = wire::pong_for(&p) {
                                    peer_send(peer, m, pong);
                                }
                            }
                            Message::Init(_) | Message::Ping(_) | Message::Pong(_) => {}
                            other => panic!("the client sent {other:?}"),
                        }
                    }
                    Ok(None) => break,
                    Err(e) => panic!("the client's stream failed: {e:?}"),
                }
            }
        }
        // Chunks go out now: those for requests made by now count.
        for (id, body, last) in m.in_flight.drain(..) {
            if m.ids.contains(&id) {
                m.chunks.entry(id).or_default().push((body, last));
            }
        }
        while let Some(b) = peer.poll_transmit() {
            moved = true;
            split(&b, sizes, |piece| c.receive(piece, now));
        }
        if !moved {
            return;
        }
    }
}

fn events(c: &mut Session, m: &mut Model) {
    while let Some(e) = c.poll_event() {
        assert!(
            !m.closed
                || matches!(
                    e,
                    Event::Failed {
                        failure: RequestFailure::Closed(_),
                        ..
                    }
                ),
            "an event after Closed: {e:?}"
        );
        match e {
            Event::State(s) => {
                let rank = |s: State| match s {
                    State::Handshake => 0,
                    State::Init => 1,
                    State::Ready => 2,
                    State::Closed => 3,
                };
                if let Some(prev) = m.state {
                    assert!(rank(s) > rank(prev), "state went from {prev:?} to {s:?}");
                }
                m.state = Some(s);
            }
            Event::Ready { .. } => assert_eq!(m.state, Some(State::Ready)),
            Event::Reply { id, reply, outcome } => {
                finish(m, id);
                let chunks = m.chunks.get(&id).map_or(&[][..], Vec::as_slice);
                assert_eq!(
                    expected(chunks, m.cap),
                    Some(Ok(reply.clone())),
                    "reply {id}"
                );
                assert_eq!(commando::classify_reply(&reply), Ok(outcome));
            }
            Event::Failed { id, failure } => {
                finish(m, id);
                let chunks = m.chunks.get(&id).map_or(&[][..], Vec::as_slice);
                match failure {
                    RequestFailure::TooLarge { size } => {
                        assert!(size > m.cap);
                        assert_eq!(expected(chunks, m.cap), Some(Err(size)));
                    }
                    RequestFailure::OverBudget { size } => {
                        assert!(size <= m.cap, "shed reply {id} was past the cap");
                    }
                    RequestFailure::BadReply(e) => {
                        // The reply as far as it came, in one piece: not JSON from some chunk
                        // on, or complete without a result or an error.
                        assert_eq!(bad_reply(chunks, m.cap), Some(e), "request {id}");
                    }
                    RequestFailure::Closed(_) => {}
                    other => panic!("request {id}: a failure the model does not make: {other:?}"),
                }
            }
            Event::Closed(reason) => {
                assert!(!m.closed, "closed twice");
                let _ = (reason.to_string(), reason.kind());
                m.closed = true;
                assert_eq!(m.state, Some(State::Closed));
            }
            Event::Warning { text, .. } => {
                assert!(text.bytes().all(|b| (32..=126).contains(&b)));
            }
            Event::Message { typ, .. } => {
                assert!(typ % 2 == 1, "an even type surfaced: {typ}");
            }
            other => panic!("an event the model does not know: {other:?}"),
        }
    }
}

fn finish(m: &mut Model, id: u64) {
    assert!(
        m.ids.contains(&id),
        "an event for an id never returned: {id}"
    );
    assert!(!m.cancelled.contains(&id), "an event after cancel: {id}");
    assert!(m.done.insert(id), "a second final event for {id}");
}

fn check_pending(c: &Session, m: &Model) {
    let pending = m
        .ids
        .iter()
        .filter(|id| !m.done.contains(id) && !m.cancelled.contains(id))
        .count();
    assert_eq!(c.pending(), pending);
}
