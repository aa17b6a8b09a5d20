//! Evaluating a rune against a request's fields, and why it refused: [`Refusal`], worded as
//! Core Lightning words it.

use crate::prelude::*;

use super::{Alternative, Op, Restriction, Rune};
use core::fmt;

/// Why a rune refused: the first restriction that failed, as data. Its text ([`fmt::Display`])
/// is Core Lightning's explanation (`method is not equal to getinfo`); [`Refusal::node_message`]
/// is the message the node answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// An alternative names a field the request does not have: `FIELD not present`.
    Missing {
        /// The field.
        field: String,
    },
    /// `FIELD!` and the field is there: `FIELD is present`.
    Present {
        /// The field.
        field: String,
    },
    /// The field's value does not satisfy the operator: `FIELD is not equal to VALUE`, …
    Unsatisfied {
        /// The field.
        field: String,
        /// The operator it failed.
        op: Op,
        /// The restriction's value.
        value: String,
    },
    /// `<` or `>` on a field whose value is not an integer: `FIELD is not an integer field`.
    NotAnInteger {
        /// The field.
        field: String,
    },
    /// `<` or `>` with a restriction value that is not an `i64`: `VALUE is not a valid integer`.
    BadLimit {
        /// The restriction's value.
        value: String,
    },
    /// A refusal of the caller's own check ([`Rune::evaluate_with`]), e.g. a rate limit.
    Other(String),
    /// Every alternative of one restriction refused: their reasons, joined by ` AND `.
    AllAlternatives(Vec<Refusal>),
    /// The rune does not derive from the node's secret (`MasterRune::check`).
    NotDerived,
    /// The rune's unique id is missing or not a number (Core Lightning mints only numeric
    /// ones, and refuses others before looking at any restriction).
    BadUniqueId,
}

impl Refusal {
    /// The message Core Lightning answers with when a rune refuses a call: `Not permitted: `
    /// and the explanation, JSON-escaped, its leading field name in English (`pnum…` → `number
    /// of parameters…`, `pnameX…` → `parameter X…`); for [`Refusal::NotDerived`], `Not
    /// authorized: Not derived from master`.
    pub fn node_message(&self) -> String {
        match self {
            Refusal::NotDerived => format!("Not authorized: {self}"),
            Refusal::BadUniqueId => format!("rune: {self}: invalid token (see logs for details)"),
            why => refusal_message(&why.to_string()),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Missing { field } => write!(f, "{field} not present"),
            Refusal::Present { field } => write!(f, "{field} is present"),
            Refusal::Unsatisfied { field, op, value } => {
                let complaint = match op {
                    Op::Equal => "is not equal to",
                    Op::NotEqual => "is equal to",
                    Op::StartsWith => "does not start with",
                    Op::EndsWith => "does not end with",
                    Op::Contains => "does not contain",
                    Op::LessThan => "is greater or equal to",
                    Op::GreaterThan => "is less or equal to",
                    Op::SortsBefore => "is equal to or ordered after",
                    Op::SortsAfter => "is equal to or ordered before",
                    // Never built: `!` refuses as Present, `#` never refuses.
                    Op::Missing | Op::Comment => "fails",
                };
                write!(f, "{field} {complaint} {value}")
            }
            Refusal::NotAnInteger { field } => write!(f, "{field} is not an integer field"),
            Refusal::BadLimit { value } => write!(f, "{value} is not a valid integer"),
            Refusal::Other(why) => f.write_str(why),
            Refusal::AllAlternatives(all) => {
                for (i, why) in all.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" AND ")?;
                    }
                    write!(f, "{why}")?;
                }
                Ok(())
            }
            Refusal::NotDerived => f.write_str("Not derived from master"),
            Refusal::BadUniqueId => f.write_str("should have valid numeric unique_id"),
        }
    }
}

impl core::error::Error for Refusal {}

/// What Core Lightning answers when a rune refuses a call, from the evaluation's explanation
/// `why` (a [`Refusal`]'s text): `Not permitted: ` and `why` with its leading field name in
/// English, as lightningd's `checkrune` words it: `pnameX…` → `parameter X…`, `parrN…` →
/// `parameter #N…`, `pnum…` → `number of parameters…`, `pinvX…` → `invoice parameter X…`
/// (only the first field of the explanation is reworded, as there). As there, the
/// explanation is JSON-escaped first, so a quote or backslash in a value shows escaped in the
/// message (`… is not equal to a\"b`).
pub(crate) fn refusal_message(why: &str) -> String {
    let mut escaped = String::with_capacity(why.len());
    for c in why.chars() {
        match c {
            '"' => escaped.push_str("\\\""),
            '\\' => escaped.push_str("\\\\"),
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            '\u{8}' => escaped.push_str("\\b"),
            '\u{c}' => escaped.push_str("\\f"),
            // ccan's json_escape, not json::write_string: upper-case hex, and DEL too.
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                escaped.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => escaped.push(c),
        }
    }
    let why = escaped.as_str();
    let english = [
        ("pname", "parameter "),
        ("parr", "parameter #"),
        ("pnum", "number of parameters"),
        ("pinv", "invoice parameter "),
    ]
    .iter()
    .find_map(|(prefix, words)| {
        why.strip_prefix(prefix)
            .map(|rest| format!("{words}{rest}"))
    });
    format!("Not permitted: {}", english.as_deref().unwrap_or(why))
}

/// A field's value as Core Lightning hands it to a test: an integer (a JSON integer parameter,
/// `time`, `pnum`) or text (everything else: a string parameter's contents, the method, the
/// node id, another value's JSON). `<` and `>` only compare integers; the other operators see
/// an integer as its decimal text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// An integer.
    Int(i64),
    /// Text.
    Text(&'a str),
}

/// What C's `strtol` family reads before the digits: leading whitespace (`isspace`), then an
/// optional sign. Whether the number is negative, and the text after the sign.
pub(crate) fn c_sign(s: &str) -> (bool, &str) {
    let t = s.trim_start_matches([' ', '\t', '\n', '\u{b}', '\u{c}', '\r']);
    match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    }
}

/// C's `strtol(s, &end, 10)` accepting only when it reads all of `s`: optional leading
/// whitespace, an optional sign, decimal digits, no overflow. Core Lightning reads a rune's
/// `<`/`>` limit this way.
pub(crate) fn c_integer(s: &str) -> Option<i64> {
    let (negative, digits) = c_sign(s);
    if digits.is_empty() {
        return None;
    }
    let mut v: i64 = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        let d = i64::from(b - b'0');
        v = v.checked_mul(10)?;
        v = if negative {
            v.checked_sub(d)?
        } else {
            v.checked_add(d)?
        };
    }
    Some(v)
}

impl Alternative {
    /// Tests this alternative against a field's text value (`None`: the field is missing), as
    /// Core Lightning's rune test vectors do: text that reads as an integer (see
    /// [`FieldValue`]) is an integer.
    pub fn test(&self, value: Option<&str>) -> Result<(), Refusal> {
        self.test_value(value.map(|v| match c_integer(v) {
            Some(i) => FieldValue::Int(i),
            None => FieldValue::Text(v),
        }))
    }

    /// Tests this alternative against a field's value (`None`: the field is missing), as
    /// Core Lightning's `rune_alt_single` does.
    pub fn test_value(&self, value: Option<FieldValue<'_>>) -> Result<(), Refusal> {
        let field = || self.field.clone();
        let digits;
        let (val, int) = match value {
            None => {
                return match self.op {
                    Op::Missing | Op::Comment => Ok(()),
                    _ => Err(Refusal::Missing { field: field() }),
                };
            }
            Some(FieldValue::Int(i)) => {
                digits = i.to_string();
                (digits.as_str(), Some(i))
            }
            Some(FieldValue::Text(t)) => (t, None),
        };
        let v = self.value.as_str();
        let ok = match self.op {
            Op::Comment => true,
            Op::Missing => return Err(Refusal::Present { field: field() }),
            Op::Equal => val == v,
            Op::NotEqual => val != v,
            Op::StartsWith => val.as_bytes().starts_with(v.as_bytes()),
            Op::EndsWith => val.as_bytes().ends_with(v.as_bytes()),
            // Bytewise, as C's memmem (`str::contains` would cost the wasm core's string
            // slicing panics).
            Op::Contains => {
                v.is_empty() || val.as_bytes().windows(v.len()).any(|w| w == v.as_bytes())
            }
            Op::LessThan | Op::GreaterThan => {
                let Some(actual) = int else {
                    return Err(Refusal::NotAnInteger { field: field() });
                };
                let Some(limit) = c_integer(v) else {
                    return Err(Refusal::BadLimit { value: v.into() });
                };
                if self.op == Op::LessThan {
                    actual < limit
                } else {
                    actual > limit
                }
            }
            Op::SortsBefore => val.as_bytes() < v.as_bytes(),
            Op::SortsAfter => val.as_bytes() > v.as_bytes(),
        };
        if ok {
            Ok(())
        } else {
            Err(Refusal::Unsatisfied {
                field: field(),
                op: self.op,
                value: v.into(),
            })
        }
    }
}

impl Restriction {
    /// Tests the alternatives with `check` until one passes; on failure, the sole
    /// alternative's refusal or [`Refusal::AllAlternatives`].
    pub fn test(
        &self,
        check: &mut dyn FnMut(&Alternative) -> Result<(), Refusal>,
    ) -> Result<(), Refusal> {
        let mut reasons = Vec::new();
        for alt in &self.alternatives {
            match check(alt) {
                Ok(()) => return Ok(()),
                Err(e) => reasons.push(e),
            }
        }
        Err(match reasons.len() {
            1 => reasons.remove(0),
            _ => Refusal::AllAlternatives(reasons),
        })
    }
}

impl Rune {
    /// Evaluates the restrictions against field values: `fields(name)` returns the field's
    /// value or `None` if missing; it is only called for the fields the rune mentions, so
    /// values can be computed lazily. The unique id is not evaluated. On failure, the first
    /// failing restriction's [`Refusal`].
    pub fn evaluate(&self, fields: &mut dyn FnMut(&str) -> Option<String>) -> Result<(), Refusal> {
        self.evaluate_with(&mut |alt| alt.test(fields(&alt.field).as_deref()))
    }

    /// Evaluates with a custom per-alternative check (as Core Lightning does for fields such
    /// as `rate` or `per` that are not plain values); usually `check` ends with
    /// [`Alternative::test`]. The unique-id restriction is skipped.
    pub fn evaluate_with(
        &self,
        check: &mut dyn FnMut(&Alternative) -> Result<(), Refusal>,
    ) -> Result<(), Refusal> {
        for r in self.restrictions.iter().filter(|r| !r.is_unique_id()) {
            r.test(check)?;
        }
        Ok(())
    }
}
