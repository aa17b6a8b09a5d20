//! `lncommando-testnode`: a local node that speaks Core Lightning's protocol on the wire (BOLT 8,
//! BOLT 1, commando with runes) over WebSocket and plain TCP, for the demo, the browser tests and
//! the benchmarks, and for front-end developers who want a node without running Lightning.
//!
//! This binary is a shell: it moves bytes between sockets and the protocol core's
//! [`NodeSession`], keeps time, and runs the methods in [`methods`]. Request checking (commando's
//! rules and runes) is the core's [`lncommando::node::Commando`].

mod methods;

use futures_util::{SinkExt, StreamExt};
use lncommando::commando::encode_chunk;
use lncommando::hex;
use lncommando::node::{Commando, NodeEvent, NodeSession};
use lncommando::rune::{MasterRune, Restriction};
use lncommando::transport::Keypair;
use lncommando::wire::Init;
use lncommando::wire::msg_type::{COMMANDO_REPLY_CONTINUES, COMMANDO_REPLY_TERMINATES};
use methods::{Answer, Fault, NodeState};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as WsMessage;

const USAGE: &str =
    "usage: lncommando-testnode [--ws ADDR] [--tcp ADDR] [--no-ws] [--no-tcp] [--secret HEX]
       [--info-file PATH] [--split none|random] [--ping-ms N] [--fault MODE] [--echo ADDR]

  --ws ADDR        WebSocket listener (default 127.0.0.1:9736; port 0 picks a free port)
  --tcp ADDR       plain TCP (BOLT 8) listener (default 127.0.0.1:9735)
  --no-ws/--no-tcp turn a listener off
  --echo ADDR      also a plain WebSocket echo (no BOLT 8, no commando: each message back as it
                   came), the benchmark's round-trip ceiling; its URL is echo_url in the info
  --secret HEX     32-byte node key (random otherwise; the runes derive from it)
  --info-file PATH write the connection details (also printed on stdout) as JSON once listening
  --split MODE     random: cut outgoing bytes into random-sized WebSocket frames / TCP writes
  --ping-ms N      ping a client idle for N ms, drop it if still silent after as long again
                   (default 60000, as Core Lightning)
  --fault MODE     misbehave on every connection: close-mid-reply, corrupt-mac, never-answer,
                   unknown-even, warning-close, stall-handshake, oversize-reply, ping-flood,
                   ping-bomb, endless-continues, tiny-chunks, empty-chunks, drop-then-stall,
                   warn-at-init, stop-reading
                   (the method dev-fault {\"mode\": MODE, \"count\": N} does the same for one
                   connection; N: pings, bytes, chunks or milliseconds, per mode)";

/// How the faults' replies that never end begin: a result string, continued by `x`s.
const ENDLESS_HEAD: &[u8] = br#"{"jsonrpc":"2.0","result":"x"#;

struct Args {
    ws: Option<String>,
    tcp: Option<String>,
    echo: Option<String>,
    secret: Option<[u8; 32]>,
    info_file: Option<String>,
    split_random: bool,
    ping_ms: u64,
    fault: Option<Fault>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        ws: Some("127.0.0.1:9736".into()),
        tcp: Some("127.0.0.1:9735".into()),
        echo: None,
        secret: None,
        info_file: None,
        split_random: false,
        ping_ms: 60_000,
        fault: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--ws" => a.ws = Some(value()?),
            "--tcp" => a.tcp = Some(value()?),
            "--no-ws" => a.ws = None,
            "--no-tcp" => a.tcp = None,
            "--echo" => a.echo = Some(value()?),
            "--secret" => {
                a.secret = Some(hex::decode_array(&value()?).map_err(|e| format!("--secret: {e}"))?)
            }
            "--info-file" => a.info_file = Some(value()?),
            "--split" => {
                a.split_random = match value()?.as_str() {
                    "random" => true,
                    "none" => false,
                    other => return Err(format!("--split: unknown mode {other}")),
                }
            }
            "--ping-ms" => a.ping_ms = value()?.parse().map_err(|_| "--ping-ms: not a number")?,
            "--fault" => {
                let m = value()?;
                a.fault =
                    Some(Fault::parse(&m).ok_or_else(|| format!("--fault: unknown mode {m}"))?)
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if a.ws.is_none() && a.tcp.is_none() {
        return Err("nothing to listen on (--no-ws and --no-tcp)".into());
    }
    Ok(a)
}

/// What every connection shares.
struct Shared {
    key: Keypair,
    commando: Mutex<Commando>,
    /// The unique id `createrune` gives next (0 and 1 are the printed runes).
    next_rune_id: std::sync::atomic::AtomicU64,
    state: Mutex<NodeState>,
    split_random: bool,
    ping_ms: u64,
    fault: Option<Fault>,
    start: Instant,
    /// Fault drop-then-stall: every handshake stalls until this time (ms since start).
    stall_until: std::sync::atomic::AtomicU64,
}

impl Shared {
    fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = rt.block_on(run(args)) {
        eprintln!("lncommando-testnode: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), String> {
    let secret = match args.secret {
        Some(s) => s,
        None => {
            let mut s = [0u8; 32];
            loop {
                getrandom::fill(&mut s).map_err(|e| e.to_string())?;
                if Keypair::from_secret(&s).is_ok() {
                    break s;
                }
            }
        }
    };
    let key = Keypair::from_secret(&secret).map_err(|_| "--secret is not a valid secp256k1 key")?;
    let master = MasterRune::new(&methods::rune_secret(&secret)).map_err(|e| e.to_string())?;
    let rune = master
        .mint(Some("0"), None, &[])
        .map_err(|e| e.to_string())?;
    let readonly = Restriction::parse("method^list|method^get").map_err(|e| e.to_string())?;
    let readonly = master
        .mint(Some("1"), None, &[readonly])
        .map_err(|e| e.to_string())?;
    let node_id = hex::encode(key.public_key());

    // The listeners asked for, each named by its flag in an error.
    async fn listen(flag: &str, addr: &Option<String>) -> Result<Option<TcpListener>, String> {
        match addr {
            Some(addr) => TcpListener::bind(addr)
                .await
                .map(Some)
                .map_err(|e| format!("{flag} {addr}: {e}")),
            None => Ok(None),
        }
    }
    let ws = listen("--ws", &args.ws).await?;
    let tcp = listen("--tcp", &args.tcp).await?;
    let echo = listen("--echo", &args.echo).await?;
    let addr = |l: &Option<TcpListener>| l.as_ref().and_then(|l| l.local_addr().ok());
    let mut info = serde_json::json!({
        "node_id": node_id,
        "ws_url": addr(&ws).map(|a| format!("ws://{a}")),
        "tcp": addr(&tcp).map(|a| a.to_string()),
        "rune": rune.encode(),
        "readonly_rune": readonly.encode(),
    });
    if let Some(a) = addr(&echo) {
        info["echo_url"] = format!("ws://{a}").into();
    }
    let text = info.to_string();
    if let Some(path) = &args.info_file {
        // Written whole under a temporary name, then renamed: readers never see half a file.
        let tmp = format!("{path}.tmp");
        std::fs::write(&tmp, &text)
            .and_then(|_| std::fs::rename(&tmp, path))
            .map_err(|e| format!("--info-file {path}: {e}"))?;
    }
    println!("{text}");

    let shared = Arc::new(Shared {
        key,
        commando: Mutex::new(Commando::new(master)),
        next_rune_id: std::sync::atomic::AtomicU64::new(2),
        state: Mutex::new(NodeState::new(&node_id)),
        split_random: args.split_random,
        ping_ms: args.ping_ms,
        fault: args.fault,
        start: Instant::now(),
        stall_until: std::sync::atomic::AtomicU64::new(0),
    });
    if let Some(l) = ws {
        tokio::spawn(accept_loop(l, shared.clone(), true));
    }
    if let Some(l) = tcp {
        tokio::spawn(accept_loop(l, shared.clone(), false));
    }
    if let Some(l) = echo {
        tokio::spawn(echo_loop(l));
    }
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, websocket: bool) {
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            // Out of file descriptors or similar: wait, don't spin.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            // Each connection is its own task: garbage, panics or aborts on one never reach
            // another.
            if let Err(e) = serve(stream, peer, shared, websocket).await {
                eprintln!("{peer}: {e}");
            }
        });
    }
}

/// `--echo`: every message of a WebSocket sent back as it came, and nothing else — no BOLT 8, no
/// commando. The upgrade, the socket options and the write path are the node's own (`serve`), so
/// the benchmark's sequential calls and this echo differ only by the protocol.
async fn echo_loop(listener: TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let Ok(stream) = upgrade_like_core_lightning(stream).await else {
                return;
            };
            let mut ws = tokio_tungstenite::WebSocketStream::from_raw_socket(
                stream,
                tokio_tungstenite::tungstenite::protocol::Role::Server,
                None,
            )
            .await;
            // After a close, reading on sends tungstenite's answer to it and then ends.
            while let Some(Ok(msg)) = ws.next().await {
                if (msg.is_binary() || msg.is_text()) && ws.send(msg).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// Bytes from a client, or its end.
enum Inbound {
    Bytes(Vec<u8>),
    Closed,
}

/// The writing half of a connection.
enum Writer {
    Tcp(tokio::net::tcp::OwnedWriteHalf),
    Ws(futures_util::stream::SplitSink<tokio_tungstenite::WebSocketStream<TcpStream>, WsMessage>),
}

impl Writer {
    /// Writes bytes as one TCP write or one binary frame (or random pieces with --split random).
    async fn write(&mut self, bytes: &[u8], split_random: bool) -> std::io::Result<()> {
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = if split_random {
                (rand_u32() as usize % 3000 + 1).min(rest.len())
            } else {
                rest.len()
            };
            let (piece, tail) = rest.split_at(n);
            match self {
                Writer::Tcp(w) => w.write_all(piece).await?,
                Writer::Ws(w) => w
                    .send(WsMessage::binary(piece.to_vec()))
                    .await
                    .map_err(std::io::Error::other)?,
            }
            rest = tail;
        }
        Ok(())
    }

    async fn close(&mut self) {
        match self {
            Writer::Tcp(w) => {
                let _ = w.shutdown().await;
            }
            Writer::Ws(w) => {
                let _ = w.close().await;
            }
        }
    }
}

fn rand_u32() -> u32 {
    thread_local! {
        static STATE: std::cell::Cell<u64> = std::cell::Cell::new(
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1,
        );
    }
    STATE.with(|s| {
        // xorshift64*: for frame sizes only, nothing secret.
        let mut x = s.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
    })
}

/// The WebSocket upgrade as Core Lightning's `connectd/websocketd.c` does it, so that a client
/// it refuses is refused here too: header names matched case-sensitively (`Upgrade`,
/// `Connection`, `Sec-WebSocket-Version`, `Sec-WebSocket-Key`), the values `websocket` and
/// `Upgrade` found as case-sensitive substrings, the version exactly `13`; a refusal is
/// `HTTP/1.1 400 I only speak websocket` followed by the reason; whatever came after the request
/// in the same read is discarded, as there.
async fn upgrade_like_core_lightning(mut stream: TcpStream) -> Result<TcpStream, String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let head_len = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 2;
        }
        if buf.len() >= 65536 {
            return refuse(
                &mut stream,
                &format!("No header end after {} bytes", buf.len()),
            )
            .await;
        }
        match tokio::time::timeout(Duration::from_secs(60), stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => {
                return refuse(
                    &mut stream,
                    &format!("No header end after {} bytes", buf.len()),
                )
                .await;
            }
        }
    };
    let head = &buf[..head_len];
    let header = |name: &str| -> Option<String> {
        head.split(|&b| b == b'\n').skip(1).find_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let rest = line.strip_prefix(name.as_bytes())?.strip_prefix(b":")?;
            Some(String::from_utf8_lossy(rest).trim_start().to_string())
        })
    };
    if !header("Upgrade").is_some_and(|v| v.contains("websocket")) {
        return refuse(&mut stream, "Upgrade: websocket missing").await;
    }
    if !header("Connection").is_some_and(|v| v.contains("Upgrade")) {
        return refuse(&mut stream, "Connection: Upgrade missing").await;
    }
    if header("Sec-WebSocket-Version").as_deref() != Some("13") {
        return refuse(&mut stream, "Sec-WebSocket-Version: must be 13").await;
    }
    let Some(key) = header("Sec-WebSocket-Key") else {
        return refuse(&mut stream, "Sec-WebSocket-Key missing").await;
    };
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let resp = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    stream
        .write_all(resp.as_bytes())
        .await
        .map_err(|e| format!("websocket upgrade: {e}"))?;
    Ok(stream)
}

async fn refuse(stream: &mut TcpStream, why: &str) -> Result<TcpStream, String> {
    let resp = format!("HTTP/1.1 400 I only speak websocket\r\n\r\n{why}");
    let _ = stream.write_all(resp.as_bytes()).await;
    Err(format!("websocket upgrade refused: {why}"))
}

async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    websocket: bool,
) -> Result<(), String> {
    let (tx, mut rx) = mpsc::channel::<Inbound>(64);
    let mut writer = if websocket {
        let stream = upgrade_like_core_lightning(stream).await?;
        let ws = tokio_tungstenite::WebSocketStream::from_raw_socket(
            stream,
            tokio_tungstenite::tungstenite::protocol::Role::Server,
            None,
        )
        .await;
        let (sink, mut source) = ws.split();
        tokio::spawn(async move {
            while let Some(msg) = source.next().await {
                match msg {
                    // Like Core Lightning: binary frames are one byte stream; text, ping and
                    // pong frames are dropped.
                    Ok(WsMessage::Binary(b)) => {
                        if tx.send(Inbound::Bytes(b.to_vec())).await.is_err() {
                            return;
                        }
                    }
                    Ok(WsMessage::Close(_)) | Err(_) => break,
                    Ok(_) => {}
                }
            }
            let _ = tx.send(Inbound::Closed).await;
        });
        Writer::Ws(sink)
    } else {
        let (mut read, write) = stream.into_split();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 65536];
            loop {
                match read.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(Inbound::Bytes(buf[..n].to_vec())).await.is_err() {
                            return;
                        }
                    }
                }
            }
            let _ = tx.send(Inbound::Closed).await;
        });
        Writer::Tcp(write)
    };
    PeerConnection::new(shared, peer)
        .run(&mut rx, &mut writer)
        .await;
    writer.close().await;
    Ok(())
}

/// One client connection: the node session, this connection's fault mode, delayed replies.
struct PeerConnection {
    shared: Arc<Shared>,
    session: NodeSession,
    fault: Option<Fault>,
    /// The `count` of the fault mode set by dev-fault.
    fault_count: u64,
    /// Fault endless-continues: the requests being answered forever, and bytes sent so far.
    endless: Vec<u64>,
    endless_sent: u64,
    /// Fault ping-flood: stopped reading (until this time, then the connection ends).
    deaf_until: Option<Instant>,
    peer_id: String,
    delayed_tx: mpsc::UnboundedSender<(u64, Vec<u8>)>,
    delayed_rx: mpsc::UnboundedReceiver<(u64, Vec<u8>)>,
    /// As Core Lightning (its `custommsg` hook): one request of a connection runs at a time, in
    /// order; while a slow one (`sleep`) runs, the next ones wait here.
    busy: bool,
    waiting: std::collections::VecDeque<(u64, Vec<u8>)>,
    addr: SocketAddr,
}

impl PeerConnection {
    fn new(shared: Arc<Shared>, addr: SocketAddr) -> PeerConnection {
        let eph = Keypair::random().expect("randomness");
        let init = Init {
            // Core Lightning lists the chain it runs on: regtest here.
            networks: Some(vec![methods::REGTEST_CHAIN_HASH]),
            ..Init::default()
        };
        let session = NodeSession::new(
            shared.key.clone(),
            eph,
            init,
            Some(shared.ping_ms),
            shared.now_ms(),
        );
        let (delayed_tx, delayed_rx) = mpsc::unbounded_channel();
        let stalled = shared.now_ms()
            < shared
                .stall_until
                .load(std::sync::atomic::Ordering::Relaxed);
        PeerConnection {
            fault: if stalled {
                Some(Fault::StallHandshake)
            } else {
                shared.fault
            },
            fault_count: shared.fault.map_or(0, Fault::default_count),
            endless: Vec::new(),
            endless_sent: 0,
            deaf_until: None,
            shared,
            session,
            peer_id: String::new(),
            delayed_tx,
            delayed_rx,
            busy: false,
            waiting: std::collections::VecDeque::new(),
            addr,
        }
    }

    async fn run(mut self, rx: &mut mpsc::Receiver<Inbound>, writer: &mut Writer) {
        loop {
            if let Some(t) = self.deaf_until {
                // Not reading: the client's socket fills up. Ends the connection after a while.
                tokio::time::sleep_until(t.into()).await;
                return;
            }
            let wake = self.session.poll_timeout();
            tokio::select! {
                // Endless continues: a burst per turn, then back to reading.
                _ = std::future::ready(()), if !self.endless.is_empty() => {
                    if !self.endless_burst() {
                        return;
                    }
                }
                inbound = rx.recv() => match inbound {
                    Some(Inbound::Bytes(b)) => {
                        if self.fault == Some(Fault::StallHandshake) {
                            continue; // Never answer act one.
                        }
                        self.session.receive(&b, self.shared.now_ms());
                    }
                    Some(Inbound::Closed) | None => self.session.connection_lost(),
                },
                Some((id, reply)) = self.delayed_rx.recv() => {
                    self.session.reply(id, &reply);
                    self.busy = false;
                }
                // The one timer the session asks for (its keep-alive).
                _ = async {
                    if let Some(at) = wake {
                        tokio::time::sleep_until((self.shared.start + Duration::from_millis(at)).into()).await;
                    }
                }, if wake.is_some() => self.session.handle_timeout(self.shared.now_ms()),
            }
            let mut close_after_flush = false;
            while let Some(event) = self.session.poll_event() {
                match event {
                    NodeEvent::Connected { peer } => {
                        self.peer_id = hex::encode(&peer);
                        if self.fault == Some(Fault::WarnAtInit) {
                            let _ = self.session.send(&lncommando::wire::encode_warning(
                                &[0; 32],
                                "lncommando-testnode: a warning sent with init (fault warn-at-init)",
                            ));
                        }
                    }
                    NodeEvent::Request { id, body } => self.waiting.push_back((id, body)),
                    NodeEvent::Closed(reason) => {
                        if reason.kind() != "closed" {
                            eprintln!("{}: closed: {reason}", self.addr);
                        }
                        close_after_flush = true;
                    }
                    NodeEvent::Ready(_)
                    | NodeEvent::RequestDropped { .. }
                    | NodeEvent::Message { .. } => {}
                    _ => {}
                }
            }
            while !self.busy && !close_after_flush {
                let Some((id, body)) = self.waiting.pop_front() else {
                    break;
                };
                close_after_flush = self.handle(id, &body, writer).await;
            }
            if self.flush(writer).await.is_err() || close_after_flush {
                let _ = self.flush(writer).await;
                return;
            }
        }
    }

    async fn flush(&mut self, writer: &mut Writer) -> std::io::Result<()> {
        while let Some(bytes) = self.session.poll_transmit() {
            writer.write(&bytes, self.shared.split_random).await?;
        }
        Ok(())
    }

    /// Fault endless-continues: one 65 000-byte "continues" chunk (of an [`ENDLESS_HEAD`]'s
    /// string) for each request in turn.
    /// False once 8 GiB have gone.
    fn endless_burst(&mut self) -> bool {
        let body = vec![b'x'; 65000];
        for &id in &self.endless {
            let msg = encode_chunk(COMMANDO_REPLY_CONTINUES, id, &body);
            if self.session.send(&msg).is_err() {
                return false;
            }
            self.endless_sent += body.len() as u64;
        }
        self.endless_sent < 8 << 30
    }

    /// Sends `count` messages built by `msg`, flushing every so often; false on a write error.
    async fn send_many(
        &mut self,
        writer: &mut Writer,
        count: u64,
        msg: impl Fn(u64) -> Vec<u8>,
    ) -> bool {
        for i in 0..count {
            if self.session.send(&msg(i)).is_err() {
                return false;
            }
            if i % 4096 == 4095 && self.flush(writer).await.is_err() {
                return false;
            }
        }
        self.flush(writer).await.is_ok()
    }

    /// The encrypted bytes of a reply, taken instead of sent (for the faults that tamper).
    fn reply_bytes(&mut self, id: u64, reply: &[u8]) -> Vec<u8> {
        self.session.reply(id, reply);
        let mut bytes = Vec::new();
        while let Some(b) = self.session.poll_transmit() {
            bytes.extend(b);
        }
        bytes
    }

    /// `createrune` as Core Lightning's (lightningd/runes.c): a new rune with the next unique id
    /// and the restrictions given (arrays of alternatives, or `"readonly"`), or more
    /// restrictions on a given rune; the warning when it has none of its own.
    fn createrune(&self, params: &[u8]) -> Answer {
        let p: serde_json::Value = serde_json::from_slice(params).unwrap_or_default();
        let (rune, restrictions) = match &p {
            serde_json::Value::Array(a) => (a.first().cloned(), a.get(1).cloned()),
            _ => (p.get("rune").cloned(), p.get("restrictions").cloned()),
        };
        let bad = |what: &str| Answer::Error(-32602, what.to_string());
        let restrs = match restrictions {
            None => Vec::new(),
            Some(serde_json::Value::String(s)) if s == "readonly" => vec![
                "method^list|method^get|method=summary".to_string(),
                "method/listdatastore".to_string(),
            ],
            Some(serde_json::Value::Array(list)) => {
                let mut out = Vec::new();
                for r in &list {
                    let Some(alts) = r.as_array() else {
                        return bad(&format!(
                            "restrictions: not a valid restriction (should be array): invalid token '{r}'"
                        ));
                    };
                    let alts: Option<Vec<String>> = alts
                        .iter()
                        .map(|a| {
                            a.as_str().map(|t| {
                                t.replace('\\', "\\\\")
                                    .replace('|', "\\|")
                                    .replace('&', "\\&")
                            })
                        })
                        .collect();
                    let Some(alts) = alts else {
                        return bad(&format!(
                            "restrictions: not a valid restriction (should be array): invalid token '{r}'"
                        ));
                    };
                    out.push(alts.join("|"));
                }
                out
            }
            Some(other) => {
                return bad(&format!(
                    "restrictions: not a valid restriction (should be array): invalid token '{other}'"
                ));
            }
        };
        let mut parsed = Vec::new();
        for r in &restrs {
            match Restriction::parse(r) {
                Ok(r) if !r.is_unique_id() => parsed.push(r),
                _ => {
                    return bad(&format!(
                        "restrictions: not a valid restriction (should be array): invalid token '{r}'"
                    ));
                }
            }
        }
        let commando = self.shared.commando.lock().expect("commando lock");
        let minted = match rune.as_ref().and_then(serde_json::Value::as_str) {
            Some(text) => lncommando::rune::Rune::decode(text).and_then(|mut r| {
                for x in parsed {
                    r.add_restriction(x)?;
                }
                Ok(r)
            }),
            None => {
                let id = self
                    .shared
                    .next_rune_id
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                commando.master().mint(Some(&id.to_string()), None, &parsed)
            }
        };
        let rune = match minted {
            Ok(r) => r,
            Err(e) => return bad(&format!("rune: {e}")),
        };
        let mut v = serde_json::json!({
            "rune": rune.encode(),
            "unique_id": rune.unique_id().unwrap_or_default(),
        });
        if rune.restrictions().len() <= 1 {
            v["warning_unrestricted_rune"] = "WARNING: This rune has no restrictions! Anyone who has access to this rune could drain funds from your node. Be careful when giving this to apps that you don't trust. Consider using the restrictions parameter to only allow access to specific rpc methods.".into();
        }
        Answer::Result(v)
    }

    /// Runs one request. Returns true when the connection must close.
    async fn handle(&mut self, id: u64, body: &[u8], writer: &mut Writer) -> bool {
        let now_ms = self.shared.now_ms();
        let unix_secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let checked = self.shared.commando.lock().expect("commando lock").check(
            body,
            &self.peer_id,
            unix_secs,
            now_ms,
        );
        let req = match checked {
            Ok(req) => req,
            Err(reply) => {
                self.session.reply(id, &reply);
                return false;
            }
        };
        if self.fault == Some(Fault::NeverAnswer) {
            return false;
        }
        let outcome = if req.method == "createrune" {
            self.createrune(&req.params)
        } else {
            methods::call(&self.shared.state, &req)
        };
        let result =
            |v: &serde_json::Value| req.result_reply(&methods::filtered(v, req.filter.as_deref()));
        let (reply, after) = match outcome {
            Answer::Result(v) => (result(&v), None),
            Answer::Error(code, message) => (req.error_reply(code, &message, None), None),
            Answer::Delayed(ms, v) => {
                let reply = match v {
                    Ok(v) => result(&v),
                    Err((code, message)) => req.error_reply(code, &message, None),
                };
                let tx = self.delayed_tx.clone();
                self.busy = true;
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    let _ = tx.send((id, reply));
                });
                return false;
            }
            Answer::SetFault(fault, count, v) => {
                self.fault_count = count;
                (result(&v), Some(fault))
            }
        };
        match self.fault {
            Some(Fault::CloseMidReply) => {
                let bytes = self.reply_bytes(id, &reply);
                let _ = writer
                    .write(&bytes[..bytes.len() / 2], self.shared.split_random)
                    .await;
                return true;
            }
            Some(Fault::CorruptMac) => {
                let mut bytes = self.reply_bytes(id, &reply);
                let last = bytes.len() - 1;
                bytes[last] ^= 0x80;
                let _ = writer.write(&bytes, self.shared.split_random).await;
                return false;
            }
            Some(Fault::OversizeReply) => {
                // A reply that never ends: the start of a result string, then 65000-byte
                // "continues" chunks of it until the client hangs up (or 4 GiB, whichever is
                // first). Valid JSON so far: the client's cap ends it, not its JSON check.
                let head = encode_chunk(COMMANDO_REPLY_CONTINUES, id, ENDLESS_HEAD);
                let chunk =
                    lncommando::commando::frame_reply(id, &vec![b'x'; 2 * 65000]).swap_remove(0);
                if self.session.send(&head).is_err() {
                    return true;
                }
                for _ in 0..(4u64 << 30) / 65000 {
                    if self.session.send(&chunk).is_err() || self.flush(writer).await.is_err() {
                        return true;
                    }
                }
                return true;
            }
            Some(Fault::EndlessContinues) => {
                // The start of a result string, so that the client's budget ends it, not its
                // JSON check; then the bursts.
                let head = encode_chunk(COMMANDO_REPLY_CONTINUES, id, ENDLESS_HEAD);
                if self.session.send(&head).is_err() {
                    return true;
                }
                self.endless.push(id);
                return false;
            }
            Some(Fault::TinyChunks) => {
                // A valid reply whose result is a string of `count` bytes, one byte a chunk.
                let n = usize::try_from(self.fault_count).unwrap_or(usize::MAX);
                let big = req.result_reply(format!("\"{}\"", "x".repeat(n)).as_bytes());
                let last = big.len() - 1;
                if !self
                    .send_many(writer, last as u64, |i| {
                        encode_chunk(
                            COMMANDO_REPLY_CONTINUES,
                            id,
                            &big[i as usize..i as usize + 1],
                        )
                    })
                    .await
                {
                    return true;
                }
                let _ =
                    self.session
                        .send(&encode_chunk(COMMANDO_REPLY_TERMINATES, id, &big[last..]));
                return false;
            }
            Some(Fault::EmptyChunks) => {
                let n = self.fault_count;
                if !self
                    .send_many(writer, n, |_| {
                        encode_chunk(COMMANDO_REPLY_CONTINUES, id, b"")
                    })
                    .await
                {
                    return true;
                }
                self.session.reply(id, &reply);
                return false;
            }
            _ => self.session.reply(id, &reply),
        }
        if let Some(fault) = after {
            self.fault = Some(fault);
            match fault {
                Fault::UnknownEven => {
                    let _ = self.session.send(&[0x80, 0x02, 0, 0]);
                }
                Fault::PingFlood => {
                    let n = self.fault_count;
                    let _ = self
                        .send_many(writer, n, |_| lncommando::wire::encode_ping(65531, 0))
                        .await;
                    self.deaf_until = Some(Instant::now() + Duration::from_secs(20));
                }
                Fault::StopReading => {
                    self.deaf_until = Some(Instant::now() + Duration::from_secs(20));
                }
                Fault::PingBomb => {
                    // Every ping in one write: one WebSocket frame.
                    let _ = self.flush(writer).await;
                    let mut bytes = Vec::new();
                    for _ in 0..self.fault_count {
                        let _ = self.session.send(&lncommando::wire::encode_ping(65531, 0));
                        while let Some(b) = self.session.poll_transmit() {
                            bytes.extend(b);
                        }
                    }
                    if writer.write(&bytes, false).await.is_err() {
                        return true;
                    }
                }
                Fault::DropThenStall => {
                    let until = self.shared.now_ms() + self.fault_count;
                    self.shared
                        .stall_until
                        .store(until, std::sync::atomic::Ordering::Relaxed);
                    return true;
                }
                Fault::WarningClose => {
                    let _ = self.session.send(&lncommando::wire::encode_warning(
                        &[0; 32],
                        "lncommando-testnode: closing the connection (fault warning-close)",
                    ));
                    return true;
                }
                _ => {}
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn echo_sends_each_message_back_as_it_came() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}", listener.local_addr().unwrap());
        tokio::spawn(echo_loop(listener));
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let t = Duration::from_secs(10);
        for m in [
            WsMessage::binary(vec![7u8; 128]),
            WsMessage::binary(vec![]),
            WsMessage::binary((0..70_000).map(|i| i as u8).collect::<Vec<_>>()),
            WsMessage::text("text too"),
        ] {
            ws.send(m.clone()).await.unwrap();
            let back = tokio::time::timeout(t, ws.next()).await.unwrap();
            assert_eq!(back.unwrap().unwrap(), m);
        }
        ws.close(None).await.unwrap();
        let end = tokio::time::timeout(t, ws.next()).await.unwrap();
        assert!(
            matches!(end, Some(Ok(WsMessage::Close(_))) | None),
            "{end:?}"
        );
    }
}
