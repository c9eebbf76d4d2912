//! The small files beside the rules (`markers.toml`, `slots.toml`) and the
//! checks on names and language tags.

use std::collections::BTreeMap;

use super::*;

pub(super) fn file_error(display: &str, e: &toml::de::Error) -> RuleError {
    RuleError {
        file: display.to_owned(),
        subject: String::new(),
        message: e.to_string().trim_end().to_owned(),
    }
}

/// `markers.toml`: `[lang.xx] pattern = '''…'''` per language.
pub(super) fn load_markers(tree: &SourceTree, errors: &mut Vec<RuleError>) -> Vec<PatternDef> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct MarkerFile {
        #[serde(default)]
        lang: BTreeMap<String, Marker>,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Marker {
        pattern: String,
    }
    let Some(file) = tree.get("markers.toml") else {
        return Vec::new();
    };
    let display = tree.display_path(&file.path);
    match toml::from_str::<MarkerFile>(&file.text) {
        Ok(parsed) => parsed
            .lang
            .into_iter()
            .filter_map(|(lang, m)| match check_lang(&lang) {
                Ok(()) => Some(PatternDef {
                    id: format!("markers/{lang}"),
                    intent: 0,
                    lang,
                    pattern: m.pattern,
                    weight: 0.0,
                    guards: Vec::new(),
                }),
                Err(message) => {
                    errors.push(RuleError {
                        file: display.clone(),
                        subject: format!("[lang.{lang}]"),
                        message,
                    });
                    None
                }
            })
            .collect(),
        Err(e) => {
            errors.push(RuleError {
                file: display,
                subject: String::new(),
                message: e.to_string().trim_end().to_owned(),
            });
            Vec::new()
        }
    }
}

pub(super) fn load_slots(tree: &SourceTree, errors: &mut Vec<RuleError>) -> Option<SlotExtractor> {
    let Some(file) = tree.get("slots.toml") else {
        return Some(SlotExtractor::default());
    };
    let display = tree.display_path(&file.path);
    let parsed: SlotFile = match toml::from_str(&file.text) {
        Ok(p) => p,
        Err(e) => {
            errors.push(RuleError {
                file: display,
                subject: String::new(),
                message: e.to_string().trim_end().to_owned(),
            });
            return None;
        }
    };
    match SlotExtractor::build(&parsed) {
        Ok(slots) => Some(slots),
        Err(slot_errors) => {
            errors.extend(slot_errors.into_iter().map(|(subject, message)| RuleError {
                file: display.clone(),
                subject,
                message,
            }));
            None
        }
    }
}

pub(super) fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && name.as_bytes()[0].is_ascii_lowercase();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a valid name: use 1-64 lowercase ASCII letters, digits, '-' or '_', starting with a letter"
        ))
    }
}

pub(super) fn check_lang(lang: &str) -> Result<(), String> {
    let (language, variant) = match lang.split_once('-') {
        Some((l, v)) => (l, Some(v)),
        None => (lang, None),
    };
    let language_ok =
        (2..=3).contains(&language.len()) && language.bytes().all(|b| b.is_ascii_lowercase());
    // A script (`zh-Hant`) or region (`pt-PT`) subtag names a variant whose
    // marker words refine the reply locale of its base language's rules.
    let variant_ok = variant.is_none_or(|v| {
        let script = v.len() == 4
            && v.as_bytes()[0].is_ascii_uppercase()
            && v.bytes().skip(1).all(|b| b.is_ascii_lowercase());
        let region = v.len() == 2 && v.bytes().all(|b| b.is_ascii_uppercase());
        script || region
    });
    if language_ok && variant_ok {
        Ok(())
    } else {
        Err(format!(
            "{lang:?} is not a language code: use a 2- or 3-letter lowercase ISO 639 code such as \"en\" or \"nb\", optionally with a script or region such as \"zh-Hant\" or \"pt-PT\""
        ))
    }
}
