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
use zeroize::{Zeroize, Zeroizing};

mod cipher;
mod handshake;
mod keys;
mod stream;

pub use cipher::{Decryptor, Encryptor, Transport};
pub use handshake::{Handshake, HandshakeStep, Initiator, Responder};
pub use keys::{InvalidKey, Keypair, parse_public_key};
use keys::{ecdh, hkdf2};
use lncommando_aead::{BadTag, open as aead_open, seal as aead_seal};
pub use stream::{Connection, ConnectionError};

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
            Act2ReadFailed => f.write_str(
                "the server hung up before answering the handshake (act two): the node id is not \
                 this node's (Core Lightning hangs up without a word), or a proxy in front of the \
                 node could not reach it (see the proxy's log)",
            ),
            Act3ReadFailed => f.write_str("connection ended during handshake act three"),
            Act1BadVersion(v) => write!(f, "handshake act one has unknown version {v}"),
            Act2BadVersion(v) => write!(
                f,
                "handshake act two has unknown version {v}: the server is not a Lightning node"
            ),
            Act3BadVersion(v) => write!(f, "handshake act three has unknown version {v}"),
            Act1BadPubkey => f.write_str("handshake act one has an invalid ephemeral key"),
            Act2BadPubkey => f.write_str("handshake act two has an invalid ephemeral key"),
            Act3BadPubkey => f.write_str("handshake act three has an invalid static key"),
            Act1BadTag => f.write_str("handshake act one failed authentication"),
            Act2BadTag => f.write_str(
                "handshake act two failed authentication: the server answered, but not as the \
                 Lightning node this node id names (another WebSocket service, such as an echo?)",
            ),
            Act3BadCiphertext => f.write_str("handshake act three static key failed to decrypt"),
            Act3BadTag => f.write_str("handshake act three failed authentication"),
        }
    }
}

impl core::error::Error for HandshakeError {}

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

impl core::error::Error for TransportError {}

#[cfg(test)]
mod tests {
    use super::cipher::CipherState;
    use super::*;
    use crate::prelude::*;

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
