//! Durable per-session FIX state: the next sender and target sequence numbers,
//! the session's creation time, and every outbound application message by
//! sequence number, so a ResendRequest can be answered. Admin messages are not
//! stored: the session layer gap-fills over them.
//!
//! The shape follows QuickFIX/Go's `MessageStore`: [`MessageStore`] is the
//! trait the session layer calls; [`MemoryStore`] and [`FileStore`] implement
//! it; [`StoreConfig::open`] picks one from configuration. The store never
//! reads the clock: `now` is passed to [`FileStore::open`], [`MemoryStore::new`]
//! and [`MessageStore::reset`].
//!
//! # Semantics
//!
//! - Every mutating call is all-or-nothing: `Ok` means the change is applied
//!   (and written per the fsync policy), `Err` means the in-memory state is
//!   unchanged. [`MessageStore::save_message_and_incr_next_sender_seq`] stores
//!   the message and advances the sender sequence number as one record.
//! - Stored messages all have `seq < next_sender_seq()`. Setting the sender
//!   sequence number below its current value forgets the messages at or above
//!   the new value (they were never sent under the new numbering).
//!
//! # Durability of the file store
//!
//! Each change is one CRC-framed record appended with one `write(2)` straight
//! to the file (no user-space buffer), so the kernel holds it once the call
//! returns. Reopening cuts a torn tail and refuses a damaged record that is
//! followed by valid ones ([`Error::Corrupt`]).
//!
//! | policy | process crash (kill -9, panic) | machine crash (power loss, kernel panic) |
//! |---|---|---|
//! | [`FsyncPolicy::EveryWrite`] (default) | every `Ok` change survives | every `Ok` change survives: sequence numbers never go backwards and every message saved can be resent |
//! | [`FsyncPolicy::EveryN`]`(n)` | every `Ok` change survives | the changes since the last fsync (at most `n - 1`, fewer after [`MessageStore::sync`]) may be lost; the store reopens at an earlier consistent state |
//! | [`FsyncPolicy::Never`] | every `Ok` change survives | anything since the last [`MessageStore::sync`] or rewrite may be lost; the store usually reopens at an earlier consistent state, and reports [`Error::Corrupt`] if the filesystem persisted later blocks before earlier ones |
//!
//! "Earlier consistent state" means the state after some prefix of the calls
//! that returned `Ok`. Under `EveryN`/`Never` a machine crash can therefore
//! make sequence numbers go backwards, which FIX counterparties reject
//! (MsgSeqNum too low): use `EveryWrite` unless the session is reset daily.
//!
//! Creation, [`MessageStore::reset`] and compaction rewrite the log under every
//! policy as: write a temporary file, fsync it, rename it over the log, fsync
//! the directory. A crash at any point leaves either the old or the new log.
//!
//! A failed write is truncated away; if that truncation or an fsync fails the
//! store is poisoned ([`Error::Poisoned`]) and must be reopened, which reports
//! the state actually on disk. One process must own a store file at a time.
//!
//! The memory store keeps nothing across a crash.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

mod file;
mod memory;
mod record;

pub use file::{FileStore, FileStoreOptions, FsyncPolicy};
pub use memory::MemoryStore;

/// Errors returned by a store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O operation on a store file failed.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A store file holds a damaged or impossible record that is not a torn tail.
    #[error("store {} is corrupt at byte {offset}: {reason}", path.display())]
    Corrupt {
        /// The store file.
        path: PathBuf,
        /// Offset of the bad record.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// `save_message_and_incr_next_sender_seq` was given a sequence number
    /// other than the next sender sequence number.
    #[error("message seq {got} is not the next sender seq {expected}")]
    SeqMismatch {
        /// `next_sender_seq()`.
        expected: u64,
        /// The seq passed in.
        got: u64,
    },
    /// Sequence numbers start at 1.
    #[error("invalid sequence number {0}: sequence numbers start at 1")]
    InvalidSeq(u64),
    /// A sequence number would pass `u64::MAX`.
    #[error("sequence number overflow")]
    SeqOverflow,
    /// The message is larger than the file store accepts.
    #[error("message of {len} bytes exceeds the limit of {max} bytes")]
    MessageTooLarge {
        /// Message length.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// The session key is empty or too long for a file name.
    #[error("invalid session key {0:?}")]
    InvalidSessionKey(String),
    /// An earlier write or fsync failed in a way that leaves the file's state
    /// unknown; reopen the store.
    #[error("store is poisoned by an earlier I/O failure; reopen it")]
    Poisoned,
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn check_seq(seq: u64) -> Result<()> {
    if seq == 0 {
        Err(Error::InvalidSeq(seq))
    } else {
        Ok(())
    }
}

/// Durable per-session state, as the session layer sees it.
pub trait MessageStore: Send {
    /// The MsgSeqNum of the next message we send.
    fn next_sender_seq(&self) -> u64;
    /// The MsgSeqNum we expect on the next message received.
    fn next_target_seq(&self) -> u64;
    /// Sets the next sender seq. Going below the current value forgets the
    /// stored messages at or above `seq`.
    fn set_next_sender_seq(&mut self, seq: u64) -> Result<()>;
    /// Sets the next target seq.
    fn set_next_target_seq(&mut self, seq: u64) -> Result<()>;
    /// Advances the next sender seq without storing a message (admin messages).
    fn incr_next_sender_seq(&mut self) -> Result<()> {
        let next = self
            .next_sender_seq()
            .checked_add(1)
            .ok_or(Error::SeqOverflow)?;
        self.set_next_sender_seq(next)
    }
    /// Advances the next target seq.
    fn incr_next_target_seq(&mut self) -> Result<()> {
        let next = self
            .next_target_seq()
            .checked_add(1)
            .ok_or(Error::SeqOverflow)?;
        self.set_next_target_seq(next)
    }
    /// Stores `msg` under `seq` and sets the next sender seq to `seq + 1`, as
    /// one atomic change. `seq` must equal [`Self::next_sender_seq`].
    fn save_message_and_incr_next_sender_seq(&mut self, seq: u64, msg: &[u8]) -> Result<()>;
    /// Appends to `out` the stored messages with `begin <= seq <= end`, in
    /// order. `end` may be `u64::MAX` ("infinity"); `begin > end` adds nothing.
    fn messages(&self, begin: u64, end: u64, out: &mut Vec<(u64, Vec<u8>)>) -> Result<()>;
    /// When the session (this numbering) was created.
    fn creation_time(&self) -> DateTime<Utc>;
    /// Forgets all messages, sets both sequence numbers to 1 and the creation
    /// time to `now`.
    fn reset(&mut self, now: DateTime<Utc>) -> Result<()>;
    /// Makes every change so far durable against a machine crash, whatever
    /// the fsync policy.
    fn sync(&mut self) -> Result<()>;
    /// Writes changes held back by a batching store (see
    /// `FileStoreOptions::batch_writes`) to the file: after this, they
    /// survive a process crash. Other stores have nothing to do.
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
}

impl<S: MessageStore + ?Sized> MessageStore for Box<S> {
    fn next_sender_seq(&self) -> u64 {
        (**self).next_sender_seq()
    }
    fn next_target_seq(&self) -> u64 {
        (**self).next_target_seq()
    }
    fn set_next_sender_seq(&mut self, seq: u64) -> Result<()> {
        (**self).set_next_sender_seq(seq)
    }
    fn set_next_target_seq(&mut self, seq: u64) -> Result<()> {
        (**self).set_next_target_seq(seq)
    }
    fn incr_next_sender_seq(&mut self) -> Result<()> {
        (**self).incr_next_sender_seq()
    }
    fn incr_next_target_seq(&mut self) -> Result<()> {
        (**self).incr_next_target_seq()
    }
    fn save_message_and_incr_next_sender_seq(&mut self, seq: u64, msg: &[u8]) -> Result<()> {
        (**self).save_message_and_incr_next_sender_seq(seq, msg)
    }
    fn messages(&self, begin: u64, end: u64, out: &mut Vec<(u64, Vec<u8>)>) -> Result<()> {
        (**self).messages(begin, end, out)
    }
    fn creation_time(&self) -> DateTime<Utc> {
        (**self).creation_time()
    }
    fn reset(&mut self, now: DateTime<Utc>) -> Result<()> {
        (**self).reset(now)
    }
    fn sync(&mut self) -> Result<()> {
        (**self).sync()
    }
    fn flush(&mut self) -> Result<()> {
        (**self).flush()
    }
}

/// Which backend a session uses (QuickFIX's `FileStorePath` habit: a file
/// store when a directory is configured).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StoreConfig {
    /// [`MemoryStore`].
    #[default]
    Memory,
    /// [`FileStore`] in `dir`.
    File {
        /// Directory holding one log per session.
        dir: PathBuf,
        /// Fsync policy and compaction threshold.
        options: FileStoreOptions,
    },
}

impl StoreConfig {
    /// A file store in `dir` with default options.
    pub fn file(dir: impl Into<PathBuf>) -> Self {
        Self::File {
            dir: dir.into(),
            options: FileStoreOptions::default(),
        }
    }

    /// Opens (or creates) the store for `session_key`, e.g. `"FIX.4.2-ISLD-TW42"`.
    pub fn open(&self, session_key: &str, now: DateTime<Utc>) -> Result<AnyStore> {
        Ok(match self {
            Self::Memory => AnyStore::Memory(MemoryStore::new(now)),
            Self::File { dir, options } => AnyStore::File(FileStore::open_with(
                Path::new(dir),
                session_key,
                now,
                options.clone(),
            )?),
        })
    }
}

/// Either backend, statically dispatched. The file store is the larger;
/// there is one store per session, so the size difference does not matter.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum AnyStore {
    /// In memory.
    Memory(MemoryStore),
    /// On disk.
    File(FileStore),
}

macro_rules! delegate {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            AnyStore::Memory($s) => $e,
            AnyStore::File($s) => $e,
        }
    };
}

impl MessageStore for AnyStore {
    fn next_sender_seq(&self) -> u64 {
        delegate!(self, s => s.next_sender_seq())
    }
    fn next_target_seq(&self) -> u64 {
        delegate!(self, s => s.next_target_seq())
    }
    fn set_next_sender_seq(&mut self, seq: u64) -> Result<()> {
        delegate!(self, s => s.set_next_sender_seq(seq))
    }
    fn set_next_target_seq(&mut self, seq: u64) -> Result<()> {
        delegate!(self, s => s.set_next_target_seq(seq))
    }
    fn incr_next_sender_seq(&mut self) -> Result<()> {
        delegate!(self, s => s.incr_next_sender_seq())
    }
    fn incr_next_target_seq(&mut self) -> Result<()> {
        delegate!(self, s => s.incr_next_target_seq())
    }
    fn save_message_and_incr_next_sender_seq(&mut self, seq: u64, msg: &[u8]) -> Result<()> {
        delegate!(self, s => s.save_message_and_incr_next_sender_seq(seq, msg))
    }
    fn messages(&self, begin: u64, end: u64, out: &mut Vec<(u64, Vec<u8>)>) -> Result<()> {
        delegate!(self, s => s.messages(begin, end, out))
    }
    fn creation_time(&self) -> DateTime<Utc> {
        delegate!(self, s => s.creation_time())
    }
    fn reset(&mut self, now: DateTime<Utc>) -> Result<()> {
        delegate!(self, s => s.reset(now))
    }
    fn sync(&mut self) -> Result<()> {
        delegate!(self, s => s.sync())
    }
    fn flush(&mut self) -> Result<()> {
        delegate!(self, s => s.flush())
    }
}
