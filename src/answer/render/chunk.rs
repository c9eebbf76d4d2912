//! Packing rendered blocks into chunks of at most `limit` characters.

use super::{Block, Line, Piece};

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Greedily pack `blocks` (separated by blank lines) into chunks of at most `limit` chars.
pub(super) fn chunk(blocks: &[Block], limit: usize) -> Vec<String> {
    let mut packer = Packer {
        limit,
        chunks: Vec::new(),
        current: String::new(),
        len: 0,
    };
    for block in blocks {
        let text = block_text(block);
        if packer.fits("\n\n", &text) {
            packer.append("\n\n", &text);
            continue;
        }
        packer.flush();
        if chars(&text) <= limit {
            packer.append("", &text);
        } else {
            split_block(block, &mut packer);
        }
    }
    packer.flush();
    packer.chunks
}

struct Packer {
    limit: usize,
    chunks: Vec<String>,
    current: String,
    len: usize,
}

impl Packer {
    fn fits(&self, separator: &str, text: &str) -> bool {
        let sep = if self.current.is_empty() {
            0
        } else {
            chars(separator)
        };
        self.len + sep + chars(text) <= self.limit
    }

    fn append(&mut self, separator: &str, text: &str) {
        if !self.current.is_empty() {
            self.current.push_str(separator);
            self.len += chars(separator);
        }
        self.current.push_str(text);
        self.len += chars(text);
    }

    /// Add `text` on a new line, starting a new chunk when it does not fit.
    fn push_line(&mut self, text: &str) {
        if !self.fits("\n", text) {
            self.flush();
        }
        self.append("\n", text);
    }

    fn flush(&mut self) {
        let chunk = std::mem::take(&mut self.current);
        self.len = 0;
        let chunk = chunk.trim_end();
        if !chunk.trim().is_empty() {
            self.chunks.push(chunk.to_owned());
        }
    }
}

fn line_text(line: &Line) -> String {
    line.iter()
        .map(|p| match p {
            Piece::Text(t) | Piece::Atom(t) => t.as_str(),
        })
        .collect()
}

fn block_text(block: &Block) -> String {
    block
        .lines
        .iter()
        .map(line_text)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Split a block that is longer than the limit at line boundaries, then inside lines.
fn split_block(block: &Block, packer: &mut Packer) {
    let limit = packer.limit;
    if let Some((open, close)) = &block.fence {
        let overhead = chars(open) + chars(close) + 2;
        let inner = block
            .lines
            .get(1..block.lines.len().saturating_sub(1))
            .unwrap_or_default();
        if limit > overhead && !inner.is_empty() {
            // Each chunk gets its own fences so no chunk leaves a code block open.
            let mut inner_packer = Packer {
                limit: limit - overhead,
                chunks: Vec::new(),
                current: String::new(),
                len: 0,
            };
            for line in inner {
                for piece in split_line(line, inner_packer.limit) {
                    inner_packer.push_line(&piece);
                }
            }
            inner_packer.flush();
            for part in inner_packer.chunks {
                packer.push_line(&format!("{open}\n{part}\n{close}"));
                packer.flush();
            }
            return;
        }
    }
    for line in &block.lines {
        for piece in split_line(line, limit) {
            packer.push_line(&piece);
        }
    }
}

/// Split one line into pieces of at most `limit` chars at spaces, keeping atoms whole.
/// Only an atom longer than `limit` on its own is cut, at character boundaries.
fn split_line(line: &Line, limit: usize) -> Vec<String> {
    let text = line_text(line);
    if chars(&text) <= limit {
        return vec![text];
    }
    let mut tokens: Vec<&str> = Vec::new();
    for piece in line {
        match piece {
            Piece::Atom(a) => tokens.push(a),
            Piece::Text(t) => tokens.extend(t.split_inclusive(' ')),
        }
    }
    let mut out = Vec::new();
    let mut current = String::new();
    let mut len = 0;
    for token in tokens {
        let token_len = chars(token);
        if len + token_len <= limit {
            current.push_str(token);
            len += token_len;
            continue;
        }
        if !current.trim().is_empty() {
            out.push(current.trim_end().to_owned());
        }
        let token = if current.is_empty() {
            token
        } else {
            token.trim_start()
        };
        current = String::new();
        len = 0;
        if chars(token) <= limit {
            current.push_str(token);
            len = chars(token);
        } else {
            let all: Vec<char> = token.chars().collect();
            for piece in all.chunks(limit) {
                out.push(piece.iter().collect());
            }
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim_end().to_owned());
    }
    out
}
