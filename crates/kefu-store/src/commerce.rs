//! The shop's catalogue and orders (CH-2, CH-6), upserted from its site and looked up for
//! agents and the robot (SQL: `sql/commerce.rs`).

use kefu_domain::commerce::{Order, OrderInput, Product, ProductInput};
use uuid::Uuid;

use crate::{Result, Store};

/// What an upsert of products or orders did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct UpsertCounts {
    pub created: u64,
    pub updated: u64,
    /// Sent again exactly as stored: nothing written.
    pub unchanged: u64,
}

impl std::ops::AddAssign for UpsertCounts {
    fn add_assign(&mut self, other: UpsertCounts) {
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }
}

impl Store {
    /// Inserts or updates products (checked inputs), in one transaction.
    pub async fn upsert_products(
        &self,
        tenant_id: Uuid,
        products: &[ProductInput],
    ) -> Result<UpsertCounts> {
        dispatch!(self, commerce::upsert_products(tenant_id, products))
    }

    /// Inserts or updates orders (checked inputs), in one transaction.
    pub async fn upsert_orders(
        &self,
        tenant_id: Uuid,
        orders: &[OrderInput],
    ) -> Result<UpsertCounts> {
        dispatch!(
            self,
            commerce::upsert_orders(&self.vault, tenant_id, orders)
        )
    }

    pub async fn product(&self, tenant_id: Uuid, code: &str) -> Result<Option<Product>> {
        dispatch!(self, commerce::product(tenant_id, code))
    }

    pub async fn products(
        &self,
        tenant_id: Uuid,
        search: &str,
        limit: i64,
    ) -> Result<Vec<Product>> {
        dispatch!(self, commerce::products(tenant_id, search, limit))
    }

    pub async fn order(&self, tenant_id: Uuid, order_no: &str) -> Result<Option<Order>> {
        dispatch!(self, commerce::order(&self.vault, tenant_id, order_no))
    }

    pub async fn orders_of_member(
        &self,
        tenant_id: Uuid,
        member_id: &str,
        limit: i64,
    ) -> Result<Vec<Order>> {
        dispatch!(
            self,
            commerce::orders_of_member(&self.vault, tenant_id, member_id, limit)
        )
    }

    /// Across every shop, with each order's tenant: for the platform's official desk only.
    pub async fn orders_of_member_everywhere(
        &self,
        member_id: &str,
        limit: i64,
    ) -> Result<Vec<(Uuid, Order)>> {
        dispatch!(
            self,
            commerce::orders_of_member_everywhere(&self.vault, member_id, limit)
        )
    }
}
