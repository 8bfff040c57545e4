//! `Engine`: the pure state machine. `apply(seq, time, command)` → events.
//!
//! Per command, in exchange-core's order: validate (precedence-ordered rejects) → hold →
//! match → settle each trade from its fill → release what is left → emit.

use std::sync::Arc;

use rust_decimal::Decimal;

use crate::accounts::{fee, Account, Funds, Ledger, RATE_ONE};
use crate::book::{Book, Link, Order, OrderStore, NIL};
use crate::catalog::Catalog;
use crate::config::{Asset, ConfigError, VenueConfig};
use crate::ids::{ClientIds, KeyHash};
use crate::in_place;
use crate::live_ids::LiveIds;
use crate::prepare::{check_notional, NewTerms, Pre, Prepared, Preparer};
use crate::types::*;

pub struct Engine {
    pub(crate) assets: Vec<Asset>,
    /// The venue's fixed rules (instruments, accounts' terms, owners) and the
    /// configuration-only checks, shared with the threads that submit.
    pub(crate) prep: Arc<Preparer>,
    pub(crate) accounts: Vec<Account>,
    pub(crate) ledger: Ledger,
    /// Fees collected by the venue, per asset.
    pub(crate) fees: Vec<i128>,
    /// Σ balances + fees per asset; constant (conservation).
    pub(crate) totals: Vec<i128>,
    pub(crate) books: Vec<Book>,
    pub(crate) orders: OrderStore,
    /// Today's client ids per owner → order id (0: used by a request without an order).
    pub(crate) client_ids: ClientIds,
    /// Live orders by their latest client id (the usual cancel/replace target).
    pub(crate) live_ids: LiveIds,
    pub(crate) next_order_id: u64,
    pub(crate) next_exec_id: u64,
    pub(crate) next_trade_id: u64,
    pub(crate) last_seq: u64,
    pub(crate) last_ts: i64,
    /// Orders that became done during the current command, retired after it.
    retire: Vec<u32>,
    /// Names and scales for reading events (shared with the report writers).
    catalog: Arc<Catalog>,
}

/// Why matching stopped for an aggressor.
enum MatchEnd {
    Filled,
    NoMore,
    SelfTrade,
    FundsExhausted,
}

impl Engine {
    pub fn new(config: &VenueConfig) -> Result<Engine, ConfigError> {
        let c = config.compile()?;
        let catalog = Arc::new(Catalog::new(&c));
        let prep = Arc::new(Preparer::new(&c));
        let n_assets = c.assets.len();
        let mut totals = vec![0i128; n_assets];
        let mut ledger = Ledger::new(c.accounts.len(), n_assets);
        let accounts: Vec<Account> = c
            .accounts
            .into_iter()
            .enumerate()
            .map(|(ai, a)| {
                for (x, b) in a.balances.iter().enumerate() {
                    totals[x] += b;
                    ledger.at_mut(ai as u32, x as u32).balance = *b;
                }
                Account {
                    name: a.name,
                    maker_rate: a.maker_rate,
                    taker_rate: a.taker_rate,
                    stp: a.stp,
                }
            })
            .collect();
        Ok(Engine {
            prep,
            books: c.instruments.iter().map(|_| Book::default()).collect(),
            assets: c.assets,
            accounts,
            ledger,
            fees: vec![0; n_assets],
            totals,
            orders: OrderStore::new(),
            client_ids: ClientIds::default(),
            live_ids: LiveIds::default(),
            next_order_id: 1,
            next_exec_id: 1,
            next_trade_id: 1,
            last_seq: 0,
            last_ts: i64::MIN,
            retire: Vec::new(),
            catalog,
        })
    }

    /// What turns this engine's events into FIX values (immutable; share it).
    pub fn catalog(&self) -> Arc<Catalog> {
        Arc::clone(&self.catalog)
    }

    /// Sequence number of the last applied journaled command (0 = none).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    pub fn last_timestamp(&self) -> i64 {
        self.last_ts
    }

    /// The configuration-only checks, to run where commands arrive
    /// ([`crate::EngineHandle::submit`] does) instead of on the matcher thread.
    pub fn preparer(&self) -> Arc<Preparer> {
        Arc::clone(&self.prep)
    }

    /// `cmd` with its configuration-only checks done (see [`Preparer`]).
    pub fn prepare(&self, cmd: Command) -> Prepared {
        self.prep.prepare(cmd)
    }

    /// Apply one command. `seq` must be `last_seq() + 1` and time must not go backwards
    /// (both asserted; they come from the run loop or the journal). Events are appended
    /// to `out`. `Command::Status` is answered as by [`Engine::query`] and ignores `seq`.
    pub fn apply(&mut self, seq: u64, timestamp_nanos: i64, cmd: &Command, out: &mut Vec<Event>) {
        let pre = self.prep.pre(cmd);
        self.apply_with(seq, timestamp_nanos, cmd, &pre, out);
    }

    /// [`Engine::apply`] for a command prepared ahead (same answers and state). A
    /// command prepared by another engine's preparer is prepared again here.
    pub fn apply_prepared(
        &mut self,
        seq: u64,
        timestamp_nanos: i64,
        p: &Prepared,
        out: &mut Vec<Event>,
    ) {
        if self.prep.is_mine(p) {
            self.apply_with(seq, timestamp_nanos, p.command(), &p.pre, out);
        } else {
            self.apply(seq, timestamp_nanos, p.command(), out);
        }
    }

    #[inline]
    fn apply_with(
        &mut self,
        seq: u64,
        timestamp_nanos: i64,
        cmd: &Command,
        pre: &Pre,
        out: &mut Vec<Event>,
    ) {
        if let Command::Status(q) = cmd {
            self.query(q, out);
            return;
        }
        assert_eq!(
            seq,
            self.last_seq + 1,
            "command sequence must be contiguous"
        );
        assert!(
            timestamp_nanos >= self.last_ts,
            "command time must not go backwards"
        );
        self.last_seq = seq;
        self.last_ts = timestamp_nanos;
        match (cmd, *pre) {
            (
                Command::New(c),
                Pre::New {
                    id,
                    instrument,
                    terms,
                },
            ) => self.new_order(c, id, instrument, terms, out),
            (
                Command::Cancel(c),
                Pre::Cancel {
                    id,
                    orig,
                    instrument,
                },
            ) => self.cancel(c, id, orig, instrument, out),
            (
                Command::Replace(c),
                Pre::Replace {
                    id,
                    orig,
                    instrument,
                    price,
                    lots,
                },
            ) => self.replace(c, (id, orig, instrument), price, lots, out),
            (Command::EndOfDay, _) => self.end_of_day(out),
            _ => unreachable!("a command's preparation is of its own kind"),
        }
        self.retire_done();
    }

    /// Start loading what applying `p` will read first, a hint with no effect on
    /// state or answers. The run loop calls it for a command a few places ahead in
    /// its batch, so that command's cache misses (the day's id table, the target
    /// order's record, the account's funds) overlap the work in between.
    pub fn prefetch(&self, p: &Prepared) {
        if !self.prep.is_mine(p) {
            return;
        }
        match p.pre {
            Pre::New { id, terms, .. } => {
                if let Ok(t) = terms {
                    self.ledger.prefetch(t.account);
                }
                self.client_ids.prefetch(id);
            }
            Pre::Cancel { id, orig, .. } | Pre::Replace { id, orig, .. } => {
                if let Some(h) = self.live_ids.guess(orig.0) {
                    self.orders.prefetch(h);
                    self.live_ids.prefetch_slot(h);
                }
                self.client_ids.prefetch(id);
            }
            Pre::Nothing => {}
        }
    }

    /// Move the orders that became done out of the live slab and the live index.
    fn retire_done(&mut self) {
        for h in self.retire.drain(..) {
            self.live_ids.remove(h);
            self.orders.retire(h);
        }
    }

    /// Answer a status query (read-only; not journaled; `exec_id` 0).
    pub fn query(&self, q: &StatusQuery, out: &mut Vec<Event>) {
        let h = match (&q.cl_ord_id, q.order_id) {
            (Some(cl), id) => self
                .id_lookup(q.owner, cl)
                .filter(|x| id.is_none_or(|id| id == *x))
                .and_then(|x| self.orders.handle(x)),
            (None, Some(id)) => self.orders.handle(id),
            (None, None) => None,
        }
        .filter(|h| self.orders[*h].owner == q.owner);
        match h {
            Some(h) => out.push(self.order_event(h, EventKind::Status, 0)),
            None => {
                let mut e = self.request_event(
                    q.owner,
                    EventKind::StatusRejected {
                        reason: RejectReason::UnknownOrder,
                    },
                    q.cl_ord_id.clone().unwrap_or_else(|| "".into()),
                    q.side.unwrap_or(Side::Buy),
                    Echo {
                        symbol: q.symbol.clone().unwrap_or_else(|| "".into()),
                        account: None,
                        qty: Decimal::ZERO,
                        price: None,
                    },
                );
                e.order_id = q.order_id.unwrap_or(0);
                out.push(e);
            }
        }
    }

    // ---- client ids -------------------------------------------------------------

    fn id_used(&self, h: KeyHash, owner: OwnerId, cl: &ClOrdId) -> bool {
        self.client_ids.get_hashed(h, owner, cl).is_some()
    }

    fn id_lookup(&self, owner: OwnerId, cl: &ClOrdId) -> Option<OrderId> {
        self.client_ids.get(owner, cl).filter(|id| *id != 0)
    }

    /// Record a client id that `id_used` just reported unused.
    fn id_record(&mut self, h: KeyHash, owner: OwnerId, cl: &ClOrdId, order: OrderId) {
        self.client_ids.insert_new(h, owner, cl, order);
    }

    // ---- events -----------------------------------------------------------------

    fn next_exec(&mut self) -> u64 {
        let e = self.next_exec_id;
        self.next_exec_id += 1;
        e
    }

    /// An order's event: plain copies of its integers (no formatting here).
    #[inline]
    fn order_event(&self, h: u32, kind: EventKind, exec_id: u64) -> Event {
        let o = &self.orders[h];
        Event {
            seq: self.last_seq,
            timestamp_nanos: self.last_ts,
            route: 0,
            order_id: o.id,
            exec_id,
            owner: o.owner,
            kind,
            side: o.side,
            ord_type: o.ord_type,
            tif: o.tif,
            status: o.status,
            cl_ord_id: o.cl_ord_id.clone(),
            orig_cl_ord_id: o.orig_cl_ord_id.clone(),
            subject: Subject::Order {
                instrument: o.instrument,
                account: o.account,
            },
            order_lots: o.qty,
            price_ticks: o.price,
            cum_lots: o.cum,
            leaves_lots: o.leaves(),
            last_lots: 0,
            last_ticks: 0,
            cum_notional: o.cum_notional,
            fee_minor: 0,
        }
    }

    /// The event of a refused request that names no order: the request's own fields.
    fn request_event(
        &self,
        owner: OwnerId,
        kind: EventKind,
        cl_ord_id: ClOrdId,
        side: Side,
        echo: Echo,
    ) -> Event {
        Event {
            seq: self.last_seq,
            timestamp_nanos: self.last_ts,
            route: 0,
            order_id: 0,
            exec_id: 0,
            owner,
            kind,
            side,
            ord_type: OrdType::Limit,
            tif: Tif::Day,
            status: OrdStatus::Rejected,
            cl_ord_id,
            orig_cl_ord_id: None,
            subject: Subject::Request(Box::new(echo)),
            order_lots: 0,
            price_ticks: 0,
            cum_lots: 0,
            leaves_lots: 0,
            last_lots: 0,
            last_ticks: 0,
            cum_notional: 0,
            fee_minor: 0,
        }
    }

    /// Append an order's event (with the next exec id) to `out`; returns it for the
    /// caller's additions.
    #[inline]
    fn emit<'a>(&mut self, h: u32, kind: EventKind, out: &'a mut Vec<Event>) -> &'a mut Event {
        let x = self.next_exec();
        in_place::push(out, || self.order_event(h, kind, x))
    }

    fn reject_new(&mut self, c: &NewOrder, reason: RejectReason, out: &mut Vec<Event>) {
        let exec_id = self.next_exec();
        let echo = Echo {
            symbol: c.symbol.clone(),
            account: c.account.clone(),
            qty: c.qty,
            price: c.price,
        };
        let kind = EventKind::Rejected { reason };
        let mut e = self.request_event(c.owner, kind, c.cl_ord_id.clone(), c.side, echo);
        e.exec_id = exec_id;
        e.ord_type = c.ord_type;
        e.tif = c.tif;
        out.push(e);
    }

    /// Refuses a cancel or replace: the request's own client id is used up
    /// (unless it was the duplicate), and the owner gets an OrderCancelReject.
    #[allow(clippy::too_many_arguments)]
    fn cancel_reject(
        &mut self,
        hk: KeyHash,
        owner: OwnerId,
        cl: &ClOrdId,
        orig: &ClOrdId,
        symbol: &Arc<str>,
        side: Side,
        order: Option<u32>,
        reason: RejectReason,
        response_to: ResponseTo,
        out: &mut Vec<Event>,
    ) {
        if reason != RejectReason::DuplicateClOrdId {
            self.id_record(hk, owner, cl, 0);
        }
        let kind = EventKind::CancelRejected {
            reason,
            response_to,
        };
        let mut e = match order {
            Some(h) => self.order_event(h, kind, 0),
            None => {
                let echo = Echo {
                    symbol: symbol.clone(),
                    account: None,
                    qty: Decimal::ZERO,
                    price: None,
                };
                self.request_event(owner, kind, cl.clone(), side, echo)
            }
        };
        e.owner = owner;
        e.cl_ord_id = cl.clone();
        e.orig_cl_ord_id = Some(orig.clone());
        out.push(e);
    }

    // ---- new order ----------------------------------------------------------------

    fn new_order(
        &mut self,
        c: &NewOrder,
        hk: KeyHash,
        instrument: Option<u32>,
        terms: Result<NewTerms, RejectReason>,
        out: &mut Vec<Event>,
    ) {
        let Some(ii) = instrument else {
            // The refused order still uses up its client id for the day.
            if !self.id_used(hk, c.owner, &c.cl_ord_id) {
                self.id_record(hk, c.owner, &c.cl_ord_id, 0);
            }
            return self.reject_new(c, RejectReason::UnknownSymbol, out);
        };
        if self.id_used(hk, c.owner, &c.cl_ord_id) {
            return self.reject_new(c, RejectReason::DuplicateClOrdId, out);
        }
        let k = match terms.and_then(|k| self.check_funds(k)) {
            Ok(k) => k,
            Err(r) => {
                // A refused request still uses up its client id for the day.
                self.id_record(hk, c.owner, &c.cl_ord_id, 0);
                return self.reject_new(c, r, out);
            }
        };
        let id = self.next_order_id;
        self.next_order_id += 1;
        self.ledger.at_mut(k.account, k.hold_asset).hold += k.lots as i128 * k.hold_per_lot;
        let h = self.orders.insert(|| Order {
            id,
            owner: c.owner,
            account: k.account,
            instrument: ii,
            cl_ord_id: c.cl_ord_id.clone(),
            orig_cl_ord_id: None,
            side: c.side,
            ord_type: c.ord_type,
            tif: c.tif,
            price: k.price,
            qty: k.lots,
            cum: 0,
            cum_notional: 0,
            status: OrdStatus::New,
            hold_per_lot: k.hold_per_lot,
        });
        self.id_record(hk, c.owner, &c.cl_ord_id, id);
        self.live_ids.insert(h, hk.0);
        self.emit(h, EventKind::Accepted, out);
        self.execute(h, out);
    }

    /// The last check of a new order, the one that needs the funds.
    fn check_funds(&self, k: NewTerms) -> Result<NewTerms, RejectReason> {
        let available = self.ledger.at(k.account, k.hold_asset).available();
        let insufficient = if k.hold_per_lot == 0 {
            available <= 0
        } else {
            (k.lots as i128).saturating_mul(k.hold_per_lot) > available
        };
        if insufficient {
            return Err(RejectReason::InsufficientFunds);
        }
        Ok(k)
    }

    /// Match an accepted (or re-priced) order, then rest it or cancel its remainder.
    fn execute(&mut self, h: u32, out: &mut Vec<Event>) {
        if self.orders[h].tif == Tif::Fok && !self.fok_fillable(h) {
            return self.close(h, OrdStatus::Canceled, CancelCause::FokUnfilled, out);
        }
        let end = self.match_aggressor(h, out);
        let o = &self.orders[h];
        if !o.live() {
            return;
        }
        let cause = match end {
            MatchEnd::Filled => return,
            MatchEnd::SelfTrade => CancelCause::SelfTrade,
            MatchEnd::FundsExhausted => CancelCause::FundsExhausted,
            MatchEnd::NoMore => {
                if o.ord_type == OrdType::Limit && matches!(o.tif, Tif::Day | Tif::Gtc) {
                    let ii = o.instrument as usize;
                    self.books[ii].push_back(&mut self.orders, h);
                    return;
                }
                CancelCause::Unfilled
            }
        };
        self.close(h, OrdStatus::Canceled, cause, out)
    }

    /// The asset an order's hold is in: the quote asset for a buy, the base for a sell.
    pub(crate) fn hold_asset_of(&self, o: &Order) -> u32 {
        let inst = &self.prep.instruments[o.instrument as usize];
        match o.side {
            Side::Buy => inst.quote,
            Side::Sell => inst.base,
        }
    }

    fn hold_asset(&self, h: u32) -> u32 {
        self.hold_asset_of(&self.orders[h])
    }

    /// End a live order that is not in the book: release its hold, set status, emit.
    fn close(&mut self, h: u32, status: OrdStatus, cause: CancelCause, out: &mut Vec<Event>) {
        debug_assert!(
            self.orders.link(h)
                == Link {
                    prev: NIL,
                    next: NIL
                }
        );
        let asset = self.hold_asset(h);
        let o = &mut self.orders[h];
        debug_assert!(o.live());
        let held = o.hold();
        self.ledger.at_mut(o.account, asset).hold -= held;
        o.status = status;
        self.retire.push(h);
        let kind = if status == OrdStatus::Expired {
            EventKind::Expired
        } else {
            EventKind::Canceled { cause }
        };
        self.emit(h, kind, out);
    }

    fn crosses(side: Side, limit: i64, px: i64) -> bool {
        match side {
            Side::Buy => px <= limit,
            Side::Sell => px >= limit,
        }
    }

    /// Cost of `q` lots at `unit` quote minor units per lot for a taker at `rate`.
    fn taker_cost(q: i64, unit: i128, rate: i64) -> i128 {
        let n = q as i128 * unit;
        n + fee(n, rate)
    }

    /// Most lots (≤ `want`) whose taker cost fits in `budget`.
    fn affordable(want: i64, unit: i128, rate: i64, budget: i128) -> i64 {
        if budget <= 0 {
            return 0;
        }
        // cost(q) ≥ q·unit·(1 + rate), so this bound is never too small.
        let bound = budget.saturating_mul(RATE_ONE) / (unit * (RATE_ONE + rate as i128));
        let mut q = (bound.min(want as i128)) as i64;
        while q > 0 && Self::taker_cost(q, unit, rate) > budget {
            q -= 1;
        }
        q
    }

    /// Whether a FOK order would fill in full now (self-trades per STP, funds for a market buy).
    fn fok_fillable(&self, h: u32) -> bool {
        let o = &self.orders[h];
        let inst = &self.prep.instruments[o.instrument as usize];
        let acct = &self.accounts[o.account as usize];
        let mkt_buy = o.side == Side::Buy && o.ord_type == OrdType::Market;
        let mut budget = if mkt_buy {
            self.ledger.at(o.account, inst.quote).available()
        } else {
            i128::MAX
        };
        let mut need = o.qty - o.cum;
        for (px, level) in self.books[o.instrument as usize].levels(o.side.opposite()) {
            if o.ord_type == OrdType::Limit && !Self::crosses(o.side, o.price, px) {
                break;
            }
            let mut r = level.head;
            while r != NIL {
                let ro = &self.orders[r];
                r = self.orders.link(r).next;
                if ro.account == o.account {
                    if acct.stp == StpMode::CancelResting {
                        continue;
                    }
                    return false;
                }
                let q = need.min(ro.leaves());
                if mkt_buy {
                    let cost =
                        Self::taker_cost(q, px as i128 * inst.notional_unit, acct.taker_rate);
                    if cost > budget {
                        return false;
                    }
                    budget -= cost;
                }
                need -= q;
                if need == 0 {
                    return true;
                }
            }
        }
        false
    }

    fn match_aggressor(&mut self, h: u32, out: &mut Vec<Event>) -> MatchEnd {
        let (ii, side, limit, acct, mkt_buy) = {
            let o = &self.orders[h];
            (
                o.instrument as usize,
                o.side,
                (o.ord_type == OrdType::Limit).then_some(o.price),
                o.account,
                o.side == Side::Buy && o.ord_type == OrdType::Market,
            )
        };
        let nu = self.prep.instruments[ii].notional_unit;
        let mut budget = if mkt_buy {
            self.ledger
                .at(acct, self.prep.instruments[ii].quote)
                .available()
        } else {
            0
        };
        loop {
            let leaves = self.orders[h].qty - self.orders[h].cum;
            if leaves == 0 {
                return MatchEnd::Filled;
            }
            // The price decides most orders (passive ones): the queue is looked up after.
            let Some(px) = self.books[ii].best_price(side.opposite()) else {
                return MatchEnd::NoMore;
            };
            if limit.is_some_and(|l| !Self::crosses(side, l, px)) {
                return MatchEnd::NoMore;
            }
            let rh = self.books[ii].head(side.opposite(), px);
            // Read only now that the order trades or meets its own: most never do,
            // and the account's line is often out of cache.
            let a = &self.accounts[acct as usize];
            let (stp, taker_rate) = (a.stp, a.taker_rate);
            let r = &self.orders[rh];
            if r.account == acct {
                if stp != StpMode::CancelAggressor {
                    self.books[ii].remove(&mut self.orders, rh);
                    self.close(rh, OrdStatus::Canceled, CancelCause::SelfTrade, out);
                }
                if stp == StpMode::CancelResting {
                    continue;
                }
                return MatchEnd::SelfTrade;
            }
            let mut q = leaves.min(r.qty - r.cum);
            if mkt_buy {
                let unit = px as i128 * nu;
                q = Self::affordable(q, unit, taker_rate, budget);
                if q == 0 {
                    return MatchEnd::FundsExhausted;
                }
                budget -= Self::taker_cost(q, unit, taker_rate);
            }
            self.trade(h, rh, px, q, out);
        }
    }

    /// Settle one trade of `q` lots at `px` ticks between aggressor `ah` and resting `rh`.
    fn trade(&mut self, ah: u32, rh: u32, px: i64, q: i64, out: &mut Vec<Event>) {
        let (ii, a_side) = (self.orders[ah].instrument as usize, self.orders[ah].side);
        let inst = &self.prep.instruments[ii];
        let (base, quote) = (inst.base, inst.quote);
        let notional = px as i128 * q as i128 * inst.notional_unit;
        let base_amt = q as i128 * inst.lot_unit;
        let mut fees = [0i128; 2];
        for (k, (h, side)) in [(ah, a_side), (rh, a_side.opposite())]
            .into_iter()
            .enumerate()
        {
            let o = &mut self.orders[h];
            let (ai, a) = (o.account, &self.accounts[o.account as usize]);
            let f = fee(notional, if k == 0 { a.taker_rate } else { a.maker_rate });
            fees[k] = f;
            let released = q as i128 * o.hold_per_lot;
            let l = &mut self.ledger;
            match side {
                Side::Buy => {
                    let qf = l.at_mut(ai, quote);
                    qf.balance -= notional + f;
                    qf.hold -= released;
                    l.at_mut(ai, base).balance += base_amt;
                }
                Side::Sell => {
                    let bf = l.at_mut(ai, base);
                    bf.balance -= base_amt;
                    bf.hold -= released;
                    l.at_mut(ai, quote).balance += notional - f;
                }
            }
            o.cum += q;
            o.cum_notional += px as i128 * q as i128;
            o.status = if o.cum == o.qty {
                self.retire.push(h);
                OrdStatus::Filled
            } else {
                OrdStatus::PartiallyFilled
            };
        }
        self.fees[quote as usize] += fees[0] + fees[1];
        if self.orders[rh].status == OrdStatus::Filled {
            self.books[ii].remove(&mut self.orders, rh);
        }
        let trade_id = self.next_trade_id;
        self.next_trade_id += 1;
        for (k, (h, liquidity)) in [(ah, Liquidity::Taker), (rh, Liquidity::Maker)]
            .into_iter()
            .enumerate()
        {
            let kind = EventKind::Fill {
                liquidity,
                trade_id,
            };
            let e = self.emit(h, kind, out);
            e.last_lots = q;
            e.last_ticks = px;
            e.fee_minor = fees[k];
        }
    }

    // ---- cancel / replace -------------------------------------------------------

    /// The order `cl` (hashed as `hk`) names: a live order's latest id from the
    /// small live index, anything else (older ids of a chain, done orders) from the
    /// day's table.
    fn find(&self, hk: KeyHash, owner: OwnerId, cl: &ClOrdId) -> Option<u32> {
        self.find_live(hk, owner, cl).or_else(|| {
            self.client_ids
                .get_hashed(hk, owner, cl)
                .filter(|id| *id != 0)
                .and_then(|id| self.orders.handle(id))
        })
    }

    fn find_live(&self, hk: KeyHash, owner: OwnerId, cl: &ClOrdId) -> Option<u32> {
        self.live_ids.find(hk.0, |h| {
            let o = &self.orders[h];
            o.owner == owner && o.cl_ord_id == *cl
        })
    }

    /// The order a cancel or replace names: it must exist, be in the request's
    /// instrument (`None`: an unknown symbol) and on its side, be live, and `orig`
    /// must be its latest client id.
    fn check_target(
        &self,
        h: Option<u32>,
        orig: &ClOrdId,
        instrument: Option<u32>,
        side: Side,
    ) -> Result<u32, RejectReason> {
        let h = h.ok_or(RejectReason::UnknownOrder)?;
        let o = &self.orders[h];
        if Some(o.instrument) != instrument {
            return Err(RejectReason::SymbolMismatch);
        }
        if o.side != side {
            return Err(RejectReason::SideMismatch);
        }
        if !o.live() {
            return Err(RejectReason::TooLateToCancel);
        }
        if o.cl_ord_id != *orig {
            return Err(RejectReason::NotLatestClOrdId);
        }
        Ok(h)
    }

    fn cancel(
        &mut self,
        c: &Cancel,
        hk: KeyHash,
        orig: KeyHash,
        instrument: Option<u32>,
        out: &mut Vec<Event>,
    ) {
        // The duplicate check goes first so its table miss overlaps the target's.
        let dup = self.id_used(hk, c.owner, &c.cl_ord_id);
        let found = self.find(orig, c.owner, &c.orig_cl_ord_id);
        let res = if dup {
            Err(RejectReason::DuplicateClOrdId)
        } else {
            self.check_target(found, &c.orig_cl_ord_id, instrument, c.side)
        };
        let h = match res {
            Ok(h) => h,
            Err(r) => {
                return self.cancel_reject(
                    hk,
                    c.owner,
                    &c.cl_ord_id,
                    &c.orig_cl_ord_id,
                    &c.symbol,
                    c.side,
                    found,
                    r,
                    ResponseTo::Cancel,
                    out,
                );
            }
        };
        let id = self.orders[h].id;
        self.id_record(hk, c.owner, &c.cl_ord_id, id);
        let ii = self.orders[h].instrument as usize;
        self.books[ii].remove(&mut self.orders, h);
        // The order ends here: it is not re-keyed under the new id, and retiring it
        // (after this command) takes it out of the live index.
        let o = &mut self.orders[h];
        o.orig_cl_ord_id = Some(std::mem::replace(&mut o.cl_ord_id, c.cl_ord_id.clone()));
        self.close(h, OrdStatus::Canceled, CancelCause::Requested, out);
    }

    /// Give a live order its new latest client id `cl` (hashed as `hk`).
    fn rename(&mut self, h: u32, hk: KeyHash, cl: &ClOrdId) {
        let o = &mut self.orders[h];
        o.orig_cl_ord_id = Some(std::mem::replace(&mut o.cl_ord_id, cl.clone()));
        self.live_ids.remove(h);
        self.live_ids.insert(h, hk.0);
    }

    /// Validate a replace (`price` and `lots` as prepared in the request's
    /// instrument); returns (handle, price, lots, hold per lot).
    fn check_replace(
        &self,
        c: &Replace,
        instrument: Option<u32>,
        dup: bool,
        found: Option<u32>,
        price: Option<Result<i64, RejectReason>>,
        lots: Result<i64, RejectReason>,
    ) -> Result<(u32, i64, i64, i128), RejectReason> {
        if dup {
            return Err(RejectReason::DuplicateClOrdId);
        }
        let h = self.check_target(found, &c.orig_cl_ord_id, instrument, c.side)?;
        let o = &self.orders[h];
        let inst = &self.prep.instruments[o.instrument as usize];
        let price = match price {
            None => o.price,
            Some(p) => p?,
        };
        let lots = lots?;
        check_notional(inst, price, lots)?;
        let hpl = match o.side {
            Side::Buy => self
                .prep
                .buy_hold_per_lot(o.account, price, inst.notional_unit),
            Side::Sell => inst.lot_unit,
        };
        let new_leaves = (lots - o.cum).max(0) as i128;
        let available = self.ledger.at(o.account, self.hold_asset(h)).available();
        if new_leaves.saturating_mul(hpl) > available + o.hold() {
            return Err(RejectReason::InsufficientFunds);
        }
        Ok((h, price, lots, hpl))
    }

    fn replace(
        &mut self,
        c: &Replace,
        (hk, orig, instrument): (KeyHash, KeyHash, Option<u32>),
        price: Option<Result<i64, RejectReason>>,
        lots: Result<i64, RejectReason>,
        out: &mut Vec<Event>,
    ) {
        // As in `cancel`: the duplicate check first, overlapping the target's miss.
        let dup = self.id_used(hk, c.owner, &c.cl_ord_id);
        let found = self.find(orig, c.owner, &c.orig_cl_ord_id);
        let (h, price, lots, hpl) = match self.check_replace(c, instrument, dup, found, price, lots)
        {
            Ok(v) => v,
            Err(r) => {
                return self.cancel_reject(
                    hk,
                    c.owner,
                    &c.cl_ord_id,
                    &c.orig_cl_ord_id,
                    &c.symbol,
                    c.side,
                    found,
                    r,
                    ResponseTo::Replace,
                    out,
                );
            }
        };
        let (id, ii) = (self.orders[h].id, self.orders[h].instrument as usize);
        self.id_record(hk, c.owner, &c.cl_ord_id, id);
        self.rename(h, hk, &c.cl_ord_id);
        let asset = self.hold_asset(h);
        let o = &mut self.orders[h];
        let (acct, old_hold) = (o.account, o.hold());
        // Time priority survives only a same-price reduction.
        let keep = price == o.price && lots <= o.qty && lots > o.cum;
        if keep {
            o.qty = lots;
            let new_hold = o.hold();
            self.ledger.at_mut(acct, asset).hold += new_hold - old_hold;
            self.emit(h, EventKind::Replaced, out).status = OrdStatus::Replaced;
            return;
        }
        self.books[ii].remove(&mut self.orders, h);
        self.ledger.at_mut(acct, asset).hold -= old_hold;
        let o = &mut self.orders[h];
        if lots <= o.cum {
            // Nothing left to trade: the order ends, filled at what it has.
            o.qty = o.cum;
            o.status = OrdStatus::Filled;
            self.retire.push(h);
            self.emit(h, EventKind::Replaced, out);
            return;
        }
        o.price = price;
        o.qty = lots;
        o.hold_per_lot = hpl;
        let new_hold = o.hold();
        self.ledger.at_mut(acct, asset).hold += new_hold;
        self.emit(h, EventKind::Replaced, out).status = OrdStatus::Replaced;
        self.execute(h, out);
    }

    // ---- end of day -------------------------------------------------------------

    fn end_of_day(&mut self, out: &mut Vec<Event>) {
        let mut day: Vec<(OrderId, u32)> = self
            .orders
            .live_slots()
            .filter(|(_, o)| o.live() && o.tif == Tif::Day)
            .map(|(h, o)| (o.id, h))
            .collect();
        day.sort_unstable();
        for (_, h) in day {
            let ii = self.orders[h].instrument as usize;
            self.books[ii].remove(&mut self.orders, h);
            self.close(h, OrdStatus::Expired, CancelCause::Requested, out);
        }
        // Forget the day: done orders and client ids not tied to a live order.
        self.retire_done();
        self.orders.purge_done();
        let orders = &self.orders;
        self.client_ids.retain(|id| orders.handle(id).is_some());
    }

    // ---- queries for tests and the gateway --------------------------------------

    fn asset_ix(&self, asset: &str) -> Option<usize> {
        self.assets.iter().position(|a| &*a.name == asset)
    }

    fn amount(&self, account: &str, asset: &str, f: impl Fn(&Funds) -> i128) -> Option<Decimal> {
        let a = *self.prep.account_ix.get(account)?;
        let ix = self.asset_ix(asset)?;
        let v = f(self.ledger.at(a, ix as u32));
        Decimal::try_from_i128_with_scale(v, self.assets[ix].precision).ok()
    }

    pub fn balance(&self, account: &str, asset: &str) -> Option<Decimal> {
        self.amount(account, asset, |f| f.balance)
    }

    pub fn held(&self, account: &str, asset: &str) -> Option<Decimal> {
        self.amount(account, asset, |f| f.hold)
    }

    pub fn available(&self, account: &str, asset: &str) -> Option<Decimal> {
        self.amount(account, asset, Funds::available)
    }

    pub fn fees_collected(&self, asset: &str) -> Option<Decimal> {
        let ix = self.asset_ix(asset)?;
        Decimal::try_from_i128_with_scale(self.fees[ix], self.assets[ix].precision).ok()
    }

    fn view(&self, h: u32) -> OrderView {
        let o = &self.orders[h];
        let inst = &self.prep.instruments[o.instrument as usize];
        OrderView {
            order_id: o.id,
            owner: o.owner,
            account: self.accounts[o.account as usize].name.clone(),
            cl_ord_id: o.cl_ord_id.clone(),
            orig_cl_ord_id: o.orig_cl_ord_id.clone(),
            symbol: inst.symbol.clone(),
            side: o.side,
            ord_type: o.ord_type,
            tif: o.tif,
            order_qty: inst.lot.decimal(o.qty),
            price: (o.ord_type == OrdType::Limit).then(|| inst.tick.decimal(o.price)),
            cum_qty: inst.lot.decimal(o.cum),
            leaves_qty: inst.lot.decimal(o.leaves()),
            avg_px: self.catalog.avg_px(o.instrument, o.cum_notional, o.cum),
            status: o.status,
        }
    }

    /// Today's order by any client id in its chain.
    pub fn order(&self, owner: OwnerId, cl_ord_id: &str) -> Option<OrderView> {
        let cl = ClOrdId::from(cl_ord_id);
        self.find(ClientIds::hash(owner, &cl), owner, &cl)
            .map(|h| self.view(h))
    }

    pub fn order_by_id(&self, id: OrderId) -> Option<OrderView> {
        self.orders.handle(id).map(|h| self.view(h))
    }

    /// Resting orders of one side of a book in priority order.
    pub fn book_side(&self, symbol: &str, side: Side) -> Vec<OrderView> {
        let Some(&ii) = self.prep.symbols.get(symbol) else {
            return Vec::new();
        };
        self.books[ii as usize]
            .queue(&self.orders, side)
            .into_iter()
            .map(|h| self.view(h))
            .collect()
    }

    pub fn best_price(&self, symbol: &str, side: Side) -> Option<Decimal> {
        let ii = *self.prep.symbols.get(symbol)? as usize;
        let (px, _) = self.books[ii].best(side)?;
        Some(self.prep.instruments[ii].tick.decimal(px))
    }

    /// Check every invariant; `Err` names the first broken one.
    pub fn check_invariants(&self) -> Result<(), String> {
        let na = self.assets.len();
        let mut need = vec![vec![0i128; na]; self.accounts.len()];
        let mut live = 0usize;
        for (_, o) in self.orders.iter() {
            if o.live() {
                live += 1;
                let asset = self.hold_asset_of(o);
                need[o.account as usize][asset as usize] += o.hold();
                if self.id_lookup(o.owner, &o.cl_ord_id) != Some(o.id) {
                    return Err(format!("order {} not found by its client id", o.id));
                }
                let hk = ClientIds::hash(o.owner, &o.cl_ord_id);
                if self.find_live(hk, o.owner, &o.cl_ord_id) != self.orders.handle(o.id) {
                    return Err(format!("order {} not in the live index", o.id));
                }
            }
        }
        let mut resting = 0usize;
        for (ii, b) in self.books.iter().enumerate() {
            for side in [Side::Buy, Side::Sell] {
                for (px, l) in b.levels(side) {
                    let mut h = l.head;
                    let mut prev = NIL;
                    while h != NIL {
                        let o = &self.orders[h];
                        if !o.live()
                            || o.side != side
                            || o.price != px
                            || o.instrument as usize != ii
                            || self.orders.link(h).prev != prev
                            || o.ord_type != OrdType::Limit
                        {
                            return Err(format!("book entry for order {} is inconsistent", o.id));
                        }
                        resting += 1;
                        prev = h;
                        h = self.orders.link(h).next;
                    }
                    if prev != l.tail {
                        return Err("level tail mismatch".into());
                    }
                }
            }
            if let (Some((b, _)), Some((a, _))) = (b.best(Side::Buy), b.best(Side::Sell)) {
                if b >= a {
                    return Err(format!("book {ii} is crossed: {b} >= {a}"));
                }
            }
        }
        if resting != live {
            return Err(format!("{live} live orders but {resting} resting"));
        }
        if self.live_ids.len() != live {
            return Err(format!(
                "{live} live orders but {} in the live index",
                self.live_ids.len()
            ));
        }
        let mut sum = self.fees.clone();
        for (ai, a) in self.accounts.iter().enumerate() {
            for x in 0..na {
                let Funds { balance, hold } = *self.ledger.at(ai as u32, x as u32);
                if balance < 0 {
                    return Err(format!("account {} asset {x} balance below zero", a.name));
                }
                if hold != need[ai][x] {
                    return Err(format!(
                        "account {} asset {x}: hold {} but open orders need {}",
                        a.name, hold, need[ai][x]
                    ));
                }
                if balance - hold < 0 {
                    return Err(format!(
                        "account {} asset {x}: available below zero",
                        a.name
                    ));
                }
                sum[x] += balance;
            }
        }
        if sum != self.totals {
            return Err(format!("conservation broken: {sum:?} != {:?}", self.totals));
        }
        Ok(())
    }
}
