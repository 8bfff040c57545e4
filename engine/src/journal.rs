//! Append-only input journal: one record per journaled command.
//!
//! Frame: `len: u32 | crc32(len): u32 | crc32(payload): u32 | payload`, payload =
//! `seq: u64 | timestamp_nanos: i64 | command`. Appends are buffered per batch and
//! written by [`Journal::commit`], which fsyncs per [`Durability`] (group commit).
//!
//! Recovery: an incomplete last frame, or a last frame whose payload checksum fails
//! (a torn write), is cut off. A bad frame header anywhere, or a bad payload followed
//! by more data, is corruption: start-up stops with the offset; nothing is skipped.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::codec::{Dec, Enc};
use crate::types::Command;

const HEADER: usize = 12;
/// Upper bound on one record; a larger length is a corrupt header.
const MAX_RECORD: u32 = 1 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Durability {
    /// Write, never fsync (tests, simulations).
    None,
    /// fsync (fdatasync) once per committed batch.
    #[default]
    FsyncPerBatch,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalRecord {
    pub seq: u64,
    pub timestamp_nanos: i64,
    pub command: Command,
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("journal {path} is corrupt at byte {offset}: {why}; refusing to start (restore or truncate it by hand)")]
    Corrupt {
        path: PathBuf,
        offset: u64,
        why: String,
    },
    #[error("journal sequence: expected {expected}, got {got}")]
    Sequence { expected: u64, got: u64 },
}

/// Result of scanning journal bytes.
#[derive(Debug)]
pub struct Scan {
    pub records: Vec<JournalRecord>,
    /// Bytes of whole, valid records; anything after is a torn tail.
    pub valid_len: usize,
}

/// Scan journal bytes (pure). `Err((offset, why))` on corruption before the tail.
pub fn scan(bytes: &[u8]) -> Result<Scan, (u64, String)> {
    let mut records = Vec::new();
    let mut pos = 0usize;
    let mut prev: Option<u64> = None;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        if rest.len() < HEADER {
            break; // torn header
        }
        let len = u32::from_le_bytes(rest[0..4].try_into().expect("4"));
        let hcrc = u32::from_le_bytes(rest[4..8].try_into().expect("4"));
        let pcrc = u32::from_le_bytes(rest[8..12].try_into().expect("4"));
        if crc32fast::hash(&rest[0..4]) != hcrc || len > MAX_RECORD {
            return Err((pos as u64, "bad record header".into()));
        }
        let end = HEADER + len as usize;
        if rest.len() < end {
            break; // torn payload
        }
        let payload = &rest[HEADER..end];
        if crc32fast::hash(payload) != pcrc {
            if rest.len() == end {
                break; // torn last record
            }
            return Err((pos as u64, "payload checksum mismatch".into()));
        }
        let mut d = Dec::new(payload);
        let rec = (|| {
            let seq = d.u64()?;
            let timestamp_nanos = d.i64()?;
            let command = d.command()?;
            Ok::<_, crate::codec::DecodeError>(JournalRecord {
                seq,
                timestamp_nanos,
                command,
            })
        })()
        .map_err(|e| (pos as u64, e.to_string()))?;
        if !d.done() {
            return Err((pos as u64, "trailing bytes in record".into()));
        }
        if let Some(p) = prev {
            if rec.seq != p + 1 {
                return Err((pos as u64, format!("sequence gap: {} after {p}", rec.seq)));
            }
        }
        prev = Some(rec.seq);
        records.push(rec);
        pos += end;
    }
    Ok(Scan {
        records,
        valid_len: pos,
    })
}

/// Encode one framed record onto `buf`.
pub fn encode_record(buf: &mut Vec<u8>, seq: u64, timestamp_nanos: i64, cmd: &Command) {
    let start = buf.len();
    buf.extend_from_slice(&[0u8; HEADER]);
    {
        let mut e = Enc(buf);
        e.u64(seq);
        e.i64(timestamp_nanos);
        e.command(cmd);
    }
    let len = (buf.len() - start - HEADER) as u32;
    let lb = len.to_le_bytes();
    let pcrc = crc32fast::hash(&buf[start + HEADER..]);
    buf[start..start + 4].copy_from_slice(&lb);
    buf[start + 4..start + 8].copy_from_slice(&crc32fast::hash(&lb).to_le_bytes());
    buf[start + 8..start + 12].copy_from_slice(&pcrc.to_le_bytes());
}

pub struct Journal {
    file: File,
    path: PathBuf,
    buf: Vec<u8>,
    next_seq: u64,
    durability: Durability,
}

impl Journal {
    /// Open (or create) a journal file, cut a torn tail, and return its records.
    pub fn open(
        path: &Path,
        durability: Durability,
    ) -> Result<(Journal, Vec<JournalRecord>), JournalError> {
        let io = |source| JournalError::Io {
            path: path.into(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        let s = scan(&bytes).map_err(|(offset, why)| JournalError::Corrupt {
            path: path.into(),
            offset,
            why,
        })?;
        if s.valid_len < bytes.len() {
            tracing::warn!(
                path = %path.display(),
                cut = bytes.len() - s.valid_len,
                "journal: cutting torn tail"
            );
            file.set_len(s.valid_len as u64).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        file.seek(SeekFrom::Start(s.valid_len as u64)).map_err(io)?;
        let next_seq = s.records.last().map_or(1, |r| r.seq + 1);
        Ok((
            Journal {
                file,
                path: path.into(),
                buf: Vec::with_capacity(1 << 16),
                next_seq,
                durability,
            },
            s.records,
        ))
    }

    /// The sequence the next append must carry.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    pub(crate) fn set_next_seq(&mut self, seq: u64) {
        self.next_seq = seq;
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Buffer one record; `seq` must be the expected next sequence.
    pub fn append(
        &mut self,
        seq: u64,
        timestamp_nanos: i64,
        cmd: &Command,
    ) -> Result<(), JournalError> {
        if seq != self.next_seq {
            return Err(JournalError::Sequence {
                expected: self.next_seq,
                got: seq,
            });
        }
        debug_assert!(cmd.is_journaled());
        encode_record(&mut self.buf, seq, timestamp_nanos, cmd);
        self.next_seq += 1;
        Ok(())
    }

    /// Write the buffered batch and make it durable per the policy.
    pub fn commit(&mut self) -> Result<(), JournalError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let io = |source| JournalError::Io {
            path: self.path.clone(),
            source,
        };
        self.file.write_all(&self.buf).map_err(io)?;
        if self.durability == Durability::FsyncPerBatch {
            self.file.sync_data().map_err(io)?;
        }
        self.buf.clear();
        Ok(())
    }
}
