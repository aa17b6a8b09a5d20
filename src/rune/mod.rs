//! Runes: Core Lightning's bearer tokens (the format of rustyrussell/runes and ccan/rune).
//!
//! A rune is a 32-byte *authcode* followed by restrictions text, carried as base64url
//! (`Rune::encode`/`Rune::decode`) or in the readable form `hex(authcode):restrictions`
//! (`Rune::to_readable`/`Rune::from_readable`).
//!
//! - Restrictions are separated by `&`; each is a list of alternatives separated by `|`.
//!   Each alternative is `FIELD OPERATOR VALUE`; `\` escapes `&`, `|` and `\` (or any other
//!   character) inside a value. A field name is any text without ASCII punctuation other
//!   than `_`. All restrictions must pass; a restriction passes if any alternative passes.
//! - A first restriction `=ID` or `=ID-VERSION` (empty field name) is the unique id. It is not
//!   evaluated, and an empty field name is allowed nowhere else.
//! - The authcode is a SHA-256 midstate: the node's secret with SHA-256 padding, then for each
//!   restriction its canonical text plus SHA-256 padding of the total length so far. Anyone
//!   holding a rune can therefore append restrictions ([`Rune::add_restriction`]); only the
//!   secret's holder ([`MasterRune`]) can check that a rune derives from it.
//!
//! This module holds the types, their parsing and encoding, and derivation. Evaluation (in
//! `eval.rs`) fails with a typed [`Refusal`] whose text is Core Lightning's wording (`method is
//! not equal to getinfo`, `pnum not present`, `f1 is present`, alternatives joined by ` AND `);
//! [`Refusal::node_message`] is what the node returns (`Not permitted: number of parameters not
//! present`).

use crate::prelude::*;

use crate::hex::{self, HexError};
use core::fmt;
use zeroize::Zeroize;

/// The longest rune string (base64 or readable) accepted, in bytes.
pub const MAX_INPUT_LEN: usize = 64 * 1024;
/// The longest restrictions text a rune may carry, in bytes (so that its base64 form fits in
/// [`MAX_INPUT_LEN`]).
pub const MAX_RESTRICTIONS_LEN: usize = MAX_INPUT_LEN / 4 * 3 - 32;
/// The longest master secret: secret and SHA-256 padding must fit in one 64-byte block.
pub const MAX_SECRET_LEN: usize = 55;

/// Why a rune, restriction or alternative was rejected. Messages never quote the rune itself.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuneError {
    /// The input, or the restrictions text, is longer than allowed.
    TooLong {
        /// The limit, in bytes.
        max: usize,
    },
    /// A character outside the base64url alphabet (or a misplaced `=`) at this offset.
    BadBase64 {
        /// Byte offset in the input.
        offset: usize,
    },
    /// The base64 length or padding is impossible.
    BadBase64Length,
    /// The base64 has non-zero bits after its last byte (non-canonical encoding).
    NonCanonicalBase64,
    /// The decoded rune is shorter than its 32-byte authcode.
    TooShort {
        /// Decoded length in bytes.
        len: usize,
    },
    /// The restrictions are not valid UTF-8 (error at this offset in the restrictions).
    NotUtf8 {
        /// Byte offset in the restrictions text.
        offset: usize,
    },
    /// The restrictions contain a NUL byte.
    NulByte {
        /// Byte offset in the restrictions text.
        offset: usize,
    },
    /// The readable form has no `:` after the authcode.
    MissingColon,
    /// The readable form's authcode is not 64 hex digits.
    BadAuthcode(HexError),
    /// An alternative is empty (e.g. `a=1||b=2`, or a trailing `&` or `|`).
    EmptyAlternative {
        /// Byte offset in the text parsed.
        offset: usize,
    },
    /// An alternative has no operator (its field name runs to the end of the text).
    MissingOperator {
        /// Byte offset of the alternative in the text parsed.
        offset: usize,
    },
    /// The character after the field name is not an operator.
    BadOperator {
        /// Byte offset of the character in the text parsed.
        offset: usize,
        /// The character found.
        op: char,
    },
    /// A `\` at the very end of the text.
    DanglingEscape {
        /// Byte offset of the `\` in the text parsed.
        offset: usize,
    },
    /// A single restriction was expected, but an unescaped `&` follows.
    UnexpectedAmpersand {
        /// Byte offset of the `&` in the text parsed.
        offset: usize,
    },
    /// A restriction with no alternatives.
    EmptyRestriction,
    /// An alternative that cannot be encoded unambiguously.
    InvalidAlternative(&'static str),
    /// The empty field name (unique id) used anywhere but as the sole `=` alternative of the
    /// first restriction.
    MisplacedUniqueId {
        /// Index of the offending restriction.
        index: usize,
    },
    /// A unique id containing `-` (which separates the version).
    HyphenInUniqueId,
    /// A version was given without a unique id.
    VersionWithoutUniqueId,
    /// The master secret is longer than [`MAX_SECRET_LEN`].
    SecretTooLong {
        /// The secret's length.
        len: usize,
    },
}

impl fmt::Display for RuneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use RuneError::*;
        match self {
            TooLong { max } => write!(f, "rune too long (max {max} bytes)"),
            BadBase64 { offset } => write!(f, "invalid base64url character at offset {offset}"),
            BadBase64Length => f.write_str("invalid base64url length or padding"),
            NonCanonicalBase64 => f.write_str("non-canonical base64url (non-zero trailing bits)"),
            TooShort { len } => write!(f, "rune too short: {len} bytes, need at least 32"),
            NotUtf8 { offset } => write!(f, "restrictions are not UTF-8 (offset {offset})"),
            NulByte { offset } => write!(f, "restrictions contain a NUL byte at offset {offset}"),
            MissingColon => f.write_str("readable rune has no ':' after the authcode"),
            BadAuthcode(e) => write!(f, "bad authcode: {e}"),
            EmptyAlternative { offset } => write!(f, "empty alternative at offset {offset}"),
            MissingOperator { offset } => {
                write!(f, "alternative at offset {offset} has no operator")
            }
            // Printable ASCII as itself, anything else as its code point (no `{:?}`: char's
            // Debug costs the wasm ~2 kB of Unicode tables).
            BadOperator { offset, op } if op.is_ascii_graphic() => {
                write!(f, "invalid operator '{op}' at offset {offset}")
            }
            BadOperator { offset, op } => {
                write!(
                    f,
                    "invalid operator U+{:04X} at offset {offset}",
                    u32::from(*op)
                )
            }
            DanglingEscape { offset } => write!(f, "dangling '\\' at offset {offset}"),
            UnexpectedAmpersand { offset } => {
                write!(
                    f,
                    "unexpected '&' at offset {offset} (one restriction expected)"
                )
            }
            EmptyRestriction => f.write_str("restriction has no alternatives"),
            InvalidAlternative(why) => write!(f, "invalid alternative: {why}"),
            MisplacedUniqueId { index } => write!(
                f,
                "restriction {index}: an empty field name (unique id) is only allowed as the sole '=' alternative of the first restriction"
            ),
            HyphenInUniqueId => f.write_str("unique id must not contain '-'"),
            VersionWithoutUniqueId => f.write_str("a version needs a unique id"),
            SecretTooLong { len } => {
                write!(f, "secret is {len} bytes, at most {MAX_SECRET_LEN} allowed")
            }
        }
    }
}

impl core::error::Error for RuneError {}

/// The operator of an alternative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `!`: the field is missing.
    Missing,
    /// `=`: the field equals the value.
    Equal,
    /// `/`: the field is present and differs from the value.
    NotEqual,
    /// `^`: the field starts with the value.
    StartsWith,
    /// `$`: the field ends with the value.
    EndsWith,
    /// `~`: the field contains the value.
    Contains,
    /// `<`: the field, as an integer, is less than the value.
    LessThan,
    /// `>`: the field, as an integer, is greater than the value.
    GreaterThan,
    /// `{`: the field sorts strictly before the value (bytewise).
    SortsBefore,
    /// `}`: the field sorts strictly after the value (bytewise).
    SortsAfter,
    /// `#`: a comment; always passes.
    Comment,
}

impl Op {
    /// Every operator, in the order of their characters `!=/^$~<>{}#`.
    pub const ALL: [Op; 11] = [
        Op::Missing,
        Op::Equal,
        Op::NotEqual,
        Op::StartsWith,
        Op::EndsWith,
        Op::Contains,
        Op::LessThan,
        Op::GreaterThan,
        Op::SortsBefore,
        Op::SortsAfter,
        Op::Comment,
    ];

    /// The operator's character in rune text.
    pub fn as_char(self) -> char {
        match self {
            Op::Missing => '!',
            Op::Equal => '=',
            Op::NotEqual => '/',
            Op::StartsWith => '^',
            Op::EndsWith => '$',
            Op::Contains => '~',
            Op::LessThan => '<',
            Op::GreaterThan => '>',
            Op::SortsBefore => '{',
            Op::SortsAfter => '}',
            Op::Comment => '#',
        }
    }

    /// The operator for a character, if it is one.
    pub fn from_char(c: char) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.as_char() == c)
    }
}

/// Characters that end a field name: ASCII punctuation except `_`.
fn is_separator(c: char) -> bool {
    c.is_ascii_punctuation() && c != '_'
}

/// One condition of a restriction: `field op value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternative {
    /// The field name (empty only for the unique id).
    pub field: String,
    /// The operator.
    pub op: Op,
    /// The value, unescaped.
    pub value: String,
}

impl Alternative {
    /// Builds a checked alternative. The field name must not contain ASCII punctuation other
    /// than `_` (nor NUL); the empty field name is reserved for the unique id (use
    /// [`Restriction::unique_id`]).
    pub fn new(field: &str, op: Op, value: &str) -> Result<Alternative, RuneError> {
        let alt = Alternative {
            field: field.into(),
            op,
            value: value.into(),
        };
        alt.validate()?;
        if field.is_empty() {
            return Err(RuneError::InvalidAlternative(
                "the empty field name is reserved for the unique id",
            ));
        }
        Ok(alt)
    }

    /// Parses one alternative as Core Lightning's `createrune` takes it in its `restrictions`
    /// array: the field name runs to the first ASCII punctuation other than `_`, which must be
    /// an operator; the rest is the value, verbatim (no escapes: `createrune` takes
    /// `"pnamelabel=a|b"` as the value `a|b`). The field name must not be empty.
    pub fn parse(s: &str) -> Result<Alternative, RuneError> {
        if let Some(at) = s.find('\0') {
            return Err(RuneError::NulByte { offset: at });
        }
        let Some((at, c)) = s.char_indices().find(|&(_, c)| is_separator(c)) else {
            return Err(RuneError::MissingOperator { offset: 0 });
        };
        let op = Op::from_char(c).ok_or(RuneError::BadOperator { offset: at, op: c })?;
        let field = s.get(..at).unwrap_or_default();
        let value = s.get(at + 1..).unwrap_or_default();
        Alternative::new(field, op, value)
    }

    fn validate(&self) -> Result<(), RuneError> {
        if self.field.chars().any(|c| is_separator(c) || c == '\0') {
            return Err(RuneError::InvalidAlternative(
                "field name contains punctuation or NUL",
            ));
        }
        if self.value.contains('\0') {
            return Err(RuneError::InvalidAlternative("value contains NUL"));
        }
        Ok(())
    }

    /// The canonical text: field, operator, value with `\`, `|` and `&` escaped.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        self.encode_into(&mut out);
        out
    }

    fn encode_into(&self, out: &mut String) {
        out.push_str(&self.field);
        out.push(self.op.as_char());
        for c in self.value.chars() {
            if matches!(c, '\\' | '|' | '&') {
                out.push('\\');
            }
            out.push(c);
        }
    }
}

/// A restriction: it passes if any of its alternatives passes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restriction {
    /// The alternatives, at least one.
    pub alternatives: Vec<Alternative>,
}

impl Restriction {
    /// Builds a checked restriction (non-empty, valid alternatives).
    pub fn new(alternatives: Vec<Alternative>) -> Result<Restriction, RuneError> {
        let r = Restriction { alternatives };
        r.validate(0)?;
        Ok(r)
    }

    /// Parses one restriction in rune text form, e.g. `method=getinfo|method=listpeers`
    /// (escapes allowed; no unescaped `&`). The unique-id form `=ID[-VERSION]` is accepted
    /// here; [`Rune::add_restriction`] only accepts it as a rune's first restriction.
    pub fn parse(s: &str) -> Result<Restriction, RuneError> {
        if s.len() > MAX_RESTRICTIONS_LEN {
            return Err(RuneError::TooLong {
                max: MAX_RESTRICTIONS_LEN,
            });
        }
        let mut v = parse_restrictions(s, 0, true)?;
        let r = v.pop().ok_or(RuneError::EmptyAlternative { offset: 0 })?;
        r.validate(0)?;
        Ok(r)
    }

    /// Core Lightning's `createrune restrictions=readonly`: `method^list|method^get|method=summary`
    /// and `method/listdatastore`.
    pub fn readonly() -> [Restriction; 2] {
        let alt = |op, value: &str| Alternative {
            field: "method".into(),
            op,
            value: value.into(),
        };
        [
            Restriction {
                alternatives: vec![
                    alt(Op::StartsWith, "list"),
                    alt(Op::StartsWith, "get"),
                    alt(Op::Equal, "summary"),
                ],
            },
            Restriction {
                alternatives: vec![alt(Op::NotEqual, "listdatastore")],
            },
        ]
    }

    /// The unique-id restriction `=ID` or `=ID-VERSION`.
    pub fn unique_id(id: &str, version: Option<&str>) -> Result<Restriction, RuneError> {
        if id.contains('-') {
            return Err(RuneError::HyphenInUniqueId);
        }
        let value = match version {
            Some(v) => format!("{id}-{v}"),
            None => id.into(),
        };
        let alt = Alternative {
            field: String::new(),
            op: Op::Equal,
            value,
        };
        alt.validate()?;
        Ok(Restriction {
            alternatives: vec![alt],
        })
    }

    /// Whether this is a unique-id restriction (a sole alternative with an empty field name).
    pub fn is_unique_id(&self) -> bool {
        matches!(self.alternatives.as_slice(), [a] if a.field.is_empty())
    }

    /// The canonical text: the alternatives' texts joined by `|`.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        self.encode_into(&mut out);
        out
    }

    fn encode_into(&self, out: &mut String) {
        for (i, alt) in self.alternatives.iter().enumerate() {
            if i > 0 {
                out.push('|');
            }
            alt.encode_into(out);
        }
    }

    /// Checks that this restriction may stand at position `index` of a rune.
    fn validate(&self, index: usize) -> Result<(), RuneError> {
        if self.alternatives.is_empty() {
            return Err(RuneError::EmptyRestriction);
        }
        for alt in &self.alternatives {
            alt.validate()?;
            if alt.field.is_empty()
                && (index != 0 || self.alternatives.len() != 1 || alt.op != Op::Equal)
            {
                return Err(RuneError::MisplacedUniqueId { index });
            }
        }
        Ok(())
    }
}

/// Parses `&`-separated restrictions (none if `text` is empty). With `single`, an unescaped
/// `&` is an error. Offsets in errors are byte offsets in `text`. Structure only: callers
/// validate unique-id placement.
fn parse_restrictions(
    text: &str,
    base: usize,
    single: bool,
) -> Result<Vec<Restriction>, RuneError> {
    if let Some(at) = text.find('\0') {
        return Err(RuneError::NulByte { offset: base + at });
    }
    let mut out = Vec::new();
    if text.is_empty() {
        return Ok(out);
    }
    let mut chars = text.char_indices().peekable();
    let mut alts = Vec::new();
    loop {
        let start = match chars.peek() {
            Some(&(i, c)) if c != '&' && c != '|' => i,
            Some(&(i, _)) => return Err(RuneError::EmptyAlternative { offset: base + i }),
            None => {
                return Err(RuneError::EmptyAlternative {
                    offset: base + text.len(),
                });
            }
        };
        let (op_at, op_char) = loop {
            match chars.next() {
                Some((i, c)) if is_separator(c) => break (i, c),
                Some(_) => {}
                None => {
                    return Err(RuneError::MissingOperator {
                        offset: base + start,
                    });
                }
            }
        };
        let op = Op::from_char(op_char).ok_or(RuneError::BadOperator {
            offset: base + op_at,
            op: op_char,
        })?;
        let field = text.get(start..op_at).unwrap_or_default().to_string();
        let mut value = String::new();
        let end = loop {
            match chars.next() {
                None => break None,
                Some((i, c @ ('|' | '&'))) => break Some((i, c)),
                Some((i, '\\')) => match chars.next() {
                    Some((_, c)) => value.push(c),
                    None => return Err(RuneError::DanglingEscape { offset: base + i }),
                },
                Some((_, c)) => value.push(c),
            }
        };
        alts.push(Alternative { field, op, value });
        match end {
            Some((_, '|')) => {}
            Some((i, _)) if single => {
                return Err(RuneError::UnexpectedAmpersand { offset: base + i });
            }
            Some(_) => out.push(Restriction {
                alternatives: core::mem::take(&mut alts),
            }),
            None => {
                out.push(Restriction { alternatives: alts });
                return Ok(out);
            }
        }
    }
}

/// A rune: authcode and restrictions. `Debug` does not show the authcode.
#[derive(Clone)]
pub struct Rune {
    authcode: [u8; 32],
    restrictions: Vec<Restriction>,
}

impl Drop for Rune {
    fn drop(&mut self) {
        self.authcode.zeroize();
    }
}

impl PartialEq for Rune {
    fn eq(&self, other: &Rune) -> bool {
        ct_eq(&self.authcode, &other.authcode) && self.restrictions == other.restrictions
    }
}

impl Eq for Rune {}

impl fmt::Debug for Rune {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rune")
            .field("authcode", &format_args!("<redacted>"))
            .field("restrictions", &self.restrictions)
            .finish()
    }
}

impl Rune {
    /// A rune from its parts, checking the restrictions (non-empty, unique id only first).
    /// Whether the authcode is right can only be checked by [`MasterRune::is_derived`].
    pub fn new(authcode: [u8; 32], restrictions: Vec<Restriction>) -> Result<Rune, RuneError> {
        for (i, r) in restrictions.iter().enumerate() {
            r.validate(i)?;
        }
        let rune = Rune {
            authcode,
            restrictions,
        };
        if rune.restrictions_text().len() > MAX_RESTRICTIONS_LEN {
            return Err(RuneError::TooLong {
                max: MAX_RESTRICTIONS_LEN,
            });
        }
        Ok(rune)
    }

    /// Decodes a base64url rune (padding optional, surrounding whitespace ignored). Error
    /// offsets are in the input for base64 errors, in the restrictions text otherwise.
    pub fn decode(base64: &str) -> Result<Rune, RuneError> {
        if base64.len() > MAX_INPUT_LEN {
            return Err(RuneError::TooLong { max: MAX_INPUT_LEN });
        }
        let lead = base64.len() - base64.trim_start().len();
        let bytes = b64_decode(base64.trim()).map_err(|e| match e {
            RuneError::BadBase64 { offset } => RuneError::BadBase64 {
                offset: offset + lead,
            },
            e => e,
        })?;
        let (Some(code), Some(rest)) = (bytes.get(..32), bytes.get(32..)) else {
            return Err(RuneError::TooShort { len: bytes.len() });
        };
        let parsed = core::str::from_utf8(rest)
            .map_err(|e| RuneError::NotUtf8 {
                offset: e.valid_up_to(),
            })
            .and_then(|text| parse_restrictions(text, 0, false));
        let mut authcode = [0u8; 32];
        authcode.copy_from_slice(code);
        let mut bytes = bytes;
        bytes.as_mut_slice().zeroize();
        Rune::new(authcode, parsed?)
    }

    /// Encodes as base64url with `=` padding (the form Core Lightning hands out).
    pub fn encode(&self) -> String {
        let mut bytes = self.authcode.to_vec();
        bytes.extend_from_slice(self.restrictions_text().as_bytes());
        let s = b64_encode(&bytes);
        bytes.as_mut_slice().zeroize();
        s
    }

    /// Parses the readable form `hex(authcode):restrictions`. Error offsets are in the input.
    pub fn from_readable(s: &str) -> Result<Rune, RuneError> {
        if s.len() > MAX_INPUT_LEN {
            return Err(RuneError::TooLong { max: MAX_INPUT_LEN });
        }
        let (code, text) = s.split_once(':').ok_or(RuneError::MissingColon)?;
        let authcode = hex::decode_array::<32>(code).map_err(RuneError::BadAuthcode)?;
        Rune::new(authcode, parse_restrictions(text, code.len() + 1, false)?)
    }

    /// The readable form `hex(authcode):restrictions`.
    pub fn to_readable(&self) -> String {
        format!(
            "{}:{}",
            hex::encode(&self.authcode),
            self.restrictions_text()
        )
    }

    /// The canonical restrictions text: restrictions joined by `&`.
    pub fn restrictions_text(&self) -> String {
        let mut out = String::new();
        for (i, r) in self.restrictions.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            r.encode_into(&mut out);
        }
        out
    }

    fn id_value(&self) -> Option<&str> {
        match self.restrictions.first()?.alternatives.as_slice() {
            [a] if a.field.is_empty() => Some(&a.value),
            _ => None,
        }
    }

    /// The unique id (from a first restriction `=ID` or `=ID-VERSION`), if any.
    pub fn unique_id(&self) -> Option<&str> {
        let v = self.id_value()?;
        Some(v.split_once('-').map_or(v, |(id, _)| id))
    }

    /// The version (from a first restriction `=ID-VERSION`), if any.
    pub fn version(&self) -> Option<&str> {
        self.id_value()?.split_once('-').map(|(_, v)| v)
    }

    /// The restrictions, unique id included.
    pub fn restrictions(&self) -> &[Restriction] {
        &self.restrictions
    }

    /// The authcode (a secret: whoever holds it holds the rune).
    pub fn authcode(&self) -> &[u8; 32] {
        &self.authcode
    }

    /// Appends a restriction, updating the authcode by continuing SHA-256 from it as a
    /// midstate: the result is a weaker rune that still derives from the same master.
    pub fn add_restriction(&mut self, r: Restriction) -> Result<(), RuneError> {
        r.validate(self.restrictions.len())?;
        let before = self.restrictions_text().len();
        let enc = r.encode();
        if before + usize::from(before > 0) + enc.len() > MAX_RESTRICTIONS_LEN {
            return Err(RuneError::TooLong {
                max: MAX_RESTRICTIONS_LEN,
            });
        }
        let hashed = self
            .restrictions
            .iter()
            .fold(64, |n, r| n + padded_len(r.encode().len()));
        let mut state = bytes_to_state(&self.authcode);
        absorb(&mut state, hashed, enc.as_bytes());
        self.authcode = state_to_bytes(&state);
        state.zeroize();
        self.restrictions.push(r);
        Ok(())
    }

    /// A copy with the restrictions in `text` (e.g. `method=getinfo&pnum<2`) appended.
    pub fn restricted(&self, text: &str) -> Result<Rune, RuneError> {
        if text.len() > MAX_RESTRICTIONS_LEN {
            return Err(RuneError::TooLong {
                max: MAX_RESTRICTIONS_LEN,
            });
        }
        let parsed = parse_restrictions(text, 0, false)?;
        if parsed.is_empty() {
            return Err(RuneError::EmptyRestriction);
        }
        let mut rune = self.clone();
        for r in parsed {
            rune.add_restriction(r)?;
        }
        Ok(rune)
    }
}

mod base64;
mod eval;
#[cfg(feature = "node")]
mod master;
mod midstate;
mod request;

use base64::{b64_decode, b64_encode};
#[cfg(test)]
use eval::refusal_message;
pub use eval::{FieldValue, Refusal};
#[cfg(feature = "node")]
pub use master::MasterRune;
use midstate::{absorb, bytes_to_state, ct_eq, padded_len, state_to_bytes};
pub use request::{Pending, Request, RequestFieldsError, Verdict};

#[cfg(test)]
mod tests {
    use super::base64::*;
    use super::midstate::*;
    use super::*;
    use proptest::prelude::*;
    use sha2::{Digest, Sha256};

    const MASTER_ZERO: &str = "374708fff7719dd5979ec875d56cd2286f6d3cf7ec317a3b25632aab28ec37bb";

    fn master() -> MasterRune {
        MasterRune::new(&[0; 16]).unwrap()
    }

    fn fields<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl FnMut(&str) -> Option<String> + 'a {
        move |f| {
            pairs
                .iter()
                .find(|(k, _)| *k == f)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn midstate_matches_sha256() {
        for msg in [&b""[..], b"abc", &[7u8; 55], &[9u8; 56], &[1u8; 130]] {
            let mut state = SHA256_IV;
            absorb(&mut state, 0, msg);
            assert_eq!(state_to_bytes(&state)[..], Sha256::digest(msg)[..]);
            assert_eq!(bytes_to_state(&state_to_bytes(&state)), state);
        }
    }

    #[test]
    fn master_authcode() {
        let m = master();
        assert_eq!(hex::encode(m.rune().authcode()), MASTER_ZERO);
        assert!(m.is_derived(&m.rune()));
        assert!(MasterRune::new(&[0; 56]).is_err());
        assert!(MasterRune::new(&[0; 55]).is_ok());
    }

    #[test]
    fn base64_codec() {
        let rfc = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, enc) in rfc {
            assert_eq!(b64_encode(plain.as_bytes()), enc);
            assert_eq!(b64_decode(enc).unwrap(), plain.as_bytes());
            assert_eq!(
                b64_decode(enc.trim_end_matches('=')).unwrap(),
                plain.as_bytes()
            );
        }
        assert_eq!(b64_encode(&[0xfb, 0xff]), "-_8=");
        assert_eq!(b64_decode("-_8").unwrap(), [0xfb, 0xff]);
        use RuneError::*;
        assert_eq!(b64_decode("Zg="), Err(BadBase64Length));
        assert_eq!(b64_decode("Zg==="), Err(BadBase64Length));
        assert_eq!(b64_decode("Z"), Err(BadBase64Length));
        assert_eq!(b64_decode("Zm9vY"), Err(BadBase64Length));
        assert_eq!(b64_decode("Zm9v="), Err(BadBase64Length));
        assert_eq!(b64_decode("Zh=="), Err(NonCanonicalBase64));
        assert_eq!(b64_decode("Zm9="), Err(NonCanonicalBase64));
        assert_eq!(b64_decode("Zm+v"), Err(BadBase64 { offset: 2 }));
        assert_eq!(b64_decode("Zm/v"), Err(BadBase64 { offset: 2 }));
        assert_eq!(b64_decode("Zg==Zg=="), Err(BadBase64 { offset: 2 }));
        assert_eq!(b64_decode("Zm 9v"), Err(BadBase64Length));
        assert_eq!(b64_decode("Zm9v Zm9"), Err(BadBase64 { offset: 4 }));
        assert_eq!(b64_decode("Zm9vé"), Err(BadBase64 { offset: 4 }));
    }

    #[test]
    fn escapes_round_trip() {
        let alt = Alternative::new("f1", Op::Equal, "a|b&c\\d|").unwrap();
        assert_eq!(alt.encode(), "f1=a\\|b\\&c\\\\d\\|");
        let r = Restriction::parse(&alt.encode()).unwrap();
        assert_eq!(r.alternatives, core::slice::from_ref(&alt));
        // Unnecessary escapes are accepted, and dropped when re-encoding.
        let r = Restriction::parse("f1=\\x\\=y|f2~é\\é").unwrap();
        assert_eq!(r.alternatives[0].value, "x=y");
        assert_eq!(r.alternatives[1].value, "éé");
        assert_eq!(r.encode(), "f1=x=y|f2~éé");
        // Operators and ':' are fine inside values.
        let r = Restriction::parse("time<1:2=3!#").unwrap();
        assert_eq!(
            (r.alternatives[0].op, &*r.alternatives[0].value),
            (Op::LessThan, "1:2=3!#")
        );
        let rune = master()
            .mint(None, None, &[Restriction::new(vec![alt]).unwrap()])
            .unwrap();
        assert_eq!(Rune::decode(&rune.encode()).unwrap(), rune);
        assert_eq!(Rune::from_readable(&rune.to_readable()).unwrap(), rune);
    }

    #[test]
    fn parse_errors() {
        use RuneError::*;
        let p = Restriction::parse;
        assert_eq!(p(""), Err(EmptyAlternative { offset: 0 }));
        assert_eq!(p("a=1||b=2"), Err(EmptyAlternative { offset: 4 }));
        assert_eq!(p("a=1|"), Err(EmptyAlternative { offset: 4 }));
        assert_eq!(p("a=1&b=2"), Err(UnexpectedAmpersand { offset: 3 }));
        assert_eq!(p("abc"), Err(MissingOperator { offset: 0 }));
        assert_eq!(p("a=1|f_1"), Err(MissingOperator { offset: 4 }));
        assert_eq!(p("f1:1"), Err(BadOperator { offset: 2, op: ':' }));
        let shown = |op| BadOperator { offset: 2, op }.to_string();
        assert_eq!(shown(':'), "invalid operator ':' at offset 2");
        assert_eq!(shown('\n'), "invalid operator U+000A at offset 2");
        assert_eq!(shown('\u{e9}'), "invalid operator U+00E9 at offset 2");
        assert_eq!(shown('\u{1f600}'), "invalid operator U+1F600 at offset 2");
        assert_eq!(p("a=1\\"), Err(DanglingEscape { offset: 3 }));
        assert_eq!(p("a=\0"), Err(NulByte { offset: 2 }));
        assert_eq!(p("=1|a=1"), Err(MisplacedUniqueId { index: 0 }));
        assert_eq!(p("!1"), Err(MisplacedUniqueId { index: 0 }));
        assert!(p("=1-2").unwrap().is_unique_id());
        assert!(p("pinv0_amount<1000").is_ok());
        let r = Restriction::parse("a=1|b=2").unwrap();
        assert!(!r.is_unique_id());
        assert_eq!(
            Alternative::new("a.b", Op::Equal, "1").unwrap_err(),
            InvalidAlternative("field name contains punctuation or NUL")
        );
        assert!(Alternative::new("", Op::Equal, "1").is_err());
        assert!(Alternative::new("a", Op::Equal, "\0").is_err());
        assert_eq!(Restriction::new(vec![]), Err(EmptyRestriction));

        let m = master();
        let base = m.rune().to_readable();
        let colon = MASTER_ZERO.len() + 1;
        for (text, err) in [
            ("a=1&", EmptyAlternative { offset: colon + 4 }),
            ("&a=1", EmptyAlternative { offset: colon }),
            ("a=1&&b=1", EmptyAlternative { offset: colon + 4 }),
            ("a=1&=2", MisplacedUniqueId { index: 1 }),
        ] {
            assert_eq!(Rune::from_readable(&format!("{base}{text}")), Err(err));
        }
        assert_eq!(
            Rune::from_readable("00:"),
            Err(BadAuthcode(HexError::WrongLength {
                expected: 32,
                got: 1
            }))
        );
        assert_eq!(Rune::from_readable(MASTER_ZERO), Err(MissingColon));
        assert_eq!(Rune::decode("AAAA"), Err(TooShort { len: 3 }));
        let mut bad = vec![0u8; 32];
        bad.extend_from_slice(b"a=\xff");
        assert_eq!(Rune::decode(&b64_encode(&bad)), Err(NotUtf8 { offset: 2 }));
        assert_eq!(
            Rune::decode(&"A".repeat(MAX_INPUT_LEN + 4)),
            Err(TooLong { max: MAX_INPUT_LEN })
        );
        // Surrounding whitespace is ignored in base64; offsets refer to the input.
        let enc = m.rune().encode();
        assert_eq!(Rune::decode(&format!(" {enc}\n")).unwrap(), m.rune());
        assert_eq!(Rune::decode(" AA!A"), Err(BadBase64 { offset: 3 }));
    }

    #[test]
    fn errors_and_debug_never_leak() {
        let m = master();
        let rune = m
            .mint(
                Some("7"),
                None,
                &[Restriction::parse("method=getinfo").unwrap()],
            )
            .unwrap();
        let code = hex::encode(rune.authcode());
        let dbg = format!("{rune:?}");
        assert!(!dbg.contains(&code) && dbg.contains("<redacted>") && dbg.contains("getinfo"));
        assert_eq!(format!("{m:?}"), "MasterRune { secret: <redacted> }");
        let enc = rune.encode();
        let readable = rune.to_readable();
        for bad in [format!("{enc}!"), format!("{}x", &enc[..enc.len() - 1])] {
            let msg = Rune::decode(&bad).unwrap_err().to_string();
            assert!(
                !msg.contains(&enc[..20]) && !msg.contains(&code[..16]),
                "{msg}"
            );
        }
        for bad in [
            format!("{readable}|"),
            format!("{readable}&x"),
            readable.replacen(':', ";", 1),
        ] {
            let msg = Rune::from_readable(&bad).unwrap_err().to_string();
            assert!(
                !msg.contains(&code[..16]) && !msg.contains("getinfo"),
                "{msg}"
            );
        }
    }

    #[test]
    fn unique_id_and_version() {
        let m = master();
        let r = m.mint(Some("2"), Some("1"), &[]).unwrap();
        assert_eq!(
            r.to_readable(),
            "4520773407c9658646326fdffe685ffbc3c8639a080dae4310b371830a205cf1:=2-1"
        );
        assert_eq!((r.unique_id(), r.version()), (Some("2"), Some("1")));
        let r = Rune::from_readable(&format!("{MASTER_ZERO}:=a-b-c&x=1")).unwrap();
        assert_eq!((r.unique_id(), r.version()), (Some("a"), Some("b-c")));
        assert_eq!(m.rune().unique_id(), None);
        assert_eq!(
            m.mint(Some("1-2"), None, &[]),
            Err(RuneError::HyphenInUniqueId)
        );
        assert_eq!(
            m.mint(None, Some("1"), &[]),
            Err(RuneError::VersionWithoutUniqueId)
        );
        let id = Restriction::unique_id("3", None).unwrap();
        assert_eq!(
            m.mint(Some("1"), None, core::slice::from_ref(&id)),
            Err(RuneError::MisplacedUniqueId { index: 1 })
        );
        let mut r = m.rune();
        r.add_restriction(id).unwrap();
        assert_eq!(r.unique_id(), Some("3"));
        // The unique id is not evaluated.
        assert_eq!(r.evaluate(&mut |_| None), Ok(()));
    }

    /// Core Lightning's rule (ccan/rune `rune_add_restr`): only the first restriction can be
    /// the unique id. Narrowing an unrestricted rune by `=ID` gives it that id (the fuzz crash
    /// of `fuzz/corpus/rune/regression-unique-id-appended-to-unrestricted-rune`: the empty id);
    /// narrowing a rune that has restrictions by `=ID` is refused, and never changes its id.
    #[test]
    fn refusals_are_worded_and_escaped_as_lightningd_does() {
        assert_eq!(
            refusal_message("pnamelabel is not equal to x"),
            "Not permitted: parameter label is not equal to x"
        );
        assert_eq!(
            refusal_message("parr0 not present"),
            "Not permitted: parameter #0 not present"
        );
        assert_eq!(
            refusal_message("method is not equal to a\"b\\c\u{1}\u{7f}\n"),
            "Not permitted: method is not equal to a\\\"b\\\\c\\u0001\\u007F\\n"
        );
    }

    #[test]
    fn restricting_by_a_unique_id() {
        let m = master();
        let bare = m.rune();
        assert_eq!(bare.unique_id(), None);
        let r = bare.restricted("=").unwrap();
        assert_eq!((r.unique_id(), r.version()), (Some(""), None));
        assert!(m.is_derived(&r));
        let r = bare.restricted("=7-2&method=getinfo").unwrap();
        assert_eq!((r.unique_id(), r.version()), (Some("7"), Some("2")));
        assert_eq!(Rune::decode(&r.encode()), Ok(r.clone()));
        assert_eq!(
            r.restricted("=8"),
            Err(RuneError::MisplacedUniqueId { index: 2 })
        );
        assert_eq!(
            bare.restricted("method=getinfo&="),
            Err(RuneError::MisplacedUniqueId { index: 1 })
        );
        // An empty field name beside another alternative is never a unique id.
        assert_eq!(
            bare.restricted("=1|method=getinfo"),
            Err(RuneError::MisplacedUniqueId { index: 0 })
        );
    }

    #[test]
    fn derivation_by_third_party() {
        let m = master();
        let minted = m
            .mint(
                Some("5"),
                None,
                &[
                    Restriction::parse("method=getinfo").unwrap(),
                    Restriction::parse("pnum<2|id^02").unwrap(),
                ],
            )
            .unwrap();
        // Someone holding only the id-5 rune can add the same restrictions.
        let holder = Rune::decode(&m.mint(Some("5"), None, &[]).unwrap().encode()).unwrap();
        let derived = holder.restricted("method=getinfo&pnum<2|id^02").unwrap();
        assert_eq!(derived, minted);
        assert!(m.is_derived(&derived));
        // Long restrictions span several SHA-256 blocks.
        let long = holder
            .restricted(&format!("f~{}&g=1", "x".repeat(200)))
            .unwrap();
        assert!(m.is_derived(&long));
        assert!(m.is_derived(&Rune::decode(&long.encode()).unwrap()));
        // Tampering is detected.
        let mut text = long.to_readable();
        text.push_str("&h=1");
        assert!(!m.is_derived(&Rune::from_readable(&text).unwrap()));
        let dropped = Rune::new(*long.authcode(), long.restrictions()[..2].to_vec()).unwrap();
        assert!(!m.is_derived(&dropped));
        assert_eq!(m.check(&dropped, &mut |_| None), Err(Refusal::NotDerived));
        assert!(!MasterRune::new(&[1; 16]).unwrap().is_derived(&long));
        assert_eq!(holder.restricted(""), Err(RuneError::EmptyRestriction));
        assert_eq!(
            holder.restricted("=1"),
            Err(RuneError::MisplacedUniqueId { index: 1 })
        );
    }

    #[test]
    fn evaluation_messages() {
        let m = master();
        let check = |restr: &str, pairs: &[(&str, &str)]| {
            let r = m.rune().restricted(restr).unwrap();
            m.check(&r, &mut fields(pairs))
                .map_err(|why| why.to_string())
        };
        let err = |s: &str| Err::<(), String>(s.into());
        assert_eq!(
            check("method=getinfo", &[("method", "pay")]),
            err("method is not equal to getinfo")
        );
        assert_eq!(check("method=getinfo", &[]), err("method not present"));
        assert_eq!(check("f1!", &[("f1", "")]), err("f1 is present"));
        assert_eq!(check("f1/v", &[("f1", "v")]), err("f1 is equal to v"));
        assert_eq!(check("f1/v", &[]), err("f1 not present"));
        assert_eq!(
            check("f1^ab", &[("f1", "b")]),
            err("f1 does not start with ab")
        );
        assert_eq!(
            check("f1$ab", &[("f1", "b")]),
            err("f1 does not end with ab")
        );
        assert_eq!(
            check("f1~ab", &[("f1", "b")]),
            err("f1 does not contain ab")
        );
        assert_eq!(
            check("pnum<2", &[("pnum", "2")]),
            err("pnum is greater or equal to 2")
        );
        assert_eq!(
            check("pnum>2", &[("pnum", "-3")]),
            err("pnum is less or equal to 2")
        );
        assert_eq!(
            check("pnum>2", &[("pnum", "x")]),
            err("pnum is not an integer field")
        );
        assert_eq!(
            check("pnum>x", &[("pnum", "3")]),
            err("x is not a valid integer")
        );
        assert_eq!(check("pnum>2", &[]), err("pnum not present"));
        assert_eq!(
            check("f{b", &[("f", "b")]),
            err("f is equal to or ordered after b")
        );
        assert_eq!(
            check("f}b", &[("f", "a")]),
            err("f is equal to or ordered before b")
        );
        assert_eq!(check("f#anything", &[]), Ok(()));
        assert_eq!(
            check("method=a|method=b&pnum<1", &[("method", "c")]),
            err("method is not equal to a AND method is not equal to b")
        );
        assert_eq!(
            check(
                "method=a|method=b&pnum<1",
                &[("method", "b"), ("pnum", "0")]
            ),
            Ok(())
        );
        assert_eq!(
            check("pnum<+5", &[("pnum", "-9223372036854775808")]),
            Ok(())
        );
        assert_eq!(
            check("pnum<99999999999999999999", &[("pnum", "1")]),
            err("99999999999999999999 is not a valid integer")
        );
        assert_eq!(check("f{b", &[("f", "")]), Ok(()));
        assert_eq!(check("f}a", &[("f", "é")]), Ok(()));

        // Fields are looked up lazily, only when a restriction mentions them.
        let rune = m.rune().restricted("method=getinfo&pnum=0").unwrap();
        let mut asked = Vec::new();
        let res = rune.evaluate(&mut |f: &str| {
            asked.push(f.to_string());
            (f == "method").then(|| "pay".to_string())
        });
        assert_eq!(
            (res.map_err(|why| why.to_string()), asked),
            (err("method is not equal to getinfo"), vec!["method".into()])
        );

        // A custom check can special-case fields (e.g. rate limits).
        let rune = m.rune().restricted("rate=1|method=getinfo").unwrap();
        let res = rune.evaluate_with(&mut |alt| match alt.field.as_str() {
            "rate" => Err(Refusal::Other("Rate of 1 per minute exceeded".into())),
            _ => alt.test(None),
        });
        assert_eq!(
            res.map_err(|why| why.to_string()),
            err("Rate of 1 per minute exceeded AND method not present")
        );
        // The same refusals as data.
        let typed = |restr: &str, pairs: &[(&str, &str)]| {
            m.check(&m.rune().restricted(restr).unwrap(), &mut fields(pairs))
        };
        let unsatisfied = |field: &str, op, value: &str| Refusal::Unsatisfied {
            field: field.into(),
            op,
            value: value.into(),
        };
        assert_eq!(
            typed("method=a|method=b&pnum<1", &[("method", "c")]),
            Err(Refusal::AllAlternatives(vec![
                unsatisfied("method", Op::Equal, "a"),
                unsatisfied("method", Op::Equal, "b"),
            ]))
        );
        assert_eq!(
            typed("method=a&pnum<1", &[("method", "a"), ("pnum", "x")]),
            Err(Refusal::NotAnInteger {
                field: "pnum".into()
            })
        );
        assert_eq!(
            typed("f1!", &[("f1", "")]),
            Err(Refusal::Present { field: "f1".into() })
        );
        assert_eq!(
            typed("pnum>2", &[]),
            Err(Refusal::Missing {
                field: "pnum".into()
            })
        );
        assert_eq!(
            typed("pnum>x", &[("pnum", "3")]),
            Err(Refusal::BadLimit { value: "x".into() })
        );
        let why = typed("pnamelabel=a\"b", &[("pnamelabel", "c")]).unwrap_err();
        assert_eq!(
            why.node_message(),
            "Not permitted: parameter label is not equal to a\\\"b"
        );
        assert_eq!(
            Refusal::NotDerived.node_message(),
            "Not authorized: Not derived from master"
        );
    }

    #[test]
    fn op_chars() {
        for op in Op::ALL {
            assert_eq!(Op::from_char(op.as_char()), Some(op));
        }
        assert_eq!(Op::from_char('_'), None);
        assert_eq!(
            Op::ALL.map(Op::as_char).iter().collect::<String>(),
            "!=/^$~<>{}#"
        );
    }

    fn arb_alternative() -> impl Strategy<Value = Alternative> {
        ("[a-zA-Z0-9_]{1,8}", 0..Op::ALL.len(), "[^\u{0}]{0,12}").prop_map(|(field, op, value)| {
            Alternative {
                field,
                op: Op::ALL[op],
                value,
            }
        })
    }

    fn arb_restrictions() -> impl Strategy<Value = Vec<Restriction>> {
        proptest::collection::vec(
            proptest::collection::vec(arb_alternative(), 1..4)
                .prop_map(|alternatives| Restriction { alternatives }),
            0..5,
        )
    }

    /// Restrictions over the fields a request has (and a few it lacks), values that hit.
    fn arb_checked_restrictions() -> impl Strategy<Value = Vec<Restriction>> {
        let field = proptest::sample::select(vec![
            "method", "pnamea", "pnameb", "parr0", "pnum", "time", "id", "rate", "per", "x",
        ]);
        let value = proptest::sample::select(vec![
            "getinfo", "get", "a", "1", "-5", "10", "", "100", "1min", "zz",
        ]);
        let alt = (field, 0..Op::ALL.len(), value).prop_map(|(f, op, v)| Alternative {
            field: f.into(),
            op: Op::ALL[op],
            value: v.into(),
        });
        proptest::collection::vec(
            proptest::collection::vec(alt, 1..3)
                .prop_map(|alternatives| Restriction { alternatives }),
            0..3,
        )
    }

    /// A request: method, params (object or array), caller id, time.
    fn arb_request() -> impl Strategy<Value = (String, String, Option<String>, i64)> {
        let value =
            proptest::sample::select(vec!["1", "-5", "10", "\"a\"", "\"10\"", "[1]", "null"]);
        let params = prop_oneof![
            (value.clone(), value.clone(), any::<bool>()).prop_map(|(a, b, both)| if both {
                format!("{{\"a\": {a}, \"b\": {b}}}")
            } else {
                format!("{{\"a\": {a}}}")
            }),
            value.prop_map(|v| format!("[{v}]")),
            Just("{}".to_string()),
        ];
        let method = proptest::sample::select(vec!["getinfo", "a", "listfunds", "getx"]);
        let peer = proptest::option::of(Just(format!("02{}", "ab".repeat(32))));
        (method.prop_map(String::from), params, peer, 0i64..200)
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>(), bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Rune::decode(&s);
            let _ = Rune::from_readable(&s);
            let _ = Restriction::parse(&s);
            let _ = Rune::from_readable(&format!("{MASTER_ZERO}:{s}"));
            let _ = master().rune().restricted(&s);
            let mut raw = vec![0u8; 32];
            raw.extend_from_slice(&bytes);
            let _ = Rune::decode(&b64_encode(&raw));
            let _ = Rune::decode(&b64_encode(&bytes));
            let _ = b64_decode(&s);
        }

        #[test]
        fn restriction_text_never_panics(s in "[a-z0-9=/^$~<>{}#!|&\\\\_:.é ]{0,40}") {
            if let Ok(rune) = Rune::from_readable(&format!("{MASTER_ZERO}:{s}")) {
                // Whatever parses re-encodes to something that parses to the same rune.
                prop_assert_eq!(Rune::from_readable(&rune.to_readable()).unwrap(), rune.clone());
                let pairs: Vec<(&str, &str)> = vec![("a", "1"), ("b", "x")];
                let _ = rune.evaluate(&mut fields(&pairs));
            }
        }

        #[test]
        fn valid_runes_round_trip(
            id in proptest::option::of("[0-9a-z]{0,4}"),
            restrictions in arb_restrictions(),
        ) {
            let m = master();
            let rune = m.mint(id.as_deref(), None, &restrictions).unwrap();
            let enc = rune.encode();
            let decoded = Rune::decode(&enc).unwrap();
            prop_assert_eq!(&decoded, &rune);
            prop_assert_eq!(decoded.encode(), enc.clone());
            prop_assert_eq!(&Rune::decode(enc.trim_end_matches('=')).unwrap(), &rune);
            prop_assert_eq!(&Rune::from_readable(&rune.to_readable()).unwrap(), &rune);
            prop_assert!(m.is_derived(&decoded));
            prop_assert_eq!(decoded.unique_id(), id.as_deref());
            for r in &restrictions {
                prop_assert_eq!(&Restriction::parse(&r.encode()).unwrap(), r);
            }
            // Appending via text equals appending the parsed structure.
            if !restrictions.is_empty() {
                let text = restrictions.iter().map(Restriction::encode).collect::<Vec<_>>().join("&");
                let base = m.mint(id.as_deref(), None, &[]).unwrap();
                prop_assert_eq!(base.restricted(&text).unwrap(), rune);
            }
        }

        #[test]
        fn narrowing_never_allows_more(
            parent in arb_checked_restrictions(),
            extra in arb_checked_restrictions(),
            req in arb_request(),
        ) {
            let m = master();
            let parent = m.mint(Some("0"), None, &parent).unwrap();
            let mut narrowed = parent.clone();
            for r in &extra {
                narrowed.add_restriction(r.clone()).unwrap();
            }
            let (method, params, peer, time) = &req;
            let request = Request::new(method, params, peer.as_deref(), *time).unwrap();
            let before = parent.check(&request);
            let after = narrowed.check(&request);
            match &before {
                // The parent's restrictions come first: its refusal stays as it was.
                Verdict::Refused(_) => prop_assert_eq!(&after, &before),
                // Its doubt stays, unless an added restriction surely refuses.
                Verdict::Unknown(_) => prop_assert!(after == before || matches!(after, Verdict::Refused(_))),
                Verdict::Allowed => {}
            }
            if after == Verdict::Allowed {
                prop_assert_eq!(before, Verdict::Allowed);
            }
        }

        #[test]
        fn narrowed_runes_round_trip_and_verify_as_their_parent(
            parent in arb_restrictions(),
            extra in proptest::collection::vec(arb_checked_restrictions(), 1..3),
            forged in any::<bool>(),
            authcode in any::<[u8; 32]>(),
        ) {
            let m = master();
            let parent = if forged {
                Rune::new(authcode, parent).unwrap()
            } else {
                m.mint(Some("7"), None, &parent).unwrap()
            };
            let mut narrowed = parent.clone();
            let mut want = parent.restrictions().to_vec();
            for r in extra.iter().flatten() {
                narrowed.add_restriction(r.clone()).unwrap();
                want.push(r.clone());
            }
            let decoded = Rune::decode(&narrowed.encode()).unwrap();
            prop_assert_eq!(&decoded, &narrowed);
            prop_assert_eq!(decoded.restrictions(), want.as_slice());
            prop_assert_eq!(&Rune::from_readable(&narrowed.to_readable()).unwrap(), &narrowed);
            prop_assert_eq!(m.is_derived(&decoded), m.is_derived(&parent));
            prop_assert_eq!(m.is_derived(&decoded), !forged || m.is_derived(&parent));
        }
    }
}
