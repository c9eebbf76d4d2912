//! Files in a sled data directory that sled itself mishandles after an
//! abrupt stop; kept apart from `sled.rs` because no sled API is involved.

use std::path::Path;

/// Removes `snap.<lsn>.generating` files: snapshots sled began writing and
/// never renamed into place because the process stopped first. sled 0.34
/// counts them as snapshots when it opens and picks the newest name, which
/// is the unfinished one, and then refuses to open with `Corruption`
/// (spacejam/sled#1527, #1533; `tests/crash.rs` hit it about once in twenty
/// runs of SIGKILLs). Removing them is safe: sled writes, syncs and renames
/// a snapshot before it deletes the previous one, so the last finished
/// snapshot is still there and the log since it is replayed as usual.
pub(super) fn discard_unfinished_snapshots(dir: &Path) -> Result<(), String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            tracing::warn!(file = %name, "removing a snapshot sled did not finish writing");
            std::fs::remove_file(entry.path())
                .map_err(|e| format!("{}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}
