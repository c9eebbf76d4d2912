//! The nb-NO seed article must come out exactly as in the source.

use crate::common::{corpus_dir, imported};
use supportbot::article::import::{convert_file, Origin};
use supportbot::article::read_article_file;

const SLUG: &str = "cancel-refund-close-your-microsoft-365-subscription";

const NORWEGIAN_PUBLISHED: &str = r#"+++
key = "cancel-refund-close-your-microsoft-365-subscription"
locale = "nb-NO"
title = "Avbryte, refundere eller lukke Microsoft 365 abonnementet"
kind = "article"
format = "literal"  # body is NOT a template; never interpolate it
source = "nb-NO/cancel-refund-close-your-microsoft-365-subscription.md"
translation = "machine"
date = "2021-04-14"
ids = ["9002914", "5614"]
+++
# Avbryte/refundere/lukke Microsoft 365 abonnementet

Hva skjer når du avbryter abonnementet? Hvis du vil ha mer informasjon, kan du se [Avbryte abonnementet](https://docs.microsoft.com/microsoft-365/commerce/subscriptions/cancel-your-subscription?view=o365-worldwide).

- Eventuell **prorated credit** vil bli returnert til deg i løpet av neste faktureringssyklus.
- Abonnementet flyttes til en **deaktivert tilstand i 90 dager** (i de fleste land eller områder).
- **Administratorer kan fortsatt få tilgang til og sikkerhetskopiere data** for organisasjonen mens abonnementet er deaktivert.

Hvis du vil lukke kontoen før den vanlige deaktiverte perioden, kan [du se Lukke kontoen](https://docs.microsoft.com/microsoft-365/commerce/close-your-account?view=o365-worldwide)din .
"#;

const NORWEGIAN_SXS: &str = r#"# Avbryte/refundere/lukke Microsoft 365-abonnementet

Hva skjer når du avbryter abonnementet? For mer informasjon, se [Kanseller abonnement](https://docs.microsoft.com/microsoft-365/commerce/subscriptions/cancel-your-subscription?view=o365-worldwide).

- Eventuell **prorated credit** vil bli returnert til deg i løpet av neste faktureringssyklus.
- Abonnementet flyttes til en **deaktivert tilstand i 90 dager** (i de fleste land eller områder).
- **Administratorer kan fortsatt få tilgang til og sikkerhetskopiere data** for organisasjonen mens abonnementet er deaktivert.

Hvis du vil lukke kontoen før den vanlige deaktiverte perioden, kan [du se Lukke kontoen](https://docs.microsoft.com/microsoft-365/commerce/close-your-account?view=o365-worldwide)din .
"#;

const ENGLISH: &str = r#"# Cancel/refund/close your Microsoft 365 subscription

What happens when you cancel your subscription? For more info, see [Cancel your subscription](https://docs.microsoft.com/microsoft-365/commerce/subscriptions/cancel-your-subscription?view=o365-worldwide).

- Any **prorated credit** will be returned to you within the next billing cycle.
- The subscription will move into a **disabled state for 90 days** (in most countries or regions).
- **Admins can still access and back up data** for their organization while the subscription is in a disabled state.

To close your account prior to the typical disabled period, see [close your account](https://docs.microsoft.com/microsoft-365/commerce/close-your-account?view=o365-worldwide).
"#;

fn read(rel: &str) -> String {
    std::fs::read_to_string(corpus_dir().join(rel)).expect("seed file")
}

#[test]
fn published_norwegian_file_is_exact() {
    let (_, out) = imported();
    let written =
        std::fs::read_to_string(out.join(format!("nb-NO/{SLUG}.md"))).expect("nb-NO output");
    assert_eq!(written, NORWEGIAN_PUBLISHED);
}

#[test]
fn sxs_halves_are_exact() {
    let source = format!("nb-NO/{SLUG}.sxs.md");
    let (candidates, notes) = convert_file(&source, &read(&source));
    assert!(notes.is_empty(), "{notes:?}");
    let body = |origin| {
        candidates
            .iter()
            .find(|c| c.origin == origin)
            .map(|c| c.body.as_str())
    };
    assert_eq!(body(Origin::SxsLocalized), Some(NORWEGIAN_SXS));
    assert_eq!(body(Origin::SxsEnglish), Some(ENGLISH));
    let english = candidates
        .iter()
        .find(|c| c.origin == Origin::SxsEnglish)
        .map(|c| &c.header);
    assert_eq!(
        english.map(|h| h.title.as_str()),
        Some("Cancel/refund/close your Microsoft 365 subscription")
    );
    assert_eq!(english.map(|h| h.locale.as_str()), Some("en-US"));
}

#[test]
fn english_article_is_exact() {
    let (_, out) = imported();
    let written =
        std::fs::read_to_string(out.join(format!("en-US/{SLUG}.md"))).expect("en-US output");
    let (header, body) = read_article_file(&written).expect("catalog file");
    assert_eq!(body, ENGLISH);
    assert_eq!(
        header.title,
        "Cancel/refund/close your Microsoft 365 subscription"
    );
    assert_eq!(header.ids, ["9002914", "5614"]);
    assert_eq!(format!("{:?}", header.translation), "Source");
    assert!(
        header.source.ends_with(&format!("/{SLUG}.sxs.md")),
        "{}",
        header.source
    );
}
