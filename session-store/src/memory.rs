//! In-memory store: nothing survives the process.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::{check_seq, Error, MessageStore, Result};

/// A [`MessageStore`] kept in memory only.
#[derive(Debug, Clone)]
pub struct MemoryStore {
    creation_time: DateTime<Utc>,
    next_sender: u64,
    next_target: u64,
    messages: BTreeMap<u64, Vec<u8>>,
}

impl MemoryStore {
    /// A fresh store: sequence numbers 1, created at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            creation_time: now,
            next_sender: 1,
            next_target: 1,
            messages: BTreeMap::new(),
        }
    }
}

impl MessageStore for MemoryStore {
    fn next_sender_seq(&self) -> u64 {
        self.next_sender
    }

    fn next_target_seq(&self) -> u64 {
        self.next_target
    }

    fn set_next_sender_seq(&mut self, seq: u64) -> Result<()> {
        check_seq(seq)?;
        if seq < self.next_sender {
            self.messages.split_off(&seq);
        }
        self.next_sender = seq;
        Ok(())
    }

    fn set_next_target_seq(&mut self, seq: u64) -> Result<()> {
        check_seq(seq)?;
        self.next_target = seq;
        Ok(())
    }

    fn save_message_and_incr_next_sender_seq(&mut self, seq: u64, msg: &[u8]) -> Result<()> {
        if seq != self.next_sender {
            return Err(Error::SeqMismatch {
                expected: self.next_sender,
                got: seq,
            });
        }
        let next = seq.checked_add(1).ok_or(Error::SeqOverflow)?;
        self.messages.insert(seq, msg.to_vec());
        self.next_sender = next;
        Ok(())
    }

    fn messages(&self, begin: u64, end: u64, out: &mut Vec<(u64, Vec<u8>)>) -> Result<()> {
        if begin <= end {
            out.extend(
                self.messages
                    .range(begin..=end)
                    .map(|(&s, m)| (s, m.clone())),
            );
        }
        Ok(())
    }

    fn creation_time(&self) -> DateTime<Utc> {
        self.creation_time
    }

    fn reset(&mut self, now: DateTime<Utc>) -> Result<()> {
        *self = Self::new(now);
        Ok(())
    }

    fn sync(&mut self) -> Result<()> {
        Ok(())
    }
}
