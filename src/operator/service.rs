//! The async [`OperatorService`]: adding and removing operators, signing in
//! and out, and checking sessions. Storage steps and password hashing run
//! on tokio's blocking pool.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use super::limit::{SignInLimits, SignInThrottle};
use super::password::{decoy_hash, hash_password, verify_password};
use super::port::{OperatorStore, OperatorWrite};
use super::session::{random_hex, ConsoleSession, SessionToken, SignedIn};
use super::{check_name, Operator, OperatorError, OperatorRole};
use crate::auth::UserKey;
use crate::lifecycle::{Actor, AuditKind, AuditRecord, Clock, StoreError};
use crate::model::Platform;

/// Why a sign-in was refused. Deliberately says nothing about whether the
/// name exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    /// Wrong name or password.
    #[error("wrong name or password")]
    Wrong,
    /// Too many failures from this address or for this name.
    #[error("too many failed sign-ins; try again later")]
    Locked,
    /// Something else failed.
    #[error(transparent)]
    Operator(#[from] OperatorError),
}

/// How rarely a session's idle clock is written back: every request would
/// otherwise cost a durable commit.
const TOUCH_EVERY: TimeDelta = TimeDelta::minutes(1);

/// Operators and console sessions.
#[derive(Clone)]
pub struct OperatorService {
    store: Arc<dyn OperatorStore>,
    clock: Arc<dyn Clock>,
    throttle: Arc<SignInThrottle>,
    idle: TimeDelta,
}

impl std::fmt::Debug for OperatorService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorService")
            .field("idle", &self.idle)
            .finish_non_exhaustive()
    }
}

fn actor(name: &str) -> Actor {
    Actor::User(UserKey {
        platform: Platform::Console,
        user_id: name.to_owned(),
    })
}

fn audit(at: DateTime<Utc>, by: Actor, kind: AuditKind, detail: String) -> AuditRecord {
    let mut r = AuditRecord::new(at, by, kind);
    r.detail = Some(detail);
    r
}

impl OperatorService {
    /// A service over `store`; sessions expire after `idle` without a request.
    pub fn new(
        store: Arc<dyn OperatorStore>,
        clock: Arc<dyn Clock>,
        limits: SignInLimits,
        idle: TimeDelta,
    ) -> OperatorService {
        OperatorService {
            store,
            clock,
            throttle: Arc::new(SignInThrottle::new(limits)),
            idle,
        }
    }

    /// Now, by the service's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    async fn blocking<T, F>(&self, f: F) -> Result<T, OperatorError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn OperatorStore) -> Result<T, OperatorError> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|e| StoreError::Io(format!("storage task failed: {e}")))?
    }

    /// Adds an operator; `by` names who did it in the audit log.
    pub async fn add(
        &self,
        name: &str,
        role: OperatorRole,
        password: &str,
        by: &str,
    ) -> Result<Operator, OperatorError> {
        check_name(name)?;
        if !(12..=1024).contains(&password.chars().count()) {
            return Err(OperatorError::WeakPassword);
        }
        let (name, password, now) = (name.to_owned(), password.to_owned(), self.now());
        let by = by.to_owned();
        self.blocking(move |s| {
            if s.operator(&name)?.is_some() {
                return Err(OperatorError::Exists(name));
            }
            let op = Operator {
                name: name.clone(),
                role,
                password_hash: hash_password(&password)?,
                created_at: now,
                revision: 0,
            };
            let detail = format!("operator {name} added as {}", role.as_str());
            s.commit_operators(OperatorWrite {
                operators: vec![op.clone()],
                audit: vec![audit(now, actor(&by), AuditKind::OperatorAdded, detail)],
                ..OperatorWrite::default()
            })
            .map_err(|e| match e {
                StoreError::Conflict(_) => OperatorError::Exists(name),
                e => e.into(),
            })?;
            Ok(op)
        })
        .await
    }

    /// Removes an operator and every session of theirs.
    pub async fn remove(&self, name: &str, by: &str) -> Result<(), OperatorError> {
        let (name, by, now) = (name.to_owned(), by.to_owned(), self.now());
        self.blocking(move |s| {
            if s.operator(&name)?.is_none() {
                return Err(OperatorError::NotFound(name));
            }
            let sessions = s
                .console_sessions()?
                .into_iter()
                .filter(|x| x.operator == name)
                .map(|x| x.id_hash)
                .collect();
            let detail = format!("operator {name} removed");
            s.commit_operators(OperatorWrite {
                remove_operators: vec![name],
                remove_sessions: sessions,
                audit: vec![audit(now, actor(&by), AuditKind::OperatorRemoved, detail)],
                ..OperatorWrite::default()
            })?;
            Ok(())
        })
        .await
    }

    /// Every operator, by name.
    pub async fn list(&self) -> Result<Vec<Operator>, OperatorError> {
        self.blocking(|s| Ok(s.operators()?)).await
    }

    /// Checks `name` and `password` from client address `ip`; on success
    /// stores a *new* session (never one the client proposed) and returns
    /// its token. Every outcome is audited, without the password.
    pub async fn sign_in(
        &self,
        name: &str,
        password: &str,
        ip: &str,
    ) -> Result<(SessionToken, SignedIn), SignInError> {
        let now = self.now();
        let name: String = name.trim().chars().take(super::MAX_NAME).collect();
        let keys = vec![format!("ip:{ip}"), format!("name:{}", name.to_lowercase())];
        let (password, ip) = (password.to_owned(), ip.to_owned());
        if self.throttle.locked(&keys, now) {
            let detail = format!("sign-in for {name:?} from {ip} refused: locked");
            let record = audit(now, actor(&name), AuditKind::SignInFailed, detail);
            self.blocking(move |s| Ok(s.commit_operators(audit_only(record))?))
                .await?;
            return Err(SignInError::Locked);
        }
        let found = {
            let name = name.clone();
            self.blocking(move |s| {
                let op = s.operator(&name)?;
                let phc = op
                    .as_ref()
                    .map_or_else(|| decoy_hash().to_owned(), |o| o.password_hash.clone());
                Ok(op.filter(|_| verify_password(&password, &phc)))
            })
            .await?
        };
        let Some(op) = found else {
            self.throttle.failed(&keys, now);
            let detail = format!("sign-in for {name:?} from {ip} refused: wrong name or password");
            let record = audit(now, actor(&name), AuditKind::SignInFailed, detail);
            self.blocking(move |s| Ok(s.commit_operators(audit_only(record))?))
                .await?;
            return Err(SignInError::Wrong);
        };
        self.throttle.succeeded(&keys[1..]);
        Ok(self
            .open_session(op, format!("signed in from {ip}"))
            .await?)
    }

    /// A session for operator `name` as named by a trusted reverse proxy
    /// (which authenticated them); audited like a sign-in.
    pub async fn trusted(&self, name: &str, ip: &str) -> Result<SessionToken, OperatorError> {
        let n = name.to_owned();
        let op = self.blocking(move |s| Ok(s.operator(&n)?)).await?;
        let op = op.ok_or_else(|| OperatorError::NotFound(name.chars().take(64).collect()))?;
        let detail = format!("signed in from {ip} by the trusted proxy header");
        Ok(self.open_session(op, detail).await?.0)
    }

    /// Stores a fresh session for `op` with its sign-in audit record.
    async fn open_session(
        &self,
        op: Operator,
        detail: String,
    ) -> Result<(SessionToken, SignedIn), OperatorError> {
        let no_random = |_| OperatorError::from(super::PasswordError::NoRandomness);
        let now = self.now();
        let token = SessionToken::generate().map_err(no_random)?;
        let session = ConsoleSession {
            id_hash: token.hash(),
            operator: op.name.clone(),
            csrf: random_hex().map_err(no_random)?,
            created_at: now,
            last_seen: now,
        };
        let record = audit(now, actor(&op.name), AuditKind::SignedIn, detail);
        let stored = session.clone();
        self.blocking(move |s| {
            Ok(s.commit_operators(OperatorWrite {
                sessions: vec![stored],
                audit: vec![record],
                ..OperatorWrite::default()
            })?)
        })
        .await?;
        Ok((token, SignedIn::new(op, session)))
    }

    /// The signed-in operator of `token`, if its session is stored, not idle
    /// too long, and its operator still exists. Refreshes the idle clock.
    pub async fn check(&self, token: &SessionToken) -> Result<Option<SignedIn>, OperatorError> {
        let (hash, now, idle) = (token.hash(), self.now(), self.idle);
        self.blocking(move |s| {
            let Some(mut session) = s.console_session(&hash)? else {
                return Ok(None);
            };
            if session.idle(now, idle) {
                s.commit_operators(OperatorWrite {
                    remove_sessions: vec![hash],
                    ..OperatorWrite::default()
                })?;
                return Ok(None);
            }
            let Some(op) = s.operator(&session.operator)? else {
                return Ok(None);
            };
            if now - session.last_seen >= TOUCH_EVERY {
                session.last_seen = now;
                s.commit_operators(OperatorWrite {
                    sessions: vec![session.clone()],
                    ..OperatorWrite::default()
                })?;
            }
            Ok(Some(SignedIn::new(op, session)))
        })
        .await
    }

    /// Ends the session: deleted from the store, so no instance honours it.
    pub async fn sign_out(&self, signed: &SignedIn) -> Result<(), OperatorError> {
        let hash = signed.session().id_hash.clone();
        let record = audit(
            self.now(),
            actor(signed.name()),
            AuditKind::SignedOut,
            "signed out".into(),
        );
        self.blocking(move |s| {
            Ok(s.commit_operators(OperatorWrite {
                remove_sessions: vec![hash],
                audit: vec![record],
                ..OperatorWrite::default()
            })?)
        })
        .await
    }
}

fn audit_only(record: AuditRecord) -> OperatorWrite {
    OperatorWrite {
        audit: vec![record],
        ..OperatorWrite::default()
    }
}
