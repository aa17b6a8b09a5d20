//! The encrypted packet stream after the handshake: per-direction cipher states with key
//! rotation, [`Encryptor`], [`Decryptor`] and [`Transport`].

use crate::prelude::*;

use super::*;

/// One direction's key, nonce and chaining key; rotates itself every 1000 nonces.
pub(crate) struct CipherState {
    pub(crate) key: [u8; 32],
    pub(crate) ck: [u8; 32],
    pub(crate) n: u64,
}

impl Drop for CipherState {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl CipherState {
    pub(crate) fn new(ck: &[u8; 32], key: &[u8; 32]) -> CipherState {
        CipherState {
            key: *key,
            ck: *ck,
            n: 0,
        }
    }

    /// Overwrites the key and the chaining key (on drop).
    pub(crate) fn wipe(&mut self) {
        self.key.zeroize();
        self.ck.zeroize();
    }

    /// Moves to the next nonce, rotating the key when this one has been used 1000 times.
    pub(crate) fn advance(&mut self) {
        self.n += 1;
        if self.n == ROTATE_AFTER {
            let (ck, k) = hkdf2(&self.ck, &self.key);
            self.ck = *ck;
            self.key = *k;
            self.n = 0;
        }
    }

    fn seal(&mut self, buf: &mut [u8]) -> [u8; 16] {
        let tag = aead_seal(&self.key, self.n, &[], buf);
        self.advance();
        tag
    }

    fn open(&mut self, buf: &mut [u8], tag: &[u8]) -> Result<(), BadTag> {
        aead_open(&self.key, self.n, &[], buf, tag)?;
        self.advance();
        Ok(())
    }
}

/// Our sending direction: turns messages into packets.
pub struct Encryptor {
    pub(crate) cs: CipherState,
}

impl Encryptor {
    /// Appends the packet carrying `msg` (≤ 65535 bytes) to `out`.
    pub fn encrypt_into(&mut self, msg: &[u8], out: &mut Vec<u8>) -> Result<(), TransportError> {
        if msg.len() > MAX_MESSAGE_LEN {
            return Err(TransportError::MessageTooLong(msg.len()));
        }
        out.reserve(HEADER_LEN + msg.len() + TAG_LEN);
        let mut len = (msg.len() as u16).to_be_bytes();
        let tag = self.cs.seal(&mut len);
        out.extend_from_slice(&len);
        out.extend_from_slice(&tag);
        let start = out.len();
        out.extend_from_slice(msg);
        let tag = self.cs.seal(&mut out[start..]);
        out.extend_from_slice(&tag);
        Ok(())
    }

    /// The packet carrying `msg` (≤ 65535 bytes).
    pub fn encrypt(&mut self, msg: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut out = Vec::new();
        self.encrypt_into(msg, &mut out)?;
        Ok(out)
    }
}

/// The peer's direction: takes the byte stream in pieces of any size and yields whole messages.
pub struct Decryptor {
    pub(crate) cs: CipherState,
    /// Received bytes not yet consumed, from `start` on.
    pub(crate) buf: Vec<u8>,
    pub(crate) start: usize,
    /// The body length of the packet being read, once its header has been decrypted.
    pub(crate) body_len: Option<usize>,
    pub(crate) failed: Option<TransportError>,
}

impl Decryptor {
    /// Appends received bytes; any split of the stream is fine.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start > 65536 && self.start * 2 > self.buf.len() {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes received but not yet returned as messages.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The next whole message, if its bytes have all arrived. After an error the stream is dead:
    /// every later call returns the same error.
    pub fn next_message(&mut self) -> Result<Option<Vec<u8>>, TransportError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let r = self.next_inner();
        if let Err(e) = r {
            self.failed = Some(e);
            self.buf = Vec::new();
            self.start = 0;
        }
        r
    }

    fn next_inner(&mut self) -> Result<Option<Vec<u8>>, TransportError> {
        let len = match self.body_len {
            Some(len) => len,
            None => {
                if self.buffered() < HEADER_LEN {
                    return Ok(None);
                }
                let h = &self.buf[self.start..self.start + HEADER_LEN];
                let mut len = [h[0], h[1]];
                self.cs
                    .open(&mut len, &h[2..])
                    .map_err(|_| TransportError::BadLengthTag)?;
                self.start += HEADER_LEN;
                let len = u16::from_be_bytes(len) as usize;
                self.body_len = Some(len);
                len
            }
        };
        if self.buffered() < len + TAG_LEN {
            return Ok(None);
        }
        let body_end = self.start + len;
        let (body, rest) = self.buf[self.start..].split_at_mut(len);
        self.cs
            .open(body, &rest[..TAG_LEN])
            .map_err(|_| TransportError::BadBodyTag)?;
        let msg = self.buf[self.start..body_end].to_vec();
        self.start = body_end + TAG_LEN;
        self.body_len = None;
        Ok(Some(msg))
    }
}

/// Both directions of a connection after the handshake.
pub struct Transport {
    /// Encrypts what we send.
    pub encryptor: Encryptor,
    /// Decrypts what we receive.
    pub decryptor: Decryptor,
}

impl Transport {
    /// A transport from the handshake's final chaining key and the two directions' keys. For
    /// the BOLT 8 vectors, the fuzz targets and the benchmarks only: hidden from the docs.
    #[doc(hidden)]
    pub fn from_keys(ck: &[u8; 32], sk: &[u8; 32], rk: &[u8; 32]) -> Transport {
        Transport {
            encryptor: Encryptor {
                cs: CipherState::new(ck, sk),
            },
            decryptor: Decryptor {
                cs: CipherState::new(ck, rk),
                buf: Vec::new(),
                start: 0,
                body_len: None,
                failed: None,
            },
        }
    }
}
