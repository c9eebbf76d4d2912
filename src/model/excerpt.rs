//! Bounded echoes of user input: a refusal quoting what was typed must not
//! grow with it (a 100 KB option would otherwise come back as dozens of
//! messages).

/// Most characters of user input an error message quotes.
pub const ECHO_CHARS: usize = 64;

/// `text` cut to at most `max` characters (not bytes, so never inside a
/// letter), with `…` in place of whatever was cut.
pub fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((end, _)) => {
            let mut short = text[..end].to_owned();
            short.push('…');
            short
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_input_is_cut_at_a_character_boundary_with_an_ellipsis() {
        assert_eq!(excerpt("SUB-1", ECHO_CHARS), "SUB-1");
        assert_eq!(excerpt("strømavtale", 4), "strø…");
        assert_eq!(excerpt(&"ø".repeat(100_000), 64).chars().count(), 65);
        assert_eq!(excerpt("", 3), "");
    }
}
