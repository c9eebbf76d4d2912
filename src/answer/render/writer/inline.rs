//! Inline output: text, links, line and block assembly.

use super::super::{Block, Flavor, Piece};
use super::Writer;

impl Writer {
    pub(super) fn finish_link(&mut self) {
        let Some(link) = self.link.take() else { return };
        let text = link.text.trim();
        let shown = if text.is_empty() {
            link.title.trim()
        } else {
            text
        };
        let atom = match self.flavor {
            Flavor::Plain if shown.is_empty() || shown == link.url => link.url.clone(),
            Flavor::Plain => format!("{shown} ({})", link.url),
            // A bare URL is autolinked by Discord and Teams and is half as long.
            _ if (shown.is_empty() || shown == link.url)
                && !link.url.contains(char::is_whitespace) =>
            {
                link.url.clone()
            }
            _ => {
                let url = encode_for_markdown(&link.url);
                let shown = if shown.is_empty() {
                    escape(&link.url)
                } else {
                    shown.to_owned()
                };
                format!("[{shown}]({url})")
            }
        };
        self.raw(&atom, true);
        self.after_link = true;
    }

    pub(super) fn flush_text(&mut self) {
        if !self.pending.is_empty() {
            let text = std::mem::take(&mut self.pending);
            self.text(&text);
        }
    }

    pub(super) fn text(&mut self, text: &str) {
        let escaped = if self.marked() {
            escape(text)
        } else {
            text.to_owned()
        };
        self.raw(&escaped, false);
    }

    pub(super) fn code_text(&mut self, text: &str) {
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                self.end_line();
            }
            if !line.is_empty() {
                self.raw(line, true);
            }
        }
    }

    /// Append already-flavoured text to the link being collected or the current line.
    pub(super) fn raw(&mut self, text: &str, atom: bool) {
        if let Some(link) = self.link.as_mut() {
            link.text.push_str(text);
            return;
        }
        if text.is_empty() {
            return;
        }
        let mut text = text.to_owned();
        if !self.line_open {
            self.line_open = true;
            let mut prefix = String::new();
            for p in &mut self.prefixes {
                prefix.push_str(if p.used { &p.rest } else { &p.first });
                p.used = true;
            }
            if let Some(label) = self.label.take() {
                prefix.push_str(&if self.marked() {
                    format!("**{label}** ")
                } else {
                    format!("{label} ")
                });
            }
            if !prefix.is_empty() {
                self.line.push(Piece::Atom(prefix));
            }
            if self.marked() && !atom && text.starts_with(['>', '#', '-', '+']) {
                text.insert(0, '\\');
            }
        } else if self.after_link
            && self.flavor == Flavor::Plain
            && text.starts_with(char::is_alphanumeric)
        {
            // `[konto](url)din` reads as `konto (url) din`, not `konto (url)din`.
            text.insert(0, ' ');
        }
        self.after_link = false;
        self.line.push(if atom {
            Piece::Atom(text)
        } else {
            Piece::Text(text)
        });
    }

    pub(super) fn end_line(&mut self) {
        if !self.line.is_empty() {
            self.lines.push(std::mem::take(&mut self.line));
        }
        self.line_open = false;
        self.after_link = false;
    }

    pub(super) fn end_block(&mut self) {
        self.end_line();
        if !self.lines.is_empty() {
            let fence = self.fence.take();
            self.blocks.push(Block {
                lines: std::mem::take(&mut self.lines),
                fence,
            });
        }
    }
}

/// Escape text so Discord/Teams do not read it as markup.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let link_close = c == ']' && chars.peek() == Some(&'(');
        if matches!(c, '\\' | '*' | '_' | '~' | '`' | '|') || link_close {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Percent-encode the characters that would end a markdown link destination early.
fn encode_for_markdown(url: &str) -> String {
    url.replace(' ', "%20")
        .replace('(', "%28")
        .replace(')', "%29")
        .replace('<', "%3C")
        .replace('>', "%3E")
}
