//! Just enough JSON for commando: a strict validator, the top-level members of an object, string
//! escaping and unescaping, and integers.
//!
//! Parsing into values is left to whoever consumes a reply (in browsers, the engine's
//! `JSON.parse` is faster than anything shipped in wasm). The core only needs to check that bytes
//! are JSON, find where a reply's `result` or `error` sits, and read an error's `code` and
//! `message`. Everything here is iterative (no recursion, so no stack exhaustion on deep input),
//! depth-capped and panic-free on any input.

use core::ops::Range;

/// Deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 512;

/// Why bytes are not acceptable JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonError {
    /// The input ended inside a value.
    UnexpectedEnd,
    /// An unexpected byte at this offset.
    Unexpected(usize),
    /// Nesting deeper than [`MAX_DEPTH`] at this offset.
    TooDeep(usize),
    /// Something follows the value at this offset.
    TrailingData(usize),
    /// A string is not valid UTF-8 or has a bad escape, at this offset.
    BadString(usize),
    /// The value is not of the kind required (e.g. an object).
    WrongKind,
}

impl core::fmt::Display for JsonError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            JsonError::UnexpectedEnd => f.write_str("JSON ends too early"),
            JsonError::Unexpected(at) => write!(f, "unexpected character in JSON at offset {at}"),
            JsonError::TooDeep(at) => write!(f, "JSON nested too deeply at offset {at}"),
            JsonError::TrailingData(at) => write!(f, "unexpected data after JSON at offset {at}"),
            JsonError::BadString(at) => write!(f, "invalid JSON string at offset {at}"),
            JsonError::WrongKind => f.write_str("JSON value is not of the expected kind"),
        }
    }
}

impl std::error::Error for JsonError {}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(c) = b.get(i) {
        if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
            break;
        }
        i += 1;
    }
    i
}

/// Skips a string starting at `b[i] == '"'`; returns the offset after the closing quote.
fn skip_string(b: &[u8], i: usize) -> Result<usize, JsonError> {
    let mut j = i + 1;
    // OR of every byte: the UTF-8 check runs only on strings that are not plain ASCII.
    let mut seen = 0u8;
    loop {
        // Fast path: plain bytes, one pass.
        while let Some(&c) = b.get(j) {
            if c == b'"' || c == b'\\' || c < 0x20 {
                break;
            }
            seen |= c;
            j += 1;
        }
        match b.get(j) {
            None => return Err(JsonError::UnexpectedEnd),
            Some(b'"') => {
                if seen >= 0x80 {
                    core::str::from_utf8(&b[i + 1..j]).map_err(|_| JsonError::BadString(i))?;
                }
                return Ok(j + 1);
            }
            Some(b'\\') => match b.get(j + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => j += 2,
                Some(b'u') => {
                    let hex = b.get(j + 2..j + 6).ok_or(JsonError::UnexpectedEnd)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return Err(JsonError::BadString(j));
                    }
                    j += 6;
                }
                Some(_) => return Err(JsonError::BadString(j)),
                None => return Err(JsonError::UnexpectedEnd),
            },
            Some(_) => return Err(JsonError::BadString(j)),
        }
    }
}

fn skip_number(b: &[u8], i: usize) -> Result<usize, JsonError> {
    let mut j = i;
    if b.get(j) == Some(&b'-') {
        j += 1;
    }
    let digits = |j: &mut usize| {
        let s = *j;
        while b.get(*j).is_some_and(u8::is_ascii_digit) {
            *j += 1;
        }
        *j - s
    };
    match b.get(j) {
        Some(b'0') => j += 1,
        Some(b'1'..=b'9') => {
            digits(&mut j);
        }
        Some(_) => return Err(JsonError::Unexpected(j)),
        None => return Err(JsonError::UnexpectedEnd),
    }
    if b.get(j) == Some(&b'.') {
        j += 1;
        if digits(&mut j) == 0 {
            return Err(b
                .get(j)
                .map_or(JsonError::UnexpectedEnd, |_| JsonError::Unexpected(j)));
        }
    }
    if matches!(b.get(j), Some(b'e' | b'E')) {
        j += 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if digits(&mut j) == 0 {
            return Err(b
                .get(j)
                .map_or(JsonError::UnexpectedEnd, |_| JsonError::Unexpected(j)));
        }
    }
    Ok(j)
}

fn skip_literal(b: &[u8], i: usize, lit: &[u8]) -> Result<usize, JsonError> {
    match b.get(i..i + lit.len()) {
        Some(s) if s == lit => Ok(i + lit.len()),
        Some(_) => Err(JsonError::Unexpected(i)),
        None if lit.starts_with(&b[i..]) => Err(JsonError::UnexpectedEnd),
        None => Err(JsonError::Unexpected(i)),
    }
}

/// Skips one value (after any whitespace) starting at `i`; returns the offset after it.
pub fn skip_value(b: &[u8], i: usize) -> Result<usize, JsonError> {
    // The open containers: true for an object, false for an array.
    let mut stack: Vec<bool> = Vec::new();
    let mut i = i;
    loop {
        // At the start of a value.
        i = skip_ws(b, i);
        match b.get(i) {
            None => return Err(JsonError::UnexpectedEnd),
            Some(b'{' | b'[') => {
                if stack.len() >= MAX_DEPTH {
                    return Err(JsonError::TooDeep(i));
                }
                let obj = b[i] == b'{';
                stack.push(obj);
                i = skip_ws(b, i + 1);
                let close = if obj { b'}' } else { b']' };
                if b.get(i) == Some(&close) {
                    stack.pop();
                    i += 1;
                } else {
                    if obj {
                        i = object_key(b, i)?;
                    }
                    continue;
                }
            }
            Some(b'"') => i = skip_string(b, i)?,
            Some(b'-' | b'0'..=b'9') => i = skip_number(b, i)?,
            Some(b't') => i = skip_literal(b, i, b"true")?,
            Some(b'f') => i = skip_literal(b, i, b"false")?,
            Some(b'n') => i = skip_literal(b, i, b"null")?,
            Some(_) => return Err(JsonError::Unexpected(i)),
        }
        // After a value: close containers or move to the next element.
        loop {
            let Some(&obj) = stack.last() else {
                return Ok(i);
            };
            i = skip_ws(b, i);
            match b.get(i) {
                Some(b',') => {
                    i = skip_ws(b, i + 1);
                    if obj {
                        i = object_key(b, i)?;
                    }
                    break;
                }
                Some(b'}') if obj => {
                    stack.pop();
                    i += 1;
                }
                Some(b']') if !obj => {
                    stack.pop();
                    i += 1;
                }
                Some(_) => return Err(JsonError::Unexpected(i)),
                None => return Err(JsonError::UnexpectedEnd),
            }
        }
    }
}

/// Reads `"key" :` at `i` (no leading whitespace); returns the offset after the colon.
fn object_key(b: &[u8], i: usize) -> Result<usize, JsonError> {
    match b.get(i) {
        Some(b'"') => {}
        Some(_) => return Err(JsonError::Unexpected(i)),
        None => return Err(JsonError::UnexpectedEnd),
    }
    let j = skip_ws(b, skip_string(b, i)?);
    match b.get(j) {
        Some(b':') => Ok(j + 1),
        Some(_) => Err(JsonError::Unexpected(j)),
        None => Err(JsonError::UnexpectedEnd),
    }
}

/// Checks that `b` is exactly one JSON value, with optional surrounding whitespace.
pub fn validate(b: &[u8]) -> Result<(), JsonError> {
    let end = skip_ws(b, skip_value(b, 0)?);
    if end != b.len() {
        return Err(JsonError::TrailingData(end));
    }
    Ok(())
}

/// The first non-whitespace byte of a value, telling its kind: `{`, `[`, `"`, …
pub fn first_byte(b: &[u8]) -> Option<u8> {
    b.get(skip_ws(b, 0)).copied()
}

/// One member of an object: its raw key (between the quotes, escapes not decoded) and the
/// byte range of its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Byte range of the key's text inside the quotes.
    pub key: Range<usize>,
    /// Byte range of the value.
    pub value: Range<usize>,
}

/// The items of the object (`keyed`) or array that `b` holds entirely, validated on the way:
/// each item's key range (empty for arrays) and value range.
fn items(b: &[u8], keyed: bool) -> Result<Vec<Member>, JsonError> {
    let (open, close) = if keyed { (b'{', b'}') } else { (b'[', b']') };
    let mut i = skip_ws(b, 0);
    match b.get(i) {
        Some(&c) if c == open => {}
        Some(_) => return Err(JsonError::WrongKind),
        None => return Err(JsonError::UnexpectedEnd),
    }
    let mut out = Vec::new();
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&close) {
        i += 1;
    } else {
        loop {
            let mut key = 0..0;
            if keyed {
                let after_colon = object_key(b, i)?;
                key = i + 1..skip_string(b, i)? - 1;
                i = skip_ws(b, after_colon);
            }
            let end = skip_value(b, i)?;
            out.push(Member { key, value: i..end });
            i = skip_ws(b, end);
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(&c) if c == close => {
                    i += 1;
                    break;
                }
                Some(_) => return Err(JsonError::Unexpected(i)),
                None => return Err(JsonError::UnexpectedEnd),
            }
        }
    }
    let end = skip_ws(b, i);
    if end != b.len() {
        return Err(JsonError::TrailingData(end));
    }
    Ok(out)
}

/// The members of the object that `b` holds entirely (validated on the way). Duplicate keys
/// are kept in order.
pub fn members(b: &[u8]) -> Result<Vec<Member>, JsonError> {
    items(b, true)
}

/// The byte ranges of the elements of the array that `b` holds entirely (validated on the way).
pub fn elements(b: &[u8]) -> Result<Vec<Range<usize>>, JsonError> {
    Ok(items(b, false)?.into_iter().map(|m| m.value).collect())
}

/// Finds the value of the member whose key is exactly `key` (keys with escapes never match).
pub fn get<'a>(b: &'a [u8], members: &[Member], key: &str) -> Option<&'a [u8]> {
    members
        .iter()
        .find(|m| b.get(m.key.clone()) == Some(key.as_bytes()))
        .and_then(|m| b.get(m.value.clone()))
}

/// Decodes a JSON string value (with its quotes), resolving escapes.
pub fn parse_string(b: &[u8]) -> Result<String, JsonError> {
    let end = skip_string(b, 0).map_err(|_| JsonError::WrongKind)?;
    if b.first() != Some(&b'"') || end != b.len() {
        return Err(JsonError::WrongKind);
    }
    let inner = &b[1..end - 1];
    let mut out = String::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        let run_end = inner[i..]
            .iter()
            .position(|&c| c == b'\\')
            .map_or(inner.len(), |p| i + p);
        out.push_str(
            core::str::from_utf8(&inner[i..run_end]).map_err(|_| JsonError::BadString(i))?,
        );
        i = run_end;
        if i >= inner.len() {
            break;
        }
        let esc = inner.get(i + 1).copied().ok_or(JsonError::BadString(i))?;
        i += 2;
        let c = match esc {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = hex4(inner, i)?;
                i += 4;
                if (0xd800..0xdc00).contains(&hi) && inner.get(i..i + 2) == Some(b"\\u") {
                    let lo = hex4(inner, i + 2)?;
                    if (0xdc00..0xe000).contains(&lo) {
                        i += 6;
                        char::from_u32(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00))
                            .unwrap_or('\u{fffd}')
                    } else {
                        '\u{fffd}'
                    }
                } else {
                    char::from_u32(hi).unwrap_or('\u{fffd}')
                }
            }
            _ => return Err(JsonError::BadString(i)),
        };
        out.push(c);
    }
    Ok(out)
}

fn hex4(b: &[u8], i: usize) -> Result<u32, JsonError> {
    let s = b.get(i..i + 4).ok_or(JsonError::BadString(i))?;
    let s = core::str::from_utf8(s).map_err(|_| JsonError::BadString(i))?;
    u32::from_str_radix(s, 16).map_err(|_| JsonError::BadString(i))
}

/// Reads an integer value (no fraction or exponent) that fits in an i64.
pub fn parse_i64(b: &[u8]) -> Option<i64> {
    core::str::from_utf8(b).ok()?.parse().ok()
}

/// Appends `s` as a JSON string literal (with quotes and escapes).
pub fn write_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for &c in s.as_bytes() {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f => {
                const H: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(H[(c >> 4) as usize]);
                out.push(H[(c & 15) as usize]);
            }
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_json() {
        for s in [
            "0",
            "-0",
            "1.5e-3",
            "true",
            "null",
            "\"a\\u00e9\\n\"",
            "[]",
            "{}",
            " [1, {\"a\": [true, false, null]}] ",
            "{\"a\":{\"b\":{\"c\":[]}}}",
            "\"\u{1F600}\"",
        ] {
            assert_eq!(validate(s.as_bytes()), Ok(()), "{s}");
        }
    }

    #[test]
    fn rejects_non_json() {
        for s in [
            "",
            " ",
            "01",
            "1.",
            "-",
            "1e",
            "tru",
            "nul",
            "[1,]",
            "{\"a\"}",
            "{\"a\":1,}",
            "{a:1}",
            "[1 2]",
            "\"\\x\"",
            "\"\n\"",
            "\"abc",
            "[",
            "{\"a\":",
            "1 2",
            "'a'",
            "[1]]",
            "{\"a\":1}}",
            "+1",
            ".5",
            "NaN",
        ] {
            assert!(validate(s.as_bytes()).is_err(), "{s:?} must be rejected");
        }
        assert_eq!(validate(b"\"\xff\""), Err(JsonError::BadString(0)));
    }

    #[test]
    fn depth_is_capped_without_recursion() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert_eq!(validate(ok.as_bytes()), Ok(()));
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(
            validate(deep.as_bytes()),
            Err(JsonError::TooDeep(MAX_DEPTH))
        );
        // A million open brackets: an error, not a stack overflow.
        assert!(validate("[".repeat(1_000_000).as_bytes()).is_err());
    }

    #[test]
    fn members_and_strings() {
        let b = br#" {"jsonrpc":"2.0", "id" : "x#1", "error":{"code":-32601,"message":"Unknown \"x\"\u00e9\ud83d\ude00"}} "#;
        let m = members(b).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(get(b, &m, "id"), Some(&br#""x#1""#[..]));
        let err = get(b, &m, "error").unwrap();
        let em = members(err).unwrap();
        assert_eq!(parse_i64(get(err, &em, "code").unwrap()), Some(-32601));
        assert_eq!(
            parse_string(get(err, &em, "message").unwrap()).unwrap(),
            "Unknown \"x\"é😀"
        );
        assert_eq!(members(b"[1]"), Err(JsonError::WrongKind));
        let a = b" [1, \"x\" ,{\"a\":[]}] ";
        let e: Vec<&[u8]> = elements(a).unwrap().into_iter().map(|r| &a[r]).collect();
        assert_eq!(e, vec![&b"1"[..], b"\"x\"", b"{\"a\":[]}"]);
        assert_eq!(elements(b"[]").unwrap(), vec![]);
        assert_eq!(elements(b"{}"), Err(JsonError::WrongKind));
        assert!(elements(b"[1,]").is_err());
        assert_eq!(members(b"{} x"), Err(JsonError::TrailingData(3)));
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = validate(&bytes);
            let _ = members(&bytes);
            let _ = parse_string(&bytes);
        }

        #[test]
        fn written_strings_parse_back(s in ".*") {
            let mut out = Vec::new();
            write_string(&mut out, &s);
            prop_assert_eq!(validate(&out), Ok(()));
            prop_assert_eq!(parse_string(&out).unwrap(), s);
        }

        #[test]
        fn agrees_with_serde_json(s in r#"[\[\]{}",:0-9a-z\\ .e+-]{0,40}"#) {
            let ours = validate(s.as_bytes()).is_ok();
            let theirs = serde_json::from_str::<serde_json::Value>(&s).is_ok();
            prop_assert_eq!(ours, theirs, "{}", s);
        }
    }
}
