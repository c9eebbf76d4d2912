//! The PostgreSQL-backed [`Store`](crate::lifecycle::Store) and
//! [`TicketStore`](crate::handoff::TicketStore), shared by any number of
//! `serve` processes. This module (with `postgres/`) is the only one that
//! knows PostgreSQL.
//!
//! Layout: every logical [`Tree`] is a set of rows of one key-value table
//! `supportbot_kv (tree, key, value)` holding the same encoded bytes as sled
//! (keys and values from [`super::codec`]); `bytea` compares bytewise, so a
//! prefix scan (`key >= prefix AND key < next(prefix) ORDER BY key`) returns
//! what sled's `scan_prefix` returns. Audit sequence numbers come from the
//! sequence `supportbot_audit_seq`; values all instances must agree on (the
//! confirmation-token key) live in `supportbot_meta`.
//!
//! Commits: one transaction per write set, running the same commit rules as
//! every other backend ([`apply_write`]). Each read inside it locks the row
//! (`SELECT … FOR UPDATE`), a write to a row it found absent is a plain
//! `INSERT`, so a concurrent writer of the same key either waits for the row
//! lock or makes the insert fail with a unique violation. Serialization
//! failures, deadlocks (SQLSTATE 40001, 40P01) and those unique violations
//! roll the transaction back and run it again from the start, a bounded
//! number of times; a retried write set sees the winner's records, so an
//! event delivered twice returns the stored outcome and a revision check
//! refuses a stale write. The transaction commits before `commit` returns
//! (durable with the server's default `synchronous_commit = on`).
//!
//! No advisory locks and no LISTEN/NOTIFY ([`migrate`] neither), so the SQL
//! also runs on CockroachDB and YugabyteDB.
//!
//! Threads: the port is synchronous and called from any thread (tokio's
//! blocking pool, CLI threads, tests inside a runtime). The driver's
//! connection tasks run on the store's own one-thread runtime; callers wait
//! for a query's answer by parking their own thread ([`wait`]), which needs no
//! tokio context, so no call can hit "cannot start a runtime from within a
//! runtime", and dropping the store from async code does not block.

mod migrate;
mod pool;
mod tx;

use std::cell::RefCell;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use tokio_postgres::{Config, IsolationLevel};

use self::migrate::backoff;
pub use self::migrate::SCHEMA_VERSION;
use self::pool::{connection_lost, describe, lock, lost_race, wait, Conn, Pool, PoolState};
use self::tx::PgTx;
use super::codec::Tree;
use super::raw::{self, impl_store};
use super::write::{apply_write, StoreCommitted, StoreWrite};
use crate::handoff::{HandoffCommitted, HandoffWrite};
use crate::lifecycle::{
    Account, AuditRecord, ConfirmationId, Credit, IdempotencyRecord, PendingConfirmation,
    Subscription,
};
use crate::lifecycle::{Committed, StoreError, WriteSet};
use crate::model::AccountId;
use crate::record::RecordWrite;

/// Attempts per commit (and per migration) before a lost race is reported.
const MAX_ATTEMPTS: u32 = 10;
/// Connect timeout when the URL sets none: a user waits at most this long
/// to hear that the database is down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The shared confirmation-token key's name in `supportbot_meta`.
const TOKEN_KEY: &str = "token_key";

/// What one commit attempt came to.
enum Attempt {
    Done(Result<StoreCommitted, StoreError>),
    /// Rolled back; run it again.
    Retry(StoreError),
}

/// A durable store in a PostgreSQL database, shared by many processes.
pub struct PostgresStore {
    pool: Pool,
    /// Drives the connections; shut down without blocking on drop.
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("target", &self.pool.target)
            .finish_non_exhaustive()
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // Closing the idle clients lets their connection tasks say goodbye to
        // the server; the runtime then stops without waiting (callable from
        // async code, unlike dropping a runtime).
        lock(&self.pool.state).idle.clear();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host/db`),
    /// applies the migrations this binary has and the database lacks, and
    /// opens the pool. Fails with [`StoreError::Unavailable`] when the server
    /// cannot be reached and [`StoreError::SchemaTooNew`] when the database
    /// is newer than this binary; messages never contain the password.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let mut config = Config::from_str(url).map_err(|e| StoreError::Unavailable {
            target: "SUPPORTBOT_DATABASE_URL".into(),
            detail: format!("not a PostgreSQL URL ({e})"),
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("supportbot");
        }
        let target = describe(&config);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("supportbot-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Io(format!("cannot start the PostgreSQL driver: {e}")))?;
        let store = PostgresStore {
            pool: Pool {
                config,
                runtime: runtime.handle().clone(),
                target,
                state: Mutex::new(PoolState {
                    idle: Vec::new(),
                    open: 0,
                }),
                freed: Condvar::new(),
            },
            runtime: Some(runtime),
        };
        migrate::migrate(&store.pool)?;
        // One connection up front, so statements are known to prepare.
        drop(store.pool.get()?);
        Ok(store)
    }

    /// `postgresql://user@host:port/database` of a URL, for messages: never
    /// the password, and only a placeholder when the URL does not parse.
    pub fn describe_url(url: &str) -> String {
        Config::from_str(url)
            .map(|c| describe(&c))
            .unwrap_or_else(|_| "(SUPPORTBOT_DATABASE_URL, not a valid URL)".into())
    }

    /// `postgresql://user@host:port/database` (no password), for messages.
    pub fn target(&self) -> &str {
        &self.pool.target
    }

    /// The schema version stored in the database.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.pool
            .read(|c| {
                let row = wait(
                    c.client
                        .query_one("SELECT max(version) FROM supportbot_schema", &[]),
                )?;
                Ok(row.get::<_, Option<i32>>(0))
            })
            .map(|v| v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0))
    }

    /// The confirmation-token key every instance shares: `proposed` becomes
    /// it when the database has none yet, otherwise the stored one is kept.
    pub fn shared_token_key(&self, proposed: [u8; 32]) -> Result<[u8; 32], StoreError> {
        let stored = self.pool.read(|c| {
            wait(c.client.execute(
                "INSERT INTO supportbot_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                &[&TOKEN_KEY, &proposed.as_slice()],
            ))?;
            let row = wait(c.client.query_one(
                "SELECT value FROM supportbot_meta WHERE name = $1",
                &[&TOKEN_KEY],
            ))?;
            Ok(row.get::<_, Vec<u8>>(0))
        })?;
        <[u8; 32]>::try_from(stored.as_slice()).map_err(|_| StoreError::Decode {
            tree: "supportbot_meta",
            key: TOKEN_KEY.into(),
            detail: format!("expected 32 bytes, found {}", stored.len()),
        })
    }

    fn raw_commit(&self, ws: WriteSet) -> Result<Committed, StoreError> {
        self.commit_write(&StoreWrite::Lifecycle(ws))?.lifecycle()
    }

    fn raw_commit_handoff(&self, w: HandoffWrite) -> Result<HandoffCommitted, StoreError> {
        self.commit_write(&StoreWrite::Handoff(w))?.handoff()
    }

    fn raw_commit_record(&self, w: RecordWrite) -> Result<(), StoreError> {
        self.commit_write(&StoreWrite::Record(w))?.record()
    }

    /// Every commit is durable when it returns.
    fn raw_sync(&self) -> Result<(), StoreError> {
        Ok(())
    }

    fn commit_write(&self, w: &StoreWrite) -> Result<StoreCommitted, StoreError> {
        let mut last = StoreError::CommitLost;
        for attempt in 1..=MAX_ATTEMPTS {
            if attempt > 1 {
                backoff(attempt);
            }
            // No connection means the server is down: retrying for seconds
            // would only keep the user waiting for the same answer.
            let mut conn = self.pool.get()?;
            match self.attempt(&mut conn, w) {
                Attempt::Done(result) => return result,
                Attempt::Retry(e) => last = e,
            }
        }
        Err(match last {
            StoreError::Unavailable { .. } => last,
            other => {
                StoreError::Conflict(format!("gave up after {MAX_ATTEMPTS} attempts ({other})"))
            }
        })
    }

    fn attempt(&self, conn: &mut Conn, w: &StoreWrite) -> Attempt {
        let Conn { client, st } = conn;
        let tx = match wait(
            client
                .build_transaction()
                .isolation_level(IsolationLevel::ReadCommitted)
                .start(),
        ) {
            Ok(tx) => tx,
            Err(e) => return self.failed(&e, false),
        };
        let pg = PgTx {
            tx,
            st: &*st,
            present: RefCell::new(HashMap::new()),
        };
        let result = match apply_write(&pg, w) {
            Ok(r) => r,
            // Dropping the transaction rolls it back.
            Err(e) => return self.failed(&e, false),
        };
        let applied = matches!(
            result,
            Ok(StoreCommitted::Lifecycle(Committed::Applied)
                | StoreCommitted::Handoff(HandoffCommitted::Applied))
        );
        if !applied {
            // Refused or replayed: nothing was written.
            let _ = wait(pg.tx.rollback());
            return Attempt::Done(result);
        }
        match wait(pg.tx.commit()) {
            Ok(()) => Attempt::Done(result),
            Err(e) => self.failed(&e, true),
        }
    }

    fn failed(&self, e: &tokio_postgres::Error, committing: bool) -> Attempt {
        if lost_race(e) {
            // The server answered with a SQLSTATE: the transaction is rolled back.
            return Attempt::Retry(StoreError::Conflict(e.to_string()));
        }
        if connection_lost(e) {
            if committing {
                // The COMMIT may or may not have reached the server: running the
                // write set again could apply it twice.
                return Attempt::Done(Err(self.pool.unavailable(format!(
                    "the connection was lost while committing, so the outcome is unknown ({e})"
                ))));
            }
            return Attempt::Retry(self.pool.error(e));
        }
        Attempt::Done(Err(self.pool.error(e)))
    }
}

impl_store!(PostgresStore);
super::handoff::impl_ticket_store!(PostgresStore);
super::record::impl_record_store!(PostgresStore);

#[cfg(test)]
mod tests;
