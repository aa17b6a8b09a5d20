//! BOLT 1 messages: BigSize, TLV streams, `init`, `ping`/`pong`, `warning`/`error`, plus
//! recognition of commando's custom messages and classification of every other type.
//!
//! A message is a big-endian `u16` type followed by its payload, exactly as it comes out of (or
//! goes into) the BOLT 8 transport. All decoders treat their input as hostile: every length is
//! checked against the bytes actually present and nothing here can panic on untrusted input.
//! Encoders never fail; fields too long for the wire format are cut to fit (documented per
//! function).

use crate::prelude::*;

use core::fmt;

/// The largest message the BOLT 8 transport can carry (type included): the transport's.
pub use crate::transport::MAX_MESSAGE_LEN;

/// Message type numbers this crate knows about.
pub mod msg_type {
    /// `warning` (BOLT 1).
    pub const WARNING: u16 = 1;
    /// `init` (BOLT 1).
    pub const INIT: u16 = 16;
    /// `error` (BOLT 1).
    pub const ERROR: u16 = 17;
    /// `ping` (BOLT 1).
    pub const PING: u16 = 18;
    /// `pong` (BOLT 1).
    pub const PONG: u16 = 19;
    /// `channel_announcement` (BOLT 7).
    pub const CHANNEL_ANNOUNCEMENT: u16 = 256;
    /// `node_announcement` (BOLT 7).
    pub const NODE_ANNOUNCEMENT: u16 = 257;
    /// `channel_update` (BOLT 7).
    pub const CHANNEL_UPDATE: u16 = 258;
    /// `announcement_signatures` (BOLT 7).
    pub const ANNOUNCEMENT_SIGNATURES: u16 = 259;
    /// `query_short_channel_ids` (BOLT 7).
    pub const QUERY_SHORT_CHANNEL_IDS: u16 = 261;
    /// `reply_short_channel_ids_end` (BOLT 7).
    pub const REPLY_SHORT_CHANNEL_IDS_END: u16 = 262;
    /// `query_channel_range` (BOLT 7).
    pub const QUERY_CHANNEL_RANGE: u16 = 263;
    /// `reply_channel_range` (BOLT 7).
    pub const REPLY_CHANNEL_RANGE: u16 = 264;
    /// `gossip_timestamp_filter` (BOLT 7).
    pub const GOSSIP_TIMESTAMP_FILTER: u16 = 265;
    /// `onion_message` (BOLT 4); odd, only sent to peers offering onion messages.
    pub const ONION_MESSAGE: u16 = 513;
    /// Commando request chunk, more chunks follow (0x4c4d).
    pub const COMMANDO_REQUEST_CONTINUES: u16 = 0x4c4d;
    /// Commando request chunk, last one (0x4c4f).
    pub const COMMANDO_REQUEST_TERMINATES: u16 = 0x4c4f;
    /// Commando reply chunk, more chunks follow (0x594b).
    pub const COMMANDO_REPLY_CONTINUES: u16 = 0x594b;
    /// Commando reply chunk, last one (0x594d).
    pub const COMMANDO_REPLY_TERMINATES: u16 = 0x594d;
}

/// Why bytes did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// The input ended inside the named field.
    Truncated {
        /// The field that was cut short.
        what: &'static str,
    },
    /// A BigSize was not minimally encoded.
    NonCanonicalBigSize,
    /// TLV record types were not strictly increasing (includes duplicates).
    TlvNotIncreasing,
    /// A TLV record's length exceeds the bytes that remain.
    TlvLengthOverflow,
    /// A TLV record of an even type the reader does not know.
    UnknownEvenTlv(u64),
    /// The `init` `networks` record is not a whole number of 32-byte chain hashes.
    BadNetworksLength,
    /// The message is too short to hold its 2-byte type.
    MessageTooShort,
    /// The peer's `init` requires (even bit) a feature we do not know.
    UnknownRequiredFeature(u32),
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Truncated { what } => write!(f, "message truncated in {what}"),
            WireError::NonCanonicalBigSize => f.write_str("bigsize is not minimally encoded"),
            WireError::TlvNotIncreasing => f.write_str("TLV types are not strictly increasing"),
            WireError::TlvLengthOverflow => {
                f.write_str("TLV length exceeds the remaining message bytes")
            }
            WireError::UnknownEvenTlv(t) => write!(f, "unknown even TLV type {t}"),
            WireError::BadNetworksLength => {
                f.write_str("init networks length is not a multiple of 32")
            }
            WireError::MessageTooShort => f.write_str("message shorter than its 2-byte type"),
            WireError::UnknownRequiredFeature(bit) => {
                write!(f, "peer requires unknown feature bit {bit}")
            }
        }
    }
}

impl core::error::Error for WireError {}

/// A cursor over untrusted bytes; every read is bounds-checked.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], WireError> {
        let (head, rest) = self
            .buf
            .split_at_checked(n)
            .ok_or(WireError::Truncated { what })?;
        self.buf = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], WireError> {
        <[u8; N]>::try_from(self.take(N, what)?).map_err(|_| WireError::Truncated { what })
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, WireError> {
        self.array::<2>(what).map(u16::from_be_bytes)
    }

    fn u64(&mut self, what: &'static str) -> Result<u64, WireError> {
        self.array::<8>(what).map(u64::from_be_bytes)
    }

    /// A `u16` length followed by that many bytes.
    fn u16_prefixed(&mut self, what: &'static str) -> Result<&'a [u8], WireError> {
        let len = self.u16(what)?;
        self.take(usize::from(len), what)
    }
}

mod init;
mod messages;
mod tlv;

pub use init::{
    CLIENT_KNOWN_REQUIRED_FEATURES, INIT_TLV_NETWORKS, INIT_TLV_REMOTE_ADDR, Init, reply_networks,
};
pub use messages::{
    CommandoParts, ErrorMessage, MAX_PING_IGNORED, MAX_PONG_BYTES, MAX_TEXT_BYTES, Ping, Pong,
    encode_ping, encode_pong, encode_warning, pong_for, printable_text,
};
pub use tlv::{
    TlvRecord, bigsize_len, parse_tlv_stream, read_bigsize, write_bigsize, write_tlv_record,
};

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/// A decoded message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message<'a> {
    /// `init`.
    Init(Init),
    /// `ping`.
    Ping(Ping),
    /// `pong`.
    Pong(Pong),
    /// `warning`.
    Warning(ErrorMessage),
    /// `error`.
    Error(ErrorMessage),
    /// One of commando's four types.
    Commando(CommandoParts<'a>),
    /// Any other type, not decoded (gossip, channel messages, unknown types): see [`classify`].
    Unknown {
        /// The message type.
        typ: u16,
        /// The payload after the type.
        payload: &'a [u8],
    },
}

impl<'a> Message<'a> {
    /// Decodes a whole message (type included). Extra bytes after a known message's fields
    /// (an extension) are ignored, except in `init`, whose TLV stream runs to the end.
    pub fn decode(bytes: &'a [u8]) -> Result<Message<'a>, WireError> {
        let (typ, payload) = bytes
            .split_first_chunk::<2>()
            .ok_or(WireError::MessageTooShort)?;
        let typ = u16::from_be_bytes(*typ);
        let mut r = Reader { buf: payload };
        Ok(match typ {
            msg_type::INIT => Message::Init(Init::decode_payload(payload)?),
            msg_type::PING => {
                let num_pong_bytes = r.u16("ping num_pong_bytes")?;
                let ignored_len = r.u16("ping byteslen")?;
                r.take(usize::from(ignored_len), "ping ignored")?;
                Message::Ping(Ping {
                    num_pong_bytes,
                    ignored_len,
                })
            }
            msg_type::PONG => {
                let len = r.u16("pong byteslen")?;
                r.take(usize::from(len), "pong ignored")?;
                Message::Pong(Pong { len })
            }
            msg_type::WARNING => Message::Warning(ErrorMessage::decode_payload(payload)?),
            msg_type::ERROR => Message::Error(ErrorMessage::decode_payload(payload)?),
            t if is_commando(t) => {
                let id = r.u64("commando id")?;
                Message::Commando(CommandoParts {
                    typ: t,
                    id,
                    body: r.buf,
                })
            }
            t => Message::Unknown { typ: t, payload },
        })
    }

    /// Encodes the message (type included).
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Message::Init(init) => init.encode(),
            Message::Ping(p) => p.encode(),
            Message::Pong(p) => p.encode(),
            Message::Warning(w) => w.encode_as(msg_type::WARNING),
            Message::Error(e) => e.encode_as(msg_type::ERROR),
            Message::Commando(c) => c.encode(),
            Message::Unknown { typ, payload } => {
                let mut out = Vec::with_capacity(2 + payload.len());
                out.extend_from_slice(&typ.to_be_bytes());
                out.extend_from_slice(payload);
                out
            }
        }
    }

    /// The message type.
    pub fn typ(&self) -> u16 {
        match self {
            Message::Init(_) => msg_type::INIT,
            Message::Ping(_) => msg_type::PING,
            Message::Pong(_) => msg_type::PONG,
            Message::Warning(_) => msg_type::WARNING,
            Message::Error(_) => msg_type::ERROR,
            Message::Commando(c) => c.typ,
            Message::Unknown { typ, .. } => *typ,
        }
    }
}

/// Whether `t` is one of commando's four message types.
fn is_commando(t: u16) -> bool {
    matches!(
        t,
        msg_type::COMMANDO_REQUEST_CONTINUES
            | msg_type::COMMANDO_REQUEST_TERMINATES
            | msg_type::COMMANDO_REPLY_CONTINUES
            | msg_type::COMMANDO_REPLY_TERMINATES
    )
}

/// Whether `t` is a BOLT 7 gossip message (256..=265; 260 is unassigned).
fn is_gossip(t: u16) -> bool {
    matches!(t, 256..=259 | 261..=265)
}

/// Whether `t` is a channel message (BOLT 2: establishment, interactive construction,
/// quiescence, splicing, close, commitment, reestablish). A client with no channels never
/// expects one; should one arrive it is ignored rather than treated as unknown.
fn is_channel(t: u16) -> bool {
    matches!(
        t,
        2 | 32..=36 | 38..=41 | 64..=74 | 77 | 80 | 81 | 128 | 130..=137
    )
}

/// Whether `t` is a known type a client simply ignores: gossip, channel messages, peer
/// storage (7, 9) and onion messages.
fn is_known_ignorable(t: u16) -> bool {
    is_gossip(t) || is_channel(t) || matches!(t, 7 | 9 | msg_type::ONION_MESSAGE)
}

/// Whether this crate decodes `t` into a dedicated [`Message`] variant.
fn is_handled(t: u16) -> bool {
    matches!(
        t,
        msg_type::WARNING | msg_type::INIT | msg_type::ERROR | msg_type::PING | msg_type::PONG
    ) || is_commando(t)
}

/// What a client session does with a message type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsgClass {
    /// Decoded and handled: `init`, `ping`, `pong`, `warning`, `error`, commando.
    Handled,
    /// Known, but nothing for a client: gossip, channel messages, peer storage, onion
    /// messages. Ignore it.
    Ignorable,
    /// Unknown and odd: may be ignored; surface it to the caller.
    UnknownOdd,
    /// Unknown and even: the connection must fail (BOLT 1).
    UnknownEven,
}

/// Classifies a message type for the session.
pub fn classify(typ: u16) -> MsgClass {
    if is_handled(typ) {
        MsgClass::Handled
    } else if is_known_ignorable(typ) {
        MsgClass::Ignorable
    } else if typ % 2 == 1 {
        MsgClass::UnknownOdd
    } else {
        MsgClass::UnknownEven
    }
}

#[cfg(test)]
mod tests {
    use super::messages::encode_error_like;
    use super::*;
    use proptest::prelude::*;

    fn h(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        crate::hex::decode(&s).expect("test hex")
    }

    // BOLT 1 Appendix A, BigSize decoding tests: (name, hex, Ok(value) | Err).
    const BIGSIZE_DECODE: &[(&str, &str, Result<u64, WireError>)] = &[
        ("zero", "00", Ok(0)),
        ("one byte high", "fc", Ok(252)),
        ("two byte low", "fd00fd", Ok(253)),
        ("two byte high", "fdffff", Ok(65535)),
        ("four byte low", "fe00010000", Ok(65536)),
        ("four byte high", "feffffffff", Ok(4294967295)),
        ("eight byte low", "ff0000000100000000", Ok(4294967296)),
        (
            "eight byte high",
            "ffffffffffffffffff",
            Ok(18446744073709551615),
        ),
        (
            "two byte not canonical",
            "fd00fc",
            Err(WireError::NonCanonicalBigSize),
        ),
        (
            "four byte not canonical",
            "fe0000ffff",
            Err(WireError::NonCanonicalBigSize),
        ),
        (
            "eight byte not canonical",
            "ff00000000ffffffff",
            Err(WireError::NonCanonicalBigSize),
        ),
        ("two byte short read", "fd00", Err(TRUNC)),
        ("four byte short read", "feffff", Err(TRUNC)),
        ("eight byte short read", "ffffffffff", Err(TRUNC)),
        ("one byte no read", "", Err(TRUNC)),
        ("two byte no read", "fd", Err(TRUNC)),
        ("four byte no read", "fe", Err(TRUNC)),
        ("eight byte no read", "ff", Err(TRUNC)),
    ];
    const TRUNC: WireError = WireError::Truncated { what: "bigsize" };

    // BOLT 1 Appendix A, BigSize encoding tests.
    const BIGSIZE_ENCODE: &[(u64, &str)] = &[
        (0, "00"),
        (252, "fc"),
        (253, "fd00fd"),
        (65535, "fdffff"),
        (65536, "fe00010000"),
        (4294967295, "feffffffff"),
        (4294967296, "ff0000000100000000"),
        (18446744073709551615, "ffffffffffffffffff"),
    ];

    #[test]
    fn bigsize_decoding_vectors() {
        for (name, hex, want) in BIGSIZE_DECODE {
            let bytes = h(hex);
            let got = read_bigsize(&bytes).map(|(v, n)| {
                assert_eq!(n, bytes.len(), "{name}: consumed");
                v
            });
            assert_eq!(got, *want, "{name}");
        }
    }

    #[test]
    fn bigsize_encoding_vectors() {
        for (value, hex) in BIGSIZE_ENCODE {
            let mut out = Vec::new();
            write_bigsize(*value, &mut out);
            assert_eq!(out, h(hex), "{value}");
            assert_eq!(bigsize_len(*value), out.len());
        }
    }

    #[test]
    fn bigsize_reads_only_its_own_bytes() {
        assert_eq!(read_bigsize(&[0xfd, 0x01, 0x00, 0xaa]), Ok((256, 3)));
        assert_eq!(read_bigsize(&[0x05, 0xff]), Ok((5, 1)));
    }

    // Generic TLV failures from BOLT 1 Appendix B (any namespace), checked with no known even
    // types, plus the ordering failures whose records are all odd or known.
    #[test]
    fn tlv_stream_failures() {
        let cases: &[(&str, WireError)] = &[
            ("fd", WireError::Truncated { what: "tlv type" }),
            ("fd01", WireError::Truncated { what: "tlv type" }),
            ("fd0001 00", WireError::NonCanonicalBigSize),
            ("fd0101", WireError::Truncated { what: "tlv length" }),
            ("0f fd", WireError::Truncated { what: "tlv length" }),
            ("0f fd26", WireError::Truncated { what: "tlv length" }),
            ("0f fd2602", WireError::TlvLengthOverflow),
            ("0f fd0001 00", WireError::NonCanonicalBigSize),
            ("0f fd0201 0000", WireError::TlvLengthOverflow),
            ("12 00", WireError::UnknownEvenTlv(0x12)),
            ("fd0102 00", WireError::UnknownEvenTlv(0x102)),
            ("fe01000002 00", WireError::UnknownEvenTlv(0x0100_0002)),
            (
                "ff0100000000000002 00",
                WireError::UnknownEvenTlv(0x0100_0000_0000_0002),
            ),
            ("00 00", WireError::UnknownEvenTlv(0)),
            ("1f 00 0f 01 2a", WireError::TlvNotIncreasing),
            ("1f 00 1f 01 2a", WireError::TlvNotIncreasing),
            ("ffffffffffffffffff 00 00 00", WireError::TlvNotIncreasing),
        ];
        for (hex, want) in cases {
            assert_eq!(parse_tlv_stream(&h(hex), &[]), Err(*want), "{hex}");
        }
        // n1 namespace: types 2 and 254 are known even there.
        let n1 = &[2u64, 254];
        let ordered: &[(&str, WireError)] = &[
            (
                "02 08 0000000000000226 01 01 2a",
                WireError::TlvNotIncreasing,
            ),
            (
                "02 08 0000000000000231 02 08 0000000000000451",
                WireError::TlvNotIncreasing,
            ),
            ("00 00", WireError::UnknownEvenTlv(0)),
        ];
        for (hex, want) in ordered {
            assert_eq!(parse_tlv_stream(&h(hex), n1), Err(*want), "{hex}");
        }
    }

    #[test]
    fn tlv_stream_successes() {
        for hex in [
            "",
            "21 00",
            "fd0201 00",
            "fd00fd 00",
            "fd00ff 00",
            "fe02000001 00",
            "ff0200000000000001 00",
        ] {
            let bytes = h(hex);
            let recs = parse_tlv_stream(&bytes, &[]).expect(hex);
            assert!(recs.iter().all(|r| r.typ % 2 == 1 && r.value.is_empty()));
        }
        let n1 = &[2u64, 254];
        let bytes = h("01 08 0100000000000000");
        let recs = parse_tlv_stream(&bytes, n1).unwrap();
        assert_eq!(
            recs,
            vec![TlvRecord {
                typ: 1,
                value: &h("0100000000000000")
            }]
        );
        let bytes = h("02 08 0000000000000226 fd00fe 02 0226");
        let recs = parse_tlv_stream(&bytes, n1).unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!((recs[0].typ, recs[1].typ), (2, 254));
        assert_eq!(recs[1].value, &[0x02, 0x26]);
        // A higher-numbered valid stream appended to a lower one stays valid.
        let bytes = h("01 01 2a 03 00 fd0201 00");
        let recs = parse_tlv_stream(&bytes, n1).unwrap();
        assert_eq!(
            recs.iter().map(|r| r.typ).collect::<Vec<_>>(),
            [1, 3, 0x201]
        );
    }

    #[test]
    fn tlv_write_round_trip() {
        let mut out = Vec::new();
        write_tlv_record(1, b"ab", &mut out);
        write_tlv_record(300, &[7; 300], &mut out);
        assert_eq!(&out[..4], &[1, 2, b'a', b'b']);
        let recs = parse_tlv_stream(&out, &[300]).unwrap();
        assert_eq!(recs[1].typ, 300);
        assert_eq!(recs[1].value, &[7; 300][..]);
    }

    /// A right-aligned feature bitfield with these bits set.
    fn with_bits(bits: &[u32]) -> Vec<u8> {
        let top = bits.iter().max().map_or(0, |m| *m as usize / 8 + 1);
        let mut v = vec![0u8; top];
        for &b in bits {
            v[top - 1 - b as usize / 8] |= 1 << (b % 8);
        }
        v
    }

    fn decode_init(bytes: &[u8]) -> Result<Init, WireError> {
        match Message::decode(bytes)? {
            Message::Init(i) => Ok(i),
            other => panic!("not an init: {other:?}"),
        }
    }

    // BOLT 1 Appendix C.
    #[test]
    fn init_extension_vectors() {
        assert_eq!(decode_init(&h("001000000000")), Ok(Init::client_default()));
        assert_eq!(
            decode_init(&h("001000000000c9012acb0104")),
            Ok(Init::client_default())
        );
        assert_eq!(
            decode_init(&h("00100000000001")),
            Err(WireError::Truncated { what: "tlv length" })
        );
        assert_eq!(
            decode_init(&h("001000000000ca012a")),
            Err(WireError::UnknownEvenTlv(0xca))
        );
        assert_eq!(
            decode_init(&h("001000000000c90101c90102")),
            Err(WireError::TlvNotIncreasing)
        );
    }

    #[test]
    fn init_round_trips() {
        let plain = Init::client_default();
        assert_eq!(plain.encode(), h("001000000000"));

        let mainnet = h("6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000");
        let chain = <[u8; 32]>::try_from(mainnet.as_slice()).unwrap();
        let full = Init {
            global_features: vec![0x02],
            features: vec![0x08, 0xa0, 0x00],
            networks: Some(vec![chain, [9; 32]]),
            remote_addr: Some(vec![1, 127, 0, 0, 1, 0x26, 0x07]),
        };
        let bytes = full.encode();
        assert_eq!(decode_init(&bytes), Ok(full.clone()));

        let nets_only = Init {
            networks: Some(vec![chain]),
            ..Init::default()
        };
        assert_eq!(decode_init(&nets_only.encode()), Ok(nets_only.clone()));
        let addr_only = Init {
            remote_addr: Some(vec![1, 10, 0, 0, 1, 0x26, 0x07]),
            ..Init::default()
        };
        assert_eq!(decode_init(&addr_only.encode()), Ok(addr_only));

        // Echoing the node's networks.
        let ours = Init::client_for(&full);
        assert_eq!(ours.networks, full.networks);
        assert!(ours.features.is_empty() && ours.global_features.is_empty());
        assert_eq!(ours.remote_addr, None);
        assert_eq!(Init::client_for(&plain).networks, None);
    }

    #[test]
    fn init_tlv_rules() {
        let mut base = h("0010 0000 0000");
        // Unknown odd TLV (type 5, 7) ignored around the known ones.
        let mut odd = base.clone();
        write_tlv_record(3, &[1, 2], &mut odd);
        write_tlv_record(5, &[0xee; 4], &mut odd);
        write_tlv_record(0x10001, &[], &mut odd);
        let init = decode_init(&odd).unwrap();
        assert_eq!(init.remote_addr, Some(vec![1, 2]));
        assert_eq!(init.networks, None);
        // Unknown even TLV rejected.
        let mut even = base.clone();
        write_tlv_record(4, &[], &mut even);
        assert_eq!(decode_init(&even), Err(WireError::UnknownEvenTlv(4)));
        // Networks must be whole chain hashes.
        let mut bad = base.clone();
        write_tlv_record(1, &[0; 33], &mut bad);
        assert_eq!(decode_init(&bad), Err(WireError::BadNetworksLength));
        // Empty networks is a valid (empty) list.
        write_tlv_record(1, &[], &mut base);
        assert_eq!(decode_init(&base).unwrap().networks, Some(vec![]));
    }

    #[test]
    fn init_truncated() {
        for hex in ["0010", "001000", "00100001", "0010000101", "001000000000fd"] {
            assert!(
                matches!(decode_init(&h(hex)), Err(WireError::Truncated { .. })),
                "{hex}"
            );
        }
        // Length runs past the end.
        assert_eq!(
            decode_init(&h("001000000000 01 40 00")),
            Err(WireError::TlvLengthOverflow)
        );
    }

    #[test]
    fn features_combined_and_checked() {
        let init = Init {
            global_features: vec![0x01],
            features: vec![0x80, 0x00],
            ..Init::default()
        };
        assert_eq!(init.combined_features(), vec![0x80, 0x01]);
        assert_eq!(init.first_unknown_required_feature(&[]), Some(0));
        assert_eq!(init.first_unknown_required_feature(&[0]), None); // bit 15 is odd
        // Core Lightning's compulsory bits 0, 8, 12, 14 with some optional ones.
        let cln = Init {
            features: with_bits(&[0, 5, 7, 8, 11, 12, 14, 17, 19, 27, 45, 47, 51]),
            ..Init::default()
        };
        assert_eq!(cln.check_client_features(), Ok(()));
        let unknown = Init {
            global_features: with_bits(&[13]),
            features: with_bits(&[8, 12, 14, 31, 202]),
            ..Init::default()
        };
        assert_eq!(
            unknown.check_client_features(),
            Err(WireError::UnknownRequiredFeature(202))
        );
        // An even bit nobody knows.
        let odd_req = Init {
            features: vec![0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
            ..Init::default()
        };
        assert_eq!(odd_req.first_unknown_required_feature(&[]), Some(72));
        assert_eq!(
            odd_req.check_client_features(),
            Err(WireError::UnknownRequiredFeature(72))
        );
        assert_eq!(
            WireError::UnknownRequiredFeature(72).to_string(),
            "peer requires unknown feature bit 72"
        );
        assert_eq!(Init::default().check_client_features(), Ok(()));
    }

    #[test]
    fn ping_pong_rule() {
        let answer = |n: u16| {
            pong_for(&Ping {
                num_pong_bytes: n,
                ignored_len: 0,
            })
        };
        let pong = answer(65531).expect("65531 is answered");
        assert_eq!(pong.len(), MAX_MESSAGE_LEN);
        assert_eq!(&pong[..4], &[0x00, 0x13, 0xff, 0xfb]);
        assert!(pong[4..].iter().all(|&b| b == 0));
        assert_eq!(answer(65532), None);
        assert_eq!(answer(65535), None);
        assert_eq!(answer(0), Some(h("0013 0000")));
        assert_eq!(answer(3), Some(h("0013 0003 000000")));
    }

    #[test]
    fn ping_pong_decode() {
        let ping = encode_ping(4, 3);
        assert_eq!(ping, h("0012 0004 0003 000000"));
        assert_eq!(
            Message::decode(&ping),
            Ok(Message::Ping(Ping {
                num_pong_bytes: 4,
                ignored_len: 3
            }))
        );
        assert_eq!(
            Message::decode(&h("0012 0004 0003 0000")),
            Err(WireError::Truncated {
                what: "ping ignored"
            })
        );
        assert_eq!(
            Message::decode(&h("0013 0002 00")),
            Err(WireError::Truncated {
                what: "pong ignored"
            })
        );
        // Non-zero ignored bytes and a trailing extension are accepted.
        assert_eq!(
            Message::decode(&h("0013 0001 ff 0100")),
            Ok(Message::Pong(Pong { len: 1 }))
        );
        assert_eq!(encode_ping(0, u16::MAX).len(), MAX_MESSAGE_LEN);
        assert_eq!(encode_pong(u16::MAX).len(), MAX_MESSAGE_LEN);
    }

    #[test]
    fn warning_and_error() {
        let w = encode_warning(&[0; 32], "bad features");
        let Ok(Message::Warning(msg)) = Message::decode(&w) else {
            panic!("not a warning");
        };
        assert!(msg.is_all_channels());
        assert_eq!(msg.text(), "bad features");
        let e = encode_error_like(msg_type::ERROR, &[1; 32], b"boom");
        let Ok(Message::Error(msg)) = Message::decode(&e) else {
            panic!("not an error");
        };
        assert!(!msg.is_all_channels());
        assert_eq!(msg.data, b"boom");
        assert_eq!(
            Message::decode(&h("0001 00")),
            Err(WireError::Truncated { what: "channel_id" })
        );
        let mut short = encode_warning(&[0; 32], "abc");
        short.pop();
        assert_eq!(
            Message::decode(&short),
            Err(WireError::Truncated { what: "data" })
        );
        let huge = "x".repeat(70_000);
        assert_eq!(
            encode_error_like(msg_type::ERROR, &[0; 32], huge.as_bytes()).len(),
            MAX_MESSAGE_LEN
        );
    }

    #[test]
    fn text_rendering() {
        assert_eq!(printable_text(b"plain text ~!"), "plain text ~!");
        assert_eq!(
            printable_text(b"a\\b\nc\td\r\x00\x1b[31m\x7f\xff"),
            "a\\\\b\\nc\\td\\r\\x00\\x1b[31m\\x7f\\xff"
        );
        assert_eq!(printable_text("é".as_bytes()), "\\xc3\\xa9");
        let long = vec![b'a'; MAX_TEXT_BYTES + 10];
        let text = printable_text(&long);
        assert!(text.starts_with(&"a".repeat(MAX_TEXT_BYTES)));
        assert!(text.ends_with("... (10 more bytes)"));
        assert!(printable_text(&[0u8; 4096]).len() < 4 * MAX_TEXT_BYTES + 32);
    }

    #[test]
    fn commando_and_unknown() {
        let c = CommandoParts {
            typ: msg_type::COMMANDO_REPLY_TERMINATES,
            id: 0x0102030405060708,
            body: b"{}",
        };
        let bytes = c.encode();
        assert_eq!(bytes, h("594d 0102030405060708 7b7d"));
        assert_eq!(Message::decode(&bytes), Ok(Message::Commando(c)));
        assert_eq!(
            Message::decode(&h("4c4f 01020304050607")),
            Err(WireError::Truncated {
                what: "commando id"
            })
        );
        let bare = h("4c4d 0000000000000007");
        let Ok(Message::Commando(c)) = Message::decode(&bare) else {
            panic!("not commando");
        };
        assert_eq!((c.typ, c.id, c.body), (0x4c4d, 7, &[][..]));

        let gossip = h("0102 aabb");
        let msg = Message::decode(&gossip).unwrap();
        assert_eq!(
            msg,
            Message::Unknown {
                typ: 258,
                payload: &[0xaa, 0xbb]
            }
        );
        assert_eq!(msg.typ(), 258);
        assert_eq!(msg.encode(), gossip);
        assert_eq!(Message::decode(&[0x00]), Err(WireError::MessageTooShort));
        assert_eq!(Message::decode(&[]), Err(WireError::MessageTooShort));
    }

    #[test]
    fn classification() {
        use msg_type::*;
        for t in [
            WARNING, INIT, ERROR, PING, PONG, 0x4c4d, 0x4c4f, 0x594b, 0x594d,
        ] {
            assert_eq!(classify(t), MsgClass::Handled, "{t}");
        }
        for t in [
            256, 257, 258, 259, 261, 262, 263, 264, 265, 32, 36, 136, 513, 7, 9,
        ] {
            assert_eq!(classify(t), MsgClass::Ignorable, "{t}");
            assert!(is_known_ignorable(t));
        }
        assert!(is_gossip(CHANNEL_ANNOUNCEMENT) && !is_gossip(260) && !is_gossip(266));
        assert_eq!(classify(260), MsgClass::UnknownEven);
        assert_eq!(classify(32768), MsgClass::UnknownEven);
        assert_eq!(classify(0), MsgClass::UnknownEven);
        assert_eq!(classify(32769), MsgClass::UnknownOdd);
        assert_eq!(classify(3), MsgClass::UnknownOdd);
        assert_eq!(classify(258), MsgClass::Ignorable);
        assert_eq!(classify(1000), MsgClass::UnknownEven);
    }

    fn message_strategy() -> impl Strategy<Value = Vec<u8>> {
        let typ = prop_oneof![
            Just(msg_type::INIT),
            Just(msg_type::PING),
            Just(msg_type::PONG),
            Just(msg_type::WARNING),
            Just(msg_type::ERROR),
            Just(msg_type::COMMANDO_REPLY_CONTINUES),
            any::<u16>(),
        ];
        (typ, proptest::collection::vec(any::<u8>(), 0..300)).prop_map(|(t, mut body)| {
            let mut out = t.to_be_bytes().to_vec();
            out.append(&mut body);
            out
        })
    }

    fn init_strategy() -> impl Strategy<Value = Init> {
        (
            proptest::collection::vec(any::<u8>(), 0..40),
            proptest::collection::vec(any::<u8>(), 0..40),
            proptest::option::of(proptest::collection::vec(any::<[u8; 32]>(), 0..4)),
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..300)),
        )
            .prop_map(|(global_features, features, networks, remote_addr)| Init {
                global_features,
                features,
                networks,
                remote_addr,
            })
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in message_strategy()) {
            if let Ok(msg) = Message::decode(&bytes) {
                // Whatever decodes re-encodes without panicking and keeps its type.
                let again = msg.encode();
                prop_assert_eq!(&again[..2], &bytes[..2]);
            }
        }

        #[test]
        fn decode_never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = Message::decode(&bytes);
            let _ = parse_tlv_stream(&bytes, &[2, 4]);
            let _ = read_bigsize(&bytes);
            let _ = printable_text(&bytes);
        }

        #[test]
        fn bigsize_round_trip(v in any::<u64>()) {
            let mut out = Vec::new();
            write_bigsize(v, &mut out);
            prop_assert_eq!(read_bigsize(&out), Ok((v, out.len())));
        }

        #[test]
        fn init_round_trip(init in init_strategy()) {
            let bytes = init.encode();
            prop_assert_eq!(Message::decode(&bytes), Ok(Message::Init(init)));
        }

        #[test]
        fn ping_pong_round_trip(n in any::<u16>(), ignored in 0..=MAX_PING_IGNORED) {
            let ping = Ping { num_pong_bytes: n, ignored_len: ignored };
            let bytes = ping.encode();
            prop_assert_eq!(Message::decode(&bytes), Ok(Message::Ping(ping)));
            let pong = Pong { len: n.min(MAX_PONG_BYTES) };
            let bytes = pong.encode();
            prop_assert_eq!(Message::decode(&bytes), Ok(Message::Pong(pong)));
        }

        #[test]
        fn warning_error_round_trip(
            channel_id in any::<[u8; 32]>(),
            data in proptest::collection::vec(any::<u8>(), 0..400),
        ) {
            let body = ErrorMessage { channel_id, data };
            let w = Message::Warning(body.clone());
            let bytes = w.encode();
            prop_assert_eq!(Message::decode(&bytes), Ok(w.clone()));
            let e = Message::Error(body);
            let bytes = e.encode();
            prop_assert_eq!(Message::decode(&bytes), Ok(e.clone()));
        }
    }
}
