//! Localized names and descriptions of the bot's slash commands, from
//! `commands/<locale>.toml`.
//!
//! Which commands exist, their options and who may use them is code (the
//! transports define them); these files only say what each is called and
//! how it is described in a language. The default locale's file is the
//! source of truth: its names are what platforms send back in interactions,
//! so they must equal the keys, and every other file may only translate
//! keys it has. A missing translation is allowed (the platform shows the
//! default text); a malformed one is an error naming file and key.
//!
//! The limits are the strictest of the platforms we register on (Discord:
//! names 1–32 characters, lowercase, letters/digits/`-`/`_`; descriptions
//! and choice names 1–100 characters; names unique per locale).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use toml::{Table, Value};

/// Longest description or choice name.
pub const MAX_DESCRIPTION_CHARS: usize = 100;

/// Discord's name pattern (it also admits Devanagari and Thai marks).
static NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$").expect("valid name pattern")
});

/// A name with its description (commands, subcommands, options).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamedText {
    /// Lowercase, 1–32 characters, no spaces.
    pub name: Option<String>,
    /// 1–100 characters.
    pub description: Option<String>,
}

/// The texts of one command in one locale.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandText {
    /// The command's own name and description.
    pub text: NamedText,
    /// Options of this command only, by option key.
    pub options: BTreeMap<String, NamedText>,
    /// Names of the fixed choices of its option, by choice value.
    pub choices: BTreeMap<String, String>,
    /// Subcommands, by key.
    pub subcommands: BTreeMap<String, NamedText>,
}

/// Every command text of one locale.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocaleCommands {
    /// Commands by key (the default-locale name).
    pub commands: BTreeMap<String, CommandText>,
    /// Options several commands share (`[options.account]`), by key.
    pub shared_options: BTreeMap<String, NamedText>,
}

impl LocaleCommands {
    /// The text of `option` under `command`: its own, else the shared one.
    pub fn option(&self, command: &str, option: &str) -> Option<&NamedText> {
        self.commands
            .get(command)
            .and_then(|c| c.options.get(option))
            .or_else(|| self.shared_options.get(option))
    }
}

/// The command texts of every locale that has a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandTexts {
    default_locale: String,
    by_locale: BTreeMap<String, LocaleCommands>,
}

impl CommandTexts {
    /// Parses `files` (locale tag, display path, text). `default_locale`'s
    /// file is required when any file is given; an empty list is an empty
    /// catalog (a rule tree without slash commands). Every problem is
    /// returned, each naming its file and key.
    pub fn parse<'a>(
        default_locale: &str,
        files: impl IntoIterator<Item = (&'a str, String, &'a str)>,
    ) -> Result<CommandTexts, Vec<String>> {
        let mut problems = Vec::new();
        let mut by_locale = BTreeMap::new();
        for (locale, path, text) in files {
            match parse_file(text) {
                Ok(commands) => {
                    for p in check_limits(&commands) {
                        problems.push(format!("{path}: {p}"));
                    }
                    by_locale.insert(locale.to_owned(), (path, commands));
                }
                Err(p) => problems.push(format!("{path}: {p}")),
            }
        }
        match by_locale.get(default_locale) {
            Some((path, source)) => {
                for p in check_source(source) {
                    problems.push(format!("{path}: {p}"));
                }
                for (locale, (path, texts)) in &by_locale {
                    if locale != default_locale {
                        for p in check_subset(texts, source) {
                            problems.push(format!("{path}: {p}"));
                        }
                    }
                }
            }
            None if !by_locale.is_empty() => problems.push(format!(
                "commands/{default_locale}.toml: missing; the default locale's command texts are the source the others translate"
            )),
            None => {}
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(CommandTexts {
            default_locale: default_locale.to_owned(),
            by_locale: by_locale.into_iter().map(|(l, (_, c))| (l, c)).collect(),
        })
    }

    /// The default locale's texts (the names interactions carry).
    pub fn source(&self) -> Option<&LocaleCommands> {
        self.by_locale.get(&self.default_locale)
    }

    /// The default locale's tag.
    pub fn default_locale(&self) -> &str {
        &self.default_locale
    }

    /// Every locale with its texts, the default included, in tag order.
    pub fn locales(&self) -> impl Iterator<Item = (&str, &LocaleCommands)> {
        self.by_locale.iter().map(|(l, c)| (l.as_str(), c))
    }
}

fn parse_file(text: &str) -> Result<LocaleCommands, String> {
    let table: Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("not valid TOML: {}", e.to_string().trim_end()))?;
    let mut out = LocaleCommands::default();
    for (key, value) in table {
        let body = as_table(&value, &key)?;
        if key == "options" {
            for (option, v) in body {
                let path = format!("options.{option}");
                out.shared_options
                    .insert(option.clone(), named(as_table(v, &path)?, &path)?);
            }
            continue;
        }
        out.commands.insert(key.clone(), command(body, &key)?);
    }
    Ok(out)
}

fn command(body: &Table, key: &str) -> Result<CommandText, String> {
    let mut out = CommandText::default();
    let mut own = Table::new();
    for (k, v) in body {
        let path = format!("{key}.{k}");
        match (k.as_str(), v) {
            ("name" | "description", _) => {
                own.insert(k.clone(), v.clone());
            }
            ("options", v) => {
                for (option, v) in as_table(v, &path)? {
                    let path = format!("{path}.{option}");
                    out.options
                        .insert(option.clone(), named(as_table(v, &path)?, &path)?);
                }
            }
            ("choices", v) => {
                for (choice, v) in as_table(v, &path)? {
                    let path = format!("{path}.{choice}");
                    let t = named(as_table(v, &path)?, &path)?;
                    if t.description.is_some() {
                        return Err(format!("{path}.description: choices have a name only"));
                    }
                    let name = t.name.ok_or_else(|| format!("{path}.name: missing"))?;
                    out.choices.insert(choice.clone(), name);
                }
            }
            (_, Value::Table(t)) => {
                out.subcommands.insert(k.clone(), named(t, &path)?);
            }
            (_, _) => {
                return Err(format!(
                    "{path}: unknown key (a command has name, description, options, choices and subcommand tables)"
                ))
            }
        }
    }
    out.text = named(&own, key)?;
    Ok(out)
}

fn named(t: &Table, path: &str) -> Result<NamedText, String> {
    let mut out = NamedText::default();
    for (k, v) in t {
        let text = v
            .as_str()
            .ok_or_else(|| format!("{path}.{k}: must be a string"))?
            .to_owned();
        match k.as_str() {
            "name" => out.name = Some(text),
            "description" => out.description = Some(text),
            _ => return Err(format!("{path}.{k}: unknown key (name or description)")),
        }
    }
    Ok(out)
}

fn as_table<'v>(v: &'v Value, path: &str) -> Result<&'v Table, String> {
    v.as_table()
        .ok_or_else(|| format!("{path}: must be a table ([{path}])"))
}

/// Length, case and uniqueness limits, per file.
fn check_limits(texts: &LocaleCommands) -> Vec<String> {
    let mut problems = Vec::new();
    let mut names: BTreeMap<&str, &str> = BTreeMap::new();
    for (key, c) in &texts.commands {
        check_named(&c.text, key, &mut problems);
        if let Some(name) = c.text.name.as_deref() {
            if let Some(other) = names.insert(name, key) {
                problems.push(format!(
                    "{key}.name: \"{name}\" is also the name of {other}; command names must be unique in a locale"
                ));
            }
        }
        let mut inner: BTreeMap<&str, String> = BTreeMap::new();
        let options = c
            .options
            .iter()
            .map(|(k, t)| (format!("{key}.options.{k}"), t));
        let subs = c.subcommands.iter().map(|(k, t)| (format!("{key}.{k}"), t));
        for (path, t) in options.chain(subs) {
            check_named(t, &path, &mut problems);
            if let Some(name) = t.name.as_deref() {
                if let Some(other) = inner.insert(name, path.clone()) {
                    problems.push(format!(
                        "{path}.name: \"{name}\" is also the name of {other}; names must be unique within a command"
                    ));
                }
            }
        }
        for (value, name) in &c.choices {
            check_description(name, &format!("{key}.choices.{value}.name"), &mut problems);
        }
    }
    for (key, t) in &texts.shared_options {
        check_named(t, &format!("options.{key}"), &mut problems);
    }
    problems
}

fn check_named(t: &NamedText, path: &str, problems: &mut Vec<String>) {
    if let Some(name) = &t.name {
        if !NAME.is_match(name) {
            problems.push(format!(
                "{path}.name: \"{name}\" must be 1-32 letters, digits, '-' or '_' (no spaces)"
            ));
        } else if name.to_lowercase() != *name {
            problems.push(format!("{path}.name: \"{name}\" must be lowercase"));
        }
    }
    if let Some(d) = &t.description {
        check_description(d, &format!("{path}.description"), problems);
    }
}

fn check_description(text: &str, path: &str, problems: &mut Vec<String>) {
    let n = text.chars().count();
    if n == 0 || n > MAX_DESCRIPTION_CHARS || text.trim() != text {
        problems.push(format!(
            "{path}: must be 1-{MAX_DESCRIPTION_CHARS} characters without surrounding spaces (has {n})"
        ));
    }
}

/// The source file names every item, with names equal to keys.
fn check_source(source: &LocaleCommands) -> Vec<String> {
    let mut problems = Vec::new();
    let mut need = |t: &NamedText, path: &str, key: &str| {
        match t.name.as_deref() {
            None => problems.push(format!("{path}.name: missing")),
            Some(name) if name != key => problems.push(format!(
                "{path}.name: \"{name}\" must equal the key \"{key}\": interactions carry the default name, which the code matches"
            )),
            Some(_) => {}
        }
        if t.description.is_none() {
            problems.push(format!("{path}.description: missing"));
        }
    };
    for (key, c) in &source.commands {
        need(&c.text, key, key);
        for (k, t) in &c.options {
            need(t, &format!("{key}.options.{k}"), k);
        }
        for (k, t) in &c.subcommands {
            need(t, &format!("{key}.{k}"), k);
        }
    }
    for (k, t) in &source.shared_options {
        need(t, &format!("options.{k}"), k);
    }
    problems
}

/// A translation only translates what the source has.
fn check_subset(texts: &LocaleCommands, source: &LocaleCommands) -> Vec<String> {
    let mut problems = Vec::new();
    let unknown = |path: String| format!("{path}: not in the default locale's file");
    for (key, c) in &texts.commands {
        let Some(s) = source.commands.get(key) else {
            problems.push(unknown(key.clone()));
            continue;
        };
        for k in c.options.keys().filter(|k| !s.options.contains_key(*k)) {
            problems.push(unknown(format!("{key}.options.{k}")));
        }
        for k in c.choices.keys().filter(|k| !s.choices.contains_key(*k)) {
            problems.push(unknown(format!("{key}.choices.{k}")));
        }
        for k in c
            .subcommands
            .keys()
            .filter(|k| !s.subcommands.contains_key(*k))
        {
            problems.push(unknown(format!("{key}.{k}")));
        }
    }
    for k in texts
        .shared_options
        .keys()
        .filter(|k| !source.shared_options.contains_key(*k))
    {
        problems.push(unknown(format!("options.{k}")));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#"
[cancel]
name = "cancel"
description = "Cancel a subscription"
[help]
name = "help"
description = "Get help"
[help.options.topic]
name = "topic"
description = "What about"
[help.choices.refund]
name = "Refunds"
[subscription]
name = "subscription"
description = "Subscriptions"
[subscription.status]
name = "status"
description = "Show them"
[options.account]
name = "account"
description = "Account id"
"#;

    fn parse(files: &[(&str, &str)]) -> Result<CommandTexts, Vec<String>> {
        CommandTexts::parse(
            "en-US",
            files
                .iter()
                .map(|(l, t)| (*l, format!("commands/{l}.toml"), *t)),
        )
    }

    #[test]
    fn a_translation_fills_in_what_it_has_and_keeps_the_structure() {
        let nb = "[cancel]\nname = \"si-opp\"\ndescription = \"Si opp\"\n[subscription.status]\nname = \"status\"\ndescription = \"Vis\"\n[options.account]\nname = \"konto\"\ndescription = \"Konto-ID\"\n";
        let texts = parse(&[("en-US", SOURCE), ("nb-NO", nb)]).expect("valid");
        let (_, no) = texts.locales().find(|(l, _)| *l == "nb-NO").expect("nb");
        assert_eq!(no.commands["cancel"].text.name.as_deref(), Some("si-opp"));
        assert_eq!(
            no.option("cancel", "account")
                .and_then(|t| t.name.as_deref()),
            Some("konto")
        );
        assert!(no.commands["subscription"].text.name.is_none());
        let source = texts.source().expect("source");
        assert_eq!(source.commands["help"].choices["refund"], "Refunds");
    }

    #[test]
    fn bad_names_lengths_duplicates_and_unknown_keys_are_named() {
        let bad = "[cancel]\nname = \"Si opp\"\ndescription = \"\"\n[help]\nname = \"hjelp\"\n[subscription]\nname = \"hjelp\"\n[refnud]\nname = \"x\"\n";
        let problems = parse(&[("en-US", SOURCE), ("nb-NO", bad)]).expect_err("invalid");
        let all = problems.join("\n");
        assert!(
            all.contains("commands/nb-NO.toml: cancel.name: \"Si opp\" must be 1-32"),
            "{all}"
        );
        assert!(all.contains("cancel.description: must be 1-100"), "{all}");
        assert!(all.contains("must be unique in a locale"), "{all}");
        let upper = parse(&[
            ("en-US", SOURCE),
            ("de-DE", "[cancel]\nname = \"Kündigen\"\n"),
        ])
        .expect_err("uppercase");
        assert!(upper[0].contains("must be lowercase"), "{upper:?}");
        let unknown = parse(&[("en-US", SOURCE), ("de-DE", "[refnud]\nname = \"x\"\n")])
            .expect_err("unknown");
        assert!(
            unknown[0].contains("refnud: not in the default locale's file"),
            "{unknown:?}"
        );
    }

    #[test]
    fn caseless_scripts_pass_and_the_source_must_name_its_keys() {
        let ja = "[cancel]\nname = \"解約\"\ndescription = \"サブスクリプションを解約する\"\n";
        assert!(parse(&[("en-US", SOURCE), ("ja-JP", ja)]).is_ok());
        let renamed = SOURCE.replace("name = \"cancel\"", "name = \"stop\"");
        let problems = parse(&[("en-US", &renamed)]).expect_err("renamed");
        assert!(
            problems[0].contains("must equal the key \"cancel\""),
            "{problems:?}"
        );
        let missing = parse(&[("nb-NO", "[cancel]\nname = \"si-opp\"\n")]).expect_err("no source");
        assert!(
            missing[0].contains("commands/en-US.toml: missing"),
            "{missing:?}"
        );
        let broken = parse(&[("en-US", "[cancel\n")]).expect_err("toml");
        assert!(
            broken[0].starts_with("commands/en-US.toml: not valid TOML"),
            "{broken:?}"
        );
        assert!(parse(&[]).is_ok_and(|t| t.source().is_none()));
    }
}
