//! Journal round trips, torn writes and damage.

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;

use super::frame::{encode_frame, KIND_BATCH};
use super::*;

fn op(tree: u8, key: &str, value: Option<&str>) -> JournalOp {
    JournalOp {
        tree,
        key: key.as_bytes().to_vec(),
        value: value.map(|v| v.as_bytes().to_vec()),
    }
}

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

const CAP: u64 = 64 << 10;

#[test]
fn frames_come_back_in_order_until_reset() {
    let d = dir();
    let path = d.path().join("j");
    let (mut j, replay) = Journal::open(&path, CAP, true).expect("open");
    assert!(replay.is_empty());
    let a = vec![
        op(1, "SUB-1", Some("disabled")),
        op(3, "audit/1", Some("x")),
    ];
    let b = vec![op(5, "conf/1", None)];
    j.append(&a).expect("append a");
    j.append(&b).expect("append b");
    drop(j);
    let (mut j, replay) = Journal::open(&path, CAP, true).expect("reopen");
    assert_eq!(replay, vec![a, b]);
    j.reset().expect("reset");
    drop(j);
    let (_, replay) = Journal::open(&path, CAP, true).expect("reopen after reset");
    assert!(replay.is_empty(), "frames of an old epoch must not replay");
    assert_eq!(std::fs::metadata(&path).expect("meta").len(), CAP);
}

#[test]
fn a_torn_tail_is_dropped_and_earlier_frames_kept() {
    let d = dir();
    let path = d.path().join("j");
    let (mut j, _) = Journal::open(&path, CAP, false).expect("open");
    let a = vec![op(1, "k", Some("v1"))];
    j.append(&a).expect("a");
    let tail_start = j.len();
    j.append(&[op(1, "k", Some("v2"))]).expect("b");
    let end = j.len();
    drop(j);
    // Tear the second frame: its last byte never reached the disk.
    let f = OpenOptions::new().write(true).open(&path).expect("open");
    f.write_all_at(&[0xFF], end - 1).expect("tear");
    let (mut j, replay) = Journal::open(&path, CAP, false).expect("reopen");
    assert_eq!(replay, vec![a.clone()]);
    assert_eq!(
        j.len(),
        tail_start,
        "appends continue after the intact frames"
    );
    let c = vec![op(2, "c", Some("3"))];
    j.append(&c).expect("c");
    drop(j);
    let (_, replay) = Journal::open(&path, CAP, false).expect("reopen");
    assert_eq!(replay, vec![a, c]);
}

#[test]
fn a_torn_marker_means_nothing_to_replay() {
    let d = dir();
    let path = d.path().join("j");
    let (mut j, _) = Journal::open(&path, CAP, false).expect("open");
    j.append(&[op(1, "k", Some("v"))]).expect("append");
    drop(j);
    let f = OpenOptions::new().write(true).open(&path).expect("open");
    f.write_all_at(&[0xAB], 9).expect("tear marker epoch");
    let (_, replay) = Journal::open(&path, CAP, false).expect("reopen");
    assert!(replay.is_empty());
}

#[test]
fn a_checksummed_but_undecodable_frame_is_reported_with_its_offset() {
    let d = dir();
    let path = d.path().join("j");
    let (j, _) = Journal::open(&path, CAP, false).expect("open");
    let at = j.len();
    // Valid checksum, payload claims two writes but holds none.
    let frame = encode_frame(j.epoch, KIND_BATCH, &2u32.to_le_bytes());
    j.write_frame(at, &frame).expect("write");
    drop(j);
    let err = Journal::open(&path, CAP, false).expect_err("damaged");
    let text = err.to_string();
    assert!(text.contains(&format!("at byte {at}")), "{text}");
    assert!(text.contains("tree runs past the end"), "{text}");
}

#[test]
fn a_frame_larger_than_the_file_grows_it() {
    let d = dir();
    let path = d.path().join("j");
    let (mut j, _) = Journal::open(&path, 1024, false).expect("open");
    let big = vec![op(1, "big", Some(&"x".repeat(4000)))];
    assert!(!j.has_room_for(&big));
    j.append(&big).expect("append grows the file");
    drop(j);
    let (_, replay) = Journal::open(&path, 1024, false).expect("reopen");
    assert_eq!(replay, vec![big]);
}
