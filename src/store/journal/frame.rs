//! The journal's on-disk frames: `len u32 | crc32 u32 | epoch u64 | kind u8 | payload`,
//! little-endian, the checksum covering epoch, kind and payload. A batch payload is
//! `count u32` then per write `tree u8 | has_value u8 | key_len u32 | key
//! [| value_len u32 | value]`.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::{JournalError, JournalOp};

/// Bytes before a frame's payload: length (u32), CRC-32 (u32), epoch (u64), kind (u8).
pub(super) const FRAME_HEADER: usize = 17;
/// The marker frame that opens an epoch.
pub(super) const KIND_MARKER: u8 = 0;
/// A batch of writes.
pub(super) const KIND_BATCH: u8 = 1;
/// Payloads above this are treated as a torn or garbage length, not as a frame.
const MAX_FRAME: u32 = 256 << 20;

pub(super) fn frame_len(ops: &[JournalOp]) -> u64 {
    let payload: usize = 4 + ops
        .iter()
        .map(|op| 1 + 1 + 4 + op.key.len() + op.value.as_ref().map_or(0, |v| 4 + v.len()))
        .sum::<usize>();
    (FRAME_HEADER + payload) as u64
}

pub(super) fn encode_batch(ops: &[JournalOp]) -> Vec<u8> {
    let mut out = Vec::with_capacity(frame_len(ops) as usize - FRAME_HEADER);
    out.extend_from_slice(&(ops.len() as u32).to_le_bytes());
    for op in ops {
        out.push(op.tree);
        out.push(u8::from(op.value.is_some()));
        out.extend_from_slice(&(op.key.len() as u32).to_le_bytes());
        out.extend_from_slice(&op.key);
        if let Some(v) = &op.value {
            out.extend_from_slice(&(v.len() as u32).to_le_bytes());
            out.extend_from_slice(v);
        }
    }
    out
}

fn checksum(epoch: u64, kind: u8, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&epoch.to_le_bytes());
    h.update(&[kind]);
    h.update(payload);
    h.finalize()
}

pub(super) fn encode_frame(epoch: u64, kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(FRAME_HEADER + payload.len());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&checksum(epoch, kind, payload).to_le_bytes());
    out.extend_from_slice(&epoch.to_le_bytes());
    out.push(kind);
    out.extend_from_slice(payload);
    out
}

/// A frame read back from disk.
struct Frame {
    epoch: u64,
    kind: u8,
    payload: Vec<u8>,
}

/// Reads the frame at `at`, or `None` when it is torn, zero or past the end.
fn read_frame(file: &File, len: u64, at: u64) -> io::Result<Option<Frame>> {
    if at + FRAME_HEADER as u64 > len {
        return Ok(None);
    }
    let mut header = [0u8; FRAME_HEADER];
    file.read_exact_at(&mut header, at)?;
    let size = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
    let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    let mut epoch = [0u8; 8];
    epoch.copy_from_slice(&header[8..16]);
    let epoch = u64::from_le_bytes(epoch);
    let kind = header[16];
    if size > MAX_FRAME || at + (FRAME_HEADER as u64) + u64::from(size) > len {
        return Ok(None);
    }
    let mut payload = vec![0u8; size as usize];
    file.read_exact_at(&mut payload, at + FRAME_HEADER as u64)?;
    if crc == 0 && epoch == 0 && size == 0 {
        // Zero fill: never a valid frame (a real marker has a random epoch).
        return Ok(None);
    }
    if checksum(epoch, kind, &payload) != crc {
        return Ok(None);
    }
    Ok(Some(Frame {
        epoch,
        kind,
        payload,
    }))
}

/// What [`read_frames`] found.
pub(super) struct Contents {
    /// The current epoch, if the marker frame is intact.
    pub epoch: Option<u64>,
    /// The end of the epoch's last intact frame: where the next frame goes.
    pub end: u64,
    /// The batches to replay, oldest first.
    pub batches: Vec<Vec<JournalOp>>,
}

/// Reads the marker and every intact frame of its epoch.
pub(super) fn read_frames(file: &File, len: u64, path: &Path) -> Result<Contents, JournalError> {
    let io_err = |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    };
    let marker = match read_frame(file, len, 0).map_err(io_err)? {
        Some(f) if f.kind == KIND_MARKER => f,
        // No intact marker: a new file, or a reset torn mid-write (which only happens
        // after a checkpoint, so nothing is owed).
        _ => {
            return Ok(Contents {
                epoch: None,
                end: 0,
                batches: Vec::new(),
            })
        }
    };
    let mut pos = (FRAME_HEADER + marker.payload.len()) as u64;
    let mut batches = Vec::new();
    while let Some(frame) = read_frame(file, len, pos).map_err(io_err)? {
        if frame.epoch != marker.epoch || frame.kind != KIND_BATCH {
            break;
        }
        let ops = decode_batch(&frame.payload).map_err(|detail| JournalError::Damaged {
            path: path.to_path_buf(),
            offset: pos,
            detail,
        })?;
        batches.push(ops);
        pos += (FRAME_HEADER + frame.payload.len()) as u64;
    }
    Ok(Contents {
        epoch: Some(marker.epoch),
        end: pos,
        batches,
    })
}

fn decode_batch(payload: &[u8]) -> Result<Vec<JournalOp>, String> {
    let mut rest = payload;
    let mut take = |n: usize, what: &str| -> Result<&[u8], String> {
        if rest.len() < n {
            return Err(format!("{what} runs past the end of the frame"));
        }
        let (head, tail) = rest.split_at(n);
        rest = tail;
        Ok(head)
    };
    let u32_at = |b: &[u8]| u32::from_le_bytes(b.try_into().unwrap_or_default()) as usize;
    let count = u32_at(take(4, "write count")?);
    let mut ops = Vec::with_capacity(count.min(4096));
    for _ in 0..count {
        let tree = take(1, "tree")?[0];
        let has_value = match take(1, "write kind")?[0] {
            0 => false,
            1 => true,
            other => return Err(format!("unknown write kind {other}")),
        };
        let klen = u32_at(take(4, "key length")?);
        let key = take(klen, "key")?.to_vec();
        let value = if has_value {
            let vlen = u32_at(take(4, "value length")?);
            Some(take(vlen, "value")?.to_vec())
        } else {
            None
        };
        ops.push(JournalOp { tree, key, value });
    }
    if !rest.is_empty() {
        return Err(format!("{} stray bytes after the last write", rest.len()));
    }
    Ok(ops)
}
