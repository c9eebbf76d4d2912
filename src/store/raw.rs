//! The byte-level operations each backend provides, and the [`Store`](crate::lifecycle::Store) read
//! methods written once on top of them.

use serde::de::DeserializeOwned;

use super::codec::{account_prefix, audit_seq, confirmation_key, decode, Tree};
use crate::lifecycle::StoreError;
use crate::lifecycle::{
    Account, AuditRecord, ConfirmationId, IdempotencyRecord, PendingConfirmation,
};
use crate::model::AccountId;

/// Called for each `(key, value)` of a scan; an error stops the scan.
pub(crate) type Visitor<'a> = dyn FnMut(&[u8], &[u8]) -> Result<(), StoreError> + 'a;

/// Byte-level access a backend must offer.
pub(crate) trait Raw {
    /// Point read.
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// Ordered prefix scan; iteration errors are returned, never skipped.
    fn scan(&self, tree: Tree, prefix: &[u8], visit: &mut Visitor<'_>) -> Result<(), StoreError>;
}

/// Decodes every value under `prefix`.
pub(crate) fn list<T: DeserializeOwned>(
    raw: &impl Raw,
    tree: Tree,
    prefix: &[u8],
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    raw.scan(tree, prefix, &mut |k, v| {
        out.push(decode(tree, k, v)?);
        Ok(())
    })?;
    Ok(out)
}

/// Decodes one value.
pub(crate) fn one<T: DeserializeOwned>(
    raw: &impl Raw,
    tree: Tree,
    key: &[u8],
) -> Result<Option<T>, StoreError> {
    raw.get(tree, key)?
        .map(|v| decode(tree, key, &v))
        .transpose()
}

pub(crate) fn account(raw: &impl Raw, id: &AccountId) -> Result<Option<Account>, StoreError> {
    one(raw, Tree::Accounts, id.as_str().as_bytes())
}

pub(crate) fn per_account<T: DeserializeOwned>(
    raw: &impl Raw,
    tree: Tree,
    account: Option<&AccountId>,
) -> Result<Vec<T>, StoreError> {
    list(raw, tree, &account_prefix(account))
}

/// Audit records; each record's `seq` is the big-endian suffix of its key.
pub(crate) fn audit(
    raw: &impl Raw,
    account: Option<&AccountId>,
) -> Result<Vec<AuditRecord>, StoreError> {
    let mut out = Vec::new();
    raw.scan(Tree::Audit, &account_prefix(account), &mut |k, v| {
        let mut r: AuditRecord = decode(Tree::Audit, k, v)?;
        r.seq = audit_seq(k).unwrap_or_default();
        out.push(r);
        Ok(())
    })?;
    Ok(out)
}

pub(crate) fn confirmation(
    raw: &impl Raw,
    id: &ConfirmationId,
) -> Result<Option<PendingConfirmation>, StoreError> {
    one(raw, Tree::Confirmations, &confirmation_key(id))
}

pub(crate) fn outcome(
    raw: &impl Raw,
    event_key: &str,
) -> Result<Option<IdempotencyRecord>, StoreError> {
    one(raw, Tree::Idempotency, event_key.as_bytes())
}

/// Implements [`Store`](crate::lifecycle::Store) for a type with inherent `raw_commit`/`raw_sync`
/// methods and a [`Raw`] impl.
macro_rules! impl_store {
    ($t:ty) => {
        impl $crate::lifecycle::Store for $t {
            fn account(&self, id: &AccountId) -> Result<Option<Account>, StoreError> {
                raw::account(self, id)
            }
            fn accounts(&self) -> Result<Vec<Account>, StoreError> {
                raw::list(self, Tree::Accounts, b"")
            }
            fn subscriptions(&self, account: &AccountId) -> Result<Vec<Subscription>, StoreError> {
                raw::per_account(self, Tree::Subscriptions, Some(account))
            }
            fn subscription(
                &self,
                account: &AccountId,
                id: $crate::model::SubscriptionId,
            ) -> Result<Option<Subscription>, StoreError> {
                raw::one(
                    self,
                    Tree::Subscriptions,
                    &$crate::store::codec::subscription_key_of(account, id),
                )
            }
            fn credits(&self, account: &AccountId) -> Result<Vec<Credit>, StoreError> {
                raw::per_account(self, Tree::Credits, Some(account))
            }
            fn audit(&self, account: Option<&AccountId>) -> Result<Vec<AuditRecord>, StoreError> {
                raw::audit(self, account)
            }
            fn confirmation(
                &self,
                id: &ConfirmationId,
            ) -> Result<Option<PendingConfirmation>, StoreError> {
                raw::confirmation(self, id)
            }
            fn confirmations(&self) -> Result<Vec<PendingConfirmation>, StoreError> {
                raw::list(self, Tree::Confirmations, b"")
            }
            fn outcome(&self, event_key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
                raw::outcome(self, event_key)
            }
            fn commit(&self, writes: WriteSet) -> Result<Committed, StoreError> {
                self.raw_commit(writes)
            }
            fn sync(&self) -> Result<(), StoreError> {
                self.raw_sync()
            }
        }
    };
}
pub(crate) use impl_store;
