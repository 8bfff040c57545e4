//! Canonical state dump: snapshots, state hash, equality of replayed state.
//!
//! The dump never depends on slab handles or hash-map order (orders sorted by id,
//! books as id queues, client ids sorted), so equal states give equal bytes.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::book::{Order, OrderStore};
use crate::codec::{side_code, status_code, tif_code, Dec, DecodeError, Enc};
use crate::engine::Engine;
use crate::ids::ClientIds;
use crate::types::{OrdType, OwnerId, Side};

const MAGIC: &[u8; 8] = b"FXVSNAP1";

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("snapshot {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("snapshot {path}: corrupt ({why})")]
    Corrupt { path: PathBuf, why: String },
    #[error("snapshot {path} does not match the configuration: {why}")]
    ConfigMismatch { path: PathBuf, why: String },
}

impl Engine {
    /// Canonical bytes of the whole state; equal states give equal bytes.
    pub fn canonical_state(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(4096);
        let mut e = Enc(&mut v);
        e.u64(self.last_seq);
        e.i64(self.last_ts);
        e.u64(self.next_order_id);
        e.u64(self.next_exec_id);
        e.u64(self.next_trade_id);
        e.u32(self.assets.len() as u32);
        for x in 0..self.assets.len() {
            e.str(&self.assets[x].name);
            e.i128(self.totals[x]);
            e.i128(self.fees[x]);
        }
        e.u32(self.accounts.len() as u32);
        for (ai, a) in self.accounts.iter().enumerate() {
            e.str(&a.name);
            for x in 0..self.assets.len() {
                let f = self.ledger.at(ai as u32, x as u32);
                e.i128(f.balance);
                e.i128(f.hold);
            }
        }
        let mut orders: Vec<&Order> = self.orders.iter().map(|(_, o)| o).collect();
        orders.sort_unstable_by_key(|o| o.id);
        e.u32(orders.len() as u32);
        for o in orders {
            e.u64(o.id);
            e.u32(o.owner.0);
            e.u32(o.account);
            e.u32(o.instrument);
            e.str(&o.cl_ord_id);
            e.opt_str(o.orig_cl_ord_id.as_deref());
            e.u8(side_code(o.side));
            e.u8(o.ord_type as u8);
            e.u8(tif_code(o.tif));
            e.i64(o.price);
            e.i64(o.qty);
            e.i64(o.cum);
            e.i128(o.cum_notional);
            e.u8(status_code(o.status));
            e.i128(o.hold_per_lot);
            e.u32(self.hold_asset_of(o));
        }
        e.u32(self.books.len() as u32);
        for b in &self.books {
            for side in [Side::Buy, Side::Sell] {
                let q = b.queue(&self.orders, side);
                e.u32(q.len() as u32);
                for h in q {
                    e.u64(self.orders[h].id);
                }
            }
        }
        let ids = self.client_ids.sorted();
        e.u32(ids.len() as u32);
        for (o, k, v) in ids {
            e.u32(o.0);
            e.str(k);
            e.u64(v);
        }
        v
    }

    /// FNV-1a of [`Engine::canonical_state`].
    pub fn state_hash(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.canonical_state() {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        h
    }

    /// Replace this engine's state (built from the same config) with a canonical dump.
    pub(crate) fn restore(&mut self, bytes: &[u8]) -> Result<(), String> {
        let mut d = Dec::new(bytes);
        self.restore_inner(&mut d).map_err(|e| e.to_string())?;
        if !d.done() {
            return Err("trailing bytes".into());
        }
        Ok(())
    }

    fn restore_inner(&mut self, d: &mut Dec) -> Result<(), Box<dyn std::error::Error>> {
        self.last_seq = d.u64()?;
        self.last_ts = d.i64()?;
        self.next_order_id = d.u64()?;
        self.next_exec_id = d.u64()?;
        self.next_trade_id = d.u64()?;
        let na = d.u32()? as usize;
        if na != self.assets.len() {
            return Err("asset count differs from the configuration".into());
        }
        for x in 0..na {
            if *d.str()? != *self.assets[x].name {
                return Err("asset names differ from the configuration".into());
            }
            self.totals[x] = d.i128()?;
            self.fees[x] = d.i128()?;
        }
        if d.u32()? as usize != self.accounts.len() {
            return Err("account count differs from the configuration".into());
        }
        for (ai, a) in self.accounts.iter().enumerate() {
            if *d.str()? != *a.name {
                return Err(format!("account {} missing from the snapshot", a.name).into());
            }
            for x in 0..na {
                let f = self.ledger.at_mut(ai as u32, x as u32);
                f.balance = d.i128()?;
                f.hold = d.i128()?;
            }
        }
        let mut orders = Vec::new();
        for _ in 0..d.u32()? {
            let o = Order {
                id: d.u64()?,
                owner: OwnerId(d.u32()?),
                account: d.u32()?,
                instrument: d.u32()?,
                cl_ord_id: d.clid()?,
                orig_cl_ord_id: d.opt_clid()?,
                side: d.side()?,
                ord_type: d.ord_type()?,
                tif: d.tif()?,
                price: d.i64()?,
                qty: d.i64()?,
                cum: d.i64()?,
                cum_notional: d.i128()?,
                status: d.status()?,
                hold_per_lot: d.i128()?,
            };
            let hold_asset = d.u32()?;
            if o.account as usize >= self.accounts.len()
                || o.instrument as usize >= self.prep.instruments.len()
                || hold_asset as usize >= na
            {
                return Err(DecodeError("order index out of range").into());
            }
            if hold_asset != self.hold_asset_of(&o) {
                return Err(DecodeError("order hold asset does not match its side").into());
            }
            orders.push(o);
        }
        // Done orders go to the done arena, as live.
        self.orders = OrderStore::from_orders(orders);
        self.live_ids = Default::default();
        for (h, o) in self.orders.live_slots() {
            self.live_ids
                .insert(h, ClientIds::hash(o.owner, &o.cl_ord_id).0);
        }
        if d.u32()? as usize != self.books.len() {
            return Err("instrument count differs from the configuration".into());
        }
        for ii in 0..self.books.len() {
            self.books[ii] = Default::default();
            for side in [Side::Buy, Side::Sell] {
                for _ in 0..d.u32()? {
                    let h = self
                        .orders
                        .handle(d.u64()?)
                        .ok_or(DecodeError("book refers to unknown order"))?;
                    let o = &self.orders[h];
                    if o.side != side || o.instrument as usize != ii || o.ord_type != OrdType::Limit
                    {
                        return Err(DecodeError("book entry inconsistent").into());
                    }
                    self.books[ii].push_back(&mut self.orders, h);
                }
            }
        }
        self.client_ids = Default::default();
        for _ in 0..d.u32()? {
            let owner = OwnerId(d.u32()?);
            let k = d.clid()?;
            let v = d.u64()?;
            self.client_ids.insert(owner, &k, v);
        }
        Ok(())
    }

    /// Write a snapshot of the current state into `dir` (atomically: temp file, fsync,
    /// rename). Everything up to `last_seq()` must already be in the journal.
    pub fn snapshot(&self, dir: &Path) -> Result<PathBuf, SnapshotError> {
        let path = dir.join(format!("snapshot-{:020}.snap", self.last_seq));
        let io = |source| SnapshotError::Io {
            path: path.clone(),
            source,
        };
        let state = self.canonical_state();
        let mut buf = Vec::with_capacity(state.len() + 28);
        buf.extend_from_slice(MAGIC);
        buf.extend_from_slice(&self.last_seq.to_le_bytes());
        buf.extend_from_slice(&(state.len() as u64).to_le_bytes());
        buf.extend_from_slice(&crc32fast::hash(&state).to_le_bytes());
        buf.extend_from_slice(&state);
        let tmp = path.with_extension("tmp");
        let mut f = fs::File::create(&tmp).map_err(io)?;
        f.write_all(&buf).map_err(io)?;
        f.sync_all().map_err(io)?;
        drop(f);
        fs::rename(&tmp, &path).map_err(io)?;
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(path)
    }
}

/// The newest snapshot file in `dir`, if any: (sequence, path).
pub(crate) fn latest(dir: &Path) -> io::Result<Option<(u64, PathBuf)>> {
    let mut best: Option<(u64, PathBuf)> = None;
    for e in fs::read_dir(dir)? {
        let p = e?.path();
        let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(seq) = name
            .strip_prefix("snapshot-")
            .and_then(|s| s.strip_suffix(".snap"))
            .and_then(|s| s.parse::<u64>().ok())
        else {
            continue;
        };
        if best.as_ref().is_none_or(|(s, _)| seq > *s) {
            best = Some((seq, p));
        }
    }
    Ok(best)
}

/// Load a snapshot file into `engine` (built from the same configuration).
pub(crate) fn load(engine: &mut Engine, path: &Path) -> Result<(), SnapshotError> {
    let bytes = fs::read(path).map_err(|source| SnapshotError::Io {
        path: path.into(),
        source,
    })?;
    let corrupt = |why: &str| SnapshotError::Corrupt {
        path: path.into(),
        why: why.into(),
    };
    if bytes.len() < 28 || &bytes[..8] != MAGIC {
        return Err(corrupt("bad header"));
    }
    let seq = u64::from_le_bytes(bytes[8..16].try_into().expect("8"));
    let len = u64::from_le_bytes(bytes[16..24].try_into().expect("8")) as usize;
    let crc = u32::from_le_bytes(bytes[24..28].try_into().expect("4"));
    let state = &bytes[28..];
    if state.len() != len || crc32fast::hash(state) != crc {
        return Err(corrupt("length or checksum mismatch"));
    }
    engine
        .restore(state)
        .map_err(|why| SnapshotError::ConfigMismatch {
            path: path.into(),
            why,
        })?;
    if engine.last_seq() != seq {
        return Err(corrupt("sequence in header differs from state"));
    }
    Ok(())
}
