//! Versioned schema migrations (`*.sql` beside this file), applied at open
//! inside one transaction that first claims the version row with `INSERT …
//! ON CONFLICT DO NOTHING`: of two instances starting together one applies
//! them, the other waits on that row and then finds them applied. A
//! database with a newer version than this binary knows is refused.

use std::time::Duration;

use tokio_postgres::error::SqlState;
use tokio_postgres::Client;

use super::pool::{lost_race, wait, Pool};
use super::MAX_ATTEMPTS;
use crate::lifecycle::StoreError;

/// The migrations, in order: `(version, SQL)`.
const MIGRATIONS: &[(u32, &str)] = &[(1, include_str!("0001_kv.sql"))];

/// The newest schema version this binary knows.
pub const SCHEMA_VERSION: u32 = 1;

pub(super) fn migrate(pool: &Pool) -> Result<(), StoreError> {
    let mut client = pool.connect_client()?;
    for attempt in 1..=MAX_ATTEMPTS {
        match wait(migrate_once(&mut client)) {
            Ok(Migration::Done) => return Ok(()),
            Ok(Migration::TooNew(found)) => {
                return Err(StoreError::SchemaTooNew {
                    found,
                    known: SCHEMA_VERSION,
                })
            }
            // Another instance is migrating (or just did): look again.
            Ok(Migration::Raced) => backoff(attempt),
            Err(e) if attempt < MAX_ATTEMPTS && migration_race(&e) => backoff(attempt),
            Err(e) => {
                return Err(match pool.error(&e) {
                    StoreError::Io(m) => StoreError::Io(format!("migration failed: {m}")),
                    other => other,
                })
            }
        }
    }
    Err(StoreError::Io(format!(
        "migration of {} did not settle after {MAX_ATTEMPTS} attempts",
        pool.target
    )))
}

/// Pauses a little longer after each lost race, with jitter so that two
/// instances that collided do not collide again in lockstep.
pub(super) fn backoff(attempt: u32) {
    let mut jitter = [0u8; 1];
    let _ = getrandom::fill(&mut jitter);
    let ms = u64::from(attempt.min(8)) * 2 + u64::from(jitter[0] % 8);
    std::thread::sleep(Duration::from_millis(ms));
}

/// Errors of two instances creating the same objects at once.
pub(super) fn migration_race(e: &tokio_postgres::Error) -> bool {
    lost_race(e)
        || e.code()
            .is_some_and(|c| *c == SqlState::DUPLICATE_TABLE || *c == SqlState::DUPLICATE_OBJECT)
}

enum Migration {
    Done,
    Raced,
    TooNew(u32),
}

async fn migrate_once(client: &mut Client) -> Result<Migration, tokio_postgres::Error> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS supportbot_schema (\
             version integer PRIMARY KEY, \
             applied_at timestamptz NOT NULL DEFAULT now())",
        )
        .await?;
    let tx = client.transaction().await?;
    let found: Option<i32> = tx
        .query_one("SELECT max(version) FROM supportbot_schema", &[])
        .await?
        .get(0);
    let found = found.and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
    if found > SCHEMA_VERSION {
        return Ok(Migration::TooNew(found));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
        let v = i32::try_from(*version).unwrap_or(i32::MAX);
        // Claiming the version row first makes a second instance wait here
        // until this transaction ends, instead of running the DDL too.
        let claimed = tx
            .execute(
                "INSERT INTO supportbot_schema (version) VALUES ($1) ON CONFLICT DO NOTHING",
                &[&v],
            )
            .await?;
        if claimed == 0 {
            return Ok(Migration::Raced);
        }
        tx.batch_execute(sql).await?;
    }
    tx.commit().await?;
    Ok(Migration::Done)
}
