//! The protocol core end to end over loopback TCP: a client [`Session`] talks to a node.
//!
//! With no arguments, it starts an embedded node (the core's [`NodeSession`] and [`Commando`]:
//! runes minted from a master secret and checked on every request as Core Lightning does,
//! `getinfo` and `echo`), then connects, calls `getinfo`, sends a 300 KB multi-part `echo`, and
//! shows a read-only rune refused for a method it does not allow.
//!
//! Against a real Core Lightning node (its TCP port, usually 9735):
//! `cargo run --release --example demo -- HOST:PORT NODE_ID RUNE [METHOD [PARAMS_JSON]]`
//!
//! The browser library uses the same core over WebSocket.

use lncommando::commando::{ErrorKind, Outcome};
use lncommando::node::{CheckedRequest, Commando, NodeEvent, NodeSession};
use lncommando::rune::{MasterRune, Restriction, Rune};
use lncommando::transport::Keypair;
use lncommando::wire::Init;
use lncommando::{CloseReason, Config, Event, Session};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.len() {
        0 => embedded(),
        3..=5 => {
            let params = args.get(4).map_or("{}", String::as_str);
            let method = args.get(3).map_or("getinfo", String::as_str);
            real_node(&args[0], &args[1], &args[2], method, params)
        }
        _ => Err("usage: demo [HOST:PORT NODE_ID RUNE [METHOD [PARAMS_JSON]]]".into()),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

type Res<T> = Result<T, String>;

/// A connected client: a session and its socket.
struct Client {
    session: Session,
    sock: TcpStream,
    start: Instant,
}

impl Client {
    fn connect(addr: &str, node_id: &[u8; 33]) -> Res<Client> {
        let sock =
            TcpStream::connect(addr).map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        sock.set_nodelay(true).ok();
        sock.set_read_timeout(Some(Duration::from_secs(30))).ok();
        let key = || Keypair::random().map_err(|e| e.to_string());
        let first_id = u64::from(std::process::id()) << 32;
        let session = Session::new(Config::default(), key()?, node_id, key()?, first_id, 0)
            .map_err(|_| "the node id is not a valid public key".to_string())?;
        Ok(Client {
            session,
            sock,
            start: Instant::now(),
        })
    }

    /// Runs one request to completion; returns the reply and its outcome.
    fn call(&mut self, method: &str, params: &str, rune: &str) -> Res<(Vec<u8>, Outcome)> {
        let id = self
            .session
            .request(method, params, rune, None)
            .map_err(|e| e.to_string())?;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            while let Some(b) = self.session.poll_transmit() {
                self.sock.write_all(&b).map_err(|e| e.to_string())?;
            }
            while let Some(e) = self.session.poll_event() {
                match e {
                    Event::Reply {
                        id: got,
                        reply,
                        outcome,
                    } if got == id => return Ok((reply, outcome)),
                    Event::Failed { id: got, failure } if got == id => {
                        return Err(format!("request failed: {failure:?}"));
                    }
                    Event::Warning { text, .. } => eprintln!("node says: {text}"),
                    Event::Closed(reason) => return Err(format!("connection closed: {reason}")),
                    _ => {}
                }
            }
            let now = self.start.elapsed().as_millis() as u64;
            match self.sock.read(&mut buf) {
                Ok(0) | Err(_) => self.session.connection_lost(),
                Ok(n) => self.session.receive(&buf[..n], now),
            }
        }
    }
}

fn show(method: &str, reply: &[u8], outcome: &Outcome) {
    match outcome {
        Outcome::Result { result } => {
            let text = String::from_utf8_lossy(&reply[result.clone()]);
            let shown: String = text.chars().take(400).collect();
            let more = if text.len() > 400 {
                format!(" … ({} bytes)", text.len())
            } else {
                String::new()
            };
            println!("{method} → {shown}{more}");
        }
        Outcome::Error {
            code,
            message,
            kind,
            ..
        } => {
            let who = if *kind == ErrorKind::Node {
                "the method"
            } else {
                "commando"
            };
            println!("{method} → error {code} from {who}: {message}");
        }
    }
}

fn real_node(addr: &str, node_id: &str, rune: &str, method: &str, params: &str) -> Res<()> {
    let node_id: [u8; 33] =
        lncommando::hex::decode_array(node_id).map_err(|e| format!("node id: {e}"))?;
    let decoded = Rune::decode(rune).map_err(|e| format!("rune: {e}"))?;
    println!(
        "rune: unique id {:?}, restrictions: {}",
        decoded.unique_id(),
        decoded.restrictions_text()
    );
    let mut client = Client::connect(addr, &node_id)?;
    let (reply, outcome) = client.call(method, params, rune)?;
    show(method, &reply, &outcome);
    Ok(())
}

/// The embedded node: one thread, one connection at a time, commando with runes: the node
/// module's [`Commando`] makes Core Lightning's checks and replies.
fn serve(listener: TcpListener, node_key: Keypair, master: MasterRune) {
    let node_id = lncommando::hex::encode(node_key.public_key());
    let mut commando = Commando::new(master);
    let start = Instant::now();
    for stream in listener.incoming() {
        let Ok(mut sock) = stream else { continue };
        sock.set_nodelay(true).ok();
        let eph = Keypair::random().expect("randomness");
        let mut node = NodeSession::new(node_key.clone(), eph, Init::default(), None, 0);
        let mut peer = String::new();
        let mut buf = vec![0u8; 1 << 16];
        while !node.is_closed() {
            match sock.read(&mut buf) {
                Ok(0) | Err(_) => node.connection_lost(),
                Ok(n) => node.receive(&buf[..n], 0),
            }
            while let Some(e) = node.poll_event() {
                match e {
                    NodeEvent::Connected { peer: p } => peer = lncommando::hex::encode(&p),
                    NodeEvent::Request { id, body } => {
                        let now = start.elapsed().as_millis() as u64;
                        let unix = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map_or(0, |d| d.as_secs());
                        let reply = match commando.check(&body, &peer, unix, now) {
                            Ok(req) => answer(&req, &node_id),
                            Err(refusal) => refusal,
                        };
                        node.reply(id, &reply);
                    }
                    _ => {}
                }
            }
            while let Some(b) = node.poll_transmit() {
                if sock.write_all(&b).is_err() {
                    node.connection_lost();
                }
            }
        }
    }
}

/// Two methods, for a request commando's checks let through.
fn answer(req: &CheckedRequest, node_id: &str) -> Vec<u8> {
    match req.method.as_str() {
        "getinfo" => req.result_reply(
            format!(
                r#"{{"id":"{node_id}","alias":"lncommando-demo","num_peers":0,"version":"demo"}}"#
            )
            .as_bytes(),
        ),
        "echo" => req.result_reply(&req.params),
        m => req.error_reply(-32601, &format!("Unknown command '{m}'"), None),
    }
}

fn embedded() -> Res<()> {
    let node_key = Keypair::random().map_err(|e| e.to_string())?;
    let node_id = *node_key.public_key();
    let master = MasterRune::new(b"lncommando demo node secret").map_err(|e| e.to_string())?;
    let rune = master
        .mint(Some("0"), None, &[])
        .map_err(|e| e.to_string())?
        .encode();
    let readonly = master
        .mint(
            Some("1"),
            None,
            &[Restriction::parse("method^list|method^get").map_err(|e| e.to_string())?],
        )
        .map_err(|e| e.to_string())?;
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener
        .local_addr()
        .map_err(|e| e.to_string())?
        .to_string();
    let verifier = MasterRune::new(b"lncommando demo node secret").map_err(|e| e.to_string())?;
    std::thread::spawn(move || serve(listener, node_key, verifier));

    println!(
        "embedded node {} listening on {addr}",
        lncommando::hex::encode(&node_id)
    );
    println!("rune (unrestricted): {rune}");
    println!(
        "read-only rune: {} ({})",
        readonly.encode(),
        readonly.to_readable().split_once(':').map_or("", |p| p.1)
    );
    let started = Instant::now();
    let mut client = Client::connect(&addr, &node_id)?;
    let (reply, outcome) = client.call("getinfo", "{}", &rune)?;
    println!(
        "connected, handshake + init + getinfo in {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    show("getinfo", &reply, &outcome);

    let big = format!("[\"{}\"]", "x".repeat(300_000));
    let t = Instant::now();
    let (reply, outcome) = client.call("echo", &big, &rune)?;
    let Outcome::Result { result } = &outcome else {
        return Err("echo failed".into());
    };
    let same = reply[result.clone()] == *big.as_bytes();
    println!(
        "echo of a 300 KB multi-part request: {} in {:.1} ms",
        if same {
            "came back equal"
        } else {
            "came back DIFFERENT"
        },
        t.elapsed().as_secs_f64() * 1e3
    );
    let (reply, outcome) = client.call("echo", "[1]", &readonly.encode())?;
    show("echo with the read-only rune", &reply, &outcome);
    let (reply, outcome) = client.call("nosuchmethod", "{}", &rune)?;
    show("nosuchmethod", &reply, &outcome);
    client.session.close(CloseReason::Local);
    if same {
        Ok(())
    } else {
        Err("echo mismatch".into())
    }
}
