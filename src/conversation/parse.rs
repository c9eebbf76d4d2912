//! Lifecycle commands typed as chat text: "cancel SUB-1", "si opp SUB-1",
//! "confirm TOKEN [ACCOUNT]". The grammar is strict (a verb, then ids, and
//! nothing else), so questions such as "how do I cancel SUB-1?" stay
//! questions for the intent engine.

use crate::model::Command;

/// Parses `text` as a lifecycle command, English or Norwegian.
pub fn parse(text: &str) -> Option<Command> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let w: Vec<&str> = lower.iter().map(String::as_str).collect();
    let arg = |i: usize| words.get(i).map(|s| (*s).to_owned());
    let is_sub = |s: &str| {
        let id = s.rsplit('/').next().unwrap_or(s);
        // `get`, not `[..4]`: the fourth byte may sit inside a letter ("strøm").
        id.len() > 4 && id.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("sub-"))
    };
    match w.as_slice() {
        ["cancel" | "avslutt" | "kanseller", s] if is_sub(s) => Some(Command::Cancel {
            subscription: arg(1)?,
        }),
        ["si" | "sei", "opp", s] if is_sub(s) => Some(Command::Cancel {
            subscription: arg(2)?,
        }),
        ["refund" | "refunder", s] if is_sub(s) => Some(Command::Refund {
            subscription: arg(1)?,
        }),
        ["reactivate" | "reaktiver", s] if is_sub(s) => Some(Command::Reactivate {
            subscription: arg(1)?,
        }),
        ["close" | "lukk", "account" | "konto" | "kontoen", _] => {
            Some(Command::CloseAccount { account: arg(2)? })
        }
        ["status"] => Some(Command::Status { account: None }),
        ["status", _] => Some(Command::Status { account: arg(1) }),
        ["export" | "eksporter"] => Some(Command::Export { account: None }),
        ["export" | "eksporter", _] => Some(Command::Export { account: arg(1) }),
        ["confirm" | "bekreft", _] => Some(Command::Confirm {
            token: arg(1)?,
            typed: None,
        }),
        ["confirm" | "bekreft", _, _] => Some(Command::Confirm {
            token: arg(1)?,
            typed: arg(2),
        }),
        ["dismiss" | "avbryt", t] if t.contains('.') || t.len() > 20 => {
            Some(Command::Dismiss { token: arg(1)? })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multibyte_letter_near_the_start_of_an_argument_is_no_command_and_no_panic() {
        for text in [
            "si opp strømavtalen",
            "kanseller strømavtalen",
            "cancel 日本語",
            "refund suØ",
            "reaktiver søk",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn commands_in_both_languages() {
        assert_eq!(
            parse("cancel SUB-1"),
            Some(Command::Cancel {
                subscription: "SUB-1".into()
            })
        );
        assert_eq!(
            parse("Si opp sub-12"),
            Some(Command::Cancel {
                subscription: "sub-12".into()
            })
        );
        assert_eq!(
            parse("refund contoso/SUB-2"),
            Some(Command::Refund {
                subscription: "contoso/SUB-2".into()
            })
        );
        assert_eq!(
            parse("lukk konto contoso"),
            Some(Command::CloseAccount {
                account: "contoso".into()
            })
        );
        assert_eq!(
            parse("confirm abc.def contoso"),
            Some(Command::Confirm {
                token: "abc.def".into(),
                typed: Some("contoso".into())
            })
        );
        assert_eq!(parse("status"), Some(Command::Status { account: None }));
    }

    #[test]
    fn questions_are_not_commands() {
        assert_eq!(parse("how do I cancel SUB-1?"), None);
        assert_eq!(parse("cancel my subscription"), None);
        assert_eq!(parse("avbryt abonnementet"), None);
        assert_eq!(parse("close my account now"), None);
    }
}
