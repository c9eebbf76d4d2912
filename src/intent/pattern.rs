//! One rule, guard or slot pattern: its source rewritten for the ASCII-safe
//! encoding ([`super::ascii_safe`]) and compiled on its own within a size
//! limit. The combined automaton of [`super::matcher`] is built from the same
//! HIRs; the single regexes give spans.

use regex_automata::meta::{self, Regex};

use super::ascii_safe::{self, Rewriter};

/// Compiled-size limit of one pattern. A pattern over it is reported as too
/// large when the rules are loaded.
pub const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// Compiles one pattern to its ASCII-safe HIR and a single-pattern regex,
/// enforcing the size limit.
pub fn compile_single(pattern: &str) -> Result<(regex_syntax::hir::Hir, Regex), String> {
    compile_single_with(&ascii_safe::Rewriter::new(), pattern)
}

/// [`compile_single`] sharing `rewriter`'s memory of rewritten classes with
/// the other patterns of a rule set.
pub fn compile_single_with(
    rewriter: &ascii_safe::Rewriter,
    pattern: &str,
) -> Result<(regex_syntax::hir::Hir, Regex), String> {
    let hir = rewriter.compile(pattern).map_err(|e| e.to_string())?;
    let single = Regex::builder()
        .configure(meta::Config::new().nfa_size_limit(Some(PATTERN_SIZE_LIMIT)))
        .build_from_hir(&hir)
        .map_err(|e| match e.size_limit() {
            Some(limit) => format!("pattern is too large (compiled size over {limit} bytes)"),
            None => format!("pattern does not compile: {e}"),
        })?;
    Ok((hir, single))
}

/// Compiles every pattern, in order, on up to [`COMPILE_THREADS`] threads:
/// patterns are independent, and start-up with every language loaded is
/// mostly this step.
pub fn compile_all(patterns: &[&str]) -> Vec<Result<(regex_syntax::hir::Hir, Regex), String>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, COMPILE_THREADS);
    let chunk = patterns.len().div_ceil(threads).max(1);
    let run = |part: &[&str]| {
        let rewriter = Rewriter::new();
        part.iter()
            .map(|p| compile_single_with(&rewriter, p))
            .collect::<Vec<_>>()
    };
    if threads == 1 || patterns.len() < 2 * MIN_PATTERNS_PER_THREAD {
        return run(patterns);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = patterns
            .chunks(chunk)
            .map(|part| scope.spawn(move || run(part)))
            .collect();
        // A panicking compile thread is a bug in regex-syntax or here, not
        // bad input (that is an `Err`); report it rather than abort.
        handles
            .into_iter()
            .zip(patterns.chunks(chunk))
            .flat_map(|(h, part)| {
                h.join().unwrap_or_else(|_| {
                    part.iter()
                        .map(|_| Err("the pattern compiler panicked".to_owned()))
                        .collect()
                })
            })
            .collect()
    })
}

/// Most threads [`compile_all`] uses.
const COMPILE_THREADS: usize = 4;
/// Below this many patterns per thread, threads cost more than they save.
const MIN_PATTERNS_PER_THREAD: usize = 64;
