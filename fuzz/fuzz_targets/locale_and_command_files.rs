//! `locales.toml` and `commands/<locale>.toml` through their parsers. The
//! first byte picks which; either must parse or return problems naming the
//! file, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supportbot::answer::CommandTexts;
use supportbot::locale::LocaleConfig;

const SOURCE: &str = include_str!("../../intents/commands/en-US.toml");

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match which % 3 {
        0 => {
            let _ = LocaleConfig::parse(text);
        }
        1 => {
            // A translation checked against the shipped source.
            let files = [
                ("en-US", "commands/en-US.toml".to_owned(), SOURCE),
                ("nb-NO", "commands/nb-NO.toml".to_owned(), text),
            ];
            if let Err(problems) = CommandTexts::parse("en-US", files) {
                assert!(problems.iter().all(|p| p.starts_with("commands/nb-NO.toml: ")));
            }
        }
        _ => {
            // The fuzzed file as the source itself.
            let files = [("en-US", "commands/en-US.toml".to_owned(), text)];
            let _ = CommandTexts::parse("en-US", files);
        }
    }
});
