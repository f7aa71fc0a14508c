//! Buyers (CH-6): found or created by their channel's id (SQL: `sql/buyers.rs`).

use kefu_domain::account::Buyer;
use kefu_domain::channel::Channel;
use uuid::Uuid;

use crate::{Result, Store};

impl Store {
    /// Finds or creates the buyer a channel knows by `external_id`, refreshing last-seen.
    pub async fn upsert_buyer(
        &self,
        tenant_id: Uuid,
        channel: Channel,
        external_id: &str,
        display_name: &str,
    ) -> Result<Buyer> {
        dispatch!(
            self,
            buyers::upsert_buyer(tenant_id, channel, external_id, display_name)
        )
    }

    /// Records the member level the shop's site vouched for (WB-4).
    pub async fn set_buyer_vip(&self, tenant_id: Uuid, id: Uuid, vip_level: u8) -> Result<()> {
        dispatch!(self, buyers::set_buyer_vip(tenant_id, id, vip_level))
    }

    pub async fn buyer(&self, tenant_id: Uuid, id: Uuid) -> Result<Option<Buyer>> {
        dispatch!(self, buyers::buyer(tenant_id, id))
    }
}
