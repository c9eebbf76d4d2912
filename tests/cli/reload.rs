//! Live reload: a new rule set replaces the old one only when it is complete
//! and valid; otherwise the running set stays.

use supportbot::knowledge::KnowledgeSource;
use supportbot::source::Origin;
use supportbot::{Bot, Identity, Inbound, Knowledge, Message};

fn inbound(text: &str) -> Inbound {
    Inbound {
        event_id: "test-1".into(),
        identity: Identity::local_operator(),
        conversation: "test".into(),
        locales: Vec::new(),
        message: Message::Text(text.into()),
        received_at: chrono::Utc::now(),
    }
}

#[tokio::test]
async fn a_valid_edit_is_swapped_in_and_a_broken_one_is_refused() {
    let dir = crate::common::copy_of_intents();
    let origin = KnowledgeSource {
        origin: Origin::Dir(dir.path().to_path_buf()),
        articles: None,
    };
    let bot = Bot::new(Knowledge::load(&origin).expect("loads"));
    assert_eq!(
        bot.handle(inbound("how do I cancel my subscription"))
            .await
            .intent
            .as_deref(),
        Some("cancel")
    );
    assert_eq!(bot.handle(inbound("please axe my plan")).await.intent, None);

    // A new rule with its example: reload picks it up.
    let path = dir.path().join("lang/en.toml");
    let text = std::fs::read_to_string(&path).expect("read");
    let added = "\n[[intent.cancel.rule]]\nid = \"axe\"\npattern = '''\\baxe\\s+my\\s+plan\\b'''\nexamples = [\"axe my plan\"]\n";
    let with_rule = text.replace(
        "[[intent.cancel.guard]]\nid = \"negated\"",
        &format!("{added}\n[[intent.cancel.guard]]\nid = \"negated\""),
    );
    std::fs::write(&path, &with_rule).expect("write");
    let report = bot.reload().expect("valid edit reloads");
    assert!(report.rules > 0);
    assert_eq!(
        bot.handle(inbound("please axe my plan"))
            .await
            .intent
            .as_deref(),
        Some("cancel")
    );

    // `/why` explains with the rules that answered, even after they change.
    std::fs::write(&path, &text).expect("write");
    bot.reload().expect("the original rules reload");
    let mut why = inbound("");
    why.message = Message::Why;
    let explained = bot.handle(why).await.markdown;
    assert!(explained.contains("cancel/en/axe"), "{explained}");
    std::fs::write(&path, &with_rule).expect("write");
    bot.reload().expect("valid edit reloads again");

    // A broken edit: the error names the problem and the old rules stay.
    std::fs::write(&path, with_rule.replace("\\baxe", "(\\baxe")).expect("write");
    let err = bot
        .reload()
        .expect_err("broken edit is refused")
        .to_string();
    assert!(err.contains("cancel/en/axe"), "{err}");
    assert_eq!(
        bot.handle(inbound("please axe my plan"))
            .await
            .intent
            .as_deref(),
        Some("cancel")
    );
}

#[tokio::test]
async fn why_explains_the_last_answer_to_the_same_user() {
    let bot = Bot::new(Knowledge::load(&KnowledgeSource::embedded()).expect("embedded rules load"));
    bot.handle(inbound("I want my money back")).await;
    let mut why = inbound("");
    why.message = Message::Why;
    let reply = bot.handle(why).await;
    assert!(
        reply.markdown.contains("refund/en/money-back"),
        "{}",
        reply.markdown
    );
    assert_eq!(reply.visibility, supportbot::model::Visibility::Private);
}
