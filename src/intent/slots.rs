//! Slot extraction: the subscription id or product a message mentions.
//!
//! Slot patterns go through the same normalisation and ASCII-safe
//! compilation as rules, so "SUB-12", "sub 12" and "ｓｕｂ-12" are found alike
//! and spans point into the user's own text.

use regex_automata::meta::Regex;
use serde::Serialize;

use super::normalize::Normalized;
use super::pattern::compile_single;
use super::schema::SlotFile;

/// Values extracted from one message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Slots {
    /// A subscription id such as `SUB-12`, canonicalised to upper case with
    /// a dash between the letters and the digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    /// The canonical name of a product the message names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
}

impl Slots {
    /// True when nothing was extracted.
    pub fn is_empty(&self) -> bool {
        self.subscription_id.is_none() && self.product.is_none()
    }
}

/// Compiled slot patterns.
#[derive(Debug, Default)]
pub struct SlotExtractor {
    subscription_id: Option<Regex>,
    products: Option<(Regex, Vec<String>)>,
}

impl SlotExtractor {
    /// Compiles the slot file. Errors name the slot and what is wrong.
    pub fn build(file: &SlotFile) -> Result<SlotExtractor, Vec<(String, String)>> {
        let mut errors = Vec::new();
        let subscription_id = match &file.subscription_id {
            Some(spec) => match compile_single(&spec.pattern) {
                Ok((_, regex)) => Some(regex),
                Err(e) => {
                    errors.push(("subscription_id".to_owned(), e));
                    None
                }
            },
            None => None,
        };
        let mut hirs = Vec::new();
        let mut names = Vec::new();
        for product in &file.product {
            if product.aliases.is_empty() {
                errors.push((
                    format!("product {:?}", product.name),
                    "has no aliases".to_owned(),
                ));
                continue;
            }
            let alternation = product
                .aliases
                .iter()
                .map(|a| regex_syntax::escape(a.trim()))
                .collect::<Vec<_>>()
                .join("|");
            // Latin letters and digits end a product name, not `\b`: in
            // Japanese or Chinese the name touches other word characters
            // ("Office 365を解約").
            match compile_single(&format!(
                r"(?:^|[^a-z0-9_])(?:{alternation})(?:[^a-z0-9_]|$)"
            )) {
                Ok((hir, _)) => {
                    hirs.push(hir);
                    names.push(product.name.clone());
                }
                Err(e) => errors.push((format!("product {:?}", product.name), e)),
            }
        }
        let products = if hirs.is_empty() {
            None
        } else {
            match Regex::builder().build_many_from_hir(&hirs) {
                Ok(regex) => Some((regex, names)),
                Err(e) => {
                    errors.push(("product".to_owned(), e.to_string()));
                    None
                }
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let extractor = SlotExtractor {
            subscription_id,
            products,
        };
        if let Some(spec) = &file.subscription_id {
            for example in &spec.examples {
                let n = super::normalize::normalize(example);
                if extractor.extract(&n, example).subscription_id.is_none() {
                    errors.push((
                        "subscription_id".to_owned(),
                        format!("example {example:?} yields no subscription id"),
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(extractor)
        } else {
            Err(errors)
        }
    }

    /// Extracts slots from a normalised message and its original text.
    pub fn extract(&self, normalized: &Normalized, text: &str) -> Slots {
        let mut slots = Slots::default();
        if let Some(regex) = &self.subscription_id {
            let mut caps = regex.create_captures();
            regex.captures(normalized.as_str(), &mut caps);
            let span = caps
                .get_group(1)
                .or_else(|| caps.get_match().map(|m| m.span()));
            if let Some(span) = span {
                let original = normalized.original_span(span.range());
                slots.subscription_id = text.get(original).map(canonical_subscription_id);
            }
        }
        if let Some((regex, names)) = &self.products {
            if let Some(m) = regex.find(normalized.as_str()) {
                slots.product = names.get(m.pattern().as_usize()).cloned();
            }
        }
        slots
    }
}

/// `sub 12`, `Sub12`, `SUB-12` → `SUB-12`.
fn canonical_subscription_id(raw: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let compact: String = raw
        .nfkc()
        // Arabic-Indic digits become 0-9, as they do for matching.
        .filter_map(super::normalize::fold_script)
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    match compact.find(|c: char| c.is_ascii_digit()) {
        Some(i) if i > 0 => format!("{}-{}", &compact[..i], &compact[i..]),
        _ => compact,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intent::normalize::normalize;
    use crate::intent::schema::{ProductSpec, SlotPattern};

    fn extractor() -> SlotExtractor {
        let file = SlotFile {
            subscription_id: Some(SlotPattern {
                pattern: r"\b(sub[\s-]?\d{1,9})\b".into(),
                examples: vec!["cancel SUB-1".into()],
            }),
            product: vec![ProductSpec {
                name: "Microsoft 365".into(),
                aliases: vec!["microsoft 365".into(), "m365".into(), "office 365".into()],
            }],
        };
        SlotExtractor::build(&file).expect("slots build")
    }

    fn slots(text: &str) -> Slots {
        extractor().extract(&normalize(text), text)
    }

    #[test]
    fn ids_and_products_touching_cjk_text_are_found() {
        let file = SlotFile {
            subscription_id: Some(SlotPattern {
                pattern: r"(?:^|[^a-z0-9_])(sub[\s-]?[0-9]{1,9})(?:[^a-z0-9_]|$)".into(),
                examples: vec!["SUB-12を解約".into()],
            }),
            product: vec![ProductSpec {
                name: "Microsoft 365".into(),
                aliases: vec!["office 365".into()],
            }],
        };
        let x = SlotExtractor::build(&file).expect("slots build");
        let s = x.extract(
            &normalize("Office 365のSUB-12を解約したい"),
            "Office 365のSUB-12を解約したい",
        );
        assert_eq!(s.subscription_id.as_deref(), Some("SUB-12"));
        assert_eq!(s.product.as_deref(), Some("Microsoft 365"));
        let arabic = "الغاء SUB-١٢";
        assert_eq!(
            x.extract(&normalize(arabic), arabic)
                .subscription_id
                .as_deref(),
            Some("SUB-12")
        );
        // Still whole ids: no id inside a longer Latin word or number.
        assert!(x
            .extract(&normalize("xsub-1"), "xsub-1")
            .subscription_id
            .is_none());
        assert!(x
            .extract(&normalize("sub-1234567890"), "sub-1234567890")
            .subscription_id
            .is_none());
    }

    #[test]
    fn subscription_ids_are_canonicalised() {
        assert_eq!(
            slots("cancel sub 12 please").subscription_id.as_deref(),
            Some("SUB-12")
        );
        assert_eq!(
            slots("Si opp SUB-7").subscription_id.as_deref(),
            Some("SUB-7")
        );
        assert_eq!(slots("ｓｕｂ-３").subscription_id.as_deref(), Some("SUB-3"));
        assert_eq!(slots("subway 12").subscription_id, None);
    }

    #[test]
    fn products_are_found_by_alias() {
        assert_eq!(
            slots("cancel my M365 plan").product.as_deref(),
            Some("Microsoft 365")
        );
        assert_eq!(
            slots("avslutt Office 365-abonnementet").product.as_deref(),
            Some("Microsoft 365")
        );
        assert_eq!(slots("cancel my m3650").product, None);
    }

    #[test]
    fn failing_examples_are_reported() {
        let file = SlotFile {
            subscription_id: Some(SlotPattern {
                pattern: r"\bsub-\d+\b".into(),
                examples: vec!["nothing here".into()],
            }),
            product: vec![],
        };
        let errors = SlotExtractor::build(&file).expect_err("example fails");
        assert!(errors[0].1.contains("nothing here"));
    }
}
