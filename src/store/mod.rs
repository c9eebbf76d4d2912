//! Storage adapters of the lifecycle's port ([`crate::lifecycle::Store`]), the
//! handoff's ([`crate::handoff::TicketStore`]) and the record's
//! ([`crate::record::RecordStore`]):
//! [`MemoryStore`] for tests and demos, [`SledStore`] (journal, group commit)
//! in production.
//!
//! Invariant: `sled.rs` is the only file that imports sled.

pub mod codec;
mod commit;
mod group_commit;
mod handoff;
mod journal;
mod journaled;
pub mod memory;
mod overlay;
mod raw;
mod record;
pub mod sled;

pub use self::memory::MemoryStore;
pub use self::sled::{Durability, SledStore};
