//! Rebuild when the embedded rules, locales or answers change: `include_dir!`
//! cannot tell cargo which files it read on stable Rust.
fn main() {
    println!("cargo:rerun-if-changed=intents");
}
