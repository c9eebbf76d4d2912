//! `supportbot discord register [--guild ID] [--print]`.

use std::process::ExitCode;

use anyhow::Context;

use crate::config::{RegisterTarget, Settings};
use crate::knowledge::Knowledge;
use crate::transport::discord::api::DiscordApi;
use crate::transport::discord::commands;

/// Registers (or prints) the slash commands.
pub fn register(
    settings: &Settings,
    knowledge: &Knowledge,
    guild: Option<&str>,
    print: bool,
) -> anyhow::Result<ExitCode> {
    let definitions = commands::definitions(&knowledge.commands)?;
    if print {
        println!("{}", serde_json::to_string_pretty(&definitions)?);
        return Ok(ExitCode::SUCCESS);
    }
    let target = match guild {
        Some(g) => RegisterTarget::parse(&format!("guild:{g}"))
            .with_context(|| format!("--guild {g:?} is not a Discord id (digits)"))?,
        None => RegisterTarget::Global,
    };
    let count = super::runtime()?.block_on(register_commands(settings, knowledge, &target))?;
    match target {
        RegisterTarget::Global => {
            println!("registered {count} global commands (they can take up to an hour to appear)")
        }
        RegisterTarget::Guild(g) => println!("registered {count} commands for guild {g}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Replaces the commands registered at `target`; returns how many Discord has.
pub async fn register_commands(
    settings: &Settings,
    knowledge: &Knowledge,
    target: &RegisterTarget,
) -> anyhow::Result<usize> {
    let app = settings
        .discord
        .application_id
        .as_deref()
        .context("SUPPORTBOT_DISCORD_APPLICATION_ID is not set")?;
    anyhow::ensure!(
        settings.discord.token.is_some(),
        "SUPPORTBOT_DISCORD_TOKEN is not set"
    );
    let api = DiscordApi::new(&settings.discord.api_base, settings.discord.token.clone());
    let guild = match target {
        RegisterTarget::Global => None,
        RegisterTarget::Guild(g) => Some(g.as_str()),
    };
    let definitions = commands::definitions(&knowledge.commands)?;
    api.put_commands(app, guild, &definitions)
        .await
        .context("registering the slash commands failed")
}
