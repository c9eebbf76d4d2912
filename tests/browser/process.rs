//! The processes behind a [`crate::webdriver::Browser`]: where Chromium
//! and chromedriver are, a free port, and making sure nothing outlives the
//! test.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// `Some(reason)` when this machine cannot run the browser tests.
pub fn missing() -> Option<String> {
    let chromium = chromium();
    if !chromium.exists() {
        return Some(format!("no Chromium at {}", chromium.display()));
    }
    let driver = chromedriver();
    if !driver.exists() {
        return Some(format!("no chromedriver at {}", driver.display()));
    }
    None
}

pub fn chromium() -> PathBuf {
    std::env::var_os("SUPPORTBOT_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

pub fn chromedriver() -> PathBuf {
    std::env::var_os("SUPPORTBOT_CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"))
}

pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("local addr").port()
}

/// Ends the session over a plain socket (Drop cannot await), so
/// chromedriver closes Chromium before it is killed itself.
pub fn delete_session(port: u16, session: &str) {
    let Ok(mut socket) = TcpStream::connect(("127.0.0.1", port)) else {
        return;
    };
    let _ = socket.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!(
        "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n",
        session, port
    );
    if socket.write_all(request.as_bytes()).is_ok() {
        let _ = socket.read_to_end(&mut Vec::new());
    }
}

/// Kills, by pid, any Chromium process still using `profile` (only this
/// session's browser has that directory on its command line).
pub fn kill_leftovers(profile: &Path) {
    let needle = format!("--user-data-dir={}", profile.display());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let ours = cmdline
            .split(|b| *b == 0)
            .any(|arg| arg == needle.as_bytes());
        if ours {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
    }
}
