//! One rule, guard or slot pattern: its source rewritten for the ASCII-safe
//! encoding ([`super::ascii_safe`]) and compiled on its own within a size
//! limit. The combined automaton of [`super::matcher`] is built from the same
//! HIRs; the single regexes give spans.

use regex_automata::meta::{self, Regex};

use super::ascii_safe;

/// Compiled-size limit of one pattern. A pattern over it is reported as too
/// large when the rules are loaded.
pub const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// Compiles one pattern to its ASCII-safe HIR and a single-pattern regex,
/// enforcing the size limit.
pub fn compile_single(pattern: &str) -> Result<(regex_syntax::hir::Hir, Regex), String> {
    let hir = ascii_safe::compile(pattern).map_err(|e| e.to_string())?;
    let single = Regex::builder()
        .configure(meta::Config::new().nfa_size_limit(Some(PATTERN_SIZE_LIMIT)))
        .build_from_hir(&hir)
        .map_err(|e| match e.size_limit() {
            Some(limit) => format!("pattern is too large (compiled size over {limit} bytes)"),
            None => format!("pattern does not compile: {e}"),
        })?;
    Ok((hir, single))
}
