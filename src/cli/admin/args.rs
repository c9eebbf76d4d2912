//! The `admin` command line: options and subcommands (clap derive).

use chrono::{DateTime, Utc};
use clap::{Args as ClapArgs, Subcommand};

/// Options every admin command takes.
#[derive(Debug, Clone, ClapArgs)]
pub struct AdminOptions {
    /// Print JSON data, one object per line: each step of an action (its
    /// stored proposal or receipt), the account status, the export, audit
    /// records, the tick report, or what was created.
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
    /// Apply due transitions (disabled → deleted, expired → disabled, renewals)
    /// and delete recorded messages past their retention.
    Tick,
    /// Conversations handed to people: list, show, claim, resolve, release.
    #[command(subcommand)]
    Handoff(crate::cli::handoff::HandoffCommand),
    /// What is stored about a person: export it, or erase their recorded
    /// messages.
    #[command(subcommand)]
    Privacy(crate::cli::privacy::PrivacyCommand),
    /// The store itself: copy sled into PostgreSQL, check either.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Operator-console accounts: add, remove, list.
    #[command(subcommand)]
    Operator(crate::cli::operator::OperatorCommand),
}

/// `admin store …`.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Copy every record into a PostgreSQL database, then verify the copy.
    /// Idempotent: run it again to resume or to catch up.
    Copy {
        /// The source: `sled:DIR` (default: the data directory) or a
        /// `postgres://` URL.
        #[arg(long, value_name = "sled:DIR|postgres://…")]
        from: Option<String>,
        /// The destination `postgres://` URL (default: SUPPORTBOT_DATABASE_URL,
        /// which keeps the password off the command line).
        #[arg(long, value_name = "postgres://…")]
        to: Option<String>,
    },
    /// Read every record: it decodes, references hold, audit numbers are
    /// unique. Exits non-zero when something is wrong.
    Check {
        /// `sled:DIR` or a `postgres://` URL (default: the configured store).
        #[arg(long, value_name = "sled:DIR|postgres://…")]
        store: Option<String>,
    },
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
