//! Import of Microsoft Docs localized help articles into the answer catalog.
//!
//! Pipeline per source file ([`import::convert_file`]): [`parse_document`] types the
//! YAML front matter; an sxs body is split into its localized and English halves by
//! [`split_sxs`]; each body is cleaned by [`clean_markdown`]; [`write_article_file`]
//! serialises the result. [`import_tree`] runs this over a directory, picks one
//! candidate per locale and key, and writes the catalog atomically.

pub mod frontmatter;
pub mod import;
mod line_fixes;
pub mod links;
pub mod locale;
pub mod markdown_clean;
pub mod output;
pub mod problem;
pub mod sxs;
pub mod urls;

pub use frontmatter::{parse_document, FrontMatter, ParsedDocument, Translation};
pub use import::{import_tree, ImportError, ImportReport};
pub use markdown_clean::{clean_markdown, Cleaned};
pub use output::{read_article_file, write_article_file, ArticleHeader, TranslationLabel};
pub use problem::{Note, Problem, Severity};
pub use sxs::{is_sxs, split_sxs, SxsSplit};
