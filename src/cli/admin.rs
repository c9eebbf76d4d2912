//! `supportbot admin …`: lifecycle operations for the local operator, who is
//! trusted as a support agent because they hold the database files.
//!
//! Mutating commands go through the same path as chat (`Bot::handle` with a
//! `Command`), so they are proposed, confirmed, audited and idempotent the
//! same way; `--yes` confirms the proposal in the same run.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::Utc;
use serde::Serialize;

use super::{chat::plain, runtime};
use crate::auth::authorize_operator;
use crate::config::Settings;
use crate::conversation::{Lifecycle, LifecycleCommands};
use crate::knowledge::Knowledge;
use crate::lifecycle::{Seed, StoredOutcome};
use crate::model::{AccountId, EventId, SubscriptionId};
use crate::model::{ButtonAction, Command, Identity, Inbound, Message, Reply};
use crate::Bot;

mod args;
pub use args::{AccountCommand, AdminCommand, AdminOptions, StoreCommand, SubscriptionCommand};

/// Runs an admin command.
pub fn run(
    settings: &Settings,
    knowledge: Knowledge,
    command: AdminCommand,
    opts: AdminOptions,
) -> anyhow::Result<ExitCode> {
    if let AdminCommand::Handoff(command) = command {
        return super::handoff::run(settings, command, &opts);
    }
    if let AdminCommand::Operator(command) = command {
        return super::operator::run(settings, command, &opts);
    }
    if let AdminCommand::Privacy(command) = command {
        return super::privacy::run(settings, command, &opts);
    }
    if let AdminCommand::Store(command) = command {
        // Before the service opens: a sled source must not be locked by it.
        return super::store::run(settings, command, &opts);
    }
    if let AdminCommand::Tick = command {
        let services = super::lifecycle::open_all(settings, opts.now)?;
        return runtime()?.block_on(tick(&services, &opts));
    }
    let service = super::lifecycle::open(settings, opts.now)?;
    let bot = Bot::with_lifecycle(knowledge, LifecycleCommands::new(service.clone()));
    runtime()?.block_on(dispatch(&bot, &service, command, &opts))
}

/// `admin tick`: the scheduler's work once, the record's retention included.
async fn tick(
    services: &super::lifecycle::Services,
    opts: &AdminOptions,
) -> anyhow::Result<ExitCode> {
    let service = &services.lifecycle;
    let report = service.tick(service.now()).await?;
    let purged = services.record.purge(service.now()).await?;
    if opts.json {
        let mut line = serde_json::to_value(&report)?;
        if let Some(fields) = line.as_object_mut() {
            fields.insert("records_purged".into(), purged.into());
        }
        println!("{line}");
    } else {
        println!(
            "applied {} transitions and {} renewals; {} proposals expired; {} recorded messages past retention deleted",
            report.transitions, report.renewals, report.expired_proposals, purged
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn dispatch(
    bot: &Bot,
    service: &Lifecycle,
    command: AdminCommand,
    opts: &AdminOptions,
) -> anyhow::Result<ExitCode> {
    let operator = Identity::local_operator();
    let op =
        authorize_operator(&operator, &Default::default()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let command = match command {
        AdminCommand::SeedDemo => {
            let seed = super::demo::demo_seed(service.now());
            return provision(
                service,
                &op,
                seed,
                "demo account `demo` with SUB-1, SUB-2, SUB-3, SUB-4",
                opts,
            )
            .await;
        }
        AdminCommand::Account(AccountCommand::Create {
            id,
            name,
            country,
            preferred_locale,
            discord_guilds,
            teams_tenants,
        }) => {
            let toml = toml::to_string(&toml::toml! {
                [[account]]
                id = id
                name = name
                country = country
                preferred_locale = preferred_locale
                discord_guild_ids = discord_guilds
                teams_tenant_ids = teams_tenants
            })?;
            let seed = Seed::from_toml(&toml).context("account")?;
            return provision(service, &op, seed, "account created", opts).await;
        }
        AdminCommand::Subscription(SubscriptionCommand::Add {
            account,
            id,
            product,
            seats,
            price_minor,
            currency,
            period,
            started,
            auto_renew,
            trial,
            partner,
        }) => {
            let mut table = toml::toml! {
                account = account
                id = id
                product = product
                seats = seats
                unit_price_minor = price_minor
                currency = currency
                period = period
                started = started
                auto_renew = auto_renew
                trial = trial
            };
            if let Some(p) = partner {
                table.insert("partner".into(), p.into());
            }
            let mut doc = toml::Table::new();
            doc.insert(
                "subscription".into(),
                toml::Value::Array(vec![toml::Value::Table(table)]),
            );
            let seed = Seed::from_toml(&toml::to_string(&doc)?).context("subscription")?;
            return provision(service, &op, seed, "subscription added", opts).await;
        }
        AdminCommand::Account(AccountCommand::Show { account })
        | AdminCommand::Status { account }
            if opts.json =>
        {
            return print_status(service, &operator, &account).await;
        }
        AdminCommand::Account(AccountCommand::Show { account })
        | AdminCommand::Status { account } => Command::Status {
            account: Some(account),
        },
        AdminCommand::Subscription(SubscriptionCommand::Show { subscription }) => {
            let account = match subscription.split_once('/') {
                Some((account, _)) => account.to_owned(),
                None => holder_of(service, &subscription).await?,
            };
            if opts.json {
                return print_status(service, &operator, &account).await;
            }
            Command::Status {
                account: Some(account),
            }
        }
        AdminCommand::Cancel { subscription } => Command::Cancel { subscription },
        AdminCommand::Refund { subscription } => Command::Refund { subscription },
        AdminCommand::Reactivate { subscription } => Command::Reactivate { subscription },
        AdminCommand::CloseAccount { account } => Command::CloseAccount { account },
        AdminCommand::Confirm { token, account } => Command::Confirm {
            token,
            typed: account,
        },
        AdminCommand::Export { account } => Command::Export {
            account: Some(account),
        },
        AdminCommand::Audit { account } => {
            let id = AccountId::parse(&account)?;
            // A closed account's log stays readable to support (the operator).
            let attempt = crate::lifecycle::Attempt::named("audit");
            let admin = service
                .authorize_records(&operator, &id, Some(attempt), None)
                .await?;
            let records = service.audit(&admin).await?;
            let mut out = std::io::stdout().lock();
            for r in &records {
                if opts.json {
                    writeln!(out, "{}", serde_json::to_string(r)?)?;
                } else {
                    writeln!(
                        out,
                        "{} #{} {:?} {} {} {}",
                        r.at.to_rfc3339(),
                        r.seq,
                        r.kind,
                        r.action.as_deref().unwrap_or("-"),
                        r.subscription.map(|s| s.to_string()).unwrap_or_default(),
                        r.detail.as_deref().unwrap_or("")
                    )?;
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        // `run` takes these before the lifecycle opens the database.
        AdminCommand::Handoff(_)
        | AdminCommand::Operator(_)
        | AdminCommand::Privacy(_)
        | AdminCommand::Store(_)
        | AdminCommand::Tick => {
            bail!("this admin command does not run here")
        }
    };
    let request = request_id(opts);
    let reply = bot.handle(inbound(&request, command, opts)).await;
    print_reply(service, &request, &reply, opts).await?;
    let Some(ButtonAction::Confirm {
        token,
        needs_typed_account,
    }) = reply.buttons.first().map(|b| b.action.clone())
    else {
        return Ok(exit_for(&reply));
    };
    let typed = if needs_typed_account {
        Some(ask_line(opts, "Type the account id to confirm: ")?)
    } else if opts.yes || ask_line(opts, "Confirm? [y/N] ")?.eq_ignore_ascii_case("y") {
        None
    } else {
        println!("Not confirmed; nothing was changed.");
        return Ok(ExitCode::SUCCESS);
    };
    let confirm = Command::Confirm { token, typed };
    let request = format!("{request}-confirm");
    let reply = bot.handle(inbound(&request, confirm, opts)).await;
    print_reply(service, &request, &reply, opts).await?;
    Ok(exit_for(&reply))
}

/// The idempotency key of this run: `--request-id`, or one unique to it.
fn request_id(opts: &AdminOptions) -> String {
    opts.request_id.clone().unwrap_or_else(|| {
        format!(
            "cli-{}-{}",
            std::process::id(),
            Utc::now().timestamp_micros()
        )
    })
}

/// `status --json`: the account, its subscriptions and credits as data.
async fn print_status(
    service: &Lifecycle,
    operator: &Identity,
    account: &str,
) -> anyhow::Result<ExitCode> {
    let id = AccountId::parse(account)?;
    let status = service.status(operator, &id).await?;
    println!("{}", serde_json::to_string(&status)?);
    Ok(ExitCode::SUCCESS)
}

/// The one account holding `SUB-n` (as `cancel SUB-n` finds it).
async fn holder_of(service: &Lifecycle, subscription: &str) -> anyhow::Result<String> {
    let sub = SubscriptionId::parse(subscription)?;
    let mut holders = service.accounts_with_subscription(sub).await?;
    match holders.len() {
        1 => Ok(holders.remove(0).to_string()),
        0 => bail!("no account has subscription {sub}"),
        _ => bail!("several accounts have {sub}; write ACCOUNT/{sub}"),
    }
}

async fn provision(
    service: &Lifecycle,
    op: &crate::auth::VerifiedOperator,
    seed: Seed,
    done: &str,
    opts: &AdminOptions,
) -> anyhow::Result<ExitCode> {
    let accounts: Vec<String> = seed.accounts.iter().map(|a| a.id.to_string()).collect();
    let subscriptions: Vec<String> = seed
        .subscriptions
        .iter()
        .map(|s| format!("{}/{}", s.account, s.id))
        .collect();
    service.provision(op, seed).await?;
    if opts.json {
        let created = serde_json::json!({
            "created": { "accounts": accounts, "subscriptions": subscriptions },
            "message": done,
        });
        println!("{created}");
    } else {
        println!("{done}");
    }
    Ok(ExitCode::SUCCESS)
}

fn inbound(request: &str, command: Command, opts: &AdminOptions) -> Inbound {
    Inbound {
        event_id: request.to_owned(),
        identity: Identity::local_operator(),
        conversation: "admin".into(),
        locales: opts.locale.iter().cloned().collect(),
        message: Message::Command(command),
        received_at: opts.now.unwrap_or_else(Utc::now),
    }
}

/// One `--json` line for a step of a lifecycle command: the stored outcome
/// (the proposal with its token, or the receipt with what was done), and the
/// answer a chat user would have read.
#[derive(Debug, Serialize)]
struct StepLine<'a> {
    /// `proposed`, `confirmed`, `dismissed`, `refused`, or `answered`
    /// (nothing stored).
    stage: &'static str,
    /// The proposal or receipt, as stored for idempotent replays.
    outcome: Option<StoredOutcome>,
    /// Answer key of the text below.
    answer_key: &'a str,
    /// Locale of the text below.
    locale: &'a str,
    /// The answer as markdown.
    message: &'a str,
}

async fn print_reply(
    service: &Lifecycle,
    request: &str,
    reply: &Reply,
    opts: &AdminOptions,
) -> anyhow::Result<()> {
    if let (true, Some(export)) = (opts.json, &reply.attachment) {
        // The export itself, on one line, rather than a reply carrying it.
        let data: serde_json::Value = serde_json::from_str(&export.text)?;
        println!("{data}");
        return Ok(());
    }
    if opts.json {
        let operator = Identity::local_operator();
        let event = EventId::new(operator.platform, request)?;
        let outcome = service.stored_outcome(&operator, &event).await?;
        let stage = match (&outcome, reply.answer_key.as_str()) {
            (_, "action-refused") => "refused",
            (Some(StoredOutcome::Proposed(_)), _) => "proposed",
            (Some(StoredOutcome::Confirmed(_)), _) => "confirmed",
            (Some(StoredOutcome::Dismissed(_)), _) => "dismissed",
            (None, _) => "answered",
        };
        let line = StepLine {
            stage,
            outcome,
            answer_key: &reply.answer_key,
            locale: &reply.locale,
            message: &reply.markdown,
        };
        println!("{}", serde_json::to_string(&line)?);
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    {
        writeln!(out, "{}", plain(reply))?;
        if let Some(a) = &reply.attachment {
            writeln!(out, "{}", a.text)?;
        }
    }
    Ok(())
}

/// With `--yes` the account id is still required for closing, from stdin.
fn ask_line(opts: &AdminOptions, prompt: &str) -> anyhow::Result<String> {
    if opts.yes && !prompt.contains("account id") {
        return Ok("y".into());
    }
    if std::io::stdin().is_terminal() {
        eprint!("{prompt}");
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line)? == 0 {
        bail!(
            "no confirmation on stdin; re-run with --yes, or use `supportbot admin confirm TOKEN`"
        );
    }
    Ok(line.trim().to_owned())
}

fn exit_for(reply: &Reply) -> ExitCode {
    if reply.answer_key == "action-refused" {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
