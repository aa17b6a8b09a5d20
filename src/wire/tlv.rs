//! BigSize integers and TLV streams (BOLT 1).

use crate::prelude::*;

use super::*;

// ---------------------------------------------------------------------------------------------
// BigSize
// ---------------------------------------------------------------------------------------------

/// Reads a BigSize from the start of `buf`: returns the value and the bytes consumed (1, 3, 5
/// or 9). A short buffer gives [`WireError::Truncated`]; an encoding longer than needed gives
/// [`WireError::NonCanonicalBigSize`].
pub fn read_bigsize(buf: &[u8]) -> Result<(u64, usize), WireError> {
    const WHAT: &str = "bigsize";
    let mut r = Reader { buf };
    let first = r.array::<1>(WHAT)?[0];
    let (value, min, used) = match first {
        0xfd => (u64::from(r.u16(WHAT)?), 0xfd, 3),
        0xfe => (
            u64::from(u32::from_be_bytes(r.array::<4>(WHAT)?)),
            0x1_0000,
            5,
        ),
        0xff => (r.u64(WHAT)?, 0x1_0000_0000, 9),
        small => return Ok((u64::from(small), 1)),
    };
    if value < min {
        return Err(WireError::NonCanonicalBigSize);
    }
    Ok((value, used))
}

/// Appends the minimal BigSize encoding of `v` to `out`.
pub fn write_bigsize(v: u64, out: &mut Vec<u8>) {
    if v < 0xfd {
        out.push(v as u8);
    } else if v <= u64::from(u16::MAX) {
        out.push(0xfd);
        out.extend_from_slice(&(v as u16).to_be_bytes());
    } else if v <= u64::from(u32::MAX) {
        out.push(0xfe);
        out.extend_from_slice(&(v as u32).to_be_bytes());
    } else {
        out.push(0xff);
        out.extend_from_slice(&v.to_be_bytes());
    }
}

/// The number of bytes [`write_bigsize`] uses for `v`.
pub fn bigsize_len(v: u64) -> usize {
    if v < 0xfd {
        1
    } else if v <= u64::from(u16::MAX) {
        3
    } else if v <= u64::from(u32::MAX) {
        5
    } else {
        9
    }
}

// ---------------------------------------------------------------------------------------------
// TLV streams
// ---------------------------------------------------------------------------------------------

/// One record of a TLV stream, borrowing its value from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlvRecord<'a> {
    /// The record type.
    pub typ: u64,
    /// The record value (exactly `length` bytes).
    pub value: &'a [u8],
}

/// Parses a whole TLV stream (all of `buf`).
///
/// Enforces the generic rules: type and length minimally encoded, types strictly increasing,
/// length within the remaining bytes, and every even type listed in `known_even` (others give
/// [`WireError::UnknownEvenTlv`]). Unknown odd records are returned too; callers skip the
/// types they do not use. Record-specific checks (such as exact lengths) are the caller's.
pub fn parse_tlv_stream<'a>(
    buf: &'a [u8],
    known_even: &[u64],
) -> Result<Vec<TlvRecord<'a>>, WireError> {
    let mut out = Vec::new();
    let mut rest = buf;
    let mut last: Option<u64> = None;
    while !rest.is_empty() {
        let (typ, n) = read_bigsize(rest).map_err(|e| rename_truncated(e, "tlv type"))?;
        rest = rest.get(n..).unwrap_or_default();
        let (len, n) = read_bigsize(rest).map_err(|e| rename_truncated(e, "tlv length"))?;
        rest = rest.get(n..).unwrap_or_default();
        if last.is_some_and(|prev| typ <= prev) {
            return Err(WireError::TlvNotIncreasing);
        }
        let (value, after) = usize::try_from(len)
            .ok()
            .and_then(|len| rest.split_at_checked(len))
            .ok_or(WireError::TlvLengthOverflow)?;
        if typ % 2 == 0 && !known_even.contains(&typ) {
            return Err(WireError::UnknownEvenTlv(typ));
        }
        out.push(TlvRecord { typ, value });
        last = Some(typ);
        rest = after;
    }
    Ok(out)
}

pub(crate) fn rename_truncated(e: WireError, what: &'static str) -> WireError {
    match e {
        WireError::Truncated { .. } => WireError::Truncated { what },
        other => other,
    }
}

/// Appends one TLV record (type, length, value) to `out`. Callers write records in strictly
/// increasing type order.
pub fn write_tlv_record(typ: u64, value: &[u8], out: &mut Vec<u8>) {
    write_bigsize(typ, out);
    write_bigsize(value.len() as u64, out);
    out.extend_from_slice(value);
}
