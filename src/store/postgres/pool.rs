//! The PostgreSQL store's connections: the blocking [`wait`] for driver
//! futures, a small pool of connections with prepared statements, and how
//! driver errors are told apart (lost race, lost connection, anything else).

use std::future::Future;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Config, NoTls, Statement};

use crate::lifecycle::StoreError;

/// Connections per process at most.
const POOL_SIZE: usize = 16;
/// How long a caller waits for a free connection.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(5);

/// Waits for `fut` on the calling thread. The futures waited on here only
/// exchange messages with connection tasks running on the store's runtime,
/// so polling them needs no tokio context.
pub(super) fn wait<F: Future>(fut: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        // Spurious wake-ups just poll again.
        std::thread::park();
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The pool's bookkeeping is updated in single statements; a panic
    // elsewhere cannot leave it half-changed.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `user@host:port/database` of a connection config, never the password.
pub(super) fn describe(config: &Config) -> String {
    use tokio_postgres::config::Host;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("(default user)");
    let db = config.get_dbname().unwrap_or(user);
    format!("postgresql://{user}@{host}:{port}/{db}")
}

/// Lost races: the server rolled the transaction back, so running it again
/// is safe and will see the winner's records.
pub(super) fn lost_race(e: &tokio_postgres::Error) -> bool {
    e.code().is_some_and(|c| {
        *c == SqlState::T_R_SERIALIZATION_FAILURE
            || *c == SqlState::T_R_DEADLOCK_DETECTED
            || *c == SqlState::UNIQUE_VIOLATION
    })
}

/// The connection is gone (server stopped or restarted, network down).
pub(super) fn connection_lost(e: &tokio_postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    match e.code() {
        // A server without a SQLSTATE answer: I/O, protocol, closed socket.
        None => e.as_db_error().is_none(),
        Some(c) => {
            c.code().starts_with("08")
                || *c == SqlState::ADMIN_SHUTDOWN
                || *c == SqlState::CRASH_SHUTDOWN
                || *c == SqlState::CANNOT_CONNECT_NOW
        }
    }
}

/// The statements every pooled connection prepares once.
pub(super) struct Statements {
    pub(super) get: Statement,
    pub(super) get_locked: Statement,
    pub(super) scan_from: Statement,
    pub(super) scan_range: Statement,
    pub(super) insert: Statement,
    pub(super) update: Statement,
    pub(super) delete: Statement,
    pub(super) next_seq: Statement,
}

impl Statements {
    pub(super) async fn prepare(c: &Client) -> Result<Self, tokio_postgres::Error> {
        Ok(Statements {
            get: c
                .prepare("SELECT value FROM supportbot_kv WHERE tree = $1 AND key = $2")
                .await?,
            get_locked: c
                .prepare("SELECT value FROM supportbot_kv WHERE tree = $1 AND key = $2 FOR UPDATE")
                .await?,
            scan_from: c
                .prepare(
                    "SELECT key, value FROM supportbot_kv WHERE tree = $1 AND key >= $2 ORDER BY key",
                )
                .await?,
            scan_range: c
                .prepare(
                    "SELECT key, value FROM supportbot_kv \
                     WHERE tree = $1 AND key >= $2 AND key < $3 ORDER BY key",
                )
                .await?,
            insert: c
                .prepare("INSERT INTO supportbot_kv (tree, key, value) VALUES ($1, $2, $3)")
                .await?,
            update: c
                .prepare("UPDATE supportbot_kv SET value = $3 WHERE tree = $1 AND key = $2")
                .await?,
            delete: c
                .prepare("DELETE FROM supportbot_kv WHERE tree = $1 AND key = $2")
                .await?,
            next_seq: c.prepare("SELECT nextval('supportbot_audit_seq')").await?,
        })
    }
}

/// A connection with its prepared statements.
pub(super) struct Conn {
    pub(super) client: Client,
    pub(super) st: Statements,
}

/// A small blocking connection pool: idle connections, a cap, and callers
/// waiting for one to be handed back.
pub(super) struct Pool {
    pub(super) config: Config,
    pub(super) runtime: tokio::runtime::Handle,
    pub(super) target: String,
    pub(super) state: Mutex<PoolState>,
    pub(super) freed: Condvar,
}

pub(super) struct PoolState {
    pub(super) idle: Vec<Conn>,
    /// Connections in use or idle.
    pub(super) open: usize,
}

/// A checked-out connection; handed back (or, when broken, let go) on drop.
pub(super) struct Pooled<'a> {
    pool: &'a Pool,
    conn: Option<Conn>,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
            .as_ref()
            .unwrap_or_else(|| unreachable!("taken only on drop"))
    }
}

impl std::ops::DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn
            .as_mut()
            .unwrap_or_else(|| unreachable!("taken only on drop"))
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        let mut s = lock(&self.pool.state);
        if conn.client.is_closed() {
            s.open -= 1;
        } else {
            s.idle.push(conn);
        }
        self.pool.freed.notify_one();
    }
}

impl Pool {
    pub(super) fn unavailable(&self, detail: impl std::fmt::Display) -> StoreError {
        StoreError::Unavailable {
            target: self.target.clone(),
            detail: detail.to_string(),
        }
    }

    /// Maps a driver error: a lost connection is "unavailable", anything
    /// else a storage error naming the server's message.
    pub(super) fn error(&self, e: &tokio_postgres::Error) -> StoreError {
        if connection_lost(e) {
            self.unavailable(e)
        } else {
            StoreError::Io(format!("PostgreSQL {}: {e}", self.target))
        }
    }

    /// A new connection (no prepared statements).
    pub(super) fn connect_client(&self) -> Result<Client, StoreError> {
        let config = self.config.clone();
        // The answer comes back over a std channel rather than by polling the
        // task's JoinHandle: that poll would draw on the cooperative budget of
        // whatever tokio task the caller runs in, and could spin once it is
        // spent.
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.runtime.spawn(async move {
            let connected = config.connect(NoTls).await.map(|(client, connection)| {
                // Ends when the client is dropped or the server goes away;
                // `Client::is_closed` then tells the pool.
                tokio::spawn(async move {
                    let _ = connection.await;
                });
                client
            });
            let _ = tx.send(connected);
        });
        match rx.recv() {
            Ok(Ok(client)) => Ok(client),
            Ok(Err(e)) => Err(self.unavailable(e)),
            Err(_) => Err(self.unavailable("the connection task stopped")),
        }
    }

    pub(super) fn connect(&self) -> Result<Conn, StoreError> {
        let client = self.connect_client()?;
        let st = wait(Statements::prepare(&client)).map_err(|e| self.error(&e))?;
        Ok(Conn { client, st })
    }

    pub(super) fn get(&self) -> Result<Pooled<'_>, StoreError> {
        let deadline = Instant::now() + CHECKOUT_TIMEOUT;
        let mut s = lock(&self.state);
        loop {
            while let Some(conn) = s.idle.pop() {
                if conn.client.is_closed() {
                    s.open -= 1;
                    continue;
                }
                return Ok(Pooled {
                    pool: self,
                    conn: Some(conn),
                });
            }
            if s.open < POOL_SIZE {
                s.open += 1;
                drop(s);
                return match self.connect() {
                    Ok(conn) => Ok(Pooled {
                        pool: self,
                        conn: Some(conn),
                    }),
                    Err(e) => {
                        lock(&self.state).open -= 1;
                        self.freed.notify_one();
                        Err(e)
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(self.unavailable(format!(
                    "all {POOL_SIZE} connections stayed busy for {} s",
                    CHECKOUT_TIMEOUT.as_secs()
                )));
            }
            s = self
                .freed
                .wait_timeout(s, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Runs a read on a pooled connection; a connection found dead (the
    /// server restarted since it was opened) is replaced once.
    pub(super) fn read<T>(
        &self,
        mut f: impl FnMut(&Conn) -> Result<T, tokio_postgres::Error>,
    ) -> Result<T, StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let conn = self.get()?;
            match f(&conn) {
                Ok(v) => return Ok(v),
                Err(_) if attempt < 3 && conn.client.is_closed() => continue,
                Err(e) => return Err(self.error(&e)),
            }
        }
    }
}
