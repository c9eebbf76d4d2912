//! Unit tests of the PostgreSQL store's pure helpers (the store itself is
//! tested against a real server in `tests/lifecycle/postgres_store.rs`).

use std::str::FromStr;

use tokio_postgres::Config;

use super::pool::describe;
use super::tx::prefix_end;

#[test]
fn prefix_end_is_the_next_key_after_the_prefix_range() {
    assert_eq!(prefix_end(b""), None);
    assert_eq!(prefix_end(b"ab\0"), Some(b"ab\x01".to_vec()));
    assert_eq!(prefix_end(b"a\xff\xff"), Some(b"b".to_vec()));
    assert_eq!(prefix_end(b"\xff"), None);
}

#[test]
fn a_target_names_host_and_database_but_never_the_password() {
    let config = Config::from_str("postgres://bob:s3cret@db.example:6543/support").expect("url");
    let shown = describe(&config);
    assert_eq!(shown, "postgresql://bob@db.example:6543/support");
    assert!(!shown.contains("s3cret"));
}
