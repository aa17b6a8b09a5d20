//! Interop with an independent BOLT 8 implementation: pyln-proto, the Core Lightning project's
//! Python transport (tests/interop/pyln_peer.py), over loopback TCP, both roles.
//!
//! Needs `python3` with `pyln-proto` (installed by `make test` / `.ci/run`). Set `PYTHON` to use
//! another interpreter.

use lncommando::commando::Outcome;
use lncommando::node::{NodeEvent, NodeSession};
use lncommando::transport::Keypair;
use lncommando::wire::Init;
use lncommando::{Config, Event, Session, State};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn python() -> Command {
    let py = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/pyln_peer.py");
    let mut cmd = Command::new(py);
    cmd.arg(script)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    cmd
}

struct Peer {
    child: Child,
    out: BufReader<std::process::ChildStdout>,
}

impl Peer {
    fn line(&mut self) -> String {
        let mut line = String::new();
        self.out.read_line(&mut line).expect("read from pyln peer");
        assert!(
            !line.is_empty(),
            "pyln peer exited early (is pyln-proto installed? `pip install pyln-proto`)"
        );
        line.trim().to_string()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(args: &[&str]) -> Peer {
    let mut child = python()
        .args(args)
        .spawn()
        .expect("python3 must be installed");
    let out = BufReader::new(child.stdout.take().unwrap());
    Peer { child, out }
}

/// Sends what the session has to send, then reads once and feeds it.
fn step(sock: &mut TcpStream, s: &mut Session, buf: &mut [u8]) {
    while let Some(b) = s.poll_transmit() {
        sock.write_all(&b).unwrap();
    }
    let n = sock.read(buf).expect("read from pyln peer");
    if n == 0 {
        s.connection_lost();
    } else {
        s.receive(&buf[..n], 0);
    }
}

/// Runs until an event matching `want` arrives (panics on close).
fn wait_for(sock: &mut TcpStream, s: &mut Session, want: impl Fn(&Event) -> bool) -> Event {
    let mut buf = vec![0u8; 1 << 16];
    loop {
        while let Some(e) = s.poll_event() {
            if want(&e) {
                return e;
            }
            assert!(!matches!(e, Event::Closed(_)), "closed: {e:?}");
        }
        step(sock, s, &mut buf);
    }
}

#[test]
fn our_initiator_against_pyln_responder() {
    let mut peer = spawn(&["responder"]);
    let line = peer.line();
    let parts: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(parts[0], "LISTENING", "{line}");
    let node_id: [u8; 33] = hex::decode(parts[2]).unwrap().try_into().unwrap();
    let mut sock = TcpStream::connect(("127.0.0.1", parts[1].parse::<u16>().unwrap())).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    sock.set_nodelay(true).unwrap();

    let mut s = Session::new(
        Config::default(),
        Keypair::random().unwrap(),
        &node_id,
        Keypair::random().unwrap(),
        1,
        0,
    )
    .unwrap();
    let getinfo = s.request("getinfo", "{}", "cnVuZQ==", None).unwrap();
    wait_for(&mut sock, &mut s, |e| matches!(e, Event::Ready { .. }));
    assert_eq!(s.state(), State::Ready);
    let Event::Reply {
        id,
        reply,
        outcome: Outcome::Result { result },
    } = wait_for(&mut sock, &mut s, |e| matches!(e, Event::Reply { .. }))
    else {
        panic!("getinfo failed")
    };
    assert_eq!(id, getinfo);
    let info: serde_json::Value = serde_json::from_slice(&reply[result]).unwrap();
    assert_eq!(info["id"], parts[2]);

    // A 300 KB multi-part request, echoed back in several reply chunks.
    let big = format!("[\"{}\"]", "m".repeat(300_000));
    let id = s.request("echo", &big, "cnVuZQ==", None).unwrap();
    let Event::Reply {
        id: got,
        reply,
        outcome: Outcome::Result { result },
    } = wait_for(&mut sock, &mut s, |e| matches!(e, Event::Reply { .. }))
    else {
        panic!("echo failed")
    };
    assert_eq!(got, id);
    assert_eq!(&reply[result], big.as_bytes());

    // Past 1000 messages each way, pipelined 50 at a time: keys rotate in both directions.
    for batch in 0..24 {
        let ids: Vec<u64> = (0..50)
            .map(|i| {
                s.request("echo", &format!("[{batch},{i}]"), "cnVuZQ==", None)
                    .unwrap()
            })
            .collect();
        for (i, id) in ids.iter().enumerate() {
            let Event::Reply {
                id: got,
                reply,
                outcome: Outcome::Result { result },
            } = wait_for(&mut sock, &mut s, |e| matches!(e, Event::Reply { .. }))
            else {
                panic!("echo failed")
            };
            assert_eq!(got, *id);
            assert_eq!(&reply[result], format!("[{batch}, {i}]").as_bytes());
        }
    }
    // And a custom message both ways.
    s.send_message(&[0x80, 0x01, 1, 2, 3]).unwrap();
    let e = wait_for(&mut sock, &mut s, |e| matches!(e, Event::Message { .. }));
    assert_eq!(
        e,
        Event::Message {
            typ: 0x8001,
            payload: vec![1, 2, 3]
        }
    );

    s.close(lncommando::CloseReason::Local);
    drop(sock);
    let done = peer.line();
    assert!(done.starts_with("DONE"), "{done}");
    let counts: serde_json::Value = serde_json::from_str(done.trim_start_matches("DONE ")).unwrap();
    assert_eq!(counts["requests"], 2 + 24 * 50);
    assert_eq!(counts["custom"], 1);
}

/// The peer's connection, or a failure (not a hang) if the peer exits or 30 s pass first.
fn accept_from(listener: &TcpListener, peer: &mut Peer) -> TcpStream {
    listener.set_nonblocking(true).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        match listener.accept() {
            Ok((sock, _)) => {
                sock.set_nonblocking(false).unwrap();
                return sock;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("accept: {e}"),
        }
        if let Some(status) = peer.child.try_wait().unwrap() {
            panic!("the pyln-proto peer exited ({status}) before connecting: see its stderr above");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the pyln-proto peer never connected"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn pyln_initiator_against_our_responder() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let node_key = Keypair::from_secret(&[0x42; 32]).unwrap();
    let node_id = hex::encode(node_key.public_key());
    let count = "1100";
    let mut peer = spawn(&["initiator", &port, &node_id, count]);
    let mut sock = accept_from(&listener, &mut peer);
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    sock.set_nodelay(true).unwrap();
    let mut n = NodeSession::new(
        node_key,
        Keypair::random().unwrap(),
        Init::default(),
        None,
        0,
    );
    let client_key = Keypair::from_secret(&[0x22; 32]).unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let (mut requests, mut custom, mut connected) = (0, 0, false);
    loop {
        while let Some(b) = n.poll_transmit() {
            sock.write_all(&b).unwrap();
        }
        let r = sock.read(&mut buf).unwrap();
        if r == 0 {
            n.connection_lost();
        } else {
            n.receive(&buf[..r], 0);
        }
        while let Some(e) = n.poll_event() {
            match e {
                NodeEvent::Connected { peer } => {
                    assert_eq!(&peer, client_key.public_key());
                    connected = true;
                }
                NodeEvent::Ready(_) => {}
                NodeEvent::Request { id, body } => {
                    let req: serde_json::Value = serde_json::from_slice(&body).unwrap();
                    assert_eq!(req["method"], "getinfo");
                    let reply = serde_json::json!({"jsonrpc": "2.0", "id": req["id"], "result": {"id": node_id}});
                    n.reply(id, &serde_json::to_vec(&reply).unwrap());
                    requests += 1;
                }
                NodeEvent::Message {
                    typ: 0x8001,
                    payload,
                } => {
                    let mut msg = vec![0x80, 0x01];
                    msg.extend(payload);
                    n.send(&msg).unwrap();
                    custom += 1;
                }
                NodeEvent::Closed(reason) => {
                    assert_eq!(reason.kind(), "closed", "{reason}");
                    assert!(connected);
                    assert_eq!(requests, 1);
                    assert_eq!(custom, 1100);
                    assert_eq!(peer.line(), format!("OK {count}"));
                    return;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}
