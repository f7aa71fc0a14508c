//! `kefu backup` and `kefu restore` (issue #15): the archive is `kefu_server::backup`'s; here
//! the operator's side: which database and directory, refusing to restore over anything, and
//! what to say.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use kefu_server::Settings;
use kefu_server::backup::Manifest;
use kefu_server::files::Files;

use crate::ServeFlags;

#[derive(Args)]
pub struct BackupArgs {
    /// The archive to write (tar + zstd); written beside it first, so it is whole or absent.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    pub storage: ServeFlags,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// An archive `kefu backup` made.
    archive: PathBuf,
    /// The data directory to rebuild: it must not exist yet, or be empty.
    #[arg(long)]
    data_dir: PathBuf,
    /// Restore into this PostgreSQL database (it must hold no shop) instead of SQLite in the
    /// data directory: how a shop moves from SQLite to PostgreSQL (also `--database`).
    #[arg(long, visible_alias = "database")]
    database_url: Option<String>,
    /// With several processes on NATS: put the attachments into its object store (where
    /// those processes read them) instead of the data directory.
    #[arg(long)]
    nats_url: Option<String>,
    /// The key file the backed-up server sealed its secrets with (`kefu keys status` shows
    /// it); copied into the new data directory as kefu.keys.
    #[arg(long)]
    key_file: PathBuf,
}

fn summary(manifest: &Manifest) -> String {
    format!(
        "{} tables, {} rows ({} messages, {} conversations, {} shops), {} attachments ({} bytes)",
        manifest.tables.len(),
        manifest.tables.iter().map(|t| t.rows).sum::<u64>(),
        manifest.rows("messages"),
        manifest.rows("conversations"),
        manifest.rows("tenants"),
        manifest.files.len(),
        manifest.file_bytes()
    )
}

pub async fn backup(settings: &Settings, args: &BackupArgs) -> anyhow::Result<()> {
    let store = settings.open_store().await?;
    let files = Files::open(&settings.data_dir, &settings.nats_url)
        .await
        .context("opening where the uploads are")?;
    let started = Instant::now();
    let manifest = kefu_server::backup::backup(&store, &files, &args.out).await;
    store.close().await;
    let manifest = manifest?;
    let size = std::fs::metadata(&args.out)?.len();
    println!(
        "backed up {} to {} in {:.1} s: {}; archive {} bytes",
        manifest.backend,
        args.out.display(),
        started.elapsed().as_secs_f64(),
        summary(&manifest),
        size
    );
    if !manifest.missing_files.is_empty() {
        eprintln!(
            "warning: {} attachments' files were gone and are not in the archive",
            manifest.missing_files.len()
        );
    }
    println!(
        "keep the key file ({}) apart from the archive: a restore needs it",
        settings.effective_key_file().display()
    );
    Ok(())
}

/// Whether `dir` is absent or an empty directory.
fn empty_or_absent(dir: &Path) -> anyhow::Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e).with_context(|| format!("reading {}", dir.display())),
    }
}

pub async fn restore(args: &RestoreArgs) -> anyhow::Result<()> {
    if !empty_or_absent(&args.data_dir)? {
        bail!(
            "{} is not empty: restore into a new data directory",
            args.data_dir.display()
        );
    }
    if !args.key_file.is_file() {
        bail!("no key file at {}", args.key_file.display());
    }
    let created = !args.data_dir.exists();
    let result = restore_into(args).await;
    if result.is_err() {
        // Leave nothing half-restored behind: the directory was empty or absent before.
        if created {
            let _ = std::fs::remove_dir_all(&args.data_dir);
        } else if let Ok(entries) = std::fs::read_dir(&args.data_dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                let _ = match path.is_dir() {
                    true => std::fs::remove_dir_all(&path),
                    false => std::fs::remove_file(&path),
                };
            }
        }
    }
    result
}

async fn restore_into(args: &RestoreArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    let keys = args.data_dir.join("kefu.keys");
    std::fs::copy(&args.key_file, &keys)
        .with_context(|| format!("copying the key file to {}", keys.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o600))?;
    }
    let settings = Settings {
        data_dir: args.data_dir.clone(),
        database_url: args.database_url.clone().unwrap_or_default(),
        nats_url: args.nats_url.clone().unwrap_or_default(),
        ..Settings::default()
    };
    let files = Files::open(&settings.data_dir, &settings.nats_url)
        .await
        .context("opening where the uploads go")?;
    let store = settings.open_store().await?;
    let result = async {
        if store.any_tenant().await? {
            bail!(
                "{} already holds a shop: restore into an empty database",
                kefu_server::settings::redact_url(&settings.effective_database_url())
            );
        }
        let started = Instant::now();
        let manifest =
            kefu_server::backup::restore(&args.archive, &store, &files, &args.data_dir).await?;
        // Opened again, the store checks that this key file opens the backup's secrets.
        let reopened = settings
            .open_store()
            .await
            .context("the key file does not open the backup's sealed values")?;
        let verdict = reopened.verify_audit(None).await;
        reopened.close().await;
        let verdict = verdict?;
        if !verdict.broken.is_empty() {
            bail!(
                "the audit chain does not verify after the restore: {:?}",
                verdict.broken
            );
        }
        println!(
            "restored {} backup of {} into {} in {:.1} s: {}; audit chain verified ({} entries)",
            manifest.backend,
            utc(manifest.created_at),
            store.backend_name(),
            started.elapsed().as_secs_f64(),
            summary(&manifest),
            verdict.checked
        );
        let serve = match &args.database_url {
            Some(url) => format!(
                "kefu serve --data-dir {} --database-url {}",
                args.data_dir.display(),
                kefu_server::settings::redact_url(url)
            ),
            None => format!("kefu serve --data-dir {}", args.data_dir.display()),
        };
        println!("start it with: {serve}");
        Ok(())
    }
    .await;
    store.close().await;
    result
}

/// A backup's time for people: UTC, to the second.
fn utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| ms.to_string())
}
