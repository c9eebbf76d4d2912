//! Platform transports: each verifies what its platform signed, adapts the
//! payload to an [`crate::Inbound`], calls [`crate::Bot::handle`] and renders
//! the [`crate::Reply`] for its platform. No business decisions here.

pub mod teams;
pub mod teams_webhook;
