use super::*;

const GUILD: u64 = 111;
const TENANT: &str = "72F988BF-86F1-41AF-91AB-2D7CD011DB47";

/// An account as auth sees it: its id and bound scopes.
struct Bound {
    id: AccountId,
    discord_guild_ids: Vec<u64>,
    teams_tenant_ids: Vec<String>,
}

impl BoundScopes for Bound {
    fn account_id(&self) -> &AccountId {
        &self.id
    }

    fn has_discord_guild(&self, guild: &str) -> bool {
        guild
            .parse::<u64>()
            .is_ok_and(|g| self.discord_guild_ids.contains(&g))
    }

    fn has_teams_tenant(&self, tenant: &str) -> bool {
        self.teams_tenant_ids
            .iter()
            .any(|t| t.eq_ignore_ascii_case(tenant))
    }
}

fn account() -> Bound {
    Bound {
        id: AccountId::parse("contoso").expect("id"),
        discord_guild_ids: vec![GUILD],
        teams_tenant_ids: vec![TENANT.to_ascii_lowercase()],
    }
}

fn cfg() -> AuthConfig {
    AuthConfig {
        support_agents: vec![UserKey {
            platform: Platform::Discord,
            user_id: "999".into(),
        }],
        discord_admin_role_ids: vec![42],
        teams_admins: vec![(TENANT.into(), "aad-admin".into())],
    }
}

fn discord(user: &str, guild: Option<u64>, permissions: u64, roles: &[u64]) -> Identity {
    Identity {
        platform: Platform::Discord,
        user_id: user.into(),
        scope: guild.map(|g| g.to_string()),
        evidence: Evidence::Discord {
            permissions,
            role_ids: roles.to_vec(),
        },
    }
}

fn teams(aad: Option<&str>, tenant: Option<&str>) -> Identity {
    Identity {
        platform: Platform::Teams,
        user_id: aad.unwrap_or("x").into(),
        scope: tenant.map(str::to_owned),
        evidence: Evidence::Teams {
            aad_object_id: aad.map(str::to_owned),
        },
    }
}

fn outcome(id: &Identity) -> Result<AdminRole, DenyReason> {
    authorize(id, &account(), &cfg())
        .map(|v| v.role())
        .map_err(|d| d.reason)
}

#[test]
fn authorization_table() {
    use AdminRole::*;
    use DenyReason::*;
    let cli = Identity {
        platform: Platform::Cli,
        user_id: "operator".into(),
        scope: None,
        evidence: Evidence::LocalOperator,
    };
    let webhook = Identity {
        platform: Platform::TeamsWebhook,
        user_id: "someone".into(),
        scope: Some(TENANT.into()),
        evidence: Evidence::Unverified,
    };
    let web = Identity {
        platform: Platform::Web,
        user_id: "v-1".into(),
        scope: None,
        evidence: Evidence::Unverified,
    };
    let forged_cli = Identity {
        platform: Platform::Discord,
        evidence: Evidence::LocalOperator,
        ..cli.clone()
    };
    let cases: Vec<(&str, Identity, Result<AdminRole, DenyReason>)> = vec![
        ("cli operator", cli, Ok(SupportAgent)),
        (
            "support agent in DM",
            discord("999", None, 0, &[]),
            Ok(SupportAgent),
        ),
        (
            "support agent in another guild",
            discord("999", Some(5), 0, &[]),
            Ok(SupportAgent),
        ),
        (
            "discord ADMINISTRATOR",
            discord("1", Some(GUILD), DISCORD_ADMINISTRATOR, &[]),
            Ok(AccountAdmin),
        ),
        (
            "discord MANAGE_GUILD",
            discord("1", Some(GUILD), DISCORD_MANAGE_GUILD, &[]),
            Ok(AccountAdmin),
        ),
        (
            "discord admin role",
            discord("1", Some(GUILD), 0, &[7, 42]),
            Ok(AccountAdmin),
        ),
        (
            "discord other perms",
            discord("1", Some(GUILD), 1 << 13, &[7]),
            Err(NotAdmin),
        ),
        (
            "discord admin in DM",
            discord("1", None, DISCORD_ADMINISTRATOR, &[]),
            Err(DirectMessage),
        ),
        (
            "discord admin, unbound guild",
            discord("1", Some(222), DISCORD_ADMINISTRATOR, &[]),
            Err(ScopeNotBound),
        ),
        (
            "discord garbage guild id",
            discord("1", None, DISCORD_ADMINISTRATOR, &[]),
            Err(DirectMessage),
        ),
        (
            "teams admin (GUID case-insensitive)",
            teams(Some("aad-admin"), Some(TENANT)),
            Ok(AccountAdmin),
        ),
        (
            "teams non-admin",
            teams(Some("aad-user"), Some(TENANT)),
            Err(NotAdmin),
        ),
        (
            "teams without aad id",
            teams(None, Some(TENANT)),
            Err(NotAdmin),
        ),
        (
            "teams admin, no tenant",
            teams(Some("aad-admin"), None),
            Err(DirectMessage),
        ),
        ("teams outgoing webhook", webhook, Err(Unverified)),
        ("web chat visitor", web, Err(Unverified)),
        (
            "evidence from another platform",
            forged_cli,
            Err(EvidenceMismatch),
        ),
    ];
    for (name, id, want) in cases {
        assert_eq!(outcome(&id), want, "{name}");
    }
}

#[test]
fn teams_admin_of_unbound_tenant_is_refused() {
    let mut c = cfg();
    c.teams_admins
        .push(("other-tenant".into(), "aad-admin".into()));
    let id = teams(Some("aad-admin"), Some("other-tenant"));
    assert_eq!(
        authorize(&id, &account(), &c).map_err(|d| d.reason),
        Err(DenyReason::ScopeNotBound)
    );
}

#[test]
fn verified_admin_carries_who_and_where() {
    let admin = authorize(
        &discord("1", Some(GUILD), DISCORD_ADMINISTRATOR, &[]),
        &account(),
        &cfg(),
    )
    .expect("admin");
    assert_eq!(admin.account().as_str(), "contoso");
    assert_eq!(admin.user().to_string(), "discord:1");
}

#[test]
fn readers_and_operators() {
    let member = discord("5", Some(GUILD), 0, &[]);
    assert_eq!(authorize_read(&member, &account(), &cfg()), Ok(Role::User));
    let stranger = discord("5", Some(222), 0, &[]);
    assert!(authorize_read(&stranger, &account(), &cfg()).is_err());
    let dm = discord("5", None, 0, &[]);
    assert_eq!(
        authorize_read(&dm, &account(), &cfg()).map_err(|d| d.reason),
        Err(DenyReason::DirectMessage)
    );
    let admin = discord("1", Some(GUILD), DISCORD_ADMINISTRATOR, &[]);
    assert_eq!(
        authorize_read(&admin, &account(), &cfg()),
        Ok(Role::AccountAdmin)
    );

    assert!(authorize_operator(&discord("999", None, 0, &[]), &cfg()).is_ok());
    assert!(
        authorize_operator(&admin, &cfg()).is_err(),
        "a guild admin is not an operator"
    );
    let msg = authorize_operator(&admin, &cfg())
        .err()
        .map(|d| d.to_string())
        .unwrap_or_default();
    assert!(msg.contains("administrator"), "{msg}");
}

#[test]
fn an_unverified_sender_in_a_bound_tenant_reads_nothing() {
    let webhook = Identity {
        platform: Platform::TeamsWebhook,
        user_id: "aad-admin".into(),
        scope: Some(TENANT.to_ascii_lowercase()),
        evidence: Evidence::Unverified,
    };
    assert_eq!(
        authorize_read(&webhook, &account(), &cfg()).map_err(|d| d.reason),
        Err(DenyReason::Unverified)
    );
    assert!(anonymous_refusal(&webhook).is_some());
    // A web visitor, even one whose (forged) evidence claims to be the
    // local operator, is anonymous.
    let visitor = Identity {
        platform: Platform::Web,
        user_id: "operator".into(),
        scope: Some(TENANT.into()),
        evidence: Evidence::LocalOperator,
    };
    assert!(anonymous_refusal(&visitor).is_some());
    assert!(authorize_read(&visitor, &account(), &cfg()).is_err());
    assert!(authorize_operator(&visitor, &cfg()).is_err());
    assert!(anonymous_refusal(&teams(Some("aad-admin"), Some(TENANT))).is_none());
}

#[test]
fn a_missing_account_is_refused_as_one_that_is_not_yours() {
    let outsider = discord("1", Some(222), DISCORD_ADMINISTRATOR, &[]);
    let real = authorize(&outsider, &account(), &cfg()).map_err(|d| d.reason);
    assert_eq!(
        unbound_refusal(&outsider, &cfg()).map(|d| d.reason),
        real.err()
    );
    let dm = discord("1", None, 0, &[]);
    assert_eq!(
        unbound_refusal(&dm, &cfg()).map(|d| d.reason),
        Some(DenyReason::DirectMessage)
    );
    assert_eq!(
        unbound_refusal(&discord("999", None, 0, &[]), &cfg()),
        None,
        "a support agent may learn that an account is missing"
    );
}
