//! `supportbot admin …`: lifecycle operations for the local operator, who is
//! trusted as a support agent because they hold the database files.
//!
//! Mutating commands go through the same path as chat (`Bot::handle` with a
//! `Command`), so they are proposed, confirmed, audited and idempotent the
//! same way; `--yes` confirms the proposal in the same run.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use clap::{Args as ClapArgs, Subcommand};

use super::{chat::plain, runtime};
use crate::auth::authorize_operator;
use crate::config::Settings;
use crate::conversation::{Lifecycle, LifecycleCommands};
use crate::knowledge::Knowledge;
use crate::lifecycle::Seed;
use crate::model::{AccountId, SubscriptionId};
use crate::model::{ButtonAction, Command, Identity, Inbound, Message, Reply};
use crate::Bot;

/// Options every admin command takes.
#[derive(Debug, Clone, ClapArgs)]
pub struct AdminOptions {
    /// Print JSON: one object per line (the replies of an action, audit
    /// records, the tick report, or what was created).
    #[arg(long, global = true)]
    pub json: bool,
    /// The clock for this call (RFC 3339), for testing and replay.
    #[arg(long, global = true, value_name = "RFC3339")]
    pub now: Option<DateTime<Utc>>,
    /// Confirm the proposed action without asking.
    #[arg(long, global = true)]
    pub yes: bool,
    /// Idempotency key: running a command again with the same id returns
    /// the stored outcome instead of acting again.
    #[arg(long, global = true, value_name = "ID")]
    pub request_id: Option<String>,
    /// Reply locale for the text output.
    #[arg(long, global = true, value_name = "TAG")]
    pub locale: Option<String>,
}

/// `admin` subcommands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a demo account with a few subscriptions to try everything.
    SeedDemo,
    /// Accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Subscriptions.
    #[command(subcommand)]
    Subscription(SubscriptionCommand),
    /// Show an account's subscriptions.
    Status {
        /// Account id (lowercase letters, digits, '-'), e.g. `demo`.
        account: String,
    },
    /// Cancel a subscription (SUB-1 or ACCOUNT/SUB-1).
    Cancel {
        /// Subscription: `SUB-n`, or `ACCOUNT/SUB-n` when several accounts
        /// have a `SUB-n`.
        subscription: String,
    },
    /// Issue the prorated refund credit of a subscription.
    Refund {
        /// Subscription: `SUB-n`, or `ACCOUNT/SUB-n` when several accounts
        /// have a `SUB-n`.
        subscription: String,
    },
    /// Reactivate a disabled subscription.
    Reactivate {
        /// Subscription: `SUB-n`, or `ACCOUNT/SUB-n` when several accounts
        /// have a `SUB-n`.
        subscription: String,
    },
    /// Close an account.
    CloseAccount {
        /// Account id (lowercase letters, digits, '-'), e.g. `demo`.
        account: String,
    },
    /// Confirm a proposal made earlier.
    Confirm {
        /// Token from the proposal (`c1:…`).
        token: String,
        /// Account id (e.g. `demo`), typed back to close an account.
        account: Option<String>,
    },
    /// Export an account as JSON (account, subscriptions, credits, audit).
    Export {
        /// Account id (lowercase letters, digits, '-'), e.g. `demo`.
        account: String,
    },
    /// Print an account's audit log.
    Audit {
        /// Account id (lowercase letters, digits, '-'), e.g. `demo`.
        account: String,
    },
    /// Apply due transitions (disabled → deleted, expired → disabled, renewals).
    Tick,
    /// Conversations handed to people: list, show, claim, resolve, release.
    #[command(subcommand)]
    Handoff(super::handoff::HandoffCommand),
}

/// `admin account …`.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account.
    Create {
        /// Account id (lowercase letters, digits, '-').
        id: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Billing country (ISO 3166-1 alpha-2, e.g. NO).
        #[arg(long)]
        country: String,
        /// Preferred locale.
        #[arg(long, default_value = "en-US")]
        preferred_locale: String,
        /// Bound Discord guild (repeatable).
        #[arg(long = "discord-guild")]
        discord_guilds: Vec<u64>,
        /// Bound Teams tenant (repeatable).
        #[arg(long = "teams-tenant")]
        teams_tenants: Vec<String>,
    },
    /// Show an account.
    Show {
        /// Account id (lowercase letters, digits, '-'), e.g. `demo`.
        account: String,
    },
}

/// `admin subscription …`.
#[derive(Debug, Subcommand)]
pub enum SubscriptionCommand {
    /// Add a subscription to an account.
    Add {
        /// Account id (lowercase letters, digits, '-'), e.g. `demo`.
        account: String,
        /// Subscription id (SUB-n).
        id: String,
        /// Product name.
        #[arg(long)]
        product: String,
        /// Seats.
        #[arg(long, default_value_t = 1)]
        seats: u32,
        /// Price per seat per term in minor units (øre, cents).
        #[arg(long)]
        price_minor: i64,
        /// ISO 4217 currency.
        #[arg(long)]
        currency: String,
        /// `monthly` or `yearly`.
        #[arg(long, default_value = "monthly")]
        period: String,
        /// First day of the first term (YYYY-MM-DD).
        #[arg(long)]
        started: String,
        /// Renew at term end.
        #[arg(long)]
        auto_renew: bool,
        /// A free trial.
        #[arg(long)]
        trial: bool,
        /// Partner that bills it (partner-billed subscriptions are managed by the partner).
        #[arg(long)]
        partner: Option<String>,
    },
    /// Show the account holding a subscription (`SUB-n` or `ACCOUNT/SUB-n`).
    Show {
        /// Subscription: `SUB-n`, or `ACCOUNT/SUB-n` when several accounts
        /// have a `SUB-n`.
        subscription: String,
    },
}

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
    let service = super::lifecycle::open(settings, opts.now)?;
    let bot = Bot::with_lifecycle(knowledge, LifecycleCommands::new(service.clone()));
    runtime()?.block_on(dispatch(&bot, &service, command, &opts))
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
        | AdminCommand::Status { account } => Command::Status {
            account: Some(account),
        },
        AdminCommand::Subscription(SubscriptionCommand::Show { subscription }) => {
            let account = match subscription.split_once('/') {
                Some((account, _)) => account.to_owned(),
                None => holder_of(service, &subscription).await?,
            };
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
            let admin = service.authorize(&operator, &id, None).await?;
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
        AdminCommand::Handoff(_) => bail!("handoff commands do not run here"),
        AdminCommand::Tick => {
            let report = service.tick(service.now()).await?;
            if opts.json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!(
                    "applied {} transitions and {} renewals; {} proposals expired",
                    report.transitions, report.renewals, report.expired_proposals
                );
            }
            return Ok(ExitCode::SUCCESS);
        }
    };
    let request = opts.request_id.clone().unwrap_or_else(|| {
        format!(
            "cli-{}-{}",
            std::process::id(),
            Utc::now().timestamp_micros()
        )
    });
    let reply = bot.handle(inbound(&request, command, opts)).await;
    print_reply(&reply, opts)?;
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
    let reply = bot
        .handle(inbound(&format!("{request}-confirm"), confirm, opts))
        .await;
    print_reply(&reply, opts)?;
    Ok(exit_for(&reply))
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

fn print_reply(reply: &Reply, opts: &AdminOptions) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if opts.json {
        writeln!(out, "{}", serde_json::to_string(reply)?)?;
    } else {
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
