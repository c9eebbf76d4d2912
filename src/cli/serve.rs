//! `supportbot serve`: the HTTP server with every configured transport.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use crate::actions::{Actions, Lifecycle};
use crate::config::Settings;
use crate::knowledge::Knowledge;
use crate::transport::discord::api::DiscordApi;
use crate::transport::discord_gateway::{self, GatewayConfig, DEFAULT_COOLDOWN};
use crate::transport::discord_http::{parse_public_key, DiscordEndpoint, Responder};
use crate::transport::http::{self, AppState, DISCORD_ROUTE};
use crate::transport::teams::{routes as teams_routes, TeamsState};
use crate::Bot;

/// Runs until Ctrl-C or SIGTERM.
pub fn run(settings: &Settings, knowledge: Knowledge) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(settings, knowledge))?;
    Ok(ExitCode::SUCCESS)
}

/// How often the scheduler applies due lifecycle transitions.
const TICK_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

async fn serve(settings: &Settings, knowledge: Knowledge) -> anyhow::Result<()> {
    let mut lines = Vec::new();
    let bot = Arc::new(match super::lifecycle::open(settings, None) {
        Ok(service) => {
            lines.push(format!(
                "lifecycle: on (database {}, scheduler every {} s)",
                settings.data_dir.join("db").display(),
                TICK_EVERY.as_secs()
            ));
            spawn_scheduler(service.clone());
            Bot::with_actions(knowledge, Actions::new(service))
        }
        Err(e) => {
            lines.push(format!("lifecycle: off ({e:#})"));
            Bot::new(knowledge)
        }
    });
    let mut state = AppState::new(bot.clone());
    let teams = TeamsState::new(bot.clone(), &settings.teams)?;
    let endpoints = teams.endpoints();
    if endpoints.is_empty() {
        lines.push("teams: off (SUPPORTBOT_TEAMS_APP_ID/APP_PASSWORD and SUPPORTBOT_TEAMS_WEBHOOK_SECRET not set)".into());
    } else {
        for e in endpoints {
            lines.push(format!("teams: {e}"));
        }
        state.extra = Some(teams_routes(teams));
    }
    let discord = &settings.discord;
    match &discord.public_key {
        Some(hex) => {
            let key = parse_public_key(hex)?;
            let api = DiscordApi::new(&discord.api_base, discord.token.clone())?;
            state.discord = Some(Arc::new(DiscordEndpoint::new(
                key,
                discord.application_id.clone(),
                api,
            )));
            lines.push(format!("discord-http: on (POST {DISCORD_ROUTE})"));
        }
        None => lines.push("discord-http: off (SUPPORTBOT_DISCORD_PUBLIC_KEY not set)".into()),
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    };
    let mut gateway = None;
    match &discord.token {
        Some(token) => {
            let config = GatewayConfig {
                token: token.clone(),
                support_channels: discord.support_channels.iter().copied().collect(),
                message_content: discord.message_content,
                cooldown: DEFAULT_COOLDOWN,
                api_base: discord.api_base.clone(),
            };
            let responder = Responder::new(
                DiscordApi::new(&discord.api_base, discord.token.clone())?,
                discord.application_id.clone(),
            );
            let run = discord_gateway::run(
                bot.clone(),
                state.metrics.clone(),
                responder,
                config,
                stopped(),
            );
            gateway = Some(tokio::spawn(async move {
                if let Err(e) = run.await {
                    tracing::error!(
                        error = format!("{e:#}"),
                        "discord gateway stopped; the HTTP server keeps running"
                    );
                }
            }));
            lines.push(format!(
                "discord-gateway: on (DMs, mentions, {} support channels; MESSAGE_CONTENT intent {})",
                discord.support_channels.len(),
                if discord.message_content { "on" } else { "off" }
            ));
        }
        None => lines.push("discord-gateway: off (SUPPORTBOT_DISCORD_TOKEN not set)".into()),
    }
    if let Some(target) = &discord.register {
        match super::discord::register_commands(settings, target).await {
            Ok(n) => tracing::info!(commands = n, ?target, "registered Discord slash commands"),
            Err(e) => tracing::error!(
                error = format!("{e:#}"),
                "Discord command registration failed; serving anyway"
            ),
        }
    }
    let listener = tokio::net::TcpListener::bind(settings.http_addr)
        .await
        .with_context(|| format!("cannot listen on {}", settings.http_addr))?;
    let addr = listener.local_addr()?;
    println!("supportbot serve: listening on http://{addr} (GET /healthz, GET /metrics)");
    for line in &lines {
        println!("  {line}");
        tracing::info!("{line}");
    }
    http::reload_on_sighup(bot);
    tokio::spawn(async move {
        http::shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    http::run(listener, state, stopped()).await?;
    if let Some(gateway) = gateway {
        if tokio::time::timeout(std::time::Duration::from_secs(5), gateway)
            .await
            .is_err()
        {
            tracing::warn!("discord gateway did not stop within 5 s");
        }
    }
    println!("supportbot serve: stopped");
    Ok(())
}

/// Applies due transitions (disabled → deleted, expired → disabled,
/// renewals) every [`TICK_EVERY`]; failures are logged and retried.
fn spawn_scheduler(service: Lifecycle) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK_EVERY);
        loop {
            interval.tick().await;
            match service.tick(service.now()).await {
                Ok(r) if r.transitions + r.renewals + r.expired_proposals > 0 => tracing::info!(
                    transitions = r.transitions,
                    renewals = r.renewals,
                    expired = r.expired_proposals,
                    "scheduler applied due changes"
                ),
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, "scheduler tick failed; retrying next minute")
                }
            }
        }
    });
}
