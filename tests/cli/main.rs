//! The command line as a user runs it: `supportbot` processes (one-shot tools, admin, article import, Discord commands, reload, seeds).
//!
//! One test binary for the surface; each file is one area.

#[path = "../common/mod.rs"]
mod common;

mod admin;
mod articles;
mod discord;
mod handoff;
mod oneshot;
mod record;
mod reload;
mod seed;
mod store;
