//! What a session hands application messages to.
//!
//! An [`Application`] sees each application message once it has passed
//! validation and sequencing, in sequence order, and answers with an
//! [`AppAction`]. Replies that come later (the venue's ExecutionReports)
//! reach the session through [`crate::session::Session::send_app`].

use std::collections::HashSet;

use fix_codec::{dictionary::Dictionary, tags, Message};

/// A reply the session frames and sends: MsgType, extra header fields (in
/// any order; the session sorts them among its own) and body fields already
/// encoded as `tag=value SOH`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outgoing {
    pub msg_type: Vec<u8>,
    pub header: Vec<(i32, Vec<u8>)>,
    pub body: Vec<u8>,
}

/// BusinessMessageReject(j) content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessReject {
    /// BusinessRejectReason(380): 3 = unsupported message type, 5 =
    /// conditionally required field missing, 0 = other.
    pub reason: u32,
    pub text: String,
    pub ref_id: Option<String>,
}

impl BusinessReject {
    pub fn unsupported_message_type() -> Self {
        BusinessReject {
            reason: 3,
            text: "Unsupported Message Type".into(),
            ref_id: None,
        }
    }
}

/// What the application did with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppAction {
    /// Taken; replies, if any, come later through `send_app`.
    Accepted,
    /// Send these replies now, in order.
    Reply(Vec<Outgoing>),
    /// Refuse with a BusinessMessageReject.
    Reject(BusinessReject),
}

pub trait Application: Send {
    fn on_logon(&mut self) {}
    fn on_logout(&mut self) {}
    /// QuickFIX's name for "an application message arrived".
    #[allow(clippy::wrong_self_convention)]
    fn from_app(&mut self, msg: &Message, dict: &Dictionary) -> AppAction;
    /// Whether a command went to the engine since the last call (the
    /// driver then briefly waits for its reports).
    fn take_submitted(&mut self) -> bool {
        false
    }
}

/// QuickFIX's acceptance-test application: echoes NewOrderSingle,
/// SecurityDefinition and Email with only the header rebuilt; a PossResend
/// order whose ClOrdID it has seen is dropped; anything else gets a
/// BusinessMessageReject.
#[derive(Debug, Default)]
pub struct EchoApp {
    cl_ord_ids: HashSet<Vec<u8>>,
}

impl Application for EchoApp {
    fn on_logout(&mut self) {
        self.cl_ord_ids.clear();
    }

    fn from_app(&mut self, msg: &Message, dict: &Dictionary) -> AppAction {
        match msg.msg_type() {
            b"D" => {
                let cl = msg.get(tags::CL_ORD_ID).unwrap_or_default().to_vec();
                let poss_resend = msg.get_bool(tags::POSS_RESEND) == Some(true);
                if !self.cl_ord_ids.insert(cl) && poss_resend {
                    return AppAction::Accepted;
                }
                AppAction::Reply(vec![echo(msg, dict)])
            }
            b"d" | b"C" => AppAction::Reply(vec![echo(msg, dict)]),
            _ => AppAction::Reject(BusinessReject::unsupported_message_type()),
        }
    }
}

/// The message with its body in canonical order (top-level fields by tag,
/// each group's entries kept behind its count) and the inbound header fields
/// the session does not rebuild (34, 43, 49, 52, 56, 122 go).
pub fn echo(msg: &Message, dict: &Dictionary) -> Outgoing {
    let def = dict.message(msg.msg_type());
    let mut header = Vec::new();
    // Units of body: (tag, first field index, one past last).
    let mut units: Vec<(i32, usize, usize)> = Vec::new();
    let fields = msg.fields();
    let mut i = 0;
    while i < fields.len() {
        let f = &fields[i];
        let tag = f.tag_u32();
        match tag {
            Some(8 | 9 | 10 | 34 | 35 | 43 | 49 | 52 | 56 | 122) => {}
            Some(t) if dict.is_header_field(t) || dict.is_trailer_field(t) => {
                header.push((f.tag, msg.value(f).to_vec()));
            }
            _ => {
                let mut end = i + 1;
                if let (Some(t), Some(def)) = (tag, def) {
                    if def.group(t).is_some() {
                        if let Some(entries) = msg.group(dict, t) {
                            end += entries.iter().map(|e| e.len()).sum::<usize>();
                        }
                    }
                }
                units.push((f.tag, i, end));
                i = end;
                continue;
            }
        }
        i += 1;
    }
    units.sort_by_key(|u| u.0);
    let mut body = Vec::new();
    for (_, start, end) in units {
        for f in &fields[start..end] {
            append_field(&mut body, f.tag, msg.value(f));
        }
    }
    Outgoing {
        msg_type: msg.msg_type().to_vec(),
        header,
        body,
    }
}

/// Appends `tag=value SOH`.
pub fn append_field(out: &mut Vec<u8>, tag: i32, value: &[u8]) {
    let mut buf = itoa::Buffer::new();
    out.extend_from_slice(buf.format(tag).as_bytes());
    out.push(b'=');
    out.extend_from_slice(value);
    out.push(fix_codec::SOH);
}
