//! Reads ([`Raw`]) and one commit's transaction as the commit rules' [`Tx`].

use std::cell::RefCell;
use std::collections::HashMap;

use tokio_postgres::types::ToSql;

use super::pool::{wait, Statements};
use super::PostgresStore;
use crate::lifecycle::StoreError;
use crate::store::codec::Tree;
use crate::store::commit::Tx;
use crate::store::raw::{Raw, Visitor};

/// One commit's transaction, seen through the commit rules' [`Tx`].
pub(super) struct PgTx<'a> {
    pub(super) tx: tokio_postgres::Transaction<'a>,
    pub(super) st: &'a Statements,
    /// Whether each key read or written so far exists, as this transaction
    /// sees it: decides between `UPDATE` and `INSERT`.
    pub(super) present: RefCell<HashMap<(Tree, Vec<u8>), bool>>,
}

impl Tx for PgTx<'_> {
    type E = tokio_postgres::Error;

    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, Self::E> {
        let name = tree.name();
        let row = wait(self.tx.query_opt(&self.st.get_locked, &[&name, &key]))?;
        let value: Option<Vec<u8>> = row.map(|r| r.get(0));
        self.present
            .borrow_mut()
            .insert((tree, key.to_vec()), value.is_some());
        Ok(value)
    }

    fn put(&self, tree: Tree, key: Vec<u8>, value: Vec<u8>) -> Result<(), Self::E> {
        let name = tree.name();
        let present = self
            .present
            .borrow()
            .get(&(tree, key.clone()))
            .copied()
            .unwrap_or(false);
        let params: [&(dyn ToSql + Sync); 3] = [&name, &key.as_slice(), &value.as_slice()];
        // A key this transaction found absent (or never read, like a fresh
        // audit key) is inserted, so a concurrent insert of it fails loudly.
        let statement = if present {
            &self.st.update
        } else {
            &self.st.insert
        };
        wait(self.tx.execute(statement, &params))?;
        self.present.borrow_mut().insert((tree, key), true);
        Ok(())
    }

    fn remove(&self, tree: Tree, key: &[u8]) -> Result<(), Self::E> {
        let name = tree.name();
        wait(self.tx.execute(&self.st.delete, &[&name, &key]))?;
        self.present
            .borrow_mut()
            .insert((tree, key.to_vec()), false);
        Ok(())
    }

    fn next_seq(&self) -> Result<u64, Self::E> {
        let row = wait(self.tx.query_one(&self.st.next_seq, &[]))?;
        let n: i64 = row.get(0);
        Ok(u64::try_from(n).unwrap_or_default())
    }
}

impl Raw for PostgresStore {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let name = tree.name();
        self.pool.read(|c| {
            let row = wait(c.client.query_opt(&c.st.get, &[&name, &key]))?;
            Ok(row.map(|r| r.get::<_, Vec<u8>>(0)))
        })
    }

    fn scan(&self, tree: Tree, prefix: &[u8], visit: &mut Visitor<'_>) -> Result<(), StoreError> {
        let name = tree.name();
        let end = prefix_end(prefix);
        let rows = self.pool.read(|c| match &end {
            Some(end) => {
                let end = end.as_slice();
                wait(c.client.query(&c.st.scan_range, &[&name, &prefix, &end]))
            }
            None => wait(c.client.query(&c.st.scan_from, &[&name, &prefix])),
        })?;
        for row in &rows {
            visit(row.get::<_, &[u8]>(0), row.get::<_, &[u8]>(1))?;
        }
        Ok(())
    }
}

impl PostgresStore {
    /// One autocommitted upsert: in the database (and seen by every
    /// instance) when it returns. See `store/session.rs`.
    pub(super) fn raw_put_session(&self, key: Vec<u8>, value: Vec<u8>) -> Result<(), StoreError> {
        let name = Tree::Sessions.name();
        self.pool.read(|c| {
            wait(c.client.execute(
                "INSERT INTO supportbot_kv (tree, key, value) VALUES ($1, $2, $3) \
                 ON CONFLICT (tree, key) DO UPDATE SET value = EXCLUDED.value",
                &[&name, &key.as_slice(), &value.as_slice()],
            ))
        })?;
        Ok(())
    }

    pub(super) fn raw_remove_sessions(&self, keys: &[Vec<u8>]) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        let name = Tree::Sessions.name();
        let keys: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
        self.pool.read(|c| {
            wait(c.client.execute(
                "DELETE FROM supportbot_kv WHERE tree = $1 AND key = ANY($2)",
                &[&name, &keys],
            ))
        })?;
        Ok(())
    }

    /// Writes `rows` of `tree` in one transaction, replacing different
    /// values; returns how many rows were new or changed (`admin store copy`).
    pub(crate) fn import(
        &self,
        tree: Tree,
        rows: &[(Vec<u8>, Vec<u8>)],
    ) -> Result<usize, StoreError> {
        let name = tree.name();
        let mut conn = self.pool.get()?;
        let written = wait(async {
            let tx = conn.client.transaction().await?;
            let upsert = tx
                .prepare(
                    "INSERT INTO supportbot_kv (tree, key, value) VALUES ($1, $2, $3) \
                     ON CONFLICT (tree, key) DO UPDATE SET value = EXCLUDED.value \
                     WHERE supportbot_kv.value <> EXCLUDED.value",
                )
                .await?;
            let mut written = 0;
            for (k, v) in rows {
                let params: [&(dyn ToSql + Sync); 3] = [&name, &k.as_slice(), &v.as_slice()];
                written += tx.execute(&upsert, &params).await?;
            }
            tx.commit().await?;
            Ok::<_, tokio_postgres::Error>(written)
        })
        .map_err(|e| self.pool.error(&e))?;
        Ok(usize::try_from(written).unwrap_or(usize::MAX))
    }

    /// Makes the audit sequence hand out numbers from `next` on at least
    /// (after copying records that already carry numbers).
    pub(crate) fn advance_audit_seq(&self, next: u64) -> Result<(), StoreError> {
        if next == 0 {
            return Ok(());
        }
        let last = i64::try_from(next - 1).unwrap_or(i64::MAX);
        self.pool.read(|c| {
            let row = wait(c.client.query_one(
                "SELECT last_value, is_called FROM supportbot_audit_seq",
                &[],
            ))?;
            let (current, called): (i64, bool) = (row.get(0), row.get(1));
            let issued = if called { current } else { current - 1 };
            if issued < last {
                wait(
                    c.client
                        .query_one("SELECT setval('supportbot_audit_seq', $1)", &[&last]),
                )?;
            }
            Ok(())
        })
    }
}

/// The smallest key greater than every key starting with `prefix`; `None`
/// when there is none (empty or all-0xFF prefix: scan to the end).
pub(super) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}
