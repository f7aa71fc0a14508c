//! Invariants of the source tree, checked as tests instead of CI scripts.

use std::path::{Path, PathBuf};

use kefu_domain::error_code::ErrorCode;

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

/// The `## Error codes` table of docs/http-api.md: (status, code) for each code in a row's
/// second column.
fn documented_codes() -> Vec<(u16, String)> {
    let text = std::fs::read_to_string(root().join("docs/http-api.md")).unwrap();
    let section = text
        .split("\n## Error codes\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("docs/http-api.md has an `## Error codes` section");
    let mut codes = vec![];
    for row in section.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let Some(Ok(status)) = cells.get(1).map(|s| s.parse::<u16>()) else {
            continue;
        };
        codes.extend(
            cells[2]
                .split('`')
                .skip(1)
                .step_by(2)
                .map(|code| (status, code.to_owned())),
        );
    }
    codes
}

#[test]
fn every_error_code_is_documented_with_its_status() {
    let documented = documented_codes();
    let mut problems = vec![];
    for code in ErrorCode::ALL {
        let statuses: Vec<u16> = documented
            .iter()
            .filter(|(_, c)| c == code.as_str())
            .map(|(s, _)| *s)
            .collect();
        if statuses.is_empty() {
            problems.push(format!("`{code}` ({}) is missing", code.status()));
        } else if statuses.iter().any(|s| *s != code.status()) {
            problems.push(format!(
                "`{code}` is {}, documented as {statuses:?}",
                code.status()
            ));
        }
    }
    for (status, code) in &documented {
        if ErrorCode::parse(code).is_none() {
            problems.push(format!("`{code}` ({status}) is no ErrorCode"));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/http-api.md's error codes table and ErrorCode disagree:\n{}",
        problems.join("\n")
    );
}

/// The keys of the `errors` section of a UI locale file (`web/src/locales/<name>.ts`).
fn translated_codes(locale: &str) -> Vec<String> {
    let path = root().join(format!("web/src/locales/{locale}.ts"));
    let text = std::fs::read_to_string(&path).unwrap();
    let section = text
        .split("\n  errors: {\n")
        .nth(1)
        .and_then(|s| s.split("\n  },").next())
        .unwrap_or_else(|| panic!("{} has no top-level `errors` section", path.display()));
    section
        .lines()
        .filter_map(|line| line.strip_prefix("    ")?.split_once(':'))
        .map(|(key, _)| key.trim_matches(['\'', '"']).to_owned())
        .collect()
}

/// Keys of the `errors` sections that the UI makes up itself: not codes kefu sends.
const UI_ONLY_ERRORS: [&str; 3] = ["unknown", "network", "aborted"];

#[test]
fn every_error_code_is_translated() {
    // The UI shows `errors.<code>` (web/src/i18n.ts, errorText), zh-CN first, English second.
    for locale in ["zh-CN", "en"] {
        let keys = translated_codes(locale);
        assert!(
            keys.len() > 100,
            "{locale}: the errors section read as {keys:?}"
        );
        let missing: Vec<&str> = ErrorCode::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|c| !keys.iter().any(|k| k == c))
            .collect();
        assert!(
            missing.is_empty(),
            "error codes without a text in web/src/locales/{locale}.ts (errors): {missing:?}"
        );
        let stale: Vec<&String> = keys
            .iter()
            .filter(|k| ErrorCode::parse(k).is_none() && !UI_ONLY_ERRORS.contains(&k.as_str()))
            .collect();
        assert!(
            stale.is_empty(),
            "web/src/locales/{locale}.ts translates codes kefu never sends: {stale:?}"
        );
    }
}

/// The non-test part of every Rust source file under `crates/*/src`, by path.
fn crate_sources() -> Vec<(PathBuf, String)> {
    let mut files = vec![];
    rust_files(&root().join("crates"), &mut files);
    files
        .into_iter()
        .filter(|p| p.components().all(|c| c.as_os_str() != "tests"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("").to_owned();
            (p, code)
        })
        .collect()
}

/// The string literals on a line of Rust, roughly: the text between pairs of quotes.
fn literals(line: &str) -> impl Iterator<Item = &str> {
    line.split('"').skip(1).step_by(2)
}

#[test]
fn error_codes_are_written_only_in_their_table() {
    // A code's string appears once, in kefu-domain/src/error_code.rs; everything else names
    // the `ErrorCode` variant. kefu-store, which names codes as text in `StoreError`, is
    // checked by the next test instead.
    let mut loose = vec![];
    for (path, code) in crate_sources() {
        if path.ends_with("error_code.rs")
            || path.components().any(|c| c.as_os_str() == "kefu-store")
        {
            continue;
        }
        for (n, line) in code.lines().enumerate() {
            if line.trim_start().starts_with("//") || line.contains("// not an error code") {
                continue;
            }
            if literals(line).any(|l| ErrorCode::parse(l).is_some()) {
                let path = path.strip_prefix(root()).unwrap_or(&path);
                loose.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        loose.is_empty(),
        "error codes written as strings; name the ErrorCode variant instead (or mark a \
         literal that only looks like a code with `// not an error code`):\n{}",
        loose.join("\n")
    );
}

#[test]
fn the_stores_error_codes_are_error_codes() {
    // `StoreError::Conflict("tag_exists")` and `unique_as_conflict("tag_exists")` name a code;
    // `StoreError::NotFound("user")` becomes `user_not_found` (kefu-server/src/error.rs).
    let mut named = vec![];
    for (path, code) in crate_sources() {
        if path.components().all(|c| c.as_os_str() != "kefu-store") {
            continue;
        }
        for (marker, suffix) in [
            ("Conflict(\"", ""),
            ("unique_as_conflict(\"", ""),
            ("NotFound(\"", "_not_found"),
        ] {
            for (i, _) in code.match_indices(marker) {
                let rest = &code[i + marker.len()..];
                let literal = rest.split('"').next().unwrap_or("");
                named.push(format!("{literal}{suffix}"));
            }
        }
    }
    assert!(named.len() > 20, "the scan found {named:?}");
    let unknown: Vec<&String> = named
        .iter()
        .filter(|c| ErrorCode::parse(c).is_none())
        .collect();
    assert!(
        unknown.is_empty(),
        "kefu-store names error codes ErrorCode lacks: {unknown:?}"
    );
}
