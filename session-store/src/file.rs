//! Append-only file store.
//!
//! One log per session, `<dir>/<session key>.store`, of CRC-framed records
//! (see `record.rs`): a header (version, creation time), then message and
//! seqnums records in write order. Replaying the log gives the state; the
//! latest record wins. An in-memory map seq -> (offset, length) built at open
//! serves resend ranges by positioned reads. Reset and compaction write
//! `<key>.store.tmp`, fsync it, rename it over the log and fsync the directory.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::record::{self, Record, FRAME_HEADER, MAX_PAYLOAD, VERSION};
use crate::{check_seq, Error, MessageStore, Result};

/// When the file store calls `fdatasync`. See the crate docs for what each
/// policy guarantees after a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FsyncPolicy {
    /// Only on [`MessageStore::sync`], reset and compaction.
    Never,
    /// After every record: every `Ok` survives a machine crash.
    #[default]
    EveryWrite,
    /// After every `n`th record (and on [`MessageStore::sync`]).
    EveryN(NonZeroU32),
}

/// File store settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStoreOptions {
    /// When to fsync.
    pub fsync: FsyncPolicy,
    /// Compact the log once superseded records take at least this many bytes
    /// and at least half the file.
    pub compact_min_dead_bytes: u64,
    /// Keep records in memory until [`MessageStore::flush`], then write them
    /// with one `write` call (the session flushes before it sends anything,
    /// so what a peer received is always in the file). Off: one write per
    /// record.
    pub batch_writes: bool,
}

impl Default for FileStoreOptions {
    fn default() -> Self {
        Self {
            fsync: FsyncPolicy::default(),
            compact_min_dead_bytes: 8 << 20,
            batch_writes: false,
        }
    }
}

/// Where a message frame lives in the log.
#[derive(Debug, Clone, Copy)]
struct Loc {
    offset: u64,
    len: u64,
}

/// The state a log replays to.
#[derive(Debug)]
struct State {
    created: DateTime<Utc>,
    next_sender: u64,
    next_target: u64,
    index: BTreeMap<u64, Loc>,
    /// Log length: offset of the next record.
    end: u64,
    /// Bytes of superseded records.
    dead: u64,
    last_seqnums_len: u64,
}

impl State {
    fn new(created: DateTime<Utc>, header_len: u64) -> Self {
        Self {
            created,
            next_sender: 1,
            next_target: 1,
            index: BTreeMap::new(),
            end: header_len,
            dead: 0,
            last_seqnums_len: 0,
        }
    }

    /// Applies a record found (or just written) at `offset`. Live writes and
    /// replay share this, so they cannot disagree.
    fn apply(&mut self, rec: &Record<'_>, offset: u64, len: u64) -> Result<(), &'static str> {
        match *rec {
            Record::Header { .. } => return Err("header record after the start"),
            Record::SeqNums { sender, target } => {
                if sender == 0 || target == 0 {
                    return Err("sequence number 0");
                }
                if sender < self.next_sender {
                    let dropped = self.index.split_off(&sender);
                    self.dead += dropped.values().map(|l| l.len).sum::<u64>();
                }
                self.next_sender = sender;
                self.next_target = target;
                self.dead += self.last_seqnums_len;
                self.last_seqnums_len = len;
            }
            Record::Message { seq, .. } => {
                if seq == 0 || seq < self.next_sender {
                    return Err("message sequence number below next sender seq");
                }
                self.next_sender = seq.checked_add(1).ok_or("message seq overflow")?;
                if let Some(old) = self.index.insert(seq, Loc { offset, len }) {
                    self.dead += old.len;
                }
            }
        }
        self.end = offset + len;
        Ok(())
    }
}

/// Injected failure of the next append (tests).
#[derive(Debug, Clone, Copy)]
struct WriteFault {
    written: usize,
    cleanup_fails: bool,
}

/// A [`MessageStore`] in an append-only, CRC-framed log file.
pub struct FileStore {
    path: PathBuf,
    tmp_path: PathBuf,
    dir: PathBuf,
    file: File,
    opts: FileStoreOptions,
    state: State,
    unsynced: u32,
    poisoned: bool,
    buf: Vec<u8>,
    /// Encoded records not yet written (batch mode), starting at `flushed`.
    pending: Vec<u8>,
    /// File length: where `pending` will go.
    flushed: u64,
    fault: Option<WriteFault>,
}

impl Drop for FileStore {
    fn drop(&mut self) {
        if !self.poisoned {
            let _ = self.write_pending();
        }
    }
}

impl fmt::Debug for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStore")
            .field("path", &self.path)
            .field("next_sender", &self.state.next_sender)
            .field("next_target", &self.state.next_target)
            .field("messages", &self.state.index.len())
            .field("log_len", &self.state.end)
            .field("poisoned", &self.poisoned)
            .finish_non_exhaustive()
    }
}

impl FileStore {
    /// Opens the store for `session_key` in `dir` (created if missing) with
    /// default options but the given fsync policy. A new store is created at
    /// `now`; an existing one is loaded, its torn tail cut.
    pub fn open(
        dir: &Path,
        session_key: &str,
        now: DateTime<Utc>,
        fsync: FsyncPolicy,
    ) -> Result<Self> {
        let opts = FileStoreOptions {
            fsync,
            ..FileStoreOptions::default()
        };
        Self::open_with(dir, session_key, now, opts)
    }

    /// [`FileStore::open`] with every option.
    pub fn open_with(
        dir: &Path,
        session_key: &str,
        now: DateTime<Utc>,
        opts: FileStoreOptions,
    ) -> Result<Self> {
        let stem = file_stem(session_key)?;
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir.to_path_buf()
        };
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let path = dir.join(format!("{stem}.store"));
        let tmp_path = dir.join(format!("{stem}.store.tmp"));
        match fs::remove_file(&tmp_path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_err(&tmp_path)(e)),
            _ => {}
        }
        if !path.try_exists().map_err(io_err(&path))? {
            write_log(&tmp_path, &path, &dir, now, |_| Ok(())).map_err(|e| e.error)?;
        }
        let file = open_append(&path)?;
        let (state, torn_at) = scan(&file, &path)?;
        if let Some(at) = torn_at {
            file.set_len(at)
                .and_then(|()| file.sync_all())
                .map_err(io_err(&path))?;
        }
        let flushed = state.end;
        Ok(Self {
            path,
            tmp_path,
            dir,
            file,
            opts,
            state,
            unsynced: 0,
            poisoned: false,
            buf: Vec::with_capacity(4096),
            pending: Vec::new(),
            flushed,
            fault: None,
        })
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Current log length in bytes.
    pub fn log_len(&self) -> u64 {
        self.state.end
    }

    /// Makes the next append write only its first `written` bytes and fail.
    /// With `cleanup_fails` the partial record is left in the file and the
    /// store is poisoned, as after a crash mid-write.
    #[doc(hidden)]
    pub fn inject_write_fault(&mut self, written: usize, cleanup_fails: bool) {
        self.fault = Some(WriteFault {
            written,
            cleanup_fails,
        });
    }

    fn corrupt(&self, offset: u64, reason: &str) -> Error {
        Error::Corrupt {
            path: self.path.clone(),
            offset,
            reason: reason.to_owned(),
        }
    }

    fn should_compact(&self) -> bool {
        let dead = self.state.dead;
        dead >= self.opts.compact_min_dead_bytes && dead.saturating_mul(2) >= self.state.end
    }

    /// Appends one record and applies it: the only way state changes between
    /// rewrites.
    fn commit(&mut self, rec: &Record<'_>) -> Result<()> {
        if self.poisoned {
            return Err(Error::Poisoned);
        }
        if self.should_compact() {
            self.write_pending()?;
            let created = self.state.created;
            self.rewrite(created, true)?;
            self.flushed = self.state.end;
        }
        self.buf.clear();
        let len = record::encode(rec, &mut self.buf) as u64;
        let offset = self.state.end;
        if self.opts.batch_writes {
            self.pending.extend_from_slice(&self.buf);
        } else {
            self.append_buf()?;
            self.flushed = offset + len;
        }
        self.state
            .apply(rec, offset, len)
            .map_err(|r| self.corrupt(offset, r))
    }

    /// Writes the batched records, if any, with one `write` call.
    fn write_pending(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        std::mem::swap(&mut self.buf, &mut self.pending);
        let end = self.flushed + self.buf.len() as u64;
        let state_end = self.state.end;
        // append_buf cuts a failed write back to `state.end`: here, the
        // flushed length.
        self.state.end = self.flushed;
        let res = self.append_buf();
        self.state.end = state_end;
        std::mem::swap(&mut self.buf, &mut self.pending);
        self.pending.clear();
        res?;
        self.flushed = end;
        Ok(())
    }

    /// Writes `self.buf` with one `write` call and fsyncs per policy. A
    /// failed write is cut back off the file, or poisons the store.
    fn append_buf(&mut self) -> Result<()> {
        let (res, cleanup_fails) = match self.fault.take() {
            None => (self.file.write_all(&self.buf), false),
            Some(f) => {
                let part = &self.buf[..f.written.min(self.buf.len())];
                let res = self
                    .file
                    .write_all(part)
                    .and(Err(io::Error::other("injected write fault")));
                (res, f.cleanup_fails)
            }
        };
        if let Err(e) = res {
            if cleanup_fails || self.file.set_len(self.state.end).is_err() {
                self.poisoned = true;
            }
            return Err(io_err(&self.path)(e));
        }
        self.unsynced += 1;
        let due = match self.opts.fsync {
            FsyncPolicy::Never => false,
            FsyncPolicy::EveryWrite => true,
            FsyncPolicy::EveryN(n) => self.unsynced >= n.get(),
        };
        if due {
            self.sync_file()?;
        }
        Ok(())
    }

    fn sync_file(&mut self) -> Result<()> {
        if let Err(e) = self.file.sync_data() {
            // After a failed fsync the page cache can't be trusted (fsyncgate).
            self.poisoned = true;
            return Err(io_err(&self.path)(e));
        }
        self.unsynced = 0;
        Ok(())
    }

    /// Reads and checks the message frame at `loc`; returns its body.
    fn read_message<'a>(&self, seq: u64, loc: Loc, scratch: &'a mut Vec<u8>) -> Result<&'a [u8]> {
        scratch.resize(loc.len as usize, 0);
        if loc.offset >= self.flushed {
            // Still in the batch.
            let at = (loc.offset - self.flushed) as usize;
            scratch.copy_from_slice(&self.pending[at..at + loc.len as usize]);
        } else {
            read_exact_at(&self.file, scratch, loc.offset).map_err(io_err(&self.path))?;
        }
        let Some((len, crc)) = record::parse_header(scratch) else {
            return Err(self.corrupt(loc.offset, "bad frame header"));
        };
        let payload = &scratch[FRAME_HEADER..];
        if len != payload.len() || !record::check(payload, crc) {
            return Err(self.corrupt(loc.offset, "CRC mismatch on read"));
        }
        match record::decode(payload) {
            Ok(Record::Message { seq: s, body }) if s == seq => Ok(body),
            _ => Err(self.corrupt(loc.offset, "index points at the wrong record")),
        }
    }

    /// Rewrites the log as header(created) [+ live messages + seqnums], via a
    /// temporary file and rename.
    fn rewrite(&mut self, created: DateTime<Utc>, keep: bool) -> Result<()> {
        let mut scratch = Vec::new();
        let mut frame = Vec::new();
        let new_state = write_log(&self.tmp_path, &self.path, &self.dir, created, |w| {
            if !keep {
                return Ok(());
            }
            for (&seq, &loc) in &self.state.index {
                let body = self.read_message(seq, loc, &mut scratch)?;
                w.record(&Record::Message { seq, body }, &mut frame)?;
            }
            w.record(
                &Record::SeqNums {
                    sender: self.state.next_sender,
                    target: self.state.next_target,
                },
                &mut frame,
            )
        });
        let new_state = match new_state {
            Ok(s) => s,
            Err(e) => {
                // After the rename our handle is on the unlinked old file.
                self.poisoned |= e.renamed;
                return Err(e.error);
            }
        };
        match open_append(&self.path) {
            Ok(f) => self.file = f,
            Err(e) => {
                self.poisoned = true;
                return Err(e);
            }
        }
        self.state = new_state;
        self.unsynced = 0;
        Ok(())
    }
}

/// Writes records to a temporary log, tracking the state they replay to.
struct LogWriter<'a> {
    w: BufWriter<&'a File>,
    state: State,
    path: &'a Path,
}

impl LogWriter<'_> {
    fn record(&mut self, rec: &Record<'_>, frame: &mut Vec<u8>) -> Result<()> {
        frame.clear();
        let len = record::encode(rec, frame) as u64;
        self.w.write_all(frame).map_err(io_err(self.path))?;
        let offset = self.state.end;
        self.state
            .apply(rec, offset, len)
            .map_err(|reason| Error::Corrupt {
                path: self.path.to_path_buf(),
                offset,
                reason: reason.to_owned(),
            })
    }
}

/// A failed [`write_log`]: `renamed` tells whether `path` was replaced.
struct WriteLogError {
    error: Error,
    renamed: bool,
}

/// Creates `tmp` with a header and whatever `body` writes, fsyncs it, renames
/// it to `path` and fsyncs `dir`. Returns the new log's state. A failure
/// before the rename removes `tmp` and leaves `path` as it was.
fn write_log(
    tmp: &Path,
    path: &Path,
    dir: &Path,
    created: DateTime<Utc>,
    body: impl FnOnce(&mut LogWriter<'_>) -> Result<()>,
) -> Result<State, WriteLogError> {
    let before_rename = || -> Result<State> {
        let file = File::create(tmp).map_err(io_err(tmp))?;
        let mut frame = Vec::new();
        let header_len = record::encode(
            &Record::Header {
                version: VERSION,
                created,
            },
            &mut frame,
        ) as u64;
        let mut w = LogWriter {
            w: BufWriter::with_capacity(1 << 16, &file),
            state: State::new(created, header_len),
            path: tmp,
        };
        w.w.write_all(&frame).map_err(io_err(tmp))?;
        body(&mut w)?;
        w.w.flush().map_err(io_err(tmp))?;
        let state = w.state;
        file.sync_all().map_err(io_err(tmp))?;
        fs::rename(tmp, path).map_err(io_err(path))?;
        Ok(state)
    };
    let state = match before_rename() {
        Ok(s) => s,
        Err(error) => {
            let _ = fs::remove_file(tmp);
            return Err(WriteLogError {
                error,
                renamed: false,
            });
        }
    };
    sync_dir(dir).map_err(|e| WriteLogError {
        error: io_err(dir)(e),
        renamed: true,
    })?;
    Ok(state)
}

impl MessageStore for FileStore {
    fn next_sender_seq(&self) -> u64 {
        self.state.next_sender
    }

    fn next_target_seq(&self) -> u64 {
        self.state.next_target
    }

    fn set_next_sender_seq(&mut self, seq: u64) -> Result<()> {
        check_seq(seq)?;
        if seq == self.state.next_sender {
            return Ok(());
        }
        self.commit(&Record::SeqNums {
            sender: seq,
            target: self.state.next_target,
        })
    }

    fn set_next_target_seq(&mut self, seq: u64) -> Result<()> {
        check_seq(seq)?;
        if seq == self.state.next_target {
            return Ok(());
        }
        self.commit(&Record::SeqNums {
            sender: self.state.next_sender,
            target: seq,
        })
    }

    fn save_message_and_incr_next_sender_seq(&mut self, seq: u64, msg: &[u8]) -> Result<()> {
        if seq != self.state.next_sender {
            return Err(Error::SeqMismatch {
                expected: self.state.next_sender,
                got: seq,
            });
        }
        seq.checked_add(1).ok_or(Error::SeqOverflow)?;
        if record::message_payload_len(msg.len()) > MAX_PAYLOAD {
            return Err(Error::MessageTooLarge {
                len: msg.len(),
                max: MAX_PAYLOAD - record::message_payload_len(0),
            });
        }
        self.commit(&Record::Message { seq, body: msg })
    }

    fn messages(&self, begin: u64, end: u64, out: &mut Vec<(u64, Vec<u8>)>) -> Result<()> {
        if begin > end {
            return Ok(());
        }
        let mut scratch = Vec::new();
        for (&seq, &loc) in self.state.index.range(begin..=end) {
            let body = self.read_message(seq, loc, &mut scratch)?;
            out.push((seq, body.to_vec()));
        }
        Ok(())
    }

    fn creation_time(&self) -> DateTime<Utc> {
        self.state.created
    }

    fn reset(&mut self, now: DateTime<Utc>) -> Result<()> {
        if self.poisoned {
            return Err(Error::Poisoned);
        }
        self.pending.clear();
        self.rewrite(now, false)?;
        self.flushed = self.state.end;
        Ok(())
    }

    fn sync(&mut self) -> Result<()> {
        if self.poisoned {
            return Err(Error::Poisoned);
        }
        self.write_pending()?;
        self.sync_file()
    }

    fn flush(&mut self) -> Result<()> {
        if self.poisoned {
            return Err(Error::Poisoned);
        }
        self.write_pending()
    }
}

/// Replays the log. Returns the state and, if the tail is torn, the offset
/// to cut it at. A damaged record followed by a valid one is corruption.
fn scan(file: &File, path: &Path) -> Result<(State, Option<u64>)> {
    let corrupt = |offset: u64, reason: &str| Error::Corrupt {
        path: path.to_path_buf(),
        offset,
        reason: reason.to_owned(),
    };
    let file_len = file.metadata().map_err(io_err(path))?.len();
    let mut r = BufReader::with_capacity(1 << 16, file);
    let mut hdr = [0u8; FRAME_HEADER];
    let mut payload = Vec::new();
    let mut state: Option<State> = None;
    let mut pos = 0u64;
    let bad_at = loop {
        if pos == file_len {
            break None;
        }
        if file_len - pos < FRAME_HEADER as u64 {
            break Some(pos);
        }
        r.read_exact(&mut hdr).map_err(io_err(path))?;
        let Some((len, crc)) = record::parse_header(&hdr) else {
            break Some(pos);
        };
        if file_len - pos - (FRAME_HEADER as u64) < len as u64 {
            break Some(pos);
        }
        payload.resize(len, 0);
        r.read_exact(&mut payload).map_err(io_err(path))?;
        if !record::check(&payload, crc) {
            break Some(pos);
        }
        let rec = record::decode(&payload).map_err(|e| corrupt(pos, e))?;
        let frame_len = (FRAME_HEADER + len) as u64;
        match (&mut state, rec) {
            (None, Record::Header { version, created }) => {
                if version != VERSION {
                    return Err(corrupt(pos, &format!("unsupported version {version}")));
                }
                state = Some(State::new(created, frame_len));
            }
            (None, _) => return Err(corrupt(pos, "log does not start with a header")),
            (Some(st), rec) => st
                .apply(&rec, pos, frame_len)
                .map_err(|e| corrupt(pos, e))?,
        }
        pos += frame_len;
    };
    if let Some(bad) = bad_at {
        if let Some(valid) = find_valid_frame(file, bad + 1, file_len).map_err(io_err(path))? {
            return Err(corrupt(
                bad,
                &format!("damaged record followed by a valid record at byte {valid}"),
            ));
        }
    }
    let state = state.ok_or_else(|| corrupt(0, "no valid header record"))?;
    Ok((state, bad_at))
}

/// The offset of the first complete, CRC-valid frame starting in `from..len`.
fn find_valid_frame(file: &File, from: u64, len: u64) -> io::Result<Option<u64>> {
    let hl = FRAME_HEADER as u64;
    let mut chunk = vec![0u8; 1 << 16];
    let mut payload = Vec::new();
    let mut off = from;
    while off + hl <= len {
        let n = (chunk.len() as u64).min(len - off) as usize;
        read_exact_at(file, &mut chunk[..n], off)?;
        for i in 0..n - 1 {
            if chunk[i..i + 2] != record::MAGIC {
                continue;
            }
            let at = off + i as u64;
            if at + hl > len {
                return Ok(None);
            }
            let mut hdr = [0u8; FRAME_HEADER];
            read_exact_at(file, &mut hdr, at)?;
            let Some((plen, crc)) = record::parse_header(&hdr) else {
                continue;
            };
            if at + hl + plen as u64 > len {
                continue;
            }
            payload.resize(plen, 0);
            read_exact_at(file, &mut payload, at + hl)?;
            if record::check(&payload, crc) {
                return Ok(Some(at));
            }
        }
        off += (n - 1) as u64;
    }
    Ok(None)
}

/// File name stem for a session key: `[A-Za-z0-9_-]` and non-leading `.`
/// kept, every other byte `%XX`, so distinct keys get distinct files.
fn file_stem(key: &str) -> Result<String> {
    let mut s = String::with_capacity(key.len());
    for (i, b) in key.bytes().enumerate() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (b == b'.' && i > 0) {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    if s.is_empty() || s.len() > 200 {
        return Err(Error::InvalidSessionKey(key.to_owned()));
    }
    Ok(s)
}

fn open_append(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .open(path)
        .map_err(io_err(path))
}

fn io_err(path: &Path) -> impl Fn(io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe_and_distinct() {
        assert_eq!(file_stem("FIX.4.2-ISLD-TW42").unwrap(), "FIX.4.2-ISLD-TW42");
        assert_eq!(file_stem("A/B").unwrap(), "A%2FB");
        assert_eq!(file_stem("A_B").unwrap(), "A_B");
        assert_eq!(file_stem("A%2FB").unwrap(), "A%252FB");
        assert_eq!(file_stem("..").unwrap(), "%2E.");
        assert_eq!(file_stem("a b:c").unwrap(), "a%20b%3Ac");
        assert!(file_stem("").is_err());
        assert!(file_stem(&"x".repeat(201)).is_err());
    }
}
