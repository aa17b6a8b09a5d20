//! The node's side of a connection, as Core Lightning behaves on the wire: responder handshake,
//! its `init` first, pings answered (and sent to an idle peer), commando requests reassembled
//! with commando's limits and replies framed in 65000-byte chunks.
//!
//! It serves the test node, interop tests and anyone building a commando server; a browser
//! build never links it. Deciding what a request means (runes, methods) is the caller's.

use crate::commando::{self, MAX_REQUEST_LEN};
use crate::session::{CloseReason, Keepalive, KeepaliveAction};
use crate::transport::{Connection, Keypair, Responder, TransportError};
use crate::wire::{self, Init, Message, MsgClass};
use std::collections::VecDeque;

/// What a [`NodeSession`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeEvent {
    /// The handshake finished; `peer` is the client's static key (its node id).
    Connected {
        /// The client's node id.
        peer: [u8; 33],
    },
    /// The client's `init` arrived.
    Ready(Init),
    /// A complete commando request.
    Request {
        /// Its request id, to answer with [`NodeSession::reply`].
        id: u64,
        /// Its JSON bytes (not yet validated).
        body: Vec<u8>,
    },
    /// A request dropped without reply, as commando does: it grew past the size limit, or a
    /// chunk of another id replaced it.
    RequestDropped {
        /// The id of the dropped request.
        id: u64,
        /// Why it was dropped.
        why: &'static str,
    },
    /// Any other message after `init` that is not handled here (pongs, custom messages).
    Message {
        /// Its type.
        typ: u16,
        /// Its payload.
        payload: Vec<u8>,
    },
    /// The connection ended.
    Closed(CloseReason),
}

/// The node side of one connection.
pub struct NodeSession {
    conn: Connection,
    ready: bool,
    closed: bool,
    max_request_len: usize,
    /// The one partial request this peer may have: its id and bytes so far.
    partial: Option<(u64, Vec<u8>)>,
    events: VecDeque<NodeEvent>,
    init: Init,
    keepalive: Keepalive,
}

impl NodeSession {
    /// Waits for a client's handshake as the node `local`, with `ephemeral` for this connection.
    /// `init` is the node's own `init`, sent first once the handshake completes.
    /// `keepalive_ms` pings an idle client and drops it if the ping is not answered in time.
    pub fn new(
        local: Keypair,
        ephemeral: Keypair,
        init: Init,
        keepalive_ms: Option<u64>,
        now_ms: u64,
    ) -> NodeSession {
        NodeSession {
            conn: Connection::responder(Responder::new(local, ephemeral), 65536),
            ready: false,
            closed: false,
            max_request_len: MAX_REQUEST_LEN,
            partial: None,
            events: VecDeque::new(),
            init,
            keepalive: Keepalive::new(keepalive_ms, now_ms),
        }
    }

    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<NodeEvent> {
        self.events.pop_front()
    }

    /// Bytes to send.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.conn.poll_transmit()
    }

    /// Takes bytes from the client, in pieces of any size.
    pub fn receive(&mut self, bytes: &[u8], now_ms: u64) {
        if self.closed {
            return;
        }
        self.keepalive.received(now_ms);
        match self.conn.push(bytes) {
            Ok(true) => {
                let peer = self.conn.remote().copied().unwrap_or([0; 33]);
                self.events.push_back(NodeEvent::Connected { peer });
                let _ = self.conn.send(&[self.init.encode()]);
            }
            Ok(false) => {}
            Err(e) => return self.close(e.into()),
        }
        loop {
            match self.conn.next_message() {
                Ok(Some(msg)) => {
                    if let Err(reason) = self.handle(&msg) {
                        // Like Core Lightning: say why, then hang up.
                        let _ = self
                            .conn
                            .send(&[wire::encode_warning(&[0; 32], &reason.to_string())]);
                        return self.close(reason);
                    }
                }
                Ok(None) => return,
                Err(e) => return self.close(e.into()),
            }
        }
    }

    fn handle(&mut self, bytes: &[u8]) -> Result<(), CloseReason> {
        let msg = Message::decode(bytes).map_err(CloseReason::Malformed)?;
        if !self.ready {
            let Message::Init(init) = msg else {
                return Err(CloseReason::NoInit(msg.typ()));
            };
            self.ready = true;
            self.events.push_back(NodeEvent::Ready(init));
            return Ok(());
        }
        match msg {
            Message::Ping(ping) => {
                if let Some(pong) = wire::pong_for(&ping) {
                    self.send(&pong).map_err(CloseReason::Transport)?;
                }
            }
            Message::Commando(c)
                if c.typ == commando::REQUEST_CONTINUES
                    || c.typ == commando::REQUEST_TERMINATES =>
            {
                self.request_chunk(c.id, c.body, c.typ == commando::REQUEST_TERMINATES);
            }
            Message::Unknown { typ, .. } if wire::classify(typ) == MsgClass::UnknownEven => {
                return Err(CloseReason::UnknownEvenMessage(typ));
            }
            Message::Init(_) => {}
            other => self.events.push_back(NodeEvent::Message {
                typ: other.typ(),
                payload: bytes[2..].to_vec(),
            }),
        }
        Ok(())
    }

    fn request_chunk(&mut self, id: u64, chunk: &[u8], last: bool) {
        let mut body = match self.partial.take() {
            Some((pid, body)) if pid == id => body,
            Some((pid, _)) => {
                self.events.push_back(NodeEvent::RequestDropped {
                    id: pid,
                    why: "a chunk of another request arrived",
                });
                Vec::new()
            }
            None => Vec::new(),
        };
        if body.len() + chunk.len() > self.max_request_len {
            self.events.push_back(NodeEvent::RequestDropped {
                id,
                why: "request larger than 1 MiB",
            });
            return;
        }
        body.extend_from_slice(chunk);
        if last {
            self.events.push_back(NodeEvent::Request { id, body });
        } else {
            self.partial = Some((id, body));
        }
    }

    /// Sends the reply to request `id`, in chunks of at most 65000 bytes.
    pub fn reply(&mut self, id: u64, body: &[u8]) {
        // Commando chunks fit in a BOLT 8 message: send cannot fail.
        let _ = self.conn.send(&commando::frame_reply(id, body));
    }

    /// Sends one message (type ‖ payload).
    pub fn send(&mut self, msg: &[u8]) -> Result<(), TransportError> {
        self.conn.send(&[msg])
    }

    /// Advances time: pings an idle client, drops it if the ping goes unanswered.
    pub fn tick(&mut self, now_ms: u64) {
        if !self.ready || self.closed {
            return;
        }
        match self.keepalive.tick(now_ms) {
            KeepaliveAction::Wait => {}
            KeepaliveAction::Ping => {
                let _ = self.send(&wire::encode_ping(4, 0));
            }
            KeepaliveAction::TimedOut => self.close(CloseReason::PingTimeout),
        }
    }

    /// The client's stream ended.
    pub fn connection_lost(&mut self) {
        let reason = match self.conn.eof_error() {
            Some(e) => CloseReason::Handshake(e),
            None => CloseReason::PeerClosed {
                during_init: !self.ready,
            },
        };
        self.close(reason);
    }

    /// Ends the connection; bytes already queued (a warning) can still be transmitted.
    pub fn close(&mut self, reason: CloseReason) {
        if self.closed {
            return;
        }
        self.closed = true;
        self.partial = None;
        self.events.push_back(NodeEvent::Closed(reason));
    }
}
