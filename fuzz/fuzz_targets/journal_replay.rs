//! The redo journal as `SledStore::open` finds it after a crash: any bytes
//! in `supportbot.journal` must replay, be rejected with an error, or be
//! recognised as a torn tail; never panic, never half-apply.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use supportbot::lifecycle::Store;
use supportbot::store::sled::JOURNAL_FILE;
use supportbot::store::SledStore;

/// A database made once; each run copies it and swaps in the fuzzed journal.
fn template() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tmp");
        drop(SledStore::open(dir.path()).expect("fresh store"));
        dir
    })
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("tmp");
    copy_dir(template().path(), dir.path());
    std::fs::write(dir.path().join(JOURNAL_FILE), data).expect("write journal");
    if let Ok(store) = SledStore::open(dir.path()) {
        // Whatever was replayed must read back.
        let _ = store.accounts().expect("a store that opened can be read");
    }
});
