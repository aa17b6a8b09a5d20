//! The other BOLT 1 messages a client meets: `ping`/`pong` (with the answering rule),
//! `warning`/`error`, and a commando message's parts.

use crate::prelude::*;

use super::init::put_u16_prefixed;
use super::*;

// ---------------------------------------------------------------------------------------------
// ping / pong
// ---------------------------------------------------------------------------------------------

/// The largest `num_pong_bytes` that still gets an answer.
pub const MAX_PONG_BYTES: u16 = 65531;
/// The largest ignored length a `ping` can carry within [`MAX_MESSAGE_LEN`].
pub const MAX_PING_IGNORED: u16 = 65529;

/// A `ping` (its ignored bytes are not kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ping {
    /// How many bytes the answering `pong` must carry.
    pub num_pong_bytes: u16,
    /// How many ignored bytes the ping carried.
    pub ignored_len: u16,
}

impl Ping {
    /// Encodes the message (type included) with zero padding; `ignored_len` is capped at
    /// [`MAX_PING_IGNORED`].
    pub fn encode(&self) -> Vec<u8> {
        encode_ping(self.num_pong_bytes, self.ignored_len)
    }
}

/// A `pong` (its ignored bytes are not kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pong {
    /// How many ignored bytes the pong carried.
    pub len: u16,
}

impl Pong {
    /// Encodes the message (type included) with zero padding; `len` is capped at
    /// [`MAX_PONG_BYTES`].
    pub fn encode(&self) -> Vec<u8> {
        encode_pong(self.len)
    }
}

/// Encodes a `ping` asking for `num_pong_bytes`, padded with `ignored_len` zero bytes (capped at
/// [`MAX_PING_IGNORED`]).
pub fn encode_ping(num_pong_bytes: u16, ignored_len: u16) -> Vec<u8> {
    let ignored = usize::from(ignored_len.min(MAX_PING_IGNORED));
    let mut out = Vec::with_capacity(6 + ignored);
    out.extend_from_slice(&msg_type::PING.to_be_bytes());
    out.extend_from_slice(&num_pong_bytes.to_be_bytes());
    out.extend_from_slice(&(ignored as u16).to_be_bytes());
    out.resize(out.len() + ignored, 0);
    out
}

/// Encodes a `pong` carrying `len` zero bytes (capped at [`MAX_PONG_BYTES`]).
pub fn encode_pong(len: u16) -> Vec<u8> {
    let len = usize::from(len.min(MAX_PONG_BYTES));
    let mut out = Vec::with_capacity(4 + len);
    out.extend_from_slice(&msg_type::PONG.to_be_bytes());
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out.resize(out.len() + len, 0);
    out
}

/// The encoded `pong` answering `ping`, or `None` when the ping asks for 65532 bytes or more
/// (such pings must not be answered).
pub fn pong_for(ping: &Ping) -> Option<Vec<u8>> {
    (ping.num_pong_bytes <= MAX_PONG_BYTES).then(|| encode_pong(ping.num_pong_bytes))
}

// ---------------------------------------------------------------------------------------------
// warning / error
// ---------------------------------------------------------------------------------------------

/// How many data bytes [`printable_text`] renders before cutting.
pub const MAX_TEXT_BYTES: usize = 512;

/// The body of a `warning` or an `error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorMessage {
    /// The channel concerned; all zero means all channels / the connection.
    pub channel_id: [u8; 32],
    /// The free-form data, usually ASCII text.
    pub data: Vec<u8>,
}

impl ErrorMessage {
    /// Whether the message concerns every channel (the channel id is all zero).
    pub fn is_all_channels(&self) -> bool {
        self.channel_id.iter().all(|&b| b == 0)
    }

    /// The data as text safe to show a user; see [`printable_text`].
    pub fn text(&self) -> String {
        printable_text(&self.data)
    }

    pub(crate) fn decode_payload(payload: &[u8]) -> Result<ErrorMessage, WireError> {
        let mut r = Reader { buf: payload };
        let channel_id = r.array::<32>("channel_id")?;
        let data = r.u16_prefixed("data")?.to_vec();
        Ok(ErrorMessage { channel_id, data })
    }

    pub(crate) fn encode_as(&self, typ: u16) -> Vec<u8> {
        encode_error_like(typ, &self.channel_id, &self.data)
    }
}

/// Renders peer-supplied bytes as printable ASCII: bytes 32..=126 are kept (a backslash is
/// doubled), tab, newline and carriage return become `\t`, `\n`, `\r`, anything else `\xNN`.
/// Only the first [`MAX_TEXT_BYTES`] bytes are rendered; a longer input ends with a note of
/// how many bytes were left out.
pub fn printable_text(data: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let shown = data.get(..MAX_TEXT_BYTES).unwrap_or(data);
    let mut s = String::with_capacity(shown.len() + 16);
    for &b in shown {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'\t' => s.push_str("\\t"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            32..=126 => s.push(char::from(b)),
            _ => {
                s.push_str("\\x");
                s.push(char::from(HEX[usize::from(b >> 4)]));
                s.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
    if data.len() > shown.len() {
        s.push_str(&format!("... ({} more bytes)", data.len() - shown.len()));
    }
    s
}

pub(crate) fn encode_error_like(typ: u16, channel_id: &[u8; 32], data: &[u8]) -> Vec<u8> {
    // type + channel_id + length leave this much room for data.
    let data = data.get(..MAX_MESSAGE_LEN - 36).unwrap_or(data);
    let mut out = Vec::with_capacity(36 + data.len());
    out.extend_from_slice(&typ.to_be_bytes());
    out.extend_from_slice(channel_id);
    put_u16_prefixed(data, &mut out);
    out
}

/// Encodes a `warning` with `text` as its data (cut to fit one message).
pub fn encode_warning(channel_id: &[u8; 32], text: &str) -> Vec<u8> {
    encode_error_like(msg_type::WARNING, channel_id, text.as_bytes())
}

// ---------------------------------------------------------------------------------------------
// commando
// ---------------------------------------------------------------------------------------------

/// A commando message: one of the four commando types, its request id and the chunk of JSON
/// that follows. Reassembly is the commando module's job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandoParts<'a> {
    /// One of the `msg_type::COMMANDO_*` types.
    pub typ: u16,
    /// The request id (8 bytes, big-endian, on the wire).
    pub id: u64,
    /// The rest of the message: a chunk of JSON.
    pub body: &'a [u8],
}

impl CommandoParts<'_> {
    /// Encodes the message (type included). Keep `body` within 65525 bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(10 + self.body.len());
        out.extend_from_slice(&self.typ.to_be_bytes());
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(self.body);
        out
    }
}
