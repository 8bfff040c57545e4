//! Commands in, events out: the engine's public vocabulary.

use std::sync::Arc;

use rust_decimal::Decimal;

pub use crate::clid::ClOrdId;

/// Identifies an order-entry owner (a FIX session).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct OwnerId(pub u32);

/// Opaque tag of the requester's route, echoed on every event a command causes.
pub type RouteTag = u64;

/// Engine-assigned order id (unique, never reused; FIX OrderID as a decimal string).
pub type OrderId = u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrdType {
    Limit,
    Market,
}

/// Time in force. Market orders never rest: Day/Gtc market orders behave as Ioc.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Tif {
    #[default]
    Day,
    Gtc,
    Ioc,
    Fok,
}

/// Self-trade prevention, per account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum StpMode {
    /// Cancel the resting order and keep matching (default).
    #[default]
    CancelResting,
    /// Cancel the rest of the aggressor.
    CancelAggressor,
    /// Cancel both.
    CancelBoth,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrdStatus {
    New,
    PartiallyFilled,
    Filled,
    Canceled,
    Replaced,
    Rejected,
    Expired,
}

impl OrdStatus {
    /// FIX 4.2 OrdStatus (tag 39).
    pub fn fix_char(self) -> char {
        match self {
            OrdStatus::New => '0',
            OrdStatus::PartiallyFilled => '1',
            OrdStatus::Filled => '2',
            OrdStatus::Canceled => '4',
            OrdStatus::Replaced => '5',
            OrdStatus::Rejected => '8',
            OrdStatus::Expired => 'C',
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOrder {
    pub owner: OwnerId,
    pub cl_ord_id: ClOrdId,
    /// `None` = the owner's default account.
    pub account: Option<Arc<str>>,
    pub symbol: Arc<str>,
    pub side: Side,
    pub ord_type: OrdType,
    pub tif: Tif,
    pub qty: Decimal,
    pub price: Option<Decimal>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cancel {
    pub owner: OwnerId,
    /// The request's own (new) client id.
    pub cl_ord_id: ClOrdId,
    /// Any client id in the order's chain.
    pub orig_cl_ord_id: ClOrdId,
    pub symbol: Arc<str>,
    pub side: Side,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replace {
    pub owner: OwnerId,
    pub cl_ord_id: ClOrdId,
    /// Must be the order's latest client id.
    pub orig_cl_ord_id: ClOrdId,
    pub symbol: Arc<str>,
    pub side: Side,
    /// New total order quantity (FIX OrderQty), including what already filled.
    pub qty: Decimal,
    /// `None` keeps the current price.
    pub price: Option<Decimal>,
}

/// Read-only query; never journaled, never consumes a sequence number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusQuery {
    pub owner: OwnerId,
    pub cl_ord_id: Option<ClOrdId>,
    pub order_id: Option<OrderId>,
    /// The request's Symbol and Side, echoed when the order is unknown.
    /// (Queries are never journaled, so the journal codec ignores them.)
    pub symbol: Option<Arc<str>>,
    pub side: Option<Side>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    New(NewOrder),
    Cancel(Cancel),
    Replace(Replace),
    Status(StatusQuery),
    /// End of the trading day: expire Day orders, forget the day's client ids and done orders.
    EndOfDay,
}

impl Command {
    /// Whether the command changes state and so goes to the journal.
    pub fn is_journaled(&self) -> bool {
        !matches!(self, Command::Status(_))
    }

    pub fn owner(&self) -> Option<OwnerId> {
        match self {
            Command::New(c) => Some(c.owner),
            Command::Cancel(c) => Some(c.owner),
            Command::Replace(c) => Some(c.owner),
            Command::Status(c) => Some(c.owner),
            Command::EndOfDay => None,
        }
    }
}

/// Why a command was refused, ordered by precedence: when several checks fail, the
/// first in this order is reported (checks run in this order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectReason {
    UnknownSymbol,
    DuplicateClOrdId,
    UnknownAccount,
    AccountNotAllowed,
    UnknownOrder,
    SymbolMismatch,
    SideMismatch,
    TooLateToCancel,
    NotLatestClOrdId,
    MissingPrice,
    UnexpectedPrice,
    InvalidPrice,
    PriceOffTick,
    InvalidQty,
    QtyOffLot,
    BelowMinQty,
    AboveMaxQty,
    AboveMaxNotional,
    InsufficientFunds,
}

impl RejectReason {
    pub fn text(self) -> &'static str {
        match self {
            RejectReason::UnknownSymbol => "unknown symbol",
            RejectReason::DuplicateClOrdId => "duplicate ClOrdID",
            RejectReason::UnknownAccount => "unknown account",
            RejectReason::AccountNotAllowed => "account not allowed for this session",
            RejectReason::UnknownOrder => "unknown order",
            RejectReason::SymbolMismatch => "symbol does not match the order",
            RejectReason::SideMismatch => "side does not match the order",
            RejectReason::TooLateToCancel => "too late: order is done",
            RejectReason::NotLatestClOrdId => "OrigClOrdID is not the order's latest ClOrdID",
            RejectReason::MissingPrice => "limit order without price",
            RejectReason::UnexpectedPrice => "market order with price",
            RejectReason::InvalidPrice => "price must be positive",
            RejectReason::PriceOffTick => "price is not a multiple of the tick size",
            RejectReason::InvalidQty => "quantity must be positive",
            RejectReason::QtyOffLot => "quantity is not a multiple of the lot size",
            RejectReason::BelowMinQty => "quantity below minimum",
            RejectReason::AboveMaxQty => "quantity above maximum",
            RejectReason::AboveMaxNotional => "order value above maximum",
            RejectReason::InsufficientFunds => "insufficient available balance",
        }
    }

    /// FIX 4.2 OrdRejReason (tag 103): 0 broker option, 1 unknown symbol, 3 exceeds limit,
    /// 5 unknown order, 6 duplicate order.
    pub fn ord_rej_reason(self) -> u32 {
        match self {
            RejectReason::UnknownSymbol => 1,
            RejectReason::DuplicateClOrdId => 6,
            RejectReason::UnknownOrder => 5,
            RejectReason::AboveMaxQty
            | RejectReason::AboveMaxNotional
            | RejectReason::InsufficientFunds => 3,
            _ => 0,
        }
    }

    /// FIX 4.2 CxlRejReason (tag 102): 0 too late, 1 unknown order, 2 broker option.
    pub fn cxl_rej_reason(self) -> u32 {
        match self {
            RejectReason::TooLateToCancel => 0,
            RejectReason::UnknownOrder => 1,
            _ => 2,
        }
    }
}

impl std::fmt::Display for RejectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text())
    }
}

/// FIX CxlRejResponseTo (tag 434).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResponseTo {
    Cancel,
    Replace,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Liquidity {
    Maker,
    Taker,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CancelCause {
    /// A Cancel request.
    Requested,
    /// IOC or market remainder with nothing left to match.
    Unfilled,
    /// FOK that could not fill in full (no fills happened).
    FokUnfilled,
    /// Self-trade prevention.
    SelfTrade,
    /// A market buy whose available funds ran out.
    FundsExhausted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    Accepted,
    Rejected {
        reason: RejectReason,
    },
    /// One event per side of a trade; `trade_id` pairs them.
    Fill {
        liquidity: Liquidity,
        trade_id: u64,
    },
    Canceled {
        cause: CancelCause,
    },
    Replaced,
    CancelRejected {
        reason: RejectReason,
        response_to: ResponseTo,
    },
    Expired,
    /// Answer to a status query (not journaled; `seq` is the last applied sequence, `exec_id` 0).
    Status,
    /// Status query for an order the owner does not have.
    StatusRejected {
        reason: RejectReason,
    },
}

/// Everything the gateway needs for one ExecutionReport (or OrderCancelReject), in the
/// engine's integer units: quantities in lots, prices in ticks, fees in quote minor
/// units, the instrument and account as indices. [`Catalog`](crate::Catalog) turns
/// them into FIX values (`Event::order_qty(&catalog)` etc.), so the matcher thread
/// neither formats decimals nor copies names.
///
/// `exec_id` is venue-wide unique for journaled execution reports; it is 0 for
/// `CancelRejected` (FIX 35=9 has no ExecID) and for status answers.
/// `order_id` is 0 when no order exists (a rejected new order, an unknown order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Journal sequence of the command that caused the event.
    pub seq: u64,
    pub timestamp_nanos: i64,
    /// The causing command's route tag (set by the runner; 0 from bare `apply`).
    pub route: RouteTag,
    pub order_id: OrderId,
    pub exec_id: u64,
    /// The owner this report goes to (the requester, or the resting order's owner for its fills).
    pub owner: OwnerId,
    pub kind: EventKind,
    pub side: Side,
    pub ord_type: OrdType,
    pub tif: Tif,
    pub status: OrdStatus,
    pub cl_ord_id: ClOrdId,
    pub orig_cl_ord_id: Option<ClOrdId>,
    /// Whose numbers these are: an order's, or a refused request's (as sent).
    pub subject: Subject,
    /// Lots.
    pub order_lots: i64,
    /// Ticks; 0 for a market order.
    pub price_ticks: i64,
    /// Lots.
    pub cum_lots: i64,
    /// Lots.
    pub leaves_lots: i64,
    /// This fill's lots and ticks; 0 for other events.
    pub last_lots: i64,
    pub last_ticks: i64,
    /// Σ ticks × lots of the order's fills (the average price is this over `cum_qty`).
    pub cum_notional: i128,
    /// This side's fee for this fill, in the instrument's quote asset minor units.
    pub fee_minor: i128,
}

/// What an event's numbers describe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// An order on instrument `instrument` booked to account `account` (catalog indices).
    Order { instrument: u32, account: u32 },
    /// A refused request that names no order of the venue: its fields as sent
    /// (boxed: refusals are rare and should not grow every event).
    Request(Box<Echo>),
}

/// A refused request's own fields, echoed in its report. The integer fields of the
/// event are zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Echo {
    pub symbol: Arc<str>,
    pub account: Option<Arc<str>>,
    pub qty: Decimal,
    pub price: Option<Decimal>,
}

/// Current state of an order, for lookups and status answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderView {
    pub order_id: OrderId,
    pub owner: OwnerId,
    pub account: Arc<str>,
    pub cl_ord_id: ClOrdId,
    pub orig_cl_ord_id: Option<ClOrdId>,
    pub symbol: Arc<str>,
    pub side: Side,
    pub ord_type: OrdType,
    pub tif: Tif,
    pub order_qty: Decimal,
    pub price: Option<Decimal>,
    pub cum_qty: Decimal,
    pub leaves_qty: Decimal,
    pub avg_px: Decimal,
    pub status: OrdStatus,
}
