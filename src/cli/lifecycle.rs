//! Opening the lifecycle service for the CLI: the sled database in the data
//! directory, the policy file, the authorisation config and the token key.

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};

use crate::config::Settings;
use crate::conversation::{Lifecycle, LifecycleCommands};
use crate::lifecycle::Store;
use crate::lifecycle::{Clock, ManualClock, Policy, SystemClock, TokenKey};
use crate::store::SledStore;

/// File in the data directory holding the confirmation-token key. It lets a
/// token proposed by one process be confirmed by another (the CLI runs one
/// process per command), and is created with owner-only permissions.
const TOKEN_KEY_FILE: &str = "token.key";

/// Opens the service, with a fixed clock when `now` is given.
pub fn open(settings: &Settings, now: Option<DateTime<Utc>>) -> anyhow::Result<Lifecycle> {
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
    let key = token_key(&settings.data_dir)?;
    let store = SledStore::open(settings.data_dir.join("db"))?;
    let store: Arc<dyn Store> = Arc::new(store);
    let clock: Arc<dyn Clock> = match now {
        Some(at) => Arc::new(ManualClock::new(at)),
        None => Arc::new(SystemClock),
    };
    Ok(Lifecycle::new(
        store,
        policy,
        settings.auth.clone(),
        clock,
        key,
    ))
}

/// Opens the service for the chat transports; when the database cannot be
/// opened (another process holds it), the bot still answers questions and
/// says why actions are off.
pub fn open_for_chat(settings: &Settings) -> Option<LifecycleCommands> {
    match open(settings, None) {
        Ok(service) => Some(LifecycleCommands::new(service)),
        Err(e) => {
            eprintln!("note: subscription actions are off: {e:#}");
            None
        }
    }
}

fn token_key(data_dir: &Path) -> anyhow::Result<TokenKey> {
    let path = data_dir.join(TOKEN_KEY_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let Ok(bytes) = <[u8; 32]>::try_from(bytes.as_slice()) else {
                bail!(
                    "{} is damaged (expected 32 bytes); delete it to issue a new key (open confirmations then expire)",
                    path.display()
                );
            };
            Ok(TokenKey::from_bytes(bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).context("no randomness for the token key")?;
            write_private(&path, &bytes)?;
            Ok(TokenKey::from_bytes(bytes))
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
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
