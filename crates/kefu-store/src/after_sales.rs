//! After-sale requests (BOT-4) a flow files for a buyer (SQL: `sql/after_sales.rs`).

use uuid::Uuid;

use crate::{Result, Store};

/// An after-sale request a flow is about to create.
#[derive(Debug, Clone)]
pub struct NewAfterSale<'a> {
    pub tenant_id: Uuid,
    pub order_no: &'a str,
    pub conversation_id: Option<Uuid>,
    pub member_id: &'a str,
    /// `return_refund`, `refund_only` or `exchange`.
    pub kind: &'a str,
    pub sku_code: Option<&'a str>,
    pub item_title: Option<&'a str>,
    pub reason: &'a str,
    pub detail: &'a str,
    pub photo_attachment_id: Option<Uuid>,
}

/// A stored after-sale request.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct AfterSaleRow {
    pub id: Uuid,
    /// What the buyer and the shop quote: `AS` + day + six digits.
    pub case_no: String,
    pub order_no: String,
    pub conversation_id: Option<Uuid>,
    pub member_id: String,
    pub kind: String,
    pub sku_code: Option<String>,
    pub item_title: Option<String>,
    pub reason: String,
    pub detail: String,
    pub photo_attachment_id: Option<Uuid>,
    pub status: String,
    pub created_at: i64,
}

impl Store {
    /// Records an after-sale request and marks its order `requested`.
    pub async fn create_after_sale(&self, new: &NewAfterSale<'_>) -> Result<AfterSaleRow> {
        dispatch!(self, after_sales::create_after_sale(new))
    }

    pub async fn after_sales(&self, tenant_id: Uuid, limit: i64) -> Result<Vec<AfterSaleRow>> {
        dispatch!(self, after_sales::after_sales(tenant_id, limit))
    }
}
