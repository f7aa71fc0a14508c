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
            if state[m] == 0
                && let Some(cycle) = visit(m, edges, state, stack)
            {
                return Some(cycle);
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

/// ARCHITECTURE.md: the desk, the cases, the channels and the reports know no HTTP (axum,
/// handler types) and call no job.
#[test]
fn the_desk_and_the_reports_import_neither_http_nor_axum() {
    let mut files = vec![];
    rust_files(&root().join("crates/kefu-server/src/desk"), &mut files);
    rust_files(&root().join("crates/kefu-server/src/cases"), &mut files);
    rust_files(&root().join("crates/kefu-server/src/channels"), &mut files);
    rust_files(&root().join("crates/kefu-server/src/reports"), &mut files);
    assert!(files.len() >= 10);
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
/// is added with `routes!` (documented), never with a bare `.route("/path", …)`.
#[test]
fn every_route_is_documented_by_construction() {
    let mut files = vec![];
    rust_files(&root().join("crates/kefu-server/src"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains(".route(\"") && !text.contains(".route_service("),
            "{} adds a route outside the documented list",
            file.display()
        );
    }
}

/// The OpenAPI document names a schema after its Rust type, and a second type of the same name
/// silently replaces the first there (and in the UI's generated types): the names of types
/// deriving `ToSchema` are unique across the crates.
#[test]
fn schema_names_are_unique() {
    let mut seen: Vec<(String, PathBuf)> = vec![];
    let mut clashes = vec![];
    for (path, code) in crate_sources() {
        let mut derives_schema = false;
        let mut in_derive = false;
        // `#[schema(as = Name)]` names the schema instead of the type.
        let mut renamed: Option<String> = None;
        for line in code.lines() {
            let line = line.trim_start();
            if line.starts_with("#[derive(") || in_derive {
                derives_schema |= line.contains("ToSchema");
                in_derive = !line.contains(")]");
                continue;
            }
            if let Some(alias) = line.strip_prefix("#[schema(as = ") {
                renamed = alias.split(')').next().map(str::to_owned);
                continue;
            }
            if line.starts_with("#[") || line.starts_with("///") {
                continue;
            }
            if derives_schema {
                let name = ["pub struct ", "pub enum ", "struct ", "enum "]
                    .iter()
                    .find_map(|k| line.strip_prefix(k))
                    .map(|rest| {
                        rest.chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect::<String>()
                    })
                    .map(|name| renamed.take().unwrap_or(name));
                if let Some(name) = name {
                    if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
                        clashes.push(format!(
                            "{name}: {} and {}",
                            first.display(),
                            path.display()
                        ));
                    }
                    seen.push((name, path.clone()));
                }
            }
            derives_schema = false;
            renamed = None;
        }
    }
    assert!(seen.len() > 100, "the scan found {}", seen.len());
    assert!(clashes.is_empty(), "schema names used twice: {clashes:?}");
}
