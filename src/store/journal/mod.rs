//! The redo journal: what makes a commit durable.
//!
//! Every group-commit batch is written here as one checksummed frame holding the exact
//! key/value writes it makes, and the frame is synced *before* the batch touches sled
//! or anyone is acknowledged. sled then applies the writes in memory and writes them
//! out at its own pace; a checkpoint (sled flush + sync, then a fresh journal epoch)
//! bounds the journal. After any stop, [`Journal::open`] hands back the frames written
//! since the last checkpoint and the store re-applies them in order.
//!
//! Why not `sled::Db::flush` per batch: on Linux it is a write plus `sync_file_range`,
//! one device round trip that still does not survive a power cut, so power-loss safety
//! needed a second round trip (`fdatasync`). One pre-allocated file overwritten in place
//! and `fdatasync`ed costs one round trip and no metadata update.
//!
//! Invariants:
//! - Frames hold absolute values (put bytes / remove key), never deltas, so replaying a
//!   frame that sled already has is harmless, and replaying every frame in order
//!   reproduces the state after the last one.
//! - sled only ever receives writes that are already in a synced frame, so whatever
//!   prefix of them sled recovers after a crash, the journal holds the rest.
//! - A frame belongs to the epoch written in the marker frame at offset 0. Replay stops
//!   at the first frame that is torn (bad length or checksum) or carries another epoch,
//!   which is how stale frames of earlier epochs beyond the tail are ignored. Epochs are
//!   random, so a torn marker can never make old frames look current.
//! - The marker is rewritten only after a checkpoint made every earlier frame redundant;
//!   if that write is torn, there is nothing to replay, which is correct.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use self::frame::{
    encode_batch, encode_frame, frame_len, read_frames, Contents, KIND_BATCH, KIND_MARKER,
};

mod frame;
#[cfg(test)]
mod tests;

/// Default journal size: the file is pre-allocated (zero-filled) to this, and a
/// checkpoint runs before a frame would cross it. About 3,000 typical actions
/// (~1.3 KB each); small enough that every fresh data directory (each test, each
/// newcomer's first run) does not pay for a large zero fill.
pub(crate) const DEFAULT_CAPACITY: u64 = 4 << 20;

/// One write in a frame. `tree` is the store's tree index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JournalOp {
    /// Tree index (the store's `Tree as u8`).
    pub tree: u8,
    /// Key.
    pub key: Vec<u8>,
    /// New value, or `None` for a removal.
    pub value: Option<Vec<u8>>,
}

/// A journal file that cannot be read back.
#[derive(Debug, thiserror::Error)]
pub(crate) enum JournalError {
    /// The file could not be opened, read, written or synced.
    #[error("journal {}: {source}", path.display())]
    Io {
        /// The journal file.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// A frame passed its checksum but does not decode: not a torn write, real damage.
    #[error("journal {} is damaged at byte {offset}: {detail}", path.display())]
    Damaged {
        /// The journal file.
        path: PathBuf,
        /// Offset of the frame.
        offset: u64,
        /// What is wrong with it.
        detail: String,
    },
}

/// The open journal, positioned after the last frame of the current epoch.
#[derive(Debug)]
pub(crate) struct Journal {
    file: File,
    path: PathBuf,
    epoch: u64,
    pos: u64,
    capacity: u64,
    sync: bool,
}

impl Journal {
    /// Opens (creating and pre-allocating if needed) the journal at `path`, and returns
    /// it with the batches written since the last checkpoint, oldest first. `sync` says
    /// whether appends are `fdatasync`ed (power-loss safety) or only written (survives a
    /// killed process). Call [`Journal::reset`] once the batches are safely applied.
    pub(crate) fn open(
        path: &Path,
        capacity: u64,
        sync: bool,
    ) -> Result<(Journal, Vec<Vec<JournalOp>>), JournalError> {
        let path = path.to_path_buf();
        let err = |source| JournalError::Io {
            path: path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(err)?;
        let len = file.metadata().map_err(err)?.len();
        let Contents {
            epoch,
            end: pos,
            batches,
        } = read_frames(&file, len, &path)?;
        if len < capacity {
            // Zero-filled once so later in-place writes need no allocation and
            // `fdatasync` has no metadata to write. Frames already present stay.
            zero_fill(&file, len, capacity).map_err(err)?;
        }
        let mut journal = Journal {
            file,
            path,
            epoch: epoch.unwrap_or(0),
            pos,
            capacity: capacity.max(len),
            sync,
        };
        if epoch.is_none() {
            // Frames are only ever appended behind an intact marker.
            journal.reset()?;
        }
        Ok((journal, batches))
    }

    /// Whether a frame of `ops` fits before the pre-allocated end; when it does not,
    /// the caller checkpoints and calls [`Journal::reset`] first.
    pub(crate) fn has_room_for(&self, ops: &[JournalOp]) -> bool {
        self.pos + frame_len(ops) <= self.capacity
    }

    /// Appends one batch as a frame and makes it durable (per the `sync` setting).
    /// On error the frame may or may not be on disk; the caller must stop writing.
    pub(crate) fn append(&mut self, ops: &[JournalOp]) -> Result<(), JournalError> {
        let frame = encode_frame(self.epoch, KIND_BATCH, &encode_batch(ops));
        self.write_frame(self.pos, &frame)?;
        self.pos += frame.len() as u64;
        self.capacity = self.capacity.max(self.pos);
        Ok(())
    }

    /// Starts a new epoch: every earlier frame stops counting. Only call this after
    /// the writes of every earlier frame are durable elsewhere (a checkpoint).
    pub(crate) fn reset(&mut self) -> Result<(), JournalError> {
        let mut epoch = self.epoch;
        while epoch == self.epoch {
            epoch = getrandom::u64().map_err(|e| JournalError::Io {
                path: self.path.clone(),
                source: io::Error::other(format!("no randomness for a journal epoch: {e}")),
            })?;
        }
        let frame = encode_frame(epoch, KIND_MARKER, &[]);
        self.write_frame(0, &frame)?;
        self.epoch = epoch;
        self.pos = frame.len() as u64;
        Ok(())
    }

    /// Bytes in use (marker and frames of the current epoch).
    #[cfg(test)]
    pub(crate) fn len(&self) -> u64 {
        self.pos
    }

    fn write_frame(&self, at: u64, frame: &[u8]) -> Result<(), JournalError> {
        let err = |source| JournalError::Io {
            path: self.path.clone(),
            source,
        };
        self.file.write_all_at(frame, at).map_err(err)?;
        if self.sync {
            self.file.sync_data().map_err(err)?;
        }
        Ok(())
    }
}

fn zero_fill(file: &File, from: u64, to: u64) -> io::Result<()> {
    const CHUNK: u64 = 1 << 20;
    let zeros = vec![0u8; CHUNK as usize];
    let mut at = from;
    while at < to {
        let n = CHUNK.min(to - at);
        file.write_all_at(&zeros[..n as usize], at)?;
        at += n;
    }
    file.sync_all()
}
