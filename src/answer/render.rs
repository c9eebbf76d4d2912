//! Rendering markdown replies for chat front ends, split into size-limited chunks.
//!
//! Used for every bot reply, not only imported articles. The markdown is parsed with
//! pulldown-cmark (GFM alerts and strikethrough on) and written back in the flavour's
//! dialect; chunks break between blocks, then between lines, then between words, and
//! never inside a link (unless a single link is longer than the limit, the only case
//! where it is cut). Limits count Unicode scalar values (`char`s).

mod chunk;
mod html;
mod writer;

pub use html::html;

/// Discord's limit for a message's `content`.
pub const DISCORD_CONTENT_LIMIT: usize = 2000;
/// Discord's limit for an embed description.
pub const DISCORD_EMBED_LIMIT: usize = 4096;

/// The chat dialect to render for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// Discord markdown: masked links `[text](url)`, `**bold**`, `# ` headings, `> ` quotes.
    Discord,
    /// Teams markdown subset: links, bold, lists and quotes; headings become bold lines.
    Teams,
    /// Plain text for CLIs and terminals: `text (url)`, no emphasis markers, list
    /// markers kept, alerts written as `Note:` / `Important:` / ….
    Plain,
}

/// Render `markdown` for `flavor` as chunks of at most `limit` characters each
/// (a `limit` of 0 is treated as 1). Returns no chunks for blank input.
pub fn render(markdown: &str, flavor: Flavor, limit: usize) -> Vec<String> {
    let blocks = writer::write_blocks(markdown, flavor);
    chunk::chunk(&blocks, limit.max(1))
}

/// The first `max` of `chunks` (at least one), the last ending in `…` when
/// any were dropped, still within `limit` characters: one reply never
/// becomes an unbounded number of messages.
pub fn cap(mut chunks: Vec<String>, max: usize, limit: usize) -> Vec<String> {
    let max = max.max(1);
    if chunks.len() <= max {
        return chunks;
    }
    chunks.truncate(max);
    if let Some(last) = chunks.last_mut() {
        let keep = limit.max(2).saturating_sub(2);
        if last.chars().count() > keep {
            *last = last.chars().take(keep).collect();
        }
        last.push_str("\n…");
    }
    chunks
}

/// A piece of a rendered line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Text that may be split at spaces.
    Text(String),
    /// Text that must stay whole: a link, inline code, a marker.
    Atom(String),
}

/// One rendered line.
type Line = Vec<Piece>;

/// A rendered top-level block (paragraph, list, quote, heading, code block).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Block {
    lines: Vec<Line>,
    /// Opening and closing fence lines of a top-level code block, which must wrap every
    /// chunk the block is split into; the fence lines are also the first and last lines.
    fence: Option<(String, String)>,
}

#[cfg(test)]
mod tests;
