//! Turning pulldown-cmark events into flavoured lines and blocks.

use pulldown_cmark::{
    BlockQuoteKind, CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
};

use super::{Block, Flavor, Line};

struct Prefix {
    first: String,
    rest: String,
    used: bool,
}

struct LinkState {
    url: String,
    title: String,
    text: String,
}

struct Writer {
    flavor: Flavor,
    blocks: Vec<Block>,
    lines: Vec<Line>,
    line: Line,
    line_open: bool,
    prefixes: Vec<Prefix>,
    lists: Vec<Option<u64>>,
    depth: usize,
    link: Option<LinkState>,
    label: Option<&'static str>,
    after_link: bool,
    fence: Option<(String, String)>,
    in_code: bool,
    /// pulldown-cmark splits text at brackets; escaping needs the whole run.
    pending: String,
}

/// Parse `markdown` and write it as blocks in `flavor`.
pub(super) fn write_blocks(markdown: &str, flavor: Flavor) -> Vec<Block> {
    let options = Options::ENABLE_GFM | Options::ENABLE_STRIKETHROUGH;
    let mut w = Writer {
        flavor,
        blocks: Vec::new(),
        lines: Vec::new(),
        line: Vec::new(),
        line_open: false,
        prefixes: Vec::new(),
        lists: Vec::new(),
        depth: 0,
        link: None,
        label: None,
        after_link: false,
        fence: None,
        in_code: false,
        pending: String::new(),
    };
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Text(text) if !w.in_code => w.pending.push_str(&text),
            other => {
                w.flush_text();
                w.event(other);
            }
        }
    }
    w.flush_text();
    w.end_block();
    w.blocks
}

impl Writer {
    fn marked(&self) -> bool {
        self.flavor != Flavor::Plain
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) if self.in_code => self.code_text(&text),
            Event::Text(text) => self.text(&text),
            Event::Code(code) => {
                let code = if self.marked() {
                    format!("`{code}`")
                } else {
                    code.to_string()
                };
                self.raw(&code, true);
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                self.raw(html.trim_end_matches('\n'), false)
            }
            // Chat clients show newlines as typed, so a source line break stays one,
            // except inside link text, where it would break the link.
            Event::SoftBreak if self.link.is_some() => self.raw(" ", false),
            Event::SoftBreak => self.end_line(),
            Event::HardBreak => self.end_line(),
            Event::Rule => {
                self.end_line();
                self.raw("----", true);
                self.end_line();
                if self.depth == 0 {
                    self.end_block();
                }
            }
            Event::TaskListMarker(done) => self.raw(if done { "[x] " } else { "[ ] " }, true),
            Event::FootnoteReference(name) => self.raw(&format!("[^{name}]"), true),
            Event::InlineMath(m) | Event::DisplayMath(m) => self.raw(&m, true),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph
            | Tag::HtmlBlock
            | Tag::Table(_)
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList => self.open_block(),
            Tag::Heading { level, .. } => {
                self.open_block();
                let hashes = match level {
                    HeadingLevel::H1 => "# ",
                    HeadingLevel::H2 => "## ",
                    _ => "### ",
                };
                match self.flavor {
                    Flavor::Discord => self.raw(hashes, true),
                    Flavor::Teams => self.raw("**", true),
                    Flavor::Plain => {}
                }
            }
            Tag::BlockQuote(kind) => {
                self.open_block();
                let quote = if kind.is_some() && !self.marked() {
                    ""
                } else {
                    "> "
                };
                self.prefixes.push(Prefix {
                    first: quote.into(),
                    rest: quote.into(),
                    used: false,
                });
                self.label = kind.map(alert_label);
            }
            Tag::CodeBlock(kind) => {
                self.open_block();
                self.in_code = true;
                if self.marked() {
                    let lang = match kind {
                        CodeBlockKind::Fenced(lang) => lang.to_string(),
                        CodeBlockKind::Indented => String::new(),
                    };
                    let open = format!("```{lang}");
                    self.raw(&open, true);
                    self.end_line();
                    if self.depth == 1 && self.prefixes.is_empty() {
                        self.fence = Some((open, "```".into()));
                    }
                }
            }
            Tag::List(start) => {
                self.open_block();
                self.lists.push(start);
            }
            Tag::Item => {
                self.end_line();
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => "- ".to_owned(),
                };
                let rest = " ".repeat(marker.chars().count());
                self.prefixes.push(Prefix {
                    first: marker,
                    rest,
                    used: false,
                });
            }
            Tag::Strong => self.raw(if self.marked() { "**" } else { "" }, false),
            Tag::Emphasis => self.raw(if self.marked() { "*" } else { "" }, false),
            Tag::Strikethrough => self.raw(if self.marked() { "~~" } else { "" }, false),
            Tag::Link {
                dest_url, title, ..
            }
            | Tag::Image {
                dest_url, title, ..
            } => {
                self.link = Some(LinkState {
                    url: dest_url.to_string(),
                    title: title.to_string(),
                    text: String::new(),
                });
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph
            | TagEnd::HtmlBlock
            | TagEnd::Table
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList => self.close_block(),
            TagEnd::Heading(_) => {
                if self.flavor == Flavor::Teams {
                    self.raw("**", true);
                }
                self.close_block();
            }
            TagEnd::BlockQuote(_) => {
                self.end_line();
                self.prefixes.pop();
                self.label = None;
                self.close_block();
            }
            TagEnd::CodeBlock => {
                self.in_code = false;
                if self.marked() {
                    self.end_line();
                    self.raw("```", true);
                }
                self.close_block();
            }
            TagEnd::List(_) => {
                self.lists.pop();
                self.close_block();
            }
            TagEnd::Item => {
                self.end_line();
                self.prefixes.pop();
            }
            TagEnd::Strong => self.raw(if self.marked() { "**" } else { "" }, false),
            TagEnd::Emphasis => self.raw(if self.marked() { "*" } else { "" }, false),
            TagEnd::Strikethrough => self.raw(if self.marked() { "~~" } else { "" }, false),
            TagEnd::Link | TagEnd::Image => self.finish_link(),
            _ => {}
        }
    }

    fn open_block(&mut self) {
        self.end_line();
        self.depth += 1;
    }

    fn close_block(&mut self) {
        self.end_line();
        self.depth = self.depth.saturating_sub(1);
        if self.depth == 0 {
            self.end_block();
        }
    }
}

fn alert_label(kind: BlockQuoteKind) -> &'static str {
    match kind {
        BlockQuoteKind::Note => "Note:",
        BlockQuoteKind::Tip => "Tip:",
        BlockQuoteKind::Important => "Important:",
        BlockQuoteKind::Warning => "Warning:",
        BlockQuoteKind::Caution => "Caution:",
    }
}

mod inline;
