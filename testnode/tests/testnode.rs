//! The test node from the outside: pyln-proto as an independent client over TCP, our client
//! over WebSocket (2000 requests with random frame splits), Core Lightning's errors, every fault
//! mode, keep-alive, and garbage on both ports.
//!
//! With `LNC_URL`, `LNC_NODE_ID` and `LNC_RUNE` set, the suites that make sense for any node run
//! against that node instead, and the test-node-only cases are skipped.

mod common;

use common::{Node, WsClient, start, target};
use lncommando::commando::{ErrorKind, Outcome};
use lncommando::transport::{HandshakeError, TransportError};
use lncommando::{CloseReason, Config, Event, RequestFailure, State};
use std::io::{Read, Write};
use std::time::Duration;

const T: Duration = Duration::from_secs(30);

fn result(e: &Event) -> serde_json::Value {
    match e {
        Event::Reply {
            reply,
            outcome: Outcome::Result { result },
            ..
        } => serde_json::from_slice(&reply[result.clone()]).unwrap(),
        other => panic!("not a result: {other:?}"),
    }
}

fn error(e: &Event) -> (i64, String, bool) {
    match e {
        Event::Reply {
            outcome:
                Outcome::Error {
                    code,
                    message,
                    kind,
                    ..
                },
            ..
        } => (*code, message.clone(), *kind != ErrorKind::Node),
        other => panic!("not an error: {other:?}"),
    }
}

async fn ready(node: &Node) -> WsClient {
    let mut c = WsClient::connect(node).await;
    c.wait_for(T, |e| matches!(e, Event::Ready { .. })).await;
    c
}

#[test]
fn pyln_proto_client_over_tcp() {
    let node = start(&[]);
    let py = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/interop/pyln_peer.py");
    let out = std::process::Command::new(py)
        .args([script, "client", node.tcp.as_deref().unwrap()])
        .arg(lncommando::hex::encode(&node.node_id))
        .args([&node.rune, node.readonly_rune.as_deref().unwrap()])
        .output()
        .expect("python3 with pyln-proto (make test installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["getinfo_id"], lncommando::hex::encode(&node.node_id));
    assert_eq!(v["forbidden"]["code"], 19537);
    assert_eq!(
        v["forbidden"]["message"],
        "Invalid rune: Not permitted: method does not start with list AND method does not start with get"
    );
    assert_eq!(v["echo_equal"], true);
    assert_eq!(
        v["echo_request_chunks"], 5,
        "300 KB goes as a multi-part request"
    );
    assert_eq!(v["echo_reply_chunks"], 5);
}

#[tokio::test]
async fn two_thousand_requests_over_websocket_with_random_splits() {
    let node = if common::real_node() {
        target()
    } else {
        start(&["--split", "random"])
    };
    let count = if node.real { 200 } else { 2000 };
    let mut c = ready(&node).await;
    let method = if node.real { "getinfo" } else { "echo" };
    let mut ids = std::collections::HashMap::new();
    for i in 0..count {
        let params = if node.real {
            "{}".to_string()
        } else {
            format!("[{i},\"{}\"]", "p".repeat(i % 300))
        };
        ids.insert(
            c.session
                .request(method, &params, &node.rune, None)
                .unwrap(),
            i,
        );
    }
    let mut seen = 0;
    while seen < count {
        let e = c
            .wait_for(T, |e| {
                matches!(e, Event::Reply { .. } | Event::Failed { .. })
            })
            .await;
        let Event::Reply { id, .. } = &e else {
            panic!("{e:?}")
        };
        let i = ids.remove(id).expect("a reply for a request we made, once");
        let r = result(&e);
        if node.real {
            assert_eq!(r["id"], lncommando::hex::encode(&node.node_id));
        } else {
            assert_eq!(r, serde_json::json!([i, "p".repeat(i % 300)]));
        }
        seen += 1;
    }
    assert!(ids.is_empty());
}

#[tokio::test]
async fn core_lightning_results_and_errors() {
    let node = target();
    let mut c = ready(&node).await;
    let info = c.call("getinfo", "{}", &node.rune).await;
    assert_eq!(result(&info)["id"], lncommando::hex::encode(&node.node_id));
    let unknown = c.call("nosuchmethod", "{}", &node.rune).await;
    assert_eq!(
        error(&unknown),
        (-32601, "Unknown command 'nosuchmethod'".into(), false)
    );
    let bad = c.call("getinfo", r#"{"nosuchparam":1}"#, &node.rune).await;
    assert_eq!(error(&bad).0, -32602);
    let bogus = c.call("getinfo", "{}", "bm90IGEgcnVuZQ").await;
    assert_eq!(error(&bogus), (19536, "Invalid rune".into(), true));
    let id = c
        .session
        .request(
            "getinfo",
            "{}",
            &node.rune,
            Some(r#"{"id":true,"alias":true}"#),
        )
        .unwrap();
    let filtered = c
        .wait_for(T, |e| matches!(e, Event::Reply { id: i, .. } if *i == id))
        .await;
    let keys: Vec<String> = result(&filtered)
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["alias", "id"]);
    if node.real {
        return;
    }
    let ro = node.readonly_rune.clone().unwrap();
    assert_eq!(
        result(&c.call("listfunds", "{}", &ro).await)["outputs"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let (code, message, from_commando) = error(&c.call("invoice", "{}", &ro).await);
    assert_eq!((code, from_commando), (19537, true));
    assert!(
        message.starts_with("Invalid rune: Not permitted: method does not start with list"),
        "{message}"
    );
    // The admin-panel methods keep state across calls.
    let inv = c
        .call(
            "invoice",
            r#"{"amount_msat":5000,"label":"coffee","description":"one coffee"}"#,
            &node.rune,
        )
        .await;
    let bolt11 = result(&inv)["bolt11"].as_str().unwrap().to_string();
    assert!(bolt11.starts_with("lnbcrt"));
    let dup = c
        .call(
            "invoice",
            r#"{"amount_msat":1,"label":"coffee","description":"again"}"#,
            &node.rune,
        )
        .await;
    assert_eq!(error(&dup).0, 900);
    let list = c
        .call("listinvoices", r#"{"label":"coffee"}"#, &node.rune)
        .await;
    assert_eq!(result(&list)["invoices"][0]["bolt11"], bolt11);
    let chans = c.call("listpeerchannels", "{}", &ro).await;
    assert_eq!(result(&chans)["channels"].as_array().unwrap().len(), 3);
    let help = c.call("help", "{}", &node.rune).await;
    assert!(
        result(&help)["help"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["command"] == "bigreply")
    );
    let big = c.call("bigreply", r#"{"bytes":3000000}"#, &node.rune).await;
    let Event::Reply { reply, .. } = &big else {
        panic!()
    };
    assert!(reply.len() >= 3_000_000);
    let t0 = std::time::Instant::now();
    result(&c.call("sleep", r#"{"ms":300}"#, &node.rune).await);
    assert!(t0.elapsed() >= Duration::from_millis(300));
}

/// Starts a test node, connects, switches on a fault with `dev-fault`, and returns the client.
async fn faulty(mode: &str) -> (Node, WsClient) {
    let node = start(&[]);
    let mut c = ready(&node).await;
    let r = c
        .call("dev-fault", &format!(r#"{{"mode":"{mode}"}}"#), &node.rune)
        .await;
    assert_eq!(result(&r)["mode"], mode);
    (node, c)
}

fn closed_with(events: &[Event]) -> Option<&CloseReason> {
    events.iter().find_map(|e| match e {
        Event::Closed(r) => Some(r),
        _ => None,
    })
}

async fn drain(c: &mut WsClient, wait: Duration) -> Vec<Event> {
    let mut out = Vec::new();
    while let Some(e) = c.next_event(wait).await {
        let end = matches!(e, Event::Closed(_));
        out.push(e);
        if end {
            break;
        }
    }
    out
}

#[tokio::test]
async fn fault_close_mid_reply() {
    if common::real_node() {
        return;
    }
    let (node, mut c) = faulty("close-mid-reply").await;
    let id = c
        .session
        .request("bigreply", r#"{"bytes":500000}"#, &node.rune, None)
        .unwrap();
    let ev = drain(&mut c, T).await;
    assert!(
        ev.contains(&Event::Failed {
            id,
            failure: RequestFailure::Closed(CloseReason::PeerClosed { during_init: false })
        }),
        "{ev:?}"
    );
}

#[tokio::test]
async fn fault_corrupt_mac() {
    if common::real_node() {
        return;
    }
    let (node, mut c) = faulty("corrupt-mac").await;
    c.session
        .request("getinfo", "{}", &node.rune, None)
        .unwrap();
    let ev = drain(&mut c, T).await;
    assert_eq!(
        closed_with(&ev),
        Some(&CloseReason::Transport(TransportError::BadBodyTag)),
        "{ev:?}"
    );
}

#[tokio::test]
async fn fault_never_answer() {
    if common::real_node() {
        return;
    }
    let (node, mut c) = faulty("never-answer").await;
    let id = c
        .session
        .request("getinfo", "{}", &node.rune, None)
        .unwrap();
    assert_eq!(
        c.next_event(Duration::from_millis(500)).await,
        None,
        "no reply, no close"
    );
    assert!(c.session.cancel(id), "the caller's timeout gives up on it");
    // The rune check still answers: a bogus rune is refused at once.
    let bogus = c.call("getinfo", "{}", "bm90IGEgcnVuZQ").await;
    assert_eq!(error(&bogus).0, 19536);
}

#[tokio::test]
async fn fault_unknown_even_message() {
    if common::real_node() {
        return;
    }
    let (_node, mut c) = faulty("unknown-even").await;
    let ev = drain(&mut c, T).await;
    assert_eq!(
        closed_with(&ev),
        Some(&CloseReason::UnknownEvenMessage(0x8002)),
        "{ev:?}"
    );
}

#[tokio::test]
async fn fault_warning_then_close() {
    if common::real_node() {
        return;
    }
    let (_node, mut c) = faulty("warning-close").await;
    let ev = drain(&mut c, T).await;
    assert!(ev.iter().any(|e| matches!(e, Event::Warning { text, is_error: false } if text.contains("warning-close"))), "{ev:?}");
    assert_eq!(
        closed_with(&ev),
        Some(&CloseReason::PeerClosed { during_init: false })
    );
}

#[tokio::test]
async fn fault_oversize_reply_hits_the_cap_and_the_session_lives_on() {
    if common::real_node() {
        return;
    }
    let node = start(&[]);
    let mut c = WsClient::connect_with(
        &node,
        Config {
            max_reply_len: 2_000_000,
            ..Config::default()
        },
    )
    .await;
    c.wait_for(T, |e| matches!(e, Event::Ready { .. })).await;
    result(
        &c.call("dev-fault", r#"{"mode":"oversize-reply"}"#, &node.rune)
            .await,
    );
    let id = c
        .session
        .request("getinfo", "{}", &node.rune, None)
        .unwrap();
    let e = c.wait_for(T, |e| matches!(e, Event::Failed { .. })).await;
    assert!(
        matches!(e, Event::Failed { id: i, failure: RequestFailure::TooLarge { size } } if i == id && size > 2_000_000),
        "{e:?}"
    );
    assert_eq!(c.session.state(), State::Ready);
}

#[tokio::test]
async fn fault_stalled_handshake() {
    if common::real_node() {
        return;
    }
    let node = start(&["--fault", "stall-handshake"]);
    let mut c = WsClient::connect(&node).await;
    assert_eq!(c.next_event(Duration::from_millis(700)).await, None);
    assert_eq!(c.session.state(), State::Handshake);
    c.session.connection_lost();
    let ev = drain(&mut c, T).await;
    assert_eq!(
        closed_with(&ev),
        Some(&CloseReason::Handshake(HandshakeError::Act2ReadFailed))
    );
}

#[tokio::test]
async fn node_pings_idle_clients_and_drops_the_silent() {
    if common::real_node() {
        return;
    }
    let node = start(&["--ping-ms", "200"]);
    // Our client answers pings: still connected well past two intervals.
    let mut c = ready(&node).await;
    let _ = c.next_event(Duration::from_millis(900)).await;
    assert_eq!(c.session.state(), State::Ready);
    result(&c.call("getinfo", "{}", &node.rune).await);

    // A peer that completes the handshake and init but never answers: dropped.
    use lncommando::transport::{Connection, Initiator, Keypair};
    let mut sock = std::net::TcpStream::connect(node.tcp.as_deref().unwrap()).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let init = Initiator::new(
        Keypair::random().unwrap(),
        &node.node_id,
        Keypair::random().unwrap(),
    )
    .unwrap();
    let mut conn = Connection::initiator(init, 65536);
    let mut buf = [0u8; 4096];
    let started = std::time::Instant::now();
    let mut sent_init = false;
    loop {
        while let Some(b) = conn.poll_transmit() {
            sock.write_all(&b).unwrap();
        }
        match sock.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if conn.push(&buf[..n]).unwrap() && !sent_init {
                    conn.send(&[lncommando::wire::Init::default().encode()])
                        .unwrap();
                    sent_init = true;
                }
            }
            Err(e) => panic!("the node did not drop a silent peer: {e}"),
        }
    }
    let took = started.elapsed();
    assert!(sent_init);
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(4),
        "{took:?}"
    );
}

#[tokio::test]
async fn garbage_on_both_ports_disturbs_no_one() {
    if common::real_node() {
        return;
    }
    let node = start(&[]);
    let mut good = ready(&node).await;
    let tcp = node.tcp.clone().unwrap();
    let ws = node.ws_url.trim_start_matches("ws://").to_string();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut noise = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect()
    };
    for round in 0..20 {
        // Raw bytes on TCP: random, a truncated act one, act one then an abrupt close.
        let mut s = std::net::TcpStream::connect(&tcp).unwrap();
        let _ = s.write_all(&noise(1 + round * 37));
        drop(s);
        // Random bytes where an HTTP upgrade should be.
        let mut s = std::net::TcpStream::connect(&ws).unwrap();
        let _ = s.write_all(&noise(200));
        drop(s);
        // A good upgrade, then random binary frames and a text frame.
        let (mut w, _) = tokio_tungstenite::connect_async(node.ws_url.as_str())
            .await
            .unwrap();
        use futures_util::SinkExt;
        let _ = w
            .send(tokio_tungstenite::tungstenite::Message::text("hello"))
            .await;
        let _ = w
            .send(tokio_tungstenite::tungstenite::Message::binary(noise(
                10 + round,
            )))
            .await;
        drop(w);
        // Half an act one over WebSocket, then gone.
        let mut half = WsClient::connect(&node).await;
        let act1 = half.session.poll_transmit().unwrap();
        let (mut w, _) = tokio_tungstenite::connect_async(node.ws_url.as_str())
            .await
            .unwrap();
        let _ = w
            .send(tokio_tungstenite::tungstenite::Message::binary(
                act1[..25].to_vec(),
            ))
            .await;
        drop(w);
    }
    // The established client is undisturbed, and new ones still connect.
    assert_eq!(
        result(&good.call("echo", "[1]", &node.rune).await),
        serde_json::json!([1])
    );
    let mut fresh = ready(&node).await;
    assert_eq!(
        result(&fresh.call("getinfo", "{}", &node.rune).await)["id"],
        lncommando::hex::encode(&node.node_id)
    );
}
