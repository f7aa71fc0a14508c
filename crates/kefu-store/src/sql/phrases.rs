//! The SQL of quick phrases (WB-3): a shop's, its teams' and its agents' canned replies, and
//! how often each was sent.

use kefu_domain::phrases::{CheckedPhrase, MAX_PHRASES, Phrase, PhraseScope};
use kefu_domain::time::now_ms;
use sqlx::Pool;
use uuid::Uuid;

use super::audit::append_all;
use super::{BEGIN_WRITE, Db};
use crate::phrases::{PhraseRow, Visible};
use crate::{NewAudit, Result, StoreError};

const COLUMNS: &str = "id, scope, team, owner_id, category, shortcut, body, initials, image_id, \
                       product_code, uses, updated_at";

type Row = (
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    i64,
);

fn phrase_row(row: Row) -> Result<PhraseRow> {
    let (id, scope, team, owner, category, shortcut, text, initials, image, product, uses, at) =
        row;
    let uuid = |s: &str| {
        Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("phrase id {s}: {e}")))
    };
    Ok(PhraseRow {
        phrase: Phrase {
            id: uuid(&id)?,
            scope: PhraseScope::parse(&scope)
                .ok_or_else(|| StoreError::Corrupt(format!("phrase scope {scope}")))?,
            team,
            owner_id: owner.as_deref().map(uuid).transpose()?,
            category,
            shortcut,
            text,
            image: image.as_deref().map(uuid).transpose()?,
            product_code: product,
            uses,
            updated_at: at,
        },
        initials,
    })
}

/// The phrases `who` may use: the shop's, their team's and their own; or every phrase of
/// the shop for `Visible::All`.
pub(crate) async fn phrases(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    who: &Visible<'_>,
) -> Result<Vec<PhraseRow>> {
    let tenant = tenant_id.to_string();
    let rows: Vec<Row> = match who {
        Visible::All => {
            // Only a compile-time constant is spliced in.
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM phrases WHERE tenant_id = $1 ORDER BY created_at, id"
            )))
            .bind(&tenant)
            .fetch_all(pool)
            .await?
        }
        Visible::Agent { id, team } => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM phrases WHERE tenant_id = $1 AND (scope = 'shop' \
                 OR (scope = 'team' AND team = $2) OR (scope = 'personal' AND owner_id = $3)) \
                 ORDER BY created_at, id"
            )))
            .bind(&tenant)
            .bind(*team)
            .bind(id.to_string())
            .fetch_all(pool)
            .await?
        }
    };
    rows.into_iter().map(phrase_row).collect()
}

pub(crate) async fn phrase(pool: &Pool<Db>, tenant_id: Uuid, id: Uuid) -> Result<Option<Phrase>> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM phrases WHERE tenant_id = $1 AND id = $2"
    )))
    .bind(tenant_id.to_string())
    .bind(id.to_string())
    .fetch_optional(pool)
    .await?;
    row.map(|r| phrase_row(r).map(|p| p.phrase)).transpose()
}

/// Adds a phrase (`owner` for a personal one); `None` when the shop already keeps
/// [`MAX_PHRASES`].
pub(crate) async fn add_phrase(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    owner: Option<Uuid>,
    phrase: &CheckedPhrase,
    audit: impl FnOnce(&Phrase) -> Vec<NewAudit> + Send,
) -> Result<Option<Phrase>> {
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM phrases WHERE tenant_id = $1")
        .bind(&tenant)
        .fetch_one(&mut *tx)
        .await?;
    if count as usize >= MAX_PHRASES {
        return Ok(None);
    }
    let id = Uuid::now_v7();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO phrases (id, tenant_id, scope, team, owner_id, category, shortcut, body, \
         initials, image_id, product_code, uses, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $12)",
    )
    .bind(id.to_string())
    .bind(&tenant)
    .bind(phrase.scope.as_str())
    .bind(&phrase.team)
    .bind(owner.map(|o| o.to_string()))
    .bind(&phrase.category)
    .bind(&phrase.shortcut)
    .bind(&phrase.text)
    .bind(&phrase.initials)
    .bind(phrase.image.map(|i| i.to_string()))
    .bind(&phrase.product_code)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let saved = Phrase {
        id,
        scope: phrase.scope,
        team: phrase.team.clone(),
        owner_id: owner,
        category: phrase.category.clone(),
        shortcut: phrase.shortcut.clone(),
        text: phrase.text.clone(),
        image: phrase.image,
        product_code: phrase.product_code.clone(),
        uses: 0,
        updated_at: now,
    };
    append_all(&mut tx, audit(&saved)).await?;
    tx.commit().await?;
    Ok(Some(saved))
}

/// Rewrites a phrase's text and fields (its scope, team and owner stay); `None` when the
/// shop has no such phrase.
pub(crate) async fn update_phrase(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    phrase: &CheckedPhrase,
    audit: impl FnOnce(&Phrase) -> Vec<NewAudit> + Send,
) -> Result<Option<Phrase>> {
    let tenant = tenant_id.to_string();
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let changed = sqlx::query(
        "UPDATE phrases SET category = $1, shortcut = $2, body = $3, initials = $4, \
         image_id = $5, product_code = $6, updated_at = $7 WHERE tenant_id = $8 AND id = $9",
    )
    .bind(&phrase.category)
    .bind(&phrase.shortcut)
    .bind(&phrase.text)
    .bind(&phrase.initials)
    .bind(phrase.image.map(|i| i.to_string()))
    .bind(&phrase.product_code)
    .bind(now_ms())
    .bind(&tenant)
    .bind(id.to_string())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(None);
    }
    let row: Row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM phrases WHERE tenant_id = $1 AND id = $2"
    )))
    .bind(&tenant)
    .bind(id.to_string())
    .fetch_one(&mut *tx)
    .await?;
    let saved = phrase_row(row)?.phrase;
    append_all(&mut tx, audit(&saved)).await?;
    tx.commit().await?;
    Ok(Some(saved))
}

pub(crate) async fn delete_phrase(
    pool: &Pool<Db>,
    tenant_id: Uuid,
    id: Uuid,
    audit: impl FnOnce(&bool) -> Vec<NewAudit> + Send,
) -> Result<bool> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    let gone = sqlx::query("DELETE FROM phrases WHERE tenant_id = $1 AND id = $2")
        .bind(tenant_id.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected()
        > 0;
    if gone {
        append_all(&mut tx, audit(&gone)).await?;
    }
    tx.commit().await?;
    Ok(gone)
}

/// Counts one more sending of a phrase; false when there is none.
pub(crate) async fn phrase_used(pool: &Pool<Db>, tenant_id: Uuid, id: Uuid) -> Result<bool> {
    Ok(
        sqlx::query("UPDATE phrases SET uses = uses + 1 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id.to_string())
            .bind(id.to_string())
            .execute(pool)
            .await?
            .rows_affected()
            > 0,
    )
}
