//! The slash commands supportbot registers. Which commands exist, their
//! options and default permissions are defined here; their names and
//! descriptions in every language come from the knowledge's command texts
//! (`intents/commands/<locale>.toml`), mapped onto Discord's locale codes.
//!
//! Interactions carry the default (English) names whatever the user's
//! language, so the payload parser matches only the constants below.
//! `default_member_permissions` on the admin commands is a UX default,
//! never authorization: the bot re-checks every lifecycle call.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::answer::{CommandTexts, LocaleCommands, NamedText};
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
/// `/handoff claim|resolve|release ticket`: support agents on tickets.
pub const HANDOFF: &str = "handoff";
/// Subcommand of `/handoff`.
pub const CLAIM: &str = "claim";
/// Subcommand of `/handoff`.
pub const RESOLVE: &str = "resolve";
/// Subcommand of `/handoff`.
pub const RELEASE: &str = "release";
/// Option of the `/handoff` subcommands: the ticket number.
pub const TICKET: &str = "ticket";

/// `MANAGE_GUILD` (1 << 5) as Discord's bit-set string.
pub const MANAGE_GUILD: &str = "32";

/// The locales a Discord client can be set to.
pub const DISCORD_LOCALES: [&str; 32] = [
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th",
    "zh-CN", "ja", "zh-TW", "ko",
];

/// Discord's limit on one command's JSON, counting every localization.
const MAX_COMMAND_CHARS: usize = 8000;

const OPTION_SUB_COMMAND: u8 = 1;
const OPTION_STRING: u8 = 3;
const OPTION_INTEGER: u8 = 4;

/// Why the command definitions cannot be built from the command texts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandsError {
    /// The default locale's file lacks a text the registration needs.
    #[error("commands/{locale}.toml: {path} is missing; Discord needs a default name and description for every command and option")]
    MissingText {
        /// The default locale.
        locale: String,
        /// Key path, e.g. `refund.description`.
        path: String,
    },
    /// Two of our locales would fill the same Discord locale.
    #[error("commands/{first}.toml and commands/{second}.toml both map to Discord's `{discord}`; keep one")]
    SameDiscordLocale {
        /// Discord's code.
        discord: &'static str,
        /// One locale.
        first: String,
        /// The other.
        second: String,
    },
    /// A command with all its localizations is over Discord's size limit.
    #[error("/{command} with its localizations is {chars} characters; Discord allows {MAX_COMMAND_CHARS}")]
    TooLarge {
        /// The command.
        command: String,
        /// Its size.
        chars: usize,
    },
}

/// The Discord locale a locale tag of ours fills: the same tag, else the
/// bare language Discord lists (`de-DE` → `de`), with Norwegian as `no`.
/// Variants Discord lacks (`pt-PT`, `en-AU`) fill nothing: Discord would
/// show them to users of the other variant.
pub fn discord_locale(tag: &str) -> Option<&'static str> {
    if let Some(code) = DISCORD_LOCALES.iter().find(|c| c.eq_ignore_ascii_case(tag)) {
        return Some(code);
    }
    let language = tag
        .split(['-', '_'])
        .next()
        .unwrap_or(tag)
        .to_ascii_lowercase();
    let language = match language.as_str() {
        "nb" | "nn" => "no",
        other => other,
    };
    DISCORD_LOCALES.iter().copied().find(|c| *c == language)
}

/// The texts of one item: which command, and where in it.
#[derive(Clone, Copy)]
enum Item<'a> {
    Command(&'a str),
    Subcommand(&'a str, &'a str),
    Option(&'a str, &'a str),
}

impl Item<'_> {
    fn path(&self) -> String {
        match self {
            Item::Command(c) => (*c).to_owned(),
            Item::Subcommand(c, s) => format!("{c}.{s}"),
            Item::Option(c, o) => format!("{c}.options.{o} (or options.{o})"),
        }
    }

    fn key(&self) -> &str {
        match self {
            Item::Command(k) | Item::Subcommand(_, k) | Item::Option(_, k) => k,
        }
    }

    fn text<'t>(&self, texts: &'t LocaleCommands) -> Option<&'t NamedText> {
        match *self {
            Item::Command(c) => texts.commands.get(c).map(|c| &c.text),
            Item::Subcommand(c, s) => texts.commands.get(c)?.subcommands.get(s),
            Item::Option(c, o) => texts.option(c, o),
        }
    }
}

/// Builds the registration JSON from the command texts.
struct Builder<'a> {
    default_locale: &'a str,
    source: Option<&'a LocaleCommands>,
    discord: Vec<(&'static str, &'a LocaleCommands)>,
}

impl<'a> Builder<'a> {
    fn new(texts: &'a CommandTexts) -> Result<Builder<'a>, CommandsError> {
        let mut discord: BTreeMap<&'static str, (&'a str, &'a LocaleCommands)> = BTreeMap::new();
        for (tag, commands) in texts.locales() {
            let Some(code) = discord_locale(tag) else {
                continue;
            };
            if let Some((first, _)) = discord.insert(code, (tag, commands)) {
                return Err(CommandsError::SameDiscordLocale {
                    discord: code,
                    first: first.to_owned(),
                    second: tag.to_owned(),
                });
            }
        }
        Ok(Builder {
            default_locale: texts.default_locale(),
            source: texts.source(),
            discord: discord.into_iter().map(|(c, (_, t))| (c, t)).collect(),
        })
    }

    /// `name`, `description` and their localizations for `item`.
    fn named(&self, item: Item<'_>) -> Result<Value, CommandsError> {
        let description = self
            .source
            .and_then(|s| item.text(s))
            .and_then(|t| t.description.clone())
            .ok_or_else(|| CommandsError::MissingText {
                locale: self.default_locale.to_owned(),
                path: format!("{}.description", item.path()),
            })?;
        let (mut names, mut descriptions) = (Map::new(), Map::new());
        for (code, texts) in &self.discord {
            let Some(text) = item.text(texts) else {
                continue;
            };
            if let Some(n) = &text.name {
                names.insert((*code).to_owned(), json!(n));
            }
            if let Some(d) = &text.description {
                descriptions.insert((*code).to_owned(), json!(d));
            }
        }
        Ok(json!({
            "name": item.key(),
            "name_localizations": names,
            "description": description,
            "description_localizations": descriptions,
        }))
    }

    fn string_option(
        &self,
        command: &str,
        option: &str,
        required: bool,
    ) -> Result<Value, CommandsError> {
        Ok(with(
            self.named(Item::Option(command, option))?,
            json!({ "type": OPTION_STRING, "required": required, "max_length": 100 }),
        ))
    }

    /// The fixed choices of `/help topic`, named in every locale that has them.
    fn topic_choices(&self) -> Result<Value, CommandsError> {
        let mut out = Vec::new();
        for value in ["cancel", "refund", "close"] {
            let name = self
                .source
                .and_then(|s| s.commands.get(HELP)?.choices.get(value))
                .ok_or_else(|| CommandsError::MissingText {
                    locale: self.default_locale.to_owned(),
                    path: format!("{HELP}.choices.{value}.name"),
                })?;
            let mut names = Map::new();
            for (code, texts) in &self.discord {
                if let Some(n) = texts.commands.get(HELP).and_then(|c| c.choices.get(value)) {
                    names.insert((*code).to_owned(), json!(n));
                }
            }
            out.push(json!({ "name": name, "name_localizations": names, "value": value }));
        }
        Ok(Value::Array(out))
    }

    /// `/handoff` with its three subcommands, each taking the ticket number.
    /// Visible to everyone in guilds: who may use it is the bot's check
    /// (support role or listed agent), which no Discord permission expresses.
    fn handoff(&self) -> Result<Value, CommandsError> {
        let mut subs = Vec::new();
        for sub in [CLAIM, RESOLVE, RELEASE] {
            let ticket = with(
                self.named(Item::Option(HANDOFF, TICKET))?,
                json!({ "type": OPTION_INTEGER, "required": true, "min_value": 1 }),
            );
            subs.push(with(
                self.named(Item::Subcommand(HANDOFF, sub))?,
                json!({ "type": OPTION_SUB_COMMAND, "options": [ticket] }),
            ));
        }
        Ok(with(
            self.named(Item::Command(HANDOFF))?,
            json!({ "type": 1, "options": subs, "contexts": [0] }),
        ))
    }

    fn admin(&self, command: &str, options: Vec<Value>) -> Result<Value, CommandsError> {
        Ok(with(
            self.named(Item::Command(command))?,
            json!({
                "type": 1,
                "options": options,
                "default_member_permissions": MANAGE_GUILD,
                "contexts": [0],
            }),
        ))
    }
}

fn with(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Value::Object(e)) = (base.as_object_mut(), extra) {
        b.extend(e);
    }
    base
}

/// Every command, as the body of `PUT /applications/{id}/commands`, named
/// and described in every Discord locale `texts` has a file for.
pub fn definitions(texts: &CommandTexts) -> Result<Value, CommandsError> {
    let b = Builder::new(texts)?;
    let topic = with(
        b.string_option(HELP, TOPIC, false)?,
        json!({ "choices": b.topic_choices()? }),
    );
    let status = with(
        b.named(Item::Subcommand(SUBSCRIPTION, STATUS))?,
        json!({ "type": OPTION_SUB_COMMAND, "options": [b.string_option(SUBSCRIPTION, ACCOUNT, false)?] }),
    );
    let commands = vec![
        with(
            b.named(Item::Command(HELP))?,
            json!({ "type": 1, "options": [topic] }),
        ),
        with(b.named(Item::Command(WHY))?, json!({ "type": 1 })),
        b.admin(SUBSCRIPTION, vec![status])?,
        b.admin(CANCEL, vec![b.string_option(CANCEL, SUBSCRIPTION, true)?])?,
        b.admin(REFUND, vec![b.string_option(REFUND, SUBSCRIPTION, true)?])?,
        b.admin(
            REACTIVATE,
            vec![b.string_option(REACTIVATE, SUBSCRIPTION, true)?],
        )?,
        b.admin(
            CLOSE_ACCOUNT,
            vec![b.string_option(CLOSE_ACCOUNT, ACCOUNT, true)?],
        )?,
        b.admin(EXPORT, vec![b.string_option(EXPORT, ACCOUNT, false)?])?,
        b.handoff()?,
    ];
    for c in &commands {
        let chars = c.to_string().chars().count();
        if chars > MAX_COMMAND_CHARS {
            return Err(CommandsError::TooLarge {
                command: c["name"].as_str().unwrap_or_default().to_owned(),
                chars,
            });
        }
    }
    Ok(Value::Array(commands))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::{Knowledge, KnowledgeSource};

    fn shipped() -> Value {
        let knowledge = Knowledge::load(&KnowledgeSource::embedded()).expect("embedded knowledge");
        definitions(&knowledge.commands).expect("shipped command texts build")
    }

    #[test]
    fn names_fit_discord_rules_and_admin_commands_default_to_manage_guild() {
        let defs = shipped();
        let list = defs.as_array().expect("array");
        assert_eq!(list.len(), 9);
        for c in list {
            let name = c["name"].as_str().expect("name");
            assert!(c["name_localizations"]["no"].is_string(), "{name}");
            assert_eq!(
                c["name_localizations"]["en-US"], name,
                "the default in its own key"
            );
            let admin = ![HELP, WHY, HANDOFF].contains(&name);
            assert_eq!(
                c.get("default_member_permissions").and_then(Value::as_str),
                admin.then_some(MANAGE_GUILD),
                "{name}"
            );
        }
    }

    #[test]
    fn every_shipped_command_file_reaches_its_discord_locale() {
        let knowledge = Knowledge::load(&KnowledgeSource::embedded()).expect("embedded knowledge");
        let defs = definitions(&knowledge.commands).expect("builds");
        let cancel = defs
            .as_array()
            .and_then(|l| l.iter().find(|c| c["name"] == CANCEL))
            .expect("cancel");
        for (tag, texts) in knowledge.commands.locales() {
            let Some(code) = discord_locale(tag) else {
                continue;
            };
            let name = texts
                .commands
                .get(CANCEL)
                .and_then(|c| c.text.name.as_deref());
            assert_eq!(
                cancel["name_localizations"][code].as_str(),
                name,
                "{tag} as Discord's {code}"
            );
        }
        assert_eq!(cancel["name_localizations"]["no"], "si-opp");
        assert!(cancel["name_localizations"]["de"].is_string());
    }

    #[test]
    fn locale_tags_map_onto_discord_codes() {
        assert_eq!(discord_locale("nb-NO"), Some("no"));
        assert_eq!(discord_locale("de-DE"), Some("de"));
        assert_eq!(discord_locale("sv-SE"), Some("sv-SE"));
        assert_eq!(discord_locale("pt-BR"), Some("pt-BR"));
        assert_eq!(discord_locale("zh-TW"), Some("zh-TW"));
        assert_eq!(discord_locale("ja-JP"), Some("ja"));
        assert_eq!(discord_locale("pt-PT"), None, "Discord has only pt-BR");
        assert_eq!(discord_locale("et-EE"), None);
    }

    #[test]
    fn a_missing_default_text_is_named() {
        let source = "[cancel]\nname = \"cancel\"\ndescription = \"Cancel\"\n";
        let texts = CommandTexts::parse(
            "en-US",
            [("en-US", "commands/en-US.toml".to_owned(), source)],
        )
        .expect("parses");
        let err = definitions(&texts).expect_err("help is missing");
        assert!(err.to_string().contains("help.options.topic"), "{err}");
    }
}
