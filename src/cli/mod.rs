//! The command-line interface: the local transport (`chat`, `ask`) and the
//! tools around the rules (`classify`, `explain`, `eval`, `intents check`).
//!
//! The names here are a contract that tests and outside tooling rely on
//! (see `docs/architecture.md`): extend, never rename.

mod admin;
mod chat;
mod check;
mod console;
mod demo;
mod discord;
mod eval;
mod handoff;
mod import;
mod lifecycle;
mod oneshot;
mod operator;
mod privacy;
mod report;
mod serve;
mod store;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args as ClapArgs, Parser, Subcommand};

use crate::config::{Flags, Settings};
use crate::knowledge::Knowledge;
use crate::model::{Identity, Inbound, Message};

/// supportbot: answers cancel / refund / close-account questions in chat.
#[derive(Debug, Parser)]
#[command(name = "supportbot", version, about, long_about = None)]
pub struct Args {
    /// Data directory (database, imported articles) [env: SUPPORTBOT_DATA_DIR].
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Config file (TOML); keep it outside the repository, it may hold secrets.
    #[arg(long, global = true, env = "SUPPORTBOT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Load rules, locales and answers from DIR instead of the embedded
    /// defaults [env: SUPPORTBOT_INTENTS_DIR].
    #[arg(long, global = true, value_name = "DIR")]
    pub intents: Option<PathBuf>,
    /// HTTP listen address for `serve` (also SUPPORTBOT_HTTP_ADDR).
    #[arg(long, global = true, value_name = "ADDR", hide = true)]
    pub http_addr: Option<String>,
    /// What to do; `chat` when omitted.
    #[command(subcommand)]
    pub command: Option<CliCommand>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Talk to the bot on stdin/stdout (the default).
    Chat(LocaleArg),
    /// Answer one message.
    Ask(AskArgs),
    /// Classify messages read one per line from stdin; one result line each.
    Classify(ClassifyArgs),
    /// Show which rules fired or were vetoed, with spans and the locale chain.
    Explain(AskArgs),
    /// Score the rules on a labelled TSV file (columns text, label, lang; header row).
    Eval(EvalArgs),
    /// Work with rule files.
    #[command(subcommand)]
    Intents(IntentsCommand),
    /// Import help articles in the Microsoft Docs localized-markdown format
    /// (`<locale>/<slug>.md`, plain or side-by-side) as answers the bot serves.
    ImportArticles(ImportArgs),
    /// Subscription lifecycle for the local operator (trusted as a support agent).
    Admin {
        #[command(flatten)]
        options: admin::AdminOptions,
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// What the bot was asked and how it did, from the conversation record:
    /// messages, intents and not-understood rate by locale and day, the most
    /// frequent not-understood and guard-vetoed messages (redacted), handoffs
    /// and feedback.
    Report(report::ReportArgs),
    /// Run every configured transport (Discord HTTP endpoint, …) plus
    /// `GET /healthz` and `GET /metrics` on SUPPORTBOT_HTTP_ADDR.
    Serve(ServeArgs),
    /// Discord tools.
    #[command(subcommand)]
    Discord(DiscordCommand),
}

/// `discord …`.
#[derive(Debug, Subcommand)]
pub enum DiscordCommand {
    /// Register (replace) the slash commands, globally or for one guild.
    /// Needs SUPPORTBOT_DISCORD_TOKEN and SUPPORTBOT_DISCORD_APPLICATION_ID.
    Register {
        /// Register for this guild only (shows up at once; global commands
        /// can take an hour).
        #[arg(long, value_name = "ID")]
        guild: Option<String>,
        /// Print the command definitions as JSON instead of sending them.
        #[arg(long)]
        print: bool,
    },
}

/// Arguments of `import-articles`.
#[derive(Debug, ClapArgs)]
pub struct ImportArgs {
    /// Directory of articles; the locale is read from each file's front matter.
    #[arg(value_name = "SRC_DIR")]
    pub src: PathBuf,
    /// Where to write answer files (default: <data-dir>/articles, where the
    /// bot looks for them).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `--locale`.
#[derive(Debug, Clone, ClapArgs)]
pub struct LocaleArg {
    /// Reply locale as the platform would send it (`nb-NO`, `no`, `en-GB`, …);
    /// detected from the message when omitted.
    #[arg(long, value_name = "TAG")]
    pub locale: Option<String>,
}

/// Arguments of `ask` and `explain`.
#[derive(Debug, ClapArgs)]
pub struct AskArgs {
    #[command(flatten)]
    pub locale: LocaleArg,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// The message (several words are joined with spaces).
    #[arg(required = true, value_name = "TEXT")]
    pub text: Vec<String>,
}

/// Arguments of `classify`.
#[derive(Debug, ClapArgs)]
pub struct ClassifyArgs {
    #[command(flatten)]
    pub locale: LocaleArg,
    /// Print one JSON object per line instead of `intent<TAB>locale`.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `eval`.
#[derive(Debug, ClapArgs)]
pub struct EvalArgs {
    /// Also print the figures as one JSON object on the last line.
    #[arg(long)]
    pub json: bool,
    /// Labelled file, e.g. ../shared/eval/dev.tsv.
    #[arg(value_name = "FILE.tsv")]
    pub file: PathBuf,
}

/// `intents …`.
#[derive(Debug, Subcommand)]
pub enum IntentsCommand {
    /// Validate rule files, run their examples, render every template and
    /// report translations that fall back to another locale.
    Check {
        /// Directory to check (default: --intents, else the embedded rules).
        dir: Option<PathBuf>,
    },
}

/// Options of `serve`.
#[derive(Debug, Default, ClapArgs)]
pub struct ServeArgs {
    /// Discord gateway shards this process runs: `A-B` (inclusive) or one id
    /// [env: SUPPORTBOT_DISCORD_SHARDS]; needs --total-shards.
    #[arg(long, value_name = "A-B")]
    pub shards: Option<String>,
    /// Gateway shards of the whole bot [env: SUPPORTBOT_DISCORD_TOTAL_SHARDS];
    /// alone, this process runs all of them.
    #[arg(long, value_name = "N")]
    pub total_shards: Option<String>,
}

/// Sets up logging to stderr; `SUPPORTBOT_LOG` (or `RUST_LOG`) filters it.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SUPPORTBOT_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs the parsed command line.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(
        args.config.as_deref(),
        Flags {
            data_dir: args.data_dir.clone(),
            http_addr: args.http_addr.clone(),
            intents_dir: args.intents.clone(),
            discord_shards: match &args.command {
                Some(CliCommand::Serve(s)) => s.shards.clone(),
                _ => None,
            },
            discord_total_shards: match &args.command {
                Some(CliCommand::Serve(s)) => s.total_shards.clone(),
                _ => None,
            },
        },
    )?;
    match args
        .command
        .unwrap_or(CliCommand::Chat(LocaleArg { locale: None }))
    {
        CliCommand::Intents(IntentsCommand::Check { dir }) => {
            let mut source = settings.knowledge_source();
            if let Some(d) = dir {
                source.origin = crate::source::Origin::Dir(d);
            }
            Ok(check::run(&source))
        }
        CliCommand::ImportArticles(a) => {
            let out = a.out.unwrap_or_else(|| settings.articles_dir.clone());
            import::run(&a.src, &out)
        }
        CliCommand::Report(a) => report::run(&settings, &a),
        command => {
            let knowledge = load_knowledge(&settings)?;
            match command {
                CliCommand::Chat(locale) => {
                    let actions = lifecycle::open_for_chat(&settings);
                    chat::run(knowledge, actions, locale.locale)
                }
                CliCommand::Ask(a) => {
                    oneshot::ask(knowledge, lifecycle::open_for_chat(&settings), &a)
                }
                CliCommand::Admin { options, command } => {
                    admin::run(&settings, knowledge, command, options)
                }
                CliCommand::Explain(a) => oneshot::explain(&knowledge, &a),
                CliCommand::Classify(c) => oneshot::classify(&knowledge, &c),
                CliCommand::Eval(e) => eval::run(&knowledge, &e),
                CliCommand::Serve(_) => serve::run(&settings, knowledge),
                CliCommand::Discord(DiscordCommand::Register { guild, print }) => {
                    discord::register(&settings, &knowledge, guild.as_deref(), print)
                }
                CliCommand::Intents(_) | CliCommand::ImportArticles(_) | CliCommand::Report(_) => {
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
    }
}

fn load_knowledge(settings: &Settings) -> anyhow::Result<Knowledge> {
    let source = settings.knowledge_source();
    Knowledge::load(&source).with_context(|| {
        format!(
            "cannot load rules from {}; run `supportbot intents check` for details",
            source.origin
        )
    })
}

/// A CLI message from the local operator.
pub(crate) fn cli_inbound(text: &str, locale: Option<&str>, sequence: u64) -> Inbound {
    Inbound {
        event_id: format!("cli-{}-{sequence}", std::process::id()),
        identity: Identity::local_operator(),
        conversation: "cli".into(),
        locales: locale.map(|l| vec![l.to_owned()]).unwrap_or_default(),
        message: Message::Text(text.to_owned()),
        received_at: chrono::Utc::now(),
    }
}

/// A current-thread runtime for commands that call the async bot.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
