//! An answer file (`answers/<locale>/<key>.md`: TOML front matter and a
//! minijinja body) through the parser and the catalog, which renders every
//! template with sample values before accepting it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supportbot::answer::{parse_template, Catalog};
use supportbot::locale::LocaleConfig;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(template) = parse_template("en-US/cancel.md", "answers/en-US/cancel.md", text) else {
        return;
    };
    let locales = LocaleConfig::parse("default = \"en-US\"\n").expect("minimal locales");
    let _ = Catalog::new(vec![template], &locales);
});
