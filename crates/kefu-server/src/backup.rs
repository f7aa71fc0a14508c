//! Backups (issue #15): `kefu backup --out FILE` while kefu runs, `kefu restore FILE` into an
//! empty data directory, on SQLite or PostgreSQL whichever the backup came from.
//!
//! The archive is a tar stream compressed with zstd:
//!
//! - `tables/<table>.jsonl`: the store's logical export (`Store::export`, one snapshot), one
//!   JSON array of values per line in the columns' order;
//! - `files/<storage key>`: every attachment the exported rows name, byte for byte;
//! - `manifest.json` last: the format, kefu's and the schema's versions, each table's columns,
//!   rows and SHA-256, each file's size and SHA-256.
//!
//! The key file is not in the archive: sealed values stay sealed in it, and a restore needs
//! the key file they were sealed with (`kefu keys status` shows where it is).

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail};
use kefu_domain::time::now_ms;
use kefu_store::backup::{Dump, Load, TableShape};
use kefu_store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::files::Files;

pub const FORMAT: &str = "kefu-backup";
pub const VERSION: u32 = 1;
/// zstd's level: 3 is its default, fast with a good ratio.
const ZSTD_LEVEL: i32 = 3;
const MANIFEST: &str = "manifest.json";
const TABLES: &str = "tables/";
const FILES: &str = "files/";
/// Where attachments live in a data directory, and the only storage keys a restore writes.
const ATTACHMENTS: &str = "attachments/";

/// What an archive holds, checked on restore.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub kefu_version: String,
    /// When the snapshot was taken (ms).
    pub created_at: i64,
    /// `sqlite` or `postgres`: where it came from (it restores into either).
    pub backend: String,
    /// The last migration of the database it came from; a restore needs the same.
    pub schema_version: i64,
    pub tables: Vec<TableEntry>,
    pub files: Vec<FileEntry>,
    /// Attachments the rows name whose file was gone (an upload deleted meanwhile).
    pub missing_files: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableEntry {
    #[serde(flatten)]
    pub shape: TableShape,
    pub rows: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileEntry {
    pub key: String,
    pub bytes: u64,
    pub sha256: String,
}

impl Manifest {
    /// Rows of `table` in the archive.
    pub fn rows(&self, table: &str) -> u64 {
        self.tables
            .iter()
            .find(|t| t.shape.name == table)
            .map_or(0, |t| t.rows)
    }

    pub fn file_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }
}

/// Writes each table's rows to a file of its own while hashing them.
struct JsonlDump {
    dir: PathBuf,
    current: Option<(TableEntry, BufWriter<File>, Sha256)>,
    done: Vec<TableEntry>,
    /// The `storage_key` of every attachment row.
    storage_keys: BTreeSet<String>,
    key_column: Option<usize>,
}

impl JsonlDump {
    fn finish_table(&mut self) -> kefu_store::Result<()> {
        if let Some((mut entry, mut file, hasher)) = self.current.take() {
            file.flush().map_err(io_error)?;
            entry.sha256 = hex::encode(hasher.finalize());
            self.done.push(entry);
        }
        Ok(())
    }
}

fn io_error(error: std::io::Error) -> StoreError {
    StoreError::Corrupt(format!("writing the backup: {error}"))
}

impl Dump for JsonlDump {
    fn table(&mut self, shape: &TableShape) -> kefu_store::Result<()> {
        self.finish_table()?;
        let file =
            File::create(self.dir.join(format!("{}.jsonl", shape.name))).map_err(io_error)?;
        self.key_column = (shape.name == "attachments")
            .then(|| shape.columns.iter().position(|c| c == "storage_key"))
            .flatten();
        self.current = Some((
            TableEntry {
                shape: shape.clone(),
                rows: 0,
                sha256: String::new(),
            },
            BufWriter::new(file),
            Sha256::new(),
        ));
        Ok(())
    }

    fn row(&mut self, values: Vec<Value>) -> kefu_store::Result<()> {
        if let Some(Value::String(key)) = self.key_column.and_then(|i| values.get(i)) {
            self.storage_keys.insert(key.clone());
        }
        let Some((entry, file, hasher)) = &mut self.current else {
            return Err(StoreError::Corrupt("a row before its table".into()));
        };
        let mut line = serde_json::to_vec(&values)
            .map_err(|e| StoreError::Corrupt(format!("a row as JSON: {e}")))?;
        line.push(b'\n');
        hasher.update(&line);
        file.write_all(&line).map_err(io_error)?;
        entry.rows += 1;
        Ok(())
    }
}

/// A reader that hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// A scratch directory inside `dir`, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn within(dir: &Path) -> anyhow::Result<Scratch> {
        let dir = dir.join(format!(".kefu-backup-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Makes a backup of `store` and its attachments (from `files`: disk or NATS) at `out`
/// (written beside it first, then renamed: `out` is whole or absent). Safe while kefu serves:
/// the rows come from one snapshot, and every message acknowledged before it began is in it.
pub async fn backup(store: &Store, files: &Files, out: &Path) -> anyhow::Result<Manifest> {
    // Beside `out`, so that the finished archive is renamed, not copied, into place.
    let beside = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let scratch = Scratch::within(beside)?;
    let mut dump = JsonlDump {
        dir: scratch.0.clone(),
        current: None,
        done: vec![],
        storage_keys: BTreeSet::new(),
        key_column: None,
    };
    let created_at = now_ms();
    let schema_version = store.export(&mut dump).await?;
    dump.finish_table()?;
    let mut manifest = Manifest {
        format: FORMAT.to_owned(),
        version: VERSION,
        kefu_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at,
        backend: store.backend_name().to_owned(),
        schema_version,
        tables: dump.done,
        files: vec![],
        missing_files: vec![],
    };
    let partial = scratch.0.join("archive.partial");
    let file = File::create(&partial).with_context(|| format!("creating {}", partial.display()))?;
    let mut tar = tar::Builder::new(zstd::Encoder::new(BufWriter::new(file), ZSTD_LEVEL)?);
    for table in &manifest.tables {
        let name = format!("{}.jsonl", table.shape.name);
        tar.append_path_with_name(scratch.0.join(&name), format!("{TABLES}{name}"))?;
    }
    for key in &dump.storage_keys {
        let Some(bytes) = files.read(key).await? else {
            tracing::warn!(
                key,
                "an attachment's file is gone; the backup goes on without it"
            );
            manifest.missing_files.push(key.clone());
            continue;
        };
        append(&mut tar, &format!("{FILES}{key}"), &bytes, 0)?;
        manifest.files.push(FileEntry {
            key: key.clone(),
            bytes: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(&bytes)),
        });
    }
    let text = serde_json::to_vec_pretty(&manifest)?;
    append(&mut tar, MANIFEST, &text, manifest.created_at / 1000)?;
    let file = tar
        .into_inner()?
        .finish()?
        .into_inner()
        .map_err(|e| e.into_error())?;
    file.sync_all()?;
    std::fs::rename(&partial, out).with_context(|| format!("writing {}", out.display()))?;
    Ok(manifest)
}

fn append(
    tar: &mut tar::Builder<impl Write>,
    path: &str,
    bytes: &[u8],
    mtime: i64,
) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(u64::try_from(mtime).unwrap_or(0));
    tar.append_data(&mut header, path, bytes)
}

/// Reads each table's file back, a batch of rows at a time.
struct JsonlLoad {
    dir: PathBuf,
    tables: Vec<TableShape>,
    open: BTreeMap<String, std::io::Lines<BufReader<File>>>,
}

impl Load for JsonlLoad {
    fn tables(&self) -> Vec<TableShape> {
        self.tables.clone()
    }

    fn next_rows(&mut self, table: &str, max: usize) -> kefu_store::Result<Vec<Vec<Value>>> {
        if !self.open.contains_key(table) {
            let file = File::open(self.dir.join(format!("{table}.jsonl"))).map_err(io_error)?;
            self.open
                .insert(table.to_owned(), BufReader::new(file).lines());
        }
        let Some(lines) = self.open.get_mut(table) else {
            return Ok(vec![]);
        };
        let mut rows = vec![];
        for line in lines.by_ref().take(max) {
            let line = line.map_err(io_error)?;
            rows.push(serde_json::from_str(&line).map_err(|e| {
                StoreError::Corrupt(format!("{table}: a line that is not a row: {e}"))
            })?);
        }
        Ok(rows)
    }
}

/// A storage key a restore may write: `attachments/…`, plain names only (no `..`, no root).
fn safe_key(key: &str) -> Option<&str> {
    let path = Path::new(key);
    (key.starts_with(ATTACHMENTS) && path.components().all(|c| matches!(c, Component::Normal(_))))
        .then_some(key)
}

/// What an archive's entries were, as read.
struct Unpacked {
    manifest: Manifest,
    /// Table file → SHA-256 of what was read.
    tables: BTreeMap<String, String>,
    files: BTreeMap<String, (u64, String)>,
}

/// The largest attachment a restore takes from an archive (kefu's own limit is far below).
const MAX_FILE_IN_ARCHIVE: u64 = 1 << 30;

async fn unpack(archive: &Path, scratch: &Path, files: &Files) -> anyhow::Result<Unpacked> {
    let file = File::open(archive).with_context(|| format!("opening {}", archive.display()))?;
    let mut tar = tar::Archive::new(zstd::Decoder::new(file).context("not a zstd stream")?);
    let mut manifest = None;
    let mut tables = BTreeMap::new();
    let mut stored = BTreeMap::new();
    for entry in tar.entries().context("not a kefu backup")? {
        let mut entry = entry.context("a damaged archive")?;
        let path = entry.path()?.to_string_lossy().into_owned();
        if path == MANIFEST {
            let mut text = String::new();
            entry.read_to_string(&mut text)?;
            manifest = Some(serde_json::from_str::<Manifest>(&text).context("its manifest")?);
        } else if let Some(name) = path
            .strip_prefix(TABLES)
            .and_then(|n| n.strip_suffix(".jsonl"))
            .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            let mut reader = Hashing {
                inner: entry,
                hasher: Sha256::new(),
            };
            let mut out = File::create(scratch.join(format!("{name}.jsonl")))?;
            std::io::copy(&mut reader, &mut out)?;
            tables.insert(name.to_owned(), hex::encode(reader.hasher.finalize()));
        } else if let Some(key) = path.strip_prefix(FILES).and_then(safe_key) {
            if entry.size() > MAX_FILE_IN_ARCHIVE {
                bail!("{key} is larger than any upload kefu takes");
            }
            let mut bytes = vec![];
            entry.read_to_end(&mut bytes)?;
            files
                .put(key, &bytes)
                .await
                .with_context(|| format!("storing {key}"))?;
            stored.insert(
                key.to_owned(),
                (bytes.len() as u64, hex::encode(Sha256::digest(&bytes))),
            );
        } else {
            bail!("the archive has an entry kefu does not write: {path}");
        }
    }
    let manifest = manifest.context("the archive has no manifest: not a whole kefu backup")?;
    Ok(Unpacked {
        manifest,
        tables,
        files: stored,
    })
}

/// Restores `archive` into `store` (emptied first; the caller checks it held no shop) and
/// its attachments into `files`; `work_dir` holds the tables' files meanwhile. Every table's
/// and file's checksum and every table's row count is checked against the manifest; the
/// database changes in one transaction.
pub async fn restore(
    archive: &Path,
    store: &Store,
    files: &Files,
    work_dir: &Path,
) -> anyhow::Result<Manifest> {
    let scratch = Scratch::within(work_dir)?;
    let unpacked = unpack(archive, &scratch.0, files).await?;
    let manifest = unpacked.manifest;
    if manifest.format != FORMAT || manifest.version != VERSION {
        bail!(
            "not a kefu backup this kefu reads (format {} version {})",
            manifest.format,
            manifest.version
        );
    }
    let here = store.schema_version().await?;
    if manifest.schema_version != here {
        bail!(
            "the backup's schema is version {}, this kefu's is {here}: restore it with the kefu \
             that made it ({}), then upgrade",
            manifest.schema_version,
            manifest.kefu_version
        );
    }
    for table in &manifest.tables {
        let read = unpacked.tables.get(&table.shape.name);
        if read != Some(&table.sha256) {
            bail!(
                "table {} is damaged or missing in the archive",
                table.shape.name
            );
        }
    }
    for file in &manifest.files {
        if unpacked.files.get(&file.key) != Some(&(file.bytes, file.sha256.clone())) {
            bail!(
                "attachment {} is damaged or missing in the archive",
                file.key
            );
        }
    }
    let mut load = JsonlLoad {
        dir: scratch.0.clone(),
        tables: manifest.tables.iter().map(|t| t.shape.clone()).collect(),
        open: BTreeMap::new(),
    };
    let written = store.import(&mut load).await?;
    for table in &manifest.tables {
        let rows = written.get(&table.shape.name).copied().unwrap_or(0);
        if rows != table.rows {
            bail!(
                "table {}: {rows} rows restored of {}",
                table.shape.name,
                table.rows
            );
        }
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restore_writes_attachments_only_where_attachments_live() {
        assert_eq!(safe_key("attachments/t/f"), Some("attachments/t/f"));
        for bad in ["attachments/../kefu.keys", "/etc/passwd", "kefu.db"] {
            assert_eq!(safe_key(bad), None, "{bad}");
        }
    }
}
