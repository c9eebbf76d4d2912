use super::*;

fn write(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    std::io::Write::write_all(&mut f, text.as_bytes()).expect("write");
    f
}

#[test]
fn file_values_apply_and_overrides_win() {
    let f = write("data_dir = \"/tmp/x\"\nhttp_addr = \"127.0.0.1:9000\"\n");
    let s = Settings::load(Some(f.path()), Overrides::default()).expect("loads");
    assert_eq!(s.data_dir, PathBuf::from("/tmp/x"));
    assert_eq!(s.http_addr.port(), 9000);
    let s = Settings::load(
        Some(f.path()),
        Overrides {
            data_dir: Some("/tmp/y".into()),
            ..Overrides::default()
        },
    )
    .expect("loads");
    assert_eq!(s.data_dir, PathBuf::from("/tmp/y"));
}

#[test]
fn auth_section_parses_as_documented() {
    let f = write(
        "[auth]\nsupport_agents = [{ platform = \"discord\", user_id = \"123\" }]\n\
         discord_admin_role_ids = [987]\nteams_admins = [[\"tenant\", \"aad\"]]\n",
    );
    let s = Settings::load(Some(f.path()), Overrides::default()).expect("loads");
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
    let e = Settings::load(Some(f.path()), Overrides::default()).expect_err("typo");
    assert!(e.to_string().contains("data_dri"), "{e}");
    let f = write("http_addr = \"nowhere\"\n");
    let e = Settings::load(Some(f.path()), Overrides::default()).expect_err("bad addr");
    assert!(e.to_string().starts_with("http_addr:"), "{e}");
}

#[test]
fn discord_settings_validate_and_never_print_the_token() {
    let f = write(
        "discord_token = \"sekrit-token\"\ndiscord_application_id = \"123\"\n\
         discord_public_key = \"AB\"\n",
    );
    let e = Settings::load(Some(f.path()), Overrides::default()).expect_err("short key");
    assert!(e.to_string().starts_with("discord_public_key:"), "{e}");
    let f = write(&format!(
        "discord_token = \"sekrit-token\"\ndiscord_application_id = \"123\"\n\
         discord_public_key = \"{}\"\ndiscord_register = \"guild:99\"\n",
        "AB".repeat(32)
    ));
    let s = Settings::load(Some(f.path()), Overrides::default()).expect("loads");
    assert_eq!(s.discord.application_id.as_deref(), Some("123"));
    assert_eq!(s.discord.public_key, Some("ab".repeat(32)));
    assert_eq!(s.discord.register, Some(RegisterTarget::Guild("99".into())));
    assert_eq!(s.discord.api_base, DEFAULT_DISCORD_API_BASE);
    assert!(!s.discord.message_content && s.discord.support_channels.is_empty());
    let s = Settings::load(
        None,
        Overrides {
            discord_support_channels: Some("1, 2".into()),
            discord_message_content: Some("true".into()),
            ..Overrides::default()
        },
    )
    .expect("loads");
    assert_eq!(s.discord.support_channels, vec![1, 2]);
    assert!(s.discord.message_content);
    assert!(!format!("{s:?}").contains("sekrit"));
    let e = Settings::load(
        None,
        Overrides {
            discord_register: Some("guild:abc".into()),
            ..Overrides::default()
        },
    )
    .expect_err("bad register");
    assert!(
        e.to_string().starts_with("SUPPORTBOT_DISCORD_REGISTER:"),
        "{e}"
    );
    let s = Settings::load(None, Overrides::default()).expect("defaults");
    assert!(s.discord.token.is_none() && s.discord.public_key.is_none());
    let base = |v: &str| {
        Settings::load(
            None,
            Overrides {
                discord_api_base: Some(v.into()),
                ..Overrides::default()
            },
        )
    };
    let s = base("http://127.0.0.1:8081/api/v10").expect("an origin and the version");
    assert_eq!(s.discord.api_base, "http://127.0.0.1:8081/api/v10");
    let e = base("http://127.0.0.1:8081/discord/api/v10").expect_err("a path");
    assert!(
        e.to_string().starts_with("SUPPORTBOT_DISCORD_API_BASE:"),
        "{e}"
    );
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

#[test]
fn teams_is_off_without_settings_and_env_wins_over_file() {
    let s = Settings::load_with_env(None, Overrides::default(), &with_env(&[])).expect("loads");
    assert!(s.teams.bot.is_none() && s.teams.webhook_key.is_none());

    let f = write(
        "[teams]\napp_id = \"file-app\"\napp_password = \"pw\"\nissuer = \"https://iss.example\"\n",
    );
    let env = with_env(&[
        ("SUPPORTBOT_TEAMS_APP_ID", "env-app"),
        ("SUPPORTBOT_TEAMS_WEBHOOK_SECRET", "dnFGMEVuK1o="),
    ]);
    let s = Settings::load_with_env(Some(f.path()), Overrides::default(), &env).expect("loads");
    let bot = s.teams.bot.as_ref().expect("bot on");
    assert_eq!(bot.app_id, "env-app");
    assert_eq!(bot.issuer, "https://iss.example");
    assert_eq!(bot.token_url, DEFAULT_TEAMS_TOKEN_URL);
    assert_eq!(
        s.teams.webhook_key.as_ref().map(SecretBytes::expose),
        Some(&b"vqF0En+Z"[..])
    );
    let shown = format!("{s:?}");
    assert!(
        !shown.contains("pw\"") && shown.contains("redacted"),
        "{shown}"
    );
}

#[test]
fn bad_teams_settings_name_the_variable() {
    let env = with_env(&[("SUPPORTBOT_TEAMS_WEBHOOK_SECRET", "not base64!")]);
    let e = Settings::load_with_env(None, Overrides::default(), &env).expect_err("bad");
    assert!(
        e.to_string()
            .starts_with("SUPPORTBOT_TEAMS_WEBHOOK_SECRET:"),
        "{e}"
    );
    let env = with_env(&[("SUPPORTBOT_TEAMS_APP_ID", "app")]);
    let e = Settings::load_with_env(None, Overrides::default(), &env).expect_err("half");
    assert!(
        e.to_string().starts_with("SUPPORTBOT_TEAMS_APP_PASSWORD:"),
        "{e}"
    );
}
