//! `supportbot serve`: the HTTP server with every configured transport.

use crate::transport::web::queue::Queues;
use crate::transport::web::relay::WebRelay;
use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use super::console::Mounted;
use crate::config::Settings;
use crate::conversation::{Lifecycle, LifecycleCommands};
use crate::handoff::HandoffService;
use crate::knowledge::Knowledge;
use crate::record::RecordService;
use crate::transport::discord::api::DiscordApi;
use crate::transport::discord::desk::DiscordDesk;
use crate::transport::discord::endpoint::{self, DiscordEndpoint};
use crate::transport::discord::gateway::{self, GatewayConfig, DEFAULT_COOLDOWN};
use crate::transport::discord::respond::Responder;
use crate::transport::http::{self, App};
use crate::transport::metrics::Metrics;
use crate::transport::teams::desk::TeamsDesk;
use crate::transport::teams::{self, TeamsState};
use crate::Bot;

/// Runs until Ctrl-C or SIGTERM.
pub fn run(settings: &Settings, knowledge: Knowledge) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let served = runtime.block_on(serve(settings, knowledge));
    // Connections past the shutdown deadline and blocking work still
    // running must not hold the process: give them a moment, then exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    served?;
    Ok(ExitCode::SUCCESS)
}

/// How often the scheduler applies due lifecycle transitions.
const TICK_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Every this many ticks (and at start-up) the scheduler also deletes
/// recorded messages past their retention: the purge reads every record
/// key, and retention is counted in days, so once an hour is plenty.
const PURGE_EVERY_TICKS: u64 = 60;

async fn serve(settings: &Settings, knowledge: Knowledge) -> anyhow::Result<()> {
    let mut lines = Vec::new();
    let mut console_services = None;
    // One set of web conversations: the web chat serves them and the
    // console's replies reach visitors through them.
    let web_queues = Queues::default();
    let (bot, scheduled) = match super::lifecycle::open_all(settings, None) {
        Ok(s) => {
            // One banner line per part: the conversation record rides on
            // the lifecycle's database and scheduler.
            lines.push(format!(
                "lifecycle: on (database {}, scheduler every {} s; conversation record kept {} days, purged every {} min)",
                super::lifecycle::store_description(settings),
                TICK_EVERY.as_secs(),
                settings.record.retention.num_days(),
                PURGE_EVERY_TICKS * TICK_EVERY.as_secs() / 60
            ));
            let handoff = agent_desks(settings, s.handoff, &mut lines)
                .with_relay(Arc::new(WebRelay::new(web_queues.clone())));
            let (lifecycle, record) = (s.lifecycle.clone(), s.record.clone());
            console_services = Some((s.operators, handoff.clone(), s.record.clone()));
            let bot = Bot::with_lifecycle(knowledge, LifecycleCommands::new(s.lifecycle))
                .with_handoff(handoff)
                .with_record(s.record)
                .with_sessions(s.sessions);
            (bot, Some((lifecycle, record)))
        }
        Err(e) => {
            lines.push(format!("lifecycle: off ({e:#})"));
            (Bot::new(knowledge), None)
        }
    };
    let bot = Arc::new(bot);
    if let Some((lifecycle, record)) = scheduled {
        spawn_scheduler(lifecycle, record, Arc::clone(&bot));
    }
    let metrics = Metrics::new();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    };
    let mut app = App::new(metrics.clone());
    let mut tasks = Vec::new();
    let reloads = super::console::Reloads::default();
    for mounted in [
        super::console::mount(settings, &bot, console_services, &reloads)?,
        web(settings, &bot, web_queues)?,
        teams(settings, &bot)?,
        discord_http(settings, &bot, &metrics)?,
        discord_gateway(settings, &bot, &metrics, stopped())?,
    ] {
        lines.extend(mounted.lines);
        if let Some(routes) = mounted.routes {
            app = app.with(routes);
        }
        tasks.extend(mounted.task);
    }
    let discord = &settings.discord;
    if let Some(target) = &discord.register {
        match super::discord::register_commands(settings, &bot.knowledge(), target).await {
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
    let mut banner =
        format!("supportbot serve: listening on http://{addr} (GET /healthz, GET /metrics)\n");
    for line in &lines {
        banner.push_str(&format!("  {line}\n"));
        tracing::info!("{line}");
    }
    // Signal handlers are in place before the banner says `serve` is up: a
    // SIGTERM or SIGHUP that arrived before them would get the default
    // action and kill the process.
    let shutdown = shutdown_signal();
    reload_on_sighup(bot, reloads);
    say(&banner);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    http::run(listener, app, settings.http_limits.clone(), stopped()).await?;
    for task in tasks {
        if tokio::time::timeout(std::time::Duration::from_secs(5), task)
            .await
            .is_err()
        {
            tracing::warn!("discord gateway did not stop within 5 s");
        }
    }
    say("supportbot serve: stopped\n");
    Ok(())
}

/// The handoff with the agents who may act and the desks that tell them
/// about tickets, each when configured.
fn agent_desks(
    settings: &Settings,
    handoff: HandoffService,
    lines: &mut Vec<String>,
) -> HandoffService {
    let roster = settings.agent_roster();
    let mut handoff = handoff.with_agents(roster);
    let discord = &settings.discord;
    match (discord.support_channel_id, &discord.token) {
        (Some(channel), Some(token)) => {
            let api = DiscordApi::new(&discord.api_base, Some(token.clone()));
            handoff = handoff.with_desk(Arc::new(DiscordDesk::new(
                api,
                channel,
                discord.support_role_id,
            )));
            lines.push(format!(
                "handoff-discord: on (threads in channel {channel}, {}, {} listed agents)",
                discord
                    .support_role_id
                    .map_or_else(|| "no support role".to_owned(), |r| format!("support role {r}")),
                discord.agent_ids.len()
            ));
        }
        (Some(_), None) => lines.push(
            "handoff-discord: off (SUPPORTBOT_DISCORD_SUPPORT_CHANNEL_ID needs SUPPORTBOT_DISCORD_TOKEN)".into(),
        ),
        (None, _) => lines.push(
            "handoff-discord: off (SUPPORTBOT_DISCORD_SUPPORT_CHANNEL_ID not set)".into(),
        ),
    }
    match settings.teams.bot.as_ref().map(TeamsDesk::new) {
        Some(Ok(Some(desk))) => {
            lines.push(format!(
                "handoff-teams: on (cards to the agents' conversation, {} listed agents)",
                settings.teams.bot.as_ref().map_or(0, |b| b.agent_ids.len())
            ));
            handoff = handoff.with_desk(Arc::new(desk));
        }
        Some(Err(e)) => lines.push(format!("handoff-teams: off ({e})")),
        Some(Ok(None)) | None => lines
            .push("handoff-teams: off (SUPPORTBOT_TEAMS_AGENTS_CONVERSATION_ID not set)".into()),
    }
    handoff
}

/// Writes `text` to stdout in one piece and ignores a closed stdout: a
/// server must keep serving when whoever started it stops reading its output
/// (`supportbot serve | head -1`, a supervisor that closed the pipe), where
/// `println!` would panic and take the process down.
fn say(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        tracing::debug!(error = %e, "stdout is closed; the banner was not printed");
    }
}

/// The web chat and Direct Line, unless switched off.
fn web(settings: &Settings, bot: &Arc<Bot>, queues: Queues) -> anyhow::Result<Mounted> {
    let web = &settings.web;
    if !web.enabled {
        return Ok(Mounted {
            lines: vec!["web: off (SUPPORTBOT_WEB_ENABLED=false)".into()],
            ..Mounted::default()
        });
    }
    let key = web.token_key(&settings.data_dir).context(
        "web chat: cannot read or create the token key (set SUPPORTBOT_WEB_TOKEN_SECRET)",
    )?;
    let state = crate::transport::web::WebState::new(bot.clone(), web, key, queues);
    let origins = if web.allowed_origins.is_empty() {
        "own origin only".to_owned()
    } else {
        web.allowed_origins.join(", ")
    };
    Ok(Mounted {
        lines: vec![format!(
            "web: on (GET /chat, GET /widget.js, Direct Line under /v3/directline; origins: {origins}; {} messages per visitor per minute)",
            web.rate_per_minute
        )],
        routes: Some(crate::transport::web::routes(state)),
        task: None,
    })
}

/// The Teams bot and outgoing webhook, each when its settings are present.
fn teams(settings: &Settings, bot: &Arc<Bot>) -> anyhow::Result<Mounted> {
    let teams = TeamsState::new(bot.clone(), &settings.teams)?;
    let endpoints = teams.endpoints();
    if endpoints.is_empty() {
        return Ok(Mounted {
            lines: vec!["teams: off (SUPPORTBOT_TEAMS_APP_ID/APP_PASSWORD and SUPPORTBOT_TEAMS_WEBHOOK_SECRET not set)".into()],
            ..Mounted::default()
        });
    }
    Ok(Mounted {
        lines: endpoints.iter().map(|e| format!("teams: {e}")).collect(),
        routes: Some(teams::routes(teams)),
        task: None,
    })
}

/// The Discord interactions endpoint, when the public key is set.
fn discord_http(settings: &Settings, bot: &Arc<Bot>, metrics: &Metrics) -> anyhow::Result<Mounted> {
    let discord = &settings.discord;
    let Some(key) = discord.public_key else {
        return Ok(Mounted {
            lines: vec!["discord-http: off (SUPPORTBOT_DISCORD_PUBLIC_KEY not set)".into()],
            ..Mounted::default()
        });
    };
    let api = DiscordApi::new(&discord.api_base, discord.token.clone());
    let endpoint = DiscordEndpoint::new(key, discord.application_id.clone(), api);
    Ok(Mounted {
        lines: vec![format!("discord-http: on (POST {})", endpoint::ROUTE)],
        routes: Some(endpoint.routes(bot.clone(), metrics.clone())),
        task: None,
    })
}

/// The Discord gateway bot, when the token is set; it stops with `stopped`.
fn discord_gateway(
    settings: &Settings,
    bot: &Arc<Bot>,
    metrics: &Metrics,
    stopped: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Mounted> {
    let discord = &settings.discord;
    let Some(token) = &discord.token else {
        return Ok(Mounted {
            lines: vec!["discord-gateway: off (SUPPORTBOT_DISCORD_TOKEN not set)".into()],
            ..Mounted::default()
        });
    };
    let config = GatewayConfig {
        token: token.clone(),
        support_channels: discord.support_channels.iter().copied().collect(),
        message_content: discord.message_content,
        cooldown: DEFAULT_COOLDOWN,
        api_base: discord.api_base.clone(),
        shards: discord.shards,
    };
    let responder = Responder::new(
        DiscordApi::new(&discord.api_base, discord.token.clone()),
        discord.application_id.clone(),
    );
    let run = gateway::run(bot.clone(), metrics.clone(), responder, config, stopped);
    let task = tokio::spawn(async move {
        if let Err(e) = run.await {
            tracing::error!(
                error = format!("{e:#}"),
                "discord gateway stopped; the HTTP server keeps running"
            );
        }
    });
    Ok(Mounted {
        lines: vec![format!(
            "discord-gateway: on (DMs, mentions, {} support channels; MESSAGE_CONTENT intent {}; {})",
            discord.support_channels.len(),
            if discord.message_content { "on" } else { "off" },
            discord
                .shards
                .map_or_else(|| "one shard".to_owned(), |r| r.to_string())
        )],
        routes: None,
        task: Some(task),
    })
}

/// Applies due transitions (disabled → deleted, expired → disabled,
/// renewals) every [`TICK_EVERY`], and enforces the record's retention every
/// [`PURGE_EVERY_TICKS`] ticks; failures are logged and retried. Expired
/// conversation sessions go every tick (reads skip them anyway).
fn spawn_scheduler(service: Lifecycle, record: RecordService, bot: Arc<Bot>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK_EVERY);
        for n in 0u64.. {
            interval.tick().await;
            if n % PURGE_EVERY_TICKS == 0 {
                match record.purge(record.now()).await {
                    Ok(0) => {}
                    Ok(removed) => {
                        tracing::info!(removed, "record: deleted messages past retention")
                    }
                    Err(e) => tracing::error!(error = %e, "record purge failed; retrying later"),
                }
            }
            match bot.purge_sessions(service.now()).await {
                Ok(0) => {}
                Ok(removed) => tracing::debug!(removed, "sessions: deleted expired ones"),
                Err(e) => tracing::error!(error = %e, "session purge failed; retrying later"),
            }
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

/// Listens for Ctrl-C and SIGTERM from the moment it is called (tokio's
/// `ctrl_c()` would only register when first polled) and completes on the
/// first of them.
fn shutdown_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let listen = |kind: SignalKind, name: &'static str| {
            let registered = signal(kind);
            async move {
                match registered {
                    Ok(mut s) => {
                        s.recv().await;
                        tracing::info!("{name}: shutting down");
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "cannot listen for {name}");
                        std::future::pending::<()>().await;
                    }
                }
            }
        };
        let interrupt = listen(SignalKind::interrupt(), "Ctrl-C");
        let terminate = listen(SignalKind::terminate(), "SIGTERM");
        async move {
            tokio::select! {
                () = interrupt => {}
                () = terminate => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("Ctrl-C: shutting down");
    }
}

/// Reloads the bot's rules and answers on every SIGHUP, logging the result.
fn reload_on_sighup(bot: Arc<Bot>, reloads: super::console::Reloads) {
    #[cfg(unix)]
    {
        // Registered now, not when the task first runs (see `serve`).
        let mut hup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGHUP; reload disabled");
                return;
            }
        };
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                // The console's knowledge page shows this reload's time and error.
                match super::console::reload(&bot, &reloads).await {
                    Ok(()) => tracing::info!("SIGHUP: reloaded rules and answers"),
                    Err(e) => {
                        tracing::error!(error = %e, "SIGHUP: reload refused; the previous rules stay")
                    }
                }
            }
        });
    }
    #[cfg(not(unix))]
    let _ = (bot, reloads);
}
