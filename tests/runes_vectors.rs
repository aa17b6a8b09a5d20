//! Every line of the reference rune test vectors (`../shared/vectors/runes.csv`, from
//! rustyrussell/runes `tests/test_vectors.csv`), checked against `lncommando::rune`.
//!
//! Field values in PASS/FAIL lines are used verbatim, as the reference tests do (they split
//! `name=value` at the first `=` and do not unescape); the only line with backslashes is
//! evaluated against the unrestricted rune, so escaping could not change its outcome.

use lncommando::rune::{MasterRune, Refusal, Restriction, Rune};
use std::collections::HashMap;
use std::path::Path;

#[derive(Default, Debug)]
struct Counts {
    valid: usize,
    pass: usize,
    fail: usize,
    malformed: usize,
    bad_derivation: usize,
}

fn check_valid(master: &MasterRune, line: usize, parts: &[&str]) -> Rune {
    assert!(
        (4..=6).contains(&parts.len()),
        "line {line}: VALID needs 4 to 6 fields"
    );
    let (desc, readable, b64) = (parts[1], parts[2], parts[3]);
    let from_b64 = Rune::decode(b64).unwrap_or_else(|e| panic!("line {line} ({desc}): {e}"));
    let from_text =
        Rune::from_readable(readable).unwrap_or_else(|e| panic!("line {line} ({desc}): {e}"));
    assert_eq!(from_b64, from_text, "line {line} ({desc})");
    assert_eq!(from_b64.to_readable(), readable, "line {line} ({desc})");
    assert_eq!(from_text.encode(), b64, "line {line} ({desc})");
    assert!(
        master.is_derived(&from_b64),
        "line {line} ({desc}): not derived"
    );
    assert!(
        master.is_derived(&from_text),
        "line {line} ({desc}): not derived"
    );

    let (uid, version) = (parts.get(4).copied(), parts.get(5).copied());
    assert_eq!(from_b64.unique_id(), uid, "line {line} ({desc}): unique id");
    assert_eq!(from_b64.version(), version, "line {line} ({desc}): version");

    // Minting the same restrictions from the master gives the same rune.
    let rest: Vec<Restriction> = from_b64
        .restrictions()
        .iter()
        .filter(|r| !r.is_unique_id())
        .cloned()
        .collect();
    let minted = master
        .mint(uid, version, &rest)
        .unwrap_or_else(|e| panic!("line {line} ({desc}): {e}"));
    assert_eq!(
        minted.authcode(),
        from_b64.authcode(),
        "line {line} ({desc})"
    );
    assert_eq!(minted.encode(), b64, "line {line} ({desc})");

    // So does a third party continuing from the (decoded) unrestricted rune.
    let mut derived = Rune::decode(&master.rune().encode()).expect("master rune decodes");
    for r in from_b64.restrictions() {
        derived
            .add_restriction(r.clone())
            .unwrap_or_else(|e| panic!("line {line} ({desc}): {e}"));
    }
    assert_eq!(derived, from_b64, "line {line} ({desc})");
    from_b64
}

fn check_eval(master: &MasterRune, line: usize, parts: &[&str], rune: Option<&Rune>) {
    let rune = rune.unwrap_or_else(|| panic!("line {line}: {} before any VALID", parts[0]));
    let mut values = HashMap::new();
    for var in &parts[1..] {
        let (k, v) = var.split_once('=').unwrap_or((var, ""));
        values.insert(k.to_string(), v.to_string());
    }
    let res = rune.evaluate(&mut |f| values.get(f).cloned());
    let checked = master.check(rune, &mut |f| values.get(f).cloned());
    assert_eq!(res, checked, "line {line}");
    if parts[0] == "PASS" {
        assert_eq!(
            res,
            Ok(()),
            "line {line}: {parts:?} on {}",
            rune.to_readable()
        );
    } else {
        let why = res.expect_err(&format!("line {line}: {parts:?} should fail"));
        assert!(!why.to_string().is_empty(), "line {line}: empty reason");
    }
}

#[test]
fn reference_vectors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/runes.csv");
    let csv = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let master = MasterRune::new(&[0; 16]).expect("16-byte secret");
    let mut counts = Counts::default();
    let mut current: Option<Rune> = None;
    let mut lines = 0;

    for (i, raw) in csv.lines().enumerate() {
        let line = i + 1;
        if raw.is_empty() {
            continue;
        }
        lines += 1;
        // No field contains a comma (the reference tests also split on every comma).
        let parts: Vec<&str> = raw.split(',').collect();
        match parts[0] {
            "VALID" => {
                current = Some(check_valid(&master, line, &parts));
                counts.valid += 1;
            }
            "PASS" | "FAIL" => {
                check_eval(&master, line, &parts, current.as_ref());
                if parts[0] == "PASS" {
                    counts.pass += 1;
                } else {
                    counts.fail += 1;
                }
            }
            "MALFORMED" => {
                assert_eq!(parts.len(), 4, "line {line}: MALFORMED needs 4 fields");
                let desc = parts[1];
                assert!(
                    Rune::from_readable(parts[2]).is_err(),
                    "line {line} ({desc}): readable parsed"
                );
                assert!(
                    Rune::decode(parts[3]).is_err(),
                    "line {line} ({desc}): base64 parsed"
                );
                counts.malformed += 1;
            }
            "BAD DERIVATION" => {
                assert_eq!(parts.len(), 4, "line {line}: BAD DERIVATION needs 4 fields");
                let desc = parts[1];
                let a = Rune::from_readable(parts[2])
                    .unwrap_or_else(|e| panic!("line {line} ({desc}): {e}"));
                let b =
                    Rune::decode(parts[3]).unwrap_or_else(|e| panic!("line {line} ({desc}): {e}"));
                assert_eq!(a, b, "line {line} ({desc})");
                assert_eq!(b.to_readable(), parts[2], "line {line} ({desc})");
                assert_eq!(a.encode(), parts[3], "line {line} ({desc})");
                assert!(!master.is_derived(&a), "line {line} ({desc}): derived");
                assert_eq!(master.check(&a, &mut |_| None), Err(Refusal::NotDerived));
                counts.bad_derivation += 1;
            }
            other => panic!("line {line}: unknown record kind {other:?}"),
        }
    }

    println!("{counts:?} of {lines} lines");
    let Counts {
        valid,
        pass,
        fail,
        malformed,
        bad_derivation,
    } = counts;
    assert!(
        valid > 0 && pass > 0 && fail > 0 && malformed > 0 && bad_derivation > 0,
        "{counts:?}"
    );
    assert_eq!(
        valid + pass + fail + malformed + bad_derivation,
        lines,
        "every line handled"
    );
}
