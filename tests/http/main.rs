//! The platform transports over real HTTP/WebSocket on 127.0.0.1 against loopback Discord and Teams peers.
//!
//! One test binary for the surface; each file is one area.

#[path = "../common/mod.rs"]
mod common;

mod attacks;
mod bounds;
mod discord_gateway;
mod discord_http;
mod teams;
mod teams_peer;
mod two_instances;
mod web_chat;
