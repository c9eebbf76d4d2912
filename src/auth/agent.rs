//! Who may act on handoff tickets: the CLI operator, members of a configured
//! Discord support role, and configured agent ids (Discord user ids, Teams
//! `aadObjectId`s). Decided from signed evidence only; the Teams outgoing
//! webhook (unverified) never qualifies.

use super::{check_evidence, Denied, DenyReason, UserKey};
use crate::model::{Evidence, Identity, Platform};

/// The support agents, read once at start-up from the platform settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentRoster {
    /// Discord roles whose members are agents (`discord_support_role_id`).
    pub discord_roles: Vec<u64>,
    /// Individual agents: `discord:<user id>` or `teams:<aadObjectId>`.
    pub agents: Vec<UserKey>,
}

impl AgentRoster {
    /// Whether anyone on a platform other than the CLI can act.
    pub fn is_empty(&self) -> bool {
        self.discord_roles.is_empty() && self.agents.is_empty()
    }
}

/// Proof that a signed identity is a support agent. Only
/// [`authorize_agent`] builds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAgent {
    user: UserKey,
}

impl VerifiedAgent {
    /// Who was verified.
    pub fn user(&self) -> &UserKey {
        &self.user
    }
}

/// Decides whether `identity` may claim, resolve or release tickets.
///
/// The CLI operator may; a Discord member whose signed roles include a
/// support role may; a Discord user or Teams user (by `aadObjectId`, which
/// the JWT-verified activity carries) listed as an agent may. Nobody else,
/// and the refusal says nothing about why.
pub fn authorize_agent(identity: &Identity, roster: &AgentRoster) -> Result<VerifiedAgent, Denied> {
    check_evidence(identity)?;
    let listed = |user_id: &str| {
        roster
            .agents
            .iter()
            .any(|a| a.platform == identity.platform && a.user_id.eq_ignore_ascii_case(user_id))
    };
    let ok = match (&identity.platform, &identity.evidence) {
        (Platform::Cli, Evidence::LocalOperator) => true,
        (Platform::Console, Evidence::ConsoleAgent | Evidence::ConsoleAdmin) => true,
        (Platform::Discord, Evidence::Discord { role_ids, .. }) => {
            role_ids.iter().any(|r| roster.discord_roles.contains(r)) || listed(&identity.user_id)
        }
        (Platform::Teams, Evidence::Teams { aad_object_id }) => aad_object_id
            .as_deref()
            .is_some_and(|a| !a.is_empty() && listed(a)),
        _ => false,
    };
    if ok {
        Ok(VerifiedAgent {
            user: UserKey::of(identity),
        })
    } else {
        Err(Denied::new(DenyReason::NotAdmin))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn discord(user: &str, roles: Vec<u64>) -> Identity {
        Identity {
            platform: Platform::Discord,
            user_id: user.into(),
            scope: Some("1".into()),
            evidence: Evidence::Discord {
                permissions: u64::MAX,
                role_ids: roles,
            },
        }
    }

    fn roster() -> AgentRoster {
        AgentRoster {
            discord_roles: vec![77],
            agents: vec![
                UserKey {
                    platform: Platform::Discord,
                    user_id: "500".into(),
                },
                UserKey {
                    platform: Platform::Teams,
                    user_id: "AAD-1".into(),
                },
            ],
        }
    }

    #[test]
    fn support_role_or_listed_id_only() {
        let r = roster();
        assert!(authorize_agent(&discord("1", vec![5, 77]), &r).is_ok());
        assert!(authorize_agent(&discord("500", vec![]), &r).is_ok());
        // Administrator permissions are not agent powers.
        assert!(authorize_agent(&discord("2", vec![5]), &r).is_err());
        assert!(authorize_agent(&Identity::local_operator(), &r).is_ok());
    }

    #[test]
    fn teams_needs_a_listed_aad_object_id_and_the_webhook_never_qualifies() {
        let r = roster();
        let teams = |aad: Option<&str>| Identity {
            platform: Platform::Teams,
            // The Teams user id is not what is listed: only the Entra id is.
            user_id: "AAD-1".into(),
            scope: Some("tenant".into()),
            evidence: Evidence::Teams {
                aad_object_id: aad.map(str::to_owned),
            },
        };
        assert!(authorize_agent(&teams(Some("aad-1")), &r).is_ok());
        assert!(authorize_agent(&teams(Some("aad-2")), &r).is_err());
        assert!(authorize_agent(&teams(None), &r).is_err());
        let webhook = Identity {
            platform: Platform::TeamsWebhook,
            user_id: "AAD-1".into(),
            scope: None,
            evidence: Evidence::Unverified,
        };
        assert!(authorize_agent(&webhook, &r).is_err());
        let visitor = Identity {
            platform: Platform::Web,
            ..webhook
        };
        assert!(authorize_agent(&visitor, &r).is_err());
    }
}
