//! Just enough JSON for commando: a strict validator, the top-level members of an object, string
//! escaping and unescaping, and integers.
//!
//! Parsing into values is left to whoever consumes a reply (in browsers, the engine's
//! `JSON.parse` is faster than anything shipped in wasm). The core only needs to check that bytes
//! are JSON, find where a reply's `result` or `error` sits, and read an error's `code` and
//! `message`. Everything here is iterative (no recursion, so no stack exhaustion on deep input),
//! depth-capped and panic-free on any input.

use crate::prelude::*;

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

impl core::error::Error for JsonError {}

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
                    // Digit by digit: a bad one is a bad escape even where the input ends
                    // before four of them (as the streaming validator finds it).
                    for k in j + 2..j + 6 {
                        match b.get(k) {
                            Some(c) if c.is_ascii_hexdigit() => {}
                            Some(_) => return Err(JsonError::BadString(j)),
                            None => return Err(JsonError::UnexpectedEnd),
                        }
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

/// Where an [`ObjectStream`] is in its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// Before the top-level object.
    Start,
    /// Just after `{`: a key or `}`.
    ObjectFirst,
    /// Just after `[`: a value or `]`.
    ArrayFirst,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// Where a value starts.
    Value,
    /// Inside a string (a key when `key`).
    Str { key: bool },
    /// After `\` in a string.
    Escape { key: bool },
    /// Inside `\u`, with this many hex digits still to come.
    Hex { key: bool, left: u8 },
    /// Inside a number (see [`Num`]).
    Number(Num),
    /// Inside `true`, `false` or `null`, this many bytes in.
    Literal { lit: &'static [u8], done: u8 },
    /// After a value inside a container: `,` or its closing bracket.
    AfterValue,
    /// After the top-level object: whitespace only.
    Done,
}

/// The parts of a number (RFC 8259's grammar), and whether it may end here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Num {
    /// After `-`: a digit must follow.
    Minus,
    /// After a leading `0`.
    Zero,
    /// In the integer digits.
    Int,
    /// After `.`: a digit must follow.
    Dot,
    /// In the fraction digits.
    Frac,
    /// After `e`/`E`: a sign or a digit.
    Exp,
    /// After the exponent's sign: a digit must follow.
    ExpSign,
    /// In the exponent digits.
    ExpDigits,
}

/// Longest key an [`ObjectStream`] compares with its watched keys (longer ones never match).
const KEY_CAP: usize = 16;

/// A strict JSON validator for a top-level object fed in pieces split anywhere, in constant
/// memory (the nesting is kept as bits): the same grammar, limits and errors, at the same
/// offsets, as [`members`], so that a reply can be checked as it arrives and never held whole.
/// It records where the value of each of `N` watched top-level keys lies (its first member
/// of that key, compared raw as [`get`] does).
pub struct ObjectStream<const N: usize> {
    keys: [&'static str; N],
    found: [Option<(usize, Option<usize>)>; N],
    /// Which watched key the value being read belongs to.
    member: Option<usize>,
    /// Offset of the next byte fed.
    pos: usize,
    at: At,
    /// Open containers, the top-level object included.
    depth: usize,
    /// Bit `d`: the container at depth `d` (from 1) is an object.
    kinds: [u64; MAX_DEPTH / 64 + 2],
    /// Offset of the string being read, for its UTF-8 error.
    str_start: usize,
    /// Offset of the `\` of the escape being read.
    escape_at: usize,
    /// Offset of the literal being read.
    lit_start: usize,
    /// UTF-8 in a string: continuation bytes still expected, and the range of the next one.
    utf8_need: u8,
    utf8_lo: u8,
    utf8_hi: u8,
    utf8_bad: bool,
    key: [u8; KEY_CAP],
    /// Bytes of the key so far (past [`KEY_CAP`]: counted only).
    key_len: usize,
    error: Option<JsonError>,
}

impl<const N: usize> ObjectStream<N> {
    /// A stream watching the top-level members named `keys` (each at most 16 bytes: longer
    /// keys are never matched).
    pub fn new(keys: [&'static str; N]) -> ObjectStream<N> {
        debug_assert!(keys.iter().all(|k| k.len() <= KEY_CAP));
        ObjectStream {
            keys,
            found: [None; N],
            member: None,
            pos: 0,
            at: At::Start,
            depth: 0,
            kinds: [0; MAX_DEPTH / 64 + 2],
            str_start: 0,
            escape_at: 0,
            lit_start: 0,
            utf8_need: 0,
            utf8_lo: 0,
            utf8_hi: 0,
            utf8_bad: false,
            key: [0; KEY_CAP],
            key_len: 0,
            error: None,
        }
    }

    /// Bytes fed so far.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// Where the value of watched key `k` lies: its start once it has begun, and its end once
    /// it has ended.
    pub fn found(&self, k: usize) -> Option<(usize, Option<usize>)> {
        self.found.get(k).copied().flatten()
    }

    /// Checks the next piece; after the first error, every call returns it.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), JsonError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let base = self.pos;
        let mut i = 0;
        while i < bytes.len() {
            match self.step(bytes, i, base) {
                Ok(next) => i = next,
                Err(e) => {
                    self.error = Some(e);
                    self.pos = base + i;
                    return Err(e);
                }
            }
        }
        self.pos = base + bytes.len();
        Ok(())
    }

    /// The error met so far, if any.
    pub fn failed(&self) -> Option<JsonError> {
        self.error
    }

    /// The input has ended: whether it was one whole object.
    pub fn finish(&self) -> Result<(), JsonError> {
        match (self.error, self.at) {
            (Some(e), _) => Err(e),
            (None, At::Done) => Ok(()),
            (None, _) => Err(JsonError::UnexpectedEnd),
        }
    }

    fn is_object(&self) -> bool {
        self.kinds[self.depth / 64] >> (self.depth % 64) & 1 == 1
    }

    /// Opens a container at offset `at`.
    fn open(&mut self, object: bool, at: usize) -> Result<(), JsonError> {
        // The top-level object plus MAX_DEPTH inside it, as `members` allows.
        if self.depth > MAX_DEPTH {
            return Err(JsonError::TooDeep(at));
        }
        self.value_starts(at);
        self.depth += 1;
        let (word, bit) = (self.depth / 64, self.depth % 64);
        if object {
            self.kinds[word] |= 1 << bit;
            self.at = At::ObjectFirst;
        } else {
            self.kinds[word] &= !(1 << bit);
            self.at = At::ArrayFirst;
        }
        Ok(())
    }

    /// Closes the innermost container; `end` is the offset after its bracket.
    fn close(&mut self, end: usize) {
        self.depth -= 1;
        self.value_ended(end);
    }

    fn value_starts(&mut self, at: usize) {
        if self.depth == 1 {
            if let Some(k) = self.member {
                self.found[k] = Some((at, None));
            }
        }
    }

    /// A value ended at `end` (exclusive); the next byte is after it.
    fn value_ended(&mut self, end: usize) {
        if self.depth == 0 {
            self.at = At::Done;
            return;
        }
        if self.depth == 1 {
            if let Some(k) = self.member.take() {
                if let Some((start, _)) = self.found[k] {
                    self.found[k] = Some((start, Some(end)));
                }
            }
        }
        self.at = At::AfterValue;
    }

    /// A string's closing quote at `at`.
    fn string_ended(&mut self, key: bool, at: usize) -> Result<(), JsonError> {
        if self.utf8_bad || self.utf8_need > 0 {
            return Err(JsonError::BadString(self.str_start));
        }
        if key {
            self.at = At::Colon;
            if self.depth == 1 {
                let key = self.key.get(..self.key_len);
                self.member = (0..N)
                    .find(|&k| Some(self.keys[k].as_bytes()) == key && self.found[k].is_none());
            }
        } else {
            self.value_ended(at + 1);
        }
        Ok(())
    }

    /// One string byte at or past 0x80 (or any byte while a sequence is open).
    fn utf8(&mut self, c: u8) {
        if self.utf8_need > 0 {
            if c < self.utf8_lo || c > self.utf8_hi {
                // Invalid: whatever follows, the string is reported at its end.
                self.utf8_bad = true;
                self.utf8_need = 0;
            } else {
                self.utf8_need -= 1;
                (self.utf8_lo, self.utf8_hi) = (0x80, 0xbf);
                return;
            }
        }
        let (need, lo, hi) = match c {
            0x00..=0x7f => return,
            0xc2..=0xdf => (1, 0x80, 0xbf),
            0xe0 => (2, 0xa0, 0xbf),
            0xed => (2, 0x80, 0x9f),
            0xe1..=0xef => (2, 0x80, 0xbf),
            0xf0 => (3, 0x90, 0xbf),
            0xf1..=0xf3 => (3, 0x80, 0xbf),
            0xf4 => (3, 0x80, 0x8f),
            _ => {
                self.utf8_bad = true;
                return;
            }
        };
        (self.utf8_need, self.utf8_lo, self.utf8_hi) = (need, lo, hi);
    }

    fn string_starts(&mut self, key: bool, at: usize) {
        self.str_start = at;
        self.at = At::Str { key };
        self.key_len = 0;
        self.utf8_need = 0;
        self.utf8_bad = false;
    }

    fn push_key_byte(&mut self, key: bool, c: u8) {
        if key {
            if let Some(slot) = self.key.get_mut(self.key_len) {
                *slot = c;
            }
            self.key_len = self.key_len.saturating_add(1);
        }
    }

    /// Takes the byte at `b[i]` (offset `base + i`), or a run of them; returns the next index.
    fn step(&mut self, b: &[u8], i: usize, base: usize) -> Result<usize, JsonError> {
        let c = b[i];
        let at = base + i;
        let ws = matches!(c, b' ' | b'\t' | b'\n' | b'\r');
        match self.at {
            At::Str { key } => {
                // Plain bytes, one pass.
                let run = b[i..]
                    .iter()
                    .position(|&c| c == b'"' || c == b'\\' || !(0x20..0x80).contains(&c))
                    .unwrap_or(b.len() - i);
                if run > 0 {
                    if self.utf8_need > 0 {
                        self.utf8(c);
                    }
                    if key {
                        if let (Some(to), Some(from)) =
                            (self.key.get_mut(self.key_len..), b.get(i..i + run))
                        {
                            let take = run.min(to.len());
                            to[..take].copy_from_slice(&from[..take]);
                        }
                        self.key_len = self.key_len.saturating_add(run);
                    }
                    return Ok(i + run);
                }
                match c {
                    b'"' => self.string_ended(key, at)?,
                    b'\\' => {
                        self.utf8(c);
                        self.escape_at = at;
                        self.at = At::Escape { key };
                        // A key with an escape never matches (as in `get`).
                        self.key_len = KEY_CAP + 1;
                    }
                    0x00..=0x1f => return Err(JsonError::BadString(at)),
                    _ => {
                        self.utf8(c);
                        self.push_key_byte(key, c);
                    }
                }
            }
            At::Escape { key } => match c {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at = At::Str { key },
                b'u' => self.at = At::Hex { key, left: 4 },
                _ => return Err(JsonError::BadString(self.escape_at)),
            },
            At::Hex { key, left } => {
                if !c.is_ascii_hexdigit() {
                    return Err(JsonError::BadString(self.escape_at));
                }
                self.at = if left == 1 {
                    At::Str { key }
                } else {
                    At::Hex {
                        key,
                        left: left - 1,
                    }
                };
            }
            At::Number(n) => {
                let next = match (n, c) {
                    (Num::Minus, b'0') => Num::Zero,
                    (Num::Minus | Num::Int, b'0'..=b'9') => Num::Int,
                    (Num::Zero | Num::Int, b'.') => Num::Dot,
                    (Num::Dot | Num::Frac, b'0'..=b'9') => Num::Frac,
                    (Num::Zero | Num::Int | Num::Frac, b'e' | b'E') => Num::Exp,
                    (Num::Exp, b'+' | b'-') => Num::ExpSign,
                    (Num::Exp | Num::ExpSign | Num::ExpDigits, b'0'..=b'9') => Num::ExpDigits,
                    (Num::Minus | Num::Dot | Num::Exp | Num::ExpSign, _) => {
                        return Err(JsonError::Unexpected(at));
                    }
                    // The number ended before `c`, which is read again after it.
                    _ => {
                        self.value_ended(at);
                        return Ok(i);
                    }
                };
                self.at = At::Number(next);
            }
            At::Literal { lit, done } => {
                if lit.get(done as usize) != Some(&c) {
                    return Err(JsonError::Unexpected(self.lit_start));
                }
                if done as usize + 1 == lit.len() {
                    self.value_ended(at + 1);
                } else {
                    self.at = At::Literal {
                        lit,
                        done: done + 1,
                    };
                }
            }
            _ if ws => {}
            At::Start => match c {
                b'{' => self.open(true, at)?,
                _ => return Err(JsonError::WrongKind),
            },
            At::ObjectFirst if c == b'}' => self.close(at + 1),
            At::ObjectFirst | At::Key => match c {
                b'"' => self.string_starts(true, at),
                _ => return Err(JsonError::Unexpected(at)),
            },
            At::Colon => match c {
                b':' => self.at = At::Value,
                _ => return Err(JsonError::Unexpected(at)),
            },
            At::ArrayFirst if c == b']' => self.close(at + 1),
            At::ArrayFirst | At::Value => match c {
                b'{' => self.open(true, at)?,
                b'[' => self.open(false, at)?,
                b'"' => {
                    self.value_starts(at);
                    self.string_starts(false, at);
                }
                b'-' | b'0'..=b'9' => {
                    self.value_starts(at);
                    self.at = At::Number(match c {
                        b'-' => Num::Minus,
                        b'0' => Num::Zero,
                        _ => Num::Int,
                    });
                }
                b't' | b'f' | b'n' => {
                    self.value_starts(at);
                    let lit: &'static [u8] = match c {
                        b't' => b"true",
                        b'f' => b"false",
                        _ => b"null",
                    };
                    self.lit_start = at;
                    self.at = At::Literal { lit, done: 1 };
                }
                _ => return Err(JsonError::Unexpected(at)),
            },
            At::AfterValue => match c {
                b',' => self.at = if self.is_object() { At::Key } else { At::Value },
                b'}' if self.is_object() => self.close(at + 1),
                b']' if !self.is_object() => self.close(at + 1),
                _ => return Err(JsonError::Unexpected(at)),
            },
            At::Done => return Err(JsonError::TrailingData(at)),
        }
        Ok(i + 1)
    }
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

    /// Feeds `b` to an [`ObjectStream`] cut at `cuts` (any positions) and holds the outcome,
    /// the error and where the watched values lie to what [`members`] and [`get`] say.
    fn check_stream(b: &[u8], cuts: &[usize]) -> Result<(), TestCaseError> {
        const KEYS: [&str; 3] = ["jsonrpc", "error", "result"];
        let mut at: Vec<usize> = cuts.iter().map(|c| c % (b.len() + 1)).collect();
        at.push(0);
        at.push(b.len());
        at.sort_unstable();
        let mut stream = ObjectStream::new(KEYS);
        let mut fed = Ok(());
        for w in at.windows(2) {
            fed = fed.and(stream.feed(&b[w[0]..w[1]]));
        }
        let streamed = fed.and(stream.finish());
        let whole = members(b);
        prop_assert_eq!(
            streamed,
            whole.as_ref().map(|_| ()).map_err(|e| *e),
            "{:?}",
            String::from_utf8_lossy(b)
        );
        if let Ok(m) = whole {
            for (k, key) in KEYS.iter().enumerate() {
                let want = m
                    .iter()
                    .find(|m| b.get(m.key.clone()) == Some(key.as_bytes()));
                let got = stream.found(k).map(|(s, e)| s..e.unwrap_or(usize::MAX));
                prop_assert_eq!(
                    got,
                    want.map(|m| m.value.clone()),
                    "{} in {:?}",
                    key,
                    String::from_utf8_lossy(b)
                );
            }
        }
        Ok(())
    }

    #[test]
    fn stream_matches_members_on_fixed_cases() {
        let deep = |n: usize| format!("{{\"a\":{}{}}}", "[".repeat(n), "]".repeat(n));
        for s in [
            "",
            " ",
            "{",
            "{}",
            " {} ",
            "{} x",
            "[]",
            "1",
            "{\"a\":1}",
            "{\"a\":01}",
            "{\"a\":-}",
            "{\"a\":1.}",
            "{\"a\":1e}",
            "{\"a\":1e+5,\"b\":-0.5E-2}",
            "{\"a\":tru}",
            "{\"a\":trux}",
            "{\"a\":nul",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\u12g4\"}",
            "{\"a\":\"\u{1}\"}",
            "{\"a\",1}",
            "{\"a\":1,}",
            "{,}",
            "{\"result\":[1,{\"x\":null}],\"result\":2}",
            "{\"re\\\"sult\":1,\"result\":3}",
            "{\"error\":{\"code\":1}}",
            "{\"a\":[1,]}",
            "{\"a\":\"\u{e9}\u{1F600}\"}",
            &deep(512),
            &deep(513),
            "{\"a\":\"\\uZ",
            "{\"result\":\"\\uz}",
            "{\"a\":\"\\u12",
            "{\"a\":\"\\u12x4\"}",
        ] {
            for cut in 0..=s.len().min(40) {
                check_stream(s.as_bytes(), &[cut]).unwrap();
            }
            check_stream(s.as_bytes(), &[]).unwrap();
        }
        let bad_utf8: [&[u8]; 6] = [
            b"{\"a\":\"\xff\"}",
            b"{\"a\":\"\xc3\"}",
            b"{\"a\":\"\xed\xa0\x80\"}",
            b"{\"a\":\"\xe0\x80\x80\"}",
            b"{\"a\":\"\xf4\x90\x80\x80\"}",
            b"{\"a\":\"\xc3\\n\"}",
        ];
        for b in bad_utf8 {
            for cut in 0..=b.len() {
                check_stream(b, &[cut]).unwrap();
            }
        }
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
        fn stream_agrees_with_members_at_any_split(
            s in r#"[\[\]{}",:0-9a-z\\ .e+-]{0,60}|\{"(result|error|jsonrpc|id)": ?[\[\]{}",:0-9a-z\\ .eE+-]{0,50}\}"#,
            cuts in proptest::collection::vec(any::<usize>(), 0..4),
        ) {
            check_stream(s.as_bytes(), &cuts)?;
        }

        #[test]
        fn stream_agrees_with_members_on_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..120),
            cuts in proptest::collection::vec(any::<usize>(), 0..4),
        ) {
            let mut b = b"{\"result\":".to_vec();
            b.extend_from_slice(&bytes);
            check_stream(&b, &cuts)?;
            check_stream(&bytes, &cuts)?;
        }

        #[test]
        fn agrees_with_serde_json(s in r#"[\[\]{}",:0-9a-z\\ .e+-]{0,40}"#) {
            let ours = validate(s.as_bytes()).is_ok();
            let theirs = serde_json::from_str::<serde_json::Value>(&s).is_ok();
            prop_assert_eq!(ours, theirs, "{}", s);
        }
    }
}
