//! A real PostgreSQL for the tests: `SUPPORTBOT_TEST_DATABASE_URL` when set,
//! else a private cluster of this test binary (initdb into a temporary
//! directory, a free 127.0.0.1 port, its socket in that directory). Every
//! test gets a fresh database.
//!
//! Without server binaries a test prints `SKIPPED: …` and returns;
//! `SUPPORTBOT_REQUIRE_POSTGRES=1` (CI) turns that into a failure.
//!
//! The cluster outlives no test binary: a watcher process started with it
//! stops it (immediate shutdown) and removes its directory as soon as the
//! binary has exited, however it exited.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// Where the databases are created.
struct Server {
    /// URL of the maintenance database; per-test databases replace its name.
    admin_url: String,
}

static SERVER: OnceLock<Option<Server>> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// The reason printed when there is no PostgreSQL.
pub const NO_SERVER: &str =
    "PostgreSQL server binaries not found (install postgresql or set SUPPORTBOT_TEST_DATABASE_URL)";

/// The URL of a new, empty database for `test`, or `None` (after printing
/// `SKIPPED: test: …`) when no PostgreSQL is available and none is required.
pub fn database(test: &str) -> Option<String> {
    let Some(server) = SERVER.get_or_init(start) else {
        if std::env::var("SUPPORTBOT_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
            panic!("{test}: {NO_SERVER}, and SUPPORTBOT_REQUIRE_POSTGRES=1");
        }
        eprintln!("SKIPPED: {test}: {NO_SERVER}");
        return None;
    };
    let name = format!(
        "t_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::SeqCst)
    );
    exec(&server.admin_url, &format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("{test}: cannot create database {name}: {e}"));
    Some(with_dbname(&server.admin_url, &name))
}

/// Runs one SQL statement (outside a transaction) on its own thread and
/// runtime, so it works from inside a test's runtime too.
pub fn exec(url: &str, sql: &str) -> Result<(), String> {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async move {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .map_err(|e| e.to_string())?;
            let driver = tokio::spawn(conn);
            let done = client.batch_execute(&sql).await.map_err(|e| e.to_string());
            drop(client);
            let _ = driver.await;
            done
        })
    })
    .join()
    .map_err(|_| "the SQL thread panicked".to_owned())?
}

/// `url` with its database name replaced by `db`.
pub fn with_dbname(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{db}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn start() -> Option<Server> {
    if let Ok(url) = std::env::var("SUPPORTBOT_TEST_DATABASE_URL") {
        if !url.trim().is_empty() {
            return Some(Server { admin_url: url });
        }
    }
    let bin = bindir()?;
    Some(Cluster::start(&bin))
}

/// The directory with `initdb` and `pg_ctl`: `pg_config --bindir`, then
/// Debian's `/usr/lib/postgresql/<newest>/bin`, then `PATH`.
fn bindir() -> Option<PathBuf> {
    let has_tools = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_tools(&dir) {
            return Some(dir);
        }
    }
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, d)| has_tools(d))
        .collect();
    debian.sort();
    if let Some((_, dir)) = debian.pop() {
        return Some(dir);
    }
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).find(|d| has_tools(d)))
}

/// A private cluster.
struct Cluster;

impl Cluster {
    fn start(bin: &Path) -> Server {
        let mut rnd = [0u8; 8];
        getrandom::fill(&mut rnd).expect("random");
        let dir = std::env::temp_dir().join(format!(
            "supportbot-pg-{}-{:x}",
            std::process::id(),
            u64::from_le_bytes(rnd)
        ));
        let data = dir.join("data");
        std::fs::create_dir_all(&dir).expect("cluster directory");
        // initdb and postgres refuse to run as root: run them as the
        // `postgres` user (Debian's package creates it), else `nobody`.
        let run_as = is_root().then(|| {
            let user = ["postgres", "nobody"]
                .into_iter()
                .find(|u| {
                    Command::new("id")
                        .arg(u)
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .status()
                        .is_ok_and(|s| s.success())
                })
                .expect("running as root, and neither a postgres nor a nobody user exists");
            let chowned = Command::new("chown")
                .arg(user)
                .arg(&dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(chowned, "cannot hand {} to {user}", dir.display());
            user
        });
        watch(&dir, &data);
        let log = dir.join("setup.log");
        run(
            run_as,
            &bin.join("initdb"),
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-A".as_ref(),
                "trust".as_ref(),
                "-U".as_ref(),
                "postgres".as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
                "--no-sync".as_ref(),
            ],
            &log,
        );
        // A free port can be taken by someone else before the server binds
        // it: try a few.
        for _ in 0..5 {
            let port = free_port();
            let options = format!(
                "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off -c max_connections=200",
                dir.display()
            );
            let started = run_status(
                run_as,
                &bin.join("pg_ctl"),
                &[
                    "-D".as_ref(),
                    data.as_os_str(),
                    "-l".as_ref(),
                    dir.join("server.log").as_os_str(),
                    "-o".as_ref(),
                    options.as_ref(),
                    "-w".as_ref(),
                    "-t".as_ref(),
                    "60".as_ref(),
                    "start".as_ref(),
                ],
                &log,
            );
            if started {
                return Server {
                    admin_url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
                };
            }
        }
        panic!(
            "the private PostgreSQL cluster did not start; see {} and {}",
            log.display(),
            dir.join("server.log").display()
        );
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn command(run_as: Option<&str>, program: &Path, args: &[&std::ffi::OsStr]) -> Command {
    let mut cmd = match run_as {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    };
    cmd.args(args);
    cmd
}

fn run_status(run_as: Option<&str>, program: &Path, args: &[&std::ffi::OsStr], log: &Path) -> bool {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("setup log");
    let err = out.try_clone().expect("setup log");
    // Output to a file, never a pipe: the server started by pg_ctl must not
    // hold a pipe of this process (or of cargo's) open.
    command(run_as, program, args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .status()
        .is_ok_and(|s| s.success())
}

fn run(run_as: Option<&str>, program: &Path, args: &[&std::ffi::OsStr], log: &Path) {
    if !run_status(run_as, program, args, log) {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        panic!("{} failed:\n{text}", program.display());
    }
}

/// Starts the process that stops the cluster once this test binary is gone.
#[allow(
    clippy::zombie_processes,
    reason = "the watcher must outlive this process; it is never waited for"
)]
fn watch(dir: &Path, data: &Path) {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.2; done; \
         if [ -f '{data}/postmaster.pid' ]; then kill -QUIT \"$(head -n 1 '{data}/postmaster.pid')\" 2>/dev/null; fi; \
         for i in 1 2 3 4 5 6 7 8 9 10; do [ -f '{data}/postmaster.pid' ] || break; sleep 0.3; done; \
         rm -rf '{dir}'",
        pid = std::process::id(),
        data = data.display(),
        dir = dir.display(),
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the cluster watcher starts");
}
