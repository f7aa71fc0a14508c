//! rust-embed reads `web/dist` at compile time. When the UI has not been built (a plain
//! `cargo build` or `cargo test` without Node), write a one-page fallback so the crate still
//! compiles; the README's run command and `.ci/run` build the real UI first.

use std::path::Path;

fn main() {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/dist");
    println!("cargo:rerun-if-changed={}", dist.display());
    let index = dist.join("index.html");
    if !index.exists() {
        let page = "<!doctype html><meta charset=utf-8><title>kefu</title>\
            <p>The kefu web UI was not built into this binary. Run <code>cargo xtask run</code> \
            (or <code>npm ci && npm run build</code> in <code>web/</code>) and rebuild.</p>";
        if std::fs::create_dir_all(&dist).is_ok() {
            let _ = std::fs::write(index, page);
        }
    }
}
