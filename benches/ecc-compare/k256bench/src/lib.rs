//! BOLT 8-style ECDH with RustCrypto k256: SHA256(compressed(sk * PK)).
use k256::elliptic_curve::sec1::ToSec1Point;
use k256::{PublicKey, SecretKey};
use sha2::{Digest, Sha256};
use wasm_bindgen::prelude::*;

/// ECDH(sk, pk) = SHA-256 of the compressed point sk*pk.
#[inline(never)]
pub fn ecdh(sk: &SecretKey, pk: &PublicKey) -> [u8; 32] {
    let p = (pk.to_projective() * *sk.to_nonzero_scalar()).to_affine();
    let enc = p.to_sec1_point(true);
    Sha256::digest(enc.as_bytes()).into()
}

fn sk_from(b: &[u8; 32]) -> SecretKey {
    SecretKey::from_slice(b).expect("valid secret key")
}

/// n chained ECDHs against a fixed public key; each output becomes the next secret key.
#[wasm_bindgen]
pub fn bench(n: u32) -> u32 {
    let pk = sk_from(&[0x22; 32]).public_key();
    let mut s = [0x11u8; 32];
    for _ in 0..n {
        let sk = sk_from(&s);
        s = ecdh(&sk, &pk);
    }
    u32::from_be_bytes([s[0], s[1], s[2], s[3]])
}

/// One public-key derivation + one ECDH.
#[wasm_bindgen]
pub fn one() -> u32 {
    let pk = sk_from(&[0x22; 32]).public_key();
    let s = ecdh(&sk_from(&[0x11; 32]), &pk);
    u32::from_be_bytes([s[0], s[1], s[2], s[3]])
}
