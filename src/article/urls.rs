//! Link destinations: resolving site-relative links and spotting cross-references.
//!
//! URLs are otherwise opaque: query strings (`?view=`, a second `?`), fragments and SPA
//! hash routes (`#blade/…`) are never parsed, re-encoded or normalised.

/// Base for site-relative links (`/microsoft-365/…`). These articles were published on
/// docs.microsoft.com, and the plain files of the corpus absolutize the very same links
/// to this host, so it is used instead of today's learn.microsoft.com (which redirects).
pub const DOCS_BASE: &str = "https://docs.microsoft.com";

/// Prefix of internal article references recorded in the output's `refs`.
pub const ARTICLE_REF_PREFIX: &str = "article:";

/// Make `url` absolute when it is site-relative (`/path`) or scheme-relative (`//host`).
/// Returns `None` for document-relative destinations (`other.md`, `../x`), which have no
/// safe base; absolute URLs, `#fragment` and `mailto:`-style URLs are returned unchanged.
pub fn resolve(url: &str) -> Option<String> {
    if let Some(rest) = url.strip_prefix("//") {
        return Some(format!("https://{rest}"));
    }
    if url.starts_with('/') {
        return Some(format!("{DOCS_BASE}{url}"));
    }
    if url.starts_with('#') || has_scheme(url) {
        return Some(url.to_owned());
    }
    None
}

fn has_scheme(url: &str) -> bool {
    match url.split_once(':') {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// `article:<slug>` when `url` points at another Alchemy Insights article, e.g.
/// `https://docs.microsoft.com/alchemyinsights/canceling-your-office-365-subscription`
/// (optionally with a locale segment, query or fragment).
pub fn article_ref(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/')?;
    if !matches!(host, "docs.microsoft.com" | "learn.microsoft.com") {
        return None;
    }
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    let mut first = segments.next()?;
    if first != "alchemyinsights" {
        // Tolerate a locale segment such as `en-us/`.
        if !first.contains('-') || first.len() > 10 {
            return None;
        }
        first = segments.next()?;
    }
    if first != "alchemyinsights" {
        return None;
    }
    let slug = segments.next()?;
    let slug = slug.strip_suffix(".md").unwrap_or(slug);
    let valid = !slug.is_empty()
        && slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    (valid && segments.next().is_none()).then(|| format!("{ARTICLE_REF_PREFIX}{slug}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_and_keeps_the_rest_opaque() {
        assert_eq!(
            resolve("/microsoft-365/commerce/x?view=o365-worldwide").as_deref(),
            Some("https://docs.microsoft.com/microsoft-365/commerce/x?view=o365-worldwide")
        );
        for opaque in [
            "https://portal.azure.com/#blade/Microsoft_Azure_Billing/SubscriptionsBlade",
            "https://support.office.com/x?ui=fr-FR&rs=fr-FR&ad=FR?wt.mc_id=Y",
            "#anchor",
            "mailto:a@b.c",
        ] {
            assert_eq!(resolve(opaque).as_deref(), Some(opaque));
        }
        assert_eq!(resolve("//aka.ms/x").as_deref(), Some("https://aka.ms/x"));
        assert_eq!(resolve("other.md"), None);
        assert_eq!(resolve(""), None);
    }

    #[test]
    fn cross_references() {
        let r = |u: &str| article_ref(u);
        assert_eq!(
            r("https://docs.microsoft.com/alchemyinsights/canceling-your-office-365-subscription")
                .as_deref(),
            Some("article:canceling-your-office-365-subscription")
        );
        assert_eq!(
            r("https://docs.microsoft.com/en-us/AlchemyInsights/x-1?a=b#c").as_deref(),
            Some("article:x-1")
        );
        assert_eq!(
            r("https://docs.microsoft.com/microsoft-365/commerce/x"),
            None
        );
        assert_eq!(r("https://docs.microsoft.com/alchemyinsights/"), None);
        assert_eq!(r("https://example.com/alchemyinsights/x"), None);
    }
}
