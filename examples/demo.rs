//! The protocol core end to end over loopback TCP: a client [`Session`] talks to a node.
//!
//! With no arguments, it starts an embedded node (the core's [`NodeSession`] with a few lines of
//! commando: runes minted from a master secret and checked on every request, `getinfo` and
//! `echo`), then connects, calls `getinfo`, sends a 300 KB multi-part `echo`, and shows a
//! read-only rune refused for a method it does not allow.
//!
//! Against a real Core Lightning node (its TCP port, usually 9735):
//! `cargo run --release --example demo -- HOST:PORT NODE_ID RUNE [METHOD [PARAMS_JSON]]`
//!
//! The browser library (a later part of lncommando) uses the same core over WebSocket.

use lncommando::commando::Outcome;
use lncommando::node::{NodeEvent, NodeSession};
use lncommando::rune::{MasterRune, Restriction, Rune};
use lncommando::session::{CloseReason, Config, Event, Session};
use lncommando::transport::Keypair;
use lncommando::wire::Init;
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
            from_commando,
            ..
        } => {
            let who = if *from_commando {
                "commando"
            } else {
                "the method"
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

/// The embedded node: one thread, one connection at a time, commando with runes.
fn serve(listener: TcpListener, node_key: Keypair, master: MasterRune) {
    let node_id = lncommando::hex::encode(node_key.public_key());
    for stream in listener.incoming() {
        let Ok(mut sock) = stream else { continue };
        sock.set_nodelay(true).ok();
        let eph = Keypair::random().expect("randomness");
        let mut node = NodeSession::new(node_key.clone(), eph, Init::default(), None, 0);
        let mut buf = vec![0u8; 1 << 16];
        while !node.is_closed() {
            match sock.read(&mut buf) {
                Ok(0) | Err(_) => node.connection_lost(),
                Ok(n) => node.receive(&buf[..n], 0),
            }
            while let Some(e) = node.poll_event() {
                if let NodeEvent::Request { id, body } = e {
                    let reply = answer(&body, &master, &node_id);
                    node.reply(id, reply.as_bytes());
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

/// Commando's checks and two methods, on requests parsed with a few string searches: enough
/// for a demo (the real test node parses JSON properly).
fn answer(body: &[u8], master: &MasterRune, node_id: &str) -> String {
    let text = String::from_utf8_lossy(body);
    let field = |name: &str| -> Option<String> {
        let key = format!("\"{name}\":\"");
        let start = text.find(&key)? + key.len();
        Some(text[start..].split('"').next()?.to_string())
    };
    let (Some(method), Some(rune), Some(json_id)) = (field("method"), field("rune"), field("id"))
    else {
        return r#"{"error":{"code":19536,"message":"missing method, rune or id"}}"#.into();
    };
    let Ok(rune) = Rune::decode(&rune) else {
        return r#"{"error":{"code":19536,"message":"Invalid rune"}}"#.into();
    };
    let fields = |f: &str| (f == "method").then(|| method.clone());
    if let Err(why) = master.check(&rune, &mut { fields }) {
        return format!(
            r#"{{"error":{{"code":19537,"message":"Invalid rune: Not permitted: {why}"}}}}"#
        );
    }
    let result = match method.as_str() {
        "getinfo" => format!(
            r#"{{"id":"{node_id}","alias":"lncommando-demo","num_peers":0,"version":"demo"}}"#
        ),
        "echo" => {
            let start = text.find("\"params\":").map_or(0, |i| i + 9);
            let end = text.find(",\"rune\":").unwrap_or(start);
            text[start..end].to_string()
        }
        _ => {
            return format!(
                r#"{{"jsonrpc":"2.0","id":"{json_id}","error":{{"code":-32601,"message":"Unknown command '{method}'"}}}}"#
            );
        }
    };
    format!(r#"{{"jsonrpc":"2.0","id":"{json_id}","result":{result}}}"#)
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
