//! Roles and the [`VerifiedAdmin`] proof value.
//!
//! Invariant: a [`VerifiedAdmin`] can only be produced by [`authorize`], from an
//! [`Identity`] that a transport built out of signed platform data. Message text never
//! reaches this module, so it can never grant a role. Its fields are private, so code
//! outside this module cannot forge one:
//!
//! ```compile_fail
//! use supportbot::auth::{AdminRole, UserKey, VerifiedAdmin};
//! use supportbot::model::AccountId;
//! use supportbot::model::Platform;
//! let forged = VerifiedAdmin {
//!     user: UserKey { platform: Platform::Discord, user_id: "1".into() },
//!     role: AdminRole::SupportAgent,
//!     account: AccountId::parse("contoso").unwrap(),
//! };
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{AccountId, Evidence, Identity, Platform};

mod agent;
mod denied;
mod scopes;
#[cfg(test)]
mod tests;

pub use agent::{authorize_agent, AgentRoster, VerifiedAgent};
pub use denied::{Denied, DenyReason};
use scopes::Scopes;
pub use scopes::{anonymous_refusal, unbound_refusal};

/// What authorization needs to know of an account: its id and which
/// platform scopes (Discord guilds, Teams tenants) are bound to it. The
/// lifecycle's `Account` implements it; auth knows no lifecycle types.
pub trait BoundScopes {
    /// The account's id.
    fn account_id(&self) -> &AccountId;
    /// Whether a Discord guild id (a decimal snowflake) is bound here.
    fn has_discord_guild(&self, guild: &str) -> bool;
    /// Whether a Teams tenant id is bound here.
    fn has_teams_tenant(&self, tenant: &str) -> bool;
}

/// Discord `ADMINISTRATOR` permission bit.
pub const DISCORD_ADMINISTRATOR: u64 = 1 << 3;
/// Discord `MANAGE_GUILD` permission bit.
pub const DISCORD_MANAGE_GUILD: u64 = 1 << 5;

/// A platform user, independent of display names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserKey {
    /// The platform the id belongs to.
    pub platform: Platform,
    /// The platform's user id.
    pub user_id: String,
}

impl UserKey {
    /// The key of the speaker.
    pub fn of(identity: &Identity) -> Self {
        UserKey {
            platform: identity.platform,
            user_id: identity.user_id.clone(),
        }
    }
}

impl fmt::Display for UserKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.platform, self.user_id)
    }
}

/// A configured support agent.
pub type AgentId = UserKey;

/// Who administers what; read once at start-up from the core crate's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Support agents: may act on any account.
    pub support_agents: Vec<AgentId>,
    /// Discord roles whose members administer the account bound to their guild.
    pub discord_admin_role_ids: Vec<u64>,
    /// `(tenant id, aadObjectId)` pairs of Teams users who administer the tenant's account.
    pub teams_admins: Vec<(String, String)>,
}

/// Roles, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Acts on any account.
    SupportAgent,
    /// Acts on its own account.
    AccountAdmin,
    /// Reads its own account's status; nothing mutating.
    User,
}

/// The roles that may mutate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminRole {
    /// Acts on any account; bypasses the online-cancellation seat limit (they *are* support).
    SupportAgent,
    /// Acts on its own account.
    AccountAdmin,
}

impl From<AdminRole> for Role {
    fn from(r: AdminRole) -> Role {
        match r {
            AdminRole::SupportAgent => Role::SupportAgent,
            AdminRole::AccountAdmin => Role::AccountAdmin,
        }
    }
}

/// Proof that a signed identity may mutate one account. Only [`authorize`] builds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAdmin {
    user: UserKey,
    role: AdminRole,
    account: AccountId,
}

impl VerifiedAdmin {
    /// Who was verified.
    pub fn user(&self) -> &UserKey {
        &self.user
    }
    /// With which role.
    pub fn role(&self) -> AdminRole {
        self.role
    }
    /// For which account.
    pub fn account(&self) -> &AccountId {
        &self.account
    }
}

/// Proof that a signed identity is a support agent or the CLI operator, not bound to any
/// account: needed to provision accounts or restore them from an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedOperator {
    user: UserKey,
}

impl VerifiedOperator {
    /// Who was verified.
    pub fn user(&self) -> &UserKey {
        &self.user
    }
}

/// Decides whether `identity` may provision accounts: the CLI operator or a configured
/// support agent with verified evidence.
pub fn authorize_operator(
    identity: &Identity,
    cfg: &AuthConfig,
) -> Result<VerifiedOperator, Denied> {
    check_evidence(identity)?;
    let user = UserKey::of(identity);
    let operator = matches!(
        identity.evidence,
        Evidence::LocalOperator | Evidence::ConsoleAdmin
    );
    if operator || cfg.support_agents.contains(&user) {
        Ok(VerifiedOperator { user })
    } else {
        Err(Denied::new(DenyReason::NotAdmin))
    }
}

fn evidence_matches(identity: &Identity) -> bool {
    matches!(
        (identity.platform, &identity.evidence),
        (Platform::Cli, Evidence::LocalOperator)
            | (
                Platform::Console,
                Evidence::ConsoleAdmin | Evidence::ConsoleAgent
            )
            | (Platform::Discord, Evidence::Discord { .. })
            | (Platform::Teams, Evidence::Teams { .. })
            | (_, Evidence::Unverified)
    )
}

/// Decides whether `identity` may mutate `account`.
///
/// Rules, in order: unverified evidence never; the CLI operator and configured support
/// agents act on any account; a Discord member with ADMINISTRATOR or MANAGE_GUILD (or a
/// configured admin role) in a guild bound to the account is its admin, never in DMs; a
/// configured Teams `(tenant, aadObjectId)` pair whose tenant is bound is its admin.
pub fn authorize(
    identity: &Identity,
    account: &impl BoundScopes,
    cfg: &AuthConfig,
) -> Result<VerifiedAdmin, Denied> {
    let role = admin_role(identity, account, cfg)?;
    Ok(VerifiedAdmin {
        user: UserKey::of(identity),
        role,
        account: account.account_id().clone(),
    })
}

fn check_evidence(identity: &Identity) -> Result<(), Denied> {
    if matches!(identity.evidence, Evidence::Unverified)
        || matches!(identity.platform, Platform::TeamsWebhook | Platform::Web)
    {
        return Err(Denied::new(DenyReason::Unverified));
    }
    if !evidence_matches(identity) {
        return Err(Denied::new(DenyReason::EvidenceMismatch));
    }
    Ok(())
}

fn admin_role(
    identity: &Identity,
    account: &impl Scopes,
    cfg: &AuthConfig,
) -> Result<AdminRole, Denied> {
    check_evidence(identity)?;
    // A console admin is support staff signed in with a password: like the
    // local operator, not bound to one account.
    if matches!(
        identity.evidence,
        Evidence::LocalOperator | Evidence::ConsoleAdmin
    ) {
        return Ok(AdminRole::SupportAgent);
    }
    if cfg.support_agents.contains(&UserKey::of(identity)) {
        return Ok(AdminRole::SupportAgent);
    }
    let scope = identity
        .scope
        .as_deref()
        .ok_or(Denied::new(DenyReason::DirectMessage))?;
    match &identity.evidence {
        Evidence::Discord {
            permissions,
            role_ids,
        } => {
            let by_permission = permissions & (DISCORD_ADMINISTRATOR | DISCORD_MANAGE_GUILD) != 0;
            let by_role = role_ids
                .iter()
                .any(|r| cfg.discord_admin_role_ids.contains(r));
            if !(by_permission || by_role) {
                return Err(Denied::new(DenyReason::NotAdmin));
            }
            if !account.discord_guild(scope) {
                return Err(Denied::new(DenyReason::ScopeNotBound));
            }
            Ok(AdminRole::AccountAdmin)
        }
        Evidence::Teams { aad_object_id } => {
            let aad = aad_object_id
                .as_deref()
                .ok_or(Denied::new(DenyReason::NotAdmin))?;
            let listed = cfg
                .teams_admins
                .iter()
                .any(|(t, a)| t.eq_ignore_ascii_case(scope) && a.eq_ignore_ascii_case(aad));
            if !listed {
                return Err(Denied::new(DenyReason::NotAdmin));
            }
            if !account.teams_tenant(scope) {
                return Err(Denied::new(DenyReason::ScopeNotBound));
            }
            Ok(AdminRole::AccountAdmin)
        }
        // A console agent works tickets; mutating accounts is the admin's.
        Evidence::ConsoleAgent => Err(Denied::new(DenyReason::NotAdmin)),
        Evidence::LocalOperator | Evidence::ConsoleAdmin | Evidence::Unverified => {
            Err(Denied::new(DenyReason::EvidenceMismatch))
        }
    }
}

/// Decides whether `identity` may *read* `account` (status): admins, plus any member of a
/// guild or tenant bound to it (role [`Role::User`]). DMs without an admin role are denied,
/// and so is a sender nothing vouches for, even "in" a bound tenant (the outgoing webhook).
pub fn authorize_read(
    identity: &Identity,
    account: &impl BoundScopes,
    cfg: &AuthConfig,
) -> Result<Role, Denied> {
    match admin_role(identity, account, cfg) {
        Ok(r) => Ok(r.into()),
        Err(denied) => {
            let bound = match (identity.platform, identity.scope.as_deref()) {
                (_, None) => return Err(Denied::new(DenyReason::DirectMessage)),
                (Platform::Discord, Some(g)) => account.has_discord_guild(g),
                (Platform::Teams | Platform::TeamsWebhook, Some(t)) => account.has_teams_tenant(t),
                (Platform::Cli | Platform::Console | Platform::Web, Some(_)) => false,
            };
            let vouched = !matches!(
                denied.reason,
                DenyReason::EvidenceMismatch | DenyReason::Unverified
            );
            if bound && vouched {
                Ok(Role::User)
            } else {
                Err(denied)
            }
        }
    }
}
