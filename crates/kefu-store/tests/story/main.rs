//! One storage story, told against SQLite and PostgreSQL alike, a chapter (module) per
//! resource. Every chapter runs on a fresh database of each backend, and together they call
//! every public `Store` method (`the_story_calls_every_public_store_method` checks).

#![allow(clippy::unwrap_used)] // tests state their expectations by unwrapping

use std::future::Future;
use std::path::Path;

use kefu_domain::account::{Buyer, Tenant, TenantKind, User};
use kefu_domain::channel::{Channel, Entry};
use kefu_domain::commerce::{
    AfterSaleStatus, EntryContext, OrderInput, OrderItem, PaymentStatus, Receiver, ShippingStatus,
};
use kefu_domain::conversation::ConversationSummary;
use kefu_domain::message::{MessageContent, MessageKind, SenderKind};
use kefu_domain::money::Money;
use kefu_domain::role::Role;
use kefu_store::{AppendRequest, NewUser, Store, Vault, scratch};
use uuid::Uuid;

/// Declares the tests `on_sqlite` and `on_postgres` (in a module named after the story) that
/// tell `$story(store)` on a fresh database of each backend.
macro_rules! on_both_backends {
    ($story:ident) => {
        mod $story {
            #[tokio::test]
            async fn on_sqlite() {
                crate::on_sqlite(super::$story).await;
            }

            #[tokio::test]
            async fn on_postgres() {
                crate::on_postgres(super::$story).await;
            }
        }
    };
}

mod accounts;

mod approvals;
mod attachments;
mod audit;
mod automation;
mod backup;
mod blocklist;
mod buyers;
mod channels;
mod cockpit;
mod commerce;
mod conversations;
mod escalations;
mod flows;
mod handoffs;
mod kpi;
mod leader;
mod messages;
mod notes;
mod permission_groups;
mod phrases;
mod questions;
mod ratings;
mod robot;
mod robot_training;
mod routing;
mod server;
mod sessions;
mod tags;
mod teams;
mod tenants;
mod vault;
mod work_orders;

/// A store on a fresh SQLite file, and the directory that holds it.
pub async fn sqlite() -> (Store, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("kefu-story-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let vault = Vault::open_file(&dir.join("kefu.keys")).unwrap();
    let store = Store::connect(&Store::sqlite_url_in(&dir), vault)
        .await
        .unwrap();
    assert_eq!(store.backend_name(), "sqlite");
    (store, dir)
}

/// A store on a fresh PostgreSQL database, and its URL.
pub async fn postgres() -> (Store, String) {
    let url = scratch::create_database().await.unwrap();
    let store = Store::connect(&url, Vault::in_memory()).await.unwrap();
    assert_eq!(store.backend_name(), "postgres");
    (store, url)
}

pub async fn on_sqlite<F: Future<Output = ()>>(story: impl FnOnce(Store) -> F) {
    let (store, dir) = sqlite().await;
    story(store.clone()).await;
    store.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

pub async fn on_postgres<F: Future<Output = ()>>(story: impl FnOnce(Store) -> F) {
    let (store, url) = postgres().await;
    story(store.clone()).await;
    store.close().await;
    drop_database(&url).await;
}

/// Drops a scratch database once its story is told (best effort: a failed story leaves it).
pub async fn drop_database(url: &str) {
    use sqlx::Connection;
    let Some((_, name)) = url.rsplit_once('/') else {
        return;
    };
    if let Ok(mut admin) = sqlx::PgConnection::connect(&scratch::admin_url()).await {
        let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let _ = sqlx::query(sqlx::AssertSqlSafe(drop))
            .execute(&mut admin)
            .await;
        let _ = admin.close().await;
    }
}

/// Lets the clock move on, so that rows ordered by time are ordered as written.
pub async fn tick() {
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
}

/// A shop with a supervisor, an agent in pre-sales, and a buyer on the web.
pub struct Shop {
    pub tenant: Tenant,
    pub boss: User,
    pub agent: User,
    pub buyer: Buyer,
}

pub async fn shop(store: &Store, slug: &str) -> Shop {
    let tenant = store
        .create_tenant(
            TenantKind::Shop,
            slug,
            &format!("{slug} 小店"),
            "secret",
            |_| vec![],
        )
        .await
        .unwrap();
    let boss = user(
        store,
        tenant.id,
        &format!("{slug}-boss"),
        Role::Supervisor,
        None,
    )
    .await;
    let agent = user(
        store,
        tenant.id,
        &format!("{slug}-agent"),
        Role::Agent,
        Some("pre_sales"),
    )
    .await;
    let buyer = store
        .upsert_buyer(tenant.id, Channel::Web, &format!("{slug}:buyer"), "访客")
        .await
        .unwrap();
    Shop {
        tenant,
        boss,
        agent,
        buyer,
    }
}

pub async fn user(
    store: &Store,
    tenant_id: Uuid,
    username: &str,
    role: Role,
    team: Option<&str>,
) -> User {
    store
        .create_user(
            &NewUser {
                tenant_id,
                username,
                display_name: username,
                password_hash: "hash",
                role,
                team,
                phone: None,
                probation_until: None,
                created_by: None,
            },
            |_| vec![],
        )
        .await
        .unwrap()
}

/// The buyer's current conversation, opened from the shop's home page.
pub async fn conversation(store: &Store, tenant_id: Uuid, buyer: &Buyer) -> ConversationSummary {
    store
        .open_conversation(tenant_id, buyer, Entry::ShopHome, &EntryContext::default())
        .await
        .unwrap()
}

pub fn text(
    conversation: Uuid,
    tenant: Uuid,
    sender: SenderKind,
    who: Uuid,
    id: &str,
    body: &str,
) -> AppendRequest {
    AppendRequest {
        tenant_id: tenant,
        conversation_id: conversation,
        sender_kind: sender,
        sender_id: Some(who),
        sender_name: "someone".into(),
        client_msg_id: Some(id.into()),
        content: MessageContent::parse(MessageKind::Text, body, None).unwrap(),
        external_id: None,
    }
}

/// Stores one message, refusing nothing.
pub async fn send(store: &Store, request: AppendRequest) -> kefu_store::Appended {
    let mut results = store.append_batch(&[request]).await.unwrap();
    results.pop().unwrap().unwrap()
}

pub fn order(order_no: &str, member: &str, product_code: &str, placed_at: i64) -> OrderInput {
    OrderInput {
        order_no: order_no.into(),
        buyer_id: member.into(),
        buyer_name: "小王".into(),
        placed_at,
        items: vec![OrderItem {
            product_code: product_code.into(),
            sku_code: format!("{product_code}-1"),
            title: "商品".into(),
            quantity: 1,
            unit_price_fen: Money::from_fen(100),
        }],
        total_fen: Money::from_fen(100),
        paid_fen: Money::from_fen(100),
        payment_status: PaymentStatus::Paid,
        shipping_status: ShippingStatus::Shipped,
        after_sale_status: AfterSaleStatus::None,
        logistics_company: Some("顺丰速运".into()),
        tracking_no: Some("SF1".into()),
        receiver: Some(Receiver {
            name: "王小明".into(),
            phone: "13812345678".into(),
            address: "浙江省杭州市西湖区文三路 100 号".into(),
        }),
    }
    .check()
    .unwrap()
}

/// Every public `Store` method (an `impl Store` block's `pub fn` or `pub async fn` in
/// `src/*.rs`) is called somewhere in the story, and every chapter's story is told on both
/// backends: a method added without a story fails here.
#[test]
fn the_story_calls_every_public_store_method() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sources = rust_files(&crate_dir.join("src"));
    let chapters = rust_files(&crate_dir.join("tests/story"));
    let story: String = chapters
        .iter()
        .map(|(_, text)| without_comments(text))
        .collect();
    let mut methods = vec![];
    for (_, text) in &sources {
        for block in text.split("\nimpl Store {\n").skip(1) {
            let block = &block[..block.find("\n}\n").unwrap_or(block.len())];
            for line in block.lines().map(str::trim_start) {
                let Some(rest) = line
                    .strip_prefix("pub async fn ")
                    .or_else(|| line.strip_prefix("pub fn "))
                else {
                    continue;
                };
                let end = rest.find(['(', '<']).unwrap_or(rest.len());
                methods.push(rest[..end].to_owned());
            }
        }
    }
    assert!(
        methods.len() > 100,
        "the scan found the methods: {methods:?}"
    );
    let missing: Vec<&String> = methods
        .iter()
        .filter(|m| {
            // Called as `.m(`, `::m(`, or with its type named: `.m::<T>(`.
            !story.contains(&format!(".{m}("))
                && !story.contains(&format!("::{m}("))
                && !story.contains(&format!(".{m}::<"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "Store methods no story calls: {missing:?}"
    );

    // A story is an `async fn name(store: Store)`; each must be told on both backends.
    let mut untold = vec![];
    for (path, text) in &chapters {
        let text = without_comments(text);
        for (i, _) in text.match_indices("async fn ") {
            let rest = &text[i + "async fn ".len()..];
            let Some((name, params)) = rest.split_once('(') else {
                continue;
            };
            if params.starts_with("store: Store)")
                && !text.contains(&format!("on_both_backends!({name});"))
            {
                untold.push(format!("{}: {name}", path.display()));
            }
        }
    }
    assert!(
        untold.is_empty(),
        "stories told on one backend only: {untold:?}"
    );
}

/// The `.rs` files directly in `dir`, with their text.
fn rust_files(dir: &Path) -> Vec<(std::path::PathBuf, String)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path, text)
        })
        .collect();
    files.sort();
    files
}

fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}
