//! The SHA-256 midstate arithmetic of runes: a rune's authcode is the state after its secret
//! and each restriction, each with SHA-256 padding (ccan/rune's scheme).

use crate::prelude::*;

use sha2::block_api::compress256;
use zeroize::Zeroize;

/// SHA-256 initial state (FIPS 180-4, 5.3.3); checked against `sha2` in the tests. Only the
/// master (the node's side) starts from it; restricting a rune continues from its authcode.
#[cfg(any(feature = "node", test))]
pub(super) const SHA256_IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// Length of `len` bytes plus SHA-256 padding (0x80, zeros, 64-bit length), in whole blocks.
pub(super) fn padded_len(len: usize) -> u64 {
    (len as u64 + 9).div_ceil(64) * 64
}

/// Compresses `data` plus SHA-256 padding into `state`; `hashed` (a multiple of 64) is how many
/// bytes the state has already absorbed. Returns the new count.
pub(super) fn absorb(state: &mut [u32; 8], hashed: u64, data: &[u8]) -> u64 {
    let total = padded_len(data.len());
    let mut buf = Vec::with_capacity(total as usize);
    buf.extend_from_slice(data);
    buf.push(0x80);
    buf.resize(total as usize - 8, 0);
    let bits = (hashed + data.len() as u64).wrapping_mul(8);
    buf.extend_from_slice(&bits.to_be_bytes());
    for chunk in buf.chunks_exact(64) {
        if let Ok(mut block) = <[u8; 64]>::try_from(chunk) {
            compress256(state, core::slice::from_ref(&block));
            block.zeroize();
        }
    }
    buf.as_mut_slice().zeroize();
    hashed + total
}

pub(super) fn state_to_bytes(state: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (dst, word) in out.chunks_exact_mut(4).zip(state) {
        dst.copy_from_slice(&word.to_be_bytes());
    }
    out
}

pub(super) fn bytes_to_state(bytes: &[u8; 32]) -> [u32; 8] {
    let mut state = [0u32; 8];
    for (word, src) in state.iter_mut().zip(bytes.chunks_exact(4)) {
        *word = src.iter().fold(0, |w, &b| w << 8 | u32::from(b));
    }
    state
}

pub(super) fn ct_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y));
    core::hint::black_box(diff) == 0
}
