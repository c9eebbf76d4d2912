//! Reply markdown → a small, safe HTML fragment for the web chat.
//!
//! Written from pulldown-cmark events with an allow-list: paragraphs, line
//! breaks, bold, italics, inline code, lists, quotes and links with an
//! `http`/`https`/`mailto` target. Headings become bold paragraphs. Raw HTML
//! in the markdown is written as escaped text, images as their alt text,
//! and every text run and attribute is escaped, so nothing in the output is
//! markup unless this writer put it there.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// `markdown` as an HTML fragment (see the module docs for what survives).
pub fn html(markdown: &str) -> String {
    let options = Options::ENABLE_GFM | Options::ENABLE_STRIKETHROUGH;
    let mut out = String::with_capacity(markdown.len() + markdown.len() / 4);
    // Closing tags of open links: `None` for a link whose target was refused
    // (its text stays, unlinked).
    let mut links: Vec<bool> = Vec::new();
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(tag) => open(&mut out, &tag, &mut links),
            Event::End(end) => close(&mut out, end, &mut links),
            Event::Text(text) | Event::Html(text) | Event::InlineHtml(text) => {
                escape_into(&mut out, &text)
            }
            Event::Code(code) => {
                out.push_str("<code>");
                escape_into(&mut out, &code);
                out.push_str("</code>");
            }
            Event::SoftBreak => out.push('\n'),
            Event::HardBreak => out.push_str("<br>"),
            Event::Rule => out.push_str("<hr>"),
            Event::TaskListMarker(done) => out.push_str(if done { "☑ " } else { "☐ " }),
            Event::FootnoteReference(name) => escape_into(&mut out, &name),
            Event::InlineMath(m) | Event::DisplayMath(m) => escape_into(&mut out, &m),
        }
    }
    out
}

fn open(out: &mut String, tag: &Tag<'_>, links: &mut Vec<bool>) {
    match tag {
        Tag::Paragraph | Tag::Heading { .. } | Tag::CodeBlock(_) => out.push_str("<p>"),
        Tag::BlockQuote(_) => out.push_str("<blockquote>"),
        Tag::List(Some(1)) => out.push_str("<ol>"),
        Tag::List(Some(start)) => out.push_str(&format!("<ol start=\"{start}\">")),
        Tag::List(None) => out.push_str("<ul>"),
        Tag::Item => out.push_str("<li>"),
        Tag::Emphasis => out.push_str("<em>"),
        Tag::Strong => out.push_str("<strong>"),
        Tag::Strikethrough => out.push_str("<del>"),
        Tag::Link { dest_url, .. } => {
            let safe = safe_url(dest_url);
            if safe {
                out.push_str("<a href=\"");
                escape_into(out, dest_url);
                out.push_str("\" target=\"_blank\" rel=\"noopener noreferrer nofollow\">");
            }
            links.push(safe);
        }
        _ => {}
    }
    if let Tag::Heading { .. } = tag {
        out.push_str("<strong>");
    }
}

fn close(out: &mut String, end: TagEnd, links: &mut Vec<bool>) {
    match end {
        TagEnd::Heading(_) => out.push_str("</strong></p>"),
        TagEnd::Paragraph | TagEnd::CodeBlock => out.push_str("</p>"),
        TagEnd::BlockQuote(_) => out.push_str("</blockquote>"),
        TagEnd::List(true) => out.push_str("</ol>"),
        TagEnd::List(false) => out.push_str("</ul>"),
        TagEnd::Item => out.push_str("</li>"),
        TagEnd::Emphasis => out.push_str("</em>"),
        TagEnd::Strong => out.push_str("</strong>"),
        TagEnd::Strikethrough => out.push_str("</del>"),
        // The guard pops every link; only kept ones close an <a>.
        TagEnd::Link if links.pop() == Some(true) => out.push_str("</a>"),
        _ => {}
    }
}

/// Only absolute web and mail links: no `javascript:`, `data:`, relative or
/// protocol-relative targets.
fn safe_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// Escapes text and attribute values alike.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::html;

    #[test]
    fn allowed_markdown_becomes_markup() {
        assert_eq!(
            html("Go to **Billing** > [Your products](https://admin.example.com/p?a=1&b=2).\n\n- one\n- two"),
            "<p>Go to <strong>Billing</strong> &gt; <a href=\"https://admin.example.com/p?a=1&amp;b=2\" \
             target=\"_blank\" rel=\"noopener noreferrer nofollow\">Your products</a>.</p>\
             <ul><li>one</li><li>two</li></ul>"
        );
        assert_eq!(html("# Title"), "<p><strong>Title</strong></p>");
    }

    #[test]
    fn raw_html_and_unsafe_links_stay_text() {
        let out = html("<script>alert(1)</script> <img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) ![i](https://e.com/i.png)");
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<img"), "{out}");
        assert!(!out.contains("href"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
        assert!(out.contains("x"), "{out}");
    }
}
