//! Whole stores at once: `admin store copy` (sled or PostgreSQL into
//! PostgreSQL, record by record, idempotent and resumable) and `admin store
//! check` (every record decodes, references hold, audit numbers are unique).
//! Both work on the encoded bytes, so a copy is exact: the same keys, the same
//! values, the same audit sequence numbers.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use serde::de::DeserializeOwned;

use super::codec::{audit_seq, decode, Tree};
use super::raw::Raw;
use super::{PostgresStore, SledStore};
use crate::handoff::{HistoryEntry, Ticket, TicketId, UserState};
use crate::lifecycle::{
    Account, AuditRecord, Credit, IdempotencyRecord, PendingConfirmation, StoreError, Subscription,
};

/// Where a store is: `sled:DIR` (a data directory or its `db` directory) or a
/// `postgres://` URL.
#[derive(Debug, Clone)]
pub enum Location {
    /// A sled directory.
    Sled(PathBuf),
    /// A PostgreSQL URL (a secret: shown only through [`Location::describe`]).
    Postgres(String),
}

impl Location {
    /// Parses `sled:DIR`, `postgres://…` or `postgresql://…`.
    pub fn parse(text: &str) -> Option<Location> {
        if let Some(dir) = text.strip_prefix("sled:") {
            let dir = PathBuf::from(dir);
            // A data directory holds the database in `db/`.
            let db = dir.join("db");
            return Some(Location::Sled(if db.is_dir() { db } else { dir }));
        }
        let lower = text.to_ascii_lowercase();
        (lower.starts_with("postgres://") || lower.starts_with("postgresql://"))
            .then(|| Location::Postgres(text.to_owned()))
    }

    /// For messages: the directory, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Location::Sled(dir) => format!("sled:{}", dir.display()),
            Location::Postgres(url) => PostgresStore::describe_url(url),
        }
    }
}

/// An opened store of either kind.
#[derive(Debug)]
pub enum AnyStore {
    /// sled.
    Sled(SledStore),
    /// PostgreSQL.
    Postgres(PostgresStore),
}

impl AnyStore {
    /// Opens the store at `at`.
    pub fn open(at: &Location) -> Result<AnyStore, StoreError> {
        Ok(match at {
            Location::Sled(dir) => AnyStore::Sled(SledStore::open(dir)?),
            Location::Postgres(url) => AnyStore::Postgres(PostgresStore::open(url)?),
        })
    }

    fn raw(&self) -> &dyn Raw {
        match self {
            AnyStore::Sled(s) => s,
            AnyStore::Postgres(p) => p,
        }
    }
}

/// Records per tree.
pub type Counts = BTreeMap<&'static str, usize>;

/// What [`copy`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CopyReport {
    /// Records in the source, per tree.
    pub source: Counts,
    /// Records written (new or different), per tree; zero on a re-run.
    pub written: Counts,
    /// Records the destination has beyond the source's, per tree.
    pub extra: Counts,
}

/// Copies every record of `from` into `to` (writing only what is missing or
/// different, in batches of one transaction each), moves the destination's
/// audit sequence past the copied numbers, then reads both back and checks
/// that the destination holds every source record byte for byte.
pub fn copy(from: &AnyStore, to: &PostgresStore) -> Result<CopyReport, StoreError> {
    const BATCH: usize = 500;
    let mut report = CopyReport::default();
    let mut next_seq = 0u64;
    for tree in Tree::ALL {
        let rows = rows(from.raw(), tree)?;
        if tree == Tree::Audit {
            for (k, _) in &rows {
                next_seq = next_seq.max(audit_seq(k).unwrap_or(0).saturating_add(1));
            }
        }
        let mut written = 0;
        for batch in rows.chunks(BATCH) {
            written += to.import(tree, batch)?;
        }
        report.source.insert(tree.name(), rows.len());
        report.written.insert(tree.name(), written);
    }
    to.advance_audit_seq(next_seq)?;
    for tree in Tree::ALL {
        let source = rows(from.raw(), tree)?;
        let copied: HashSet<Row> = rows(to, tree)?.into_iter().collect();
        if let Some((k, _)) = source.iter().find(|r| !copied.contains(*r)) {
            return Err(StoreError::Io(format!(
                "verification failed: {} record {} differs after the copy",
                tree.name(),
                String::from_utf8_lossy(k)
            )));
        }
        report
            .extra
            .insert(tree.name(), copied.len().saturating_sub(source.len()));
    }
    Ok(report)
}

/// One record: key and encoded value.
type Row = (Vec<u8>, Vec<u8>);

fn rows(raw: &dyn Raw, tree: Tree) -> Result<Vec<Row>, StoreError> {
    let mut out = Vec::new();
    raw.scan(tree, b"", &mut |k, v| {
        out.push((k.to_vec(), v.to_vec()));
        Ok(())
    })?;
    Ok(out)
}

/// What [`check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CheckReport {
    /// Records per tree.
    pub counts: Counts,
    /// Everything wrong, one line each; empty when the store is sound.
    pub problems: Vec<String>,
}

/// Reads every record of `store`: each must decode as its type, every
/// subscription, credit and audit record must name an existing account (or
/// none), and audit sequence numbers must be unique.
pub fn check(store: &AnyStore) -> Result<CheckReport, StoreError> {
    let raw = store.raw();
    let mut report = CheckReport::default();
    let accounts: Vec<Account> = typed(raw, Tree::Accounts, &mut report)?;
    let known: HashSet<String> = accounts.iter().map(|a| a.id.to_string()).collect();
    let orphan = |what: &str, account: &str, report: &mut CheckReport| {
        if !known.contains(account) {
            report.problems.push(format!(
                "{what} names account {account}, which does not exist"
            ));
        }
    };
    for s in typed::<Subscription>(raw, Tree::Subscriptions, &mut report)? {
        orphan(
            &format!("subscription {}", s.id),
            s.account.as_str(),
            &mut report,
        );
    }
    for c in typed::<Credit>(raw, Tree::Credits, &mut report)? {
        orphan(
            &format!("credit of {}", c.subscription),
            c.account.as_str(),
            &mut report,
        );
    }
    let mut seqs = HashSet::new();
    let mut audit = 0;
    raw.scan(Tree::Audit, b"", &mut |k, v| {
        audit += 1;
        match audit_seq(k) {
            Some(seq) if seqs.insert(seq) => {}
            _ => report.problems.push(format!(
                "audit record {} has a missing or repeated sequence number",
                String::from_utf8_lossy(k)
            )),
        }
        if let Err(e) = decode::<AuditRecord>(Tree::Audit, k, v) {
            report.problems.push(e.to_string());
        }
        Ok(())
    })?;
    report.counts.insert(Tree::Audit.name(), audit);
    typed::<IdempotencyRecord>(raw, Tree::Idempotency, &mut report)?;
    typed::<PendingConfirmation>(raw, Tree::Confirmations, &mut report)?;
    typed::<Ticket>(raw, Tree::Tickets, &mut report)?;
    typed::<HistoryEntry>(raw, Tree::TicketHistory, &mut report)?;
    typed::<UserState>(raw, Tree::HandoffUsers, &mut report)?;
    typed::<TicketId>(raw, Tree::HandoffEvents, &mut report)?;
    typed::<crate::operator::Operator>(raw, Tree::Operators, &mut report)?;
    typed::<crate::operator::ConsoleSession>(raw, Tree::ConsoleSessions, &mut report)?;
    Ok(report)
}

/// Decodes every record of `tree`, counting them and noting those that fail.
fn typed<T: DeserializeOwned>(
    raw: &dyn Raw,
    tree: Tree,
    report: &mut CheckReport,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    let mut count = 0;
    raw.scan(tree, b"", &mut |k, v| {
        count += 1;
        match decode(tree, k, v) {
            Ok(value) => out.push(value),
            Err(e) => report.problems.push(e.to_string()),
        }
        Ok(())
    })?;
    report.counts.insert(tree.name(), count);
    Ok(out)
}
