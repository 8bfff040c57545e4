//! QuickFIX-style settings file (`Key=Value`, `[DEFAULT]` / `[SESSION]` sections).
//!
//! Format rules:
//! * `#` or `;` at the start of a (trimmed) line is a comment; blank lines are ignored.
//!   Inline comments are NOT stripped (paths may contain `#`).
//! * Section names and keys are case-insensitive; values are trimmed.
//! * Each `[SESSION]` inherits every `[DEFAULT]` key (wherever `[DEFAULT]` appears) and may
//!   override it. At most one `[DEFAULT]` section; duplicate keys within a section are errors.
//! * Unknown keys are errors (with a "did you mean" hint). A few QuickFIX logging/socket keys
//!   (`FileLogPath`, `ScreenLog*`, `SocketNodelay`, ...) are accepted and ignored; they are
//!   reported in [`Settings::ignored_keys`] so the caller can warn.
//!
//! Design decisions / limitations:
//! * One acceptor endpoint: acceptor-level keys (port, address, store, ...) may be given in
//!   `[DEFAULT]` or in sessions, but every session's effective value must be identical.
//! * `SocketAcceptAddress` must be an IP literal (no host names). `SocketAcceptPort=0` is
//!   allowed (OS-assigned port, handy in tests).
//! * `TimeZone` accepts only UTC/GMT/Z or fixed offsets (`+02:00`, `-0500`, `UTC+01:00`);
//!   named zones (with DST rules) are rejected. `UseLocalTime=Y` is rejected.
//! * If `StartTime` and `EndTime` are both absent the session is always on (00:00:00-00:00:00,
//!   resetting daily at midnight UTC); giving only one of them is an error.
//! * Relative paths are kept as written (resolved against the process CWD, like QuickFIX).

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Utc, Weekday,
};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default acceptor configuration: 127.0.0.1:9878, two venue sessions.
pub const DEFAULT_SETTINGS: &str = "\
# fixvenue default acceptor configuration
[DEFAULT]
ConnectionType=acceptor
SocketAcceptAddress=127.0.0.1
SocketAcceptPort=9878
FileStorePath=data/store
FileStoreSync=N
UseDataDictionary=Y
StartTime=00:00:00
EndTime=00:00:00
ResetOnLogon=N
ResetOnLogout=N
ResetOnDisconnect=N
BeginString=FIX.4.2
SenderCompID=VENUE
Application=venue

[SESSION]
TargetCompID=CLIENT1
Account=ACC1
Accounts=ACC1,ACC3

[SESSION]
TargetCompID=CLIENT2
Account=ACC2
Accounts=ACC2,ACC4
";

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// A configuration error: `file:line: message` (or `file: message` when no line applies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl SettingsError {
    pub fn new(file: &str, line: Option<usize>, message: impl Into<String>) -> Self {
        SettingsError {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.file, l, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for SettingsError {}

pub type Result<T, E = SettingsError> = std::result::Result<T, E>;

// ---------------------------------------------------------------------------------------------
// Generic INI-ish parser (shared with venue_config)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniEntry {
    /// Key as written (case preserved).
    pub key: String,
    pub value: String,
    /// 1-based line number.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniSection {
    /// Upper-cased section name, e.g. `SESSION`.
    pub name: String,
    /// Line of the `[NAME]` header.
    pub line: usize,
    pub entries: Vec<IniEntry>,
}

/// Parse the raw structure: sections with `Key=Value` entries. Rejects keys outside a section,
/// malformed lines, empty keys/values and duplicate keys within one section.
pub fn parse_ini(text: &str, file: &str) -> Result<Vec<IniSection>> {
    let mut sections: Vec<IniSection> = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let line = idx + 1;
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        let err = |m: String| SettingsError::new(file, Some(line), m);
        if let Some(rest) = t.strip_prefix('[') {
            let name = rest
                .strip_suffix(']')
                .ok_or_else(|| err(format!("malformed section header '{t}'")))?
                .trim();
            if name.is_empty() {
                return Err(err("empty section name".into()));
            }
            sections.push(IniSection {
                name: name.to_ascii_uppercase(),
                line,
                entries: Vec::new(),
            });
            continue;
        }
        let (k, v) = t.split_once('=').ok_or_else(|| {
            err(format!(
                "expected 'Key=Value', '[SECTION]' or '# comment', got '{t}'"
            ))
        })?;
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty() {
            return Err(err("empty key".into()));
        }
        if v.is_empty() {
            return Err(err(format!("{k}: empty value")));
        }
        let sec = sections
            .last_mut()
            .ok_or_else(|| err(format!("key '{k}' outside of any section")))?;
        if let Some(prev) = sec.entries.iter().find(|e| e.key.eq_ignore_ascii_case(k)) {
            return Err(err(format!(
                "duplicate key '{k}' (already set on line {})",
                prev.line
            )));
        }
        sec.entries.push(IniEntry {
            key: k.to_string(),
            value: v.to_string(),
            line,
        });
    }
    Ok(sections)
}

/// "did you mean" hint for unknown keys.
pub(crate) fn suggest(key: &str, known: &[&str]) -> String {
    fn lev(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.to_ascii_lowercase().chars().collect();
        let b: Vec<char> = b.to_ascii_lowercase().chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for i in 1..=a.len() {
            let mut cur = vec![i; b.len() + 1];
            for j in 1..=b.len() {
                let c = usize::from(a[i - 1] != b[j - 1]);
                cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + c);
            }
            prev = cur;
        }
        prev[b.len()]
    }
    known
        .iter()
        .map(|k| (lev(key, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min()
        .map(|(_, k)| format!(" (did you mean '{k}'?)"))
        .unwrap_or_default()
}

/// Typed view of one (possibly merged) section. Errors name the entry's line, or the section
/// header line for missing keys.
pub(crate) struct Props<'a> {
    pub file: &'a str,
    pub section: &'a str,
    pub section_line: usize,
    pub entries: Vec<&'a IniEntry>,
}

impl<'a> Props<'a> {
    pub fn get(&self, key: &str) -> Option<&'a IniEntry> {
        self.entries
            .iter()
            .copied()
            .find(|e| e.key.eq_ignore_ascii_case(key))
    }

    pub fn err_at(&self, line: usize, msg: impl Into<String>) -> SettingsError {
        SettingsError::new(self.file, Some(line), msg)
    }

    pub fn required(&self, key: &str) -> Result<&'a IniEntry> {
        self.get(key).ok_or_else(|| {
            self.err_at(
                self.section_line,
                format!("[{}] is missing required key '{key}'", self.section),
            )
        })
    }

    /// Parse an optional value with `f`; on failure: `line: Key: <f's message>, got 'v'`.
    pub fn opt<T>(
        &self,
        key: &str,
        f: impl Fn(&str) -> std::result::Result<T, String>,
    ) -> Result<Option<T>> {
        match self.get(key) {
            None => Ok(None),
            Some(e) => f(&e.value)
                .map(Some)
                .map_err(|m| self.err_at(e.line, format!("{key}: {m}, got '{}'", e.value))),
        }
    }

    pub fn req<T>(
        &self,
        key: &str,
        f: impl Fn(&str) -> std::result::Result<T, String>,
    ) -> Result<T> {
        self.required(key)?;
        Ok(self.opt(key, f)?.expect("checked present"))
    }

    pub fn flag(&self, key: &str, default: bool) -> Result<bool> {
        Ok(self.opt(key, p_bool)?.unwrap_or(default))
    }
}

pub(crate) fn p_bool(v: &str) -> std::result::Result<bool, String> {
    match v {
        "Y" | "y" => Ok(true),
        "N" | "n" => Ok(false),
        _ => Err("expected Y or N".into()),
    }
}

pub(crate) fn p_pos<T: std::str::FromStr + PartialOrd + Default>(
    v: &str,
) -> std::result::Result<T, String> {
    match v.parse::<T>() {
        Ok(n) if n > T::default() => Ok(n),
        _ => Err("expected a positive integer".into()),
    }
}

fn p_secs(v: &str) -> std::result::Result<Duration, String> {
    p_pos::<u64>(v).map(Duration::from_secs)
}

fn p_comp_id(v: &str) -> std::result::Result<String, String> {
    if v.chars().all(|c| c.is_ascii_graphic()) {
        Ok(v.to_string())
    } else {
        Err("expected printable ASCII without spaces".into())
    }
}

fn p_time(v: &str) -> std::result::Result<NaiveTime, String> {
    match NaiveTime::parse_from_str(v, "%H:%M:%S") {
        Ok(t) if t.nanosecond() < 1_000_000_000 && v.len() == 8 => Ok(t),
        _ => Err("expected HH:MM:SS".into()),
    }
}

/// Parse a weekday name: full name or any prefix of >= 2 letters ("Monday", "mon", "Mo").
pub fn parse_weekday(v: &str) -> std::result::Result<Weekday, String> {
    const DAYS: [(&str, Weekday); 7] = [
        ("monday", Weekday::Mon),
        ("tuesday", Weekday::Tue),
        ("wednesday", Weekday::Wed),
        ("thursday", Weekday::Thu),
        ("friday", Weekday::Fri),
        ("saturday", Weekday::Sat),
        ("sunday", Weekday::Sun),
    ];
    let l = v.to_ascii_lowercase();
    DAYS.iter()
        .find(|(n, _)| l.len() >= 2 && n.starts_with(&l))
        .map(|(_, d)| *d)
        .ok_or_else(|| "expected a day name (Monday..Sunday, e.g. 'mon')".into())
}

/// UTC/GMT/Z or a fixed offset: `+02:00`, `-0500`, `+2`, `UTC+01:00`, `GMT-3`.
pub fn parse_time_zone(v: &str) -> std::result::Result<FixedOffset, String> {
    let u = v.to_ascii_uppercase();
    let rest = ["ETC/UTC", "ETC/GMT", "UTC", "GMT", "Z"]
        .iter()
        .find_map(|p| u.strip_prefix(p))
        .unwrap_or(&u);
    if rest.is_empty() {
        return Ok(FixedOffset::east_opt(0).unwrap());
    }
    let bad = || {
        "expected UTC, GMT or a fixed offset like +02:00 (named time zones with DST rules \
         are not supported)"
            .to_string()
    };
    let (sign, digits) = match rest.as_bytes()[0] {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "0"),
    };
    let ok = |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !ok(h) || !ok(m) {
        return Err(bad());
    }
    let (h, m): (i32, i32) = (h.parse().unwrap(), m.parse().unwrap());
    if h > 14 || m > 59 {
        return Err(bad());
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60)).ok_or_else(bad)
}

// ---------------------------------------------------------------------------------------------
// Typed settings
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId {
    pub begin_string: String,
    pub sender_comp_id: String,
    pub target_comp_id: String,
}

impl SessionId {
    pub fn new(begin: &str, sender: &str, target: &str) -> Self {
        SessionId {
            begin_string: begin.into(),
            sender_comp_id: sender.into(),
            target_comp_id: target.into(),
        }
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}->{}",
            self.begin_string, self.sender_comp_id, self.target_comp_id
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptorSettings {
    pub accept_address: IpAddr,
    pub accept_port: u16,
    pub max_connections: usize,
    /// Close a connection that has not sent Logon within this time.
    pub logon_timeout: Duration,
    /// Wait this long for the Logout reply before disconnecting.
    pub logout_timeout: Duration,
    pub max_message_size: usize,
    /// Per-connection outbound queue capacity (messages).
    pub outbound_queue_capacity: usize,
    /// `None` => in-memory store.
    pub file_store_path: Option<PathBuf>,
    pub file_store_sync: bool,
    /// `None` => built-in FIX 4.2 dictionary.
    pub data_dictionary: Option<PathBuf>,
    pub use_data_dictionary: bool,
    pub http_metrics_port: Option<u16>,
    pub venue_config: Option<PathBuf>,
    /// Engine journal and snapshot directory; `None` => in memory (or
    /// `<FileStorePath>/../engine` when a file store is configured).
    pub journal_path: Option<PathBuf>,
    /// fsync the engine journal once per batch (group commit).
    pub journal_sync: bool,
    /// How long the engine polls an empty queue before sleeping, µs.
    pub engine_spin_micros: u64,
    /// Requests the engine's queue holds before submitting sessions wait.
    pub engine_queue_capacity: usize,
    /// How long a session waits in place for the engine's reports after
    /// submitting an order, µs (0: never; it then sleeps until woken).
    pub reply_spin_micros: u64,
}

/// Message validation flags (QuickFIX names and defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidationSettings {
    pub validate_fields_out_of_order: bool,
    pub validate_fields_have_values: bool,
    pub validate_user_defined_fields: bool,
    pub allow_unknown_msg_fields: bool,
    pub validate_length_and_checksum: bool,
    pub validate_incoming_message: bool,
}

impl Default for ValidationSettings {
    fn default() -> Self {
        ValidationSettings {
            validate_fields_out_of_order: true,
            validate_fields_have_values: true,
            validate_user_defined_fields: true,
            allow_unknown_msg_fields: false,
            validate_length_and_checksum: true,
            validate_incoming_message: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApplicationKind {
    /// The matching venue.
    #[default]
    Venue,
    /// QuickFIX acceptance-test echo application.
    Echo,
}

/// Daily (`start_day`/`end_day` = None) or weekly session window, in `utc_offset` local time.
/// `start == end` (and same day for weekly) means always on, resetting once per period at
/// `start`. Both ends are inclusive (QuickFIX semantics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub start_day: Option<Weekday>,
    pub end_day: Option<Weekday>,
    pub utc_offset: FixedOffset,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule::always_on()
    }
}

impl Schedule {
    const DAY: i64 = 86_400;

    pub fn always_on() -> Self {
        Schedule {
            start: NaiveTime::MIN,
            end: NaiveTime::MIN,
            start_day: None,
            end_day: None,
            utc_offset: FixedOffset::east_opt(0).unwrap(),
        }
    }

    pub fn is_weekly(&self) -> bool {
        self.start_day.is_some()
    }

    pub fn is_always_on(&self) -> bool {
        let (s, e) = (self.start_pos(), self.end_pos());
        s == e
    }

    fn period(&self) -> i64 {
        if self.is_weekly() {
            7 * Self::DAY
        } else {
            Self::DAY
        }
    }

    fn pos_of(&self, day: Option<Weekday>, t: NaiveTime) -> i64 {
        let d = if self.is_weekly() {
            day.map_or(0, |d| d.num_days_from_monday() as i64)
        } else {
            0
        };
        d * Self::DAY + t.num_seconds_from_midnight() as i64
    }

    fn start_pos(&self) -> i64 {
        self.pos_of(self.start_day, self.start)
    }

    fn end_pos(&self) -> i64 {
        self.pos_of(self.end_day, self.end)
    }

    /// Local wall-clock time, truncated to whole seconds.
    fn local(&self, now: DateTime<Utc>) -> NaiveDateTime {
        let n = now.naive_utc().with_nanosecond(0).unwrap();
        n + TimeDelta::seconds(self.utc_offset.local_minus_utc() as i64)
    }

    fn now_pos(&self, local: NaiveDateTime) -> i64 {
        self.pos_of(Some(local.weekday()), local.time())
    }

    pub fn is_in_session(&self, now: DateTime<Utc>) -> bool {
        let (s, e, n) = (
            self.start_pos(),
            self.end_pos(),
            self.now_pos(self.local(now)),
        );
        match s.cmp(&e) {
            std::cmp::Ordering::Equal => true,
            std::cmp::Ordering::Less => s <= n && n <= e,
            std::cmp::Ordering::Greater => n >= s || n <= e,
        }
    }

    /// Start of the current session period: the latest occurrence of the start instant at or
    /// before `now`. Out of session this is the start of the period that most recently ended.
    pub fn session_start_for(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let local = self.local(now);
        let back = (self.now_pos(local) - self.start_pos()).rem_euclid(self.period());
        let start_local = local - TimeDelta::seconds(back);
        let utc = start_local - TimeDelta::seconds(self.utc_offset.local_minus_utc() as i64);
        DateTime::<Utc>::from_naive_utc_and_offset(utc, Utc)
    }

    /// QuickFIX rule: a store created before the current period's start must be reset.
    pub fn needs_reset(&self, store_created: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        store_created < self.session_start_for(now)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSettings {
    pub id: SessionId,
    /// Line of the `[SESSION]` header.
    pub line: usize,
    pub sender_sub_id: Option<String>,
    pub target_sub_id: Option<String>,
    /// Acceptors normally take HeartBtInt from the Logon.
    pub heart_bt_int: Option<u32>,
    pub schedule: Schedule,
    pub reset_on_logon: bool,
    pub reset_on_logout: bool,
    pub reset_on_disconnect: bool,
    pub refresh_on_logon: bool,
    pub check_latency: bool,
    pub max_latency: Duration,
    pub check_comp_id: bool,
    pub validation: ValidationSettings,
    pub persist_messages: bool,
    pub send_redundant_resend_requests: bool,
    pub milliseconds_in_timestamp: bool,
    pub application: ApplicationKind,
    /// Default trading account for this session.
    pub account: Option<String>,
    /// Accounts this session may trade; defaults to `[account]` (empty if no account).
    pub accounts: Vec<String>,
    /// Line of the `Accounts` key (or `Account`, or the section) for cross-file errors.
    pub accounts_line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub file_name: String,
    pub acceptor: AcceptorSettings,
    pub sessions: Vec<SessionSettings>,
    /// Recognised-but-ignored QuickFIX keys: (key, line).
    pub ignored_keys: Vec<(String, usize)>,
}

const ACCEPTOR_KEYS: &[&str] = &[
    "ConnectionType",
    "SocketAcceptPort",
    "SocketAcceptAddress",
    "MaxConnections",
    "LogonTimeout",
    "LogoutTimeout",
    "MaxMessageSize",
    "OutboundQueueCapacity",
    "FileStorePath",
    "FileStoreSync",
    "DataDictionary",
    "UseDataDictionary",
    "HttpMetricsPort",
    "VenueConfig",
    "JournalPath",
    "JournalSync",
    "EngineSpinMicros",
    "EngineQueueCapacity",
    "ReplySpinMicros",
];

const SESSION_KEYS: &[&str] = &[
    "BeginString",
    "SenderCompID",
    "TargetCompID",
    "SenderSubID",
    "TargetSubID",
    "HeartBtInt",
    "StartTime",
    "EndTime",
    "StartDay",
    "EndDay",
    "TimeZone",
    "UseLocalTime",
    "ResetOnLogon",
    "ResetOnLogout",
    "ResetOnDisconnect",
    "RefreshOnLogon",
    "CheckLatency",
    "MaxLatency",
    "CheckCompID",
    "ValidateFieldsOutOfOrder",
    "ValidateFieldsHaveValues",
    "ValidateUserDefinedFields",
    "AllowUnknownMsgFields",
    "ValidateLengthAndChecksum",
    "ValidateIncomingMessage",
    "PersistMessages",
    "SendRedundantResendRequests",
    "MillisecondsInTimeStamp",
    "Application",
    "Account",
    "Accounts",
];

/// QuickFIX keys accepted for compatibility but ignored.
const IGNORED_KEYS: &[&str] = &[
    "FileLogPath",
    "FileLogBackupPath",
    "ScreenLogShowIncoming",
    "ScreenLogShowOutgoing",
    "ScreenLogShowEvents",
    "ScreenLogShowHeartBeats",
    "SocketNodelay",
    "SocketReuseAddress",
    "SocketSendBufferSize",
    "SocketReceiveBufferSize",
];

fn is_one_of(key: &str, list: &[&str]) -> bool {
    list.iter().any(|k| k.eq_ignore_ascii_case(key))
}

impl Settings {
    /// Parse the embedded [`DEFAULT_SETTINGS`].
    pub fn default_embedded() -> Self {
        Settings::parse(DEFAULT_SETTINGS, "<default settings>")
            .expect("embedded default settings are valid")
    }

    pub fn load(path: impl AsRef<Path>) -> Result<Settings> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| SettingsError::new(&name, None, format!("cannot read file: {e}")))?;
        Settings::parse(&text, &name)
    }

    pub fn parse(text: &str, file_name: &str) -> Result<Settings> {
        let sections = parse_ini(text, file_name)?;
        let mut ignored_keys = Vec::new();
        let mut default: Option<&IniSection> = None;
        let mut sessions: Vec<&IniSection> = Vec::new();
        for sec in &sections {
            match sec.name.as_str() {
                "DEFAULT" => {
                    if let Some(d) = default {
                        return Err(SettingsError::new(
                            file_name,
                            Some(sec.line),
                            format!("duplicate [DEFAULT] section (first on line {})", d.line),
                        ));
                    }
                    default = Some(sec);
                }
                "SESSION" => sessions.push(sec),
                other => {
                    return Err(SettingsError::new(
                        file_name,
                        Some(sec.line),
                        format!("unknown section [{other}] (expected [DEFAULT] or [SESSION])"),
                    ))
                }
            }
            for e in &sec.entries {
                if is_one_of(&e.key, IGNORED_KEYS) {
                    ignored_keys.push((e.key.clone(), e.line));
                } else if !is_one_of(&e.key, ACCEPTOR_KEYS) && !is_one_of(&e.key, SESSION_KEYS) {
                    let all: Vec<&str> = ACCEPTOR_KEYS
                        .iter()
                        .chain(SESSION_KEYS)
                        .chain(IGNORED_KEYS)
                        .copied()
                        .collect();
                    return Err(SettingsError::new(
                        file_name,
                        Some(e.line),
                        format!("unknown key '{}'{}", e.key, suggest(&e.key, &all)),
                    ));
                }
            }
        }
        if sessions.is_empty() {
            return Err(SettingsError::new(
                file_name,
                None,
                "no [SESSION] section defined",
            ));
        }

        let mut out_sessions: Vec<SessionSettings> = Vec::new();
        let mut acceptor: Option<AcceptorSettings> = None;
        let mut first_props: Option<Props> = None;
        for sec in sessions {
            let mut entries: Vec<&IniEntry> = sec.entries.iter().collect();
            if let Some(d) = default {
                for e in &d.entries {
                    if !sec
                        .entries
                        .iter()
                        .any(|s| s.key.eq_ignore_ascii_case(&e.key))
                    {
                        entries.push(e);
                    }
                }
            }
            let props = Props {
                file: file_name,
                section: "SESSION",
                section_line: sec.line,
                entries,
            };
            let s = parse_session(&props)?;
            if let Some(prev) = out_sessions.iter().find(|p| p.id == s.id) {
                return Err(props.err_at(
                    sec.line,
                    format!(
                        "duplicate session {} (first defined in [SESSION] on line {})",
                        s.id, prev.line
                    ),
                ));
            }
            match &first_props {
                None => {
                    acceptor = Some(parse_acceptor(&props)?);
                    first_props = Some(props);
                }
                Some(first) => check_same_acceptor(first, &props)?,
            }
            out_sessions.push(s);
        }
        Ok(Settings {
            file_name: file_name.to_string(),
            acceptor: acceptor.expect("at least one session"),
            sessions: out_sessions,
            ignored_keys,
        })
    }

    pub fn session(&self, id: &SessionId) -> Option<&SessionSettings> {
        self.sessions.iter().find(|s| &s.id == id)
    }
}

fn check_same_acceptor(first: &Props, this: &Props) -> Result<()> {
    for key in ACCEPTOR_KEYS {
        let (a, b) = (first.get(key), this.get(key));
        if a.map(|e| &e.value) != b.map(|e| &e.value) {
            let line = b.map_or(this.section_line, |e| e.line);
            let was = a.map_or("<unset>".to_string(), |e| format!("'{}'", e.value));
            return Err(this.err_at(
                line,
                format!(
                    "{key}: all sessions must share one acceptor; the [SESSION] on line {} has \
                     {was} (multiple acceptors/ports are not supported)",
                    first.section_line
                ),
            ));
        }
    }
    Ok(())
}

fn parse_acceptor(p: &Props) -> Result<AcceptorSettings> {
    p.req("ConnectionType", |v| {
        if v.eq_ignore_ascii_case("acceptor") {
            Ok(())
        } else {
            Err("only 'acceptor' is supported".into())
        }
    })?;
    let accept_port = p.req("SocketAcceptPort", |v| {
        v.parse::<u16>()
            .map_err(|_| "expected a port number 0-65535".to_string())
    })?;
    let http_metrics_port = p.opt("HttpMetricsPort", |v| match v.parse::<u16>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("expected a port number 1-65535".to_string()),
    })?;
    if let (Some(h), Some(e)) = (http_metrics_port, p.get("HttpMetricsPort")) {
        if h == accept_port {
            return Err(p.err_at(e.line, "HttpMetricsPort: must differ from SocketAcceptPort"));
        }
    }
    let path = |v: &str| Ok::<_, String>(PathBuf::from(v));
    Ok(AcceptorSettings {
        accept_address: p
            .opt("SocketAcceptAddress", |v| {
                v.parse::<IpAddr>()
                    .map_err(|_| "expected an IP address".to_string())
            })?
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        accept_port,
        max_connections: p.opt("MaxConnections", p_pos::<usize>)?.unwrap_or(1000),
        logon_timeout: p
            .opt("LogonTimeout", p_secs)?
            .unwrap_or(Duration::from_secs(10)),
        logout_timeout: p
            .opt("LogoutTimeout", p_secs)?
            .unwrap_or(Duration::from_secs(2)),
        max_message_size: p.opt("MaxMessageSize", p_pos::<usize>)?.unwrap_or(65536),
        outbound_queue_capacity: p
            .opt("OutboundQueueCapacity", p_pos::<usize>)?
            .unwrap_or(10_000),
        file_store_path: p.opt("FileStorePath", path)?,
        file_store_sync: p.flag("FileStoreSync", false)?,
        data_dictionary: p.opt("DataDictionary", path)?,
        use_data_dictionary: p.flag("UseDataDictionary", true)?,
        http_metrics_port,
        venue_config: p.opt("VenueConfig", path)?,
        journal_path: p.opt("JournalPath", path)?,
        journal_sync: p.flag("JournalSync", false)?,
        engine_spin_micros: p
            .opt("EngineSpinMicros", |v| {
                v.parse::<u64>()
                    .map_err(|_| "expected microseconds (an integer)".to_string())
            })?
            .unwrap_or(200),
        engine_queue_capacity: p
            .opt("EngineQueueCapacity", |v| match v.parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err("expected a number of requests above 0".to_string()),
            })?
            .unwrap_or(engine::RunConfig::default().queue_capacity),
        reply_spin_micros: p
            .opt("ReplySpinMicros", |v| {
                v.parse::<u64>()
                    .map_err(|_| "expected microseconds (an integer)".to_string())
            })?
            .unwrap_or(200),
    })
}

fn parse_session(p: &Props) -> Result<SessionSettings> {
    let begin = p.req("BeginString", |v| {
        if v == "FIX.4.2" {
            Ok(v.to_string())
        } else {
            Err("only FIX.4.2 is supported".into())
        }
    })?;
    let id = SessionId {
        begin_string: begin,
        sender_comp_id: p.req("SenderCompID", p_comp_id)?,
        target_comp_id: p.req("TargetCompID", p_comp_id)?,
    };

    // Schedule
    if p.opt("UseLocalTime", p_bool)? == Some(true) {
        let e = p.get("UseLocalTime").unwrap();
        return Err(p.err_at(
            e.line,
            "UseLocalTime: only N is supported (use TimeZone with a fixed offset)",
        ));
    }
    let start = p.opt("StartTime", p_time)?;
    let end = p.opt("EndTime", p_time)?;
    let (start, end) = match (start, end) {
        (Some(s), Some(e)) => (s, e),
        (None, None) => (NaiveTime::MIN, NaiveTime::MIN),
        (Some(_), None) => return Err(p.required("EndTime").unwrap_err()),
        (None, Some(_)) => return Err(p.required("StartTime").unwrap_err()),
    };
    let start_day = p.opt("StartDay", parse_weekday)?;
    let end_day = p.opt("EndDay", parse_weekday)?;
    match (start_day, end_day) {
        (Some(_), None) => return Err(p.required("EndDay").unwrap_err()),
        (None, Some(_)) => return Err(p.required("StartDay").unwrap_err()),
        _ => {}
    }
    let utc_offset = p
        .opt("TimeZone", parse_time_zone)?
        .unwrap_or(FixedOffset::east_opt(0).unwrap());

    // Accounts
    let account = p.opt("Account", p_comp_id)?;
    let listed = p.opt("Accounts", |v| {
        let mut out: Vec<String> = Vec::new();
        for a in v.split(',').map(str::trim) {
            if a.is_empty() || !a.chars().all(|c| c.is_ascii_graphic()) {
                return Err("expected a comma-separated list of account names".into());
            }
            if out.iter().any(|x| x == a) {
                return Err(format!("account '{a}' listed twice"));
            }
            out.push(a.to_string());
        }
        Ok(out)
    })?;
    let accounts_line = p
        .get("Accounts")
        .or_else(|| p.get("Account"))
        .map_or(p.section_line, |e| e.line);
    let accounts = match (listed, &account) {
        (Some(list), Some(a)) if !list.contains(a) => {
            return Err(p.err_at(
                accounts_line,
                format!("Accounts: must include the default Account '{a}'"),
            ))
        }
        (Some(list), _) => list,
        (None, Some(a)) => vec![a.clone()],
        (None, None) => Vec::new(),
    };

    Ok(SessionSettings {
        id,
        line: p.section_line,
        sender_sub_id: p.opt("SenderSubID", p_comp_id)?,
        target_sub_id: p.opt("TargetSubID", p_comp_id)?,
        heart_bt_int: p.opt("HeartBtInt", p_pos::<u32>)?,
        schedule: Schedule {
            start,
            end,
            start_day,
            end_day,
            utc_offset,
        },
        reset_on_logon: p.flag("ResetOnLogon", false)?,
        reset_on_logout: p.flag("ResetOnLogout", false)?,
        reset_on_disconnect: p.flag("ResetOnDisconnect", false)?,
        refresh_on_logon: p.flag("RefreshOnLogon", false)?,
        check_latency: p.flag("CheckLatency", true)?,
        max_latency: p
            .opt("MaxLatency", p_secs)?
            .unwrap_or(Duration::from_secs(120)),
        check_comp_id: p.flag("CheckCompID", true)?,
        validation: ValidationSettings {
            validate_fields_out_of_order: p.flag("ValidateFieldsOutOfOrder", true)?,
            validate_fields_have_values: p.flag("ValidateFieldsHaveValues", true)?,
            validate_user_defined_fields: p.flag("ValidateUserDefinedFields", true)?,
            allow_unknown_msg_fields: p.flag("AllowUnknownMsgFields", false)?,
            validate_length_and_checksum: p.flag("ValidateLengthAndChecksum", true)?,
            validate_incoming_message: p.flag("ValidateIncomingMessage", true)?,
        },
        persist_messages: p.flag("PersistMessages", true)?,
        send_redundant_resend_requests: p.flag("SendRedundantResendRequests", false)?,
        milliseconds_in_timestamp: p.flag("MillisecondsInTimeStamp", true)?,
        application: p
            .opt("Application", |v| match v.to_ascii_lowercase().as_str() {
                "venue" => Ok(ApplicationKind::Venue),
                "echo" => Ok(ApplicationKind::Echo),
                _ => Err("expected 'venue' or 'echo'".to_string()),
            })?
            .unwrap_or_default(),
        account,
        accounts,
        accounts_line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const F: &str = "acceptance.cfg";

    fn base(extra_default: &str, sessions: &str) -> String {
        format!(
            "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptPort=9878\nBeginString=FIX.4.2\n\
             SenderCompID=ISLD\n{extra_default}{sessions}"
        )
    }

    fn err(text: &str) -> String {
        Settings::parse(text, F).unwrap_err().to_string()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn t(s: &str) -> NaiveTime {
        p_time(s).unwrap()
    }

    #[test]
    fn default_settings_parse() {
        let s = Settings::default_embedded();
        assert_eq!(s.acceptor.accept_port, 9878);
        assert_eq!(s.acceptor.accept_address.to_string(), "127.0.0.1");
        assert_eq!(
            s.acceptor.file_store_path.as_deref(),
            Some(Path::new("data/store"))
        );
        assert_eq!(s.sessions.len(), 2);
        let c1 = &s.sessions[0];
        assert_eq!(c1.id.to_string(), "FIX.4.2:VENUE->CLIENT1");
        assert_eq!(c1.account.as_deref(), Some("ACC1"));
        assert_eq!(c1.accounts, vec!["ACC1", "ACC3"]);
        assert_eq!(s.sessions[1].accounts, vec!["ACC2", "ACC4"]);
        assert!(!c1.reset_on_logon);
        assert!(c1.schedule.is_always_on());
        assert_eq!(c1.application, ApplicationKind::Venue);
    }

    #[test]
    fn inheritance_and_defaults() {
        let text = base(
            "# comment\n\nHeartBtInt=30\nresetonlogon=Y\n",
            "[session]\nTargetCompID=TW\n\n[SESSION]\nTargetCompID=TW2\nResetOnLogon=N\n\
             HeartBtInt=5\nSenderCompID=OTHER\nApplication=echo\n",
        );
        let s = Settings::parse(&text, F).unwrap();
        let (a, b) = (&s.sessions[0], &s.sessions[1]);
        assert_eq!(a.id, SessionId::new("FIX.4.2", "ISLD", "TW"));
        assert_eq!(a.heart_bt_int, Some(30));
        assert!(a.reset_on_logon);
        assert_eq!(b.id.to_string(), "FIX.4.2:OTHER->TW2");
        assert_eq!(b.heart_bt_int, Some(5));
        assert!(!b.reset_on_logon);
        assert_eq!(b.application, ApplicationKind::Echo);
        assert_eq!(a.validation, ValidationSettings::default());
        assert!(a.check_latency && a.check_comp_id && a.persist_messages);
        assert_eq!(a.max_latency, Duration::from_secs(120));
        assert!(a.accounts.is_empty());
        let acc = &s.acceptor;
        assert_eq!(acc.logon_timeout, Duration::from_secs(10));
        assert_eq!(acc.logout_timeout, Duration::from_secs(2));
        assert_eq!(acc.max_message_size, 65536);
        assert_eq!(acc.engine_queue_capacity, 8192);
        assert!(acc.file_store_path.is_none() && acc.use_data_dictionary);
        assert_eq!(a.line, 10);
    }

    #[test]
    fn acceptor_keys_in_session_and_ignored_keys() {
        let text = "[SESSION]\nConnectionType=acceptor\nSocketAcceptPort=0\nBeginString=FIX.4.2\n\
                    SenderCompID=A\nTargetCompID=B\nFileLogPath=log\nHttpMetricsPort=9100\n\
                    AllowUnknownMsgFields=Y\nSocketAcceptAddress=::1\nEngineQueueCapacity=64\n";
        let s = Settings::parse(text, F).unwrap();
        assert_eq!(s.acceptor.accept_port, 0);
        assert_eq!(s.acceptor.engine_queue_capacity, 64);
        assert_eq!(s.acceptor.http_metrics_port, Some(9100));
        assert_eq!(s.ignored_keys, vec![("FileLogPath".to_string(), 7)]);
        assert!(s.sessions[0].validation.allow_unknown_msg_fields);
        assert!(s.acceptor.accept_address.is_ipv6());
    }

    #[test]
    fn errors_name_the_line() {
        let cases: &[(&str, &str, &str)] = &[
            ("SocketAcceptPrt=1\n", "", "acceptance.cfg:6: unknown key 'SocketAcceptPrt' (did you mean 'SocketAcceptPort'?)"),
            ("", "[SESSION]\nTargetCompID=TW\nHeartBtInt=x\n", "acceptance.cfg:8: HeartBtInt: expected a positive integer, got 'x'"),
            ("", "[SESSION]\nTargetCompID=TW\nHeartBtInt=0\n", "acceptance.cfg:8: HeartBtInt: expected a positive integer, got '0'"),
            ("ResetOnLogon=yes\n", "[SESSION]\nTargetCompID=TW\n", "acceptance.cfg:6: ResetOnLogon: expected Y or N, got 'yes'"),
            ("", "[SESSION]\nTargetCompID=TW\nStartTime=25:00:00\nEndTime=01:00:00\n", "acceptance.cfg:8: StartTime: expected HH:MM:SS"),
            ("", "[SESSION]\nTargetCompID=TW\nStartTime=01:00:00\n", "acceptance.cfg:6: [SESSION] is missing required key 'EndTime'"),
            ("", "[SESSION]\nTargetCompID=TW\nStartDay=Funday\nEndDay=Fri\n", "acceptance.cfg:8: StartDay: expected a day name"),
            ("", "[SESSION]\nTargetCompID=TW\nTimeZone=America/New_York\n", "acceptance.cfg:8: TimeZone: expected UTC"),
            ("", "[SESSION]\nTargetCompID=TW\nUseLocalTime=Y\n", "acceptance.cfg:8: UseLocalTime: only N"),
            ("", "[SESSION]\nSenderCompID=X\n", "acceptance.cfg:6: [SESSION] is missing required key 'TargetCompID'"),
            ("", "[SESSION]\nTargetCompID=TW\nBeginString=FIX.4.4\n", "acceptance.cfg:8: BeginString: only FIX.4.2 is supported, got 'FIX.4.4'"),
            ("", "[SESSION]\nTargetCompID=TW\n[SESSION]\nTargetCompID=TW\n", "acceptance.cfg:8: duplicate session FIX.4.2:ISLD->TW (first defined in [SESSION] on line 6)"),
            ("", "[SESSION]\nTargetCompID=TW\n[SESSION]\nTargetCompID=TW2\nSocketAcceptPort=9879\n", "acceptance.cfg:10: SocketAcceptPort: all sessions must share one acceptor"),
            ("", "[SESSION]\nTargetCompID=TW\nTargetCompID=TW2\n", "acceptance.cfg:8: duplicate key 'TargetCompID' (already set on line 7)"),
            ("", "[SESSION]\nTargetCompID=TW\nnonsense\n", "acceptance.cfg:8: expected 'Key=Value'"),
            ("", "[SESSION]\nTargetCompID=TW\nAccount=A\nAccounts=B,C\n", "acceptance.cfg:9: Accounts: must include the default Account 'A'"),
            ("", "[SESSION]\nTargetCompID=TW\nAccounts=B,,C\n", "acceptance.cfg:8: Accounts: expected a comma-separated"),
            ("", "[SESSION]\nTargetCompID=TW\nApplication=foo\n", "acceptance.cfg:8: Application: expected 'venue' or 'echo', got 'foo'"),
            ("", "[SESION]\nTargetCompID=TW\n", "acceptance.cfg:6: unknown section [SESION]"),
            ("", "[DEFAULT]\n", "acceptance.cfg:6: duplicate [DEFAULT] section (first on line 1)"),
            ("", "", "acceptance.cfg: no [SESSION] section defined"),
            ("", "[SESSION]\nTargetCompID=TW\nSocketAcceptAddress=localhost\n", "acceptance.cfg:8: SocketAcceptAddress: expected an IP address, got 'localhost'"),
            ("", "[SESSION]\nTargetCompID=TW\nHttpMetricsPort=9878\n", "acceptance.cfg:8: HttpMetricsPort: must differ"),
            ("", "[SESSION]\nTargetCompID=TW\nTargetSubID=\n", "acceptance.cfg:8: TargetSubID: empty value"),
            ("EngineQueueCapacity=0\n", "[SESSION]\nTargetCompID=TW\n", "acceptance.cfg:6: EngineQueueCapacity: expected a number of requests above 0"),
        ];
        for (d, s, want) in cases {
            let got = err(&base(d, s));
            assert!(got.starts_with(want), "\n got: {got}\nwant: {want}");
        }
        assert!(err("Key=V\n[SESSION]\n").starts_with("acceptance.cfg:1: key 'Key' outside"));
        assert_eq!(
            err("[SESSION]\nBeginString=FIX.4.2\nSenderCompID=A\nTargetCompID=B\n"),
            "acceptance.cfg:1: [SESSION] is missing required key 'ConnectionType'"
        );
        let e = Settings::load("/nonexistent/x.cfg").unwrap_err();
        assert_eq!(e.line, None);
        assert!(e
            .to_string()
            .starts_with("/nonexistent/x.cfg: cannot read file"));
    }

    #[test]
    fn load_from_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.cfg");
        std::fs::write(&p, DEFAULT_SETTINGS).unwrap();
        assert_eq!(Settings::load(&p).unwrap().sessions.len(), 2);
    }

    #[test]
    fn parse_helpers() {
        assert_eq!(parse_weekday("Monday"), Ok(Weekday::Mon));
        assert_eq!(parse_weekday("mon"), Ok(Weekday::Mon));
        assert_eq!(parse_weekday("TH"), Ok(Weekday::Thu));
        assert!(parse_weekday("m").is_err() && parse_weekday("mondays").is_err());
        let off = |s: &str| parse_time_zone(s).map(|o| o.local_minus_utc());
        assert_eq!(off("UTC"), Ok(0));
        assert_eq!(off("gmt"), Ok(0));
        assert_eq!(off("+02:00"), Ok(7200));
        assert_eq!(off("-0530"), Ok(-(5 * 3600 + 1800)));
        assert_eq!(off("UTC+1"), Ok(3600));
        assert!(off("Europe/London").is_err() && off("+25:00").is_err() && off("+").is_err());
    }

    fn sched(start: &str, end: &str, days: Option<(Weekday, Weekday)>) -> Schedule {
        Schedule {
            start: t(start),
            end: t(end),
            start_day: days.map(|d| d.0),
            end_day: days.map(|d| d.1),
            utc_offset: FixedOffset::east_opt(0).unwrap(),
        }
    }

    #[test]
    fn schedule_normal_window() {
        let s = sched("08:00:00", "17:00:00", None);
        assert!(!s.is_in_session(utc(2024, 3, 5, 7, 59, 59)));
        assert!(s.is_in_session(utc(2024, 3, 5, 8, 0, 0)));
        assert!(s.is_in_session(utc(2024, 3, 5, 17, 0, 0)));
        assert!(!s.is_in_session(utc(2024, 3, 5, 17, 0, 1)));
        assert_eq!(
            s.session_start_for(utc(2024, 3, 5, 12, 0, 0)),
            utc(2024, 3, 5, 8, 0, 0)
        );
        // before today's start: previous day's period
        assert_eq!(
            s.session_start_for(utc(2024, 3, 5, 7, 0, 0)),
            utc(2024, 3, 4, 8, 0, 0)
        );
        assert!(s.needs_reset(utc(2024, 3, 4, 16, 0, 0), utc(2024, 3, 5, 9, 0, 0)));
        assert!(!s.needs_reset(utc(2024, 3, 5, 8, 0, 0), utc(2024, 3, 5, 9, 0, 0)));
    }

    #[test]
    fn schedule_wraps_midnight() {
        let s = sched("22:00:00", "06:00:00", None);
        assert!(s.is_in_session(utc(2024, 3, 5, 23, 0, 0)));
        assert!(s.is_in_session(utc(2024, 3, 6, 5, 0, 0)));
        assert!(!s.is_in_session(utc(2024, 3, 6, 12, 0, 0)));
        assert_eq!(
            s.session_start_for(utc(2024, 3, 6, 5, 0, 0)),
            utc(2024, 3, 5, 22, 0, 0)
        );
        assert_eq!(
            s.session_start_for(utc(2024, 3, 5, 23, 30, 0)),
            utc(2024, 3, 5, 22, 0, 0)
        );
    }

    #[test]
    fn schedule_always_on_daily_reset() {
        let s = sched("05:00:00", "05:00:00", None);
        assert!(s.is_always_on());
        assert!(s.is_in_session(utc(2024, 3, 5, 4, 59, 59)));
        assert_eq!(
            s.session_start_for(utc(2024, 3, 5, 4, 59, 59)),
            utc(2024, 3, 4, 5, 0, 0)
        );
        assert_eq!(
            s.session_start_for(utc(2024, 3, 5, 5, 0, 0)),
            utc(2024, 3, 5, 5, 0, 0)
        );
        // sub-second precision of `now` does not matter
        let now = utc(2024, 3, 5, 6, 0, 0) + TimeDelta::milliseconds(250);
        assert_eq!(s.session_start_for(now), utc(2024, 3, 5, 5, 0, 0));
    }

    #[test]
    fn schedule_weekly() {
        // 2024-03-04 is a Monday.
        let s = sched("08:00:00", "17:00:00", Some((Weekday::Mon, Weekday::Fri)));
        assert!(!s.is_in_session(utc(2024, 3, 4, 7, 0, 0)));
        assert!(s.is_in_session(utc(2024, 3, 4, 8, 0, 0)));
        assert!(s.is_in_session(utc(2024, 3, 6, 3, 0, 0))); // Wed night: inside weekly window
        assert!(s.is_in_session(utc(2024, 3, 8, 17, 0, 0)));
        assert!(!s.is_in_session(utc(2024, 3, 8, 17, 0, 1)));
        assert!(!s.is_in_session(utc(2024, 3, 9, 12, 0, 0)));
        assert_eq!(
            s.session_start_for(utc(2024, 3, 7, 12, 0, 0)),
            utc(2024, 3, 4, 8, 0, 0)
        );
        assert_eq!(
            s.session_start_for(utc(2024, 3, 4, 7, 0, 0)),
            utc(2024, 2, 26, 8, 0, 0)
        );
        // Wrapping the week: Sunday 22:00 .. Friday 21:00 (FX style).
        let fx = sched("22:00:00", "21:00:00", Some((Weekday::Sun, Weekday::Fri)));
        assert!(fx.is_in_session(utc(2024, 3, 3, 22, 0, 0))); // Sunday
        assert!(fx.is_in_session(utc(2024, 3, 6, 12, 0, 0)));
        assert!(!fx.is_in_session(utc(2024, 3, 9, 12, 0, 0))); // Saturday
        assert!(!fx.is_in_session(utc(2024, 3, 3, 21, 0, 0)));
        assert_eq!(
            fx.session_start_for(utc(2024, 3, 6, 12, 0, 0)),
            utc(2024, 3, 3, 22, 0, 0)
        );
    }

    #[test]
    fn schedule_with_offset_from_file() {
        let text = base(
            "",
            "[SESSION]\nTargetCompID=TW\nStartTime=09:00:00\nEndTime=17:00:00\n\
             TimeZone=+02:00\nStartDay=mon\nEndDay=Friday\n",
        );
        let s = Settings::parse(&text, F).unwrap().sessions[0].schedule;
        assert_eq!(s.start_day, Some(Weekday::Mon));
        // 09:00 at +02:00 == 07:00 UTC
        assert!(!s.is_in_session(utc(2024, 3, 4, 6, 59, 59)));
        assert!(s.is_in_session(utc(2024, 3, 4, 7, 0, 0)));
        assert_eq!(
            s.session_start_for(utc(2024, 3, 5, 0, 0, 0)),
            utc(2024, 3, 4, 7, 0, 0)
        );
        // Monday 01:00 local is Sunday 23:00 UTC -> outside
        assert!(!s.is_in_session(utc(2024, 3, 3, 23, 0, 0)));
    }
}
