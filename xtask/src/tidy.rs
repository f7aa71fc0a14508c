//! Invariants of the source tree, checked as tests instead of CI scripts.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    crate::project_root()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_source_module_starts_with_a_header_comment() {
    let mut files = vec![];
    rust_files(&root().join("crates"), &mut files);
    rust_files(&root().join("xtask/src"), &mut files);
    let missing: Vec<_> = files
        .iter()
        .filter(|p| p.components().all(|c| c.as_os_str() != "tests") || p.ends_with("main.rs"))
        // SQL files are `include!`d into a module and cannot carry `//!`.
        .filter(|p| !p.to_string_lossy().ends_with("sql.rs") && !p.ends_with("build.rs"))
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            !text.trim_start().starts_with("//!")
        })
        .collect();
    assert!(
        missing.is_empty(),
        "modules without a //! header: {missing:?}"
    );
}

#[test]
fn both_backends_have_the_same_migrations() {
    let names = |backend: &str| {
        let mut names: Vec<String> =
            std::fs::read_dir(root().join("crates/kefu-store/migrations").join(backend))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
        names.sort();
        names
    };
    let sqlite = names("sqlite");
    assert_eq!(sqlite, names("postgres"));
    for (i, name) in sqlite.iter().enumerate() {
        assert!(
            name.starts_with(&format!("{:04}_", i + 1)),
            "migrations are numbered 0001_, 0002_… without gaps: {name}"
        );
    }
}

#[test]
fn landed_migrations_are_never_edited() {
    // Append-only: a migration that is in git's HEAD must be byte-identical on disk.
    let output = std::process::Command::new("git")
        .args([
            "diff",
            "--name-only",
            "HEAD",
            "--",
            "crates/kefu-store/migrations",
        ])
        .current_dir(root())
        .output();
    if let Ok(output) = output {
        let changed = String::from_utf8_lossy(&output.stdout);
        let edited: Vec<&str> = changed
            .lines()
            .filter(|path| {
                std::process::Command::new("git")
                    .args(["cat-file", "-e", &format!("HEAD:{path}")])
                    .current_dir(root())
                    .status()
                    .is_ok_and(|s| s.success())
            })
            .collect();
        assert!(
            edited.is_empty(),
            "landed migrations were edited: {edited:?}; add a new one instead"
        );
    }
}

#[test]
fn every_error_code_is_documented() {
    let docs = std::fs::read_to_string(root().join("docs/http-api.md")).unwrap()
        + &std::fs::read_to_string(root().join("docs/websocket.md")).unwrap();
    let mut files = vec![];
    rust_files(&root().join("crates"), &mut files);
    let mut codes = vec![];
    for file in files
        .iter()
        .filter(|p| p.components().all(|c| c.as_os_str() != "tests"))
    {
        let text = std::fs::read_to_string(file).unwrap();
        // Codes are the literals handed to `bad_request`/`unique_as_conflict` and the
        // literals inside every `fn code(&self)` body.
        for marker in ["bad_request(", "unique_as_conflict("] {
            for (i, _) in text.match_indices(marker) {
                codes.extend(literals(&text[i..i + text[i..].find(')').unwrap_or(0)]));
            }
        }
        for (i, _) in text.match_indices("fn code(&self)") {
            let body = &text[i..i + text[i..].find("\n    }\n").unwrap_or(0)];
            for (j, _) in body.match_indices("=> \"") {
                codes.extend(literals(&body[j..]).into_iter().take(1));
            }
        }
    }
    assert!(codes.len() > 20, "the scan found the codes: {codes:?}");
    let mut missing: Vec<String> = codes
        .into_iter()
        .filter(|code| !docs.contains(&format!("`{code}`")))
        .collect();
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "error codes missing from docs/: {missing:?}"
    );
}

/// The snake_case string literals in `text`.
fn literals(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(str::to_owned)
        .collect()
}
