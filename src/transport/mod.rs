//! Transports: adapt platform payloads to [`crate::model::Inbound`], call
//! `Bot::handle`, and render the [`crate::model::Reply`] for the platform.
//! They verify signatures and convert; they make no business decisions.
//!
//! - [`http`]: the `serve` HTTP server (router, `/healthz`, `/metrics`,
//!   body limits, graceful shutdown, reload on SIGHUP).
//! - [`discord_http`]: `POST /discord/interactions`.
//! - [`discord`]: what both Discord paths share: payload parsing, reply
//!   rendering, the command definitions and the REST client.
//! - [`metrics`]: the Prometheus registry.
//! - [`teams`]: `POST /api/messages`, the Bot Framework bot (JWT, Bot
//!   Connector replies); [`teams_webhook`]: `POST /teams/webhook` (HMAC).

pub mod discord;
pub mod discord_gateway;
pub mod discord_http;
pub mod http;
pub mod metrics;
pub mod teams;
pub mod teams_webhook;
