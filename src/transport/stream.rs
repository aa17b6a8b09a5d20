//! The streaming connection: a handshake in either role, then encrypted messages both ways,
//! over bytes that arrive and leave in arbitrary pieces.

use crate::prelude::*;

use super::*;
use alloc::collections::VecDeque;

/// Why a [`Connection`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionError {
    /// During the handshake.
    Handshake(HandshakeError),
    /// After it.
    Transport(TransportError),
}

enum ConnState {
    Handshake(Box<Handshake>),
    Open(Transport),
    Failed,
}

/// A BOLT 8 connection over a byte stream, in either role: the handshake, then encrypted
/// messages both ways. Bytes in through [`Connection::push`], messages out through
/// [`Connection::next_message`]; messages in through [`Connection::send`], bytes out through
/// [`Connection::poll_transmit`].
pub struct Connection {
    state: ConnState,
    outgoing: VecDeque<Vec<u8>>,
    max_transmit: usize,
    remote: Option<[u8; 33]>,
}

impl Connection {
    /// A connection as initiator: act one is ready to transmit.
    pub fn initiator(init: Initiator, max_transmit: usize) -> Connection {
        let (hs, act1) = Handshake::initiator(init);
        let mut c = Connection::new(ConnState::Handshake(Box::new(hs)), max_transmit);
        c.outgoing.push_back(act1.to_vec());
        c
    }

    /// A connection as responder, waiting for act one.
    pub fn responder(resp: Responder, max_transmit: usize) -> Connection {
        Connection::new(
            ConnState::Handshake(Box::new(Handshake::responder(resp))),
            max_transmit,
        )
    }

    fn new(state: ConnState, max_transmit: usize) -> Connection {
        Connection {
            state,
            outgoing: VecDeque::new(),
            max_transmit,
            remote: None,
        }
    }

    /// Whether the handshake is complete (and nothing failed).
    pub fn is_open(&self) -> bool {
        matches!(self.state, ConnState::Open(_))
    }

    /// The peer's static key, once the handshake is complete.
    pub fn remote(&self) -> Option<&[u8; 33]> {
        self.remote.as_ref()
    }

    /// Takes received bytes. Returns true when this call completed the handshake.
    pub fn push(&mut self, bytes: &[u8]) -> Result<bool, ConnectionError> {
        match &mut self.state {
            ConnState::Failed => Ok(false),
            ConnState::Open(t) => {
                t.decryptor.push(bytes);
                Ok(false)
            }
            ConnState::Handshake(hs) => match hs.push(bytes) {
                Ok(HandshakeStep::Pending) => Ok(false),
                Ok(HandshakeStep::Send(b)) => {
                    self.outgoing.push_back(b);
                    Ok(false)
                }
                Ok(HandshakeStep::Done {
                    send,
                    mut transport,
                    remote,
                    leftover,
                }) => {
                    if !send.is_empty() {
                        self.outgoing.push_back(send);
                    }
                    transport.decryptor.push(&leftover);
                    self.remote = Some(remote);
                    self.state = ConnState::Open(*transport);
                    Ok(true)
                }
                Err(e) => {
                    self.state = ConnState::Failed;
                    Err(ConnectionError::Handshake(e))
                }
            },
        }
    }

    /// The next whole message received, if any.
    pub fn next_message(&mut self) -> Result<Option<Vec<u8>>, ConnectionError> {
        match &mut self.state {
            ConnState::Open(t) => t.decryptor.next_message().map_err(|e| {
                self.state = ConnState::Failed;
                ConnectionError::Transport(e)
            }),
            _ => Ok(None),
        }
    }

    /// Encrypts and queues messages to send, back to back. Does nothing before the handshake
    /// completes or after a failure.
    pub fn send<M: AsRef<[u8]>>(&mut self, msgs: &[M]) -> Result<(), TransportError> {
        if let ConnState::Open(t) = &mut self.state {
            let mut out = Vec::new();
            for m in msgs {
                t.encryptor.encrypt_into(m.as_ref(), &mut out)?;
                if out.len() >= self.max_transmit {
                    self.outgoing.push_back(core::mem::take(&mut out));
                }
            }
            if !out.is_empty() {
                self.outgoing.push_back(out);
            }
        }
        Ok(())
    }

    /// Bytes to send: whole packets, coalesced up to `max_transmit` bytes (a single batch may
    /// exceed it by at most one packet).
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        let mut out = self.outgoing.pop_front()?;
        while let Some(next) = self.outgoing.front() {
            if out.len() + next.len() > self.max_transmit {
                break;
            }
            out.extend_from_slice(next);
            self.outgoing.pop_front();
        }
        Some(out)
    }

    /// Everything queued to send, as one piece (however long).
    pub fn take_transmit(&mut self) -> Option<Vec<u8>> {
        let mut out = self.outgoing.pop_front()?;
        while let Some(next) = self.outgoing.pop_front() {
            out.extend_from_slice(&next);
        }
        Some(out)
    }

    /// Bytes waiting in [`Connection::poll_transmit`].
    pub fn transmit_pending(&self) -> usize {
        self.outgoing.iter().map(Vec::len).sum()
    }

    /// The error to report if the stream ends now, during the handshake.
    pub fn eof_error(&self) -> Option<HandshakeError> {
        match &self.state {
            ConnState::Handshake(hs) => Some(hs.eof_error()),
            _ => None,
        }
    }

    /// Stops everything: nothing more is sent or received.
    pub fn shutdown(&mut self) {
        self.state = ConnState::Failed;
        self.outgoing.clear();
    }
}
