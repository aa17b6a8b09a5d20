//! The `init` message: features, networks, the remote address (BOLT 1), and the features a
//! client must understand.

use crate::prelude::*;

use super::*;

// ---------------------------------------------------------------------------------------------
// init
// ---------------------------------------------------------------------------------------------

/// `init` TLV type of `networks` (a list of 32-byte chain hashes).
pub const INIT_TLV_NETWORKS: u64 = 1;
/// `init` TLV type of `remote_addr` (an address descriptor).
pub const INIT_TLV_REMOTE_ADDR: u64 = 3;

/// Required (even) feature bits of BOLT 9 a commando client may accept from a node.
///
/// Every one of them governs channels, payments, gossip, onion messages or peer storage: a
/// client that never opens a channel, forwards a payment, gossips or offers storage has no way
/// to break what they require, so it "knows" them. Core Lightning sets several of these as
/// compulsory (0, 8, 12, 14), so refusing them would refuse every such node. Any other even bit
/// is a requirement we do not understand.
pub const CLIENT_KNOWN_REQUIRED_FEATURES: &[u32] = &[
    0,   // option_data_loss_protect
    4,   // option_upfront_shutdown_script
    6,   // gossip_queries
    8,   // var_onion_optin
    10,  // gossip_queries_ex
    12,  // option_static_remotekey
    14,  // payment_secret
    16,  // basic_mpp
    18,  // option_support_large_channel
    20,  // option_anchor_outputs (historical)
    22,  // option_anchors
    24,  // option_route_blinding
    26,  // option_shutdown_anysegwit
    28,  // option_dual_fund
    34,  // option_quiesce
    38,  // option_onion_messages
    40,  // want peer backup storage
    42,  // provide peer backup storage
    44,  // option_channel_type
    46,  // option_scid_alias
    48,  // option_payment_metadata
    50,  // option_zeroconf
    60,  // option_simple_close
    62,  // option_splice
    104, // shutdown wrong funding (Core Lightning)
    162, // experimental splice (Core Lightning)
];

/// The `init` message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Init {
    /// The legacy global feature bitfield (big-endian, bit 0 is the last byte's low bit).
    pub global_features: Vec<u8>,
    /// The feature bitfield.
    pub features: Vec<u8>,
    /// TLV 1: the chains the sender is interested in, if it said.
    pub networks: Option<Vec<[u8; 32]>>,
    /// TLV 3: the receiver's address as the sender sees it (an address descriptor), raw.
    pub remote_addr: Option<Vec<u8>>,
}

impl Init {
    /// Our `init` as a client: no features, no networks, no remote address.
    pub fn client_default() -> Init {
        Init::default()
    }

    /// Our `init` as a client answering the node's: no features, and the node's `networks`
    /// echoed back (so that a common chain exists whenever the node lists any).
    pub fn client_for(node: &Init) -> Init {
        Init {
            networks: reply_networks(node),
            ..Init::default()
        }
    }

    /// Decodes an `init` payload (the bytes after the type). The TLV stream is the rest of the
    /// payload; unknown odd records are ignored, unknown even records rejected.
    pub fn decode_payload(payload: &[u8]) -> Result<Init, WireError> {
        let mut r = Reader { buf: payload };
        let global_features = r.u16_prefixed("init globalfeatures")?.to_vec();
        let features = r.u16_prefixed("init features")?.to_vec();
        let mut init = Init {
            global_features,
            features,
            networks: None,
            remote_addr: None,
        };
        for rec in parse_tlv_stream(r.buf, &[])? {
            match rec.typ {
                INIT_TLV_NETWORKS => {
                    let chunks = rec.value.chunks_exact(32);
                    if !chunks.remainder().is_empty() {
                        return Err(WireError::BadNetworksLength);
                    }
                    let mut chains = Vec::with_capacity(rec.value.len() / 32);
                    for c in chunks {
                        let hash =
                            <[u8; 32]>::try_from(c).map_err(|_| WireError::BadNetworksLength)?;
                        chains.push(hash);
                    }
                    init.networks = Some(chains);
                }
                INIT_TLV_REMOTE_ADDR => init.remote_addr = Some(rec.value.to_vec()),
                _ => {}
            }
        }
        Ok(init)
    }

    /// Encodes the whole message (type included). Feature fields longer than 65535 bytes are
    /// cut; keep the total within [`MAX_MESSAGE_LEN`].
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + self.global_features.len() + self.features.len());
        out.extend_from_slice(&msg_type::INIT.to_be_bytes());
        put_u16_prefixed(&self.global_features, &mut out);
        put_u16_prefixed(&self.features, &mut out);
        if let Some(chains) = &self.networks {
            let value: Vec<u8> = chains.iter().flatten().copied().collect();
            write_tlv_record(INIT_TLV_NETWORKS, &value, &mut out);
        }
        if let Some(addr) = &self.remote_addr {
            write_tlv_record(INIT_TLV_REMOTE_ADDR, addr, &mut out);
        }
        out
    }

    /// The two feature bitfields OR-ed together, right-aligned (bit 0 is the last byte's low
    /// bit), as long as the longer of the two.
    pub fn combined_features(&self) -> Vec<u8> {
        let (long, short) = if self.features.len() >= self.global_features.len() {
            (&self.features, &self.global_features)
        } else {
            (&self.global_features, &self.features)
        };
        let mut out = long.clone();
        let offset = long.len() - short.len();
        for (dst, src) in out.iter_mut().skip(offset).zip(short) {
            *dst |= src;
        }
        out
    }

    /// The lowest even (required) feature bit set in the combined features that is not in
    /// `known_even`, if any.
    pub fn first_unknown_required_feature(&self, known_even: &[u32]) -> Option<u32> {
        let combined = self.combined_features();
        for (i, byte) in combined.iter().rev().enumerate() {
            for k in (0..8).step_by(2) {
                if byte & (1 << k) != 0 {
                    let bit = (i as u32) * 8 + k;
                    if !known_even.contains(&bit) {
                        return Some(bit);
                    }
                }
            }
        }
        None
    }

    /// Checks the peer's features as a client: fails with
    /// [`WireError::UnknownRequiredFeature`] on the lowest required bit outside
    /// [`CLIENT_KNOWN_REQUIRED_FEATURES`]. Odd (optional) bits are always fine.
    pub fn check_client_features(&self) -> Result<(), WireError> {
        match self.first_unknown_required_feature(CLIENT_KNOWN_REQUIRED_FEATURES) {
            Some(bit) => Err(WireError::UnknownRequiredFeature(bit)),
            None => Ok(()),
        }
    }
}

/// The `networks` a client should send given the node's `init`: the node's own list echoed
/// (`None` when the node listed none).
pub fn reply_networks(node: &Init) -> Option<Vec<[u8; 32]>> {
    node.networks.clone()
}

pub(crate) fn put_u16_prefixed(data: &[u8], out: &mut Vec<u8>) {
    let data = data.get(..usize::from(u16::MAX)).unwrap_or(data);
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
}
