//! Discord pieces shared by the HTTP endpoint and the gateway bot.

pub mod api;
pub mod commands;
pub mod payload;
pub mod render;
