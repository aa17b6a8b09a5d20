//! Replays every committed input of `fuzz/corpus/<target>/` through its target, on stable Rust,
//! in `cargo test`: CI's fuzzing is this deterministic replay (finding new inputs is `make fuzz`).
//! A crash that fuzzing finds goes into the corpus with its fix, and stays a regression test here.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("corpus entry").path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 5,
        "{target}: only {} corpus inputs in {}",
        files.len(),
        dir.display()
    );
    let mut failed = Vec::new();
    for f in &files {
        let data = std::fs::read(f).expect("corpus input");
        if catch_unwind(AssertUnwindSafe(|| run(&data))).is_err() {
            failed.push(f.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert!(
        failed.is_empty(),
        "{target}: {} of {} corpus inputs panicked: {failed:?}",
        failed.len(),
        files.len()
    );
    println!("{target}: {} corpus inputs replayed", files.len());
}

#[test]
fn transport_stream() {
    replay(
        "transport_stream",
        lncommando_fuzz::targets::transport_stream::run,
    );
}

#[test]
fn handshake() {
    replay("handshake", lncommando_fuzz::targets::handshake::run);
}

#[test]
fn wire() {
    replay("wire", lncommando_fuzz::targets::wire::run);
}

#[test]
fn commando_reassembly() {
    replay(
        "commando_reassembly",
        lncommando_fuzz::targets::commando_reassembly::run,
    );
}

#[test]
fn rune() {
    replay("rune", lncommando_fuzz::targets::rune::run);
}
