//! Discord: the signed HTTP interactions endpoint and the gateway bot.
//!
//! Both paths meet in [`respond`]: an interaction from either is parsed by
//! [`payload`], becomes an `Inbound` in [`inbound`] (the one place that
//! builds a Discord identity), is answered by `Bot::handle` and rendered by
//! [`render`]. [`endpoint`] returns the initial response as the HTTP answer;
//! [`gateway`] posts it to the callback route through [`api`].

pub mod api;
pub mod commands;
pub mod custom_id;
pub mod desk;
pub mod endpoint;
pub mod gateway;
pub mod inbound;
pub mod kind;
pub mod payload;
pub mod render;
pub mod respond;
