//! The venue application behind each FIX session: check an order message
//! against the Rules of Engagement, turn it into an engine command tagged
//! with the session's owner, and hand it to the engine. The answers come
//! back through the router. What the engine cannot express (a Side or
//! OrdType the venue does not trade, a missing OrderQty) is refused here at
//! once, with the same reports the engine would send.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::Utc;
use engine::{
    Cancel, Command, EngineHandle, NewOrder, OrdType, OwnerId, Replace, Side, StatusQuery,
    SubmitError, Tif,
};
use fix_codec::dictionary::Dictionary;
use fix_codec::messages::{
    status, ExecutionReport, FieldError, FixMessage, NewOrderSingle, OrderCancelReject,
    OrderCancelReplaceRequest, OrderCancelRequest, OrderStatusRequest,
};
use fix_codec::{tags, Message, MessageBuilder};

use crate::app::{AppAction, Application, BusinessReject, Outgoing};

/// ExecIDs of reports the gateway makes itself: `G<owner>-<n>`, distinct
/// from the engine's numeric ExecIDs.
static GATEWAY_EXEC_IDS: AtomicU64 = AtomicU64::new(0);

pub struct VenueApp {
    pub owner: OwnerId,
    pub engine: EngineHandle,
    /// Interned so that commands share one allocation per symbol.
    symbols: std::collections::HashMap<String, Arc<str>>,
    submitted: bool,
}

impl VenueApp {
    pub fn new(owner: OwnerId, engine: EngineHandle) -> Self {
        VenueApp {
            owner,
            engine,
            symbols: Default::default(),
            submitted: false,
        }
    }

    fn symbol(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.symbols.get(s) {
            return Arc::clone(a);
        }
        let a: Arc<str> = Arc::from(s);
        if self.symbols.len() < 10_000 {
            self.symbols.insert(s.to_owned(), Arc::clone(&a));
        }
        a
    }

    fn submit(&mut self, cmd: Command) -> Result<(), String> {
        self.submitted = true;
        match self.engine.submit(self.owner.0 as u64, cmd) {
            Ok(()) => Ok(()),
            // Back-pressure: wait for the engine rather than refuse.
            Err(SubmitError::Full(cmd)) => self
                .engine
                .submit_wait(self.owner.0 as u64, cmd)
                .map_err(|_| "Venue is shutting down".to_string()),
            Err(SubmitError::Closed(_)) => Err("Venue is shutting down".into()),
        }
    }

    fn new_order(&mut self, msg: &Message) -> AppAction {
        let o = match NewOrderSingle::parse(msg) {
            Ok(o) => o,
            Err(e) => return field_problem(msg, e),
        };
        let refuse = |text: &str| AppAction::Reply(vec![order_reject(&o, text)]);
        let Some(side) = fix_side(o.side) else {
            return refuse("Side must be 1 (buy) or 2 (sell)");
        };
        let ord_type = match o.ord_type {
            b'1' => OrdType::Market,
            b'2' => OrdType::Limit,
            _ => return refuse("OrdType must be 1 (market) or 2 (limit)"),
        };
        let tif = match o.time_in_force {
            None | Some(b'0') => Tif::Day,
            Some(b'1') => Tif::Gtc,
            Some(b'3') => Tif::Ioc,
            Some(b'4') => Tif::Fok,
            Some(_) => return refuse("TimeInForce must be 0 (day), 1 (GTC), 3 (IOC) or 4 (FOK)"),
        };
        let Some(qty) = o.order_qty else {
            return refuse("OrderQty(38) is required");
        };
        let cmd = Command::New(NewOrder {
            owner: self.owner,
            cl_ord_id: o.cl_ord_id.into(),
            account: o.account.map(Arc::from),
            symbol: self.symbol(o.symbol),
            side,
            ord_type,
            tif,
            qty,
            price: o.price,
        });
        match self.submit(cmd) {
            Ok(()) => AppAction::Accepted,
            Err(text) => refuse(&text),
        }
    }

    fn cancel(&mut self, msg: &Message) -> AppAction {
        let c = match OrderCancelRequest::parse(msg) {
            Ok(c) => c,
            Err(e) => return field_problem(msg, e),
        };
        let refuse = |text: &str| {
            AppAction::Reply(vec![cancel_reject(
                c.cl_ord_id,
                c.orig_cl_ord_id,
                b'1',
                text,
            )])
        };
        let Some(side) = fix_side(c.side) else {
            return refuse("Side must be 1 (buy) or 2 (sell)");
        };
        let cmd = Command::Cancel(Cancel {
            owner: self.owner,
            cl_ord_id: c.cl_ord_id.into(),
            orig_cl_ord_id: c.orig_cl_ord_id.into(),
            symbol: self.symbol(c.symbol),
            side,
        });
        match self.submit(cmd) {
            Ok(()) => AppAction::Accepted,
            Err(text) => refuse(&text),
        }
    }

    fn replace(&mut self, msg: &Message) -> AppAction {
        let r = match OrderCancelReplaceRequest::parse(msg) {
            Ok(r) => r,
            Err(e) => return field_problem(msg, e),
        };
        let refuse = |text: &str| {
            AppAction::Reply(vec![cancel_reject(
                r.cl_ord_id,
                r.orig_cl_ord_id,
                b'2',
                text,
            )])
        };
        let Some(side) = fix_side(r.side) else {
            return refuse("Side must be 1 (buy) or 2 (sell)");
        };
        let Some(qty) = r.order_qty else {
            return refuse("OrderQty(38) is required");
        };
        let cmd = Command::Replace(Replace {
            owner: self.owner,
            cl_ord_id: r.cl_ord_id.into(),
            orig_cl_ord_id: r.orig_cl_ord_id.into(),
            symbol: self.symbol(r.symbol),
            side,
            qty,
            price: r.price,
        });
        match self.submit(cmd) {
            Ok(()) => AppAction::Accepted,
            Err(text) => refuse(&text),
        }
    }

    fn status(&mut self, msg: &Message) -> AppAction {
        let q = match OrderStatusRequest::parse(msg) {
            Ok(q) => q,
            Err(e) => return field_problem(msg, e),
        };
        let order_id = q.order_id.and_then(|s| s.parse::<u64>().ok());
        if q.cl_ord_id.is_none() && order_id.is_none() {
            return AppAction::Reply(vec![outgoing(b"8", |b| unknown_status(&q, b))]);
        }
        let cmd = Command::Status(StatusQuery {
            owner: self.owner,
            cl_ord_id: q.cl_ord_id.map(Into::into),
            order_id,
            symbol: Some(self.symbol(q.symbol)),
            side: fix_side(q.side),
        });
        match self.submit(cmd) {
            Ok(()) => AppAction::Accepted,
            Err(_) => AppAction::Reply(vec![outgoing(b"8", |b| unknown_status(&q, b))]),
        }
    }
}

impl Application for VenueApp {
    fn take_submitted(&mut self) -> bool {
        std::mem::take(&mut self.submitted)
    }

    fn from_app(&mut self, msg: &Message, _dict: &Dictionary) -> AppAction {
        match msg.msg_type() {
            b"D" => self.new_order(msg),
            b"F" => self.cancel(msg),
            b"G" => self.replace(msg),
            b"H" => self.status(msg),
            _ => AppAction::Reject(BusinessReject::unsupported_message_type()),
        }
    }
}

fn fix_side(c: u8) -> Option<Side> {
    match c {
        b'1' => Some(Side::Buy),
        b'2' => Some(Side::Sell),
        _ => None,
    }
}

/// A field the order message needs is missing or malformed beyond what the
/// dictionary checks: BusinessMessageReject naming it.
fn field_problem(msg: &Message, e: FieldError) -> AppAction {
    let mut rej = BusinessReject {
        reason: if e.kind == fix_codec::messages::FieldErrorKind::Missing {
            5
        } else {
            0
        },
        text: format!(
            "Field {} is {}",
            e.tag,
            if e.kind == fix_codec::messages::FieldErrorKind::Missing {
                "required"
            } else {
                "invalid"
            }
        ),
        ref_id: None,
    };
    rej.ref_id = msg.get_str(tags::CL_ORD_ID).map(str::to_owned);
    AppAction::Reject(rej)
}

fn gateway_exec_id() -> String {
    format!(
        "G{}-{}",
        Utc::now().format("%Y%m%d%H%M%S"),
        GATEWAY_EXEC_IDS.fetch_add(1, Ordering::Relaxed) + 1
    )
}

fn outgoing(msg_type: &[u8], body: impl FnOnce(&mut MessageBuilder)) -> Outgoing {
    let mut b = MessageBuilder::new("");
    b.start_fields();
    body(&mut b);
    Outgoing {
        msg_type: msg_type.to_vec(),
        header: Vec::new(),
        body: b.fields().to_vec(),
    }
}

fn order_reject(o: &NewOrderSingle, text: &str) -> Outgoing {
    let exec_id = gateway_exec_id();
    outgoing(b"8", |b| {
        ExecutionReport {
            account: o.account,
            avg_px: rust_decimal::Decimal::ZERO,
            cl_ord_id: Some(o.cl_ord_id),
            commission: None,
            comm_type: None,
            cum_qty: rust_decimal::Decimal::ZERO,
            exec_id: &exec_id,
            exec_trans_type: b'0',
            last_px: None,
            last_shares: None,
            order_id: "NONE",
            order_qty: o.order_qty,
            ord_status: status::REJECTED,
            ord_type: Some(o.ord_type),
            orig_cl_ord_id: None,
            price: o.price,
            side: o.side,
            symbol: o.symbol,
            text: Some(text),
            time_in_force: o.time_in_force,
            transact_time: Some(Utc::now()),
            ord_rej_reason: Some(0),
            exec_type: status::REJECTED,
            leaves_qty: rust_decimal::Decimal::ZERO,
        }
        .write_body(b)
    })
}

fn cancel_reject(cl_ord_id: &str, orig: &str, response_to: u8, text: &str) -> Outgoing {
    outgoing(b"9", |b| {
        OrderCancelReject {
            cl_ord_id,
            order_id: "NONE",
            ord_status: status::REJECTED,
            orig_cl_ord_id: orig,
            text: Some(text),
            cxl_rej_reason: Some(2),
            cxl_rej_response_to: response_to,
        }
        .write_body(b)
    })
}

fn unknown_status(q: &OrderStatusRequest, b: &mut MessageBuilder) {
    ExecutionReport {
        account: None,
        avg_px: rust_decimal::Decimal::ZERO,
        cl_ord_id: q.cl_ord_id,
        commission: None,
        comm_type: None,
        cum_qty: rust_decimal::Decimal::ZERO,
        exec_id: "0",
        exec_trans_type: b'3',
        last_px: None,
        last_shares: None,
        order_id: q.order_id.unwrap_or("NONE"),
        order_qty: None,
        ord_status: status::REJECTED,
        ord_type: None,
        orig_cl_ord_id: None,
        price: None,
        side: q.side,
        symbol: q.symbol,
        text: Some("Unknown order"),
        time_in_force: None,
        transact_time: Some(Utc::now()),
        ord_rej_reason: None,
        exec_type: status::REJECTED,
        leaves_qty: rust_decimal::Decimal::ZERO,
    }
    .write_body(b)
}
