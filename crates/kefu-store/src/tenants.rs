//! Tenants (ACC-1): shops and the platform desk, and each one's settings (SQL:
//! `sql/tenants.rs`).

use kefu_domain::account::{IdentitySecrets, Tenant, TenantKind};
use kefu_domain::guard::ShopSettings;
use uuid::Uuid;

use crate::{NewAudit, Result, Store};

impl Store {
    pub async fn create_tenant(
        &self,
        kind: TenantKind,
        slug: &str,
        name: &str,
        identity_secret: &str,
        audit: impl FnOnce(&Tenant) -> Vec<NewAudit> + Send,
    ) -> Result<Tenant> {
        dispatch!(
            self,
            tenants::create_tenant(&self.vault, kind, slug, name, identity_secret, audit)
        )
    }

    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>> {
        dispatch!(self, tenants::tenant_by_slug(slug))
    }

    /// Every tenant, by slug: for the server's operator (`kefu shop list`), never a request.
    pub async fn tenants(&self) -> Result<Vec<Tenant>> {
        dispatch!(self, tenants::tenants())
    }

    /// Whether the server has any shop or platform desk yet (the first run's check).
    pub async fn any_tenant(&self) -> Result<bool> {
        dispatch!(self, tenants::any_tenant())
    }

    pub async fn tenant(&self, id: Uuid) -> Result<Option<Tenant>> {
        dispatch!(self, tenants::tenant(id))
    }

    /// The secrets a shop's site signs buyer identities and entry links with (CH-2).
    pub async fn identity_secrets(&self, id: Uuid) -> Result<Option<IdentitySecrets>> {
        dispatch!(self, tenants::identity_secrets(&self.vault, id))
    }

    /// A new identity secret; the old one verifies until `grace_until` (none: not at all).
    /// `None` when there is no such tenant.
    pub async fn rotate_identity_secret(
        &self,
        tenant_id: Uuid,
        new_secret: &str,
        grace_until: Option<i64>,
        audit: impl FnOnce(&IdentitySecrets) -> Vec<NewAudit> + Send,
    ) -> Result<Option<IdentitySecrets>> {
        dispatch!(
            self,
            tenants::rotate_identity_secret(&self.vault, tenant_id, new_secret, grace_until, audit)
        )
    }

    /// Stops the previous identity secret verifying now; false if none did.
    pub async fn end_identity_grace(&self, tenant_id: Uuid, audit: Vec<NewAudit>) -> Result<bool> {
        dispatch!(self, tenants::end_identity_grace(tenant_id, audit))
    }

    pub async fn shop_settings(&self, tenant_id: Uuid) -> Result<ShopSettings> {
        dispatch!(self, tenants::shop_settings(tenant_id))
    }

    pub async fn set_shop_settings(
        &self,
        tenant_id: Uuid,
        settings: &ShopSettings,
        audit: impl FnOnce(&ShopSettings) -> Vec<NewAudit> + Send,
    ) -> Result<()> {
        dispatch!(self, tenants::set_shop_settings(tenant_id, settings, audit))
    }
}
