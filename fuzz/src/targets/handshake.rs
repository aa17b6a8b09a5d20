//! The BOLT 8 handshake over a byte stream in arbitrary pieces, in both roles, through the
//! streaming `transport::Handshake` and through `transport::Connection`.
//!
//! Input: `mode` (1 byte), `sizes` (u16-prefixed piece sizes), then:
//! - `mode % 4 == 0`: the rest is act one (and whatever follows) for a responder;
//! - `1`: the vector's act one, then the rest as act three (and what follows), for a responder;
//! - `2`: the rest is act two (and what follows) for an initiator (after its act one);
//! - `3`: mutation of a valid exchange: `mode >> 2 & 1` picks the role (responder: act one ‖
//!   act three; initiator: act two), followed by up to 3 u16-prefixed messages the peer sends
//!   encrypted; then a fault byte (0: none, 1: XOR the byte at a u16 offset with a non-zero
//!   byte, 2: truncate at a u16 offset). The outcome is predicted exactly: the handshake error
//!   for the damaged field, or completion with the vector's acts, the peer's static key, and
//!   the messages after it (leftover bytes of the last act's piece included) up to the damage.
//!
//! `mode >> 3 & 1` drives a `Connection` instead of a `Handshake`. Never panics; arbitrary acts
//! are only ever accepted when they are the vector's (nothing else can authenticate).
use crate::{
    ACT_ONE, ACT_THREE, ACT_TWO, Input, hex, initiator, keys, post_handshake, responder, split,
};
use lncommando::transport::{
    ACT_ONE_LEN, ACT_THREE_LEN, ACT_TWO_LEN, Connection, ConnectionError, HEADER_LEN, Handshake,
    HandshakeError, HandshakeStep, Transport, TransportError,
};

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Responder,
    Initiator,
}

/// One of the two ways to run a handshake.
enum Driver {
    Handshake(Handshake, Option<Box<Transport>>),
    Connection(Connection),
}

/// What the driver has produced so far.
#[derive(Default)]
struct Outcome {
    /// Bytes it asked to send (act two as responder, act three as initiator).
    sent: Vec<u8>,
    /// The peer's static key, once done.
    remote: Option<[u8; 33]>,
    /// Messages decrypted after the handshake.
    messages: Vec<Vec<u8>>,
    /// The failure, if any (handshake or transport).
    error: Option<ConnectionError>,
}

impl Driver {
    fn new(role: Role, connection: bool) -> Driver {
        match (role, connection) {
            (Role::Responder, false) => Driver::Handshake(Handshake::responder(responder()), None),
            (Role::Responder, true) => Driver::Connection(Connection::responder(responder(), 1000)),
            (Role::Initiator, false) => {
                let (hs, act1) = Handshake::initiator(initiator());
                assert_eq!(act1.to_vec(), hex(ACT_ONE));
                Driver::Handshake(hs, None)
            }
            (Role::Initiator, true) => {
                let mut c = Connection::initiator(initiator(), 1000);
                assert_eq!(c.poll_transmit(), Some(hex(ACT_ONE)));
                assert_eq!(c.poll_transmit(), None);
                Driver::Connection(c)
            }
        }
    }

    fn push(&mut self, piece: &[u8], out: &mut Outcome) {
        if out.error.is_some() {
            return;
        }
        match self {
            Driver::Handshake(hs, transport) => {
                if let Some(t) = transport {
                    t.decryptor.push(piece);
                } else {
                    match hs.push(piece) {
                        Ok(HandshakeStep::Pending) => {}
                        Ok(HandshakeStep::Send(b)) => out.sent.extend_from_slice(&b),
                        Ok(HandshakeStep::Done {
                            send,
                            transport: mut t,
                            remote,
                            leftover,
                        }) => {
                            out.sent.extend_from_slice(&send);
                            out.remote = Some(remote);
                            t.decryptor.push(&leftover);
                            *transport = Some(t);
                        }
                        Err(e) => {
                            out.error = Some(ConnectionError::Handshake(e));
                            return;
                        }
                    }
                }
                if let Some(t) = transport {
                    loop {
                        match t.decryptor.next_message() {
                            Ok(Some(m)) => out.messages.push(m),
                            Ok(None) => break,
                            Err(e) => {
                                out.error = Some(ConnectionError::Transport(e));
                                break;
                            }
                        }
                    }
                }
            }
            Driver::Connection(c) => {
                let was_open = c.is_open();
                match c.push(piece) {
                    Ok(done) => {
                        assert_eq!(done, !was_open && c.is_open());
                        if done {
                            out.remote = c.remote().copied();
                        }
                    }
                    Err(e) => {
                        assert!(!c.is_open());
                        out.error = Some(e);
                    }
                }
                while let Some(b) = c.poll_transmit() {
                    out.sent.extend_from_slice(&b);
                }
                loop {
                    match c.next_message() {
                        Ok(Some(m)) => out.messages.push(m),
                        Ok(None) => break,
                        Err(e) => {
                            out.error = Some(e);
                            break;
                        }
                    }
                }
            }
        }
    }

    /// The error the stream's end would give during the handshake.
    fn eof_error(&self) -> Option<HandshakeError> {
        match self {
            Driver::Handshake(_, Some(_)) => None,
            Driver::Handshake(hs, None) => Some(hs.eof_error()),
            Driver::Connection(c) => c.eof_error(),
        }
    }

    /// The transport works with the peer's: a message each way (Handshake only; a Connection's
    /// transport is checked by the messages it decrypted).
    fn check_transport(self, role: Role) {
        if let Driver::Handshake(_, Some(mut t)) = self {
            let (mut pi, mut pr) = post_handshake();
            let peer = if role == Role::Responder {
                &mut pi
            } else {
                &mut pr
            };
            // Our decryptor has consumed the peer's messages already; check our sending side.
            let packet = t.encryptor.encrypt(b"check").expect("encrypt");
            peer.decryptor.push(&packet);
            assert_eq!(peer.decryptor.next_message(), Ok(Some(b"check".to_vec())));
        }
    }
}

/// Runs one input (the fuzz target's body; replayed over the corpus by `cargo test`).
pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.u8();
    let sizes = input.prefixed();
    let connection = (mode >> 3) & 1 == 1;
    match mode % 4 {
        0 => arbitrary(Role::Responder, connection, &[], input.rest(), sizes),
        1 => arbitrary(
            Role::Responder,
            connection,
            &hex(ACT_ONE),
            input.rest(),
            sizes,
        ),
        2 => arbitrary(Role::Initiator, connection, &[], input.rest(), sizes),
        _ => {
            let role = if (mode >> 2) & 1 == 0 {
                Role::Responder
            } else {
                Role::Initiator
            };
            mutated(role, connection, &mut input, sizes);
        }
    }
}

/// Arbitrary bytes as the acts: no panic, and an act is accepted only if it is the vector's.
fn arbitrary(role: Role, connection: bool, prefix: &[u8], bytes: &[u8], sizes: &[u8]) {
    let stream = [prefix, bytes].concat();
    let mut d = Driver::new(role, connection);
    let mut out = Outcome::default();
    split(&stream, sizes, |piece| d.push(piece, &mut out));
    let (act1, act2, act3) = (hex(ACT_ONE), hex(ACT_TWO), hex(ACT_THREE));
    match role {
        Role::Responder => {
            if !out.sent.is_empty() {
                assert!(stream.starts_with(&act1), "a forged act one was accepted");
                assert_eq!(out.sent, act2);
            }
            if out.remote.is_some() {
                assert!(stream[ACT_ONE_LEN..].starts_with(&act3), "forged act three");
                assert_eq!(
                    out.remote.as_ref(),
                    Some(keys().initiator_static.public_key())
                );
            }
        }
        Role::Initiator => {
            if out.remote.is_some() || !out.sent.is_empty() {
                assert!(stream.starts_with(&act2), "a forged act two was accepted");
                assert_eq!(out.sent, act3);
                assert_eq!(
                    out.remote.as_ref(),
                    Some(keys().responder_static.public_key())
                );
            }
        }
    }
    if out.error.is_none() && out.remote.is_none() {
        let want = match role {
            Role::Initiator => HandshakeError::Act2ReadFailed,
            Role::Responder if out.sent.is_empty() => HandshakeError::Act1ReadFailed,
            Role::Responder => HandshakeError::Act3ReadFailed,
        };
        assert_eq!(d.eof_error(), Some(want));
    }
    if out.error.is_none() {
        d.check_transport(role);
    }
}

fn mutated(role: Role, connection: bool, input: &mut Input, sizes: &[u8]) {
    let acts = match role {
        Role::Responder => [hex(ACT_ONE), hex(ACT_THREE)].concat(),
        Role::Initiator => hex(ACT_TWO),
    };
    let hs_len = acts.len();
    // The peer's messages after the handshake, each packet's end offset in the stream.
    let (mut pi, mut pr) = post_handshake();
    let peer = if role == Role::Responder {
        &mut pi
    } else {
        &mut pr
    };
    let mut stream = acts;
    let mut packets = Vec::new();
    for _ in 0..input.u8() % 4 {
        let msg = input.prefixed().to_vec();
        peer.encryptor
            .encrypt_into(&msg, &mut stream)
            .expect("a short message");
        packets.push((msg, stream.len()));
    }
    let fault = input.u8() % 3;
    let at = usize::from(input.u16()) % stream.len();
    let xor = input.u8().max(1);
    // `cut`: offset of the first damaged (or missing) byte.
    let cut = match fault {
        1 => {
            stream[at] ^= xor;
            at
        }
        2 => {
            stream.truncate(at);
            at
        }
        _ => stream.len(),
    };

    let mut d = Driver::new(role, connection);
    let mut out = Outcome::default();
    split(&stream, sizes, |piece| d.push(piece, &mut out));

    use HandshakeError::*;
    let first_len = match role {
        Role::Responder => ACT_ONE_LEN,
        Role::Initiator => ACT_TWO_LEN,
    };
    let flipped = fault == 1;
    let handshake_err = |e: HandshakeError| Some(ConnectionError::Handshake(e));
    if cut < hs_len {
        // The handshake itself is damaged or cut short.
        if !flipped {
            assert_eq!(out.error, None);
            assert_eq!(out.remote, None);
            let want = match role {
                Role::Initiator => Act2ReadFailed,
                Role::Responder if cut < ACT_ONE_LEN => Act1ReadFailed,
                Role::Responder => Act3ReadFailed,
            };
            assert_eq!(d.eof_error(), Some(want));
            return;
        }
        let first = cut < first_len;
        let off = if first { cut } else { cut - first_len };
        let got = out.error;
        match (role, first) {
            (Role::Responder, true) => match off {
                0 => assert_eq!(got, handshake_err(Act1BadVersion(xor))),
                1..34 => assert!(
                    got == handshake_err(Act1BadPubkey) || got == handshake_err(Act1BadTag),
                    "{got:?}"
                ),
                _ => assert_eq!(got, handshake_err(Act1BadTag)),
            },
            (Role::Responder, false) => {
                debug_assert_eq!(hs_len - first_len, ACT_THREE_LEN);
                match off {
                    0 => assert_eq!(got, handshake_err(Act3BadVersion(xor))),
                    1..50 => assert_eq!(got, handshake_err(Act3BadCiphertext)),
                    _ => assert_eq!(got, handshake_err(Act3BadTag)),
                }
                // Act two may or may not have gone out (not when act three came in the same
                // piece); if it did, it is the vector's.
                assert!(out.sent.is_empty() || out.sent == hex(ACT_TWO));
            }
            (Role::Initiator, _) => match off {
                0 => assert_eq!(got, handshake_err(Act2BadVersion(xor))),
                1..34 => assert!(
                    got == handshake_err(Act2BadPubkey) || got == handshake_err(Act2BadTag),
                    "{got:?}"
                ),
                _ => assert_eq!(got, handshake_err(Act2BadTag)),
            },
        }
        assert_eq!(out.remote, None);
        return;
    }

    // The handshake is intact: it completes with the vector's acts.
    match role {
        Role::Responder => {
            assert_eq!(out.sent, hex(ACT_TWO));
            assert_eq!(
                out.remote.as_ref(),
                Some(keys().initiator_static.public_key())
            );
        }
        Role::Initiator => {
            assert_eq!(out.sent, hex(ACT_THREE));
            assert_eq!(
                out.remote.as_ref(),
                Some(keys().responder_static.public_key())
            );
        }
    }
    assert_eq!(d.eof_error(), None);
    // Then exactly the messages wholly before the damage, and an error if a packet is damaged.
    let want: Vec<Vec<u8>> = packets
        .iter()
        .take_while(|p| p.1 <= cut)
        .map(|p| p.0.clone())
        .collect();
    assert_eq!(out.messages, want);
    if flipped {
        let start = packets
            .iter()
            .map(|p| p.1)
            .take_while(|&end| end <= cut)
            .last()
            .unwrap_or(hs_len);
        let e = if cut < start + HEADER_LEN {
            TransportError::BadLengthTag
        } else {
            TransportError::BadBodyTag
        };
        assert_eq!(out.error, Some(ConnectionError::Transport(e)));
    } else {
        assert_eq!(out.error, None);
        d.check_transport(role);
    }
}
