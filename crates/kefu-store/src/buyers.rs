//! Buyers (CH-6): found or created by their channel's id (SQL: `sql/buyers.rs`).

use kefu_domain::account::Buyer;
use kefu_domain::channel::Channel;
use kefu_domain::profile::BuyerKey;
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

    /// The buyer a channel knows by `external_id`, if seen before, with their current
    /// conversation: one read, for the doors that see the same buyers again and again (a
    /// platform's callback).
    pub async fn buyer_by_external(
        &self,
        tenant_id: Uuid,
        channel: Channel,
        external_id: &str,
    ) -> Result<Option<(Buyer, Option<Uuid>)>> {
        dispatch!(
            self,
            buyers::buyer_by_external(tenant_id, channel, external_id)
        )
    }

    /// Records the member level the shop's site vouched for (WB-4).
    pub async fn set_buyer_vip(&self, tenant_id: Uuid, id: Uuid, vip_level: u8) -> Result<()> {
        dispatch!(self, buyers::set_buyer_vip(tenant_id, id, vip_level))
    }

    pub async fn buyer(&self, tenant_id: Uuid, id: Uuid) -> Result<Option<Buyer>> {
        dispatch!(self, buyers::buyer(tenant_id, id))
    }

    /// The buyers of `id`'s profile (CH-6: the same person on several channels, merged by
    /// an agent), `id` first; empty when `id` is not the shop's.
    pub async fn buyer_profile(&self, tenant_id: Uuid, id: Uuid) -> Result<Vec<Buyer>> {
        dispatch!(self, buyers::buyer_profile(tenant_id, id))
    }

    /// Puts `other`'s profile into `keep`'s, audited; false when either is not the shop's.
    pub async fn merge_buyers(
        &self,
        tenant_id: Uuid,
        keep: Uuid,
        other: Uuid,
        audit: impl FnOnce() -> Vec<crate::NewAudit> + Send,
    ) -> Result<bool> {
        dispatch!(self, buyers::merge_buyers(tenant_id, keep, other, audit))
    }

    /// Takes a buyer out of their profile, audited; false when not the shop's.
    pub async fn split_buyer(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        audit: impl FnOnce() -> Vec<crate::NewAudit> + Send,
    ) -> Result<bool> {
        dispatch!(self, buyers::split_buyer(tenant_id, id, audit))
    }

    /// Gives a buyer `keys` and links them into one profile with the shop's buyers that
    /// have one of the keys new to them (CH-6); the audit, only when linked, commits with it.
    pub async fn link_buyer(
        &self,
        tenant_id: Uuid,
        id: Uuid,
        keys: &[BuyerKey],
        audit: impl FnOnce(&[Uuid]) -> Vec<crate::NewAudit> + Send,
    ) -> Result<Vec<Uuid>> {
        dispatch!(self, buyers::link_buyer(tenant_id, id, keys, audit))
    }

    /// The keys a buyer carries (CH-6), the oldest first.
    pub async fn buyer_keys(&self, tenant_id: Uuid, id: Uuid) -> Result<Vec<BuyerKey>> {
        dispatch!(self, buyers::buyer_keys(tenant_id, id))
    }
}
