//! BOLT 8: the Noise_XK_secp256k1_ChaChaPoly_SHA256 handshake and the encrypted packet stream.
//!
//! [`Initiator`] and [`Responder`] run the three acts on whole acts; [`Handshake`] wraps either
//! role for a byte stream that arrives in arbitrary pieces. A finished handshake yields a
//! [`Transport`]: an [`Encryptor`] for our direction and a [`Decryptor`] for theirs, each
//! rotating its own key with its own chaining key every 1000 nonces.
//!
//! Primitives come from crates: secp256k1 from `secp256k1` (libsecp256k1, built with its small
//! tables), ChaCha20-Poly1305 from `chacha20poly1305`, HKDF from `hkdf`, SHA-256 from `sha2`.
//! Every secret is zeroized on drop.

use hkdf::Hkdf;
use secp256k1::{PublicKey, SecretKey, ecdh::SharedSecret};
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use zeroize::{Zeroize, Zeroizing};

mod cipher;
mod handshake;
mod keys;

pub use cipher::{Decryptor, Encryptor, Transport};
pub use handshake::{Handshake, HandshakeStep, Initiator, Responder};
pub use keys::{InvalidKey, Keypair, parse_public_key};
use keys::{ecdh, hkdf2};
use lncommando_aead::{BadTag, open as aead_open, seal as aead_seal};

/// Length of act one and act two.
pub const ACT_ONE_LEN: usize = 50;
/// Length of act two.
pub const ACT_TWO_LEN: usize = 50;
/// Length of act three.
pub const ACT_THREE_LEN: usize = 66;
/// Bytes in front of every message body: the encrypted 2-byte length and its tag.
pub const HEADER_LEN: usize = 18;
/// Length of a Poly1305 tag.
pub const TAG_LEN: usize = 16;
/// Largest message body BOLT 8 can carry.
pub const MAX_MESSAGE_LEN: usize = 65535;
/// A key is rotated after this many uses (500 messages: each uses one nonce for the length and
/// one for the body).
const ROTATE_AFTER: u64 = 1000;

const PROTOCOL_NAME: &[u8] = b"Noise_XK_secp256k1_ChaChaPoly_SHA256";
const PROLOGUE: &[u8] = b"lightning";

/// Why a handshake failed. The names follow BOLT 8's test vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The stream ended before act one was complete.
    Act1ReadFailed,
    /// Act one carried an unknown version byte.
    Act1BadVersion(u8),
    /// Act one's ephemeral key is not a valid secp256k1 point.
    Act1BadPubkey,
    /// Act one's tag did not verify.
    Act1BadTag,
    /// The stream ended before act two was complete.
    Act2ReadFailed,
    /// Act two carried an unknown version byte.
    Act2BadVersion(u8),
    /// Act two's ephemeral key is not a valid secp256k1 point.
    Act2BadPubkey,
    /// Act two's tag did not verify (wrong node id, or a corrupted act).
    Act2BadTag,
    /// The stream ended before act three was complete.
    Act3ReadFailed,
    /// Act three carried an unknown version byte.
    Act3BadVersion(u8),
    /// Act three's encrypted static key did not decrypt.
    Act3BadCiphertext,
    /// Act three's static key is not a valid secp256k1 point.
    Act3BadPubkey,
    /// Act three's final tag did not verify.
    Act3BadTag,
}

impl core::fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use HandshakeError::*;
        match self {
            Act1ReadFailed => f.write_str("connection ended during handshake act one"),
            Act2ReadFailed => f.write_str("connection ended during handshake act two"),
            Act3ReadFailed => f.write_str("connection ended during handshake act three"),
            Act1BadVersion(v) => write!(f, "handshake act one has unknown version {v}"),
            Act2BadVersion(v) => write!(f, "handshake act two has unknown version {v}"),
            Act3BadVersion(v) => write!(f, "handshake act three has unknown version {v}"),
            Act1BadPubkey => f.write_str("handshake act one has an invalid ephemeral key"),
            Act2BadPubkey => f.write_str("handshake act two has an invalid ephemeral key"),
            Act3BadPubkey => f.write_str("handshake act three has an invalid static key"),
            Act1BadTag => f.write_str("handshake act one failed authentication"),
            Act2BadTag => f.write_str(
                "handshake act two failed authentication (wrong node id, or not a Lightning node)",
            ),
            Act3BadCiphertext => f.write_str("handshake act three static key failed to decrypt"),
            Act3BadTag => f.write_str("handshake act three failed authentication"),
        }
    }
}

impl std::error::Error for HandshakeError {}

/// Why the encrypted stream failed after the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportError {
    /// A message longer than 65535 bytes was given to encrypt.
    MessageTooLong(usize),
    /// A packet's length header did not authenticate.
    BadLengthTag,
    /// A packet's body did not authenticate.
    BadBodyTag,
}

impl core::fmt::Display for TransportError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TransportError::MessageTooLong(n) => {
                write!(f, "message of {n} bytes exceeds the 65535-byte limit")
            }
            TransportError::BadLengthTag => f.write_str("packet length failed authentication"),
            TransportError::BadBodyTag => f.write_str("packet body failed authentication"),
        }
    }
}

impl std::error::Error for TransportError {}

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

#[cfg(test)]
mod tests {
    use super::cipher::CipherState;
    use super::*;

    #[test]
    fn secrets_are_wiped_and_never_printed() {
        let mut cs = CipherState::new(&[7; 32], &[9; 32]);
        cs.wipe();
        assert_eq!((cs.key, cs.ck), ([0; 32], [0; 32]));

        let k = Keypair::from_secret(&[0x42; 32]).unwrap();
        let shown = format!("{k:?}");
        assert!(shown.contains("redacted") && !shown.contains(&crate::hex::encode(&[0x42; 32])));
        // The public key is fine to show; the secret's bytes appear nowhere in any form.
        assert!(!shown.contains("4242424242"));
    }

    #[test]
    fn rotation_uses_each_directions_own_chaining_key() {
        // Two directions starting from the same ck but different keys must diverge after
        // rotation exactly as BOLT 8 says: ck', k' = HKDF(ck, k), per direction.
        let mut a = CipherState::new(&[1; 32], &[2; 32]);
        for _ in 0..ROTATE_AFTER {
            a.advance();
        }
        let (ck, k) = hkdf2(&[1; 32], &[2; 32]);
        assert_eq!((a.ck, a.key, a.n), (*ck, *k, 0));
    }
}
