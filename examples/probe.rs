//! Sends commando requests to a node over TCP exactly as given, malformed ones included, and
//! prints what comes back: the differential suite (`tests/differential/run.mjs`) runs the same
//! cases against the test node and a real Core Lightning and compares.
//!
//! Input on stdin (JSON): `{"addr": "HOST:PORT", "node_id": HEX, "private_key": HEX,
//! "cases": [{"name": …, "chunks": [{"id": N, "last": BOOL, "text": STR, "repeat": N?}],
//! "expect": [N, …], "wait_ms": N}]}`. Each case runs on a fresh connection (with the given
//! key, so the client's node id is known); a chunk is `text` repeated `repeat` times (default
//! once) sent as one commando message of request `id`; `expect` lists the ids whose replies are
//! awaited, for up to `wait_ms`.
//!
//! Output on stdout: one JSON line per case, `{"name": …, "replies": {"N": REPLY_JSON or
//! null}, "order": [ids in the order their replies came], "ms": {ID: ms after sending, to 0.1 ms}, "closed": REASON or null}`.

use lncommando::transport::Keypair;
use lncommando::{Config, Event, Session};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

type Res<T> = Result<T, String>;

fn main() {
    if let Err(e) = run() {
        eprintln!("probe: {e}");
        std::process::exit(1);
    }
}

fn run() -> Res<()> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_str(&input).map_err(|e| format!("input: {e}"))?;
    let addr = v["addr"].as_str().ok_or("addr")?;
    let node_id = lncommando::hex::decode_array::<33>(v["node_id"].as_str().ok_or("node_id")?)
        .map_err(|e| format!("node_id: {e}"))?;
    let key = lncommando::hex::decode_array::<32>(v["private_key"].as_str().ok_or("private_key")?)
        .map_err(|e| format!("private_key: {e}"))?;
    let mut out = std::io::stdout().lock();
    for case in v["cases"].as_array().ok_or("cases")? {
        let r = run_case(addr, &node_id, &key, case)?;
        writeln!(out, "{r}").map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn run_case(addr: &str, node_id: &[u8; 33], key: &[u8; 32], case: &Value) -> Res<Value> {
    let name = case["name"].as_str().unwrap_or("?");
    let mut sock = TcpStream::connect(addr).map_err(|e| format!("{addr}: {e}"))?;
    sock.set_nodelay(true).ok();
    sock.set_read_timeout(Some(Duration::from_millis(20))).ok();
    let local = Keypair::from_secret(key).map_err(|_| "bad private_key")?;
    let eph = Keypair::random().map_err(|e| e.to_string())?;
    // Plain TCP: no WebSocket reader to shape frames for.
    let config = Config {
        align_frames: false,
        ..Config::default()
    };
    let mut s = Session::new(config, local, node_id, eph, 1, 0).map_err(|_| "bad node_id")?;
    let start = Instant::now();
    let now = |start: Instant| start.elapsed().as_millis() as u64;
    let mut buf = vec![0u8; 1 << 16];
    let mut replies: BTreeMap<u64, Value> = BTreeMap::new();
    let mut order = Vec::new();
    // When each reply arrived, in ms after the requests were sent.
    let mut arrived = serde_json::Map::new();
    let mut sent_at = Instant::now();
    let mut closed = Value::Null;
    let expect: Vec<u64> = case["expect"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    let wait = Duration::from_millis(case["wait_ms"].as_u64().unwrap_or(3000));
    let mut sent = false;
    let mut deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if !sent && s.state() == lncommando::State::Ready {
            for c in case["chunks"].as_array().ok_or("chunks")? {
                let id = c["id"].as_u64().ok_or("chunk id")?;
                let text = c["text"].as_str().unwrap_or("");
                let body = text.repeat(c["repeat"].as_u64().unwrap_or(1) as usize);
                let last = c["last"].as_bool().unwrap_or(true);
                s.send_chunks(id, &[(last, body.as_bytes())], expect.contains(&id))
                    .map_err(|e| e.to_string())?;
            }
            sent = true;
            sent_at = Instant::now();
            deadline = sent_at + wait;
        }
        while let Some(b) = s.poll_transmit() {
            sock.write_all(&b).map_err(|e| e.to_string())?;
        }
        while let Some(e) = s.poll_event() {
            match e {
                Event::Reply { id, reply, .. } => {
                    let v: Value = serde_json::from_slice(&reply)
                        .unwrap_or_else(|_| json!({"unparsed": String::from_utf8_lossy(&reply)}));
                    replies.insert(id, v);
                    order.push(id);
                    let ms = (sent_at.elapsed().as_secs_f64() * 1e4).round() / 10.0;
                    arrived.insert(id.to_string(), json!(ms));
                }
                Event::Failed { id, failure } => {
                    replies.insert(id, json!({"failed": format!("{failure:?}")}));
                }
                Event::Closed(reason) => closed = json!(reason.kind()),
                _ => {}
            }
        }
        let done = sent && expect.iter().all(|id| replies.contains_key(id));
        if done || !closed.is_null() || Instant::now() > deadline {
            break;
        }
        match sock.read(&mut buf) {
            Ok(0) => s.connection_lost(),
            Ok(n) => s.receive(&buf[..n], now(start)),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => s.connection_lost(),
        }
        s.handle_timeout(now(start));
    }
    let mut out = serde_json::Map::new();
    for id in expect {
        out.insert(id.to_string(), replies.remove(&id).unwrap_or(Value::Null));
    }
    Ok(json!({"name": name, "replies": out, "order": order, "ms": arrived, "closed": closed}))
}
