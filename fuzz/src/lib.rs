//! Shared by the fuzz targets: the BOLT 8 Appendix A keys and acts, an in-process handshake, a
//! transport in its post-handshake state, a byte reader for structured inputs and stream
//! splitting.
//!
//! Input formats are simple on purpose, so that seeds can be written by hand: [`Input`] reads single bytes, big-endian integers and `u16`-length-prefixed
//! byte strings, and never fails (a short input reads as zeros / empty).

pub mod targets;

use lncommando::transport::{Initiator, Keypair, Responder, Transport};
use std::sync::OnceLock;

/// BOLT 8 Appendix A: the initiator's static and ephemeral secrets, the responder's.
pub const INITIATOR_STATIC: [u8; 32] = [0x11; 32];
/// The initiator's ephemeral secret.
pub const INITIATOR_EPHEMERAL: [u8; 32] = [0x12; 32];
/// The responder's static secret (its node id is `028d7500…`).
pub const RESPONDER_STATIC: [u8; 32] = [0x21; 32];
/// The responder's ephemeral secret.
pub const RESPONDER_EPHEMERAL: [u8; 32] = [0x22; 32];

/// Act one of the successful handshake vector.
pub const ACT_ONE: &str = "00036360e856310ce5d294e8be33fc807077dc56ac80d95d9cd4ddbd21325eff73f70df6086551151f58b8afe6c195782c6a";
/// Act two.
pub const ACT_TWO: &str = "0002466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f276e2470b93aac583c9ef6eafca3f730ae";
/// Act three.
pub const ACT_THREE: &str = "00b9e3a702e93e3a9948c2ed6e5fd7590a6e1c3a0344cfc9d5b57357049aa22355361aa02e55a8fc28fef5bd6d71ad0c38228dc68b1c466263b47fdf31e560e139ba";
/// The final chaining key.
pub const CK: &str = "919219dbb2920afa8db80f9a51787a840bcf111ed8d588caf9ab4be716e42b01";
/// The initiator's sending key (the responder's receiving key).
pub const SK: &str = "969ab31b4d288cedf6218839b27a3e2140827047f2c0f01bf5c04435d43511a9";
/// The initiator's receiving key (the responder's sending key).
pub const RK: &str = "bb9020b8965f4df047e07f955f3c4b88418984aadc5cdb35096b9ea8fa5c3442";

/// Hex to bytes (constants only).
pub fn hex(s: &str) -> Vec<u8> {
    lncommando::hex::decode(s).expect("constant hex")
}

fn hex32(s: &str) -> [u8; 32] {
    hex(s).try_into().expect("32 bytes")
}

/// The four key pairs of the vectors, generated once per process (key generation costs more
/// than a whole fuzz iteration of most targets); cloned per use.
pub struct Keys {
    /// Initiator static.
    pub initiator_static: Keypair,
    /// Initiator ephemeral.
    pub initiator_ephemeral: Keypair,
    /// Responder static (the node).
    pub responder_static: Keypair,
    /// Responder ephemeral.
    pub responder_ephemeral: Keypair,
}

/// The vector key pairs.
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let k = |s: &[u8; 32]| Keypair::from_secret(s).expect("vector key");
        Keys {
            initiator_static: k(&INITIATOR_STATIC),
            initiator_ephemeral: k(&INITIATOR_EPHEMERAL),
            responder_static: k(&RESPONDER_STATIC),
            responder_ephemeral: k(&RESPONDER_EPHEMERAL),
        }
    })
}

/// A fresh initiator with the vector keys, toward the vector responder.
pub fn initiator() -> Initiator {
    let k = keys();
    Initiator::new(
        k.initiator_static.clone(),
        k.responder_static.public_key(),
        k.initiator_ephemeral.clone(),
    )
    .expect("vector node id")
}

/// A fresh responder with the vector keys.
pub fn responder() -> Responder {
    let k = keys();
    Responder::new(k.responder_static.clone(), k.responder_ephemeral.clone())
}

/// A complete in-process handshake between [`initiator`] and [`responder`], checking every act
/// against the vectors: (initiator's transport, responder's transport).
pub fn handshake() -> (Transport, Transport) {
    let mut i = initiator();
    let mut r = responder();
    let a1 = i.act_one();
    assert_eq!(a1.to_vec(), hex(ACT_ONE));
    let a2 = r.act_one(&a1).expect("act one");
    assert_eq!(a2.to_vec(), hex(ACT_TWO));
    let (a3, ti) = i.act_two(&a2).expect("act two");
    assert_eq!(a3.to_vec(), hex(ACT_THREE));
    let (remote, tr) = r.act_three(&a3).expect("act three");
    assert_eq!(&remote, keys().initiator_static.public_key());
    (ti, tr)
}

/// The transports right after the vector handshake, without its ~1 ms of ECDH: built from the
/// vector's final chaining key and keys. The first call checks, once per process, that they are
/// interchangeable with a real in-process [`handshake`]'s (packets cross between them both
/// ways, past a key rotation). Returns (initiator's, responder's).
pub fn post_handshake() -> (Transport, Transport) {
    static CHECKED: OnceLock<()> = OnceLock::new();
    let (ck, sk, rk) = (hex32(CK), hex32(SK), hex32(RK));
    let make = || {
        (
            Transport::from_keys(&ck, &sk, &rk),
            Transport::from_keys(&ck, &rk, &sk),
        )
    };
    CHECKED.get_or_init(|| {
        let (mut hi, mut hr) = handshake();
        let (mut fi, mut fr) = make();
        for n in 0..1200u32 {
            let msg = n.to_be_bytes();
            // Real initiator -> derived responder, derived initiator -> real responder, and the
            // reverse directions.
            for (enc, dec) in [
                (&mut hi.encryptor, &mut fr.decryptor),
                (&mut fr.encryptor, &mut hi.decryptor),
                (&mut fi.encryptor, &mut hr.decryptor),
                (&mut hr.encryptor, &mut fi.decryptor),
            ] {
                dec.push(&enc.encrypt(&msg).expect("encrypt"));
                assert_eq!(dec.next_message(), Ok(Some(msg.to_vec())));
            }
        }
    });
    make()
}

/// A reader over fuzz input that never fails: reads past the end give zeros or empty slices.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// Reads `data`.
    pub fn new(data: &'a [u8]) -> Input<'a> {
        Input { data }
    }

    /// Whether everything has been read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Bytes left.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// One byte (0 at the end).
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// A big-endian `u16`.
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    /// A big-endian `u32`.
    pub fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// A big-endian `u64`.
    pub fn u64(&mut self) -> u64 {
        (u64::from(self.u32()) << 32) | u64::from(self.u32())
    }

    /// A boolean (the low bit of a byte).
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// Up to `n` bytes.
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    /// A byte string prefixed by its `u16` big-endian length (cut short at the end).
    pub fn prefixed(&mut self) -> &'a [u8] {
        let n = usize::from(self.u16());
        self.bytes(n)
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.data)
    }
}

/// Cuts `data` into pieces and gives each to `f`, in order. Piece `k` is `sizes[k % len]` bytes;
/// a size of 0 gives an empty piece, 255 everything left. No sizes (or only zeros): one piece.
pub fn split(data: &[u8], sizes: &[u8], mut f: impl FnMut(&[u8])) {
    if sizes.iter().all(|&s| s == 0) {
        for _ in sizes {
            f(&[]);
        }
        f(data);
        return;
    }
    let mut rest = data;
    let mut k = 0;
    while !rest.is_empty() {
        let n = match sizes[k % sizes.len()] {
            255 => rest.len(),
            s => usize::from(s).min(rest.len()),
        };
        k += 1;
        let (piece, tail) = rest.split_at(n);
        f(piece);
        rest = tail;
    }
}
