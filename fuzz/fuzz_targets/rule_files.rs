//! A rule file (`intents/lang/<xx>.toml`) through the real loader: parsing,
//! validation, pattern compilation and the rule examples. Any input must give
//! a matcher or a list of problems, never a panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use supportbot::intent;
use supportbot::source::{Origin, SourceFile, SourceTree};

/// The shipped tree without its language files: the intents, slots and
/// locales a rule file is loaded against.
fn base() -> &'static SourceTree {
    static BASE: OnceLock<SourceTree> = OnceLock::new();
    BASE.get_or_init(|| {
        let mut tree = SourceTree::read(&Origin::Embedded).expect("embedded tree");
        tree.files
            .retain(|f| !f.path.contains('/') && f.path.ends_with(".toml"));
        tree
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut tree = base().clone();
    tree.files.push(SourceFile {
        path: "lang/xx.toml".into(),
        text: text.to_owned(),
    });
    tree.files.sort_by(|a, b| a.path.cmp(&b.path));
    if let Err(e) = intent::load(&tree) {
        assert!(!e.0.is_empty(), "an error lists at least one problem");
    }
});
