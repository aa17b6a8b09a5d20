//! The test node's JSON-RPC methods: `getinfo`, `echo`, `bigreply`, `sleep`, `dev-fault`, and
//! Core Lightning–shaped `listfunds`, `listpeerchannels`, `invoice`, `listinvoices`, `help`
//! over a small in-memory state. Results follow Core Lightning's schemas where they exist.

use lncommando::node::CheckedRequest;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Mutex;

/// The regtest genesis block hash, as BOLT 1 `networks` carries it (internal byte order).
pub const REGTEST_CHAIN_HASH: [u8; 32] = [
    0x06, 0x22, 0x6e, 0x46, 0x11, 0x1a, 0x0b, 0x59, 0xca, 0xaf, 0x12, 0x60, 0x43, 0xeb, 0x5b, 0xbf,
    0x28, 0xc3, 0x4f, 0x3a, 0x5e, 0x33, 0x2a, 0x1f, 0xc7, 0xb2, 0xb7, 0x3c, 0xf1, 0x88, 0x91, 0x0f,
];

/// Ways a connection can misbehave on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Send half of the next reply's bytes, then close.
    CloseMidReply,
    /// Flip a bit in the next reply's last packet tag.
    CorruptMac,
    /// Never answer requests (after the rune check).
    NeverAnswer,
    /// Send an unknown even message.
    UnknownEven,
    /// Send a warning, then close.
    WarningClose,
    /// Never answer the handshake (flag only).
    StallHandshake,
    /// Answer the next request with a reply that never ends.
    OversizeReply,
    /// Send `count` pings (default 20 000) asking for 65 531-byte pongs, then stop reading.
    PingFlood,
    /// Send `count` pings (default 70 000) in one WebSocket frame (one TCP write).
    PingBomb,
    /// Answer every later request with 65 000-byte "continues" chunks, round-robin over all of
    /// them, never finishing (until the client hangs up, or 8 GiB).
    EndlessContinues,
    /// Answer every later request with a reply of `count` bytes (default 1 000 000) sent as
    /// one-byte chunks.
    TinyChunks,
    /// Answer every later request with `count` empty "continues" chunks (default 1 000 000),
    /// then the reply.
    EmptyChunks,
    /// Close this connection, then stall the handshake of every connection for `count`
    /// milliseconds (default 5 000): a node that drops once and then hangs every reconnect.
    DropThenStall,
    /// Send a warning right behind `init`, in the same write (`--fault` only).
    WarnAtInit,
    /// Stop reading from this connection (for 20 s, then close): the client's sends pile up.
    StopReading,
}

impl Fault {
    /// All modes with their names.
    pub const ALL: [(&'static str, Fault); 15] = [
        ("close-mid-reply", Fault::CloseMidReply),
        ("corrupt-mac", Fault::CorruptMac),
        ("never-answer", Fault::NeverAnswer),
        ("unknown-even", Fault::UnknownEven),
        ("warning-close", Fault::WarningClose),
        ("stall-handshake", Fault::StallHandshake),
        ("oversize-reply", Fault::OversizeReply),
        ("ping-flood", Fault::PingFlood),
        ("ping-bomb", Fault::PingBomb),
        ("endless-continues", Fault::EndlessContinues),
        ("tiny-chunks", Fault::TinyChunks),
        ("empty-chunks", Fault::EmptyChunks),
        ("drop-then-stall", Fault::DropThenStall),
        ("warn-at-init", Fault::WarnAtInit),
        ("stop-reading", Fault::StopReading),
    ];

    /// The default of the `count` parameter of `dev-fault` for this mode.
    pub fn default_count(self) -> u64 {
        match self {
            Fault::PingFlood => 20_000,
            Fault::PingBomb => 70_000,
            Fault::TinyChunks | Fault::EmptyChunks => 1_000_000,
            Fault::DropThenStall => 5_000,
            _ => 0,
        }
    }

    /// The mode called `name`.
    pub fn parse(name: &str) -> Option<Fault> {
        Fault::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }
}

/// What a method asks the connection to do.
pub enum Answer {
    /// Reply with this result.
    Result(Value),
    /// Reply with this JSON-RPC error.
    Error(i64, String),
    /// Reply after this many milliseconds with this result, or this JSON-RPC error.
    Delayed(u64, Result<Value, (i64, String)>),
    /// Reply with this result, then switch the connection to this fault mode (with its
    /// `count` parameter).
    SetFault(Fault, u64, Value),
}

/// The test node's chain height (it never grows).
pub const BLOCKHEIGHT: u64 = 850_000;

/// State shared by all connections.
pub struct NodeState {
    node_id: String,
    invoices: Vec<Value>,
    next_index: u64,
}

impl NodeState {
    /// A fresh state for the node `node_id`.
    pub fn new(node_id: &str) -> NodeState {
        NodeState {
            node_id: node_id.to_string(),
            invoices: Vec::new(),
            next_index: 1,
        }
    }
}

/// Param `name` (or position `pos` when params is an array).
fn param<'a>(params: &'a Value, name: &str, pos: usize) -> Option<&'a Value> {
    match params {
        Value::Object(m) => m.get(name),
        Value::Array(a) => a.get(pos),
        _ => None,
    }
}

/// Core Lightning's answer to a parameter it does not know.
fn check_params(params: &Value, known: &[&str]) -> Result<(), Answer> {
    match params {
        Value::Object(m) => match m.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(Answer::Error(
                -32602,
                format!(
                    "unknown parameter: {k}, this may be caused by a failure to autodetect key=value-style parameters. Please try using the -k flag and explicit key=value pairs of parameters."
                ),
            )),
            None => Ok(()),
        },
        Value::Array(a) if a.len() > known.len() => Err(Answer::Error(
            -32602,
            format!(
                "too many parameters: got {}, expected {}",
                a.len(),
                known.len()
            ),
        )),
        _ => Ok(()),
    }
}

fn bad_param(name: &str, why: &str, value: &Value) -> Answer {
    Answer::Error(-32602, format!("{name}: {why}: invalid token '{value}'"))
}

fn u64_param(params: &Value, name: &str, pos: usize) -> Result<Option<u64>, Answer> {
    match param(params, name, pos) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| bad_param(name, "should be an unsigned 64 bit integer", v)),
    }
}

fn str_param<'a>(params: &'a Value, name: &str, pos: usize) -> Result<Option<&'a str>, Answer> {
    match param(params, name, pos) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_str()
            .map(Some)
            .ok_or_else(|| bad_param(name, "should be a string", v)),
    }
}

fn missing(name: &str) -> Answer {
    Answer::Error(-32602, format!("missing required parameter: {name}"))
}

/// The commands `help` lists.
const COMMANDS: &[(&str, &str, &str)] = &[
    ("getinfo", "utility", "Show information about this node"),
    (
        "echo",
        "developer",
        "Return the params as the result (test node only)",
    ),
    (
        "bigreply",
        "developer",
        "Return a result of at least {bytes} bytes (test node only)",
    ),
    (
        "sleep",
        "developer",
        "Answer after {ms} milliseconds (test node only)",
    ),
    (
        "waitblockheight",
        "utility",
        "Wait for the blockchain to reach {blockheight}, for up to {timeout} seconds",
    ),
    (
        "dev-fault",
        "developer",
        "Misbehave on this connection: {mode} (test node only)",
    ),
    (
        "listfunds",
        "utility",
        "Show available funds from the internal wallet",
    ),
    (
        "listpeerchannels",
        "network",
        "Show channels with direct peers",
    ),
    (
        "invoice",
        "payment",
        "Create an invoice for {amount_msat} with {label} and {description}",
    ),
    (
        "listinvoices",
        "payment",
        "Show invoice matching {label}, or all",
    ),
    (
        "help",
        "utility",
        "List available commands, or give verbose help on one {command}",
    ),
];

/// Runs the method of a request that passed commando's checks.
pub fn call(state: &Mutex<NodeState>, req: &CheckedRequest) -> Answer {
    // Commando checked that params are an array or an object; serde_json parses them fully.
    let params = match serde_json::from_slice(&req.params) {
        Ok(p) => p,
        Err(e) => return Answer::Error(-32700, format!("Parse error: {e}")),
    };
    match run(state, &req.method, &params) {
        Ok(o) | Err(o) => o,
    }
}

/// `result` as JSON text, pruned by a `filter` (lightningd keeps the members marked `true`,
/// recursively; a filter on an array applies to each element).
pub fn filtered(result: &Value, filter: Option<&[u8]>) -> Vec<u8> {
    let filter: Option<Value> = filter.and_then(|f| serde_json::from_slice(f).ok());
    let json = match &filter {
        Some(f) => serde_json::to_vec(&prune(result, f)),
        None => serde_json::to_vec(result),
    };
    json.unwrap_or_else(|_| b"null".to_vec())
}

fn prune(v: &Value, filter: &Value) -> Value {
    match (v, filter) {
        (_, Value::Bool(true)) => v.clone(),
        (Value::Array(items), _) => Value::Array(items.iter().map(|i| prune(i, filter)).collect()),
        (Value::Object(m), Value::Object(f)) => Value::Object(
            m.iter()
                .filter_map(|(k, val)| f.get(k).map(|sub| (k.clone(), prune(val, sub))))
                .collect(),
        ),
        _ => v.clone(),
    }
}

fn run(state: &Mutex<NodeState>, method: &str, p: &Value) -> Result<Answer, Answer> {
    let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
    Ok(match method {
        "getinfo" => {
            check_params(p, &[])?;
            Answer::Result(getinfo(&st.node_id))
        }
        "echo" => Answer::Result(p.clone()),
        "bigreply" => {
            check_params(p, &["bytes"])?;
            let bytes = u64_param(p, "bytes", 0)?.ok_or_else(|| missing("bytes"))?;
            if bytes > 256 << 20 {
                return Err(bad_param(
                    "bytes",
                    "should be at most 268435456",
                    &json!(bytes),
                ));
            }
            Answer::Result(bigreply(bytes as usize))
        }
        "sleep" => {
            check_params(p, &["ms"])?;
            let ms = u64_param(p, "ms", 0)?.ok_or_else(|| missing("ms"))?;
            Answer::Delayed(ms.min(3_600_000), Ok(json!({ "slept_ms": ms })))
        }
        "waitblockheight" => {
            // As Core Lightning's: at once if the chain is there already, else an error after
            // `timeout` seconds (this chain never grows).
            check_params(p, &["blockheight", "timeout"])?;
            let height = u64_param(p, "blockheight", 0)?.ok_or_else(|| missing("blockheight"))?;
            let timeout = u64_param(p, "timeout", 1)?.unwrap_or(60);
            if height <= BLOCKHEIGHT {
                Answer::Result(json!({ "blockheight": BLOCKHEIGHT }))
            } else {
                Answer::Delayed(timeout.min(3600) * 1000, Err((2000, "Timed out.".into())))
            }
        }
        "dev-fault" => {
            check_params(p, &["mode", "count"])?;
            let mode = str_param(p, "mode", 0)?.ok_or_else(|| missing("mode"))?;
            let fault = Fault::parse(mode).ok_or_else(|| {
                let names: Vec<&str> = Fault::ALL.iter().map(|(n, _)| *n).collect();
                bad_param(
                    "mode",
                    &format!("should be one of {}", names.join(", ")),
                    &json!(mode),
                )
            })?;
            let count = u64_param(p, "count", 1)?.unwrap_or(fault.default_count());
            if count > 100_000_000 {
                return Err(bad_param(
                    "count",
                    "should be at most 100000000",
                    &json!(count),
                ));
            }
            Answer::SetFault(fault, count, json!({ "mode": mode, "count": count }))
        }
        "listfunds" => {
            check_params(p, &["spent"])?;
            Answer::Result(listfunds(&st.node_id))
        }
        "listpeerchannels" => {
            check_params(p, &["id", "short_channel_id"])?;
            let id = str_param(p, "id", 0)?;
            let mut channels = listpeerchannels();
            if let Some(id) = id {
                channels.retain(|c| c["peer_id"] == id);
            }
            Answer::Result(json!({ "channels": channels }))
        }
        "invoice" => {
            check_params(
                p,
                &[
                    "amount_msat",
                    "label",
                    "description",
                    "expiry",
                    "fallbacks",
                    "preimage",
                    "exposeprivatechannels",
                    "cltv",
                    "deschashonly",
                ],
            )?;
            let amount = match param(p, "amount_msat", 0) {
                None => return Err(missing("amount_msat")),
                Some(Value::String(s)) if s == "any" => None,
                Some(v) => Some(v.as_u64().ok_or_else(|| {
                    bad_param("amount_msat", "should be a millisatoshi amount", v)
                })?),
            };
            let label = match param(p, "label", 1) {
                None => return Err(missing("label")),
                Some(Value::String(s)) => s.clone(),
                Some(v @ Value::Number(_)) => v.to_string(),
                Some(v) => return Err(bad_param("label", "should be a string or number", v)),
            };
            let description = str_param(p, "description", 2)?
                .ok_or_else(|| missing("description"))?
                .to_string();
            let expiry = u64_param(p, "expiry", 3)?.unwrap_or(604_800);
            if st.invoices.iter().any(|i| i["label"] == label.as_str()) {
                return Err(Answer::Error(900, "Duplicate label".into()));
            }
            let index = st.next_index;
            st.next_index += 1;
            let inv = make_invoice(&st.node_id, index, amount, &label, &description, expiry);
            let result = json!({
                "bolt11": inv["bolt11"],
                "payment_hash": inv["payment_hash"],
                "payment_secret": hex32(&format!("secret{index}")),
                "expires_at": inv["expires_at"],
                "created_index": index,
            });
            st.invoices.push(inv);
            Answer::Result(result)
        }
        "listinvoices" => {
            check_params(
                p,
                &[
                    "label",
                    "invstring",
                    "payment_hash",
                    "offer_id",
                    "index",
                    "start",
                    "limit",
                ],
            )?;
            let label = match param(p, "label", 0) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(v) => Some(v.to_string()),
            };
            let invoices: Vec<Value> = st
                .invoices
                .iter()
                .filter(|i| label.as_ref().is_none_or(|l| i["label"] == l.as_str()))
                .cloned()
                .collect();
            Answer::Result(json!({ "invoices": invoices }))
        }
        "help" => {
            check_params(p, &["command"])?;
            let only = str_param(p, "command", 0)?;
            let help: Vec<Value> = COMMANDS
                .iter()
                .filter(|(c, _, _)| only.is_none_or(|o| o == *c))
                .map(|(c, cat, desc)| json!({ "command": c, "category": cat, "description": desc, "verbose": desc }))
                .collect();
            if help.is_empty() {
                return Err(Answer::Error(
                    -32601,
                    format!("Unknown command '{}'", only.unwrap_or("")),
                ));
            }
            Answer::Result(json!({ "help": help, "format-hint": "simple" }))
        }
        other => Answer::Error(-32601, format!("Unknown command '{other}'")),
    })
}

fn getinfo(node_id: &str) -> Value {
    json!({
        "id": node_id,
        "alias": "lncommando-testnode",
        "color": "02a8e0",
        "num_peers": 2,
        "num_pending_channels": 0,
        "num_active_channels": 2,
        "num_inactive_channels": 1,
        "address": [],
        "binding": [],
        "version": "lncommando-testnode-0.1.0",
        "blockheight": BLOCKHEIGHT,
        "network": "regtest",
        "fees_collected_msat": 1_234_000,
        "lightning-dir": "/tmp/lncommando-testnode/regtest",
        "our_features": { "init": "08a0000a8a5961", "node": "88a0000a8a5961", "channel": "", "invoice": "02000002024100" }
    })
}

/// A result whose JSON is at least `bytes` long: an array of 100-byte strings.
fn bigreply(bytes: usize) -> Value {
    let item = "0123456789".repeat(10);
    let n = bytes.div_ceil(item.len() + 3);
    json!({ "bytes": bytes, "data": vec![item; n] })
}

fn hex32(seed: &str) -> String {
    lncommando::hex::encode(&Sha256::digest(seed.as_bytes()))
}

fn listfunds(node_id: &str) -> Value {
    json!({
        "outputs": [
            { "txid": hex32("out1"), "output": 0, "amount_msat": 1_500_000_000u64, "scriptpubkey": format!("0014{}", &hex32("spk1")[..40]), "address": "bcrt1qtestnodeoutput1", "status": "confirmed", "blockheight": 849_000, "reserved": false },
            { "txid": hex32("out2"), "output": 1, "amount_msat": 250_000_000u64, "scriptpubkey": format!("0014{}", &hex32("spk2")[..40]), "address": "bcrt1qtestnodeoutput2", "status": "confirmed", "blockheight": 849_500, "reserved": false },
            { "txid": hex32("out3"), "output": 0, "amount_msat": 40_000_000u64, "scriptpubkey": format!("0014{}", &hex32("spk3")[..40]), "address": "bcrt1qtestnodeoutput3", "status": "unconfirmed", "reserved": false }
        ],
        "channels": listpeerchannels().iter().map(|c| json!({
            "peer_id": c["peer_id"], "connected": c["peer_connected"], "state": c["state"],
            "short_channel_id": c["short_channel_id"], "our_amount_msat": c["to_us_msat"],
            "amount_msat": c["total_msat"], "funding_txid": c["funding_txid"], "funding_output": 0
        })).collect::<Vec<_>>(),
        "node_id": node_id,
    })
}

fn listpeerchannels() -> Vec<Value> {
    let chan = |peer: &str, scid: &str, state: &str, connected: bool, total: u64, ours: u64| {
        json!({
            "peer_id": peer,
            "peer_connected": connected,
            "state": state,
            "short_channel_id": scid,
            "channel_id": hex32(scid),
            "funding_txid": hex32(&format!("funding{scid}")),
            "private": false,
            "opener": "local",
            "total_msat": total,
            "to_us_msat": ours,
            "spendable_msat": ours.saturating_sub(total / 100),
            "receivable_msat": (total - ours).saturating_sub(total / 100),
            "fee_base_msat": 1000,
            "fee_proportional_millionths": 10,
        })
    };
    vec![
        chan(
            "0266e4598d1d3c415f572a8488830b60f7e744ed9235eb0b1ba93283b315c03518",
            "849000x1x0",
            "CHANNELD_NORMAL",
            true,
            5_000_000_000,
            3_200_000_000,
        ),
        chan(
            "022d223620a359a47ff7f7ac447c85c46c923da53389221a0054c11c1e3ca31d59",
            "849100x7x1",
            "CHANNELD_NORMAL",
            true,
            2_000_000_000,
            400_000_000,
        ),
        chan(
            "035d2b1192dfba134e10e540875d366ebc8bc353d5aa766b80c090b39c3a5d885d",
            "849200x3x0",
            "ONCHAIN",
            false,
            1_000_000_000,
            1_000_000_000,
        ),
    ]
}

fn make_invoice(
    node_id: &str,
    index: u64,
    amount: Option<u64>,
    label: &str,
    description: &str,
    expiry: u64,
) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let payment_hash = hex32(&format!("{node_id}{index}{label}"));
    // Not a valid BOLT 11 signature: this node cannot be paid. The shape is right for display.
    let amount_part = amount.map_or(String::new(), |m| format!("{}n", m / 100));
    let body: String = hex32(&payment_hash)
        .chars()
        .chain(hex32(label).chars())
        .map(|c| match c {
            'b' => 'x',
            'i' => 'y',
            'o' => 'z',
            c => c,
        })
        .collect();
    let bolt11 = format!("lnbcrt{amount_part}1p{body}qqtestnode{index}");
    let mut inv = json!({
        "label": label,
        "bolt11": bolt11,
        "payment_hash": payment_hash,
        "status": "unpaid",
        "description": description,
        "expires_at": now + expiry,
        "created_index": index,
    });
    if let Some(m) = amount {
        inv["amount_msat"] = json!(m);
    }
    inv
}

/// The rune master secret of a node key: runes stay the same for a given `--secret`.
pub fn rune_secret(node_secret: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"lncommando-testnode runes");
    h.update(node_secret);
    h.finalize().into()
}
