use secrecy::ExposeSecret;

use super::*;

fn write(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    std::io::Write::write_all(&mut f, text.as_bytes()).expect("write");
    f
}

fn with_env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

/// Loads with `env` as the whole environment and no flags.
fn load_env(config: Option<&Path>, env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    Settings::load_with_env(config, Flags::default(), &with_env(env))
}

/// A valid Ed25519 public key, as hex.
fn public_key_hex() -> String {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
    hex::encode_upper(key.as_bytes())
}

#[test]
fn file_values_apply_and_env_then_flags_win() {
    let f = write("data_dir = \"/tmp/x\"\nhttp_addr = \"127.0.0.1:9000\"\n");
    let s = load_env(Some(f.path()), &[]).expect("loads");
    assert_eq!(s.data_dir, PathBuf::from("/tmp/x"));
    assert_eq!(s.http_addr.port(), 9000);
    let s = load_env(Some(f.path()), &[("SUPPORTBOT_DATA_DIR", "/tmp/env")]).expect("loads");
    assert_eq!(s.data_dir, PathBuf::from("/tmp/env"));
    let s = Settings::load_with_env(
        Some(f.path()),
        Flags {
            data_dir: Some("/tmp/y".into()),
            ..Flags::default()
        },
        &with_env(&[("SUPPORTBOT_DATA_DIR", "/tmp/env")]),
    )
    .expect("loads");
    assert_eq!(s.data_dir, PathBuf::from("/tmp/y"));
    assert_eq!(env_name("teams.app_id"), "SUPPORTBOT_TEAMS_APP_ID");
}

#[test]
fn auth_section_parses_as_documented() {
    let f = write(
        "[auth]\nsupport_agents = [{ platform = \"discord\", user_id = \"123\" }]\n\
         discord_admin_role_ids = [987]\nteams_admins = [[\"tenant\", \"aad\"]]\n",
    );
    let s = load_env(Some(f.path()), &[]).expect("loads");
    assert_eq!(s.auth.discord_admin_role_ids, vec![987]);
    assert_eq!(s.auth.support_agents.len(), 1);
    assert_eq!(
        s.auth.teams_admins,
        vec![("tenant".to_owned(), "aad".to_owned())]
    );
}

#[test]
fn unknown_keys_and_bad_values_are_named() {
    let f = write("data_dri = \"x\"\n");
    let e = load_env(Some(f.path()), &[]).expect_err("typo");
    assert!(e.to_string().contains("data_dri"), "{e}");
    let f = write("http_addr = \"nowhere\"\n");
    let e = load_env(Some(f.path()), &[]).expect_err("bad addr");
    assert!(e.to_string().starts_with("http_addr:"), "{e}");
    let e = load_env(None, &[("SUPPORTBOT_HTTP_ADDR", "nowhere")]).expect_err("bad addr");
    assert!(e.to_string().starts_with("SUPPORTBOT_HTTP_ADDR:"), "{e}");
}

#[test]
fn discord_settings_validate_and_never_print_the_token() {
    let f = write(
        "discord_token = \"sekrit-token\"\ndiscord_application_id = \"123\"\n\
         discord_public_key = \"AB\"\n",
    );
    let e = load_env(Some(f.path()), &[]).expect_err("short key");
    assert!(e.to_string().starts_with("discord_public_key:"), "{e}");
    let f = write(&format!(
        "discord_token = \"sekrit-token\"\ndiscord_application_id = \"123\"\n\
         discord_public_key = \"{}\"\ndiscord_register = \"guild:99\"\n",
        public_key_hex()
    ));
    let s = load_env(Some(f.path()), &[]).expect("loads");
    assert_eq!(s.discord.application_id.as_deref(), Some("123"));
    assert_eq!(
        s.discord
            .public_key
            .map(|k| hex::encode_upper(k.as_bytes())),
        Some(public_key_hex())
    );
    assert_eq!(
        s.discord.token.as_ref().map(|t| t.expose_secret()),
        Some("sekrit-token")
    );
    assert_eq!(s.discord.register, Some(RegisterTarget::Guild("99".into())));
    assert_eq!(s.discord.api_base.as_str(), DEFAULT_DISCORD_API_BASE);
    assert_eq!(s.discord.api_base.proxy(), None);
    assert!(!s.discord.message_content && s.discord.support_channels.is_empty());
    let s = load_env(
        None,
        &[
            ("SUPPORTBOT_DISCORD_SUPPORT_CHANNELS", "1, 2"),
            ("SUPPORTBOT_DISCORD_MESSAGE_CONTENT", "true"),
        ],
    )
    .expect("loads");
    assert_eq!(s.discord.support_channels, vec![1, 2]);
    assert!(s.discord.message_content);
    assert!(!format!("{s:?}").contains("sekrit"));
    let e =
        load_env(None, &[("SUPPORTBOT_DISCORD_REGISTER", "guild:abc")]).expect_err("bad register");
    assert!(
        e.to_string().starts_with("SUPPORTBOT_DISCORD_REGISTER:"),
        "{e}"
    );
    let s = load_env(None, &[]).expect("defaults");
    assert!(s.discord.token.is_none() && s.discord.public_key.is_none());
    let base = |v: &str| load_env(None, &[("SUPPORTBOT_DISCORD_API_BASE", v)]);
    let s = base("http://127.0.0.1:8081/api/v10").expect("an origin and the version");
    assert_eq!(s.discord.api_base.as_str(), "http://127.0.0.1:8081/api/v10");
    assert_eq!(s.discord.api_base.proxy(), Some("http://127.0.0.1:8081"));
    let e = base("http://127.0.0.1:8081/discord/api/v10").expect_err("a path");
    assert!(
        e.to_string().starts_with("SUPPORTBOT_DISCORD_API_BASE:"),
        "{e}"
    );
}

#[test]
fn public_keys_must_be_32_bytes_of_hex() {
    for bad in ["zz", "abcd", &"zz".repeat(32)] {
        let e = load_env(None, &[("SUPPORTBOT_DISCORD_PUBLIC_KEY", bad)]).expect_err(bad);
        assert!(
            e.to_string().starts_with("SUPPORTBOT_DISCORD_PUBLIC_KEY:"),
            "{e}"
        );
    }
    let hex = public_key_hex().to_ascii_lowercase();
    let s = load_env(None, &[("SUPPORTBOT_DISCORD_PUBLIC_KEY", &hex)]).expect("valid");
    assert_eq!(
        s.discord.public_key.map(|k| hex::encode(k.as_bytes())),
        Some(hex)
    );
}

#[test]
fn api_bases_are_origins_with_or_without_the_version_path() {
    assert_eq!(proxy_origin(DEFAULT_DISCORD_API_BASE).expect("valid"), None);
    assert_eq!(proxy_origin("https://discord.com/").expect("valid"), None);
    assert_eq!(
        proxy_origin("http://127.0.0.1:8081/api/v10/").expect("valid"),
        Some("http://127.0.0.1:8081".to_owned())
    );
    assert_eq!(
        proxy_origin("http://proxy.internal").expect("valid"),
        Some("http://proxy.internal".to_owned())
    );
    for bad in [
        "",
        "discord.com/api/v10",
        "https://discord.com/api/v9",
        "http://127.0.0.1:8081/prefix/api/v10",
        "ftp://example.com",
        "http://",
    ] {
        assert!(proxy_origin(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn teams_is_off_without_settings_and_env_wins_over_file() {
    let s = load_env(None, &[]).expect("loads");
    assert!(s.teams.bot.is_none() && s.teams.webhook_key.is_none());

    let f = write(
        "[teams]\napp_id = \"file-app\"\napp_password = \"pw\"\nissuer = \"https://iss.example\"\n",
    );
    let s = load_env(
        Some(f.path()),
        &[
            ("SUPPORTBOT_TEAMS_APP_ID", "env-app"),
            ("SUPPORTBOT_TEAMS_WEBHOOK_SECRET", "dnFGMEVuK1o="),
        ],
    )
    .expect("loads");
    let bot = s.teams.bot.as_ref().expect("bot on");
    assert_eq!(bot.app_id, "env-app");
    assert_eq!(bot.app_password.expose_secret(), "pw");
    assert_eq!(bot.issuer, "https://iss.example");
    assert_eq!(bot.token_url, DEFAULT_TEAMS_TOKEN_URL);
    assert_eq!(
        s.teams.webhook_key.as_ref().map(|k| k.expose_secret()),
        Some(&b"vqF0En+Z"[..])
    );
    let shown = format!("{s:?}");
    assert!(
        !shown.contains("pw\"") && shown.contains("REDACTED"),
        "{shown}"
    );
}

#[test]
fn bad_teams_settings_name_the_variable() {
    let e = load_env(None, &[("SUPPORTBOT_TEAMS_WEBHOOK_SECRET", "not base64!")]).expect_err("bad");
    assert!(
        e.to_string()
            .starts_with("SUPPORTBOT_TEAMS_WEBHOOK_SECRET:"),
        "{e}"
    );
    let e = load_env(None, &[("SUPPORTBOT_TEAMS_APP_ID", "app")]).expect_err("half");
    assert!(
        e.to_string().starts_with("SUPPORTBOT_TEAMS_APP_PASSWORD:"),
        "{e}"
    );
}

#[test]
fn handoff_settings_come_from_file_and_env_and_reject_zero() {
    let f = write("handoff_after_misses = \"3\"\nhandoff_hours = \"Mon-Fri 08-16\"\n");
    let s = load_env(
        Some(f.path()),
        &[("SUPPORTBOT_HANDOFF_TIMEOUT_HOURS", "48")],
    )
    .expect("loads");
    assert_eq!(s.handoff.misses, 3);
    assert_eq!(s.handoff.timeout_hours(), 48);
    assert_eq!(s.handoff.hours, "Mon-Fri 08-16");
    let defaults = load_env(None, &[]).expect("loads");
    assert_eq!(defaults.handoff, crate::handoff::HandoffPolicy::default());
    let zero = load_env(None, &[("SUPPORTBOT_HANDOFF_AFTER_MISSES", "0")]);
    assert!(
        matches!(zero, Err(ConfigError::Invalid { ref key, .. }) if key == "SUPPORTBOT_HANDOFF_AFTER_MISSES"),
        "{zero:?}"
    );
}

#[test]
fn record_retention_comes_from_file_or_env_and_defaults_to_30_days() {
    let defaults = load_env(None, &[]).expect("loads");
    assert_eq!(defaults.record.retention, chrono::TimeDelta::days(30));
    let f = write("record_retention_days = \"7\"\n");
    let s = load_env(Some(f.path()), &[]).expect("loads");
    assert_eq!(s.record.retention, chrono::TimeDelta::days(7));
    let s = load_env(
        Some(f.path()),
        &[("SUPPORTBOT_RECORD_RETENTION_DAYS", "90")],
    )
    .expect("env wins");
    assert_eq!(s.record.retention, chrono::TimeDelta::days(90));
    let zero = load_env(None, &[("SUPPORTBOT_RECORD_RETENTION_DAYS", "0")]);
    assert!(
        matches!(zero, Err(ConfigError::Invalid { ref key, .. }) if key == "SUPPORTBOT_RECORD_RETENTION_DAYS"),
        "{zero:?}"
    );
}

#[test]
fn agent_settings_build_the_roster() {
    let f = write("discord_support_channel_id = \"1575396591760687300\"\ndiscord_agent_ids = \"11, 12\"\n[teams]\napp_id = \"a\"\napp_password = \"p\"\nagent_ids = \"AAD-1\"\nagents_conversation_id = \"19:agents@thread.tacv2\"\nagents_service_url = \"https://smba.trafficmanager.net/emea/\"\n");
    let s = load_env(
        Some(f.path()),
        &[("SUPPORTBOT_DISCORD_SUPPORT_ROLE_ID", "77")],
    )
    .expect("loads");
    assert_eq!(
        s.discord.support_channel_id,
        Some(1_575_396_591_760_687_300)
    );
    assert_eq!(s.discord.support_role_id, Some(77));
    let roster = s.agent_roster();
    assert_eq!(roster.discord_roles, [77]);
    let agents: Vec<String> = roster.agents.iter().map(ToString::to_string).collect();
    assert_eq!(agents, ["discord:11", "discord:12", "teams:aad-1"]);
    let bot = s.teams.bot.as_ref().expect("bot");
    assert_eq!(
        bot.agents.as_ref().map(|a| a.conversation_id.as_str()),
        Some("19:agents@thread.tacv2")
    );
    for (key, value) in [
        ("SUPPORTBOT_DISCORD_SUPPORT_ROLE_ID", "role"),
        ("SUPPORTBOT_DISCORD_SUPPORT_CHANNEL_ID", "0"),
        ("SUPPORTBOT_DISCORD_AGENT_IDS", "11,x"),
    ] {
        let e = load_env(None, &[(key, value)]).expect_err(key);
        assert!(e.to_string().starts_with(key), "{e}");
    }
    let half = load_env(
        None,
        &[
            ("SUPPORTBOT_TEAMS_APP_ID", "a"),
            ("SUPPORTBOT_TEAMS_APP_PASSWORD", "p"),
            ("SUPPORTBOT_TEAMS_AGENTS_CONVERSATION_ID", "19:x"),
        ],
    )
    .expect_err("needs the service URL");
    assert!(
        half.to_string()
            .starts_with("SUPPORTBOT_TEAMS_AGENTS_SERVICE_URL"),
        "{half}"
    );
}

#[test]
fn the_database_url_comes_from_env_or_file_and_is_never_shown() {
    use secrecy::ExposeSecret;
    let s = load_env(None, &[]).expect("defaults");
    assert!(s.database_url.is_none(), "sled by default");
    let f = write("database_url = \"postgres://bot:pw1@db/support\"\n");
    let s = load_env(Some(f.path()), &[]).expect("file");
    assert_eq!(
        s.database_url
            .as_ref()
            .map(|u| u.expose_secret().to_owned()),
        Some("postgres://bot:pw1@db/support".to_owned())
    );
    let s = load_env(
        Some(f.path()),
        &[("SUPPORTBOT_DATABASE_URL", "postgresql://bot:pw2@db2/s")],
    )
    .expect("env wins");
    let url = s
        .database_url
        .as_ref()
        .map(|u| u.expose_secret().to_owned());
    assert_eq!(url.as_deref(), Some("postgresql://bot:pw2@db2/s"));
    assert!(!format!("{s:?}").contains("pw2"), "Debug redacts it");
    let e = load_env(None, &[("SUPPORTBOT_DATABASE_URL", "mysql://u:pw3@h/d")])
        .expect_err("not postgres");
    let text = e.to_string();
    assert!(text.starts_with("SUPPORTBOT_DATABASE_URL:"), "{text}");
    assert!(!text.contains("pw3"), "{text}");
}

#[test]
fn shard_ranges_come_from_flags_env_or_file_and_are_checked_against_the_total() {
    let none = load_env(None, &[]).expect("loads");
    assert_eq!(none.discord.shards, None, "no sharding settings: as before");
    let f = write("discord_shards = \"4-7\"\ndiscord_total_shards = 8\n");
    let file = load_env(Some(f.path()), &[]).expect("loads");
    assert_eq!(
        file.discord.shards,
        Some(ShardRange {
            first: 4,
            last: 7,
            total: 8
        })
    );
    let env = load_env(
        Some(f.path()),
        &[
            ("SUPPORTBOT_DISCORD_SHARDS", "2"),
            ("SUPPORTBOT_DISCORD_TOTAL_SHARDS", "3"),
        ],
    )
    .expect("loads");
    assert_eq!(
        env.discord.shards.map(|r| (r.first, r.last, r.total)),
        Some((2, 2, 3))
    );
    let flags = Settings::load_with_env(
        Some(f.path()),
        Flags {
            discord_shards: Some("0-3".into()),
            ..Flags::default()
        },
        &with_env(&[]),
    )
    .expect("loads");
    assert_eq!(flags.discord.shards.map(|r| r.count()), Some(4));
    let all = load_env(None, &[("SUPPORTBOT_DISCORD_TOTAL_SHARDS", "2")]).expect("loads");
    assert_eq!(all.discord.shards.map(|r| (r.first, r.last)), Some((0, 1)));

    let err = |env: &[(&str, &str)]| load_env(None, env).expect_err("refused").to_string();
    let outside = err(&[
        ("SUPPORTBOT_DISCORD_SHARDS", "4-8"),
        ("SUPPORTBOT_DISCORD_TOTAL_SHARDS", "8"),
    ]);
    assert!(
        outside.starts_with("SUPPORTBOT_DISCORD_SHARDS:")
            && outside.contains("outside the 8 shards"),
        "{outside}"
    );
    let alone = err(&[("SUPPORTBOT_DISCORD_SHARDS", "0-3")]);
    assert!(alone.contains("SUPPORTBOT_DISCORD_TOTAL_SHARDS"), "{alone}");
    let reversed = err(&[
        ("SUPPORTBOT_DISCORD_SHARDS", "3-1"),
        ("SUPPORTBOT_DISCORD_TOTAL_SHARDS", "8"),
    ]);
    assert!(reversed.contains("comes after"), "{reversed}");
    let garbage = err(&[
        ("SUPPORTBOT_DISCORD_SHARDS", "a-b"),
        ("SUPPORTBOT_DISCORD_TOTAL_SHARDS", "8"),
    ]);
    assert!(garbage.contains("not a shard range"), "{garbage}");
    let zero = err(&[("SUPPORTBOT_DISCORD_TOTAL_SHARDS", "0")]);
    assert!(
        zero.starts_with("SUPPORTBOT_DISCORD_TOTAL_SHARDS:"),
        "{zero}"
    );
}
