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

/// `kefu-server/src` file → module path (`http/conversations/context.rs` → `http::conversations::context`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts.join("::")
}

/// The `crate::…` and `super::…` paths a file names, braces expanded one level deep.
fn named_paths(module: &str, text: &str) -> Vec<String> {
    let parent = module.rsplit_once("::").map_or("", |(p, _)| p);
    let mut paths = vec![];
    for (root, base) in [("crate::", String::new()), ("super::", parent.to_owned())] {
        for (at, _) in text.match_indices(root) {
            if text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let rest = &text[at + root.len()..];
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let prefix = [base.as_str(), path.trim_end_matches(':')]
                .iter()
                .filter(|p| !p.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join("::");
            match rest[path.len()..].strip_prefix('{') {
                Some(group) if path.ends_with("::") || path.is_empty() => {
                    let group = &group[..group.find('}').unwrap_or(0)];
                    for item in group.split(',') {
                        let item = item.trim().split(" as ").next().unwrap_or("").trim();
                        if !item.is_empty() && item != "self" {
                            paths.push(
                                format!("{prefix}::{item}")
                                    .trim_start_matches("::")
                                    .to_owned(),
                            );
                        }
                    }
                    paths.push(prefix.clone());
                }
                _ => paths.push(prefix),
            }
        }
    }
    paths
}

/// ARCHITECTURE.md: no module cycle in kefu-server outside `desk/`. Each file's `crate::` and
/// `super::` paths are resolved to the longest module that exists; `lib.rs` only declares
/// modules and re-exports, so it is no link in a chain.
#[test]
fn kefu_server_has_no_import_cycle_outside_the_desk() {
    let src = root().join("crates/kefu-server/src");
    let mut files = vec![];
    rust_files(&src, &mut files);
    let modules: Vec<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let index = |path: &str| -> Option<usize> {
        let mut path = path.to_owned();
        loop {
            if let Some(i) = modules.iter().position(|m| *m == path) {
                return Some(i);
            }
            path = path.rsplit_once("::")?.0.to_owned();
        }
    };
    let in_desk = |m: &str| m == "desk" || m.starts_with("desk::");
    let mut edges = vec![vec![]; files.len()];
    for (i, file) in files.iter().enumerate() {
        let text = std::fs::read_to_string(file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for path in named_paths(&modules[i], code) {
            if let Some(j) = index(&path) {
                let both_in_desk = in_desk(&modules[i]) && in_desk(&modules[j]);
                if j != i && !modules[j].is_empty() && !both_in_desk && !edges[i].contains(&j) {
                    edges[i].push(j);
                }
            }
        }
    }
    assert!(
        edges.iter().map(Vec::len).sum::<usize>() > 100,
        "the scan found {edges:?}"
    );
    // Depth-first search for a back edge; report the cycle it closes.
    fn visit(
        n: usize,
        edges: &[Vec<usize>],
        state: &mut [u8],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[n] = 1;
        stack.push(n);
        for &m in &edges[n] {
            if state[m] == 1 {
                let start = stack.iter().position(|&s| s == m).unwrap_or(0);
                return Some(stack[start..].to_vec());
            }
            if state[m] == 0 {
                if let Some(cycle) = visit(m, edges, state, stack) {
                    return Some(cycle);
                }
            }
        }
        stack.pop();
        state[n] = 2;
        None
    }
    let mut state = vec![0u8; files.len()];
    for n in 0..files.len() {
        if state[n] == 0 {
            let cycle = visit(n, &edges, &mut state, &mut vec![]);
            let names: Vec<&str> = cycle
                .iter()
                .flatten()
                .map(|&i| modules[i].as_str())
                .collect();
            assert!(names.is_empty(), "an import cycle outside desk/: {names:?}");
        }
    }
}

/// ARCHITECTURE.md: the desk knows no HTTP (axum, handler types) and calls no job.
#[test]
fn the_desk_imports_neither_http_nor_axum() {
    let mut files = vec![];
    rust_files(&root().join("crates/kefu-server/src/desk"), &mut files);
    assert!(files.len() >= 5);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for banned in ["axum", "crate::http", "super::super::http", "crate::jobs"] {
            let named = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .any(|l| l.contains(banned));
            assert!(!named, "{} names {banned}", file.display());
        }
    }
}

/// ARCHITECTURE.md: the router and the OpenAPI document come from one list, so every route
/// is added with `routes!` (documented), never with a bare `.route(`.
#[test]
fn every_route_is_documented_by_construction() {
    let mut files = vec![];
    rust_files(&root().join("crates/kefu-server/src"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains(".route(") && !text.contains(".route_service("),
            "{} adds a route outside the documented list",
            file.display()
        );
    }
}
