//! The Discord gateway bot (serenity): answers direct messages, messages
//! that mention it and messages in configured support channels, and
//! interactions that arrive over the gateway (answered through the HTTP
//! callback route, never over the gateway).
//!
//! Without the privileged MESSAGE_CONTENT intent Discord still delivers the
//! content of DMs and of messages that mention the bot; support channels
//! then see only mentions. The bot never answers bots, webhooks or itself,
//! and each user gets one answer per cooldown.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde_json::{json, Value};
use serenity::all::{
    ChannelId, ClientBuilder, Context, CreateAttachment, EventHandler, GatewayIntents, Guild,
    Interaction as GatewayInteraction, Message as ChatMessage, Ready,
};
use serenity::async_trait;

use super::api;
use super::inbound::{self, ChatQuestion};
use super::payload::{Interaction, PayloadError};
use super::render;
use super::respond::Responder;
use crate::model::{Reply, Visibility};
use crate::transport::metrics::Metrics;
use crate::Bot;

/// One answer per user per this long.
pub const DEFAULT_COOLDOWN: Duration = Duration::from_secs(3);

/// Gateway settings.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Bot token.
    pub token: SecretString,
    /// Channel ids where every message is treated as a question.
    pub support_channels: HashSet<u64>,
    /// Whether the privileged MESSAGE_CONTENT intent is enabled in the portal.
    pub message_content: bool,
    /// Per-user cooldown.
    pub cooldown: Duration,
    /// REST base (`https://discord.com/api/v10`, or another origin such as a
    /// test peer, see [`crate::config::ApiBase`]).
    pub api_base: crate::config::ApiBase,
    /// The shards this process runs; `None`: one unsharded connection.
    pub shards: Option<crate::config::ShardRange>,
}

struct Handler {
    bot: Arc<Bot>,
    metrics: Metrics,
    responder: Responder,
    config: GatewayConfig,
    me: OnceLock<u64>,
    guild_locales: Mutex<HashMap<u64, String>>,
    last_answer: Mutex<HashMap<u64, Instant>>,
}

/// Connects and runs until `shutdown` completes.
pub async fn run(
    bot: Arc<Bot>,
    metrics: Metrics,
    responder: Responder,
    config: GatewayConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let mut intents =
        GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::DIRECT_MESSAGES;
    if config.message_content {
        intents |= GatewayIntents::MESSAGE_CONTENT;
        tracing::info!(
            "discord gateway: MESSAGE_CONTENT intent on; support channels see every message"
        );
    } else {
        tracing::info!(
            "discord gateway: MESSAGE_CONTENT intent off; answering DMs, mentions and slash commands only"
        );
    }
    let http = api::http_builder(&config.api_base, Some(&config.token));
    let shards = config.shards;
    let handler = Handler {
        bot,
        metrics,
        responder,
        config,
        me: OnceLock::new(),
        guild_locales: Mutex::new(HashMap::new()),
        last_answer: Mutex::new(HashMap::new()),
    };
    let mut client = ClientBuilder::new_with_http(http.build(), intents)
        .event_handler(handler)
        .await?;
    let manager = client.shard_manager.clone();
    tokio::spawn(async move {
        shutdown.await;
        manager.shutdown_all().await;
    });
    match shards {
        // serenity 0.12's `start_shard_range` runs `start..=end` (its
        // `Range` end is inclusive: it starts `end - start + 1` shards).
        Some(r) => {
            tracing::info!(
                first = r.first,
                last = r.last,
                total = r.total,
                "discord gateway: running a shard range"
            );
            client.start_shard_range(r.first..r.last, r.total).await?
        }
        None => client.start().await?,
    }
    Ok(())
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        let _ = self.me.set(ready.user.id.get());
        tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "discord gateway: ready");
    }

    async fn guild_create(&self, _ctx: Context, guild: Guild, _is_new: Option<bool>) {
        tracing::debug!(guild = guild.id.get(), locale = %guild.preferred_locale, "discord gateway: guild available");
        if let Ok(mut map) = self.guild_locales.lock() {
            map.insert(guild.id.get(), guild.preferred_locale.clone());
        }
    }

    async fn message(&self, ctx: Context, msg: ChatMessage) {
        let Some(text) = self.question(&msg) else {
            return;
        };
        if !self.cooled_down(msg.author.id.get()) {
            return;
        }
        let locales: Vec<String> = msg
            .guild_id
            .and_then(|g| self.guild_locales.lock().ok()?.get(&g.get()).cloned())
            .into_iter()
            .collect();
        let inbound = inbound::from_chat(ChatQuestion {
            id: msg.id.get(),
            author: msg.author.id.get(),
            guild: msg.guild_id.map(|g| g.get()),
            channel: msg.channel_id.get(),
            role_ids: msg
                .member
                .as_ref()
                .map(|m| m.roles.iter().map(|r| r.get()).collect())
                .unwrap_or_default(),
            locales,
            text,
        });
        let reply = self.bot.handle(inbound).await;
        self.metrics
            .intent("discord", reply.intent.as_deref(), &reply.locale);
        let channel = if reply.visibility == Visibility::Private && msg.guild_id.is_some() {
            match msg.author.id.create_dm_channel(&ctx.http).await {
                Ok(dm) => dm.id,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot open a DM for a private reply");
                    return;
                }
            }
        } else {
            msg.channel_id
        };
        send_chat(&ctx, channel, Some(msg.id.get()), &reply).await;
    }

    async fn interaction_create(&self, _ctx: Context, interaction: GatewayInteraction) {
        let parsed = from_gateway(&interaction).and_then(|i| i.intake().map(|a| (i, a)));
        let (interaction, action) = match parsed {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "gateway interaction not understood");
                return;
            }
        };
        let initial = self
            .responder
            .respond(&self.bot, &self.metrics, &interaction, action)
            .await;
        let Some(token) = interaction.token.as_deref() else {
            return;
        };
        if let Err(e) = self
            .responder
            .api
            .callback(
                &interaction.id.0,
                token,
                &initial.body,
                initial.file.as_ref(),
            )
            .await
        {
            tracing::warn!(error = %e, "interaction callback failed");
        }
    }
}

impl Handler {
    /// The question text if the message is addressed to the bot.
    fn question(&self, msg: &ChatMessage) -> Option<String> {
        let me = *self.me.get()?;
        if msg.author.bot || msg.webhook_id.is_some() || msg.author.id.get() == me {
            return None;
        }
        let mentioned = msg.mentions.iter().any(|u| u.id.get() == me);
        let addressed = msg.guild_id.is_none()
            || mentioned
            || self.config.support_channels.contains(&msg.channel_id.get());
        if !addressed {
            return None;
        }
        let text = strip_mention(&msg.content, me);
        (!text.is_empty()).then_some(text)
    }

    fn cooled_down(&self, user: u64) -> bool {
        let Ok(mut map) = self.last_answer.lock() else {
            return true;
        };
        let now = Instant::now();
        if map
            .get(&user)
            .is_some_and(|t| now.duration_since(*t) < self.config.cooldown)
        {
            return false;
        }
        if map.len() > 10_000 {
            let cooldown = self.config.cooldown;
            map.retain(|_, t| now.duration_since(*t) < cooldown);
        }
        map.insert(user, now);
        true
    }
}

/// The endpoint's view of a gateway interaction: serenity's value written
/// back as JSON and read like an endpoint body, so both paths share one
/// parser. serenity leaves the interaction `type` out when it serialises
/// (it is the enum variant), so it is put back from the variant.
pub fn from_gateway(interaction: &GatewayInteraction) -> Result<Interaction, PayloadError> {
    let malformed = |e: serde_json::Error| PayloadError::Malformed(e.to_string());
    let mut value = serde_json::to_value(interaction).map_err(malformed)?;
    let map = value.as_object_mut().ok_or_else(|| {
        PayloadError::Malformed("a gateway interaction is not a JSON object".into())
    })?;
    map.insert("type".into(), u8::from(interaction.kind()).into());
    serde_json::from_value(value).map_err(malformed)
}

/// Removes `<@id>` / `<@!id>` mentions of the bot and trims.
pub fn strip_mention(content: &str, me: u64) -> String {
    content
        .replace(&format!("<@{me}>"), "")
        .replace(&format!("<@!{me}>"), "")
        .trim()
        .to_owned()
}

async fn send_chat(ctx: &Context, channel: ChannelId, reply_to: Option<u64>, reply: &Reply) {
    let messages = render::messages(reply);
    let last = messages.len().saturating_sub(1);
    for (i, mut body) in messages.into_iter().enumerate() {
        strip_flags(&mut body);
        body["allowed_mentions"] = json!({ "parse": [] });
        if let (0, Some(id)) = (i, reply_to) {
            body["message_reference"] =
                json!({ "message_id": id.to_string(), "fail_if_not_exists": false });
        }
        let files = match (&reply.attachment, i == last) {
            (Some(f), true) => vec![CreateAttachment::bytes(
                f.text.as_bytes(),
                f.filename.clone(),
            )],
            _ => Vec::new(),
        };
        if let Err(e) = ctx.http.send_message(channel, files, &body).await {
            tracing::warn!(error = %e, "cannot send a reply");
            return;
        }
    }
}

/// Chat messages cannot be ephemeral.
fn strip_flags(body: &mut Value) {
    if let Some(map) = body.as_object_mut() {
        map.remove("flags");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Evidence, Message};
    use crate::transport::discord::kind::InteractionType;

    #[test]
    fn mentions_of_the_bot_are_removed() {
        assert_eq!(
            strip_mention("<@42> how do I cancel?", 42),
            "how do I cancel?"
        );
        assert_eq!(strip_mention("hei <@!42>", 42), "hei");
        assert_eq!(strip_mention("<@7> hi", 42), "<@7> hi");
    }

    #[test]
    fn gateway_interactions_keep_type_identity_permissions_and_locale() {
        // A complete slash-command INTERACTION_CREATE `d`, as serenity
        // requires it.
        let raw = json!({
            "id": "1575400479926604463",
            "application_id": "1575396591941042236",
            "type": 2,
            "token": "tok",
            "version": 1,
            "channel_id": "1575396591760687149",
            "guild_id": "1575396591739715626",
            "locale": "no",
            "guild_locale": "en-US",
            "app_permissions": "9007199254740991",
            "entitlements": [],
            "authorizing_integration_owners": { "0": "1575396591580332069" },
            "context": 0,
            "attachment_size_limit": 26214400,
            "member": {
                "user": { "id": "1575396591580332069", "username": "owner", "discriminator": "0",
                          "global_name": null, "avatar": null },
                "roles": ["1575396591739715627"],
                "joined_at": "2026-11-26T06:23:36.946+00:00",
                "deaf": false, "mute": false, "flags": 0, "pending": false,
                "permissions": "2147483680"
            },
            "data": {
                "id": "1575398984451633232", "name": "cancel", "type": 1,
                "options": [{ "type": 3, "name": "subscription", "value": "SUB-1" }]
            }
        });
        let gateway: GatewayInteraction = serde_json::from_value(raw).expect("serenity parses it");
        let parsed = from_gateway(&gateway).expect("converts");
        assert_eq!(
            parsed.kind().ok(),
            Some(InteractionType::ApplicationCommand)
        );
        assert_eq!(parsed.locales(), vec!["no".to_owned(), "en-US".to_owned()]);
        let super::super::payload::Intake::Handle(inbound) = parsed.intake().expect("an action")
        else {
            panic!("a command to handle");
        };
        assert_eq!(inbound.identity.user_id, "1575396591580332069");
        assert_eq!(
            inbound.identity.scope.as_deref(),
            Some("1575396591739715626")
        );
        assert_eq!(
            inbound.identity.evidence,
            Evidence::Discord {
                permissions: 2_147_483_680,
                role_ids: vec![1_575_396_591_739_715_627],
            }
        );
        assert!(matches!(
            inbound.message,
            Message::Command(crate::model::Command::Cancel { ref subscription }) if subscription == "SUB-1"
        ));
    }
}
