//! Every case of BOLT 8's Appendix A (../shared/vectors/bolt08.json), in its role, through the
//! streaming [`Handshake`] as a client or node uses it, and through the whole-act API.

use lncommando::transport::{
    Handshake, HandshakeError, HandshakeStep, Initiator, Keypair, Responder, Transport,
};
use serde_json::Value;
use std::path::Path;

fn vectors() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/bolt08.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("bolt08.json is JSON")
}

fn key(case: &Value, name: &str) -> Keypair {
    let bytes: [u8; 32] = hex::decode(case[name].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    Keypair::from_secret(&bytes).unwrap()
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

/// The vector's name for a handshake error.
fn vector_name(e: HandshakeError) -> String {
    use HandshakeError::*;
    match e {
        Act1ReadFailed => "ACT1_READ_FAILED".into(),
        Act1BadVersion(_) => "ACT1_BAD_VERSION".into(),
        Act1BadPubkey => "ACT1_BAD_PUBKEY".into(),
        Act1BadTag => "ACT1_BAD_TAG".into(),
        Act2ReadFailed => "ACT2_READ_FAILED".into(),
        Act2BadVersion(v) => format!("ACT2_BAD_VERSION {v}"),
        Act2BadPubkey => "ACT2_BAD_PUBKEY".into(),
        Act2BadTag => "ACT2_BAD_TAG".into(),
        Act3ReadFailed => "ACT3_READ_FAILED".into(),
        Act3BadVersion(v) => format!("ACT3_BAD_VERSION {v}"),
        Act3BadCiphertext => "ACT3_BAD_CIPHERTEXT".into(),
        Act3BadPubkey => "ACT3_BAD_PUBKEY".into(),
        Act3BadTag => "ACT3_BAD_TAG".into(),
        other => panic!("a handshake error the vectors do not name: {other:?}"),
    }
}

/// Checks the final keys: our transport must encrypt exactly as one built from sk/rk does, and
/// decrypt what a transport with the keys swapped encrypts.
fn check_final_keys(case: &Value, mut t: Transport) {
    let fk = &case["final_keys"];
    let sk: [u8; 32] = bytes(&fk["sk"]).try_into().unwrap();
    let rk: [u8; 32] = bytes(&fk["rk"]).try_into().unwrap();
    // The chaining key only matters at rotation (the message test covers it): one message each
    // way must match a transport built from the expected keys.
    let ck = [7u8; 32];
    let mut expected = Transport::from_keys(&ck, &sk, &rk);
    let mut peer = Transport::from_keys(&ck, &rk, &sk);
    assert_eq!(
        t.encryptor.encrypt(b"final keys").unwrap(),
        expected.encryptor.encrypt(b"final keys").unwrap(),
        "{}: sending key",
        case["name"]
    );
    t.decryptor
        .push(&peer.encryptor.encrypt(b"from peer").unwrap());
    assert_eq!(
        t.decryptor.next_message().unwrap().unwrap(),
        b"from peer",
        "{}: receiving key",
        case["name"]
    );
}

/// Runs a case through the streaming API, feeding each input `chunk` bytes at a time.
fn run_case(case: &Value, chunk: usize) {
    let name = case["name"].as_str().unwrap();
    let steps = case["steps"].as_array().unwrap();
    let ephemeral = key(case, "e.priv");
    let local = key(case, "ls.priv");
    assert_eq!(
        hex::encode(local.public_key()),
        case["ls.pub"].as_str().unwrap(),
        "{name}: ls.pub"
    );
    let (mut hs, mut outputs): (Handshake, Vec<Vec<u8>>) =
        if name.starts_with("transport-initiator") {
            let rs: [u8; 33] = bytes(&case["rs.pub"]).try_into().unwrap();
            let (hs, act1) = Handshake::initiator(Initiator::new(local, &rs, ephemeral).unwrap());
            (hs, vec![act1.to_vec()])
        } else {
            (
                Handshake::responder(Responder::new(local, ephemeral)),
                vec![],
            )
        };
    let mut transport = None;
    let mut failed = None;
    for (i, step) in steps.iter().enumerate() {
        if let Some(out) = step.get("output") {
            assert!(
                failed.is_none(),
                "{name}: unexpected error {failed:?} before step {i}"
            );
            let got = outputs
                .drain(..1)
                .next()
                .unwrap_or_else(|| panic!("{name}: step {i}: nothing to send"));
            assert_eq!(
                hex::encode(&got),
                out.as_str().unwrap(),
                "{name}: step {i} output"
            );
        } else if let Some(input) = step.get("input") {
            let input = bytes(input);
            for piece in input.chunks(chunk) {
                match hs.push(piece) {
                    Ok(HandshakeStep::Pending) => {}
                    Ok(HandshakeStep::Send(b)) => outputs.push(b),
                    Ok(HandshakeStep::Done {
                        send,
                        transport: t,
                        leftover,
                        ..
                    }) => {
                        let t = *t;
                        assert!(leftover.is_empty());
                        if !send.is_empty() {
                            outputs.push(send);
                        }
                        transport = Some(t);
                    }
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
        } else if let Some(err) = step.get("error") {
            // A short read shows as the stream ending while the handshake waits for more.
            let e = failed.take().unwrap_or_else(|| hs.eof_error());
            assert_eq!(vector_name(e), err.as_str().unwrap(), "{name}: error");
            assert!(!e.to_string().is_empty());
            return;
        }
    }
    assert!(failed.is_none(), "{name}: unexpected error {failed:?}");
    let t = transport.unwrap_or_else(|| panic!("{name}: handshake did not finish"));
    check_final_keys(case, t);
}

#[test]
fn handshake_vectors_in_every_piece_size() {
    let v = vectors();
    let cases: Vec<&Value> = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["name"].as_str().unwrap().contains("-initiator")
                || c["name"].as_str().unwrap().contains("-responder")
        })
        .collect();
    assert_eq!(cases.len(), 15, "all 15 handshake cases are present");
    for chunk in [1, 7, 33, 1000] {
        for case in &cases {
            run_case(case, chunk);
        }
    }
}

#[test]
fn message_vectors_with_two_rotations() {
    let v = vectors();
    let case = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "transport-message test")
        .unwrap();
    let ck: [u8; 32] = bytes(&case["ck"]).try_into().unwrap();
    let sk: [u8; 32] = bytes(&case["sk"]).try_into().unwrap();
    let rk: [u8; 32] = bytes(&case["rk"]).try_into().unwrap();
    let plain = case["plaintext_ascii"].as_str().unwrap().as_bytes();
    let count = case["count"].as_u64().unwrap();
    let expected = case["messages"].as_object().unwrap();
    assert_eq!(expected.len(), 6);
    let mut sender = Transport::from_keys(&ck, &sk, &rk);
    // The receiving side of the same keys: decrypts every packet, across both rotations.
    let mut receiver = Transport::from_keys(&ck, &rk, &sk);
    let mut checked = 0;
    for i in 0..=count {
        let packet = sender.encryptor.encrypt(plain).unwrap();
        if let Some(want) = expected.get(&i.to_string()) {
            assert_eq!(hex::encode(&packet), want.as_str().unwrap(), "message {i}");
            checked += 1;
        }
        receiver.decryptor.push(&packet);
        assert_eq!(
            receiver.decryptor.next_message().unwrap().unwrap(),
            plain,
            "decrypt {i}"
        );
    }
    assert_eq!(checked, 6);
}
