//! `supportbot admin store copy|check`: moving a sled store into PostgreSQL
//! and checking either. The PostgreSQL URL comes from the configuration by
//! default, so its password need not be on the command line.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use secrecy::ExposeSecret;

use super::admin::{AdminOptions, StoreCommand};
use crate::config::Settings;
use crate::store::transfer::{self, AnyStore, Location};
use crate::store::PostgresStore;

/// Runs a store command.
pub fn run(
    settings: &Settings,
    command: StoreCommand,
    opts: &AdminOptions,
) -> anyhow::Result<ExitCode> {
    match command {
        StoreCommand::Copy { from, to } => {
            let from = match from {
                Some(text) => location(&text)?,
                None => Location::parse(&format!("sled:{}", settings.data_dir.display()))
                    .context("the data directory")?,
            };
            let to = match to.or_else(|| {
                settings
                    .database_url
                    .as_ref()
                    .map(|u| u.expose_secret().to_owned())
            }) {
                Some(text) => location(&text)?,
                None => bail!("no destination: give --to or set SUPPORTBOT_DATABASE_URL"),
            };
            let Location::Postgres(url) = &to else {
                bail!(
                    "copying into sled is not supported: the destination must be a postgres:// URL"
                );
            };
            let source = AnyStore::open(&from)
                .with_context(|| format!("cannot open the source {}", from.describe()))?;
            let dest = PostgresStore::open(url)
                .with_context(|| format!("cannot open the destination {}", to.describe()))?;
            let report = transfer::copy(&source, &dest)?;
            let key_note = carry_token_key(&from, &dest)?;
            if opts.json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!("copied {} → {} (verified)", from.describe(), to.describe());
                for (tree, n) in &report.source {
                    let written = report.written.get(tree).copied().unwrap_or(0);
                    let extra = report.extra.get(tree).copied().unwrap_or(0);
                    println!(
                        "  {tree}: {n} records, {written} written, {extra} only in the destination"
                    );
                }
            }
            if let Some(note) = key_note {
                eprintln!("note: {note}");
            }
            Ok(ExitCode::SUCCESS)
        }
        StoreCommand::Check { store } => {
            let at = match store {
                Some(text) => location(&text)?,
                None => match &settings.database_url {
                    Some(url) => Location::Postgres(url.expose_secret().to_owned()),
                    None => Location::Sled(settings.data_dir.join("db")),
                },
            };
            let opened =
                AnyStore::open(&at).with_context(|| format!("cannot open {}", at.describe()))?;
            let report = transfer::check(&opened)?;
            if opts.json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                for (tree, n) in &report.counts {
                    println!("  {tree}: {n} records");
                }
                for problem in &report.problems {
                    println!("problem: {problem}");
                }
                match report.problems.len() {
                    0 => println!("{}: every record is readable and consistent", at.describe()),
                    n => println!("{}: {n} problems", at.describe()),
                }
            }
            Ok(if report.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

fn location(text: &str) -> anyhow::Result<Location> {
    // The text may be a URL with a password: never repeat it.
    Location::parse(text).context("expected sled:DIR or a postgres:// URL")
}

/// Offers a sled data directory's confirmation-token key to the database,
/// so proposals made before the move can still be confirmed after it.
fn carry_token_key(from: &Location, dest: &PostgresStore) -> anyhow::Result<Option<String>> {
    let Location::Sled(dir) = from else {
        return Ok(None);
    };
    let candidates = [Some(dir.as_path()), dir.parent()];
    let Some(file) = candidates
        .into_iter()
        .flatten()
        .map(|d: &Path| d.join("token.key"))
        .find(|p| p.is_file())
    else {
        return Ok(None);
    };
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) else {
        return Ok(Some(format!("{} is damaged; not copied", file.display())));
    };
    Ok((dest.shared_token_key(key)? != key).then(|| {
        "the database already had a confirmation-token key; proposals made on the sled store must be made again".to_owned()
    }))
}
