//! BOLT 8 packets after a valid handshake: the decryptor fed in arbitrary pieces.
//!
//! Input: `mode` (1 byte), `sizes` (u16-prefixed: the piece sizes, see `lncommando_fuzz::split`),
//! then by mode:
//! - even `mode >> 1`, raw: the rest is the received byte stream, arbitrary. Must not panic;
//!   after an error every later call gives the same error.
//! - odd, round trip: the rest is a list of operations making plaintext messages that the peer
//!   encrypts (op 0: a u16-prefixed message; 1: a u16 length and a fill byte, over 65535 when a
//!   flag is set, which must be refused; 2: a u16 count of small messages, crossing key
//!   rotations), optionally ending with a fault (op 3: flip a bit, append garbage or truncate).
//!   The stream is split and fed; exactly the messages whose packets lie wholly before the
//!   first damaged byte come out, each as soon as its last byte is pushed, then the precise
//!   error (bad length tag / bad body tag) or nothing.
//!
//! `mode & 1` picks the direction: the responder decrypts what the initiator sent, or the
//! reverse.
use crate::{Input, post_handshake, split};
use lncommando::transport::{Decryptor, Encryptor, HEADER_LEN, MAX_MESSAGE_LEN, TransportError};

/// Runs one input (the fuzz target's body; replayed over the corpus by `cargo test`).
pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.u8();
    let sizes = input.prefixed();
    let (initiator, responder) = post_handshake();
    let (enc, dec) = if mode & 1 == 0 {
        (initiator.encryptor, responder.decryptor)
    } else {
        (responder.encryptor, initiator.decryptor)
    };
    if (mode >> 1) & 1 == 0 {
        raw(dec, input.rest(), sizes);
    } else {
        round_trip(enc, dec, &mut input, sizes);
    }
}

/// Arbitrary bytes into the decryptor.
fn raw(mut dec: Decryptor, stream: &[u8], sizes: &[u8]) {
    let mut failed: Option<TransportError> = None;
    let mut fed = 0usize;
    let mut taken = 0usize;
    split(stream, sizes, |piece| {
        dec.push(piece);
        fed += piece.len();
        loop {
            match dec.next_message() {
                Ok(Some(m)) => {
                    assert!(failed.is_none(), "a message after an error");
                    taken += HEADER_LEN + m.len() + 16;
                }
                Ok(None) => {
                    assert!(failed.is_none(), "Ok after an error");
                    break;
                }
                Err(e) => {
                    if let Some(prev) = failed {
                        assert_eq!(prev, e, "the error changed");
                    }
                    failed = Some(e);
                    break;
                }
            }
        }
        if failed.is_none() {
            assert!(dec.buffered() <= fed - taken);
        }
    });
    if let Some(e) = failed {
        dec.push(b"more bytes after the error");
        assert_eq!(dec.next_message(), Err(e));
        assert_eq!(dec.next_message(), Err(e));
    }
}

/// What happens to the end of the valid stream.
enum Fault {
    None,
    /// XOR the byte at this offset with a non-zero value.
    Flip(usize, u8),
    /// Append these bytes.
    Garbage(Vec<u8>),
    /// Keep only this many bytes.
    Truncate(usize),
}

fn round_trip(mut enc: Encryptor, mut dec: Decryptor, input: &mut Input, sizes: &[u8]) {
    let mut stream = Vec::new();
    // Each packet's message and end offset in the stream.
    let mut packets: Vec<(Vec<u8>, usize)> = Vec::new();
    let mut fault = Fault::None;
    // Bounded work per input: at most ~3000 packets and 256 KiB.
    while !input.is_empty() && stream.len() < 1 << 18 && packets.len() < 3000 {
        match input.u8() % 4 {
            0 => encrypt(
                &mut enc,
                &mut packets,
                input.prefixed().to_vec(),
                &mut stream,
            ),
            1 => {
                let len = usize::from(input.u16());
                let fill = input.u8();
                if input.bool() {
                    // Too long for one packet: refused without output or a nonce used (the
                    // packets after it still decrypt).
                    let len = MAX_MESSAGE_LEN + 1 + len;
                    let before = stream.len();
                    assert_eq!(
                        enc.encrypt_into(&vec![fill; len], &mut stream),
                        Err(TransportError::MessageTooLong(len))
                    );
                    assert_eq!(stream.len(), before);
                } else {
                    encrypt(&mut enc, &mut packets, vec![fill; len], &mut stream);
                }
            }
            2 => {
                let count = input.u16() % 1100;
                for n in 0..count {
                    encrypt(
                        &mut enc,
                        &mut packets,
                        n.to_be_bytes()[..usize::from(n % 3)].to_vec(),
                        &mut stream,
                    );
                }
            }
            _ => {
                fault = match input.u8() % 3 {
                    0 if !stream.is_empty() => {
                        let at = input.u32() as usize % stream.len();
                        Fault::Flip(at, input.u8().max(1))
                    }
                    1 => Fault::Garbage(input.rest().to_vec()),
                    _ => Fault::Truncate(input.u32() as usize % (stream.len() + 1)),
                };
                break;
            }
        }
    }
    // The damaged offset and what it does to the packet it falls in.
    let (cut, expect_err) = match &fault {
        Fault::None => (stream.len(), None),
        Fault::Flip(at, x) => {
            stream[*at] ^= x;
            let start = packets
                .iter()
                .map(|p| p.1)
                .take_while(|&end| end <= *at)
                .last()
                .unwrap_or(0);
            let err = if *at < start + HEADER_LEN {
                TransportError::BadLengthTag
            } else {
                TransportError::BadBodyTag
            };
            (*at, Some(err))
        }
        Fault::Garbage(g) => {
            let at = stream.len();
            stream.extend_from_slice(g);
            // Garbage is a header once 18 bytes are there; it cannot authenticate.
            (
                at,
                (g.len() >= HEADER_LEN).then_some(TransportError::BadLengthTag),
            )
        }
        Fault::Truncate(n) => {
            stream.truncate(*n);
            (*n, None)
        }
    };
    let expected: Vec<&(Vec<u8>, usize)> = packets.iter().take_while(|p| p.1 <= cut).collect();

    let mut got = 0usize;
    let mut fed = 0usize;
    let mut due = 0usize;
    let mut error = None;
    split(&stream, sizes, |piece| {
        dec.push(piece);
        fed += piece.len();
        loop {
            match dec.next_message() {
                Ok(Some(m)) => {
                    assert!(error.is_none());
                    let (want, end) = expected.get(got).expect("more messages than sent");
                    assert_eq!(&m, want, "message {got} differs");
                    assert!(*end <= fed);
                    got += 1;
                }
                Ok(None) => break,
                Err(e) => {
                    if let Some(prev) = error {
                        assert_eq!(prev, e);
                    }
                    error = Some(e);
                    break;
                }
            }
        }
        if error.is_none() {
            // Every message whose last byte has arrived has been returned.
            while expected.get(due).is_some_and(|p| p.1 <= fed) {
                due += 1;
            }
            assert_eq!(got, due, "a complete message was held back");
        }
    });
    assert_eq!(got, expected.len(), "messages lost");
    assert_eq!(error, expect_err);
    if error.is_none() {
        // What remains buffered: the bytes after the last message, less a decrypted header.
        let consumed = expected.last().map_or(0, |p| p.1);
        let rem = stream.len() - consumed;
        let want = if rem >= HEADER_LEN {
            rem - HEADER_LEN
        } else {
            rem
        };
        assert_eq!(dec.buffered(), want);
    } else {
        assert_eq!(dec.next_message(), Err(expect_err.unwrap()));
    }
}

/// The peer encrypts `msg` onto `stream`; records the message and its packet's end.
fn encrypt(
    enc: &mut Encryptor,
    packets: &mut Vec<(Vec<u8>, usize)>,
    msg: Vec<u8>,
    stream: &mut Vec<u8>,
) {
    let start = stream.len();
    enc.encrypt_into(&msg, stream)
        .expect("a message within 65535 bytes");
    assert_eq!(stream.len() - start, HEADER_LEN + msg.len() + 16);
    packets.push((msg, stream.len()));
}
