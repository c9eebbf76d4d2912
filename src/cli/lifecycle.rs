//! Opening the lifecycle, handoff and record services for the CLI: the
//! PostgreSQL database when `database_url` is set, else the sled database in
//! the data directory (one store shared by all three), the policy file, the
//! authorisation config and the token key.

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};

use crate::config::Settings;
use crate::conversation::{Lifecycle, LifecycleCommands, SessionStore};
use crate::handoff::{HandoffService, TicketStore};
use crate::knowledge::Knowledge;
use crate::lifecycle::Store;
use crate::lifecycle::{Clock, ManualClock, Policy, SystemClock, TokenKey};
use crate::operator::{OperatorService, OperatorStore, SignInLimits};
use crate::record::{RecordService, RecordStore};
use crate::store::{PostgresStore, SledStore};
use crate::Bot;

/// File in the data directory holding the confirmation-token key. It lets a
/// token proposed by one process be confirmed by another (the CLI runs one
/// process per command), and is created with owner-only permissions.
const TOKEN_KEY_FILE: &str = "token.key";

/// Opens the lifecycle service, with a fixed clock when `now` is given.
pub fn open(settings: &Settings, now: Option<DateTime<Utc>>) -> anyhow::Result<Lifecycle> {
    open_with_handoff(settings, now).map(|(lifecycle, _)| lifecycle)
}

/// Opens the lifecycle and the handoff service over one database.
pub fn open_with_handoff(
    settings: &Settings,
    now: Option<DateTime<Utc>>,
) -> anyhow::Result<(Lifecycle, HandoffService)> {
    open_all(settings, now).map(|s| (s.lifecycle, s.handoff))
}

/// Every service over the one database.
pub struct Services {
    /// Subscription lifecycle.
    pub lifecycle: Lifecycle,
    /// Handing conversations to people.
    pub handoff: HandoffService,
    /// The conversation record.
    pub record: RecordService,
    /// Conversation memory (`/why`, offered choices), for `serve`.
    pub sessions: Arc<dyn SessionStore>,
    /// Console operators and their sessions.
    pub operators: OperatorService,
}

/// Opens the lifecycle, the handoff and the record over one database.
pub fn open_all(settings: &Settings, now: Option<DateTime<Utc>>) -> anyhow::Result<Services> {
    std::fs::create_dir_all(&settings.data_dir).with_context(|| {
        format!(
            "cannot create data directory {}",
            settings.data_dir.display()
        )
    })?;
    let policy = match &settings.policy_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read policy file {}", path.display()))?;
            Policy::from_toml(&text).with_context(|| format!("policy file {}", path.display()))?
        }
        None => Policy::default(),
    };
    let (store, tickets, records, sessions, operators, key) = open_store(settings)?;
    let clock: Arc<dyn Clock> = match now {
        Some(at) => Arc::new(ManualClock::new(at)),
        None => Arc::new(SystemClock),
    };
    let handoff = HandoffService::new(tickets, Arc::clone(&clock), settings.handoff.clone());
    let record = RecordService::new(records, Arc::clone(&clock), settings.record.clone());
    let limits = SignInLimits {
        max_failures: settings.console.max_failed_sign_ins,
        lock_for: settings.console.lock,
        ..SignInLimits::default()
    };
    let idle = settings.console.session_idle;
    let operators = OperatorService::new(operators, Arc::clone(&clock), limits, idle);
    let lifecycle = Lifecycle::new(store, policy, settings.auth.clone(), clock, key);
    Ok(Services {
        lifecycle,
        handoff,
        record,
        sessions,
        operators,
    })
}

/// The configured store, as every port, and the confirmation-token key.
type Opened = (
    Arc<dyn Store>,
    Arc<dyn TicketStore>,
    Arc<dyn RecordStore>,
    Arc<dyn SessionStore>,
    Arc<dyn OperatorStore>,
    TokenKey,
);

fn open_store(settings: &Settings) -> anyhow::Result<Opened> {
    use secrecy::ExposeSecret;
    match &settings.database_url {
        Some(url) => {
            let pg = Arc::new(PostgresStore::open(url.expose_secret())?);
            // Every instance must verify every other's tokens: the key lives
            // in the database. An existing key file is offered first, so
            // confirmations proposed before the move stay valid.
            let proposed = match existing_token_key(&settings.data_dir)? {
                Some(key) => key,
                None => fresh_key()?,
            };
            let key = TokenKey::from_bytes(pg.shared_token_key(proposed)?);
            Ok((
                Arc::clone(&pg) as Arc<dyn Store>,
                Arc::clone(&pg) as Arc<dyn TicketStore>,
                Arc::clone(&pg) as Arc<dyn RecordStore>,
                Arc::clone(&pg) as Arc<dyn SessionStore>,
                pg,
                key,
            ))
        }
        None => {
            let key = token_key(&settings.data_dir)?;
            let sled = Arc::new(SledStore::open(settings.data_dir.join("db"))?);
            Ok((
                Arc::clone(&sled) as Arc<dyn Store>,
                Arc::clone(&sled) as Arc<dyn TicketStore>,
                Arc::clone(&sled) as Arc<dyn RecordStore>,
                Arc::clone(&sled) as Arc<dyn SessionStore>,
                sled,
                key,
            ))
        }
    }
}

/// Where the store is, for start-up lines: never a password.
pub fn store_description(settings: &Settings) -> String {
    use secrecy::ExposeSecret;
    match &settings.database_url {
        Some(url) => PostgresStore::describe_url(url.expose_secret()),
        None => settings.data_dir.join("db").display().to_string(),
    }
}

/// What the chat transports run on when the database opens.
pub struct ChatServices {
    /// Subscription actions.
    pub actions: LifecycleCommands,
    /// Handing conversations to people.
    pub handoff: HandoffService,
    /// The conversation record.
    pub record: RecordService,
}

/// The bot for `chat` and `ask`: with actions and handoff when the database
/// opened, answering questions only otherwise.
pub fn chat_bot(knowledge: Knowledge, services: Option<ChatServices>) -> Bot {
    match services {
        Some(s) => Bot::with_lifecycle(knowledge, s.actions)
            .with_handoff(s.handoff)
            .with_record(s.record),
        None => Bot::new(knowledge),
    }
}

/// Opens the service for the chat transports; when the database cannot be
/// opened (another process holds it), the bot still answers questions and
/// says why actions are off.
pub fn open_for_chat(settings: &Settings) -> Option<ChatServices> {
    match open_all(settings, None) {
        Ok(s) => Some(ChatServices {
            actions: LifecycleCommands::new(s.lifecycle),
            handoff: s.handoff,
            record: s.record,
        }),
        Err(e) => {
            eprintln!("note: subscription actions and handoff are off: {e:#}");
            None
        }
    }
}

fn token_key(data_dir: &Path) -> anyhow::Result<TokenKey> {
    if let Some(bytes) = existing_token_key(data_dir)? {
        return Ok(TokenKey::from_bytes(bytes));
    }
    let bytes = fresh_key()?;
    write_private(&data_dir.join(TOKEN_KEY_FILE), &bytes)?;
    Ok(TokenKey::from_bytes(bytes))
}

/// The key in the data directory's key file, if there is one.
fn existing_token_key(data_dir: &Path) -> anyhow::Result<Option<[u8; 32]>> {
    let path = data_dir.join(TOKEN_KEY_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let Ok(bytes) = <[u8; 32]>::try_from(bytes.as_slice()) else {
                bail!(
                    "{} is damaged (expected 32 bytes); delete it to issue a new key (open confirmations then expire)",
                    path.display()
                );
            };
            Ok(Some(bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn fresh_key() -> anyhow::Result<[u8; 32]> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).context("no randomness for the token key")?;
    Ok(bytes)
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}
