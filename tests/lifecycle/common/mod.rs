//! Shared fixtures for the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use supportbot::auth::{authorize_operator, AuthConfig, UserKey, DISCORD_ADMINISTRATOR};
use supportbot::lifecycle::Store;
use supportbot::lifecycle::{LifecycleService, ManualClock, Policy, Seed, TokenKey};
use supportbot::model::{AccountId, EventId, SubscriptionId};
use supportbot::model::{Evidence, Identity, Platform};
use supportbot::store::{MemoryStore, PostgresStore, SledStore};

/// The tests' PostgreSQL (a private cluster, or `SUPPORTBOT_TEST_DATABASE_URL`).
#[path = "../../common/postgres.rs"]
pub mod pg;

pub const GUILD: u64 = 111;
pub const OTHER_GUILD: u64 = 222;

pub const SEED: &str = r#"
[[account]]
id = "contoso"
name = "Contoso AS"
country = "NO"
preferred_locale = "nb-NO"
discord_guild_ids = [111]

[[account]]
id = "northwind"
name = "Northwind KK"
country = "JP"
preferred_locale = "ja-JP"
discord_guild_ids = [222]

[[subscription]]
id = "SUB-1"
account = "contoso"
product = "Microsoft 365 Business Standard"
seats = 5
unit_price_minor = 10000
currency = "NOK"
period = "monthly"
started = 2024-04-01

[[subscription]]
id = "SUB-2"
account = "contoso"
product = "Microsoft 365 Business Premium"
seats = 2
unit_price_minor = 20000
currency = "NOK"
period = "monthly"
started = 2024-03-15
auto_renew = true

[[subscription]]
id = "SUB-3"
account = "contoso"
product = "Project Plan 3"
seats = 1
unit_price_minor = 0
currency = "NOK"
period = "monthly"
started = 2024-04-05
trial = true

[[subscription]]
id = "SUB-1"
account = "northwind"
product = "Microsoft 365 E3"
seats = 30
unit_price_minor = 4500
currency = "JPY"
period = "yearly"
started = 2024-01-01

[[subscription]]
id = "SUB-2"
account = "northwind"
product = "Visio Plan 2"
seats = 3
unit_price_minor = 1500
currency = "JPY"
period = "monthly"
started = 2024-04-01
partner = "Fabrikam Partners"
"#;

pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-04-10T12:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("t0")
}

pub fn contoso() -> AccountId {
    AccountId::parse("contoso").expect("id")
}

pub fn northwind() -> AccountId {
    AccountId::parse("northwind").expect("id")
}

pub fn sub(n: u64) -> SubscriptionId {
    SubscriptionId::from_number(n)
}

pub fn discord(user: &str, guild: Option<u64>, permissions: u64) -> Identity {
    Identity {
        platform: Platform::Discord,
        user_id: user.into(),
        scope: guild.map(|g| g.to_string()),
        evidence: Evidence::Discord {
            permissions,
            role_ids: vec![],
        },
    }
}

/// Admin of the contoso guild.
pub fn admin() -> Identity {
    discord("1", Some(GUILD), DISCORD_ADMINISTRATOR)
}

/// Another admin of the same guild.
pub fn other_admin() -> Identity {
    discord("2", Some(GUILD), DISCORD_ADMINISTRATOR)
}

/// A guild member without admin rights.
pub fn member() -> Identity {
    discord("3", Some(GUILD), 0)
}

pub fn operator() -> Identity {
    Identity {
        platform: Platform::Cli,
        user_id: "operator".into(),
        scope: None,
        evidence: Evidence::LocalOperator,
    }
}

pub fn auth_config() -> AuthConfig {
    AuthConfig {
        support_agents: vec![UserKey {
            platform: Platform::Discord,
            user_id: "999".into(),
        }],
        discord_admin_role_ids: vec![],
        teams_admins: vec![],
    }
}

pub fn ev(id: &str) -> EventId {
    EventId::new(Platform::Discord, id).expect("event id")
}

/// A unique temporary directory, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let mut rnd = [0u8; 8];
        getrandom::fill(&mut rnd).expect("random");
        let dir = std::env::temp_dir().join(format!(
            "lifecycle-{name}-{}-{}",
            std::process::id(),
            u64::from_le_bytes(rnd)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub struct Harness<S> {
    pub svc: LifecycleService<S>,
    pub clock: Arc<ManualClock>,
    pub key: TokenKey,
    pub dir: Option<TempDir>,
}

pub fn harness_with<S: Store>(store: S, dir: Option<TempDir>, policy: Policy) -> Harness<S> {
    let clock = Arc::new(ManualClock::new(t0()));
    let key = TokenKey::from_bytes([42; 32]);
    let svc = LifecycleService::new(store, policy, auth_config(), clock.clone(), key.clone());
    let op = authorize_operator(&operator(), &auth_config()).expect("operator");
    let seed = Seed::from_toml(SEED).expect("seed");
    svc.engine().provision(&op, &seed, t0()).expect("provision");
    Harness {
        svc,
        clock,
        key,
        dir,
    }
}

pub fn memory() -> Harness<MemoryStore> {
    harness_with(MemoryStore::new(), None, Policy::default())
}

pub fn sled() -> Harness<SledStore> {
    let dir = TempDir::new("engine");
    let store = SledStore::open(dir.path()).expect("open sled");
    harness_with(store, Some(dir), Policy::default())
}

/// A harness on a fresh PostgreSQL database; `None` (reported as skipped)
/// when there is no PostgreSQL and none is required.
pub fn postgres(test: &str) -> Option<Harness<PostgresStore>> {
    let url = pg::database(test)?;
    let store = PostgresStore::open(&url).expect("open postgres");
    Some(harness_with(store, None, Policy::default()))
}

/// Runs each named `async fn name<S: Store>(h: Harness<S>)` scenario on every
/// store: memory, sled and PostgreSQL.
#[allow(unused_macros, reason = "only the scenario test files use it")]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod memory { $( #[tokio::test] async fn $name() { super::$name(crate::common::memory()).await } )* }
        mod sled { $( #[tokio::test] async fn $name() { super::$name(crate::common::sled()).await } )* }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(h) = crate::common::postgres(concat!(module_path!(), "::", stringify!($name))) else {
                        return;
                    };
                    super::$name(h).await
                }
            )*
        }
    };
}

/// The admin of contoso proposes cancelling `SUB-n` (event `proposal`) and
/// confirms it (event `confirmation`); returns the proof and the proposal.
pub async fn cancel_confirmed<S: Store>(
    h: &Harness<S>,
    n: u64,
    proposal: &str,
    confirmation: &str,
) -> (
    supportbot::auth::VerifiedAdmin,
    supportbot::lifecycle::Proposal,
) {
    let (admin_v, p) = propose_cancel(h, n, proposal).await;
    h.svc
        .confirm(&admin(), &p.token, None, &ev(confirmation))
        .await
        .expect("cancel");
    (admin_v, p)
}

/// The admin of contoso proposes cancelling `SUB-n` (event `proposal`).
pub async fn propose_cancel<S: Store>(
    h: &Harness<S>,
    n: u64,
    proposal: &str,
) -> (
    supportbot::auth::VerifiedAdmin,
    supportbot::lifecycle::Proposal,
) {
    let admin_v = h
        .svc
        .authorize(&admin(), &contoso(), None)
        .await
        .expect("admin");
    let p = h
        .svc
        .propose(
            &admin_v,
            supportbot::lifecycle::Action::Cancel {
                subscription: sub(n),
            },
            &ev(proposal),
        )
        .await
        .expect("propose");
    (admin_v, p)
}

/// Contoso's Discord admin, verified for contoso.
pub async fn contoso_admin<S: Store>(h: &Harness<S>) -> supportbot::auth::VerifiedAdmin {
    h.svc
        .authorize(&admin(), &contoso(), None)
        .await
        .expect("admin")
}
