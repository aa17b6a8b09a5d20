//! Runes: decoding (base64url and readable), restrictions, evaluation, derivation, and the
//! node's commando checks that use them.
//!
//! Input: `mode` (1 byte), then text parts separated by 0xFF bytes (never in UTF-8; each part is
//! read lossily as UTF-8): `main`, `extra`, then field values `name=value`.
//! - `mode % 5 == 0`: `main` is a base64url rune (`Rune::decode`);
//! - `1`: `main` is a readable rune (`Rune::from_readable`);
//!   for a rune: encodings round-trip, unique id and version agree with the first restriction,
//!   `evaluate` with the fields agrees with a model and asks only for fields the rune names,
//!   `MasterRune::new(&[0; 16]).is_derived` is unchanged by `restricted(extra)`, which appends
//!   exactly the restrictions of `extra` and only narrows what passes;
//! - `2`: `main` is one restriction (`Restriction::parse`): round trip, `test` against the model;
//! - `3`: `main` is restrictions appended to the master rune (`restricted`): the result derives
//!   from the master, round-trips and verifies with `MasterRune::check`;
//! - `4`: the node's `Commando::check` of a request whose rune is the master's restricted by
//!   `main` (unique id from `mode`), method `extra`, params the first field part (raw JSON), peer
//!   id the second, at times taken from the mode byte; twice, for `rate`/`per`. Replies it refuses
//!   with are commando errors (19536/19537) that a client classifies as such; the first time, a
//!   browser's sure prediction of the same call (`Rune::check`) is the node's answer.
use lncommando::commando::{self, Outcome};
use lncommando::hex;
use lncommando::json;
use lncommando::node::Commando;
use lncommando::rune::{Alternative, MasterRune, Op, Refusal, Request, Restriction, Rune, Verdict};
use std::cell::RefCell;

/// Runs one input (the fuzz target's body; replayed over the corpus by `cargo test`).
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let parts: Vec<String> = rest
        .split(|&b| b == 0xff)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    let main = parts.first().map_or("", String::as_str);
    let extra = parts.get(1).map_or("", String::as_str);
    let fields: Vec<(String, String)> = parts
        .iter()
        .skip(2)
        .filter_map(|p| p.split_once('='))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    match mode % 5 {
        0 => {
            if let Ok(r) = Rune::decode(main) {
                rune(&r, extra, &fields);
            }
        }
        1 => {
            if let Ok(r) = Rune::from_readable(main) {
                rune(&r, extra, &fields);
            }
        }
        2 => {
            if let Ok(r) = Restriction::parse(main) {
                restriction(&r, &fields);
            }
        }
        3 => {
            if let Ok(r) = master().rune().restricted(main) {
                assert!(
                    master().is_derived(&r),
                    "restricting the master broke derivation"
                );
                let checked = master().check(&r, &mut lookup(&fields));
                assert_eq!(checked, r.evaluate(&mut lookup(&fields)));
                rune(&r, extra, &fields);
            }
        }
        _ => node_check(mode, main, extra, &parts),
    }
}

fn master() -> &'static MasterRune {
    static M: std::sync::OnceLock<MasterRune> = std::sync::OnceLock::new();
    M.get_or_init(|| MasterRune::new(&[0; 16]).expect("16 bytes"))
}

fn lookup(fields: &[(String, String)]) -> impl FnMut(&str) -> Option<String> + '_ {
    |name| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }
}

/// A text read as C's `strtol` reads it when it takes all of it (leading C whitespace, a sign,
/// digits, in range): how Core Lightning's rune tests tell an integer field.
fn c_int(s: &str) -> Option<i64> {
    let t = s.trim_start_matches(|c| " \t\n\r\u{b}\u{c}".contains(c));
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.strip_prefix('+').unwrap_or(t).parse().ok()
}

/// The model of one alternative: a field that reads as an integer is compared as its decimal
/// text (`007` is `7`); `<` and `>` need integers on both sides.
fn alt_passes(a: &Alternative, value: Option<&str>) -> bool {
    let v = a.value.as_str();
    let canonical = value.map(|x| c_int(x).map_or_else(|| x.to_string(), |i| i.to_string()));
    let value = canonical.as_deref();
    match (a.op, value) {
        (Op::Comment, _) => true,
        (Op::Missing, None) => true,
        (_, None) | (Op::Missing, Some(_)) => false,
        (Op::Equal, Some(x)) => x == v,
        (Op::NotEqual, Some(x)) => x != v,
        (Op::StartsWith, Some(x)) => x.as_bytes().starts_with(v.as_bytes()),
        (Op::EndsWith, Some(x)) => x.as_bytes().ends_with(v.as_bytes()),
        (Op::Contains, Some(x)) => x.contains(v),
        (Op::LessThan, Some(x)) => matches!((c_int(x), c_int(v)), (Some(x), Some(v)) if x < v),
        (Op::GreaterThan, Some(x)) => {
            matches!((c_int(x), c_int(v)), (Some(x), Some(v)) if x > v)
        }
        (Op::SortsBefore, Some(x)) => x.as_bytes() < v.as_bytes(),
        (Op::SortsAfter, Some(x)) => x.as_bytes() > v.as_bytes(),
    }
}

fn model_restriction(r: &Restriction, fields: &[(String, String)]) -> bool {
    let mut get = lookup(fields);
    r.alternatives
        .iter()
        .any(|a| alt_passes(a, get(&a.field).as_deref()))
}

fn restriction(r: &Restriction, fields: &[(String, String)]) {
    assert!(!r.alternatives.is_empty());
    let text = r.encode();
    assert_eq!(
        Restriction::parse(&text).as_ref(),
        Ok(r),
        "restriction round trip: {text:?}"
    );
    let mut get = lookup(fields);
    let got = r.test(&mut |a| a.test(get(&a.field).as_deref()));
    assert_eq!(
        got.is_ok(),
        model_restriction(r, fields),
        "{r:?} with {fields:?}: {got:?}"
    );
    if let Err(why) = got {
        // One reason per alternative, each also in the text.
        let reasons = match &why {
            Refusal::AllAlternatives(all) => all.len(),
            _ => 1,
        };
        assert_eq!(
            reasons,
            r.alternatives.len(),
            "{why}: reasons ≠ alternatives"
        );
        assert!(
            why.to_string().matches(" AND ").count() + 1 >= r.alternatives.len(),
            "{why}: fewer reasons than alternatives"
        );
    }
}

fn rune(r: &Rune, extra: &str, fields: &[(String, String)]) {
    // Encodings round-trip, and are canonical.
    let b64 = r.encode();
    let again = Rune::decode(&b64).expect("an encoded rune decodes");
    assert_eq!(&again, r);
    assert_eq!(again.encode(), b64);
    let readable = r.to_readable();
    assert_eq!(Rune::from_readable(&readable).as_ref(), Ok(r));
    assert_eq!(
        Rune::new(*r.authcode(), r.restrictions().to_vec()).as_ref(),
        Ok(r)
    );
    let text = r.restrictions_text();
    assert!(readable.ends_with(&text));

    // The unique id is the first restriction's, and only there.
    for (i, res) in r.restrictions().iter().enumerate() {
        for a in &res.alternatives {
            assert!(!a.field.is_empty() || (i == 0 && res.is_unique_id()));
        }
    }
    match r.unique_id() {
        Some(id) => {
            assert!(r.restrictions()[0].is_unique_id());
            assert!(!id.contains('-'));
            let value = &r.restrictions()[0].alternatives[0].value;
            match r.version() {
                Some(v) => assert_eq!(*value, format!("{id}-{v}")),
                None => assert_eq!(value, id),
            }
        }
        None => {
            assert!(r.restrictions().first().is_none_or(|f| !f.is_unique_id()));
            assert_eq!(r.version(), None);
        }
    }

    // Evaluation: against the model, asking only for named fields (never the unique id's).
    let asked = RefCell::new(Vec::new());
    let mut get = lookup(fields);
    let got = r.evaluate(&mut |name| {
        asked.borrow_mut().push(name.to_string());
        get(name)
    });
    let evaluated: Vec<&Restriction> = r
        .restrictions()
        .iter()
        .filter(|x| !x.is_unique_id())
        .collect();
    let model = evaluated.iter().all(|x| model_restriction(x, fields));
    assert_eq!(got.is_ok(), model, "{r:?} with {fields:?}: {got:?}");
    for name in asked.borrow().iter() {
        assert!(!name.is_empty(), "the unique id was evaluated");
        assert!(
            evaluated
                .iter()
                .any(|x| x.alternatives.iter().any(|a| &a.field == name)),
            "asked for {name:?}, which the rune does not name"
        );
    }
    if let Err(why) = &got {
        assert!(!why.to_string().is_empty());
    }

    // Derivation survives restriction; restricting appends and narrows.
    let derived = master().is_derived(r);
    if let Ok(r2) = r.restricted(extra) {
        let n = r.restrictions().len();
        assert!(r2.restrictions().len() > n);
        assert_eq!(&r2.restrictions()[..n], r.restrictions());
        assert_eq!(
            master().is_derived(&r2),
            derived,
            "restricting changed derivation"
        );
        assert_eq!(Rune::decode(&r2.encode()).as_ref(), Ok(&r2));
        // Core Lightning (ccan/rune `rune_add_restr`): only the first restriction can be the
        // unique id. Appending never changes the id of a rune that has restrictions; on a rune
        // with none, the first appended restriction becomes the first, so `=ID` sets the id.
        if n == 0 {
            let first = &r2.restrictions()[0];
            let id = first.is_unique_id().then(|| {
                let v = first.alternatives[0].value.as_str();
                v.split_once('-').map_or(v, |(id, _)| id)
            });
            assert_eq!(r2.unique_id(), id);
        } else {
            assert_eq!(r2.unique_id(), r.unique_id());
        }
        let got2 = r2.evaluate(&mut lookup(fields));
        if got2.is_ok() {
            assert!(got.is_ok(), "a restricted rune allows more than its parent");
        }
        // The appended restrictions alone, parsed from their canonical text.
        let appended: Vec<String> = r2.restrictions()[n..]
            .iter()
            .map(Restriction::encode)
            .collect();
        for (t, x) in appended.iter().zip(&r2.restrictions()[n..]) {
            assert_eq!(Restriction::parse(t).as_ref(), Ok(x));
        }
    }
}

/// The node's commando checks on a request carrying a rune derived from the master.
fn node_check(mode: u8, restrictions: &str, method: &str, parts: &[String]) {
    let params = parts.get(2).map_or("{}", String::as_str);
    let peer = parts.get(3).map_or("02aa", String::as_str);
    let mut text = format!("={}", mode / 5);
    if !restrictions.is_empty() {
        text.push('&');
        text.push_str(restrictions);
    }
    let Ok(r) = master().rune().restricted(&text) else {
        return;
    };
    let mut body = b"{\"method\":".to_vec();
    json::write_string(&mut body, method);
    body.extend_from_slice(b",\"params\":");
    body.extend_from_slice(params.as_bytes());
    body.extend_from_slice(b",\"rune\":");
    json::write_string(&mut body, &r.encode());
    body.extend_from_slice(b",\"id\":\"fuzz\"}");
    let mut node = Commando::new(MasterRune::new(&[0; 16]).expect("16 bytes"));
    let secs = u64::from(mode) * 1000;
    // What a browser predicts for this call (`Rune::check`), before the node sees it.
    let predicted = Request::new(method, params, Some(peer), secs as i64)
        .ok()
        .map(|req| r.check(&req));
    for (i, now_ms) in [u64::from(mode), u64::from(mode) * 7 + 30_000]
        .into_iter()
        .enumerate()
    {
        let answer = node.check(&body, peer, secs, now_ms);
        // The first time (no earlier use for `rate`/`per` to depend on), a sure prediction is
        // the node's answer: allowed, or refused with `Invalid rune: ` and the same message.
        if let (0, Some(p), Ok(_)) = (i, &predicted, hex::decode_array::<33>(peer)) {
            match (p, &answer) {
                (Verdict::Allowed, answer) => assert!(
                    answer.is_ok(),
                    "predicted allowed, the node refused: {:?}",
                    answer
                        .as_ref()
                        .err()
                        .map(|b| String::from_utf8_lossy(b).into_owned())
                ),
                (Verdict::Refused(why), Err(reply)) => {
                    let Ok(Outcome::Error { message, .. }) = commando::classify_reply(reply) else {
                        panic!("refusal not understood")
                    };
                    assert_eq!(message, format!("Invalid rune: {}", why.node_message()));
                }
                (Verdict::Refused(why), Ok(_)) => panic!("predicted {why}, the node allowed"),
                _ => {}
            }
        }
        match answer {
            Ok(req) => {
                // The first `method` and `id` members (params may add more).
                assert_eq!(req.method, method);
                assert_eq!(req.json_id, json_of(&body, "id"));
                assert!(matches!(req.params.first(), Some(b'{' | b'[')));
                // Its replies are JSON-RPC responses a client understands.
                let ok = req.result_reply(b"{}");
                assert!(matches!(
                    commando::classify_reply(&ok),
                    Ok(Outcome::Result { .. })
                ));
                let err = req.error_reply(-1, method, Some(b"[1]"));
                let Ok(Outcome::Error {
                    code: -1,
                    message,
                    kind: commando::ErrorKind::Node,
                    ..
                }) = commando::classify_reply(&err)
                else {
                    panic!("error reply not understood")
                };
                assert_eq!(message, method);
            }
            Err(reply) => match commando::classify_reply(&reply) {
                Ok(Outcome::Error {
                    code,
                    message,
                    kind: commando::ErrorKind::Rejected | commando::ErrorKind::NotAuthorised,
                    data: None,
                }) => {
                    assert!(
                        code == commando::CODE_REJECTED || code == commando::CODE_NOT_AUTHORISED
                    );
                    assert!(!message.contains(&r.encode()), "an error quotes the rune");
                }
                other => panic!(
                    "refusal not understood: {other:?} in {:?}",
                    String::from_utf8_lossy(&reply)
                ),
            },
        }
    }
}

fn json_of<'a>(body: &'a [u8], key: &str) -> &'a [u8] {
    let ms = json::members(body).unwrap_or_default();
    json::get(body, &ms, key).unwrap_or(b"\"\"")
}
