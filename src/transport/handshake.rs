//! The three acts of Noise_XK in both roles ([`Initiator`], [`Responder`]) and the streaming
//! [`Handshake`] that takes them in pieces of any size.

use crate::prelude::*;

use super::*;

use lncommando_aead::{BadTag, open as aead_open, seal as aead_seal};

/// The symmetric state of the handshake: chaining key, handshake hash, temporary key.
pub(crate) struct Symmetric {
    pub(crate) ck: Zeroizing<[u8; 32]>,
    pub(crate) h: [u8; 32],
    pub(crate) temp_k: Zeroizing<[u8; 32]>,
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
pub(crate) fn act_key(bytes: &[u8]) -> Option<PublicKey> {
    parse_public_key(bytes).ok()
}

/// The initiator's side of the handshake (the client).
pub struct Initiator {
    pub(crate) local: Keypair,
    pub(crate) ephemeral: Keypair,
    pub(crate) remote: PublicKey,
    pub(crate) remote_id: [u8; 33],
    pub(crate) state: Symmetric,
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
    pub(crate) local: Keypair,
    pub(crate) ephemeral: Keypair,
    pub(crate) state: Symmetric,
    pub(crate) re: Option<PublicKey>,
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

/// A handshake in either role over a byte stream that arrives in pieces of any size. The API is
/// [`Connection`], which runs it; this is public for the fuzz targets only (hidden from docs).
#[doc(hidden)]
pub struct Handshake {
    pub(crate) role: Role,
    pub(crate) buf: Vec<u8>,
}

pub(crate) enum Role {
    /// Initiator, act one sent, waiting for act two.
    Initiator(Initiator),
    /// Responder waiting for act one.
    ResponderAct1(Responder),
    /// Responder waiting for act three.
    ResponderAct3(Responder),
    /// Finished or failed.
    Done,
}

/// What a [`Handshake`] produced from the bytes it was given (for the fuzz targets only).
#[doc(hidden)]
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
