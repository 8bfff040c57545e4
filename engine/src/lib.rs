//! fixvenue matching engine.
//!
//! **Determinism.** [`Engine`] is a pure state machine: it reads no clock, does no I/O,
//! uses no randomness and never iterates a hash map to make a decision. Sequence
//! numbers and timestamps are arguments to [`Engine::apply`] (asserted contiguous and
//! non-decreasing). The same commands in the same order give the same events, ids and
//! state, byte for byte ([`Engine::canonical_state`], [`Engine::state_hash`]).
//! The only I/O in this crate is the journal and snapshot files, and the only clock
//! is read by the run loop ([`runner`]) to stamp batches.
//!
//! **Journal choice: input journal (LMAX style).** Every state-changing command is
//! journaled with its sequence number and timestamp; events are derived by applying
//! it. Replay re-applies the records and drops the events, so replay(journal) equals
//! the live state, and order/exec ids (counters in the state) come out the same.
//! Status queries are read-only and never journaled.
//!
//! **Numbers.** `Decimal` in commands; inside, prices are integer ticks, quantities
//! integer lots and money integer minor units of the asset's precision. Matching never
//! does decimal arithmetic. Fees round up (venue's favour) to the quote precision.
//! Events stay in those integers (instrument and account as indices); the [`Catalog`]
//! turns them into FIX values, so formatting happens where reports are written, not on
//! the matcher thread.
//!
//! **Preparation off the matcher.** What follows from the configuration alone (the
//! instrument a symbol names, ticks, lots, size limits, the account and its hold per
//! lot, the hashes of the client ids) is worked out by a [`Preparer`] on the thread
//! that submits; the matcher applies the [`Prepared`] command. Refusals found there
//! are reported in the same order of precedence as if the engine had found them.
//!
//! Gateway wiring: build a [`VenueConfig`], [`Engine::open`] a directory, keep
//! [`Engine::catalog`], [`runner::spawn`] with an [`EventSink`], then
//! [`EngineHandle::submit`] commands tagged with a route (it prepares them).

mod accounts;
mod book;
mod catalog;
mod clid;
mod codec;
pub mod config;
mod engine;
mod ids;
mod in_place;
pub mod journal;
mod live_ids;
mod prefetch;
mod prepare;
mod recovery;
pub mod runner;
mod snapshot;
mod tag_table;
pub mod types;

pub use catalog::Catalog;
pub use codec::DecodeError;
pub use config::{
    AccountConfig, AssetConfig, ConfigError, InstrumentConfig, OwnerConfig, VenueConfig,
};
pub use engine::Engine;
pub use journal::{Durability, Journal, JournalError, JournalRecord};
pub use prepare::{Prepared, Preparer, STREAM_AHEAD};
pub use recovery::{OpenError, JOURNAL_FILE};
pub use runner::{
    spawn, EngineHandle, EventSink, Request, RunConfig, RunError, SubmitError, PREFETCH_AHEAD,
};
pub use snapshot::SnapshotError;
pub use types::*;
