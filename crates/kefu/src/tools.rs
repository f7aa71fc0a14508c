//! Commands that work on the data directly, beside a running server or without one:
//! `kefu import` (products and orders from CSV or JSON Lines) and `kefu entry-link` (a
//! signed chat link with context, as a shop's site would make).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use kefu_domain::channel::Entry;
use kefu_domain::commerce::EntryContext;
use kefu_server::auth::{EntryClaims, sign_entry_token};
use kefu_server::import::{self, Format, ImportKind, ImportReport};
use kefu_store::Store;

use crate::ServeFlags;

#[derive(Clone, Copy, ValueEnum)]
pub enum ImportWhat {
    Products,
    Orders,
    /// The robot's knowledge base (BOT-1).
    Kb,
    /// Real buyers' questions for the knowledge base: a chat log, or questions labelled with
    /// their entry or a person's reply (issue #16).
    KbQuestions,
    /// The shop's and teams' quick phrases (WB-3): text, scope, team, category, shortcut.
    Phrases,
}

#[derive(Args)]
pub struct ImportArgs {
    /// What the file holds.
    what: ImportWhat,
    /// A .csv or .jsonl file (UTF-8 or GBK), or an Excel workbook (.xlsx: its first sheet).
    file: PathBuf,
    /// The shop's slug.
    #[arg(long)]
    shop: String,
    /// csv, jsonl or xlsx [default: from the file name, else the content].
    #[arg(long)]
    format: Option<String>,
    #[command(flatten)]
    storage: ServeFlags,
}

pub async fn import(store: &Store, args: &ImportArgs) -> anyhow::Result<bool> {
    let tenant = store
        .tenant_by_slug(&args.shop)
        .await?
        .with_context(|| format!("no shop `{}`", args.shop))?;
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let format = match args.format.as_deref() {
        Some("csv") => Some(Format::Csv),
        Some("jsonl") => Some(Format::Jsonl),
        Some("xlsx") => Some(Format::Xlsx),
        Some(other) => anyhow::bail!("unknown format `{other}`: csv, jsonl or xlsx"),
        None => None,
    };
    let hint = import::Hint {
        file_name: args.file.to_str(),
        content_type: None,
        format,
    };
    // From the command line a workbook may be as large as the machine allows.
    let (text, format) = import::decode(&bytes, hint, u64::MAX)
        .map_err(|e| anyhow::anyhow!("{}: {} ({})", args.file.display(), e.message, e.code))?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:40}] {human_pos}/{human_len} records (eta {eta})",
        )?
        .progress_chars("=> "),
    );
    bar.set_message("importing");
    let mut progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let started = Instant::now();
    let kind = match args.what {
        ImportWhat::Products => ImportKind::Products,
        ImportWhat::Orders => ImportKind::Orders,
        ImportWhat::Kb => ImportKind::Kb,
        ImportWhat::KbQuestions => ImportKind::KbQuestions,
        ImportWhat::Phrases => ImportKind::Phrases,
    };
    let report = import::import(store, tenant.id, kind, &text, format, &mut progress)
        .await
        .map_err(|e| anyhow::anyhow!("import failed: {e}"))?;
    bar.finish_and_clear();
    print_report(&report, started.elapsed().as_secs_f64());
    Ok(report.rejected == 0)
}

fn print_report(report: &ImportReport, seconds: f64) {
    let rate = report.accepted as f64 / seconds.max(0.001);
    println!(
        "{} rows read: {} records accepted ({} new, {} updated, {} unchanged), {} rows rejected, in {:.1} s ({:.0} records/s)",
        report.rows,
        report.accepted,
        report.created,
        report.updated,
        report.unchanged,
        report.rejected,
        seconds,
        rate
    );
    if let Some(q) = &report.questions {
        println!(
            "{} buyer questions: {} added to {} entries, {} already known; not added: {} replies in a person's own words, {} ambiguous, {} of another entry, {} past a limit, {} unusable",
            q.questions,
            q.added,
            report.updated,
            q.known,
            q.unmatched,
            q.ambiguous,
            q.conflicting,
            q.full,
            q.unusable
        );
    }
    for r in &report.rejections {
        println!("  line {}: {} — {}", r.line, r.code, r.message);
    }
    if report.rejected > report.rejections.len() as u64 {
        println!(
            "  … and {} more",
            report.rejected - report.rejections.len() as u64
        );
    }
}

#[derive(Args)]
pub struct EntryLinkArgs {
    /// The shop's slug.
    #[arg(long)]
    shop: String,
    /// order_card, product_page, live_room, creator or shop_home.
    #[arg(long, default_value = "shop_home")]
    entry: String,
    /// The shop's member id of the buyer (required with --order).
    #[arg(long)]
    member: Option<String>,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    order: Option<String>,
    #[arg(long)]
    product: Option<String>,
    #[arg(long)]
    sku: Option<String>,
    #[arg(long)]
    room_id: Option<String>,
    #[arg(long)]
    room_title: Option<String>,
    #[arg(long)]
    creator_id: Option<String>,
    #[arg(long)]
    creator_name: Option<String>,
    /// Where kefu is reached.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
    #[command(flatten)]
    storage: ServeFlags,
}

pub async fn entry_link(store: &Store, args: &EntryLinkArgs) -> anyhow::Result<()> {
    let tenant = store
        .tenant_by_slug(&args.shop)
        .await?
        .with_context(|| format!("no shop `{}`", args.shop))?;
    let secret = store
        .identity_secrets(tenant.id)
        .await?
        .context("the shop has no identity secret")?
        .current;
    let entry =
        Entry::parse(&args.entry).with_context(|| format!("unknown entry `{}`", args.entry))?;
    let claims = EntryClaims {
        sub: args.member.clone(),
        name: args.name.clone(),
        context: EntryContext {
            order_no: args.order.clone(),
            product_code: args.product.clone(),
            sku_code: args.sku.clone(),
            room_id: args.room_id.clone(),
            room_title: args.room_title.clone(),
            creator_id: args.creator_id.clone(),
            creator_name: args.creator_name.clone(),
        },
        ..EntryClaims::new(entry)
    };
    let token = sign_entry_token(&claims, &secret).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{}/chat/{}?entry={token}",
        args.base_url.trim_end_matches('/'),
        tenant.slug
    );
    Ok(())
}

#[derive(Args)]
pub struct AuditVerifyArgs {
    /// Only this shop's chain [default: every tenant's].
    #[arg(long)]
    shop: Option<String>,
    #[command(flatten)]
    storage: ServeFlags,
}

impl AuditVerifyArgs {
    pub fn storage(&self) -> &ServeFlags {
        &self.storage
    }
}

/// Recomputes every audit chain; false when one is broken.
pub async fn audit_verify(store: &Store, args: &AuditVerifyArgs) -> anyhow::Result<bool> {
    let tenant = match &args.shop {
        Some(slug) => Some(
            store
                .tenant_by_slug(slug)
                .await?
                .with_context(|| format!("no shop `{slug}`"))?,
        ),
        None => None,
    };
    let verdict = store.verify_audit(tenant.as_ref().map(|t| t.id)).await?;
    if verdict.broken.is_empty() {
        println!(
            "audit log intact: {} entries checked, every hash and link matches",
            verdict.checked
        );
        return Ok(true);
    }
    for (tenant_id, seq, problem) in &verdict.broken {
        let name = match store.tenant(*tenant_id).await? {
            Some(t) => t.slug,
            None => tenant_id.to_string(),
        };
        println!("audit log BROKEN in {name} at entry {seq}: {problem}");
    }
    println!("{} entries checked", verdict.checked);
    Ok(false)
}

impl ImportArgs {
    pub fn storage(&self) -> &ServeFlags {
        &self.storage
    }
}

impl EntryLinkArgs {
    pub fn storage(&self) -> &ServeFlags {
        &self.storage
    }
}
