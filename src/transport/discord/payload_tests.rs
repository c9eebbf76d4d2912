use super::*;
use crate::model::{Evidence, Platform};
use crate::transport::discord::inbound::parse_permissions;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/discord")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn command(name: &str, options: Value) -> Interaction {
    serde_json::from_value(serde_json::json!({
        "id": "1175928719452839946",
        "type": 2,
        "token": "tok",
        "application_id": "42",
        "guild_id": "7",
        "channel_id": "8",
        "locale": "no",
        "guild_locale": "en-US",
        "member": {
            "user": { "id": "53908232506183680" },
            "roles": ["539082325061836999", "junk"],
            "permissions": "1407374883553279"
        },
        "data": { "name": name, "options": options }
    }))
    .expect("parses")
}

fn message(i: &Interaction) -> Message {
    match i.intake().expect("action") {
        Intake::Handle(inbound) => inbound.message,
        other => panic!("expected a message, got {other:?}"),
    }
}

#[test]
fn the_fixtures_parse_leniently() {
    let ping = Interaction::parse(&fixture("interaction-ping.djs-tests.json")).expect("ping");
    assert!(matches!(ping.intake(), Ok(Intake::Pong)));
    let button =
        Interaction::parse(&fixture("interaction-button-minimal.djs-tests.json")).expect("button");
    assert!(matches!(
        button.intake(),
        Ok(Intake::Notice(Notice::UnknownButton))
    ));
    let docs = Interaction::parse(&fixture(
        "interaction-application-command-with-options.docs.json",
    ))
    .expect("docs command");
    assert!(matches!(
        docs.intake(),
        Ok(Intake::Notice(Notice::UnknownCommand))
    ));
    let frame: Value =
        serde_json::from_slice(&fixture("gateway-interaction-create-command.spacebar.json"))
            .expect("frame");
    let spacebar: Interaction = serde_json::from_value(frame["d"].clone()).expect("spacebar");
    assert_eq!(spacebar.user_id(), Some("1575396591580332069"));
    // The docs' autocomplete example has no `id`; the id is the idempotency
    // key, so it stays required, and the error names it.
    let no_id =
        Interaction::parse(&fixture("interaction-autocomplete.docs.json")).expect_err("no id");
    assert!(no_id.to_string().contains("`id`"), "{no_id}");
    for name in [
        "interaction-user-command.docs.json",
        "interaction-message-command.docs.json",
    ] {
        Interaction::parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn identity_comes_from_the_member_with_big_permission_strings() {
    let i = command("why", Value::Array(Vec::new()));
    let Intake::Handle(inbound) = i.intake().expect("action") else {
        panic!("expected handle");
    };
    assert_eq!(inbound.event_id, "1175928719452839946");
    assert_eq!(inbound.identity.platform, Platform::Discord);
    assert_eq!(inbound.identity.user_id, "53908232506183680");
    assert_eq!(inbound.identity.scope.as_deref(), Some("7"));
    assert_eq!(
        inbound.identity.evidence,
        Evidence::Discord {
            permissions: 1_407_374_883_553_279,
            role_ids: vec![539_082_325_061_836_999],
        }
    );
    assert_eq!(inbound.locales, vec!["no".to_owned(), "en-US".to_owned()]);
    assert_eq!(inbound.conversation, "8");
    assert_eq!(inbound.received_at.format("%Y").to_string(), "2023");
    assert_eq!(parse_permissions("not a number"), 0);
    assert_eq!(
        parse_permissions("340282366920938463463374607431768211455"),
        u64::MAX
    );
}

#[test]
fn every_command_maps_to_its_message() {
    let s = |v: &str| serde_json::json!([{ "name": "subscription", "type": 3, "value": v }]);
    let a = |v: &str| serde_json::json!([{ "name": "account", "type": 3, "value": v }]);
    let none = Value::Array(Vec::new());
    let cases = [
        (command("help", none.clone()), Message::Help { topic: None }),
        (
            command(
                "help",
                serde_json::json!([{ "name": "topic", "value": "refund" }]),
            ),
            Message::Help {
                topic: Some("refund".into()),
            },
        ),
        (command("why", none.clone()), Message::Why),
        (
            command(
                "subscription",
                serde_json::json!([{ "name": "status", "type": 1, "options": a("ACME")}]),
            ),
            Message::Command(Command::Status {
                account: Some("ACME".into()),
            }),
        ),
        (
            command("cancel", s("SUB-1")),
            Message::Command(Command::Cancel {
                subscription: "SUB-1".into(),
            }),
        ),
        (
            command("refund", s("SUB-1")),
            Message::Command(Command::Refund {
                subscription: "SUB-1".into(),
            }),
        ),
        (
            command("reactivate", s("SUB-1")),
            Message::Command(Command::Reactivate {
                subscription: "SUB-1".into(),
            }),
        ),
        (
            command("close-account", a("ACME")),
            Message::Command(Command::CloseAccount {
                account: "ACME".into(),
            }),
        ),
        (
            command("export", none.clone()),
            Message::Command(Command::Export { account: None }),
        ),
    ];
    for (interaction, expected) in cases {
        assert_eq!(message(&interaction), expected);
    }
    assert!(matches!(
        command("cancel", none).intake(),
        Ok(Intake::Notice(Notice::MissingOption))
    ));
}

#[test]
fn handoff_subcommands_carry_the_ticket() {
    use crate::model::{AgentAction, AgentCommand};
    let sub = |name: &str, options: Value| serde_json::json!([{ "name": name, "type": 1, "options": options }]);
    let ticket = serde_json::json!([{ "name": "ticket", "type": 4, "value": 3 }]);
    for (name, action) in [
        ("claim", AgentAction::Claim),
        ("resolve", AgentAction::Resolve),
        ("release", AgentAction::Release),
    ] {
        assert_eq!(
            message(&command("handoff", sub(name, ticket.clone()))),
            Message::Agent(AgentCommand {
                action,
                ticket: "3".into(),
            })
        );
    }
    assert!(matches!(
        command("handoff", sub("claim", Value::Array(Vec::new()))).intake(),
        Ok(Intake::Notice(Notice::MissingOption))
    ));
    assert!(matches!(
        command("handoff", sub("steal", ticket)).intake(),
        Ok(Intake::Notice(Notice::UnknownCommand))
    ));
    assert!(matches!(
        command("handoff", Value::Array(Vec::new())).intake(),
        Ok(Intake::Notice(Notice::UnknownCommand))
    ));
}

#[test]
fn buttons_and_modals_carry_the_token() {
    let component = |id: &str| -> Interaction {
        serde_json::from_value(serde_json::json!({
            "id": "1", "type": 3, "token": "t", "user": { "id": "5" },
            "data": { "custom_id": id, "component_type": 2 }
        }))
        .expect("parses")
    };
    assert_eq!(
        message(&component("confirm:abc")),
        Message::Command(Command::Confirm {
            token: "abc".into(),
            typed: None
        })
    );
    assert_eq!(
        message(&component("dismiss:abc")),
        Message::Command(Command::Dismiss {
            token: "abc".into()
        })
    );
    assert_eq!(message(&component("choice:2")), Message::Text("2".into()));
    assert!(matches!(
        component("confirm-typed:abc").intake(),
        Ok(Intake::AskAccount { token }) if token == "abc"
    ));
    let modal: Interaction = serde_json::from_value(serde_json::json!({
        "id": "1", "type": 5, "token": "t", "user": { "id": "5" },
        "data": { "custom_id": "confirm-typed:abc", "components": [
            { "type": 1, "components": [{ "type": 4, "custom_id": "account", "value": "ACME" }] }
        ]}
    }))
    .expect("parses");
    assert_eq!(
        message(&modal),
        Message::Command(Command::Confirm {
            token: "abc".into(),
            typed: Some("ACME".into())
        })
    );
    let dm = component("confirm:abc");
    let Intake::Handle(inbound) = dm.intake().expect("action") else {
        panic!("handle");
    };
    assert_eq!(inbound.identity.scope, None);
    assert_eq!(
        inbound.identity.evidence,
        Evidence::Discord {
            permissions: 0,
            role_ids: Vec::new()
        }
    );
    assert_eq!(inbound.conversation, "dm:5");
}

#[test]
fn bad_payloads_are_named() {
    assert!(matches!(
        Interaction::parse(b"{not json"),
        Err(PayloadError::Malformed(_))
    ));
    let unknown: Interaction =
        serde_json::from_value(serde_json::json!({ "id": "1", "type": 42 })).expect("parses");
    assert!(matches!(
        unknown.intake(),
        Err(PayloadError::UnknownType(42))
    ));
    let no_data: Interaction =
        serde_json::from_value(serde_json::json!({ "id": "1", "type": 2, "user": {"id": "1"} }))
            .expect("parses");
    assert!(matches!(no_data.intake(), Err(PayloadError::Malformed(_))));
}
