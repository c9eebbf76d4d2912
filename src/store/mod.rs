//! Storage adapters of the lifecycle's port ([`crate::lifecycle::Store`]), the
//! handoff's ([`crate::handoff::TicketStore`]) and the record's
//! ([`crate::record::RecordStore`]):
//! [`MemoryStore`] for tests and demos, [`SledStore`] (journal, group commit)
//! as the embedded default, [`PostgresStore`] for several processes sharing
//! one database.
//!
//! Invariant: `sled.rs` is the only file that imports sled, `postgres.rs` the
//! only one that knows PostgreSQL.

pub mod codec;
mod commit;
mod group_commit;
mod handoff;
mod journal;
mod journaled;
pub mod memory;
mod overlay;
pub mod postgres;
mod raw;
mod record;
pub mod sled;
pub mod transfer;
mod write;

pub use self::memory::MemoryStore;
pub use self::postgres::PostgresStore;
pub use self::sled::{Durability, SledStore};
