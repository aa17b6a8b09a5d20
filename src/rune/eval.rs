//! Evaluating a rune against a request's fields, and why it refused: [`Refusal`], worded as
//! Core Lightning words it.

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
}

impl Refusal {
    /// The message Core Lightning answers with when a rune refuses a call: `Not permitted: `
    /// and the explanation, JSON-escaped, its leading field name in English (`pnum…` → `number
    /// of parameters…`, `pnameX…` → `parameter X…`); for [`Refusal::NotDerived`], `Not
    /// authorized: Not derived from master`.
    pub fn node_message(&self) -> String {
        match self {
            Refusal::NotDerived => format!("Not authorized: {self}"),
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
        }
    }
}

impl std::error::Error for Refusal {}

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

impl Alternative {
    /// Tests this alternative against a field's value (`None`: the field is missing).
    ///
    /// `<` and `>` parse both the field value and the rule value as `i64` (optional sign,
    /// decimal digits).
    pub fn test(&self, value: Option<&str>) -> Result<(), Refusal> {
        let field = || self.field.clone();
        let Some(val) = value else {
            return match self.op {
                Op::Missing | Op::Comment => Ok(()),
                _ => Err(Refusal::Missing { field: field() }),
            };
        };
        let v = self.value.as_str();
        let ok = match self.op {
            Op::Comment => true,
            Op::Missing => return Err(Refusal::Present { field: field() }),
            Op::Equal => val == v,
            Op::NotEqual => val != v,
            Op::StartsWith => val.starts_with(v),
            Op::EndsWith => val.ends_with(v),
            Op::Contains => val.contains(v),
            Op::LessThan | Op::GreaterThan => {
                let Ok(actual) = val.parse::<i64>() else {
                    return Err(Refusal::NotAnInteger { field: field() });
                };
                let Ok(limit) = v.parse::<i64>() else {
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
