//! Native benchmark of the protocol core, single-threaded, no harness:
//!
//! 1. BOLT 8 handshakes per second, both roles in one thread (fresh and pre-generated keys);
//! 2. transport encrypt + decrypt throughput against the raw `chacha20poly1305` ceiling;
//! 3. commando reply reassembly (each reply classified as its chunks come), storing the reply or
//!    streaming it (nothing stored, as the wasm build does);
//! 4. a 16 MB reply end to end, `NodeSession::reply` → bytes → `Session::receive`.
//!
//! `cargo bench --bench core` (about 25 s of CPU); `LNC_BENCH_QUICK=1` for a ~1-2 s smoke run;
//! `LNC_BENCH_CLOCK=wall` to time by the wall clock instead of this thread's CPU time.
//! Arguments that do not start with `-` filter the figures by substring
//! (`cargo bench --bench core -- transport`).
//! Prints a table and writes `target/bench/native.json`:
//! `{"figure": {"ours": x, "ceiling": y|null, "ratio": x/y|null, "unit": "…", …}}`
//! (plus the spread and context: `ours_min`, `ours_max`, `ceiling_min`, `ceiling_max`, `runs`,
//! `quick`, `clock`).
//!
//! Built with the `bench` profile, which inherits `[profile.release]` (opt-level 3, tuned for
//! speed; the browser build is the separate `wasm` profile at opt-level "z"). Both our
//! transport and the raw-crate ceiling are built alike.

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, Tag};
use lncommando::commando::{self, Reassembled, Reassembler};
use lncommando::node::{NodeEvent, NodeSession};
use lncommando::transport::{Initiator, Keypair, Responder, Transport};
use lncommando::wire::{Init, msg_type};
use lncommando::{Config, Event, Session, State};
use std::hint::black_box;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Measurement

/// Which clock times the runs: this thread's CPU time where available (Linux), so that a busy
/// machine (other processes taking the CPU away) does not distort the figures; wall time
/// otherwise, or with `LNC_BENCH_CLOCK=wall`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Clock {
    ThreadCpu,
    Wall,
}

static CLOCK: std::sync::OnceLock<Clock> = std::sync::OnceLock::new();

fn clock() -> Clock {
    *CLOCK.get_or_init(|| {
        let wall = std::env::var("LNC_BENCH_CLOCK").is_ok_and(|v| v == "wall");
        if !wall && thread_cpu_time().is_some() {
            Clock::ThreadCpu
        } else {
            Clock::Wall
        }
    })
}

/// CPU time consumed by the calling thread (`CLOCK_THREAD_CPUTIME_ID`, nanosecond resolution).
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn thread_cpu_time() -> Option<Duration> {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    unsafe extern "C" {
        fn clock_gettime(clock_id: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec (two 64-bit fields on 64-bit Linux).
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn thread_cpu_time() -> Option<Duration> {
    None
}

/// Times one run with the chosen [`Clock`].
enum Timer {
    Cpu(Duration),
    Wall(Instant),
}

impl Timer {
    fn start() -> Timer {
        match clock() {
            Clock::ThreadCpu => Timer::Cpu(thread_cpu_time().unwrap_or_default()),
            Clock::Wall => Timer::Wall(Instant::now()),
        }
    }

    fn elapsed(&self) -> Duration {
        match self {
            Timer::Cpu(t) => thread_cpu_time().unwrap_or_default().saturating_sub(*t),
            Timer::Wall(t) => t.elapsed(),
        }
    }
}

/// How hard to try.
struct Plan {
    quick: bool,
    /// Untimed runs after calibration, before the measured ones.
    warmup: usize,
    /// Measured runs.
    runs: usize,
    /// The duration each measured run aims at (calibrated per figure; at least one iteration).
    target: Duration,
    filters: Vec<String>,
}

impl Plan {
    fn from_env() -> Plan {
        let quick = std::env::var("LNC_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
        let filters = std::env::args()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        Plan {
            quick,
            warmup: if quick { 0 } else { 1 },
            runs: if quick { 3 } else { 7 },
            target: Duration::from_millis(if quick { 12 } else { 150 }),
            filters,
        }
    }

    /// Picks the full or the quick value.
    fn pick<T>(&self, full: T, quick: T) -> T {
        if self.quick { quick } else { full }
    }

    fn wants(&self, name: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| name.contains(f.as_str()))
    }
}

/// Rates of the measured runs.
#[derive(Clone)]
struct Stats {
    rates: Vec<f64>,
}

impl Stats {
    fn sorted(&self) -> Vec<f64> {
        let mut r = self.rates.clone();
        r.sort_by(|a, b| a.total_cmp(b));
        r
    }
    fn median(&self) -> f64 {
        let r = self.sorted();
        let n = r.len();
        if n % 2 == 1 {
            r[n / 2]
        } else {
            (r[n / 2 - 1] + r[n / 2]) / 2.0
        }
    }
    fn min(&self) -> f64 {
        self.sorted()[0]
    }
    fn max(&self) -> f64 {
        *self.sorted().last().unwrap()
    }
}

/// One run of `iters` iterations: how much work was done (in the figure's unit: megabytes,
/// handshakes…) and how long the timed part took. The closure does its own untimed setup and
/// may keep state between runs (the transports do, so that runs cross key rotations).
type Run<'a> = Box<dyn FnMut(u64) -> (f64, Duration) + 'a>;

/// Calibrates each closure to `plan.target` per run (doubling from one iteration; this is
/// also the first warm-up), runs `plan.warmup` more untimed rounds, then `plan.runs` timed
/// rounds, alternating between the closures round by round so that clock, thermal or
/// machine-load drift hits all of them alike.
fn measure(plan: &Plan, mut runs: Vec<Run<'_>>) -> Vec<Stats> {
    let target = plan.target.as_secs_f64();
    let mut iters = Vec::new();
    for r in runs.iter_mut() {
        let mut n = 1u64;
        loop {
            let (_, took) = r(n);
            let took = took.as_secs_f64().max(1e-9);
            if took >= target / 4.0 || n >= 1 << 40 {
                iters.push(((n as f64 * target / took).round() as u64).max(1));
                break;
            }
            n = (n * 2).max((n as f64 * target / 4.0 / took).ceil() as u64);
        }
    }
    for _ in 0..plan.warmup {
        for (r, &n) in runs.iter_mut().zip(&iters) {
            black_box(r(n));
        }
    }
    let mut stats = vec![Stats { rates: Vec::new() }; runs.len()];
    for _ in 0..plan.runs {
        for ((r, s), &n) in runs.iter_mut().zip(stats.iter_mut()).zip(&iters) {
            let (work, took) = r(n);
            s.rates.push(work / took.as_secs_f64());
        }
    }
    stats
}

/// A figure of the report.
struct Figure {
    name: String,
    unit: &'static str,
    ours: Stats,
    ceiling: Option<Stats>,
}

const MB: f64 = 1e6;

// ---------------------------------------------------------------------------------------------
// Fixtures

fn key(b: u8) -> Keypair {
    Keypair::from_secret(&[b; 32]).unwrap()
}

/// A JSON-RPC result of at least `size` bytes, shaped like `listpeerchannels`: objects with hex
/// ids, numbers, escaped strings and nesting, so that validation sees realistic JSON.
fn reply_json(size: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 512);
    out.extend_from_slice(
        br#"{"jsonrpc":"2.0","id":"lncommando:listpeerchannels#1","result":{"channels":["#,
    );
    let mut i = seed;
    let mut first = true;
    while out.len() < size {
        if !first {
            out.push(b',');
        }
        first = false;
        i = i
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let peer = format!("{:016x}", i).repeat(4);
        out.extend_from_slice(
            format!(
                concat!(
                    r#"{{"peer_id":"02{peer}","peer_connected":true,"state":"CHANNELD_NORMAL","#,
                    r#""short_channel_id":"{}x{}x{}","total_msat":{},"to_us_msat":{},"#,
                    r#""fee_proportional_millionths":{},"alias":{{"local":"node \"{}\"\n\u00e9","#,
                    r#""remote":null}},"htlcs":[{{"direction":"in","amount_msat":{},"expiry":{}}}],"#,
                    r#""features":["option_static_remotekey","option_anchors"],"ratio":-1.25e-3}}"#
                ),
                i % 900_000,
                i % 4000,
                i % 8,
                i % 10_000_000_000,
                i % 5_000_000_000,
                i % 1000,
                i % 97,
                i % 1_000_000,
                i % 800_000,
                peer = peer,
            )
            .as_bytes(),
        );
    }
    out.extend_from_slice(b"]}}");
    out
}

/// Feeds framed reply messages (type ‖ id ‖ chunk) to a reassembler, as `Session` does after
/// `Message::decode` (it classifies each reply as it comes). Returns the replies completed.
fn reassemble(r: &mut Reassembler, msgs: &[Vec<u8>]) -> usize {
    let mut done = 0;
    for m in msgs {
        let typ = u16::from_be_bytes([m[0], m[1]]);
        let (id, chunk) = commando::parse_chunk(&m[2..]).unwrap();
        match r.push(id, chunk, typ == msg_type::COMMANDO_REPLY_TERMINATES) {
            Reassembled::Partial => {}
            Reassembled::Complete { reply, outcome, .. } => {
                black_box(outcome.unwrap());
                black_box(reply);
                done += 1;
            }
            other => panic!("{other:?}"),
        }
    }
    done
}

// ---------------------------------------------------------------------------------------------
// 1. Handshakes

/// A full handshake, both roles, in memory (the static keys are cloned in, as a new connection
/// takes them by value).
fn handshake(local: &Keypair, node: &Keypair, node_id: &[u8; 33], ei: Keypair, er: Keypair) {
    let mut init = Initiator::new(local.clone(), node_id, ei).unwrap();
    let mut resp = Responder::new(node.clone(), er);
    let act1 = init.act_one();
    let act2 = resp.act_one(black_box(&act1)).unwrap();
    let (act3, ti) = init.act_two(black_box(&act2)).unwrap();
    let (remote, tr) = resp.act_three(black_box(&act3)).unwrap();
    black_box((remote, ti, tr));
}

fn bench_handshakes(plan: &Plan, figs: &mut Vec<Figure>) {
    let names = [
        "handshake (both roles), fresh Keypair::random() ephemerals",
        "handshake (both roles), pre-generated ephemerals",
        "Keypair::random",
    ];
    if !names.iter().any(|n| plan.wants(n)) {
        return;
    }
    let (local, node) = (key(3), key(1));
    let node_id = *node.public_key();
    let (local, node, node_id) = (&local, &node, &node_id);
    let stats = measure(
        plan,
        vec![
            Box::new(move |n| {
                let t = Timer::start();
                for _ in 0..n {
                    let ei = Keypair::random().unwrap();
                    let er = Keypair::random().unwrap();
                    handshake(local, node, node_id, ei, er);
                }
                (n as f64, t.elapsed())
            }),
            Box::new(move |n| {
                let keys: Vec<(Keypair, Keypair)> = (0..n)
                    .map(|_| (Keypair::random().unwrap(), Keypair::random().unwrap()))
                    .collect();
                let t = Timer::start();
                for (ei, er) in keys {
                    handshake(local, node, node_id, ei, er);
                }
                (n as f64, t.elapsed())
            }),
            Box::new(|n| {
                let t = Timer::start();
                for _ in 0..n {
                    black_box(Keypair::random().unwrap());
                }
                (n as f64, t.elapsed())
            }),
        ],
    );
    let units = ["handshakes/s", "handshakes/s", "keys/s"];
    for ((name, unit), s) in names.iter().zip(units).zip(stats) {
        figs.push(Figure {
            name: name.to_string(),
            unit,
            ours: s,
            ceiling: None,
        });
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Transport throughput

const CK: [u8; 32] = [0x91; 32];
const SK: [u8; 32] = [0x5e; 32];
const RK: [u8; 32] = [0xa7; 32];

/// Messages per key: the transport rotates each direction's key every 1000 nonces, two per
/// message.
const MSGS_PER_KEY: u64 = 500;

/// Ours: `encrypt_into` on one side, `push` + `next_message` on the other, one packet at a time.
/// The pair lives across runs, and every timed run crosses at least one key rotation: when a
/// run is shorter than that, empty messages (untimed) first bring the pair close to one.
fn transport_ours(msg: &[u8]) -> Run<'_> {
    let mut a = Transport::from_keys(&CK, &SK, &RK);
    let mut b = Transport::from_keys(&CK, &RK, &SK);
    let mut wire = Vec::new();
    let mut sent = 0u64;
    Box::new(move |n| {
        if (sent + n) / MSGS_PER_KEY == sent / MSGS_PER_KEY {
            for _ in 0..MSGS_PER_KEY - (sent + n) % MSGS_PER_KEY {
                wire.clear();
                a.encryptor.encrypt_into(&[], &mut wire).unwrap();
                b.decryptor.push(&wire);
                assert!(b.decryptor.next_message().unwrap().unwrap().is_empty());
                sent += 1;
            }
        }
        let t = Timer::start();
        for _ in 0..n {
            wire.clear();
            a.encryptor.encrypt_into(black_box(msg), &mut wire).unwrap();
            b.decryptor.push(black_box(&wire));
            let got = b.decryptor.next_message().unwrap().unwrap();
            black_box(got);
        }
        let took = t.elapsed();
        sent += n;
        assert_eq!(b.decryptor.buffered(), 0);
        ((msg.len() as u64 * n) as f64 / MB, took)
    })
}

fn nonce(n: u64) -> Nonce {
    let mut out = Nonce::default();
    out[4..].copy_from_slice(&n.to_le_bytes());
    out
}

/// The ceiling: the same AEAD work with the crate alone, in place on one buffer: seal the length
/// and the body, open both (2 seals + 2 opens per message, as the transport), no copies, no
/// allocation, each direction keyed once, no key rotation.
fn transport_ceiling(msg: &[u8]) -> Run<'_> {
    let tx = ChaCha20Poly1305::new((&SK).into());
    let rx = ChaCha20Poly1305::new((&SK).into());
    let (mut ns, mut nr) = (0u64, 0u64);
    let mut buf = msg.to_vec();
    Box::new(move |n| {
        let t = Timer::start();
        for _ in 0..n {
            let mut len = (buf.len() as u16).to_be_bytes();
            let len_tag: Tag = tx
                .encrypt_inout_detached(&nonce(ns), &[], (&mut len[..]).into())
                .unwrap();
            let body_tag: Tag = tx
                .encrypt_inout_detached(&nonce(ns + 1), &[], black_box(&mut buf[..]).into())
                .unwrap();
            ns += 2;
            rx.decrypt_inout_detached(&nonce(nr), &[], black_box(&mut len[..]).into(), &len_tag)
                .unwrap();
            let len = u16::from_be_bytes(len) as usize;
            rx.decrypt_inout_detached(
                &nonce(nr + 1),
                &[],
                black_box(&mut buf[..len]).into(),
                &body_tag,
            )
            .unwrap();
            nr += 2;
            black_box(&buf);
        }
        let took = t.elapsed();
        assert_eq!(buf, msg);
        ((msg.len() as u64 * n) as f64 / MB, took)
    })
}

fn bench_transport(plan: &Plan, figs: &mut Vec<Figure>) {
    for size in [100usize, 65_000] {
        let name = format!("transport encrypt+decrypt, {size} B messages");
        if !plan.wants(&name) {
            continue;
        }
        let msg: Vec<u8> = (0..size).map(|i| (i * 31 + 7) as u8).collect();
        let mut stats = measure(plan, vec![transport_ours(&msg), transport_ceiling(&msg)]);
        let ceiling = stats.pop();
        figs.push(Figure {
            name,
            unit: "MB/s",
            ours: stats.pop().unwrap(),
            ceiling,
        });
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Commando reassembly

fn bench_reassembly(plan: &Plan, figs: &mut Vec<Figure>) {
    let big_len = plan.pick(16 << 20, 4 << 20);
    let many_n = plan.pick(160, 40);
    let big_name = format!("commando reassembly, one {} MiB reply", big_len >> 20);
    let many_name = format!("commando reassembly, {many_n} interleaved 100 KB replies");
    let wants = |base: &str| {
        plan.wants(&format!("{base}, stored")) || plan.wants(&format!("{base}, streamed"))
    };
    let (want_big, want_many) = (wants(&big_name), wants(&many_name));
    if !want_big && !want_many {
        return;
    }

    let big = reply_json(big_len, 1);
    let big_msgs = commando::frame_reply(7, &big);

    // Many replies of ~100 KB (two chunks each), all in flight, chunks interleaved round robin.
    let replies: Vec<Vec<u8>> = (0..many_n).map(|i| reply_json(100_000, i)).collect();
    let many_bytes: usize = replies.iter().map(Vec::len).sum();
    let framed: Vec<Vec<Vec<u8>>> = replies
        .iter()
        .enumerate()
        .map(|(i, r)| commando::frame_reply(1000 + i as u64, r))
        .collect();
    drop(replies);
    let mut many_msgs = Vec::new();
    for k in 0.. {
        let before = many_msgs.len();
        many_msgs.extend(framed.iter().filter_map(|f| f.get(k).cloned()));
        if many_msgs.len() == before {
            break;
        }
    }
    drop(framed);

    /// One reassembly case: its framed messages, its reply bytes and the ids awaited.
    struct Case<'a> {
        wanted: bool,
        base: String,
        msgs: &'a [Vec<u8>],
        bytes: usize,
        ids: Vec<u64>,
    }
    let cases = [
        Case {
            wanted: want_big,
            base: big_name,
            msgs: &big_msgs,
            bytes: big.len(),
            ids: vec![7],
        },
        Case {
            wanted: want_many,
            base: many_name,
            msgs: &many_msgs,
            bytes: many_bytes,
            ids: (0..many_n).map(|i| 1000 + i).collect(),
        },
    ];
    for Case {
        wanted,
        base,
        msgs,
        bytes,
        ids,
    } in cases
    {
        if !wanted {
            continue;
        }
        let ids = &ids[..];
        let run = |streaming: bool| -> Run<'_> {
            Box::new(move |n| {
                let mut took = Duration::ZERO;
                for _ in 0..n {
                    let max = commando::DEFAULT_MAX_REPLY_LEN;
                    let mut r = if streaming {
                        Reassembler::streaming(max, 2 * max)
                    } else {
                        Reassembler::new(max)
                    };
                    let t = Timer::start();
                    for &id in ids {
                        r.expect(id);
                    }
                    let done = reassemble(&mut r, msgs);
                    took += t.elapsed();
                    assert_eq!(done, ids.len());
                }
                ((bytes as u64 * n) as f64 / MB, took)
            })
        };
        let stats = measure(plan, vec![run(false), run(true)]);
        let names = [format!("{base}, stored"), format!("{base}, streamed")];
        for (name, s) in names.into_iter().zip(stats) {
            figs.push(Figure {
                name,
                unit: "MB/s",
                ours: s,
                ceiling: None,
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Session end to end

fn bench_session(plan: &Plan, figs: &mut Vec<Figure>) {
    let len = plan.pick(16 << 20, 2 << 20);
    let name = format!(
        "session end to end, {} MiB reply (node encrypt, client decrypt+reassemble+classify)",
        len >> 20
    );
    if !plan.wants(&name) {
        return;
    }
    let body = reply_json(len, 3);
    let mut c = Session::new(Config::default(), key(3), key(1).public_key(), key(4), 1, 0).unwrap();
    let mut n = NodeSession::new(key(1), key(2), Init::default(), None, 0);
    let pump = |c: &mut Session, n: &mut NodeSession| {
        loop {
            let mut moved = false;
            while let Some(b) = c.poll_transmit() {
                n.receive(&b, 0);
                moved = true;
            }
            while let Some(b) = n.poll_transmit() {
                c.receive(&b, 0);
                moved = true;
            }
            if !moved {
                return;
            }
        }
    };
    pump(&mut c, &mut n);
    assert_eq!(c.state(), State::Ready);
    while c.poll_event().is_some() {}
    while n.poll_event().is_some() {}

    let body = &body[..];
    let stats = measure(
        plan,
        vec![Box::new(move |iters| {
            let mut took = Duration::ZERO;
            for _ in 0..iters {
                // Untimed: the request reaches the node.
                let id = c
                    .request("listpeerchannels", "{}", "cnVuZQ==", None)
                    .unwrap();
                pump(&mut c, &mut n);
                let got = std::iter::from_fn(|| n.poll_event())
                    .find_map(|e| match e {
                        NodeEvent::Request { id, .. } => Some(id),
                        _ => None,
                    })
                    .unwrap();
                assert_eq!(got, id);
                // Timed: the reply, node to client, until the client's event.
                let t = Timer::start();
                n.reply(id, black_box(body));
                while let Some(b) = n.poll_transmit() {
                    c.receive(&b, 0);
                }
                let ev = c.poll_event();
                took += t.elapsed();
                match ev {
                    Some(Event::Reply { id: rid, reply, .. }) => {
                        assert_eq!(rid, id);
                        assert_eq!(reply.len(), body.len());
                    }
                    other => panic!("{other:?}"),
                }
            }
            ((body.len() as u64 * iters) as f64 / MB, took)
        })],
    );
    figs.push(Figure {
        name,
        unit: "MB/s",
        ours: stats.into_iter().next().unwrap(),
        ceiling: None,
    });
}

// ---------------------------------------------------------------------------------------------
// Report

fn fmt_num(x: f64) -> String {
    if x >= 1000.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn json_num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.4}")
    } else {
        "null".into()
    }
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn report(plan: &Plan, figs: &[Figure], total: Duration, cpu_share: Option<f64>) {
    let w = figs.iter().map(|f| f.name.len()).max().unwrap_or(6).max(6);
    println!(
        "\n{:w$}  {:>10} {:>21}  {:>10} {:>21}  {:>6}  unit",
        "figure", "ours", "(min..max)", "ceiling", "(min..max)", "ratio"
    );
    println!(
        "{}",
        "-".repeat(w + 2 + 10 + 1 + 21 + 2 + 10 + 1 + 21 + 2 + 6 + 2 + 12)
    );
    for f in figs {
        let range = |s: &Stats| format!("({}..{})", fmt_num(s.min()), fmt_num(s.max()));
        let (c, cr, ratio) = match &f.ceiling {
            Some(c) => (
                fmt_num(c.median()),
                range(c),
                format!("{:.3}", f.ours.median() / c.median()),
            ),
            None => ("-".into(), String::new(), "-".into()),
        };
        println!(
            "{:w$}  {:>10} {:>21}  {:>10} {:>21}  {:>6}  {}",
            f.name,
            fmt_num(f.ours.median()),
            range(&f.ours),
            c,
            cr,
            ratio,
            f.unit
        );
    }
    let clock_name = match clock() {
        Clock::ThreadCpu => "thread-cpu",
        Clock::Wall => "wall",
    };
    println!(
        "\nmedian (and min..max) of {} runs after calibration and {} warm-up run(s), single \
         thread{}; MB = 10^6 bytes of plaintext; timed by the {} clock; took {:.1} s",
        plan.runs,
        plan.warmup,
        if plan.quick { ", QUICK mode" } else { "" },
        clock_name,
        total.as_secs_f64()
    );
    if let Some(share) = cpu_share {
        print!(
            "this thread got {:.0}% of a CPU over the run",
            share * 100.0
        );
        if share < 0.9 {
            print!(
                " -- the machine is busy: {}",
                if clock() == Clock::ThreadCpu {
                    "CPU-time figures exclude the time taken away, but caches are shared"
                } else {
                    "wall-clock figures are pessimistic"
                }
            );
        }
        println!();
    }

    let mut json = String::from("{\n");
    for (i, f) in figs.iter().enumerate() {
        let (c, cmin, cmax, ratio) = match &f.ceiling {
            Some(c) => (
                json_num(c.median()),
                json_num(c.min()),
                json_num(c.max()),
                json_num(f.ours.median() / c.median()),
            ),
            None => ("null".into(), "null".into(), "null".into(), "null".into()),
        };
        json.push_str(&format!(
            "  {}: {{\"ours\": {}, \"ceiling\": {}, \"ratio\": {}, \"unit\": {}, \
             \"ours_min\": {}, \"ours_max\": {}, \"ceiling_min\": {}, \"ceiling_max\": {}, \
             \"runs\": {}, \"quick\": {}, \"clock\": {}}}{}\n",
            json_str(&f.name),
            json_num(f.ours.median()),
            c,
            ratio,
            json_str(f.unit),
            json_num(f.ours.min()),
            json_num(f.ours.max()),
            cmin,
            cmax,
            f.ours.rates.len(),
            plan.quick,
            json_str(clock_name),
            if i + 1 < figs.len() { "," } else { "" }
        ));
    }
    json.push_str("}\n");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    let path = dir.join("native.json");
    match std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, json)) {
        Ok(()) => println!("wrote {}", path.display()),
        Err(e) => eprintln!("could not write {}: {e}", path.display()),
    }
}

fn main() {
    let plan = Plan::from_env();
    let start = (Instant::now(), thread_cpu_time());
    let mut figs = Vec::new();
    bench_handshakes(&plan, &mut figs);
    bench_transport(&plan, &mut figs);
    bench_reassembly(&plan, &mut figs);
    bench_session(&plan, &mut figs);
    let wall = start.0.elapsed();
    let cpu_share = match (start.1, thread_cpu_time()) {
        (Some(a), Some(b)) => Some((b - a).as_secs_f64() / wall.as_secs_f64()),
        _ => None,
    };
    report(&plan, &figs, wall, cpu_share);
}
