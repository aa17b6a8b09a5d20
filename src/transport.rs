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

/// A secp256k1 key pair: the private key is wiped on drop.
#[derive(Clone)]
pub struct Keypair {
    secret: SecretKey,
    public: [u8; 33],
}

impl Drop for Keypair {
    fn drop(&mut self) {
        self.secret.non_secure_erase();
    }
}

impl core::fmt::Debug for Keypair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Keypair {{ public: {}, secret: <redacted> }}",
            crate::hex::encode(&self.public)
        )
    }
}

/// A private key that is not a valid secp256k1 scalar (zero, or not below the group order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidKey;

impl core::fmt::Display for InvalidKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("not a valid secp256k1 key")
    }
}

impl std::error::Error for InvalidKey {}

impl Keypair {
    /// A key pair from 32 secret bytes.
    pub fn from_secret(secret: &[u8; 32]) -> Result<Keypair, InvalidKey> {
        let secret = SecretKey::from_secret_bytes(*secret).map_err(|_| InvalidKey)?;
        let public = PublicKey::from_secret_key(&secret).serialize();
        Ok(Keypair { secret, public })
    }

    /// A fresh random key pair from the platform's secure random source (the Web Crypto API in
    /// browsers).
    pub fn random() -> Result<Keypair, getrandom::Error> {
        loop {
            let mut bytes = Zeroizing::new([0u8; 32]);
            getrandom::fill(bytes.as_mut())?;
            if let Ok(k) = Keypair::from_secret(&bytes) {
                return Ok(k);
            }
        }
    }

    /// The 33-byte compressed public key (a node id, for a node's key).
    pub fn public_key(&self) -> &[u8; 33] {
        &self.public
    }
}

/// Parses a 33-byte compressed public key (a node id).
pub fn parse_public_key(bytes: &[u8]) -> Result<PublicKey, InvalidKey> {
    let bytes: [u8; 33] = bytes.try_into().map_err(|_| InvalidKey)?;
    if !(bytes[0] == 2 || bytes[0] == 3) {
        return Err(InvalidKey);
    }
    PublicKey::from_byte_array_compressed(bytes).map_err(|_| InvalidKey)
}

/// BOLT 8's ECDH: SHA-256 of the compressed shared point (exactly libsecp256k1's default ECDH).
fn ecdh(secret: &SecretKey, public: &PublicKey) -> Zeroizing<[u8; 32]> {
    let mut shared = SharedSecret::new(public, secret);
    let out = Zeroizing::new(shared.to_secret_bytes());
    shared.non_secure_erase();
    out
}

/// HKDF-SHA256 with `salt` and input `ikm`, empty info, giving two 32-byte keys.
fn hkdf2(salt: &[u8; 32], ikm: &[u8]) -> (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>) {
    let mut okm = Zeroizing::new([0u8; 64]);
    // 64 bytes is far below HKDF-SHA256's 8160-byte limit: expand cannot fail.
    let _ = Hkdf::<Sha256>::new(Some(salt), ikm).expand(&[], okm.as_mut());
    let mut a = Zeroizing::new([0u8; 32]);
    let mut b = Zeroizing::new([0u8; 32]);
    a.copy_from_slice(&okm[..32]);
    b.copy_from_slice(&okm[32..]);
    (a, b)
}

use lncommando_aead::{BadTag, open as aead_open, seal as aead_seal};

/// The symmetric state of the handshake: chaining key, handshake hash, temporary key.
struct Symmetric {
    ck: Zeroizing<[u8; 32]>,
    h: [u8; 32],
    temp_k: Zeroizing<[u8; 32]>,
}

impl Symmetric {
    /// Initializes the state for the responder's static key `rs_pub`.
    fn new(rs_pub: &[u8; 33]) -> Symmetric {
        let ck: [u8; 32] = Sha256::digest(PROTOCOL_NAME).into();
        let mut s = Symmetric {
            ck: Zeroizing::new(ck),
            h: ck,
            temp_k: Zeroizing::new([0u8; 32]),
        };
        s.mix_hash(PROLOGUE);
        s.mix_hash(rs_pub);
        s
    }

    fn mix_hash(&mut self, data: &[u8]) {
        let mut d = Sha256::new();
        d.update(self.h);
        d.update(data);
        self.h = d.finalize().into();
    }

    fn mix_key(&mut self, ss: &[u8; 32]) {
        let (ck, k) = hkdf2(&self.ck, ss);
        self.ck = ck;
        self.temp_k = k;
    }

    /// Encrypts `buf` with the temporary key and the handshake hash as associated data; returns
    /// the tag and mixes the ciphertext into the hash.
    fn seal(&mut self, n: u64, buf: &mut [u8]) -> [u8; 16] {
        let tag = aead_seal(&self.temp_k, n, &self.h, buf);
        let mut ct = Vec::with_capacity(buf.len() + 16);
        ct.extend_from_slice(buf);
        ct.extend_from_slice(&tag);
        self.mix_hash(&ct);
        tag
    }

    /// Decrypts `ct` (ciphertext ‖ tag) into a plaintext, mixing the ciphertext into the hash.
    fn open(&mut self, n: u64, ct: &[u8]) -> Result<Zeroizing<Vec<u8>>, BadTag> {
        let split = ct.len().checked_sub(TAG_LEN).ok_or(BadTag)?;
        let mut buf = Zeroizing::new(ct[..split].to_vec());
        aead_open(&self.temp_k, n, &self.h, &mut buf, &ct[split..])?;
        self.mix_hash(ct);
        Ok(buf)
    }

    /// Splits the final state into the sending and receiving transport keys.
    fn split(&self, initiator: bool) -> Transport {
        let (k1, k2) = hkdf2(&self.ck, &[]);
        let (sk, rk) = if initiator { (k1, k2) } else { (k2, k1) };
        Transport::from_keys(&self.ck, &sk, &rk)
    }
}

/// Parses an act's 33-byte public key.
fn act_key(bytes: &[u8]) -> Option<PublicKey> {
    parse_public_key(bytes).ok()
}

/// The initiator's side of the handshake (the client).
pub struct Initiator {
    local: Keypair,
    ephemeral: Keypair,
    remote: PublicKey,
    remote_id: [u8; 33],
    state: Symmetric,
}

impl Initiator {
    /// Starts a handshake with the node whose static key is `remote` (its node id), as `local`,
    /// using `ephemeral` for this handshake only.
    pub fn new(
        local: Keypair,
        remote: &[u8; 33],
        ephemeral: Keypair,
    ) -> Result<Initiator, InvalidKey> {
        let remote_key = parse_public_key(remote)?;
        Ok(Initiator {
            local,
            ephemeral,
            remote: remote_key,
            remote_id: *remote,
            state: Symmetric::new(remote),
        })
    }

    /// Act one: the 50 bytes to send first.
    pub fn act_one(&mut self) -> [u8; ACT_ONE_LEN] {
        let s = &mut self.state;
        s.mix_hash(&self.ephemeral.public);
        let es = ecdh(&self.ephemeral.secret, &self.remote);
        s.mix_key(&es);
        let tag = s.seal(0, &mut []);
        let mut out = [0u8; ACT_ONE_LEN];
        out[1..34].copy_from_slice(&self.ephemeral.public);
        out[34..].copy_from_slice(&tag);
        out
    }

    /// Takes act two and returns act three (66 bytes to send) and the ready transport.
    pub fn act_two(
        mut self,
        act: &[u8; ACT_TWO_LEN],
    ) -> Result<([u8; ACT_THREE_LEN], Transport), HandshakeError> {
        if act[0] != 0 {
            return Err(HandshakeError::Act2BadVersion(act[0]));
        }
        let re = act_key(&act[1..34]).ok_or(HandshakeError::Act2BadPubkey)?;
        let s = &mut self.state;
        s.mix_hash(&act[1..34]);
        let ee = ecdh(&self.ephemeral.secret, &re);
        s.mix_key(&ee);
        s.open(0, &act[34..])
            .map_err(|_| HandshakeError::Act2BadTag)?;

        let mut out = [0u8; ACT_THREE_LEN];
        let mut static_pub = self.local.public;
        let tag = s.seal(1, &mut static_pub);
        out[1..34].copy_from_slice(&static_pub);
        out[34..50].copy_from_slice(&tag);
        let se = ecdh(&self.local.secret, &re);
        s.mix_key(&se);
        let tag = s.seal(0, &mut []);
        out[50..].copy_from_slice(&tag);
        Ok((out, s.split(true)))
    }
}

/// The responder's side of the handshake (a node, e.g. the test node).
pub struct Responder {
    local: Keypair,
    ephemeral: Keypair,
    state: Symmetric,
    re: Option<PublicKey>,
}

impl Responder {
    /// Waits for a handshake as `local`, using `ephemeral` for this handshake only.
    pub fn new(local: Keypair, ephemeral: Keypair) -> Responder {
        let state = Symmetric::new(&local.public);
        Responder {
            local,
            ephemeral,
            state,
            re: None,
        }
    }

    /// Takes act one and returns act two (50 bytes to send).
    pub fn act_one(
        &mut self,
        act: &[u8; ACT_ONE_LEN],
    ) -> Result<[u8; ACT_TWO_LEN], HandshakeError> {
        if act[0] != 0 {
            return Err(HandshakeError::Act1BadVersion(act[0]));
        }
        let re = act_key(&act[1..34]).ok_or(HandshakeError::Act1BadPubkey)?;
        let s = &mut self.state;
        s.mix_hash(&act[1..34]);
        let es = ecdh(&self.local.secret, &re);
        s.mix_key(&es);
        s.open(0, &act[34..])
            .map_err(|_| HandshakeError::Act1BadTag)?;

        s.mix_hash(&self.ephemeral.public);
        let ee = ecdh(&self.ephemeral.secret, &re);
        s.mix_key(&ee);
        let tag = s.seal(0, &mut []);
        let mut out = [0u8; ACT_TWO_LEN];
        out[1..34].copy_from_slice(&self.ephemeral.public);
        out[34..].copy_from_slice(&tag);
        self.re = Some(re);
        Ok(out)
    }

    /// Takes act three and returns the initiator's static public key and the ready transport.
    pub fn act_three(
        mut self,
        act: &[u8; ACT_THREE_LEN],
    ) -> Result<([u8; 33], Transport), HandshakeError> {
        if act[0] != 0 {
            return Err(HandshakeError::Act3BadVersion(act[0]));
        }
        // Act three before act one is a caller error; treat it as an unauthenticated act.
        if self.re.is_none() {
            return Err(HandshakeError::Act3BadTag);
        }
        let s = &mut self.state;
        let rs_bytes = s
            .open(1, &act[1..50])
            .map_err(|_| HandshakeError::Act3BadCiphertext)?;
        let rs = act_key(&rs_bytes).ok_or(HandshakeError::Act3BadPubkey)?;
        let se = ecdh(&self.ephemeral.secret, &rs);
        s.mix_key(&se);
        s.open(0, &act[50..])
            .map_err(|_| HandshakeError::Act3BadTag)?;
        let mut remote = [0u8; 33];
        remote.copy_from_slice(&rs_bytes);
        Ok((remote, s.split(false)))
    }
}

/// One direction's key, nonce and chaining key; rotates itself every 1000 nonces.
struct CipherState {
    key: [u8; 32],
    ck: [u8; 32],
    n: u64,
}

impl Drop for CipherState {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl CipherState {
    fn new(ck: &[u8; 32], key: &[u8; 32]) -> CipherState {
        CipherState {
            key: *key,
            ck: *ck,
            n: 0,
        }
    }

    /// Overwrites the key and the chaining key (on drop).
    fn wipe(&mut self) {
        self.key.zeroize();
        self.ck.zeroize();
    }

    /// Moves to the next nonce, rotating the key when this one has been used 1000 times.
    fn advance(&mut self) {
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
    cs: CipherState,
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
    cs: CipherState,
    /// Received bytes not yet consumed, from `start` on.
    buf: Vec<u8>,
    start: usize,
    /// The body length of the packet being read, once its header has been decrypted.
    body_len: Option<usize>,
    failed: Option<TransportError>,
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
    /// A transport from the handshake's final chaining key and the two directions' keys.
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

/// A handshake in either role over a byte stream that arrives in pieces of any size.
pub struct Handshake {
    role: Role,
    buf: Vec<u8>,
}

enum Role {
    /// Initiator, act one sent, waiting for act two.
    Initiator(Initiator),
    /// Responder waiting for act one.
    ResponderAct1(Responder),
    /// Responder waiting for act three.
    ResponderAct3(Responder),
    /// Finished or failed.
    Done,
}

/// What a [`Handshake`] produced from the bytes it was given.
pub enum HandshakeStep {
    /// Waiting for more bytes.
    Pending,
    /// Send these bytes (act two, as responder) and keep waiting.
    Send(Vec<u8>),
    /// The handshake is complete: send `send` (act three, as initiator; empty as responder), then
    /// use the transport. `leftover` holds bytes that arrived after the last act: they belong to
    /// the encrypted stream. `remote` is the peer's static key.
    Done {
        /// Bytes to send.
        send: Vec<u8>,
        /// The encrypted stream's two directions.
        transport: Box<Transport>,
        /// The peer's static public key.
        remote: [u8; 33],
        /// Stream bytes that followed the handshake.
        leftover: Vec<u8>,
    },
}

impl Handshake {
    /// Starts as initiator; returns the handshake and act one to send.
    pub fn initiator(mut init: Initiator) -> (Handshake, [u8; ACT_ONE_LEN]) {
        let act = init.act_one();
        (
            Handshake {
                role: Role::Initiator(init),
                buf: Vec::new(),
            },
            act,
        )
    }

    /// Starts as responder.
    pub fn responder(resp: Responder) -> Handshake {
        Handshake {
            role: Role::ResponderAct1(resp),
            buf: Vec::new(),
        }
    }

    /// The error to report if the stream ends now.
    pub fn eof_error(&self) -> HandshakeError {
        match self.role {
            Role::Initiator(_) => HandshakeError::Act2ReadFailed,
            Role::ResponderAct1(_) => HandshakeError::Act1ReadFailed,
            _ => HandshakeError::Act3ReadFailed,
        }
    }

    /// Feeds received bytes.
    pub fn push(&mut self, bytes: &[u8]) -> Result<HandshakeStep, HandshakeError> {
        self.buf.extend_from_slice(bytes);
        let need = match self.role {
            Role::Initiator(_) => ACT_TWO_LEN,
            Role::ResponderAct1(_) => ACT_ONE_LEN,
            Role::ResponderAct3(_) => ACT_THREE_LEN,
            Role::Done => return Ok(HandshakeStep::Pending),
        };
        if self.buf.len() < need {
            return Ok(HandshakeStep::Pending);
        }
        let rest = self.buf.split_off(need);
        let act = core::mem::replace(&mut self.buf, rest);
        match core::mem::replace(&mut self.role, Role::Done) {
            Role::Initiator(init) => {
                let act: [u8; ACT_TWO_LEN] =
                    act.try_into().map_err(|_| HandshakeError::Act2ReadFailed)?;
                let remote = init.remote_id;
                let (act3, transport) = init.act_two(&act)?;
                Ok(HandshakeStep::Done {
                    send: act3.to_vec(),
                    transport: Box::new(transport),
                    remote,
                    leftover: core::mem::take(&mut self.buf),
                })
            }
            Role::ResponderAct1(mut resp) => {
                let act: [u8; ACT_ONE_LEN] =
                    act.try_into().map_err(|_| HandshakeError::Act1ReadFailed)?;
                let act2 = resp.act_one(&act)?;
                self.role = Role::ResponderAct3(resp);
                // Act three may already be buffered.
                match self.push(&[])? {
                    HandshakeStep::Pending => Ok(HandshakeStep::Send(act2.to_vec())),
                    HandshakeStep::Done {
                        transport,
                        remote,
                        leftover,
                        ..
                    } => Ok(HandshakeStep::Done {
                        send: act2.to_vec(),
                        transport,
                        remote,
                        leftover,
                    }),
                    HandshakeStep::Send(_) => Ok(HandshakeStep::Send(act2.to_vec())),
                }
            }
            Role::ResponderAct3(resp) => {
                let act: [u8; ACT_THREE_LEN] =
                    act.try_into().map_err(|_| HandshakeError::Act3ReadFailed)?;
                let (remote, transport) = resp.act_three(&act)?;
                Ok(HandshakeStep::Done {
                    send: Vec::new(),
                    transport: Box::new(transport),
                    remote,
                    leftover: core::mem::take(&mut self.buf),
                })
            }
            Role::Done => Ok(HandshakeStep::Pending),
        }
    }
}

/// Why a [`Connection`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
