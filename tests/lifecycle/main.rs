//! Subscription lifecycle, authorization and storage, driven through the
//! library API (one test binary; the crash test is separate because it
//! re-executes itself as the child process it kills).

#[macro_use]
mod common;

mod authorization;
mod close_account;
mod confirmation;
mod layering;
mod postgres_store;
mod scheduler;
mod sled_store;
