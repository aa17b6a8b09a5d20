//! Which calls a rune allows, decided as Core Lightning's `checkrune` decides
//! (`lightningd/runes.c`): the fields of one commando request ([`Request`]) and a rune's verdict
//! on it ([`Rune::check`]). A browser asks before it calls; the test node decides with the same
//! code when a call arrives, adding what only a node knows (when the rune was last used).

use crate::prelude::*;

use super::eval::{c_integer, c_sign};
use super::{Alternative, FieldValue, Op, Refusal, Rune};
use crate::json::{self, Member};
use core::fmt;
use core::ops::Range;

/// Why [`Request::new`] refused its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestFieldsError {
    /// `params` is not a JSON object or array.
    Params,
    /// The caller's node id is not 66 hex digits.
    NodeId,
}

impl fmt::Display for RequestFieldsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestFieldsError::Params => "params must be a JSON object or array",
            RequestFieldsError::NodeId => "nodeId must be 66 hex digits (a 33-byte public key)",
        })
    }
}

impl core::error::Error for RequestFieldsError {}

/// What a rune's restriction depends on when [`Rune::check`] cannot answer alone.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pending {
    /// `rate` or `per` (the field): when the node last accepted a rune with this unique id.
    RateLimit {
        /// `rate` or `per`.
        field: String,
        /// The time it wants between two uses of the rune, in nanoseconds.
        interval_ns: u64,
    },
    /// A `pinv…` field of an invoice in the parameters: only the node decodes it.
    Invoice {
        /// The field.
        field: String,
    },
    /// `id`: the caller's node id, which was not given.
    NodeId,
}

impl fmt::Display for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pending::RateLimit { field, .. } => write!(
                f,
                "{field}: depends on when the node last accepted this rune (its rate limit)"
            ),
            Pending::Invoice { field } => write!(
                f,
                "{field}: depends on the invoice, which only the node decodes"
            ),
            Pending::NodeId => {
                f.write_str("id: depends on the caller's node id, which was not given")
            }
        }
    }
}

/// A rune's verdict on a request ([`Rune::check`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// The restrictions allow the call (the node still checks that the rune is its own and not
    /// blacklisted).
    Allowed,
    /// The node refuses the call: with [`Refusal::node_message`] after `Invalid rune: `.
    Refused(Refusal),
    /// The answer depends on the node's state or on something not given.
    Unknown(Pending),
}

/// The fields of one commando request that a rune restricts, as Core Lightning derives them
/// from the JSON it receives: `method` (the method token's text: a string's contents with its
/// escapes), `id` (the caller's node id), `time` (unix seconds), `pnum` (how many parameters),
/// `pnameNAME` (a named parameter, its name as written or without punctuation: `amount_msat` is
/// `pnameamountmsat`), `parrN` (the N-th positional parameter). A parameter that is a JSON
/// integer fitting an `i64` is an integer; a string is its contents with escapes (`a\"b`); any
/// other value is its JSON text.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    method: String,
    params: &'a str,
    named: Vec<Member>,
    positional: Vec<Range<usize>>,
    peer: Option<String>,
    time: i64,
}

impl<'a> Request<'a> {
    /// A call as this library sends it: `method` (JSON-escaped on the wire as
    /// [`crate::commando`] encodes it, which is what the node's `method` field sees), `params`
    /// the JSON object or array text sent, `peer` the caller's node id if known, `time` unix
    /// seconds.
    pub fn new(
        method: &str,
        params: &'a str,
        peer: Option<&str>,
        time: i64,
    ) -> Result<Request<'a>, RequestFieldsError> {
        let mut quoted = Vec::new();
        json::write_string(&mut quoted, method);
        let method = String::from_utf8(token_text(&quoted).to_vec()).unwrap_or_default();
        let peer = match peer {
            Some(p) => {
                crate::hex::decode_array::<33>(p).map_err(|_| RequestFieldsError::NodeId)?;
                Some(p.to_ascii_lowercase())
            }
            None => None,
        };
        let (named, positional) = params_items(params).ok_or(RequestFieldsError::Params)?;
        Ok(Request {
            method,
            params,
            named,
            positional,
            peer,
            time,
        })
    }

    /// A request as a node receives it: the method token's JSON text, the params' JSON text
    /// (an object or array; anything else counts as no parameters), the peer's node id.
    #[cfg(feature = "node")]
    pub(crate) fn received(
        method_token: &[u8],
        params: &'a str,
        peer: &str,
        time: i64,
    ) -> Request<'a> {
        let (params, (named, positional)) = match params_items(params) {
            Some(items) => (params, items),
            None => ("{}", (Vec::new(), Vec::new())),
        };
        Request {
            method: String::from_utf8_lossy(token_text(method_token)).into_owned(),
            params,
            named,
            positional,
            peer: Some(peer.to_ascii_lowercase()),
            time,
        }
    }

    /// The `method` field's text (the method token's contents, escapes kept).
    #[cfg(feature = "node")]
    pub(crate) fn method_text(&self) -> &str {
        &self.method
    }

    /// How many parameters (`pnum`).
    fn count(&self) -> usize {
        self.named.len() + self.positional.len()
    }

    /// The value of `pnameX` or `parrN`, if the request has it.
    fn param(&self, field: &str) -> Option<FieldValue<'_>> {
        let range = if let Some(name) = field.strip_prefix("pname") {
            // The first member whose name, as written or without punctuation, is `name`.
            self.named.iter().find_map(|m| {
                let key = self.params.as_bytes().get(m.key.clone())?;
                let bare = key.iter().filter(|c| !c.is_ascii_punctuation());
                let matches = key == name.as_bytes() || bare.eq(name.as_bytes().iter());
                matches.then(|| m.value.clone())
            })
        } else {
            // `parrN` with N as Core Lightning prints it: no sign, no leading zeros.
            let n = field.strip_prefix("parr")?;
            let canonical = !n.is_empty()
                && n.bytes().all(|c| c.is_ascii_digit())
                && (n == "0" || !n.starts_with('0'));
            if !canonical {
                return None;
            }
            self.positional.get(n.parse::<usize>().ok()?).cloned()
        }?;
        let tok = self.params.get(range)?;
        Some(match tok.as_bytes().first() {
            Some(b'"') => FieldValue::Text(tok.get(1..tok.len() - 1).unwrap_or_default()),
            Some(b'{' | b'[') => FieldValue::Text(tok),
            _ => match c_integer(tok) {
                Some(i) => FieldValue::Int(i),
                None => FieldValue::Text(tok),
            },
        })
    }

    /// `pinvPARAM_amount`, `_description`, `_node`: a field of the invoice in parameter `PARAM`.
    /// Refused when the field or the parameter is unknown; else only the node, which decodes
    /// the invoice, can tell.
    fn invoice_field(&self, field: &str) -> Result<Result<(), Refusal>, Pending> {
        let inv = field.strip_prefix("pinv").unwrap_or_default();
        let param = ["_amount", "_description", "_node"]
            .iter()
            .find_map(|suffix| inv.strip_suffix(suffix));
        let Some(param) = param else {
            return Ok(Err(Refusal::Other(format!("Unknown invoice field {inv}"))));
        };
        if self.param(&format!("pname{param}")).is_none() {
            return Ok(Err(Refusal::Other(format!(
                "Unknown invoice parameter {param}"
            ))));
        }
        Err(Pending::Invoice {
            field: field.into(),
        })
    }

    /// Tests one alternative as `checkrune`'s `check_condition` does; `Err` when the answer
    /// depends on what only the node knows (for `rate`/`per`, only once their form is valid).
    pub(crate) fn test(&self, alt: &Alternative) -> Result<Result<(), Refusal>, Pending> {
        let value = match alt.field.as_str() {
            "time" => Some(FieldValue::Int(self.time)),
            "id" => match &self.peer {
                Some(p) => Some(FieldValue::Text(p)),
                None => return Err(Pending::NodeId),
            },
            "method" => Some(FieldValue::Text(&self.method)),
            "pnum" => Some(FieldValue::Int(
                i64::try_from(self.count()).unwrap_or(i64::MAX),
            )),
            field @ ("rate" | "per") => {
                return match interval_ns(alt) {
                    Ok(interval_ns) => Err(Pending::RateLimit {
                        field: field.into(),
                        interval_ns,
                    }),
                    Err(why) => Ok(Err(why)),
                };
            }
            field if field.starts_with("pinv") => return self.invoice_field(field),
            field => self.param(field),
        };
        Ok(alt.test_value(value))
    }
}

/// The members of a params object, or the elements of a params array (`None`: neither).
fn params_items(params: &str) -> Option<(Vec<Member>, Vec<Range<usize>>)> {
    let b = params.as_bytes();
    match json::first_byte(b) {
        Some(b'{') => Some((json::members(b).ok()?, Vec::new())),
        Some(b'[') => Some((Vec::new(), json::elements(b).ok()?)),
        _ => None,
    }
}

/// A JSON token's text as a rune field sees it: a string's contents (escapes kept), anything
/// else verbatim.
fn token_text(tok: &[u8]) -> &[u8] {
    match tok {
        [b'"', inner @ .., b'"'] => inner,
        other => other,
    }
}

/// C's `strtoul(s, &end, 10)`: the number (`u64::MAX` on overflow or for a negative number,
/// as C wraps it; `None` when no digit was read) and the text after it.
fn c_unsigned(s: &str) -> (Option<u64>, &str) {
    let (negative, body) = c_sign(s);
    let end = body
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(body.len());
    let (digits, rest) = (
        body.get(..end).unwrap_or_default(),
        body.get(end..).unwrap_or_default(),
    );
    if digits.is_empty() {
        return (None, s);
    }
    let n = digits.parse::<u64>().unwrap_or(u64::MAX);
    let n = if negative && n != 0 { u64::MAX } else { n };
    (Some(n), rest)
}

/// How long a `rate=N` (N calls a minute) or `per=N[unit]` alternative wants between two uses
/// of the rune, in nanoseconds; or Core Lightning's complaint about its form.
fn interval_ns(alt: &Alternative) -> Result<u64, Refusal> {
    let name = alt.field.as_str();
    let bad = |why: &str| Err(Refusal::Other(why.into()));
    if alt.op != Op::Equal {
        return Err(Refusal::Other(format!("{name} operator must be =")));
    }
    let (n, rest) = c_unsigned(&alt.value);
    let n = n.filter(|&n| n != 0 && n < u64::from(u32::MAX));
    const SEC: u64 = 1_000_000_000;
    if name == "rate" {
        return match n {
            Some(n) if rest.is_empty() => Ok(60 * SEC / n),
            _ => bad("malformed rate"),
        };
    }
    let Some(n) = n else {
        return bad("malformed per");
    };
    let unit = match rest {
        "" | "sec" => SEC,
        "nsec" => 1,
        "usec" => 1_000,
        "msec" => 1_000_000,
        "min" => 60 * SEC,
        "hour" => 3_600 * SEC,
        "day" => 86_400 * SEC,
        _ => return bad("malformed suffix"),
    };
    n.checked_mul(unit).map_or_else(|| bad("per overflow"), Ok)
}

/// C's `strtoull(s, &end, 0)` reading all of `s` to a value that fits an `i64`: Core
/// Lightning's test of a rune's unique id (`unique_id_num`). As in C, an empty text reads as 0.
fn c_unique_id(s: &str) -> bool {
    let (negative, body) = c_sign(s);
    let hex = body
        .strip_prefix("0x")
        .or_else(|| body.strip_prefix("0X"))
        .filter(|h| h.starts_with(|c: char| c.is_ascii_hexdigit()));
    let (digits, radix) = match hex {
        Some(h) => (h, 16),
        None if body.starts_with('0') => (body, 8),
        None => (body, 10),
    };
    if digits.is_empty() {
        // No conversion: `end` is `s` itself.
        return s.is_empty();
    }
    if !digits.chars().all(|c| c.is_digit(radix)) {
        return false;
    }
    match u64::from_str_radix(digits, radix) {
        Ok(0) => true,
        Ok(n) => !negative && n <= i64::MAX as u64,
        Err(_) => false,
    }
}

impl Rune {
    /// Whether Core Lightning accepts this rune's unique id (it mints only numeric ones and
    /// refuses others before any restriction: [`Refusal::BadUniqueId`]).
    pub fn has_valid_unique_id(&self) -> bool {
        self.unique_id().is_some_and(c_unique_id)
    }

    /// What this rune's restrictions say of `request`, as Core Lightning's `checkrune` decides:
    /// restrictions in order, the first that fails refuses (with the reasons of all its
    /// alternatives). A restriction that depends on the node's state (`rate`, `per`) or on what
    /// was not given, and that no other alternative of it passes, makes the verdict
    /// [`Verdict::Unknown`], unless a later restriction surely fails: then the call is surely
    /// refused, with that restriction's message unless the node finds the earlier one failing
    /// first.
    /// Not checked (only the node can): that the rune derives from the node's secret, and the
    /// node's blacklist.
    pub fn check(&self, request: &Request<'_>) -> Verdict {
        if !self.has_valid_unique_id() {
            return Verdict::Refused(Refusal::BadUniqueId);
        }
        let mut unknown = None;
        for r in self.restrictions.iter().filter(|r| !r.is_unique_id()) {
            let mut reasons = Vec::new();
            let mut pending = None;
            let mut passed = false;
            for alt in &r.alternatives {
                match request.test(alt) {
                    Ok(Ok(())) => {
                        passed = true;
                        break;
                    }
                    Ok(Err(why)) => reasons.push(why),
                    Err(p) => {
                        pending.get_or_insert(p);
                    }
                }
            }
            match (passed, pending) {
                (true, _) => {}
                (false, Some(p)) => {
                    unknown.get_or_insert(p);
                }
                (false, None) => {
                    return Verdict::Refused(match reasons.len() {
                        1 => reasons.remove(0),
                        _ => Refusal::AllAlternatives(reasons),
                    });
                }
            }
        }
        unknown.map_or(Verdict::Allowed, Verdict::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_numbers() {
        assert_eq!(c_integer(" \t+42"), Some(42));
        assert_eq!(c_integer("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(c_integer("9223372036854775808"), None);
        assert_eq!(c_integer("42 "), None);
        assert_eq!(c_integer(""), None);
        assert_eq!(c_integer("-"), None);
        assert_eq!(c_unsigned("10min"), (Some(10), "min"));
        assert_eq!(c_unsigned("-3"), (Some(u64::MAX), ""));
        assert_eq!(c_unsigned("x"), (None, "x"));
        for ok in [
            "0",
            "7",
            "0x1f",
            "017",
            "",
            "-0",
            " 5",
            "9223372036854775807",
        ] {
            assert!(c_unique_id(ok), "{ok:?}");
        }
        for bad in [
            "08",
            "0x",
            "-1",
            " ",
            "+",
            "1a",
            "9223372036854775808",
            "0xg",
        ] {
            assert!(!c_unique_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn rate_and_per_forms() {
        let alt = |f: &str, op, v: &str| Alternative::new(f, op, v).unwrap();
        let ns = |f, v| interval_ns(&alt(f, Op::Equal, v));
        assert_eq!(ns("rate", "2"), Ok(30_000_000_000));
        assert_eq!(ns("per", "10min"), Ok(600_000_000_000));
        assert_eq!(ns("per", "5"), Ok(5_000_000_000));
        assert_eq!(ns("per", "3nsec"), Ok(3));
        let other = |s: &str| Err(Refusal::Other(s.into()));
        assert_eq!(ns("rate", "0"), other("malformed rate"));
        assert_eq!(ns("rate", "2x"), other("malformed rate"));
        assert_eq!(ns("rate", "4294967295"), other("malformed rate"));
        assert_eq!(ns("per", "0"), other("malformed per"));
        assert_eq!(ns("per", "1week"), other("malformed suffix"));
        assert_eq!(ns("per", "4294967294day"), other("per overflow"));
        assert_eq!(
            interval_ns(&alt("rate", Op::LessThan, "1")),
            other("rate operator must be =")
        );
    }

    #[test]
    fn fields_as_core_lightning_derives_them() {
        let p =
            r#"{"amount_msat": 5, "label": "a\"b", "n": -0, "f": 1.5, "o": {"x": [1]}, "s": "7"}"#;
        let r = Request::new("get\"info", p, None, 100).unwrap();
        let v = |f: &str| r.param(f);
        assert_eq!(r.method, r#"get\"info"#);
        assert_eq!(v("pnameamountmsat"), Some(FieldValue::Int(5)));
        assert_eq!(v("pnameamount_msat"), Some(FieldValue::Int(5)));
        assert_eq!(v("pnamelabel"), Some(FieldValue::Text(r#"a\"b"#)));
        assert_eq!(v("pnamen"), Some(FieldValue::Int(0)));
        assert_eq!(v("pnamef"), Some(FieldValue::Text("1.5")));
        assert_eq!(v("pnameo"), Some(FieldValue::Text(r#"{"x": [1]}"#)));
        assert_eq!(v("pnames"), Some(FieldValue::Text("7")));
        assert_eq!(v("parr0"), None);
        let a = Request::new("m", r#"[10, "x"]"#, None, 0).unwrap();
        assert_eq!(a.param("parr0"), Some(FieldValue::Int(10)));
        assert_eq!(a.param("parr1"), Some(FieldValue::Text("x")));
        assert_eq!(a.param("parr01"), None);
        assert_eq!(a.param("parr+1"), None);
        assert_eq!(a.param("pnamex"), None);
        assert_eq!(
            Request::new("m", "5", None, 0).err(),
            Some(RequestFieldsError::Params)
        );
        assert_eq!(
            Request::new("m", "{}", Some("02zz"), 0).err(),
            Some(RequestFieldsError::NodeId)
        );
    }

    #[test]
    fn verdicts() {
        let base = Rune::new([1; 32], vec![]).unwrap();
        let rune = |text: &str| base.restricted(&format!("=0&{text}")).unwrap();
        let req = Request::new("getinfo", r#"{"s": "5", "i": 5}"#, None, 1000).unwrap();
        assert_eq!(rune("method=getinfo").check(&req), Verdict::Allowed);
        let Verdict::Refused(why) = rune("method=listfunds").check(&req) else {
            panic!("not refused")
        };
        assert_eq!(
            why.node_message(),
            "Not permitted: method is not equal to listfunds"
        );
        // A string parameter is not an integer, even when it reads as one.
        let Verdict::Refused(why) = rune("pnames<9").check(&req) else {
            panic!("not refused")
        };
        assert_eq!(why.to_string(), "pnames is not an integer field");
        assert_eq!(rune("pnamei<9").check(&req), Verdict::Allowed);
        assert_eq!(rune("time<1001").check(&req), Verdict::Allowed);
        assert!(matches!(
            rune("rate=1").check(&req),
            Verdict::Unknown(Pending::RateLimit { .. })
        ));
        // Another alternative passing decides; a malformed rate is a refusal.
        assert_eq!(rune("rate=1|method=getinfo").check(&req), Verdict::Allowed);
        assert!(matches!(rune("rate=x").check(&req), Verdict::Refused(_)));
        assert_eq!(
            rune("id=02aa").check(&req),
            Verdict::Unknown(Pending::NodeId)
        );
        // Invoice fields: an unknown field or parameter is refused; a present one is unknown.
        let refused = |text: &str| match rune(text).check(&req) {
            Verdict::Refused(why) => why.node_message(),
            other => format!("{other:?}"),
        };
        assert_eq!(
            refused("pinvfoo=1"),
            "Not permitted: Unknown invoice field foo"
        );
        assert_eq!(
            refused("pinvbolt11_amount<5"),
            "Not permitted: Unknown invoice parameter bolt11"
        );
        assert!(matches!(
            rune("pinvs_amount<5").check(&req),
            Verdict::Unknown(Pending::Invoice { .. })
        ));
        // A sure refusal wins over an unknown, before or after it.
        assert!(matches!(
            rune("method=x&rate=1").check(&req),
            Verdict::Refused(_)
        ));
        assert!(matches!(
            rune("rate=1&method=x").check(&req),
            Verdict::Refused(_)
        ));
        assert_eq!(
            base.restricted("=x&method=getinfo").unwrap().check(&req),
            Verdict::Refused(Refusal::BadUniqueId)
        );
    }
}
