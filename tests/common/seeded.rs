//! The one way tests build a bot with lifecycle commands over seeded
//! accounts: an in-memory store, a fixed token key, the embedded knowledge.

use std::sync::Arc;

use supportbot::auth::AuthConfig;
use supportbot::conversation::{Lifecycle, LifecycleCommands};
use supportbot::knowledge::KnowledgeSource;
use supportbot::lifecycle::{Clock, Policy, Seed, Store, SystemClock, TokenKey};
use supportbot::model::Identity;
use supportbot::store::MemoryStore;
use supportbot::{Bot, Knowledge};

/// An account to seed, with its bindings and subscriptions.
#[derive(Debug, Clone)]
pub struct TestAccount {
    id: String,
    country: String,
    locale: String,
    currency: String,
    discord_guilds: Vec<u64>,
    teams_tenants: Vec<String>,
    subscriptions: Vec<String>,
}

impl TestAccount {
    /// A Norwegian account (NO, nb-NO, NOK) with `SUB-1`.
    pub fn new(id: &str) -> TestAccount {
        TestAccount {
            id: id.into(),
            country: "NO".into(),
            locale: "nb-NO".into(),
            currency: "NOK".into(),
            discord_guilds: Vec::new(),
            teams_tenants: Vec::new(),
            subscriptions: vec!["SUB-1".into()],
        }
    }

    /// Billing country, preferred locale and currency.
    pub fn billed(mut self, country: &str, locale: &str, currency: &str) -> TestAccount {
        self.country = country.into();
        self.locale = locale.into();
        self.currency = currency.into();
        self
    }

    /// Bound to a Discord guild.
    pub fn in_guild(mut self, guild: u64) -> TestAccount {
        self.discord_guilds.push(guild);
        self
    }

    /// Bound to a Teams tenant.
    pub fn in_tenant(mut self, tenant: &str) -> TestAccount {
        self.teams_tenants.push(tenant.into());
        self
    }

    /// Its subscriptions (each "Microsoft 365", 2 seats at 100.00 a month,
    /// started five days ago).
    pub fn with_subscriptions(mut self, ids: &[&str]) -> TestAccount {
        self.subscriptions = ids.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    fn toml(&self) -> String {
        let started = (chrono::Utc::now() - chrono::Days::new(5)).date_naive();
        let quoted = |v: &[String]| {
            v.iter()
                .map(|t| format!("{t:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let guilds: Vec<String> = self.discord_guilds.iter().map(u64::to_string).collect();
        let mut out = format!(
            "[[account]]\nid = {:?}\nname = \"{}\"\ncountry = {:?}\npreferred_locale = {:?}\n\
             discord_guild_ids = [{}]\nteams_tenant_ids = [{}]\n",
            self.id,
            capitalized(&self.id),
            self.country,
            self.locale,
            guilds.join(", "),
            quoted(&self.teams_tenants),
        );
        for sub in &self.subscriptions {
            out.push_str(&format!(
                "[[subscription]]\nid = {sub:?}\naccount = {:?}\nproduct = \"Microsoft 365\"\nseats = 2\n\
                 unit_price_minor = 10000\ncurrency = {:?}\nperiod = \"monthly\"\nstarted = \"{started}\"\n",
                self.id, self.currency
            ));
        }
        out
    }
}

/// "acme" → "Acme": the account's display name.
fn capitalized(id: &str) -> String {
    let mut chars = id.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Builds a bot over seeded accounts.
pub struct SeededBot {
    auth: AuthConfig,
    clock: Arc<dyn Clock>,
    key: [u8; 32],
    accounts: Vec<TestAccount>,
}

impl Default for SeededBot {
    fn default() -> Self {
        SeededBot {
            auth: AuthConfig::default(),
            clock: Arc::new(SystemClock),
            key: [7; 32],
            accounts: Vec::new(),
        }
    }
}

impl SeededBot {
    /// Nothing seeded, default authorization, the system clock.
    pub fn new() -> SeededBot {
        SeededBot::default()
    }

    /// Who is an admin or support agent beyond what the platform says.
    pub fn auth(mut self, auth: AuthConfig) -> SeededBot {
        self.auth = auth;
        self
    }

    /// The lifecycle's clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> SeededBot {
        self.clock = clock;
        self
    }

    /// The confirmation-token key.
    pub fn token_key(mut self, key: [u8; 32]) -> SeededBot {
        self.key = key;
        self
    }

    /// One more account.
    pub fn account(mut self, account: TestAccount) -> SeededBot {
        self.accounts.push(account);
        self
    }

    /// Provisions the accounts and returns the bot.
    pub async fn build(self) -> Bot {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let service = Lifecycle::new(
            store,
            Policy::default(),
            self.auth,
            self.clock,
            TokenKey::from_bytes(self.key),
        );
        if !self.accounts.is_empty() {
            let text: String = self.accounts.iter().map(TestAccount::toml).collect();
            let seed = Seed::from_toml(&text).expect("test seed");
            let operator = supportbot::auth::authorize_operator(
                &Identity::local_operator(),
                &AuthConfig::default(),
            )
            .expect("operator");
            service
                .provision(&operator, seed)
                .await
                .expect("provisioned");
        }
        let knowledge = Knowledge::load(&KnowledgeSource::embedded()).expect("embedded knowledge");
        Bot::with_lifecycle(knowledge, LifecycleCommands::new(service))
    }
}
