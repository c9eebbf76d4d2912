//! Transports: adapt platform payloads to [`crate::model::Inbound`], call
//! `Bot::handle`, and render the [`crate::model::Reply`] for the platform.
//! They verify signatures and convert; they make no business decisions.
//!
//! - [`http`]: the `serve` HTTP server (router built from each transport's
//!   routes, `/healthz`, `/metrics`, the body limit, graceful shutdown). It
//!   knows no platform.
//! - [`discord`]: `POST /discord/interactions` and the gateway bot.
//! - [`teams`]: `POST /api/messages` (the Bot Framework bot: JWT, Bot
//!   Connector replies) and `POST /teams/webhook` (HMAC).
//! - [`web`]: the web chat (`/chat`, `/widget.js`) and its Direct Line
//!   3.0 subset under `/v3/directline`.
//! - [`metrics`]: the Prometheus registry.

pub mod console;
pub mod discord;
pub mod http;
pub mod metrics;
pub mod teams;
pub mod web;
