//! Locale tags: canonical BCP-47 casing and writing direction.

/// Normalise a locale tag to canonical BCP-47 casing.
///
/// `nb-no` → `nb-NO`, `SR_latn_rs` → `sr-Latn-RS`. The language subtag is lower case,
/// a 4-letter script subtag title case, a 2-letter or 3-digit region upper case, and
/// anything else (variants, extensions) lower case. Only 2–3 letter language subtags
/// are accepted, so folder names like `articles` are not mistaken for locales. Returns `None` when the text is not
/// shaped like a language tag (empty subtags, non-alphanumerics, bad lengths), so that a
/// garbage `ms.contentlocale` cannot create a garbage output folder.
pub fn normalize_locale(tag: &str) -> Option<String> {
    let tag = tag.trim();
    let subtags: Vec<&str> = tag.split(['-', '_']).collect();
    let first = subtags.first()?;
    if !(2..=3).contains(&first.len()) || !first.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut out = first.to_ascii_lowercase();
    let mut after_singleton = false;
    for (i, sub) in subtags.iter().enumerate().skip(1) {
        if sub.is_empty() || sub.len() > 8 || !sub.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        out.push('-');
        let is_alpha = sub.chars().all(|c| c.is_ascii_alphabetic());
        let is_digit = sub.chars().all(|c| c.is_ascii_digit());
        if after_singleton {
            out.push_str(&sub.to_ascii_lowercase());
        } else if sub.len() == 1 {
            after_singleton = true;
            out.push_str(&sub.to_ascii_lowercase());
        } else if i == 1 && sub.len() == 4 && is_alpha {
            let lower = sub.to_ascii_lowercase();
            let mut chars = lower.chars();
            if let Some(c) = chars.next() {
                out.push(c.to_ascii_uppercase());
            }
            out.push_str(chars.as_str());
        } else if (sub.len() == 2 && is_alpha) || (sub.len() == 3 && is_digit) {
            out.push_str(&sub.to_ascii_uppercase());
        } else {
            out.push_str(&sub.to_ascii_lowercase());
        }
    }
    Some(out)
}

/// Languages written right to left (ISO 639 codes).
const RTL_LANGUAGES: &[&str] = &[
    "ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ps", "sd", "syr", "ug", "ur", "yi",
];

/// `Some("rtl")` for right-to-left locales such as `ar-SA` and `he-IL`, else `None`.
///
/// Direction comes from the locale because the corpus text carries no bidi marks.
pub fn direction(locale: &str) -> Option<&'static str> {
    let lang = locale
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    RTL_LANGUAGES.contains(&lang.as_str()).then_some("rtl")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_casing() {
        assert_eq!(normalize_locale("nb-no").as_deref(), Some("nb-NO"));
        assert_eq!(normalize_locale("NB-NO").as_deref(), Some("nb-NO"));
        assert_eq!(
            normalize_locale("sr-latn-rs").as_deref(),
            Some("sr-Latn-RS")
        );
        assert_eq!(
            normalize_locale("sr-Latn-RS").as_deref(),
            Some("sr-Latn-RS")
        );
        assert_eq!(normalize_locale("zh_tw").as_deref(), Some("zh-TW"));
        assert_eq!(normalize_locale("es-419").as_deref(), Some("es-419"));
        assert_eq!(normalize_locale(" de-DE ").as_deref(), Some("de-DE"));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "-",
            "n",
            "articles",
            "nb--no",
            "nb-NO!",
            "../etc",
            "nb/NO",
            "toolongsubtag-x",
        ] {
            assert_eq!(normalize_locale(bad), None, "{bad}");
        }
    }

    #[test]
    fn rtl_locales() {
        assert_eq!(direction("ar-SA"), Some("rtl"));
        assert_eq!(direction("he-IL"), Some("rtl"));
        assert_eq!(direction("nb-NO"), None);
        assert_eq!(direction(""), None);
    }
}
