//! BOLT 1 decoding: messages, TLV streams, BigSize, `init` payloads.
//!
//! Input: `mode` (1 byte), then the bytes to decode:
//! - `mode % 4 == 0`: `wire::Message::decode`; a decoded message re-encodes to a message that
//!   decodes to the same value (and, for types carried verbatim, to the same bytes);
//! - `1`: `wire::parse_tlv_stream` with the known even types listed in the next byte's bits
//!   (bit k: type 2k); a parsed stream re-encodes to exactly its input;
//! - `2`: `wire::read_bigsize`; a value re-encodes to exactly the bytes it used;
//! - `3`: `wire::Init::decode_payload`; encode, decode again, equal; feature checks.
use lncommando::wire::{
    self, ErrorMessage, Init, MAX_MESSAGE_LEN, MAX_PING_IGNORED, Message, MsgClass, Ping,
    WireError, msg_type,
};

/// Runs one input (the fuzz target's body; replayed over the corpus by `cargo test`).
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => message(rest),
        1 => {
            let Some((&bits, stream)) = rest.split_first() else {
                return;
            };
            let known: Vec<u64> = (0..8)
                .filter(|k| bits >> k & 1 == 1)
                .map(|k| 2 * k)
                .collect();
            tlv(stream, &known);
        }
        2 => bigsize(rest),
        _ => init_payload(rest),
    }
}

fn message(bytes: &[u8]) {
    let msg = match Message::decode(bytes) {
        Ok(m) => m,
        Err(e) => {
            // Only a too-short input can fail before the type is known.
            assert_eq!(e == WireError::MessageTooShort, bytes.len() < 2, "{e:?}");
            let _ = e.to_string();
            return;
        }
    };
    let typ = u16::from_be_bytes([bytes[0], bytes[1]]);
    assert_eq!(msg.typ(), typ);
    // Classification is total and consistent with the decoded variant.
    let class = wire::classify(typ);
    assert_eq!(
        class == MsgClass::Handled,
        !matches!(msg, Message::Unknown { .. })
    );
    assert_eq!(
        class == MsgClass::UnknownEven,
        !is_known(typ) && typ.is_multiple_of(2)
    );
    let encoded = msg.encode();
    let again = Message::decode(&encoded).expect("a re-encoded message decodes");
    match (&msg, &again) {
        (Message::Ping(p), Message::Ping(q)) => {
            // Padding is rewritten as zeros and capped to fit one message.
            assert_eq!(
                *q,
                Ping {
                    num_pong_bytes: p.num_pong_bytes,
                    ignored_len: p.ignored_len.min(MAX_PING_IGNORED),
                }
            );
            assert!(encoded.len() <= MAX_MESSAGE_LEN);
            // A pong answers exactly the pings that may be answered, with the bytes asked for.
            match wire::pong_for(p) {
                Some(pong) => {
                    assert!(p.num_pong_bytes <= wire::MAX_PONG_BYTES);
                    assert_eq!(pong.len(), 4 + usize::from(p.num_pong_bytes));
                    let Ok(Message::Pong(q)) = Message::decode(&pong) else {
                        panic!("pong_for made no pong");
                    };
                    assert_eq!(q.len, p.num_pong_bytes);
                }
                None => assert!(p.num_pong_bytes > wire::MAX_PONG_BYTES),
            }
        }
        (Message::Pong(p), Message::Pong(q)) => {
            assert_eq!(q.len, p.len.min(wire::MAX_PONG_BYTES));
        }
        (Message::Warning(w), Message::Warning(v)) | (Message::Error(w), Message::Error(v)) => {
            // Data is cut to fit one message.
            let fit = &w.data[..w.data.len().min(MAX_MESSAGE_LEN - 36)];
            assert_eq!(
                *v,
                ErrorMessage {
                    channel_id: w.channel_id,
                    data: fit.to_vec()
                }
            );
            assert_eq!(w.is_all_channels(), w.channel_id == [0; 32]);
            let text = w.text();
            assert!(text.bytes().all(|b| (32..=126).contains(&b)), "{text:?}");
            if w.data.len() <= wire::MAX_TEXT_BYTES {
                assert!(text.len() >= w.data.len() && text.len() <= 4 * w.data.len());
            }
            if !w.data.is_empty() && v.data.len() == w.data.len() {
                // A warning's exact bytes: type, channel, length, data; extensions dropped.
                assert_eq!(encoded[..], bytes[..36 + w.data.len()]);
            }
        }
        (Message::Init(a), Message::Init(b)) => assert_eq!(a, b),
        (Message::Commando(_), Message::Commando(_))
        | (Message::Unknown { .. }, Message::Unknown { .. }) => {
            // Carried verbatim.
            assert_eq!(encoded, bytes);
            assert_eq!(msg, again);
        }
        _ => panic!("re-encoding changed the message kind: {msg:?} vs {again:?}"),
    }
}

fn tlv(stream: &[u8], known: &[u64]) {
    let records = match wire::parse_tlv_stream(stream, known) {
        Ok(r) => r,
        Err(e) => {
            let _ = e.to_string();
            if let WireError::UnknownEvenTlv(t) = e {
                assert!(t % 2 == 0 && !known.contains(&t));
            }
            return;
        }
    };
    let mut out = Vec::new();
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            assert!(r.typ > records[i - 1].typ, "types not increasing");
        }
        assert!(r.typ % 2 == 1 || known.contains(&r.typ));
        wire::write_tlv_record(r.typ, r.value, &mut out);
    }
    assert_eq!(out, stream, "a parsed TLV stream re-encodes differently");
}

fn bigsize(bytes: &[u8]) {
    match wire::read_bigsize(bytes) {
        Ok((v, n)) => {
            assert_eq!(n, wire::bigsize_len(v));
            let mut out = Vec::new();
            wire::write_bigsize(v, &mut out);
            assert_eq!(out, bytes[..n]);
        }
        Err(WireError::NonCanonicalBigSize) => {
            // A non-minimal encoding of a value whose minimal form is shorter.
            let n = match bytes[0] {
                0xfd => 3,
                0xfe => 5,
                _ => 9,
            };
            let mut v = [0u8; 8];
            v[8 - (n - 1)..].copy_from_slice(&bytes[1..n]);
            assert!(wire::bigsize_len(u64::from_be_bytes(v)) < n);
        }
        Err(WireError::Truncated { .. }) => {
            let need = match bytes.first() {
                None => 1,
                Some(0xfd) => 3,
                Some(0xfe) => 5,
                Some(0xff) => 9,
                Some(_) => panic!("one byte is a whole bigsize"),
            };
            assert!(bytes.len() < need);
        }
        Err(e) => panic!("unexpected bigsize error {e:?}"),
    }
}

fn init_payload(payload: &[u8]) {
    let init = match Init::decode_payload(payload) {
        Ok(i) => i,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let encoded = init.encode();
    assert_eq!(encoded[..2], msg_type::INIT.to_be_bytes());
    let again = Init::decode_payload(&encoded[2..]).expect("a re-encoded init decodes");
    assert_eq!(again, init);
    let Ok(Message::Init(via_message)) = Message::decode(&encoded) else {
        panic!("an encoded init is not an init message");
    };
    assert_eq!(via_message, init);

    let combined = init.combined_features();
    assert_eq!(
        combined.len(),
        init.features.len().max(init.global_features.len())
    );
    // Every bit set in either field is set in the combination, and no other.
    let bit = |f: &[u8], i: usize| i / 8 < f.len() && f[f.len() - 1 - i / 8] >> (i % 8) & 1 == 1;
    for i in 0..combined.len() * 8 {
        assert_eq!(
            bit(&combined, i),
            bit(&init.features, i) || bit(&init.global_features, i)
        );
    }
    match init.check_client_features() {
        Ok(()) => {
            for i in (0..combined.len() * 8).step_by(2) {
                if bit(&combined, i) {
                    assert!(wire::CLIENT_KNOWN_REQUIRED_FEATURES.contains(&(i as u32)));
                }
            }
        }
        Err(WireError::UnknownRequiredFeature(b)) => {
            assert!(b % 2 == 0 && bit(&combined, b as usize));
            assert!(!wire::CLIENT_KNOWN_REQUIRED_FEATURES.contains(&b));
            // The lowest such bit.
            for i in (0..b as usize).step_by(2) {
                assert!(
                    !bit(&combined, i)
                        || wire::CLIENT_KNOWN_REQUIRED_FEATURES.contains(&(i as u32))
                );
            }
        }
        Err(e) => panic!("unexpected feature error {e:?}"),
    }
    // A client's answer echoes the networks.
    assert_eq!(Init::client_for(&init).networks, init.networks);
}

/// Whether `typ` is one a client knows (handled or ignorable): the types BOLT 1, 2, 4, 7 and
/// peer storage assign, as an independent list to check `wire::classify` against.
fn is_known(typ: u16) -> bool {
    matches!(
        typ,
        1 | 2 | 7 | 9 | 16..=19 | 32..=36 | 38..=41 | 64..=74 | 77 | 80 | 81 | 128 | 130..=137
            | 256..=259 | 261..=265 | 513 | 0x4c4d | 0x4c4f | 0x594b | 0x594d
    )
}
