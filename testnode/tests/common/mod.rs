//! Helpers for suites that need a node: start `lncommando-testnode` on free loopback ports and
//! read its info file, or target a real node when `LNC_URL`, `LNC_NODE_ID` and `LNC_RUNE` are
//! set (then `Node::real` is true and test-node-only cases are skipped).

#![allow(dead_code)]

use futures_util::{SinkExt, StreamExt};
use lncommando::transport::Keypair;
use lncommando::{Config, Event, Session};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A node to test against.
pub struct Node {
    child: Option<Child>,
    /// Its id.
    pub node_id: [u8; 33],
    /// Its WebSocket URL.
    pub ws_url: String,
    /// Its TCP address (test node only).
    pub tcp: Option<String>,
    /// A rune allowing everything.
    pub rune: String,
    /// A rune allowing get*/list* only (test node only).
    pub readonly_rune: Option<String>,
    /// True for a real node from `LNC_*`.
    pub real: bool,
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn info_path() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    std::env::temp_dir().join(format!(
        "lncommando-testnode-{}-{}.json",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Starts the test node on port 0 (both listeners) with extra arguments, and waits for its
/// info file.
pub fn start(extra: &[&str]) -> Node {
    let path = info_path();
    let _ = std::fs::remove_file(&path);
    let child = Command::new(env!("CARGO_BIN_EXE_lncommando-testnode"))
        .args(["--ws", "127.0.0.1:0", "--tcp", "127.0.0.1:0", "--info-file"])
        .arg(&path)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start lncommando-testnode");
    let deadline = Instant::now() + Duration::from_secs(20);
    let text = loop {
        if let Ok(t) = std::fs::read_to_string(&path) {
            break t;
        }
        assert!(
            Instant::now() < deadline,
            "the test node did not write its info file"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = std::fs::remove_file(&path);
    let v: serde_json::Value = serde_json::from_str(&text).expect("info file is JSON");
    Node {
        child: Some(child),
        node_id: hex::decode(v["node_id"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap(),
        ws_url: v["ws_url"].as_str().unwrap().to_string(),
        tcp: v["tcp"].as_str().map(String::from),
        rune: v["rune"].as_str().unwrap().to_string(),
        readonly_rune: v["readonly_rune"].as_str().map(String::from),
        real: false,
    }
}

/// Whether a real node is targeted (`LNC_URL` set and not empty).
pub fn real_node() -> bool {
    std::env::var("LNC_URL").is_ok_and(|v| !v.is_empty())
}

/// The real node from `LNC_URL`/`LNC_NODE_ID`/`LNC_RUNE` if set, else a fresh test node.
pub fn target() -> Node {
    match (
        std::env::var("LNC_URL"),
        std::env::var("LNC_NODE_ID"),
        std::env::var("LNC_RUNE"),
    ) {
        (Ok(url), Ok(id), Ok(rune)) => Node {
            child: None,
            node_id: hex::decode(id)
                .expect("LNC_NODE_ID is hex")
                .try_into()
                .expect("LNC_NODE_ID is 33 bytes"),
            ws_url: url,
            tcp: None,
            rune,
            readonly_rune: None,
            real: true,
        },
        _ => start(&[]),
    }
}

/// A client session over a WebSocket.
pub struct WsClient {
    pub session: Session,
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    start: Instant,
    closed: bool,
}

impl WsClient {
    /// Connects and starts the handshake (not waiting for it).
    pub async fn connect(node: &Node) -> WsClient {
        Self::connect_with(node, Config::default()).await
    }

    pub async fn connect_with(node: &Node, config: Config) -> WsClient {
        let (ws, _) = tokio_tungstenite::connect_async(node.ws_url.as_str())
            .await
            .expect("websocket connect");
        let session = Session::new(
            config,
            Keypair::random().unwrap(),
            &node.node_id,
            Keypair::random().unwrap(),
            1000,
            0,
        )
        .unwrap();
        WsClient {
            session,
            ws,
            start: Instant::now(),
            closed: false,
        }
    }

    fn now(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    /// Sends what the session has, then waits (up to `timeout`) for bytes and feeds them.
    /// Returns false on timeout.
    pub async fn step(&mut self, timeout: Duration) -> bool {
        while let Some(b) = self.session.poll_transmit() {
            if self.ws.send(Message::binary(b)).await.is_err() {
                self.session.connection_lost();
            }
        }
        if self.closed {
            return true;
        }
        match tokio::time::timeout(timeout, self.ws.next()).await {
            Err(_) => {
                let now = self.now();
                self.session.handle_timeout(now);
                false
            }
            Ok(Some(Ok(Message::Binary(b)))) => {
                let now = self.now();
                self.session.receive(&b, now);
                true
            }
            Ok(Some(Ok(_))) => true,
            Ok(None) | Ok(Some(Err(_))) => {
                self.closed = true;
                self.session.connection_lost();
                true
            }
        }
    }

    /// The next event, waiting up to `timeout` in all.
    pub async fn next_event(&mut self, timeout: Duration) -> Option<Event> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(e) = self.session.poll_event() {
                return Some(e);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            self.step(left).await;
        }
    }

    /// Waits for an event matching `want`, skipping others; panics after `timeout`.
    pub async fn wait_for(&mut self, timeout: Duration, want: impl Fn(&Event) -> bool) -> Event {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next_event(left).await {
                Some(e) if want(&e) => return e,
                Some(_) => {}
                None => panic!("timed out waiting for an event"),
            }
        }
    }

    /// Runs one call to its reply or failure.
    pub async fn call(&mut self, method: &str, params: &str, rune: &str) -> Event {
        let id = self
            .session
            .request(method, params, rune, None)
            .expect("valid request");
        self.wait_for(
            Duration::from_secs(30),
            |e| matches!(e, Event::Reply { id: i, .. } | Event::Failed { id: i, .. } if *i == id),
        )
        .await
    }
}
