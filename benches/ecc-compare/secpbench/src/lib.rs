//! BOLT 8-style ECDH with the `secp256k1` crate (libsecp256k1 C library).
use secp256k1::ecdh::SharedSecret;
use secp256k1::{PublicKey, SecretKey};
use wasm_bindgen::prelude::*;

/// ECDH(sk, pk) = SHA-256 of the compressed point sk*pk (libsecp256k1's default hash).
#[inline(never)]
pub fn ecdh(sk: &SecretKey, pk: &PublicKey) -> [u8; 32] {
    SharedSecret::new(pk, sk).to_secret_bytes()
}

fn sk_from(b: &[u8; 32]) -> SecretKey {
    SecretKey::from_secret_bytes(*b).expect("valid secret key")
}

/// n chained ECDHs against a fixed public key; each output becomes the next secret key.
#[wasm_bindgen]
pub fn bench(n: u32) -> u32 {
    let pk = PublicKey::from_secret_key(&sk_from(&[0x22; 32]));
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
    let pk = PublicKey::from_secret_key(&sk_from(&[0x22; 32]));
    let s = ecdh(&sk_from(&[0x11; 32]), &pk);
    u32::from_be_bytes([s[0], s[1], s[2], s[3]])
}
