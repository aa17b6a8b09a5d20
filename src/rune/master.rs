//! The node's side of runes (feature `node`): the holder of the secret mints runes and checks
//! that a rune derives from it.

use crate::prelude::*;

use super::midstate::{SHA256_IV, absorb, ct_eq, state_to_bytes};
use super::{MAX_SECRET_LEN, Refusal, Restriction, Rune, RuneError};
use core::fmt;
use zeroize::Zeroize;

/// The holder of a rune secret: mints runes and verifies that runes derive from it.
/// The secret is zeroized on drop and never shown by `Debug`. The node's side: only with the
/// `node` feature (the browser build never has it).
pub struct MasterRune {
    secret: Vec<u8>,
}

impl Drop for MasterRune {
    fn drop(&mut self) {
        self.secret.as_mut_slice().zeroize();
    }
}

impl fmt::Debug for MasterRune {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterRune { secret: <redacted> }")
    }
}

impl MasterRune {
    /// A master from its secret (at most [`MAX_SECRET_LEN`] bytes; Core Lightning uses 32).
    pub fn new(secret: &[u8]) -> Result<MasterRune, RuneError> {
        if secret.len() > MAX_SECRET_LEN {
            return Err(RuneError::SecretTooLong { len: secret.len() });
        }
        Ok(MasterRune {
            secret: secret.to_vec(),
        })
    }

    fn base_state(&self) -> [u32; 8] {
        let mut state = SHA256_IV;
        absorb(&mut state, 0, &self.secret);
        state
    }

    /// The unrestricted master rune: full authority, handle with care.
    pub fn rune(&self) -> Rune {
        let mut state = self.base_state();
        let rune = Rune {
            authcode: state_to_bytes(&state),
            restrictions: Vec::new(),
        };
        state.zeroize();
        rune
    }

    /// Mints a rune: the unique id (and version) first if given, then `restrictions`.
    pub fn mint(
        &self,
        unique_id: Option<&str>,
        version: Option<&str>,
        restrictions: &[Restriction],
    ) -> Result<Rune, RuneError> {
        let mut rune = self.rune();
        match (unique_id, version) {
            (Some(id), v) => rune.add_restriction(Restriction::unique_id(id, v)?)?,
            (None, Some(_)) => return Err(RuneError::VersionWithoutUniqueId),
            (None, None) => {}
        }
        for r in restrictions {
            rune.add_restriction(r.clone())?;
        }
        Ok(rune)
    }

    /// Whether `rune`'s authcode derives from this secret and its restrictions (constant-time
    /// comparison). Versions are not compared.
    pub fn is_derived(&self, rune: &Rune) -> bool {
        let mut state = self.base_state();
        let mut hashed = 64;
        for r in &rune.restrictions {
            hashed = absorb(&mut state, hashed, r.encode().as_bytes());
        }
        let mut code = state_to_bytes(&state);
        let ok = ct_eq(&code, &rune.authcode);
        state.zeroize();
        code.zeroize();
        ok
    }

    /// Verifies that `rune` derives from this secret, then evaluates it (see
    /// [`Rune::evaluate`]). A rune that does not derive fails with [`Refusal::NotDerived`].
    pub fn check(
        &self,
        rune: &Rune,
        fields: &mut dyn FnMut(&str) -> Option<String>,
    ) -> Result<(), Refusal> {
        if !self.is_derived(rune) {
            return Err(Refusal::NotDerived);
        }
        rune.evaluate(fields)
    }
}
