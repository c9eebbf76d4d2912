//! Scope checks for accounts that exist and for none at all, and the
//! refusals that must not depend on what is stored.

use super::{AuthConfig, BoundScopes, Denied, DenyReason};
use crate::model::{Evidence, Identity, Platform};

/// The refusal `identity` gets for an account bound to none of its guilds or
/// tenants, or `None` when it may act on every account (the CLI operator, a
/// support agent). A named account that does not exist is refused with it,
/// so that a refusal never tells whether the account exists.
pub fn unbound_refusal(identity: &Identity, cfg: &AuthConfig) -> Option<Denied> {
    super::admin_role(identity, &Unbound, cfg).err()
}

/// The refusal for a sender nothing vouches for (the Teams outgoing webhook),
/// before any account is looked at: such channels get help answers only.
pub fn anonymous_refusal(identity: &Identity) -> Option<Denied> {
    let anonymous = matches!(identity.evidence, Evidence::Unverified)
        || matches!(identity.platform, Platform::TeamsWebhook | Platform::Web);
    anonymous.then(|| Denied::new(DenyReason::Unverified))
}

/// Scopes of an account bound to nothing.
struct Unbound;

/// The scope checks `admin_role` needs, of real accounts and of [`Unbound`].
pub(super) trait Scopes {
    fn discord_guild(&self, guild: &str) -> bool;
    fn teams_tenant(&self, tenant: &str) -> bool;
}

impl<T: BoundScopes> Scopes for T {
    fn discord_guild(&self, guild: &str) -> bool {
        self.has_discord_guild(guild)
    }
    fn teams_tenant(&self, tenant: &str) -> bool {
        self.has_teams_tenant(tenant)
    }
}

impl Scopes for Unbound {
    fn discord_guild(&self, _: &str) -> bool {
        false
    }
    fn teams_tenant(&self, _: &str) -> bool {
        false
    }
}
