//! The client session against the node session, in memory: handshake, init, requests and
//! replies, pings, rotation past 2000 messages each way, stream splits, chunking, interleaving,
//! caps and every close reason.

use lncommando::commando::{self, CHUNK_LEN, Outcome};
use lncommando::node::{NodeClosed, NodeEvent, NodeSession};
use lncommando::transport::{
    Connection, HandshakeError, Initiator, Keypair, Responder, TransportError,
};
use lncommando::wire::{self, Init, msg_type};
use lncommando::{CloseReason, Config, Event, MIN_FRAME, RequestFailure, Session, State};
use proptest::prelude::*;

fn key(b: u8) -> Keypair {
    Keypair::from_secret(&[b; 32]).unwrap()
}

fn node() -> NodeSession {
    NodeSession::new(key(1), key(2), Init::default(), None, 0)
}

fn client_with(config: Config) -> Session {
    Session::new(config, key(3), key(1).public_key(), key(4), 100, 0).unwrap()
}

fn client() -> Session {
    client_with(Config::default())
}

/// Moves bytes both ways at `now` until neither side has anything to send; the node's bytes
/// are cut into pieces by `split` (sizes cycled), to model WebSocket frames that ignore
/// packets; the sizes of the client's pieces go to `sent`, if given.
fn pump_with(
    c: &mut Session,
    n: &mut NodeSession,
    split: &[usize],
    now: u64,
    mut sent: Option<&mut Vec<usize>>,
) {
    let mut k = 0;
    loop {
        let mut moved = false;
        while let Some(b) = c.poll_transmit() {
            if let Some(sent) = sent.as_deref_mut() {
                sent.push(b.len());
            }
            n.receive(&b, now);
            moved = true;
        }
        while let Some(b) = n.poll_transmit() {
            let mut rest = &b[..];
            while !rest.is_empty() {
                let size = if split.is_empty() {
                    rest.len()
                } else {
                    split[k % split.len()].max(1)
                };
                k += 1;
                let (piece, tail) = rest.split_at(size.min(rest.len()));
                c.receive(piece, now);
                rest = tail;
            }
            moved = true;
        }
        if !moved {
            return;
        }
    }
}

fn pump_split(c: &mut Session, n: &mut NodeSession, split: &[usize]) {
    pump_with(c, n, split, 0, None);
}

fn pump(c: &mut Session, n: &mut NodeSession) {
    pump_split(c, n, &[]);
}

fn events(c: &mut Session) -> Vec<Event> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

/// The events of a session that closes with `reason` while request `id` is pending.
fn closed_with(id: u64, reason: CloseReason) -> Vec<Event> {
    vec![
        Event::Failed {
            id,
            failure: RequestFailure::Closed(reason.clone()),
        },
        Event::State(State::Closed),
        Event::Closed(reason),
    ]
}

/// How many requests the node has received (and its other events dropped).
fn request_count(n: &mut NodeSession) -> usize {
    node_events(n)
        .into_iter()
        .filter(|e| matches!(e, NodeEvent::Request { .. }))
        .count()
}

fn node_events(n: &mut NodeSession) -> Vec<NodeEvent> {
    std::iter::from_fn(|| n.poll_event()).collect()
}

/// Answers every request the node has with `answer(body)`.
fn serve(n: &mut NodeSession, answer: &dyn Fn(&[u8]) -> Vec<u8>) -> usize {
    let mut served = 0;
    for e in node_events(n) {
        if let NodeEvent::Request { id, body } = e {
            n.reply(id, &answer(&body));
            served += 1;
        }
    }
    served
}

fn echo_reply(body: &[u8]) -> Vec<u8> {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap();
    serde_json::to_vec(&serde_json::json!({"jsonrpc": "2.0", "id": v["id"], "result": v["params"]}))
        .unwrap()
}

fn ready_pair() -> (Session, NodeSession) {
    let (mut c, mut n) = (client(), node());
    pump(&mut c, &mut n);
    assert_eq!(c.state(), State::Ready);
    events(&mut c);
    node_events(&mut n);
    (c, n)
}

fn result_of(reply: &[u8], outcome: &Outcome) -> serde_json::Value {
    match outcome {
        Outcome::Result { result } => serde_json::from_slice(&reply[result.clone()]).unwrap(),
        other => panic!("not a result: {other:?}"),
    }
}

#[test]
fn handshake_init_and_a_queued_request() {
    let (mut c, mut n) = (client(), node());
    assert_eq!(c.state(), State::Handshake);
    // Queued before the handshake even starts.
    let id = c.request("getinfo", "{}", "cnVuZQ==", None).unwrap();
    pump(&mut c, &mut n);
    let ev = events(&mut c);
    assert_eq!(ev[0], Event::State(State::Init));
    assert_eq!(ev[1], Event::State(State::Ready));
    assert!(matches!(ev[2], Event::Ready { .. }));
    let ne = node_events(&mut n);
    assert_eq!(
        ne[0],
        NodeEvent::Connected {
            peer: *key(3).public_key()
        }
    );
    assert!(matches!(ne[1], NodeEvent::Ready(_)));
    let NodeEvent::Request { id: rid, body } = &ne[2] else {
        panic!("{ne:?}")
    };
    assert_eq!(*rid, id);
    let v: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(v["method"], "getinfo");
    assert_eq!(v["rune"], "cnVuZQ==");
    assert_eq!(v["id"], format!("lncommando:getinfo#{id}"));
    n.reply(id, br#"{"jsonrpc":"2.0","id":"x","result":{"id":"02aa"}}"#);
    pump(&mut c, &mut n);
    let ev = events(&mut c);
    let [
        Event::Reply {
            id: got,
            reply,
            outcome,
        },
    ] = &ev[..]
    else {
        panic!("{ev:?}")
    };
    assert_eq!(*got, id);
    assert_eq!(result_of(reply, outcome)["id"], "02aa");
    assert_eq!(c.pending(), 0);
}

#[test]
fn wrong_node_id_fails_act_two() {
    let mut c = Session::new(Config::default(), key(3), key(9).public_key(), key(4), 0, 0).unwrap();
    let mut n = node();
    let id = c.request("getinfo", "{}", "r", None).unwrap();
    pump(&mut c, &mut n);
    // The node cannot authenticate act one: it hangs up without a word; the client still waits.
    assert!(events(&mut c).is_empty());
    assert_eq!(
        node_events(&mut n),
        vec![NodeEvent::Closed(NodeClosed::Handshake(
            HandshakeError::Act1BadTag
        ))]
    );
    // The node hangs up on a bad act one; the client sees the stream end during act two.
    assert!(n.is_closed());
    c.connection_lost();
    assert_eq!(
        events(&mut c),
        closed_with(id, CloseReason::Handshake(HandshakeError::Act2ReadFailed))
    );
    assert_eq!(c.close_reason().unwrap().kind(), "handshake");
}

#[test]
fn pings_answered_unless_padding() {
    let (mut c, mut n) = ready_pair();
    n.send(&wire::encode_ping(10, 3)).unwrap();
    n.send(&wire::encode_ping(65532, 0)).unwrap();
    n.send(&wire::encode_ping(65531, 0)).unwrap();
    pump(&mut c, &mut n);
    let pongs: Vec<_> = node_events(&mut n)
        .into_iter()
        .filter_map(|e| match e {
            NodeEvent::Message { typ: 19, payload } => Some(payload.len()),
            _ => None,
        })
        .collect();
    assert_eq!(pongs, vec![2 + 10, 2 + 65531]);
    assert!(events(&mut c).is_empty());
}

#[test]
fn warnings_custom_messages_gossip_and_unknown_even() {
    let (mut c, mut n) = ready_pair();
    let id = c.request("getinfo", "[]", "r", None).unwrap();
    n.send(&wire::encode_warning(&[0; 32], "bad features\n"))
        .unwrap();
    n.send(&[0x01, 0x01, 1, 2, 3]).unwrap(); // node_announcement (257): ignored
    n.send(&[0x80, 0x01, 9]).unwrap(); // custom odd 32769: surfaced
    n.send(&[0x80, 0x02]).unwrap(); // unknown even: fatal
    pump(&mut c, &mut n);
    let ev = events(&mut c);
    assert_eq!(
        ev,
        vec![
            Event::Warning {
                text: "bad features\\n".into(),
                is_error: false
            },
            Event::Message {
                typ: 0x8001,
                payload: vec![9]
            },
            Event::Failed {
                id,
                failure: RequestFailure::Closed(CloseReason::UnknownEvenMessage(0x8002))
            },
            Event::State(State::Closed),
            Event::Closed(CloseReason::UnknownEvenMessage(0x8002)),
        ]
    );
    assert_eq!(
        c.close_reason().unwrap().to_string(),
        "peer sent unknown even message type 32770"
    );
    // After close, new requests fail at once with the same reason; nothing is sent.
    let late = c.request("getinfo", "[]", "r", None).unwrap();
    assert!(matches!(events(&mut c)[..], [Event::Failed { id, .. }] if id == late));
    assert!(c.poll_transmit().is_none());
}

#[test]
fn corrupted_packet_closes_with_transport_error() {
    let (mut c, mut n) = ready_pair();
    n.send(&wire::encode_ping(1, 0)).unwrap();
    let mut bytes = n.poll_transmit().unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    c.receive(&bytes, 0);
    assert_eq!(
        c.close_reason(),
        Some(&CloseReason::Transport(TransportError::BadBodyTag))
    );
    let (mut c, mut n) = ready_pair();
    n.send(&wire::encode_ping(1, 0)).unwrap();
    let mut bytes = n.poll_transmit().unwrap();
    bytes[0] ^= 1;
    c.receive(&bytes, 0);
    assert_eq!(
        c.close_reason(),
        Some(&CloseReason::Transport(TransportError::BadLengthTag))
    );
}

#[test]
fn node_must_send_init_first() {
    // A node that sends a ping before init: the client gives up with a precise reason.
    let mut c = client();
    let mut conn = Connection::responder(Responder::new(key(1), key(2)), 65536);
    while let Some(b) = c.poll_transmit() {
        conn.push(&b).unwrap();
    }
    while let Some(b) = conn.poll_transmit() {
        c.receive(&b, 0);
    }
    while let Some(b) = c.poll_transmit() {
        conn.push(&b).unwrap();
    }
    conn.send(&[wire::encode_ping(1, 0)]).unwrap();
    c.receive(&conn.poll_transmit().unwrap(), 0);
    assert_eq!(c.close_reason(), Some(&CloseReason::NoInit(18)));
}

#[test]
fn connection_lost_settles_every_request() {
    let (mut c, mut n) = ready_pair();
    let ids: Vec<u64> = (0..5)
        .map(|_| c.request("sleep", "{}", "r", None).unwrap())
        .collect();
    pump(&mut c, &mut n);
    c.connection_lost();
    let ev = events(&mut c);
    let failed: Vec<u64> = ev
        .iter()
        .filter_map(|e| match e {
            Event::Failed {
                id,
                failure: RequestFailure::Closed(CloseReason::PeerClosed { during_init: false }),
            } => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(failed, ids);
    assert_eq!(
        ev.last(),
        Some(&Event::Closed(CloseReason::PeerClosed {
            during_init: false
        }))
    );
    c.close(CloseReason::Local);
    assert!(
        events(&mut c).is_empty(),
        "closing twice keeps the first reason, no new events"
    );
}

#[test]
fn a_text_message_closes_as_not_lightning() {
    // During the handshake: a WebSocket service that greets in text is not a Lightning node.
    let mut c = client();
    let id = c.request("getinfo", "{}", "r", None).unwrap();
    assert!(c.poll_transmit().is_some(), "act one goes out first");
    c.text_received();
    assert_eq!(events(&mut c), closed_with(id, CloseReason::TextMessage));
    assert_eq!(CloseReason::TextMessage.kind(), "protocol");
    assert!(
        CloseReason::TextMessage
            .to_string()
            .contains("not a Lightning node")
    );
    // After ready too: nothing Lightning sends text.
    let (mut c, mut n) = ready_pair();
    let id = c.request("sleep", "{}", "r", None).unwrap();
    pump(&mut c, &mut n);
    c.text_received();
    let ev = events(&mut c);
    assert!(ev.contains(&Event::Failed {
        id,
        failure: RequestFailure::Closed(CloseReason::TextMessage)
    }));
    assert_eq!(ev.last(), Some(&Event::Closed(CloseReason::TextMessage)));
    assert_eq!(c.state(), State::Closed);
}

#[test]
fn cancelled_request_drops_its_late_reply() {
    let (mut c, mut n) = ready_pair();
    let a = c.request("echo", "[1]", "r", None).unwrap();
    let b = c.request("echo", "[2]", "r", None).unwrap();
    pump(&mut c, &mut n);
    assert!(c.cancel(a));
    assert!(!c.cancel(a));
    serve(&mut n, &echo_reply);
    pump(&mut c, &mut n);
    let ev = events(&mut c);
    let [Event::Reply { id, reply, outcome }] = &ev[..] else {
        panic!("{ev:?}")
    };
    assert_eq!(*id, b);
    assert_eq!(result_of(reply, outcome), serde_json::json!([2]));
}

#[test]
fn reply_cap_fails_only_that_request() {
    let (mut c, mut n) = (
        client_with(Config {
            max_reply_len: 200_000,
            ..Config::default()
        }),
        node(),
    );
    pump(&mut c, &mut n);
    events(&mut c);
    let big = c.request("bigreply", "{}", "r", None).unwrap();
    let small = c.request("echo", "[7]", "r", None).unwrap();
    pump(&mut c, &mut n);
    serve(&mut n, &|body| {
        let v: serde_json::Value = serde_json::from_slice(body).unwrap();
        if v["method"] == "bigreply" {
            format!(
                "{{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"{}\"}}",
                "x".repeat(300_000)
            )
            .into_bytes()
        } else {
            echo_reply(body)
        }
    });
    pump(&mut c, &mut n);
    let ev = events(&mut c);
    assert_eq!(ev.len(), 2, "{ev:?}");
    // Cut off as soon as the cap is passed: at the fourth 65000-byte chunk.
    assert_eq!(
        ev[0],
        Event::Failed {
            id: big,
            failure: RequestFailure::TooLarge {
                size: 4 * CHUNK_LEN
            }
        }
    );
    assert!(matches!(&ev[1], Event::Reply { id, .. } if *id == small));
    assert_eq!(c.state(), State::Ready);
}

#[test]
fn streamed_replies_come_in_pieces_with_the_same_outcomes() {
    // Replies of every kind, served alike to a storing and a streaming session: the streaming
    // one's pieces joined are the reply, and its outcomes (ranges into that join) are the same.
    let answers: Vec<Vec<u8>> = vec![
        format!("{{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{{\"x\":\"{}\"}}}}", "é".repeat(150_000)).into_bytes(),
        br#"{"jsonrpc":"2.0","id":"x","error":{"code":-32601,"message":"Unknown","data":{"a":[1]}}}"#.to_vec(),
        format!("{{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[1,2,{}]}}", "[]".repeat(70_000).replace("][", "],[")).into_bytes(),
        b"{\"half\":".to_vec(),
        format!("{{\"result\":\"{}\"\u{0}}}", "y".repeat(100_000)).into_bytes(),
        b"{\"result\":1}".to_vec(),
    ];
    let mut got = Vec::new();
    for stream_replies in [false, true] {
        let (mut c, mut n) = (
            client_with(Config {
                stream_replies,
                ..Config::default()
            }),
            node(),
        );
        pump(&mut c, &mut n);
        events(&mut c);
        let ids: Vec<u64> = answers
            .iter()
            .map(|_| c.request("x", "{}", "r", None).unwrap())
            .collect();
        pump(&mut c, &mut n);
        let mut k = 0;
        for e in node_events(&mut n) {
            if let NodeEvent::Request { id, .. } = e {
                n.reply(id, &answers[k]);
                k += 1;
            }
        }
        pump(&mut c, &mut n);
        let mut pieces: std::collections::HashMap<u64, Vec<u8>> = Default::default();
        let mut outcomes = Vec::new();
        for e in events(&mut c) {
            match e {
                Event::ReplyChunk { id, chunk } => {
                    assert!(stream_replies && !chunk.is_empty());
                    pieces.entry(id).or_default().extend_from_slice(&chunk);
                }
                Event::Reply { id, reply, outcome } => {
                    let i = ids.iter().position(|&x| x == id).unwrap();
                    if stream_replies {
                        assert!(reply.is_empty());
                        assert_eq!(pieces.remove(&id).unwrap(), answers[i]);
                    } else {
                        assert_eq!(reply, answers[i]);
                    }
                    outcomes.push((i, Ok(outcome)));
                }
                Event::Failed { id, failure } => {
                    let i = ids.iter().position(|&x| x == id).unwrap();
                    // A streamed reply's pieces stop where it failed; the caller drops them.
                    pieces.remove(&id);
                    outcomes.push((i, Err(failure)));
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(pieces.is_empty());
        got.push(outcomes);
    }
    assert_eq!(got[0].len(), answers.len());
    assert_eq!(got[0], got[1]);
    // The bad replies: one cut short, one with a byte JSON forbids (found at that byte).
    assert!(
        matches!(got[0][3], (3, Err(RequestFailure::BadReply(_)))),
        "{:?}",
        got[0][3]
    );
    assert!(
        matches!(got[0][4], (4, Err(RequestFailure::BadReply(commando::BadReply::NotJson(lncommando::json::JsonError::Unexpected(at)))))  if at == 100_012),
        "{:?}",
        got[0][4]
    );
}

#[test]
fn errors_are_told_apart() {
    let (mut c, mut n) = ready_pair();
    let a = c.request("nosuchmethod", "{}", "r", None).unwrap();
    let b = c.request("getinfo", "{}", "r", None).unwrap();
    let d = c.request("garbage", "{}", "r", None).unwrap();
    pump(&mut c, &mut n);
    serve(&mut n, &|body| {
        let v: serde_json::Value = serde_json::from_slice(body).unwrap();
        match v["method"].as_str().unwrap() {
            "nosuchmethod" => br#"{"jsonrpc":"2.0","id":"x","error":{"code":-32601,"message":"Unknown command 'nosuchmethod'"}}"#.to_vec(),
            "getinfo" => br#"{"error":{"code":19537,"message":"Invalid rune: Not permitted: method is not equal to listfunds"}}"#.to_vec(),
            _ => b"{\"half\":".to_vec(),
        }
    });
    pump(&mut c, &mut n);
    let ev = events(&mut c);
    assert!(
        matches!(&ev[0], Event::Reply { id, outcome: Outcome::Error { code: -32601, kind: commando::ErrorKind::Node, .. }, .. } if *id == a)
    );
    assert!(
        matches!(&ev[1], Event::Reply { id, outcome: Outcome::Error { code: 19537, kind: commando::ErrorKind::NotAuthorised, .. }, .. } if *id == b)
    );
    assert!(
        matches!(&ev[2], Event::Failed { id, failure: RequestFailure::BadReply(_) } if *id == d)
    );
}

#[test]
fn keepalive_pings_then_times_out() {
    let (mut c, mut n) = (
        client_with(Config {
            keepalive_ms: Some(1000),
            ..Config::default()
        }),
        node(),
    );
    pump(&mut c, &mut n);
    events(&mut c);
    c.handle_timeout(500);
    assert!(c.poll_transmit().is_none());
    c.handle_timeout(1000);
    let ping = c.poll_transmit().expect("a ping after 1 s of silence");
    n.receive(&ping, 1000);
    assert!(n.poll_transmit().is_some(), "the node answers");
    c.handle_timeout(1999);
    assert_eq!(c.state(), State::Ready);
    c.handle_timeout(2000);
    assert_eq!(c.close_reason(), Some(&CloseReason::PingTimeout));
}

#[test]
fn node_pings_idle_client_and_client_answers() {
    let mut n = NodeSession::new(key(1), key(2), Init::default(), Some(60_000), 0);
    let mut c = client();
    pump(&mut c, &mut n);
    node_events(&mut n);
    n.handle_timeout(60_000);
    pump(&mut c, &mut n);
    assert!(
        node_events(&mut n)
            .iter()
            .any(|e| matches!(e, NodeEvent::Message { typ: 19, .. }))
    );
    n.handle_timeout(200_000);
    assert!(!n.is_closed(), "the pong reset the timer");
}

#[test]
fn rotation_past_2000_messages_each_way() {
    let (hs_i, hs_r) = (
        Initiator::new(key(3), key(1).public_key(), key(4)).unwrap(),
        Responder::new(key(1), key(2)),
    );
    let mut a = Connection::initiator(hs_i, 1 << 20);
    let mut b = Connection::responder(hs_r, 1 << 20);
    for _ in 0..3 {
        while let Some(x) = a.poll_transmit() {
            b.push(&x).unwrap();
        }
        while let Some(x) = b.poll_transmit() {
            a.push(&x).unwrap();
        }
    }
    assert!(a.is_open() && b.is_open());
    assert_eq!(b.remote(), Some(key(3).public_key()));
    // 2500 messages each way, interleaved, in batches: keys rotate 5 times in each direction.
    for round in 0..25 {
        let msgs: Vec<Vec<u8>> = (0..100)
            .map(|i| format!("a{round}:{i}").into_bytes())
            .collect();
        a.send(&msgs).unwrap();
        let back: Vec<Vec<u8>> = (0..100)
            .map(|i| format!("b{round}:{i}").into_bytes())
            .collect();
        b.send(&back).unwrap();
        while let Some(x) = a.poll_transmit() {
            b.push(&x).unwrap();
        }
        while let Some(x) = b.poll_transmit() {
            a.push(&x).unwrap();
        }
        for m in &msgs {
            assert_eq!(b.next_message().unwrap().as_ref(), Some(m));
        }
        for m in &back {
            assert_eq!(a.next_message().unwrap().as_ref(), Some(m));
        }
    }
    assert_eq!(a.next_message().unwrap(), None);
}

#[test]
fn session_survives_1200_requests_with_rotation() {
    let (mut c, mut n) = ready_pair();
    for batch in 0..12 {
        let ids: Vec<u64> = (0..100)
            .map(|i| {
                c.request("echo", &format!("[{batch},{i}]"), "r", None)
                    .unwrap()
            })
            .collect();
        pump(&mut c, &mut n);
        assert_eq!(serve(&mut n, &echo_reply), 100);
        pump_split(&mut c, &mut n, &[1, 17, 4000, 3]);
        let ev = events(&mut c);
        assert_eq!(ev.len(), 100);
        for (i, (e, id)) in ev.iter().zip(&ids).enumerate() {
            let Event::Reply {
                id: got,
                reply,
                outcome,
            } = e
            else {
                panic!("{e:?}")
            };
            assert_eq!(got, id);
            assert_eq!(result_of(reply, outcome), serde_json::json!([batch, i]));
        }
    }
}

fn stream_messages(split: &[usize], msgs: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut a = Connection::initiator(
        Initiator::new(key(3), key(1).public_key(), key(4)).unwrap(),
        1 << 20,
    );
    let mut b = Connection::responder(Responder::new(key(1), key(2)), 1 << 20);
    // The handshake too goes through the splits.
    let mut all = Vec::new();
    while let Some(x) = a.poll_transmit() {
        all.extend(x);
    }
    let feed = |b: &mut Connection, a: &mut Connection, bytes: &[u8], k: &mut usize| {
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = split[*k % split.len()].clamp(1, rest.len());
            *k += 1;
            b.push(&rest[..n]).unwrap();
            rest = &rest[n..];
            while let Some(x) = b.poll_transmit() {
                a.push(&x).unwrap();
            }
        }
    };
    let mut k = 0;
    feed(&mut b, &mut a, &all, &mut k);
    while let Some(x) = a.poll_transmit() {
        feed(&mut b, &mut a, &x, &mut k);
    }
    a.send(msgs).unwrap();
    let mut out = Vec::new();
    while let Some(x) = a.poll_transmit() {
        feed(&mut b, &mut a, &x, &mut k);
        while let Some(m) = b.next_message().unwrap() {
            out.push(m);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_split_yields_the_same_messages(
        split in proptest::collection::vec(1usize..300, 1..20),
        msgs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..700), 0..20),
    ) {
        prop_assert_eq!(stream_messages(&split, &msgs), msgs);
    }

    #[test]
    fn request_chunking_round_trips(len in prop_oneof![0usize..70_000, 64_990usize..65_020, 129_990usize..130_020, 900_000usize..1_040_000]) {
        let params = format!("[\"{}\"]", "y".repeat(len));
        let (mut c, mut n) = ready_pair();
        let id = c.request("echo", &params, "r", None).unwrap();
        pump(&mut c, &mut n);
        let ev = node_events(&mut n);
        let [NodeEvent::Request { id: got, body }] = &ev[..] else { panic!("{ev:?}") };
        prop_assert_eq!(*got, id);
        let v: serde_json::Value = serde_json::from_slice(body).unwrap();
        prop_assert_eq!(v["params"][0].as_str().unwrap().len(), len);
    }

    #[test]
    fn request_framing_round_trips_to_3mb(len in prop_oneof![0usize..200_000, 2_900_000usize..3_000_001], id in any::<u64>()) {
        let body: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let msgs = commando::frame_request(id, &body);
        prop_assert_eq!(msgs.len(), len.div_ceil(CHUNK_LEN).max(1));
        let mut joined = Vec::new();
        for (i, m) in msgs.iter().enumerate() {
            let typ = u16::from_be_bytes([m[0], m[1]]);
            let want = if i + 1 == msgs.len() { msg_type::COMMANDO_REQUEST_TERMINATES } else { msg_type::COMMANDO_REQUEST_CONTINUES };
            prop_assert_eq!(typ, want);
            let (got_id, chunk) = commando::parse_chunk(&m[2..]).unwrap();
            prop_assert_eq!(got_id, id);
            prop_assert!(chunk.len() <= CHUNK_LEN && (i + 1 == msgs.len() || chunk.len() == CHUNK_LEN));
            joined.extend_from_slice(chunk);
        }
        prop_assert_eq!(joined, body);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn reply_chunking_round_trips_to_3mb(len in prop_oneof![0usize..70_000, 2_900_000usize..3_000_000]) {
        let (mut c, mut n) = ready_pair();
        let id = c.request("bigreply", "{}", "r", None).unwrap();
        pump(&mut c, &mut n);
        node_events(&mut n);
        let reply = format!("{{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"{}\"}}", "z".repeat(len));
        n.reply(id, reply.as_bytes());
        pump(&mut c, &mut n);
        let ev = events(&mut c);
        let [Event::Reply { id: got, reply: r, .. }] = &ev[..] else { panic!("{ev:?}") };
        prop_assert_eq!(*got, id);
        prop_assert_eq!(r, reply.as_bytes());
    }

    #[test]
    fn interleaved_reply_chunks_reassemble(
        sizes in proptest::collection::vec(0usize..200_000, 1..6),
        order in proptest::collection::vec(any::<u8>(), 0..200),
        cap in prop_oneof![Just(usize::MAX), 1usize..250_000],
    ) {
        let (mut c, mut n) = (client_with(Config { max_reply_len: cap, ..Config::default() }), node());
        pump(&mut c, &mut n);
        events(&mut c);
        let ids: Vec<u64> = sizes.iter().map(|_| c.request("x", "{}", "r", None).unwrap()).collect();
        pump(&mut c, &mut n);
        node_events(&mut n);
        let replies: Vec<Vec<u8>> = sizes.iter().enumerate()
            .map(|(i, &s)| format!("{{\"result\":\"{}{}\"}}", i, "r".repeat(s)).into_bytes())
            .collect();
        let mut queues: Vec<std::collections::VecDeque<Vec<u8>>> =
            ids.iter().zip(&replies).map(|(&id, r)| commando::frame_reply(id, r).into()).collect();
        // Interleave: pick the next chunk from queue order[k] % live queues, keeping each id's order.
        let mut k = 0;
        while queues.iter().any(|q| !q.is_empty()) {
            let live: Vec<usize> = (0..queues.len()).filter(|&i| !queues[i].is_empty()).collect();
            let pick = live[order.get(k).copied().unwrap_or(0) as usize % live.len()];
            k += 1;
            let msg = queues[pick].pop_front().unwrap();
            n.send(&msg).unwrap();
        }
        pump_split(&mut c, &mut n, &[7000, 1, 65536]);
        let ev = events(&mut c);
        prop_assert_eq!(ev.len(), ids.len());
        for (id, reply) in ids.iter().zip(&replies) {
            let e = ev.iter().find(|e| matches!(e, Event::Reply { id: i, .. } | Event::Failed { id: i, .. } if i == id)).unwrap();
            if reply.len() <= cap {
                let ok = matches!(e, Event::Reply { reply: r, .. } if r == reply);
                prop_assert!(ok);
            } else {
                let ok = matches!(e, Event::Failed { failure: RequestFailure::TooLarge { size }, .. } if *size > cap && *size <= reply.len());
                prop_assert!(ok);
            }
        }
        prop_assert_eq!(c.pending(), 0);
    }
}

fn pump_at(c: &mut Session, n: &mut NodeSession, now: u64) {
    pump_with(c, n, &[], now, None);
}

fn pongs(n: &mut NodeSession) -> usize {
    node_events(n)
        .iter()
        .filter(|e| matches!(e, NodeEvent::Message { typ: 19, .. }))
        .count()
}

#[test]
fn ping_flood_closes_with_its_own_reason() {
    let config = Config {
        ping_burst: 3,
        ping_refill_ms: 1000,
        ..Config::default()
    };
    let (mut c, mut n) = (client_with(config), node());
    pump(&mut c, &mut n);
    events(&mut c);
    let id = c.request("getinfo", "{}", "r", None).unwrap();
    // One ping a second for a minute, after a burst of three: all answered.
    for _ in 0..3 {
        n.send(&wire::encode_ping(4, 0)).unwrap();
    }
    pump_at(&mut c, &mut n, 0);
    for t in 1..=60 {
        n.send(&wire::encode_ping(4, 0)).unwrap();
        pump_at(&mut c, &mut n, t * 1000);
    }
    assert_eq!(pongs(&mut n), 63);
    assert_eq!(c.state(), State::Ready);
    // Then four in the same second: the fourth is one too many.
    for _ in 0..4 {
        n.send(&wire::encode_ping(4, 0)).unwrap();
    }
    pump_at(&mut c, &mut n, 61_000);
    assert_eq!(c.state(), State::Closed);
    assert_eq!(c.close_reason(), Some(&CloseReason::PingFlood));
    assert_eq!(CloseReason::PingFlood.kind(), "ping-flood");
    let ev = events(&mut c);
    assert!(ev.contains(&Event::Failed {
        id,
        failure: RequestFailure::Closed(CloseReason::PingFlood)
    }));
}

#[test]
fn a_node_that_stops_reading_hits_the_send_backlog_cap() {
    let config = Config {
        max_send_backlog: 200_000,
        ..Config::default()
    };
    // Pongs pile up in the session's queue (the shell sends nothing): three of 65 531 bytes fit,
    // the fourth passes the cap.
    let (mut c, mut n) = (client_with(config.clone()), node());
    pump(&mut c, &mut n);
    events(&mut c);
    for _ in 0..4 {
        n.send(&wire::encode_ping(65531, 0)).unwrap();
    }
    while let Some(b) = n.poll_transmit() {
        c.receive(&b, 0);
    }
    let Some(CloseReason::SendBacklog { bytes }) = c.close_reason().cloned() else {
        panic!("{:?}", c.close_reason())
    };
    assert!(bytes > 200_000 && bytes < 4 * 65600, "{bytes}");
    // The socket's backlog counts too.
    let (mut c, mut n) = (client_with(config), node());
    pump(&mut c, &mut n);
    c.set_socket_backlog(150_000);
    assert_eq!(c.state(), State::Ready);
    c.request(
        "echo",
        &format!("{{\"s\":\"{}\"}}", "x".repeat(60_000)),
        "r",
        None,
    )
    .unwrap();
    assert_eq!(c.state(), State::Closed);
    assert_eq!(
        c.close_reason().map(CloseReason::kind),
        Some("send-backlog")
    );
}

#[test]
fn tiny_and_empty_chunks_are_bounded_by_the_budget() {
    // Storing, one-byte chunks share a piece (each id's cost under twice its size); streaming,
    // the caller holds each as its own piece (its size plus 32 bytes).
    for (stream_replies, smallest_shed) in [(false, 4_000), (true, 200)] {
        let config = Config {
            max_buffered: 30_000,
            stream_replies,
            ..Config::default()
        };
        let (mut c, mut n) = (client_with(config), node());
        pump(&mut c, &mut n);
        events(&mut c);
        let ids: Vec<u64> = (0..4)
            .map(|_| c.request("x", "{}", "r", None).unwrap())
            .collect();
        pump(&mut c, &mut n);
        // 50 000 empty chunks on one id, then 60 000 one-byte chunks of a string spread over
        // four ids.
        for k in 0..50_000u32 {
            n.send(&commando_chunk(ids[0], b"", false)).unwrap();
            if k % 10_000 == 0 {
                pump(&mut c, &mut n);
            }
        }
        pump(&mut c, &mut n);
        assert_eq!(c.buffered(), 0);
        for id in &ids {
            n.send(&commando_chunk(*id, b"{\"result\":\"", false))
                .unwrap();
        }
        let mut failed = Vec::new();
        for k in 0..60_000usize {
            n.send(&commando_chunk(ids[k % 4], b"y", false)).unwrap();
            if k % 1000 == 0 {
                pump(&mut c, &mut n);
                assert!(c.buffered() <= 30_000, "{}", c.buffered());
                shed(&mut c, &mut failed);
            }
        }
        pump(&mut c, &mut n);
        assert!(c.buffered() <= 30_000);
        shed(&mut c, &mut failed);
        // The ids grew together, one byte each in turn; the budget gave them up one at a time,
        // the largest first, each once its real cost passed a share of it.
        assert!(!failed.is_empty());
        for (_, size) in &failed {
            assert!(*size >= smallest_shed, "{stream_replies}: {failed:?}");
        }
        assert_eq!(c.state(), State::Ready);
    }
}

/// Collects the requests the budget gave up (id, size) from the session's events.
fn shed(c: &mut Session, failed: &mut Vec<(u64, usize)>) {
    for e in events(c) {
        if let Event::Failed {
            id,
            failure: RequestFailure::OverBudget { size },
        } = e
        {
            failed.push((id, size));
        }
    }
}

fn commando_chunk(id: u64, body: &[u8], last: bool) -> Vec<u8> {
    let typ = if last {
        msg_type::COMMANDO_REPLY_TERMINATES
    } else {
        msg_type::COMMANDO_REPLY_CONTINUES
    };
    commando::encode_chunk(typ, id, body)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// No sequence of received messages (reply chunks of any size, for awaited, unknown,
    /// cancelled or finished ids, final or not; pings of any size and rate) makes the session
    /// hold more than its budget, and every request settles exactly once.
    #[test]
    fn no_message_sequence_exceeds_the_budget(
        budget in 1_000usize..200_000,
        msgs in proptest::collection::vec((0u8..8, 0usize..20_000, any::<bool>(), 0u64..3_000), 1..300),
    ) {
        let config = Config { max_buffered: budget, max_reply_len: 150_000, ..Config::default() };
        let (mut c, mut n) = (client_with(config), node());
        pump(&mut c, &mut n);
        events(&mut c);
        let ids: Vec<u64> = (0..6).map(|_| c.request("x", "{}", "r", None).unwrap()).collect();
        pump(&mut c, &mut n);
        node_events(&mut n);
        let mut now = 0;
        let mut settled = std::collections::HashMap::new();
        for (who, len, last, dt) in msgs {
            now += dt;
            let msg = match who {
                6 => wire::encode_ping((len % 65536) as u16, 0),
                7 => commando_chunk(999, &vec![b'u'; len], last),
                w => commando_chunk(ids[w as usize], &vec![b'r'; len], last),
            };
            n.send(&msg).unwrap();
            while let Some(b) = n.poll_transmit() {
                c.receive(&b, now);
                prop_assert!(c.buffered() <= budget, "{} > {budget}", c.buffered());
            }
            while c.poll_transmit().is_some() {}
            for e in events(&mut c) {
                if let Event::Reply { id, .. } | Event::Failed { id, .. } = e {
                    prop_assert!(settled.insert(id, ()).is_none(), "{id} settled twice");
                }
            }
        }
        c.close(CloseReason::Local);
        for e in events(&mut c) {
            if let Event::Reply { id, .. } | Event::Failed { id, .. } = e {
                prop_assert!(settled.insert(id, ()).is_none(), "{id} settled twice");
            }
        }
        prop_assert_eq!(settled.len(), ids.len());
        prop_assert_eq!(c.buffered(), 0);
    }
}

/// The core says when it next needs waking: the keep-alive ping after `keepalive_ms` of
/// silence, the ping timeout after as long again; nothing before ready or after close.
#[test]
fn poll_timeout_drives_the_keepalive() {
    let mut c = client_with(Config {
        keepalive_ms: Some(1000),
        ..Config::default()
    });
    let mut n = node();
    assert_eq!(c.poll_timeout(), None, "not before ready");
    pump_with(&mut c, &mut n, &[], 500, None);
    assert_eq!(c.state(), State::Ready);
    assert_eq!(
        c.poll_timeout(),
        Some(1500),
        "a ping 1000 ms after the last bytes"
    );
    c.handle_timeout(1200);
    assert!(c.poll_transmit().is_none(), "early: nothing to do");
    c.handle_timeout(1500);
    assert!(c.poll_transmit().is_some(), "the keep-alive ping");
    assert_eq!(c.poll_timeout(), Some(2500), "the ping timeout");
    c.handle_timeout(2500);
    assert_eq!(c.state(), State::Closed);
    assert!(
        events(&mut c)
            .iter()
            .any(|e| matches!(e, Event::Closed(CloseReason::PingTimeout)))
    );
    assert_eq!(c.poll_timeout(), None, "not after close");
}

/// Every failure's reason, code and message are the core's: what the JS API reports as is.
#[test]
fn failures_carry_their_kind_code_and_message() {
    use lncommando::GiveUp;
    let mut c = client();
    let mut n = node();
    pump(&mut c, &mut n);
    let a = c.request("sleep", "{}", "r", None).unwrap();
    let b = c.request("sleep", "{}", "r", None).unwrap();
    events(&mut c);
    assert!(c.give_up(a, GiveUp::Timeout { after_ms: 200 }));
    assert!(!c.give_up(a, GiveUp::Aborted), "only once");
    assert!(c.give_up(b, GiveUp::Aborted));
    let failures: Vec<RequestFailure> = events(&mut c)
        .into_iter()
        .filter_map(|e| match e {
            Event::Failed { failure, .. } => Some(failure),
            _ => None,
        })
        .collect();
    let seen: Vec<(&str, i64, String)> = failures
        .iter()
        .map(|f| (f.kind(), f.code(), f.to_string()))
        .collect();
    assert_eq!(
        seen,
        [
            ("timeout", 19535, "no reply within 200 ms".to_string()),
            ("aborted", 19535, "call aborted".to_string()),
        ]
    );
    let d = c.request("sleep", "{}", "r", None).unwrap();
    c.close(CloseReason::Local);
    let closed = events(&mut c)
        .into_iter()
        .find_map(|e| match e {
            Event::Failed { id, failure } if id == d => Some(failure),
            _ => None,
        })
        .unwrap();
    assert_eq!((closed.kind(), closed.code()), ("closed", -32600));
    let big = RequestFailure::TooLarge { size: 7 };
    assert_eq!((big.kind(), big.code()), ("too-large", 19535));
    assert_eq!(
        commando::ErrorKind::NotAuthorised.reason(),
        "not-authorised"
    );
}

/// As Core Lightning's commando: past 1 MiB a request is poisoned, its later chunks (the
/// terminating one too) are ignored and nothing is answered, until a request of another id
/// replaces it; that one is served.
#[test]
fn an_oversize_request_is_dropped_and_the_next_one_served() {
    let mut c = client();
    let mut n = node();
    pump(&mut c, &mut n);
    let big = vec![b'x'; 60_000];
    let chunks: Vec<(bool, &[u8])> = (0..18).map(|_| (false, &big[..])).collect();
    c.send_chunks(7, &chunks, true).unwrap();
    c.send_chunks(7, &[(true, b"}")], true).unwrap();
    pump(&mut c, &mut n);
    let ev: Vec<NodeEvent> = node_events(&mut n)
        .into_iter()
        .filter(|e| !matches!(e, NodeEvent::Connected { .. } | NodeEvent::Ready(_)))
        .collect();
    assert!(
        matches!(ev.as_slice(), [NodeEvent::RequestDropped { id: 7, why }] if why.contains("1 MiB")),
        "{ev:?}"
    );
    // The same id again: still ignored.
    c.send_chunks(7, &[(true, br#"{"id":1}"#)], true).unwrap();
    pump(&mut c, &mut n);
    assert!(node_events(&mut n).is_empty());
    // Another id: served.
    c.send_chunks(8, &[(false, br#"{"id":"#), (true, b"2}")], true)
        .unwrap();
    pump(&mut c, &mut n);
    let ev = node_events(&mut n);
    assert!(
        matches!(ev.as_slice(), [NodeEvent::Request { id: 8, body }] if body == br#"{"id":2}"#),
        "{ev:?}"
    );
}

/// A call on a quiet connection: its frame ends with a padding ping that asks for no pong (so
/// that Core Lightning, which leaves Nagle on for its ws port, writes only the reply), and the
/// next call goes at once, without waiting for anything.
#[test]
fn a_call_on_a_quiet_connection_asks_for_no_pong() {
    let mut c = client();
    let mut n = node();
    pump(&mut c, &mut n);
    c.request("echo", "[1]", "r", None).unwrap();
    let first = c.poll_transmit().expect("the request goes at once");
    assert!(c.poll_transmit().is_none());
    n.receive(&first, 0);
    assert!(
        n.poll_transmit().is_none(),
        "the node sends nothing back for the frame's ping"
    );
    c.request("echo", "[2]", "r", None).unwrap();
    let second = c.poll_transmit().expect("the next call goes at once");
    n.receive(&second, 0);
    assert_eq!(request_count(&mut n), 2);
}

/// One frame in flight when more waits behind it: a request cut into chunks goes frame by
/// frame, each after the pong of the one before, and requests made meanwhile go together in
/// the next frame, as whole packets. A full-size chunk right after the (unconfirmed) init
/// frame waits for a lone ping's pong first.
#[test]
fn frames_with_more_behind_wait_for_their_pong() {
    let mut c = client();
    let mut n = node();
    pump(&mut c, &mut n);
    let deliver = |c: &mut Session, n: &mut NodeSession, frame: &[u8]| {
        n.receive(frame, 0);
        let pong = n
            .poll_transmit()
            .expect("the frame's ping asked for a pong");
        c.receive(&pong, 0);
    };
    c.request(
        "echo",
        &format!("{{\"s\":\"{}\"}}", "x".repeat(100_000)),
        "r",
        None,
    )
    .unwrap();
    let confirm = c.poll_transmit().expect("a ping first");
    assert_eq!(confirm.len(), MIN_FRAME, "a lone ping");
    assert!(c.poll_transmit().is_none(), "nothing more before its pong");
    deliver(&mut c, &mut n, &confirm);
    let first = c.poll_transmit().expect("the first chunk");
    assert_eq!(first.len(), Config::default().max_transmit);
    for i in 0..5 {
        c.request("echo", &format!("[{i}]"), "r", None).unwrap();
    }
    assert!(c.poll_transmit().is_none(), "nothing more before the pong");
    deliver(&mut c, &mut n, &first);
    let second = c.poll_transmit().expect("the pong lets the next frame go");
    assert!(c.poll_transmit().is_none(), "the rest in one frame");
    n.receive(&second, 0);
    assert_eq!(request_count(&mut n), 6);
}

/// Frames that asked for no pong add up: once the bytes sent since the node last answered a
/// frame's ping would pass `max_transmit`, a ping alone goes first, and nothing more until its
/// pong; then the count starts again. At no point are more than `max_transmit` bytes out
/// unconfirmed.
#[test]
fn unconfirmed_frames_stay_within_max_transmit() {
    let mut c = client();
    let mut n = node();
    pump(&mut c, &mut n);
    let max = Config::default().max_transmit;
    let mut unconfirmed = 0;
    let mut confirms = 0;
    for i in 0..2000 {
        c.request(
            "echo",
            &format!("{{\"i\":{i},\"pad\":\"{}\"}}", "p".repeat(i % 700)),
            "r",
            None,
        )
        .unwrap();
        while let Some(frame) = c.poll_transmit() {
            unconfirmed += frame.len();
            assert!(
                unconfirmed <= max,
                "{unconfirmed} bytes unconfirmed at call {i}"
            );
            assert!(c.poll_transmit().is_none());
            n.receive(&frame, 0);
            if let Some(pong) = n.poll_transmit() {
                confirms += 1;
                unconfirmed = 0;
                c.receive(&pong, 0);
            }
        }
    }
    // ~2000 calls of ~500 bytes: about one confirmation per 61 KB.
    assert!((10..=40).contains(&confirms), "{confirms} confirmations");
    assert_eq!(request_count(&mut n), 2000);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Frames for Core Lightning's WebSocket reader: after act one, every piece the client hands
    /// out is a multiple of 4 bytes between 128 and `max_transmit` (so each frame has the 8-byte
    /// header and starts 4-aligned; only a pong the node asked to be larger than that goes
    /// alone in a bigger frame), and no piece goes before the pong of the ping that ends the
    /// previous one is back; whatever is sent: requests of any size, pongs of any size asked by
    /// the node, custom messages; and the node still gets every request whole.
    #[test]
    fn frames_are_4_aligned_for_core_lightning(
        ops in proptest::collection::vec((0u8..3, 0usize..300_000, any::<u16>()), 1..12),
    ) {
        let mut c = client();
        let mut n = node();
        let mut sizes = Vec::new();
        let mut asked = Vec::new();
        let mut biggest_pong = 0usize;
        pump_with(&mut c, &mut n, &[], 0, Some(&mut sizes));
        prop_assert_eq!(c.state(), State::Ready);
        for (op, len, k) in ops {
            match op {
                0 => {
                    let params = format!("{{\"s\":\"{}\"}}", "p".repeat(len.min(900_000)));
                    c.request("echo", &params, "r", None).unwrap();
                    asked.push(params);
                }
                1 => {
                    n.send(&wire::encode_ping(k % 65532, 0)).unwrap();
                    biggest_pong = biggest_pong.max(usize::from(k % 65532));
                }
                _ => {
                    let mut m = 32769u16.to_be_bytes().to_vec();
                    m.extend(std::iter::repeat_n(7u8, len % 60_000));
                    c.send_message(&m).unwrap();
                }
            }
            // Frame by frame: one out, then nothing more until the node's answer is in (a frame
            // asking for no pong has nothing behind it).
            while let Some(b) = c.poll_transmit() {
                sizes.push(b.len());
                prop_assert!(c.poll_transmit().is_none(), "a second frame before the pong");
                n.receive(&b, 0);
                while let Some(r) = n.poll_transmit() {
                    c.receive(&r, 0);
                }
            }
        }
        prop_assert_eq!(sizes[0], 50, "act one");
        // A pong of k bytes is a packet of k + 4 + 34; with the ping, padded to 4.
        let max = 61440usize.max((biggest_pong + 4 + 34 + 40 + 3) & !3);
        for (i, &s) in sizes.iter().enumerate().skip(1) {
            prop_assert!(s % 4 == 0 && (128..=max).contains(&s), "piece {i} of {s} bytes: {sizes:?}");
        }
        let got: Vec<Vec<u8>> = node_events(&mut n)
            .into_iter()
            .filter_map(|e| match e {
                NodeEvent::Request { body, .. } => Some(body),
                _ => None,
            })
            .collect();
        prop_assert_eq!(got.len(), asked.len());
        for (body, params) in got.iter().zip(&asked) {
            let text = String::from_utf8_lossy(body);
            prop_assert!(text.contains(params.as_str()));
        }
    }
}
