//! Keys: secp256k1 key pairs (wiped on drop), public key parsing, ECDH and BOLT 8's HKDF.

use super::*;

/// A secp256k1 key pair: the private key is wiped on drop.
#[derive(Clone)]
pub struct Keypair {
    pub(crate) secret: SecretKey,
    pub(crate) public: [u8; 33],
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

impl core::error::Error for InvalidKey {}

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
pub(crate) fn ecdh(secret: &SecretKey, public: &PublicKey) -> Zeroizing<[u8; 32]> {
    let mut shared = SharedSecret::new(public, secret);
    let out = Zeroizing::new(shared.to_secret_bytes());
    shared.non_secure_erase();
    out
}

/// HKDF-SHA256 with `salt` and input `ikm`, empty info, giving two 32-byte keys.
pub(crate) fn hkdf2(salt: &[u8; 32], ikm: &[u8]) -> (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>) {
    let mut okm = Zeroizing::new([0u8; 64]);
    // 64 bytes is far below HKDF-SHA256's 8160-byte limit: expand cannot fail.
    let _ = Hkdf::<Sha256>::new(Some(salt), ikm).expand(&[], okm.as_mut());
    let mut a = Zeroizing::new([0u8; 32]);
    let mut b = Zeroizing::new([0u8; 32]);
    a.copy_from_slice(&okm[..32]);
    b.copy_from_slice(&okm[32..]);
    (a, b)
}
