//! The SQL of the shop's catalogue and orders (CH-2, CH-6): upserts that skip unchanged
//! records by content hash, and lookups per shop, per member and across shops.

use kefu_domain::commerce::{Order, OrderInput, OrderItem, Partner, Product, ProductInput};
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::{BEGIN_WRITE, Db};
use crate::rows::{OrderRow, ProductRow, to_json, uuid};
use crate::{Field, ROWS_PER_STATEMENT, Result, StoreError, UpsertCounts, Vault};

/// An order's content hash: its receiver enters as a keyed fingerprint, so the hash says
/// nothing guessable about it (issue #14).
fn order_hash(vault: &Vault, order: &OrderInput) -> Result<String> {
    let receiver = match &order.receiver {
        Some(r) => Some(vault.fingerprint(Field::OrderReceiver, &to_json(r)?)?),
        None => None,
    };
    let without = OrderInput {
        receiver: None,
        ..order.clone()
    };
    content_hash(&(without, receiver))
}

fn content_hash<T: serde::Serialize>(value: &T) -> Result<String> {
    use sha2::Digest;
    let bytes =
        serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(format!("hashing: {e}")))?;
    Ok(hex::encode(&sha2::Sha256::digest(&bytes)[..16]))
}

/// The stored hash (and id) of each of `codes` already in `table`, by code.
async fn known_hashes(
    conn: &mut <Db as sqlx::Database>::Connection,
    table: &'static str,
    code_column: &'static str,
    tenant: &str,
    codes: &[&str],
) -> Result<std::collections::HashMap<String, (String, String)>> {
    let mut known = std::collections::HashMap::new();
    for chunk in codes.chunks(ROWS_PER_STATEMENT) {
        let mut q = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {code_column}, id, content_hash FROM {table} WHERE tenant_id = "
        ));
        q.push_bind(tenant);
        q.push(format!(" AND {code_column} IN ("));
        let mut list = q.separated(", ");
        for code in chunk {
            list.push_bind(*code);
        }
        q.push(")");
        let rows: Vec<(String, String, String)> = q
            .build_query_as()
            .persistent(false)
            .fetch_all(&mut *conn)
            .await?;
        known.extend(rows.into_iter().map(|(code, id, hash)| (code, (id, hash))));
    }
    Ok(known)
}

/// What to write of `records` given the stored (id, hash) by code: the new and the changed,
/// each with its hash and id (stored, or fresh), the ids of the changed, and the counts.
type Classified<'a, T> = (Vec<(&'a T, String, String)>, Vec<String>, UpsertCounts);

fn classify<'a, T>(
    records: &'a [T],
    code: impl Fn(&T) -> &String,
    hash: impl Fn(&T) -> Result<String>,
    known: &std::collections::HashMap<String, (String, String)>,
) -> Result<Classified<'a, T>> {
    let mut counts = UpsertCounts::default();
    let mut writes = vec![];
    let mut changed = vec![];
    for record in records {
        let hash = hash(record)?;
        match known.get(code(record)) {
            Some((_, stored)) if *stored == hash => counts.unchanged += 1,
            Some((id, _)) => {
                counts.updated += 1;
                changed.push(id.clone());
                writes.push((record, hash, id.clone()));
            }
            None => {
                counts.created += 1;
                writes.push((record, hash, Uuid::now_v7().to_string()));
            }
        }
    }
    Ok((writes, changed, counts))
}

/// Inserts new products and updates changed ones, in one transaction; products whose
/// content is unchanged are not written. Inputs must have passed `ProductInput::check`.
pub(crate) async fn upsert_products(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    products: &[ProductInput],
) -> Result<UpsertCounts> {
    if products.is_empty() {
        return Ok(UpsertCounts::default());
    }
    let now = now_ms();
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let codes: Vec<&str> = products.iter().map(|p| p.code.as_str()).collect();
    let known = known_hashes(&mut tx, "products", "code", &tenant, &codes).await?;
    let (writes, _, counts) = classify(products, |p| &p.code, content_hash, &known)?;
    for chunk in writes.chunks(ROWS_PER_STATEMENT / 2) {
        let rows = chunk
            .iter()
            .map(|(p, hash, id)| {
                Ok((
                    *p,
                    hash.as_str(),
                    id.as_str(),
                    to_json(&p.attributes)?,
                    p.partner.as_ref().map(to_json).transpose()?,
                    to_json(&p.skus)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO products (id, tenant_id, code, title, category, image_url, attributes, \
             partner, skus, price_fen, stock, content_hash, created_at, updated_at) ",
        );
        q.push_values(rows, |mut row, (p, hash, id, attributes, partner, skus)| {
            row.push_bind(id.to_owned())
                .push_bind(tenant.clone())
                .push_bind(p.code.clone())
                .push_bind(p.title.clone())
                .push_bind(p.category.clone())
                .push_bind(p.image_url.clone())
                .push_bind(attributes)
                .push_bind(partner)
                .push_bind(skus)
                .push_bind(p.skus.iter().map(|s| s.price_fen.fen()).min().unwrap_or(0))
                .push_bind(p.skus.iter().map(|s| s.stock).sum::<i64>())
                .push_bind(hash.to_owned())
                .push_bind(now)
                .push_bind(now);
        });
        q.push(
            " ON CONFLICT (tenant_id, code) DO UPDATE SET title = excluded.title, \
             category = excluded.category, image_url = excluded.image_url, \
             attributes = excluded.attributes, partner = excluded.partner, skus = excluded.skus, \
             price_fen = excluded.price_fen, stock = excluded.stock, \
             content_hash = excluded.content_hash, updated_at = excluded.updated_at",
        );
        q.build().persistent(false).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(counts)
}

/// Inserts new orders and updates changed ones (their item rows replaced), in one
/// transaction. Inputs must have passed `OrderInput::check`.
pub(crate) async fn upsert_orders(
    pool: &Pool<Db>,
    vault: &Vault,
    tenant_id: Uuid,
    orders: &[OrderInput],
) -> Result<UpsertCounts> {
    if orders.is_empty() {
        return Ok(UpsertCounts::default());
    }
    let now = now_ms();
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let codes: Vec<&str> = orders.iter().map(|o| o.order_no.as_str()).collect();
    let known = known_hashes(&mut tx, "orders", "order_no", &tenant, &codes).await?;
    let (writes, replaced, counts) =
        classify(orders, |o| &o.order_no, |o| order_hash(vault, o), &known)?;
    for chunk in replaced.chunks(ROWS_PER_STATEMENT) {
        let mut q = sqlx::QueryBuilder::<Db>::new("DELETE FROM order_items WHERE order_id IN (");
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(id.as_str());
        }
        q.push(")");
        q.build().persistent(false).execute(&mut *tx).await?;
    }
    for chunk in writes.chunks(ROWS_PER_STATEMENT / 2) {
        let rows = chunk
            .iter()
            .map(|(o, hash, id)| {
                let receiver = match &o.receiver {
                    Some(r) => Some(vault.seal(Field::OrderReceiver, id, &to_json(r)?)?),
                    None => None,
                };
                Ok((*o, hash.as_str(), id.as_str(), to_json(&o.items)?, receiver))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO orders (id, tenant_id, order_no, buyer_id, buyer_name, placed_at, items, \
             total_fen, paid_fen, payment_status, shipping_status, after_sale_status, \
             logistics_company, tracking_no, receiver, content_hash, created_at, updated_at) ",
        );
        q.push_values(rows, |mut row, (o, hash, id, items, receiver)| {
            row.push_bind(id.to_owned())
                .push_bind(tenant.clone())
                .push_bind(o.order_no.clone())
                .push_bind(o.buyer_id.clone())
                .push_bind(o.buyer_name.clone())
                .push_bind(o.placed_at)
                .push_bind(items)
                .push_bind(o.total_fen.fen())
                .push_bind(o.paid_fen.fen())
                .push_bind(o.payment_status.as_str())
                .push_bind(o.shipping_status.as_str())
                .push_bind(o.after_sale_status.as_str())
                .push_bind(o.logistics_company.clone())
                .push_bind(o.tracking_no.clone())
                .push_bind(receiver)
                .push_bind(hash.to_owned())
                .push_bind(now)
                .push_bind(now);
        });
        q.push(
            " ON CONFLICT (tenant_id, order_no) DO UPDATE SET buyer_id = excluded.buyer_id, \
             buyer_name = excluded.buyer_name, placed_at = excluded.placed_at, \
             items = excluded.items, total_fen = excluded.total_fen, \
             paid_fen = excluded.paid_fen, payment_status = excluded.payment_status, \
             shipping_status = excluded.shipping_status, \
             after_sale_status = excluded.after_sale_status, \
             logistics_company = excluded.logistics_company, \
             tracking_no = excluded.tracking_no, receiver = excluded.receiver, \
             content_hash = excluded.content_hash, updated_at = excluded.updated_at",
        );
        q.build().persistent(false).execute(&mut *tx).await?;
    }
    let lines: Vec<(&str, i64, &OrderItem)> = writes
        .iter()
        .flat_map(|(o, _, id)| {
            o.items
                .iter()
                .enumerate()
                .map(move |(n, item)| (id.as_str(), n as i64, item))
        })
        .collect();
    for chunk in lines.chunks(ROWS_PER_STATEMENT) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO order_items (order_id, line, tenant_id, product_code, sku_code, \
             quantity, unit_price_fen) ",
        );
        q.push_values(chunk, |mut row, (id, line, item)| {
            row.push_bind(*id)
                .push_bind(*line)
                .push_bind(tenant.as_str())
                .push_bind(item.product_code.as_str())
                .push_bind(item.sku_code.as_str())
                .push_bind(item.quantity)
                .push_bind(item.unit_price_fen.fen());
        });
        q.build().persistent(false).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(counts)
}

macro_rules! product_select {
    () => {
        "SELECT id, code, title, category, image_url, attributes, partner, skus, price_fen, \
         stock, updated_at FROM products "
    };
}

macro_rules! order_select {
    () => {
        "SELECT id, tenant_id, order_no, buyer_id, buyer_name, placed_at, items, total_fen, \
         paid_fen, payment_status, shipping_status, after_sale_status, logistics_company, \
         tracking_no, receiver, updated_at FROM orders "
    };
}

pub(crate) async fn product(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    code: &str,
) -> Result<Option<Product>> {
    let row: Option<ProductRow> = sqlx::query_as(concat!(
        product_select!(),
        "WHERE tenant_id = $1 AND code = $2"
    ))
    .bind(tenant_id.to_string())
    .bind(code)
    .fetch_optional(pool)
    .await?;
    row.map(TryInto::try_into).transpose()
}

/// Products whose code, title or category contains `search` (all when empty), by code.
/// Letters match in either case on both backends: SQLite's LIKE ignores ASCII case,
/// PostgreSQL's does not, so both sides are lowered.
pub(crate) async fn products(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    search: &str,
    limit: i64,
) -> Result<Vec<Product>> {
    let pattern = format!("%{}%", like_escape(search));
    let rows: Vec<ProductRow> = sqlx::query_as(concat!(
        product_select!(),
        "WHERE tenant_id = $1 AND ($2 = '' OR LOWER(code) LIKE LOWER($3) ESCAPE '\\' \
         OR LOWER(title) LIKE LOWER($3) ESCAPE '\\' \
         OR LOWER(category) LIKE LOWER($3) ESCAPE '\\') \
         ORDER BY code LIMIT $4"
    ))
    .bind(tenant_id.to_string())
    .bind(search)
    .bind(pattern)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Fills in each order's fulfilment partner: the first of its products that has one.
/// Opens each order's receiver too.
async fn with_partners(
    pool: &Pool<Db>,
    vault: &Vault,
    rows: Vec<OrderRow>,
) -> Result<Vec<(Uuid, Order)>> {
    let mut orders = rows
        .into_iter()
        .map(|r| Ok((uuid(&r.tenant_id)?, r.open(vault)?)))
        .collect::<Result<Vec<_>>>()?;
    let mut wanted: Vec<(String, String)> = orders
        .iter()
        .flat_map(|(tenant, o)| {
            o.items
                .iter()
                .map(move |i| (tenant.to_string(), i.product_code.clone()))
        })
        .collect();
    wanted.sort();
    wanted.dedup();
    let mut partners: std::collections::HashMap<(String, String), Partner> =
        std::collections::HashMap::new();
    for chunk in wanted.chunks(ROWS_PER_STATEMENT / 2) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT tenant_id, code, partner FROM products WHERE partner IS NOT NULL AND (",
        );
        for (n, (tenant, code)) in chunk.iter().enumerate() {
            q.push(if n == 0 {
                "(tenant_id = "
            } else {
                " OR (tenant_id = "
            });
            q.push_bind(tenant.as_str());
            q.push(" AND code = ").push_bind(code.as_str()).push(")");
        }
        q.push(")");
        let rows: Vec<(String, String, String)> =
            q.build_query_as().persistent(false).fetch_all(pool).await?;
        for (tenant, code, partner) in rows {
            let partner = serde_json::from_str(&partner)
                .map_err(|e| StoreError::Corrupt(format!("bad product partner: {e}")))?;
            partners.insert((tenant, code), partner);
        }
    }
    for (tenant, order) in &mut orders {
        let tenant = tenant.to_string();
        order.partner = order
            .items
            .iter()
            .find_map(|i| partners.get(&(tenant.clone(), i.product_code.clone())))
            .cloned();
    }
    Ok(orders)
}

pub(crate) async fn order(
    pool: &Pool<Db>,
    vault: &Vault,
    tenant_id: Uuid,
    order_no: &str,
) -> Result<Option<Order>> {
    let row: Option<OrderRow> = sqlx::query_as(concat!(
        order_select!(),
        "WHERE tenant_id = $1 AND order_no = $2"
    ))
    .bind(tenant_id.to_string())
    .bind(order_no)
    .fetch_optional(pool)
    .await?;
    Ok(with_partners(pool, vault, row.into_iter().collect())
        .await?
        .pop()
        .map(|(_, o)| o))
}

/// A member's orders in this shop, newest first.
pub(crate) async fn orders_of_member(
    pool: &Pool<Db>,
    vault: &Vault,
    tenant_id: Uuid,
    member_id: &str,
    limit: i64,
) -> Result<Vec<Order>> {
    let rows: Vec<OrderRow> = sqlx::query_as(concat!(
        order_select!(),
        "WHERE tenant_id = $1 AND buyer_id = $2 ORDER BY placed_at DESC, order_no DESC LIMIT $3"
    ))
    .bind(tenant_id.to_string())
    .bind(member_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(with_partners(pool, vault, rows)
        .await?
        .into_iter()
        .map(|(_, o)| o)
        .collect())
}

/// A member's orders in every shop, newest first, with the shop each is from. Only the
/// platform's official desk asks this (CH-2).
pub(crate) async fn orders_of_member_everywhere(
    pool: &Pool<Db>,
    vault: &Vault,
    member_id: &str,
    limit: i64,
) -> Result<Vec<(Uuid, Order)>> {
    let rows: Vec<OrderRow> = sqlx::query_as(concat!(
        order_select!(),
        "WHERE buyer_id = $1 ORDER BY placed_at DESC, order_no DESC LIMIT $2"
    ))
    .bind(member_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    with_partners(pool, vault, rows).await
}
