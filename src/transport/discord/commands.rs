//! The slash commands supportbot registers, with English (`en-US`) and
//! Norwegian (`no`, as Discord spells it) names and descriptions.
//!
//! Interactions carry the default (English) names whatever the user's
//! language, so the payload parser matches only the constants below.
//! `default_member_permissions` on the admin commands is a UX default,
//! never authorization: the bot re-checks every lifecycle call.

use serde_json::{json, Value};

/// `/help [topic]`.
pub const HELP: &str = "help";
/// `/why`.
pub const WHY: &str = "why";
/// `/subscription status [account]`, and the option of cancel/refund/reactivate.
pub const SUBSCRIPTION: &str = "subscription";
/// Subcommand of `/subscription`.
pub const STATUS: &str = "status";
/// `/cancel subscription`.
pub const CANCEL: &str = "cancel";
/// `/refund subscription`.
pub const REFUND: &str = "refund";
/// `/reactivate subscription`.
pub const REACTIVATE: &str = "reactivate";
/// `/close-account account`.
pub const CLOSE_ACCOUNT: &str = "close-account";
/// `/export [account]`.
pub const EXPORT: &str = "export";
/// Option: account id.
pub const ACCOUNT: &str = "account";
/// Option of `/help`.
pub const TOPIC: &str = "topic";

/// `MANAGE_GUILD` (1 << 5) as Discord's bit-set string.
pub const MANAGE_GUILD: &str = "32";

const OPTION_SUB_COMMAND: u8 = 1;
const OPTION_STRING: u8 = 3;

/// Name and description in English and Norwegian.
struct Text {
    name: &'static str,
    name_no: &'static str,
    description: &'static str,
    description_no: &'static str,
}

fn named(t: &Text) -> Value {
    json!({
        "name": t.name,
        "name_localizations": { "en-US": t.name, "no": t.name_no },
        "description": t.description,
        "description_localizations": { "en-US": t.description, "no": t.description_no },
    })
}

fn with(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Value::Object(e)) = (base.as_object_mut(), extra) {
        b.extend(e);
    }
    base
}

fn string_option(t: &Text, required: bool) -> Value {
    with(
        named(t),
        json!({ "type": OPTION_STRING, "required": required, "max_length": 100 }),
    )
}

const ACCOUNT_OPTION: Text = Text {
    name: ACCOUNT,
    name_no: "konto",
    description: "Account id",
    description_no: "Konto-ID",
};
const SUBSCRIPTION_OPTION: Text = Text {
    name: SUBSCRIPTION,
    name_no: "abonnement",
    description: "Subscription id",
    description_no: "Abonnements-ID",
};

fn admin(t: &Text, options: Vec<Value>) -> Value {
    with(
        named(t),
        json!({
            "type": 1,
            "options": options,
            "default_member_permissions": MANAGE_GUILD,
            "contexts": [0],
        }),
    )
}

/// Every command, as the body of `PUT /applications/{id}/commands`.
pub fn definitions() -> Value {
    let topic = with(
        string_option(
            &Text {
                name: TOPIC,
                name_no: "emne",
                description: "What you need help with",
                description_no: "Hva du trenger hjelp med",
            },
            false,
        ),
        json!({ "choices": [
            { "name": "Cancel a subscription", "name_localizations": { "no": "Si opp et abonnement" }, "value": "cancel" },
            { "name": "Refunds and credit", "name_localizations": { "no": "Refusjon og kreditt" }, "value": "refund" },
            { "name": "Close the account", "name_localizations": { "no": "Lukk kontoen" }, "value": "close" },
        ]}),
    );
    json!([
        with(
            named(&Text {
                name: HELP,
                name_no: "hjelp",
                description: "How to cancel, get a refund or close an account",
                description_no: "Slik sier du opp, får refusjon eller lukker en konto",
            }),
            json!({ "type": 1, "options": [topic] }),
        ),
        with(
            named(&Text {
                name: WHY,
                name_no: "hvorfor",
                description: "Explain the bot's last answer to you",
                description_no: "Forklar botens siste svar til deg",
            }),
            json!({ "type": 1 }),
        ),
        admin(
            &Text {
                name: SUBSCRIPTION,
                name_no: "abonnement",
                description: "Subscriptions of an account",
                description_no: "Abonnementene til en konto",
            },
            vec![with(
                named(&Text {
                    name: STATUS,
                    name_no: "status",
                    description: "Show an account's subscriptions",
                    description_no: "Vis abonnementene til en konto",
                }),
                json!({ "type": OPTION_SUB_COMMAND, "options": [string_option(&ACCOUNT_OPTION, false)] }),
            )],
        ),
        admin(
            &Text {
                name: CANCEL,
                name_no: "si-opp",
                description: "Cancel a subscription",
                description_no: "Si opp et abonnement",
            },
            vec![string_option(&SUBSCRIPTION_OPTION, true)],
        ),
        admin(
            &Text {
                name: REFUND,
                name_no: "refusjon",
                description: "Refund a subscription's unused term",
                description_no: "Refunder ubrukt periode av et abonnement",
            },
            vec![string_option(&SUBSCRIPTION_OPTION, true)],
        ),
        admin(
            &Text {
                name: REACTIVATE,
                name_no: "reaktiver",
                description: "Reactivate a disabled subscription",
                description_no: "Reaktiver et deaktivert abonnement",
            },
            vec![string_option(&SUBSCRIPTION_OPTION, true)],
        ),
        admin(
            &Text {
                name: CLOSE_ACCOUNT,
                name_no: "lukk-konto",
                description: "Close an account",
                description_no: "Lukk en konto",
            },
            vec![string_option(&ACCOUNT_OPTION, true)],
        ),
        admin(
            &Text {
                name: EXPORT,
                name_no: "eksporter",
                description: "Export an account's data as JSON",
                description_no: "Eksporter dataene til en konto som JSON",
            },
            vec![string_option(&ACCOUNT_OPTION, false)],
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_discord_rules_and_admin_commands_default_to_manage_guild() {
        let defs = definitions();
        let list = defs.as_array().expect("array");
        assert_eq!(list.len(), 8);
        let name_ok = |n: &str| {
            (1..=32).contains(&n.chars().count())
                && n.chars()
                    .all(|c| c == '-' || c == '_' || c.is_lowercase() || c.is_numeric())
        };
        for c in list {
            let name = c["name"].as_str().expect("name");
            assert!(name_ok(name), "{name}");
            assert!(name_ok(c["name_localizations"]["no"].as_str().expect("no")));
            assert!(c["description"].as_str().expect("d").chars().count() <= 100);
            let admin = ![HELP, WHY].contains(&name);
            assert_eq!(
                c.get("default_member_permissions").and_then(Value::as_str),
                admin.then_some(MANAGE_GUILD),
                "{name}"
            );
            // Discord's size limit per command is 8000 characters.
            assert!(c.to_string().len() < 8000);
        }
    }
}
