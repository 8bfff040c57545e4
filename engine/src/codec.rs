//! Little-endian binary encoding shared by the journal and snapshots.

use std::sync::Arc;

use rust_decimal::Decimal;

use crate::types::*;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("malformed record: {0}")]
pub struct DecodeError(pub &'static str);

pub(crate) struct Enc<'a>(pub &'a mut Vec<u8>);

impl Enc<'_> {
    pub fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn i128(&mut self, v: i128) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
    pub fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.u8(0),
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
        }
    }
    pub fn dec(&mut self, d: Decimal) {
        self.0.extend_from_slice(&d.serialize());
    }
    pub fn opt_dec(&mut self, d: Option<Decimal>) {
        match d {
            None => self.u8(0),
            Some(d) => {
                self.u8(1);
                self.dec(d);
            }
        }
    }

    pub fn command(&mut self, c: &Command) {
        match c {
            Command::New(c) => {
                self.u8(1);
                self.u32(c.owner.0);
                self.str(&c.cl_ord_id);
                self.opt_str(c.account.as_deref());
                self.str(&c.symbol);
                self.u8(side_code(c.side));
                self.u8(c.ord_type as u8);
                self.u8(tif_code(c.tif));
                self.dec(c.qty);
                self.opt_dec(c.price);
            }
            Command::Cancel(c) => {
                self.u8(2);
                self.u32(c.owner.0);
                self.str(&c.cl_ord_id);
                self.str(&c.orig_cl_ord_id);
                self.str(&c.symbol);
                self.u8(side_code(c.side));
            }
            Command::Replace(c) => {
                self.u8(3);
                self.u32(c.owner.0);
                self.str(&c.cl_ord_id);
                self.str(&c.orig_cl_ord_id);
                self.str(&c.symbol);
                self.u8(side_code(c.side));
                self.dec(c.qty);
                self.opt_dec(c.price);
            }
            Command::Status(q) => {
                self.u8(4);
                self.u32(q.owner.0);
                self.opt_str(q.cl_ord_id.as_deref());
                match q.order_id {
                    None => self.u8(0),
                    Some(id) => {
                        self.u8(1);
                        self.u64(id);
                    }
                }
            }
            Command::EndOfDay => self.u8(5),
        }
    }
}

pub(crate) fn side_code(s: Side) -> u8 {
    match s {
        Side::Buy => 0,
        Side::Sell => 1,
    }
}

pub(crate) fn tif_code(t: Tif) -> u8 {
    match t {
        Tif::Day => 0,
        Tif::Gtc => 1,
        Tif::Ioc => 2,
        Tif::Fok => 3,
    }
}

pub(crate) fn status_code(s: OrdStatus) -> u8 {
    s as u8
}

pub(crate) struct Dec<'a> {
    buf: &'a [u8],
    pos: usize,
}

type R<T> = Result<T, DecodeError>;

impl<'a> Dec<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Dec { buf, pos: 0 }
    }
    pub fn done(&self) -> bool {
        self.pos == self.buf.len()
    }
    fn take(&mut self, n: usize) -> R<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or(DecodeError("length"))?;
        let s = self
            .buf
            .get(self.pos..end)
            .ok_or(DecodeError("truncated"))?;
        self.pos = end;
        Ok(s)
    }
    fn arr<const N: usize>(&mut self) -> R<[u8; N]> {
        Ok(self.take(N)?.try_into().expect("length checked"))
    }
    pub fn u8(&mut self) -> R<u8> {
        Ok(self.take(1)?[0])
    }
    pub fn u32(&mut self) -> R<u32> {
        Ok(u32::from_le_bytes(self.arr()?))
    }
    pub fn u64(&mut self) -> R<u64> {
        Ok(u64::from_le_bytes(self.arr()?))
    }
    pub fn i64(&mut self) -> R<i64> {
        Ok(i64::from_le_bytes(self.arr()?))
    }
    pub fn i128(&mut self) -> R<i128> {
        Ok(i128::from_le_bytes(self.arr()?))
    }
    pub fn str(&mut self) -> R<Arc<str>> {
        Ok(self.text()?.into())
    }
    pub fn opt_str(&mut self) -> R<Option<Arc<str>>> {
        Ok(match self.u8()? {
            0 => None,
            1 => Some(self.str()?),
            _ => return Err(DecodeError("option tag")),
        })
    }
    fn text(&mut self) -> R<&'a str> {
        let n = self.u32()? as usize;
        let b = self.take(n)?;
        std::str::from_utf8(b).map_err(|_| DecodeError("utf-8"))
    }
    pub fn clid(&mut self) -> R<ClOrdId> {
        Ok(ClOrdId::from(self.text()?))
    }
    pub fn opt_clid(&mut self) -> R<Option<ClOrdId>> {
        Ok(match self.u8()? {
            0 => None,
            1 => Some(self.clid()?),
            _ => return Err(DecodeError("option tag")),
        })
    }
    pub fn dec(&mut self) -> R<Decimal> {
        Ok(Decimal::deserialize(self.arr()?))
    }
    pub fn opt_dec(&mut self) -> R<Option<Decimal>> {
        Ok(match self.u8()? {
            0 => None,
            1 => Some(self.dec()?),
            _ => return Err(DecodeError("option tag")),
        })
    }
    pub fn side(&mut self) -> R<Side> {
        Ok(match self.u8()? {
            0 => Side::Buy,
            1 => Side::Sell,
            _ => return Err(DecodeError("side")),
        })
    }
    pub fn ord_type(&mut self) -> R<OrdType> {
        Ok(match self.u8()? {
            0 => OrdType::Limit,
            1 => OrdType::Market,
            _ => return Err(DecodeError("ord type")),
        })
    }
    pub fn tif(&mut self) -> R<Tif> {
        Ok(match self.u8()? {
            0 => Tif::Day,
            1 => Tif::Gtc,
            2 => Tif::Ioc,
            3 => Tif::Fok,
            _ => return Err(DecodeError("tif")),
        })
    }
    pub fn status(&mut self) -> R<OrdStatus> {
        use OrdStatus::*;
        let all = [
            New,
            PartiallyFilled,
            Filled,
            Canceled,
            Replaced,
            Rejected,
            Expired,
        ];
        all.get(self.u8()? as usize)
            .copied()
            .ok_or(DecodeError("status"))
    }

    pub fn command(&mut self) -> R<Command> {
        Ok(match self.u8()? {
            1 => Command::New(NewOrder {
                owner: OwnerId(self.u32()?),
                cl_ord_id: self.clid()?,
                account: self.opt_str()?,
                symbol: self.str()?,
                side: self.side()?,
                ord_type: self.ord_type()?,
                tif: self.tif()?,
                qty: self.dec()?,
                price: self.opt_dec()?,
            }),
            2 => Command::Cancel(Cancel {
                owner: OwnerId(self.u32()?),
                cl_ord_id: self.clid()?,
                orig_cl_ord_id: self.clid()?,
                symbol: self.str()?,
                side: self.side()?,
            }),
            3 => Command::Replace(Replace {
                owner: OwnerId(self.u32()?),
                cl_ord_id: self.clid()?,
                orig_cl_ord_id: self.clid()?,
                symbol: self.str()?,
                side: self.side()?,
                qty: self.dec()?,
                price: self.opt_dec()?,
            }),
            4 => Command::Status(StatusQuery {
                owner: OwnerId(self.u32()?),
                cl_ord_id: self.opt_clid()?,
                order_id: match self.u8()? {
                    0 => None,
                    1 => Some(self.u64()?),
                    _ => return Err(DecodeError("option tag")),
                },
                symbol: None,
                side: None,
            }),
            5 => Command::EndOfDay,
            _ => return Err(DecodeError("command tag")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_round_trip() {
        let cmds = [
            Command::New(NewOrder {
                owner: OwnerId(7),
                cl_ord_id: "a".into(),
                account: Some("acc".into()),
                symbol: "BTC-USD".into(),
                side: Side::Sell,
                ord_type: OrdType::Market,
                tif: Tif::Fok,
                qty: Decimal::new(15, 1),
                price: None,
            }),
            Command::Replace(Replace {
                owner: OwnerId(1),
                cl_ord_id: "b".into(),
                orig_cl_ord_id: "a".into(),
                symbol: "X".into(),
                side: Side::Buy,
                qty: Decimal::ONE,
                price: Some(Decimal::new(12345, 2)),
            }),
            Command::Status(StatusQuery {
                owner: OwnerId(1),
                cl_ord_id: None,
                order_id: Some(9),
                symbol: None,
                side: None,
            }),
            Command::EndOfDay,
        ];
        for c in cmds {
            let mut v = Vec::new();
            Enc(&mut v).command(&c);
            let mut d = Dec::new(&v);
            assert_eq!(d.command().unwrap(), c);
            assert!(d.done());
        }
    }
}
