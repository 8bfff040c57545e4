//! Engine events as FIX: each [`Event`] becomes one ExecutionReport(8) or
//! OrderCancelReject(9) on its owner's session, following the Rules of
//! Engagement in spec/README.md.

use chrono::{DateTime, TimeZone, Utc};
use engine::{
    CancelCause, Catalog, Event, EventKind, OrdStatus, OrdType, RejectReason, ResponseTo, Side, Tif,
};
use fix_codec::messages::{status, ExecutionReport, FixMessage, OrderCancelReject};
use fix_codec::MessageBuilder;
use rust_decimal::Decimal;

use crate::venue_config::VenueFile;

pub fn side_fix(s: Side) -> u8 {
    match s {
        Side::Buy => b'1',
        Side::Sell => b'2',
    }
}

pub fn ord_type_fix(t: OrdType) -> u8 {
    match t {
        OrdType::Market => b'1',
        OrdType::Limit => b'2',
    }
}

pub fn tif_fix(t: Tif) -> u8 {
    match t {
        Tif::Day => b'0',
        Tif::Gtc => b'1',
        Tif::Ioc => b'3',
        Tif::Fok => b'4',
    }
}

/// OrdStatus as FIX 4.2 shows a live order: a replaced order is New or
/// PartiallyFilled by its quantities.
pub fn ord_status_fix(status: OrdStatus, cum_qty: Decimal) -> u8 {
    match status {
        OrdStatus::Replaced if cum_qty.is_zero() => status::NEW,
        OrdStatus::Replaced => status::PARTIALLY_FILLED,
        s => s.fix_char() as u8,
    }
}

fn order_id_text(id: u64, buf: &mut itoa::Buffer) -> &str {
    if id == 0 {
        "NONE"
    } else {
        buf.format(id)
    }
}

pub fn timestamp(nanos: i64) -> DateTime<Utc> {
    Utc.timestamp_nanos(nanos)
}

/// A refusal's text with what the client needs to fix it.
pub fn reject_text(reason: RejectReason, e: &Event, venue: &VenueFile, cat: &Catalog) -> String {
    let symbol = e.symbol(cat);
    let inst = venue.instrument(symbol);
    match (reason, inst) {
        (RejectReason::UnknownSymbol, _) => format!("Unknown symbol {}", symbol),
        (RejectReason::PriceOffTick, Some(i)) => format!(
            "Price {} is not a multiple of the tick size {} for {}",
            e.price(cat).unwrap_or_default(),
            i.tick_size,
            symbol
        ),
        (RejectReason::QtyOffLot, Some(i)) => {
            format!(
                "OrderQty {} is not a multiple of the lot size {} for {}",
                e.order_qty(cat),
                i.lot_size,
                symbol
            )
        }
        (RejectReason::BelowMinQty, Some(i)) => {
            format!(
                "OrderQty {} is below the minimum {} for {}",
                e.order_qty(cat),
                i.min_qty,
                symbol
            )
        }
        (RejectReason::AboveMaxQty, Some(i)) => {
            format!(
                "OrderQty {} is above the maximum {} for {}",
                e.order_qty(cat),
                i.max_qty,
                symbol
            )
        }
        (RejectReason::AboveMaxNotional, Some(i)) => format!(
            "Order value is above the maximum {} {} for {}",
            i.max_notional.unwrap_or_default(),
            i.quote_asset,
            symbol
        ),
        (RejectReason::InsufficientFunds, _) => match e.account(cat) {
            Some(a) => format!("Insufficient available funds in account {a} for this order"),
            None => {
                "Insufficient available funds in the session's account for this order".to_string()
            }
        },
        (RejectReason::DuplicateClOrdId, _) => {
            format!("Duplicate ClOrdID {} (already used today)", e.cl_ord_id)
        }
        (RejectReason::UnknownAccount, _) | (RejectReason::AccountNotAllowed, _) => format!(
            "Account {} is unknown or not allowed for this session",
            e.account(cat).unwrap_or("(none)")
        ),
        (RejectReason::UnknownOrder, _) => "Unknown order".to_string(),
        (r, _) => capitalized(r.text()),
    }
}

fn capitalized(t: &str) -> String {
    let mut s = t[..1].to_uppercase();
    s.push_str(&t[1..]);
    s
}

/// OrdRejReason(103) per the Rules of Engagement: 1 unknown symbol,
/// 3 exceeds limit (funds), 6 duplicate order, 0 broker option otherwise.
pub fn ord_rej_reason(reason: RejectReason) -> u32 {
    match reason {
        RejectReason::UnknownSymbol => 1,
        RejectReason::InsufficientFunds => 3,
        RejectReason::DuplicateClOrdId => 6,
        _ => 0,
    }
}

fn cancel_text(cause: CancelCause) -> Option<&'static str> {
    match cause {
        CancelCause::Requested => None,
        CancelCause::Unfilled => Some("Unfilled quantity canceled (IOC or market order)"),
        CancelCause::FokUnfilled => Some("Fill or kill order could not be filled in full"),
        CancelCause::SelfTrade => Some("Canceled by self-trade prevention"),
        CancelCause::FundsExhausted => Some("Market buy stopped: available funds exhausted"),
    }
}

/// The MsgType of the report for an event.
pub fn msg_type(e: &Event) -> &'static [u8] {
    match e.kind {
        EventKind::CancelRejected { .. } => OrderCancelReject::MSG_TYPE,
        _ => ExecutionReport::MSG_TYPE,
    }
}

/// The body of the report for one event (its MsgType is [`msg_type`]).
pub fn write_report(e: &Event, venue: &VenueFile, cat: &Catalog, b: &mut MessageBuilder) {
    let mut oid = itoa::Buffer::new();
    let mut eid = itoa::Buffer::new();
    let order_id = order_id_text(e.order_id, &mut oid);
    if let EventKind::CancelRejected {
        reason,
        response_to,
    } = e.kind
    {
        // The event carries the order's numbers, not the request's: say
        // what was wrong without quoting them.
        let text = match reason {
            RejectReason::UnknownOrder => "Unknown order".to_string(),
            RejectReason::TooLateToCancel => "Too late to cancel: the order is done".to_string(),
            r => capitalized(r.text()),
        };
        let ord_status = if e.order_id == 0 {
            status::REJECTED
        } else {
            ord_status_fix(e.status, e.cum_qty(cat))
        };
        OrderCancelReject {
            cl_ord_id: &e.cl_ord_id,
            order_id,
            ord_status,
            orig_cl_ord_id: e.orig_cl_ord_id.as_deref().unwrap_or(""),
            text: Some(&text),
            cxl_rej_reason: Some(reason.cxl_rej_reason()),
            cxl_rej_response_to: match response_to {
                ResponseTo::Cancel => b'1',
                ResponseTo::Replace => b'2',
            },
        }
        .write_body(b);
        return;
    }
    let mut text: Option<String> = None;
    let mut ord_rej_reason = None;
    let mut exec_trans_type = b'0';
    let ord_status = ord_status_fix(e.status, e.cum_qty(cat));
    let exec_type = match e.kind {
        EventKind::Accepted => status::NEW,
        EventKind::Fill { .. } => {
            if e.status == OrdStatus::Filled {
                status::FILLED
            } else {
                status::PARTIALLY_FILLED
            }
        }
        EventKind::Canceled { cause } => {
            text = cancel_text(cause).map(str::to_owned);
            status::CANCELED
        }
        EventKind::Replaced => status::REPLACED,
        EventKind::Expired => {
            text = Some("Day order expired at the end of the trading day".into());
            status::EXPIRED
        }
        EventKind::Rejected { reason } => {
            text = Some(reject_text(reason, e, venue, cat));
            ord_rej_reason = Some(self::ord_rej_reason(reason));
            status::REJECTED
        }
        EventKind::Status => {
            exec_trans_type = b'3';
            ord_status
        }
        EventKind::StatusRejected { .. } => {
            exec_trans_type = b'3';
            text = Some("Unknown order".into());
            status::REJECTED
        }
        EventKind::CancelRejected { .. } => unreachable!("handled above"),
    };
    let ord_status = match e.kind {
        EventKind::Rejected { .. } | EventKind::StatusRejected { .. } => status::REJECTED,
        _ => ord_status,
    };
    let fill = matches!(e.kind, EventKind::Fill { .. });
    // The engine keeps the instrument's scale; clients get plain numbers.
    let n = |d: Decimal| d.normalize();
    let exec_id = if e.exec_id == 0 {
        "0"
    } else {
        eid.format(e.exec_id)
    };
    ExecutionReport {
        account: e.account(cat),
        avg_px: n(e.avg_px(cat)),
        cl_ord_id: Some(&e.cl_ord_id),
        commission: fill.then(|| n(e.fee(cat))),
        comm_type: fill.then_some(b'3'),
        cum_qty: n(e.cum_qty(cat)),
        exec_id,
        exec_trans_type,
        last_px: fill.then(|| n(e.last_px(cat))),
        last_shares: fill.then(|| n(e.last_qty(cat))),
        order_id,
        order_qty: Some(n(e.order_qty(cat))),
        ord_status,
        ord_type: Some(ord_type_fix(e.ord_type)),
        orig_cl_ord_id: e.orig_cl_ord_id.as_deref(),
        price: if e.ord_type == OrdType::Limit {
            e.price(cat).map(n)
        } else {
            None
        },
        side: side_fix(e.side),
        symbol: e.symbol(cat),
        text: text.as_deref(),
        time_in_force: Some(tif_fix(e.tif)),
        transact_time: Some(timestamp(e.timestamp_nanos)),
        ord_rej_reason,
        exec_type,
        leaves_qty: n(e.leaves_qty(cat)),
    }
    .write_body(b);
}
